"""The main job: paired replications of three- and five-actor linkage.

``sim compare`` is a built-in experiment. It writes an experiment file for the
parameters given (flags, ``--config``, ``--set``), with the regimes three and five and R
replications, runs it through the experiments runner into ``--out`` (resumable, any
executor, ``SIM_DASK_SCHEDULER`` honoured) and reports it with the analysis code of
``sim report``: the same paired t-intervals and verdicts, so the two never disagree.

Replicate r of both regimes uses the same seed, so both communities face the same
residents, needs, disputes and shocks (common random numbers) and the paired difference
isolates the effect of the linkage.

For interactive use (the dashboard) :func:`run_pairs` runs the same tasks on the same
seeds without writing anything, and :func:`paired_table` gives the same table.
"""

from __future__ import annotations

import json
import math
import shutil
import sys
import threading
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pandas as pd

from sim import io
from sim.model import METRICS, PARAM_SPECS, ConfigError, Params, format_number

REGIME_PAIR = ("three", "five")
OUTPUT_FILES = ("compare.txt", "compare.png", "runs.parquet", "daily.parquet",
                "paired_differences.parquet", "compare.json")
# The statistics of the table: paired t-intervals; verdicts Bonferroni-corrected within two
# families, the headline outcomes (primary) and the other judged metrics (secondary), each
# verdict beside the simultaneous interval that agrees with it (sim.experiments.analysis).
CONFIDENCE, CORRECTION, FAMILY = 0.95, "bonferroni", "primary"
# Marks a results directory as written by `sim compare` (it may then be replaced).
COMPARE_NAME = "compare"
COMPARE_DESCRIPTION = "Built by sim compare: three- versus five-actor linkage, paired replications."
# What the runner and `sim compare` write into a results directory.
_RESULT_ENTRIES = ("manifest.json", "experiment.toml", "design.parquet", "runs.parquet",
                   "daily.parquet", "parts", "failures", "report", *OUTPUT_FILES)


def replicate_seed(root: int, rep: int) -> int:
    """Seed of replicate ``rep``, shared by both regimes (the experiments' shared rule)."""
    from sim.experiments.seeds import run_seed

    return run_seed(root, rep)


# ---------------------------------------------------------------- the built-in experiment


def experiment_toml(params: Params, reps: int, seed: int,
                    regimes: tuple[str, ...] = REGIME_PAIR, name: str = COMPARE_NAME,
                    description: str = COMPARE_DESCRIPTION, command: str = "sim compare",
                    analysis: dict | None = None) -> str:
    """The experiment file of a built-in comparison (``sim compare``, ``sim explain``):
    parameters that differ from the defaults go to [fixed], so the file reads as what the
    user changed; ``analysis`` adds keys to its [analysis] table."""
    values = params.to_dict()
    fixed = {k: v for k, v in values.items()
             if k != "days" and v is not None and (k == "n_residents"
                                                   or v != PARAM_SPECS[k].default)}
    lines = [f"# Written by `{command}`; rerun with `{command}` or `sim experiment`.",
             "[experiment]", f"name = {json.dumps(name)}",
             f"description = {json.dumps(description)}",
             f"regimes = {json.dumps(list(regimes))}", f"replications = {int(reps)}",
             f"days = {int(values['days'])}", f"root_seed = {int(seed)}", 'seeds = "shared"',
             "", "[fixed]"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in fixed.items()]
    lines += ["", "[analysis]", f"baseline = {json.dumps(regimes[0])}",
              f"confidence = {CONFIDENCE}", f"correction = {json.dumps(CORRECTION)}",
              f"primary = {json.dumps(primary_outcomes())}", f"family = {json.dumps(FAMILY)}"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in (analysis or {}).items()]
    return "\n".join(lines) + "\n"


def primary_outcomes() -> list[str]:
    """The primary outcomes of the built-in comparisons: the catalogue's headline metrics."""
    from sim.model import headline_metrics

    return headline_metrics()


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return json.dumps(str(value))     # a TOML basic string (JSON escapes are valid TOML)


def compare_experiment(params: Params, reps: int, seed: int, out: Path,
                       regimes: tuple[str, ...] = REGIME_PAIR, **toml):
    """The comparison as a validated Experiment whose file is ``out/experiment.toml``
    (``toml``: the other arguments of :func:`experiment_toml`)."""
    from sim.errors import SpecError
    from sim.experiments.spec import parse_experiment

    text = experiment_toml(params, reps, seed, regimes, **toml)
    try:
        return parse_experiment(text.encode(), Path(out) / "experiment.toml")
    except SpecError as exc:
        raise ConfigError(str(exc)) from None


def replace_earlier(out: Path, experiment, name: str = COMPARE_NAME,
                    description: str = COMPARE_DESCRIPTION,
                    what: str = "comparison", extra: tuple[str, ...] = ()) -> None:
    """An earlier run of the same built-in command (``name``, ``description``) in ``out``
    with other settings is replaced, as `sim compare` always did; the same settings (or
    only more replications) are resumed instead. Anything else in ``out`` is left for the
    runner to refuse. ``extra``: the command's own output files."""
    from sim.errors import SpecError
    from sim.experiments.spec import differs_only_in_replications
    from sim.experiments.store import read_manifest

    try:
        manifest = read_manifest(out) if (out / "manifest.json").exists() else None
    except SpecError as exc:        # a damaged manifest: one line naming the repair
        raise ConfigError(" ".join(str(exc).split())) from None
    if not manifest:
        return
    spec = manifest.get("experiment", {})
    if spec.get("name") != name or spec.get("description") != description:
        return
    stored = out / "experiment.toml"
    source = experiment.source_bytes()
    if stored.exists() and (stored.read_bytes() == source or (
            differs_only_in_replications(stored.read_bytes(), source)
            and experiment.replications >= spec.get("replications", 0))):
        return
    print(f"sim: replacing the earlier {what} in {out} (it had other settings)",
          file=sys.stderr)
    for entry in (*_RESULT_ENTRIES, *extra):
        path = out / entry
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def run_compare(params: Params, reps: int, seed: int, workers: int | None, out: Path) -> str:
    """Run (or resume) the paired comparison into ``out``, write the tables and the
    figure, and return the printed report."""
    out = Path(out)
    experiment = compare_experiment(params, reps, seed, out)
    replace_earlier(out, experiment)
    return run_builtin(experiment, out, workers, "comparison",
                       lambda results: write_compare_outputs(results, params, out))


def run_builtin(experiment, out: Path, workers: int | None, what: str,
                write_outputs: Callable[..., str]) -> str:
    """Run (or resume) a built-in experiment (``sim compare``, ``sim explain``) into
    ``out`` on the runner, then write its outputs from the stored results with
    ``write_outputs(results)``, and return what it returns. Problems are one line."""
    from sim.errors import SpecError
    from sim.experiments.runner import run_experiment
    from sim.experiments.store import load_results

    try:
        sweep = run_experiment(experiment, out, workers=workers, progress=True)
    except SpecError as exc:
        raise ConfigError(" ".join(str(exc).split())) from None
    if sweep.aborted:
        raise ConfigError(f"{sweep.aborted} runs did not execute (executor error); the "
                          f"{sweep.total - sweep.aborted} stored in {out} are kept: rerun the "
                          f"same command to resume")
    try:
        text = write_outputs(load_results(out))
    except OSError as exc:   # the runs are stored: say so, and how to finish
        where = getattr(exc, "filename", None) or out
        raise ConfigError(f"--out {out}: cannot write {where} ({exc.strerror or exc}); the "
                          f"{sweep.total} runs are stored there: rerun the same command to "
                          f"write the tables") from None
    print(f"{out}: {sweep.executed} runs executed ({sweep.failed} failed), "
          f"{sweep.already_done} already stored, {sweep.total} in the {what}; "
          f"{sweep.seconds:.1f} s", file=sys.stderr)
    return text


def write_compare_outputs(results, params: Params, out: Path) -> str:
    """compare.txt/.png/.json and paired_differences.parquet from stored results."""
    from sim.plots import compare_figure

    spec = results.manifest["experiment"]
    a, b = spec["regimes"][:2]
    runs = results.runs
    table = paired_table(runs, a, b, metrics=results.metrics)
    failed = int((runs["status"] != "ok").sum())
    report = format_table(table, spec["replications"], params, a, b, failed=failed,
                          root_seed=spec["root_seed"])
    io.write_parquet(table, out / "paired_differences.parquet")
    io.write_text(report + "\n", out / "compare.txt")
    compare_figure(results.daily(), out / "compare.png", regimes=spec["regimes"])
    io.write_json(_compare_json(results, params), out / "compare.json")
    return f"{report}\n\nwrote {', '.join(OUTPUT_FILES)} to {out}/ (a results directory: " \
           f"`sim report {out}` and `sim query {out} SQL` read it)"


def _compare_json(results, params: Params) -> dict:
    """Seeds, parameters and the manifest's provenance (version, commit, packages)."""
    m, spec = results.manifest, results.manifest["experiment"]
    seeds = results.runs.groupby("rep")["seed"].first()
    return {"reps": spec["replications"], "root_seed": spec["root_seed"],
            "regimes": spec["regimes"], "seed_rule": spec.get("seeds"),
            "seed_derivation": m.get("seed_derivation"),
            "seeds": [int(seeds[r]) for r in sorted(seeds.index)],
            "params": params.to_dict(),
            "interval": f"{round(CONFIDENCE * 100)}% paired t-interval",
            "correction": CORRECTION, "family": FAMILY, "primary": primary_outcomes(),
            "version": m.get("packages", {}).get("sim"), "git_commit": m.get("git_commit"),
            "git_dirty": m.get("git_dirty"), "packages": m.get("packages"),
            "started": m.get("started"), "ended": m.get("ended"), "counts": m.get("counts"),
            "experiment_sha256": m.get("experiment_sha256")}


# ---------------------------------------------------------------- tables


def paired_table(runs: pd.DataFrame, a: str = "three", b: str = "five",
                 metrics: list[str] | None = None) -> pd.DataFrame:
    """Per metric (headline first): mean under a and b, mean paired difference b - a, its
    95% paired t-interval (unadjusted), pairs, direction, verdict (Bonferroni within its
    family: the headline outcomes, or the other judged metrics), better_in (pairs in which
    b is better), and p-values, d_z, events, MDE, the family and the adjusted interval
    (ci_adj_low, ci_adj_high at adj_level) that agrees with the verdict.

    ``runs`` is a run table from ``run_pairs`` or from stored results; the numbers equal
    those of ``sim report`` on the same runs.
    """
    from sim.experiments.analysis import ordered_metrics, paired_differences

    metrics = [m for m in (metrics or METRICS) if m in runs]
    diffs = paired_differences(runs, metrics, baseline=a, regimes=[b], confidence=CONFIDENCE,
                               correction=CORRECTION, family=FAMILY,
                               primary=primary_outcomes())
    table = diffs.rename(columns={"mean_baseline": a, "mean_regime": b, "diff": "difference",
                                  "n": "pairs"})
    table = table.set_index("metric").loc[ordered_metrics(metrics)].reset_index()
    first = ["metric", a, b, "difference", "ci_low", "ci_high", "pairs", "direction",
             "verdict", "better_in"]
    rest = ["p_value", "p_adjusted", "effect_dz", "mde", "pair_corr", "events_baseline",
            "events_regime", "identical", "family", "family_size", "adj_level", "ci_adj_low",
            "ci_adj_high"]
    return table[first + rest]


def format_table(table: pd.DataFrame, reps: int, params: Params, a: str = "three",
                 b: str = "five", failed: int = 0, root_seed: int | None = None) -> str:
    """The printed comparison: direction, both means, difference, interval, verdict,
    pairs in which b is better, and for metrics resting on counted events the events and
    the minimum detectable effect."""
    from sim.experiments.analysis import CORRECTION_NAMES

    level = round(CONFIDENCE * 100)
    sizes = table.groupby("family", sort=False)["family_size"].first()
    levels = table.groupby("family", sort=False)["adj_level"].max()
    families = "; ".join(f"{'headline outcomes' if name == 'primary' else 'other judged metrics'}"
                         f": {int(n)} at {100 * levels[name]:.4g}%" for name, n in sizes.items()
                         if n)
    head = [f"{a}- versus {b}-actor linkage: {reps} paired replications, {_scale(params, reps)}"
            + (f", root seed {root_seed}" if root_seed is not None else "")
            + (f" ({failed} failed runs left out)" if failed else ""),
            (f"difference = {b} - {a} (mean over pairs); CI: its {level}% paired t-interval, "
             f"unadjusted; adjusted CI: the {CORRECTION_NAMES[CORRECTION]} simultaneous "
             f"interval of its family ({families}), which excludes 0 exactly when the "
             f"verdict is better or worse"), ""]
    cols = [("metric", 30, "<"), ("better", 6, "<"), (a, 10, ">"), (b, 10, ">"),
            ("difference", 10, ">"), (f"{level}% CI", 22, ">"), ("adjusted CI", 22, ">"),
            ("verdict", 19, ">"), (f"{b} better in", len(b) + 10, ">"), ("events", 11, ">"),
            ("MDE", 8, ">")]
    lines = head + [" ".join(f"{name:{align}{width}}" for name, width, align in cols)]
    for row in table.to_dict("records"):
        has_events = METRICS.get(row["metric"]) is not None and METRICS[row["metric"]].events
        ci = "" if math.isnan(row["ci_low"]) else \
            f"[{format_number(row['ci_low'])}, {format_number(row['ci_high'])}]"
        adjusted = "" if math.isnan(row["ci_adj_low"]) else \
            f"[{format_number(row['ci_adj_low'])}, {format_number(row['ci_adj_high'])}]"
        better_in = "" if pd.isna(row["better_in"]) or not row["pairs"] else \
            f"{row['better_in']} of {row['pairs']}"
        events = f"{format_number(row['events_baseline'])}/" \
                 f"{format_number(row['events_regime'])}" if has_events else ""
        mde = format_number(row["mde"]) if has_events else ""
        direction = row["direction"] if isinstance(row["direction"], str) else "-"
        cells = [row["metric"], direction, format_number(row[a]),
                 format_number(row[b]), format_number(row["difference"]), ci, adjusted,
                 row["verdict"], better_in, events, mde]
        lines.append(" ".join(f"{c!s:{align}{width}}"
                               for c, (_, width, align) in zip(cells, cols)))
    lines += ["",
              *_events_note(table, a, b, params),
              ("better: which value is better (the metric catalogue, sim.model.METRICS); '-' "
               "marks supporting counts, never judged."),
              (f"events: the count ({a}/{b}, summed over replicates) an interval rests on; "
               f"below the catalogue's minimum the verdict is 'too few events'."),
              ("MDE: the smallest true difference these pairs detect with 80% power "
               "(two-sided 5% paired t-test)."),
              "n/a: no value in a regime (e.g. volunteers under three)."]
    return "\n".join(lines)


def _scale(params: Params, reps: int) -> str:
    """What one replicate simulates: a community, or a street of them (and for how long)."""
    if params.communities == 1:
        return f"{params.n_residents} residents, {params.days} days"
    years = params.days / 365
    return (f"each a street of {params.communities} communities of {params.n_residents:,} "
            f"residents ({params.communities * params.n_residents:,} in all), {params.days} "
            f"days: {reps * params.communities * years:,.0f} paired community-years")


def _events_note(table: pd.DataFrame, a: str, b: str, params: Params) -> list[str]:
    """For a street: what the dispute outcomes rest on, in words."""
    if params.communities == 1:
        return []
    rows = table.set_index("metric")
    lines = []
    for metric in ("complaints_per_10k", "court_filings_per_10k"):
        if metric in rows.index:
            row = rows.loc[metric]
            lines.append(f"{metric} rests on {format_number(row['events_baseline'])} events "
                         f"under {a} and {format_number(row['events_regime'])} under {b}; "
                         f"these pairs detect a difference of {format_number(row['mde'])} "
                         f"(80% power).")
    return lines + [""] if lines else []


# ---------------------------------------------------------------- in-memory pairs


def run_pairs(params: Params | dict, reps: int, seed: int, workers: int | None = None,
              regimes=REGIME_PAIR, progress: bool = True,
              on_progress: Callable[[int, int], None] | None = None,
              cancel: threading.Event | None = None,
              executor: tuple[Any, dict[str, Any]] | None = None,
              ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run every (replicate, regime) on the comparison's seeds; return the run table and
    the daily table, sorted, without writing anything.

    The runs are the experiments runner's tasks (``sim.experiments.tasks.run_task``) on
    the runner's executors: in this process for ``workers=1``, a local process pool
    otherwise (or Dask with ``SIM_DASK_SCHEDULER``). A replicate's regimes are one task,
    run side by side (the controls share one five-actor twin). ``on_progress(done,
    total)`` is called after every run; setting ``cancel`` stops submitting new replicates
    (those in flight finish) and the tables hold the runs done before it was set. A run whose model
    raises is a row with ``status = "failed"`` and its ``error``. Results do not depend on the
    worker count. ``executor``, an ``(executor, description)`` pair from
    ``sim.experiments.executors.open_executor``, runs several calls on one pool (a sweep's
    levels) instead of opening one per call; ``workers`` is then ignored.
    """
    from tqdm import tqdm

    from sim.experiments.executors import InFlight, capacity, open_executor
    from sim.experiments.tasks import RunTask, run_task

    values = params.to_dict() if isinstance(params, Params) else dict(params)
    # a replicate's regimes run side by side in one task, as in the experiments runner:
    # its controls then share one five-actor twin instead of building one each
    tasks = [RunTask(0, "base", rep, replicate_seed(seed, rep), values, tuple(regimes))
             for rep in range(reps)]
    total = reps * len(regimes)
    rows: list[dict] = []
    dailies: list[pd.DataFrame] = []
    with (nullcontext(executor) if executor else open_executor(workers)) as (pool, info), \
            tqdm(total=total, desc="runs", unit="run", disable=not progress,
                 file=sys.stderr) as bar, \
            InFlight(pool, run_task, tasks, capacity(info), cancel) as flight:
        for task, future in flight:
            for outcome in future.result():
                if cancel is not None and cancel.is_set():
                    break                  # what finishes after a cancel is left out
                _add_run(rows, dailies, task, outcome)
                bar.update()
                if on_progress:
                    on_progress(len(rows), total)
    runs = pd.DataFrame(rows, columns=None if rows else ["rep", "regime", "seed", "status"])
    runs = runs.sort_values(["rep", "regime"], ignore_index=True)
    daily = pd.concat(dailies) if dailies else pd.DataFrame(columns=["rep", "regime", "day"])
    daily = daily.sort_values(["rep", "regime", "day"], ignore_index=True)
    return runs, daily


def _add_run(rows: list[dict], dailies: list[pd.DataFrame], task, outcome) -> None:
    """One run's row (replicate, regime, seed, status, error, summary) and daily series."""
    rows.append({"rep": task.rep, "regime": outcome.regime, "seed": task.seed,
                 "status": outcome.status, "error": outcome.error, **outcome.summary})
    if outcome.daily is not None:
        dailies.append(outcome.daily.assign(rep=task.rep, regime=outcome.regime))

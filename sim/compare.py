"""The main job: paired replications of three- and five-actor linkage.

Replicate r of both regimes uses the same seed, so both communities face the same
residents, needs, disputes and shocks (common random numbers) and the paired difference
isolates the effect of the linkage. The runner knows the model only through
``sim.api.simulate``: parameters in, summary metrics and daily series out.
"""

from __future__ import annotations

import math
from concurrent.futures import FIRST_COMPLETED, wait
from pathlib import Path

import pandas as pd
from scipy import stats
from tqdm import tqdm

from sim import io
from sim.api import SUMMARY_METRICS, simulate
from sim.experiments.executors import capacity, default_workers, open_executor
from sim.experiments.seeds import run_seed
from sim.metrics import format_number
from sim.params import Params

REGIME_PAIR = ("three", "five")
OUTPUT_FILES = ("compare.txt", "compare.png", "runs.parquet", "daily.parquet",
                "paired_differences.parquet", "compare.json")
HEADLINE = ["unmet_need_share", "unmet_need_hours", "mean_response_days", "unmet_need_share_vulnerable",
            "dispute_escalation_share", "court_filings_per_10k", "true_resolution_share",
            "reignition_share", "cost_per_resolved_case", "unspent_funds",
            "coordination_overhead_share", "volunteer_retention"]


def replicate_seed(root: int, rep: int) -> int:
    """Seed of replicate ``rep``: the experiments' stateless rule, shared by both regimes."""
    return run_seed(root, 0, rep)


def _one_run(params: dict, regime: str, rep: int, seed: int):
    result = simulate(params, regime, seed)
    daily = result.daily.assign(rep=rep, regime=regime)
    return {"rep": rep, "regime": regime, "seed": seed, **result.summary}, daily


def run_pairs(params: Params, reps: int, seed: int, workers: int | None = None,
              regimes=REGIME_PAIR, progress: bool = True, on_progress=None, cancel=None):
    """Run every (replicate, regime); return the run table and the daily table, sorted.

    Runs go through the experiments' executor seam: in this process for one worker, a
    local process pool otherwise. Results do not depend on the number of workers.
    ``on_progress(done, total)`` is called after every run; setting the threading.Event
    ``cancel`` stops submitting new runs (the tables then hold the runs finished so far).
    """
    tasks = [(params.to_dict(), regime, rep, replicate_seed(seed, rep))
             for rep in range(reps) for regime in regimes]
    workers = min(workers or default_workers(), len(tasks))
    rows, dailies = [], []
    with open_executor(workers) as (executor, description), \
            tqdm(total=len(tasks), desc="runs", unit="run", disable=not progress) as bar:
        queue, in_flight = iter(tasks), set()
        while True:  # keep a bounded number of runs in flight, so cancel takes effect soon
            while len(in_flight) < capacity(description) and not (cancel and cancel.is_set()):
                task = next(queue, None)
                if task is None:
                    break
                in_flight.add(executor.submit(_one_run, *task))
            if not in_flight:
                break
            done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                row, daily = future.result()
                rows.append(row)
                dailies.append(daily)
                bar.update()
                if on_progress:
                    on_progress(len(rows), len(tasks))
    if not rows:
        return pd.DataFrame(columns=["rep", "regime", "seed"]), pd.DataFrame()
    runs = pd.DataFrame(rows).sort_values(["rep", "regime"], ignore_index=True)
    daily = pd.concat(dailies).sort_values(["rep", "regime", "day"], ignore_index=True)
    return runs, daily


def paired_table(runs: pd.DataFrame, a: str = "three", b: str = "five") -> pd.DataFrame:
    """Per metric: mean under a and b, mean paired difference b - a, its 95% t-interval."""
    wide = runs.pivot(index="rep", columns="regime")
    rows = []
    for metric in HEADLINE + [m for m in SUMMARY_METRICS if m not in HEADLINE]:
        diff = (wide[(metric, b)] - wide[(metric, a)]).dropna()
        n = len(diff)
        mean = diff.mean() if n else math.nan
        half = stats.t.ppf(0.975, n - 1) * diff.std(ddof=1) / math.sqrt(n) if n > 1 else math.nan
        rows.append({"metric": metric, a: wide[(metric, a)].mean(), b: wide[(metric, b)].mean(),
                     "difference": mean, "ci_low": mean - half, "ci_high": mean + half,
                     "pairs": n})
    return pd.DataFrame(rows)


def format_table(table: pd.DataFrame, reps: int, params: Params) -> str:
    head = (f"three- versus five-actor linkage: {reps} paired replications, "
            f"{params.n_residents} residents, {params.days} days (difference = five - three, "
            f"95% confidence interval over pairs)")
    lines = [head, "", f"{'metric':<30}{'three':>14}{'five':>14}{'difference':>14}  95% CI"]
    for row in table.itertuples():
        ci = "" if math.isnan(row.ci_low) else f"  [{format_number(row.ci_low)}, {format_number(row.ci_high)}]"
        sig = " *" if not math.isnan(row.ci_low) and (row.ci_low > 0 or row.ci_high < 0) else ""
        lines.append(f"{row.metric:<30}{format_number(row.three):>14}{format_number(row.five):>14}"
                     f"{format_number(row.difference):>14}{ci}{sig}")
    lines.append("")
    lines.append("* the interval excludes zero. Metrics marked n/a have no cases in a regime "
                 "(e.g. volunteers under three).")
    return "\n".join(lines)


def run_compare(params: Params, reps: int, seed: int, workers: int | None, out: Path) -> str:
    """Run the paired comparison, write tables and the figure to ``out``, return the report."""
    from sim.plots import compare_figure

    runs, daily = run_pairs(params, reps, seed, workers)
    table = paired_table(runs)
    report = format_table(table, reps, params)
    io.write_parquet(runs, out / "runs.parquet")
    io.write_parquet(daily, out / "daily.parquet")
    io.write_parquet(table, out / "paired_differences.parquet")
    io.write_text(report + "\n", out / "compare.txt")
    compare_figure(daily, out / "compare.png")
    io.write_json({"reps": reps, "root_seed": seed, "regimes": list(REGIME_PAIR),
                   "seeds": [replicate_seed(seed, r) for r in range(reps)],
                   "params": params.to_dict()}, out / "compare.json")
    return f"{report}\n\nwrote {', '.join(OUTPUT_FILES)} to {out}/"

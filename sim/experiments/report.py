"""``sim report DIR``: a Markdown and a self-contained HTML report with PNG figures, and every
table as CSV and LaTeX, from stored results.

The report is built as a list of blocks (heading, text, table, figure) rendered twice
(``render.py``), so the Markdown and the HTML always say the same thing; each table is also
written as ``tables/<name>.csv`` and ``tables/<name>.tex`` (booktabs), and the main ones as
``differences.csv``, ``model_differences.csv``, ``design_effects.csv`` (...) beside the
report.

**One set of comparisons, judged once.** Every comparison the report shows with a verdict
(each regime minus the baseline per scenario or pooled, each grid cell, each model variant
minus the reference model) is computed first, and the multiple-comparison correction runs
over the families the experiment declares (``[analysis] primary``, ``family``,
``correction``; see ``analysis.judge``). Every section then reads its verdicts and
**adjusted intervals** from that one table, so a verdict and the interval beside it always
agree, and the same comparison has the same verdict wherever it appears. Intervals without
a verdict (interaction plots of marginal means, the ladder, break-even curves) say
"unadjusted".

Figures and tables are labelled from the catalogues (``sim.labels``): metrics by their
definition and unit, parameters by name and unit; a closing note maps labels to the column
names of the data files.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import SpecError
from sim.io import atomic_write
from sim.labels import labels_note, metric_label, metric_unit, param_label, series_label, wrap
from sim.plots import COLOURS, grid_margins, tidy_panels

from . import analysis
from .catalogue import from_manifest
from .render import Block, slug, write_document
from .report_design import design_section
from .store import ResultStore, load_results
from .tables import MISSING, Table

MAX_SCENARIO_PANELS = 12     # above this, the differences table is pooled over scenarios
MAX_PANELS_PER_FIGURE = 36   # daily small multiples: panels per figure
MAX_FIGURE_METRICS = 20      # forest plots and verdict grids: above, the key metrics only
DIFF_COLUMNS = ["regime", "metric", "direction", "n", "mean_baseline", "mean_regime", "diff",
                "ci_low", "ci_high", "effect_dz", "better_in", "events_baseline",
                "events_regime", "mde", "pair_corr", "p_adjusted", "verdict"]
BAR_NAMES = {"S1": "first order S1", "ST": "total order ST", "mu_star": "mu* (mean |effect|)",
             "sigma": "sigma (spread of effects)", "spearman": "Spearman rho"}
VERDICT_COLOURS = {analysis.VERDICT_BETTER: "#1b7837", analysis.VERDICT_WORSE: "#b2182b",
                   analysis.VERDICT_UNCLEAR: "#f0e442", analysis.VERDICT_FEW_EVENTS: "#bbbbbb",
                   analysis.VERDICT_NOT_JUDGED: "#e6e6e6", analysis.VERDICT_NO_DATA: "#ffffff"}


@dataclass
class Settings:
    """What the report reads from the experiment's [analysis] table (and flags)."""

    baseline: str
    confidence: float
    correction: str
    family: str
    primary: list[str]            # effective primary outcomes (declared, or headline)
    declared: bool                # primary outcomes were declared
    metrics: list[str]            # analysed metrics, primary first
    catalogue: dict

    @property
    def level(self) -> int:
        return round(self.confidence * 100)

    def key_metrics(self) -> list[str]:
        """The metrics the design sections and crowded figures show."""
        from .report_design import key_metrics

        return key_metrics(self.metrics, self.primary if self.declared else ())

    def figure_metrics(self) -> list[str]:
        return self.metrics if len(self.metrics) <= MAX_FIGURE_METRICS else self.key_metrics()


def write_report(results_dir: str | Path, out_dir: str | Path | None = None,
                 baseline: str | None = None, *, primary: list[str] | None = None,
                 family: str | None = None, correction: str | None = None) -> Path:
    """Write report.md, report.html (self-contained), figures/*.png, tables/*.csv and
    tables/*.tex, and the main tables as CSV; return the Markdown path. ``baseline``,
    ``primary``, ``family`` and ``correction`` replace the experiment's [analysis] values
    (e.g. compare five with a control instead of with three); SpecError if the results
    have no such regime or metric."""
    import matplotlib
    matplotlib.use("Agg")

    res = load_results(results_dir)
    _override(res, baseline, primary, family, correction)
    out = Path(out_dir) if out_dir else res.root / "report"
    (out / "figures").mkdir(parents=True, exist_ok=True)
    for old in (out / "figures").rglob("*.png"):   # figures of an earlier report
        old.unlink()
    blocks, tables = _build(res, out)
    for name, table in tables.items():
        if not table.empty:
            atomic_write(out / f"{name}.csv", lambda tmp, t=table: t.to_csv(tmp, index=False))
        else:
            (out / f"{name}.csv").unlink(missing_ok=True)
    title = f"Experiment report: {res.manifest['experiment']['name']}"
    return write_document(out, "report", title, blocks)


def _override(res, baseline, primary, family, correction) -> None:
    """Apply the command line's replacements of [analysis] values, checked in one line."""
    spec = res.manifest["experiment"]
    a = spec["analysis"]
    if baseline is not None:
        if baseline not in spec["regimes"]:
            raise SpecError("--baseline", repr(baseline[:60]),
                            f"not a regime of these results (one of: "
                            f"{', '.join(spec['regimes'])})")
        a["baseline"] = baseline
    if correction is not None:
        if correction not in analysis.CORRECTIONS:
            raise SpecError("--correction", repr(correction[:60]),
                            f"must be one of {', '.join(analysis.CORRECTIONS)}")
        a["correction"] = correction
    if primary is not None:
        catalogue = from_manifest(res.manifest)
        for name in primary:
            if name not in res.metrics:
                raise SpecError("--primary", repr(name[:60]), "not a metric of these results")
            if getattr(catalogue.get(name), "direction", None) is None:
                raise SpecError("--primary", repr(name[:60]), "has no better direction in "
                                "the metric catalogue: a primary outcome must be judged")
        a["primary"] = list(primary)
        a["family"] = "primary"                 # unless --family says otherwise (below)
    if family is not None:
        if family not in analysis.FAMILIES:
            raise SpecError("--family", repr(family[:60]),
                            f"must be one of {', '.join(analysis.FAMILIES)}")
        a["family"] = family


def _settings(res) -> Settings:
    from sim.model import headline_metrics

    a = res.manifest["experiment"]["analysis"]
    catalogue = from_manifest(res.manifest)
    declared = list(a.get("primary") or [])
    metrics_all = list(a["metrics"] or res.metrics)
    effective = declared or [m for m in headline_metrics() if m in metrics_all]
    return Settings(baseline=a["baseline"], confidence=a["confidence"],
                    correction=a.get("correction", "holm"), family=a.get("family", "all"),
                    primary=effective, declared=bool(declared),
                    metrics=analysis.ordered_metrics(metrics_all, declared),
                    catalogue=catalogue)


# ---------------------------------------------------------------- model variants as a factor


def model_names(res) -> list[str]:
    """The model variants of the results in the experiment file's order (none: [""])."""
    if "model" not in res.runs or "model" not in res.design:
        return [""]
    return list(dict.fromkeys(res.design.sort_values("scenario")["model"]))


def model_subset(res, name: str):
    """The results of one model variant as if it were an experiment of its own: scenarios
    renumbered to their design points, labels without the variant's name."""
    if not name:
        return res
    design = res.design[res.design["model"] == name].copy()
    labels = {row.scenario: _point_label(row.label, name) for row in design.itertuples()}
    points = dict(zip(design["scenario"], design["point"], strict=True))
    runs = res.runs[res.runs["model"] == name].copy()
    runs["label"] = runs["scenario"].map(labels)
    runs["scenario"] = runs["scenario"].map(points).astype("int64")
    design["label"] = design["scenario"].map(labels)
    design["scenario"] = design["point"].astype("int64")
    manifest = {**res.manifest, "experiment": {**res.manifest["experiment"]}}
    manifest["experiment"]["design"] = {**manifest["experiment"]["design"],
                                        "n_scenarios": len(design)}
    return dataclasses.replace(res, runs=runs.reset_index(drop=True),
                               design=design.reset_index(drop=True), manifest=manifest)


def _point_label(label: str, name: str) -> str:
    prefix = f"{name}: "
    return label[len(prefix):] if label.startswith(prefix) else "base"


def model_differences(res, metrics: list[str], reference: str, s: Settings) -> pd.DataFrame:
    """Each model variant minus the reference model, per regime and design point (pooled
    over points above a dozen), paired on the replicate: the same seeds (unjudged)."""
    names = model_names(res)
    runs = analysis.ok_runs(res.runs)
    points = res.design.set_index("scenario")["point"]
    frames = []
    for regime in dict.fromkeys(runs["regime"]):
        part = runs[runs["regime"] == regime].copy()
        part["label"] = [_point_label(lab, m) for lab, m in zip(part["label"], part["model"],
                                                                strict=True)]
        part["scenario"] = part["scenario"].map(points).astype("int64")
        part["regime"] = part["model"]
        many = part["scenario"].nunique() > MAX_SCENARIO_PANELS
        rows = analysis.paired_differences(
            part, metrics, reference, pooled=many, confidence=s.confidence,
            regimes=[n for n in names if n != reference], correction="none",
            catalogue=s.catalogue)
        frames.append(rows.rename(columns={"regime": "model"}).assign(
            regime=regime, baseline_model=reference))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


# ---------------------------------------------------------------- the comparisons


def comparisons(res, s: Settings, spec: dict) -> pd.DataFrame:
    """Every comparison the report judges, judged once over the declared families.

    ``table`` says where a row is shown: "differences" (regime minus baseline, per
    scenario or pooled), "cells" (a grid's cells when the differences are pooled), or
    "models" (variant minus reference model); ``model`` the variant ("" without a models
    factor); ``scope`` what the "scenario" family groups by.
    """
    frames = []
    regimes = _compared(spec)
    for name in model_names(res):
        sub = model_subset(res, name)
        if len(spec["regimes"]) < 2 or not sub.runs["status"].eq("ok").any():
            continue
        many = sub.runs["scenario"].nunique() > MAX_SCENARIO_PANELS
        rows = analysis.paired_differences(sub.runs, s.metrics, s.baseline, pooled=many,
                                           confidence=s.confidence, regimes=regimes,
                                           correction="none", catalogue=s.catalogue)
        frames.append(rows.assign(table="differences", model=name))
        if many and spec["design"]["method"] == "grid":
            cells = analysis.paired_differences(
                sub.runs, s.key_metrics(), s.baseline,
                regimes=[r for r in regimes if r != s.baseline], confidence=s.confidence,
                correction="none", catalogue=s.catalogue)
            frames.append(cells.assign(table="cells", model=name))
    if model_names(res) != [""] and res.runs["status"].eq("ok").any():
        reference = spec["analysis"].get("baseline_model") or model_names(res)[0]
        frames.append(model_differences(res, s.metrics, reference, s).assign(table="models"))
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame()
    table = pd.concat(frames, ignore_index=True)
    table["scope"] = [f"{m}: {lab}" if m and t != "models" else str(lab)
                      for m, lab, t in zip(table["model"], table["label"], table["table"],
                                           strict=True)]
    judged = analysis.judge(table.assign(label=table["scope"]), s.confidence, s.correction,
                            s.family, s.primary, s.catalogue)
    judged["label"] = table["label"]
    return judged


def display_labels(design: pd.DataFrame, method: str) -> dict[str, str]:
    """Stored scenario label -> the label a reader sees: grid and sweep scenarios name
    their parameters in words ("Crowd out elasticity = 0.75"), others keep their label."""
    if design.empty or "label" not in design:
        return {}
    params = [c for c in design.columns if c.startswith("param_")]
    out = {}
    for row in design.to_dict("records"):
        label = str(row["label"])
        if method in ("grid", "sweep") and params:
            parts = [f"{param_label(c[len('param_'):], unit=False)} = {_level(row[c])}"
                     for c in params if not (isinstance(row[c], float) and np.isnan(row[c]))]
            model = str(row.get("model") or "")
            out[label] = (f"{model}: " if model and label.startswith(f"{model}: ") else "") \
                + ", ".join(parts)
        else:
            out[label] = label
    return out


def _level(value) -> str:
    return f"{value:g}" if isinstance(value, (int, float, np.number)) and not isinstance(
        value, bool) else str(value)


def _compared(spec: dict) -> list[str]:
    """The regimes the differences table shows: all, except the ladder's intermediate
    rungs (the ladder section reads them)."""
    if not spec["analysis"].get("ladder"):
        return spec["regimes"]
    from .attribution import BASE_RUNGS, FIVE

    shown = {regime for regime, _ in BASE_RUNGS} | {FIVE}
    return [r for r in spec["regimes"] if r in shown]


# ---------------------------------------------------------------- the report


def _build(res, out: Path) -> tuple[list[Block], dict[str, pd.DataFrame]]:
    m, spec = res.manifest, res.manifest["experiment"]
    s = _settings(res)
    counts = m.get("counts", {})
    judged = comparisons(res, s, spec)
    blocks = [Block("p", _provenance(m, counts, model_names(res))),
              Block("p", _statistics(s, judged))]
    tables = {"differences": pd.DataFrame(), "design_effects": pd.DataFrame(),
              "ladder": pd.DataFrame(), "break_even": pd.DataFrame(),
              "posterior_headline": pd.DataFrame(), "model_differences": pd.DataFrame()}
    if counts.get("failed"):
        failed = res.runs[res.runs["status"] == "failed"][["run_key", "error"]]
        blocks += [Block("h2", "Failed runs"),
                   Block("p", f"{len(failed)} runs failed; they are left out of every "
                              "comparison below (tracebacks in failures/)."),
                   Block("table", Table("failed_runs", failed.head(20).reset_index(drop=True),
                                        caption="Failed runs (the first 20)"))]
    names = model_names(res)
    if names != [""] and not judged.empty:
        rows = judged[judged["table"] == "models"]
        tables["model_differences"] = rows
        shown = display_labels(model_subset(res, names[0]).design, spec["design"]["method"])
        blocks += _models_section(rows, s, out, shown)
    design_tables = []
    for name in names:
        sub = model_subset(res, name)
        fig = out / "figures" / (slug(name) if name else "")
        fig.mkdir(parents=True, exist_ok=True)
        mine = judged[judged["model"] == name] if not judged.empty else judged
        section, found = _sections(sub, spec, s, mine, fig, name)
        if name:      # a variant's sections sit one level below its heading
            blocks.append(Block("h2", f"Model {name}: {_model_reference(spec, name)}"))
            section = [Block({"h2": "h3", "h3": "h4"}.get(b.kind, b.kind), b.content,
                             b.caption) for b in section]
        blocks += section
        for key, table in found.items():
            if key == "design_effects":
                design_tables.append(table.assign(model=name) if name else table)
            elif not table.empty:
                tables[key] = pd.concat([tables[key], table.assign(model=name) if name
                                         else table], ignore_index=True)
    if design_tables:
        tables["design_effects"] = pd.concat(design_tables, ignore_index=True)
    if not judged.empty:
        tables["differences"] = judged[judged["table"] == "differences"].drop(
            columns=["table", "scope"] + (["model"] if names == [""] else []))
    blocks += _bands(res, s, spec, out)
    params = [c[len("param_"):] for c in res.design.columns if c.startswith("param_")]
    note = labels_note(s.metrics, params, s.catalogue)
    if note:
        blocks += [Block("h2", "Names in the data files"), Block("p", note)]
    return blocks, tables


def _model_reference(spec: dict, name: str) -> str:
    models = spec.get("models", {})
    return models.get(name, "?")


def _sections(res, spec: dict, s: Settings, judged: pd.DataFrame, fig: Path,
              model: str) -> tuple[list[Block], dict[str, pd.DataFrame]]:
    """The sections of one model's results (all results without a models factor)."""
    a = spec["analysis"]
    method = spec["design"]["method"]
    many = res.runs["scenario"].nunique() > MAX_SCENARIO_PANELS
    blocks: list[Block] = []
    tables: dict[str, pd.DataFrame] = {}
    tag = f"_{slug(model)}" if model else ""
    if a.get("ladder"):
        section, tables["ladder"] = _ladder(res, a, fig, tag)
        blocks += section
    if method == "sweep" and "five" in spec["regimes"]:
        section, tables["break_even"] = _break_even(res, a, fig, tag)
        blocks += section
    if method == "draws" and len(spec["regimes"]) > 1:
        section, tables["posterior_headline"] = _posterior_headline(res, spec, s, tag)
        blocks += section
    shown = display_labels(res.design, method)
    if not judged.empty:
        diffs = judged[judged["table"] == "differences"]
        blocks += _differences(diffs, s, fig, pooled=many, tag=tag, shown=shown)
        if method in ("rows", "grid") and not many:
            blocks += _advantage(diffs, spec, s, fig, tag, shown)
        cells = judged[judged["table"] == ("cells" if many else "differences")]
        section, tables["design_effects"] = design_section(res, spec, s, cells, fig, tag)
        blocks += section
    if method in ("sobol", "morris", "lhs"):
        blocks += _sensitivity(res, s, method, fig, tag)
    return blocks, tables


def _statistics(s: Settings, judged: pd.DataFrame) -> str:
    """How verdicts and intervals are made, said once at the top."""
    names = analysis.CORRECTION_NAMES.get(s.correction, s.correction)
    primary = ", ".join(metric_label(m, s.catalogue, unit=False) for m in s.primary) or "none"
    fam = {"primary": (f"the primary outcomes ({primary}; "
                       + ("declared in the experiment file" if s.declared else
                          "none declared: the catalogue's headline outcomes")
                       + ") form one family, every other judged outcome the family "
                         "'secondary'"),
           "all": "every judged comparison of the report is one family",
           "metric": "the comparisons of each outcome form a family",
           "scenario": "the comparisons of each scenario form a family"}[s.family]
    sizes = analysis._family_sizes(judged) if not judged.empty else "no judged comparisons"
    return (f"Statistics. Every verdict in this report comes from a paired t-test corrected "
            f"for multiple comparisons ({names} correction, family = \"{s.family}\": {fam}; "
            f"{sizes}). Beside each verdict the report shows the adjusted interval (the "
            f"{analysis.ADJUSTED_INTERVAL[s.correction]}), which excludes 0 exactly when the "
            f"verdict is better or worse, and the unadjusted {s.level}% paired t-interval, "
            f"labelled as such. A comparison shown in several places has one verdict.")


def _models_section(rows: pd.DataFrame, s: Settings, out: Path,
                    shown: dict[str, str]) -> list[Block]:
    """Each model variant minus the reference model, per regime: paired differences."""
    if rows.empty:
        return []
    reference = rows["baseline_model"].iloc[0]
    blocks = [Block("h2", f"Model variants: each variant minus {reference}"),
              Block("p", f"Every variant ran every design point and regime on the same seeds "
                         f"as {reference}, so each difference is paired on the replicate. "
                         f"diff = variant - {reference} (mean over replicates). "
                         + analysis.method_note(rows, s.confidence, s.correction)
                         + " All rows: model_differences.csv.")]
    fig = out / "figures"
    for (label, regime, model), sub in rows.groupby(["label", "regime", "model"], sort=False):
        name = f"models_{slug(model)}_{slug(regime)}_{slug(label)}"
        title = f"{model} - {reference} under {regime}" + \
            ("" if label in ("base", "all scenarios") else f", {shown.get(label, label)}")
        blocks += [Block("h3", title),
                   Block("figure", _forest(sub, fig / f"{name}.png", title, s,
                                           side="model", reference=reference),
                         caption=f"{title}: relative difference per outcome, adjusted and "
                                 f"unadjusted intervals"),
                   Block("table", _difference_table(sub, s, name, reference, model,
                                                    f"{title} ({int(sub['n'].max())} pairs)"))]
    return blocks


def _ladder(res, a: dict, fig: Path, tag: str) -> tuple[list[Block], pd.DataFrame]:
    """Why five differs: the attribution ladder (sim.experiments.attribution)."""
    from sim.plots import waterfall_figure

    from .attribution import ladder_table, summary_sentences

    table = ladder_table(res.runs, [tuple(c) for c in a["ladder"]],
                         confidence=a["confidence"])
    figure = waterfall_figure(table, fig / "ladder.png")
    head = table[table["metric"] == "unmet_need_share"].reset_index(drop=True)
    level = round(a["confidence"] * 100)
    shown = Table(f"ladder{tag}", head[["label", "mean", "ci_low", "ci_high", "alone",
                                        "alone_low", "alone_high"]],
                  caption=f"Attribution ladder: {metric_label('unmet_need_share')}",
                  columns={"Step": "label", "Contribution": "mean",
                           f"{level}% CI (unadjusted)": "ci_low",
                           "Kept alone": "alone", f"{level}% CI alone (unadjusted)": "alone_low"},
                  intervals={f"{level}% CI (unadjusted)": ("ci_low", "ci_high"),
                             f"{level}% CI alone (unadjusted)": ("alone_low", "alone_high")},
                  row_values=("mean", "ci_low", "ci_high", "alone", "alone_low", "alone_high"),
                  row_interval=("ci_low", "ci_high"),
                  note=f"{MISSING}: not applicable (a step that is not one mechanism).")
    return [Block("h2", "Why does five differ? The attribution ladder"),
            *[Block("p", x) for x in summary_sentences(table)],
            Block("p", f"Each step is a paired difference across replicates with its "
                       f"{level}% paired t-interval (unadjusted: the ladder describes, it "
                       f"gives no verdicts); mechanism steps are Shapley values over "
                       f"{len(a['ladder'])} orderings, 'kept alone' the mechanism kept by "
                       "itself in the matched control. The steps sum to five minus three "
                       f"within {table['sum_error'].max():.1e}. Every metric and step: "
                       "ladder.csv."),
            Block("figure", figure, caption="The attribution ladder as a waterfall"),
            Block("table", shown)], table


def _break_even(res, a: dict, fig: Path, tag: str) -> tuple[list[Block], pd.DataFrame]:
    """Which assumption decides it: break-even points of a sweep design."""
    from sim.model import PARAM_SPECS
    from sim.plots import break_even_figure

    from .break_even import break_even_table, curves, reading, sweep_levels

    levels = sweep_levels(res.design)
    metric = "unmet_need_share"
    defaults = {name: float(PARAM_SPECS[name].default) for name in set(levels["parameter"])}
    table = break_even_table(res.runs, levels, metric, defaults)
    lines = curves(res.runs, levels, metric, confidence=a["confidence"])
    figure = break_even_figure(lines, table, fig / "break_even.png")
    shown = table.copy()
    shown.insert(0, "assumption", [param_label(p) for p in shown["parameter"]])
    return [Block("h2", "Which assumption decides it? Break-even points"),
            Block("p", "Each assumption is swept one at a time, the others at their defaults; "
                       "a break-even value is where five's mean difference changes sign "
                       "(linear interpolation), with a bootstrap interval over replicates. "
                       "The bands are unadjusted 95% paired t-intervals (no verdicts)."),
            *[Block("p", x) for x in reading(table)],
            Block("figure", figure, caption="Break-even points of five's difference"),
            Block("table", Table(f"break_even{tag}", shown, caption="Break-even points"))], \
        table


def _posterior_headline(res, spec: dict, s: Settings, tag: str
                        ) -> tuple[list[Block], pd.DataFrame]:
    """A draws design: each regime against the baseline, parameter and seed uncertainty
    apart (sim.experiments.propagation)."""
    from .propagation import headline_table, reading

    baseline = s.baseline
    pairs = [(r, baseline) for r in spec["regimes"] if r != baseline]
    if "five" in spec["regimes"] and "three-equal-resources-matched" in spec["regimes"] \
            and baseline != "three-equal-resources-matched":
        pairs.append(("five", "three-equal-resources-matched"))
    table = headline_table(res.runs, s.key_metrics() or s.metrics[:4], pairs, s.confidence)
    shown = table.copy()
    shown.insert(0, "outcome", [metric_label(m, s.catalogue) for m in shown["metric"]])
    return [Block("h2", "Under the posterior: parameter and seed uncertainty"),
            Block("p", "Scenarios are draws of the parameters; each runs every regime on "
                       "shared seeds. The interval (unadjusted, no verdicts) treats draws "
                       "as the unit; the parameter SD is the spread between draws net of "
                       "seed noise, the seed SD the spread of one run within a draw (a "
                       "one-way random-effects split)."),
            *[Block("p", x) for x in reading(table)],
            Block("table", Table(f"posterior_headline{tag}", shown,
                                 caption="The headline under the posterior"))], table


def _provenance(m: dict, counts: dict, models: list[str]) -> str:
    spec = m["experiment"]
    git = f"{m.get('git_commit') or 'unknown'}{' (dirty)' if m.get('git_dirty') else ''}"
    rule = spec.get("seeds", "per-scenario")
    seeds = ("a replicate's seed is shared by every scenario and regime, so scenarios are "
             "paired too" if rule == "shared" else
             "a replicate's seed is shared by the regimes of a scenario; scenarios have their "
             "own seeds")
    variants = "" if models == [""] else (
        f" Model variants (a factor, every one on the same seeds): "
        f"{', '.join(f'{k} = {v}' for k, v in spec.get('models', {}).items())}; each "
        f"design point runs once per variant.")
    return (f"{spec['description']}\n\n"
            f"Regimes: {', '.join(spec['regimes'])}; {spec['design']['n_scenarios']} scenario(s) "
            f"({spec['design']['method']} design) x {spec['replications']} replicates, "
            f"{spec['days']} days. Runs stored: {counts.get('stored', '?')} of "
            f"{counts.get('total', '?')} ({counts.get('failed', 0)} failed). "
            f"Root seed {m['root_seed']}; seeds: {rule} ({seeds}).{variants} Experiment file "
            f"{m['experiment_file']} (sha256 {m['experiment_sha256'][:12]}); git {git}; "
            f"sim {m.get('packages', {}).get('sim', '?')}; "
            f"started {m.get('started')}, ended {m.get('ended')}.")


# ---------------------------------------------------------------- the differences


def _differences(diffs: pd.DataFrame, s: Settings, fig: Path, pooled: bool,
                 tag: str, shown: dict[str, str] | None = None) -> list[Block]:
    blocks = [Block("h2", f"Paired differences against {s.baseline}"),
              Block("p", f"Each replicate runs every regime with the same seed, so differences "
                         f"are paired. diff = regime - {s.baseline} (mean over replicates). "
                         + analysis.method_note(diffs, s.confidence, s.correction)
                         + (" Scenarios are pooled (many scenarios): each scenario's mean "
                            "over its replicates is one pair." if pooled else "")
                         + " All rows: differences.csv.")]
    if diffs.empty:
        return blocks + [Block("p", "No successful paired runs.")]
    for (scenario, label), sub in diffs.groupby(["scenario", "label"], sort=False):
        name = f"diff_s{scenario}" if scenario != "all" else "diff_all"
        label = title = (shown or {}).get(label, str(label))
        blocks += [Block("h3", f"Scenario: {label}"),
                   Block("figure", _forest(sub, fig / f"{name}.png", title, s),
                         caption=f"Scenario {label}: each regime minus {s.baseline}, relative "
                                 f"to the {s.baseline} mean, with adjusted and unadjusted "
                                 f"intervals")]
        for regime, part in sub.groupby("regime", sort=False):
            blocks.append(Block("table", _difference_table(
                part, s, f"{name}_{slug(regime)}{tag}", s.baseline, regime,
                f"{regime} - {s.baseline}, scenario {label} ({int(part['n'].max())} pairs)")))
    return blocks


def _notes(row: dict, s: Settings, a: str, b: str) -> str:
    """Why a cell of a row is empty, or what its verdict rests on: never a blank row."""
    verdict = row["verdict"]
    if verdict == analysis.VERDICT_NO_DATA:
        return f"no pair has a value under both {a} and {b}"
    if row.get("identical"):
        return "identical in every pair (a tie)"
    if verdict == analysis.VERDICT_FEW_EVENTS:
        count, minimum = analysis.events_rule(row["metric"], s.catalogue)
        return (f"too few events: {row['events_baseline']:,.0f} {count} under {a}, "
                f"{row['events_regime']:,.0f} under {b} ({minimum} needed)")
    if verdict == analysis.VERDICT_NOT_JUDGED:
        return "supporting count: no better direction"
    if row["n"] < 2:
        return "fewer than two pairs: no interval"
    if row["mean_baseline"] == 0:
        return f"{a} mean is 0: no relative difference"
    return ""


def _difference_table(rows: pd.DataFrame, s: Settings, name: str, a: str, b: str,
                      caption: str) -> Table:
    """A comparison per outcome, for a paper: means, difference, unadjusted and adjusted
    intervals, verdict; all columns in the CSV."""
    data = rows.reset_index(drop=True).copy()
    data.insert(0, "outcome", [metric_label(m, s.catalogue) for m in data["metric"]])
    data["better"] = [f"{x} of {n}" if pd.notna(x) and n else MISSING
                      for x, n in zip(data["better_in"], data["n"], strict=True)]
    data["note"] = [_notes(r, s, a, b) for r in data.to_dict("records")]
    kind = analysis.CORRECTION_NAMES.get(s.correction, s.correction)
    adjusted = "Adjusted CI" if s.correction != "none" else "CI used for the verdict"
    columns = {"Outcome": "outcome", a: "mean_baseline", b: "mean_regime",
               f"{b} - {a}": "diff", f"{s.level}% CI (unadjusted)": "ci_low",
               f"{adjusted} ({kind})": "ci_adj_low", "Adjusted level": "adj_level",
               "Verdict": "verdict", "Better in": "better", "Effect size d_z": "effect_dz",
               "MDE": "mde"}
    if data["family"].nunique() > 1:
        columns = {**dict(list(columns.items())[:1]), "Family": "family",
                   **dict(list(columns.items())[1:])}
    if data["note"].str.len().gt(0).any():
        columns["Note"] = "note"
    return Table(name, data, caption=caption, columns=columns,
                 kinds={"adj_level": "percent", "effect_dz": "ratio", "verdict": "text",
                        "better": "text", "note": "text", "family": "text"},
                 intervals={f"{s.level}% CI (unadjusted)": ("ci_low", "ci_high"),
                            f"{adjusted} ({kind})": ("ci_adj_low", "ci_adj_high")},
                 row_values=("mean_baseline", "mean_regime", "diff", "ci_low", "ci_high",
                             "ci_adj_low", "ci_adj_high", "mde"),
                 row_interval=("ci_low", "ci_high"),
                 note=(f"Values in each row are rounded to two significant digits of its "
                       f"interval's half-width. Adjusted level: the confidence level of the "
                       f"adjusted interval. {MISSING}: not applicable (see Note). Better in: "
                       f"pairs in which {b} is better. MDE: the difference the pairs detect "
                       f"with 80% power."))


def _forest(sub: pd.DataFrame, path: Path, title: str, s: Settings, side: str = "regime",
            reference: str | None = None) -> Path:
    """Relative difference (% of the baseline mean) per outcome, with the adjusted
    interval (thick, the verdict's) and the unadjusted one (thin); a filled marker is a
    verdict of better or worse. Rows without a relative difference say why."""
    import matplotlib.pyplot as plt

    wanted = [m for m in s.figure_metrics() if m in set(sub["metric"])] or \
        list(dict.fromkeys(sub["metric"]))
    groups = list(dict.fromkeys(sub[side]))
    labels = [wrap(metric_label(m, s.catalogue, unit=False), 48) for m in wanted]
    lines = sum(label.count("\n") + 1 for label in labels)
    fig, ax = plt.subplots(figsize=(8.5, 0.28 * lines + 0.25 * len(wanted)
                                    * max(1, len(groups) / 2) + 1.6))
    y0 = np.arange(len(wanted))
    for j, group in enumerate(groups):
        r = sub[sub[side] == group].set_index("metric").reindex(wanted)
        base = r["mean_baseline"].abs().replace(0, np.nan)
        y = y0 + (j - (len(groups) - 1) / 2) * 0.7 / max(1, len(groups))
        colour = COLOURS.get(group, f"C{j}")
        mid = 100 * r["diff"] / base
        ax.hlines(y, 100 * r["ci_low"] / base, 100 * r["ci_high"] / base, color=colour,
                  lw=0.8)
        ax.hlines(y, 100 * r["ci_adj_low"] / base, 100 * r["ci_adj_high"] / base,
                  color=colour, lw=3, alpha=0.6)
        decided = r["verdict"].isin([analysis.VERDICT_BETTER, analysis.VERDICT_WORSE])
        ax.scatter(mid[decided], y[decided.to_numpy()], color=colour, s=22, zorder=3,
                   label=f"{group}")
        ax.scatter(mid[~decided], y[~decided.to_numpy()], facecolor="white",
                   edgecolor=colour, s=22, zorder=3)
        for k, metric in enumerate(wanted):
            why = _forest_gap(r.loc[metric], metric_unit(metric, s.catalogue))
            if why:
                ax.annotate(f"{group}: {why}" if len(groups) > 1 else why, (0.5, y[k]),
                            xycoords=("axes fraction", "data"), xytext=(0, -7),
                            textcoords="offset points", ha="center", va="center",
                            fontsize=6.5, color="#333",
                            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                                  "alpha": 0.8})
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(y0, labels, fontsize=7.5)
    ax.set_ylim(len(wanted) - 0.5, -0.5)          # the first outcome on top, every row room
    ax.set_xlabel(f"Difference (% of the {reference or s.baseline} mean)", fontsize=8)
    ax.set_title(wrap(f"{title}. Thick: adjusted interval "
                      f"({analysis.CORRECTION_NAMES.get(s.correction, s.correction)}); thin: "
                      f"{s.level}% unadjusted; filled: better or worse", 90), fontsize=8.5)
    ax.legend(fontsize=7, loc="best")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _forest_gap(row, unit: str) -> str:
    """What a forest-plot row without a verdict is: said on the row, never left blank."""
    if row is None or pd.isna(row.get("n")) or row["n"] == 0 or row["verdict"] == \
            analysis.VERDICT_NO_DATA:
        return "no pair with a value on both sides"
    if not np.isfinite(row["diff"]):
        return "no value"
    if row["mean_baseline"] == 0:
        return "0 on both sides" if row["diff"] == 0 and row["mean_regime"] == 0 else \
            f"baseline mean 0, so no %: difference {row['diff']:+.3g} {unit}"
    if row.get("identical"):
        return "identical in every pair"
    if row["verdict"] in (analysis.VERDICT_FEW_EVENTS, analysis.VERDICT_NOT_JUDGED):
        return str(row["verdict"])
    return ""


def _advantage(diffs: pd.DataFrame, spec: dict, s: Settings, fig: Path,
               tag: str, shown: dict[str, str]) -> list[Block]:
    """Which scenario (e.g. which mechanism switched on) erases a regime's advantage."""
    reference = spec["analysis"]["baseline_row"]
    if reference is None and spec["design"]["method"] == "rows":
        reference = spec["design"]["rows"][0]["label"]
    blocks = []
    for regime in dict.fromkeys(diffs["regime"]):
        t = analysis.advantage_table(diffs, regime, reference)
        t["label"] = t["label"].map(lambda x: shown.get(x, x))
        wide = t.pivot(index="label", columns="metric", values="verdict")
        metrics = list(dict.fromkeys(t["metric"]))
        wide = wide.reindex(index=list(dict.fromkeys(t["label"])), columns=metrics)
        wide.columns = [metric_label(m, s.catalogue, unit=False) for m in wide.columns]
        blocks += [Block("h2", f"Does {regime} keep its advantage over "
                               f"{s.baseline}? (by scenario)"),
                   Block("figure", _verdict_grid(t, fig / f"advantage_{slug(regime)}.png",
                                                 regime, s),
                         caption=f"Verdicts of {regime} - {s.baseline} by scenario and outcome"),
                   Block("table", Table(f"advantage_{slug(regime)}{tag}",
                                        wide.reset_index().rename(columns={"label": "Scenario"}),
                                        caption=f"Verdict of {regime} - {s.baseline} by "
                                                f"scenario (rows) and outcome (columns)"))]
        if reference is not None:
            blocks.append(Block("p", f"Reference scenario: {shown.get(reference, reference)}. "
                                + " ".join([
                _listing(t[t["erased"]], "Advantage erased or reversed in",
                         "No scenario erases an advantage seen in the reference.", s),
                _listing(t[t["turned_worse"]], f"{regime} turns worse than the baseline in",
                         "", s)])))
    return blocks


def _listing(rows: pd.DataFrame, lead: str, empty: str, s: Settings) -> str:
    """'lead: scenario: metric, metric; scenario: metric.' or ``empty``."""
    if rows.empty:
        return empty
    return f"{lead}: " + "; ".join(
        f"{label}: {', '.join(metric_label(m, s.catalogue, unit=False) for m in g['metric'])}"
        for label, g in rows.groupby("label", sort=False)) + "."


def _verdict_grid(t: pd.DataFrame, path: Path, regime: str, s: Settings) -> Path:
    """Scenario x outcome grid coloured by verdict (a legend names every colour)."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    labels = list(dict.fromkeys(t["label"]))
    metrics = [m for m in s.figure_metrics() if m in set(t["metric"])] or \
        list(dict.fromkeys(t["metric"]))
    grid = t.pivot(index="label", columns="metric", values="verdict").reindex(
        index=labels, columns=metrics)
    order = list(VERDICT_COLOURS)
    values = grid.apply(lambda c: c.map({v: i for i, v in enumerate(order)})).to_numpy(float)
    names = [wrap(metric_label(m, s.catalogue, unit=False), 22) for m in metrics]
    height = max(n.count("\n") + 1 for n in names)
    fig, ax = plt.subplots(figsize=(0.85 * len(metrics) + 3.5,
                                    0.42 * len(labels) + 0.14 * height + 2.2))
    ax.imshow(np.ma.masked_invalid(values), cmap=ListedColormap(list(VERDICT_COLOURS.values())),
              vmin=-0.5, vmax=len(order) - 0.5, aspect="auto")
    ax.set_xticks(range(len(metrics)), names, rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)), [wrap(x, 30) for x in labels], fontsize=8)
    ax.set_xticks(np.arange(len(metrics) + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(len(labels) + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", lw=1.5)
    ax.tick_params(which="minor", length=0)
    shown = [v for v in order if v in set(grid.stack())]
    ax.legend([Patch(facecolor=VERDICT_COLOURS[v], edgecolor="#999") for v in shown], shown,
              fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1), title=f"{regime} - "
              f"{s.baseline}", title_fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# ---------------------------------------------------------------- sensitivity


def _sensitivity(res, s: Settings, method: str, fig: Path, tag: str) -> list[Block]:
    import matplotlib.pyplot as plt

    idx = analysis.sensitivity_indices(res.runs, res.design, res.manifest, s.metrics)
    title = {"sobol": "Sobol indices (first order S1, total ST)",
             "morris": "Morris screening (mu*, sigma)",
             "lhs": "Spearman rank correlation of each input with each outcome"}[method]
    ylabel = {"sobol": "Sobol index (share of variance)",
              "morris": "Elementary effect (outcome's unit)",
              "lhs": "Spearman rank correlation (-1 to 1)"}[method]
    blocks = [Block("h2", title),
              Block("p", "Outcomes are averaged over replicates per scenario before analysis; "
                         "metrics that are constant or missing in some scenario are skipped. "
                         "Intervals are the analysers' bootstrap intervals (no verdicts).")]
    if idx.empty:
        return blocks + [Block("p", "No indices could be computed.")]
    bars = {"sobol": [("S1", "S1_conf"), ("ST", "ST_conf")],
            "morris": [("mu_star", "mu_star_conf"), ("sigma", None)],
            "lhs": [("spearman", None)]}[method]
    for regime, sub in idx.groupby("regime"):
        shown = list(dict.fromkeys(sub["metric"]))
        cols = 3
        rows = -(-len(shown) // cols)
        fig_, axes = plt.subplots(rows, cols, figsize=(4.4 * cols, 3.6 * rows), squeeze=False)
        for ax, metric in zip(axes.flat, shown):
            part = sub[sub["metric"] == metric]
            x = np.arange(len(part))
            for k, (col, conf) in enumerate(bars):
                ax.bar(x + k * 0.4 - 0.2 * (len(bars) - 1), part[col], width=0.4,
                       label=BAR_NAMES.get(col, col), yerr=part[conf] if conf else None,
                       capsize=2)
            few = len(part) <= 4
            ax.set_xticks(x, [wrap(param_label(p, unit=False), 14 if few else 18)
                              for p in part["parameter"]], rotation=0 if few else 90,
                          fontsize=6)
            ax.set_title(wrap(metric_label(metric, s.catalogue), 45), fontsize=7.5)
            ax.set_ylabel(ylabel if method != "morris" else
                          wrap(f"Elementary effect ({s.catalogue[metric].unit})"
                               if metric in s.catalogue else ylabel, 30), fontsize=7)
            ax.tick_params(axis="y", labelsize=6)
        tidy_panels(axes, len(shown))
        fig_.tight_layout()
        path = fig / f"sensitivity_{slug(regime)}.png"
        fig_.savefig(path, dpi=100)
        plt.close(fig_)
        table = sub.drop(columns="regime").reset_index(drop=True)
        table.insert(0, "outcome", [metric_label(m, s.catalogue) for m in table["metric"]])
        table.insert(2, "input", [param_label(p) for p in table["parameter"]])
        blocks += [Block("h3", f"Regime: {regime}"),
                   Block("figure", path, caption=f"{title}: {regime}"),
                   Block("table", Table(f"sensitivity_{slug(regime)}{tag}", table,
                                        caption=f"{title}: {regime}"))]
    return blocks


# ---------------------------------------------------------------- daily series


def _bands(res, s: Settings, spec: dict, out: Path) -> list[Block]:
    """Daily series, mean and 5-95% band across replicates per regime. One scenario: every
    series. Several scenarios (grid cells, rows, model variants): small multiples, one
    figure per key series with a panel for every scenario. Sampled designs: one figure
    pooled over scenarios."""
    store = ResultStore(res.root)
    if store.sources()["daily"] is None:     # e.g. every run failed
        return []
    sampled = spec["design"]["method"] in ("lhs", "sobol", "morris") and model_names(res) == [""]
    shown = display_labels(res.design, spec["design"]["method"])
    labels = res.runs.groupby("scenario")["label"].first().map(lambda x: shown.get(x, x))
    scenarios = sorted(res.runs["scenario"].unique())
    blocks = [Block("h2", "Daily series"),
              Block("p", "Lines: mean; bands: 5th to 95th percentile across replicates"
                         + (" and all sampled scenarios." if sampled else ".")
                         + " Series marked 'to date' are cumulative over the measured days.")]
    fig = out / "figures"
    with store.connect() as con:
        columns = con.execute("SELECT * FROM daily LIMIT 0").df().columns
        series = [c for c in columns if c not in ("run_key", "scenario", "rep", "regime", "day")]
        if sampled or len(scenarios) == 1:
            scenario = None if sampled else scenarios[0]
            title = "all scenarios" if sampled else str(labels.get(scenario, scenario))
            bands = analysis.daily_bands(con, series, scenario)
            bands = bands[bands["regime"].isin(_compared(spec))]   # not the ladder's rungs
            name = "daily_all" if sampled else f"daily_s{int(scenario)}"
            return blocks + [Block("figure", _band_figure(bands, series, title,
                                                          fig / f"{name}.png"),
                                   caption=f"Daily series, scenario {title}")]
        wanted = set(s.key_metrics())
        shown = [c for c in series if c in wanted] or series[:4]
        blocks.append(Block("p", "One figure per series ("
                                 + "; ".join(series_label(c, unit=False) for c in shown)
                                 + "), a panel per scenario; query the daily view for the "
                                   "other series."))
        for column in shown:
            bands = _scenario_bands(con, column)
            for k in range(0, len(scenarios), MAX_PANELS_PER_FIGURE):
                part = scenarios[k:k + MAX_PANELS_PER_FIGURE]
                path = fig / f"daily_{slug(column)}_{k // MAX_PANELS_PER_FIGURE}.png"
                blocks.append(Block("figure", _small_multiples(bands, column, part, labels,
                                                               path),
                                    caption=f"{series_label(column)} by scenario"))
    return blocks


def _scenario_bands(con, column: str) -> pd.DataFrame:
    """Mean and 5-95% band of one daily series per scenario, regime and day (in DuckDB)."""
    return con.execute(
        f'SELECT scenario, regime, day, avg("{column}") AS mean, '
        f'quantile_cont("{column}", 0.05) AS low, quantile_cont("{column}", 0.95) AS high '
        f"FROM daily GROUP BY ALL ORDER BY ALL").df()


def _small_multiples(bands: pd.DataFrame, column: str, scenarios: list, labels: pd.Series,
                     path: Path) -> Path:
    import matplotlib.pyplot as plt

    cols = min(4, len(scenarios))
    rows = -(-len(scenarios) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 2.5 * rows + 1.0),
                             squeeze=False, sharex=True, sharey=True)
    for ax, scenario in zip(axes.flat, scenarios):
        for regime, g in bands[bands["scenario"] == scenario].groupby("regime", sort=False):
            line, = ax.plot(g["day"], g["mean"], lw=1, label=regime, color=COLOURS.get(regime))
            ax.fill_between(g["day"], g["low"], g["high"], alpha=0.2, color=line.get_color())
        # Titles that fit: labels of grid cells are long, so wrap them between words.
        ax.set_title(wrap(str(labels.get(scenario, scenario)), 38), fontsize=6.5)
        ax.tick_params(labelsize=6)
    _from_zero(axes.flat[0], bands["low"])        # the axes are shared
    tidy_panels(axes, len(scenarios), legend_size=6)
    grid_margins(fig, axes, wrap(f"{series_label(column, unit=False)} by scenario", 100),
                 "Day of the measured period (days)", wrap(series_label(column), 50),
                 left=0.9, top=0.95, hgap=0.75)   # titles of grid cells: up to 3 lines
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def _from_zero(ax, values: pd.Series) -> None:
    """A series that is never negative (a count, a share) gets an axis from 0."""
    if len(values) and (values.dropna() >= 0).all():
        top = ax.get_ylim()[1]
        ax.set_ylim(-0.02 * top, top)             # from 0, a line at 0 still visible


def _band_figure(bands: pd.DataFrame, series: list[str], title: str, path: Path) -> Path:
    import matplotlib.pyplot as plt

    cols = 4
    rows = -(-len(series) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.8 * cols, 2.7 * rows + 0.6),
                             squeeze=False, sharex=True)
    for ax, metric in zip(axes.flat, series):
        for regime, g in bands[bands["metric"] == metric].groupby("regime"):
            line, = ax.plot(g["day"], g["mean"], lw=1, label=regime, color=COLOURS.get(regime))
            ax.fill_between(g["day"], g["low"], g["high"], alpha=0.2, color=line.get_color())
        ax.set_title(wrap(series_label(metric), 42), fontsize=7)
        ax.tick_params(labelsize=6)
        _from_zero(ax, bands[bands["metric"] == metric]["low"])
    tidy_panels(axes, len(series), legend_size=6)
    grid_margins(fig, axes, wrap(f"Scenario: {title}. Each panel's title names the series and "
                                 "its unit", 120), "Day of the measured period (days)")
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path

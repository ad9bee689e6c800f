"""``sim report DIR``: a Markdown and an HTML report with PNG figures, from stored results.

The report is built as a list of blocks (heading, text, table, figure) rendered twice
(``render.py``), so the Markdown and the HTML always say the same thing. Its tables are
also written as CSV (``differences.csv``, ``design_effects.csv``) for a paper's tables.
Every interval is a paired t-interval and every verdict carries a multiple-comparison
correction across its table, stated where the table is.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import SpecError
from sim.io import atomic_write
from sim.plots import COLOURS, tidy_panels

from . import analysis
from .render import Block, slug, write_document
from .report_design import design_section
from .store import ResultStore, load_results

MAX_SCENARIO_PANELS = 12     # above this, the differences table is pooled over scenarios
MAX_PANELS_PER_FIGURE = 36   # daily small multiples: panels per figure
DIFF_COLUMNS = ["regime", "metric", "direction", "n", "mean_baseline", "mean_regime", "diff",
                "ci_low", "ci_high", "effect_dz", "better_in", "events_baseline",
                "events_regime", "mde", "pair_corr", "p_adjusted", "verdict"]


def write_report(results_dir: str | Path, out_dir: str | Path | None = None,
                 baseline: str | None = None) -> Path:
    """Write report.md, report.html, figures/*.png and the tables as CSV; return the
    Markdown path. ``baseline`` replaces the experiment's baseline regime (e.g. compare five
    with a control instead of with three); SpecError if the results have no such regime."""
    import matplotlib
    matplotlib.use("Agg")

    res = load_results(results_dir)
    if baseline is not None:
        regimes = res.manifest["experiment"]["regimes"]
        if baseline not in regimes:
            raise SpecError("--baseline", repr(baseline[:60]),
                            f"not a regime of these results (one of: {', '.join(regimes)})")
        res.manifest["experiment"]["analysis"]["baseline"] = baseline
    out = Path(out_dir) if out_dir else res.root / "report"
    (out / "figures").mkdir(parents=True, exist_ok=True)
    for old in (out / "figures").glob("*.png"):   # figures of an earlier report
        old.unlink()
    blocks, tables = _build(res, out)
    for name, table in tables.items():
        if not table.empty:
            atomic_write(out / f"{name}.csv", lambda tmp, t=table: t.to_csv(tmp, index=False))
        else:
            (out / f"{name}.csv").unlink(missing_ok=True)
    title = f"Experiment report: {res.manifest['experiment']['name']}"
    return write_document(out, "report", title, blocks)


def _build(res, out: Path) -> tuple[list[Block], dict[str, pd.DataFrame]]:
    m, spec = res.manifest, res.manifest["experiment"]
    a = spec["analysis"]
    metrics = analysis.ordered_metrics(a["metrics"] or res.metrics)   # headline first
    counts = m.get("counts", {})
    blocks = [Block("p", _provenance(m, counts))]
    tables = {"differences": pd.DataFrame(), "design_effects": pd.DataFrame(),
              "ladder": pd.DataFrame(), "break_even": pd.DataFrame(),
              "posterior_headline": pd.DataFrame()}
    if counts.get("failed"):
        failed = res.runs[res.runs["status"] == "failed"][["run_key", "error"]]
        blocks += [Block("h2", "Failed runs"),
                   Block("p", f"{len(failed)} runs failed; they are left out of every "
                              "comparison below (tracebacks in failures/)."),
                   Block("table", failed.head(20))]

    method = spec["design"]["method"]
    many = res.runs["scenario"].nunique() > MAX_SCENARIO_PANELS
    if a.get("ladder"):
        section, tables["ladder"] = _ladder(res, a, out)
        blocks += section
    if method == "sweep" and "five" in spec["regimes"]:
        section, tables["break_even"] = _break_even(res, a, out)
        blocks += section
    if method == "draws" and len(spec["regimes"]) > 1:
        section, tables["posterior_headline"] = _posterior_headline(res, spec, metrics)
        blocks += section
    if len(spec["regimes"]) > 1 and res.runs["status"].eq("ok").any():
        diffs = analysis.paired_differences(
            res.runs, metrics, a["baseline"], pooled=many, confidence=a["confidence"],
            regimes=_compared(spec), correction=a.get("correction", "holm"))
        tables["differences"] = diffs
        blocks += _differences(diffs, a, out, pooled=many)
        if method in ("rows", "grid") and not many:
            blocks += _advantage(diffs, spec, out)
        section, tables["design_effects"] = design_section(res, spec, metrics, out)
        blocks += section
    if method in ("sobol", "morris", "lhs"):
        blocks += _sensitivity(res, metrics, method, out)
    blocks += _bands(res, metrics, spec, out)
    return blocks, tables


def _compared(spec: dict) -> list[str]:
    """The regimes the differences table shows: all, except the ladder's intermediate
    rungs (the ladder section reads them)."""
    if not spec["analysis"].get("ladder"):
        return spec["regimes"]
    from .attribution import BASE_RUNGS, FIVE

    shown = {regime for regime, _ in BASE_RUNGS} | {FIVE}
    return [r for r in spec["regimes"] if r in shown]


def _ladder(res, a: dict, out: Path) -> tuple[list[Block], pd.DataFrame]:
    """Why five differs: the attribution ladder (sim.experiments.attribution)."""
    from sim.plots import waterfall_figure

    from .attribution import ladder_table, summary_sentences

    table = ladder_table(res.runs, [tuple(c) for c in a["ladder"]],
                         confidence=a["confidence"])
    figure = waterfall_figure(table, out / "figures" / "ladder.png")
    head = table[table["metric"] == "unmet_need_share"]
    shown = head[["label", "mean", "ci_low", "ci_high", "alone", "alone_low", "alone_high"]]
    return [Block("h2", "Why does five differ? The attribution ladder"),
            *[Block("p", s) for s in summary_sentences(table)],
            Block("p", f"Each step is a paired difference across replicates with its "
                       f"{round(a['confidence'] * 100)}% paired t-interval (unadjusted); "
                       f"mechanism steps are Shapley values over {len(a['ladder'])} "
                       "orderings, 'alone' the mechanism kept by itself in the matched "
                       "control. The steps sum to five minus three within "
                       f"{table['sum_error'].max():.1e}. Every metric and step: ladder.csv."),
            Block("figure", figure), Block("table", shown)], table


def _break_even(res, a: dict, out: Path) -> tuple[list[Block], pd.DataFrame]:
    """Which assumption decides it: break-even points of a sweep design."""
    from sim.model import PARAM_SPECS
    from sim.plots import break_even_figure

    from .break_even import break_even_table, curves, reading, sweep_levels

    levels = sweep_levels(res.design)
    metric = "unmet_need_share"
    defaults = {name: float(PARAM_SPECS[name].default) for name in set(levels["parameter"])}
    table = break_even_table(res.runs, levels, metric, defaults)
    lines = curves(res.runs, levels, metric, confidence=a["confidence"])
    figure = break_even_figure(lines, table, out / "figures" / "break_even.png")
    return [Block("h2", "Which assumption decides it? Break-even points"),
            Block("p", "Each assumption is swept one at a time, the others at their defaults; "
                       "a break-even value is where five's mean difference changes sign "
                       "(linear interpolation), with a bootstrap interval over replicates."),
            *[Block("p", s) for s in reading(table)],
            Block("figure", figure), Block("table", table)], table


def _posterior_headline(res, spec: dict, metrics: list[str]
                        ) -> tuple[list[Block], pd.DataFrame]:
    """A draws design: each regime against the baseline, parameter and seed uncertainty
    apart (sim.experiments.propagation)."""
    from .propagation import headline_table, reading

    a = spec["analysis"]
    baseline = a["baseline"]
    pairs = [(r, baseline) for r in spec["regimes"] if r != baseline]
    if "five" in spec["regimes"] and "three-equal-resources-matched" in spec["regimes"] \
            and baseline != "three-equal-resources-matched":
        pairs.append(("five", "three-equal-resources-matched"))
    table = headline_table(res.runs, [m for m in _headline() if m in metrics] or metrics[:4],
                           pairs, a["confidence"])
    return [Block("h2", "Under the posterior: parameter and seed uncertainty"),
            Block("p", "Scenarios are draws of the parameters; each runs every regime on "
                       "shared seeds. The interval treats draws as the unit; the parameter "
                       "SD is the spread between draws net of seed noise, the seed SD the "
                       "spread of one run within a draw (a one-way random-effects split)."),
            *[Block("p", s) for s in reading(table)], Block("table", table)], table


def _provenance(m: dict, counts: dict) -> str:
    spec = m["experiment"]
    git = f"{m.get('git_commit') or 'unknown'}{' (dirty)' if m.get('git_dirty') else ''}"
    rule = spec.get("seeds", "per-scenario")
    seeds = ("a replicate's seed is shared by every scenario and regime, so scenarios are "
             "paired too" if rule == "shared" else
             "a replicate's seed is shared by the regimes of a scenario; scenarios have their "
             "own seeds")
    return (f"{spec['description']}\n\n"
            f"Regimes: {', '.join(spec['regimes'])}; {spec['design']['n_scenarios']} scenario(s) "
            f"({spec['design']['method']} design) x {spec['replications']} replicates, "
            f"{spec['days']} days. Runs stored: {counts.get('stored', '?')} of "
            f"{counts.get('total', '?')} ({counts.get('failed', 0)} failed). "
            f"Root seed {m['root_seed']}; seeds: {rule} ({seeds}). Experiment file "
            f"{m['experiment_file']} (sha256 {m['experiment_sha256'][:12]}); git {git}; "
            f"sim {m.get('packages', {}).get('sim', '?')}; "
            f"started {m.get('started')}, ended {m.get('ended')}.")


def _differences(diffs: pd.DataFrame, a: dict, out: Path, pooled: bool) -> list[Block]:
    level = round(a["confidence"] * 100)
    blocks = [Block("h2", f"Paired differences against {a['baseline']}"),
              Block("p", f"Each replicate runs every regime with the same seed, so differences "
                         f"are paired. diff = regime - {a['baseline']} (mean over replicates). "
                         + analysis.method_note(diffs, a["confidence"],
                                                a.get("correction", "holm"))
                         + (" Scenarios are pooled (many scenarios): each scenario's mean "
                            "over its replicates is one pair." if pooled else "")
                         + " All rows: differences.csv.")]
    if diffs.empty:
        return blocks + [Block("p", "No successful paired runs.")]
    for (scenario, label), sub in diffs.groupby(["scenario", "label"], sort=False):
        name = f"diff_s{scenario}" if scenario != "all" else "diff_all"
        path = _forest(sub, out / "figures" / f"{name}.png", f"{label}", level)
        blocks += [Block("h3", f"Scenario: {label}"), Block("figure", path),
                   Block("table", sub[DIFF_COLUMNS])]
    return blocks


def _forest(sub: pd.DataFrame, path: Path, title: str, level: int) -> Path:
    """Relative difference (% of the baseline mean) with its interval, per metric."""
    import matplotlib.pyplot as plt

    metrics = list(dict.fromkeys(sub["metric"]))
    regimes = list(dict.fromkeys(sub["regime"]))
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(metrics) * max(1, len(regimes) / 2) + 1.5))
    for j, regime in enumerate(regimes):
        r = sub[sub["regime"] == regime].set_index("metric").reindex(metrics)
        base = r["mean_baseline"].abs().replace(0, np.nan)
        y = np.arange(len(metrics)) + (j - (len(regimes) - 1) / 2) * 0.8 / max(1, len(regimes))
        mid = 100 * r["diff"] / base
        err = [100 * (r["diff"] - r["ci_low"]) / base, 100 * (r["ci_high"] - r["diff"]) / base]
        ax.errorbar(mid, y, xerr=err, fmt="o", ms=4, capsize=2, label=regime)
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(np.arange(len(metrics)), metrics, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(f"difference vs baseline, % of baseline mean ({level}% paired t-interval)")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _advantage(diffs: pd.DataFrame, spec: dict, out: Path) -> list[Block]:
    """Which scenario (e.g. which mechanism switched on) erases a regime's advantage."""
    reference = spec["analysis"]["baseline_row"]
    if reference is None and spec["design"]["method"] == "rows":
        reference = spec["design"]["rows"][0]["label"]
    blocks = []
    for regime in dict.fromkeys(diffs["regime"]):
        t = analysis.advantage_table(diffs, regime, reference)
        wide = t.pivot(index="label", columns="metric", values="verdict")
        wide = wide.reindex(index=list(dict.fromkeys(t["label"])),
                            columns=list(dict.fromkeys(t["metric"])))
        blocks += [Block("h2", f"Does {regime} keep its advantage over "
                               f"{spec['analysis']['baseline']}? (by scenario)"),
                   Block("figure", _verdict_grid(t, out / "figures" / f"advantage_{slug(regime)}.png",
                                                 regime)),
                   Block("table", wide.reset_index())]
        if reference is not None:
            blocks.append(Block("p", f"Reference scenario: {reference}. " + " ".join([
                _listing(t[t["erased"]], "Advantage erased or reversed in",
                         "No scenario erases an advantage seen in the reference."),
                _listing(t[t["turned_worse"]], f"{regime} turns worse than the baseline in",
                         "")])))
    return blocks


def _listing(rows: pd.DataFrame, lead: str, empty: str) -> str:
    """'lead: scenario: metric, metric; scenario: metric.' or ``empty``."""
    if rows.empty:
        return empty
    return f"{lead}: " + "; ".join(f"{label}: {', '.join(g['metric'])}"
                                   for label, g in rows.groupby("label", sort=False)) + "."


def _verdict_grid(t: pd.DataFrame, path: Path, regime: str) -> Path:
    """Scenario x metric grid coloured by relative difference, marked with the verdict."""
    import matplotlib.pyplot as plt

    labels, metrics = list(dict.fromkeys(t["label"])), list(dict.fromkeys(t["metric"]))
    grid = t.pivot(index="label", columns="metric", values="verdict").reindex(
        index=labels, columns=metrics)
    code = {analysis.VERDICT_BETTER: 1, analysis.VERDICT_UNCLEAR: 0, analysis.VERDICT_WORSE: -1}
    values = grid.apply(lambda c: c.map(code)).to_numpy(float)   # others (few events...): blank
    fig, ax = plt.subplots(figsize=(0.55 * len(metrics) + 3, 0.4 * len(labels) + 2))
    ax.imshow(np.ma.masked_invalid(values), cmap="RdYlGn", vmin=-1.5, vmax=1.5, aspect="auto")
    ax.set_xticks(range(len(metrics)), metrics, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_title(f"{regime}: green better, red worse, yellow no clear difference, blank "
                 f"not judged / too few events / no data", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _sensitivity(res, metrics: list[str], method: str, out: Path) -> list[Block]:
    import matplotlib.pyplot as plt

    idx = analysis.sensitivity_indices(res.runs, res.design, res.manifest, metrics)
    title = {"sobol": "Sobol indices (first order S1, total ST)",
             "morris": "Morris screening (mu*, sigma)",
             "lhs": "Spearman rank correlation of each input with each outcome"}[method]
    blocks = [Block("h2", title),
              Block("p", "Outcomes are averaged over replicates per scenario before analysis; "
                         "metrics that are constant or missing in some scenario are skipped.")]
    if idx.empty:
        return blocks + [Block("p", "No indices could be computed.")]
    bars = {"sobol": [("S1", "S1_conf"), ("ST", "ST_conf")],
            "morris": [("mu_star", "mu_star_conf"), ("sigma", None)],
            "lhs": [("spearman", None)]}[method]
    for regime, sub in idx.groupby("regime"):
        shown = list(dict.fromkeys(sub["metric"]))
        cols = 3
        rows = -(-len(shown) // cols)
        fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.6 * rows), squeeze=False)
        for ax, metric in zip(axes.flat, shown):
            s = sub[sub["metric"] == metric]
            x = np.arange(len(s))
            for k, (col, conf) in enumerate(bars):
                ax.bar(x + k * 0.4 - 0.2 * (len(bars) - 1), s[col], width=0.4, label=col,
                       yerr=s[conf] if conf else None, capsize=2)
            ax.set_xticks(x, s["parameter"], rotation=45, ha="right", fontsize=6)
            ax.set_title(metric, fontsize=8)
        tidy_panels(axes, len(shown))
        fig.tight_layout()
        path = out / "figures" / f"sensitivity_{slug(regime)}.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        blocks += [Block("h3", f"Regime: {regime}"), Block("figure", path),
                   Block("table", sub.drop(columns="regime"))]
    return blocks


def _bands(res, metrics: list[str], spec: dict, out: Path) -> list[Block]:
    """Daily series, mean and 5-95% band across replicates per regime. One scenario: every
    series. Several scenarios (grid cells, rows): small multiples, one figure per key series
    with a panel for every scenario. Sampled designs: one figure pooled over scenarios."""
    store = ResultStore(res.root)
    if store.sources()["daily"] is None:     # e.g. every run failed
        return []
    sampled = spec["design"]["method"] in ("lhs", "sobol", "morris")
    labels = res.runs.groupby("scenario")["label"].first()
    scenarios = sorted(res.runs["scenario"].unique())
    blocks = [Block("h2", "Daily series"),
              Block("p", "Lines: mean; bands: 5th to 95th percentile across replicates"
                         + (" and all sampled scenarios." if sampled else ".")
                         + " Shares are cumulative to date.")]
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
                                                          out / "figures" / f"{name}.png"))]
        wanted = set(spec["analysis"]["metrics"] or _headline())
        shown = [c for c in series if c in wanted] or series[:4]
        blocks.append(Block("p", f"One figure per series ({', '.join(shown)}), a panel per "
                                 f"scenario; query the daily view for the other series."))
        for column in shown:
            bands = _scenario_bands(con, column)
            for k in range(0, len(scenarios), MAX_PANELS_PER_FIGURE):
                part = scenarios[k:k + MAX_PANELS_PER_FIGURE]
                path = out / "figures" / f"daily_{slug(column)}_{k // MAX_PANELS_PER_FIGURE}.png"
                blocks.append(Block("figure", _small_multiples(bands, column, part, labels,
                                                               path)))
    return blocks


def _headline() -> list[str]:
    from sim.model import headline_metrics

    return headline_metrics()


def _scenario_bands(con, column: str) -> pd.DataFrame:
    """Mean and 5-95% band of one daily series per scenario, regime and day (in DuckDB)."""
    return con.execute(
        f'SELECT scenario, regime, day, avg("{column}") AS mean, '
        f'quantile_cont("{column}", 0.05) AS low, quantile_cont("{column}", 0.95) AS high '
        f"FROM daily GROUP BY ALL ORDER BY ALL").df()


def _small_multiples(bands: pd.DataFrame, column: str, scenarios: list, labels: pd.Series,
                     path: Path) -> Path:
    import textwrap

    import matplotlib.pyplot as plt

    cols = min(4, len(scenarios))
    rows = -(-len(scenarios) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 2.5 * rows + 0.6),
                             squeeze=False, sharex=True, sharey=True)
    for ax, scenario in zip(axes.flat, scenarios):
        for regime, g in bands[bands["scenario"] == scenario].groupby("regime", sort=False):
            line, = ax.plot(g["day"], g["mean"], lw=1, label=regime, color=COLOURS.get(regime))
            ax.fill_between(g["day"], g["low"], g["high"], alpha=0.2, color=line.get_color())
        # Titles that fit: labels of grid cells are long, so wrap them within the panel.
        ax.set_title(textwrap.fill(str(labels.get(scenario, scenario)), 38), fontsize=6.5)
        ax.tick_params(labelsize=6)
    tidy_panels(axes, len(scenarios), legend_size=6)
    fig.suptitle(f"{column} by scenario (x axis: day)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def _band_figure(bands: pd.DataFrame, series: list[str], title: str, path: Path) -> Path:
    import textwrap

    import matplotlib.pyplot as plt

    cols = 4
    rows = -(-len(series) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 2.3 * rows), squeeze=False)
    for ax, metric in zip(axes.flat, series):
        for regime, g in bands[bands["metric"] == metric].groupby("regime"):
            line, = ax.plot(g["day"], g["mean"], lw=1, label=regime, color=COLOURS.get(regime))
            ax.fill_between(g["day"], g["low"], g["high"], alpha=0.2, color=line.get_color())
        ax.set_title(metric, fontsize=8)
        ax.tick_params(labelsize=6)
    tidy_panels(axes, len(series), legend_size=6)
    fig.suptitle(textwrap.fill(f"Scenario: {title} (x axis: day)", 120), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path

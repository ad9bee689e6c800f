"""``report/report.md`` and ``report.html`` with figures, from a calibration's stored tables.

Sections: what was calibrated against what (targets with sources), how the populations
converged, the posterior (table, marginal and pairwise plots), the posterior predictive
check, the parameters the patterns did not constrain, the defaults the data moved, and how
to run an experiment over the posterior's draws. Every sentence with a finding is computed
from the tables.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from .results import DRAWS_FILE, STAT_PREFIX, CalibrationResult, load_result
from .summary import INTERVAL, UNCONSTRAINED_IQR_RATIO, posterior_table, predictive_table

MAX_PAIR_PARAMETERS = 10
MIN_ESS_SHARE = 0.2          # below this share of particles, the report warns


def write_report(root: str | Path, out_dir: str | Path | None = None) -> Path:
    """Write report.md, report.html and figures/*.png; return the Markdown path."""
    import matplotlib

    matplotlib.use("Agg")
    result = load_result(root, key="report")
    out = Path(out_dir) if out_dir else result.root / "report"
    (out / "figures").mkdir(parents=True, exist_ok=True)
    for old in (out / "figures").glob("*.png"):
        old.unlink()
    blocks = _build(result, out)
    title = f"Calibration report: {result.manifest['calibration']['name']}"
    from sim.io import write_text

    write_text(_markdown(title, blocks), out / "report.md")
    write_text(_html(title, blocks), out / "report.html")
    return out / "report.md"


def _build(result: CalibrationResult, out: Path) -> list[tuple[str, object]]:
    cal, m = result.manifest["calibration"], result.manifest
    blocks: list[tuple[str, object]] = [("p", _provenance(result))]
    blocks += [("h2", "Observed patterns"), ("table", _targets_frame(cal["targets"]))]
    if cal.get("skipped_targets"):
        names = ", ".join(f"{t['name']} ({t['metric']})" for t in cal["skipped_targets"])
        blocks.append(("p", (f"Skipped (marked optional, the model does not report the metric "
                            f"yet): {names}.")))
    blocks += [("h2", "Convergence"), ("figure", _convergence(result, out)),
               ("p", ("epsilon is the acceptance threshold in each population's own "
                     "adaptive distance (the scales are refitted every population), so values "
                     "of different populations are not on one scale. ess = effective sample "
                     "size of the importance weights, 1 / sum of squared weights.")),
               ("table", result.populations[["t", "epsilon", "samples", "particles",
                                             "acceptance_rate", "ess"]])]
    table = posterior_table(result)
    blocks += [("h2", "Posterior"),
               ("p", (f"Weighted particles of the last population (t = "
                     f"{int(result.posterior['t'].iloc[0])}, {len(result.posterior)} "
                     f"particles). 90% interval = weighted {INTERVAL[0]:.0%}-{INTERVAL[1]:.0%} "
                     f"quantiles; iqr_ratio = posterior / prior interquartile range on the "
                     f"prior's scale (log scale for log-uniform priors).")),
               *_ess_warning(result),
               ("table", table), ("figure", _marginals(result, out))]
    if len(result.parameters) >= 2:
        blocks.append(("figure", _pairs(result, out)))
    blocks += _predictive_blocks(result, out)
    blocks += _findings(table)
    blocks += _draws_blocks(result)
    blocks += [("h2", "Reproducibility"), ("p", m.get("reproducibility", ""))]
    return blocks


def _ess_warning(result: CalibrationResult) -> list[tuple[str, object]]:
    """Say so when the weighted posterior rests on a few particles."""
    last = result.populations.iloc[-1]
    if last["ess"] >= MIN_ESS_SHARE * last["particles"]:
        return []
    return [("p", (f"Caution: the last population's effective sample size is "
                  f"{last['ess']:.0f} of {int(last['particles'])} particles (below "
                  f"{MIN_ESS_SHARE:.0%}): the intervals below rest on a few heavily weighted "
                  f"particles. Raise abc.population_size for a smoother posterior."))]


def _provenance(result: CalibrationResult) -> str:
    m, cal = result.manifest, result.manifest["calibration"]
    size = ", ".join(f"{k} = {v}" for k, v in cal["fixed"].items()) or "model defaults"
    abc = cal["abc"]
    sims = int(result.populations["samples"].sum()) if len(result.populations) else 0
    executor = m.get("executor", {})
    git = f"{m.get('git_commit') or 'unknown'}{' (dirty)' if m.get('git_dirty') else ''}"
    return (f"{cal['description']}\n\n"
            f"ABC-SMC (pyabc) under regime `{cal['regime']}`, {cal['replicates']} model runs "
            f"per particle ({size}); {abc['population_size']} particles per population, "
            f"{len(result.populations)} populations, {sims:,} model evaluations after the "
            f"prior sample that fits the distance scales; stopped because: "
            f"{m.get('stop_reason')}. Sampler: {executor.get('sampler', '?')} "
            f"({executor.get('kind', '?')}). Calibration file {m['calibration_file']} "
            f"(sha256 {m['calibration_sha256'][:12]}), seed {m['seed']}, git {git}.")


def _targets_frame(targets: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([{"target": t["name"], "statistic": t["metric"] if not
                          t.get("denominator") else f"{t['metric']} / {t['denominator']}",
                          "observed": t["observed"], "uncertainty": t["uncertainty"],
                          "year": t["year"], "scale": t["scale"], "source": t["source"]}
                         for t in targets])


def _predictive_blocks(result: CalibrationResult, out: Path) -> list[tuple[str, object]]:
    blocks: list[tuple[str, object]] = [("h2", "Posterior predictive check")]
    if result.predictive is None:
        return blocks + [("p", "No predictive simulations stored.")]
    table = predictive_table(result)
    n = int(result.predictive.shape[0])
    misses = table[table["observed_in_90"] == False]  # noqa: E712 - element-wise, pandas
    verdict = ("Every observed value lies inside the 90% posterior predictive interval."
               if misses.empty else
               "Observed values outside the 90% posterior predictive interval (the model "
               "with the calibrated parameters does not reproduce them): "
               + ", ".join(misses["target"]) + ".")
    return blocks + [
        ("p", (f"{n} parameter sets drawn from the posterior, each simulated afresh (new "
              f"seeds, the calibration's size and replicates). Each panel: the simulated "
              f"statistic's distribution, the observed value (line) and its stated "
              f"uncertainty (band). {verdict}")),
        ("figure", _predictive_figure(result, table, out)), ("table", table)]


def _findings(table: pd.DataFrame) -> list[tuple[str, object]]:
    loose = table[~table["constrained"]]
    moved = table[table["default_in_90"] == False]  # noqa: E712 - element-wise, pandas
    lines = [("h2", "Parameters the patterns did not constrain"),
             ("p", f"Criterion: posterior interquartile range above "
                   f"{UNCONSTRAINED_IQR_RATIO:.0%} of the prior's. "
                   + ("None: every calibrated parameter was narrowed." if loose.empty else
                      "Not constrained: " + ", ".join(
                          f"{r.parameter} (ratio {r.iqr_ratio:.2f})" for r in loose.itertuples())
                      + ". Their posterior is about their prior: conclusions that depend on "
                        "them rest on the prior range, not on data."))]
    lines += [("h2", "Defaults the data changed"),
              ("p", "Parameters whose current default lies outside the posterior 90% "
                    "interval: " + (", ".join(
                        f"{r.parameter} (default {r.default:g}, posterior median "
                        f"{r.posterior_median:.3g}, 90% [{r.q05:.3g}, {r.q95:.3g}])"
                        for r in moved.itertuples()) if not moved.empty else
                        "none; every default is compatible with the patterns") + ".")]
    return lines


def _draws_blocks(result: CalibrationResult) -> list[tuple[str, object]]:
    """How to compare regimes under the posterior: an experiment over draws.parquet."""
    import pyarrow.parquet as pq

    path = result.root / DRAWS_FILE
    if not path.is_file():
        return []
    columns = pq.read_schema(path).names
    carried = [c for c in columns if c not in result.parameters]
    return [("h2", "Experiments under the posterior"),
            ("p", (f"{DRAWS_FILE} holds {pq.read_metadata(path).num_rows:,} parameter sets "
                  f"resampled from the weighted posterior (seed {result.manifest['seed']}), "
                  f"one unweighted row each, with the calibration's [fixed] values other than "
                  f"size and horizon as constant columns ("
                  f"{', '.join(carried) or 'none here'}). An experiment file runs its regimes "
                  f"over them, paired by common random numbers; with more than a dozen draws "
                  f"`sim report` pools the paired differences over draws and replicates, so "
                  f"the intervals carry the parameter uncertainty the patterns left:")),
            ("code", draws_design_example(path))]


def draws_design_example(path: Path, samples: int = 50) -> str:
    """The [design] table of an experiment over a calibration's draws."""
    return (f'[design]\nmethod = "draws"\nsource = {json.dumps(path.as_posix())}\n'
            f"samples = {samples}          # distinct rows, drawn with design.seed "
            f"(default: experiment.root_seed)")


# ---------------------------------------------------------------- figures


def _convergence(result: CalibrationResult, out: Path) -> Path:
    import matplotlib.pyplot as plt

    pops = result.populations
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.2))
    a.plot(pops["t"], pops["epsilon"], "o-")
    a.set(xlabel="population t", ylabel="epsilon", yscale="log",
          title="acceptance threshold")
    b.plot(pops["t"], pops["acceptance_rate"], "o-", color="tab:orange")
    b.set(xlabel="population t", ylabel="accepted / proposed", yscale="log",
          title="acceptance rate")
    fig.tight_layout()
    return _save(fig, out / "figures" / "convergence.png")


def _prior_grid(prior: dict, n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = prior["low"], prior["high"]
    if prior["distribution"] == "loguniform":
        x = np.geomspace(lo, hi, n)
        return x, 1 / (x * math.log(hi / lo))
    x = np.linspace(lo, hi, n)
    return x, np.full(n, 1 / (hi - lo))


def _bins(prior: dict, n: int) -> np.ndarray:
    """Histogram bins over the prior's range, even on the prior's own scale."""
    if prior["distribution"] == "loguniform":
        return np.geomspace(prior["low"], prior["high"], n + 1)
    return np.linspace(prior["low"], prior["high"], n + 1)


def _scale(axis, set_scale, prior: dict) -> None:
    """Log axis for a log-uniform prior, with plain tick labels (no 10^x clutter)."""
    if prior["distribution"] != "loguniform":
        return
    from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter

    set_scale("log")
    axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(ScalarFormatter())
    axis.set_minor_formatter(NullFormatter())


def _marginals(result: CalibrationResult, out: Path) -> Path:
    import matplotlib.pyplot as plt

    from sim.model import PARAM_SPECS
    from sim.plots import tidy_panels

    priors, post = result.priors, result.posterior
    cols = min(3, len(priors))
    rows = math.ceil(len(priors) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 2.8 * rows), squeeze=False)
    for ax, prior in zip(axes.flat, priors):
        name = prior["name"]
        ax.hist(post[name], bins=_bins(prior, 25), weights=post["weight"], density=True,
                alpha=0.6, label="posterior")
        ax.plot(*_prior_grid(prior), "k--", lw=1, label="prior")
        default = PARAM_SPECS[name].default if name in PARAM_SPECS else None
        if default is not None and prior["low"] <= default <= prior["high"]:
            ax.axvline(default, color="tab:red", lw=1.2, label="default")
        ax.set_title(name)
        _scale(ax.xaxis, ax.set_xscale, prior)
        ax.tick_params(labelsize=7)
    tidy_panels(axes, len(priors))
    fig.suptitle("Marginal posteriors (weighted last population)")
    fig.tight_layout()
    return _save(fig, out / "figures" / "marginals.png")


def _pairs(result: CalibrationResult, out: Path) -> Path:
    import matplotlib.pyplot as plt

    priors = result.priors[:MAX_PAIR_PARAMETERS]
    post = result.posterior
    k = len(priors)
    size = max(1.4, min(2.2, 14 / k))
    fig, axes = plt.subplots(k, k, figsize=(size * k, size * k), squeeze=False)
    alpha = np.clip(post["weight"] / post["weight"].max(), 0.08, 1.0).to_numpy()
    for i, py in enumerate(priors):
        for j, px in enumerate(priors):
            ax = axes[i, j]
            if j > i:
                ax.axis("off")
                continue
            if i == j:
                ax.hist(post[px["name"]], bins=_bins(px, 20), weights=post["weight"],
                        color="tab:blue", alpha=0.6)
            else:
                ax.scatter(post[px["name"]], post[py["name"]], s=6, alpha=alpha,
                           color="tab:blue", linewidths=0)
                ax.set_ylim(py["low"], py["high"])
                _scale(ax.yaxis, ax.set_yscale, py)
            ax.set_xlim(px["low"], px["high"])
            _scale(ax.xaxis, ax.set_xscale, px)
            ax.tick_params(labelsize=6)
            if i == k - 1:
                ax.set_xlabel(px["name"], fontsize=7)
            if j == 0 and i > 0:
                ax.set_ylabel(py["name"], fontsize=7)
    fig.suptitle("Pairwise posterior (points shaded by weight)")
    fig.tight_layout()
    return _save(fig, out / "figures" / "pairs.png")


def _predictive_figure(result: CalibrationResult, table: pd.DataFrame, out: Path) -> Path:
    import matplotlib.pyplot as plt

    from sim.plots import tidy_panels

    targets = result.targets
    cols = min(3, len(targets))
    rows = math.ceil(len(targets) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.8 * cols, 2.9 * rows), squeeze=False)
    for ax, target, row in zip(axes.flat, targets, table.itertuples()):
        sims = result.predictive[STAT_PREFIX + target["name"]].to_numpy(float)
        sims = sims[np.isfinite(sims)]
        obs, u = target["observed"], target["uncertainty"]
        ax.axvspan(obs - u, obs + u, color="tab:red", alpha=0.15, label="observed ± uncertainty")
        ax.axvline(obs, color="tab:red", lw=1.5)
        if sims.size:
            ax.hist(sims, bins=20, color="tab:blue", alpha=0.7, label="posterior predictive")
        ax.set_title(f"{target['name']}\n{row.statistic}", fontsize=8)
        ax.tick_params(labelsize=7)
    tidy_panels(axes, len(targets))
    fig.suptitle("Posterior predictive check: observed value against simulated statistic")
    fig.tight_layout()
    return _save(fig, out / "figures" / "predictive.png")


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# ---------------------------------------------------------------- rendering


def _cell(value) -> str:
    if isinstance(value, float):
        return "n/a" if math.isnan(value) else f"{value:.4g}"
    return str(value)


def _markdown(title: str, blocks) -> str:
    lines = [f"# {title}", ""]
    for kind, content in blocks:
        if kind == "h2":
            lines += [f"## {content}", ""]
        elif kind == "p":
            lines += [str(content), ""]
        elif kind == "code":
            lines += ["```toml", str(content), "```", ""]
        elif kind == "figure":
            lines += [f"![{content.stem}](figures/{content.name})", ""]
        elif kind == "table":
            frame = content
            lines.append("| " + " | ".join(map(str, frame.columns)) + " |")
            lines.append("|" + "---|" * len(frame.columns))
            for row in frame.itertuples(index=False):
                lines.append("| " + " | ".join(_cell(v).replace("|", "/") for v in row) + " |")
            lines.append("")
    return "\n".join(lines)


def _html(title: str, blocks) -> str:
    parts = [(f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
             "</title><style>body{font-family:sans-serif;max-width:1100px;margin:auto}"
             "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;"
             "padding:2px 6px}img{max-width:100%}</style></head><body>"),
             f"<h1>{html.escape(title)}</h1>"]
    for kind, content in blocks:
        if kind == "h2":
            parts.append(f"<h2>{html.escape(str(content))}</h2>")
        elif kind == "p":
            parts += [f"<p>{html.escape(p)}</p>" for p in str(content).split("\n\n")]
        elif kind == "code":
            parts.append(f"<pre>{html.escape(str(content))}</pre>")
        elif kind == "figure":
            parts.append(f"<img src='figures/{html.escape(content.name)}' "
                         f"alt='{html.escape(content.stem)}'>")
        elif kind == "table":
            head = "".join(f"<th>{html.escape(str(c))}</th>" for c in content.columns)
            body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row)
                           + "</tr>" for row in content.itertuples(index=False))
            parts.append(f"<table><tr>{head}</tr>{body}</table>")
    parts.append("</body></html>")
    return "\n".join(parts)

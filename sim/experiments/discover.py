"""Scenario discovery: in which region of the sampled parameters does a condition on the
stored results hold, e.g. "five - three-equal-resources > 0" for the unmet-need share
(five-actor linkage leaves more needs unmet than three given the same resources)?

The condition is parsed by a small grammar of our own (never ``eval``)::

    condition := regime [ "-" regime ] op number
    op        := ">" | ">=" | "<" | "<="

with regime names taken from the stored results (they contain hyphens and plus signs, so
the longest known name wins). It is evaluated per (scenario, replicate) pair, or per
scenario on the mean over replicates, giving the boolean "case of interest". Then, from the
EMA Workbench (loaded only here: it takes about 2 s to import):

* PRIM (patient rule induction) peels the parameter space into a box where cases are
  dense; the box is chosen on the coverage/density trade-off: the densest box that still
  covers at least ``min_coverage`` of all cases;
* CART, a classification tree whose leaves are boxes too;
* extra-trees feature scores: which parameters matter at all.

Two things the EMA Workbench does not know about an experiment are said and handled here:

* **a grid** (or any design of a few levels per parameter: grid, sweep, rows): PRIM and
  CART cut between levels (a limit of 2.5 between the levels 2 and 3), so a box is
  reported as the levels it holds, its limits snapped to them (PRIM's own cut kept as
  ``prim_low``/``prim_high``);
* **replicates**: PRIM's quasi-p-values count every (scenario, replicate) unit as
  independent, but the replicates of one design point share its parameters, so they
  overstate the evidence. Each restriction is also tested at the **design-point level**
  (``p_design_point``): the design points' case shares (the share of a point's replicates
  that are cases) inside the box against those the restriction excludes, a one-sided
  permutation test over design points (exact when there are few).

Everything reads stored results only; the model is never imported.
"""

from __future__ import annotations

import re
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import DiscoverError
from sim.io import atomic_write

from .analysis import ok_runs

OPERATORS = (">=", "<=", ">", "<")
PER = ("replicate", "scenario")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_QUOTE = 60            # at most this many characters of user text in a message
LEVEL_DESIGNS = ("grid", "sweep", "rows")    # designs whose parameters take a few levels
EXACT_PERMUTATIONS = 20_000                  # above, a Monte Carlo permutation test
MONTE_CARLO_PERMUTATIONS = 20_000


def _quote(text: str) -> str:
    return repr(text if len(text) <= _QUOTE else text[:_QUOTE] + "...")


# ---------------------------------------------------------------- the condition


@dataclass(frozen=True)
class Condition:
    """``left [- right] op value`` over one metric."""

    left: str
    right: str | None
    op: str
    value: float

    def __str__(self) -> str:
        lhs = self.left if self.right is None else f"{self.left} - {self.right}"
        return f"{lhs} {self.op} {self.value:g}"

    def holds(self, x: np.ndarray) -> np.ndarray:
        return {">": x > self.value, ">=": x >= self.value, "<": x < self.value,
                "<=": x <= self.value}[self.op]


def parse_where(text: str, regimes: list[str]) -> Condition:
    """Parse ``regime [- regime] op number``; raise DiscoverError saying what is wrong."""
    tokens = _tokens(text, regimes)
    kinds = [k for k, _ in tokens]
    shapes = {("regime", "op", "number"), ("regime", "minus", "regime", "op", "number")}
    if tuple(kinds) not in shapes:
        raise DiscoverError(f"--where: expected 'REGIME [- REGIME] OP NUMBER' with OP one of "
                            f"{', '.join(OPERATORS)}, got {_quote(text)}")
    values = [v for _, v in tokens]
    if len(values) == 3:
        return Condition(values[0], None, values[1], float(values[2]))
    if values[0] == values[2]:
        raise DiscoverError(f"--where: a regime minus itself is always 0: {_quote(text)}")
    return Condition(values[0], values[2], values[3], float(values[4]))


def _tokens(text: str, regimes: list[str]) -> list[tuple[str, str]]:
    names = sorted(regimes, key=len, reverse=True)     # longest first: "three-equal-resources"
    tokens, i = [], 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        name = next((n for n in names if text.startswith(n, i)), None)
        if name and (i + len(name) == len(text) or not _namechar(text[i + len(name)])):
            tokens.append(("regime", name))
            i += len(name)
            continue
        op = next((o for o in OPERATORS if text.startswith(o, i)), None)
        if op:
            tokens.append(("op", op))
            i += len(op)
            continue
        number = _NUMBER.match(text, i)
        if number and (not tokens or tokens[-1][0] == "op"):
            tokens.append(("number", number.group()))
            i = number.end()
            continue
        if text[i] == "-":
            tokens.append(("minus", "-"))
            i += 1
            continue
        word = re.match(r"[\w+.-]+", text[i:])
        what = word.group() if word else text[i]
        raise DiscoverError(f"--where: {_quote(what)} at position {i + 1} is not a regime of "
                            f"these results ({', '.join(regimes)}), an operator "
                            f"({', '.join(OPERATORS)}) or a number")
    return tokens


def _namechar(c: str) -> bool:
    return c.isalnum() or c in "_+"


# ---------------------------------------------------------------- cases of interest


def parameter_table(runs: pd.DataFrame, params: list[str]) -> pd.DataFrame:
    """The design's inputs per scenario: the parameters that vary between scenarios, with
    the values the model received (booleans as 0/1)."""
    per_scenario = runs.groupby("scenario")[params].first()
    varied = [p for p in params if per_scenario[p].nunique(dropna=False) > 1]
    table = per_scenario[varied]
    return table.apply(lambda c: c.astype(int) if c.dtype == bool else c)


def cases(runs: pd.DataFrame, condition: Condition, metric: str,
          per: str = "replicate") -> pd.DataFrame:
    """One row per (scenario, replicate), or per scenario: ``value`` (the metric, or the
    difference of two regimes' metric, paired on the replicate) and ``case`` (the
    condition holds). Pairs with a failed run or a missing value are left out."""
    runs = ok_runs(runs)
    wide = runs.pivot_table(index=["scenario", "rep"], columns="regime", values=metric,
                            aggfunc="first", dropna=False)
    for regime in filter(None, (condition.left, condition.right)):
        if regime not in wide:
            raise DiscoverError(f"--where: regime {regime!r} has no successful runs here")
    value = wide[condition.left] - (wide[condition.right] if condition.right else 0.0)
    value = value.dropna().rename("value")
    if per == "scenario":
        value = value.groupby(level="scenario").mean()
    frame = value.reset_index()
    frame["case"] = condition.holds(frame["value"].to_numpy(float))
    return frame


# ---------------------------------------------------------------- PRIM, CART, scores


@dataclass
class Discovery:
    """What the three methods found (tables, plus the fitted objects for figures)."""

    n: int
    n_cases: int
    trajectory: pd.DataFrame = field(default_factory=pd.DataFrame)
    chosen: int | None = None
    box: pd.DataFrame = field(default_factory=pd.DataFrame)     # restricted parameters
    box_stats: dict = field(default_factory=dict)
    cart_tree: str = ""
    cart_boxes: pd.DataFrame = field(default_factory=pd.DataFrame)
    scores: pd.DataFrame = field(default_factory=pd.DataFrame)
    cart_model: object = None
    levels: dict = field(default_factory=dict)    # a level design: parameter -> its levels
    n_points: int = 0                             # design points behind the units
    box_test: float = float("nan")                # the whole box, design-point level


@contextmanager
def _quiet():
    """The EMA Workbench's known noise: a UserWarning about ipyparallel at import, and a
    pandas deprecation warning from inside Prim (DataFrame.drop(inplace=True))."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*ipyparallel.*")
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", category=ImportWarning)
        yield


def _ema():
    try:
        with _quiet():
            from ema_workbench.analysis import cart, feature_scoring, prim
    except ImportError:
        raise DiscoverError("sim discover needs the EMA Workbench: install the 'discover' "
                            "extra (uv sync --extra discover; setup.sh does)") from None
    return prim, cart, feature_scoring


def discover(x: pd.DataFrame, y: np.ndarray, *, min_coverage: float = 0.8,
             mass_min: float = 0.05, seed: int = 0, points: np.ndarray | None = None,
             levels: dict | None = None) -> Discovery:
    """PRIM, CART and extra-trees scores of the cases ``y`` (1-d bool) over inputs ``x``.

    ``points`` names each unit's design point (default: every unit its own) for the
    design-point-level tests; ``levels`` (parameter -> levels) marks a level design, whose
    box limits are snapped to the levels inside."""
    y = np.asarray(y, dtype=bool).reshape(-1)
    points = np.arange(len(y)) if points is None else np.asarray(points)
    result = Discovery(n=len(y), n_cases=int(y.sum()), levels=dict(levels or {}),
                       n_points=len(pd.unique(points)))
    if result.n_cases in (0, len(y)):
        return result                       # nothing separates cases from the others
    prim, cart, feature_scoring = _ema()
    x = x.reset_index(drop=True)
    with _quiet():
        box = prim.Prim(x, y, peel_alpha=0.05, mass_min=mass_min).find_box()
        result.trajectory = box.peeling_trajectory.copy()
        result.chosen = choose_box(result.trajectory, min_coverage)
        box.select(result.chosen)
        stats, limits = box.inspect(result.chosen, style="data")[0]
        result.box_stats = {k: float(stats[k]) for k in ("coverage", "density", "mass",
                                                         "res_dim")}
        result.box = _limits(limits, x)
        result.box, result.box_test = point_tests(result.box, x, y, points, seed)
        result.box = snap_to_levels(result.box, result.levels)

        # EMA's CART makes a leaf at least int(mass_min * n) units: at least one
        tree = cart.CART(x, y, mass_min=max(mass_min, 1.5 / len(y)))
        tree.build_tree()
        # EMA's CART leaves the tree's random_state unset (ties between equally good
        # splits would then differ between runs); refit the same tree with a fixed one.
        tree.clf.set_params(random_state=seed).fit(tree._x, tree.y)
        result.cart_model = tree
        result.cart_boxes = _cart_boxes(tree, result.levels)
        from sklearn.tree import export_text

        result.cart_tree = export_text(tree.clf, feature_names=list(tree.feature_names))

        scores, _ = feature_scoring.get_ex_feature_scores(
            x, y, mode=feature_scoring.RuleInductionType.CLASSIFICATION, random_state=seed)
    result.scores = scores.iloc[:, 0].rename("score").rename_axis("parameter").reset_index()
    return result


def choose_box(trajectory: pd.DataFrame, min_coverage: float) -> int:
    """The densest box covering at least ``min_coverage`` of the cases (on ties the one
    covering more); the first box if none covers that much."""
    eligible = trajectory[trajectory["coverage"] >= min_coverage]
    if eligible.empty:
        return int(trajectory.index[0])
    best = eligible.sort_values(["density", "coverage"], ascending=False, kind="stable")
    return int(best.index[0])


def _limits(limits: pd.DataFrame, x: pd.DataFrame) -> pd.DataFrame:
    """The chosen box's limits on each restricted parameter, beside its sampled range."""
    limits = limits.copy()
    limits.columns = [c[-1] if isinstance(c, tuple) else c for c in limits.columns]
    qp = limits.iloc[:, 2:].to_numpy(float)
    out = pd.DataFrame({"parameter": limits.index, "box_low": limits.iloc[:, 0].to_numpy(),
                        "box_high": limits.iloc[:, 1].to_numpy(),
                        "sampled_low": [x[p].min() for p in limits.index],
                        "sampled_high": [x[p].max() for p in limits.index],
                        # PRIM's quasi-p-value of each restriction (lower and upper side)
                        "qp_value": np.nanmin(qp, axis=1) if qp.size else np.nan})
    return out.reset_index(drop=True)


def _cart_boxes(tree, levels: dict | None = None) -> pd.DataFrame:
    stats = pd.DataFrame(tree.stats)
    rows = []
    for i, box in enumerate(tree.boxes):
        limits = "; ".join(_cart_limit(p, box.loc[0, p], box.loc[1, p], (levels or {}).get(p))
                           for p in box.columns
                           if box.loc[0, p] > tree.x[p].min() or box.loc[1, p] < tree.x[p].max())
        rows.append({"leaf": i, **stats.iloc[i].to_dict(), "limits": limits or "(everything)"})
    return pd.DataFrame(rows).sort_values("density", ascending=False, ignore_index=True)


def _cart_limit(name: str, low: float, high: float, levels: list | None) -> str:
    """A leaf's limit on one parameter: its levels on a level design (a tree cuts between
    levels), else the interval."""
    if levels:
        inside = [v for v in levels if low - 1e-12 <= v <= high + 1e-12]
        return f"{name} in {{{', '.join(f'{v:g}' for v in inside)}}}"
    return f"{name} in [{low:.4g}, {high:.4g}]"


# ---------------------------------------------------------------- level designs, points


def design_levels(x: pd.DataFrame, method: str) -> dict[str, list[float]]:
    """The levels of each input on a level design (grid, sweep, rows), else {}."""
    if method not in LEVEL_DESIGNS:
        return {}
    return {c: sorted(float(v) for v in pd.unique(x[c].dropna())) for c in x.columns}


def snap_to_levels(box: pd.DataFrame, levels: dict[str, list[float]]) -> pd.DataFrame:
    """On a level design, a box's limits are the extreme levels it holds; PRIM's cut
    (between two levels) is kept as prim_low, prim_high, and levels_in_box lists them."""
    if box.empty or not levels:
        return box
    box = box.copy()
    box["prim_low"], box["prim_high"] = box["box_low"], box["box_high"]
    inside = [[v for v in levels.get(r.parameter, []) if r.box_low - 1e-12 <= v
               <= r.box_high + 1e-12] for r in box.itertuples()]
    box["box_low"] = [min(v) if v else np.nan for v in inside]
    box["box_high"] = [max(v) if v else np.nan for v in inside]
    box["levels_in_box"] = [", ".join(f"{v:g}" for v in v_) for v_ in inside]
    return box


def _in_box(x: pd.DataFrame, limits: dict[str, tuple[float, float]]) -> np.ndarray:
    inside = np.ones(len(x), dtype=bool)
    for name, (low, high) in limits.items():
        inside &= (x[name].to_numpy(float) >= low) & (x[name].to_numpy(float) <= high)
    return inside


def point_tests(box: pd.DataFrame, x: pd.DataFrame, y: np.ndarray, points: np.ndarray,
                seed: int = 0) -> tuple[pd.DataFrame, float]:
    """Design-point-level tests of a PRIM box: ``p_design_point`` per restriction and one
    for the whole box (see the module docstring). The unit is a design point, its value
    the share of its units that are cases."""
    frame = x.reset_index(drop=True).assign(_case=y.astype(float), _point=points)
    per_point = frame.groupby("_point", sort=False).agg(
        {**dict.fromkeys(x.columns, "first"), "_case": "mean"})
    share = per_point["_case"].to_numpy(float)
    limits = {r.parameter: (r.box_low, r.box_high) for r in box.itertuples()}
    box = box.copy()
    tests = []
    for name, limit in limits.items():
        others = {k: v for k, v in limits.items() if k != name}
        extended = _in_box(per_point, others)
        inside = extended & _in_box(per_point, {name: limit})
        tests.append(permutation_p(share[extended], inside[extended], seed))
    box["p_design_point"] = tests
    whole = _in_box(per_point, limits)
    return box, permutation_p(share, whole, seed)


def permutation_p(values: np.ndarray, inside: np.ndarray, seed: int = 0) -> float:
    """One-sided p-value that the mean of ``values`` marked ``inside`` is this high by
    chance: the share of ways to choose that many values whose mean is at least as high
    (every way when there are at most EXACT_PERMUTATIONS, else a Monte Carlo sample). NaN
    when nothing or everything is inside (nothing to compare)."""
    import itertools
    import math

    values = np.asarray(values, float)
    inside = np.asarray(inside, bool)
    n, k = len(values), int(inside.sum())
    if k == 0 or k == n:
        return float("nan")
    observed = values[inside].sum() - 1e-12
    if math.comb(n, k) <= EXACT_PERMUTATIONS:
        sums = np.array([values[list(c)].sum() for c in itertools.combinations(range(n), k)])
        return float(np.mean(sums >= observed))
    rng = np.random.default_rng(seed)
    sums = np.array([values[rng.choice(n, k, replace=False)].sum()
                     for _ in range(MONTE_CARLO_PERMUTATIONS)])
    return float((1 + np.sum(sums >= observed)) / (1 + MONTE_CARLO_PERMUTATIONS))


# ---------------------------------------------------------------- the written report


def write_discovery(results_dir: str | Path, where: str, metric: str | None = None,
                    out: str | Path | None = None, per: str = "replicate",
                    min_coverage: float = 0.8) -> tuple[Path, Discovery]:
    """Run the discovery on stored results; write discover.md/.html, figures and CSVs to
    ``out`` (default DIR/discover). Raise DiscoverError (or SpecError) on bad input."""
    from sim.model import headline_metrics

    from .render import write_document
    from .store import load_results

    if per not in PER:
        raise DiscoverError(f"--per: must be one of {', '.join(PER)}, got {_quote(per)}")
    if not 0 < min_coverage <= 1:
        raise DiscoverError(f"--min-coverage: must be in (0, 1], got {min_coverage}")
    res = load_results(results_dir)
    regimes = list(res.manifest["experiment"]["regimes"])
    condition = parse_where(where, regimes)
    metric = metric or next((m for m in headline_metrics() if m in res.metrics),
                            res.metrics[0])
    if metric not in res.metrics:
        raise DiscoverError(f"--metric: {_quote(metric)} is not a metric of these results "
                            f"(e.g. {', '.join(res.metrics[:4])})")
    inputs = parameter_table(res.runs, res.params)
    if inputs.empty:
        raise DiscoverError(f"{results_dir}: the design varies no parameter; discovery needs "
                            f"a design (lhs, sobol, grid, rows) over the parameters")
    table = cases(res.runs, condition, metric, per)
    table = table.join(inputs, on="scenario")
    x = table[list(inputs.columns)]
    method = res.manifest["experiment"]["design"]["method"]
    found = discover(x, table["case"].to_numpy(), min_coverage=min_coverage,
                     points=table["scenario"].to_numpy(), levels=design_levels(x, method))

    out = Path(out) if out else res.root / "discover"
    figures = out / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    for old in figures.glob("*.png"):
        old.unlink()
    _write_csv(table, out / "cases.csv")
    blocks = _summary_blocks(res, condition, metric, per, found, min_coverage, method)
    if found.chosen is not None:
        for name, frame in (("prim_trajectory", found.trajectory), ("prim_box", found.box),
                            ("cart_boxes", found.cart_boxes), ("feature_scores", found.scores)):
            _write_csv(frame, out / f"{name}.csv")
        atomic_write(out / "cart_tree.txt", lambda tmp: Path(tmp).write_text(found.cart_tree))
        blocks += _method_blocks(found, x, figures, min_coverage)
    title = f"Scenario discovery: where {condition} ({metric})"
    return write_document(out, "discover", title, blocks), found


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False))


def _summary_blocks(res, condition, metric, per, found: Discovery, min_coverage,
                    method: str) -> list:
    from sim.labels import metric_label, param_label

    from .catalogue import from_manifest
    from .render import Block

    unit = "scenario (mean over its replicates)" if per == "scenario" else \
        "(scenario, replicate) pair"
    share = found.n_cases / found.n if found.n else float("nan")
    label = metric_label(metric, from_manifest(res.manifest))
    text = (f"Results: {res.root} (experiment {res.manifest['experiment']['name']}, "
            f"{method} design). Condition: {condition}, on {label} [{metric}]"
            + (" (paired: both regimes ran on the same seed)" if condition.right else "")
            + f". Unit: one {unit}. Cases of interest: {found.n_cases} of {found.n} "
              f"({share:.0%}) from {found.n_points} design points; the rest: "
              f"{found.n - found.n_cases}. Inputs: the parameters that vary between "
              f"scenarios. All cases: cases.csv.")
    blocks = [Block("p", text)]
    if found.levels:
        levels = "; ".join(f"{param_label(p, unit=False)}: "
                           f"{', '.join(f'{v:g}' for v in values)}"
                           for p, values in found.levels.items())
        blocks.append(Block("p", f"The design is a {method} design: each parameter takes a few "
                                 f"levels ({levels}). PRIM and CART cut between levels, so a "
                                 "limit between two levels means the levels on its side: the "
                                 "box is given as the levels it holds (box_low and box_high "
                                 "are levels; PRIM's own cut is prim_low, prim_high in "
                                 "prim_box.csv), and a CART leaf as its levels."))
    if found.n > found.n_points:
        blocks.append(Block("p", f"The {found.n} units come from {found.n_points} design points "
                                 "(replicates share their point's parameters), so they are not "
                                 "independent: PRIM's quasi-p-values (qp_value), which count "
                                 "every unit, overstate the evidence. p_design_point tests each "
                                 "restriction with design points as the unit: the share of "
                                 "cases among a point's units, inside the box against the "
                                 "points the restriction excludes (a one-sided permutation "
                                 "test; exact with few points)."))
    if found.chosen is None:
        blocks.append(Block("p", "The condition holds in " + ("none" if not found.n_cases
                                                              else "all")
                            + " of the units, so there is no region to find: nothing "
                              "separates cases from the others."))
    return blocks


def _method_blocks(found: Discovery, x: pd.DataFrame, figures: Path,
                   min_coverage: float) -> list:
    from sim.labels import param_label

    from .render import Block
    from .tables import Table

    s = found.box_stats
    warnings_text = " ".join(caveats(found))
    restricted = ", ".join(_restriction(r) for r in found.box.itertuples()) or "no restriction"
    top = found.scores.head(3)
    box = found.box.copy()
    box.insert(1, "input", [param_label(p) for p in box["parameter"]])
    return [
        Block("h2", "PRIM: the box where cases concentrate"),
        Block("p", f"Peeling trajectory (coverage: share of all cases inside the box; "
                   f"density: share of the box that are cases). Chosen: the densest box "
                   f"covering at least {min_coverage:.0%} of the cases, step {found.chosen}: "
                   f"coverage {s['coverage']:.2f}, density {s['density']:.2f}, mass "
                   f"{s['mass']:.2f} (share of all units inside), {int(s['res_dim'])} "
                   f"restricted parameter(s): {restricted}. Base rate outside any box: "
                   f"{found.n_cases / found.n:.2f}. The whole box against the other design "
                   f"points: p = {_p(found.box_test)} (design-point level). qp_value: PRIM's "
                   f"quasi-p-value of a restriction (every unit counted as independent); "
                   f"p_design_point: the same question with design points as the unit. "
                   + warnings_text),
        Block("figure", _tradeoff_figure(found, figures / "prim_tradeoff.png"),
              caption="PRIM peeling trajectory"),
        Block("table", Table("prim_box", box, caption="The chosen PRIM box",
                             kinds={"qp_value": "p", "p_design_point": "p"})),
        Block("figure", _box_figure(found, x, figures / "prim_box.png"),
              caption="The chosen PRIM box within the sampled ranges"),
        Block("h2", "CART: a classification tree"),
        Block("p", f"Leaves are boxes too (at least {0.05:.0%} of the units each); the densest "
                   f"leaves first. The tree as text: cart_tree.txt."),
        Block("table", Table("cart_boxes", found.cart_boxes.head(8),
                             caption="The densest CART leaves")),
        Block("pre", found.cart_tree),
        Block("figure", _tree_figure(found, figures / "cart_tree.png"),
              caption="The CART tree, first four levels"),
        Block("h2", "Feature scores (extra trees)"),
        Block("p", "Importance of each parameter for telling cases from the others (extra-trees "
                   "classifier, sums to 1). Highest: " + ", ".join(
                       f"{param_label(r.parameter, unit=False)} ({r.score:.2f})"
                       for r in top.itertuples()) + "."),
        Block("figure", _scores_figure(found, figures / "feature_scores.png"),
              caption="Extra-trees feature scores"),
        Block("table", Table("feature_scores", found.scores.assign(
            input=[param_label(p) for p in found.scores["parameter"]]),
            caption="Extra-trees feature scores")),
    ]


def _restriction(r) -> str:
    """One restriction of the box in words: its levels on a level design, else limits."""
    from sim.labels import param_label

    levels = getattr(r, "levels_in_box", None)
    if isinstance(levels, str):
        return f"{param_label(r.parameter, unit=False)} in {{{levels}}}"
    return f"{param_label(r.parameter, unit=False)} in [{r.box_low:.4g}, {r.box_high:.4g}]"


def _p(value: float) -> str:
    return "n/a" if not np.isfinite(value) else ("<0.001" if value < 0.001 else f"{value:.3f}")


def lift(found: Discovery) -> float:
    """How much denser in cases the chosen box is than the whole sample."""
    return found.box_stats["density"] / (found.n_cases / found.n)


def caveats(found: Discovery) -> list[str]:
    """What the numbers say against reading the box as a finding."""
    out = []
    if lift(found) < 1.25:
        out.append(f"Caution: the box is hardly denser in cases than the whole sample (lift "
                   f"{lift(found):.2f}); the condition holds about as often everywhere in the "
                   f"sampled space, so no region stands out.")
    tested = found.box["p_design_point"] if "p_design_point" in found.box else \
        found.box["qp_value"]
    chance = found.box.loc[~(tested <= 0.05), "parameter"].tolist()
    if chance:
        from sim.labels import param_label

        out.append("Restrictions whose design-point test is above 0.05 (or cannot be made) "
                   "may be chance: "
                   f"{', '.join(f'{param_label(p, unit=False)} ({p})' for p in chance)}.")
    if min(found.n_cases, found.n - found.n_cases) < 10:
        out.append(f"Only {min(found.n_cases, found.n - found.n_cases)} units are on the rarer "
                   f"side of the condition: too few to trust any box.")
    if found.n_points and found.n_points < 10:
        out.append(f"Only {found.n_points} design points: a box over so few points is a "
                   "description, not a finding.")
    return out


def _tradeoff_figure(found: Discovery, path: Path) -> Path:
    import matplotlib.pyplot as plt

    t = found.trajectory
    fig, ax = plt.subplots(figsize=(6, 4.2))
    points = ax.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", s=18)
    chosen = t.loc[found.chosen]
    ax.scatter([chosen["coverage"]], [chosen["density"]], s=160, facecolors="none",
               edgecolors="red", linewidths=1.5, label=f"chosen (step {found.chosen})")
    ax.set_xlabel("Coverage (share of all cases inside the box)")
    ax.set_ylabel("Density (share of the box that are cases)")
    ax.set_title("PRIM peeling trajectory", fontsize=10)
    from matplotlib.ticker import MaxNLocator

    bar = fig.colorbar(points, ax=ax)
    bar.set_label("Restricted parameters (count)")
    bar.locator = MaxNLocator(integer=True)
    bar.update_ticks()
    ax.legend(fontsize=8, loc="lower left")
    return _save(fig, path)


def _box_figure(found: Discovery, x: pd.DataFrame, path: Path) -> Path:
    """Each restricted parameter: its sampled range (grey) and the box (red), normalised;
    on a level design, its levels as dots, red inside the box."""
    import matplotlib.pyplot as plt

    from sim.labels import param_label, wrap

    box = found.box
    fig, ax = plt.subplots(figsize=(7.5, 0.6 * max(len(box), 1) + 1.5))
    for i, r in enumerate(box.itertuples()):
        span = (r.sampled_high - r.sampled_low) or 1.0
        lo, hi = (r.box_low - r.sampled_low) / span, (r.box_high - r.sampled_low) / span
        ax.barh(i, 1.0, color="lightgrey", height=0.3)
        levels = found.levels.get(r.parameter)
        if levels:
            for v in levels:
                inside = r.box_low - 1e-12 <= v <= r.box_high + 1e-12
                ax.scatter((v - r.sampled_low) / span, i, color="tab:red" if inside else "grey",
                           s=40, zorder=3)
                ax.text((v - r.sampled_low) / span, i - 0.2, f"{v:g}", fontsize=7,
                        ha="center", va="bottom")
        else:
            ax.barh(i, hi - lo, left=lo, color="tab:red", alpha=0.7, height=0.3)
            ax.text(lo, i - 0.2, f"{r.box_low:.3g}", fontsize=7, ha="left", va="bottom")
            ax.text(hi, i - 0.2, f"{r.box_high:.3g}", fontsize=7, ha="right", va="bottom")
    ax.set_yticks(range(len(box)), [wrap(param_label(p), 30) for p in box["parameter"]],
                  fontsize=8)
    ax.set_xlim(-0.03, 1.03)
    ax.set_ylim(len(box) - 0.5, -0.6)
    ax.set_xlabel("Position within the sampled range (share of the range, 0-1)")
    ax.set_title("The chosen PRIM box (red) within the sampled ranges (grey)"
                 + ("; dots: the design's levels" if found.levels else ""), fontsize=9)
    return _save(fig, path)


def _tree_figure(found: Discovery, path: Path) -> Path:
    import matplotlib.pyplot as plt
    from sklearn.tree import plot_tree

    from sim.labels import param_label

    tree = found.cart_model
    fig, ax = plt.subplots(figsize=(11, 6))
    names = [param_label(p, unit=False) for p in tree.feature_names]
    plot_tree(tree.clf, feature_names=names, class_names=["other", "case"],
              filled=True, impurity=False, proportion=True, max_depth=4, fontsize=7, ax=ax)
    ax.set_title("CART tree (first four levels)" + (
        "; on this grid a cut lies between two of the design's levels" if found.levels
        else ""), fontsize=10)
    return _save(fig, path)


def _scores_figure(found: Discovery, path: Path) -> Path:
    import matplotlib.pyplot as plt

    from sim.labels import param_label, wrap

    s = found.scores
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(s) + 1.2))
    ax.barh(range(len(s)), s["score"], color="tab:blue")
    ax.set_yticks(range(len(s)), [wrap(param_label(p), 36) for p in s["parameter"]],
                  fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("Extra-trees feature score (share of importance, sums to 1)")
    return _save(fig, path)


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path

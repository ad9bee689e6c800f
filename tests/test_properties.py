"""Property-based tests of everything a user hands in: whatever the TOML document, the
``--set`` string or the graph file, the answer is a valid run or one line of refusal
(exit code 2, ``sim: error: ...``), never a traceback.

Runs are kept tiny: every accepted parameter set is run with at most 40 residents for at
most 2 days (a wrapper around ``sim.model.simulate`` shrinks it), so the generators can
roam freely over values while the file stays well under a minute.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

import sim.model
from sim.cli import main
from sim.errors import SpecError
from sim.experiments import load_experiment, run_experiment
from sim.experiments.design_spec import DESIGN_METHODS
from sim.model import PARAM_SPECS, REGIMES, ConfigError

# A fixed, bounded set of examples in CI; SIM_PROPERTY_EXAMPLES=2000 explores afresh.
EXPLORE = int(os.environ.get("SIM_PROPERTY_EXAMPLES", "0"))
PROPERTY = settings(max_examples=EXPLORE or 60, deadline=None, derandomize=not EXPLORE,
                    database=None,    # write nothing into the checkout
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
MAX_RESIDENTS, MAX_DAYS = 40, 2


@contextmanager
def tiny_runs():
    """Every simulation started inside runs a shrunk community (the parameters were
    already validated at their full size, which is what is under test)."""
    real = sim.model.simulate

    def shrunk(params, regime, seed, **options):
        params = params.replace(n_residents=min(params.n_residents, MAX_RESIDENTS),
                                days=min(params.days, MAX_DAYS))
        return real(params, regime, seed, **options)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sim.model, "simulate", shrunk)
        yield


def assert_run_or_one_line(argv: list[str], capsys) -> int:
    """``sim`` either prints one JSON object of metrics (exit 0) or one error line (2)."""
    with tiny_runs():
        code = main(argv)
    out, err = capsys.readouterr()
    event("a run" if code == 0 else "a refusal")
    if code == 0:
        summary = json.loads(out)
        assert set(summary) == set(sim.model.SUMMARY_METRICS)
        assert all(v is None or math.isfinite(v) for v in summary.values())
    else:
        assert code == 2, (code, err)
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("sim: error: "), err[:2000]
        assert len(lines[0]) <= 1100 and out == ""
    return code


# ---------------------------------------------------------------- TOML documents

NAMES = st.one_of(st.sampled_from(sorted(PARAM_SPECS)), st.text(min_size=1, max_size=12))
NUMBERS = st.one_of(st.integers(min_value=-(2**63), max_value=2**63 - 1),
                    st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from([0, 1, 2, 10, 365, 3650, 0.0, 0.5, 1.0, 1e400, -1e400]))
SCALARS = st.one_of(st.booleans(), NUMBERS, st.text(max_size=20),
                    st.sampled_from(["community", "watts_strogatz", "", "inf", "1e400"]))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(NAMES, inner, max_size=3), max_leaves=6)


def mostly(valid: st.SearchStrategy, noise: st.SearchStrategy) -> st.SearchStrategy:
    """``valid`` about four times in five, else ``noise`` (valid is the simpler branch, so
    failures shrink towards valid documents with one bad value)."""
    return st.integers(0, 4).flatmap(lambda i: noise if i == 4 else valid)


def in_range(spec) -> st.SearchStrategy:
    """Values a parameter accepts (so that generated documents often make a valid run)."""
    if spec.choices:
        return st.sampled_from(spec.choices)
    if isinstance(spec.default, bool):
        return st.booleans()
    if isinstance(spec.default, int):
        return st.integers(min_value=int(spec.min), max_value=int(spec.max))
    if isinstance(spec.default, float):
        return st.floats(min_value=spec.min, max_value=spec.max)
    return st.just(spec.default)


NUMERIC = sorted(n for n, s in PARAM_SPECS.items() if not isinstance(s.default, str))
VALID = st.lists(st.sampled_from(NUMERIC), max_size=6, unique=True).flatmap(
    lambda names: st.fixed_dictionaries({n: in_range(PARAM_SPECS[n]) for n in names}))


def toml_value(value) -> str:
    """A value in TOML syntax (inline arrays and tables; strings JSON-escaped, which TOML
    mostly shares: where it does not, the parser refuses, which is an outcome too)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def toml_key(key: str) -> str:
    return json.dumps(key, ensure_ascii=False)


def toml_document(doc: dict, table: str | None = None) -> str:
    head = f"[{table}]\n" if table else ""
    return head + "".join(f"{toml_key(k)} = {toml_value(v)}\n" for k, v in doc.items())


CONFIGS = st.one_of(
    st.builds(toml_document, VALID, st.sampled_from([None, "params"])),
    st.builds(toml_document, st.dictionaries(NAMES, VALUES, max_size=5),
              st.sampled_from([None, "params"])),
    st.text(max_size=200),                                    # anything at all
)


@PROPERTY
@given(text=CONFIGS)
@example(text="days = inf\n")
@example(text="n_residents = 1e400\n")
@example(text="x = " + "[" * 600 + "]" * 600)
@example(text='[params]\nnetwork_file = "missing.graphml"\n')
def test_any_config_file_gives_a_run_or_one_line(text, capsys):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.toml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        assert_run_or_one_line(["run", "--config", str(path), "--json"], capsys)


# ---------------------------------------------------------------- --set strings

VALUE_TEXT = st.one_of(st.text(max_size=20),
                       st.sampled_from(["inf", "-inf", "nan", "1e400", "-0", "0x10", "1_000",
                                        " 5 ", "2.5", "1e2", "true", "", "=", "10"]),
                       NUMBERS.map(str))
SETS = st.one_of(VALID.map(lambda d: next((f"{k}={v}" for k, v in d.items()), "days=2")),
                 st.text(max_size=60),
                 st.builds(lambda k, v: f"{k}={v}", NAMES, VALUE_TEXT))


@PROPERTY
@given(items=st.lists(SETS, min_size=1, max_size=3))
@example(items=["days=inf"])
@example(items=["n_residents=-1e400"])
@example(items=["network_generator=watts_strogatz", "ws_neighbours=7"])
def test_any_set_string_gives_a_run_or_one_line(items, capsys):
    argv = ["run", "--json"]
    for item in items:
        argv.append(f"--set={item}")
    assert_run_or_one_line(argv, capsys)


# ---------------------------------------------------------------- graph files

TOKENS = st.sampled_from(["a", "b", "c", "1", "2", "3", "10", "-1", "0.5", "inf", "nan",
                          "#", "# c", "x\ty", "é", "1e400"])
NOISY_LINES = st.lists(st.lists(TOKENS, max_size=4).map(" ".join), max_size=12)
EDGES = st.tuples(st.sampled_from("abcdefgh"), st.sampled_from("abcdefgh"),
                  st.one_of(st.just(""), st.floats(allow_nan=False, allow_infinity=False)
                            .map(repr)), st.sampled_from(["", "  # a comment"]))
EDGE_LINES = mostly(st.lists(EDGES.map(" ".join), min_size=1, max_size=12), NOISY_LINES) \
    .map("\n".join)


@st.composite
def graphml_texts(draw) -> str:
    """GraphML written by networkx for a small random graph with typed node attributes,
    sometimes cut short."""
    n = draw(mostly(st.integers(min_value=2, max_value=8), st.integers(0, 1)))
    graph = nx.gnm_random_graph(n, draw(st.integers(min(1, n * (n - 1) // 2), n * (n - 1) // 2)),
                                seed=draw(st.integers(0, 1000)))
    for node in graph.nodes:
        graph.nodes[node]["household"] = draw(st.integers(-5, 5))
        graph.nodes[node]["age"] = draw(st.floats(allow_nan=False, width=32))
        graph.nodes[node]["label"] = draw(st.text(alphabet="abc<&>", max_size=4))
    text = "\n".join(nx.generate_graphml(graph))
    cut = draw(mostly(st.none(), st.integers(0, len(text))))
    return text if cut is None else text[:cut]


GRAPH_FILES = st.one_of(
    st.tuples(st.just(".txt"), EDGE_LINES),
    st.tuples(st.just(".txt"), st.text(max_size=120)),
    st.tuples(st.just(".graphml"), graphml_texts()),
    st.tuples(st.just(".graphml"), st.text(max_size=120)),
    st.tuples(st.sampled_from([".txt", ".graphml"]), st.binary(max_size=120)),
)


@PROPERTY
@given(graph_file=GRAPH_FILES)
@example(graph_file=(".txt", "foo bar baz qux\n"))
@example(graph_file=(".txt", "1 2\n"))
@example(graph_file=(".graphml", "<graphml><broken"))
def test_any_graph_file_gives_a_run_or_one_line(graph_file, capsys):
    suffix, content = graph_file
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"g{suffix}"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", errors="surrogatepass")
        assert_run_or_one_line(["run", "--days", "1", "--seed", "3",
                                "--set", f"network_file={path}", "--json"], capsys)


def test_graph_loading_errors_are_config_errors_only():
    """The loader itself (used by the model and by validation) raises nothing else."""
    from sim.model.graphfile import parse_edge_list

    for text in ("", "a", "a b c d", "a b nan", "a b 1 2", "a\x00b c"):
        try:
            parse_edge_list(text)
        except ConfigError as exc:
            assert "\n" not in str(exc)


# ---------------------------------------------------------------- experiment files


@st.composite
def experiment_documents(draw) -> str:
    """Experiment files near the valid region: right tables, values anywhere."""
    doc = {"experiment": {
        "regimes": draw(mostly(st.lists(st.sampled_from(list(REGIMES)), min_size=1,
                                        max_size=3, unique=True), VALUES)),
        "replications": draw(mostly(st.integers(1, 2), st.one_of(st.integers(-2, 0), VALUES))),
        "days": draw(mostly(st.integers(1, 2), VALUES)),
        "root_seed": draw(mostly(st.integers(min_value=0, max_value=2**64),
                                 st.one_of(st.integers(max_value=-1), VALUES))),
    }}
    doc["fixed"] = {"n_residents": draw(mostly(st.integers(10, 40), VALUES)),
                    **draw(mostly(VALID.map(lambda d: {k: v for k, v in d.items()
                                                       if k not in ("days", "n_residents")}),
                                  st.dictionaries(NAMES, VALUES, max_size=2)))}
    method = draw(mostly(st.sampled_from(DESIGN_METHODS), st.text(max_size=6)))
    if method != "none":
        design: dict = {"method": method}
        if method == "rows":
            design["rows"] = draw(st.lists(st.dictionaries(NAMES, VALUES, max_size=2),
                                           max_size=2))
        else:
            design["parameters"] = draw(st.dictionaries(
                st.sampled_from(["crowd_out_elasticity", "ws_rewire_prob", "days",
                                 "households_per_building", "x"]),
                mostly(st.lists(st.floats(0, 1), min_size=1, max_size=2, unique=True),
                       st.lists(NUMBERS, min_size=0, max_size=3)), max_size=2))
            if method in ("lhs", "sobol", "morris"):
                design["samples"] = draw(mostly(st.sampled_from([2, 4]),
                                                st.one_of(st.integers(-1, 4), VALUES)))
        doc["design"] = design
    return "\n".join(toml_table(name, table) for name, table in doc.items())


def toml_table(name: str, table: dict) -> str:
    rows = [f"[{name}]"]
    for key, value in table.items():
        if key == "rows":
            rows += [f"[[{name}.rows]]\n" + toml_document(row) for row in value]
        else:
            rows.append(f"{toml_key(key)} = {toml_value(value)}")
    return "\n".join(rows) + "\n"


@settings(PROPERTY, max_examples=EXPLORE or 40)
@given(text=mostly(experiment_documents(), st.text(max_size=200)))
def test_any_experiment_file_is_valid_and_runs_or_is_one_spec_error(text):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "exp.toml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            experiment = load_experiment(path, max_runs=6)
        except SpecError as exc:
            assert "\n" not in str(exc) and len(str(exc)) < 1100
            event("a refusal")
            return
        assert experiment.n_runs <= 6
        sizes = [experiment.params_for(s) for s in experiment.scenarios]
        if all(p.get("n_residents", 8000) <= MAX_RESIDENTS for p in sizes) \
                and experiment.days <= MAX_DAYS:
            event("a run")
            summary = run_experiment(experiment, Path(tmp) / "out", workers=1, progress=False)
            assert summary.failed == 0 and summary.executed == experiment.n_runs

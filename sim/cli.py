"""Command line: ``sim run``, ``sim compare`` (the main job) and the commands of other modules.

Bad input (unknown parameter, value out of range, unreadable config or graph file) ends
with one line ``sim: error: ...`` on stderr and exit code 2, before anything is written.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sim.errors import one_line
from sim.model import REGIMES, ConfigError, quote, shown

if TYPE_CHECKING:
    from sim.model import Params

# Modules that add subcommands: each has register(subparsers) setting func=handler.
COMMAND_MODULES = [
    "sim.experiments.command",
    "sim.experiments.discover_command",
    "sim.dashboard.command",
    "sim.calibration.command",
]


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error (no usage dump) and exit code 2."""

    def error(self, message):
        raise ConfigError(message)


def main(argv: list[str] | None = None) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return 2
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"sim: error: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:    # a sweep's Interrupted says what it kept
        print(getattr(exc, "line", "sim: interrupted"), file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="sim", description="Community governance linkage simulator: "
                     "three- versus five-actor linkage (三社联动 / 五社联动).")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    _add_run(sub)
    _add_compare(sub)
    _add_explain(sub)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _model_options(p: argparse.ArgumentParser, residents_default=None):
    p.add_argument("--residents", type=int, default=residents_default,
                   help="residents in the community (default: the parameter default, 8000)")
    p.add_argument("--days", type=int, help="days to simulate (default 365)")
    p.add_argument("--seed", type=int, default=1, help="root random seed (default 1)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override any parameter (see docs/parameters.md); repeatable")
    p.add_argument("--config", help="TOML file of parameter overrides")
    p.add_argument("--out", help="directory to write results into")


def _add_run(sub):
    p = sub.add_parser("run", help="one run of one regime")
    p.add_argument("--regime", default="five", help=f"one of: {', '.join(REGIMES)}")
    _model_options(p)
    p.add_argument("--json", action="store_true",
                   help="print exactly one JSON object of summary metrics")
    p.add_argument("--workers", type=int, default=1,
                   help="processes to split a street's communities over (communities > 1; "
                        "default 1): the same summary, the daily series to rounding")
    p.set_defaults(func=cmd_run)


def _add_compare(sub):
    p = sub.add_parser("compare", help="the main job: paired three- versus five-actor runs")
    _model_options(p)
    p.add_argument("--communities", type=int, metavar="K",
                   help="a street (街道) of K communities of --residents each per replicate, "
                        "simulated together, outcomes pooled (the parameter communities)")
    p.add_argument("--years", type=int, metavar="Y",
                   help="years to simulate, instead of --days (days = 365 x Y, at most 10)")
    p.add_argument("--reps", type=int, default=20, help="paired replications (default 20)")
    p.add_argument("--workers", type=int, default=None,
                   help="worker processes (default: number of cores, at most 2 x reps)")
    p.set_defaults(func=cmd_compare, out_default="results/compare")


def _add_explain(sub):
    p = sub.add_parser("explain", help="why five differs: the attribution ladder from three "
                                       "to five, step by step, on paired seeds")
    _model_options(p)
    p.add_argument("--reps", type=int, default=20, help="paired replications (default 20)")
    p.add_argument("--orderings", type=int, default=4,
                   help="orderings of the linkage mechanisms averaged for their Shapley "
                        "contributions (default 4: two and their reverses)")
    p.add_argument("--workers", type=int, default=None,
                   help="worker processes (default: number of cores)")
    p.set_defaults(func=cmd_explain, out_default="results/explain")


def params_from_args(args) -> Params:
    """Defaults < --config file < --residents/--days < --set, validated in one go."""
    return inputs_from_args(args)[0]


def inputs_from_args(args) -> tuple[Params, int | None]:
    """Validated parameters and, with a ``network_file``, the number of nodes of its graph.

    Every value remembers where it came from, so an error names the flag or the config
    file and key the user wrote. A referenced graph file is read here, before any run.
    """
    from sim.config import config_source, load_config, parse_overrides
    from sim.model import Params

    values, sources = {}, {}
    if args.config:
        for key, value in load_config(args.config).items():
            values[key], sources[key] = value, config_source(args.config, key)
    for key, flag in (("n_residents", "residents"), ("days", "days"),
                      ("communities", "communities")):
        if getattr(args, flag, None) is not None:
            values[key], sources[key] = getattr(args, flag), f"--{flag}"
    years = getattr(args, "years", None)
    if years is not None:
        if args.days is not None:
            raise ConfigError("--years: give --days or --years, not both")
        if not 1 <= years <= 10:
            raise ConfigError(f"--years: must be in [1, 10] (days at most 3650), got {years}")
        values["days"], sources["days"] = 365 * years, "--years"
    for key, value in parse_overrides(args.set).items():
        values[key], sources[key] = value, f"--set {key}"
    try:
        params = Params.from_dict(values)
    except ConfigError as exc:
        raise ConfigError(_blame(str(exc), sources)) from None
    return params, _graph_size(params, sources)


def _blame(message: str, sources: dict[str, str]) -> str:
    """Replace the generic "parameter 'x'" of a validation error by the value's source."""
    match = re.match(r"parameter '([^']*)'", message)
    if match and match.group(1) in sources:
        return sources[match.group(1)] + message[match.end():]
    return message


def _graph_size(params: Params, sources: dict[str, str]) -> int | None:
    """Read the network file (refusing a bad one now) and refuse a conflicting size."""
    if not params.network_file:
        return None
    from sim.model import load_graph  # networkx: only for a graph file

    source = sources.get("network_file", "network_file")
    try:
        nodes = load_graph(params.network_file).number_of_nodes()
    except ConfigError as exc:
        prefix = "--set " if source.startswith("--set") else f"{source.rsplit(':', 1)[0]}: "
        raise ConfigError(f"{prefix}{exc}") from None
    if "n_residents" in sources and params.n_residents != nodes:
        raise ConfigError(f"{sources['n_residents']}: {params.n_residents} residents conflicts "
                          f"with {source} {shown(params.network_file)}, a graph of {nodes} "
                          "nodes; leave the number of residents out (the graph sets it)")
    return nodes


@contextmanager
def imports_without_gc() -> Iterator[None]:
    """Import the model (Mesa, pandas, SciPy, networkx: about 1,100 modules) with the
    garbage collector off, then freeze what was imported.

    Imports make objects that live as long as the process and next to no garbage, yet
    they trigger some 250 collections, the full ones walking every object imported so far:
    about a tenth of `sim run`'s CPU for a 1,000-resident year. Frozen (``gc.freeze``, as
    the pool workers do, see ``sim.experiments.executors.freeze_heap``), those objects are
    also left out of the run's own full collections. Results do not change.
    """
    import gc

    if "mesa" in sys.modules:           # imported already (a second call in one process)
        yield
        return
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def _check_seed(seed: int):
    if seed < 0:
        raise ConfigError(f"--seed: must be a non-negative integer, got {seed}")


def cmd_run(args) -> int:
    with imports_without_gc():
        from sim import io
        from sim.model import simulate

    if args.regime not in REGIMES:
        raise ConfigError(f"--regime: must be one of {', '.join(REGIMES)}, "
                          f"got {quote(args.regime)}")
    _check_seed(args.seed)
    if not 1 <= args.workers <= 256:
        raise ConfigError(f"--workers: must be in [1, 256], got {args.workers}")
    params, graph_nodes = inputs_from_args(args)
    residents = graph_nodes or params.n_residents
    if args.out:
        io.check_out_dir(args.out)      # refuse a bad --out before the run, create nothing
    warning = size_warning(params, graph_nodes)
    result = simulate(params, args.regime, args.seed, workers=args.workers)
    if args.out:
        with io.output_dir(args.out) as out:
            io.write_parquet(result.daily, out / "daily.parquet")
            io.write_json({"regime": args.regime, "seed": args.seed, "residents": residents,
                           "params": params.to_dict(), "summary": result.summary},
                          out / "summary.json")
    if args.json:
        print(json.dumps(_jsonable(result.summary)))
    else:
        print(format_summary(result.summary, args.regime, args.seed, params, residents))
        if args.out:
            print(f"\nwrote {out / 'daily.parquet'} and {out / 'summary.json'}")
    _warn(warning)
    return 0


def _check_pairs(args) -> None:
    _check_seed(args.seed)
    if args.reps < 2:
        raise ConfigError(f"--reps: must be at least 2 for a paired interval, got {args.reps}")
    if args.workers is not None and not 1 <= args.workers <= 256:
        raise ConfigError(f"--workers: must be in [1, 256], got {args.workers}")


def size_warning(params: Params, residents: int | None = None) -> str | None:
    """The line to print once the command succeeded, when the community is below the
    model's documented size (an error stays the one line it is); the model's own
    SmallCommunityWarning is then not repeated for every run."""
    import warnings

    from sim.model import SmallCommunityWarning

    warnings.simplefilter("ignore", SmallCommunityWarning)
    message = params.size_warning(residents)
    return f"sim: warning: {message}" if message else None


def _warn(line: str | None) -> None:
    if line:
        print(line, file=sys.stderr)


def cmd_explain(args) -> int:
    from sim import io
    from sim.explain import run_explain

    _check_pairs(args)
    if not 1 <= args.orderings <= 64:
        raise ConfigError(f"--orderings: must be in [1, 64], got {args.orderings}")
    params, nodes = inputs_from_args(args)
    out = args.out or args.out_default
    io.check_out_dir(out)
    warning = size_warning(params, nodes)
    with io.output_dir(out) as out:
        text = run_explain(params, reps=args.reps, seed=args.seed, orderings=args.orderings,
                           workers=args.workers, out=out)
    print(text)
    _warn(warning)
    return 0


def cmd_compare(args) -> int:
    from sim import io
    from sim.compare import run_compare

    _check_pairs(args)
    params, nodes = inputs_from_args(args)
    out = args.out or args.out_default
    io.check_out_dir(out)               # before the runs: an unwritable place is refused now
    warning = size_warning(params, nodes)
    with io.output_dir(out) as out:
        report = run_compare(params, reps=args.reps, seed=args.seed, workers=args.workers,
                             out=out)
    print(report)
    _warn(warning)
    return 0


def format_summary(summary: dict, regime: str, seed: int, params: Params,
                   residents: int | None = None) -> str:
    """The readable summary; ``residents`` is the real size (a loaded graph's nodes)."""
    from sim.model import SUMMARY_METRICS, format_number

    header = (f"regime {regime}, {residents or params.n_residents} residents, "
              f"{params.days} days, seed {seed}")
    lines = [header, ""]
    width = max(map(len, summary))
    for name, value in summary.items():
        lines.append(f"  {name:<{width}}  {format_number(value):>14}   {SUMMARY_METRICS[name]}")
    return "\n".join(lines)


def _jsonable(summary: dict) -> dict:
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in summary.items()}


if __name__ == "__main__":
    sys.exit(main())

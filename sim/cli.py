"""Command line: ``sim run``, ``sim compare`` (the main job) and the commands of other modules.

Bad input (unknown parameter, value out of range, unreadable config or graph file) ends
with one line ``sim: error: ...`` on stderr and exit code 2, before anything is written.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import sys

from sim.config import load_config, parse_overrides
from sim.params import ConfigError, Params
from sim.regimes import REGIMES

# Modules that add subcommands: each has register(subparsers) setting func=handler.
COMMAND_MODULES = [
    "sim.experiments.command",
    "sim.dashboard.command",
    "sim.calibration.command",
]


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error (no usage dump) and exit code 2."""

    def error(self, message):
        raise ConfigError(message)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return 2
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"sim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("sim: interrupted", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="sim", description="Community governance linkage simulator: "
                     "three- versus five-actor linkage (三社联动 / 五社联动).")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    _add_run(sub)
    _add_compare(sub)
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
    p.set_defaults(func=cmd_run)


def _add_compare(sub):
    p = sub.add_parser("compare", help="the main job: paired three- versus five-actor runs")
    _model_options(p)
    p.add_argument("--reps", type=int, default=20, help="paired replications (default 20)")
    p.add_argument("--workers", type=int, default=None,
                   help="worker processes (default: number of cores, at most 2 x reps)")
    p.set_defaults(func=cmd_compare, out_default="results/compare")


def params_from_args(args) -> Params:
    """Defaults < --config file < --residents/--days < --set, validated in one go."""
    values = load_config(args.config) if args.config else {}
    if args.residents is not None:
        values["n_residents"] = args.residents
    if args.days is not None:
        values["days"] = args.days
    values.update(parse_overrides(args.set))
    try:
        return Params.from_dict(values)
    except ConfigError as exc:
        raise ConfigError(_name_flag(str(exc))) from None


def _name_flag(message: str) -> str:
    """Point errors about n_residents/days at the flag the user typed."""
    for name, flag in (("n_residents", "--residents"), ("days", "--days")):
        message = message.replace(f"parameter '{name}'", f"{flag} (parameter '{name}')")
    return message


def _check_seed(seed: int):
    if seed < 0:
        raise ConfigError(f"--seed: must be a non-negative integer, got {seed}")


def cmd_run(args) -> int:
    from sim import io
    from sim.api import simulate

    if args.regime not in REGIMES:
        raise ConfigError(f"--regime: must be one of {', '.join(REGIMES)}, got {args.regime!r}")
    _check_seed(args.seed)
    params = params_from_args(args)
    out = io.prepare_out_dir(args.out) if args.out else None
    result = simulate(params, args.regime, args.seed)
    if out:
        io.write_parquet(result.daily, out / "daily.parquet")
        io.write_json({"regime": args.regime, "seed": args.seed, "params": params.to_dict(),
                       "summary": result.summary}, out / "summary.json")
    if args.json:
        print(json.dumps(_jsonable(result.summary)))
    else:
        print(format_summary(result.summary, args.regime, args.seed, params))
        if out:
            print(f"\nwrote {out / 'daily.parquet'} and {out / 'summary.json'}")
    return 0


def cmd_compare(args) -> int:
    from sim import io
    from sim.compare import run_compare

    _check_seed(args.seed)
    if args.reps < 2:
        raise ConfigError(f"--reps: must be at least 2 for a paired interval, got {args.reps}")
    if args.workers is not None and not 1 <= args.workers <= 256:
        raise ConfigError(f"--workers: must be in [1, 256], got {args.workers}")
    params = params_from_args(args)
    out = io.prepare_out_dir(args.out or args.out_default)
    report = run_compare(params, reps=args.reps, seed=args.seed, workers=args.workers, out=out)
    print(report)
    return 0


def format_summary(summary: dict, regime: str, seed: int, params: Params) -> str:
    from sim.metrics import SUMMARY_METRICS, format_number

    lines = [f"regime {regime}, {params.n_residents} residents, {params.days} days, seed {seed}",
             ""]
    width = max(map(len, summary))
    for name, value in summary.items():
        lines.append(f"  {name:<{width}}  {format_number(value):>14}   {SUMMARY_METRICS[name]}")
    return "\n".join(lines)


def _jsonable(summary: dict) -> dict:
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in summary.items()}


if __name__ == "__main__":
    sys.exit(main())

"""Command-line entry points: ``sim experiment``, ``sim query``, ``sim report``.

Bad input (experiment file, output directory, scheduler, SQL) is reported as one line
``sim: error: <file>: <key>: <reason>`` on stderr with exit code 2, before anything runs.
A write failure during a sweep (a full disk) is one line too, with exit code 1: the runs
stored so far are kept and rerunning the same command resumes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.errors import SpecError, WriteFailure, one_line

from .checks import MAX_RUNS

# What one `sim query` may use: DuckDB's memory (with no temporary directory nothing spills,
# so a query needing more stops with one line instead of growing the process: one
# string_agg query once reached ~10 GB) and its worker threads (machines are shared).
QUERY_MEMORY_MB = 1024
QUERY_MEMORY_RANGE = (64, 1_048_576)
QUERY_THREADS = 2

EXIT_BAD_INPUT = 2
EXIT_INCOMPLETE = 1


def register(subparsers) -> None:
    """Add the experiment subcommands to the ``sim`` parser (see sim/cli.py)."""
    p = subparsers.add_parser(
        "experiment", help="run or resume a batch experiment described by a TOML file",
        description="Run every (scenario, replicate, regime) of an experiment file and store "
                    "the results as Parquet. Rerunning the same command on the same --out "
                    "resumes: finished runs are skipped.")
    p.add_argument("file", type=Path, help="experiment file, e.g. experiments/three_vs_five.toml")
    p.add_argument("--out", type=Path, default=None,
                   help="output directory (default: results/<file name without .toml>)")
    p.add_argument("--workers", type=positive_int, default=None,
                   help="local worker processes (default: number of cores; 1 = in this process)")
    p.add_argument("--scheduler", default=None,
                   help="Dask scheduler address tcp://HOST:PORT, or 'local' for a throwaway "
                        "local Dask cluster (default: env SIM_DASK_SCHEDULER, else a local "
                        "process pool)")
    p.add_argument("--max-runs", type=positive_int, default=MAX_RUNS, metavar="N",
                   help=f"refuse an experiment of more than N runs (default {MAX_RUNS:,}); "
                        "the count is computed from the file before anything is expanded")
    p.add_argument("--retry-failed", action="store_true",
                   help="run again the runs stored with status 'failed'")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_experiment)

    q = subparsers.add_parser(
        "query", help="SQL over stored results (DuckDB views runs, daily, design)",
        description="Run one read-only SQL query over a results directory with DuckDB and "
                    "print it. The query cannot write or attach files, read files outside "
                    "the results, or install or load extensions.")
    q.add_argument("dir", type=Path, help="results directory written by 'sim experiment'")
    q.add_argument("sql", help='e.g. "SELECT regime, avg(unmet_need_share) FROM runs GROUP BY 1"')
    q.add_argument("--csv", action="store_true", help="print CSV instead of a text table")
    q.add_argument("--memory-limit", type=int_in(*QUERY_MEMORY_RANGE), default=QUERY_MEMORY_MB,
                   metavar="MB", help=f"memory DuckDB may use for the query, in MB (default "
                                      f"{QUERY_MEMORY_MB}); a query that needs more is "
                                      "refused")
    q.set_defaults(func=cmd_query)

    f = subparsers.add_parser(
        "repair", help="rebuild a damaged results folder (manifest, tables) from its parts",
        description="Repair a results directory without running anything: a damaged "
                    "manifest.json is kept in quarantine/ and rebuilt from experiment.toml "
                    "and the stored runs; temporary files are removed and unreadable or "
                    "misnamed parts moved to quarantine/ (as a resume does); the tables are "
                    "rebuilt. Then 'sim experiment FILE --out DIR' resumes.")
    f.add_argument("dir", type=Path, help="results directory written by 'sim experiment'")
    f.add_argument("--experiment", type=Path, default=None, metavar="FILE",
                   help="the experiment file the runs come from (default: DIR/experiment.toml)")
    f.set_defaults(func=cmd_repair)

    r = subparsers.add_parser(
        "report", help="Markdown + HTML report with figures from stored results",
        description="Paired regime differences with paired t-intervals, daily bands, "
                    "sensitivity indices and mechanism tables, from stored results only.")
    r.add_argument("dir", type=Path, help="results directory written by 'sim experiment'")
    r.add_argument("--out", type=Path, default=None, help="report directory (default: DIR/report)")
    r.add_argument("--baseline", default=None, metavar="REGIME",
                   help="compare every regime with this one instead of the experiment's "
                        "baseline (e.g. three-equal-resources-unrestricted)")
    r.add_argument("--primary", default=None, metavar="METRIC,...",
                   help="primary outcomes instead of the experiment's analysis.primary "
                        "(comma-separated metric names; sets --family primary unless given)")
    r.add_argument("--family", default=None, choices=("primary", "all", "metric", "scenario"),
                   help="the comparisons corrected together instead of analysis.family")
    r.add_argument("--correction", default=None,
                   choices=("bonferroni", "holm", "fdr_bh", "none"),
                   help="multiple-comparison correction instead of analysis.correction")
    r.set_defaults(func=cmd_report)


def positive_int(text: str) -> int:
    """argparse type of the count flags (--workers, --populations, ...): an integer >= 1."""
    from sim.model import quote

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {quote(text)}") \
            from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {quote(text)}")
    return value


def int_in(low: int, high: int):
    """argparse type of a bounded count flag: an integer in [low, high]."""
    def parse(text: str) -> int:
        from sim.model import quote

        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be an integer in [{low}, {high}], "
                                             f"got {quote(text)}")
        return value
    return parse


def refuse(error: Exception, code: int = EXIT_BAD_INPUT) -> int:
    """Print a refusal as one bounded ``sim: error:`` line; return the exit code."""
    print(f"sim: error: {one_line(str(error))}", file=sys.stderr)
    return code


def cmd_experiment(args: argparse.Namespace) -> int:
    from .runner import run_experiment
    from .spec import load_experiment

    try:
        experiment = load_experiment(args.file, max_runs=args.max_runs)
        out = args.out or Path("results") / args.file.stem
        summary = run_experiment(experiment, out, workers=args.workers,
                                 scheduler=args.scheduler, progress=not args.quiet,
                                 retry_failed=args.retry_failed)
    except WriteFailure as exc:
        return refuse(exc, EXIT_INCOMPLETE)
    except SpecError as exc:
        return refuse(exc)
    except KeyboardInterrupt as exc:
        print(getattr(exc, "line", "sim: interrupted; rerun the same command to resume"),
              file=sys.stderr)
        return 130
    print(f"{summary.out}: {summary.executed} runs executed ({summary.failed} failed, "
          f"{summary.aborted} not run), {summary.already_done} already stored, "
          f"{summary.total} in the experiment; {summary.seconds:.1f} s", file=sys.stderr)
    if summary.aborted:
        print("sim: some runs did not execute (executor error); rerun the same command "
              "to resume", file=sys.stderr)
    return summary.exit_code


def cmd_query(args: argparse.Namespace) -> int:
    import duckdb

    from .store import ResultStore

    try:
        with ResultStore(args.dir).connect(args.memory_limit, QUERY_THREADS) as con:
            result = con.execute(args.sql)
            if result is None:      # DuckDB found no statement to run
                return refuse(SpecError(args.dir, "SQL", "empty query (only blanks, comments "
                                        "or semicolons); give one statement, e.g. "
                                        "\"SELECT count(*) FROM runs\""))
            frame = result.df()
    except SpecError as exc:
        return refuse(exc)
    except duckdb.OutOfMemoryException as exc:
        return refuse(SpecError(args.dir, "SQL", f"needs more memory than its cap of "
                                f"{args.memory_limit:,} MB ({_first_line(exc)}); narrow it "
                                "(WHERE, LIMIT, fewer columns) or raise --memory-limit MB "
                                f"(at most {QUERY_MEMORY_RANGE[1]:,})"))
    except duckdb.Error as exc:     # includes what the read-only settings refuse
        return refuse(SpecError(args.dir, "SQL", _first_line(exc)))
    if args.csv:
        frame.to_csv(sys.stdout, index=False)
    else:
        print(frame.to_string(index=False, max_rows=200))
    return 0


def _first_line(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def cmd_repair(args: argparse.Namespace) -> int:
    from .repair import repair, report

    try:
        done = repair(args.dir, args.experiment)
    except SpecError as exc:
        return refuse(exc)
    except OSError as exc:      # writing failed (a full disk ...): the parts stay
        return refuse(SpecError(args.dir, "repair", f"cannot write "
                                f"({exc.strerror or type(exc).__name__}); nothing stored "
                                "was removed: fix the folder and repair again"), EXIT_INCOMPLETE)
    report(done)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from .report import write_report

    try:
        primary = None if args.primary is None else \
            [m.strip() for m in args.primary.split(",") if m.strip()]
        path = write_report(args.dir, args.out, baseline=args.baseline, primary=primary,
                            family=args.family, correction=args.correction)
    except SpecError as exc:
        return refuse(exc)
    print(f"{path} and {path.with_suffix('.html')} written", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (``python -m sim.experiments``) with the same subcommands."""
    parser = argparse.ArgumentParser(prog="sim")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)

"""``sim calibrate FILE``: ABC-SMC calibration against observed patterns.

Bad input (calibration file, output directory, scheduler, flags) is one line
``sim: error: <file>: <key>: <reason>`` on stderr with exit code 2, before anything runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.errors import SpecError
from sim.experiments.command import positive_int, refuse


def register(subparsers) -> None:
    """Add ``sim calibrate`` to the ``sim`` parser (see sim/cli.py)."""
    p = subparsers.add_parser(
        "calibrate", help="ABC-SMC calibration of parameters against observed patterns",
        description="Calibrate the parameters with priors in a calibration file against its "
                    "observed patterns (pyabc ABC-SMC). Writes the posterior as Parquet, a "
                    "posterior predictive check and a report. Rerunning the same command on "
                    "the same --out resumes a killed run, if the file is unchanged.")
    p.add_argument("file", type=Path, help="calibration file, e.g. experiments/calibration.toml")
    p.add_argument("--out", type=Path, default=None,
                   help="output directory (default: results/<file name without .toml>)")
    p.add_argument("--workers", type=positive_int, default=None,
                   help="local worker processes (default: number of cores; 1 = single-core "
                        "sampler in this process, reproducible)")
    p.add_argument("--scheduler", default=None,
                   help="Dask scheduler tcp://HOST:PORT, or 'local' for a throwaway local "
                        "cluster (default: env SIM_DASK_SCHEDULER, else local processes)")
    p.add_argument("--populations", type=positive_int, default=None,
                   help="total populations to reach (default: abc.populations in the file)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_calibrate)


def cmd_calibrate(args: argparse.Namespace) -> int:
    from .results import DRAWS_FILE
    from .runner import check_out, run_calibration
    from .spec import load_calibration

    try:
        calibration = load_calibration(args.file)
        out = args.out or Path("results") / args.file.stem
        check_out(out, calibration)        # a refusal in a moment, before pyabc loads
        _freeze_heap()
        summary = run_calibration(calibration, out, workers=args.workers,
                                  scheduler=args.scheduler, populations=args.populations,
                                  progress=not args.quiet)
    except SpecError as exc:
        return refuse(exc)
    except KeyboardInterrupt:
        print("sim: interrupted; rerun the same command to resume", file=sys.stderr)
        return 130
    print(f"{summary.out}: {summary.populations} populations ({summary.new_populations} new), "
          f"{summary.simulations} model evaluations; stopped: {summary.stop_reason}; "
          f"{summary.seconds:.1f} s. Report: {summary.out / 'report' / 'report.md'}",
          file=sys.stderr)
    draws = summary.out / DRAWS_FILE
    if draws.is_file():
        print(f"Posterior draws for experiments: {draws} (an experiment file's [design] "
              f'method = "draws", source = "{draws}")', file=sys.stderr)
    return 0


def _freeze_heap() -> None:
    """This process runs the model itself (single-core sampler) or forks the processes
    that do (multicore sampler): keep its start-up heap out of full garbage collections,
    as the experiment runner's workers do (sim.experiments.executors.freeze_heap)."""
    import pyabc  # noqa: F401 - loaded before the freeze, like the model

    import sim.model
    from sim.experiments.executors import freeze_heap

    sim.model.preload()
    freeze_heap()

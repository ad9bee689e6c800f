"""Convert the percent-format notebooks to .ipynb and execute them, deterministically.

    uv run python notebooks/execute.py                  # every notebook, small size
    uv run python notebooks/execute.py --size full      # the study's size (see docs/notebooks.md)
    uv run python notebooks/execute.py 02_three_vs_five --out /tmp/nb
    uv run python notebooks/execute.py 03_when_five_does_not_help --size full \
        --scheduler tcp://HEAD:8786                     # its runs on a Dask cluster

Each ``notebooks/NN_name.py`` becomes ``NN_name.ipynb`` (next to it, or in ``--out``) with
its outputs. Execution is made repeatable: PYTHONHASHSEED=0 in the kernel, fixed cell ids,
no per-cell timestamps (``record_timing=False``). The kernel is the ``python3`` kernelspec,
which jupyter_client starts with the interpreter running this script (the project's venv).
The same functions are used by ``tests/test_notebooks.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZES = ("small", "full")
SIZE_ENV, OUT_ENV = "SIM_NOTEBOOK_SIZE", "SIM_NOTEBOOK_OUT"
WORKERS_ENV, SCHEDULER_ENV = "SIM_NOTEBOOK_WORKERS", "SIM_DASK_SCHEDULER"


def notebook_sources() -> list[Path]:
    """The notebooks, in order: ``notebooks/NN_name.py``."""
    return sorted(HERE.glob("[0-9][0-9]_*.py"))


def to_notebook(source: Path):
    """Read a percent-format .py as a notebook with stable cell ids (cell-0, cell-1, ...)."""
    import jupytext

    nb = jupytext.read(source)
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i}"
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    return nb


def execute(source: Path, target: Path, *, size: str = "small", out_dir: Path | None = None,
            timeout: int | None = 1800, cwd: Path | None = None, workers: int | None = None,
            scheduler: str | None = None):
    """Execute ``source`` into ``target`` (.ipynb with outputs); return the notebook.

    Raises ``nbclient.exceptions.CellExecutionError`` (with the failing cell's traceback)
    if a cell fails, or one runs longer than ``timeout`` seconds (None: no limit).
    ``out_dir`` is where the notebook writes results and its numbers JSON
    (env SIM_NOTEBOOK_OUT inside the kernel; default ``results/notebooks``). ``workers``
    and ``scheduler`` reach the notebooks' experiment runs (SIM_NOTEBOOK_WORKERS,
    SIM_DASK_SCHEDULER): local worker processes, or a Dask scheduler address.
    """
    import nbformat
    from nbclient import NotebookClient

    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}, got {size!r}")
    nb = to_notebook(source)
    env = {SIZE_ENV: size, "PYTHONHASHSEED": "0"}
    if out_dir is not None:
        env[OUT_ENV] = str(Path(out_dir).resolve())
    if workers is not None:
        env[WORKERS_ENV] = str(workers)
    if scheduler is not None:
        env[SCHEDULER_ENV] = scheduler
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)      # the kernel inherits this process's environment
    try:
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                record_timing=False,
                                resources={"metadata": {"path": str(cwd or source.parent)}})
        client.execute()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)
    return nb


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help="notebook names (e.g. 01_quickstart); default all")
    ap.add_argument("--size", choices=SIZES, default="small")
    ap.add_argument("--out", type=Path, default=None,
                    help="where to write the executed .ipynb (default: next to the .py)")
    ap.add_argument("--results", type=Path, default=None,
                    help="results and numbers directory (default: results/notebooks)")
    ap.add_argument("--workers", type=int, default=None,
                    help="local worker processes for the experiment runs (default: all cores)")
    ap.add_argument("--scheduler", default=None,
                    help="Dask scheduler address tcp://HOST:PORT for the experiment runs "
                         "(or set SIM_DASK_SCHEDULER)")
    ap.add_argument("--timeout", type=int, default=None,
                    help="seconds a cell may run (default: 1800 small, no limit full)")
    args = ap.parse_args(argv)
    sources = notebook_sources()
    if args.names:
        wanted = {n.removesuffix(".py").removesuffix(".ipynb") for n in args.names}
        sources = [s for s in sources if s.stem in wanted]
        missing = wanted - {s.stem for s in sources}
        if missing:
            ap.error(f"no such notebook: {', '.join(sorted(missing))}")
    for source in sources:
        target = (args.out or source.parent) / f"{source.stem}.ipynb"
        start = time.perf_counter()
        timeout = args.timeout or (1800 if args.size == "small" else None)
        execute(source, target, size=args.size, out_dir=args.results, timeout=timeout,
                workers=args.workers, scheduler=args.scheduler)
        print(f"{source.name} -> {target} ({args.size}, {time.perf_counter() - start:.0f} s)",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``sim discover DIR --where "five - three-equal-resources > 0"``: scenario discovery
(PRIM boxes, a CART tree, extra-trees feature scores) on stored results.

Kept apart from the other commands so that the EMA Workbench, slow to import, is loaded
only when this command runs. Bad input is one line ``sim: error: ...``, exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers) -> None:
    """Add ``sim discover`` to the ``sim`` parser (see sim/cli.py)."""
    p = subparsers.add_parser(
        "discover", help="scenario discovery: where in the parameters does a condition hold",
        description="Find the region of the sampled parameters where a condition on stored "
                    "results holds (PRIM boxes, a CART tree, extra-trees feature scores; "
                    "EMA Workbench). Writes discover.md/.html, figures and CSV tables.")
    p.add_argument("dir", type=Path, help="results directory written by 'sim experiment'")
    p.add_argument("--where", required=True, metavar="CONDITION",
                   help='REGIME [- REGIME] OP NUMBER, OP one of > >= < <=, e.g. '
                        '"five - three-equal-resources > 0" (five worse on a lower-is-better '
                        'metric); regimes are those of the results')
    p.add_argument("--metric", default=None,
                   help="summary metric the condition is about (default: the first headline "
                        "metric stored, unmet_need_share)")
    p.add_argument("--per", choices=("replicate", "scenario"), default="replicate",
                   help="unit of a case: each (scenario, replicate) pair (default), or each "
                        "scenario's mean over replicates")
    p.add_argument("--min-coverage", type=float, default=0.8,
                   help="choose the densest PRIM box covering at least this share of the "
                        "cases (default 0.8)")
    p.add_argument("--out", type=Path, default=None,
                   help="output directory (default: DIR/discover)")
    p.set_defaults(func=cmd_discover)


def cmd_discover(args: argparse.Namespace) -> int:
    from sim.errors import DiscoverError, SpecError

    from .command import refuse
    from .discover import caveats, lift, write_discovery

    try:
        path, found = write_discovery(args.dir, args.where, args.metric, args.out, args.per,
                                      args.min_coverage)
    except (DiscoverError, SpecError) as exc:
        return refuse(exc)
    print(f"{found.n_cases} of {found.n} units are cases of interest", file=sys.stderr)
    if found.chosen is not None:
        box = "; ".join(f"{r.parameter} in {{{r.levels_in_box}}}"
                        if isinstance(getattr(r, "levels_in_box", None), str) else
                        f"{r.parameter} in [{r.box_low:.4g}, {r.box_high:.4g}]"
                        for r in found.box.itertuples()) or "no restriction"
        s = found.box_stats
        print(f"PRIM box (coverage {s['coverage']:.2f}, density {s['density']:.2f}, lift "
              f"{lift(found):.2f}, p {found.box_test:.3g} over {found.n_points} design "
              f"points): {box}")
        for caveat in caveats(found):
            print(caveat)
        print("feature scores: " + ", ".join(f"{r.parameter} {r.score:.2f}"
                                             for r in found.scores.head(5).itertuples()))
    print(f"{path} and {path.with_suffix('.html')} written", file=sys.stderr)
    return 0

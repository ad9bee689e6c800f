"""``python -m sim.experiments experiment|query|report ...`` (same as the ``sim`` commands)."""

import sys

from .command import main

sys.exit(main())

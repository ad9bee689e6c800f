"""``python -m sim ...`` is the same as ``sim ...``."""

import sys

from sim.cli import main

sys.exit(main())

"""`python -m sim` behaves like the `tungsten-sim` console script."""

import sys

from sim.cli import main

sys.exit(main())

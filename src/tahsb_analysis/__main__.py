"""`python -m tahsb_analysis` is the same as the `tahsb` command."""

import sys

from .cli import main

sys.exit(main())

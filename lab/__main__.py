"""`python -m lab ...`: the launcher."""
import sys

from lab.cli import main

sys.exit(main())

"""``python -m optimizer.engine PROBLEM.json --out PLAN.json [--baseline] ...``"""

import sys

from .cli import main

sys.exit(main())

"""python -m reviews.forecasting HISTORY.csv --horizon H --out FORECAST.csv"""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())

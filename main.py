"""Starts the CaseReview window from the source tree
(`.venv/bin/python main.py [--demo [defense] | --db CASEFILE | --db postgresql://ROLE@HOST:PORT/DATABASE]`).

Everything it does is in `ui/app.py`, which an installed package starts as `casereview-desktop` (or
`python -m ui`) and the bundle as `casereview`.
"""

from __future__ import annotations

import sys

from ui.app import main

if __name__ == "__main__":
    sys.exit(main(prog="main.py"))

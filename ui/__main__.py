"""`python -m ui`: the CaseReview window (the same as the `casereview-desktop` entry point)."""

from __future__ import annotations

import sys

from ui.app import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m ui"))

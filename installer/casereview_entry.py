"""The bundle's program (installer/casereview.spec): the window, or `--self-test`. `freeze_support` first: signing
many letters starts helper processes (spawn), which in a bundle are this same program started again."""

from __future__ import annotations

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from ui.app import main

    sys.exit(main(prog="casereview"))

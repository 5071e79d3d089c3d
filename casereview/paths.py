"""Where CaseReview keeps its files: the user's data folder (platformdirs), unless CASEREVIEW_DATA_DIR says
otherwise (tests point it at a temporary folder)."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "CaseReview"
# The demo case file's passphrase, printed in the README: the demo holds invented people only.
DEMO_PASSPHRASE = "demo passphrase"
# The password of every demo user (admin, supervisor, prosecutor, paralegal), also printed in the README.
DEMO_PASSWORD = "demo password"
DEMO_USERS = ("admin", "supervisor", "prosecutor", "paralegal")
# The defense office's demo users (``main.py --demo defense``), with the same password.
DEFENSE_DEMO_USERS = ("admin", "attorney", "paralegal")


def data_dir() -> Path:
    override = os.environ.get("CASEREVIEW_DATA_DIR")
    if override:
        return Path(override)
    from platformdirs import user_data_path  # here, not at the top: the command line imports this module to start

    return user_data_path(APP_NAME, appauthor=False)


def default_case_file() -> Path:
    return data_dir() / "casereview.db"


def demo_case_file() -> Path:
    """The prosecutor's office demo (``main.py --demo``)."""
    return data_dir() / "demo.db"


def defense_demo_case_file() -> Path:
    """The defense office's demo (``main.py --demo defense``), a file of its own beside the prosecutor's."""
    return data_dir() / "demo-defense.db"


def is_server(target: object) -> bool:
    """Whether a case file target is a database server's URL (rather than a file's path). Here, not in
    `casereview.store.server`, so that the first dialog needs no database library."""
    return isinstance(target, str) and "://" in target

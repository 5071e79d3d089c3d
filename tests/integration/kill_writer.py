"""A writer for tests/integration/test_failures.py, to be killed with SIGKILL at any moment.

    python -m tests.integration.kill_writer CASE_FILE KEY_FILE FIRST

The key file holds the case file's raw key in hex. From case number FIRST on, each transaction stores one case
(and, for odd numbers, screens it in the same transaction); after each commit it prints ``committed N`` and
flushes, so whatever the parent has read was committed. It checkpoints every few pages, so a kill also lands
in the middle of copying the -wal back into the case file.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from sqlalchemy import event

from casereview.policy.case import Case, parse_case
from casereview.policy.profile import load_builtin
from casereview.services.demo import DEMO_CASES
from casereview.store import cases
from casereview.store.database import open_case_file


def numbered_case(n: int) -> Case:
    """Case K-nnnnn: two people and two charges (the first demo case under another number)."""
    return parse_case(dict(DEMO_CASES[0], case_number=f"K-{n:05d}"))


def main(db: Path, key_file: Path, first: int) -> None:
    key = bytes.fromhex(key_file.read_text(encoding="ascii").strip())
    case_file = open_case_file(db, key)

    @event.listens_for(case_file.engine, "connect")
    def _checkpoint_often(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA wal_autocheckpoint = 8")

    case_file.engine.dispose()  # connections from here on checkpoint often
    profile = load_builtin()
    n = first
    while True:
        case = numbered_case(n)
        with case_file.session() as session, session.begin():
            cases.import_case(session, case)
            if n % 2:
                cases.screen_and_save(session, case.case_number, profile)
        print(f"committed {n}", flush=True)
        n += 1


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]))

"""A records import for tests/integration/test_cli_records.py, to be killed with SIGKILL in the middle.

    python -m tests.integration.records_worker CASE_FILE KEY_FILE RECORDS MAPPING BATCH

CASE_FILE may be a database server's address (postgresql://…). The key file holds the case file's raw key in hex;
the user is ``paralegal`` (tests.helpers.PASSWORD). The import stores BATCH cases per transaction and prints
``committed N`` (N cases stored so far) after each commit, flushed, so whatever the parent has read was committed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from casereview.progress import Progress
from casereview.records.mapping import load_mapping
from casereview.services import accounts, records
from casereview.store.database import open_case_file
from tests.helpers import PASSWORD


class Printing(Progress):
    def report(self, done: int, total: int = 0, text: str = "") -> None:
        super().report(done, total, text)
        if done and text.startswith("Stored"):
            print(f"committed {done}", flush=True)


def main(db: Path | str, key_file: Path, path: Path, mapping: Path, batch: int) -> None:
    key = bytes.fromhex(key_file.read_text(encoding="ascii").strip())
    case_file = open_case_file(db, key)
    ws = accounts.workspace_for(case_file, key)
    user = accounts.login(ws, "paralegal", PASSWORD)
    records.import_records(user, path, load_mapping(mapping), progress=Printing(), batch=batch)
    print("finished", flush=True)


if __name__ == "__main__":
    from casereview.cli.common import case_file_target

    main(case_file_target(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]), int(sys.argv[5]))

"""A process that holds a case file open, for tests/integration/test_one_owner.py.

    python -m tests.integration.hold_case_file CASE_FILE KEY_HEX [--dialog plain|app] [--mime]

It opens the case file as the application does (`open_case_file`), optionally lists the file's folder in a Qt
file dialog (``plain``: Qt's own QFileDialog with its default icon provider, which reads every file it lists;
``app``: the application's dialog) or asks QMimeDatabase about the case file's -wal and -shm, then prints
``ready`` and obeys lines on standard input: ``commit N`` stores case K-N in one transaction and prints
``committed N``; ``quit`` closes the case file and exits.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _list_in_dialog(folder: Path, kind: str) -> None:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication, QFileDialog, QFileSystemModel

    app = QApplication.instance() or QApplication(sys.argv[:1])
    if kind == "plain":
        dialog = QFileDialog(None, "Open", str(folder))
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    else:
        from ui.shared import file_dialogs

        dialog = file_dialogs.make_dialog(None, "Open", str(folder))
    dialog.setViewMode(QFileDialog.ViewMode.Detail)
    dialog.show()
    loop = QEventLoop()
    model = dialog.findChild(QFileSystemModel)
    if model is not None:
        model.directoryLoaded.connect(lambda _path: QTimer.singleShot(500, loop.quit))
    QTimer.singleShot(5000, loop.quit)
    loop.exec()
    for _ in range(20):
        app.processEvents()
    dialog.close()
    dialog.deleteLater()
    app.processEvents()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db", type=Path)
    parser.add_argument("key_hex")
    parser.add_argument("--dialog", choices=("plain", "app"))
    parser.add_argument("--mime", action="store_true")
    args = parser.parse_args()

    from sqlalchemy import text

    from casereview.store import cases
    from casereview.store.database import open_case_file
    from tests.integration.kill_writer import numbered_case

    case_file = open_case_file(args.db, bytes.fromhex(args.key_hex))
    with case_file.session() as session:  # a connection in use, as in the window
        session.execute(text("SELECT count(*) FROM case_record")).scalar()
    if args.dialog:
        _list_in_dialog(args.db.parent, args.dialog)
    if args.mime:
        from PySide6.QtCore import QMimeDatabase

        for suffix in ("", "-wal", "-shm"):
            QMimeDatabase().mimeTypeForFile(f"{args.db}{suffix}")
    print("ready", flush=True)
    for line in sys.stdin:
        word, _, rest = line.strip().partition(" ")
        if word == "commit":
            with case_file.session() as session, session.begin():
                cases.import_case(session, numbered_case(int(rest)))
            print(f"committed {rest}", flush=True)
        elif word == "quit":
            break
    case_file.close()
    print("closed", flush=True)


if __name__ == "__main__":
    main()

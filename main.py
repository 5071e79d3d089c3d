"""Starts the CaseReview desktop application: arguments, QApplication, main window. Nothing else."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox

from casereview import paths
from casereview.crash import write_to_stderr
from casereview.services.accounts import has_accounts, workspace_for
from casereview.services.audit import remember_anchor
from casereview.services.autobackup import backup_on_close, backup_on_open
from casereview.services.demo import add_demo_users, create_demo_file
from casereview.store.database import CaseFileError, open_case_file, unlock
from ui.main_window import MainWindow
from ui.unlock_dialog import UnlockDialog


def _excepthook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    """A bug: show where it happened so it can be reported (no case data); the case file is left as it was."""
    details = write_to_stderr(kind, value, tb)
    if QApplication.instance() is not None:
        box = QMessageBox(QMessageBox.Icon.Critical, "CaseReview hit a problem",
                          "Something went wrong inside CaseReview. Your case file was not changed by this error.\n"
                          "Copy the details below into a report for your support contact.")
        box.setDetailedText(details)
        box.exec()


def main(argv: list[str] | None = None) -> int:
    sys.excepthook = _excepthook
    parser = argparse.ArgumentParser(prog="main.py", description="CaseReview desktop application")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--demo", action="store_true", help="open the demo case file (created if it does not exist)")
    group.add_argument("--db", type=Path, help="open this case file (created if it does not exist)")
    args = parser.parse_args(argv)

    app = QApplication(sys.argv[:1])
    app.setApplicationName(paths.APP_NAME)
    app.setApplicationDisplayName(paths.APP_NAME)

    path = paths.demo_case_file() if args.demo else (args.db or paths.default_case_file())
    try:
        if args.demo:
            if not path.exists():
                create_demo_file(path)
            key = unlock(path, paths.DEMO_PASSPHRASE)
        elif not path.exists():
            QMessageBox.information(
                None, "No case file yet",
                f"There is no case file at {path}.\n\nCreate one with:\n    python -m casereview init {path}\n\n"
                "(Creating case files from this window comes in a later version.)")
            return 1
        else:
            dialog = UnlockDialog(path)
            if dialog.exec() != UnlockDialog.DialogCode.Accepted or dialog.key is None:
                return 1
            key = dialog.key
        case_file = open_case_file(path, key)
        if args.demo:
            demo_workspace = workspace_for(case_file, key)
            if not has_accounts(demo_workspace):  # a demo file made before accounts existed
                add_demo_users(demo_workspace)
    except CaseFileError as exc:
        QMessageBox.critical(None, "CaseReview cannot open the case file", str(exc))
        return 1
    try:
        backup_on_open(path, key)
    except (OSError, CaseFileError) as exc:
        QMessageBox.warning(None, "The daily backup was not made", f"{exc}\n\nYour case file is unchanged.")
    window = MainWindow(case_file, title_path=path)
    window.show()
    code = app.exec()
    workspace = workspace_for(case_file, key)
    if has_accounts(workspace):
        remember_anchor(workspace.anchor())  # the trail's end, kept outside the file
    case_file.close()
    try:
        backup_on_close(path, key)
    except (OSError, CaseFileError) as exc:
        QMessageBox.warning(None, "The backup on closing was not made", f"{exc}\n\nYour case file is unchanged.")
    return code


if __name__ == "__main__":
    sys.exit(main())

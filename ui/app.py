"""The CaseReview desktop application: arguments, QApplication, the first window. Nothing else.

Started by the ``casereview-desktop`` entry point of an installed package, by ``python -m ui``, by the bundle
(installer/casereview.spec) and, in the source tree, by ``main.py``.

- No case file yet: the first-run wizard (create one, or open the demo).
- A case file: one dialog unlocks it and logs in.
- ``--demo``: the demo case file, created when missing, opened directly as its prosecutor (File > Switch user for
  the other roles; every demo password is "demo password").

Heavy modules (the database, the policy engine, the window) are imported after QApplication exists and the first
dialog is on its way, so the first window appears quickly.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication, QMessageBox

from casereview import __version__, paths
from casereview.crash import write_to_stderr

T = TypeVar("T")


def _excepthook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    """A bug: show where it happened so it can be reported (no case data); the case file is left as it was."""
    details = write_to_stderr(kind, value, tb)
    if QApplication.instance() is not None:
        box = QMessageBox(QMessageBox.Icon.Critical, "CaseReview hit a problem",
                          "Something went wrong inside CaseReview. Your case file was not changed by this error.\n"
                          "Copy the details below into a report for your support contact.")
        box.setDetailedText(details)
        box.exec()


def _wait_for(title: str, work: Callable[[], T]) -> T:
    """Run slow start-up work (a key derivation, creating the demo) off the GUI thread, with progress shown."""
    from ui.shared.worker import run_task

    loop = QEventLoop()
    outcome: dict[str, Any] = {}
    task = run_task(None, title, lambda _progress: work(), on_done=lambda r: outcome.update(result=r),
                    on_error=lambda exc: outcome.update(error=exc))
    task.destroyed.connect(loop.quit)
    if "result" not in outcome and "error" not in outcome:
        loop.exec()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]  # type: ignore[no-any-return]


def _open_demo() -> tuple[Any, Path]:
    from casereview.services.accounts import has_accounts, login, workspace_for
    from casereview.services.demo import add_demo_users, create_demo_file
    from casereview.store.database import open_case_file, unlock

    path = paths.demo_case_file()

    def prepare() -> Any:
        if not path.exists():
            create_demo_file(path)
        key = unlock(path, paths.DEMO_PASSPHRASE)
        workspace = workspace_for(open_case_file(path, key), key)
        if not has_accounts(workspace):  # a demo file made before accounts existed
            add_demo_users(workspace)
        return login(workspace, "prosecutor", paths.DEMO_PASSWORD)

    return _wait_for("Opening the demo case file", prepare), path


def _startup_probe() -> None:
    """For benchmarks/gui.py only (CASEREVIEW_STARTUP_PROBE=1): print the time once the first dialog is up, then
    leave at once."""
    import os
    import time

    if os.environ.get("CASEREVIEW_STARTUP_PROBE") == "1":
        from PySide6.QtCore import QTimer

        def probe() -> None:
            print(f"shown {time.time():.6f}", flush=True)
            os._exit(0)

        QTimer.singleShot(0, probe)


def _preload() -> None:
    """Import what unlocking and the main window need while the user types (the dialog is already up)."""
    import importlib

    for name in ("casereview.services.accounts", "casereview.services.cases", "casereview.services.office",
                 "casereview.policy.engine", "casereview.services.backups"):
        importlib.import_module(name)


def _log_in(path: Path) -> tuple[Any, Path] | None:
    import threading

    from PySide6.QtCore import QTimer

    from ui.access.login_dialog import LoginDialog

    # once the dialog is painted: loading in the background meanwhile would slow its first appearance
    QTimer.singleShot(300, lambda: threading.Thread(target=_preload, name="preload", daemon=True).start())

    dialog = LoginDialog(path, known_passphrase=paths.DEMO_PASSPHRASE if path == paths.demo_case_file() else None)
    _startup_probe()
    if dialog.exec() != LoginDialog.DialogCode.Accepted or dialog.session is None:
        return None
    return dialog.session, dialog.path


def _first_run() -> tuple[Any, Path] | None:
    from ui.access.first_run import FirstRunWizard

    wizard = FirstRunWizard(paths.default_case_file())
    if wizard.exec() != FirstRunWizard.DialogCode.Accepted:
        return None
    if wizard.choice == "demo":
        return _open_demo()
    if wizard.session is None or wizard.case_file_path is None:
        return None
    return wizard.session, wizard.case_file_path


def _start(args: argparse.Namespace) -> tuple[Any, Path] | None:
    if args.demo:
        return _open_demo()
    path = args.db or paths.default_case_file()
    if path.exists():
        return _log_in(path)
    if args.db is not None:
        QMessageBox.information(None, "No case file there", f"There is no case file at {path}. CaseReview will "
                                "help you create one.")
    return _first_run()


def main(argv: list[str] | None = None, prog: str = "casereview-desktop") -> int:
    sys.excepthook = _excepthook
    parser = argparse.ArgumentParser(prog=prog, description="CaseReview desktop application")
    parser.add_argument("--version", action="version", version=f"CaseReview {__version__}")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--demo", action="store_true", help="open the demo case file (created if it does not exist)")
    group.add_argument("--db", type=Path, help="open this case file")
    group.add_argument("--self-test", action="store_true",
                       help="check this installation (a temporary case file: screening, a signed letter, the "
                            "window offscreen), report each step and exit (0: all ok, 1: a step failed)")
    args = parser.parse_args(argv)
    if args.self_test:
        from ui.selftest import run_self_test

        return run_self_test()

    app = QApplication(sys.argv[:1])
    app.setApplicationName(paths.APP_NAME)
    app.setApplicationDisplayName(paths.APP_NAME)
    app.setApplicationVersion(__version__)
    from importlib import resources

    from PySide6.QtGui import QIcon

    with resources.as_file(resources.files("resources").joinpath("icons", "casereview.png")) as icon:
        app.setWindowIcon(QIcon(str(icon)))

    code = 0
    started = _start_safely(args)
    if started is None:
        return code
    from casereview.services.office import office_of
    from casereview.store.audit import remember_anchor
    from casereview.store.autobackup import backup_on_close, backup_on_open
    from casereview.store.database import CaseFileError
    from casereview.store.lock import acquire
    from ui.main_window import MainWindow

    while started is not None:
        session, path = started
        workspace = session.workspace
        # The window's own hold on the file, over its backups too: no other window or command gets in between
        # closing the file and the backup made on closing.
        hold = acquire(path)
        try:
            office_folder = office_of(workspace).backup_folder
            also_to = Path(office_folder) if office_folder else None
            if not workspace.read_only:  # nothing can be written beside a file on read-only media
                try:
                    backup_on_open(path, workspace.db_key, also_to=also_to)
                except (OSError, CaseFileError) as exc:
                    _backup_failed("The daily backup was not made", exc, path, workspace.db_key)
            if workspace.notices:  # an older copy of the file last used here: said before any work
                QMessageBox.warning(None, "This is not the newest copy of the case file",
                                    "\n\n".join(workspace.notices))
            window = MainWindow(session, title_path=path)
            switched: list[bool] = []
            window.logged_out.connect(lambda flag=switched: flag.append(True))
            window.show()
            code = app.exec()
            session.log_out()
            if not workspace.read_only:
                remember_anchor(workspace.anchor())  # the trail's end, kept outside the file
            workspace.case_file.close()
            if not workspace.read_only:
                try:
                    backup_on_close(path, workspace.db_key, also_to=also_to)
                except (OSError, CaseFileError) as exc:
                    _backup_failed("The backup on closing was not made", exc, path, workspace.db_key)
            started = _log_in(path) if switched else None
        finally:
            hold.release()
    return code


def _backup_failed(title: str, exc: Exception, path: Path, key: bytes) -> None:
    """Say why a backup was not made, and what it means for the case file itself: a copy that fails its checks
    means the file is damaged, and the user is told so (with the latest good backup), never "unchanged"."""
    from casereview.store.autobackup import CopyNotMade
    from casereview.store.backups import check_case_file
    from casereview.store.database import DamagedCaseFile, DiskFull

    if isinstance(exc, DamagedCaseFile) and exc.advised:  # it names the newest good backup and what to do
        QMessageBox.critical(None, "The case file is damaged", f"{title}.\n\n{exc}")
        return
    if isinstance(exc, (DiskFull, CopyNotMade)):
        QMessageBox.warning(None, title, f"{exc}\n\nYour work is kept in the case file; only this backup is "
                            "missing.")
        return
    try:
        report = check_case_file(path, key)
    except Exception as check_exc:  # the check itself could not run: say both, claim nothing
        QMessageBox.critical(None, title, f"{exc}\n\nThe case file could not be checked either ({check_exc}). "
                             f"Run python -m casereview check {path} and keep your latest backup safe.")
        return
    if report.ok:
        QMessageBox.warning(None, title, f"{exc}\n\nThe case file itself passed every check; only this backup "
                            "is missing. Try File > Back up now… later.")
    else:
        QMessageBox.critical(None, "The case file is damaged", f"{title}: {exc}\n\n" + "\n".join(report.lines))


def _start_safely(args: argparse.Namespace) -> tuple[Any, Path] | None:
    """The first window's work; an expected problem gets its message, a bug the crash dialog."""
    try:
        return _start(args)
    except Exception as exc:
        from ui.shared.problems import show_problem

        show_problem(None, "CaseReview cannot open the case file", exc)
        return None


if __name__ == "__main__":
    sys.exit(main())

"""The CaseReview desktop application: arguments, QApplication, the first window. Nothing else.

Started by the ``casereview-desktop`` entry point of an installed package, by ``python -m ui``, by the bundle
(installer/casereview.spec) and, in the source tree, by ``main.py``.

- No case file yet: the first-run wizard (create one, open the demo, or connect to the office's server).
- A case file, or a database server (``--db postgresql://ROLE@HOST:PORT/DATABASE``): one dialog unlocks it and
  logs in (for a server it asks the role's password too, unless the environment gives it; it is kept in this
  process only, never written). The office key of a server comes from the key file this computer keeps for it
  (`casereview.store.server`).
- ``--demo``: the demo case file, created when missing, opened directly as its prosecutor; ``--demo defense``: the
  defense office's demo, as its attorney (File > Switch user for the other roles; every demo password is "demo
  password").
- File > Switch user keeps the case file (or the server) open and unlocked: the next user gives only their user
  name and password, never the office passphrase again (it is the file's, not the user's).
- A database server that goes away while the window works: its message (what happened, that nothing saved was
  lost, what to do) instead of the crash dialog, whatever was being done (`tell_server_unavailable`).

Heavy modules (the database, the policy engine, the window) are imported after QApplication exists and the first
dialog is on its way, so the first window appears quickly.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication, QMessageBox

from casereview import __version__, paths
from casereview.crash import write_to_stderr

if TYPE_CHECKING:
    from casereview.services.session import UserSession, Workspace
    from casereview.store.database import ServerUnavailable

T = TypeVar("T")
# A logged-in user and where they work: a case file's path, or a database server's address.
Started = tuple["UserSession", Path | str]
DEMO_OFFICES = ("prosecutor", "defense")


def _excepthook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    """A bug: show where it happened so it can be reported (no case data); the case file is left as it was. A
    database server that went away is no bug: its own message."""
    gone = server_unavailable(value)
    if gone is not None and QApplication.instance() is not None:
        tell_server_unavailable(gone)
        return
    details = write_to_stderr(kind, value, tb)
    if QApplication.instance() is not None:
        box = QMessageBox(QMessageBox.Icon.Critical, "CaseReview hit a problem",
                          "Something went wrong inside CaseReview. Your case file was not changed by this error.\n"
                          "Copy the details below into a report for your support contact.")
        box.setDetailedText(details)
        box.exec()


def install_excepthook() -> None:
    """What reaches the top of the event loop is said (`_excepthook`), never lost on standard error."""
    sys.excepthook = _excepthook


def server_unavailable(exc: BaseException | None) -> ServerUnavailable | None:
    """The `ServerUnavailable` an error is, or was raised from (a service may wrap it); None for any other."""
    from casereview.store.database import ServerUnavailable

    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, ServerUnavailable):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


SERVER_GONE_TITLE = "The database server cannot be reached"
SERVER_GONE_ADVICE = (
    "Nothing that CaseReview said was saved is lost: it is all on the server. Only what was being done at that "
    "moment was not kept, and whatever you were typing is still on screen. Wait a moment and try again (File > "
    "Save for a case); CaseReview reconnects by itself once the server is back. If it stays away, ask the person "
    "who runs your office's server.")
_telling: list[bool] = []  # one message at a time: a server that is away makes every action fail alike


def tell_server_unavailable(exc: BaseException, parent: Any = None) -> None:
    """Say, over the window, that the database server went away: what happened, that nothing acknowledged was
    lost, and what to do."""
    if _telling:
        return
    _telling.append(True)
    try:
        box = QMessageBox(QMessageBox.Icon.Warning, SERVER_GONE_TITLE, str(exc), QMessageBox.StandardButton.Ok,
                          parent if parent is not None else QApplication.activeWindow())
        box.setInformativeText(SERVER_GONE_ADVICE)
        box.setAccessibleName(SERVER_GONE_TITLE)
        box.exec()
    finally:
        _telling.clear()


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


def demo_file(office: str = "prosecutor") -> Path:
    return paths.defense_demo_case_file() if office == "defense" else paths.demo_case_file()


def _open_demo(office: str = "prosecutor") -> Started:
    """The demo case file of a prosecutor's office (logged in as its prosecutor) or of a defense office (as its
    attorney), made first when missing."""
    from casereview.services.access import OfficeType
    from casereview.services.accounts import has_accounts, login, workspace_for
    from casereview.services.demo import add_demo_users, create_demo_file
    from casereview.store.database import open_case_file, unlock

    defense = office == "defense"
    path = demo_file(office)
    office_type = OfficeType.DEFENSE if defense else OfficeType.PROSECUTOR

    def prepare() -> Any:
        if not path.exists():
            create_demo_file(path, office_type=office_type)
        key = unlock(path, paths.DEMO_PASSPHRASE)
        case_file = open_case_file(path, key)
        try:
            workspace = workspace_for(case_file, key)
            if not has_accounts(workspace):  # a demo file made before accounts existed
                add_demo_users(workspace, office_type=office_type)
            return login(workspace, "attorney" if defense else "prosecutor", paths.DEMO_PASSWORD)
        except BaseException:
            case_file.close()
            raise

    return _wait_for("Opening the demo case file", prepare), path


# What the first dialog must not wait for: each is loaded once the dialog is up (`_preload`) or when it is used.
HEAVY_MODULES = ("sqlalchemy", "sqlcipher3", "psycopg", "argon2", "cryptography", "reportlab", "pyhanko",
                 "openpyxl", "docx", "casereview.store.database", "casereview.policy.engine", "ui.main_window")


def _startup_probe() -> None:
    """For benchmarks/gui.py and the start-up test (CASEREVIEW_STARTUP_PROBE=1): print the time once the first
    dialog is up, and which of `HEAVY_MODULES` were loaded before it, then leave at once."""
    import os
    import time

    if os.environ.get("CASEREVIEW_STARTUP_PROBE") == "1":
        from PySide6.QtCore import QTimer

        def probe() -> None:
            loaded = [name for name in HEAVY_MODULES if name in sys.modules]
            print(f"shown {time.time():.6f}\nheavy {' '.join(loaded)}", flush=True)
            os._exit(0)

        QTimer.singleShot(0, probe)


def _preload() -> None:
    """Import what unlocking and the main window need while the user types (the dialog is already up)."""
    import importlib

    for name in ("casereview.services.accounts", "casereview.services.cases", "casereview.services.office",
                 "casereview.policy.engine", "casereview.services.backups"):
        importlib.import_module(name)


def _known_passphrase(target: Path | str) -> str | None:
    demos = (paths.demo_case_file(), paths.defense_demo_case_file())
    return paths.DEMO_PASSPHRASE if isinstance(target, Path) and target in demos else None


def _log_in(target: Path | str, unlocked: Workspace | None = None) -> Started | None:
    """The log-in dialog for the case file (or server) at `target`; with `unlocked`, that one is open already
    (Switch user) and only a user name and password are asked."""
    import threading

    from PySide6.QtCore import QTimer

    from ui.access.login_dialog import LoginDialog

    if unlocked is None:
        # once the dialog is painted: loading in the background meanwhile would slow its first appearance
        QTimer.singleShot(300, lambda: threading.Thread(target=_preload, name="preload", daemon=True).start())
    dialog = LoginDialog(target, known_passphrase=_known_passphrase(target), unlocked=unlocked)
    _startup_probe()
    if dialog.exec() != LoginDialog.DialogCode.Accepted or dialog.session is None:
        return None
    return dialog.session, dialog.path


def _first_run() -> Started | None:
    from ui.access.first_run import FirstRunWizard

    wizard = FirstRunWizard(paths.default_case_file())
    if wizard.exec() != FirstRunWizard.DialogCode.Accepted:
        return None
    if wizard.choice == "demo":
        return _open_demo()
    if wizard.choice == "server" and wizard.server_address:
        return _log_in(wizard.server_address)
    if wizard.session is None or wizard.case_file_path is None:
        return None
    return wizard.session, wizard.case_file_path


def _start(args: argparse.Namespace) -> Started | None:
    if args.demo:
        return _open_demo(args.demo)
    if args.db is not None and paths.is_server(args.db):
        return _log_in(str(args.db))
    path = Path(args.db) if args.db is not None else paths.default_case_file()
    if path.exists():
        return _log_in(path)
    if args.db is not None:
        QMessageBox.information(None, "No case file there", f"There is no case file at {path}. CaseReview will "
                                "help you create one.")
    return _first_run()


def build_parser(prog: str = "casereview-desktop") -> argparse.ArgumentParser:
    """The window's command line: ``--demo [defense]``, ``--db CASEFILE_OR_URL``, ``--self-test``."""
    parser = argparse.ArgumentParser(prog=prog, description="CaseReview desktop application")
    parser.add_argument("--version", action="version", version=f"CaseReview {__version__}")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--demo", nargs="?", const="prosecutor", choices=DEMO_OFFICES, metavar="OFFICE",
                       help="open the demo case file (created if it does not exist): a prosecutor's office, or "
                            "with --demo defense a defense office's")
    group.add_argument("--db", metavar="CASEFILE_OR_URL",
                       help="open this case file, or the office's database server at postgresql://ROLE@HOST:PORT/"
                            "DATABASE (the role's password from $CASEREVIEW_DB_PASSWORD, or asked)")
    group.add_argument("--self-test", action="store_true",
                       help="check this installation (a temporary case file: screening, a signed letter, the "
                            "window offscreen), report each step and exit (0: all ok, 1: a step failed)")
    return parser


def main(argv: list[str] | None = None, prog: str = "casereview-desktop") -> int:
    install_excepthook()
    args = build_parser(prog).parse_args(argv)
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

    started = _start_safely(args)
    if started is None:
        return 0
    return run_windows(app, started)


def run_windows(app: QApplication, started: Started) -> int:
    """The windows, one case file (or server) after another: each open one's windows, then it is closed. Returns
    the event loop's exit code."""
    code = 0
    following: Started | None = started
    while following is not None:
        code, following = _work_in(app, *following)
    return code


def _work_in(app: QApplication, session: UserSession, target: Path | str) -> tuple[int, Started | None]:
    """Work in one open case file or server: a window for each user that logs in (Switch user keeps it open and
    unlocked), then close it. Returns the exit code and what to open next (another case file chosen on
    switching), if anything."""
    from casereview.store.lock import acquire

    workspace = session.workspace
    path = workspace.case_file.path
    # The window's own hold on the file, over its backups too: no other window or command gets in between
    # closing the file and the backup made on closing. A server has no file to hold, and no file backups.
    hold = acquire(path) if path is not None else None
    code, following = 0, None
    try:
        also_to = _opened(workspace)
        user: UserSession | None = session
        while user is not None:
            code, switched = _window(app, user)
            user = None
            if switched:
                again = _log_in(target, unlocked=workspace)
                if again is not None and again[0].workspace is workspace:
                    user = again[0]
                else:
                    following = again  # another case file, chosen in the dialog (or nothing: the user cancelled)
        _close(workspace, also_to)
    finally:
        if hold is not None:
            hold.release()
    return code, following


def _window(app: QApplication, session: UserSession) -> tuple[int, bool]:
    """The main window for `session` until it closes; returns the exit code and whether the user switched user
    (or was logged out: the next user logs in on the same, still unlocked, case file)."""
    from ui.main_window import MainWindow

    case_file = session.workspace.case_file
    window = MainWindow(session, title_path=case_file.path)
    switched: list[bool] = []
    window.logged_out.connect(lambda flag=switched: flag.append(True))
    window.show()
    code = app.exec()
    warm_up = getattr(window, "warm_up", None)  # the search's warm-up: done before the case file may be closed
    if warm_up is not None and warm_up.running():
        warm_up.wait()
    session.log_out()  # recorded when it can be; the session ends either way
    return code, bool(switched)


def _opened(workspace: Workspace) -> Path | None:
    """What is done once a case file is open: the daily backup (not for a server: its own tools back it up, see
    docs/server-guide.md) and the notices. Returns the office's second backup folder, if any."""
    from casereview.services.office import office_of
    from casereview.store.autobackup import backup_on_open
    from casereview.store.database import CaseFileError

    path = workspace.case_file.path
    also_to: Path | None = None
    if path is not None:
        office_folder = office_of(workspace).backup_folder
        also_to = Path(office_folder) if office_folder else None
        if not workspace.read_only:  # nothing can be written beside a file on read-only media
            try:
                backup_on_open(path, workspace.db_key, also_to=also_to)
            except (OSError, CaseFileError) as exc:
                _backup_failed("The daily backup was not made", exc, path, workspace.db_key)
    if workspace.notices:  # an older copy of the file last used here: said before any work
        QMessageBox.warning(None, "This is not the newest copy of the case file", "\n\n".join(workspace.notices))
    return also_to


def _close(workspace: Workspace, also_to: Path | None) -> None:
    """Close the case file (or the server's connections): the trail's end kept outside it, and a file's backup."""
    from casereview.store.audit import remember_anchor
    from casereview.store.autobackup import backup_on_close
    from casereview.store.database import CaseFileError

    path = workspace.case_file.path
    if not workspace.read_only:
        try:
            remember_anchor(workspace.anchor())  # the trail's end, kept outside the file
        except CaseFileError as exc:  # a server gone away meanwhile: nothing of the user's work depends on it
            if server_unavailable(exc) is None:
                raise
    workspace.case_file.close()
    if path is not None and not workspace.read_only:
        try:
            backup_on_close(path, workspace.db_key, also_to=also_to)
        except (OSError, CaseFileError) as exc:
            _backup_failed("The backup on closing was not made", exc, path, workspace.db_key)


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


def _start_safely(args: argparse.Namespace) -> Started | None:
    """The first window's work; an expected problem gets its message, a bug the crash dialog."""
    try:
        return _start(args)
    except Exception as exc:
        from ui.shared.problems import show_problem

        show_problem(None, "CaseReview cannot open the case file", exc)
        return None


if __name__ == "__main__":
    sys.exit(main())

"""The file dialogs (ui/shared/file_dialogs.py, issue 12): shown for real, listing the folder of a case file that
is open, they leave SQLite's locks held; no dialog starts in that folder; nothing else in the window makes a file
dialog.

Closing any descriptor of a file drops every POSIX lock the process holds on it. An idle SQLite connection in WAL
mode holds a shared lock on the database file (the bytes from PENDING_BYTE + 2, 510 of them) and one on byte 128 of
the -shm (the "DMS" lock that tells others the write-ahead log is in use). Whether this process still holds them is
tried from a child process, which asks for a write lock there: it is refused while the locks are held. (Trying it
from this process would open the files, and so drop the locks it is checking.)"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QFileInfo, QSettings, QStandardPaths, QTimer
from PySide6.QtGui import QAbstractFileIconProvider
from PySide6.QtWidgets import QApplication, QFileDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from casereview.services.session import Workspace
from casereview.store.database import CaseFile, open_case_file
from tests.conftest import ROOT
from tests.gui.support import window_for
from ui.shared import file_dialogs

SHARED_FIRST, SHARED_SIZE = 0x40000000 + 2, 510  # SQLite's unix VFS: the database file's shared-lock bytes
DMS = 128  # the -shm byte each connection holds a shared lock on while it is open

CHILD = r"""
import fcntl, os, sys

def held(path, start, length):
    if not os.path.exists(path):
        return False
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, length, start, os.SEEK_SET)
    except OSError:
        return True
    finally:
        os.close(fd)  # also drops the lock just taken (this is another process: the case file's holder keeps its)
    return False

db = sys.argv[1]
print(int(held(db, int(sys.argv[2]), int(sys.argv[3]))), int(held(db + "-shm", int(sys.argv[4]), 1)))
"""

HELD = {"database": True, "shm": True}
DROPPED = {"database": False, "shm": False}
VIEWS = (QFileDialog.ViewMode.List, QFileDialog.ViewMode.Detail)
# POSIX locks (fcntl) and a home folder the test chooses; on Windows the platform's own dialog is used.
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX record locks; the native dialog on Windows")


def locks_held(db: Path) -> dict[str, bool]:
    """Whether another process holds SQLite's idle locks on `db` (its shared lock) and on its -shm (DMS)."""
    out = subprocess.run([sys.executable, "-c", CHILD, str(db), str(SHARED_FIRST), str(SHARED_SIZE), str(DMS)],
                         capture_output=True, text=True, check=True, timeout=60).stdout.split()
    return {"database": out[0] == "1", "shm": out[1] == "1"}


@pytest.fixture(autouse=True)
def qt_settings(tmp_path: Path) -> Iterator[None]:
    """Qt's file dialogs remember their folders and view in the user's settings: the test's own, not the user's.
    (And no case file folder is left from another test.)"""
    file_dialogs.set_case_file_folder(None)
    formats = (QSettings.Format.NativeFormat, QSettings.Format.IniFormat)
    default = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericConfigLocation)
    for fmt in formats:
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "qt-settings"))
    yield
    for fmt in formats:
        QSettings.setPath(fmt, QSettings.Scope.UserScope, default)


@pytest.fixture
def open_case(new_case_file: tuple[Path, bytes]) -> Iterator[tuple[Path, CaseFile]]:
    """A case file open in this process (its connection idle in the pool), its folder known to the dialogs."""
    path, key = new_case_file
    case_file = open_case_file(path, key)
    with case_file.session() as db:
        db.execute(text("SELECT count(*) FROM sqlite_master")).all()
    assert Path(f"{path}-wal").exists() and Path(f"{path}-shm").exists()
    file_dialogs.set_case_file_folder(path.parent)
    yield path, case_file
    file_dialogs.set_case_file_folder(None)
    case_file.close()


def while_shown(act: Callable[[QFileDialog], Any], *, cancel: bool = True) -> list[Any]:
    """Once the next modal file dialog is up (a helper's, which blocks), do `act` with it, then cancel it (unless
    `act` ends it itself). The list receives what `act` returned, or the exception it raised."""
    results: list[Any] = []

    def attempt(tries: int) -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QFileDialog):
            if tries:
                QTimer.singleShot(20, lambda: attempt(tries - 1))
            else:
                results.append(AssertionError("no file dialog was shown"))
            return
        try:
            results.append(act(dialog))
        except Exception as exc:
            results.append(exc)
            dialog.reject()
            return
        if cancel:
            dialog.reject()

    QTimer.singleShot(0, lambda: attempt(250))
    return results


def outcome(results: list[Any]) -> Any:
    assert len(results) == 1, results
    if isinstance(results[0], Exception):
        raise results[0]
    return results[0]


def list_folder(qtbot: QtBot, dialog: QFileDialog, folder: Path, view: QFileDialog.ViewMode) -> None:
    """Go to `folder` in `dialog`, in `view`, as the user would, and wait until the dialog has listed it and
    painted it."""
    dialog.setViewMode(view)
    model = file_dialogs.model_of(dialog)
    assert model is not None
    loaded: list[str] = []
    model.directoryLoaded.connect(loaded.append)
    dialog.setDirectory(str(folder))
    # A new file makes the dialog list the folder (again, if it had already listed it from its history): so
    # there is a listing to wait for that is surely complete after the folder was shown.
    qtbot.wait(50)
    (folder / f"listed-{len(list(folder.iterdir()))}.txt").touch()
    qtbot.waitUntil(lambda: any(Path(p) == folder for p in loaded), timeout=15_000)
    qtbot.wait(100)
    dialog.grab()  # painted: every icon and type the view shows asked for
    assert Path(dialog.directory().absolutePath()) == folder


HELPERS: dict[str, Callable[[Path], str]] = {
    "open": lambda folder: file_dialogs.get_open_file_name(None, "Open a file", str(folder),
                                                           "Case files (*.db);;All files (*)"),
    "save": lambda folder: file_dialogs.get_save_file_name(None, "Save a file", str(folder / "copy.csv"),
                                                           "CSV files (*.csv)"),
    "save without confirming": lambda folder: file_dialogs.get_save_file_name(
        None, "Save a file", str(folder), "Case files (*.db)", confirm_overwrite=False),
    "folder": lambda folder: file_dialogs.get_existing_directory(None, "Choose a folder", str(folder)),
}


# ---------------------------------------------------------------------------------------------- (a) the locks


@posix_only
@pytest.mark.parametrize("helper", list(HELPERS))
def test_a_dialog_listing_the_open_case_files_folder_leaves_sqlites_locks_held(
        qtbot: QtBot, open_case: tuple[Path, CaseFile], helper: str) -> None:
    path, _case_file = open_case
    assert locks_held(path) == HELD  # what an idle connection holds, seen from another process
    for view in VIEWS:
        def look(dialog: QFileDialog, view: QFileDialog.ViewMode = view) -> tuple[bool, bool, dict[str, bool]]:
            list_folder(qtbot, dialog, path.parent, view)
            native = not dialog.testOption(QFileDialog.Option.DontUseNativeDialog)
            provider = isinstance(dialog.iconProvider(), file_dialogs.ContentFreeIconProvider)
            return native, provider, locks_held(path)

        results = while_shown(look)
        assert HELPERS[helper](path.parent) == ""  # cancelled
        assert outcome(results) == (False, True, HELD), view


@posix_only
@pytest.mark.parametrize("view", VIEWS)
def test_sanity_a_plain_qt_file_dialog_listing_the_folder_drops_the_locks(
        qtbot: QtBot, open_case: tuple[Path, CaseFile], view: QFileDialog.ViewMode) -> None:
    """Sanity: the check above can fail. Qt's own widget dialog describes each file through QMimeDatabase, which
    opens and closes it: this process's locks on the case file are gone (issue 12)."""
    path, _case_file = open_case
    assert locks_held(path) == HELD
    dialog = QFileDialog(None, "Plain", str(path.parent.parent))
    try:
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.show()
        list_folder(qtbot, dialog, path.parent, view)
        assert locks_held(path) == DROPPED
    finally:
        shiboken6.delete(dialog)  # now, while its settings are the test's


# ---------------------------------------------------------------------------------------------- (b) where it starts


def started(call: Callable[[], str]) -> tuple[Path, list[str]]:
    """The folder a helper's dialog opened in, and the file it suggested (cancelled at once)."""
    results = while_shown(lambda d: (Path(d.directory().absolutePath()), d.selectedFiles()))
    assert call() == ""
    start: tuple[Path, list[str]] = outcome(results)
    return start


def visit(qtbot: QtBot, folder: Path) -> None:
    """Go to `folder` in a dialog, as a user may: Qt starts the next dialog without a folder there."""
    results = while_shown(lambda d: d.setDirectory(str(folder)))
    file_dialogs.get_open_file_name(None, "Visit", str(folder.parent))
    outcome(results)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's home (with a Documents folder) for the test."""
    folder = tmp_path / "home"
    (folder / "Documents").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(folder))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder / ".config"))
    return folder


@posix_only
def test_no_dialog_starts_in_the_open_case_files_folder(qtbot: QtBot, open_case: tuple[Path, CaseFile], home: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path, _case_file = open_case
    folder, documents = path.parent, home / "Documents"
    assert Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)) == documents

    # Asked for the folder itself, or a file in it: Documents instead, with the suggested name kept.
    for helper in HELPERS.values():
        assert started(lambda h=helper: h(folder))[0] == documents
    assert started(lambda: file_dialogs.get_save_file_name(None, "Save", str(folder / "audit-trail.csv"),
                                                           "CSV files (*.csv)")) == (
        documents, [str(documents / "audit-trail.csv")])
    assert started(lambda: file_dialogs.get_open_file_name(None, "Open", str(path), "")) == (
        documents, [str(documents / path.name)])

    # No folder given: Qt starts where the user went last (or the working folder), never in this one either.
    monkeypatch.chdir(folder)
    visit(qtbot, folder)
    file_dialogs.set_case_file_folder(None)
    assert started(lambda: file_dialogs.get_open_file_name(None, "Open", "", ""))[0] == folder  # where Qt would
    file_dialogs.set_case_file_folder(folder)
    assert started(lambda: file_dialogs.get_open_file_name(None, "Open", "", "PDF documents (*.pdf)"))[0] == documents
    assert started(lambda: file_dialogs.get_save_file_name(None, "Save", "office-certificate.pem", "")) == (
        documents, [str(documents / "office-certificate.pem")])
    assert started(lambda: file_dialogs.get_existing_directory(None, "Folder", ""))[0] == documents

    # Without a Documents folder: home; with the case file at home, the folder above.
    documents.rmdir()
    assert started(lambda: file_dialogs.get_existing_directory(None, "Folder", str(folder)))[0] == home
    monkeypatch.setenv("HOME", str(folder))
    assert started(lambda: file_dialogs.get_existing_directory(None, "Folder", str(folder)))[0] == folder.parent

    # Another folder is kept as asked; and with no case file open, this one too.
    assert started(lambda: file_dialogs.get_existing_directory(None, "Folder", str(home)))[0] == home
    file_dialogs.set_case_file_folder(None)
    assert started(lambda: file_dialogs.get_save_file_name(None, "Save", str(folder / "a.csv"), "")) == (
        folder, [str(folder / "a.csv")])


def test_the_dialogs_keep_what_the_caller_asked(qtbot: QtBot, tmp_path: Path) -> None:
    def shown(d: QFileDialog) -> tuple[str, list[str], bool, QFileDialog.FileMode, QFileDialog.AcceptMode]:
        return (d.windowTitle(), d.nameFilters(), d.testOption(QFileDialog.Option.DontConfirmOverwrite), d.fileMode(),
                d.acceptMode())

    results = while_shown(shown)
    file_dialogs.get_save_file_name(None, "Where to keep the new case file", str(tmp_path / "casereview.db"),
                                    "Case files (*.db)", confirm_overwrite=False)
    assert outcome(results) == ("Where to keep the new case file", ["Case files (*.db)"], True,
                                QFileDialog.FileMode.AnyFile, QFileDialog.AcceptMode.AcceptSave)
    results = while_shown(shown)
    file_dialogs.get_open_file_name(None, "Open another case file", str(tmp_path), "Case files (*.db);;All files (*)")
    assert outcome(results) == ("Open another case file", ["Case files (*.db)", "All files (*)"], False,
                                QFileDialog.FileMode.ExistingFile, QFileDialog.AcceptMode.AcceptOpen)

    # What the user chooses comes back.
    chosen = tmp_path / "chosen.pdf"

    def choose(d: QFileDialog) -> None:
        d.selectFile(str(chosen))
        d.accept()

    results = while_shown(choose, cancel=False)
    assert file_dialogs.get_save_file_name(None, "Save", str(tmp_path), "PDF documents (*.pdf)") == str(chosen)
    outcome(results)


def test_the_icon_provider_describes_files_by_name_only(qtbot: QtBot, tmp_path: Path) -> None:
    provider = file_dialogs.icon_provider()
    (tmp_path / "cases.db-wal").write_bytes(b"")
    (tmp_path / "README").write_bytes(b"")
    assert provider.type(QFileInfo(str(tmp_path / "cases.db-wal"))) == "DB-WAL file"
    assert provider.type(QFileInfo(str(tmp_path / "README"))) == "File"
    assert provider.type(QFileInfo(str(tmp_path))) == "Folder"
    assert provider.type(QFileInfo("/")) == "Drive"
    assert not provider.icon(QFileInfo(str(tmp_path))).isNull()
    assert not provider.icon(QAbstractFileIconProvider.IconType.Computer).isNull()


# ---------------------------------------------------------------------------------------------- (c) nothing else


def test_only_ui_file_dialogs_makes_file_dialogs_and_nothing_asks_qmimedatabase() -> None:
    """QFileDialog (and QFileSystemModel, which lists folders for it) only in ui/shared/file_dialogs.py; QMimeDatabase
    nowhere in the window: it reads the files it is asked about."""
    allowed = ROOT / "ui" / "shared" / "file_dialogs.py"
    files = [*sorted((ROOT / "ui").rglob("*.py")), ROOT / "main.py"]
    found: dict[Path, set[str]] = {}
    problems = []
    for file in files:
        tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                name = node.id
            elif isinstance(node, ast.Attribute):
                name = node.attr
            elif isinstance(node, ast.alias):
                name = node.name.rsplit(".", 1)[-1]
            else:
                continue
            found.setdefault(file, set()).add(name)
            where = f"{file.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}: {name}"
            if name == "QMimeDatabase" or (name in ("QFileDialog", "QFileSystemModel") and file != allowed):
                problems.append(where)
    assert problems == []
    assert {"QFileDialog", "QFileSystemModel"} <= found[allowed]  # the walk does see them where they are


def test_the_window_tells_the_dialogs_which_folder_to_avoid(qtbot: QtBot, demo: Workspace) -> None:
    file_dialogs.set_case_file_folder(None)
    window = window_for(qtbot, demo)
    assert demo.case_file.path is not None
    assert file_dialogs.case_file_folder() == demo.case_file.path.parent
    window.close()
    assert file_dialogs.case_file_folder() is None


@posix_only
def test_the_child_sees_no_locks_where_nobody_has_the_file_open(new_case_file: tuple[Path, bytes]) -> None:
    """The check itself: with the case file closed nobody holds the locks (so "held" above means this process)."""
    path, _key = new_case_file
    assert locks_held(path) == DROPPED


def test_asked_for_no_folder_every_dialog_starts_where_the_user_chose_last(
        qtbot: QtBot, tmp_path: Path, home: Path) -> None:
    """Issue 17: one start folder for all dialogs, the last one a file was chosen in; never the case file's."""
    chosen_folder = tmp_path / "exports"
    chosen_folder.mkdir()

    def choose(d: QFileDialog) -> None:
        d.selectFile(str(chosen_folder / "audit.csv"))
        d.accept()

    results = while_shown(choose, cancel=False)
    assert file_dialogs.get_save_file_name(None, "Save", str(tmp_path), "") == str(chosen_folder / "audit.csv")
    outcome(results)
    assert file_dialogs.last_folder() == chosen_folder
    assert started(lambda: file_dialogs.get_open_file_name(None, "Open", "", ""))[0] == chosen_folder
    assert started(lambda: file_dialogs.get_existing_directory(None, "Folder", "a.pem"))[0] == chosen_folder
    file_dialogs.set_case_file_folder(chosen_folder)  # remembered, but the case file's folder: Documents instead
    assert started(lambda: file_dialogs.get_open_file_name(None, "Open", "", ""))[0] == home / "Documents"

"""Every file dialog of the application is made here (issue 12): nothing else in `ui/` uses QFileDialog.

Why: closing any file descriptor of a file drops every POSIX lock the process holds on it, SQLite's included.
Qt's widget file dialog lists a folder through QFileSystemModel, whose default icon provider asks QMimeDatabase
for the type of each file it lists (in the list view too, not only for the detail view's Type column) — and
QMimeDatabase opens the file and reads its first bytes. A dialog showing the folder of the open case file
therefore silently dropped the window's locks on ``X.db`` (SQLite's shared lock) and ``X.db-shm`` (its "DMS"
lock), and the next other process to close the case file deleted the window's write-ahead log.

So each dialog here

- has an icon provider (`ContentFreeIconProvider`) that decides icons and type names from the name and the
  metadata Qt has already read (folder, file, drive; the suffix), never from the contents;
- is Qt's own widget dialog on every platform but Windows (a platform dialog runs other code in this process that
  may read files; on Windows locks belong to a handle, and closing another handle drops none);
- never starts in the folder of the case file this process has open (`set_case_file_folder`): that start folder is
  replaced with the user's Documents folder (or home), keeping the suggested file name. The user may still go
  there; with the icon provider that is safe.

Asked for no folder, every dialog starts in one place (issue 17): the folder of the file the user chose last in any
of them (`last_folder`, kept in CaseReview's settings, ui/shared/screen.py), else — with a case file open — the
Documents folder (`safe_folder`), else where Qt would start. The case file's folder is replaced as above.

The three functions mirror Qt's static ones (`getOpenFileName`, `getSaveFileName`, `getExistingDirectory`) and
return the chosen path, or "" when the user cancels. `make_dialog` makes the dialog without showing it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Literal

import shiboken6
from PySide6.QtCore import QCoreApplication, QFileInfo, QStandardPaths, Qt
from PySide6.QtGui import QAbstractFileIconProvider, QIcon
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QFileSystemModel, QStyle, QWidget

from ui.shared.screen import settings

NATIVE = sys.platform == "win32"  # the platform's own dialog only where closing a handle drops no other's lock

Mode = Literal["open", "save", "folder"]
LAST_FOLDER = "file_dialogs/last_folder"

_case_file_folder: Path | None = None


def set_case_file_folder(folder: Path | str | None) -> None:
    """The folder of the case file this process has open (None when none is): no dialog starts there. Given the
    case file itself, its folder is taken."""
    global _case_file_folder
    if folder is None:
        _case_file_folder = None
        return
    path = Path(folder).expanduser().absolute()
    _case_file_folder = path.parent if path.is_file() else path


def case_file_folder() -> Path | None:
    return _case_file_folder


# ------------------------------------------------------------------------------------------------ icon provider


_STANDARD_PIXMAPS = {
    QAbstractFileIconProvider.IconType.Computer: QStyle.StandardPixmap.SP_ComputerIcon,
    QAbstractFileIconProvider.IconType.Desktop: QStyle.StandardPixmap.SP_DesktopIcon,
    QAbstractFileIconProvider.IconType.Trashcan: QStyle.StandardPixmap.SP_TrashIcon,
    QAbstractFileIconProvider.IconType.Network: QStyle.StandardPixmap.SP_DriveNetIcon,
    QAbstractFileIconProvider.IconType.Drive: QStyle.StandardPixmap.SP_DriveHDIcon,
    QAbstractFileIconProvider.IconType.Folder: QStyle.StandardPixmap.SP_DirIcon,
    QAbstractFileIconProvider.IconType.File: QStyle.StandardPixmap.SP_FileIcon,
}


class ContentFreeIconProvider(QAbstractFileIconProvider):
    """Icons and type names from what a directory listing already knows (folder, file, drive; the suffix): it
    never opens a file, unlike Qt's own providers (QMimeDatabase reads each file's first bytes)."""

    def __init__(self) -> None:
        super().__init__()
        style = QApplication.style()  # the icons are made here, on the GUI thread, once
        self._icons = {kind: style.standardIcon(pixmap) if style is not None else QIcon()
                       for kind, pixmap in _STANDARD_PIXMAPS.items()}

    def icon(self, which: QAbstractFileIconProvider.IconType | QFileInfo) -> QIcon:
        kind = self.kind(which) if isinstance(which, QFileInfo) else which
        return self._icons.get(kind, self._icons[QAbstractFileIconProvider.IconType.File])

    def type(self, info: QFileInfo) -> str:
        kind = self.kind(info)
        if kind == QAbstractFileIconProvider.IconType.Drive:
            return "Drive"
        if kind == QAbstractFileIconProvider.IconType.Folder:
            return "Folder"
        suffix = info.suffix()
        return f"{suffix.upper()} file" if suffix else "File"

    @staticmethod
    def kind(info: QFileInfo) -> QAbstractFileIconProvider.IconType:
        """Drive, folder or file, from the file's metadata (stat), never its contents."""
        if info.isRoot():
            return QAbstractFileIconProvider.IconType.Drive
        if info.isDir():
            return QAbstractFileIconProvider.IconType.Folder
        return QAbstractFileIconProvider.IconType.File


_provider: ContentFreeIconProvider | None = None


def icon_provider() -> ContentFreeIconProvider:
    """The one provider every dialog shares (a dialog does not own its provider: this one lives as long as the
    module)."""
    global _provider
    if _provider is None:
        _provider = ContentFreeIconProvider()
    return _provider


# ------------------------------------------------------------------------------------------------ start folder


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def is_case_file_folder(folder: Path) -> bool:
    return _case_file_folder is not None and _same_folder(folder, _case_file_folder)


def safe_folder() -> Path:
    """Where a dialog starts instead of the case file's folder: Documents, else home, else the folder above."""
    candidates = [QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation),
                  QStandardPaths.writableLocation(QStandardPaths.StandardLocation.HomeLocation)]
    folders = [Path(c) for c in candidates if c]
    if _case_file_folder is not None:
        folders.append(_case_file_folder.parent)
    for folder in folders:
        if folder.is_dir() and not is_case_file_folder(folder):
            return folder
    return Path(Path.home().anchor or os.sep)


def _split(directory: str) -> tuple[Path | None, str]:
    """The folder and the file name a caller's `directory` asks for (as Qt's static functions read it): a folder,
    a path to a file, a bare file name (no folder: Qt's own choice), or "" (neither)."""
    text = directory.strip()
    if not text:
        return None, ""
    path = Path(text).expanduser()
    if path.is_dir():
        return path.absolute(), ""
    folder = path.parent if str(path.parent) not in ("", ".") or text.startswith(".") else None
    if folder is not None:
        folder = folder.absolute()
        while not folder.is_dir() and folder != folder.parent:
            folder = folder.parent
    return folder, path.name


def last_folder() -> Path | None:
    """The folder of the file (or the folder) the user chose last in a dialog, when it is still there."""
    value = settings().value(LAST_FOLDER)
    folder = Path(value) if isinstance(value, str) and value else None
    return folder if folder is not None and folder.is_dir() else None


def remember_choice(chosen: str, mode: Mode) -> None:
    """Keep where the user chose `chosen`: the next dialog asked for no folder starts there."""
    path = Path(chosen)
    folder = path if mode == "folder" else path.parent
    store = settings()
    store.setValue(LAST_FOLDER, str(folder))
    store.sync()


def start_of(directory: str, qt_choice: Path) -> tuple[Path, str]:
    """The folder a dialog asked to start at `directory` opens in, and the file name it suggests. `qt_choice` is
    where Qt would start when no folder is given (the folder visited last, or the working folder): used only when
    no choice is remembered and no case file is open."""
    folder, name = _split(directory)
    if folder is None:
        folder = last_folder() or (safe_folder() if _case_file_folder is not None else qt_choice)
    if is_case_file_folder(folder):
        folder = safe_folder()
    return folder, name


# ------------------------------------------------------------------------------------------------ the dialogs


def make_dialog(parent: QWidget | None, caption: str, directory: str = "", filter: str = "",
                mode: Mode = "open", *, confirm_overwrite: bool = True) -> QFileDialog:
    """A file dialog made safe to list the case file's folder (see the module's text), not yet shown."""
    if NATIVE:
        dialog = QFileDialog(parent)
    else:
        # Created while native dialogs are off, the dialog makes no platform dialog (which would run other code
        # that reads files) but its own widgets.
        was = QCoreApplication.testAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs)
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs, True)
        try:
            dialog = QFileDialog(parent)
        finally:
            QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs, was)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    # The provider before anything else: the dialog has begun listing the folders it restored from Qt's settings
    # (the one visited last, its history: perhaps the case file's folder); what it finds there is described when
    # events are next processed, by then through this provider.
    dialog.setIconProvider(icon_provider())
    # Not needed with this provider (which never looks inside folders either), but had Qt's own provider to be
    # used again, it would not read folders' custom icon files.
    dialog.setOption(QFileDialog.Option.DontUseCustomDirectoryIcons, True)
    dialog.setWindowTitle(caption)
    if mode == "folder":
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    elif mode == "save":
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        dialog.setOption(QFileDialog.Option.DontConfirmOverwrite, not confirm_overwrite)
    else:
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    if filter:
        dialog.setNameFilter(filter)
    folder, name = start_of(directory, Path(dialog.directory().absolutePath()))
    dialog.setDirectory(str(folder))
    if name and mode != "folder":
        dialog.selectFile(name)
    return dialog


def _run(dialog: QFileDialog, mode: Mode) -> str:
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return ""
        chosen = dialog.selectedFiles()
        if chosen:
            remember_choice(chosen[0], mode)
        return chosen[0] if chosen else ""
    finally:
        # Gone at once, as Qt's static functions do it: its parent would keep it (and the folders it watches), and
        # it writes the folders it visited into Qt's settings when it goes.
        shiboken6.delete(dialog)


def get_open_file_name(parent: QWidget | None, caption: str, directory: str = "", filter: str = "") -> str:
    """An existing file the user chooses, or ""."""
    return _run(make_dialog(parent, caption, directory, filter, "open"), "open")


def get_save_file_name(parent: QWidget | None, caption: str, directory: str = "", filter: str = "", *,
                       confirm_overwrite: bool = True) -> str:
    """Where the user wants a file saved (`directory` may end in the suggested file name), or ""."""
    return _run(make_dialog(parent, caption, directory, filter, "save", confirm_overwrite=confirm_overwrite), "save")


def get_existing_directory(parent: QWidget | None, caption: str, directory: str = "") -> str:
    """A folder the user chooses, or ""."""
    return _run(make_dialog(parent, caption, directory, mode="folder"), "folder")


def model_of(dialog: QFileDialog) -> QFileSystemModel | None:
    """The model the widget dialog lists folders with (None for a platform dialog)."""
    return dialog.findChild(QFileSystemModel)

"""Logging in: unlocking the case file with the office passphrase and logging in as a user, in one dialog.

The case file may be a database server instead ("Open a server…", or a ``postgresql://`` address given to the
window): its address is typed in the dialog, the role's password asked like the other secrets when the environment
does not give it (hidden as typed, kept for this process only by `casereview.store.server.remember_password`,
never written, never shown), and the office key comes from the key file this computer keeps for the server
("Office key file…" copies it into place when it is missing). Given an `unlocked` workspace (File > Switch user)
the dialog asks only for the user name and password: the passphrase is the file's, not the user's.

Both steps are slow on purpose (Argon2 key derivation and password check), so they run in the background
(`ui.shared.worker.run_task`) while a busy bar shows, and the window never freezes. Every message appears right
under the field it concerns, in words (with an icon, never colour alone). The passphrase and the password are
cleared from the widgets when the dialog closes.

The small helpers at the top (`FieldMessage`, `BusyRow`, `buddy_label`, `secret_field`) are shared with the
first-run wizard and the lock screen.
"""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from casereview.paths import (
    DEFENSE_DEMO_USERS,
    DEMO_PASSPHRASE,
    DEMO_PASSWORD,
    DEMO_USERS,
    defense_demo_case_file,
    is_server,
)
from casereview.progress import Progress
from ui.shared import file_dialogs
from ui.shared.worker import Task, run_task

# The database, the key derivation and the services are imported only when the dialog needs them, so that it is
# on screen before they have loaded (main.py loads them in the background meanwhile).
if TYPE_CHECKING:
    from casereview.services.session import AccessProblem, UserSession, Workspace
    from casereview.store.database import CaseFile

T = TypeVar("T")

# The progress dialog of run_task (with its Cancel) only when the work is unusually slow, e.g. the growing pause
# after several wrong passphrases; the busy bar in the dialog shows the ordinary second of work.
SLOW_WORK_MS = 3000


# ---------------------------------------------------------------------------------------------------- helpers


class FieldMessage(QWidget):
    """What is wrong with one field, shown right under it: a warning icon and words. Hidden when there is nothing
    to say; the field's accessible description carries the same words for screen readers."""

    def __init__(self, field: QWidget | None, parent: QWidget | None = None, *, about: str = "") -> None:
        super().__init__(parent)
        self._field = field
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 2)
        layout.setSpacing(6)
        self.icon = QLabel(self)
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        self.icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(size, size))
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.icon.setAccessibleName("Warning")
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        what = about or (field.accessibleName() if field is not None else "") or "this"
        self.label.setAccessibleName(f"Problem with {what}")
        self.setAccessibleName(f"Problem with {what}")
        layout.addWidget(self.icon)
        layout.addWidget(self.label, 1)
        self.hide()

    def text(self) -> str:
        return self.label.text()

    def show_message(self, text: str) -> None:
        self.label.setText(text)
        self.setVisible(bool(text))
        if self._field is not None:
            self._field.setAccessibleDescription(text)

    def clear(self) -> None:
        self.show_message("")


class BusyRow(QWidget):
    """A busy bar with a few words on what is happening, shown while background work runs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel(self)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 0)  # no known end: a moving bar
        self.bar.setTextVisible(False)
        self.bar.setMaximumWidth(160)
        self.bar.setAccessibleName("Working")
        layout.addWidget(self.label, 1)
        layout.addWidget(self.bar)
        self.hide()

    def start(self, text: str) -> None:
        self.label.setText(text)
        self.bar.setAccessibleDescription(text)
        self.show()

    def stop(self) -> None:
        self.hide()
        self.label.clear()


def buddy_label(text: str, field: QWidget, parent: QWidget | None = None) -> QLabel:
    """A label that names `field` and moves the focus to it with its Alt+letter (the & in `text`)."""
    label = QLabel(text, parent)
    label.setBuddy(field)
    if not field.accessibleName():
        field.setAccessibleName(text.replace("&", "").rstrip(":"))
    return label


def secret_field(name: str, parent: QWidget | None = None) -> QLineEdit:
    """A line edit for a passphrase or password: hidden as typed, never copied out."""
    field = QLineEdit(parent)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setAccessibleName(name)
    field.setInputMethodHints(Qt.InputMethodHint.ImhHiddenText | Qt.InputMethodHint.ImhSensitiveData
                              | Qt.InputMethodHint.ImhNoPredictiveText)
    return field


def with_message(field: QWidget, message: FieldMessage, parent: QWidget | None = None,
                 *below: QWidget) -> QWidget:
    """The field with its message right under it (and any `below` after that), for one row of a form."""
    box = QWidget(parent)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(field)
    layout.addWidget(message)
    for widget in below:
        layout.addWidget(widget)
    return box


# The Python side of the last few tasks. A task deletes itself (deleteLater) once done. When its Python wrapper
# lost its last reference during that C++ deletion (the references held by its own signal connections go then),
# PySide 6.12 corrupted the heap: segfaults and "malloc_consolidate(): unaligned fastbin chunk" aborts in the
# deferred delete, in about half of the test runs. Holding the wrappers a while longer lets each go well after its
# C++ object is gone (0 crashes in 20 runs).
_RECENT_TASKS: deque[Task[Any]] = deque(maxlen=32)


def in_background(parent: QWidget, title: str, work: Callable[[Progress], T], *, on_done: Callable[[T], None],
                  on_error: Callable[[BaseException], None], on_cancelled: Callable[[], None] | None = None) -> Task[T]:
    """`run_task`, with the progress dialog only for unusually slow work; the task is kept referenced a while (see
    `_RECENT_TASKS`), and the worker thread's real end is awaited before the result is handled: the task, and with
    it its QThread, is deleted right after the thread's `finished` signal, which Qt emits just *before* the thread
    ends, and a QThread freed while its thread still runs aborts the program."""
    started: list[Task[T]] = []

    def settle() -> None:
        started[0].wait()

    def done(result: T) -> None:
        settle()
        on_done(result)

    def failed(exc: BaseException) -> None:
        settle()
        on_error(exc)

    def cancelled() -> None:
        settle()
        if on_cancelled is not None:
            on_cancelled()

    task = run_task(parent, title, work, on_done=done, on_error=failed, show_after_ms=SLOW_WORK_MS)
    started.append(task)
    _RECENT_TASKS.append(task)
    task.cancelled.connect(cancelled)
    return task


def report_bug(exc: BaseException) -> None:
    """An unexpected error from background work: the crash handler, as run_task would do without a handler."""
    sys.excepthook(type(exc), exc, exc.__traceback__)


# ---------------------------------------------------------------------------------------------------- the work


@dataclass
class _Opened:
    case_file: CaseFile
    workspace: Workspace
    office_name: str | None


@dataclass
class _Attempt:
    opened: _Opened
    newly_opened: bool
    session: UserSession | None = None
    refusal: AccessProblem | None = None


class PassphraseRefused(Exception):
    """The passphrase does not open the case file (as opposed to a key that does not fit a damaged file)."""


def _open(path: Path | str, passphrase: str, clock: Callable[[], datetime] | None) -> _Opened:
    from casereview.services.accounts import workspace_for
    from casereview.services.office import OfficeMissing, office_of
    from casereview.store.database import WrongKey, open_case_file, unlock

    try:
        key = unlock(path, passphrase)
    except WrongKey as exc:
        raise PassphraseRefused(str(exc)) from None
    case_file = open_case_file(path, key)
    try:
        ws = workspace_for(case_file, key) if clock is None else workspace_for(case_file, key, clock=clock)
        try:
            name = office_of(ws).name
        except OfficeMissing:
            name = None
    except BaseException:
        case_file.close()
        raise
    return _Opened(case_file, ws, name)


def _attempt(path: Path | str, opened: _Opened | None, passphrase: str, username: str, password: str,
             clock: Callable[[], datetime] | None, progress: Progress) -> _Attempt:
    """Runs in the background: unlock (unless already unlocked), then log in. A refused login comes back as a
    result, so that the unlocked case file is kept for the next try."""
    from casereview.services.accounts import login
    from casereview.services.session import AccessProblem

    newly = opened is None
    if opened is None:
        progress.report(0, 0, "Opening the case file…")
        opened = _open(path, passphrase, clock)
    try:
        progress.check()
        progress.report(0, 0, "Checking the user name and password…")
        return _Attempt(opened, newly, session=login(opened.workspace, username, password))
    except AccessProblem as exc:
        return _Attempt(opened, newly, refusal=exc)
    except BaseException:
        if newly:
            opened.case_file.close()
        raise


def _office_name(ws: Workspace) -> str | None:
    from casereview.services.office import OfficeMissing, office_of

    try:
        return office_of(ws).name
    except OfficeMissing:
        return None


# ---------------------------------------------------------------------------------------------------- the dialog


def _without_password(target: str) -> str:
    """A server's address with any password taken out of it (and kept for this process only), so that neither a
    field nor a label ever shows it."""
    from casereview.store.server import split_password

    return split_password(target)


def _shown(target: Path | str) -> str:
    """The case file's path, or the server's address without any password."""
    if is_server(target):
        from casereview.store.server import display_address

        return display_address(str(target))
    return str(target)


class LoginDialog(QDialog):
    """Unlock a case file (or reach a database server) and log in. Afterwards `session` is the logged-in user and
    `case_file` the open case file (the caller closes it); `path` is the case file chosen, or the server's address
    (it may have been switched with "Other case file…" or "Open a server…"). With `unlocked`, that workspace's
    case file is open already and stays the caller's: only the user name and password are asked."""

    def __init__(self, path: Path | str, parent: QWidget | None = None, *,
                 clock: Callable[[], datetime] | None = None, known_passphrase: str | None = None,
                 unlocked: Workspace | None = None) -> None:
        super().__init__(parent)
        self.path: Path | str = _without_password(str(path)) if is_server(path) else Path(path)
        self.session: UserSession | None = None
        self.case_file: CaseFile | None = None
        self._clock = clock
        self._known = known_passphrase
        self._opened: _Opened | None = None
        self._borrowed: CaseFile | None = None  # the caller's open case file (Switch user): never closed here
        if unlocked is not None:
            self._opened = _Opened(unlocked.case_file, unlocked, _office_name(unlocked))
            self._borrowed = unlocked.case_file
            self._known = None
        self._server_mode = is_server(self.path)
        self._busy = False
        self.setWindowTitle("Log in to CaseReview")
        self.setMinimumWidth(600)

        layout = QVBoxLayout(self)
        layout.setSpacing(10)

        intro = QLabel("Give the passphrase of the case file, then your own user name and password.", self)
        intro.setWordWrap(True)
        self.intro = intro
        layout.addWidget(intro)

        # Which case file, and which office (once unlocked).
        path_row = QHBoxLayout()
        self.path_label = QLabel(self)
        self.path_label.setWordWrap(True)
        self.path_label.setTextFormat(Qt.TextFormat.PlainText)
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                                | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.path_label.setAccessibleName("Case file")
        self.other_button = QPushButton("&Other case file…", self)
        self.other_button.setAccessibleName("Open another case file")
        self.other_button.setAutoDefault(False)
        self.other_button.clicked.connect(self._choose_other)
        self.server_button = QPushButton("Open a &server…", self)
        self.server_button.setAccessibleName("Open the office's database server")
        self.server_button.setToolTip("Work on the cases an office shares on a PostgreSQL server (its address is "
                                      "postgresql://ROLE@HOST:PORT/DATABASE).")
        self.server_button.setAutoDefault(False)
        self.server_button.clicked.connect(self.use_server)
        self.path_caption = buddy_label("Case file:", self.other_button, self)
        path_row.addWidget(self.path_caption, 0, Qt.AlignmentFlag.AlignTop)
        path_row.addWidget(self.path_label, 1)
        path_row.addWidget(self.other_button, 0, Qt.AlignmentFlag.AlignTop)
        path_row.addWidget(self.server_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(path_row)
        self.file_message = FieldMessage(self.path_label, self, about="the case file")
        layout.addWidget(self.file_message)

        # A database server: its address, the role's password (when the environment gives none), its key file.
        self.server_box = QWidget(self)
        server_form = QFormLayout(self.server_box)
        server_form.setContentsMargins(0, 0, 0, 0)
        server_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.address = QLineEdit(self.server_box)
        self.address.setAccessibleName("Server address")
        self.address.setPlaceholderText("postgresql://ROLE@HOST:PORT/DATABASE")
        self.address.textEdited.connect(self._address_edited)
        self.address_message = FieldMessage(self.address, self.server_box)
        self.keys_button = QPushButton("Office &key file…", self.server_box)
        self.keys_button.setAccessibleName("Copy the office key file of this server to this computer")
        self.keys_button.setAutoDefault(False)
        self.keys_button.clicked.connect(self._choose_keys)
        server_form.addRow(buddy_label("Server addr&ess:", self.address, self.server_box),
                           with_message(self.address, self.address_message, self.server_box, self.keys_button))
        self.db_password = secret_field("Database password", self.server_box)
        self.db_password.setToolTip("The password of the server's role, from the person who runs the server. It "
                                    "is kept only while CaseReview runs, never written anywhere.")
        self.db_password_message = FieldMessage(self.db_password, self.server_box)
        self.db_password_caption = buddy_label("&Database password:", self.db_password, self.server_box)
        self.db_password_box = with_message(self.db_password, self.db_password_message, self.server_box)
        server_form.addRow(self.db_password_caption, self.db_password_box)
        layout.addWidget(self.server_box)
        self.office_label = QLabel(self)
        self.office_label.setWordWrap(True)
        self.office_label.setTextFormat(Qt.TextFormat.PlainText)
        self.office_label.setAccessibleName("Office")
        font = self.office_label.font()
        font.setBold(True)
        self.office_label.setFont(font)
        layout.addWidget(self.office_label)

        users = DEFENSE_DEMO_USERS if self.path == defense_demo_case_file() else DEMO_USERS
        self.demo_hint = QLabel(
            "This is the demo case file: its cases and people are invented. Log in as "
            f"{', '.join(users[:-1])} or {users[-1]}; each has the password “{DEMO_PASSWORD}”.", self)
        self.demo_hint.setWordWrap(True)
        self.demo_hint.setAccessibleName("About the demo")
        layout.addWidget(self.demo_hint)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.passphrase = secret_field("Case file passphrase", self)
        self.passphrase_message = FieldMessage(self.passphrase, self)
        self.passphrase_caption = buddy_label("Case file &passphrase:", self.passphrase, self)
        self.passphrase_box = with_message(self.passphrase, self.passphrase_message, self)
        form.addRow(self.passphrase_caption, self.passphrase_box)
        self.username = QLineEdit(self)
        self.username.setAccessibleName("User name")
        self.username_message = FieldMessage(self.username, self)
        form.addRow(buddy_label("&User name:", self.username, self),
                    with_message(self.username, self.username_message, self))
        self.password = secret_field("Password", self)
        self.password_message = FieldMessage(self.password, self)
        form.addRow(buddy_label("Pass&word:", self.password, self),
                    with_message(self.password, self.password_message, self))
        layout.addLayout(form)

        self.busy = BusyRow(self)
        layout.addWidget(self.busy)
        layout.addStretch(1)

        self.buttons = QDialogButtonBox(self)
        self.login_button = self.buttons.addButton("&Log in", QDialogButtonBox.ButtonRole.AcceptRole)
        self.login_button.setAccessibleName("Log in")
        self.login_button.setDefault(True)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.log_in)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self.finished.connect(self._clear_secrets)
        if isinstance(self.path, str):
            self.address.setText(self.path)
        self._show_path()

    # ------------------------------------------------------------------------------------------------ state

    def _messages(self) -> tuple[FieldMessage, ...]:
        return (self.file_message, self.address_message, self.db_password_message, self.passphrase_message,
                self.username_message, self.password_message)

    def _show_path(self, *, focus: bool = True) -> None:
        unlocked = self._opened is not None
        server = self._server_mode
        if server and not unlocked:
            typed = self.address.text().strip()
            shown = _shown(typed) if typed else "the address is typed below"
        else:
            shown = _shown(self.path)
        self.path_caption.setText("Server:" if server else "Case file:")
        self.path_label.setAccessibleName("Server" if server else "Case file")
        self.path_label.setText(shown)
        self.path_label.setToolTip(shown)
        office = self._opened.office_name if self._opened is not None else None
        self.office_label.setText(f"Office: {office}" if office else
                                  "Connected to the server." if server else "The case file is open.")
        self.office_label.setVisible(unlocked)
        self.server_box.setVisible(server and not unlocked)
        ask_db_password = server and not unlocked and self._db_password_wanted()
        self.db_password_caption.setVisible(ask_db_password)
        self.db_password_box.setVisible(ask_db_password)
        self._show_keys_button()
        ask_passphrase = not unlocked and self._known is None
        what = "the office" if server else "the case file"
        self.intro.setText(f"Give the passphrase of {what}, then your own user name and password."
                           if ask_passphrase else "Give your own user name and password.")
        self.passphrase_caption.setText("Office &passphrase:" if server else "Case file &passphrase:")
        self.passphrase.setAccessibleName("Office passphrase" if server else "Case file passphrase")
        self.passphrase_caption.setVisible(ask_passphrase)
        self.passphrase_box.setVisible(ask_passphrase)
        self.demo_hint.setVisible(self._known == DEMO_PASSPHRASE and not unlocked)
        if focus:
            if server and not unlocked and not self.address.text().strip():
                self.address.setFocus()
            else:
                (self.passphrase if ask_passphrase else self.username).setFocus()
        if not unlocked and not server and isinstance(self.path, Path):
            from casereview.store.lock import holder_of, in_use_message

            holder = holder_of(self.path)  # said before any passphrase is typed; opening refuses it again anyway
            if holder is not None:
                self.file_message.show_message(in_use_message(self.path, holder))

    def _db_password_wanted(self) -> bool:
        from casereview.store.server import password_given

        target = self.address.text().strip()
        return self._db_password_refused or not (target and password_given(target))

    _db_password_refused = False  # the server refused the role's password: it is asked (again) in the dialog

    def _show_keys_button(self) -> None:
        target = self.address.text().strip()
        wanted = self._server_mode and self._opened is None and is_server(target)
        if wanted:  # the server module (and its database library) only once a server is in view
            from casereview.store.server import has_server_keys

            wanted = not has_server_keys(target)
        self.keys_button.setVisible(wanted)

    def _address_edited(self, _text: str) -> None:
        self.address_message.clear()
        self._db_password_refused = False
        self._show_path(focus=False)

    def set_path(self, path: Path | str) -> None:
        """Switch to another case file or server (its passphrase is asked; one given for the first is not used)."""
        if self._busy:
            return
        self._close_opened()
        self.path = _without_password(str(path)) if is_server(path) else Path(path)
        self._server_mode = is_server(self.path)
        if isinstance(self.path, str):
            self.address.setText(self.path)
        self._known = None
        self.passphrase.clear()
        for message in self._messages():
            message.clear()
        self._show_path()

    def use_server(self) -> None:
        """Open a database server instead ("Open a server…"): its address is typed in the dialog."""
        if self._busy:
            return
        if not self._server_mode or self._opened is not None:
            self._close_opened()
            self._server_mode = True
            self._known = None
            self.passphrase.clear()
            for message in self._messages():
                message.clear()
        self._show_path()
        self.address.setFocus()
        self.address.selectAll()

    def _choose_keys(self) -> None:
        """Copy the office key file of the server (from the computer where it was set up) to where this computer
        keeps it."""
        from casereview.store.keys import KeyProblem
        from casereview.store.server import describe, install_server_keys

        target = self.address.text().strip()
        if not is_server(target):
            self.address_message.show_message("Type the server's address first: postgresql://ROLE@HOST:PORT/"
                                              "DATABASE.")
            return
        chosen = file_dialogs.get_open_file_name(self, "The office key file of the server", "",
                                                 "Office key files (*.keys);;All files (*)")
        if not chosen:
            return
        try:
            kept = install_server_keys(target, Path(chosen))
        except (KeyProblem, ValueError) as exc:
            self.address_message.show_message(str(exc))
            return
        self.address_message.show_message(f"The office key file for {describe(target)} is kept at {kept} on this "
                                          "computer from now on.")
        self._show_path()

    def _choose_other(self) -> None:
        start = str(self.path.parent) if isinstance(self.path, Path) else ""
        chosen = file_dialogs.get_open_file_name(self, "Open another case file", start,
                                                 "Case files (*.db);;All files (*)")
        if chosen:
            path = Path(chosen)
            if path.name.endswith(".keys"):  # the key file was picked: the case file is beside it
                path = path.with_name(path.name[: -len(".keys")])
            self.set_path(path)

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        for widget in (self.login_button, self.cancel_button, self.other_button, self.server_button, self.address,
                       self.db_password, self.keys_button, self.passphrase, self.username, self.password):
            widget.setEnabled(not busy)
        if busy:
            self.busy.start(text)
        else:
            self.busy.stop()

    # ------------------------------------------------------------------------------------------------ logging in

    def log_in(self) -> None:
        """Unlock (if not yet unlocked) and log in, in the background."""
        if self._busy:
            return
        for message in self._messages():
            message.clear()
        if self._server_mode and self._opened is None and not self._server_chosen():
            return
        passphrase = self._known if self._known is not None else self.passphrase.text()
        username, password = self.username.text().strip(), self.password.text()
        missing = False
        if self._opened is None and not passphrase:
            self.passphrase_message.show_message("Type the office passphrase." if self._server_mode else
                                                 "Type the passphrase of the case file.")
            missing = True
        if not username:
            self.username_message.show_message("Type your user name.")
            missing = True
        if not password:
            self.password_message.show_message("Type your password.")
            missing = True
        if missing:
            return
        path, opened, clock = self.path, self._opened, self._clock
        if opened is None and isinstance(path, str) and self.db_password.text():
            from casereview.store.server import remember_password

            remember_password(path, self.db_password.text())  # this process only: never written
        opening = "Connecting to the server…" if isinstance(path, str) else "Opening the case file…"
        self._set_busy(True, opening if opened is None else "Checking the user name and password…")
        in_background(self, "Logging in",
                      lambda progress: _attempt(path, opened, passphrase, username, password, clock, progress),
                      on_done=self._attempted, on_error=self._failed, on_cancelled=self._cancelled)

    def _server_chosen(self) -> bool:
        """The typed server address, checked before anything is sent (the dialog's `path` from then on); False
        with the reason under the field when it cannot be used."""
        from casereview.store.server import (
            ServerAddressProblem,
            connect_args,
            describe,
            has_server_keys,
            server_key_path,
            server_url,
        )

        target = _without_password(self.address.text().strip())
        if target != self.address.text().strip():
            self.address.setText(target)  # the password moved out of sight (kept for this process only)
        if not is_server(target):
            self.address_message.show_message("Type the server's address as your administrator gave it: "
                                              "postgresql://ROLE@HOST:PORT/DATABASE.")
            self.address.setFocus()
            return False
        try:
            connect_args(server_url(target))
        except ServerAddressProblem as exc:
            self.address_message.show_message(str(exc))
            self.address.setFocus()
            return False
        if not has_server_keys(target):
            self.address_message.show_message(
                f"This computer has no office key file for {describe(target)} yet (it is kept at "
                f"{server_key_path(target)}). Get the .keys file from the computer where the server was set up "
                "(server init or server move wrote it there) and choose it with Office key file…")
            self._show_keys_button()
            return False
        if target != self.path:
            self._close_opened()
            self.path = target
            self._known = None
        return True

    def _attempted(self, attempt: _Attempt) -> None:
        self._set_busy(False)
        self._opened = attempt.opened
        if isinstance(self.path, Path):
            file_dialogs.set_case_file_folder(self.path.parent)  # open now: no file dialog starts there
        self.passphrase.clear()
        self.db_password.clear()
        self._show_path()
        if attempt.session is not None:
            self.session = attempt.session
            self.case_file = attempt.opened.case_file
            self.accept()
            return
        refusal = attempt.refusal
        from casereview.services.accounts import AccountDisabled, AccountLocked, NoAccounts

        if isinstance(refusal, NoAccounts):
            self.file_message.show_message(
                f"{refusal} Or use the first-run setup to make a new case file with its administrator.")
        elif isinstance(refusal, (AccountLocked, AccountDisabled)):
            self.username_message.show_message(str(refusal))
            self.password.clear()
            self.username.setFocus()
        else:  # LoginFailed or another refusal
            self.password_message.show_message(str(refusal))
            self.password.clear()
            self.password.setFocus()

    def _failed(self, exc: BaseException) -> None:
        from ui.shared.problems import is_expected

        self._set_busy(False)
        from casereview.store.database import ServerUnavailable

        if isinstance(exc, ServerUnavailable) and isinstance(self.path, str):
            if "refused the login" in str(exc):
                from casereview.store.server import forget_password

                forget_password(self.path)
                self._db_password_refused = True
                self._show_path()
                self.db_password_message.show_message(
                    f"{exc}\n\nType the database password your administrator gave you for this server.")
                self.db_password.clear()
                self.db_password.setFocus()
            else:
                self.address_message.show_message(str(exc))
            return
        if isinstance(exc, PassphraseRefused):
            if self._known is not None:  # the passphrase we were given does not open this file: ask for it
                self._known = None
                self._show_path()
            self.passphrase_message.show_message(str(exc))
            self.passphrase.selectAll()
            self.passphrase.setFocus()
        elif is_expected(exc) and isinstance(self.path, str):  # a server: its address or its key file
            self.address_message.show_message(str(exc))
            self._show_keys_button()
        elif is_expected(exc):
            if isinstance(exc, OSError) and not str(exc).startswith(str(self.path)):
                text = f"The case file could not be read: {exc.strerror or exc}."
            else:
                from casereview.store.backups import explain

                text = explain(exc)  # a damaged file: with the newest good backup and what to do
            self.file_message.show_message(text)
        else:
            report_bug(exc)

    def _cancelled(self) -> None:
        self._set_busy(False)
        self.file_message.show_message("Stopped. Nothing was opened.")

    # ------------------------------------------------------------------------------------------------ closing

    def _close_opened(self) -> None:
        if self._opened is not None and self.session is None and self._opened.case_file is not self._borrowed:
            self._opened.case_file.close()
            file_dialogs.set_case_file_folder(None)
        self._opened = None

    def _clear_secrets(self) -> None:
        self.passphrase.clear()
        self.password.clear()
        self.db_password.clear()
        self._known = None

    def done(self, result: int) -> None:
        if self._busy:  # the work cannot be abandoned half way; it ends within a second or two
            return
        if result != QDialog.DialogCode.Accepted:
            self._close_opened()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._busy:
            event.ignore()
            return
        super().closeEvent(event)



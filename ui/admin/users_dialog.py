"""Users and roles: the office's accounts, the people behind them (full name, title, bar number: printed under what
they sign, and named in their signing certificates), their role and status, and the administrator's work on them
(add a user, change the names or the role, release a locked account, enable or disable one, reset a password, give
signing authority for letters). Each change asks for the
administrator's password again when it was not given in the last few minutes; the services check the role.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from casereview.services import identities
from casereview.services.access import OfficeType, Op, Role, allowed, role_label, roles_for
from casereview.services.accounts import (
    AccountProblem,
    UserRow,
    create_user,
    disable_user,
    enable_user,
    list_users,
    release_user,
    reset_password,
    set_letter_signer,
    set_role,
    set_user_names,
)
from casereview.services.office import FieldProblem
from casereview.services.passwords import WeakPassword
from casereview.services.session import UserSession
from ui.access.reauth import confirm_for
from ui.admin import AdminDialog, FieldNote, buddy_label, busy, local_time, run_form
from ui.shared.problems import is_expected, show_problem
from ui.shared.rows_model import RowsModel

Index = QModelIndex | QPersistentModelIndex
_ADMIN_ONLY = "Only an administrator can see and manage user accounts."


def status_words(user: UserRow) -> str:
    """The account's status with its reason, in words."""
    if user.status == "locked":
        return "Locked after failed logins" if user.status_reason == "failed logins" else "Locked"
    if user.status == "disabled":
        if user.status_reason == "inactive":
            return "Disabled: not used for 90 days"
        if user.status_reason == "administrator":
            return "Disabled by an administrator"
        return f"Disabled: {user.status_reason}" if user.status_reason else "Disabled"
    if user.must_change_password:
        return "Active: must choose a new password at the next login"
    return "Active" if user.status == "active" else user.status.capitalize()


def _role_words(role: str) -> str:
    try:
        return role_label(Role(role))
    except ValueError:
        return role


class UserModel(RowsModel[UserRow]):
    """The office's accounts (an office has tens of users: they are all held)."""

    COLUMNS = ("User name", "Role", "Status", "Last login", "Full name and title")

    def user(self, row: int) -> UserRow:
        return self.row(row)

    def row_of(self, username: str) -> int:
        return next((i for i, r in enumerate(self._rows) if r.username == username), -1)

    def cell(self, row: UserRow, column: int) -> str:
        if column == 0:
            return row.username
        if column == 1:
            return _role_words(row.role) + (" · signs letters" if row.letter_signer else "")
        if column == 2:
            return status_words(row)
        if column == 3:
            return local_time(row.last_login_at)
        if not row.full_name:
            return "(no full name: cannot sign)" if allowed_to_sign(row) else "(no full name)"
        return row.names.signed_as() + (f" · bar no. {row.bar_number}" if row.bar_number else "")


def allowed_to_sign(row: UserRow) -> bool:
    return row.role in identities.SIGNING_ROLES


# --------------------------------------------------------------------------------------------------------- forms


class _Form(AdminDialog):
    """A small form with a Save / Cancel row and a general problem line; subclasses fill the form and `_do`."""

    _do: Callable[[], None]  # what the form does on Save: each form below defines it

    def __init__(self, session: UserSession, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.problem = FieldNote(title.lower(), self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QVBoxLayout.SizeConstraint.SetMinimumSize)  # grows when a note appears
        layout.addLayout(self.form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self._notes: list[FieldNote] = [self.problem]

    def _row(self, label: str, field: QWidget, about: str) -> FieldNote:
        field.setMinimumWidth(field.fontMetrics().averageCharWidth() * 48)
        note = FieldNote(about, self)
        self.form.addRow(buddy_label(label, field, self), field)
        self.form.addRow("", note)
        self._notes.append(note)
        return note

    def _name_rows(self, names: tuple[str | None, str | None, str | None] = (None, None, None)) -> None:
        """The person's full name, title and bar number (self.full_name, self.title, self.bar_number, with notes)."""
        self.full_name = QLineEdit(names[0] or "", self)
        self.full_name.setAccessibleName("Full name")
        self.full_name.setPlaceholderText("for example Jordan Avery")
        self.full_name.setToolTip("Printed under what they sign, and the name in their signing certificate.")
        self.full_name_note = self._row("&Full name:", self.full_name, "the full name")
        self.title = QLineEdit(names[1] or "", self)
        self.title.setAccessibleName("Title")
        self.title.setPlaceholderText("for example Chief Deputy District Attorney")
        self.title_note = self._row("&Title:", self.title, "the title")
        self.bar_number = QLineEdit(names[2] or "", self)
        self.bar_number.setAccessibleName("Bar number")
        self.bar_number.setPlaceholderText("an attorney's bar number, e.g. OSB 094512")
        self.bar_number_note = self._row("&Bar number:", self.bar_number, "the bar number")

    def _name_refused(self, exc: Exception) -> bool:
        """Say a refused name beside its field; False when `exc` is not about one."""
        if not isinstance(exc, FieldProblem) or exc.field not in ("full_name", "title", "bar_number"):
            return False
        note, field = {"full_name": (self.full_name_note, self.full_name), "title": (self.title_note, self.title),
                       "bar_number": (self.bar_number_note, self.bar_number)}[exc.field]
        note.say(str(exc))
        field.setFocus()
        return True

    def _password_pair(self, label: str) -> tuple[QLineEdit, FieldNote, QLineEdit, FieldNote]:
        password = QLineEdit(self)
        password.setEchoMode(QLineEdit.EchoMode.Password)
        password.setAccessibleName(label.replace("&", "").rstrip(":"))
        password_note = self._row(label, password, "the password")
        again = QLineEdit(self)
        again.setEchoMode(QLineEdit.EchoMode.Password)
        again.setAccessibleName("The same password again")
        again_note = self._row("Password a&gain:", again, "the repeated password")
        for field in (password, again):
            self.finished.connect(field.clear)  # passwords do not stay in the widgets
        return password, password_note, again, again_note

    def save(self) -> None:
        for note in self._notes:
            note.clear_note()
        if not self._check():
            return
        if not confirm_for(self.session, Op.MANAGE_USERS, self):
            return
        try:
            with busy():
                self._do()
        except Exception as exc:
            if not is_expected(exc):
                raise
            self._refused(exc)
            return
        self.accept()

    def _check(self) -> bool:
        return True

    def _refused(self, exc: Exception) -> None:
        self.problem.say(str(exc))


class AddUserForm(_Form):
    """A new account: name, role (those of the office), password twice. `user_created(name)` once it exists."""

    user_created = Signal(str)

    def __init__(self, session: UserSession, parent: QWidget | None = None) -> None:
        super().__init__(session, "Add a user", parent)
        intro = QLabel("The new user logs in with this name and password. Give them the password in person.", self)
        intro.setWordWrap(True)
        self.form.addRow(intro)
        self.name = QLineEdit(self)
        self.name.setAccessibleName("User name")
        self.name_note = self._row("&User name:", self.name, "the user name")
        self.role = QComboBox(self)
        self.role.setAccessibleName("Role")
        for role in roles_for(session.office_type):
            self.role.addItem(role_label(role), role.value)
        self.role.setCurrentIndex(self.role.count() - 1)  # the least powerful role
        self.role_note = self._row("&Role:", self.role, "the role")
        self._name_rows()
        self.password, self.password_note, self.again, self.again_note = self._password_pair("&Password:")
        self.password.setToolTip("At least a few ordinary words with spaces between them: long and easy to "
                                 "remember.")

    def _check(self) -> bool:
        if self.password.text() != self.again.text():
            self.again_note.say("The two passwords differ: type the same password in both fields.")
            self.again.setFocus()
            return False
        role = Role(self.role.currentData())
        if role.value in identities.SIGNING_ROLES and not self.full_name.text().strip():
            self.full_name_note.say(f"A {role_label(role).lower()} signs documents, which name the person who signs: "
                                    "give their full name.")
            self.full_name.setFocus()
            return False
        return True

    def _do(self) -> None:
        create_user(self.session, self.name.text(), Role(self.role.currentData()), self.password.text(),
                    full_name=self.full_name.text(), title=self.title.text(), bar_number=self.bar_number.text())
        self.user_created.emit(" ".join(self.name.text().split()))

    def _refused(self, exc: Exception) -> None:
        if self._name_refused(exc):
            return
        if isinstance(exc, WeakPassword):
            self.password_note.say(str(exc))
            self.password.setFocus()
        elif isinstance(exc, AccountProblem):  # the name is taken or not allowed (the role comes from the list)
            self.name_note.say(str(exc))
            self.name.setFocus()
        else:
            self.problem.say(str(exc))


class NamesForm(_Form):
    """The full name, title and bar number of one user. `names_changed(name)` once saved."""

    names_changed = Signal(str)

    def __init__(self, session: UserSession, user: UserRow, parent: QWidget | None = None) -> None:
        super().__init__(session, f"Names of {user.username}", parent)
        self.username = user.username
        intro = QLabel(f"The person who logs in as {user.username}. Documents print the full name and title under "
                       "their signature (and an attorney's bar number), and their signing certificate names them: "
                       "when the name or title changes, a new signing identity is issued in the new name the next "
                       "time they sign or log in. What they signed before keeps its signatures.", self)
        intro.setWordWrap(True)
        self.form.addRow(intro)
        self._name_rows((user.full_name, user.title, user.bar_number))

    def _do(self) -> None:
        set_user_names(self.session, self.username, full_name=self.full_name.text(), title=self.title.text(),
                       bar_number=self.bar_number.text())
        self.names_changed.emit(self.username)

    def _refused(self, exc: Exception) -> None:
        if not self._name_refused(exc):
            self.problem.say(str(exc))


class RoleForm(_Form):
    """Another role for one user. `role_changed(name)` once changed."""

    role_changed = Signal(str)

    def __init__(self, session: UserSession, user: UserRow, parent: QWidget | None = None) -> None:
        super().__init__(session, f"Change the role of {user.username}", parent)
        self.username = user.username
        self.role = QComboBox(self)
        self.role.setAccessibleName("New role")
        for role in roles_for(session.office_type):
            self.role.addItem(role_label(role), role.value)
        self.role.setCurrentIndex(max(0, self.role.findData(user.role)))
        self.role_note = self._row("New &role:", self.role, "the role")
        note = QLabel(f"{user.username} works with the new role from their next action.", self)
        note.setWordWrap(True)
        self.form.addRow(note)

    def _do(self) -> None:
        set_role(self.session, self.username, Role(self.role.currentData()))
        self.role_changed.emit(self.username)


class ResetPasswordForm(_Form):
    """A new password for another user. `password_reset(message)` with the warning the administrator must read
    (their signing identity must be issued again)."""

    password_reset = Signal(str)

    def __init__(self, session: UserSession, user: UserRow, parent: QWidget | None = None) -> None:
        super().__init__(session, f"Reset the password of {user.username}", parent)
        self.username = user.username
        intro = QLabel(f"{user.username} must choose their own password at the next login. Their signing identity "
                       "must then be issued again.", self)
        intro.setWordWrap(True)
        self.form.addRow(intro)
        self.password, self.password_note, self.again, self.again_note = self._password_pair("New &password:")

    def _check(self) -> bool:
        if self.password.text() != self.again.text():
            self.again_note.say("The two passwords differ: type the same password in both fields.")
            self.again.setFocus()
            return False
        return True

    def _do(self) -> None:
        self.password_reset.emit(reset_password(self.session, self.username, self.password.text()))

    def _refused(self, exc: Exception) -> None:
        if isinstance(exc, WeakPassword):
            self.password_note.say(str(exc))
            self.password.setFocus()
        else:
            self.problem.say(str(exc))


class LetterSignerForm(_Form):
    """Signing authority for letters: the head of office or a designee signs the section 6 letters. The name and
    title given are printed under the signature. `changed(name)` once saved."""

    changed = Signal(str)

    def __init__(self, session: UserSession, user: UserRow, parent: QWidget | None = None) -> None:
        super().__init__(session, f"Signing authority for letters: {user.username}", parent)
        self.username = user.username
        intro = QLabel("Letters telling a court that the office will not contest record relief (section 6) are "
                       "signed by the head of office or a designee. The full name and title below are printed under "
                       "the signature and are the user's own (as Names… sets them)." if
                       session.office_type == OfficeType.PROSECUTOR else
                       "Attorneys sign their letters, memos and client summaries. The full name and title below are "
                       "printed under the signature and are the user's own (as Names… sets them).", self)
        intro.setWordWrap(True)
        self.form.addRow(intro)
        self.allowed = QCheckBox(f"{user.username} signs letters", self)
        self.allowed.setChecked(user.letter_signer)
        self.form.addRow(self.allowed)
        if session.office_type != OfficeType.PROSECUTOR:  # an attorney signs without a grant: only the name matters
            self.allowed.setChecked(True)
            self.allowed.hide()
        self.name = QLineEdit(user.full_name or "", self)
        self.name.setAccessibleName("Name printed under the signature")
        self.name.setPlaceholderText("For example: Jane Smith")
        self.name_note = self._row("&Name:", self.name, "the name")
        self.title = QLineEdit(user.title or "", self)
        self.title.setAccessibleName("Title printed under the signature")
        self.title.setPlaceholderText("For example: District Attorney, or Chief Deputy (designee)")
        self.title_note = self._row("&Title:", self.title, "the title")
        self.allowed.toggled.connect(self._enable_fields)
        self._enable_fields(self.allowed.isChecked())

    def _enable_fields(self, on: bool) -> None:
        self.name.setEnabled(on)
        self.title.setEnabled(on)

    def _do(self) -> None:
        set_letter_signer(self.session, self.username, self.allowed.isChecked(), name=self.name.text(),
                          title=self.title.text())
        self.changed.emit(self.username)

    def _refused(self, exc: Exception) -> None:
        if isinstance(exc, FieldProblem):
            note, field = (self.title_note, self.title) if exc.field == "title" else (self.name_note, self.name)
            note.say(str(exc))
            field.setFocus()
        else:
            self.problem.say(str(exc))


# -------------------------------------------------------------------------------------------------------- dialog



class UsersDialog(AdminDialog):
    """The accounts as a table with the administrator's actions (greyed out, with the reason, otherwise)."""

    users_changed = Signal()

    def __init__(self, session: UserSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("Users and roles")
        self.resize(1000, 460)
        self.model = UserModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName("Users")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for column in (0, 1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Users summary")

        self.add_button = self._button("&Add user…", "Add a user", self.add_user)
        self.names_button = self._button("&Names…", "Change the selected user's full name, title and bar number",
                                         self.change_names)
        self.role_button = self._button("Change &role…", "Change the selected user's role", self.change_role)
        self.release_button = self._button("Re&lease", "Release the selected locked account", self.release)
        self.enable_button = self._button("&Enable", "Enable the selected account", self.enable)
        self.disable_button = self._button("&Disable", "Disable the selected account", self.disable)
        self.reset_button = self._button("Reset &password…", "Reset the selected user's password",
                                         self.reset_password)
        self.signer_button = self._button("Letter &signing…", "Give or take back signing authority for letters",
                                          self.letter_signing)
        self.action_buttons = (self.add_button, self.names_button, self.role_button, self.release_button,
                               self.enable_button, self.disable_button, self.reset_button, self.signer_button)
        row = QHBoxLayout()
        for button in self.action_buttons:
            row.addWidget(button)
        row.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        row.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addLayout(row)

        self.may_manage = session.may(Op.MANAGE_USERS)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        if self.may_manage:
            self.reload()
        else:
            for button in self.action_buttons:
                button.setEnabled(False)
                button.setToolTip(_ADMIN_ONLY)
            self.summary.setText(_ADMIN_ONLY)

    # ------------------------------------------------------------------------------------------------ showing

    def reload(self, select: str | None = None, note: str = "") -> None:
        select = select or (chosen.username if (chosen := self.selected()) else None)
        try:
            rows = list_users(self.session)
        except Exception as exc:
            if not is_expected(exc):
                raise
            rows, note = [], str(exc)
        self.model.set_rows(rows)
        self.summary.setText(f"{len(rows)} user account{'' if len(rows) == 1 else 's'}. {note}".strip())
        if select is not None and (at := self.model.row_of(select)) >= 0:
            self.table.selectRow(at)
        self._update_buttons()

    def selected(self) -> UserRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.user(rows[0].row()) if rows else None

    def select_user(self, username: str) -> None:
        at = self.model.row_of(username)
        if at >= 0:
            self.table.selectRow(at)

    def _update_buttons(self) -> None:
        if not self.may_manage:
            return
        user = self.selected()
        own = user is not None and user.id == self.session.user_id
        why_not = {
            self.names_button: "Select a user first." if user is None else "",
            self.role_button: "Select a user first." if user is None else
            "Another administrator must change your own role." if own else "",
            self.release_button: "Select a locked account first." if user is None or user.status != "locked" else "",
            self.enable_button: "Select a disabled account first." if user is None or user.status != "disabled"
            else "",
            self.disable_button: "Select a user first." if user is None else
            "You cannot disable your own account." if own else
            "That account is already disabled." if user.status == "disabled" else "",
            self.reset_button: "Select a user first." if user is None else
            "You change your own password yourself (that keeps your signing identity)." if own else "",
            self.signer_button: "Select a user first." if user is None else
            "" if allowed(self.session.office_type, Role(user.role), Op.SIGN_LETTERS) else
            f"A {_role_words(user.role).lower()} does not sign letters.",
        }
        for button, reason in why_not.items():
            button.setEnabled(not reason)
            button.setToolTip(reason)

    # ------------------------------------------------------------------------------------------------- slots

    def add_user_form(self) -> AddUserForm:
        form = AddUserForm(self.session, self)
        form.user_created.connect(lambda name: self._changed(name, f"{name} was added."))
        return form

    def names_form(self, user: UserRow) -> NamesForm:
        form = NamesForm(self.session, user, self)
        form.names_changed.connect(lambda name: self._changed(name, f"The names of {name} were saved."))
        return form

    def change_names(self) -> None:
        if (user := self.selected()) is not None:
            run_form(self.names_form(user))

    def role_form(self, user: UserRow) -> RoleForm:
        form = RoleForm(self.session, user, self)
        form.role_changed.connect(lambda name: self._changed(name, f"The role of {name} was changed."))
        return form

    def reset_form(self, user: UserRow) -> ResetPasswordForm:
        form = ResetPasswordForm(self.session, user, self)
        form.password_reset.connect(lambda message: self._password_was_reset(user.username, message))
        return form

    def signer_form(self, user: UserRow) -> LetterSignerForm:
        form = LetterSignerForm(self.session, user, self)
        form.changed.connect(lambda name: self._changed(name, f"Signing authority for letters of {name} was saved."))
        return form

    def letter_signing(self) -> None:
        if (user := self.selected()) is not None:
            run_form(self.signer_form(user))

    def add_user(self) -> None:
        run_form(self.add_user_form())

    def change_role(self) -> None:
        if (user := self.selected()) is not None:
            run_form(self.role_form(user))

    def reset_password(self) -> None:
        if (user := self.selected()) is not None:
            run_form(self.reset_form(user))

    def release(self) -> None:
        self._set_status(release_user, "released", "The account was not released")

    def enable(self) -> None:
        self._set_status(enable_user, "enabled", "The account was not enabled")

    def disable(self) -> None:
        user = self.selected()
        if user is None:
            return
        answer = QMessageBox.question(
            self, "Disable an account", f"Disable the account of {user.username}? They are logged out at once and "
            "cannot log in until an administrator enables the account again.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        if answer == QMessageBox.StandardButton.Yes:
            self._set_status(disable_user, "disabled", "The account was not disabled")

    def _set_status(self, service: Callable[[UserSession, str], None], done: str, failed: str) -> None:
        user = self.selected()
        if user is None or not confirm_for(self.session, Op.MANAGE_USERS, self):
            return
        try:
            service(self.session, user.username)
        except Exception as exc:
            if not is_expected(exc):
                raise
            show_problem(self, failed, exc)
            return
        self._changed(user.username, f"The account of {user.username} was {done}.")

    def _password_was_reset(self, username: str, message: str) -> None:
        self._changed(username, f"The password of {username} was reset.")
        QMessageBox.information(self, "Password reset", message)

    def _changed(self, username: str, note: str) -> None:
        self.reload(username, note)
        self.users_changed.emit()

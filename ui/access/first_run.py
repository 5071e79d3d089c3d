"""The first-run wizard: a new encrypted case file for the office, its recovery key, the office profile, the policy
and the first administrator — or the demo, or connecting to the office's database server.

The case file is created when the user finishes the passphrase page (the recovery key made with it must be shown
on the next page); from then on there is no going back to change the place or the passphrase. Creating the file
and, at the end, setting up the office and logging in are slow on purpose (Argon2), so they run in the background
(`ui.shared.worker.run_task`, through `ui.access.login_dialog.in_background`) while a busy bar shows. A failure to
create leaves no file behind (`create_case_file` removes what it made), and so does cancelling the wizard after
the file was made but before the office was set up: the new file holds nothing yet.

Connecting to the office's server (an office that shares its cases on PostgreSQL, docs/server-guide.md) asks
for the server's address and makes sure this computer keeps the server's office key file (copying it into place
from the file the person who set up the server gives); the log-in dialog then asks the rest, as for any server.

Results: `choice` ("create", "demo" or "server"), after "create" `session` (the administrator, logged in) and
`case_file_path`, after "server" `server_address`. The caller owns the open case file
(`session.workspace.case_file`).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtGui import QFont, QFontDatabase, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from casereview.documents.recovery_sheet import office_words as sheet_office
from casereview.documents.recovery_sheet import steps as sheet_steps
from casereview.documents.recovery_sheet import write_recovery_sheet
from casereview.policy.profile import builtin_policy_ids, load_builtin
from casereview.progress import Progress
from casereview.services.access import OfficeType
from casereview.services.accounts import (
    AccountProblem,
    PersonNames,
    check_names,
    has_accounts,
    login,
    set_up_office,
    workspace_for,
)
from casereview.services.office import (
    RELIEF_KINDS,
    RELIEF_LABELS,
    FieldProblem,
    OfficeProfile,
    check_profile,
    read_office,
    update_office,
)
from casereview.services.passwords import USER_KDF, WeakPassword, check_new_password, common_passwords
from casereview.services.session import UserSession
from casereview.store.audit import remember_anchor
from casereview.store.database import CaseFile, create_case_file, network_filesystem, unlock
from casereview.store.keys import DEFAULT_KDF, KdfParams, key_file_path
from ui.access.login_dialog import (
    BusyRow,
    FieldMessage,
    buddy_label,
    in_background,
    report_bug,
    secret_field,
    with_message,
)
from ui.admin.office_fields import AdoptionDate, CaptionChooser, DobCombo, TimeZoneCombo
from ui.shared import file_dialogs
from ui.shared.problems import is_expected

(PAGE_WELCOME, PAGE_LOCATION, PAGE_PASSPHRASE, PAGE_RECOVERY, PAGE_OFFICE, PAGE_POLICY, PAGE_ADMIN,
 PAGE_SERVER) = range(8)
MIN_PASSPHRASE = 8
# The office profile fields the wizard asks for; the rest keep the defaults set_up_office gives.
PROFILE_FIELDS = ("name", "address", "phone", "head_name", "head_title", "county", "state", "relief_terms",
                  "policy_id", "presumptive", "email", "time_zone", "caption_style", "policy_title",
                  "policy_adopted_on", "dob_in_letters", "certificate_of_service")


def passphrase_hint(text: str) -> str:
    """How strong a passphrase looks, in plain words: by its length and its number of words."""
    if not text:
        return ("Use at least 8 characters. Three or four ordinary words with spaces between them make a passphrase "
                "that is strong and easy to remember.")
    if len(text) < MIN_PASSPHRASE:
        missing = MIN_PASSPHRASE - len(text)
        return f"Too short: {missing} more character{'s' if missing > 1 else ''} needed."
    folded = text.casefold()
    if folded in common_passwords() or "".join(folded.split()) in common_passwords():
        return "Weak: this is one of the common passwords that attackers try first. Choose another."
    words = len(text.split())
    if words >= 4 and len(text) >= 20:
        return "Strong: four or more words."
    if words >= 3 or len(text) >= 16:
        return "Good. One more word would make it stronger."
    return "Acceptable, but a computer could guess it: add another word or two, with spaces between them."


def remove_case_file(path: Path) -> None:
    """Remove a case file that was just made and holds nothing yet (with its key file and journal files)."""
    for leftover in (path, key_file_path(path), Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)


@dataclass
class _Created:
    case_file: CaseFile
    key: bytes = field(repr=False)
    recovery_key: str = field(repr=False)


@dataclass(frozen=True)
class _Setup:
    office_type: OfficeType
    admin_name: str
    admin_password: str = field(repr=False)
    profile: OfficeProfile
    admin_names: PersonNames = field(default_factory=PersonNames)


def _create(path: Path, passphrase: str, kdf: KdfParams, progress: Progress) -> _Created:
    """Runs in the background: the new case file, its key and its recovery key."""
    progress.report(0, 0, "Creating the encrypted case file…")
    case_file, recovery = create_case_file(path, passphrase, kdf=kdf)
    try:
        # create_case_file does not hand back the key itself: derive it again (it also proves the passphrase works).
        key = unlock(path, passphrase)
        progress.check()
    except BaseException:
        case_file.close()
        remove_case_file(path)
        raise
    return _Created(case_file, key, recovery)


def _set_up(created: _Created, setup: _Setup, user_kdf: KdfParams, clock: Callable[[], datetime] | None,
            progress: Progress) -> UserSession:
    """Runs in the background: the office and its administrator, the administrator's login, the profile."""
    case_file, key = created.case_file, created.key
    ws = workspace_for(case_file, key) if clock is None else workspace_for(case_file, key, clock=clock)
    if not has_accounts(ws):  # a second try after a failure further on does not set up twice
        progress.report(0, 0, "Setting up the office and its administrator…")
        names = setup.admin_names
        set_up_office(ws, setup.office_type, setup.admin_name, setup.admin_password, kdf=user_kdf,
                      office_name=setup.profile.name, full_name=names.full_name, title=names.title,
                      bar_number=names.bar_number)
    progress.report(0, 0, "Logging in…")
    session = login(ws, setup.admin_name, setup.admin_password)
    current = read_office(session)
    update_office(session, replace(current, **{name: getattr(setup.profile, name) for name in PROFILE_FIELDS}))
    remember_anchor(ws.anchor())  # the audit trail's start, kept outside the file
    return session


def _intro(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def _form() -> QFormLayout:
    form = QFormLayout()
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
    return form


# ---------------------------------------------------------------------------------------------------- pages


class WelcomePage(QWizardPage):
    NEXT_TEXT = "&Next >"
    DEMO_TEXT = "&Open the demo"

    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self._w = wizard
        self._ending = False
        self.setTitle("Welcome to CaseReview")
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(_intro("CaseReview keeps your office's cases in one encrypted case file on this computer. "
                                "Create the case file for your office now, or first look around the demo.", self))
        self.create_new = QRadioButton("&Create a new case file for my office", self)
        self.create_new.setChecked(True)
        self.demo = QRadioButton("Open the &demo", self)
        self.server = QRadioButton("Connect to the office's &server", self)
        group = QButtonGroup(self)
        for button in (self.create_new, self.server, self.demo):
            group.addButton(button)
        self.demo.toggled.connect(self._chosen)
        layout.addWidget(self.create_new)
        layout.addWidget(self._note("A few questions: where to keep the file, its passphrase, your office and its "
                                    "policy, and the first administrator. About five minutes.", self.create_new))
        layout.addWidget(self.server)
        layout.addWidget(self._note("Your office shares its cases on a database server (PostgreSQL) that is set up "
                                    "already: you need its address, the office key file and the office passphrase "
                                    "from the person who runs it, and your own user name and password.",
                                    self.server))
        layout.addWidget(self.demo)
        layout.addWidget(self._note("A demo office with invented cases and people, to try CaseReview without any "
                                    "real data. Nothing is set up for your office.", self.demo))
        layout.addStretch(1)

    def _note(self, text: str, about: QRadioButton) -> QLabel:
        label = _intro(text, self)
        label.setIndent(24)
        about.setAccessibleDescription(text)
        return label

    def _chosen(self, demo: bool) -> None:
        # QWizard decides between Next and Finish only when a page is entered, so the demo choice keeps the Next
        # button and says what it does.
        self.setButtonText(QWizard.WizardButton.NextButton, self.DEMO_TEXT if demo else self.NEXT_TEXT)

    def nextId(self) -> int:
        return PAGE_SERVER if self.server.isChecked() else PAGE_LOCATION

    def validatePage(self) -> bool:
        if self.server.isChecked():
            self._w.choice = "server"
            return True
        if not self.demo.isChecked():
            self._w.choice = "create"
            return True
        if self._ending:  # the wizard's own check while closing (below)
            return True
        self._w.choice = "demo"
        self._ending = True
        try:
            self._w.accept()  # the demo ends the wizard here rather than moving on
        finally:
            self._ending = False
        return False


class ServerPage(QWizardPage):
    """The office's database server: its address, and its office key file on this computer (copied into place from
    the file the person who set up the server gives, when it is not here yet). The log-in dialog asks the rest."""

    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self._w = wizard
        self.setTitle("Connect to the office's server")
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Connect")
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(_intro(
            "Type the server's address as the person who runs it gave it to you. The office key file of the server "
            "is kept on each computer that uses it, never in the database: if this computer does not have it yet, "
            "choose the .keys file they gave you and CaseReview keeps a copy where it looks for it. Then log in "
            "with the office passphrase and your own user name and password.", self))
        form = _form()
        self.address = QLineEdit(self)
        self.address.setAccessibleName("Server address")
        self.address.setPlaceholderText("postgresql://ROLE@HOST:PORT/DATABASE")
        self.address.textChanged.connect(self._edited)
        self.message = FieldMessage(self.address, self)
        form.addRow(buddy_label("Server &address:", self.address, self), with_message(self.address, self.message,
                                                                                      self))
        self.keys_status = _intro("", self)
        self.keys_status.setAccessibleName("The office key file")
        self.keys_button = QPushButton("Office &key file…", self)
        self.keys_button.setAccessibleName("Choose the office key file of the server")
        self.keys_button.clicked.connect(self._choose_keys)
        keys_row = QHBoxLayout()
        keys_row.addWidget(self.keys_status, 1)
        keys_row.addWidget(self.keys_button, 0, Qt.AlignmentFlag.AlignTop)
        form.addRow(buddy_label("Key file:", self.keys_button, self), keys_row)
        layout.addLayout(form)
        layout.addStretch(1)
        self._edited()

    def nextId(self) -> int:
        return -1

    def target(self) -> str:
        return self.address.text().strip()

    def _edited(self, _text: str = "") -> None:
        from casereview.store.server import has_server_keys, is_server, server_key_path

        self.message.clear()
        target = self.target()
        if not is_server(target):
            self.keys_status.setText("Type the address first.")
        elif has_server_keys(target):
            self.keys_status.setText(f"This computer has the office key file of this server "
                                     f"({server_key_path(target)}).")
        else:
            self.keys_status.setText("This computer does not have the office key file of this server yet: choose "
                                     "it.")
        self.completeChanged.emit()

    def _choose_keys(self) -> None:
        from casereview.store.keys import KeyProblem
        from casereview.store.server import install_server_keys, is_server

        target = self.target()
        if not is_server(target):
            self.message.show_message("Type the server's address first: postgresql://ROLE@HOST:PORT/DATABASE.")
            return
        chosen = file_dialogs.get_open_file_name(self, "The office key file of the server", "",
                                                 "Office key files (*.keys);;All files (*)")
        if not chosen:
            return
        try:
            install_server_keys(target, Path(chosen))
        except (KeyProblem, ValueError) as exc:
            self._edited()
            self.message.show_message(str(exc))
            return
        self._edited()

    def isComplete(self) -> bool:
        return bool(self.address.text().strip())

    def validatePage(self) -> bool:
        from casereview.store.server import split_password

        problem = self.problem(self.target())
        self.message.show_message(problem)
        if problem:
            self.address.setFocus()
            return False
        self._w.choice = "server"
        self._w.server_address = split_password(self.target())  # a password written in it: kept, never shown
        return True

    @staticmethod
    def problem(target: str) -> str:
        """What is wrong with the address (before anything is sent), or ""."""
        from casereview.store.server import (
            ServerAddressProblem,
            connect_args,
            describe,
            has_server_keys,
            is_server,
            server_url,
        )

        if not is_server(target):
            return ("That is not a server's address. Write it as the person who runs the server gave it: "
                    "postgresql://ROLE@HOST:PORT/DATABASE.")
        try:
            connect_args(server_url(target))
        except ServerAddressProblem as exc:
            return str(exc)
        if not has_server_keys(target):
            return (f"This computer has no office key file for {describe(target)} yet. Choose it with Office key "
                    "file… (the .keys file that server init or server move wrote on the computer where the server "
                    "was set up).")
        return ""


class LocationPage(QWizardPage):
    def __init__(self, wizard: FirstRunWizard, default_path: Path) -> None:
        super().__init__()
        self._w = wizard
        self.setTitle("Where to keep the case file")
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(_intro(
            "The case file holds every case of the office, encrypted. Keep it on this computer's own disk, not on a "
            "network share. A small key file with the same name and .keys at the end is kept beside it: always "
            "back up the two together.", self))
        self.path = QLineEdit(str(default_path), self)
        self.path.setAccessibleName("Case file location")
        self.path.textChanged.connect(self.completeChanged)
        self.browse = QPushButton("Br&owse…", self)
        self.browse.setAccessibleName("Choose where to keep the case file")
        self.browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        layout.addWidget(buddy_label("&Case file:", self.path, self))
        layout.addLayout(row)
        self.message = FieldMessage(self.path, self)
        layout.addWidget(self.message)
        layout.addStretch(1)

    def chosen(self) -> Path:
        return Path(self.path.text().strip()).expanduser()

    def _browse(self) -> None:
        start = self.chosen() if self.path.text().strip() else Path.home() / "casereview.db"
        chosen = file_dialogs.get_save_file_name(self, "Where to keep the new case file", str(start),
                                                 "Case files (*.db)", confirm_overwrite=False)
        if chosen:
            path = Path(chosen)
            self.path.setText(str(path if path.suffix else path.with_suffix(".db")))
            self.message.clear()

    def isComplete(self) -> bool:
        return bool(self.path.text().strip())

    def validatePage(self) -> bool:
        problem = self.problem(self.chosen())
        self.message.show_message(problem)
        if problem:
            self.path.setFocus()
            return False
        return True

    @staticmethod
    def problem(path: Path) -> str:
        if not path.is_absolute():
            return "Give the whole path, starting from the top of the disk (for example /home/you/casereview.db)."
        if path.is_dir():
            return f"{path} is a folder. Add a file name for the case file, for example casereview.db."
        if path.exists() or key_file_path(path).exists():
            return (f"There is already a file at {path}. Choose another name: an existing file is never "
                    "overwritten. To use an existing case file, cancel and open it instead.")
        if path.parent.exists() and not path.parent.is_dir():
            return f"{path.parent} is a file, not a folder."
        kind = network_filesystem(path) if path.parent.exists() else None
        if kind:
            return (f"That folder is on a network share ({kind}). A case file must be on this computer's own disk: "
                    "file locking on network shares is unreliable and can damage it.")
        return ""


class PassphrasePage(QWizardPage):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self._w = wizard
        self.setTitle("The office passphrase")
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Create the case file")
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(_intro(
            "The passphrase opens the case file. Everyone in the office who uses this file needs it, so choose one "
            "you can tell them in person (not by e-mail). Each person also gets their own user name and password "
            "later.", self))
        form = _form()
        self.passphrase = secret_field("Passphrase", self)
        self.passphrase_message = FieldMessage(self.passphrase, self)
        self.hint = QLabel(passphrase_hint(""), self)
        self.hint.setWordWrap(True)
        self.hint.setAccessibleName("How strong the passphrase is")
        form.addRow(buddy_label("&Passphrase:", self.passphrase, self),
                    with_message(self.passphrase, self.passphrase_message, self, self.hint))
        self.confirm = secret_field("Passphrase again", self)
        self.confirm_message = FieldMessage(self.confirm, self)
        form.addRow(buddy_label("Type it &again:", self.confirm, self),
                    with_message(self.confirm, self.confirm_message, self))
        self.show_typed = QCheckBox("&Show what I type", self)
        self.show_typed.toggled.connect(self._show_typed)
        form.addRow("", self.show_typed)
        layout.addLayout(form)
        self.message = FieldMessage(None, self, about="creating the case file")
        layout.addWidget(self.message)
        self.busy = BusyRow(self)
        layout.addWidget(self.busy)
        layout.addStretch(1)
        self.passphrase.textChanged.connect(self._typed)
        for edit in (self.passphrase, self.confirm):
            edit.textChanged.connect(self.completeChanged)

    def _typed(self, text: str) -> None:
        self.hint.setText(passphrase_hint(text))
        self.hint.setAccessibleDescription(self.hint.text())

    def _show_typed(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.passphrase.setEchoMode(mode)
        self.confirm.setEchoMode(mode)

    def isComplete(self) -> bool:
        return not self._w.busy and bool(self.passphrase.text()) and bool(self.confirm.text())

    def validatePage(self) -> bool:
        if self._w.created is not None:
            return True
        if self._w.busy:
            return False
        self.message.clear()
        self.passphrase_message.clear()
        self.confirm_message.clear()
        passphrase = self.passphrase.text()
        if len(passphrase) < MIN_PASSPHRASE:
            self.passphrase_message.show_message(
                f"The passphrase is too short: use at least {MIN_PASSPHRASE} characters. A few ordinary words "
                "with spaces between them are strong and easy to remember.")
            self.passphrase.setFocus()
            return False
        if self.confirm.text() != passphrase:
            self.confirm_message.show_message("The two passphrases are not the same. Type the passphrase again here.")
            self.confirm.clear()
            self.confirm.setFocus()
            return False
        self._w.create_case_file(passphrase)
        return False

    def clear(self) -> None:
        self.passphrase.clear()
        self.confirm.clear()


class RecoveryPage(QWizardPage):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self._w = wizard
        self.setTitle("Your recovery key")
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(_intro(
            "The case file is created. If the passphrase is ever forgotten, this recovery key is the only way to "
            "open it. It is shown only now: save the recovery sheet and print it (or write the key down), and keep "
            "it locked away from this computer.", self))
        self.key = QLabel(self)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(max(font.pointSizeF(), 10.0) * 1.5)
        font.setWeight(QFont.Weight.DemiBold)
        self.key.setFont(font)
        self.key.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.key.setTextFormat(Qt.TextFormat.PlainText)
        self.key.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                         | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.key.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.key.setFrameShape(QLabel.Shape.Box)
        self.key.setMargin(12)
        self.key.setAccessibleName("Recovery key")
        layout.addWidget(self.key)
        buttons = QHBoxLayout()
        self.save_button = QPushButton("&Save the recovery sheet as PDF…", self)
        self.save_button.setAccessibleName("Save the recovery sheet as PDF")
        self.save_button.clicked.connect(self._choose_sheet)
        self.print_button = QPushButton("&Print…", self)
        self.print_button.setAccessibleName("Print the recovery key")
        self.print_button.clicked.connect(self._print)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.print_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setAccessibleName("Recovery sheet")
        self.status.hide()
        layout.addWidget(self.status)
        self.message = FieldMessage(None, self, about="the recovery sheet")
        layout.addWidget(self.message)
        self.busy = BusyRow(self)
        layout.addWidget(self.busy)
        self.sheet_saved: Path | None = None
        layout.addSpacing(8)
        self.kept = QCheckBox("&I have printed or saved the recovery sheet and will keep it away from this computer",
                              self)
        self.kept.setAccessibleName("I have printed or saved the recovery sheet and will keep it away from this "
                                    "computer")
        self.kept.toggled.connect(self.completeChanged)
        layout.addWidget(self.kept)
        layout.addStretch(1)

    def initializePage(self) -> None:
        groups = self._w.recovery_key.split("-")
        half = (len(groups) + 1) // 2
        self.key.setText("  ".join(groups[:half]) + "\n" + "  ".join(groups[half:]))
        self.key.setAccessibleDescription(self._w.recovery_key)

    def isComplete(self) -> bool:
        return not self._w.busy and self.kept.isChecked()

    def _choose_sheet(self) -> None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
        chosen = file_dialogs.get_save_file_name(self, "Save the recovery sheet",
                                                 str(Path(folder) / "CaseReview recovery sheet.pdf"),
                                                 "PDF documents (*.pdf)")
        if chosen:
            self.save_sheet(Path(chosen))

    def save_sheet(self, out: Path) -> None:
        """Write the recovery sheet PDF to `out` (in the background)."""
        if out.suffix.lower() != ".pdf":
            out = out.with_name(out.name + ".pdf")
        assert self._w.case_file_path is not None
        case_path, recovery = self._w.case_file_path.resolve(), self._w.recovery_key
        self.message.clear()
        self.busy.start("Saving the recovery sheet…")
        self.save_button.setEnabled(False)
        in_background(self, "Saving the recovery sheet",
                      lambda _progress: write_recovery_sheet(out, case_file=case_path, recovery_key=recovery),
                      on_done=lambda _result: self._saved(out), on_error=self._not_saved)

    def _saved(self, out: Path) -> None:
        self.busy.stop()
        self.save_button.setEnabled(True)
        self.status.setText(f"The recovery sheet is saved in {out}. Print it, then delete that file from this "
                            "computer, or keep it only on a USB stick that is stored away from the computer.")
        self.status.show()
        self.sheet_saved = out

    def _not_saved(self, exc: BaseException) -> None:
        self.busy.stop()
        self.save_button.setEnabled(True)
        if isinstance(exc, OSError):
            self.message.show_message(f"The recovery sheet was not saved: {exc.strerror or exc}. Choose another "
                                      "place and try again.")
        elif is_expected(exc):
            self.message.show_message(str(exc))
        else:
            report_bug(exc)

    def _print(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print the recovery key")
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.print_sheet(printer)

    def print_sheet(self, printer: QPrinter) -> None:
        """Print the recovery key with what to do with it (a plain text page, not the PDF)."""
        path = self._w.case_file_path
        document = QTextDocument(self)
        document.setHtml(recovery_page_html(self._w.recovery_key, path))
        document.print_(printer)
        self.status.setText("The recovery key was sent to the printer. Check that the page came out and is "
                            "readable.")
        self.status.show()
        document.clear()

    def clear(self) -> None:
        self.key.clear()
        self.key.setAccessibleDescription("")


def recovery_page_html(recovery_key: str, case_file: Path | None, office: str | None = None) -> str:
    """The recovery key as the printer gets it: the same facts and steps as the PDF sheet."""
    groups = recovery_key.split("-")
    half = (len(groups) + 1) // 2
    key_lines = "<br>".join("&nbsp;&nbsp;".join(part) for part in (groups[:half], groups[half:]))
    path = case_file or Path("casereview.db")
    where = html.escape(str(case_file)) if case_file else "—"
    items = "".join(f"<li>{html.escape(step)}</li>" for step in sheet_steps(path))
    return (
        "<h1>CaseReview recovery key</h1>"
        f"<p><b>Office:</b> {html.escape(sheet_office(office, path))}</p>"
        f"<p><b>Case file:</b> {where}<br><b>Key file:</b> {html.escape(path.name)}.keys, beside the case file</p>"
        f"<p style='font-family: monospace; font-size: 20pt; margin: 18pt'>{key_lines}</p>"
        f"<ol>{items}</ol>")


class OfficePage(QWizardPage):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self._w = wizard
        self.setTitle("Your office")
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        layout.addWidget(_intro("These details appear on the letters and reports CaseReview prepares. An "
                                "administrator can change them later, except the kind of office.", self))

        kind = QGroupBox("Kind of office", self)
        kind_row = QHBoxLayout(kind)
        self.prosecutor = QRadioButton("&Prosecutor's office", kind)
        self.prosecutor.setChecked(True)
        self.defense = QRadioButton("&Defense office", kind)
        self.office_type_group = QButtonGroup(self)
        for button in (self.prosecutor, self.defense):
            self.office_type_group.addButton(button)
            kind_row.addWidget(button)
        kind_row.addStretch(1)
        layout.addWidget(kind)

        self.messages: dict[str, FieldMessage] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self.name = self._text_cell(grid, 0, 0, "name", "Office na&me:", "Office name", span=3)
        self.address = QPlainTextEdit(self)
        self.address.setTabChangesFocus(True)
        self.address.setAccessibleName("Address")
        self.address.setFixedHeight(self.address.fontMetrics().lineSpacing() * 3 + 12)
        self.messages["address"] = FieldMessage(self.address, self)
        grid.addWidget(buddy_label("&Address:", self.address, self), 1, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(with_message(self.address, self.messages["address"], self), 1, 1, 1, 3)
        self.phone = self._text_cell(grid, 2, 0, "phone", "P&hone:", "Phone")
        self.email = self._text_cell(grid, 2, 2, "email", "O&ffice e-mail:", "E-mail",
                                     placeholder="for example records@lanecountyor.gov")
        self.head_name = self._text_cell(grid, 3, 0, "head_name", "Head of &office:", "Head of office")
        self.head_title = self._text_cell(grid, 3, 2, "head_title", "Their &title:", "Title of the head of office",
                                          placeholder="for example District Attorney")
        self.county = self._text_cell(grid, 4, 0, "county", "&County:", "County")
        self.state = self._text_cell(grid, 4, 2, "state", "&State:", "State", placeholder="for example Oregon")
        self.time_zone = TimeZoneCombo(self)
        self.messages["time_zone"] = FieldMessage(self.time_zone, self)
        zone_label = buddy_label("Time &zone:", self.time_zone, self)
        zone_label.setFixedHeight(self.time_zone.sizeHint().height())
        grid.addWidget(zone_label, 5, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(with_message(self.time_zone, self.messages["time_zone"], self), 5, 1, 1, 3)
        layout.addLayout(grid)

        relief = QGroupBox("Record relief in your state", self)
        grid = QGridLayout(relief)
        grid.addWidget(_intro("Tick each kind your state's law offers, and give the word the law uses for it.",
                              relief), 0, 0, 1, 3)
        mnemonics = {"expungement": "&Expungement", "sealing": "Record sea&ling", "non_disclosure": "Non-d&isclosure",
                     "vacatur": "&Vacatur"}
        self.relief_boxes: dict[str, QCheckBox] = {}
        self.relief_words: dict[str, QLineEdit] = {}
        for row, kind_name in enumerate(RELIEF_KINDS, start=1):
            box = QCheckBox(mnemonics.get(kind_name, RELIEF_LABELS[kind_name]), relief)
            box.setAccessibleName(f"The state offers {RELIEF_LABELS[kind_name].lower()}")
            word = QLineEdit(relief)
            word.setAccessibleName(f"The state's word for {RELIEF_LABELS[kind_name].lower()}")
            word.setEnabled(False)
            caption = buddy_label("called:", word, relief)
            message = FieldMessage(word, relief)
            self.messages[f"relief_terms.{kind_name}"] = message
            box.toggled.connect(lambda on, k=kind_name: self._relief_toggled(k, on))
            grid.addWidget(box, row * 2 - 1, 0)
            grid.addWidget(caption, row * 2 - 1, 1)
            grid.addWidget(word, row * 2 - 1, 2)
            grid.addWidget(message, row * 2, 0, 1, 3)
            self.relief_boxes[kind_name], self.relief_words[kind_name] = box, word
        grid.setColumnStretch(2, 1)
        layout.addWidget(relief)
        self.message = FieldMessage(None, self, about="the office details")
        layout.addWidget(self.message)
        layout.addStretch(1)

    def _text_cell(self, grid: QGridLayout, row: int, column: int, key: str, caption: str, name: str, *,
                   span: int = 1, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit(self)
        edit.setAccessibleName(name)
        if placeholder:
            edit.setPlaceholderText(placeholder)
            edit.setAccessibleDescription(placeholder)
        message = FieldMessage(edit, self)
        self.messages[key] = message
        label = buddy_label(caption, edit, self)
        label.setFixedHeight(edit.sizeHint().height())  # level with the field's text, the message below it
        grid.addWidget(label, row, column, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(with_message(edit, message, self), row, column + 1, 1, span)
        return edit

    def _relief_toggled(self, kind: str, on: bool) -> None:
        word = self.relief_words[kind]
        word.setEnabled(on)
        if on and not word.text().strip():
            word.setText(RELIEF_LABELS[kind])
        if on:
            word.setFocus()
            word.selectAll()
        else:
            self.messages[f"relief_terms.{kind}"].clear()

    def office_type(self) -> OfficeType:
        return OfficeType.DEFENSE if self.defense.isChecked() else OfficeType.PROSECUTOR

    def profile(self) -> OfficeProfile:
        terms = {kind: self.relief_words[kind].text() for kind in RELIEF_KINDS if self.relief_boxes[kind].isChecked()}
        return OfficeProfile(self.office_type().value, name=self.name.text(), address=self.address.toPlainText(),
                             phone=self.phone.text(), head_name=self.head_name.text(),
                             head_title=self.head_title.text(), county=self.county.text(), state=self.state.text(),
                             relief_terms=terms, email=self.email.text(), time_zone=self.time_zone.zone() or None)

    def validatePage(self) -> bool:
        for message in (*self.messages.values(), self.message):
            message.clear()
        for kind in RELIEF_KINDS:
            if self.relief_boxes[kind].isChecked() and not self.relief_words[kind].text().strip():
                self.messages[f"relief_terms.{kind}"].show_message(
                    "Give the word your state's law uses for it, or untick it.")
                self.relief_words[kind].setFocus()
                return False
        try:
            check_profile(self.profile())
        except FieldProblem as problem:
            (self.messages.get(problem.field) or self.message).show_message(str(problem))
            return False
        return True


class PolicyPage(QWizardPage):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self._w = wizard
        self.setTitle("The office's policy and its letters")
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        layout.addWidget(_intro(
            "CaseReview screens each case against a written non-prosecution policy. Choose the one your office "
            "adopted. An administrator can later switch to the office's own policy file.", self))
        form = _form()
        self.policy = QComboBox(self)
        self.policy.setAccessibleName("Policy profile")
        for policy_id in builtin_policy_ids():
            self.policy.addItem(load_builtin(policy_id).title, policy_id)
        form.addRow(buddy_label("&Policy:", self.policy, self), self.policy)
        layout.addLayout(form)
        self.source = _intro("", self)
        self.source.setAccessibleName("Where the policy comes from")
        layout.addWidget(self.source)
        form = _form()
        self.messages: dict[str, FieldMessage] = {}
        self.policy_title = QLineEdit(self)
        self.policy_title.setAccessibleName("The policy's title as the office adopted it")
        self.policy_title.setPlaceholderText("as the office adopted it, e.g. Sex Work Non-Prosecution Policy")
        self.messages["policy_title"] = FieldMessage(self.policy_title, self)
        form.addRow(buddy_label("&Title as adopted:", self.policy_title, self),
                    with_message(self.policy_title, self.messages["policy_title"], self))
        self.adopted = AdoptionDate(self)
        self.messages["policy_adopted_on"] = FieldMessage(self.adopted.edit, self)
        form.addRow(buddy_label("Adopted &on:", self.adopted.known, self),
                    with_message(self.adopted, self.messages["policy_adopted_on"], self))
        layout.addLayout(form)
        layout.addSpacing(6)
        self.presumptive = QCheckBox("State declines as p&resumptive", self)
        layout.addWidget(self.presumptive)
        self.presumptive_note = _intro("", self)
        self.presumptive_note.setIndent(24)
        layout.addWidget(self.presumptive_note)

        letters = QGroupBox("Letters to the court", self)
        letters_form = _form()
        letters.setLayout(letters_form)
        self.caption = CaptionChooser(letters)
        letters_form.addRow(buddy_label("&Caption:", self.caption.combo, letters), self.caption)
        self.dob_in_letters = DobCombo(letters)
        letters_form.addRow(buddy_label("&Date of birth:", self.dob_in_letters, letters), self.dob_in_letters)
        self.certificate_of_service = QCheckBox("Letters carry a certificate of ser&vice", letters)
        self.certificate_of_service.setAccessibleName("Letters carry a certificate of service")
        letters_form.addRow(self.certificate_of_service)
        layout.addWidget(letters)
        self.message = FieldMessage(None, self, about="the policy and its letters")
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.policy.currentIndexChanged.connect(self._chosen)
        default = self.policy.findData("fjp-model-2025")
        self.policy.setCurrentIndex(max(default, 0))
        self._chosen()

    def initializePage(self) -> None:
        self.caption.set_state(self._w.office.state.text())  # the example names the state typed before

    def policy_id(self) -> str:
        return str(self.policy.currentData())

    def choices(self) -> dict[str, object]:
        """The profile's fields this page sets."""
        return {"policy_id": self.policy_id(), "presumptive": self.presumptive.isChecked(),
                "policy_title": self.policy_title.text(), "policy_adopted_on": self.adopted.value(),
                "caption_style": self.caption.chosen(), "dob_in_letters": self.dob_in_letters.choice(),
                "certificate_of_service": self.certificate_of_service.isChecked()}

    def validatePage(self) -> bool:
        for message in (*self.messages.values(), self.message):
            message.clear()
        try:
            check_profile(replace(self._w.office.profile(), **self.choices()))  # type: ignore[arg-type]
        except FieldProblem as problem:
            (self.messages.get(problem.field) or self.message).show_message(str(problem))
            return False
        return True

    def _chosen(self, _index: int = 0) -> None:
        if self.policy.currentIndex() < 0:
            return
        profile = load_builtin(self.policy_id())
        self.source.setText(f"Source: {profile.source} (version {profile.version}).")
        self.presumptive.setChecked(profile.presumptive_default)
        note = (f"When ticked, every decision to decline says the office will “{profile.presumptive_word}” decline "
                "the charge, as the policy's own wording has it; a prosecutor may still decide otherwise in a "
                "particular case, with reasons.")
        self.presumptive_note.setText(note)
        self.presumptive.setAccessibleDescription(note)


class AdminPage(QWizardPage):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self._w = wizard
        self.setTitle("The first administrator")
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Finish and log in")
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(_intro(
            "The administrator adds the other users and changes the office's settings. Everyone logs in with their "
            "own user name and password. Choose a password only you know; it is not the office passphrase.", self))
        form = _form()
        self.username = QLineEdit("admin", self)
        self.username.setAccessibleName("Administrator's user name")
        self.username_message = FieldMessage(self.username, self)
        form.addRow(buddy_label("&User name:", self.username, self),
                    with_message(self.username, self.username_message, self))
        self.full_name = QLineEdit(self)
        self.full_name.setAccessibleName("Administrator's full name")
        self.full_name.setPlaceholderText("for example Casey Morgan")
        self.full_name.setToolTip("Printed under what the administrator signs, and named in their signing "
                                  "certificate.")
        self.full_name_message = FieldMessage(self.full_name, self)
        form.addRow(buddy_label("Full na&me:", self.full_name, self),
                    with_message(self.full_name, self.full_name_message, self))
        self.job_title = QLineEdit(self)
        self.job_title.setAccessibleName("Administrator's title")
        self.job_title.setPlaceholderText("for example Office Administrator")
        self.job_title_message = FieldMessage(self.job_title, self)
        form.addRow(buddy_label("&Title:", self.job_title, self),
                    with_message(self.job_title, self.job_title_message, self))
        self.bar_number = QLineEdit(self)
        self.bar_number.setAccessibleName("Administrator's bar number")
        self.bar_number.setPlaceholderText("an attorney's bar number, if any")
        self.bar_number_message = FieldMessage(self.bar_number, self)
        form.addRow(buddy_label("Ba&r number:", self.bar_number, self),
                    with_message(self.bar_number, self.bar_number_message, self))
        self.password = secret_field("Administrator's password", self)
        self.password_message = FieldMessage(self.password, self)
        form.addRow(buddy_label("&Password:", self.password, self),
                    with_message(self.password, self.password_message, self))
        self.confirm = secret_field("Administrator's password again", self)
        self.confirm_message = FieldMessage(self.confirm, self)
        form.addRow(buddy_label("Type it &again:", self.confirm, self),
                    with_message(self.confirm, self.confirm_message, self))
        self.show_typed = QCheckBox("&Show what I type", self)
        self.show_typed.toggled.connect(self._show_typed)
        form.addRow("", self.show_typed)
        layout.addLayout(form)
        self.message = FieldMessage(None, self, about="setting up the office")
        layout.addWidget(self.message)
        self.busy = BusyRow(self)
        layout.addWidget(self.busy)
        layout.addStretch(1)
        for edit in (self.username, self.full_name, self.password, self.confirm):
            edit.textChanged.connect(self.completeChanged)

    def nextId(self) -> int:
        return -1  # the last page of creating a case file (the server's page comes after it only by number)

    def names(self) -> PersonNames:
        return check_names(self.full_name.text(), self.job_title.text(), self.bar_number.text())

    def _show_typed(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.password.setEchoMode(mode)
        self.confirm.setEchoMode(mode)

    def isComplete(self) -> bool:
        return not self._w.busy and all(e.text() for e in (self.username, self.password, self.confirm))

    def validatePage(self) -> bool:
        if self._w.session is not None:
            return True
        if self._w.busy:
            return False
        for message in (self.message, self.username_message, self.password_message, self.confirm_message,
                        self.full_name_message, self.job_title_message, self.bar_number_message):
            message.clear()
        name, password = self.username.text().strip(), self.password.text()
        if not name:
            self.username_message.show_message("Give the administrator a user name, for example admin.")
            self.username.setFocus()
            return False
        try:
            check_new_password(password, name)
        except WeakPassword as exc:
            self.password_message.show_message(str(exc))
            self.password.setFocus()
            self.password.selectAll()
            return False
        if self.confirm.text() != password:
            self.confirm_message.show_message("The two passwords are not the same. Type the password again here.")
            self.confirm.clear()
            self.confirm.setFocus()
            return False
        if not self.full_name.text().strip():
            self.full_name_message.show_message("Give the administrator's full name: what they sign names them, and "
                                                "so does their signing certificate.")
            self.full_name.setFocus()
            return False
        try:
            self.names()
        except FieldProblem as problem:
            {"title": self.job_title_message, "bar_number": self.bar_number_message}.get(
                problem.field, self.full_name_message).show_message(str(problem))
            return False
        self._w.finish_setup(name, password)
        return False

    def show_problem(self, exc: BaseException) -> None:
        if isinstance(exc, WeakPassword):
            self.password_message.show_message(str(exc))
        elif isinstance(exc, AccountProblem) and "user name" in str(exc).lower():
            self.username_message.show_message(str(exc))
        elif isinstance(exc, OSError):
            self.message.show_message(f"The office was not set up: {exc.strerror or exc}. Check that the disk has "
                                      "room, then press Finish again.")
        else:
            self.message.show_message(f"{exc} Nothing was lost: correct it and press Finish again.")

    def clear(self) -> None:
        self.password.clear()
        self.confirm.clear()


# ---------------------------------------------------------------------------------------------------- the wizard


class FirstRunWizard(QWizard):
    """Sets up CaseReview the first time: a new case file for the office, or the demo (`choice`)."""

    def __init__(self, default_path: Path, parent: QWidget | None = None, *, kdf: KdfParams = DEFAULT_KDF,
                 user_kdf: KdfParams = USER_KDF, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(parent)
        self.choice = "create"
        self.session: UserSession | None = None
        self.case_file_path: Path | None = None
        self.server_address: str | None = None
        self.created: _Created | None = None
        self.busy = False
        self._kdf, self._user_kdf, self._clock = kdf, user_kdf, clock
        self.setWindowTitle("Set up CaseReview")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setMinimumSize(760, 640)
        self.welcome = WelcomePage(self)
        self.location = LocationPage(self, default_path)
        self.passphrase = PassphrasePage(self)
        self.recovery = RecoveryPage(self)
        self.office = OfficePage(self)
        self.policy = PolicyPage(self)
        self.admin = AdminPage(self)
        self.server = ServerPage(self)
        for page_id, page in ((PAGE_WELCOME, self.welcome), (PAGE_LOCATION, self.location),
                              (PAGE_PASSPHRASE, self.passphrase), (PAGE_RECOVERY, self.recovery),
                              (PAGE_OFFICE, self.office), (PAGE_POLICY, self.policy), (PAGE_ADMIN, self.admin),
                              (PAGE_SERVER, self.server)):
            self.setPage(page_id, page)
        self.setStartId(PAGE_WELCOME)
        self.finished.connect(self._clear_secrets)

    @property
    def recovery_key(self) -> str:
        return self.created.recovery_key if self.created is not None else ""

    @property
    def case_file(self) -> CaseFile | None:
        return self.created.case_file if self.created is not None else None

    # ------------------------------------------------------------------------------------------------ busy

    def _set_busy(self, busy: bool, page: PassphrasePage | AdminPage, text: str = "") -> None:
        self.busy = busy
        page.completeChanged.emit()  # Next / Finish follow isComplete, which is False while busy
        for which in (QWizard.WizardButton.BackButton, QWizard.WizardButton.CancelButton):
            button = self.button(which)
            if busy:
                button.setEnabled(False)
            elif which == QWizard.WizardButton.CancelButton:
                button.setEnabled(True)
        if busy:
            page.busy.start(text)
        else:
            page.busy.stop()
            page.completeChanged.emit()  # Back as QWizard decides again

    # ------------------------------------------------------------------------------------------------ creating

    def create_case_file(self, passphrase: str) -> None:
        """Create the case file at the chosen place, in the background; the wizard moves on when it is made."""
        path, kdf = self.location.chosen(), self._kdf
        self._set_busy(True, self.passphrase, "Creating the encrypted case file. This takes a few seconds…")
        in_background(self, "Creating the case file", lambda progress: _create(path, passphrase, kdf, progress),
                      on_done=lambda created: self._created(path, created), on_error=self._create_failed,
                      on_cancelled=self._create_cancelled)

    def _created(self, path: Path, created: _Created) -> None:
        self._set_busy(False, self.passphrase)
        self.created, self.case_file_path = created, path
        file_dialogs.set_case_file_folder(path.parent)  # open now: no file dialog starts there
        self.passphrase.clear()
        self.next()

    def _create_failed(self, exc: BaseException) -> None:
        self._set_busy(False, self.passphrase)
        if isinstance(exc, OSError) and exc.strerror:
            text = f"The case file was not created: {exc.strerror}. Go back and choose another place."
        elif is_expected(exc):
            text = f"The case file was not created. {exc}"
        else:
            report_bug(exc)
            return
        self.passphrase.message.show_message(text)

    def _create_cancelled(self) -> None:
        self._set_busy(False, self.passphrase)
        self.passphrase.message.show_message("Stopped: no case file was created.")

    # ------------------------------------------------------------------------------------------------ finishing

    def finish_setup(self, admin_name: str, admin_password: str) -> None:
        """Set up the office, log the administrator in and save the profile, in the background; the wizard closes
        when it is done."""
        created = self.created
        assert created is not None
        profile = replace(self.office.profile(), **self.policy.choices())  # type: ignore[arg-type]
        setup = _Setup(self.office.office_type(), admin_name, admin_password, profile, self.admin.names())
        user_kdf, clock = self._user_kdf, self._clock
        self._set_busy(True, self.admin, "Setting up the office and logging you in…")
        in_background(self, "Setting up the office",
                      lambda progress: _set_up(created, setup, user_kdf, clock, progress),
                      on_done=self._set_up_done, on_error=self._set_up_failed,
                      on_cancelled=lambda: self._set_busy(False, self.admin))

    def _set_up_done(self, session: UserSession) -> None:
        self._set_busy(False, self.admin)
        self.session = session
        self.accept()

    def _set_up_failed(self, exc: BaseException) -> None:
        self._set_busy(False, self.admin)
        if is_expected(exc):
            self.admin.show_problem(exc)
        else:
            report_bug(exc)

    # ------------------------------------------------------------------------------------------------ closing

    def done(self, result: int) -> None:
        if self.busy:  # the work cannot be abandoned half way; it ends within seconds
            return
        if result != QDialog.DialogCode.Accepted and self.created is not None and self.session is None:
            answer = QMessageBox.question(
                self, "Stop setting up?",
                f"The new case file {self.case_file_path} holds nothing yet. If you stop now it is removed, and "
                "its recovery key is of no use.\n\nStop and remove it?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return
            self.created.case_file.close()
            file_dialogs.set_case_file_folder(None)
            if self.case_file_path is not None:
                remove_case_file(self.case_file_path)
            self.created = None
        super().done(result)

    def _clear_secrets(self) -> None:
        self.passphrase.clear()
        self.admin.clear()
        self.recovery.clear()
        if self.created is not None:
            self.created.key = b""
            self.created.recovery_key = ""

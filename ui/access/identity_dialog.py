"""My signing certificate (File menu): the certificate the logged-in user signs with — issued to whom, by whom,
until when, from the office's own authority or imported — and, for a role that signs, importing their own PKCS#12
file (.p12 or .pfx, with its password) in its place. The import is refused, in plain words and with nothing changed,
until an administrator trusts the authority the file's certificate comes from (Administration → Trusted
certificates), and when the certificate is issued to another name than the user's full name (the refusal names
both, and says what to do).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from casereview.services import accounts, identities
from casereview.services.access import Op
from casereview.services.session import UserSession
from casereview.store.lock import refuse_case_file_part
from ui.access.reauth import confirm_for
from ui.admin import AdminDialog, FieldNote, buddy_label, busy
from ui.shared import file_dialogs
from ui.shared.problems import is_expected

P12_FILES = "Certificate files with their key (*.p12 *.pfx);;All files (*)"


def _whose(session: UserSession) -> str:
    """Whose name the certificate must give: the user's full name, as documents print it under the signature."""
    try:
        full_name = accounts.my_names(session).full_name
    except Exception as exc:  # (a session that ended: show_identity says so)
        if not is_expected(exc):
            raise
        return ""
    if not full_name:
        return ("Your full name is not filled in yet, and a certificate is accepted only in your full name: an "
                "administrator fills it in first (Administration → Users and roles → Names…).")
    return f"The certificate must be issued to your full name, {full_name}: documents print it under your signature."


class IdentityDialog(AdminDialog):
    """Shows the user's signing certificate; Import replaces it with the chosen PKCS#12 file's.
    `identity_changed(name)` after an import, with the name the new certificate gives its holder."""

    identity_changed = Signal(str)

    def __init__(self, session: UserSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("My signing certificate")
        self.resize(620, 420)

        current = QGroupBox("The certificate you sign with", self)
        facts = QFormLayout(current)
        self.holder, self.issuer, self.valid_until, self.kind = (QLabel(current) for _ in range(4))
        for label, field in (("Issued to:", self.holder), ("Issued by:", self.issuer),
                             ("Valid until:", self.valid_until), ("Where it comes from:", self.kind)):
            field.setWordWrap(True)
            field.setAccessibleName(label.rstrip(":"))
            facts.addRow(label, field)

        imported = QGroupBox("Sign with a certificate you already have", self)
        self.explain = QLabel("If you have your own signing certificate (from the state bar or another authority), "
                              "you can sign with it instead. You need its file (.p12 or .pfx), which holds your key, "
                              "and the file's password. An administrator must first have added the certificate of "
                              "the authority that issued it (Administration → Trusted certificates). "
                              f"{_whose(session)}", imported)
        self.explain.setWordWrap(True)
        self.file = QLineEdit(imported)
        self.file.setAccessibleName("Certificate file")
        self.file.setPlaceholderText("a .p12 or .pfx file")
        self.choose_button = self._button("C&hoose…", "Choose the certificate file", self.choose_file)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file, 1)
        file_row.addWidget(self.choose_button)
        self.password = QLineEdit(imported)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password of the certificate file")
        self.password.returnPressed.connect(self.import_file)
        self.problem = FieldNote("the certificate file", imported)
        self.import_button = self._button("&Import", "Sign with this certificate file from now on", self.import_file)
        form = QFormLayout()
        form.addRow(buddy_label("Certificate &file:", self.file, imported), file_row)
        form.addRow(buddy_label("File's &password:", self.password, imported), self.password)
        import_layout = QVBoxLayout(imported)
        import_layout.addWidget(self.explain)
        import_layout.addLayout(form)
        import_layout.addWidget(self.problem)
        import_layout.addWidget(self.import_button)

        self.done_note = QLabel(self)
        self.done_note.setWordWrap(True)
        self.done_note.setAccessibleName("What was done")
        self.done_note.hide()
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(current)
        layout.addWidget(imported)
        layout.addWidget(self.done_note)
        layout.addWidget(close)
        self.finished.connect(self.password.clear)  # the file's password is not kept in a widget

        if not session.may(Op.SIGN):
            reason = f"Your role ({session.role.value}) may not {Op.SIGN.value}."
            for control in (self.file, self.choose_button, self.password, self.import_button):
                control.setEnabled(False)
                control.setToolTip(reason)
        self.show_identity()

    def show_identity(self) -> None:
        try:
            mine = identities.my_identity(self.session)
        except Exception as exc:
            if not is_expected(exc):
                raise
            self.holder.setText(str(exc))
            return
        if mine is None:
            self.holder.setText("You have no signing certificate." + (
                " An administrator gives you one by resetting your password." if self.session.may(Op.SIGN) else ""))
            for label in (self.issuer, self.valid_until, self.kind):
                label.clear()
            return
        self.holder.setText(mine.name)
        self.holder.setToolTip(mine.subject)
        self.issuer.setText(mine.issuer)
        self.valid_until.setText(f"{mine.not_after:%Y-%m-%d}")
        kind = ("Your own certificate file, imported" if mine.imported
                else "Issued to you by the office's own signing authority")
        if not mine.trusted:
            kind += (". The office no longer trusts the authority that issued it: what you sign with it shows as "
                     "NOT trusted. Import a certificate from an authority the office trusts, or ask an "
                     "administrator.")
        self.kind.setText(kind)

    # -------------------------------------------------------------------------------------------------- slots

    def choose_file(self) -> None:
        path = file_dialogs.get_open_file_name(self, "Choose your certificate file", "", P12_FILES)
        if path:
            self.file.setText(path)
            self.password.setFocus()

    def import_file(self) -> None:
        """Make the chosen file the user's signing identity (asks for the account's password first if needed)."""
        self.problem.clear_note()
        self.done_note.hide()
        text = self.file.text().strip()
        if not text:
            self.problem.say("Choose your certificate file first (.p12 or .pfx).")
            self.file.setFocus()
            return
        path = Path(text)
        if not confirm_for(self.session, Op.SIGN, self):
            return
        try:
            refuse_case_file_part(path)
            data = path.read_bytes()
        except OSError as exc:
            self.problem.say(f"The file {path.name} cannot be read ({exc.strerror or exc}). Choose it again.")
            return
        try:
            with busy():
                name = identities.import_pkcs12(self.session, data, self.password.text().encode() or None)
        except Exception as exc:
            if not is_expected(exc):
                raise
            self.problem.say(str(exc))
            self.password.selectAll()
            return
        self.password.clear()
        self.file.clear()
        self.show_identity()
        self.done_note.setText(f"From now on you sign as {name}, with the certificate from {path.name}. The "
                               "certificate the office issued you is no longer used.")
        self.done_note.show()
        self.identity_changed.emit(name)

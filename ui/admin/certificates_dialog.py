"""Trusted certificates: the office's own signing authority (always trusted; its certificate can be exported for a
court or another office) and the authorities an administrator added beside it, so that signers may use certificates
they already have (File → My signing certificate…). Adding one is an administrator's decision, because every
certificate that authority issues — in anyone's name — then checks out as the office's; removing one makes every
document signed with its certificates show as not trusted.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from casereview.services import identities
from casereview.services.access import Op
from casereview.services.identities import CertificateFacts, TrustedRow
from casereview.services.session import UserSession
from casereview.store.lock import refuse_case_file_part
from ui.access.reauth import confirm_for
from ui.admin import AdminDialog, local_time
from ui.shared import file_dialogs
from ui.shared.problems import is_expected, show_problem
from ui.shared.rows_model import RowsModel

_ADMIN_ONLY = "Only an administrator can change which certificates the office trusts."
CERTIFICATE_FILES = "Certificates (*.pem *.crt *.cer *.der);;All files (*)"


def shown_name(row: TrustedRow) -> str:
    """The administrator's words for a certificate, else its common name."""
    return row.label if row.label != row.subject else row.name


def signers_words(signers: tuple[str, ...]) -> str:
    if not signers:
        return ""
    names = signers[0] if len(signers) == 1 else f"{', '.join(signers[:-1])} and {signers[-1]}"
    return (f"{names} sign{'s' if len(signers) == 1 else ''} with a certificate from it now: until they use one "
            "from an authority the office trusts (or you reset their password, which gives them a certificate from "
            "the office's own authority), what they sign will not be trusted either. ")


class TrustedModel(RowsModel[TrustedRow]):
    COLUMNS = ("Certificate", "Valid until", "Added", "Added by", "Signers using it", "Fingerprint (SHA-256)")

    def cell(self, row: TrustedRow, column: int) -> str:
        if column == 0:
            return shown_name(row)
        if column == 1:
            return f"{row.not_after:%Y-%m-%d}"
        if column == 2:
            return local_time(row.added_at)
        if column == 3:
            return row.added_by
        if column == 4:
            return ", ".join(row.signers) or "No one"
        return identities.fingerprint(row.sha256)

    def row_of(self, sha256: str) -> int:
        return next((i for i, r in enumerate(self._rows) if r.sha256 == sha256), -1)


class CertificatesDialog(AdminDialog):
    """The office authority (Export…) and the table of the authorities added beside it (Add…, Remove)."""

    def __init__(self, session: UserSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("Trusted certificates")
        self.resize(900, 520)
        intro = QLabel("A signed document checks out as the office's when its certificate comes from the office's "
                       "own signing authority, or from an authority listed below. Add an authority only when the "
                       "office means to trust every certificate it issues: it could issue one in anyone's name. "
                       "Signers then import their own certificate (File → My signing certificate…); it is accepted "
                       "only when issued to the signer's full name as Users and roles → Names… has it.", self)
        intro.setWordWrap(True)

        own_box = QGroupBox("The office's own signing authority", self)
        self.authority = QLabel(own_box)
        self.authority.setWordWrap(True)
        self.authority.setAccessibleName("The office's own signing authority")
        self.export_button = self._button("&Export…", "Export the office's certificate", self.export_authority)
        self.export_button.setToolTip("Save the office's certificate, for a court or another office that checks "
                                      "the office's signatures.")
        own = QHBoxLayout(own_box)
        own.addWidget(self.authority, 1)
        own.addWidget(self.export_button)

        added_box = QGroupBox("Other authorities the office trusts", self)
        self.model = TrustedModel(self)
        self.table = QTableView(added_box)
        self.table.setModel(self.model)
        self.table.setAccessibleName("Trusted certificates")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table for the buttons
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for column in range(self.model.columnCount() - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.summary = QLabel(added_box)
        self.summary.setAccessibleName("Trusted certificates summary")
        self.summary.setWordWrap(True)
        self.add_button = self._button("&Add…", "Add a certificate to trust", self.add_certificate)
        self.add_button.setToolTip("Choose the authority's certificate file (.pem, .crt, .cer or .der), as the "
                                   "authority publishes it.")
        self.remove_button = self._button("&Remove", "Stop trusting the selected certificate", self.remove_selected)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        added = QVBoxLayout(added_box)
        added.addWidget(self.table, 1)
        added.addWidget(self.summary)
        added.addLayout(row)

        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(own_box)
        layout.addWidget(added_box, 1)
        layout.addWidget(close)

        self.may_change = session.may(Op.OFFICE_SETTINGS)
        if not self.may_change:
            for button in (self.add_button, self.remove_button):
                button.setEnabled(False)
                button.setToolTip(_ADMIN_ONLY)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.reload()

    # ------------------------------------------------------------------------------------------------ showing

    def reload(self, select: str | None = None, note: str = "") -> None:
        """Read the authority and the list again; `select` a row by fingerprint; `note` what just happened."""
        try:
            own = identities.office_authority(self.session)
            rows = identities.trusted_certificates(self.session)
        except Exception as exc:
            if not is_expected(exc):
                raise
            self.summary.setText(str(exc))
            return
        self.authority.setText(f"{own.name}\nValid until {own.not_after:%Y-%m-%d}. Always trusted; it cannot be "
                               f"removed.\nFingerprint (SHA-256): {identities.fingerprint(own.sha256)}")
        self.model.set_rows(rows)
        count = ("No other authority is trusted." if not rows else
                 f"{len(rows)} other authorit{'y is' if len(rows) == 1 else 'ies are'} trusted.")
        if not self.may_change:
            count += " " + _ADMIN_ONLY
        self.summary.setText(f"{note} {count}".strip())
        if select is not None and (index := self.model.row_of(select)) >= 0:
            self.table.selectRow(index)
        self._update_buttons()

    def selected(self) -> TrustedRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        if not self.may_change:
            return
        chosen = self.selected() is not None
        self.remove_button.setEnabled(chosen)
        self.remove_button.setToolTip("" if chosen else "Select a certificate in the table first.")

    # -------------------------------------------------------------------------------------------------- slots

    def export_authority(self) -> None:
        path = file_dialogs.get_save_file_name(self, "Export the office's certificate", "office-certificate.pem",
                                               "PEM certificate (*.pem);;DER certificate (*.der *.cer)")
        if path:
            self.export_authority_to(Path(path))

    def export_authority_to(self, path: Path) -> None:
        try:
            self.session.ensure_active()
            identities.export_authority_certificate(self.session.workspace, path)
        except Exception as exc:
            if not is_expected(exc):
                raise
            show_problem(self, "The certificate was not exported", exc)
            return
        self.summary.setText(f"The office's certificate was saved in {path}. Give it to whoever checks the "
                             "office's signatures.")

    def add_certificate(self) -> None:
        path = file_dialogs.get_open_file_name(self, "Add a certificate to trust", "", CERTIFICATE_FILES)
        if path:
            self.add_file(Path(path))

    def add_file(self, path: Path) -> None:
        """Show what the certificate is, and trust it once the administrator agrees (password asked if needed)."""
        title = "The certificate was not added"
        try:
            refuse_case_file_part(path)
            data = path.read_bytes()
            facts = identities.certificate_to_trust(self.session, data)
        except Exception as exc:
            if not is_expected(exc):
                raise
            show_problem(self, title, exc)
            return
        answer = QMessageBox.question(self, "Trust this authority?", _trust_question(facts),
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes or not confirm_for(self.session, Op.OFFICE_SETTINGS, self):
            return
        try:
            identities.trust_certificate(self.session, data)
        except Exception as exc:
            if not is_expected(exc):
                raise
            show_problem(self, title, exc)
            return
        self.reload(facts.sha256, f"{facts.name} is trusted now.")

    def remove_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        answer = QMessageBox.question(
            self, "Stop trusting this authority?",
            f"Stop trusting {shown_name(row)}?\n\nEvery document signed with a certificate from this authority — "
            "signed before as well as from now on — will show as NOT trusted when it is checked. "
            f"{signers_words(row.signers)}You can add the certificate again later.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes or not confirm_for(self.session, Op.OFFICE_SETTINGS, self):
            return
        try:
            identities.untrust_certificate(self.session, row.id)
        except Exception as exc:
            if not is_expected(exc):
                raise
            show_problem(self, "The certificate was not removed", exc)
            return
        self.reload(None, f"{shown_name(row)} is no longer trusted.")


def _trust_question(facts: CertificateFacts) -> str:
    if not facts.authority:
        kind = "a single signer's self-signed certificate, not an authority's"
        reach = "documents signed with this very certificate check out as the office's"
    else:
        kind = ("a root certificate authority" if facts.self_signed
                else f"a certificate authority, itself certified by {facts.issuer}")
        reach = "every certificate it issues — in anyone's name — checks out as the office's"
    return (f"{facts.name} is {kind}.\n\nFull name: {facts.subject}\nValid until: {facts.not_after:%Y-%m-%d}\n"
            f"Fingerprint (SHA-256): {identities.fingerprint(facts.sha256)}\n\nCompare the fingerprint with the one "
            f"the authority publishes before you go on. Once trusted, {reach}. Trust it?")

"""Trusted certificates (Administration) and My signing certificate (File menu), driven offscreen over a real
encrypted case file: an administrator adds an authority's certificate and removes it again; a prosecutor imports a
PKCS#12 file once its authority is trusted. Only Qt's own modal boxes and file choosers are replaced (they would
wait for a person); every service runs for real."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot

from casereview.documents.signing import certificate_pem
from casereview.services import identities
from casereview.services.access import OfficeType, Op, Role
from casereview.services.session import UserSession, Workspace
from casereview.store import audit
from tests.gui.support import Boxes, choose_file
from tests.helpers import PASSWORD, FakeClock, staff
from tests.unit.services.test_identities_import import P12_PASSWORD, Issued, _issue, _p12
from ui.access.identity_dialog import IdentityDialog
from ui.access.reauth import PasswordPrompt
from ui.admin import ADMIN_SCREENS
from ui.admin.certificates_dialog import CertificatesDialog
from ui.main_window import MainWindow

pytestmark = pytest.mark.gui


@dataclass(frozen=True)
class Pki:
    root: Issued
    signer: Issued  # issued to the prosecutor's full name
    stranger: Issued  # issued to someone else's


@pytest.fixture(scope="module")
def pki() -> Pki:
    root = _issue("County Bar Root CA", ec.generate_private_key(ec.SECP256R1()), None, ca=True, days=(-30, 3650))
    return Pki(root, _issue("Riley Chen", ec.generate_private_key(ec.SECP256R1()), root),  # the prosecutor
               _issue("Pat Prosecutor", ec.generate_private_key(ec.SECP256R1()), root))


@pytest.fixture
def office(workspace: Workspace) -> dict[Role, UserSession]:
    return staff(workspace, OfficeType.PROSECUTOR)


def _pem(issued: Issued) -> bytes:
    return issued.cert.public_bytes(serialization.Encoding.PEM)


def give_password(qtbot: QtBot, asked: list[str]) -> None:
    """Answer the password prompt that is about to open (the one for a privileged action)."""
    prompt = QApplication.activeModalWidget()
    try:
        assert isinstance(prompt, PasswordPrompt)
        asked.append(prompt.windowTitle())
        qtbot.keyClicks(prompt.password, PASSWORD)
        qtbot.keyClick(prompt.password, Qt.Key.Key_Return)
    finally:
        if isinstance(prompt, QDialog) and prompt.isVisible():
            prompt.reject()


def test_trusted_certificates_is_an_administration_screen() -> None:
    assert ("Trusted certificates…", CertificatesDialog, Op.OFFICE_SETTINGS) in ADMIN_SCREENS


def test_an_administrator_adds_a_certificate_and_removes_it(
        qtbot: QtBot, workspace: Workspace, office: dict[Role, UserSession], pki: Pki, boxes: Boxes,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> None:
    admin = office[Role.ADMINISTRATOR]
    dialog = CertificatesDialog(admin)
    qtbot.addWidget(dialog)
    dialog.show()
    assert "signing authority" in dialog.authority.text() and "cannot be removed" in dialog.authority.text()
    assert dialog.model.rowCount() == 0 and "No other authority" in dialog.summary.text()
    assert not dialog.remove_button.isEnabled()

    # the office certificate is exported for a court
    out = tmp_path / "office.pem"
    choose_file(monkeypatch, "get_save_file_name", out)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert out.read_bytes() == certificate_pem(identities.authority_certificate(workspace))

    # a file that is not a certificate (a signer's PKCS#12 file) is refused in plain words
    wrong = tmp_path / "pat.p12"
    wrong.write_bytes(_p12(pki.signer.key, pki.signer.cert, [pki.root.cert]))
    choose_file(monkeypatch, "get_open_file_name", wrong)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert "not a certificate file" in boxes.shown[-1] and boxes.questions == []

    root = tmp_path / "bar-root.crt"
    root.write_bytes(_pem(pki.root))
    choose_file(monkeypatch, "get_open_file_name", root)
    boxes.answer = QMessageBox.StandardButton.No  # the administrator thinks again: nothing is trusted
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    fingerprint = identities.fingerprint(hashlib.sha256(pki.root.cert.public_bytes(
        serialization.Encoding.DER)).hexdigest())
    assert "County Bar Root CA is a root certificate authority" in boxes.questions[-1]
    assert fingerprint in boxes.questions[-1] and "in anyone's name" in boxes.questions[-1]
    assert identities.trusted_certificates(admin) == []

    clock.advance(minutes=6)  # the password was given too long ago: it is asked again
    asked: list[str] = []
    boxes.answer = QMessageBox.StandardButton.Yes
    QTimer.singleShot(0, lambda: give_password(qtbot, asked))
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert asked == ["Confirm it is you"]
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1)
    assert dialog.model.data(dialog.model.index(0, 0)) == "County Bar Root CA"
    assert dialog.model.data(dialog.model.index(0, 3)) == "admin"
    assert dialog.model.data(dialog.model.index(0, 4)) == "No one"
    assert dialog.model.data(dialog.model.index(0, 5)) == fingerprint
    assert "County Bar Root CA is trusted now" in dialog.summary.text()
    assert dialog.remove_button.isEnabled()  # the new row is selected
    [row] = identities.trusted_certificates(admin)

    # the same certificate again: refused, the list unchanged
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert "already trusts this certificate" in boxes.shown[-1]

    boxes.answer = QMessageBox.StandardButton.Yes
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert "Stop trusting County Bar Root CA?" in boxes.questions[-1]
    assert "will show as NOT trusted" in boxes.questions[-1]
    assert dialog.model.rowCount() == 0 and identities.trusted_certificates(admin) == []
    with workspace.session() as db:
        assert [r.object_id for r in audit.records(db, action="certificate_untrusted")] == [
            f"certificate:{row.id}:{row.sha256[:16]}"]


def test_the_screen_is_read_only_for_other_roles(qtbot: QtBot, office: dict[Role, UserSession]) -> None:
    dialog = CertificatesDialog(office[Role.SUPERVISOR])
    qtbot.addWidget(dialog)
    assert not dialog.add_button.isEnabled() and not dialog.remove_button.isEnabled()
    assert "Only an administrator" in dialog.add_button.toolTip()


def test_a_prosecutor_imports_a_pkcs12_file_once_its_authority_is_trusted(
        qtbot: QtBot, workspace: Workspace, office: dict[Role, UserSession], pki: Pki, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    pat = office[Role.PROSECUTOR]
    p12 = tmp_path / "pat.p12"
    p12.write_bytes(_p12(pki.signer.key, pki.signer.cert, [pki.root.cert]))
    dialog = IdentityDialog(pat)
    qtbot.addWidget(dialog)
    dialog.show()
    changed: list[str] = []
    dialog.identity_changed.connect(changed.append)
    assert dialog.holder.text() == "Riley Chen" and "office's own signing authority" in dialog.kind.text()
    assert dialog.password.echoMode() == QLineEdit.EchoMode.Password

    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert "Choose your certificate file first" in dialog.problem.text()
    choose_file(monkeypatch, "get_open_file_name", p12)
    qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    assert dialog.file.text() == str(p12)
    qtbot.keyClicks(dialog.password, P12_PASSWORD.decode())
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)  # the authority is not trusted yet
    assert "does not trust the authority" in dialog.problem.text() and "County Bar Root CA" in dialog.problem.text()
    assert "Administration → Trusted certificates" in dialog.problem.text()

    identities.trust_certificate(office[Role.ADMINISTRATOR], _pem(pki.root))
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, "not the password")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert "password is wrong" in dialog.problem.text() and changed == []
    qtbot.keyClicks(dialog.password, P12_PASSWORD.decode())  # (the wrong one was selected: typing replaces it)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: changed == ["Riley Chen"])
    assert not dialog.problem.isVisible() and dialog.password.text() == "" and dialog.file.text() == ""
    assert dialog.holder.text() == "Riley Chen" and "County Bar Root CA" in dialog.issuer.text()
    assert dialog.kind.text() == "Your own certificate file, imported"
    assert "From now on you sign as Riley Chen" in dialog.done_note.text()
    assert identities.signing_identity(pat).certificate == pki.signer.cert

    # once the administrator stops trusting the authority, the dialog says what that means
    [row] = identities.trusted_certificates(pat)
    identities.untrust_certificate(office[Role.ADMINISTRATOR], row.id)
    dialog.show_identity()
    assert "no longer trusts the authority" in dialog.kind.text()


def test_a_certificate_issued_to_another_name_is_refused_naming_both(
        qtbot: QtBot, workspace: Workspace, office: dict[Role, UserSession], pki: Pki, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The dialog says whose name the certificate must give; a file in another name is refused under the file,
    naming both names and what to do, and the certificate the prosecutor signs with stays the office's."""
    pat = office[Role.PROSECUTOR]
    identities.trust_certificate(office[Role.ADMINISTRATOR], _pem(pki.root))
    p12 = tmp_path / "pat.p12"
    p12.write_bytes(_p12(pki.stranger.key, pki.stranger.cert, [pki.root.cert]))
    before = identities.signing_identity(pat)
    dialog = IdentityDialog(pat)
    qtbot.addWidget(dialog)
    dialog.show()
    changed: list[str] = []
    dialog.identity_changed.connect(changed.append)
    assert "must be issued to your full name, Riley Chen" in dialog.explain.text()
    choose_file(monkeypatch, "get_open_file_name", p12)
    qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(dialog.password, P12_PASSWORD.decode())
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    problem = dialog.problem.text()
    assert dialog.problem.isVisible() and changed == []
    assert "issued to “Pat Prosecutor”, but your full name here is “Riley Chen”" in problem, problem
    assert "one issued to “Riley Chen”" in problem and "Administration → Users and roles → Names…" in problem
    assert "Nothing was changed" in problem
    # the whole message is on screen: the dialog grew to show it, and the Import button is still in view
    assert dialog.problem.height() >= dialog.problem.heightForWidth(dialog.problem.width())
    assert dialog.rect().contains(dialog.import_button.mapTo(dialog, dialog.import_button.rect().bottomRight()))
    assert dialog.holder.text() == "Riley Chen" and "office's own signing authority" in dialog.kind.text()
    assert identities.signing_identity(pat) == before


def test_my_signing_certificate_is_in_the_file_menu_for_roles_that_sign(
        qtbot: QtBot, office: dict[Role, UserSession]) -> None:
    paralegal = MainWindow(office[Role.PARALEGAL])
    qtbot.addWidget(paralegal)
    assert not paralegal.identity_action.isEnabled()
    assert paralegal.identity_action.toolTip() == "Your role (paralegal) may not sign documents."
    window = MainWindow(office[Role.PROSECUTOR])
    qtbot.addWidget(window)
    assert window.identity_action.isEnabled() and window.identity_action.text() == "My signing &certificate…"
    seen: list[str] = []

    def look_and_close() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, IdentityDialog):
            seen.append(dialog.holder.text())
        if isinstance(dialog, QDialog):
            dialog.reject()

    QTimer.singleShot(0, look_and_close)
    window.identity_action.trigger()
    assert seen == ["Riley Chen"]

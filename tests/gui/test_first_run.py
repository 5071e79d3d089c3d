"""The first-run wizard, driven offscreen over real encrypted files (fast test key derivation)."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QAbstractButton, QDialog, QLabel, QMessageBox, QWidget, QWizard
from pytestqt.qtbot import QtBot

from casereview.services import accounts
from casereview.services.access import OfficeType, Role
from casereview.services.accounts import login, workspace_for
from casereview.services.office import office_of
from casereview.store.database import open_case_file, unlock, unlock_with_recovery
from casereview.store.keys import TEST_KDF, key_file_path
from tests.gui.support import choose_file
from ui.access.first_run import (
    PAGE_ADMIN,
    PAGE_LOCATION,
    PAGE_OFFICE,
    PAGE_PASSPHRASE,
    PAGE_POLICY,
    PAGE_RECOVERY,
    FirstRunWizard,
    passphrase_hint,
)

pytestmark = pytest.mark.gui

PASSPHRASE = "river stone lantern paper"
ADMIN_PASSWORD = "seven quiet herons"
KEY_GROUPS = re.compile(r"\b[A-Z2-7]{4}\b")


def make_wizard(qtbot: QtBot, path: Path) -> FirstRunWizard:
    wizard = FirstRunWizard(path, kdf=TEST_KDF, user_kdf=TEST_KDF)
    qtbot.addWidget(wizard)
    with qtbot.waitActive(wizard):
        wizard.show()
    return wizard


def press(qtbot: QtBot, wizard: FirstRunWizard, which: QWizard.WizardButton) -> None:
    button = wizard.button(which)
    assert button.isVisible() and button.isEnabled(), f"{button.text()} cannot be pressed"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def to_recovery_page(qtbot: QtBot, wizard: FirstRunWizard) -> None:
    """Welcome → location (default) → passphrase, typed and confirmed with the keyboard → the file is created."""
    press(qtbot, wizard, QWizard.WizardButton.NextButton)
    assert wizard.currentId() == PAGE_LOCATION
    qtbot.keyClick(wizard.location.path, Qt.Key.Key_Return)  # Enter presses the default button, Next
    assert wizard.currentId() == PAGE_PASSPHRASE
    qtbot.keyClicks(wizard.passphrase.passphrase, PASSPHRASE)
    assert passphrase_hint(PASSPHRASE).startswith("Strong")
    assert wizard.passphrase.hint.text() == passphrase_hint(PASSPHRASE)
    qtbot.keyClicks(wizard.passphrase.confirm, PASSPHRASE)
    qtbot.keyClick(wizard.passphrase.confirm, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: wizard.currentId() == PAGE_RECOVERY, timeout=15_000)


def unnamed_controls(top: QWidget) -> list[str]:
    """Controls a keyboard or screen-reader user reaches with nothing to call them by, and labels without a buddy
    that look like field captions."""
    missing = []
    for widget in top.findChildren(QWidget):
        if widget.window() is not top:  # a combo box's popup list belongs to the combo box
            continue
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus and not isinstance(widget, QLabel):
            text = widget.text() if isinstance(widget, QAbstractButton) else ""
            if not (widget.accessibleName() or text.replace("&", "").strip()):
                missing.append(f"{type(widget).__name__} {widget.objectName()}")
        if isinstance(widget, QLabel) and widget.text().endswith(":") and widget.buddy() is None:
            missing.append(f"label {widget.text()!r} has no buddy")
    return missing


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def key_on(text: str, after: str) -> str:
    return "-".join(KEY_GROUPS.findall(text.split(after, 1)[1])[:10])


def test_wizard_end_to_end(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "Oficina Ñandú" / "cases.db"
    wizard = make_wizard(qtbot, path)
    assert unnamed_controls(wizard) == []  # every page's controls, labels and buttons
    to_recovery_page(qtbot, wizard)
    assert path.exists() and key_file_path(path).exists()
    assert wizard.case_file_path == path
    assert wizard.passphrase.passphrase.text() == "" and wizard.passphrase.confirm.text() == ""
    assert not wizard.button(QWizard.WizardButton.BackButton).isEnabled()  # the passphrase page was committed

    # The recovery key: shown once, saved as the PDF sheet, required to be kept before going on.
    recovery = wizard.recovery_key
    assert "".join(wizard.recovery.key.text().split()) == recovery.replace("-", "")
    assert unlock_with_recovery(path, recovery) == unlock(path, PASSPHRASE)
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    sheet = tmp_path / "sheet"  # ".pdf" is added
    choose_file(monkeypatch, "get_save_file_name", sheet)
    qtbot.mouseClick(wizard.recovery.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.recovery.sheet_saved is not None, timeout=10_000)
    saved = tmp_path / "sheet.pdf"
    assert wizard.recovery.sheet_saved == saved and str(saved) in wizard.recovery.status.text()
    assert key_on(pdf_text(saved), "Recovery key") == recovery
    wizard.recovery.kept.setChecked(True)
    press(qtbot, wizard, QWizard.WizardButton.NextButton)

    # The office profile.
    assert wizard.currentId() == PAGE_OFFICE
    office = wizard.office
    office.defense.setChecked(True)
    qtbot.keyClicks(office.name, "Lane County Public Defender")
    office.address.setPlainText("125 E 8th Ave\nEugene, OR 97401")
    qtbot.keyClicks(office.phone, "541-555-0100")
    qtbot.keyClicks(office.head_name, "Ana Ruiz")
    qtbot.keyClicks(office.head_title, "Chief Public Defender")
    qtbot.keyClicks(office.county, "Lane")
    qtbot.keyClicks(office.state, "Oregon")
    qtbot.keyClicks(office.email, "pd@lanecountyor.gov")
    office.time_zone.setEditText("America/Los_Angeles")
    office.relief_boxes["sealing"].setChecked(True)
    assert office.relief_words["sealing"].isEnabled() and office.relief_words["sealing"].text() == "Record sealing"
    office.relief_words["sealing"].setText("Set aside")
    office.relief_boxes["vacatur"].setChecked(True)
    office.relief_words["vacatur"].clear()
    press(qtbot, wizard, QWizard.WizardButton.NextButton)
    assert wizard.currentId() == PAGE_OFFICE  # a ticked relief needs its word
    assert "word" in office.messages["relief_terms.vacatur"].text()
    assert office.messages["relief_terms.vacatur"].isVisible()
    office.relief_boxes["vacatur"].setChecked(False)
    press(qtbot, wizard, QWizard.WizardButton.NextButton)

    # The policy.
    assert wizard.currentId() == PAGE_POLICY
    policy = wizard.policy
    policy.policy.setCurrentIndex(policy.policy.findData("community-guide-model"))
    assert policy.presumptive.isChecked()  # the policy's default
    policy.presumptive.setChecked(False)
    assert policy.caption.example.text() == "For example: State of Oregon v. Dana Roe"  # the state typed before
    qtbot.keyClicks(policy.policy_title, "Policy on Commercial Sex Charges")
    policy.adopted.known.setChecked(True)
    policy.adopted.edit.setDate(QDate(2025, 3, 1))
    policy.dob_in_letters.set_choice("year")
    policy.certificate_of_service.setChecked(True)
    press(qtbot, wizard, QWizard.WizardButton.NextButton)

    # The first administrator; Finish sets it all up in the background and logs in.
    assert wizard.currentId() == PAGE_ADMIN
    admin = wizard.admin
    assert admin.username.text() == "admin"
    admin.username.setText("chief")
    qtbot.keyClicks(admin.password, ADMIN_PASSWORD)
    qtbot.keyClicks(admin.confirm, ADMIN_PASSWORD)
    press(qtbot, wizard, QWizard.WizardButton.FinishButton)  # without a full name: refused beside the field
    assert wizard.session is None and "full name" in admin.full_name_message.text()
    assert admin.full_name_message.isVisible()
    qtbot.keyClicks(admin.full_name, "Ana Ruiz")
    qtbot.keyClicks(admin.job_title, "Chief Public Defender")
    qtbot.keyClicks(admin.bar_number, "OSB 951234")
    with qtbot.waitSignal(wizard.accepted, timeout=15_000):
        press(qtbot, wizard, QWizard.WizardButton.FinishButton)
    session = wizard.session
    assert session is not None
    try:
        assert wizard.choice == "create" and wizard.result() == QDialog.DialogCode.Accepted
        assert session.username == "chief" and session.role == Role.ADMINISTRATOR
        assert accounts.my_names(session) == accounts.PersonNames("Ana Ruiz", "Chief Public Defender",
                                                                  "OSB 951234")
        assert session.office_type == OfficeType.DEFENSE
        assert admin.password.text() == "" and admin.confirm.text() == ""  # cleared on closing
        assert wizard.recovery.key.text() == ""
        profile = office_of(session.workspace)
        assert (profile.name, profile.address, profile.phone) == ("Lane County Public Defender",
                                                                  "125 E 8th Ave\nEugene, OR 97401", "541-555-0100")
        assert (profile.head_name, profile.head_title, profile.county, profile.state) == (
            "Ana Ruiz", "Chief Public Defender", "Lane", "Oregon")
        assert profile.relief_terms == {"sealing": "Set aside"}
        assert (profile.policy_id, profile.presumptive) == ("community-guide-model", False)
        assert (profile.email, profile.time_zone, profile.caption_style, profile.policy_title,
                profile.policy_adopted_on, profile.dob_in_letters, profile.certificate_of_service) == (
            "pd@lanecountyor.gov", "America/Los_Angeles", "state", "Policy on Commercial Sex Charges",
            date(2025, 3, 1), "year", True)
    finally:
        session.workspace.case_file.close()

    # The administrator logs in again, after opening the file anew with its passphrase.
    key = unlock(path, PASSPHRASE)
    case_file = open_case_file(path, key)
    try:
        again = login(workspace_for(case_file, key), "chief", ADMIN_PASSWORD)
        assert again.role == Role.ADMINISTRATOR
    finally:
        case_file.close()


def test_passphrases_refused_next_to_the_field(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "cases.db"
    wizard = make_wizard(qtbot, path)
    press(qtbot, wizard, QWizard.WizardButton.NextButton)
    press(qtbot, wizard, QWizard.WizardButton.NextButton)
    page = wizard.passphrase
    commit = QWizard.WizardButton.CommitButton
    assert not wizard.button(commit).isEnabled()  # nothing typed yet
    qtbot.keyClicks(page.passphrase, "short")
    assert page.hint.text().startswith("Too short: 3 more characters")
    qtbot.keyClicks(page.confirm, "short")
    press(qtbot, wizard, commit)
    assert wizard.currentId() == PAGE_PASSPHRASE
    assert "too short" in page.passphrase_message.text() and page.passphrase_message.isVisible()
    assert page.passphrase.accessibleDescription() == page.passphrase_message.text()
    assert not page.confirm_message.isVisible()
    page.passphrase.setText(PASSPHRASE)
    page.confirm.setText(PASSPHRASE + " ")
    press(qtbot, wizard, commit)
    assert wizard.currentId() == PAGE_PASSPHRASE
    assert not page.passphrase_message.isVisible()
    assert "not the same" in page.confirm_message.text() and page.confirm_message.isVisible()
    assert page.confirm.text() == "" and wizard.focusWidget() is page.confirm
    assert not path.exists() and not key_file_path(path).exists()  # nothing was created
    wizard.reject()


def test_existing_file_refused_and_weak_admin_password(qtbot: QtBot, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    taken = tmp_path / "taken.db"
    taken.write_bytes(b"someone's file")
    path = tmp_path / "cases.db"
    wizard = make_wizard(qtbot, taken)
    press(qtbot, wizard, QWizard.WizardButton.NextButton)
    press(qtbot, wizard, QWizard.WizardButton.NextButton)
    assert wizard.currentId() == PAGE_LOCATION
    assert "already a file" in wizard.location.message.text() and wizard.location.message.isVisible()
    assert taken.read_bytes() == b"someone's file"
    wizard.location.path.setText(str(path))
    to_recovery_page_from_location(qtbot, wizard)
    wizard.recovery.kept.setChecked(True)
    press(qtbot, wizard, QWizard.WizardButton.NextButton)
    press(qtbot, wizard, QWizard.WizardButton.NextButton)
    press(qtbot, wizard, QWizard.WizardButton.NextButton)
    assert wizard.currentId() == PAGE_ADMIN
    admin = wizard.admin
    for weak, why in (("admin pass", "must not contain the user name"), ("password1", "common passwords"),
                      ("tiny", "too short")):
        admin.password.setText(weak)
        admin.confirm.setText(weak)
        press(qtbot, wizard, QWizard.WizardButton.FinishButton)
        assert why in admin.password_message.text() and admin.password_message.isVisible()
        assert wizard.session is None and wizard.isVisible()
    admin.password.setText(ADMIN_PASSWORD)
    admin.confirm.setText(ADMIN_PASSWORD + "!")
    press(qtbot, wizard, QWizard.WizardButton.FinishButton)
    assert not admin.password_message.isVisible()
    assert "not the same" in admin.confirm_message.text()

    # The recovery key can also be printed (here to a PDF printer).
    printed = tmp_path / "printed.pdf"
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(printed))
    wizard.recovery.print_sheet(printer)
    assert key_on(pdf_text(printed), "recovery key") == wizard.recovery_key

    # Cancelling now removes the new file, which holds nothing yet (after asking).
    asked: list[str] = []

    def answer(_parent: object, title: str, *_args: object) -> QMessageBox.StandardButton:
        asked.append(title)
        return QMessageBox.StandardButton.No if len(asked) == 1 else QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    press(qtbot, wizard, QWizard.WizardButton.CancelButton)
    assert wizard.isVisible() and path.exists()  # "No": nothing happens
    press(qtbot, wizard, QWizard.WizardButton.CancelButton)
    assert asked == ["Stop setting up?", "Stop setting up?"]
    assert not wizard.isVisible() and wizard.result() == QDialog.DialogCode.Rejected
    assert not path.exists() and not key_file_path(path).exists()
    assert admin.password.text() == ""


def to_recovery_page_from_location(qtbot: QtBot, wizard: FirstRunWizard) -> None:
    press(qtbot, wizard, QWizard.WizardButton.NextButton)
    wizard.passphrase.passphrase.setText(PASSPHRASE)
    wizard.passphrase.confirm.setText(PASSPHRASE)
    press(qtbot, wizard, QWizard.WizardButton.CommitButton)
    qtbot.waitUntil(lambda: wizard.currentId() == PAGE_RECOVERY, timeout=15_000)


def test_demo_choice(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "cases.db"
    wizard = make_wizard(qtbot, path)
    next_button = QWizard.WizardButton.NextButton
    assert wizard.button(next_button).text() == "&Next >"
    qtbot.keyClick(wizard, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)  # the choice's Alt+letter
    qtbot.waitUntil(wizard.welcome.demo.isChecked)  # a mnemonic "clicks" after a short animation
    assert wizard.button(next_button).text() == "&Open the demo"
    with qtbot.waitSignal(wizard.accepted):
        qtbot.keyClick(wizard.welcome.demo, Qt.Key.Key_Return)
    assert wizard.choice == "demo" and wizard.session is None and wizard.case_file_path is None
    assert not path.exists()


def test_passphrase_hint_in_plain_words() -> None:
    assert "at least 8" in passphrase_hint("")
    assert passphrase_hint("abc") == "Too short: 5 more characters needed."
    assert passphrase_hint("abcdefg") == "Too short: 1 more character needed."
    assert passphrase_hint("password").startswith("Weak")
    assert passphrase_hint("kx7!pq2m").startswith("Acceptable")
    assert passphrase_hint("three plain words").startswith("Good")
    assert passphrase_hint("four plain words here").startswith("Strong")

"""Records → Motions to dismiss and on warrants…, driven offscreen over a real encrypted case file: a paralegal
drafts the omnibus motions and sees the charges left out with what to find out; a prosecutor signs after one
password; the signed motion verifies in the viewer and is saved to a folder. Only Qt's modal boxes and file
choosers are replaced (they would wait for a person)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from casereview.policy.profile import load_builtin
from casereview.services import cases as casework
from casereview.services import motions
from casereview.services.access import OfficeType, Role
from casereview.services.demo import demo_cases
from casereview.services.session import UserSession, Workspace
from tests.gui.support import choose_file
from tests.helpers import PASSWORD, staff
from tests.unit.services.letter_support import fill_profile
from ui.access.reauth import PasswordPrompt
from ui.records.motions_window import MotionsWindow

pytestmark = pytest.mark.gui


@pytest.fixture
def office(workspace: Workspace) -> dict[Role, UserSession]:
    users = staff(workspace, OfficeType.PROSECUTOR)
    fill_profile(users[Role.ADMINISTRATOR])
    casework.import_cases(users[Role.PROSECUTOR], demo_cases(), load_builtin())
    return users


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []

    def tell(_parent: Any, _title: str, text: str, *_args: Any) -> QMessageBox.StandardButton:
        shown.append(text)
        return QMessageBox.StandardButton.Ok

    def ask(_parent: Any, _title: str, text: str, *_args: Any) -> QMessageBox.StandardButton:
        shown.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(tell))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(ask))

    def answer_prompt(prompt: PasswordPrompt) -> int:
        prompt.password.setText(PASSWORD)
        prompt._check()
        return int(prompt.result())

    monkeypatch.setattr(PasswordPrompt, "exec", answer_prompt)
    return shown


def test_a_paralegal_drafts_and_a_prosecutor_signs_the_motions(qtbot: QtBot, office: dict[Role, UserSession],
                                                                tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                answers: list[str]) -> None:
    para = office[Role.PARALEGAL]
    window = MotionsWindow(para)
    qtbot.addWidget(window)
    window.show()
    assert window.table.rowCount() == 0
    assert not window.sign_button.isEnabled() and "does not sign motions" in window.sign_button.toolTip()
    window.warrants_box.setChecked(False)
    window.dismiss_box.setChecked(False)
    assert not window.draft_button.isEnabled() and "Tick" in window.draft_button.toolTip()
    window.dismiss_box.setChecked(True)
    window.draft_button.click()
    qtbot.waitUntil(lambda: window.table.rowCount() == 1, timeout=20000)
    assert window.held.isVisible()
    held = window.held.toPlainText()
    assert "Left out of the motions" in held and "docket number of charge 1 of case 26-CR-0102" in held
    first = window.table.item(0, 0)
    assert first is not None and first.text() == "Motion to dismiss"
    assert "5 charge(s)" in window.summary.text()  # (the demo cases, without the demo file's approved exception)

    signer = MotionsWindow(office[Role.PROSECUTOR])
    qtbot.addWidget(signer)
    signer.show()
    signer.select_ids([r.id for r in signer.rows])
    assert signer.sign_button.isEnabled()
    signer.sign_button.click()
    qtbot.waitUntil(lambda: all(r.status == "signed" for r in signer.rows), timeout=30000)
    assert any("Sign 1 motion as" in text for text in answers)  # asked once, naming the signer
    signer.select_ids([signer.rows[0].id])
    view = signer.preview()
    assert view is not None
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.pane.reports is not None, timeout=20000)
    assert view.pane.verdict.text() == "The signature checks out."
    folder = tmp_path / "out"
    folder.mkdir()
    choose_file(monkeypatch, "get_existing_directory", folder)
    signer.save()
    [saved] = folder.glob("*.pdf")
    assert saved.read_bytes() == motions.preview(office[Role.PROSECUTOR], signer.rows[0].id)
    assert saved.stat().st_mode & 0o777 == 0o600
    text = subprocess.run(["pdftotext", str(saved), "-"], capture_output=True, text=True, check=True).stdout
    assert "Respectfully submitted" in " ".join(text.split())
    # At 1366×768 the window fits, its buttons on screen.
    assert signer.height() <= 768 and signer.width() <= 1366


def test_the_office_profile_sets_the_state_s_words_for_motions(qtbot: QtBot, office: dict[Role, UserSession],
                                                               answers: list[str]) -> None:
    from casereview.services.office import read_office
    from ui.admin.office_dialog import OfficeDialog

    admin = office[Role.ADMINISTRATOR]
    dialog = OfficeDialog(admin)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.dismissal_style.isVisibleTo(dialog) and dialog.dismissal_style.choice() == "dismiss"
    dialog.dismissal_style.set_choice("nolle_prosequi")
    dialog.warrant_term.set_choice("quash")
    dialog._save()
    saved = read_office(admin)
    assert (saved.dismissal_style, saved.warrant_term) == ("nolle_prosequi", "quash")
    motions.draft_motions(office[Role.PARALEGAL])
    window = MotionsWindow(office[Role.PARALEGAL])
    qtbot.addWidget(window)
    shown = {window.table.item(n, 0).text() for n in range(window.table.rowCount())}  # type: ignore[union-attr]
    assert shown == {"Motion for leave to enter a nolle prosequi"}  # (no warrant recorded in these cases)


def test_a_warrant_is_ticked_on_a_charge_in_the_case_editor_and_kept(qtbot: QtBot, demo: Workspace,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QCheckBox

    from tests.gui.support import window_for

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    window = window_for(qtbot, demo)
    numbers = [window.model.case_number(r) for r in range(window.model.rowCount())]
    window.table.selectRow(numbers.index("26-CR-0101"))
    editor = window.editor
    first, second = (editor.cell("charges", row, "warrant") for row in (0, 1))
    assert isinstance(first, QCheckBox) and isinstance(second, QCheckBox)
    assert first.isChecked() and not second.isChecked()  # (the demo's warrant, on Dana Roe's charge)
    second.setChecked(True)
    assert editor.save()
    user = window.session
    assert casework.read_warrants(user, "26-CR-0101") == frozenset({"1", "2"})
    report = motions.draft_motions(user, kinds=("warrants",))
    body = " ".join(subprocess.run(["pdftotext", "-", "-"], input=motions.preview(user, report.drafted[0]),
                                   capture_output=True, check=True).stdout.decode().split())
    assert "26CR10101" in body and "26CR10102" in body

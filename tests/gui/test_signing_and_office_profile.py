"""The window, offscreen: every signing action says what it signs and as whom, once, before the password prompt
(cancelling signs nothing); printing a signed document is an export (role-checked, audited, a file printed owner-only);
the office profile form's new fields (time zone, caption style and its example, date of birth, certificate of
service, the policy's title and adoption date)."""

from __future__ import annotations

import stat
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from casereview.policy.engine import screen_case
from casereview.policy.profile import load_builtin
from casereview.services import accounts, letters
from casereview.services import cases as casework
from casereview.services import exception_requests as exceptions
from casereview.services.access import OfficeType, Role
from casereview.services.demo import demo_cases
from casereview.services.office import read_office, update_office
from casereview.services.session import UserSession, Workspace
from casereview.store import models as m
from casereview.store.keys import TEST_KDF
from tests.helpers import PASSWORD, log_in, staff
from tests.unit.services.letter_support import fill_profile
from ui.admin.office_dialog import OfficeDialog
from ui.documents.document_view import ask_to_sign, show_stored_document
from ui.documents.letters_window import LettersWindow
from ui.documents.requests_queue import RequestsQueue

pytestmark = pytest.mark.gui

SIGNER = "Jordan Avery, Chief Deputy District Attorney"
STATEMENTS = {"ground": "prevent_trafficking",
              "public_safety": "The buyer is under investigation; public safety requires court conditions.",
              "justification": "The charge concerns the buyer's own conduct.",
              "evidence": "Detective's report."}


@pytest.fixture
def office(workspace: Workspace) -> dict[Role, UserSession]:
    users = staff(workspace, OfficeType.PROSECUTOR)
    casework.import_cases(users[Role.PROSECUTOR], demo_cases(), load_builtin())
    return users


class Questions:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.asked: list[str] = []
        self.warned: list[str] = []
        self.answer = QMessageBox.StandardButton.No
        monkeypatch.setattr(QMessageBox, "question", staticmethod(self._ask))
        monkeypatch.setattr(QMessageBox, "warning", staticmethod(self._warn))
        monkeypatch.setattr(QMessageBox, "information", staticmethod(self._warn))

    def _ask(self, _parent: Any, _title: str, text: str, *_args: Any) -> QMessageBox.StandardButton:
        self.asked.append(text)
        return self.answer

    def _warn(self, _parent: Any, _title: str, text: str, *_args: Any) -> QMessageBox.StandardButton:
        self.warned.append(text)
        return QMessageBox.StandardButton.Ok


@pytest.fixture
def questions(monkeypatch: pytest.MonkeyPatch) -> Questions:
    return Questions(monkeypatch)


def test_signing_letters_asks_once_naming_the_signer_and_no_signs_nothing(
        qtbot: QtBot, office: dict[Role, UserSession], questions: Questions) -> None:
    fill_profile(office[Role.ADMINISTRATOR])  # a letter is signed only with the office's profile filled in
    accounts.set_letter_signer(office[Role.ADMINISTRATOR], "supervisor", True, name="Jordan Avery",
                               title="Chief Deputy District Attorney")
    letters.draft_letters(office[Role.PARALEGAL])
    supervisor = office[Role.SUPERVISOR]
    window = LettersWindow(supervisor)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.table.rowCount() > 0, timeout=20000)
    # The demo holds Rosa Vega's letter (no docket number yet): nothing is signed with a gap.
    assert [r.person for r in window.rows if r.find_out] == ["Rosa Vega"]
    drafts = [r.id for r in window.rows if r.status == "draft" and not r.find_out]
    assert drafts
    window.select_ids(drafts)
    count = len(drafts)
    expected = f"Sign {count} letter{'s' if count != 1 else ''} as {SIGNER}?"

    window.sign_button.click()  # No: nothing is signed, no password is asked
    assert len(questions.asked) == 1 and questions.asked[0].splitlines()[0] == expected, questions.asked
    window.reload()
    assert all(r.status == "draft" for r in letters.list_letters(supervisor) if r.id in drafts)

    questions.answer = QMessageBox.StandardButton.Yes
    window.select_ids(drafts)
    window.sign_button.click()
    assert len(questions.asked) == 2  # asked once for the whole selection
    qtbot.waitUntil(lambda: all(r.status == "signed" for r in letters.list_letters(supervisor)
                                if r.id in drafts), timeout=60000)


def _decline(profile: Any) -> tuple[str, str]:
    for case in demo_cases():
        victims = {p.id for p in case.people if p.trafficking_victim} | {f.against for f in case.facts if f.against}
        for d in screen_case(case, profile, presumptive=True).charges:
            status = next(c.status for c in case.charges if c.id == d.charge)
            if d.decision == "decline" and d.person not in victims and status in ("pending", "filed"):
                return case.case_number, d.charge
    raise AssertionError("no demo charge a request may be made for")


def test_approving_or_denying_asks_once_and_cancel_decides_nothing(
        qtbot: QtBot, office: dict[Role, UserSession], questions: Questions) -> None:
    number, charge = _decline(load_builtin())
    request = exceptions.submit_new(office[Role.PROSECUTOR], number, [charge], **STATEMENTS, affirmed=True)
    queue = RequestsQueue(office[Role.SUPERVISOR])
    qtbot.addWidget(queue)
    queue.show()
    assert queue.selected() is not None and queue.selected().id == request  # type: ignore[union-attr]
    queue.reason.setPlainText("The conditions protect people at risk while the investigation goes on.")
    for button, verb in ((queue.approve_button, "Approve"), (queue.deny_button, "Deny")):
        button.click()
        assert questions.asked[-1].splitlines()[0] == f"{verb} request {request} and sign it as {SIGNER}?"
    assert [r.id for r in exceptions.queue(office[Role.SUPERVISOR])] == [request]  # nothing was decided
    questions.answer = QMessageBox.StandardButton.Yes
    queue.approve_button.click()
    qtbot.waitUntil(lambda: "approved and signed" in queue.status.text(), timeout=30000)
    assert exceptions.queue(office[Role.SUPERVISOR]) == []


def test_an_account_without_a_full_name_is_told_what_to_fill_in(
        qtbot: QtBot, office: dict[Role, UserSession], questions: Questions) -> None:
    accounts.create_user(office[Role.ADMINISTRATOR], "nameless", Role.PROSECUTOR, PASSWORD, kdf=TEST_KDF)
    assert not ask_to_sign(None, "Sign request 1 and submit it", log_in(office[Role.PROSECUTOR].workspace,
                                                                        "nameless"))
    assert questions.asked == [] and "full name is not filled in" in questions.warned[-1]


def test_printing_a_signed_document_is_an_audited_export_written_owner_only(
        qtbot: QtBot, office: dict[Role, UserSession], workspace: Workspace, tmp_path: Path) -> None:
    number, charge = _decline(load_builtin())
    request = exceptions.submit_new(office[Role.PROSECUTOR], number, [charge], **STATEMENTS, affirmed=True)
    [info] = [r for r in exceptions.requests_for_case(office[Role.SUPERVISOR], number) if r.id == request]
    document = info.latest_document
    assert document is not None

    paralegal_view = show_stored_document(office[Role.PARALEGAL], document, None)
    qtbot.addWidget(paralegal_view)
    assert not paralegal_view.pane.print_button.isEnabled()  # a paralegal may not export: nor print
    assert "export" in paralegal_view.pane.print_button.toolTip()

    view = show_stored_document(office[Role.SUPERVISOR], document, None)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.pane.document.pageCount() >= 1, timeout=10000)
    assert view.pane.print_button.isEnabled()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(out))
    assert view.pane.print_to(printer) >= 1
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and out.stat().st_size > 1000
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".printed.pdf")]  # no temporary file left
    with workspace.session() as db:
        records = db.execute(select(m.AuditRecord.action, m.AuditRecord.user_id, m.AuditRecord.outcome)
                             .where(m.AuditRecord.object_id == f"document:{document.id}:printed")).all()
    assert records == [("export", office[Role.SUPERVISOR].user_id, "success")]

    # Stopping at the password prompt prints nothing and records nothing.
    supervisor = office[Role.SUPERVISOR]
    supervisor.authenticated_at = supervisor.authenticated_at.replace(year=2000)
    from ui.access.reauth import PasswordPrompt

    original = PasswordPrompt.exec
    PasswordPrompt.exec = lambda _self: 0  # type: ignore[method-assign]
    try:
        again = tmp_path / "again.pdf"
        printer.setOutputFileName(str(again))
        assert view.pane.print_to(printer) == 0 and not again.exists()
    finally:
        PasswordPrompt.exec = original  # type: ignore[method-assign]


def test_the_office_form_asks_for_the_new_fields(qtbot: QtBot, office: dict[Role, UserSession],
                                                 questions: Questions) -> None:
    admin = office[Role.ADMINISTRATOR]
    dialog = OfficeDialog(admin)
    qtbot.addWidget(dialog)
    dialog.show()
    # the time zone: every IANA zone, the computer's own first
    assert dialog.time_zone.count() > 300 and dialog.time_zone.itemData(0) == ""
    assert dialog.time_zone.findText("America/Los_Angeles") > 0
    # the caption's example follows the state, and its style the state until chosen
    assert "fill in the state" in dialog.caption.example.text()
    dialog.state.setText("California")
    assert dialog.caption.example.text() == "For example: People of the State of California v. Dana Roe"
    dialog.state.setText("Oregon")
    assert dialog.caption.example.text() == "For example: State of Oregon v. Dana Roe"
    dialog.caption.set_style("commonwealth")
    assert dialog.caption.example.text() == "For example: Commonwealth of Oregon v. Dana Roe"
    dialog.caption.set_style("state")
    # the adoption date: no impossible date, none after today
    dialog.adopted.known.setChecked(True)
    edit = dialog.adopted.edit
    assert edit.isEnabled() and edit.maximumDate() == QDate.currentDate()
    edit.setDate(QDate(2025, 3, 1))
    edit.setDate(QDate(2025, 2, 30))  # no such day: the date stays as it was
    assert dialog.adopted.value() == date(2025, 3, 1)
    edit.setDate(QDate.currentDate().addDays(30))
    assert dialog.adopted.value() == date.today()  # held at today
    edit.setDate(QDate(2025, 3, 1))

    dialog.time_zone.setEditText("Mars/Olympus_Mons")
    dialog._save()
    assert dialog.notes["time_zone"].isVisibleTo(dialog) and "no time zone called" in dialog.notes["time_zone"].text()
    assert read_office(admin).state is None  # nothing was saved
    dialog.time_zone.setEditText("america/los_angeles")
    dialog.email.setText("not an address")
    dialog._save()
    assert "not an e-mail address" in dialog.notes["email"].text()
    dialog.email.setText("da@lanecountyor.gov")
    dialog.dob_in_letters.set_choice("year")
    dialog.certificate_of_service.setChecked(True)
    dialog.policy_title.setText("Sex Work Non-Prosecution Policy")
    dialog._save()
    saved = read_office(admin)
    assert (saved.state, saved.time_zone, saved.email, saved.caption_style, saved.dob_in_letters,
            saved.certificate_of_service, saved.policy_title, saved.policy_adopted_on) == (
        "Oregon", "America/Los_Angeles", "da@lanecountyor.gov", "state", "year", True,
        "Sex Work Non-Prosecution Policy", date(2025, 3, 1))

    # opened again, it shows what was saved
    update_office(admin, replace(saved, caption_style="people", state="California"))
    again = OfficeDialog(admin)
    qtbot.addWidget(again)
    assert again.time_zone.zone() == "America/Los_Angeles" and again.caption.chosen() == "people"
    assert again.adopted.value() == date(2025, 3, 1) and again.dob_in_letters.choice() == "year"
    assert again.caption.example.text() == "For example: People of the State of California v. Dana Roe"


def test_users_screen_asks_each_user_s_full_name_title_and_bar_number(
        qtbot: QtBot, office: dict[Role, UserSession]) -> None:
    admin = office[Role.ADMINISTRATOR]
    from ui.admin.users_dialog import UsersDialog

    users = UsersDialog(admin)
    qtbot.addWidget(users)
    users.select_user("prosecutor")
    assert users.model.cell(users.selected(), 4) == (  # type: ignore[arg-type]
        "Riley Chen, Deputy District Attorney · bar no. OSB 094512")
    form = users.names_form(users.selected())  # type: ignore[arg-type]
    qtbot.addWidget(form)
    assert (form.full_name.text(), form.title.text(), form.bar_number.text()) == (
        "Riley Chen", "Deputy District Attorney", "OSB 094512")
    form.title.setText("Senior Deputy District Attorney")
    form.save()
    assert accounts.my_names(office[Role.PROSECUTOR]).title == "Senior Deputy District Attorney"
    assert "Senior Deputy District Attorney" in users.model.cell(users.selected(), 4)  # type: ignore[arg-type]

    add = users.add_user_form()
    qtbot.addWidget(add)
    add.name.setText("dana")
    add.role.setCurrentIndex(add.role.findData(Role.PROSECUTOR.value))
    add.password.setText(PASSWORD)
    add.again.setText(PASSWORD)
    add.save()  # a prosecutor signs: the full name is needed
    assert "give their full name" in add.full_name_note.text() and add.result() != add.DialogCode.Accepted
    add.full_name.setText("Dana Roe")
    add.bar_number.setText("OSB 123456")
    add.save()
    row = next(r for r in accounts.list_users(admin) if r.username == "dana")
    assert (row.full_name, row.bar_number) == ("Dana Roe", "OSB 123456")

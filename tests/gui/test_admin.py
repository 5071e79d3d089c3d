"""The administration screens, driven offscreen over a real encrypted case file: the office profile, the statute
catalog, users and roles, and the audit trail. Only Qt's own modal boxes and file choosers are replaced (they
would wait for a person); every service runs for real."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from pytestqt.qtbot import QtBot

from casereview.services import accounts
from casereview.services.access import OfficeType, Op, Role
from casereview.services.accounts import list_users, login
from casereview.services.office import read_office, update_office
from casereview.services.session import UserSession, Workspace
from casereview.services.statutes import delete_statute, list_statutes, save_statute
from tests.gui.support import Boxes, choose_file
from tests.helpers import PASSWORD, FakeClock, add_user, log_in, staff
from ui.access.reauth import PasswordPrompt
from ui.admin import ADMIN_SCREENS
from ui.admin.audit_viewer import AuditViewer
from ui.admin.certificates_dialog import CertificatesDialog
from ui.admin.office_dialog import OfficeDialog
from ui.admin.statutes_dialog import StatuteForm, StatutesDialog
from ui.admin.users_dialog import AddUserForm, UsersDialog

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def admin(workspace: Workspace) -> UserSession:
    return log_in(workspace, "admin")



def test_admin_screens_name_each_dialog_and_its_operation() -> None:
    assert [(label, op) for label, _screen, op in ADMIN_SCREENS] == [
        ("Office profile…", Op.OFFICE_SETTINGS), ("Statute catalog…", Op.VIEW_CASES),
        ("Users and roles…", Op.MANAGE_USERS), ("Audit trail…", Op.VIEW_AUDIT),
        ("Trusted certificates…", Op.OFFICE_SETTINGS)]
    assert [screen for _label, screen, _op in ADMIN_SCREENS] == [OfficeDialog, StatutesDialog, UsersDialog,
                                                                 AuditViewer, CertificatesDialog]


# --------------------------------------------------------------------------------------------- office profile


def test_office_profile_is_edited_and_saved(qtbot: QtBot, admin: UserSession, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    dialog = OfficeDialog(admin)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.name, "Multnomah County District Attorney")
    qtbot.keyClicks(dialog.address, "1021 SW 4th Ave")
    qtbot.keyClick(dialog.address, Qt.Key.Key_Return)  # a new line, in the one multi-line field
    qtbot.keyClicks(dialog.address, "Portland, OR 97204")
    qtbot.keyClicks(dialog.phone, "(503) 555-0100")
    qtbot.keyClicks(dialog.head_name, "Nathan Vasquez")
    qtbot.keyClicks(dialog.head_title, "District Attorney")
    qtbot.keyClicks(dialog.county, "Multnomah")
    qtbot.keyClicks(dialog.state, "Oregon")
    assert not dialog.relief_word["expungement"].isEnabled()
    dialog.relief_has["expungement"].setChecked(True)
    assert dialog.relief_word["expungement"].isEnabled()
    qtbot.keyClicks(dialog.relief_word["expungement"], "set aside")
    dialog.relief_has["sealing"].setChecked(True)
    qtbot.keyClicks(dialog.relief_word["sealing"], "sealing")
    dialog.policy.setCurrentIndex(dialog.policy.findData("builtin:community-guide-model"))
    dialog.presumptive.setChecked(False)
    dialog.idle_limit.setValue(20)
    choose_file(monkeypatch, "get_existing_directory", tmp_path)
    qtbot.mouseClick(dialog.browse, Qt.MouseButton.LeftButton)
    assert dialog.backup_folder.text() == str(tmp_path)

    with qtbot.waitSignal(dialog.office_saved):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    saved = read_office(admin)
    assert (saved.name, saved.address, saved.phone) == ("Multnomah County District Attorney",
                                                         "1021 SW 4th Ave\nPortland, OR 97204", "(503) 555-0100")
    assert (saved.head_name, saved.head_title, saved.county, saved.state) == ("Nathan Vasquez", "District Attorney",
                                                                              "Multnomah", "Oregon")
    assert saved.relief_terms == {"expungement": "set aside", "sealing": "sealing"}
    assert (saved.policy_id, saved.policy_hash, saved.presumptive) == ("community-guide-model", None, False)
    assert (saved.idle_limit_minutes, saved.backup_folder) == (20, str(tmp_path))

    again = OfficeDialog(admin)  # what was saved is what the next opening shows
    qtbot.addWidget(again)
    assert again.name.text() == "Multnomah County District Attorney"
    assert again.relief_has["sealing"].isChecked() and not again.relief_has["vacatur"].isChecked()
    assert again.policy.currentData() == "builtin:community-guide-model"
    assert again.idle_limit.value() == 20


def test_refused_values_are_named_beside_their_field_and_nothing_is_saved(qtbot: QtBot, admin: UserSession) -> None:
    before = read_office(admin)
    dialog = OfficeDialog(admin)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.name, "A new name")
    dialog.head_title.setText("x" * 301)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.notes["head_title"].isVisible()
    assert "longer than 300 characters" in dialog.notes["head_title"].text()
    assert not dialog.notes["name"].isVisible()
    assert dialog.isVisible() and dialog.focusWidget() is dialog.head_title

    dialog.head_title.setText("District Attorney")
    dialog.relief_has["vacatur"].setChecked(True)  # ticked without the state's word
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.notes["head_title"].isVisible()
    assert "vacatur" in dialog.notes["relief_terms.vacatur"].text()

    dialog.relief_has["vacatur"].setChecked(False)
    dialog.backup_folder.setText("backups")  # not a whole path
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "whole path" in dialog.notes["backup_folder"].text()
    assert read_office(admin) == before  # nothing saved by any of the refused attempts


def test_a_profile_saved_meanwhile_by_another_administrator_is_not_overwritten(
        qtbot: QtBot, admin: UserSession, workspace: Workspace, boxes: Boxes) -> None:
    add_user(admin, "second admin", Role.ADMINISTRATOR)
    other = log_in(workspace, "second admin")
    dialog = OfficeDialog(admin)
    qtbot.addWidget(dialog)
    dialog.show()
    update_office(other, replace(read_office(other), name="Their name"))
    qtbot.keyClicks(dialog.name, "My name")

    boxes.answer = QMessageBox.StandardButton.No
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "Another administrator changed the office profile" in boxes.questions[-1]
    assert read_office(admin).name == "Their name"
    assert dialog.isVisible() and dialog.name.text() == "My name"  # kept, and the problem stays in view
    assert "Nothing was saved" in dialog.problem.text()

    boxes.answer = QMessageBox.StandardButton.Yes  # reload: their profile, which can then be saved on top
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.name.text() == "Their name"
    dialog.phone.setText("555-0199")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert (read_office(admin).name, read_office(admin).phone) == ("Their name", "555-0199")


def test_an_office_policy_file_is_used_once_saved(qtbot: QtBot, admin: UserSession, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    good = tmp_path / "our-policy.json"
    good.write_text((ROOT / "resources" / "policies" / "fjp-model-2025.json").read_text(encoding="utf-8"),
                    encoding="utf-8")
    dialog = OfficeDialog(admin)
    qtbot.addWidget(dialog)
    dialog.show()
    choose_file(monkeypatch, "get_open_file_name", bad)
    qtbot.mouseClick(dialog.choose_policy_file, Qt.MouseButton.LeftButton)
    assert "cannot be used as a policy" in dialog.notes["policy_file"].text()
    assert dialog.policy.currentData() == "builtin:fjp-model-2025"

    choose_file(monkeypatch, "get_open_file_name", good)
    qtbot.mouseClick(dialog.choose_policy_file, Qt.MouseButton.LeftButton)
    assert not dialog.notes["policy_file"].isVisible()
    assert "our-policy.json" in dialog.policy.currentText()
    assert read_office(admin).policy_hash is None  # not until Save
    qtbot.keyClicks(dialog.county, "Lane")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    saved = read_office(admin)
    assert saved.policy_hash is not None and saved.county == "Lane"
    reopened = OfficeDialog(admin)
    qtbot.addWidget(reopened)
    assert reopened.policy.currentData() == f"office:{saved.policy_hash}"


def test_only_an_administrator_may_save_the_profile(qtbot: QtBot, workspace: Workspace) -> None:
    users = staff(workspace, OfficeType.PROSECUTOR)
    dialog = OfficeDialog(users[Role.SUPERVISOR])
    qtbot.addWidget(dialog)
    assert not dialog.save_button.isEnabled()
    assert "administrator" in dialog.save_button.toolTip()
    assert not dialog.choose_policy_file.isEnabled() and not dialog.policy.isEnabled()
    assert dialog.name.isReadOnly() and dialog.address.isReadOnly()
    assert "Only an administrator can change the office profile" in dialog.read_only_note.text()


# --------------------------------------------------------------------------------------------- statute catalog


def test_statutes_are_added_changed_and_deleted(qtbot: QtBot, qtmodeltester: Any, admin: UserSession,
                                                boxes: Boxes) -> None:
    dialog = StatutesDialog(admin)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.model.rowCount() == 0
    assert not dialog.edit_button.isEnabled()  # nothing selected

    form = dialog.statute_form()
    qtbot.addWidget(form)
    form.show()
    qtbot.keyClicks(form.code, "ORS   167.007")
    form.offense.setCurrentIndex(form.offense.findData("selling_sex"))
    qtbot.keyClicks(form.description, "Prostitution")
    form.save()
    assert form.result() == QDialog.DialogCode.Accepted
    assert [(s.code, s.offense, s.title) for s in list_statutes(admin)] == [("ORS 167.007", "selling_sex",
                                                                            "Prostitution")]
    assert dialog.model.data(dialog.model.index(0, 1)) == "Selling sex"  # words, not the key

    duplicate = dialog.statute_form()
    qtbot.addWidget(duplicate)
    duplicate.show()
    duplicate.code.setText("ors 167.007")
    duplicate.save()
    assert duplicate.code_note.isVisible() and "already in the catalog" in duplicate.code_note.text()
    assert duplicate.result() != QDialog.DialogCode.Accepted

    assert dialog.selected() is not None and dialog.edit_button.isEnabled()  # the saved statute is selected
    edit = dialog.statute_form(dialog.selected())
    qtbot.addWidget(edit)
    assert edit.code.text() == "ORS 167.007"
    edit.offense.setCurrentIndex(edit.offense.findData("solicitation"))
    edit.save()
    assert list_statutes(admin)[0].offense == "solicitation"
    qtmodeltester.check(dialog.model)

    def type_into_the_form() -> None:  # as a person would, with the keyboard only
        form = QApplication.activeModalWidget()
        try:
            assert isinstance(form, StatuteForm) and form.windowTitle() == "Add a statute"
            qtbot.keyClicks(form.code, "ORS 164.245")
            qtbot.keyClick(form.code, Qt.Key.Key_Tab)
            qtbot.keyClicks(form.offense, "Trespass")  # the combo jumps to the offense typed
            qtbot.keyClick(form.offense, Qt.Key.Key_Return)  # Enter saves
        finally:
            if form is not None and form.isVisible():
                form.reject()

    QTimer.singleShot(0, type_into_the_form)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert [(s.code, s.offense) for s in list_statutes(admin)] == [("ORS 164.245", "trespass"),
                                                                   ("ORS 167.007", "solicitation")]
    delete_statute(admin, list_statutes(admin)[0].id)
    dialog.reload()
    dialog.table.selectRow(0)

    boxes.answer = QMessageBox.StandardButton.No
    qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    assert len(list_statutes(admin)) == 1
    boxes.answer = QMessageBox.StandardButton.Yes
    qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    assert "ORS 167.007" in boxes.questions[-1]
    assert list_statutes(admin) == [] and dialog.model.rowCount() == 0
    assert "deleted" in dialog.summary.text()


def test_a_catalog_is_imported_from_csv_all_or_nothing(qtbot: QtBot, qtmodeltester: Any, admin: UserSession,
                                                       boxes: Boxes, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    save_statute(admin, "ORS 167.007", "selling_sex", "Prostitution")
    dialog = StatutesDialog(admin)
    qtbot.addWidget(dialog)
    dialog.show()

    bad = tmp_path / "bad.csv"
    bad.write_text("statute,offense,description\nORS 166.025,public nuisance,Disorderly conduct\n"
                   "ORS 164.245,jaywalking,Trespass\n", encoding="utf-8")
    choose_file(monkeypatch, "get_open_file_name", bad)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert "Line 3, column offense" in boxes.shown[-1]
    assert boxes.questions == []  # never offered
    assert [s.code for s in list_statutes(admin)] == ["ORS 167.007"]

    good = tmp_path / "catalog.csv"
    good.write_text("statute,offense,description\nORS 166.025,public nuisance,Disorderly conduct\n"
                    "ORS 164.245,trespass,Criminal trespass II\nors 167.007,solicitation,\n", encoding="utf-8")
    boxes.answer = QMessageBox.StandardButton.No
    choose_file(monkeypatch, "get_open_file_name", good)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert "2 statutes will be added, 1 changed" in boxes.questions[-1]
    assert len(list_statutes(admin)) == 1  # declined: nothing imported

    boxes.answer = QMessageBox.StandardButton.Yes
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    catalog = {s.code: (s.offense, s.title) for s in list_statutes(admin)}
    assert catalog == {"ORS 166.025": ("public_nuisance", "Disorderly conduct"),
                       "ORS 164.245": ("trespass", "Criminal trespass II"),
                       "ORS 167.007": ("solicitation", "Prostitution")}
    assert dialog.model.rowCount() == 3
    assert "2 added, 1 changed" in dialog.summary.text()
    qtmodeltester.check(dialog.model)


def test_the_catalog_is_read_only_for_other_roles(qtbot: QtBot, workspace: Workspace) -> None:
    users = staff(workspace, OfficeType.PROSECUTOR)
    save_statute(users[Role.ADMINISTRATOR], "ORS 167.007", "selling_sex")
    supervisor = users[Role.SUPERVISOR]
    dialog = StatutesDialog(supervisor)
    qtbot.addWidget(dialog)
    assert dialog.model.rowCount() == 1  # may look
    for button in (dialog.add_button, dialog.edit_button, dialog.delete_button, dialog.import_button):
        assert not button.isEnabled()
        assert button.toolTip() == "Only an administrator can change the statute catalog."
    form = StatuteForm(supervisor, None)  # forced past the greyed-out button: the service still refuses
    qtbot.addWidget(form)
    form.code.setText("ORS 166.025")
    form.save()
    assert "may not change the office settings" in form.problem.text()
    assert [s.code for s in list_statutes(supervisor)] == ["ORS 167.007"]


# ----------------------------------------------------------------------------------------------- users, roles


def _user(session: UserSession, name: str) -> accounts.UserRow:
    return next(u for u in list_users(session) if u.username == name)


def test_users_are_added_with_a_strong_password_only(qtbot: QtBot, qtmodeltester: Any, admin: UserSession,
                                                     workspace: Workspace) -> None:
    dialog = UsersDialog(admin)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.model.rowCount() == 1 and dialog.model.data(dialog.model.index(0, 2)) == "Active"

    form = dialog.add_user_form()
    qtbot.addWidget(form)
    form.show()
    assert [form.role.itemData(i) for i in range(form.role.count())] == [
        Role.ADMINISTRATOR, Role.SUPERVISOR, Role.PROSECUTOR, Role.PARALEGAL]  # a prosecutor's office's roles
    qtbot.keyClicks(form.name, "Dana Reyes")
    form.role.setCurrentIndex(form.role.findData(Role.PARALEGAL))
    qtbot.keyClicks(form.password, "password")
    qtbot.keyClicks(form.again, "password")
    form.save()
    assert form.password_note.isVisible() and "common passwords" in form.password_note.text()
    assert not form.name_note.isVisible()
    assert [u.username for u in list_users(admin)] == ["admin"]

    form.password.setText("lantern orchard twelve")
    form.again.setText("lantern orchard twelv")
    form.save()
    assert "differ" in form.again_note.text() and not form.password_note.isVisible()

    form.again.setText("lantern orchard twelve")
    with qtbot.waitSignal(dialog.users_changed):
        form.save()
    assert form.result() == QDialog.DialogCode.Accepted
    assert form.password.text() == "" and form.again.text() == ""  # not left in the widgets
    assert _user(admin, "Dana Reyes").role == "paralegal"
    assert dialog.selected() is not None and dialog.selected().username == "Dana Reyes"  # type: ignore[union-attr]
    assert login(workspace, "dana reyes", "lantern orchard twelve").role == Role.PARALEGAL

    taken = dialog.add_user_form()
    qtbot.addWidget(taken)
    taken.name.setText("DANA REYES")
    taken.password.setText("another long phrase")
    taken.again.setText("another long phrase")
    taken.save()
    assert "already a user named" in taken.name_note.text()
    qtmodeltester.check(dialog.model)


def test_roles_statuses_and_password_resets(qtbot: QtBot, admin: UserSession, workspace: Workspace,
                                            boxes: Boxes, clock: FakeClock) -> None:
    add_user(admin, "pat", Role.PARALEGAL)
    dialog = UsersDialog(admin)
    qtbot.addWidget(dialog)
    dialog.show()

    dialog.select_user("admin")  # one's own account: the actions that would lock oneself out are greyed out
    assert not dialog.role_button.isEnabled() and "Another administrator" in dialog.role_button.toolTip()
    assert not dialog.disable_button.isEnabled() and not dialog.reset_button.isEnabled()

    dialog.select_user("pat")
    assert dialog.role_button.isEnabled() and not dialog.release_button.isEnabled()
    form = dialog.role_form(dialog.selected())  # type: ignore[arg-type]
    qtbot.addWidget(form)
    assert form.role.currentData() == Role.PARALEGAL
    form.role.setCurrentIndex(form.role.findData(Role.PROSECUTOR))
    form.save()
    assert _user(admin, "pat").role == "prosecutor"
    assert dialog.model.data(dialog.model.index(dialog.model.row_of("pat"), 1)) == "Prosecutor"

    for _ in range(5):  # pat's account locks after five wrong passwords
        with pytest.raises(accounts.LoginFailed):
            login(workspace, "pat", "not the password")
    dialog.reload()
    assert dialog.model.data(dialog.model.index(dialog.model.row_of("pat"), 2)) == "Locked after failed logins"
    assert dialog.release_button.isEnabled() and not dialog.enable_button.isEnabled()

    clock.advance(minutes=6)  # the password was given too long ago for managing users: it is asked again
    asked: list[str] = []

    def give_password() -> None:
        prompt = QApplication.activeModalWidget()
        try:
            assert isinstance(prompt, PasswordPrompt)
            asked.append(prompt.windowTitle())
            qtbot.keyClicks(prompt.password, PASSWORD)
            qtbot.keyClick(prompt.password, Qt.Key.Key_Return)
        finally:
            if prompt is not None and prompt.isVisible():
                prompt.reject()

    QTimer.singleShot(0, give_password)
    qtbot.mouseClick(dialog.release_button, Qt.MouseButton.LeftButton)
    assert asked == ["Confirm it is you"]
    assert _user(admin, "pat").status == "active"

    boxes.answer = QMessageBox.StandardButton.Yes
    qtbot.mouseClick(dialog.disable_button, Qt.MouseButton.LeftButton)
    assert "Disable the account of pat" in boxes.questions[-1]
    assert _user(admin, "pat").status == "disabled"
    assert dialog.model.data(dialog.model.index(dialog.model.row_of("pat"), 2)) == "Disabled by an administrator"
    assert dialog.enable_button.isEnabled() and not dialog.disable_button.isEnabled()
    qtbot.mouseClick(dialog.enable_button, Qt.MouseButton.LeftButton)
    assert _user(admin, "pat").status == "active"

    reset = dialog.reset_form(dialog.selected())  # type: ignore[arg-type]
    qtbot.addWidget(reset)
    reset.password.setText("pat")
    reset.again.setText("pat")
    reset.save()
    assert "too short" in reset.password_note.text()
    reset.password.setText("copper kettle morning")
    reset.again.setText("copper kettle morning")
    reset.save()
    assert "signing identity must be issued again" in boxes.shown[-1]
    assert _user(admin, "pat").must_change_password
    assert "must choose a new password" in dialog.model.data(dialog.model.index(dialog.model.row_of("pat"), 2))


def test_other_roles_see_the_actions_greyed_out_and_are_refused_if_forced(qtbot: QtBot,
                                                                           workspace: Workspace) -> None:
    supervisor = staff(workspace, OfficeType.PROSECUTOR)[Role.SUPERVISOR]
    dialog = UsersDialog(supervisor)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.model.rowCount() == 0
    assert "Only an administrator" in dialog.summary.text()
    for button in dialog.action_buttons:
        assert not button.isEnabled()
        assert button.toolTip() == "Only an administrator can see and manage user accounts."

    form = AddUserForm(supervisor)
    qtbot.addWidget(form)
    form.name.setText("intruder")
    form.password.setText("lantern orchard twelve")
    form.again.setText("lantern orchard twelve")
    form.save()
    assert "A supervisor may not manage users" in form.problem.text()
    assert form.result() != QDialog.DialogCode.Accepted
    assert [u.username for u in list_users(log_in(workspace, "admin"))] == [
        "admin", "paralegal", "prosecutor", "supervisor"]


# ---------------------------------------------------------------------------------------------- audit trail


def test_audit_viewer_lists_filters_exports_and_verifies(qtbot: QtBot, qtmodeltester: Any, admin: UserSession,
                                                         workspace: Workspace, tmp_path: Path) -> None:
    add_user(admin, "pat", Role.PARALEGAL)
    log_in(workspace, "pat")
    viewer = AuditViewer(admin)
    qtbot.addWidget(viewer)
    viewer.show()
    model = viewer.model
    column = {name: i for i, name in enumerate(model.COLUMNS)}

    def cells(name: str) -> list[str]:
        return [model.data(model.index(r, column[name])) for r in range(model.rowCount())]

    assert model.rowCount() >= 5
    assert cells("No.") == [str(n) for n in range(1, model.rowCount() + 1)]
    assert {"Office created", "User created", "Login"} <= set(cells("Action"))
    assert "user pat" in cells("Object")  # names, not ids, for an administrator
    qtmodeltester.check(model)

    viewer.action.setCurrentIndex(viewer.action.findData("login"))
    qtbot.mouseClick(viewer.show_button, Qt.MouseButton.LeftButton)
    assert set(cells("Action")) == {"Login"} and set(cells("User")) == {"admin", "pat"}

    viewer.user.setCurrentIndex(viewer.user.findText("pat"))
    qtbot.mouseClick(viewer.show_button, Qt.MouseButton.LeftButton)
    assert model.rowCount() == 1 and cells("User") == ["pat"] and cells("Outcome") == ["Done"]

    export = tmp_path / "trail.csv"
    viewer.export_csv_to(export)
    with export.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["action"], r["user_id"]) for r in rows] == [("login", str(_user(admin, "pat").id))]
    assert f"1 record written to {export}" in viewer.summary.text()

    viewer.user.setCurrentIndex(0)
    viewer.action.setCurrentIndex(0)
    viewer.since.use.setChecked(True)
    viewer.since.date.setDate(QDate(2026, 11, 24))  # after everything (the test clock says 22 November)
    qtbot.mouseClick(viewer.show_button, Qt.MouseButton.LeftButton)
    assert model.rowCount() == 0
    viewer.until.use.setChecked(True)
    viewer.until.date.setDate(QDate(2026, 11, 20))
    qtbot.mouseClick(viewer.show_button, Qt.MouseButton.LeftButton)
    assert "before the From date" in viewer.filter_note.text()
    viewer.since.use.setChecked(False)
    viewer.until.date.setDate(QDate(2026, 11, 24))
    qtbot.mouseClick(viewer.show_button, Qt.MouseButton.LeftButton)
    assert model.rowCount() > 5 and not viewer.filter_note.isVisible()

    qtbot.mouseClick(viewer.verify_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: viewer.last_report is not None, timeout=10_000)
    assert viewer.last_report is not None and viewer.last_report.ok
    assert "The audit trail is intact" in viewer.report.text()
    assert viewer.verify_button.isEnabled()

    anchor = tmp_path / "anchor.json"
    viewer.export_anchor_to(anchor)
    assert anchor.exists() and "casereview-audit-anchor" in anchor.read_text(encoding="utf-8")
    assert "Keep a copy away from this computer" in viewer.summary.text()


def test_other_roles_see_user_numbers_and_type_a_name_to_filter(qtbot: QtBot, workspace: Workspace) -> None:
    supervisor = staff(workspace, OfficeType.PROSECUTOR)[Role.SUPERVISOR]
    viewer = AuditViewer(supervisor)
    qtbot.addWidget(viewer)
    viewer.show()
    model = viewer.model
    users = {model.data(model.index(r, 2)) for r in range(model.rowCount())}
    assert "supervisor" in users and "user 1" in users and "admin" not in users

    viewer.user.setEditText("prosecutor")
    viewer.action.setCurrentIndex(viewer.action.findData("login"))
    qtbot.mouseClick(viewer.show_button, Qt.MouseButton.LeftButton)
    assert model.rowCount() == 1
    viewer.user.setEditText("nobody here")
    qtbot.mouseClick(viewer.show_button, Qt.MouseButton.LeftButton)
    assert "There is no user named nobody here" in viewer.filter_note.text()
    assert model.rowCount() == 1  # the records shown stay as they were


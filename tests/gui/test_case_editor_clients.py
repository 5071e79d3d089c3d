"""The case editor of a defense office: a Client box per person and the prosecuting office (with whether it adopted
the policy), saved with the case and read back; a prosecutor's office has neither."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from casereview.policy.profile import load_builtin
from casereview.services import accounts
from casereview.services import cases as casework
from casereview.services.access import OfficeType, Role
from casereview.services.demo import demo_cases
from casereview.services.session import UserSession, Workspace
from casereview.store.cases import DefenseDetails
from casereview.store.database import open_case_file
from casereview.store.keys import TEST_KDF
from tests.helpers import PASSWORD, staff
from ui.cases.case_editor import CLIENT_COLUMN, CaseEditor

pytestmark = pytest.mark.gui


@pytest.fixture
def defense(new_case_file: tuple[Path, bytes], clock: Any) -> Iterator[dict[Role, UserSession]]:
    path, key = new_case_file
    case_file = open_case_file(path, key)
    ws = accounts.workspace_for(case_file, key, clock=clock)
    accounts.set_up_office(ws, OfficeType.DEFENSE, "admin", PASSWORD, kdf=TEST_KDF, office_name="Public Defender")
    users = staff(ws, OfficeType.DEFENSE)
    casework.import_cases(users[Role.ATTORNEY], demo_cases()[:3], load_builtin())
    yield users
    case_file.close()


def test_a_defense_case_records_its_clients_and_prosecuting_office(qtbot: QtBot,
                                                                   defense: dict[Role, UserSession]) -> None:
    attorney = defense[Role.ATTORNEY]
    editor = CaseEditor(attorney)
    qtbot.addWidget(editor)
    editor.load("26-CR-0103")
    assert editor.people.horizontalHeaderItem(CLIENT_COLUMN).text() == "Client"
    assert editor.prosecuting_office is not None and editor.adopted is not None and not editor.dirty
    client_a = editor.people.cellWidget(0, CLIENT_COLUMN)
    assert client_a.accessibleName() == "Person A is a client of the office" and not client_a.isChecked()
    client_a.setChecked(True)
    editor.prosecuting_office.setText("Lane County District Attorney's Office")
    editor.adopted.setChecked(True)
    assert editor.dirty
    assert "client" not in editor.to_json()["people"][0]  # not part of the case format
    assert editor.save()
    assert casework.read_defense(attorney, "26-CR-0103") == DefenseDetails(
        frozenset({"A"}), "Lane County District Attorney's Office", True)
    editor.load("26-CR-0103")  # read back as saved
    assert editor.people.cellWidget(0, CLIENT_COLUMN).isChecked()
    assert not editor.people.cellWidget(1, CLIENT_COLUMN).isChecked()
    assert editor.prosecuting_office.text() == "Lane County District Attorney's Office" and editor.adopted.isChecked()
    assert not editor.dirty


def test_a_prosecutors_editor_has_no_client_column(qtbot: QtBot, workspace: Workspace) -> None:
    users = staff(workspace, OfficeType.PROSECUTOR)
    editor = CaseEditor(users[Role.PROSECUTOR])
    qtbot.addWidget(editor)
    assert editor.people.columnCount() == CLIENT_COLUMN and editor.prosecuting_office is None
    assert editor.defense_details() is None

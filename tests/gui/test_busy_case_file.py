"""A change made while another task of the program is still writing to the case file (drafting a thousand letters
in one go, an import, a backup): it is refused in plain words — never the crash
dialog — the edits stay on screen, nothing is half written, and saving again once the task is done works."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import Connection

from casereview.paths import DEMO_PASSWORD
from casereview.policy.profile import load_builtin
from casereview.services import accounts
from casereview.services import cases as casework
from casereview.services.session import Workspace
from casereview.store import audit
from casereview.store.database import CaseFileWriting
from tests.gui.support import Boxes, window_for

pytestmark = pytest.mark.gui


@contextmanager
def another_task_writing(ws: Workspace) -> Iterator[Connection]:
    """A second connection in the middle of a write transaction (as a long drafting run holds one), rolled back."""
    with ws.case_file.engine.connect() as conn:
        conn.exec_driver_sql("DELETE FROM case_search WHERE rowid = -1")  # (a write: the file's write lock taken)
        try:
            yield conn
        finally:
            conn.rollback()


def test_a_service_change_during_another_write_is_refused_in_plain_words(demo: Workspace) -> None:
    session = accounts.login(demo, "prosecutor", DEMO_PASSWORD)
    case, version = casework.read_case(session, "26-CR-0102")
    changed = replace(case, county="Mine County")
    with another_task_writing(demo), pytest.raises(CaseFileWriting) as refused:
        casework.update_case(session, changed, version, load_builtin())
    message = str(refused.value)
    assert "Another task is still writing" in message and "Try again" in message and "locked" not in message
    assert casework.read_case(session, "26-CR-0102")[0].county == case.county  # nothing of it written
    casework.update_case(session, changed, version, load_builtin())  # the task done: the same change goes in
    assert casework.read_case(session, "26-CR-0102")[0].county == "Mine County"
    with demo.session() as db:
        assert audit.verify(db, demo.audit_key).ok


def test_saving_a_case_during_another_write_says_so_and_keeps_the_edits(qtbot: QtBot, demo: Workspace,
                                                                       boxes: Boxes) -> None:
    window = window_for(qtbot, demo, "prosecutor")
    numbers = [window.model.case_number(r) for r in range(window.model.rowCount())]
    window.table.selectRow(numbers.index("26-CR-0102"))
    qtbot.waitUntil(lambda: window.editor.case_number.text() == "26-CR-0102", timeout=5000)
    window.editor.county.setText("Mine County")
    window.editor._changed()
    with another_task_writing(demo):
        window.save_action.trigger()
    assert len(boxes.shown) == 1 and "Another task is still writing" in boxes.shown[0], boxes.shown
    assert "Traceback" not in boxes.shown[0]
    assert window.editor.county.text() == "Mine County" and window.editor.dirty  # still in the form
    window.save_action.trigger()
    assert len(boxes.shown) == 1 and not window.editor.dirty
    supervisor = accounts.login(demo, "supervisor", DEMO_PASSWORD)
    assert casework.read_case(supervisor, "26-CR-0102")[0].county == "Mine County"

"""Screening again under the current rules, on a real encrypted case file: cases whose latest saved screening was
made under the rules of version 2 are screened under version 3, a new screening is kept beside the old one (which
stays as it was), and the decisions that changed are reported; screening all cases cancels between batches and
keeps the batches done."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, func, select

from casereview.policy.case import parse_case
from casereview.policy.profile import load_builtin
from casereview.progress import Progress
from casereview.services import cases as casework
from casereview.services.access import OfficeType, Role
from casereview.services.demo import DEMO_CASES
from casereview.services.session import PermissionDenied, UserSession, Workspace
from casereview.store import models as m
from tests.helpers import staff
from tests.unit.services.older_screenings import store_v2

PROFILE = load_builtin()
LOITERING = "26-CR-0107"  # charge 1 promoting by a driver (discretion 5), charge 2 an adult's loitering
PAST = "15-CR-2231"  # a 2015 conviction for selling sex: record relief do not contest


def demo(number: str) -> Any:
    return parse_case(next(raw for raw in DEMO_CASES if raw["case_number"] == number))


@pytest.fixture
def users(workspace: Workspace) -> dict[Role, UserSession]:
    return staff(workspace, OfficeType.PROSECUTOR)


@pytest.fixture
def prosecutor(users: dict[Role, UserSession]) -> UserSession:
    return users[Role.PROSECUTOR]


def screenings_of(ws: Workspace, number: str) -> list[m.Screening]:
    with ws.session() as db:
        found = db.scalars(select(m.Screening).join(m.Case).where(m.Case.case_number == number)
                           .order_by(m.Screening.id)).all()
        for s in found:
            _ = [(d.decision, d.sections, d.relief_sections) for d in s.decisions]  # loaded before the session ends
        return list(found)


def test_a_case_saved_under_version_2_changes_when_screened_again(workspace: Workspace,
                                                                  prosecutor: UserSession) -> None:
    casework.import_cases(prosecutor, [demo(LOITERING)], PROFILE)
    old = store_v2(workspace, LOITERING, {"1": ("discretion", ["5"], None), "2": ("discretion", ["5"], None)})
    stored = casework.stored_screening(prosecutor, LOITERING)
    assert stored is not None and stored.id == old and stored.rules_version == 2
    assert [(d.charge, d.decision, d.relief_sections) for d in stored.decisions] == [
        ("1", "discretion", None), ("2", "discretion", None)]

    done = casework.rescreen_case(prosecutor, LOITERING, PROFILE)

    assert (done.screened, done.total, done.cancelled, done.rules_version) == (1, 1, False, 3)
    [change] = done.changes  # the driver's promoting is discretion under both
    assert (change.case_number, change.charge, change.person, change.offense) == (
        LOITERING, "2", "Keisha Morgan (A)", "loitering_for_prostitution")
    assert change.before is not None and (change.before.decision, change.before.sections) == ("discretion", ("5",))
    assert (change.after.decision, change.after.sections) == ("decline", ("1(b)",))
    assert change.before_relief is None and change.after_relief is None  # a pending charge

    first, second = screenings_of(workspace, LOITERING)
    assert first.id == old and first.rules_version == 2  # the record of what was decided then, untouched
    assert [(d.decision, d.sections, d.relief_sections) for d in first.decisions] == [
        ("discretion", ["5"], None), ("discretion", ["5"], None)]
    assert second.rules_version == 3
    assert [(d.decision, d.sections, d.relief_sections) for d in second.decisions] == [
        ("discretion", ["5"], []), ("decline", ["1(b)"], [])]
    latest = casework.stored_screening(prosecutor, LOITERING)
    assert latest is not None and latest.id == second.id and latest.rules_version == 3
    # the case list follows the new screening
    [row] = casework.case_list_rows(prosecutor, casework.find_cases(prosecutor, LOITERING))
    assert row.decisions == "decline, discretion"

    again = casework.rescreen_case(prosecutor, LOITERING, PROFILE)
    assert again.changes == ()  # nothing changed since


def test_a_past_record_keeps_its_relief_and_gains_its_ground(workspace: Workspace, prosecutor: UserSession) -> None:
    casework.import_cases(prosecutor, [demo(PAST)], PROFILE)
    [charge] = demo(PAST).charges
    store_v2(workspace, PAST, {charge.id: ("decline", ["1(a)"], "do_not_contest")})
    done = casework.rescreen_case(prosecutor, PAST, PROFILE)
    assert done.changes == ()  # the same decision and relief: the new ground alone is no change
    new = screenings_of(workspace, PAST)[-1]
    assert [(d.record_relief, d.relief_sections) for d in new.decisions] == [("do_not_contest", ["6"])]
    stored = casework.stored_screening(prosecutor, PAST)
    assert stored is not None and stored.decisions[0].relief_sections == ("6",)


def test_a_relief_that_changes_is_reported(workspace: Workspace, prosecutor: UserSession) -> None:
    casework.import_cases(prosecutor, [demo(PAST)], PROFILE)
    [charge] = demo(PAST).charges
    store_v2(workspace, PAST, {charge.id: ("discretion", ["5"], "not_eligible")})
    [change] = casework.rescreen_case(prosecutor, PAST, PROFILE).changes
    assert (change.before_relief, change.after_relief) == ("not_eligible", "do_not_contest")
    assert change.after.relief_sections == ("6",)


def test_screen_all_reports_every_change_and_a_case_never_screened(workspace: Workspace,
                                                                   prosecutor: UserSession) -> None:
    casework.import_cases(prosecutor, [demo(n) for n in ("26-CR-0101", LOITERING, PAST)], PROFILE)
    store_v2(workspace, LOITERING, {"1": ("discretion", ["5"], None), "2": ("discretion", ["5"], None)})
    with workspace.session() as db, db.begin():  # a case with no screening at all
        db.execute(delete(m.Screening).where(m.Screening.case_id.in_(
            select(m.Case.id).where(m.Case.case_number == "26-CR-0101"))))
    assert casework.stored_screening(prosecutor, "26-CR-0101") is None

    done = casework.screen_all(prosecutor, PROFILE)

    assert (done.screened, done.total, done.cancelled) == (3, 3, False)
    changed = [(c.case_number, c.charge, c.before.decision if c.before else None, c.after.decision)
               for c in done.changes]
    assert changed == [("26-CR-0101", "1", None, "decline"), ("26-CR-0101", "2", None, "decline"),
                       (LOITERING, "2", "discretion", "decline")]


def test_cancelling_screen_all_keeps_the_batches_done(workspace: Workspace, prosecutor: UserSession,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    numbers = [raw["case_number"] for raw in DEMO_CASES[:5]]
    casework.import_cases(prosecutor, [demo(n) for n in numbers], PROFILE)
    for number in numbers:
        case = demo(number)
        store_v2(workspace, number, {c.id: ("discretion", ["5"], None) for c in case.charges})
    monkeypatch.setattr(casework, "SCREEN_BATCH", 2)

    class CancelAfterFirstBatch(Progress):
        def report(self, done: int, total: int = 0, text: str = "") -> None:
            super().report(done, total, text)
            self.cancel()  # the user clicks Cancel while the first batch is saved

    progress = CancelAfterFirstBatch()
    done = casework.screen_all(prosecutor, PROFILE, progress=progress)

    assert (done.screened, done.total, done.cancelled) == (2, 5, True)
    assert {c.case_number for c in done.changes} <= set(numbers[:2])
    assert [[s.rules_version for s in screenings_of(workspace, n)] for n in numbers] == [
        [2, 3], [2, 3], [2], [2], [2]]
    assert progress.done == 2 and progress.total == 5


def test_only_users_who_may_screen_screen_again(workspace: Workspace, users: dict[Role, UserSession]) -> None:
    casework.import_cases(users[Role.PROSECUTOR], [demo(LOITERING)], PROFILE)
    admin = users[Role.ADMINISTRATOR]
    with pytest.raises(PermissionDenied):
        casework.rescreen_case(admin, LOITERING, PROFILE)
    with pytest.raises(PermissionDenied):
        casework.screen_all(admin, PROFILE)
    with workspace.session() as db:
        assert db.scalar(select(func.count(m.Screening.id))) == 1
    assert casework.rescreen_case(users[Role.PARALEGAL], LOITERING, PROFILE).screened == 1

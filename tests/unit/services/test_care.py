"""Purges by court order, restores that apply them again, and editing a case (update, conflict, delete)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import select

from casereview.policy.case import parse_case
from casereview.policy.profile import load_builtin
from casereview.services import audit as user_audit
from casereview.services import backups, purges
from casereview.services import cases as casework
from casereview.services.access import OfficeType, Role
from casereview.services.demo import DEMO_CASES, demo_cases
from casereview.services.session import UserSession, Workspace
from casereview.store import audit, cases
from casereview.store import models as m
from casereview.store.cases import CaseConflict
from tests.conftest import PASSPHRASE
from tests.helpers import log_in, staff
from tests.strategies import case_dicts

PROFILE = load_builtin()


def _person_named(ws: Workspace, name: str) -> int:
    with ws.session() as db:
        found = db.scalars(select(m.CaseParty.person_id).where(m.CaseParty.name == name)).first()
    assert found is not None
    return found


@pytest.fixture
def office(workspace: Workspace) -> dict[Role, UserSession]:
    users = staff(workspace, OfficeType.PROSECUTOR)
    casework.import_cases(users[Role.PROSECUTOR], demo_cases(), PROFILE)
    return users


def test_purge_removes_the_person_everywhere_and_keeps_the_others(workspace: Workspace,
                                                                   office: dict[Role, UserSession]) -> None:
    admin = office[Role.ADMINISTRATOR]
    raw = next(c for c in DEMO_CASES if c["case_number"] == "26-CR-0103")
    target = raw["people"][0]
    person = _person_named(workspace, target["name"])
    with workspace.session() as db:
        in_cases = {p.case_id for p in db.scalars(select(m.CaseParty).where(m.CaseParty.person_id == person))}
        before = cases.count_cases(db)
    report = purges.purge_person(admin, person, "Order of expungement 2026-CV-0042")
    assert report.person_id == person and report.cases_changed + report.cases_deleted == len(in_cases)
    with workspace.session() as db:
        assert db.get(m.Person, person) is None
        assert db.scalars(select(m.CaseParty).where(m.CaseParty.name == target["name"])).first() is None
        assert cases.count_cases(db) == before - report.cases_deleted
        for case_id in in_cases:
            row = db.get(m.Case, case_id)
            if row is None:
                continue
            spec_case = cases.to_spec(row)
            assert target["id"] not in {p.id for p in spec_case.people}
            assert all(c.person != target["id"] and c.with_ != target["id"] for c in spec_case.charges)
            for screening in row.screenings:  # screened again, with no trace of the person
                assert target["name"] not in json.dumps([d.reasoning for d in screening.decisions],
                                                        ensure_ascii=False)
        trail = audit.records(db)
    assert [r.action for r in trail[-2:]] == ["court_order", "purge"]
    assert trail[-1].object_id == f"person:{person}" and trail[-1].user_id == admin.user_id
    assert trail[-2].object_id == f"order:{purges.order_fingerprint('Order of expungement 2026-CV-0042')}"
    everything = " ".join(f"{r.object_id}" for r in trail)
    assert "2026-CV-0042" not in everything and target["name"] not in everything
    with workspace.session() as db:  # the search index forgot the name too
        assert cases.search_case_ids(db, target["name"]) == []
        assert cases.search_case_ids(db, target["name"].split()[-1]) == [] or len(target["name"].split()) == 1


def test_purge_needs_an_order_and_an_existing_person(office: dict[Role, UserSession]) -> None:
    admin = office[Role.ADMINISTRATOR]
    with pytest.raises(cases.CaseServiceError, match="court order"):
        purges.purge_person(admin, 1, "   ")
    with pytest.raises(cases.CaseServiceError, match="no person with id 99999"):
        purges.purge_person(admin, 99999, "Order 7")


def test_restoring_an_older_backup_applies_later_purges_again(workspace: Workspace, tmp_path: Path,
                                                              office: dict[Role, UserSession]) -> None:
    admin = office[Role.ADMINISTRATOR]
    monday = backups.backup(admin, tmp_path)
    person = _person_named(workspace, DEMO_CASES[0]["people"][0]["name"])
    purges.purge_person(admin, person, "Order 12")
    admin.reauthenticate("blue river seven")
    report = backups.restore(admin, monday, PASSPHRASE)
    restored = report.workspace
    try:
        assert report.purges_applied_again == 1 and report.aside is not None
        with restored.session() as db:
            assert db.get(m.Person, person) is None
            trail = audit.records(db)
            assert [r.action for r in trail[-2:]] == ["purge", "restore"]
            assert audit.verify(db, restored.audit_key).ok
        assert admin.ended  # the old session belonged to the replaced file
        again = log_in(restored, "admin")
        assert user_audit.verify_trail(again).ok
    finally:
        restored.case_file.close()


def test_an_edit_keeps_ids_and_a_stale_edit_is_refused(workspace: Workspace, office: dict[Role, UserSession]) -> None:
    pat = office[Role.PROSECUTOR]
    number = "26-CR-0103"
    case, version = casework.read_case(pat, number)
    with workspace.session() as db:
        before = {c.local_id: c.id for c in cases.load_case(db, number).charges}
    edited = parse_case({**json.loads(json.dumps(next(c for c in DEMO_CASES if c["case_number"] == number))),
                         "notes": "Edited after the arraignment."})
    casework.update_case(pat, edited, version, PROFILE)
    with workspace.session() as db:
        row = cases.load_case(db, number)
        assert {c.local_id: c.id for c in row.charges} == before and row.notes == "Edited after the arraignment."
        assert row.version == version + 1 and len(row.screenings) == 2
    with pytest.raises(CaseConflict, match="changed by someone else"):
        casework.update_case(office[Role.SUPERVISOR], case, version, PROFILE)
    assert casework.read_case(pat, number)[0] == edited  # nothing of the stale edit was saved
    casework.delete_case(office[Role.SUPERVISOR], number)
    with pytest.raises(cases.CaseServiceError, match="no case 26-CR-0103"):
        casework.read_case(pat, number)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=case_dicts(exceptions=False), second=case_dicts(exceptions=False))
def test_any_case_can_be_edited_into_any_other(workspace: Workspace, first: dict[str, object],
                                               second: dict[str, object]) -> None:
    pat = log_in(workspace, "pat") if _has(workspace, "pat") else _make_pat(workspace)
    number = f"E-{abs(hash(json.dumps(first, sort_keys=True, default=str))) % 10**9}"
    a = parse_case({**first, "case_number": number})
    b = parse_case({**second, "case_number": number})
    try:
        casework.create_case(pat, a, PROFILE)
    except cases.CaseServiceError:
        return  # the same generated case twice
    _spec, version = casework.read_case(pat, number)
    casework.update_case(pat, b, version, PROFILE)
    assert casework.read_case(pat, number)[0] == b
    with workspace.session() as db:
        assert audit.verify(db, workspace.audit_key).ok


def _has(ws: Workspace, name: str) -> bool:
    with ws.session() as db:
        return db.scalars(select(m.User.id).where(m.User.username_folded == name)).first() is not None


def _make_pat(ws: Workspace) -> UserSession:
    from tests.helpers import add_user

    add_user(log_in(ws, "admin"), "pat", Role.PROSECUTOR)
    return log_in(ws, "pat")

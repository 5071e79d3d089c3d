"""Migration 0010 (screening version 3) on a real encrypted case file made at revision 0009: the exception entries
cases brought by import or editing (never signed) become notes, their tables go, stored screenings stay exactly as
they were, and the cases whose unsigned approval counted show "not screened" until the first login of a user who
may screen screens them again, where the approval no longer makes a declined charge a charge under section 8."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, select, text

from casereview.policy.profile import load_builtin
from casereview.services import accounts
from casereview.services.access import OfficeType, Role
from casereview.store import audit, cases, database
from casereview.store import models as m
from casereview.store.keys import TEST_KDF
from tests.conftest import PASSPHRASE
from tests.helpers import PASSWORD, add_user, case_file_at, log_in

PROFILE = load_builtin()
APPROVED_LINE = ("Section 8 exception approval on charge 1 (ground: necessary to protect the safety and health of a "
                 "victim) recorded before CaseReview 3 without a signed request: not an approval.")
SUBMITTED_LINE = ("Section 8 exception request (submitted) on charge 2 (ground: charges would have a direct impact on "
                  "preventing trafficking) recorded before CaseReview 3 outside the signed workflow: kept as a note.")
DRAFT_LINE = ("Section 8 exception request (draft) on charge 1 (ground: none recorded) recorded before CaseReview 3 "
              "outside the signed workflow: kept as a note.")
OLD_NOTES = "Exception approved to keep the person in protective custody (section 8)."
NOW = "2026-03-30 10:00:00.000000"


def _run(conn: Any, sql: str, **params: Any) -> int:
    return int(conn.execute(text(sql), params).lastrowid or 0)


def _case(conn: Any, number: str, notes: str | None, people: list[tuple[str, str, str]],
          charges: list[tuple[str, str, str, str]]) -> tuple[int, dict[str, int]]:
    """A case as revision 0009 stores it: people (id, role, date of birth), charges (id, person, offense, the
    decision the case list shows). Returns its id and its charges' row ids."""
    case_id = _run(conn, "INSERT INTO case_record (case_number, incident_date, county, notes, version, created_at, "
                   "updated_at, search_text) VALUES (:n, '2026-03-22', 'Lane County', :notes, 1, :now, :now, '')",
                   n=number, notes=notes, now=NOW)
    parties = {}
    for pos, (local, role, born) in enumerate(people):
        person = _run(conn, "INSERT INTO person (name, date_of_birth) VALUES (:name, :born)", name=f"{number} {local}",
                      born=born)
        parties[local] = _run(conn, "INSERT INTO case_party (case_id, person_id, position, local_id, role, "
                              "trafficking_victim, name, date_of_birth) VALUES (:c, :p, :pos, :l, :r, 0, :name, :born)",
                              c=case_id, p=person, pos=pos, l=local, r=role, name=f"{number} {local}", born=born)
    found = {}
    for pos, (local, holder, offense, decision) in enumerate(charges):
        found[local] = _run(conn, "INSERT INTO charge (case_id, position, local_id, party_id, offense, status, "
                            "arose_from_exchange, decision) VALUES (:c, :pos, :l, :p, :o, 'pending', 0, :d)",
                            c=case_id, pos=pos, l=local, p=parties[holder], o=offense, d=decision)
    return case_id, found


def _request(conn: Any, case_id: int, position: int, status: str, ground: str | None, charge: int) -> None:
    request = _run(conn, "INSERT INTO exception_request (case_id, position, status, ground) VALUES (:c, :p, :s, :g)",
                   c=case_id, p=position, s=status, g=ground)
    _run(conn, "INSERT INTO exception_charge (request_id, charge_id) VALUES (:r, :c)", r=request, c=charge)


def _screening(conn: Any, case_id: int, decisions: list[tuple[int, str, str]]) -> None:
    """A version 2 screening (no rules version, no relief grounds): (charge row id, decision, sections JSON)."""
    screening = _run(conn, "INSERT INTO screening (case_id, policy_hash, policy_id, policy_version, presumptive, "
                     "case_version, screened_at) VALUES (:c, :h, :i, :v, 1, 1, :now)", c=case_id,
                     h=PROFILE.content_hash, i=PROFILE.id, v=PROFILE.version, now=NOW)
    for charge, decision, sections in decisions:
        _run(conn, "INSERT INTO screening_decision (screening_id, charge_id, decision, sections, reasoning, quote, "
             "exception_allowed, record_relief, missing) VALUES (:s, :c, :d, :sec, :r, 'a quote', 0, NULL, '[]')",
             s=screening, c=charge, d=decision, sec=sections,
             r='[{"text": "An approved section 8 exception is recorded in the input.", "because": []}]')


def _fill_0009(engine: Engine) -> dict[str, int]:
    """Three cases at revision 0009: one with an approved entry (which its version 2 screening counted) and a
    submitted one, one with a draft entry only, one with none. Returns their ids by case number."""
    with engine.begin() as conn:
        _run(conn, "INSERT INTO policy_text (content_hash, policy_id, version, title, text, stored_at) "
             "VALUES (:h, :i, :v, :t, :x, :now)", h=PROFILE.content_hash, i=PROFILE.id, v=PROFILE.version,
             t=PROFILE.title, x=PROFILE.raw_text, now=NOW)
        approved, charges = _case(conn, "26-CR-0108", OLD_NOTES,
                                  [("A", "seller", "1997-07-21"), ("B", "buyer", "1979-05-05")],
                                  [("1", "A", "selling_sex", "charge"), ("2", "B", "solicitation", "decline")])
        _request(conn, approved, 0, "approved", "protect_victim", charges["1"])
        _request(conn, approved, 1, "submitted", "prevent_trafficking", charges["2"])
        _screening(conn, approved, [(charges["1"], "charge", '["8"]'), (charges["2"], "decline", '["1(b)"]')])
        draft, charges = _case(conn, "26-CR-0200", None, [("A", "seller", "1990-01-01")],
                               [("1", "A", "selling_sex", "decline")])
        _request(conn, draft, 0, "draft", None, charges["1"])
        _screening(conn, draft, [(charges["1"], "decline", '["1(a)"]')])
        plain, charges = _case(conn, "26-CR-0300", "No exception here.", [("A", "seller", "1991-01-01")],
                               [("1", "A", "selling_sex", "decline")])
        _screening(conn, plain, [(charges["1"], "decline", '["1(a)"]')])
    return {"26-CR-0108": approved, "26-CR-0200": draft, "26-CR-0300": plain}


@pytest.fixture
def old_file(tmp_path: Path) -> tuple[Path, bytes, dict[str, int]]:
    """An encrypted case file (with its key file) at revision 0009, holding the three cases of `_fill_0009`."""
    path = tmp_path / "old.db"
    key, ids = case_file_at(path, "0009", _fill_0009, PASSPHRASE)
    return path, key, ids


STORED = ("SELECT s.id, s.case_id, s.policy_hash, s.presumptive, s.case_version, s.screened_at, d.id, d.charge_id, "
          "d.decision, d.sections, d.reasoning, d.quote, d.exception_allowed, d.record_relief, d.missing "
          "FROM screening s JOIN screening_decision d ON d.screening_id = s.id ORDER BY d.id")


def _stored(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(STORED))]


def test_old_exception_entries_become_notes_and_their_cases_wait_to_be_screened_again(
        old_file: tuple[Path, bytes, dict[str, int]]) -> None:
    path, key, ids = old_file
    engine = database.make_engine(path, key=key)
    try:
        before = _stored(engine)
    finally:
        engine.dispose()
    case_file = database.open_case_file(path, key)  # upgrades it (a copy is kept first)
    try:
        assert case_file.backup_made is not None
        tables = set(inspect(case_file.engine).get_table_names())
        assert {"exception_request", "exception_charge"}.isdisjoint(tables) and "rescreen_pending" in tables
        with case_file.engine.connect() as conn:
            # stored screenings are never changed: the version 2 ones stay as they were, marked as version 2
            assert [tuple(r) for r in conn.execute(text(STORED))] == before
            assert set(conn.execute(text("SELECT rules_version FROM screening")).scalars()) == {2}
            assert set(conn.execute(text("SELECT relief_sections FROM screening_decision")).scalars()) == {None}
        with case_file.session() as db:
            rows = {r.case_number: r for r in db.scalars(select(m.Case))}
            assert rows["26-CR-0108"].notes == "\n".join((OLD_NOTES, APPROVED_LINE, SUBMITTED_LINE))
            assert rows["26-CR-0200"].notes == DRAFT_LINE
            assert rows["26-CR-0300"].notes == "No exception here."
            assert {n: r.version for n, r in rows.items()} == {"26-CR-0108": 2, "26-CR-0200": 2, "26-CR-0300": 1}
            assert list(db.scalars(select(m.RescreenPending.case_id))) == [ids["26-CR-0108"]]
            # the case whose approval counted shows "not screened"; the others keep their decisions
            assert [c.decision for c in rows["26-CR-0108"].charges] == [None, None]
            assert [c.decision for c in rows["26-CR-0200"].charges] == ["decline"]
            listed = {r.case_number: r.decisions for r in cases.case_rows(db, list(ids.values()))}
            assert listed == {"26-CR-0108": "not screened", "26-CR-0200": "decline", "26-CR-0300": "decline"}
            assert cases.export_case(db, "26-CR-0108").exceptions == ()
            assert "not an approval" in (cases.export_case(db, "26-CR-0108").notes or "")

        ws = accounts.workspace_for(case_file, key)
        accounts.set_up_office(ws, OfficeType.PROSECUTOR, "admin", PASSWORD, kdf=TEST_KDF)
        admin = log_in(ws, "admin")  # an administrator may not screen: the case keeps waiting
        with ws.session() as db:
            assert cases.has_pending(db)
        add_user(admin, "prosecutor", Role.PROSECUTOR)
        log_in(ws, "prosecutor")  # screens it again under the current rules, audited
        with ws.session() as db:
            assert not cases.has_pending(db)
            row = cases.load_case(db, "26-CR-0108")
            assert [(c.local_id, c.decision) for c in row.charges] == [("1", "decline"), ("2", "decline")]
            old, new = row.screenings
            assert old.rules_version == 2 and new.rules_version == PROFILE.screening_version == 3
            assert [(d.decision, d.sections) for d in new.decisions] == [("decline", ["1(a)"]), ("decline", ["1(b)"])]
            assert all(d.exception_allowed for d in new.decisions)
            assert [d.decision for d in old.decisions] == ["charge", "decline"]  # the record of what was decided
            assert len(cases.load_case(db, "26-CR-0200").screenings) == 1  # not marked: not screened again
            screened = [r for r in audit.records(db) if r.action == "screening"]
            assert [r.object_id for r in screened] == [f"case:{ids['26-CR-0108']}", "cases:1"]
            assert audit.verify(db, ws.audit_key).ok
        log_in(ws, "prosecutor")  # nothing waits any more: nothing is screened
        with ws.session() as db:
            assert len(cases.load_case(db, "26-CR-0108").screenings) == 2
    finally:
        case_file.close()


def test_the_upgrade_of_a_file_without_old_entries_changes_no_case(tmp_path: Path) -> None:
    engine = database.make_engine(tmp_path / "empty.db", key=bytes(range(32)))
    try:
        database.upgrade(engine, "0009")
        with engine.begin() as conn:
            _case(conn, "26-CR-0300", None, [("A", "seller", "1991-01-01")], [("1", "A", "selling_sex", "decline")])
        database.upgrade(engine, "0010")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT notes, version FROM case_record")).all() == [(None, 1)]
            assert conn.execute(text("SELECT count(*) FROM rescreen_pending")).scalar() == 0
    finally:
        engine.dispose()


def test_the_downgrade_brings_the_old_tables_back_empty_and_keeps_the_screenings(
        old_file: tuple[Path, bytes, dict[str, int]]) -> None:
    path, key, _ids = old_file
    engine = database.make_engine(path, key=key)
    try:
        before = _stored(engine)
        database.upgrade(engine, "0010")
        with engine.begin() as conn:
            command.downgrade(database._alembic_config(conn), "0009")
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            assert {"exception_request", "exception_charge"} <= tables and "rescreen_pending" not in tables
            assert conn.execute(text("SELECT count(*) FROM exception_request")).scalar() == 0
            assert "rules_version" not in {c["name"] for c in inspect(conn).get_columns("screening")}
            assert "relief_sections" not in {c["name"] for c in inspect(conn).get_columns("screening_decision")}
        assert _stored(engine) == before  # no table was rebuilt: no decision went with it
        with engine.connect() as conn:  # the notes stay
            assert APPROVED_LINE in str(conn.execute(text("SELECT notes FROM case_record WHERE case_number = "
                                                          "'26-CR-0108'")).scalar())
    finally:
        engine.dispose()

"""charge.section (migration 0016): the section a charge's latest decision is counted under in the reports, kept
beside charge.decision by every way a decision is made or cleared — a screening, a case edited, a records import
— and filled in by the migration for files screened before it; the reports' "by section" counts from it agree
with counts made independently from the screenings' own decisions."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.orm import Session

from casereview.policy.case import parse_case
from casereview.policy.profile import load_builtin
from casereview.records.mapping import parse_mapping
from casereview.services import records
from casereview.services.access import Role
from casereview.services.demo import DEMO_CASES
from casereview.services.session import Workspace
from casereview.store import cases, database
from casereview.store import models as m
from casereview.store import report_queries as rq
from casereview.store.report_queries import ReportFilter
from tests.conftest import PASSPHRASE
from tests.helpers import add_user, case_file_at, log_in
from tests.unit.services.test_records_import import MAPPING, row, write_csv

PROFILE = load_builtin()
DECISIONS = ("decline", "protect", "charge", "discretion", "review")


def _expected(db: Session) -> dict[int, str | None]:
    """Each charge's section worked out from the stored decisions: the first section of its latest decision (the
    highest id), None when it shows no decision."""
    latest = {cid: did for cid, did in db.execute(select(m.ScreeningDecision.charge_id,
                                                         func.max(m.ScreeningDecision.id))
                                                  .group_by(m.ScreeningDecision.charge_id))}
    out: dict[int, str | None] = {}
    for charge in db.scalars(select(m.Charge)):
        decision = db.get(m.ScreeningDecision, latest[charge.id]) if charge.id in latest else None
        out[charge.id] = None if charge.decision is None or decision is None or not decision.sections \
            else str(decision.sections[0])
    return out


def _kept(db: Session) -> dict[int, str | None]:
    return {c.id: c.section for c in db.scalars(select(m.Charge))}


def _by_section(db: Session, f: ReportFilter | None = None) -> dict[str, list[int]]:
    fam = rq.families(db, f or ReportFilter(), DECISIONS, parts=("section",))
    return {str(r[0]): [int(v) for v in r[1:]] for r in fam.by_section}


def _independent_by_section(db: Session) -> dict[str, list[int]]:
    """The section counts from each case's latest screening's decisions, in Python."""
    latest_screening = dict(db.execute(select(m.Screening.case_id, func.max(m.Screening.id))
                                       .group_by(m.Screening.case_id)).all())
    out: dict[str, list[int]] = {}
    for d in db.scalars(select(m.ScreeningDecision)):
        charge = db.get_one(m.Charge, d.charge_id)
        if latest_screening.get(charge.case_id) != d.screening_id or charge.decision is None:
            continue
        counts = out.setdefault(str(d.sections[0]) if d.sections else "", [0] * (1 + len(DECISIONS)))
        counts[0] += 1
        counts[1 + DECISIONS.index(charge.decision)] += 1
    return out


@pytest.mark.both_backends
def test_screening_and_editing_keep_each_charges_section(workspace: Workspace) -> None:
    with workspace.session() as db, db.begin():
        for raw in DEMO_CASES:
            cases.import_case(db, parse_case(raw))
        assert set(_kept(db).values()) == {None}  # not screened yet
        for raw in DEMO_CASES:
            cases.screen_and_save(db, raw["case_number"], PROFILE)
        kept = _kept(db)
        assert kept == _expected(db) and any(v is not None for v in kept.values())
        assert _by_section(db) == _independent_by_section(db)
    first = DEMO_CASES[0]["case_number"]
    with workspace.session() as db, db.begin():
        row_ = cases.load_case(db, first)
        edited = cases.to_spec(row_)
        changed = edited.charges[0]
        other = "trespass" if changed.offense != "trespass" else "drug_possession"
        edited = replace(edited, charges=(replace(changed, offense=other), *edited.charges[1:]))
        cases.update_case(db, edited, expected_version=row_.version)
        charge = db.scalars(select(m.Charge).where(m.Charge.case_id == row_.id, m.Charge.local_id == changed.id)).one()
        assert (charge.decision, charge.section) == (None, None)  # screened again before it counts anywhere
        assert _kept(db) == _expected(db)
        assert _by_section(db) == _independent_by_section(db)
        cases.screen_and_save(db, first, PROFILE)
        assert charge.section is not None and _kept(db) == _expected(db)
        assert _by_section(db) == _independent_by_section(db)


@pytest.mark.both_backends
def test_a_records_import_keeps_each_charges_section(workspace: Workspace, tmp_path: Path) -> None:
    admin = log_in(workspace, "admin")
    add_user(admin, "paralegal", Role.PARALEGAL)
    clerk = log_in(workspace, "paralegal")
    rows = []
    for n in range(120):
        statute = ("ORS 167.007", "ORS 167.008", "ORS 164.245")[n % 3]
        rows.append(row(f"19-CR-{n:04d}", name=f"Person {n}", key=f"SID-{n}", statute=statute,
                        disposition=("DISMISSED", "CONVICTED-JAIL")[n % 2]))
    report = records.import_records(clerk, write_csv(tmp_path / "extract.csv", rows),
                                    parse_mapping(json.dumps(MAPPING)), batch=50)
    assert report.stored_cases == 120
    with workspace.session() as db:
        kept = _kept(db)
        assert len(kept) == 120 and None not in kept.values()
        assert kept == _expected(db)
        assert _by_section(db) == _independent_by_section(db)
        some = db.scalars(select(m.Case.incident_date)).first()
        narrow = ReportFilter(some, some, PROFILE.id)
        assert sum(v[0] for v in _by_section(db, narrow).values()) == \
            db.scalar(select(func.count()).select_from(m.Charge).join(m.Case).where(m.Case.incident_date == some))


NOW = "2026-11-30 10:00:00.000000"


def _run(conn: Any, sql: str, **params: Any) -> int:
    return int(conn.execute(text(sql), params).lastrowid or 0)


def _fill_0015(engine: Engine) -> dict[str, int]:
    """A case at revision 0015: four charges; screened twice (the second screening's sections differ), one
    charge decided with no section, one never decided (added after the screenings)."""
    with engine.begin() as conn:
        _run(conn, "INSERT INTO policy_text (content_hash, policy_id, version, title, text, stored_at) VALUES (:h, :i, "
             ":v, 'policy', :t, :now)", h=PROFILE.content_hash, i=PROFILE.id, v=PROFILE.version, t=PROFILE.raw_text,
             now=NOW)
        case_id = _run(conn, "INSERT INTO case_record (case_number, incident_date, county, version, created_at, "
                       "updated_at, search_text) VALUES ('26-CR-0001', '2026-03-22', 'Lane', 1, :now, :now, '')",
                       now=NOW)
        person = _run(conn, "INSERT INTO person (name) VALUES ('Dana Roe')")
        party = _run(conn, "INSERT INTO case_party (case_id, person_id, position, local_id, role, trafficking_victim, "
                     "name) VALUES (:c, :p, 0, 'A', 'seller', 0, 'Dana Roe')", c=case_id, p=person)
        charges = {}
        for pos, (local, decision) in enumerate((("1", "decline"), ("2", "charge"), ("3", "review"), ("4", None))):
            charges[local] = _run(conn, "INSERT INTO charge (case_id, position, local_id, party_id, offense, status, "
                                  "arose_from_exchange, decision) VALUES (:c, :pos, :l, :p, 'selling_sex', 'pending', "
                                  "0, :d)", c=case_id, pos=pos, l=local, p=party, d=decision)
        for sections in ({"1": '["1(a)"]', "2": '["3"]', "3": '["2"]'},
                         {"1": '["1(b)", "6"]', "2": '["8"]', "3": "[]"}):
            screening = _run(conn, "INSERT INTO screening (case_id, policy_hash, policy_id, policy_version, "
                             "presumptive, case_version, screened_at, rules_version) VALUES (:c, :h, :i, :v, 1, 1, "
                             ":now, 3)", c=case_id, h=PROFILE.content_hash, i=PROFILE.id, v=PROFILE.version, now=NOW)
            for local, stored in sections.items():
                _run(conn, "INSERT INTO screening_decision (screening_id, charge_id, decision, sections, reasoning, "
                     "quote, exception_allowed, missing) VALUES (:s, :c, 'decline', :sec, '[]', '', 0, '[]')",
                     s=screening, c=charges[local], sec=stored)
    return charges


def test_the_migration_fills_in_each_charges_section(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    key, charges = case_file_at(path, "0015", _fill_0015, PASSPHRASE)
    case_file = database.open_case_file(path, key)  # upgrades it
    try:
        with case_file.session() as db:
            kept = {c.local_id: c.section for c in db.scalars(select(m.Charge))}
            assert kept == {"1": "1(b)", "2": "8", "3": None, "4": None}
            assert kept == {local: _expected(db)[cid] for local, cid in charges.items()}
            assert Counter({s: v[0] for s, v in _by_section(db).items()}) == Counter({"1(b)": 1, "8": 1, "": 1})
    finally:
        case_file.close()
    engine = database.make_engine(path, key=key)  # and back: the column and its index go
    try:
        with engine.begin() as conn:
            command.downgrade(database._alembic_config(conn), "0015")
        with engine.connect() as conn:
            assert "section" not in {c["name"] for c in inspect(conn).get_columns("charge")}
            assert "ix_charge_section" not in {i["name"] for i in inspect(conn).get_indexes("charge")}
            # nothing else lost (a rebuild of the charge table would have deleted its decisions through their keys)
            assert conn.execute(text("SELECT count(*) FROM charge")).scalar() == 4
            assert conn.execute(text("SELECT count(*) FROM screening_decision")).scalar() == 6
            assert conn.execute(text("PRAGMA foreign_key_check")).fetchall() == []
    finally:
        engine.dispose()

"""Court-ordered purges as a logged-in user (an administrator): each is checked and audited.

A purge carries out a court order sealing or expunging the office's own records of a person: the person, their
part in every case (charges against them, facts naming them, their details) and every saved screening of those
cases (screenings quote reasons that name people) are deleted, the remaining people's cases are screened again,
and deleted pages are overwritten (SQLite's secure delete, then VACUUM). The trail keeps a record of the order (a
fingerprint of its reference, not the reference) and of the purge (the person's id) with no personal data. Backups
made after the purge do not hold the records; restoring a backup made before it applies the purge again
(`casereview.services.backups.restore`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session, selectinload

from casereview.policy.profile import load_builtin
from casereview.services.access import Op
from casereview.services.session import UserSession, Workspace, set_audit_object
from casereview.store import cases
from casereview.store import models as m
from casereview.store.database import backup_folder


def case_file_path(ws: Workspace) -> Path:
    if ws.case_file.path is None:
        raise cases.CaseServiceError("A database server is backed up and restored with PostgreSQL's own tools "
                                     "(pg_dump, encrypted, and pg_restore: docs/server-guide.md, Backups), not by "
                                     "CaseReview. Nothing was done.")
    return ws.case_file.path




@dataclass(frozen=True)
class PurgeReport:
    person_id: int
    cases_changed: int
    cases_deleted: int
    older_backups: list[Path]
    # Section 8 requests deleted because they named the person but covered other people's charges too (their
    # cases: those charges are screened again without the request).
    shared_requests: list[str] = field(default_factory=list)
    # On a database server: what of the person may outlive the purge there, for whoever runs the server to deal
    # with (its dumps, archived write-ahead log and replicas are the server's, not CaseReview's).
    server_note: str = ""


def order_fingerprint(order_reference: str) -> str:
    """What the trail keeps of a court order's reference: enough to match the order, not to read it."""
    return hashlib.sha256(" ".join(order_reference.split()).casefold().encode("utf-8")).hexdigest()[:16]


def find_person(user: UserSession, *, person_key: str | None = None, person_id: int | None = None) -> int:
    user.authorize(Op.VIEW_CASES)
    with user.workspace.session() as db:
        if person_key is not None:
            found = db.scalars(select(m.Person.id).where(m.Person.person_key == person_key)).first()
            if found is None:
                raise cases.CaseServiceError(f"No person in this case file has the person key {person_key}.")
            return found
        if person_id is None or db.get(m.Person, person_id) is None:
            raise cases.CaseServiceError(f"There is no person with id {person_id} in this case file.")
        return person_id


def purge_person(user: UserSession, person_id: int, order_reference: str) -> PurgeReport:
    """Carry out a court order: delete everything this case file holds about one person (see the module)."""
    if not order_reference.strip():
        raise cases.CaseServiceError("Give the court order's reference (for example its docket number): the purge "
                                     "is recorded against it.")
    ws = user.workspace
    with user.acting(Op.PURGE, "purge", f"person:{person_id}") as db:
        user.audit(db, "court_order", f"order:{order_fingerprint(order_reference)}")
        if db.get(m.Person, person_id) is None:
            raise cases.CaseServiceError(f"There is no person with id {person_id} in this case file.")
        matches = _drop_matches(db, ws, person_id)
        changed, deleted = purge_rows(db, person_id)
        if matches:
            user.audit(db, "purge", f"record_matches:{matches}")
        shared = db.info.pop(_SHARED_REQUESTS, [])
        for request_id, _case_number in shared:
            user.audit(db, "purge", f"request:{request_id}")
        set_audit_object(db, f"person:{person_id}")
    wipe_free_pages(ws)
    if ws.case_file.path is None:  # a database server
        return PurgeReport(person_id, changed, deleted, [], [number for _id, number in shared], SERVER_NOTE)
    folder = backup_folder(case_file_path(ws))
    older = sorted(folder.glob("*.crbackup")) if folder.is_dir() else []
    return PurgeReport(person_id, changed, deleted, older, [number for _id, number in shared])


SERVER_NOTE = ("The records are deleted from the database and the server was asked to reclaim their space (VACUUM). "
               "Copies made before now outside it still hold them: the server's dumps (pg_dump), its archived "
               "write-ahead log and any replica. Whoever runs the server must delete or expire those the order "
               "covers (docs/server-guide.md, Backups).")


def _drop_matches(db: Session, ws: Workspace, person_id: int) -> int:
    """Delete the possible matches of people a records import kept that concern this person, decided or not: by
    their person in the case file, or by the keyed hash of what identifies them (their key, or their folded name
    and date of birth), which a match with a record still waiting in a file is named by. Returns how many."""
    from casereview.records.people import content_of, fold_name
    from casereview.services.records import identity_digest

    person = db.get(m.Person, person_id)
    if person is None:
        return 0
    digest = identity_digest(ws)
    folded = fold_name(person.name)
    contents = {content_of(person.person_key, folded, person.date_of_birth),
                content_of(None, folded, person.date_of_birth)}
    hashes = [digest(c) for c in contents if c is not None]
    found = list(db.scalars(select(m.RecordMatch).where(or_(m.RecordMatch.person_id == person_id,
                                                           m.RecordMatch.identity_a.in_(hashes),
                                                           m.RecordMatch.identity_b.in_(hashes)))))
    for match in found:
        db.delete(match)
    db.flush()
    return len(found)


_SHARED_REQUESTS = "purge: shared requests"  # db.info key: (request id, case number) of each


def _drop_documents_naming(db: Session, case: m.Case, party: m.CaseParty) -> None:
    """Delete what was made in CaseReview that names this person in this case, signed documents included: the
    section 8 requests for their charges, the letters for them, and the case's screening memos (a memo names
    everyone in the case). Their own letters also go with their part in the case (the database cascades)."""
    charge_ids = {c.id for c in case.charges if c.party is party}
    for request in db.scalars(select(m.ExceptionWorkflow).where(m.ExceptionWorkflow.case_id == case.id)):
        if any(c.id in charge_ids for c in request.charges):
            if any(c.id not in charge_ids for c in request.charges):
                db.info.setdefault(_SHARED_REQUESTS, []).append((request.id, case.case_number))
            db.delete(request)
    for letter in db.scalars(select(m.Letter).where(m.Letter.case_id == case.id)):
        if letter.party_id == party.id or letter.party_id is None:
            db.delete(letter)
    # A motion (to dismiss, or on warrants) that lists any of their charges names them: it goes whole, like a
    # request shared with others (a signed omnibus motion cannot lose one line and stay signed).
    naming = select(m.MotionCharge.motion_id).where(m.MotionCharge.charge_id.in_(charge_ids))
    for motion in db.scalars(select(m.Motion).where(m.Motion.id.in_(naming))):
        db.delete(motion)
    db.flush()


def purge_rows(db: Session, person_id: int) -> tuple[int, int]:
    """Delete one person and their part in every case; returns (cases changed, cases deleted)."""
    if db.get_bind().dialect.name == "sqlite":
        db.execute(text("PRAGMA secure_delete = ON"))
    parties = db.scalars(select(m.CaseParty).where(m.CaseParty.person_id == person_id).options(
        selectinload(m.CaseParty.case))).all()
    touched: dict[int, m.Case] = {}
    for party in parties:
        case = cases.load_case(db, party.case.case_number)
        party = next(p for p in case.parties if p.id == party.id)
        _drop_documents_naming(db, case, party)
        case.charges = [c for c in case.charges if c.party is not party]
        for charge in case.charges:
            if charge.with_party is party:
                charge.with_party = None
        case.facts = [f for f in case.facts if f.by_party is not party and f.against_party is not party]
        case.parties = [p for p in case.parties if p is not party]
        touched[case.id] = case
    db.flush()
    changed = deleted = 0
    for case in touched.values():
        policy = case.screenings[-1].policy_hash if case.screenings else None
        case.screenings = []  # their reasons name the people screened
        for charge in case.charges:
            charge.decision = charge.record_relief = charge.section = None
        if not case.parties:
            cases.delete_case(db, case.case_number)
            deleted += 1
            continue
        db.flush()
        spec_case = cases.to_spec(case)
        case.search_text = cases.search_text_of(spec_case)
        cases.reindex(db, case.id, case.search_text)
        if spec_case.charges:
            profile = cases.stored_policy(db, policy) if policy else load_builtin()
            cases.screen_row(db, case, profile)
        changed += 1
    person = db.get(m.Person, person_id)
    if person is not None:
        db.delete(person)
    db.flush()
    return changed, deleted


def wipe_free_pages(ws: Workspace) -> None:
    """Leave no deleted record in the file: merge the search index, fold the write-ahead log in, rebuild the file
    (the pages were already overwritten by secure delete). On a database server: VACUUM the tables a purge
    deletes from, so their dead rows' space is reclaimed (PostgreSQL overwrites it only as it reuses it)."""
    if ws.case_file.path is None:
        with ws.case_file.engine.connect() as server:
            auto = server.execution_options(isolation_level="AUTOCOMMIT")
            for table in ("person", "case_party", "charge", "fact", "screening", "screening_decision", "letter",
                          "motion", "record_match", "case_record"):
                auto.exec_driver_sql(f"VACUUM {table}")
        return
    raw = ws.case_file.engine.raw_connection()
    try:
        conn = raw.driver_connection
        assert conn is not None
        conn.execute("INSERT INTO case_search(case_search) VALUES ('optimize')")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()



"""Storing, reading, searching and screening cases: the rows and queries, in the caller's transaction. The same as
a logged-in user (permission checked, audited) is `casereview.services.cases`.

Cases come in and go out in the screening input format (`casereview.policy.case.Case`), so ``case import`` and
``case export`` round-trip a whole case, and the engine screens what is stored.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, select, table, text
from sqlalchemy import column as sql_column
from sqlalchemy.orm import Session, joinedload, selectinload

from casereview.policy import case as spec
from casereview.policy.engine import Screening, screen_case
from casereview.policy.profile import PolicyProfile, load_profile_text
from casereview.store import models as m
from casereview.store.search import case_search_text, fold, fts_query


class CaseServiceError(Exception):
    """An expected problem (a duplicate case number, an unknown case): the message says what to do."""


class CaseConflict(CaseServiceError):
    """Someone else saved the case since it was read: nothing was overwritten."""


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def search_text_of(case: spec.Case) -> str:
    """The folded text the case list searches for this case."""
    return case_search_text(case_number=case.case_number, places=[case.county, case.court, case.agency],
                            names=[p.name for p in case.people],
                            charges=[(c.offense, c.statute, c.docket_number) for c in case.charges])


def _find_person(session: Session, person: spec.Person, seen: dict[str, m.Person]) -> m.Person:
    """The stored person with this person_key, or a new person (the first record's details become theirs)."""
    key = person.person_key
    if key is not None:
        if key in seen:
            return seen[key]
        with session.no_autoflush:
            found = session.scalars(select(m.Person).where(m.Person.person_key == key)).first()
        if found is not None:
            seen[key] = found
            return found
    entity = m.Person(person_key=key, name=person.name, date_of_birth=person.date_of_birth,
                      race_ethnicity=person.race_ethnicity, gender_identity=person.gender_identity)
    if key is not None:
        seen[key] = entity
    return entity


class ExceptionsRefused(CaseServiceError):
    """A case brought in with section 8 exception entries: in a case file an approval exists only through the
    signed workflow, so they are refused (the message is whole: it says what to do and that nothing was kept)."""


def exceptions_refused(case_number: str, *, editing: bool = False, others: int = 0) -> ExceptionsRefused:
    """The refusal of a case that lists `exceptions` (spec, `exceptions[]`: "an `exceptions` entry arriving by
    import or by editing a case never counts as an approval"); `others`: how many more cases list them."""
    more = f" (and {others} other case{'s' if others > 1 else ''})" if others else ""
    lists = "list" if others else "lists"
    then = ('Remove the exceptions from the case and save it again. Nothing was saved.' if editing else
            'Remove "exceptions" from the case and import it again. Nothing was imported.')
    return ExceptionsRefused(
        f"Case {case_number}{more} {lists} section 8 exceptions. Exceptions are not imported or typed in: section 8 "
        "requires a written request and a supervisor's approval, so in CaseReview an exception is requested on the "
        "screened charge (Request an exception…), signed by the requester, and decided and signed by a supervisor. "
        f"{then}")


def import_case(session: Session, case: spec.Case) -> m.Case:
    """Store a new case. Refuses a case number that is already stored, and a case that lists section 8 exceptions
    (`exceptions_refused`); the caller commits."""
    if case.exceptions:
        raise exceptions_refused(case.case_number)
    if session.scalars(select(m.Case.id).where(m.Case.case_number == case.case_number)).first() is not None:
        raise CaseServiceError(
            f"Case {case.case_number} is already in this case file. Open it to edit it, or give the new case "
            "another number.")
    now = _now()
    row = m.Case(case_number=case.case_number, created_at=now)
    _fill(session, row, case, now)
    session.add(row)
    session.flush()
    reindex(session, row.id, row.search_text)
    return row


def update_case(session: Session, case: spec.Case, *, expected_version: int) -> m.Case:
    """Replace a stored case's contents with `case` (same case number), keeping the ids of the people and charges
    that stay (matched by their ids in the case). Raises CaseConflict when someone else saved it since
    `expected_version` was read, and ExceptionsRefused when the case lists section 8 exceptions; the caller
    commits."""
    if case.exceptions:
        raise exceptions_refused(case.case_number, editing=True)
    row = _load(session, case.case_number)
    if row.version != expected_version:
        raise CaseConflict(f"Case {case.case_number} was changed by someone else since you opened it (version "
                           f"{row.version}, you had {expected_version}). Nothing of yours was saved over it: "
                           "reopen the case to see their changes, then make yours again.")
    _fill(session, row, case, _now())
    session.flush()
    reindex(session, row.id, row.search_text)
    return row


def _fill(session: Session, row: m.Case, case: spec.Case, now: datetime) -> None:
    """Set a case row (new or stored) to the contents of `case`; rows that stay keep their ids."""
    row.incident_date, row.county, row.agency = case.incident_date, case.county, case.agency
    row.court, row.notes, row.search_text, row.updated_at = case.court, case.notes, search_text_of(case), now
    old_parties = {p.local_id: p for p in row.parties}
    old_charges = {c.local_id: c for c in row.charges}
    parties: dict[str, m.CaseParty] = {}
    seen: dict[str, m.Person] = {}
    for pos, p in enumerate(case.people):
        party = old_parties.get(p.id)
        if party is None or party.person.person_key != p.person_key:
            person = _find_person(session, p, seen)
            party = party or m.CaseParty(local_id=p.id)
            party.person = person
        party.position, party.role, party.trafficking_victim, party.name = pos, p.role, p.trafficking_victim, p.name
        party.date_of_birth, party.age, party.race_ethnicity = p.date_of_birth, p.age, p.race_ethnicity
        party.gender_identity, party.notes = p.gender_identity, p.notes
        parties[p.id] = party
    charges: dict[str, m.Charge] = {}
    for pos, c in enumerate(case.charges):
        charge = old_charges.get(c.id) or m.Charge(local_id=c.id)
        if charge.offense != c.offense or charge.party is not parties[c.person]:
            charge.decision = charge.record_relief = charge.section = None  # screened again before it shows one
        charge.position, charge.party = pos, parties[c.person]
        charge.with_party = parties[c.with_] if c.with_ else None
        charge.offense, charge.statute, charge.status, charge.offense_date = c.offense, c.statute, c.status, \
            c.offense_date
        charge.arose_from_exchange, charge.court, charge.docket_number = c.arose_from_exchange, c.court, \
            c.docket_number
        charge.disposition_date, charge.notes = c.disposition_date, c.notes
        charges[c.id] = charge
    row.facts = [m.Fact(position=pos, type=f.type, by_party=parties[f.by],
                        against_party=parties[f.against] if f.against else None)
                 for pos, f in enumerate(case.facts)]
    row.charges = list(charges.values())
    row.parties = list(parties.values())


def delete_case(session: Session, case_number: str) -> int:
    """Delete a case and everything recorded in it (people stay when another case names them); returns its id."""
    row = _load(session, case_number)
    session.flush()
    case_id = row.id
    people = {p.person_id for p in row.parties}
    # The database deletes the case's rows (ON DELETE CASCADE) in one statement; the ORM would delete the
    # screening decisions a second time through the charges.
    session.expunge(row)
    session.execute(delete(m.Case).where(m.Case.id == case_id))
    _unindex(session, case_id)
    _drop_orphan_people(session, people)
    return case_id


def _drop_orphan_people(session: Session, person_ids: set[int]) -> None:
    for person_id in person_ids:
        if session.scalars(select(m.CaseParty.id).where(m.CaseParty.person_id == person_id)).first() is None:
            person = session.get(m.Person, person_id)
            if person is not None:
                session.delete(person)
    session.flush()


def reindex(session: Session, case_id: int, search_text: str) -> None:
    if session.get_bind().dialect.name == "sqlite":
        _unindex(session, case_id)
        session.execute(text("INSERT INTO case_search(rowid, search_text) VALUES (:id, :t)"),
                        {"id": case_id, "t": search_text})


def _unindex(session: Session, case_id: int) -> None:
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("DELETE FROM case_search WHERE rowid = :id"), {"id": case_id})


def _load(session: Session, case_number: str) -> m.Case:
    # Three queries whatever the case holds: the case with its people (each party's person joined in, as
    # `to_spec` and `_fill` read it), then its charges and its facts. On a database server each query is a round
    # trip, and a save or an open loads the case. The person is joined as a second LEFT OUTER JOIN, not an inner
    # one (every party has a person, so the rows are the same): SQLAlchemy nests an inner join under an outer one,
    # and SQLite then reads every party of the file for it (200 ms at 100,000 cases instead of under 1 ms; see
    # tests/unit/store/test_case_load_plan.py).
    row = session.scalars(
        select(m.Case).where(m.Case.case_number == case_number).options(
            joinedload(m.Case.parties).joinedload(m.CaseParty.person),
            selectinload(m.Case.charges), selectinload(m.Case.facts))
    ).unique().one_or_none()
    if row is None:
        raise CaseServiceError(f"There is no case {case_number} in this case file. Check the case number.")
    return row


def load_case(session: Session, case_number: str) -> m.Case:
    """A stored case with everything in it; CaseServiceError when there is none with that number."""
    return _load(session, case_number)


def case_id(session: Session, case_number: str) -> int:
    found = session.scalars(select(m.Case.id).where(m.Case.case_number == case_number)).first()
    if found is None:
        raise CaseServiceError(f"There is no case {case_number} in this case file. Check the case number.")
    return found


def to_spec(row: m.Case) -> spec.Case:
    """A stored case in the screening input format. It has no `exceptions`: a case file's section 8 requests are
    made in CaseReview (`with_requests` adds them for screening)."""
    people = tuple(spec.Person(
        id=p.local_id, role=p.role, name=p.name, date_of_birth=p.date_of_birth, age=p.age,
        trafficking_victim=p.trafficking_victim, person_key=p.person.person_key, race_ethnicity=p.race_ethnicity,
        gender_identity=p.gender_identity, notes=p.notes) for p in row.parties)
    charges = tuple(spec.Charge(
        id=c.local_id, person=c.party.local_id, offense=c.offense,
        with_=c.with_party.local_id if c.with_party else None, statute=c.statute, status=c.status,
        offense_date=c.offense_date, arose_from_exchange=c.arose_from_exchange, court=c.court,
        docket_number=c.docket_number, disposition_date=c.disposition_date, notes=c.notes) for c in row.charges)
    facts = tuple(spec.Fact(f.type, f.by_party.local_id, f.against_party.local_id if f.against_party else None)
                  for f in row.facts)
    return spec.Case(case_number=row.case_number, incident_date=row.incident_date, people=people, charges=charges,
                     facts=facts, county=row.county, agency=row.agency, court=row.court, notes=row.notes)


def with_requests(session: Session, row: m.Case, case: spec.Case) -> spec.Case:
    """The case with its section 8 requests made in CaseReview as its exception entries, oldest first (the last
    entry for a charge decides), to screen with ``signed_only``: an approved request is `signed` (a request
    reaches "approved" only by a supervisor's signature on the requester's signed request,
    `casereview.services.exception_requests.decide_request`), and makes a declined charge that may take an
    exception a charge under section 8."""
    if row.id is None:
        return case
    made = session.scalars(select(m.ExceptionWorkflow).where(m.ExceptionWorkflow.case_id == row.id)
                           .order_by(m.ExceptionWorkflow.id).options(selectinload(m.ExceptionWorkflow.charges))).all()
    entries = tuple(spec.ExceptionEntry(c.local_id, w.status, w.ground, signed=w.status == "approved")
                    for w in made for c in w.charges)
    return replace(case, exceptions=case.exceptions + entries) if entries else case


@dataclass(frozen=True)
class DefenseDetails:
    """What a defense office records about a case beyond the screening input format (which `to_spec` and
    `parse_case` keep as they are): which of its people are the office's clients, the prosecuting office the case is
    before, and whether the case file records that that office adopted the policy (documents name the policy as
    that office's only then)."""

    clients: frozenset[str] = frozenset()  # the people's ids in the case
    prosecuting_office: str | None = None
    adopted: bool = False


MAX_OFFICE_NAME = 300


def defense_details(row: m.Case) -> DefenseDetails:
    return DefenseDetails(frozenset(p.local_id for p in row.parties if p.client), row.prosecuting_office,
                          bool(row.prosecutor_adopted_policy))


def set_defense_details(session: Session, row: m.Case, details: DefenseDetails) -> None:
    """Record which people of a stored case are the office's clients, and its prosecuting office. A client id
    that names nobody in the case is refused (CaseServiceError); the caller commits."""
    ids = {p.local_id for p in row.parties}
    unknown = sorted(details.clients - ids)
    if unknown:
        raise CaseServiceError(f"Case {row.case_number} has no person {unknown[0]}: a client must be one of the "
                               f"case's people ({', '.join(sorted(ids)) or 'none yet'}).")
    office = " ".join((details.prosecuting_office or "").split()) or None
    if office and len(office) > MAX_OFFICE_NAME:
        raise CaseServiceError(f"The prosecuting office's name is longer than {MAX_OFFICE_NAME} characters.")
    for party in row.parties:
        party.client = party.local_id in details.clients
    if (row.prosecuting_office, bool(row.prosecutor_adopted_policy)) != (office, details.adopted):
        row.prosecuting_office, row.prosecutor_adopted_policy = office, details.adopted
    session.flush()


def set_client(session: Session, case_number: str, person: str, client: bool) -> m.CaseParty:
    """Mark one person of a stored case as a client of the office (or not); the caller commits."""
    row = _load(session, case_number)
    party = next((p for p in row.parties if p.local_id == person), None)
    if party is None:
        raise CaseServiceError(f"Case {case_number} has no person {person}.")
    party.client = client
    session.flush()
    return party


def set_prosecuting_office(session: Session, case_number: str, office: str | None, *, adopted: bool) -> m.Case:
    """Record the prosecuting office a stored case is before, and whether it adopted the policy; the caller
    commits."""
    row = _load(session, case_number)
    set_defense_details(session, row, replace(defense_details(row), prosecuting_office=office, adopted=adopted))
    return row


def export_case(session: Session, case_number: str) -> spec.Case:
    return to_spec(_load(session, case_number))


_POLICIES_SEEN = "casereview.policies_seen"
# The policy texts each open database is known to hold (found there, so committed: they are never changed or
# deleted), asked about no more.
_POLICIES_STORED: weakref.WeakKeyDictionary[Engine | Connection, set[str]] = weakref.WeakKeyDictionary()


def store_policy(session: Session, profile: PolicyProfile) -> None:
    """The profile's exact text, stored once by content hash. Whether it is stored already is asked by its hash
    alone (every screening asks, and the text is tens of kilobytes), once per transaction until it is found, and
    never again once it was found (a policy text, once stored, stays)."""
    content_hash = profile.content_hash
    known = _POLICIES_STORED.setdefault(session.get_bind(), set())
    if content_hash in known:
        return
    seen: tuple[object, set[str]] | None = session.info.get(_POLICIES_SEEN)
    if seen is not None and seen[0] is session.get_transaction() and content_hash in seen[1]:
        return  # (added in this transaction)
    stored = session.scalars(select(m.PolicyText.content_hash).where(m.PolicyText.content_hash == content_hash)
                             ).first()
    if stored is not None:  # (committed: one added in this transaction is in `seen`)
        known.add(content_hash)
        return
    session.add(m.PolicyText(content_hash=content_hash, policy_id=profile.id, version=profile.version,
                             title=profile.title, text=profile.raw_text, stored_at=_now()))
    transaction = session.get_transaction()  # (begun by the query above, when none was)
    if seen is None or seen[0] is not transaction:
        seen = session.info[_POLICIES_SEEN] = (transaction, set())
    seen[1].add(content_hash)


def stored_policy(session: Session, content_hash: str) -> PolicyProfile:
    """The exact policy a saved screening used, read back from the case file (even after the office edited it)."""
    row = session.get(m.PolicyText, content_hash)
    if row is None:
        raise CaseServiceError(f"This case file holds no policy with content hash {content_hash[:12]}….")
    return load_profile_text(row.text, f"the {row.policy_id} policy stored in the case file")


def screen_and_save(session: Session, case_number: str, profile: PolicyProfile, *,
                    presumptive: bool | None = None) -> Screening:
    """Screen a stored case, keep the screening with the policy text it used, update the charges' decisions."""
    return screen_row(session, _load(session, case_number), profile, presumptive=presumptive)


def screen_row(session: Session, row: m.Case, profile: PolicyProfile, *,
               presumptive: bool | None = None) -> Screening:
    """`screen_and_save` for a case already in the session (just imported): it is not loaded again."""
    result = screen_case(with_requests(session, row, to_spec(row)), profile, presumptive=presumptive,
                         signed_only=True)
    store_policy(session, profile)
    saved = m.Screening(case=row, policy_hash=profile.content_hash, policy_id=profile.id,
                        policy_version=profile.version, presumptive=result.presumptive, case_version=row.version,
                        screened_at=_now(), rules_version=profile.screening_version)
    charges = {c.local_id: c for c in row.charges}
    for d in result.charges:
        charge = charges[d.charge]
        saved.decisions.append(m.ScreeningDecision(
            charge_id=charge.id, decision=d.decision, sections=list(d.sections),
            reasoning=[r.to_json() for r in d.reasoning], quote=d.quote, exception_allowed=d.exception_allowed,
            record_relief=d.record_relief, missing=[n.to_json() for n in d.missing],
            relief_sections=list(d.relief_sections)))
        charge.decision = d.decision
        charge.record_relief = d.record_relief
        charge.section = m.section_of(d.sections)
    session.add(saved)
    session.flush()
    return result


def screen_pending(session: Session, profile: PolicyProfile, presumptive: bool | None = None) -> list[str]:
    """Screen the cases waiting to be screened again under the current rules (`m.RescreenPending`: migration 0010
    marked those whose unsigned section 8 approval counted before) and take them off the list; returns their case
    numbers, in the order of their ids. The caller audits and commits."""
    ids = list(session.scalars(select(m.RescreenPending.case_id).order_by(m.RescreenPending.case_id)))
    done = []
    for case_id in ids:
        row = session.get(m.Case, case_id)
        if row is not None:
            screen_row(session, row, profile, presumptive=presumptive)
            done.append(row.case_number)
        session.execute(delete(m.RescreenPending).where(m.RescreenPending.case_id == case_id))
    session.flush()
    return done


def has_pending(session: Session) -> bool:
    """Whether any case waits to be screened again (`screen_pending`)."""
    return session.scalars(select(m.RescreenPending.case_id).limit(1)).first() is not None


@dataclass(frozen=True, slots=True)
class CaseRow:
    """One line of the case list."""

    id: int
    case_number: str
    incident_date: str
    county: str
    people: str
    charges: int
    decisions: str


SORTABLE = {"case_number": m.Case.case_number, "incident_date": m.Case.incident_date, "county": m.Case.county}


@dataclass(frozen=True)
class CaseFilter:
    """What the case list shows: a search (accent- and case-insensitive: case number, names, statutes, offenses,
    docket numbers, places), a decision and a charge status any charge has, and an incident-date range."""

    query: str = ""
    decision: str | None = None
    status: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "incident_date"
    descending: bool = True


def search_case_ids(session: Session, query: str = "", *, decision: str | None = None,
                    limit: int | None = None, offset: int = 0, where: CaseFilter | None = None) -> list[int]:
    """Ids of the cases matching a search and filters, newest incident first unless `where` sorts otherwise
    (`offset` and `limit` give one page of them)."""
    where = where or CaseFilter(query=query, decision=decision)
    column = SORTABLE.get(where.sort, m.Case.incident_date)
    order = (column.desc(), m.Case.id.desc()) if where.descending else (column.asc(), m.Case.id.asc())
    stmt = _matching(session, select(m.Case.id), where).order_by(*order)
    if limit is not None:
        stmt = stmt.limit(limit)
    if offset:
        stmt = stmt.offset(offset)
    # Core, not the ORM: plain integers, without an ORM result around each row.
    return list(session.connection().execute(stmt).scalars())


def count_matching(session: Session, where: CaseFilter) -> int:
    """How many cases match a search and filters."""
    folded = fold(where.query)
    filtered = bool(where.decision or where.status or where.date_from or where.date_to)
    if not folded and not filtered:
        return count_cases(session)
    if not filtered and session.get_bind().dialect.name == "sqlite" and all(len(w) >= 3 for w in folded.split()):
        # The search index alone knows how many cases it matches (every indexed row is a case).
        return int(session.connection().execute(text("SELECT count(*) FROM case_search WHERE case_search MATCH :q"),
                                                {"q": fts_query(folded)}).scalar_one())
    stmt = _matching(session, select(func.count(m.Case.id)), where)
    return int(session.connection().execute(stmt).scalar_one())


def _matching(session: Session, stmt: Any, where: CaseFilter) -> Any:
    """`stmt` (a select over case_record) narrowed to the cases matching `where`."""
    folded = fold(where.query)
    if folded:
        if session.get_bind().dialect.name == "sqlite" and all(len(w) >= 3 for w in folded.split()):
            # A join (not IN): SQLite then walks the index's matches instead of every case.
            search = table("case_search", sql_column("rowid"))
            stmt = stmt.join(search, search.c.rowid == m.Case.id).where(
                text("case_search MATCH :q").bindparams(q=fts_query(folded)))
        else:
            for word in folded.split():
                stmt = stmt.where(m.Case.search_text.contains(word, autoescape=True))
    charge_filter = []
    if where.decision:
        charge_filter.append(m.Charge.decision == where.decision)
    if where.status:
        charge_filter.append(m.Charge.status == where.status)
    if charge_filter:
        stmt = stmt.where(m.Case.id.in_(select(m.Charge.case_id).where(*charge_filter)))
    if where.date_from is not None:
        stmt = stmt.where(m.Case.incident_date >= where.date_from)
    if where.date_to is not None:
        stmt = stmt.where(m.Case.incident_date <= where.date_to)
    return stmt


def case_rows(session: Session, ids: Sequence[int]) -> list[CaseRow]:
    """The list lines for some case ids, in the order given (three plain queries, whatever the number of ids)."""
    if not ids:
        return []
    conn = session.connection()
    cases_found = {r.id: r for r in conn.execute(
        select(m.Case.id, m.Case.case_number, m.Case.incident_date, m.Case.county).where(m.Case.id.in_(ids)))}
    names: dict[int, list[str]] = {}
    for case_id, name, local_id in conn.execute(
            select(m.CaseParty.case_id, m.CaseParty.name, m.CaseParty.local_id)
            .where(m.CaseParty.case_id.in_(ids)).order_by(m.CaseParty.case_id, m.CaseParty.position)):
        names.setdefault(case_id, []).append(name or local_id)
    charges: dict[int, tuple[int, set[str]]] = {}
    for case_id, decision in conn.execute(
            select(m.Charge.case_id, m.Charge.decision).where(m.Charge.case_id.in_(ids))):
        count, decisions = charges.get(case_id, (0, set()))
        if decision:
            decisions.add(decision)
        charges[case_id] = (count + 1, decisions)
    out = []
    for case_id in ids:
        r = cases_found[case_id]
        count, decisions = charges.get(case_id, (0, set()))
        out.append(CaseRow(id=r.id, case_number=r.case_number, incident_date=r.incident_date.isoformat(),
                           county=r.county or "", people=", ".join(names.get(case_id, [])), charges=count,
                           decisions=", ".join(sorted(decisions)) if decisions else "not screened"))
    return out


def count_cases(session: Session) -> int:
    return session.scalar(select(func.count(m.Case.id))) or 0

"""The records import's rows and queries, in the caller's transaction: import runs, the fingerprints of the cases
an import stored, the possible matches of people and their decisions, and storing many new cases at once.

`store_cases` stores a batch of new cases and their screenings with one multi-row INSERT per table, in place of
`casereview.store.cases.import_case` and `screen_row` case by case (the ORM's unit of work costs about
30 times as much per row: 100,000 rows would take minutes). It writes exactly the rows those two write: the same
columns, values and search index (tests/unit/services/test_records_import.py compares the two on every table,
and fails when a table gains a column `WRITTEN` does not list). Its people are given, not looked up: the import
decides who each person is (`casereview.records.people`). It is `prepare_cases` (screening, and the rows with their
ids, in no transaction) then `write_prepared`: an import prepares a batch while the one before it commits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final

from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Session

from casereview.policy import case as spec
from casereview.policy.engine import Reason, Screening, screen_case
from casereview.policy.profile import PolicyProfile
from casereview.store import cases
from casereview.store import models as m
from casereview.store.search import SearchTexts


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def fingerprint(case: spec.Case, warrants: frozenset[str] = frozenset()) -> str:
    """The SHA-256 of a case's contents in the case format (the same case read twice gives the same), with the
    charges whose warrant is outstanding where there are any (kept beside the case format, which has no field for
    them)."""
    try:
        text_ = _contents_text(case, warrants)
    except TypeError:  # (a value of a type its field does not have: as json.dumps writes it, or fails)
        text_ = None
    if text_ is None:
        text_ = fingerprint_text(case, warrants)
    return hashlib.sha256(text_.encode("utf-8")).hexdigest()


def fingerprint_text(case: spec.Case, warrants: frozenset[str] = frozenset()) -> str:
    """What `fingerprint` hashes: the case in the case format as canonical JSON (keys sorted, no spaces)."""
    contents: object = spec.case_to_json(case)
    if warrants:
        contents = {"case": contents, "warrants": sorted(warrants)}
    return json.dumps(contents, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


_STRING: Final = json.encoder.encode_basestring  # (a string as json.dumps writes it with ensure_ascii=False)


def _value(value: object) -> str:
    """A value json.dumps writes as it is (a string, true, a whole number); TypeError for any other."""
    if type(value) is str:
        return _STRING(value)
    if value is True:
        return "true"
    if type(value) is int:
        return int.__repr__(value)
    raise TypeError(type(value).__name__)


def _contents_text(case: spec.Case, warrants: frozenset[str]) -> str | None:
    """`fingerprint_text` written directly, field by field in the order of their sorted keys, without building
    `spec.case_to_json`'s dictionaries and sorting them (an import fingerprints every case of its file: this
    takes a third of the time). None for a case with facts or exceptions (records files give none: the generic
    way). `spec.case_to_json` leaves out a field that is None or False; so does this (a value of another type than its
    field's raises TypeError: the generic way writes it)."""
    if case.facts or case.exceptions:
        return None
    value, string = _value, _STRING
    people = []
    for p in case.people:
        f = []
        if p.age is not None and p.age is not False:
            f.append('"age":' + value(p.age))
        if p.date_of_birth:
            f.append('"date_of_birth":' + value(p.date_of_birth.isoformat()))
        if p.gender_identity is not None:
            f.append('"gender_identity":' + string(p.gender_identity))
        if p.id is not None:
            f.append('"id":' + string(p.id))
        if p.name is not None:
            f.append('"name":' + string(p.name))
        if p.notes is not None:
            f.append('"notes":' + string(p.notes))
        if p.person_key is not None:
            f.append('"person_key":' + string(p.person_key))
        if p.race_ethnicity is not None:
            f.append('"race_ethnicity":' + string(p.race_ethnicity))
        if p.role is not None:
            f.append('"role":' + string(p.role))
        if p.trafficking_victim is not False:
            f.append('"trafficking_victim":' + value(p.trafficking_victim))
        people.append("{" + ",".join(f) + "}")
    charges = []
    for c in case.charges:
        f = []
        if c.arose_from_exchange is not False:
            f.append('"arose_from_exchange":' + value(c.arose_from_exchange))
        if c.court is not None:
            f.append('"court":' + string(c.court))
        if c.disposition_date:
            f.append('"disposition_date":' + value(c.disposition_date.isoformat()))
        if c.docket_number is not None:
            f.append('"docket_number":' + string(c.docket_number))
        if c.id is not None:
            f.append('"id":' + string(c.id))
        if c.notes is not None:
            f.append('"notes":' + string(c.notes))
        if c.offense is not None:
            f.append('"offense":' + string(c.offense))
        if c.offense_date:
            f.append('"offense_date":' + value(c.offense_date.isoformat()))
        if c.person is not None:
            f.append('"person":' + string(c.person))
        if c.status is not None:
            f.append('"status":' + string(c.status))
        if c.statute is not None:
            f.append('"statute":' + string(c.statute))
        if c.with_ is not None:
            f.append('"with":' + string(c.with_))
        charges.append("{" + ",".join(f) + "}")
    top = []
    if case.agency is not None:
        top.append('"agency":' + string(case.agency))
    top.append('"case_number":' + string(case.case_number))
    top.append('"charges":[' + ",".join(charges) + "]")
    if case.county is not None:
        top.append('"county":' + string(case.county))
    if case.court is not None:
        top.append('"court":' + string(case.court))
    top.append('"exceptions":[],"facts":[],"incident_date":' + value(case.incident_date.isoformat()))
    if case.notes is not None:
        top.append('"notes":' + string(case.notes))
    top.append('"people":[' + ",".join(people) + "]")
    text_ = "{" + ",".join(top) + "}"
    if warrants:
        text_ = '{"case":' + text_ + ',"warrants":[' + ",".join(value(w) for w in sorted(warrants)) + "]}"
    return text_


def mark_warrants(session: Session, warrants: Sequence[tuple[int, str]]) -> None:
    """Record outstanding warrants on charges just stored: (case id, charge id in the case)."""
    if not warrants:
        return
    table = m.Base.metadata.tables["charge"]
    session.connection().execute(update(table).where(table.c.case_id == bindparam("case"),
                                                     table.c.local_id == bindparam("charge"))
                                 .values(warrant_outstanding=True),
                                 [{"case": case_id, "charge": charge} for case_id, charge in warrants])


# ------------------------------------------------------------------------------------------ what is stored


def statute_catalog(session: Session) -> dict[str, str]:
    """The office's statute catalog: folded statute text -> offense."""
    return {code: offense for code, offense in session.connection().execute(
        select(m.Statute.code_folded, m.Statute.offense))}


@dataclass(frozen=True, slots=True)
class KnownPerson:
    id: int
    key: str | None
    name: str | None
    date_of_birth: date | None


def known_people(session: Session) -> list[KnownPerson]:
    """Every person of the case file (id, key, name and date of birth as first recorded)."""
    return [KnownPerson(*row) for row in session.connection().execute(
        select(m.Person.id, m.Person.person_key, m.Person.name, m.Person.date_of_birth).order_by(m.Person.id))]


@dataclass(frozen=True, slots=True)
class StoredNumber:
    case_id: int
    fingerprint: str | None  # None: the case was not stored by a records import


def stored_numbers(session: Session) -> dict[str, StoredNumber]:
    """Every case number of the case file, with the fingerprint a records import kept of it."""
    rows = session.connection().execute(
        select(m.Case.case_number, m.Case.id, m.RecordImportCase.fingerprint)
        .outerjoin(m.RecordImportCase, m.RecordImportCase.case_id == m.Case.id))
    return {number: StoredNumber(case_id, fp) for number, case_id, fp in rows}


def stored_contents(session: Session, case_number: str) -> spec.Case:
    """A stored case in the case format (to compare with a case read from a file)."""
    return cases.to_spec(cases.load_case(session, case_number))


# -------------------------------------------------------------------------------------------------- runs


def unfinished_run(session: Session, sha256: str) -> int | None:
    """The latest run of the same file that did not finish (killed, cancelled), to carry on."""
    return session.scalars(select(m.RecordImportRun.id).where(
        m.RecordImportRun.file_sha256 == sha256, m.RecordImportRun.status.in_(("running", "cancelled")))
        .order_by(m.RecordImportRun.id.desc()).limit(1)).first()


def start_run(session: Session, *, file_name: str, sha256: str, sheet: str | None, mapping_sha256: str | None,
              user_id: int, now: datetime, rows: int, cases_found: int) -> m.RecordImportRun:
    """A new run; an earlier run of the same file that did not finish is marked interrupted and carried on."""
    earlier = unfinished_run(session, sha256)
    if earlier is not None:
        session.execute(update(m.RecordImportRun).where(m.RecordImportRun.id == earlier)
                        .values(status="interrupted"))
    run = m.RecordImportRun(file_name=file_name, file_sha256=sha256, sheet=sheet, mapping_sha256=mapping_sha256,
                            user_id=user_id, status="running", started_at=now, rows=rows, cases=cases_found,
                            stored=0, skipped=0, rejected=0, held=0, conflicts=0, resumes=earlier)
    session.add(run)
    session.flush()
    return run


def count_run(session: Session, run_id: int, **counts: int) -> None:
    """Set a run's counts (stored, skipped, rejected, held, conflicts)."""
    session.execute(update(m.RecordImportRun).where(m.RecordImportRun.id == run_id).values(**counts))


def finish_run(session: Session, run_id: int, status: str, now: datetime) -> None:
    session.execute(update(m.RecordImportRun).where(m.RecordImportRun.id == run_id)
                    .values(status=status, finished_at=now))


@dataclass(frozen=True, slots=True)
class RunRow:
    id: int
    file_name: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    rows: int
    stored: int
    skipped: int
    rejected: int
    held: int
    conflicts: int
    resumes: int | None


def runs(session: Session, sha256: str | None = None) -> list[RunRow]:
    stmt = select(m.RecordImportRun).order_by(m.RecordImportRun.id)
    if sha256 is not None:
        stmt = stmt.where(m.RecordImportRun.file_sha256 == sha256)
    return [RunRow(r.id, r.file_name, r.status, r.started_at, r.finished_at, r.rows, r.stored, r.skipped, r.rejected,
                   r.held, r.conflicts, r.resumes) for r in session.scalars(stmt)]


# ----------------------------------------------------------------------------------------------- matches


def match_decisions(session: Session) -> dict[tuple[str, str], str]:
    """The decisions kept: (identity a, identity b) -> same | different."""
    return {(a, b): str(d) for a, b, d in session.connection().execute(
        select(m.RecordMatch.identity_a, m.RecordMatch.identity_b, m.RecordMatch.decision)
        .where(m.RecordMatch.decision.is_not(None)))}


@dataclass(frozen=True, slots=True)
class MatchRow:
    id: int
    label_a: str
    label_b: str
    reason: str
    decision: str | None
    identity_a: str
    identity_b: str


def save_matches(session: Session, found: Iterable[tuple[str, str, str, str, str, int | None]], *, run_id: int,
                 now: datetime) -> dict[tuple[str, str], int]:
    """Keep the matches to decide (identity a, identity b, label a, label b, reason, person id): new ones added,
    those already kept given the labels of this file. Returns their ids by identities."""
    kept = {(a, b): (match_id, decision) for match_id, a, b, decision in session.connection().execute(
        select(m.RecordMatch.id, m.RecordMatch.identity_a, m.RecordMatch.identity_b, m.RecordMatch.decision))}
    ids: dict[tuple[str, str], int] = {}
    for a, b, label_a, label_b, reason, person_id in found:
        here = kept.get((a, b))
        if here is None:
            row = m.RecordMatch(identity_a=a, identity_b=b, label_a=label_a, label_b=label_b, reason=reason,
                                person_id=person_id, found_at=now, run_id=run_id)
            session.add(row)
            session.flush()
            ids[(a, b)] = row.id
        else:
            if here[1] is None:
                session.execute(update(m.RecordMatch).where(m.RecordMatch.id == here[0]).values(
                    label_a=label_a, label_b=label_b, reason=reason, person_id=person_id))
            ids[(a, b)] = here[0]
    return ids


def pending_matches(session: Session) -> list[MatchRow]:
    return [MatchRow(r.id, r.label_a or "", r.label_b or "", r.reason, r.decision, r.identity_a, r.identity_b)
            for r in session.scalars(select(m.RecordMatch).where(m.RecordMatch.decision.is_(None))
                                     .order_by(m.RecordMatch.id))]


class MatchNotFound(cases.CaseServiceError):
    pass


def decide_match(session: Session, match_id: int, decision: str, user_id: int, now: datetime) -> MatchRow:
    """Record a decision (same | different) on a match; its labels (names) are no longer kept."""
    if decision not in ("same", "different"):
        raise ValueError(decision)
    row = session.get(m.RecordMatch, match_id)
    if row is None:
        raise MatchNotFound(f"There is no match {match_id} to decide in this case file. List them with "
                            "`records matches`.")
    shown = MatchRow(row.id, row.label_a or "", row.label_b or "", row.reason, decision, row.identity_a,
                     row.identity_b)
    row.decision, row.decided_by, row.decided_at = decision, user_id, now
    row.label_a = row.label_b = None
    session.flush()
    return shown


# --------------------------------------------------------------------------------------- storing new cases


@dataclass(frozen=True, slots=True)
class PersonLink:
    """Whom a person of a new case is: a person of the case file (`person_id`), or the new person of
    `component` (made with the first case that has them); `key` is set on a person of the case file that has
    none."""

    component: str
    person_id: int | None = None
    key: str | None = None


# Every column store_cases writes, per table. A column added to one of these tables must be written here too (or
# be shown to take its default in both ways of storing): the test that compares the two fails until it is.
WRITTEN: Final = {
    "person": ("id", "person_key", "name", "date_of_birth", "race_ethnicity", "gender_identity"),
    "case_record": ("id", "case_number", "incident_date", "county", "agency", "court", "notes", "search_text",
                    "version", "created_at", "updated_at", "prosecuting_office", "prosecutor_adopted_policy"),
    "case_party": ("id", "case_id", "person_id", "position", "local_id", "role", "trafficking_victim", "name",
                   "date_of_birth", "age", "race_ethnicity", "gender_identity", "notes", "client", "race_category",
                   "gender_category"),
    "charge": ("id", "case_id", "position", "local_id", "party_id", "with_party_id", "offense", "statute", "status",
               "offense_date", "arose_from_exchange", "court", "docket_number", "disposition_date", "notes",
               "decision", "record_relief", "section", "warrant_outstanding"),
    "screening": ("id", "case_id", "policy_hash", "policy_id", "policy_version", "presumptive", "case_version",
                  "screened_at", "rules_version"),
    "screening_decision": ("id", "screening_id", "charge_id", "decision", "sections", "reasoning", "quote",
                           "exception_allowed", "record_relief", "missing", "relief_sections"),
}
_MODELS: Final = (m.Person, m.Case, m.CaseParty, m.Charge, m.Screening, m.ScreeningDecision)


@dataclass(frozen=True)
class Stored:
    case_id: int
    screening: Screening


def _next_ids(session: Session) -> dict[str, int]:
    conn = session.connection()
    return {model.__tablename__: (conn.execute(select(func.max(model.id))).scalar() or 0) + 1 for model in _MODELS}


def _insert_many(conn: Connection, table_name: str, columns: Sequence[str], rows: list[tuple[Any, ...]],
                 converted: frozenset[str] = frozenset()) -> None:
    """Insert rows (values in the order of `columns`) with one prepared statement: each value converted by its
    column's own type, as any SQLAlchemy insert converts it, without building a statement per row (the columns
    in `converted` hold values their type has converted already: `_Converted`)."""
    if not rows:
        return
    bound = _bound(conn.dialect, table_name, columns, rows, converted)
    if bound is None:  # (another database: SQLAlchemy's own executemany)
        conn.execute(insert(m.Base.metadata.tables[table_name]),
                     [dict(zip(columns, row, strict=True)) for row in rows])
        return
    conn.exec_driver_sql(*bound)


def _bound(dialect: Dialect, table_name: str, columns: Sequence[str], rows: list[tuple[Any, ...]],
           converted: frozenset[str] = frozenset()) -> tuple[str, list[tuple[Any, ...]]] | None:
    """`_insert_many`'s statement and its rows as the driver binds them (every value converted), for a driver
    with ``?`` parameters (SQLite's); None for another."""
    if dialect.paramstyle != "qmark":
        return None
    table = m.Base.metadata.tables[table_name]
    processors = [None if name in converted else table.c[name].type.bind_processor(dialect) for name in columns]
    quote = dialect.identifier_preparer.quote
    sql = f"INSERT INTO {quote(table_name)} ({', '.join(quote(c) for c in columns)}) " \
          f"VALUES ({', '.join('?' for _ in columns)})"
    if not rows:
        return sql, rows
    adapters = _driver_adapters(dialect)
    # Column by column: a call per value converted (each distinct date or flag once), none per value left as it
    # is; the dates the driver would adapt one by one as it binds them, adapted here the same way, each once.
    values = list(zip(*rows, strict=True))
    changed = False
    for i, convert in enumerate(processors):
        if convert is None and columns[i] not in converted and adapters:
            kinds = set(map(type, values[i]))
            kinds.discard(type(None))
            adapt = adapters.get(kinds.pop()) if len(kinds) == 1 else None
            if adapt is not None:
                values[i], changed = _each_once(values[i], adapt), True
        elif convert is not None:
            values[i], changed = _each_once(values[i], convert), True
    return sql, list(zip(*values, strict=True)) if changed else rows


_IMPORTED, _IMPORTED_COLUMNS = "record_import_case", ("case_id", "run_id", "fingerprint")
_REPEATED: Final = (bool, date, datetime)  # the kinds of values a column repeats (and that equal only their own)


def _each_once(values: tuple[Any, ...], convert: Callable[[Any], Any]) -> tuple[Any, ...]:
    """`convert` of each value but None; each distinct value converted once when they are all of one kind of
    `_REPEATED`."""
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if len(kinds) == 1 and kinds.pop() in _REPEATED:
        once = {v: convert(v) for v in set(values) if v is not None}
        once[None] = None
        return tuple(map(once.__getitem__, values))
    return tuple([None if v is None else convert(v) for v in values])


def _driver_adapters(dialect: Dialect) -> dict[type, Callable[[Any], Any]]:
    """The adapters a SQLite driver binds a date and a date and time with (value by value, in Python), by type."""
    module = getattr(dialect, "dbapi", None)
    registered, protocol = getattr(module, "adapters", None), getattr(module, "PrepareProtocol", None)
    if not isinstance(registered, dict) or protocol is None:
        return {}
    return {kind: registered[(kind, protocol)] for kind in (date, datetime) if (kind, protocol) in registered}


class _Converted:
    """A column's values as its type converts them for the database, each distinct value converted once (the
    screening's sections, needs and relief grounds are a few values repeated over every charge)."""

    def __init__(self, dialect: Dialect, table_name: str, column: str) -> None:
        self.convert = m.Base.metadata.tables[table_name].c[column].type.bind_processor(dialect)
        self.known: dict[Any, Any] = {}

    def __call__(self, value: Any, key: Any = None) -> Any:
        if self.convert is None or value is None:
            return value
        if key is None:
            return self.convert(value)
        found = self.known.get(key)
        if found is None:
            found = self.known[key] = self.convert(value)
        return found


_DECISION_JSON: Final = frozenset({"sections", "reasoning", "missing", "relief_sections"})


class _ReasoningJSON:
    """A decision's reasoning as its column's type converts it (JSON text of `[r.to_json() for r in reasoning]`),
    written directly: each reason without supporting ones (the rules' sentences, repeated over every charge)
    written once. Used only where the column's own conversion writes a probe of every kind of text the same
    (json.dumps's default: ASCII, ", " and ": "); else that conversion is used."""

    _PROBE: Final = (Reason('Zoë "Q" O\'Brien \\ \t\n\u2028 Nguyễn 😀',
                            (Reason("Rule: a"), Reason("b", (Reason(""),)))), Reason("Rule: a"))

    def __init__(self, converted: _Converted) -> None:
        self.convert = converted
        self.leaves: dict[str, str] = {}
        self.direct = self._text(self._PROBE) == converted([r.to_json() for r in self._PROBE])
        self.leaves.clear()

    def __call__(self, reasoning: Sequence[Reason]) -> Any:
        if self.direct:
            try:
                return self._text(reasoning)
            except TypeError:  # (a text that is not a string: as the column's type writes it)
                pass
        return self.convert([r.to_json() for r in reasoning])

    def _text(self, reasoning: Sequence[Reason]) -> str:
        return "[" + ", ".join([self._one(r) for r in reasoning]) + "]"

    def _one(self, reason: Reason) -> str:
        """json.dumps(reason.to_json()): ``{"text": …, "because": […]}``."""
        if not reason.because:
            found = self.leaves.get(reason.text)
            if found is None:
                found = self.leaves[reason.text] = '{"text": ' + _ASCII(reason.text) + ', "because": []}'
            return found
        return '{"text": ' + _ASCII(reason.text) + ', "because": [' + \
            ", ".join([self._one(r) for r in reason.because]) + "]}"


_ASCII: Final = json.encoder.encode_basestring_ascii  # (a string as json.dumps writes it by default)


def store_cases(session: Session, batch: Sequence[tuple[spec.Case, dict[str, PersonLink]]], profile: PolicyProfile,
                *, presumptive: bool | None, components: dict[str, int], run_id: int,
                fingerprints: Sequence[str]) -> tuple[list[Stored], dict[str, int]]:
    """Store new cases (their numbers not in the case file), screen each and keep the screening, and record each
    as stored by the run with its fingerprint. `components` are the new people made before (component -> person
    id); returns what was stored and the new people made now (to add to `components` once committed). The
    caller audits and commits."""
    if not batch:
        return [], {}
    if session.get_bind().dialect.name != "sqlite":
        # A database server: several users may write at once, and ids come from its sequences. The ORM's way.
        return _store_cases_orm(session, batch, profile, presumptive=presumptive, components=components,
                                run_id=run_id, fingerprints=fingerprints)
    prepared = prepare_cases(session.get_bind().dialect, batch, profile, presumptive=presumptive,
                             components=components, run_id=run_id, fingerprints=fingerprints,
                             ids=_next_ids(session))  # (a case file has one writer at a time: its lock)
    written = write_prepared(session, prepared)
    assert written is not None  # (the ids were read in this transaction)
    return written


def batch_ids(session: Session) -> dict[str, int] | None:
    """The case file's next ids of the tables `store_cases` writes (table -> id), to prepare a batch with
    (`prepare_cases`) before its transaction; None on a database server (its batches are not prepared)."""
    if session.get_bind().dialect.name != "sqlite":
        return None
    return _next_ids(session)


@dataclass
class Prepared:
    """A batch of new cases screened and made into the rows `store_cases` writes, before its transaction (so that
    it can be made while the batch before it commits): the rows of ids from `ids` on, written by
    `write_prepared` while those are still the case file's next ids."""

    ids: dict[str, int]  # the next ids it was made from
    next_ids: dict[str, int]  # the next ids once it is written
    profile: PolicyProfile
    converted: bool  # whether the decisions' JSON columns hold the values as their type converts them
    rows: dict[str, list[tuple[Any, ...]]]
    search: list[tuple[int, str]]
    imported: list[tuple[int, int, str]]
    keyed: dict[int, str]
    out: list[Stored]
    made: dict[str, int]
    # the INSERT statement of each table's rows and the rows as the driver binds them (`_bound`), made with the
    # batch (so that the thread writing it only writes); none for a driver without ``?`` parameters
    bound: dict[str, tuple[str, list[tuple[Any, ...]]]]


def prepare_cases(dialect: Dialect, batch: Sequence[tuple[spec.Case, dict[str, PersonLink]]],
                  profile: PolicyProfile, *, presumptive: bool | None, components: dict[str, int], run_id: int,
                  fingerprints: Sequence[str], ids: dict[str, int]) -> Prepared:
    """`store_cases` up to its writing, in no transaction: each case screened, and every row made, with the ids
    from `ids` (`batch_ids`, or the `next_ids` of the batch prepared before). Touches no database."""
    now = _now()
    made: dict[str, int] = {}
    keyed: dict[int, str] = {}
    rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in WRITTEN}
    persons, case_rows, parties, charges = rows["person"], rows["case_record"], rows["case_party"], rows["charge"]
    screenings, decisions = rows["screening"], rows["screening_decision"]
    search: list[tuple[int, str]] = []
    imported: list[tuple[int, int, str]] = []
    out: list[Stored] = []
    next_case, next_person, next_party = ids["case_record"], ids["person"], ids["case_party"]
    next_charge, next_screening, next_decision = ids["charge"], ids["screening"], ids["screening_decision"]
    policy = (profile.content_hash, profile.id, profile.version)
    json_of = {name: _Converted(dialect, "screening_decision", name) for name in _DECISION_JSON} \
        if dialect.paramstyle == "qmark" else None
    reasoning_json = _ReasoningJSON(json_of["reasoning"]) if json_of is not None else None
    search_texts = SearchTexts()
    for (case, links), fp in zip(batch, fingerprints, strict=True):
        if case.exceptions:
            raise cases.exceptions_refused(case.case_number)
        if case.facts:
            raise ValueError("store_cases stores cases without facts (as records files give them)")
        case_id, next_case = next_case, next_case + 1
        # (`cases.search_text_of`'s)
        search_text = search_texts.of(case_number=case.case_number, places=[case.county, case.court, case.agency],
                                      names=[p.name for p in case.people],
                                      charges=[(c.offense, c.statute, c.docket_number) for c in case.charges])
        # (the order of WRITTEN)
        case_rows.append((case_id, case.case_number, case.incident_date, case.county, case.agency, case.court,
                          case.notes, search_text, 1, now, now, None, False))
        search.append((case_id, search_text))
        imported.append((case_id, run_id, fp))
        party_ids: dict[str, int] = {}
        for position, p in enumerate(case.people):
            link = links[p.id]
            person_id = link.person_id or components.get(link.component) or made.get(link.component)
            if person_id is None:
                person_id = made[link.component] = next_person
                next_person += 1
                persons.append((person_id, link.key or p.person_key, p.name, p.date_of_birth, p.race_ethnicity,
                                p.gender_identity))
            elif link.person_id is not None and link.key:
                keyed[link.person_id] = link.key
            party_id = party_ids[p.id] = next_party
            next_party += 1
            parties.append((party_id, case_id, person_id, position, p.id, p.role, p.trafficking_victim, p.name,
                            p.date_of_birth, p.age, p.race_ethnicity, p.gender_identity, p.notes, False,
                            None, None))  # (no race or gender category until one is chosen: as import_case)
        result = screen_case(case, profile, presumptive=presumptive, signed_only=True)
        decided = {d.charge: d for d in result.charges}
        charge_ids: dict[str, int] = {}
        for position, c in enumerate(case.charges):
            charge_id = charge_ids[c.id] = next_charge
            next_charge += 1
            d = decided[c.id]
            charges.append((charge_id, case_id, position, c.id, party_ids[c.person],
                            party_ids[c.with_] if c.with_ else None, c.offense, c.statute, c.status, c.offense_date,
                            c.arose_from_exchange, c.court, c.docket_number, c.disposition_date, c.notes, d.decision,
                            d.record_relief, m.section_of(d.sections), False))  # (warrants: mark_warrants, once stored)
        screening_id, next_screening = next_screening, next_screening + 1
        screenings.append((screening_id, case_id, *policy, result.presumptive, 1, now, profile.screening_version))
        for d in result.charges:
            if json_of is not None and reasoning_json is not None:
                # (each distinct value converted once: the lists made only then)
                need = tuple([(n.charge, n.person, n.need) for n in d.missing]) if d.missing else ()
                sections, relief, missing = json_of["sections"].known.get(d.sections), \
                    json_of["relief_sections"].known.get(d.relief_sections), json_of["missing"].known.get(need)
                if sections is None:
                    sections = json_of["sections"](list(d.sections), d.sections)
                if relief is None:
                    relief = json_of["relief_sections"](list(d.relief_sections), d.relief_sections)
                if missing is None:
                    missing = json_of["missing"]([n.to_json() for n in d.missing], need)
                reasoning: Any = reasoning_json(d.reasoning)
            else:
                sections, relief = list(d.sections), list(d.relief_sections)
                missing, reasoning = [n.to_json() for n in d.missing], [r.to_json() for r in d.reasoning]
            decisions.append((next_decision, screening_id, charge_ids[d.charge], d.decision, sections, reasoning,
                              d.quote, d.exception_allowed, d.record_relief, missing, relief))
            next_decision += 1
        out.append(Stored(case_id, result))
    next_ids = {"case_record": next_case, "person": next_person, "case_party": next_party, "charge": next_charge,
                "screening": next_screening, "screening_decision": next_decision}
    bound: dict[str, tuple[str, list[tuple[Any, ...]]]] = {}
    for name, columns, values in (*((n, WRITTEN[n], rows[n]) for n in WRITTEN), (_IMPORTED, _IMPORTED_COLUMNS,
                                                                                imported)):
        statement = _bound(dialect, name, columns, values, _converted_columns(name, json_of is not None))
        if statement is not None:
            bound[name] = statement
    return Prepared(dict(ids), next_ids, profile, json_of is not None, rows, search, imported, keyed, out, made,
                    bound)


def write_prepared(session: Session, prepared: Prepared) -> tuple[list[Stored], dict[str, int]] | None:
    """Write a prepared batch (`prepare_cases`) in the session's transaction: what `store_cases` returns; None,
    writing nothing, when the case file's next ids are no longer those it was prepared with (another change stored
    a case since: prepare it again)."""
    if _next_ids(session) != prepared.ids:
        return None
    cases.store_policy(session, prepared.profile)
    session.flush()
    conn = session.connection()
    rows = prepared.rows
    for model in _MODELS:  # (in the order of their foreign keys)
        name = model.__tablename__
        _write_rows(conn, prepared, name, WRITTEN[name], rows[name])
    for person_id, key in prepared.keyed.items():
        conn.execute(update(m.Person).where(m.Person.id == person_id, m.Person.person_key.is_(None))
                     .values(person_key=key))
    search = prepared.search
    if search and session.get_bind().dialect.name == "sqlite":
        conn.execute(text("DELETE FROM case_search WHERE rowid >= :first"), {"first": search[0][0]})
        conn.exec_driver_sql("INSERT INTO case_search(rowid, search_text) VALUES (?, ?)", search)
    _write_rows(conn, prepared, _IMPORTED, _IMPORTED_COLUMNS, prepared.imported)
    return prepared.out, prepared.made


def _converted_columns(table_name: str, converted: bool) -> frozenset[str]:
    """The columns of a prepared table whose values are converted already (the decisions' JSON, when `converted`)."""
    return _DECISION_JSON if converted and table_name == "screening_decision" else frozenset()


def _write_rows(conn: Connection, prepared: Prepared, table_name: str, columns: Sequence[str],
                rows: list[tuple[Any, ...]]) -> None:
    """A prepared batch's rows of a table: as bound with the batch (`Prepared.bound`), else `_insert_many`."""
    if table_name not in prepared.bound:
        _insert_many(conn, table_name, columns, rows, _converted_columns(table_name, prepared.converted))
    elif rows:
        conn.exec_driver_sql(*prepared.bound[table_name])


def _store_cases_orm(session: Session, batch: Sequence[tuple[spec.Case, dict[str, PersonLink]]],
                     profile: PolicyProfile, *, presumptive: bool | None, components: dict[str, int], run_id: int,
                     fingerprints: Sequence[str]) -> tuple[list[Stored], dict[str, int]]:
    """`store_cases` case by case with `casereview.store.cases.import_case` and `screen_row`, each person then
    made the one `PersonLink` says."""
    made: dict[str, int] = {}
    out: list[Stored] = []
    for (case, links), fp in zip(batch, fingerprints, strict=True):
        if case.facts:
            raise ValueError("store_cases stores cases without facts (as records files give them)")
        row = cases.import_case(session, case)
        for party, p in zip(row.parties, case.people, strict=True):
            link = links[p.id]
            target = link.person_id or components.get(link.component) or made.get(link.component)
            if target is None:
                made[link.component] = party.person.id
            elif party.person.id != target:
                orphan = party.person
                party.person = session.get_one(m.Person, target)
                session.flush()
                if not orphan.parties:
                    session.delete(orphan)
            if link.key and party.person.person_key is None:
                party.person.person_key = link.key
        result = cases.screen_row(session, row, profile, presumptive=presumptive)
        session.add(m.RecordImportCase(case_id=row.id, run_id=run_id, fingerprint=fp))
        out.append(Stored(row.id, result))
    session.flush()
    return out, made


# --------------------------------------------------------------------------------------------- the report


@dataclass(frozen=True, slots=True)
class DecisionRow:
    case_number: str
    charge: str
    offense: str
    person: str  # local id
    person_name: str | None
    decision: str
    record_relief: str | None
    relief_sections: tuple[str, ...]
    missing: tuple[tuple[str, str], ...]  # (person local id, need)


def latest_decisions(session: Session, case_ids: Sequence[int]) -> list[DecisionRow]:
    """The decisions of the latest screening of each of some cases, charge by charge, in case and charge order."""
    conn = session.connection()
    out: list[DecisionRow] = []
    for start in range(0, len(case_ids), 500):
        chunk = list(case_ids[start:start + 500])
        newest = select(func.max(m.Screening.id)).where(m.Screening.case_id.in_(chunk)) \
            .group_by(m.Screening.case_id).scalar_subquery()
        for row in conn.execute(
                select(m.Case.case_number, m.Charge.local_id, m.Charge.offense, m.CaseParty.local_id,
                       m.CaseParty.name, m.ScreeningDecision.decision, m.ScreeningDecision.record_relief,
                       m.ScreeningDecision.relief_sections, m.ScreeningDecision.missing)
                .join(m.Screening, m.Screening.id == m.ScreeningDecision.screening_id)
                .join(m.Case, m.Case.id == m.Screening.case_id)
                .join(m.Charge, m.Charge.id == m.ScreeningDecision.charge_id)
                .join(m.CaseParty, m.CaseParty.id == m.Charge.party_id)
                .where(m.ScreeningDecision.screening_id.in_(newest))
                .order_by(m.Case.id, m.Charge.position)):
            out.append(DecisionRow(row[0], row[1], row[2], row[3], row[4], row[5], row[6], tuple(row[7] or ()),
                                   tuple((n.get("person", ""), n.get("need", "")) for n in row[8] or ())))
    return out

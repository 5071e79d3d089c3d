"""Rows of a records file into cases of the case format: one row per charge, the rows of one case number one case.

Every row ends up one of: part of a case (stored, or already stored), the same as an earlier row of its case
(counted once), rejected with the problem named by line and column, or held with its case (a statute or
disposition to place, a match of people to decide).

**A case with a bad row is rejected whole**: nothing of a case is stored half (a case without one of its charges
would be screened, and get letters, as if that charge did not exist). Every row of it goes to the rejects, the bad
ones with their problem, the others saying which line holds it. A row with no case number is rejected alone.

Within a case:
- its incident date is the ``incident_date`` column (its rows must agree), else the earliest offense date of its
  rows; a case with neither is rejected (ages are taken on the incident date: no date is made up);
- its county and agency are its rows' (they must agree); its court is its charges' court when they all agree;
- a person is the same person key, else the same folded name and date of birth; their details are their first
  row's, and their rows must agree on the date of birth and age;
- their role is what the role column says, else what the mapping says the statute charges, else what the offense
  implies (`casereview.records.mapping.DEFAULT_ROLES`), else ``other``; two charges that make one person a seller
  and a buyer reject the case;
- the charges are numbered 1, 2, … in file order (or take the ``charge_id`` column).
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, cast

from casereview.policy import case as spec
from casereview.policy.ages import age_on
from casereview.policy.case import AROSE_FROM_EXCHANGE_OFFENSES, MAX_AGE, OFFENSES, ROLES, STATUSES
from casereview.records.mapping import (
    DEFAULT_ROLES,
    ONE_LINE,
    ROLE_NEEDED,
    Columns,
    DateProblem,
    DateReader,
    Mapping,
    fold_choice,
    fold_text,
    parse_flag,
)
from casereview.records.people import Record
from casereview.records.reading import DELIMITER_WORDS, Cell, RawRow, Table


@dataclass(frozen=True, slots=True)
class Problem:
    line: int
    column: str | None  # the file's column, as its first line names it
    text: str

    def words(self) -> str:
        return f"line {self.line}, column {self.column}: {self.text}" if self.column else \
            f"line {self.line}: {self.text}"


@dataclass
class Unplaced:
    """A statute or disposition neither the mapping nor the office's catalog places: its rows wait for it."""

    kind: str  # "statute" | "disposition"
    column: str
    text: str  # as first written
    need: str  # what to give for it
    lines: list[int] = field(default_factory=list)
    cases: set[str] = field(default_factory=set)


@dataclass(slots=True)
class _Values:
    line: int
    case_number: str
    incident_date: date | None = None
    county: str | None = None
    agency: str | None = None
    key: str | None = None
    name: str | None = None
    date_of_birth: date | None = None
    age: int | None = None
    role: str | None = None  # the role column's
    race_ethnicity: str | None = None
    gender_identity: str | None = None
    charge_id: str | None = None
    offense: str | None = None  # None: its statute is to place
    role_hint: str | None = None  # what the mapping or the offense says the charge implies
    arose: bool = False
    status: str | None = None  # None: its disposition is to place
    statute: str | None = None
    offense_date: date | None = None
    disposition_date: date | None = None
    court: str | None = None
    docket_number: str | None = None
    notes: str | None = None
    warrant: bool = False  # an arrest warrant on the charge is outstanding


@dataclass
class CaseDraft:
    """The rows of one case number, and what they make."""

    number: str
    rows: list[RawRow] = field(default_factory=list)  # every row, duplicates included, in file order
    problems: list[Problem] = field(default_factory=list)
    unplaced: list[tuple[str, str]] = field(default_factory=list)  # (kind, folded text)
    duplicates: dict[int, int] = field(default_factory=dict)  # line -> the line it repeats
    case: spec.Case | None = None  # when it has neither problems nor anything to place
    records: list[Record] = field(default_factory=list)  # its people, for matching (unless it has problems)
    warrants: frozenset[str] = frozenset()  # the charges (ids in the case) with a warrant outstanding

    @property
    def lines(self) -> list[int]:
        return [r.line for r in self.rows]


@dataclass
class Conversion:
    drafts: list[CaseDraft]  # in the order their first rows come
    orphans: list[tuple[RawRow, Problem]]  # rows without a case number: rejected alone
    unplaced: list[Unplaced]
    rows: int


def text_of(cell: Cell) -> str:
    """A cell as text: an Excel number that is whole without its ".0", a date cell as YYYY-MM-DD."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == time() else cell.isoformat(sep=" ")
    if isinstance(cell, (date, time)):
        return cell.isoformat()
    return str(cell)


def local_id(n: int) -> str:
    """The people's ids in a case: A, B, … Z, AA, AB, …"""
    letters = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return letters


class Converter:
    def __init__(self, table: Table, mapping: Mapping, columns: Columns, catalog: dict[str, str]) -> None:
        self.table, self.mapping, self.columns, self.catalog = table, mapping, columns, catalog
        self.read_date = DateReader(mapping.date_format, table.date1904)
        self.width = len(table.header)
        self.unplaced: dict[tuple[str, str], Unplaced] = {}
        self.signature_at = sorted(columns.index.values())
        # (the mapped values of a row long enough to have them all, at once: `convert`'s duplicate rows)
        self._signature = operator.itemgetter(*self.signature_at) if len(self.signature_at) > 1 else None
        self._signature_end = max(self.signature_at, default=-1)
        self._folded: dict[str, str] = {}  # statute and disposition texts folded (a file repeats a few of them)

    # ------------------------------------------------------------------------------------------------ rows

    def _name(self, field_name: str) -> str:
        return self.columns.names[field_name]

    def values(self, row: RawRow, number: str) -> tuple[_Values, list[Problem], list[tuple[str, str]]]:
        """One row's values, its problems, and what of it waits to be placed."""
        problems: list[Problem] = []
        unplaced: list[tuple[str, str]] = []
        line = row.line
        v = _Values(line, number)
        if len(row.cells) > self.width and any(text_of(c) for c in row.cells[self.width:]):
            word = DELIMITER_WORDS.get(self.table.delimiter or "", "delimiter")
            problems.append(Problem(line, None, f"it has {len(row.cells)} values but the first line names "
                                                f"{self.width} columns (a value holding a {word}, not in quotes?)"))

        cells = row.cells
        count = len(cells)
        index = self.columns.index
        got = {f: cells[i] for f, i in index.items() if i < count}  # (once: a row has many fields)
        # A CSV record on one line: its values are text, none holds a line break (`casereview.records.reading`:
        # the csv module ends a line at either), so `text` is the value or None (most rows of a file).
        plain = row.last_line == row.line and self.table.kind == "csv"
        get = cast("dict[str, str]", got).get  # (for a plain row)

        def text(field_name: str) -> str | None:
            value = got.get(field_name)
            if value is None or value == "":
                return None
            if type(value) is not str:
                value = text_of(value)
                if not value:
                    return None
            if ("\n" in value or "\r" in value) and field_name in ONE_LINE:
                problems.append(Problem(line, self._name(field_name), self._line_break(row)))
                return None
            return value

        known_dates = self.read_date.known

        def when(field_name: str) -> date | None:
            if field_name not in index:
                return None
            cell = got.get(field_name)
            if type(cell) is str:
                found = known_dates.get(cell)  # (`DateReader`'s own, without the call: dates repeat in a file)
                if isinstance(found, date):
                    return found
            try:
                return self.read_date(cell)
            except DateProblem as exc:
                problems.append(Problem(line, self._name(field_name), str(exc)))
                return None

        if plain:
            v.county, v.agency, v.key, v.name = get("county") or None, get("agency") or None, \
                get("person_key") or None, get("name") or None
            v.race_ethnicity, v.gender_identity = get("race_ethnicity") or None, get("gender_identity") or None
            v.court, v.docket_number, v.notes, v.charge_id = get("court") or None, get("docket_number") or None, \
                get("notes") or None, get("charge_id") or None
        else:
            v.county, v.agency, v.key, v.name = text("county"), text("agency"), text("person_key"), text("name")
            v.race_ethnicity, v.gender_identity = text("race_ethnicity"), text("gender_identity")
            v.court, v.docket_number, v.notes, v.charge_id = text("court"), text("docket_number"), text("notes"), \
                text("charge_id")
        v.incident_date, v.date_of_birth = when("incident_date"), when("date_of_birth")
        v.offense_date, v.disposition_date = when("offense_date"), when("disposition_date")
        if v.key is None and v.name is None:
            named = " and ".join(self._name(f) for f in ("name", "person_key") if f in self.columns.index)
            problems.append(Problem(line, None, f"no person: {named} {'are' if ' and ' in named else 'is'} empty "
                                                "(every row names the person charged)"))
        age = got.get("age")
        if age is not None and age != "":
            try:
                years = int(age) if isinstance(age, (int, float)) and not isinstance(age, bool) and \
                    float(age).is_integer() else int(str(age).strip())
            except ValueError:
                years = -1
            if not 0 <= years <= MAX_AGE:
                problems.append(Problem(line, self._name("age"), f"{text_of(age)} is not an age in whole years "
                                                                 f"(0 to {MAX_AGE})"))
            else:
                v.age = years
        role = text("role") if "role" in index else None
        if role is not None:
            if fold_choice(role) in ROLES:
                v.role = fold_choice(role)
            else:
                problems.append(Problem(line, self._name("role"), f"{role!r} is not a role (one of: "
                                                                  f"{', '.join(ROLES)})"))
        # The offense: an offense column in the case format's words, else the statute through the mapping, then
        # the office's catalog.
        offense = text("offense") if "offense" in index else None
        v.statute = (get("statute") or None) if plain else text("statute")
        if offense is not None:
            if fold_choice(offense) in OFFENSES:
                v.offense = fold_choice(offense)
                v.role_hint = DEFAULT_ROLES.get(v.offense)
                if v.offense in ROLE_NEEDED and v.role is None:
                    where = f"give the {self._name('role')} column" if "role" in self.columns.index else \
                        "map a role column"
                    problems.append(Problem(line, self._name("offense"), f"{v.offense} does not say who was charged "
                                            f"(a seller or a buyer): {where}"))
            else:
                problems.append(Problem(line, self._name("offense"), f"{offense!r} is not an offense of the case "
                                        f"format (one of: {', '.join(OFFENSES)})"))
        elif v.statute is not None:
            folded = self._folded.get(v.statute) or self._fold(v.statute)
            entry = self.mapping.statutes.get(folded)
            if entry is not None:
                v.offense, v.role_hint, v.arose = entry.offense, entry.role or DEFAULT_ROLES.get(entry.offense), \
                    entry.arose_from_exchange
            else:
                found = self.catalog.get(folded)
                if found is not None and not (found in ROLE_NEEDED and v.role is None):
                    v.offense, v.role_hint = found, DEFAULT_ROLES.get(found)
                else:
                    need = "the role it charges (seller or buyer): the statute catalog gives only its offense, " \
                           f"{found}" if found is not None else "the offense it charges and the role it implies"
                    unplaced.append(self._unplace("statute", "statute", v.statute, need, line, number))
        elif not any(p.column in (self.columns.names.get("statute"), self.columns.names.get("offense"))
                     for p in problems):
            column = self._name("statute") if "statute" in self.columns.index else self._name("offense")
            problems.append(Problem(line, column, "is empty (every row is one charge: give the statute charged)"))
        flag = got.get("arose_from_exchange")
        if flag is not None:
            try:
                v.arose = v.arose or parse_flag(flag)
            except ValueError:
                problems.append(Problem(line, self._name("arose_from_exchange"), f"{text_of(flag)!r} is not yes "
                                                                                 "or no"))
            if v.arose and v.offense is not None and v.offense not in AROSE_FROM_EXCHANGE_OFFENSES:
                problems.append(Problem(line, self._name("arose_from_exchange"), f"cannot be yes on {v.offense}: it "
                                        "is only for a quality-of-life offense, unlicensed_massage or other"))
        warrant = got.get("warrant")
        if warrant is not None:
            try:
                v.warrant = parse_flag(warrant)
            except ValueError:
                problems.append(Problem(line, self._name("warrant"), f"{text_of(warrant)!r} is not yes or no (is a "
                                                                     "warrant outstanding on this charge?)"))
        # The status: a status column in the case format's words, else the disposition through the mapping.
        if "status" in self.columns.index:
            status = text("status")
            if status is None:
                v.status = "pending"
            elif fold_choice(status) in STATUSES:
                v.status = fold_choice(status)
            else:
                problems.append(Problem(line, self._name("status"), f"{status!r} is not a status (one of: "
                                                                    f"{', '.join(STATUSES)})"))
        elif "disposition" in self.columns.index:
            disposition = (get("disposition") or None) if plain else text("disposition")
            if disposition is None:
                v.status = "pending"
            else:
                v.status = self.mapping.dispositions.get(self._folded.get(disposition) or self._fold(disposition))
                if v.status is None and fold_choice(disposition) in STATUSES:
                    v.status = fold_choice(disposition)
                if v.status is None:
                    unplaced.append(self._unplace("disposition", "disposition", disposition,
                                                  f"the status it means ({', '.join(STATUSES)})", line, number))
        else:
            v.status = "pending"
        if v.date_of_birth is not None and v.offense_date is not None and v.date_of_birth > v.offense_date:
            problems.append(Problem(line, self._name("date_of_birth"), f"{text_of(got.get('date_of_birth'))} "
                                    f"is after the offense date {text_of(got.get('offense_date'))}"))
        return v, problems, unplaced

    def _fold(self, text: str) -> str:
        """`fold_text`, each distinct text folded once."""
        folded = fold_text(text)
        if len(self._folded) < 1 << 16:
            self._folded[text] = folded
        return folded

    def _unplace(self, kind: str, field_name: str, text: str, need: str, line: int, number: str) -> tuple[str, str]:
        key = (kind, fold_text(text))
        found = self.unplaced.get(key)
        if found is None:
            found = self.unplaced[key] = Unplaced(kind, self._name(field_name), text, need)
        found.lines.append(line)
        found.cases.add(number)
        return key

    def _broken(self, row: RawRow) -> Problem | None:
        """A one-line value holding a line break (a quote left open runs on over the lines after it)."""
        for field_name, at in self.columns.index.items():
            if field_name in ONE_LINE and at < len(row.cells):
                value = text_of(row.cells[at])
                if "\n" in value or "\r" in value:
                    return Problem(row.line, self._name(field_name), self._line_break(row))
        return None

    @staticmethod
    def _line_break(row: RawRow) -> str:
        if row.last_line > row.line:
            return (f"holds a line break: a quote left open runs on to line {row.last_line}, taking the lines "
                    "after it into this value")
        return "holds a line break (a quote left open, or two records run together?)"

    # ----------------------------------------------------------------------------------------------- cases

    def convert(self) -> Conversion:
        drafts: dict[str, CaseDraft] = {}
        orphans: list[tuple[RawRow, Problem]] = []
        values: dict[str, list[_Values]] = {}
        signatures: dict[str, dict[tuple[Cell, ...], int]] = {}  # the mapped values (and any past the header's)
        number_at = self.columns.index["case_number"]
        csv_rows = self.table.kind == "csv"
        for row in self.table.rows:
            raw_number = row.cells[number_at] if number_at < len(row.cells) else None
            number = raw_number if type(raw_number) is str else text_of(raw_number)
            # (a CSV record on one line holds no line break; a quoted one over several lines, or a sheet's cell, may)
            broken = self._broken(row) if row.last_line > row.line or self.table.kind != "csv" else None
            if broken is not None and (not number or "\n" in number or "\r" in number):
                orphans.append((row, broken))
                continue
            if not number:
                orphans.append((row, Problem(row.line, self._name("case_number"), "is empty (every row names its "
                                                                                  "case)")))
                continue
            draft = drafts.get(number)
            if draft is None:
                draft = drafts[number] = CaseDraft(number)
                values[number], signatures[number] = [], {}
            draft.rows.append(row)
            cells = row.cells
            if csv_rows:  # (a CSV's values are all text already)
                count = len(cells)
                if self._signature is not None and count == self.width and count > self._signature_end:
                    signature = self._signature(cells)  # (the same tuple, at once: a row of the header's width)
                else:
                    signature = (*(cells[i] if i < count else "" for i in self.signature_at), *cells[self.width:])
            else:
                signature = (*(text_of(cells[i]) if i < len(cells) else "" for i in self.signature_at),
                             *map(text_of, cells[self.width:]))
            first = signatures[number].get(signature)
            if first is not None:
                draft.duplicates[row.line] = first
                continue
            signatures[number][signature] = row.line
            v, problems, unplaced = self.values(row, number)
            draft.problems += problems
            draft.unplaced += unplaced
            values[number].append(v)
        for number, draft in drafts.items():
            self._assemble(draft, values[number])
        return Conversion(list(drafts.values()), orphans, list(self.unplaced.values()), len(self.table.rows))

    def _assemble(self, draft: CaseDraft, rows: Sequence[_Values]) -> None:
        problems = draft.problems
        incident: date | None
        if len(rows) == 1:  # (what `_agreed` gives for one row: its values; most cases have one charge)
            incident, county, agency = rows[0].incident_date, rows[0].county, rows[0].agency
        else:
            incident = _agreed(rows, "incident_date", self._column("incident_date"), problems,
                               "a case has one incident date")
            county = _agreed(rows, "county", self._column("county"), problems,
                             "a case is one incident, in one county")
            agency = _agreed(rows, "agency", self._column("agency"), problems, "a case has one arresting agency")
        if incident is None and not any(p.column == self._column("incident_date") for p in problems):
            dates = [v.offense_date for v in rows if v.offense_date is not None]
            if dates:
                incident = min(dates)
            elif not any(p.column == self._column("offense_date") for p in problems):
                have = " or ".join(self._name(f) for f in ("incident_date", "offense_date") if f in self.columns.index)
                why = f"its rows give no {have}" if have else "the file has no offense_date (or incident_date) column"
                problems.append(Problem(rows[0].line if rows else draft.rows[0].line, None,
                                        f"case {draft.number} has no incident date: {why}, and ages are taken on it"))
        people: dict[tuple[str, ...], _Person] = {}
        for v in rows:
            identity = ("key", v.key) if v.key else ("nd", _fold(v.name), v.date_of_birth.isoformat()
                                                     if v.date_of_birth else "")
            person = people.get(identity)
            if person is None:
                person = people[identity] = _Person(local_id(len(people)), v)
            else:
                person.add(v, self, problems)
            v_role = v.role or v.role_hint
            if v_role is not None:
                person.roles.append((v_role, v.line))
        charge_ids: dict[str, int] = {}
        for n, v in enumerate(rows, 1):
            cid = v.charge_id or str(n)
            if cid in charge_ids:
                problems.append(Problem(v.line, self._column("charge_id"), f"the charge {cid!r} is also on line "
                                        f"{charge_ids[cid]} of case {draft.number}"))
            charge_ids.setdefault(cid, v.line)
        roles: dict[str, str] = {}
        for p in people.values():
            roles[p.id] = p.role(problems) or "other"
            if incident is None:
                continue
            named = bool(problems) and any(q.line == p.dob_line and q.column == self._column("date_of_birth")
                                           for q in problems)
            if p.date_of_birth is not None and p.date_of_birth > incident and not named:
                problems.append(Problem(p.dob_line, self._column("date_of_birth"), f"{p.date_of_birth.isoformat()} is "
                                        f"after the incident date {incident.isoformat()}"))
            elif p.date_of_birth is not None and p.age is not None and not named and \
                    age_on(p.date_of_birth, incident) != p.age:
                problems.append(Problem(p.age_line, self._column("age"), f"says {p.age} but the date of birth "
                                        f"{p.date_of_birth.isoformat()} makes the person "
                                        f"{age_on(p.date_of_birth, incident)} on the incident date "
                                        f"{incident.isoformat()}"))
        if problems:
            return  # rejected whole
        draft.records = [Record(draft.number, p.id, p.key, p.name, p.date_of_birth, p.line, _fold(p.name))
                         for p in people.values()]
        if draft.unplaced:
            return  # held until its statutes or dispositions are placed
        assert incident is not None
        spec_people = tuple(spec.Person(p.id, roles[p.id], p.name, p.date_of_birth, p.age, False, p.key,
                                        p.race_ethnicity, p.gender_identity, None) for p in people.values())
        owner = {id(v): p.id for p in people.values() for v in p.rows}
        charges = []
        for n, v in enumerate(rows, 1):
            assert v.offense is not None and v.status is not None
            charges.append(spec.Charge(v.charge_id or str(n), owner[id(v)], v.offense, None, v.statute, v.status,
                                       v.offense_date, v.arose, v.court, v.docket_number, v.disposition_date,
                                       v.notes))
        draft.warrants = frozenset(v.charge_id or str(n) for n, v in enumerate(rows, 1) if v.warrant)
        courts = {v.court for v in rows if v.court}
        draft.case = spec.Case(draft.number, incident, spec_people, tuple(charges), (), (), county, agency,
                               courts.pop() if len(courts) == 1 else None, None)

    def _column(self, field_name: str) -> str | None:
        return self.columns.names.get(field_name)


def _fold(name: str | None) -> str:
    from casereview.records.people import fold_name

    return fold_name(name)


def _agreed(rows: Sequence[_Values], attribute: str, column: str | None, problems: list[Problem],
            why: str) -> Any:
    """The value the rows of a case give (None when none does); a row that gives another is a problem."""
    first: tuple[Any, int] | None = None
    for v in rows:
        value = getattr(v, attribute)
        if value is None:
            continue
        if first is None:
            first = (value, v.line)
        elif value != first[0]:
            problems.append(Problem(v.line, column, f"{_shown(value)} differs from {_shown(first[0])} on line "
                                                    f"{first[1]} ({why})"))
            return first[0]
    return first[0] if first else None


def _shown(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else repr(value)


class _Person:
    """One person's rows in a case."""

    def __init__(self, person_id: str, v: _Values) -> None:
        self.id, self.line, self.key, self.name = person_id, v.line, v.key, v.name
        self.date_of_birth, self.dob_line, self.age, self.age_line = v.date_of_birth, v.line, v.age, v.line
        self.race_ethnicity, self.gender_identity = v.race_ethnicity, v.gender_identity
        self.rows = [v]
        self.roles: list[tuple[str, int]] = []

    def add(self, v: _Values, converter: Converter, problems: list[Problem]) -> None:
        self.rows.append(v)
        who = f"the same person ({converter._column('person_key')} {self.key})" if self.key else "the same person"
        if v.date_of_birth is not None:
            if self.date_of_birth is None:
                self.date_of_birth, self.dob_line = v.date_of_birth, v.line
            elif v.date_of_birth != self.date_of_birth:
                problems.append(Problem(v.line, converter._column("date_of_birth"), f"{v.date_of_birth.isoformat()} "
                                        f"differs from {self.date_of_birth.isoformat()} on line {self.dob_line} for "
                                        f"{who}"))
        if v.age is not None:
            if self.age is None:
                self.age, self.age_line = v.age, v.line
            elif v.age != self.age:
                problems.append(Problem(v.line, converter._column("age"), f"{v.age} differs from {self.age} on line "
                                        f"{self.age_line} for {who}"))
        self.name = self.name or v.name
        self.race_ethnicity = self.race_ethnicity or v.race_ethnicity
        self.gender_identity = self.gender_identity or v.gender_identity

    def role(self, problems: list[Problem]) -> str | None:
        specific = [(r, line) for r, line in self.roles if r != "other"]
        for r, line in specific[1:]:
            if r != specific[0][0]:
                problems.append(Problem(line, None, f"this charge makes {self.name or self.key} {_a(r)}, the charge "
                                        f"on line {specific[0][1]} {_a(specific[0][0])}: a person has one role in a "
                                        "case (fix the role column, or the mapping's statutes)"))
                return None
        return specific[0][0] if specific else "other"


def _a(role: str) -> str:
    return {"seller": "a seller", "buyer": "a buyer", "third_party": "a third party"}.get(role, role)

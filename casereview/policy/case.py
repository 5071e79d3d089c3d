"""The case as screening sees it, and the strict reader that builds it from the spec's JSON input.

Every problem with the input raises `CaseInputError` naming the field (``people[1].date_of_birth``) and what
is wrong with it. A typo is never silently ignored: unknown keys and unknown values are errors too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from casereview.policy.ages import AgeRange, age_on

ROLES: Final = ("seller", "buyer", "third_party", "other")
OFFENSES: Final = (
    "selling_sex", "buying_sex", "solicitation",
    "promoting",
    "loitering_for_prostitution", "vagrancy", "trespass", "obscenity", "drug_possession", "public_nuisance",
    "unlicensed_massage",
    "assault", "sexual_assault", "robbery", "homicide",
    "trafficking", "buying_sex_from_minor",
    "other",
)
STATUSES: Final = ("pending", "filed", "convicted", "dismissed", "arrest_only")
PAST_STATUSES: Final = frozenset({"convicted", "dismissed", "arrest_only"})
VICTIM_FACTS: Final = (
    "physical_assault", "sexual_assault", "condom_refusal", "non_consensual_act", "refused_to_pay",
)
FACT_TYPES: Final = (
    *VICTIM_FACTS, "trafficking", "knowingly_purchased_from_trafficked", "sought_minor", "force", "theft",
    "coercion",
)
# Facts that only make sense with a victim named.
FACTS_NEEDING_VICTIM: Final = frozenset({*VICTIM_FACTS, "trafficking"})
# Facts only a buyer can commit (by anyone else they are bad input).
BUYER_FACTS: Final = frozenset({"knowingly_purchased_from_trafficked", "sought_minor"})
# Exchange offenses (also "exchange-related", with a charge marked `arose_from_exchange`): spec, "Definitions".
EXCHANGE_OFFENSES: Final = frozenset({"selling_sex", "buying_sex", "solicitation", "loitering_for_prostitution"})
QUALITY_OF_LIFE_OFFENSES: Final = (
    "loitering_for_prostitution", "vagrancy", "trespass", "obscenity", "drug_possession", "public_nuisance",
)
# The offenses `arose_from_exchange` may be set on.
AROSE_FROM_EXCHANGE_OFFENSES: Final = frozenset({*QUALITY_OF_LIFE_OFFENSES, "unlicensed_massage", "other"})
EXCEPTION_STATUSES: Final = ("draft", "submitted", "approved", "denied")
GROUNDS: Final = ("prevent_trafficking", "protect_victim", "other")

CASE_KEYS: Final = frozenset({
    "case_number", "incident_date", "people", "facts", "charges", "exceptions", "county", "agency", "court",
    "notes",
})
PERSON_KEYS: Final = frozenset({
    "id", "name", "date_of_birth", "age", "role", "trafficking_victim", "person_key", "race_ethnicity",
    "gender_identity", "notes",
})
FACT_KEYS: Final = frozenset({"type", "by", "against"})
CHARGE_KEYS: Final = frozenset({
    "id", "person", "offense", "with", "statute", "status", "offense_date", "arose_from_exchange", "court",
    "docket_number", "disposition_date", "notes",
})
EXCEPTION_KEYS: Final = frozenset({"charge", "status", "ground"})
MAX_AGE: Final = 130

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits only (\d matches any script's digits)


class CaseInputError(ValueError):
    """The input is not a valid case. The message names the field and the problem."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}" if where else problem)
        self.where = where
        self.problem = problem


@dataclass(slots=True)  # not frozen: a frozen init costs ~3x as much, and screening builds millions
class Person:
    id: str
    role: str
    name: str | None = None
    date_of_birth: date | None = None
    age: int | None = None
    trafficking_victim: bool = False
    person_key: str | None = None
    race_ethnicity: str | None = None
    gender_identity: str | None = None
    notes: str | None = None

    def label(self) -> str:
        """How reasons name this person: "Dana Roe (A)", or the id alone when no name is recorded."""
        return f"{self.name} ({self.id})" if self.name else self.id


@dataclass(slots=True)  # not frozen: a frozen init costs ~3x as much, and screening builds millions
class Fact:
    type: str
    by: str
    against: str | None = None


@dataclass(slots=True)  # not frozen: a frozen init costs ~3x as much, and screening builds millions
class Charge:
    id: str
    person: str
    offense: str
    with_: str | None = None
    statute: str | None = None
    status: str = "pending"
    offense_date: date | None = None
    arose_from_exchange: bool = False
    court: str | None = None
    docket_number: str | None = None
    disposition_date: date | None = None
    notes: str | None = None

    @property
    def is_past_record(self) -> bool:
        return self.status in PAST_STATUSES


@dataclass(slots=True)  # not frozen: a frozen init costs ~3x as much, and screening builds millions
class ExceptionEntry:
    """A section 8 exception request's current state for one charge. `signed` is true for a request made in the
    application (signed by its requester, decided and signed by a supervisor); an entry read from the input
    format is not, and screening says the approval is "recorded in the input"."""

    charge: str
    status: str
    ground: str | None = None
    signed: bool = False


def is_exchange_related(offense: str, arose_from_exchange: bool) -> bool:
    """Spec, "Definitions": an exchange offense, or a charge whose record shows it arose from an exchange."""
    return arose_from_exchange or offense in EXCHANGE_OFFENSES


def counterparty_role(offense: str, holder_role: str, arose_from_exchange: bool) -> str | None:
    """The role of the person a charge's `with` names (spec, `charges[].with`): a seller for `promoting`,
    `buying_sex_from_minor` and an exchange-related charge held by anyone but a seller; a buyer for an
    exchange-related charge held by a seller. None for a charge on which the rules do not use `with`."""
    if offense == "promoting" or offense == "buying_sex_from_minor":
        return "seller"
    if is_exchange_related(offense, arose_from_exchange):
        return "buyer" if holder_role == "seller" else "seller"
    return None


@dataclass(slots=True)  # not frozen: a frozen init costs ~3x as much, and screening builds millions
class Case:
    case_number: str
    incident_date: date
    people: tuple[Person, ...]
    charges: tuple[Charge, ...]
    facts: tuple[Fact, ...] = ()
    exceptions: tuple[ExceptionEntry, ...] = ()
    county: str | None = None
    agency: str | None = None
    court: str | None = None
    notes: str | None = None
    _people_by_id: dict[str, Person] = field(default_factory=dict, compare=False, repr=False)

    def person(self, person_id: str) -> Person:
        if not self._people_by_id:
            self._people_by_id.update((p.id, p) for p in self.people)
        return self._people_by_id[person_id]

    def age_range(self, person: Person, on: date) -> AgeRange | None:
        """The person's possible age on a date, or None when neither date of birth nor age is known."""
        if person.date_of_birth is not None:
            years = age_on(person.date_of_birth, on)
            return AgeRange(years, years)
        if person.age is not None:
            return AgeRange.from_age_on(person.age, self.incident_date, on)
        return None


# ---------------------------------------------------------------------------------------------------- reading


def _object(value: Any, where: str, allowed: frozenset[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CaseInputError(where, f"must be a JSON object, not {_kind(value)}")
    if not value.keys() <= allowed:  # then find the first unknown key, in the input's order
        for key in value:
            if key not in allowed:
                raise CaseInputError(_join(where, key), f"unknown key (allowed: {', '.join(sorted(allowed))})")
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    return {dict: "an object", list: "a list", str: "text", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


def field_path(where: str, key: str) -> str:
    """``where.key`` for a message; a key that is not a plain name (a line break, a dot) is shown quoted."""
    shown = key if key and key.isprintable() and _PLAIN_KEY.fullmatch(key) else repr(key)
    return f"{where}.{shown}" if where else shown


_join = field_path
_PLAIN_KEY = re.compile(r"[^\s.\[\]'\"]+")


def _text(obj: dict[str, Any], key: str, where: str, *, required: bool = False) -> str | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise CaseInputError(_join(where, key), "is required")
        return None
    if not isinstance(value, str):
        raise CaseInputError(_join(where, key), f"must be text, not {_kind(value)}")
    if required and not value.strip():
        raise CaseInputError(_join(where, key), "must not be empty")
    return value


def _texts(obj: dict[str, Any], keys: tuple[str, ...], where: str) -> list[str | None]:
    """The optional text fields `keys` of `obj`, in that order (None for one not given)."""
    values: list[str | None] = []
    for key in keys:
        value = obj.get(key)
        if value is not None and type(value) is not str:
            raise CaseInputError(_join(where, key), f"must be text, not {_kind(value)}")
        values.append(value)
    return values


_PERSON_TEXTS = ("name", "person_key", "race_ethnicity", "gender_identity", "notes")
_CHARGE_TEXTS = ("statute", "court", "docket_number", "notes")
_CASE_TEXTS = ("county", "agency", "court", "notes")


def _required_text(obj: dict[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if type(value) is str and value.strip():  # the usual case; anything else takes the general path
        return value
    checked = _text(obj, key, where, required=True)
    assert checked is not None
    return checked


def _choice(
    obj: dict[str, Any], key: str, where: str, choices: tuple[str, ...], default: str | None = None
) -> str:
    value = obj.get(key)
    if type(value) is str and value in choices:  # the usual case
        return value
    if value is None:
        if default is None:
            raise CaseInputError(_join(where, key), f"is required (one of: {', '.join(choices)})")
        return default
    if not isinstance(value, str) or value not in choices:
        shown = repr(value) if isinstance(value, str) else _kind(value)
        raise CaseInputError(_join(where, key), f"unknown value {shown} (one of: {', '.join(choices)})")
    return value


def _flag(obj: dict[str, Any], key: str, where: str) -> bool:
    value = obj.get(key, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise CaseInputError(_join(where, key), f"must be true or false, not {_kind(value)}")
    return value


def parse_date(value: Any, where: str) -> date:
    """A real calendar date written as ISO 8601 YYYY-MM-DD."""
    if not isinstance(value, str):
        raise CaseInputError(where, f"must be a date written YYYY-MM-DD, not {_kind(value)}")
    if not _ISO_DATE.fullmatch(value):
        raise CaseInputError(where, f"{value!r} is not a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CaseInputError(where, f"{value!r} is not a real calendar date") from None


def _optional_date(obj: dict[str, Any], key: str, where: str) -> date | None:
    value = obj.get(key)
    if value is None:
        return None
    if type(value) is str and len(value) == 10 and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    return parse_date(value, _join(where, key))  # the slow path, which names the problem


def _list(obj: dict[str, Any], key: str, where: str, *, required: bool) -> list[Any]:
    value = obj.get(key)
    if value is None:
        if required:
            raise CaseInputError(_join(where, key), "is required")
        return []
    if not isinstance(value, list):
        raise CaseInputError(_join(where, key), f"must be a list, not {_kind(value)}")
    return value


def _person(raw: Any, where: str, incident: date) -> Person:
    obj = _object(raw, where, PERSON_KEYS)
    pid = _required_text(obj, "id", where)
    dob = _optional_date(obj, "date_of_birth", where)
    age = obj.get("age")
    if age is not None:
        if isinstance(age, bool) or not isinstance(age, int):
            raise CaseInputError(_join(where, "age"), f"must be a whole number of years, not {_kind(age)}")
        if not 0 <= age <= MAX_AGE:
            raise CaseInputError(_join(where, "age"), f"{age} is not a possible age (0 to {MAX_AGE})")
    if dob is not None:
        if dob > incident:
            raise CaseInputError(
                _join(where, "date_of_birth"),
                f"{dob.isoformat()} is after the incident date {incident.isoformat()}",
            )
        if age is not None and age_on(dob, incident) != age:
            raise CaseInputError(
                _join(where, "age"),
                f"says {age} but date_of_birth {dob.isoformat()} makes the person {age_on(dob, incident)} "
                f"on the incident date {incident.isoformat()}",
            )
    role = _choice(obj, "role", where, ROLES)
    trafficking_victim = _flag(obj, "trafficking_victim", where)
    name, person_key, race_ethnicity, gender_identity, notes = _texts(obj, _PERSON_TEXTS, where)
    # Positional arguments, in field order: a class called with keywords builds a dict for every object.
    return Person(pid, role, name, dob, age, trafficking_victim, person_key, race_ethnicity, gender_identity, notes)


def _reference(obj: dict[str, Any], key: str, where: str, known: set[str], what: str, *,
               required: bool) -> str | None:
    value = obj.get(key)
    if type(value) is str and value in known:  # the usual case (every known id is non-empty text)
        return value
    value = _text(obj, key, where, required=required)
    if value is not None and value not in known:
        raise CaseInputError(_join(where, key), f"names {what} {value!r}, which is not in the case")
    return value


# Fast paths: a person, fact or charge the way valid input usually looks (every field of the expected type, every
# value known) is built in one function, without the checks' calls; anything else raises `_Unusual` and goes the
# checked way, which names the problem. Each fast path builds only what the checked path builds the same object
# from (tests/unit/policy/test_policy_validation.py compares the two on generated input).
_ROLE_SET: Final = frozenset(ROLES)
_OFFENSE_SET: Final = frozenset(OFFENSES)
_STATUS_SET: Final = frozenset(STATUSES)
_FACT_SET: Final = frozenset(FACT_TYPES)
FAST_PATHS = True  # False: every object the checked way (for tests)


class _Unusual(Exception):
    """Not the usual shape of valid input: read it the checked way."""


def _fast_date(value: Any) -> date | None:
    if value is None:
        return None
    if type(value) is not str or len(value) != 10 or not _ISO_DATE.fullmatch(value):
        raise _Unusual
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _Unusual from None


def _fast_text(value: Any) -> str | None:
    if value is not None and type(value) is not str:
        raise _Unusual
    return value


def _fast_person(raw: Any, incident: date) -> Person:
    if type(raw) is not dict or not raw.keys() <= PERSON_KEYS:
        raise _Unusual
    get = raw.get
    pid, role = get("id"), get("role")
    if type(pid) is not str or not pid.strip() or type(role) is not str or role not in _ROLE_SET:
        raise _Unusual
    dob = _fast_date(get("date_of_birth"))
    if dob is not None and dob > incident:
        raise _Unusual
    age = get("age")
    if age is not None and (type(age) is not int or not 0 <= age <= MAX_AGE
                            or (dob is not None and age_on(dob, incident) != age)):
        raise _Unusual
    flag = get("trafficking_victim")
    if flag is not None and type(flag) is not bool:
        raise _Unusual
    return Person(pid, role, _fast_text(get("name")), dob, age, bool(flag), _fast_text(get("person_key")),
                  _fast_text(get("race_ethnicity")), _fast_text(get("gender_identity")), _fast_text(get("notes")))


def _fast_fact(raw: Any, roles: dict[str, str]) -> Fact:
    if type(raw) is not dict or not raw.keys() <= FACT_KEYS:
        raise _Unusual
    ftype, by, against = raw.get("type"), raw.get("by"), raw.get("against")
    if type(ftype) is not str or ftype not in _FACT_SET or type(by) is not str or by not in roles:
        raise _Unusual
    if against is None:
        if ftype in FACTS_NEEDING_VICTIM:
            raise _Unusual
    elif type(against) is not str or against not in roles or against == by:
        raise _Unusual
    if ftype in BUYER_FACTS and roles[by] != "buyer":
        raise _Unusual
    return Fact(ftype, by, against)


def _fast_charge(raw: Any, roles: dict[str, str], charge_ids: set[str]) -> Charge:
    if type(raw) is not dict or not raw.keys() <= CHARGE_KEYS:
        raise _Unusual
    get = raw.get
    cid, holder, offense, other = get("id"), get("person"), get("offense"), get("with")
    if type(cid) is not str or not cid.strip() or cid in charge_ids or type(holder) is not str \
            or holder not in roles or type(offense) is not str or offense not in _OFFENSE_SET:
        raise _Unusual
    status = get("status")
    if status is None:
        status = "pending"
    elif type(status) is not str or status not in _STATUS_SET:
        raise _Unusual
    arose = get("arose_from_exchange")
    if arose is None:
        arose = False
    elif type(arose) is not bool or (arose and offense not in AROSE_FROM_EXCHANGE_OFFENSES):
        raise _Unusual
    if other is not None:
        if type(other) is not str or other not in roles or other == holder:
            raise _Unusual
        wanted = counterparty_role(offense, roles[holder], arose)
        if wanted is not None and roles[other] != wanted:
            raise _Unusual
    return Charge(cid, holder, offense, other, _fast_text(get("statute")), status, _fast_date(get("offense_date")),
                  arose, _fast_text(get("court")), _fast_text(get("docket_number")),
                  _fast_date(get("disposition_date")), _fast_text(get("notes")))


def parse_case(raw: Any) -> Case:
    """Build a `Case` from decoded JSON, or raise `CaseInputError` naming the first problem found."""
    obj = _object(raw, "", CASE_KEYS)
    case_number = _required_text(obj, "case_number", "")
    if "incident_date" not in obj or obj["incident_date"] is None:
        raise CaseInputError("incident_date", "is required")
    incident = parse_date(obj["incident_date"], "incident_date")

    people: list[Person] = []
    person_ids: set[str] = set()
    raw_people = _list(obj, "people", "", required=True)
    if not raw_people:
        raise CaseInputError("people", "must name at least one person")
    fast = FAST_PATHS
    for i, raw_person in enumerate(raw_people):
        try:
            if not fast:
                raise _Unusual
            person = _fast_person(raw_person, incident)
        except _Unusual:
            person = _person(raw_person, f"people[{i}]", incident)
        if person.id in person_ids:
            raise CaseInputError(f"people[{i}].id", f"duplicate person id {person.id!r}")
        person_ids.add(person.id)
        people.append(person)
    roles = {p.id: p.role for p in people}

    facts: list[Fact] = []
    for i, raw_fact in enumerate(_list(obj, "facts", "", required=False)):
        if fast:
            try:
                facts.append(_fast_fact(raw_fact, roles))
                continue
            except _Unusual:
                pass
        where = f"facts[{i}]"
        fobj = _object(raw_fact, where, FACT_KEYS)
        ftype = _choice(fobj, "type", where, FACT_TYPES)
        by = _reference(fobj, "by", where, person_ids, "person", required=True)
        against = _reference(fobj, "against", where, person_ids, "person",
                             required=ftype in FACTS_NEEDING_VICTIM)
        assert by is not None
        if against is not None and against == by:
            raise CaseInputError(_join(where, "against"), f"is the same person as 'by' ({by!r})")
        if ftype in BUYER_FACTS and roles[by] != "buyer":
            raise CaseInputError(
                _join(where, "by"),
                f"names {by!r}, who is {_a(roles[by])}; a {ftype} fact is by a buyer (section "
                f"{'4' if ftype == 'sought_minor' else '3'}): record the buyer, or use another fact type")
        facts.append(Fact(ftype, by, against))

    charges: list[Charge] = []
    charge_ids: set[str] = set()
    raw_charges = _list(obj, "charges", "", required=True)
    if not raw_charges:
        raise CaseInputError("charges", "must list at least one charge")
    for i, raw_charge in enumerate(raw_charges):
        if fast:
            try:
                fast_charge = _fast_charge(raw_charge, roles, charge_ids)
                charge_ids.add(fast_charge.id)
                charges.append(fast_charge)
                continue
            except _Unusual:
                pass
        where = f"charges[{i}]"
        cobj = _object(raw_charge, where, CHARGE_KEYS)
        cid = _required_text(cobj, "id", where)
        if cid in charge_ids:
            raise CaseInputError(f"{where}.id", f"duplicate charge id {cid!r}")
        charge_ids.add(cid)
        holder = _reference(cobj, "person", where, person_ids, "person", required=True)
        assert holder is not None
        other = _reference(cobj, "with", where, person_ids, "person", required=False)
        if other is not None and other == holder:
            raise CaseInputError(f"{where}.with", f"is the person charged ({holder!r}); name the other side")
        offense = _choice(cobj, "offense", where, OFFENSES)
        status = _choice(cobj, "status", where, STATUSES, default="pending")
        offense_date = _optional_date(cobj, "offense_date", where)
        arose_from_exchange = _flag(cobj, "arose_from_exchange", where)
        if arose_from_exchange and offense not in AROSE_FROM_EXCHANGE_OFFENSES:
            raise CaseInputError(f"{where}.arose_from_exchange", _arose_problem(offense))
        if other is not None:
            wanted = counterparty_role(offense, roles[holder], arose_from_exchange)
            if wanted is not None and roles[other] != wanted:
                raise CaseInputError(f"{where}.with", _with_problem(other, roles[other], wanted, offense,
                                                                    roles[holder], arose_from_exchange))
        disposition_date = _optional_date(cobj, "disposition_date", where)
        statute, court, docket_number, notes = _texts(cobj, _CHARGE_TEXTS, where)
        charges.append(Charge(cid, holder, offense, other, statute, status, offense_date, arose_from_exchange,
                              court, docket_number, disposition_date, notes))  # positional: see `_person`

    exceptions: list[ExceptionEntry] = []
    for i, raw_exc in enumerate(_list(obj, "exceptions", "", required=False)):
        where = f"exceptions[{i}]"
        eobj = _object(raw_exc, where, EXCEPTION_KEYS)
        charge = _reference(eobj, "charge", where, charge_ids, "charge", required=True)
        assert charge is not None
        status = _choice(eobj, "status", where, EXCEPTION_STATUSES)
        ground = None if eobj.get("ground") is None else _choice(eobj, "ground", where, GROUNDS)
        if status == "approved" and ground is None:
            raise CaseInputError(f"{where}.ground", "is required for an approved exception (section 8)")
        exceptions.append(ExceptionEntry(charge, status, ground))

    county, agency, court, notes = _texts(obj, _CASE_TEXTS, "")
    return Case(case_number, incident, tuple(people), tuple(charges), tuple(facts), tuple(exceptions), county,
                agency, court, notes)  # positional: see `_person`


def _a(role: str) -> str:
    """A role with its article, as messages name it: "a seller", "an other person"."""
    return {"seller": "a seller", "buyer": "a buyer", "third_party": "a third party", "other": "another person "
            "(role other)"}.get(role, repr(role))


def _arose_problem(offense: str) -> str:
    if offense in EXCHANGE_OFFENSES:
        return f"is only for an offense that is not an exchange offense; {offense} is one already (leave it out)"
    return (f"cannot be set on {offense}: it is only for a quality-of-life offense, unlicensed_massage or other "
            "(a charge that came from an exchange of sex for something of value though its offense is another)")


def _with_problem(other: str, other_role: str, wanted: str, offense: str, holder_role: str, arose: bool) -> str:
    if offense == "promoting":
        what = "on a promoting charge it names the seller promoted"
    elif offense == "buying_sex_from_minor":
        what = "on a buying_sex_from_minor charge it names the seller (the minor)"
    else:
        kind = f"{offense} charge marked arose_from_exchange" if arose and offense not in EXCHANGE_OFFENSES \
            else f"{offense} charge"
        what = f"on {'an' if kind[0] in 'aeiou' else 'a'} {kind} held by {_a(holder_role)} it names the other side " \
               f"of the exchange, {_a(wanted)}"
    return f"names {other!r}, who is {_a(other_role)}; {what}"


def case_to_json(case: Case) -> dict[str, Any]:
    """The case in the spec's input format, only the fields that are set (the inverse of `parse_case`)."""

    def clean(d: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in d.items() if v is not None and v is not False}

    out: dict[str, Any] = {"case_number": case.case_number, "incident_date": case.incident_date.isoformat()}
    out.update(clean({
        "county": case.county, "agency": case.agency, "court": case.court, "notes": case.notes,
    }))
    out["people"] = [clean({
        "id": p.id, "name": p.name, "date_of_birth": p.date_of_birth.isoformat() if p.date_of_birth else None,
        "age": p.age, "role": p.role, "trafficking_victim": p.trafficking_victim, "person_key": p.person_key,
        "race_ethnicity": p.race_ethnicity, "gender_identity": p.gender_identity, "notes": p.notes,
    }) for p in case.people]
    out["facts"] = [clean({"type": f.type, "by": f.by, "against": f.against}) for f in case.facts]
    out["charges"] = [clean({
        "id": c.id, "person": c.person, "offense": c.offense, "with": c.with_, "statute": c.statute,
        "status": c.status, "offense_date": c.offense_date.isoformat() if c.offense_date else None,
        "arose_from_exchange": c.arose_from_exchange, "court": c.court, "docket_number": c.docket_number,
        "disposition_date": c.disposition_date.isoformat() if c.disposition_date else None, "notes": c.notes,
    }) for c in case.charges]
    out["exceptions"] = [clean({"charge": e.charge, "status": e.status, "ground": e.ground})
                         for e in case.exceptions]
    return out

"""Data that can be counted: the office's race/ethnicity and gender identity categories (an administrator edits
them; free text recorded before them is mapped once, value by value), a party's category beside their
self-described text, the arresting agencies as a list (the spellings cases record mapped to one name), the court
outcome of letters and motions (entered by staff), and the office's disclosure threshold.

Every change is authorized and audited (`UserSession.acting`); the audit names ids and kinds, never the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select

from casereview.reports.disclosure import check_threshold
from casereview.services.access import OfficeType, Op
from casereview.services.office import FieldProblem
from casereview.services.session import UserSession, naive
from casereview.store import models as m
from casereview.store import report_queries as rq

KINDS = ("race", "gender")
# The defaults an office starts from (the same for a prosecutor's and a defense office; each edits its own).
DEFAULTS: dict[str, tuple[tuple[str, str], ...]] = {
    "race": (("american_indian", "American Indian or Alaska Native"), ("asian", "Asian"),
             ("black", "Black or African American"), ("hispanic", "Hispanic or Latino/a/x"),
             ("mena", "Middle Eastern or North African"), ("pacific_islander", "Native Hawaiian or Pacific Islander"),
             ("white", "White"), ("multiracial", "More than one race"),
             ("another", "Another race or ethnicity (self-described)")),
    "gender": (("woman", "Woman"), ("man", "Man"), ("transgender_woman", "Transgender woman"),
               ("transgender_man", "Transgender man"), ("nonbinary", "Non-binary or gender non-conforming"),
               ("another", "Another gender identity (self-described)")),
}
ALWAYS = ((rq.UNKNOWN, "Unknown / not recorded"), (rq.UNMAPPED, "Recorded, not yet mapped to a category"))
OUTCOMES = ("pending", "granted", "denied", "withdrawn")
OUTCOME_KINDS = ("letter", "motion")


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise FieldProblem("kind", f"Unknown category list {kind!r}: race or gender.")
    return kind


def default_categories(kind: str, office_type: OfficeType | None = None) -> list[tuple[str, str]]:
    del office_type  # one default for both kinds of office, for now
    return list(DEFAULTS[_kind(kind)])


def categories(user: UserSession, kind: str) -> list[tuple[str, str]]:
    """(code, label) of the office's categories in order, then "unknown" and "unmapped" (always counted)."""
    user.ensure_active()
    with user.workspace.session() as db:
        rows = [(c.code, c.label) for c in db.scalars(
            select(m.DemographicCategory).where(m.DemographicCategory.kind == _kind(kind))
            .order_by(m.DemographicCategory.position))]
    return (rows or default_categories(kind, user.office_type)) + list(ALWAYS)


def set_categories(user: UserSession, kind: str, items: list[tuple[str, str]]) -> None:
    """Replace the office's list (administrator). Codes are kept by parties and mappings: keep a code to keep
    what was counted under it."""
    codes = [c.strip().lower() for c, _ in items]
    if not items or any(not c or len(c) > 40 for c in codes) or len(set(codes)) != len(codes):
        raise FieldProblem("categories", "Give each category a short code (up to 40 characters), each once.")
    if set(codes) & {rq.UNKNOWN, rq.UNMAPPED}:
        raise FieldProblem("categories", "unknown and unmapped are always counted: leave them out of the list.")
    with user.acting(Op.OFFICE_SETTINGS, "office_settings_changed", f"categories:{_kind(kind)}") as db:
        db.execute(delete(m.DemographicCategory).where(m.DemographicCategory.kind == kind))
        for position, (code, (_, label)) in enumerate(zip(codes, items, strict=True)):
            db.add(m.DemographicCategory(kind=kind, code=code, label=label.strip() or code, position=position))


@dataclass(frozen=True)
class FreeText:
    folded: str  # the key a mapping uses
    example: str  # one spelling as recorded
    parties: int
    mapped_to: str | None


def free_text_values(user: UserSession, kind: str) -> list[FreeText]:
    """Every distinct free-text value of a kind (folded), how many parties have it, and its mapping."""
    user.authorize(Op.OFFICE_SETTINGS)
    with user.workspace.session() as db:
        return [FreeText(*r) for r in rq.distinct_free_text(db, _kind(kind))]


def map_free_text(user: UserSession, kind: str, folded: str, code: str | None) -> None:
    """Count every party whose free text folds to `folded` under category `code` (None: remove the mapping)."""
    known = {c for c, _ in categories(user, kind)} - {rq.UNMAPPED}
    if code is not None and code not in known:
        raise FieldProblem("code", f"{code!r} is not one of the office's categories.")
    with user.acting(Op.OFFICE_SETTINGS, "office_settings_changed", f"category_mapping:{kind}") as db:
        row = db.scalars(select(m.DemographicMapping).where(m.DemographicMapping.kind == kind,
                                                            m.DemographicMapping.text_folded == folded)).first()
        if code is None:
            if row is not None:
                db.delete(row)
            return
        if row is None:
            row = m.DemographicMapping(kind=kind, text_folded=folded)
            db.add(row)
        row.code, row.mapped_by, row.mapped_at = code, user.user_id, naive(user.workspace.now())


def set_party_categories(user: UserSession, party_id: int, *, race: str | None, gender: str | None) -> None:
    """A party's categories (None: not chosen); their self-described text stays as recorded beside them."""
    for kind, code in (("race", race), ("gender", gender)):
        if code is not None and code not in {c for c, _ in categories(user, kind)} - {rq.UNMAPPED}:
            raise FieldProblem(kind, f"{code!r} is not one of the office's categories.")
    with user.acting(Op.EDIT_CASE, "case_updated", f"party:{party_id}") as db:
        party = db.get(m.CaseParty, party_id)
        if party is None:
            raise FieldProblem("party", "That person is no longer in the case.")
        party.race_category, party.gender_category = race, gender


@dataclass(frozen=True)
class AgencyText:
    folded: str
    example: str
    cases: int
    agency: str | None


def agency_values(user: UserSession) -> list[AgencyText]:
    user.authorize(Op.OFFICE_SETTINGS)
    with user.workspace.session() as db:
        return [AgencyText(*r) for r in rq.distinct_agencies(db)]


def map_agency(user: UserSession, folded: str, name: str) -> None:
    """Count cases whose agency text folds to `folded` under the agency `name` (made when new)."""
    clean = " ".join(name.split())
    if not clean:
        raise FieldProblem("name", "Give the agency's name as reports should show it.")
    with user.acting(Op.OFFICE_SETTINGS, "office_settings_changed", "agency_mapping") as db:
        agency = db.scalars(select(m.Agency).where(m.Agency.name_folded == clean.casefold())).first()
        if agency is None:
            agency = m.Agency(name=clean, name_folded=clean.casefold())
            db.add(agency)
            db.flush()
        alias = db.get(m.AgencyAlias, folded)
        if alias is None:
            db.add(m.AgencyAlias(text_folded=folded, agency_id=agency.id))
        else:
            alias.agency_id = agency.id


def record_outcome(user: UserSession, *, case_id: int, kind: str, outcome: str, letter_id: int | None = None,
                   filed_on: date | None = None, decided_on: date | None = None, notes: str = "") -> int:
    """What the court did with a letter (its id) or a motion in a case; the latest one entered counts."""
    if kind not in OUTCOME_KINDS:
        raise FieldProblem("kind", "An outcome is of a letter or of a motion.")
    if outcome not in OUTCOMES:
        raise FieldProblem("outcome", f"The outcome is one of {', '.join(OUTCOMES)}.")
    if (kind == "letter") != (letter_id is not None):
        raise FieldProblem("letter", "A letter's outcome names the letter; a motion's names none.")
    if filed_on and decided_on and decided_on < filed_on:
        raise FieldProblem("decided_on", "The court cannot decide before the filing.")
    with user.acting(Op.RECORD_OUTCOMES, "outcome_recorded", f"case:{case_id}") as db:
        if db.get(m.Case, case_id) is None:
            raise FieldProblem("case", "That case is no longer in the case file.")
        if letter_id is not None:
            letter = db.get(m.Letter, letter_id)
            if letter is None or letter.case_id != case_id:
                raise FieldProblem("letter", "That letter is not in this case.")
        row = m.CourtOutcome(case_id=case_id, letter_id=letter_id, kind=kind, outcome=outcome, filed_on=filed_on,
                             decided_on=decided_on, notes=notes.strip() or None, entered_by=user.user_id,
                             entered_at=naive(user.workspace.now()))
        db.add(row)
        db.flush()
        return row.id


def set_threshold(user: UserSession, threshold: int) -> None:
    try:
        check_threshold(threshold)
    except ValueError as exc:
        raise FieldProblem("threshold", str(exc)) from None
    with user.acting(Op.OFFICE_SETTINGS, "office_settings_changed", "disclosure_threshold") as db:
        office = db.get(m.Office, 1)
        assert office is not None
        office.disclosure_threshold = threshold


@dataclass(frozen=True)
class LetterOutcome:
    """A signed letter and the latest court outcome recorded for it (None: none yet)."""

    letter_id: int
    case_id: int
    case_number: str
    kind: str
    person_name: str
    signed_at: date | None
    outcome: str | None
    filed_on: date | None
    decided_on: date | None


def letter_outcomes(user: UserSession) -> list[LetterOutcome]:
    """Every signed letter, newest first, with its latest recorded outcome (for staff entering outcomes)."""
    user.authorize(Op.RECORD_OUTCOMES)
    o = m.CourtOutcome
    with user.workspace.session() as db:
        latest: dict[int, m.CourtOutcome] = {}
        for row in db.scalars(select(o).where(o.letter_id.is_not(None)).order_by(o.id)):
            assert row.letter_id is not None
            latest[row.letter_id] = row
        out = []
        for letter, number in db.execute(select(m.Letter, m.Case.case_number)
                                         .join(m.Case, m.Case.id == m.Letter.case_id)
                                         .where(m.Letter.status == "signed")
                                         .order_by(m.Letter.signed_at.desc(), m.Letter.id.desc())):
            got = latest.get(letter.id)
            out.append(LetterOutcome(letter.id, letter.case_id, number, letter.kind, letter.person_name,
                                     letter.signed_at.date() if letter.signed_at else None,
                                     got.outcome if got else None, got.filed_on if got else None,
                                     got.decided_on if got else None))
        return out

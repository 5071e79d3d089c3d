"""The reports' aggregates, each one SQL query with GROUP BY (never a loop over cases), on SQLite and PostgreSQL.

Every aggregate counts **charges** as last screened (each charge's decision in its case's latest screening; the
person is the one charged), except exception requests (requests), letters and motions (documents) and the time
to a decision (cases). A `ReportFilter` selects cases by incident date (the date of the arrest) and by the policy
of the case's latest screening.

Categories: a party's race/ethnicity and gender identity category is the one recorded for them; else the
category an administrator mapped their free text to; else ``unknown`` when nothing was recorded, or
``unmapped`` for free text nobody has mapped yet. Age groups are the age on the incident date (the recorded age,
else from the date of birth). Agencies are the office's list: a case's agency text is looked up among the
spellings mapped to an agency; unmapped text counts as written (trimmed), and none as "Not recorded".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Date, Integer, and_, case, cast, func, literal, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import ColumnElement

from casereview.store import models as m

AGE_GROUPS = ("under 18", "18-24", "25-34", "35-49", "50+", "unknown")
NOT_RECORDED = "Not recorded"
UNKNOWN, UNMAPPED = "unknown", "unmapped"
OUTCOME_NONE = "no outcome recorded"


@dataclass(frozen=True)
class ReportFilter:
    date_from: date | None = None  # incident dates from (inclusive)
    date_to: date | None = None  # to (inclusive)
    policy_id: str | None = None  # the policy of the case's latest screening


Rows = list[tuple[Any, ...]]


def _dialect(db: Session) -> str:
    return db.get_bind().dialect.name


def month_of(db: Session, column: Any) -> ColumnElement[str]:
    """The "YYYY-MM" of a date or timestamp column."""
    if _dialect(db) == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _days_between(db: Session, later: Any, earlier: Any) -> ColumnElement[int]:
    if _dialect(db) == "postgresql":
        days: ColumnElement[int] = cast(later, Date) - earlier  # date - date: whole days
        return days
    return cast(func.julianday(func.date(later)) - func.julianday(earlier), Integer)


def _age_years(db: Session, on: Any, born: Any) -> ColumnElement[int]:
    if _dialect(db) == "postgresql":
        return cast(func.date_part("year", func.age(on, born)), Integer)
    years = cast(func.strftime("%Y", on), Integer) - cast(func.strftime("%Y", born), Integer)
    before = case((func.strftime("%m-%d", on) < func.strftime("%m-%d", born), 1), else_=0)
    return years - before


def latest_screenings() -> Any:
    """Each case's latest screening id."""
    return (select(m.Screening.case_id, func.max(m.Screening.id).label("sid"))
            .group_by(m.Screening.case_id).subquery("latest"))


def _case_conditions(f: ReportFilter, case_date: Any) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if f.date_from is not None:
        out.append(case_date >= f.date_from)
    if f.date_to is not None:
        out.append(case_date <= f.date_to)
    return out


def _policy_condition(f: ReportFilter, case_id: Any) -> list[ColumnElement[bool]]:
    if f.policy_id is None:
        return []
    latest = latest_screenings()
    ids = (select(latest.c.case_id).join(m.Screening, m.Screening.id == latest.c.sid)
           .where(m.Screening.policy_id == f.policy_id))
    return [case_id.in_(ids)]


def category_of(kind: str, category: Any, free_text: Any) -> tuple[Any, ColumnElement[str]]:
    """(the mapping table aliased for an outer join, the category expression)."""
    mapping = aliased(m.DemographicMapping, name=f"map_{kind}")
    blank = func.coalesce(func.trim(free_text), "") == ""
    expr = func.coalesce(category, mapping.code, case((blank, literal(UNKNOWN)), else_=literal(UNMAPPED)))
    return mapping, expr


def fold_sql(text: Any) -> ColumnElement[str]:
    """How free text is folded for mappings and agency spellings (the same SQL on both sides of every join)."""
    return func.lower(func.trim(text))


def agency_of() -> tuple[Any, Any, ColumnElement[str]]:
    alias = aliased(m.AgencyAlias, name="agency_alias_1")
    agency = aliased(m.Agency, name="agency_1")
    raw = func.nullif(func.trim(m.Case.agency), "")
    return alias, agency, func.coalesce(agency.name, raw, literal(NOT_RECORDED))


def _age_group(db: Session) -> ColumnElement[str]:
    party = m.CaseParty
    years = func.coalesce(party.age, _age_years(db, m.Case.incident_date, party.date_of_birth))
    return case((years.is_(None), literal("unknown")), (years < 18, literal("under 18")),
                (years < 25, literal("18-24")), (years < 35, literal("25-34")), (years < 50, literal("35-49")),
                else_=literal("50+"))


DIMENSIONS = ("decision", "section", "race", "gender", "age_group", "agency", "incident_month", "screened_month",
              "offense")


def charge_counts(db: Session, f: ReportFilter, by: Sequence[str], *,
                  decisions: Sequence[str] | None = None) -> Rows:
    """Charges as last screened, counted by the `DIMENSIONS` named in `by` (one GROUP BY): rows are the values
    of `by` and the count. `decisions`: only charges last screened to one of these.

    The decision is the charge's own (`Charge.decision`, set from the latest saved screening), so that only a
    table that needs the decisive section reads the screenings' decisions."""
    stmt = (select().select_from(m.Charge).join(m.Case, m.Case.id == m.Charge.case_id)
            .where(m.Charge.decision.is_not(None)))
    columns: list[Any] = []
    party_joined = False
    for name in by:
        if name == "decision":
            columns.append(m.Charge.decision)
        elif name == "section":
            latest = latest_screenings()
            sd = m.ScreeningDecision
            stmt = (stmt.join(latest, latest.c.case_id == m.Charge.case_id)
                    .join(sd, and_(sd.screening_id == latest.c.sid, sd.charge_id == m.Charge.id)))
            columns.append(func.coalesce(sd.sections[0].as_string(), literal("")))
        elif name == "offense":
            columns.append(m.Charge.offense)
        elif name == "incident_month":
            columns.append(month_of(db, m.Case.incident_date))
        elif name in ("race", "gender", "age_group"):
            if not party_joined:
                stmt = stmt.join(m.CaseParty, m.CaseParty.id == m.Charge.party_id)
                party_joined = True
            if name == "age_group":
                columns.append(_age_group(db))
            else:
                category = m.CaseParty.race_category if name == "race" else m.CaseParty.gender_category
                text = m.CaseParty.race_ethnicity if name == "race" else m.CaseParty.gender_identity
                mapping, expr = category_of(name, category, text)
                stmt = stmt.outerjoin(mapping, and_(mapping.kind == name, mapping.text_folded == fold_sql(text)))
                columns.append(expr)
        elif name == "agency":
            alias, agency, agency_name = agency_of()
            stmt = (stmt.outerjoin(alias, alias.text_folded == fold_sql(m.Case.agency))
                    .outerjoin(agency, agency.id == alias.agency_id))
            columns.append(agency_name)
        elif name == "screened_month":
            first = (select(m.Screening.case_id, func.min(m.Screening.screened_at).label("first_at"))
                     .group_by(m.Screening.case_id).subquery("first"))
            stmt = stmt.join(first, first.c.case_id == m.Case.id)
            columns.append(month_of(db, first.c.first_at))
        else:
            raise ValueError(f"unknown dimension {name!r}")
    stmt = stmt.add_columns(*columns, func.count()).where(*_case_conditions(f, m.Case.incident_date),
                                                           *_policy_condition(f, m.Charge.case_id))
    if decisions is not None:
        stmt = stmt.where(m.Charge.decision.in_(list(decisions)))
    return [tuple(r) for r in db.execute(stmt.group_by(*columns))]


def exception_requests(db: Session, f: ReportFilter) -> Rows:
    """(ground, status, count) of section 8 exception requests made in CaseReview (drafts left out)."""
    w = m.ExceptionWorkflow
    stmt = (select(w.ground, w.status, func.count()).join(m.Case, m.Case.id == w.case_id)
            .where(w.status != "draft", *_case_conditions(f, m.Case.incident_date),
                   *_policy_condition(f, w.case_id))
            .group_by(w.ground, w.status))
    return [tuple(r) for r in db.execute(stmt)]


def documents_by_outcome(db: Session, f: ReportFilter) -> Rows:
    """(kind, outcome, count): signed letters by the latest court outcome recorded for them (or none), and
    motions by theirs. A letter's kind is its own (non_opposition, ...); a motion's is "motion"."""
    o = m.CourtOutcome
    latest_outcome = (select(o.letter_id, func.max(o.id).label("oid")).where(o.letter_id.is_not(None))
                      .group_by(o.letter_id).subquery("latest_outcome"))
    shown = aliased(m.CourtOutcome, name="outcome_1")
    outcome = func.coalesce(shown.outcome, literal(OUTCOME_NONE))
    letters = (select(m.Letter.kind, outcome, func.count())
               .join(m.Case, m.Case.id == m.Letter.case_id)
               .outerjoin(latest_outcome, latest_outcome.c.letter_id == m.Letter.id)
               .outerjoin(shown, shown.id == latest_outcome.c.oid)
               .where(m.Letter.status == "signed", *_case_conditions(f, m.Case.incident_date),
                      *_policy_condition(f, m.Letter.case_id))
               .group_by(m.Letter.kind, outcome))
    motions = (select(literal("motion"), o.outcome, func.count()).join(m.Case, m.Case.id == o.case_id)
               .where(o.kind == "motion", *_case_conditions(f, m.Case.incident_date),
                      *_policy_condition(f, o.case_id))
               .group_by(o.outcome))
    return [tuple(r) for r in db.execute(letters)] + [tuple(r) for r in db.execute(motions)]


def days_to_decision(db: Session, f: ReportFilter) -> Rows:
    """(incident month, days from the incident date to the case's first screening, cases): the distribution each
    month's median and quartiles are read from."""
    first = (select(m.Screening.case_id, func.min(m.Screening.screened_at).label("first_at"))
             .group_by(m.Screening.case_id).subquery("first"))
    days = _days_between(db, first.c.first_at, m.Case.incident_date)
    month = month_of(db, m.Case.incident_date)
    stmt = (select(month, days, func.count()).select_from(m.Case).join(first, first.c.case_id == m.Case.id)
            .where(*_case_conditions(f, m.Case.incident_date), *_policy_condition(f, m.Case.id))
            .group_by(month, days))
    return [tuple(r) for r in db.execute(stmt)]


def policies_used(db: Session) -> list[str]:
    return list(db.scalars(select(m.Screening.policy_id).distinct().order_by(m.Screening.policy_id)))


def distinct_free_text(db: Session, kind: str) -> Rows:
    """(folded text, a spelling as recorded, parties, mapped code or None) for a kind's free text."""
    column = m.CaseParty.race_ethnicity if kind == "race" else m.CaseParty.gender_identity
    folded = fold_sql(column)
    mapping = aliased(m.DemographicMapping)
    stmt = (select(folded, func.min(column), func.count(), func.max(mapping.code))
            .outerjoin(mapping, and_(mapping.kind == kind, mapping.text_folded == folded))
            .where(func.coalesce(func.trim(column), "") != "")
            .group_by(folded).order_by(func.count().desc(), folded))
    return [tuple(r) for r in db.execute(stmt)]


def distinct_agencies(db: Session) -> Rows:
    """(folded text, a spelling as recorded, cases, agency name or None)."""
    folded = fold_sql(m.Case.agency)
    stmt = (select(folded, func.min(m.Case.agency), func.count(), func.max(m.Agency.name))
            .select_from(m.Case)
            .outerjoin(m.AgencyAlias, m.AgencyAlias.text_folded == folded)
            .outerjoin(m.Agency, m.Agency.id == m.AgencyAlias.agency_id)
            .where(func.coalesce(func.trim(m.Case.agency), "") != "")
            .group_by(folded).order_by(func.count().desc(), folded))
    return [tuple(r) for r in db.execute(stmt)]

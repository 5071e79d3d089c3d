"""The reports' aggregates in SQL (GROUP BY, never a loop over cases), on SQLite and PostgreSQL: every charge
aggregate in one statement (`families`: each case's facts and each person's charges worked out once, then
grouped per family on the columns as stored, the office's lists applied to the grouped rows), exception requests
and documents one GROUP BY each. The covering indexes ix_charge_report and ix_screening_report (migration 0015)
and ix_charge_section (0016) let the charges and screenings be read from their indexes alone.

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

from sqlalchemy import Date, Integer, String, and_, case, cast, func, literal, select, text
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


# The page cache of a connection the reports run on (SQLite, in KiB): every aggregate over a 100,000-case file
# reads more than 50 MB of pages (the charge and screening indexes, the cases, parties, latest decisions and
# charges), more than the 48 MiB every connection starts with (`database.CACHE_KIB`): with that cache each report
# read and decrypted most of its pages again; with this one the next report (a filter change) finds them
# decrypted. Pages are only allocated as they are read, so a small case file uses no more memory for it.
REPORT_CACHE_KIB = 131072


def prepare(db: Session) -> None:
    """Make the session's connection ready for the reports: on SQLite, a page cache that holds every page they
    read (`REPORT_CACHE_KIB`; kept by the connection, never made smaller). Nothing to do on PostgreSQL."""
    if _dialect(db) != "sqlite":
        return
    size = int(db.execute(text("PRAGMA cache_size")).scalar() or 0)
    # a negative size is in KiB, a positive one in pages
    kib = -size if size < 0 else size * int(db.execute(text("PRAGMA page_size")).scalar() or 4096) // 1024
    if kib < REPORT_CACHE_KIB:
        db.execute(text(f"PRAGMA cache_size = -{REPORT_CACHE_KIB}"))


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


def _case_conditions(f: ReportFilter, case_date: Any) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if f.date_from is not None:
        out.append(case_date >= f.date_from)
    if f.date_to is not None:
        out.append(case_date <= f.date_to)
    return out


def _policy_condition(f: ReportFilter, case_id: Any) -> list[ColumnElement[bool]]:
    """The case's latest screening is under the filter's policy: looked up for each row (the rows these tables
    count are few: exception requests, letters, motions), from the screening index."""
    if f.policy_id is None:
        return []
    s = aliased(m.Screening, name="latest_for_policy")
    latest = select(s.policy_id).where(s.case_id == case_id).order_by(s.id.desc()).limit(1).scalar_subquery()
    return [latest == f.policy_id]


def fold_sql(text: Any) -> ColumnElement[str]:
    """How free text is folded for mappings and agency spellings (the same SQL on both sides of every join)."""
    return func.lower(func.trim(text))


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


def policies_used(db: Session) -> list[str]:
    """Every policy some screening was made under (read from ix_screening_policy in its order: a small index,
    nothing sorted, none of the screenings' rows)."""
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


# ------------------------------------------------------------------------------ every aggregate in one query


def _month_text(db: Session, column: Any) -> ColumnElement[str]:
    """The "YYYY-MM" of a date or timestamp: on SQLite its first 7 characters (dates and times are stored as ISO
    text there), much cheaper than strftime over every row."""
    if _dialect(db) == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.substr(column, 1, 7)


def _age_on(db: Session, on: Any, born: Any) -> ColumnElement[int]:
    if _dialect(db) == "postgresql":
        return _age_years(db, on, born)
    years = cast(func.substr(on, 1, 4), Integer) - cast(func.substr(born, 1, 4), Integer)
    return years - case((func.substr(on, 6, 5) < func.substr(born, 6, 5), 1), else_=0)


@dataclass(frozen=True)
class Families:
    """Every charge aggregate of the reports, each row ending with the charges counted and then how many of them
    have each decision asked for (in that order):

    - ``by_case``: (agency, incident month, month of the case's first screening, charges, per decision…)
    - ``by_person``: (race/ethnicity category, gender identity category, age group, charges, per decision…)
    - ``by_section``: (the section decisive in the latest screening, charges, per decision…)
    - ``timing``: (incident month, days from the incident to the first screening, cases)
    """

    by_case: Rows
    by_person: Rows
    by_section: Rows
    timing: Rows


FAMILIES = ("case", "person", "section", "timing")


def families(db: Session, f: ReportFilter, decisions: Sequence[str], parts: Sequence[str] = FAMILIES) -> Families:
    """`Families` under the filter, in one statement. Each case's facts (months, first and latest screening, its
    agency as written) are worked out once (a materialized CTE), each person's charges in each case are counted
    once from the charge index (another), and each family is grouped on the columns as stored; the office's
    lists (agencies, category mappings), the age groups and the sections are applied to the few grouped rows
    only, and grouped again."""
    s = m.Screening
    first = (select(s.case_id.label("case_id"), func.min(s.screened_at).label("first_at"), func.max(s.id).label("sid"))
             .group_by(s.case_id))
    if f.date_from is not None or f.date_to is not None:
        first = first.join(m.Case, m.Case.id == s.case_id).where(*_case_conditions(f, m.Case.incident_date))
    screened = first.cte("screened").prefix_with("MATERIALIZED")
    facts = (select(m.Case.id.label("case_id"), m.Case.incident_date.label("incident_date"),
                    func.trim(m.Case.agency).label("agency"),
                    _month_text(db, m.Case.incident_date).label("incident_month"),
                    _month_text(db, screened.c.first_at).label("screened_month"), screened.c.sid.label("sid"),
                    _days_between(db, screened.c.first_at, m.Case.incident_date).label("days"))
             .select_from(m.Case).join(screened, screened.c.case_id == m.Case.id)
             .where(*_case_conditions(f, m.Case.incident_date)))
    if f.policy_id is not None:
        latest = aliased(m.Screening, name="latest_screening")
        facts = facts.join(latest, latest.id == screened.c.sid).where(latest.policy_id == f.policy_id)
    k = facts.cte("case_facts").prefix_with("MATERIALIZED")
    ch = m.Charge
    per_decision = [func.sum(case((ch.decision == d, 1), else_=0)).label(f"n{i}") for i, d in enumerate(decisions)]
    # Each person's charges in each case: one pass over the charge index, in its order (no sorting); only the
    # filtered cases' when a filter is set.
    pc_query = (select(ch.case_id.label("case_id"), ch.party_id.label("party_id"), func.count().label("n"),
                       *per_decision)
                .where(ch.decision.is_not(None)).group_by(ch.case_id, ch.party_id))
    if f != ReportFilter():
        pc_query = pc_query.where(ch.case_id.in_(select(k.c.case_id)))
    charges = pc_query.cte("person_charges").prefix_with("MATERIALIZED")
    pc = (select(k.c.case_id, charges.c.party_id, k.c.agency, k.c.incident_month, k.c.screened_month,
                 k.c.incident_date, charges.c.n, *(charges.c[f"n{i}"] for i in range(len(decisions))))
          .select_from(charges).join(k, k.c.case_id == charges.c.case_id)).cte("person_cases") \
        .prefix_with("MATERIALIZED")
    counts = ["n", *(f"n{i}" for i in range(len(decisions)))]

    def text(v: Any) -> ColumnElement[str]:
        return cast(v, String)

    def summed(sub: Any) -> list[Any]:
        return [func.sum(sub.c[c]) for c in counts]

    # by case: grouped on the agency as written, then named from the office's list
    g = (select(pc.c.agency, pc.c.incident_month, pc.c.screened_month, *(func.sum(pc.c[c]).label(c) for c in counts))
         .group_by(pc.c.agency, pc.c.incident_month, pc.c.screened_month)).subquery("by_case_written")
    alias = aliased(m.AgencyAlias, name="agency_alias_1")
    agency = aliased(m.Agency, name="agency_1")
    agency_name = func.coalesce(agency.name, func.nullif(g.c.agency, ""), literal(NOT_RECORDED))
    by_case = (select(literal("case"), text(agency_name), text(g.c.incident_month), text(g.c.screened_month),
                      *summed(g))
               .select_from(g).outerjoin(alias, alias.text_folded == func.lower(g.c.agency))
               .outerjoin(agency, agency.id == alias.agency_id)
               .group_by(agency_name, g.c.incident_month, g.c.screened_month))
    # by person: grouped on the categories and free text as recorded and the age in years, then mapped
    party = m.CaseParty
    years = func.coalesce(party.age, _age_on(db, pc.c.incident_date, party.date_of_birth))
    p = (select(party.race_category.label("race_category"), fold_sql(party.race_ethnicity).label("race_text"),
                party.gender_category.label("gender_category"), fold_sql(party.gender_identity).label("gender_text"),
                years.label("years"), *(func.sum(pc.c[c]).label(c) for c in counts))
         .select_from(pc).join(party, party.id == pc.c.party_id)
         .group_by(party.race_category, fold_sql(party.race_ethnicity), party.gender_category,
                   fold_sql(party.gender_identity), years)).subquery("by_person_recorded")
    race_map = aliased(m.DemographicMapping, name="map_race")
    gender_map = aliased(m.DemographicMapping, name="map_gender")

    def category(recorded: Any, mapped: Any, folded: Any) -> ColumnElement[str]:
        blank = func.coalesce(folded, "") == ""
        return func.coalesce(recorded, mapped, case((blank, literal(UNKNOWN)), else_=literal(UNMAPPED)))

    race = category(p.c.race_category, race_map.code, p.c.race_text)
    gender = category(p.c.gender_category, gender_map.code, p.c.gender_text)
    age_group = case((p.c.years.is_(None), literal("unknown")), (p.c.years < 18, literal("under 18")),
                     (p.c.years < 25, literal("18-24")), (p.c.years < 35, literal("25-34")),
                     (p.c.years < 50, literal("35-49")), else_=literal("50+"))
    by_person = (select(literal("person"), text(race), text(gender), text(age_group), *summed(p))
                 .select_from(p)
                 .outerjoin(race_map, and_(race_map.kind == "race", race_map.text_folded == p.c.race_text))
                 .outerjoin(gender_map, and_(gender_map.kind == "gender", gender_map.text_folded == p.c.gender_text))
                 .group_by(race, gender, age_group))
    # by section: the charges by the section their latest decision is counted under (charge.section, kept with the
    # decision), from ix_charge_section in its order; only the filtered cases' when a filter is set
    by_section = (select(literal("section"), text(func.coalesce(ch.section, literal(""))), text(literal(None)),
                         text(literal(None)), func.count(),
                         *(func.sum(case((ch.decision == d, 1), else_=0)) for d in decisions))
                  .where(ch.decision.is_not(None)).group_by(ch.section))
    if f != ReportFilter():
        by_section = by_section.where(ch.case_id.in_(select(k.c.case_id)))
    zeros = [literal(0) for _ in decisions]
    timing = (select(literal("timing"), text(k.c.incident_month), text(k.c.days), text(literal(None)), func.count(),
                     *zeros)
              .select_from(k).group_by(k.c.incident_month, k.c.days))
    out: dict[str, Rows] = {name: [] for name in FAMILIES}
    chosen = [q for name, q in zip(FAMILIES, (by_case, by_person, by_section, timing), strict=True) if name in parts]
    for row in db.execute(chosen[0].union_all(*chosen[1:]) if len(chosen) > 1 else chosen[0]):
        out[str(row[0])].append(tuple(row[1:]))
    sections: dict[str, list[int]] = {}
    for first_section, _none, _none2, *numbers in out["section"]:
        into = sections.setdefault(str(first_section or ""), [0] * len(numbers))
        for i, v in enumerate(numbers):
            into[i] += int(v or 0)
    return Families(out["case"], out["person"], [(name, *v) for name, v in sections.items()],
                    [(r[0], int(r[1]), r[3]) for r in out["timing"]])

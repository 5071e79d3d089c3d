"""The screenings kept in a case file: the latest one of a case (or of many cases at once), and which decisions
differ between two screenings of a case.

A stored screening is the record of what was decided then, under the rules of its `rules_version`; screening a
case again adds a new one and never changes an old one. These queries read them, in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casereview.policy.engine import Screening
from casereview.store import models as m


@dataclass(frozen=True, slots=True)
class StoredDecision:
    """One charge's decision as a screening gave it."""

    charge: str  # the charge's id in its case ("1", "2", …)
    decision: str
    sections: tuple[str, ...]
    record_relief: str | None
    relief_sections: tuple[str, ...] | None  # the ground of a do_not_contest; None on a version 2 decision

    def same_outcome(self, other: StoredDecision) -> bool:
        """The same decision, sections and record relief. A relief ground is compared only when both screenings
        give one: version 2 kept none, so its absence is not a change."""
        if (self.decision, self.sections, self.record_relief) != (other.decision, other.sections,
                                                                   other.record_relief):
            return False
        if self.relief_sections is None or other.relief_sections is None:
            return True
        return self.relief_sections == other.relief_sections


@dataclass(frozen=True, slots=True)
class StoredScreening:
    """A case's screening as the case file keeps it."""

    id: int
    case_id: int
    rules_version: int  # the screening rules it was made under (2 for every screening made before version 3)
    screened_at: datetime  # UTC, without a zone (as stored)
    policy_id: str
    policy_version: str
    presumptive: bool
    decisions: tuple[StoredDecision, ...]  # in the order of the case's charges

    def decision(self, charge: str) -> StoredDecision | None:
        return next((d for d in self.decisions if d.charge == charge), None)


@dataclass(frozen=True, slots=True)
class DecisionChange:
    """A charge whose decision is not what the case's screening before said."""

    case_number: str
    charge: str  # the charge's id in its case
    person: str  # the charged person as the screening names them: "Dana Roe (A)"
    offense: str  # the offense's identifier ("loitering_for_prostitution"); words are the screen's business
    before: StoredDecision | None  # None: the case had never been screened
    after: StoredDecision

    @property
    def before_relief(self) -> str | None:
        return self.before.record_relief if self.before is not None else None

    @property
    def after_relief(self) -> str | None:
        return self.after.record_relief


def latest_screening(session: Session, case_id: int) -> StoredScreening | None:
    """The case's newest stored screening, or None when it was never screened."""
    return latest_screenings(session, [case_id]).get(case_id)


def latest_screenings(session: Session, case_ids: Sequence[int]) -> dict[int, StoredScreening]:
    """The newest stored screening of each of some cases (two queries, whatever their number); a case never
    screened has none. Newest is the one stored last."""
    if not case_ids:
        return {}
    conn = session.connection()
    newest = select(func.max(m.Screening.id)).where(m.Screening.case_id.in_(case_ids)) \
        .group_by(m.Screening.case_id).scalar_subquery()
    heads = list(conn.execute(
        select(m.Screening.id, m.Screening.case_id, m.Screening.rules_version, m.Screening.screened_at,
               m.Screening.policy_id, m.Screening.policy_version, m.Screening.presumptive)
        .where(m.Screening.id.in_(newest))))
    decisions: dict[int, list[StoredDecision]] = {}
    if heads:
        for screening_id, local_id, decision, sections, relief, relief_sections in conn.execute(
                select(m.ScreeningDecision.screening_id, m.Charge.local_id, m.ScreeningDecision.decision,
                       m.ScreeningDecision.sections, m.ScreeningDecision.record_relief,
                       m.ScreeningDecision.relief_sections)
                .join(m.Charge, m.Charge.id == m.ScreeningDecision.charge_id)
                .where(m.ScreeningDecision.screening_id.in_([h.id for h in heads]))
                .order_by(m.ScreeningDecision.screening_id, m.Charge.position)):
            decisions.setdefault(screening_id, []).append(StoredDecision(
                local_id, decision, tuple(sections or ()), relief,
                tuple(relief_sections) if relief_sections is not None else None))
    return {h.case_id: StoredScreening(h.id, h.case_id, h.rules_version, h.screened_at, h.policy_id,
                                       h.policy_version, h.presumptive, tuple(decisions.get(h.id, ())))
            for h in heads}


def decisions_of(result: Screening) -> tuple[StoredDecision, ...]:
    """An engine's screening as it is stored (what `casereview.store.cases.screen_row` keeps of each charge)."""
    return tuple(StoredDecision(d.charge, d.decision, tuple(d.sections), d.record_relief, tuple(d.relief_sections))
                 for d in result.charges)


def decision_changes(row: m.Case, before: StoredScreening | None,
                     after: Sequence[StoredDecision]) -> list[DecisionChange]:
    """The charges of a stored case (`row`) whose decision `after` is not the one `before` gave (every charge
    when the case had not been screened, or the charge is new since), in the order of the case's charges."""
    charges = {c.local_id: c for c in row.charges}
    out = []
    for decision in after:
        earlier = before.decision(decision.charge) if before is not None else None
        if earlier is not None and earlier.same_outcome(decision):
            continue
        charge = charges[decision.charge]
        party = charge.party
        person = f"{party.name} ({party.local_id})" if party.name else party.local_id
        out.append(DecisionChange(row.case_number, decision.charge, person, charge.offense, earlier, decision))
    return out

"""A case file as an older CaseReview left it: a case whose only saved screening was made under the rules of
version 2 (for the tests of screening again under the current rules, here and in tests/gui)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from casereview.policy.profile import PolicyProfile, load_builtin
from casereview.services.session import Workspace
from casereview.store import models as m

WHEN = datetime(2026, 6, 1, 12, 0)  # UTC, as stored


def store_v2(ws: Workspace, number: str, decisions: dict[str, tuple[str, list[str], str | None]], *,
             profile: PolicyProfile | None = None) -> int:
    """Make the case's only screening one saved under the rules of version 2 (no relief grounds), as an older
    case file holds it, and its charges' decisions (the case list's) those: charge id → (decision, sections,
    record relief). Returns the screening's id."""
    profile = profile or load_builtin()
    with ws.session() as db, db.begin():
        row = db.scalars(select(m.Case).where(m.Case.case_number == number)).one()
        db.execute(delete(m.Screening).where(m.Screening.case_id == row.id))
        saved = m.Screening(case_id=row.id, policy_hash=profile.content_hash, policy_id=profile.id,
                            policy_version=profile.version, presumptive=True, case_version=row.version,
                            screened_at=WHEN, rules_version=2)
        for charge in row.charges:
            decision, sections, relief = decisions[charge.local_id]
            saved.decisions.append(m.ScreeningDecision(
                charge_id=charge.id, decision=decision, sections=sections, reasoning=[], quote="…",
                exception_allowed=False, record_relief=relief, missing=[], relief_sections=None))
            charge.decision, charge.record_relief = decision, relief
        db.add(saved)
        db.flush()
        return saved.id

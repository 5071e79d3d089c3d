"""Hypothesis strategies for cases that are valid input under screening version 3 (a `with` of the right role,
buyer-only facts by buyers, `arose_from_exchange` only where it may be set), as decoded JSON."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

from casereview.policy.ages import age_on
from casereview.policy.case import (
    AROSE_FROM_EXCHANGE_OFFENSES,
    BUYER_FACTS,
    EXCEPTION_STATUSES,
    FACT_TYPES,
    FACTS_NEEDING_VICTIM,
    GROUNDS,
    OFFENSES,
    ROLES,
    STATUSES,
    counterparty_role,
)

IDS = ("A", "B", "C", "D", "E")
INCIDENT = date(2026, 3, 14)

_days = st.one_of(
    st.dates(date(1990, 1, 1), date(2030, 12, 31)),
    st.dates(date(1, 1, 1), date(9999, 12, 31)),
    st.sampled_from([date(2024, 2, 29), date(2025, 2, 28), date(2025, 3, 1), date(1, 1, 1), date(9999, 12, 31)]),
)


@st.composite
def valid_cases(draw: st.DrawFn, *, wide_dates: bool = True, max_people: int = 5) -> dict[str, Any]:
    """Any valid case: any roles, dates of birth or ages or neither, facts of every type, every offense."""
    incident = draw(_days) if wide_dates else INCIDENT
    ids = draw(st.lists(st.sampled_from(IDS[:max_people]), min_size=1, max_size=max_people, unique=True))
    people = []
    roles: dict[str, str] = {}
    for pid in ids:
        p: dict[str, Any] = {"id": pid, "role": draw(st.sampled_from(ROLES))}
        roles[pid] = p["role"]
        how = draw(st.sampled_from(["dob", "age", "both", "none", "near18"]))
        if how in ("dob", "both"):
            earliest = incident - timedelta(days=min(130 * 365, (incident - date(1, 1, 1)).days))
            born = draw(st.dates(earliest, incident))
            p["date_of_birth"] = born.isoformat()
            if how == "both":
                p["age"] = age_on(born, incident)
        elif how == "age":
            p["age"] = draw(st.integers(0, 130))
        elif how == "near18":  # 16 to 19: the ages the rules turn on
            p["age"] = draw(st.integers(16, 19))
        if draw(st.booleans()):
            p["name"] = draw(st.sampled_from(["Dana Roe", "John Poe", "Ana", "José Núñez"]))
        if draw(st.integers(0, 4)) == 0:
            p["trafficking_victim"] = True
        people.append(p)
    facts = []
    buyers = [i for i in ids if roles[i] == "buyer"]
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(FACT_TYPES))
        if kind in BUYER_FACTS:
            if not buyers:
                continue
            by = draw(st.sampled_from(buyers))
        else:
            by = draw(st.sampled_from(ids))
        others = [i for i in ids if i != by]
        f: dict[str, Any] = {"type": kind, "by": by}
        if kind in FACTS_NEEDING_VICTIM or (others and draw(st.booleans())):
            if not others:
                continue
            f["against"] = draw(st.sampled_from(others))
        facts.append(f)
    charges = []
    for n in range(draw(st.integers(1, 5))):
        holder = draw(st.sampled_from(ids))
        offense = draw(st.sampled_from(OFFENSES))
        c: dict[str, Any] = {"id": str(n + 1), "person": holder, "offense": offense}
        if offense in AROSE_FROM_EXCHANGE_OFFENSES and draw(st.integers(0, 3)) == 0:
            c["arose_from_exchange"] = True
        wanted = counterparty_role(offense, roles[holder], bool(c.get("arose_from_exchange")))
        others = [i for i in ids if i != holder and (wanted is None or roles[i] == wanted)]
        if others and draw(st.booleans()):
            c["with"] = draw(st.sampled_from(others))
        if draw(st.booleans()):
            c["status"] = draw(st.sampled_from(STATUSES))
        if draw(st.booleans()):
            c["offense_date"] = draw(_days if wide_dates else st.dates(date(2025, 3, 1), date(2027, 3, 31))
                                     ).isoformat()
        charges.append(c)
    exceptions = []
    for _ in range(draw(st.integers(0, 3))):
        e: dict[str, Any] = {"charge": draw(st.sampled_from([c["id"] for c in charges])),
                             "status": draw(st.sampled_from(EXCEPTION_STATUSES))}
        if e["status"] == "approved" or draw(st.booleans()):
            e["ground"] = draw(st.sampled_from(GROUNDS))
        exceptions.append(e)
    out: dict[str, Any] = {"case_number": draw(st.sampled_from(["26-CR-1", "X"])),
                           "incident_date": incident.isoformat(), "people": people, "charges": charges}
    if facts or draw(st.booleans()):
        out["facts"] = facts
    if exceptions or draw(st.booleans()):
        out["exceptions"] = exceptions
    return out


def screening_cases() -> st.SearchStrategy[dict[str, Any]]:
    """Valid cases around one incident date, most people near 18: the shapes the rules decide between."""
    return valid_cases(wide_dates=False, max_people=4)

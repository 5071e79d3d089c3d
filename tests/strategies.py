"""Hypothesis strategies for valid cases in the screening input format."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

from casereview.policy.case import (
    AROSE_FROM_EXCHANGE_OFFENSES,
    BUYER_FACTS,
    EXCEPTION_STATUSES,
    FACT_TYPES,
    GROUNDS,
    OFFENSES,
    ROLES,
    STATUSES,
    counterparty_role,
)

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=20).filter(
    lambda s: bool(s.strip()))
_dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def case_dicts(draw: st.DrawFn, *, exceptions: bool = True) -> dict[str, Any]:
    """A valid case (screening input, version 3). `exceptions=False`: none, as a case file takes them (section 8
    approvals there exist only through the signed workflow, so `case import` refuses an `exceptions` list)."""
    incident = draw(_dates)
    n_people = draw(st.integers(1, 4))
    ids = draw(st.lists(_text, min_size=n_people, max_size=n_people, unique=True))
    people = []
    for pid in ids:
        person: dict[str, Any] = {"id": pid, "role": draw(st.sampled_from(ROLES))}
        how = draw(st.sampled_from(["dob", "age", "none"]))
        if how == "dob":
            person["date_of_birth"] = (incident - timedelta(days=draw(st.integers(0, 80 * 365)))).isoformat()
        elif how == "age":
            person["age"] = draw(st.integers(0, 90))
        for key in ("name", "person_key", "race_ethnicity", "gender_identity", "notes"):
            if draw(st.booleans()):
                person[key] = draw(_text)
        if draw(st.booleans()):
            person["trafficking_victim"] = True
        people.append(person)
    roles = {p["id"]: p["role"] for p in people}
    facts = []
    for _ in range(draw(st.integers(0, 3))):
        if len(ids) < 2:
            break
        by, against = draw(st.permutations(ids))[:2]
        ftype = draw(st.sampled_from(FACT_TYPES))
        if ftype in BUYER_FACTS and roles[by] != "buyer":
            continue  # only a buyer can commit these (bad input otherwise)
        facts.append({"type": ftype, "by": by, "against": against})
    n_charges = draw(st.integers(1, 4))
    charge_ids = draw(st.lists(_text, min_size=n_charges, max_size=n_charges, unique=True))
    charges = []
    for cid in charge_ids:
        holder = draw(st.sampled_from(ids))
        charge: dict[str, Any] = {"id": cid, "person": holder, "offense": draw(st.sampled_from(OFFENSES)),
                                  "status": draw(st.sampled_from(STATUSES))}
        if charge["offense"] in AROSE_FROM_EXCHANGE_OFFENSES and draw(st.booleans()):
            charge["arose_from_exchange"] = True
        wanted = counterparty_role(charge["offense"], roles[holder], bool(charge.get("arose_from_exchange")))
        others = [i for i in ids if i != holder and (wanted is None or roles[i] == wanted)]
        if others and draw(st.booleans()):
            charge["with"] = draw(st.sampled_from(others))
        if draw(st.booleans()):
            charge["offense_date"] = (incident + timedelta(days=draw(st.integers(0, 400)))).isoformat()
        if draw(st.booleans()):
            charge["disposition_date"] = (incident + timedelta(days=draw(st.integers(0, 900)))).isoformat()
        for key in ("statute", "court", "docket_number", "notes"):
            if draw(st.booleans()):
                charge[key] = draw(_text)
        charges.append(charge)
    entries = []
    for _ in range(draw(st.integers(0, 3)) if exceptions else 0):
        status = draw(st.sampled_from(EXCEPTION_STATUSES))
        entry = {"charge": draw(st.sampled_from(charge_ids)), "status": status}
        if status == "approved" or draw(st.booleans()):
            entry["ground"] = draw(st.sampled_from(GROUNDS))
        entries.append(entry)
    out: dict[str, Any] = {"case_number": draw(_text), "incident_date": incident.isoformat(), "people": people,
                           "facts": facts, "charges": charges}
    if entries:
        out["exceptions"] = entries
    for key in ("county", "agency", "court", "notes"):
        if draw(st.booleans()):
            out[key] = draw(_text)
    return out

"""Generated cases for the reports, written straight into the tables (the case services store about 150 cases a
second; the benchmark needs 100,000), with the truth of every charge kept beside them so that tests count it
independently in Python. Used by tests/unit/services/test_reports.py and benchmarks/reports.py."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.orm import Session

from casereview.policy.ages import age_on
from casereview.store import models as m

DECISIONS = ("decline", "protect", "charge", "discretion", "review")
SECTIONS = ("1", "2", "3", "4", "5", "6", "7", "8")
RACE_TEXT = {"Black": "black", " black ": "black", "WHITE": "white", "Latina": "hispanic", "asian american": None}
GENDER_TEXT = {"trans woman": "transgender_woman", "F": "woman", "m": "man", "enby": None}
AGENCY_TEXT = {"Portland Police": "Portland Police Bureau", "portland police ": "Portland Police Bureau",
               "PPB": "Portland Police Bureau", "County Sheriff": "Multnomah County Sheriff",
               "Transit Police": None}


@dataclass(frozen=True)
class TruthCharge:
    decision: str
    section: str
    race: str
    gender: str
    age_group: str
    agency: str
    incident_month: str
    screened_month: str
    policy: str


def _group(age: int | None) -> str:
    if age is None:
        return "unknown"
    return "under 18" if age < 18 else "18-24" if age < 25 else "25-34" if age < 35 else "35-49" if age < 50 \
        else "50+"


def fill(db: Session, count: int, *, seed: int = 7, user_id: int = 1, with_mappings: bool = True,
         ) -> tuple[list[TruthCharge], list[tuple[int, int]]]:
    """Write `count` cases (1 to 3 charges each, some screened twice) in `db`'s open transaction. Returns the
    truth of every charge as last screened, and (case_id, days from incident to first screening)."""
    rng = random.Random(seed)
    now = datetime(2026, 11, 1, 12, 0)
    for policy in ("fjp-model-2025", "office-2026"):
        db.add(m.PolicyText(content_hash=policy.ljust(64, "0")[:64], policy_id=policy, version="1", title=policy,
                            text="{}", stored_at=now))
    if with_mappings:
        for kind, texts in (("race", RACE_TEXT), ("gender", GENDER_TEXT)):
            for folded, code in {t.strip().lower(): c for t, c in texts.items() if c}.items():
                db.add(m.DemographicMapping(kind=kind, text_folded=folded, code=code, mapped_by=user_id,
                                            mapped_at=now))
        agencies: dict[str, int] = {}
        for folded, name in {t.strip().lower(): n for t, n in AGENCY_TEXT.items() if n}.items():
            if name not in agencies:
                row = m.Agency(name=name, name_folded=name.casefold())
                db.add(row)
                db.flush()
                agencies[name] = row.id
            db.add(m.AgencyAlias(text_folded=folded, agency_id=agencies[name]))
    db.flush()
    cases, people, parties, charges, screenings, decisions = [], [], [], [], [], []
    truth: list[TruthCharge] = []
    timing: list[tuple[int, int]] = []
    charge_id = screening_id = decision_id = 0
    for case_id in range(1, count + 1):
        incident = date(2025, 1, 1) + timedelta(days=rng.randrange(700))
        agency_text = rng.choice([*AGENCY_TEXT, "Gresham Police", None, "  "])
        agency = (AGENCY_TEXT.get(agency_text) if agency_text in AGENCY_TEXT else None) or \
            ((agency_text or "").strip() or "Not recorded")
        cases.append({"id": case_id, "case_number": f"GEN-{case_id:07d}", "incident_date": incident,
                      "agency": agency_text, "search_text": "", "version": 1, "created_at": now, "updated_at": now})
        people.append({"id": case_id, "person_key": f"PK{case_id}", "name": f"Person {case_id}"})
        party_id = case_id  # one party per case
        recorded = rng.randrange(5)
        race_cat = gender_cat = None
        race_text = gender_text = None
        if recorded == 0:
            race_cat = rng.choice(["black", "white", "asian", "hispanic", "american_indian"])
            gender_cat = rng.choice(["woman", "man", "transgender_woman", "nonbinary"])
        elif recorded in (1, 2):
            race_text = rng.choice(list(RACE_TEXT))
            gender_text = rng.choice(list(GENDER_TEXT))
        elif recorded == 3:
            race_text, gender_text = "", None
        race = race_cat or (RACE_TEXT.get(race_text) if race_text is not None and with_mappings else None) or \
            ("unmapped" if (race_text or "").strip() else "unknown")
        gender = gender_cat or (GENDER_TEXT.get(gender_text) if gender_text is not None and with_mappings else None) \
            or ("unmapped" if (gender_text or "").strip() else "unknown")
        age_kind = rng.randrange(3)
        dob = age = None
        if age_kind == 0:
            dob = incident - timedelta(days=rng.randrange(15 * 365, 70 * 365))
            years: int | None = age_on(dob, incident)
        elif age_kind == 1:
            age = rng.randrange(14, 75)
            years = age
        else:
            years = None
        parties.append({"id": party_id, "case_id": case_id, "person_id": case_id, "position": 0, "local_id": "p1",
                        "role": "seller", "trafficking_victim": False, "name": f"Person {case_id}",
                        "date_of_birth": dob, "age": age, "race_ethnicity": race_text,
                        "gender_identity": gender_text, "client": False, "race_category": race_cat,
                        "gender_category": gender_cat})
        n_charges = rng.randrange(1, 4)
        ids = []
        for pos in range(n_charges):
            charge_id += 1
            ids.append(charge_id)
            charges.append({"id": charge_id, "case_id": case_id, "position": pos, "local_id": f"c{pos + 1}",
                            "party_id": party_id, "offense": rng.choice(["selling_sex", "loitering_for_prostitution",
                                                                          "trespass"]),
                            "status": "pending", "arose_from_exchange": False})
        first_at = datetime.combine(incident, datetime.min.time()) + timedelta(days=rng.randrange(0, 60),
                                                                               hours=rng.randrange(8, 18))
        timing.append((case_id, (first_at.date() - incident).days))
        times = [first_at] + ([first_at + timedelta(days=rng.randrange(1, 30))] if rng.random() < 0.2 else [])
        for at in times:
            screening_id += 1
            policy = rng.choice(["fjp-model-2025", "fjp-model-2025", "office-2026"])
            screenings.append({"id": screening_id, "case_id": case_id, "policy_hash": policy.ljust(64, "0")[:64],
                               "policy_id": policy, "policy_version": "1", "presumptive": True, "case_version": 1,
                               "screened_at": at, "rules_version": 3})
            for cid in ids:
                decision_id += 1
                d = rng.choices(DECISIONS, weights=(50, 20, 15, 10, 5))[0]
                section = rng.choice(SECTIONS)
                decisions.append({"id": decision_id, "screening_id": screening_id, "charge_id": cid, "decision": d,
                                  "sections": [section, "1"] if rng.random() < 0.5 else [section], "reasoning": [],
                                  "quote": "", "exception_allowed": False, "missing": []})
                if at is times[-1]:
                    charges[cid - 1]["decision"] = d  # the latest screening's, as the store keeps it
                    charges[cid - 1]["section"] = section
                    truth.append(TruthCharge(d, section, race, gender, _group(years), agency,
                                             incident.strftime("%Y-%m"), first_at.strftime("%Y-%m"), policy))
    for model, rows in ((m.Case, cases), (m.Person, people), (m.CaseParty, parties), (m.Charge, charges),
                        (m.Screening, screenings), (m.ScreeningDecision, decisions)):
        for start in range(0, len(rows), 5000):
            db.execute(insert(model), rows[start:start + 5000])
    return truth, timing


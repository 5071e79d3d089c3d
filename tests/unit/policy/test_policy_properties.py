"""Properties of screening version 3 on generated cases, for both profiles (issue 14):

- no non-buyer under 18 and no trafficked non-buyer is anything but `protect` on an exchange-related charge,
  unless a review says why;
- no seller with harm against her is charged, declined or left to discretion;
- no buyer under 18 is charged under section 4;
- `exception_allowed` only on a pending or filed decline of someone who is not a possible victim (and always
  there);
- `relief_sections` is empty exactly when `record_relief` is not `do_not_contest`, and never holds `6` for a
  trafficked or under-18 seller;
- reordering people, charges and facts changes no decision;
and the reasons: plain words (never the format's identifiers), each sentence once, every charge of a possible
victim saying so; a seller or buyer who used violence is never declined.

The definitions are written out again here from the spec, independently of the engine.
"""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from policy_helpers import PROFILES
from policy_strategies import screening_cases, valid_cases

from casereview.policy.case import (
    EXCEPTION_STATUSES,
    FACT_TYPES,
    GROUNDS,
    OFFENSES,
    ROLES,
    STATUSES,
    VICTIM_FACTS,
    Case,
    Charge,
    Person,
    is_exchange_related,
    parse_case,
)
from casereview.policy.engine import ChargeDecision, screen_case
from casereview.policy.profile import NEEDS, load_builtin

MANY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HARM_BY_BUYER = {"force", "theft", "coercion"}
VIOLENCE_FACTS = {*VICTIM_FACTS, "force", "theft", "coercion"}
# The format's identifiers that have a plain-word label: reasons must never show them.
IDENTIFIERS = sorted({x for x in (*OFFENSES, *FACT_TYPES, *GROUNDS, *ROLES, *NEEDS, *STATUSES, *EXCEPTION_STATUSES)
                      if "_" in x}, key=len, reverse=True)
IDENTIFIER = re.compile(r"\b(" + "|".join(map(re.escape, IDENTIFIERS)) + r")\b")


def _minor(case: Case, p: Person, ch: Charge) -> bool:
    rng = case.age_range(p, ch.offense_date or case.incident_date)
    return rng is not None and rng.minor


def _against(case: Case, p: Person) -> list[tuple[str, Person]]:
    return [(f.type, case.person(f.by)) for f in case.facts if f.against == p.id]


def _trafficked(case: Case, p: Person) -> bool:
    return p.trafficking_victim or any(t == "trafficking" for t, _ in _against(case, p))


def _harm_against(case: Case, p: Person) -> bool:
    return any(t in VICTIM_FACTS or (t in HARM_BY_BUYER and by.role == "buyer") for t, by in _against(case, p))


def _possible_victim(case: Case, p: Person, ch: Charge) -> bool:
    return _trafficked(case, p) or (p.role != "buyer" and _minor(case, p, ch)) or any(
        t in {*VIOLENCE_FACTS, "trafficking"} for t, _ in _against(case, p))


def _violence_by(case: Case, p: Person) -> bool:
    return any(f.by == p.id and f.type in VIOLENCE_FACTS for f in case.facts)


def _decisions(raw: dict[str, Any]) -> list[tuple[str, Case, ChargeDecision, dict[str, Any]]]:
    case = parse_case(raw)
    out = []
    for policy in PROFILES:
        screening = screen_case(case, load_builtin(policy))
        for d, js in zip(screening.charges, screening.to_json()["charges"], strict=True):
            out.append((policy, case, d, js))
    return out


def _charge(case: Case, cid: str) -> Charge:
    (found,) = [c for c in case.charges if c.id == cid]
    return found


@MANY
@given(raw=st.one_of(screening_cases(), valid_cases()))
def test_a_minor_or_trafficked_non_buyer_is_protected_on_an_exchange_related_charge(raw: dict[str, Any]) -> None:
    for policy, case, d, _ in _decisions(raw):
        ch, p = _charge(case, d.charge), case.person(d.person)
        if p.role == "buyer" or not is_exchange_related(ch.offense, ch.arose_from_exchange):
            continue
        if _minor(case, p, ch) or _trafficked(case, p):
            assert d.decision == "protect" or (d.decision == "review" and d.missing), (policy, d)
            assert d.base_decision == d.decision  # no exception turns it


@MANY
@given(raw=st.one_of(screening_cases(), valid_cases()))
def test_a_seller_with_harm_against_her_is_never_charged_declined_or_left_to_discretion(raw: dict[str, Any]) -> None:
    for policy, case, d, _ in _decisions(raw):
        p = case.person(d.person)
        if p.role == "seller" and _harm_against(case, p):
            assert d.decision in ("protect", "review"), (policy, d)
            if d.decision == "review":
                assert d.missing


@MANY
@given(raw=st.one_of(screening_cases(), valid_cases()))
def test_a_buyer_under_18_is_never_charged_under_section_4(raw: dict[str, Any]) -> None:
    for policy, case, d, _ in _decisions(raw):
        p, ch = case.person(d.person), _charge(case, d.charge)
        if p.role == "buyer" and _minor(case, p, ch):
            assert "4" not in d.sections, (policy, d)


@MANY
@given(raw=st.one_of(screening_cases(), valid_cases()))
def test_exception_allowed_exactly_on_a_pending_or_filed_decline_of_someone_not_a_possible_victim(
        raw: dict[str, Any]) -> None:
    for policy, case, d, js in _decisions(raw):
        p, ch = case.person(d.person), _charge(case, d.charge)
        allowed = d.base_decision == "decline" and ch.status in ("pending", "filed") and \
            not _possible_victim(case, p, ch)
        assert d.possible_victim is _possible_victim(case, p, ch)
        assert (d.exception_refusal is None) is allowed
        if d.decision == "charge" and d.sections == ("8",):
            assert allowed  # an approval applied only where an exception is allowed
        else:
            assert js["exception_allowed"] is allowed, (policy, d)


@MANY
@given(raw=st.one_of(screening_cases(), valid_cases()))
def test_relief_sections_give_the_ground_of_do_not_contest_only(raw: dict[str, Any]) -> None:
    for policy, case, d, js in _decisions(raw):
        p, ch = case.person(d.person), _charge(case, d.charge)
        assert (js["relief_sections"] == []) is (js["record_relief"] != "do_not_contest"), (policy, js)
        if js["record_relief"] is None:
            assert not ch.is_past_record
        if p.role == "seller" and (_trafficked(case, p) or _minor(case, p, ch)):
            assert "6" not in js["relief_sections"], (policy, js)
        if js["record_relief"] == "do_not_contest":
            ground = js["relief_sections"]
            assert ground in (["6"], ["2"], ["3"], ["4"], ["4", "6"]) or ground[0].startswith("guide: ")
            if d.base_decision == "protect":
                assert ground[0] in (d.sections[0], *[s for s in ground if s.startswith("guide: ")])


@MANY
@given(raw=st.one_of(screening_cases(), valid_cases()))
def test_violence_by_a_seller_or_buyer_is_never_declined(raw: dict[str, Any]) -> None:
    for policy, case, d, _ in _decisions(raw):
        p = case.person(d.person)
        if p.role in ("seller", "buyer") and _violence_by(case, p):
            assert d.base_decision != "decline", (policy, d)


@MANY
@given(raw=st.one_of(screening_cases(), valid_cases()))
def test_the_reasons_are_plain_words_each_sentence_once_and_name_a_possible_victim(raw: dict[str, Any]) -> None:
    for policy, case, d, js in _decisions(raw):
        p, ch = case.person(d.person), _charge(case, d.charge)
        reasons = js["reasons"]
        assert len(reasons) == len(set(reasons)), reasons
        joined = " ".join(reasons)
        found = IDENTIFIER.search(joined)
        assert found is None, (found, joined)
        if _possible_victim(case, p, ch):
            assert f"The record shows that {p.label()} may be a victim." in reasons, (policy, reasons)
        if _minor(case, p, ch):
            assert f"{p.label()} was " in joined and "under 18" in joined
        if p.trafficking_victim:
            assert f"{p.label()} is recorded as a victim of trafficking." in reasons
        for t, by in _against(case, p):
            if t in {*VIOLENCE_FACTS, "trafficking"}:
                assert f"{p.label()} is the victim of " in joined and by.label() in joined


def _reordered(raw: dict[str, Any], order: list[int]) -> dict[str, Any]:
    out = json.loads(json.dumps(raw))
    for key in ("people", "charges", "facts"):
        items = out.get(key) or []
        if len(items) > 1:  # `order` is a permutation of 0-4; the lists hold at most 5 items
            out[key] = [items[i] for i in order if i < len(items)]
    return out


def _outcome(raw: dict[str, Any], policy: str) -> dict[str, tuple[Any, ...]]:
    out = screen_case(parse_case(raw), load_builtin(policy)).to_json()
    missing = {}
    for m in out["missing"]:
        missing.setdefault(m["charge"], set()).add((m["person"], m["need"]))
    return {c["charge"]: (c["decision"], tuple(c["sections"]), c["exception_allowed"], c["record_relief"],
                          tuple(c["relief_sections"]), frozenset(missing.get(c["charge"], set())))
            for c in out["charges"]}


@MANY
@given(raw=st.one_of(screening_cases(), valid_cases()), order=st.permutations(range(5)))
def test_reordering_people_charges_and_facts_changes_no_decision(raw: dict[str, Any], order: list[int]) -> None:
    shuffled = _reordered(raw, list(order))
    for policy in PROFILES:
        assert _outcome(raw, policy) == _outcome(shuffled, policy), policy

"""Reasons (screening version 3): plain words from the profile's labels, whole sentences, each fact once, the
victim's status on every charge of a possible victim, and an approval that cannot apply named with why."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from policy_helpers import (
    ADULT_DOB,
    FJP,
    GUIDE,
    MINOR_DOB,
    OLDER_DOB,
    PROFILES,
    charge,
    decide,
    exception,
    fact,
    make_case,
    person,
    screen,
)
from policy_strategies import valid_cases

from casereview.policy.case import FACT_TYPES, OFFENSES
from casereview.policy.profile import load_builtin

SELLER = person("S", "seller", ADULT_DOB, name="Dana Roe")
BUYER = person("B", "buyer", OLDER_DOB, name="John Poe")
DRIVER = person("D", "third_party", OLDER_DOB, name="Sam Ortiz")


def reasons(raw: dict[str, Any], cid: str = "1", policy: str = FJP) -> list[str]:
    return list(decide(raw, cid, policy)["reasons"])


@pytest.mark.parametrize("policy", PROFILES)
@pytest.mark.parametrize("offense", OFFENSES)
def test_the_first_sentence_names_the_person_their_role_and_the_offense_in_words(policy: str, offense: str) -> None:
    profile = load_builtin(policy)
    raw = make_case([SELLER, BUYER], [charge("1", "B", offense)])
    first = reasons(raw, policy=policy)[0]
    assert first == f"John Poe (B), the buyer in this case, is charged with {profile.offense_label(offense)}."
    assert "_" not in first


@pytest.mark.parametrize(("status", "words"), [
    ("pending", "is charged with selling sex."), ("filed", "is charged with selling sex."),
    ("convicted", "was convicted of selling sex."),
    ("dismissed", "was charged with selling sex (the charge was dismissed)."),
    ("arrest_only", "was arrested for selling sex.")])
def test_a_past_record_is_worded_as_what_happened(status: str, words: str) -> None:
    raw = make_case([SELLER], [charge("1", "S", "selling_sex", status=status)])
    assert reasons(raw)[0] == f"Dana Roe (S), the seller in this case, {words}"


SENTENCES_AGAINST = {
    "physical_assault": "Dana Roe (S) is the victim of a physical assault by John Poe (B).",
    "sexual_assault": "Dana Roe (S) is the victim of a sexual assault by John Poe (B).",
    "condom_refusal": "Dana Roe (S) is the victim of a refusal to use a condom by John Poe (B).",
    "non_consensual_act": "Dana Roe (S) is the victim of a sexual act without consent by John Poe (B).",
    "refused_to_pay": "Dana Roe (S) is the victim of a refusal to pay by John Poe (B).",
    "trafficking": "Dana Roe (S) is the victim of trafficking by John Poe (B).",
    "force": "Dana Roe (S) is the victim of force by John Poe (B).",
    "theft": "Dana Roe (S) is the victim of theft by John Poe (B).",
    "coercion": "Dana Roe (S) is the victim of coercion by John Poe (B).",
}


@pytest.mark.parametrize("policy", PROFILES)
@pytest.mark.parametrize("kind", list(SENTENCES_AGAINST))
@pytest.mark.parametrize("offense", ["selling_sex", "drug_possession", "assault", "promoting", "other"])
def test_every_charge_of_a_possible_victim_says_so(policy: str, kind: str, offense: str) -> None:
    raw = make_case([SELLER, BUYER], [charge("1", "S", offense)], facts=[fact(kind, "B", "S")])
    said = reasons(raw, policy=policy)
    assert said.count(SENTENCES_AGAINST[kind]) == 1
    assert "The record shows that Dana Roe (S) may be a victim." in said


SENTENCES_BY = {
    "physical_assault": "John Poe (B) physically assaulted Dana Roe (S) (section 2(a)).",
    "sexual_assault": "John Poe (B) sexually assaulted Dana Roe (S) (section 2(b)).",
    "condom_refusal": "John Poe (B) refused to use a condom despite the expressed wishes of Dana Roe (S) "
                      "(section 2(c)).",
    "non_consensual_act": "John Poe (B) engaged in a sexual act to which Dana Roe (S) did not consent (section 2(d)).",
    "refused_to_pay": "John Poe (B) engaged in sexual activity with Dana Roe (S) but refused to pay (section 2(e)).",
    "force": "John Poe (B) used force against Dana Roe (S).",
    "theft": "John Poe (B) stole from Dana Roe (S).",
    "coercion": "John Poe (B) coerced Dana Roe (S).",
}


@pytest.mark.parametrize("kind", list(SENTENCES_BY))
@pytest.mark.parametrize("offense", ["buying_sex", "assault"])
def test_a_buyers_harm_is_stated_once_with_its_letter(kind: str, offense: str) -> None:
    raw = make_case([SELLER, BUYER], [charge("1", "B", offense)], facts=[fact(kind, "B", "S")])
    said = reasons(raw)
    assert said.count(SENTENCES_BY[kind]) == 1
    assert sum("Dana Roe (S)" in r for r in said) == (2 if offense == "assault" else 1)  # the seller, and the fact


def test_facts_a_buyer_alone_commits_are_worded() -> None:
    raw = make_case([SELLER, BUYER], [charge("1", "B", "solicitation")],
                    facts=[fact("sought_minor", "B"), fact("knowingly_purchased_from_trafficked", "B", "S")])
    out = decide(raw, "1")
    assert out["decision"] == "charge" and out["sections"] == ["4"]
    assert "John Poe (B) sought to buy sex from a minor." in out["reasons"]
    raw["facts"] = [fact("knowingly_purchased_from_trafficked", "B", "S")]
    assert "John Poe (B) knowingly sought to purchase sex from Dana Roe (S), a trafficked person." in reasons(raw)


def test_a_minors_age_is_stated_on_every_charge() -> None:
    minor = person("S", "seller", MINOR_DOB, name="Dana Roe")
    raw = make_case([minor, BUYER], [charge(str(i), "S", o) for i, o in enumerate(OFFENSES)])
    for c in screen(raw)["charges"]:
        assert "Dana Roe (S) was 17 on 2026-03-14, under 18." in c["reasons"], c
        assert "The record shows that Dana Roe (S) may be a victim." in c["reasons"]


def test_a_minor_buyers_age_is_stated_but_he_is_not_called_a_possible_victim() -> None:
    minor = person("B", "buyer", MINOR_DOB, name="John Poe")
    said = reasons(make_case([SELLER, minor], [charge("1", "B", "buying_sex")]))
    assert "John Poe (B) was 17 on 2026-03-14, under 18." in said
    assert not any("may be a victim" in r for r in said)


def test_an_approval_on_a_past_record_is_named_with_why() -> None:
    raw = make_case([SELLER], [charge("1", "S", "selling_sex", status="convicted")],
                    exceptions=[exception("1", "approved", "prevent_trafficking")], incident="2015-01-01")
    (sentence,) = [r for r in reasons(raw) if "exception" in r]
    assert sentence == ("An approved section 8 exception for this charge is recorded in the input, on the ground "
                        "“charges would have a direct impact on preventing trafficking”, but it cannot apply: a "
                        "section 8 request is a request to file or pursue a charge, and this charge is a past record "
                        "(a conviction).")


def test_an_approval_on_a_protected_charge_is_named_with_why() -> None:
    raw = make_case([SELLER, BUYER], [charge("1", "S", "selling_sex")], facts=[fact("force", "B", "S")],
                    exceptions=[exception("1", "approved", "other")])
    (sentence,) = [r for r in reasons(raw) if "exception" in r]
    assert "cannot apply" in sentence and "the decision on this charge is protect" in sentence
    assert "on the ground of another exceptional circumstance" in sentence


@pytest.mark.parametrize("policy", PROFILES)
def test_a_pending_request_on_a_decline_that_allows_none(policy: str) -> None:
    minor = person("S", "seller", MINOR_DOB, name="Dana Roe")
    raw = make_case([minor, DRIVER], [charge("1", "D", "solicitation", "S")],
                    exceptions=[exception("1", "submitted", "protect_victim")])
    assert decide(raw, "1", policy)["decision"] == "charge"  # footnote 2, section 3
    raw = make_case([SELLER, DRIVER], [charge("1", "S", "solicitation")], facts=[fact("theft", "D", "S")],
                    exceptions=[exception("1", "submitted", "protect_victim")])
    (sentence,) = [r for r in reasons(raw, policy=policy) if "exception" in r]
    assert sentence.startswith("A section 8 exception request for this charge, on the ground “necessary to protect "
                               "the safety and health of a victim”, is submitted")
    assert "no exception can apply" in sentence and "may be a victim" in sentence


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=valid_cases())
def test_every_sentence_is_a_sentence(raw: dict[str, Any]) -> None:
    for policy in (FJP, GUIDE):
        for c in screen(raw, policy)["charges"]:
            for r in c["reasons"]:
                assert r[:1].isupper() or r[:1].isdigit() or r[0] in "“", r
                assert r.endswith((".", ".”")), r
                assert "  " not in r and ".." not in r and "{" not in r and " ." not in r, r
                assert " None" not in r and "nobody (" not in r, r


def test_labels_cover_every_identifier() -> None:
    for policy in PROFILES:
        labels = load_builtin(policy).labels
        assert set(labels.offenses) == set(OFFENSES)
        assert set(labels.facts) == set(FACT_TYPES)
        assert all("_" not in w for w in labels.offenses.values())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=valid_cases())
def test_the_reasons_are_the_reason_trees_in_order(raw: dict[str, Any]) -> None:
    from casereview.policy.case import parse_case
    from casereview.policy.engine import screen_case

    for policy in PROFILES:
        for d in screen_case(parse_case(raw), load_builtin(policy)).charges:
            assert d.reasons == [s for r in d.reasoning for s in r.sentences()]

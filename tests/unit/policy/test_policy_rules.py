"""Every rule and branch of profile `fjp-model-2025` (spec: "Rules of profile fjp-model-2025"), and the
protections they rest on. Each test changes one fact from a neighbouring case, so that a wrong rule order fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from policy_helpers import (
    ADULT_DOB,
    FJP,
    GUIDE,
    MINOR_DOB,
    OLDER_DOB,
    PROFILES,
    brief,
    charge,
    decide,
    fact,
    make_case,
    person,
    screen,
)

SELLER = person("S", "seller", ADULT_DOB, name="Dana Roe")
BUYER = person("B", "buyer", OLDER_DOB, name="John Poe")
MINOR_SELLER = person("S", "seller", MINOR_DOB)
DRIVER = person("D", "third_party", OLDER_DOB)

VICTIM_FACTS = ["physical_assault", "sexual_assault", "condom_refusal", "non_consensual_act", "refused_to_pay"]
LETTERS = dict(zip(VICTIM_FACTS, ["2(a)", "2(b)", "2(c)", "2(d)", "2(e)"], strict=True))
QUALITY_OF_LIFE = ["vagrancy", "trespass", "obscenity", "drug_possession", "public_nuisance"]
VIOLENCE = ["assault", "sexual_assault", "robbery", "homicide"]


def one(people: Sequence[dict[str, Any]], offense: str, holder: str, *, with_: str | None = None,
        facts: Sequence[dict[str, Any]] = (), policy: str = FJP, **extra: Any) -> dict[str, Any]:
    """Screen a case with one charge "1" and return its result."""
    return decide(make_case(people, [charge("1", holder, offense, with_, **extra)], facts), "1", policy)


def needs(result: dict[str, Any]) -> list[tuple[str, str]]:
    return [(m["person"], m["need"]) for m in result["missing"]]


# ------------------------------------------------------------------------------------------------ protections


class TestProtections:
    @pytest.mark.parametrize("offense", ["selling_sex", "solicitation", "buying_sex", "loitering_for_prostitution"])
    def test_4_a_minor_seller_with_an_exchange_related_charge(self, offense: str) -> None:
        assert brief(one([MINOR_SELLER, BUYER], offense, "S")) == ("protect", ["4"])

    @pytest.mark.parametrize("role", ["third_party", "other"])
    def test_4_covers_every_role_but_the_buyer(self, role: str) -> None:
        minor = person("T", role, MINOR_DOB)
        assert brief(one([minor, SELLER], "selling_sex", "T")) == ("protect", ["4"])

    def test_4_never_protects_a_buyer(self) -> None:
        minor_buyer = person("B", "buyer", MINOR_DOB)
        # Rule 6: a buyer under 18 is left to the prosecutor (section 1 covers exchanges between adults).
        assert brief(one([SELLER, minor_buyer], "buying_sex", "B")) == ("discretion", ["5"])

    def test_4_needs_an_exchange_related_charge(self) -> None:
        assert brief(one([MINOR_SELLER, BUYER], "drug_possession", "S")) == ("discretion", ["5"])

    def test_3_from_the_trafficking_victim_flag(self) -> None:
        flagged = person("S", "seller", trafficking_victim=True)
        assert brief(one([flagged, BUYER], "selling_sex", "S")) == ("protect", ["3"])

    def test_3_from_a_trafficking_fact_against_the_person(self) -> None:
        result = one([SELLER, BUYER, DRIVER], "loitering_for_prostitution", "S",
                     facts=[fact("trafficking", "D", "S")])
        assert brief(result) == ("protect", ["3"])

    def test_3_not_from_a_trafficking_fact_by_the_person(self) -> None:
        result = one([SELLER, BUYER, DRIVER], "selling_sex", "S", facts=[fact("trafficking", "S", "D")])
        assert brief(result) == ("decline", ["1(a)"])

    def test_3_never_protects_a_buyer(self) -> None:
        flagged_buyer = person("B", "buyer", OLDER_DOB, trafficking_victim=True)
        assert brief(one([SELLER, flagged_buyer], "buying_sex", "B")) == ("decline", ["1(a)"])

    def test_3_needs_an_exchange_related_charge(self) -> None:
        flagged = person("S", "seller", trafficking_victim=True)
        assert brief(one([flagged, BUYER], "trespass", "S")) == ("discretion", ["5"])

    @pytest.mark.parametrize("kind", VICTIM_FACTS)
    def test_2_a_seller_who_is_the_victim_any_offense(self, kind: str) -> None:
        for offense in ("selling_sex", "drug_possession", "assault", "other", "promoting"):
            result = one([SELLER, BUYER], offense, "S", facts=[fact(kind, "B", "S")])
            assert brief(result) == ("protect", ["2"]), (kind, offense)

    def test_2_only_for_a_seller(self) -> None:
        result = one([SELLER, DRIVER, BUYER], "drug_possession", "D", facts=[fact("physical_assault", "B", "D")])
        assert brief(result) == ("discretion", ["5"])

    def test_2_not_for_a_non_victim_fact(self) -> None:
        result = one([SELLER, BUYER], "drug_possession", "S", facts=[fact("theft", "B", "S")])
        assert brief(result) == ("discretion", ["5"])

    def test_all_three_in_the_spec_order(self) -> None:
        minor = person("S", "seller", MINOR_DOB, trafficking_victim=True)
        result = one([minor, BUYER], "selling_sex", "S", facts=[fact("physical_assault", "B", "S")])
        assert brief(result) == ("protect", ["4", "3", "2"])

    def test_4_and_2_in_order(self) -> None:
        result = one([MINOR_SELLER, BUYER], "solicitation", "S", facts=[fact("condom_refusal", "B", "S")])
        assert brief(result) == ("protect", ["4", "2"])

    def test_protection_reasons_name_the_people_and_facts(self) -> None:
        result = one([SELLER, BUYER], "selling_sex", "S", facts=[fact("physical_assault", "B", "S")])
        text = " ".join(result["reasons"])
        assert "Dana Roe (S)" in text and "John Poe (B)" in text and "physical_assault" in text


# ------------------------------------------------------------------------------------------------ rule 1


class TestRule1Victim:
    @pytest.mark.parametrize("own", ["physical_assault", "sexual_assault", "force"])
    def test_only_protection_2_and_violence_by_the_victim_asks_who_the_aggressor_was(self, own: str) -> None:
        result = one([SELLER, BUYER], "assault", "S",
                     facts=[fact("physical_assault", "B", "S"), fact(own, "S", "B")])
        assert result["decision"] == "review"
        assert needs(result) == [("S", "aggressor")]
        assert result["exception_allowed"] is False

    @pytest.mark.parametrize("own", ["theft", "coercion", "condom_refusal", "refused_to_pay"])
    def test_other_conduct_by_the_victim_still_protects(self, own: str) -> None:
        result = one([SELLER, BUYER], "assault", "S", facts=[fact("physical_assault", "B", "S"), fact(own, "S", "B")])
        assert brief(result) == ("protect", ["2"])

    def test_with_another_protection_the_victim_is_protected_even_after_violence(self) -> None:
        result = one([MINOR_SELLER, BUYER], "selling_sex", "S",
                     facts=[fact("physical_assault", "B", "S"), fact("physical_assault", "S", "B")])
        assert brief(result) == ("protect", ["4", "2"])
        assert result["missing"] == []

    def test_protect_outranks_every_later_rule(self) -> None:
        # A trafficking charge against a seller who is the victim of a victim fact: rule 1, not rule 4.
        result = one([SELLER, BUYER], "trafficking", "S", facts=[fact("sexual_assault", "B", "S")])
        assert brief(result) == ("protect", ["2"])


# ------------------------------------------------------------------------------------------------ rule 2


class TestRule2PossibleTrafficking:
    @pytest.mark.parametrize("kind", ["force", "coercion"])
    @pytest.mark.parametrize("offense", ["selling_sex", "solicitation", "loitering_for_prostitution"])
    def test_force_or_coercion_against_a_seller(self, kind: str, offense: str) -> None:
        result = one([SELLER, DRIVER], offense, "S", facts=[fact(kind, "D", "S")])
        assert result["decision"] == "review"
        assert needs(result) == [("S", "trafficking_status")]

    def test_also_for_a_third_party(self) -> None:
        result = one([SELLER, DRIVER, BUYER], "solicitation", "D", facts=[fact("coercion", "B", "D")])
        assert needs(result) == [("D", "trafficking_status")]

    def test_not_for_a_buyer(self) -> None:
        result = one([SELLER, BUYER], "buying_sex", "B", facts=[fact("force", "S", "B")])
        assert brief(result) == ("decline", ["1(a)"])

    def test_not_for_a_charge_that_is_not_exchange_related(self) -> None:
        result = one([SELLER, DRIVER], "trespass", "S", facts=[fact("coercion", "D", "S")])
        assert brief(result) == ("discretion", ["5"])

    def test_not_for_theft_against_the_person(self) -> None:
        result = one([SELLER, DRIVER], "selling_sex", "S", facts=[fact("theft", "D", "S")])
        assert brief(result) == ("decline", ["1(a)"])


# ------------------------------------------------------------------------------------------------ rule 3


class TestRule3Violence:
    @pytest.mark.parametrize("offense", VIOLENCE)
    def test_charge_citing_section_2(self, offense: str) -> None:
        assert brief(one([SELLER, BUYER], offense, "B")) == ("charge", ["2"])

    @pytest.mark.parametrize("kind", VICTIM_FACTS)
    def test_cites_the_letter_of_each_victim_fact_by_the_person(self, kind: str) -> None:
        result = one([SELLER, BUYER], "assault", "B", facts=[fact(kind, "B", "S")])
        assert brief(result) == ("charge", [LETTERS[kind], "2"])

    def test_letters_in_order_a_to_e_whatever_the_fact_order(self) -> None:
        facts = [fact("refused_to_pay", "B", "S"), fact("condom_refusal", "B", "S"),
                 fact("physical_assault", "B", "S"), fact("refused_to_pay", "B", "S")]
        result = one([SELLER, BUYER], "robbery", "B", facts=facts)
        assert result["sections"] == ["2(a)", "2(c)", "2(e)", "2"]

    def test_facts_by_others_are_not_cited(self) -> None:
        third = person("X", "buyer", OLDER_DOB)
        result = one([SELLER, BUYER, third], "homicide", "B", facts=[fact("sexual_assault", "X", "S")])
        assert brief(result) == ("charge", ["2"])

    def test_a_seller_who_is_not_a_victim_is_charged_with_violence(self) -> None:
        result = one([SELLER, BUYER], "assault", "S", facts=[fact("force", "S", "B")])
        assert brief(result) == ("charge", ["2"])


# ------------------------------------------------------------------------------------------------ rule 4


class TestRule4Trafficking:
    def test_charge_when_a_trafficking_fact_is_by_the_person(self) -> None:
        result = one([SELLER, DRIVER], "trafficking", "D", facts=[fact("trafficking", "D", "S")])
        assert brief(result) == ("charge", ["3"])

    @pytest.mark.parametrize("holder", ["D", "S"])
    def test_review_otherwise(self, holder: str) -> None:
        other_seller = person("S2", "seller")
        result = one([SELLER, DRIVER, other_seller], "trafficking", holder, facts=[fact("coercion", "D", "S2")])
        assert result["decision"] == "review"
        assert needs(result) == [(holder, "trafficking_conduct")]

    def test_a_trafficking_fact_against_someone_else_by_another_does_not_count(self) -> None:
        boss = person("K", "third_party", OLDER_DOB)
        result = one([SELLER, DRIVER, boss], "trafficking", "D", facts=[fact("trafficking", "K", "S")])
        assert needs(result) == [("D", "trafficking_conduct")]


# ------------------------------------------------------------------------------------------------ rule 5


class TestRule5BuyingFromAMinor:
    def test_sought_minor_by_the_person(self) -> None:
        result = one([SELLER, BUYER], "buying_sex_from_minor", "B", facts=[fact("sought_minor", "B")])
        assert brief(result) == ("charge", ["4"])

    def test_the_counterparty_is_a_minor(self) -> None:
        assert brief(one([MINOR_SELLER, BUYER], "buying_sex_from_minor", "B")) == ("charge", ["4"])

    def test_no_counterparty_at_all(self) -> None:
        assert brief(one([BUYER], "buying_sex_from_minor", "B")) == ("charge", ["4"])

    def test_the_counterparty_named_by_with(self) -> None:
        minor = person("M", "seller", MINOR_DOB)
        assert brief(one([SELLER, minor, BUYER], "buying_sex_from_minor", "B", with_="M")) == ("charge", ["4"])
        result = one([SELLER, minor, BUYER], "buying_sex_from_minor", "B", with_="S")
        assert needs(result) == [("B", "minor_evidence")]

    def test_the_counterparty_age_is_unknown(self) -> None:
        unknown = person("S", "seller", None)
        unknown_buyer = person("B", "buyer", None)
        result = one([unknown, unknown_buyer], "buying_sex_from_minor", "B")
        assert result["decision"] == "review"
        # Only the counterparty's age decides this charge; the buyer's own unknown age is not asked for.
        assert needs(result) == [("S", "age")]

    def test_the_counterparty_is_an_adult(self) -> None:
        result = one([SELLER, BUYER], "buying_sex_from_minor", "B")
        assert result["decision"] == "review"
        assert needs(result) == [("B", "minor_evidence")]

    def test_several_sellers_and_no_with_asks_which(self) -> None:
        # The counterparty is unresolved: neither "no counterparty" nor an adult (see the report's ambiguities).
        minor = person("M", "seller", MINOR_DOB)
        result = one([SELLER, minor, BUYER], "buying_sex_from_minor", "B")
        assert result["decision"] == "review"
        assert needs(result) == [("B", "with")]

    def test_sought_minor_decides_even_with_several_sellers(self) -> None:
        other = person("S2", "seller")
        result = one([SELLER, other, BUYER], "buying_sex_from_minor", "B", facts=[fact("sought_minor", "B")])
        assert brief(result) == ("charge", ["4"])


# ------------------------------------------------------------------------------------------------ rule 6


class TestRule6Buyer:
    def test_counterparty_under_18(self) -> None:
        assert brief(one([MINOR_SELLER, BUYER], "solicitation", "B")) == ("charge", ["4"])

    def test_sought_minor(self) -> None:
        result = one([SELLER, BUYER], "solicitation", "B", facts=[fact("sought_minor", "B")])
        assert brief(result) == ("charge", ["4"])

    def test_minor_outranks_knowingly_purchased(self) -> None:
        result = one([MINOR_SELLER, BUYER], "buying_sex", "B",
                     facts=[fact("knowingly_purchased_from_trafficked", "B", "S")])
        assert brief(result) == ("charge", ["4"])

    def test_knowingly_purchased_from_a_trafficked_person(self) -> None:
        result = one([SELLER, BUYER], "buying_sex", "B", facts=[fact("knowingly_purchased_from_trafficked", "B")])
        assert brief(result) == ("charge", ["3"])

    def test_knowingly_outranks_victim_facts(self) -> None:
        result = one([SELLER, BUYER], "buying_sex", "B",
                     facts=[fact("knowingly_purchased_from_trafficked", "B"), fact("refused_to_pay", "B", "S")])
        assert brief(result) == ("charge", ["3"])

    @pytest.mark.parametrize("kind", VICTIM_FACTS)
    def test_a_victim_fact_by_the_buyer_cites_its_letter_only(self, kind: str) -> None:
        result = one([SELLER, BUYER], "buying_sex", "B", facts=[fact(kind, "B", "S")])
        assert brief(result) == ("charge", [LETTERS[kind]])

    def test_several_victim_facts_in_letter_order(self) -> None:
        result = one([SELLER, BUYER], "solicitation", "B",
                     facts=[fact("non_consensual_act", "B", "S"), fact("sexual_assault", "B", "S")])
        assert brief(result) == ("charge", ["2(b)", "2(d)"])

    def test_counterparty_trafficked_without_knowledge(self) -> None:
        flagged = person("S", "seller", trafficking_victim=True)
        assert brief(one([flagged, BUYER], "buying_sex", "B")) == ("discretion", ["5"])

    def test_counterparty_trafficked_by_a_fact(self) -> None:
        result = one([SELLER, BUYER, DRIVER], "buying_sex", "B", facts=[fact("trafficking", "D", "S")])
        assert brief(result) == ("discretion", ["5"])

    def test_a_trafficked_seller_who_is_not_the_counterparty_does_not_matter(self) -> None:
        flagged = person("S2", "seller", trafficking_victim=True)
        result = one([SELLER, flagged, BUYER], "buying_sex", "B", with_="S")
        assert brief(result) == ("decline", ["1(a)"])

    def test_buyer_under_18(self) -> None:
        minor_buyer = person("B", "buyer", MINOR_DOB)
        assert brief(one([SELLER, minor_buyer], "solicitation", "B")) == ("discretion", ["5"])

    def test_buyer_under_18_with_unknown_counterparty_age_is_discretion(self) -> None:
        minor_buyer = person("B", "buyer", MINOR_DOB)
        unknown = person("S", "seller", None)
        assert brief(one([unknown, minor_buyer], "solicitation", "B")) == ("discretion", ["5"])

    def test_buyer_age_unknown(self) -> None:
        result = one([SELLER, person("B", "buyer", None)], "buying_sex", "B")
        assert result["decision"] == "review"
        assert needs(result) == [("B", "age")]

    def test_counterparty_age_unknown(self) -> None:
        result = one([person("S", "seller", None), BUYER], "buying_sex", "B")
        assert needs(result) == [("S", "age")]

    def test_both_ages_unknown(self) -> None:
        result = one([person("S", "seller", None), person("B", "buyer", None)], "buying_sex", "B")
        assert needs(result) == [("B", "age"), ("S", "age")]

    def test_several_sellers_without_with(self) -> None:
        result = one([SELLER, person("S2", "seller", OLDER_DOB), BUYER], "buying_sex", "B")
        assert result["decision"] == "review"
        assert needs(result) == [("B", "with")]

    def test_several_sellers_with_with(self) -> None:
        result = one([SELLER, person("S2", "seller", OLDER_DOB), BUYER], "buying_sex", "B", with_="S2")
        assert brief(result) == ("decline", ["1(a)"])

    def test_several_sellers_with_with_naming_a_minor(self) -> None:
        result = one([SELLER, person("M", "seller", MINOR_DOB), BUYER], "buying_sex", "B", with_="M")
        assert brief(result) == ("charge", ["4"])

    def test_several_sellers_one_of_unknown_age_and_no_with(self) -> None:
        # The counterparty is unresolved, so no age of it is unknown: the review asks which seller.
        result = one([SELLER, person("S2", "seller", None), BUYER], "buying_sex", "B")
        assert needs(result) == [("B", "with")]

    @pytest.mark.parametrize(("offense", "section"),
                             [("buying_sex", "1(a)"), ("selling_sex", "1(a)"), ("solicitation", "1(b)")])
    def test_decline(self, offense: str, section: str) -> None:
        result = one([SELLER, BUYER], offense, "B")
        assert brief(result) == ("decline", [section])
        assert result["exception_allowed"] is True

    def test_decline_with_no_seller_in_the_case(self) -> None:
        assert brief(one([BUYER], "solicitation", "B")) == ("decline", ["1(b)"])

    def test_aggravating_facts_that_are_not_listed_do_not_stop_the_decline(self) -> None:
        result = one([SELLER, BUYER], "buying_sex", "B", facts=[fact("theft", "B", "S")])
        assert brief(result) == ("decline", ["1(a)"])


# ------------------------------------------------------------------------------------------------ rule 7


class TestRule7Seller:
    def test_age_unknown(self) -> None:
        result = one([person("S", "seller", None), BUYER], "selling_sex", "S")
        assert result["decision"] == "review"
        assert needs(result) == [("S", "age")]

    def test_age_unknown_asks_only_for_the_sellers_age(self) -> None:
        result = one([person("S", "seller", None), person("B", "buyer", None)], "selling_sex", "S")
        assert needs(result) == [("S", "age")]

    def test_counterparty_under_18(self) -> None:
        minor_buyer = person("B", "buyer", MINOR_DOB)
        assert brief(one([SELLER, minor_buyer], "selling_sex", "S")) == ("discretion", ["5"])

    def test_counterparty_of_unknown_age_does_not_stop_the_decline(self) -> None:
        result = one([SELLER, person("B", "buyer", None)], "selling_sex", "S")
        assert brief(result) == ("decline", ["1(a)"])
        assert result["missing"] == []

    @pytest.mark.parametrize(("offense", "section"),
                             [("selling_sex", "1(a)"), ("buying_sex", "1(a)"), ("solicitation", "1(b)")])
    def test_decline(self, offense: str, section: str) -> None:
        assert brief(one([SELLER, BUYER], offense, "S")) == ("decline", [section])

    def test_decline_alone(self) -> None:
        assert brief(one([SELLER], "selling_sex", "S")) == ("decline", ["1(a)"])

    def test_aggravating_facts_by_a_seller_do_not_stop_the_decline(self) -> None:
        result = one([SELLER, BUYER], "selling_sex", "S", facts=[fact("theft", "S", "B")])
        assert brief(result) == ("decline", ["1(a)"])

    def test_with_chooses_among_several_buyers(self) -> None:
        minor_buyer = person("B2", "buyer", MINOR_DOB)
        assert brief(one([SELLER, BUYER, minor_buyer], "selling_sex", "S", with_="B2")) == ("discretion", ["5"])
        assert brief(one([SELLER, BUYER, minor_buyer], "selling_sex", "S", with_="B")) == ("decline", ["1(a)"])
        # Without `with`, several buyers leave no counterparty: a seller's decline stands.
        assert brief(one([SELLER, BUYER, minor_buyer], "selling_sex", "S")) == ("decline", ["1(a)"])

    def test_loitering_is_not_an_exchange_offense(self) -> None:
        assert brief(one([SELLER, BUYER], "loitering_for_prostitution", "S")) == ("discretion", ["5"])


# ------------------------------------------------------------------------------------------------ rule 8


class TestRule8ThirdParty:
    @pytest.mark.parametrize("role", ["third_party", "other"])
    def test_counterparty_under_18(self, role: str) -> None:
        holder = person("D", role, OLDER_DOB)
        assert brief(one([MINOR_SELLER, holder], "solicitation", "D")) == ("charge", ["3"])

    def test_any_seller_under_18_even_when_with_names_an_adult(self) -> None:
        minor = person("M", "seller", MINOR_DOB)
        result = one([SELLER, minor, DRIVER], "selling_sex", "D", with_="S")
        assert brief(result) == ("charge", ["3"])

    def test_counterparty_named_by_with_under_18(self) -> None:
        minor_buyer = person("B2", "buyer", MINOR_DOB)
        assert brief(one([SELLER, DRIVER, minor_buyer], "buying_sex", "D", with_="B2")) == ("charge", ["3"])

    @pytest.mark.parametrize("kind", ["theft", "force", "coercion", "trafficking", "physical_assault",
                                      "sought_minor", "knowingly_purchased_from_trafficked"])
    def test_aggravating_fact_by_the_person(self, kind: str) -> None:
        result = one([SELLER, DRIVER], "solicitation", "D", facts=[fact(kind, "D", "S")])
        assert brief(result) == ("discretion", ["5"])

    def test_aggravating_fact_by_someone_else(self) -> None:
        result = one([SELLER, DRIVER, BUYER], "solicitation", "D", facts=[fact("theft", "B", "S")])
        assert brief(result) == ("decline", ["1(b)"])

    @pytest.mark.parametrize(("offense", "section"),
                             [("selling_sex", "1(a)"), ("buying_sex", "1(a)"), ("solicitation", "1(b)")])
    @pytest.mark.parametrize("role", ["third_party", "other"])
    def test_decline(self, offense: str, section: str, role: str) -> None:
        holder = person("D", role, OLDER_DOB)
        assert brief(one([SELLER, holder], offense, "D")) == ("decline", [section])

    def test_decline_even_when_a_sellers_age_is_unknown(self) -> None:
        result = one([person("S", "seller", None), DRIVER], "selling_sex", "D")
        assert brief(result) == ("decline", ["1(a)"])


# ------------------------------------------------------------------------------------------------ rule 9


class TestRule9NotCovered:
    @pytest.mark.parametrize("offense", ["promoting", "loitering_for_prostitution", *QUALITY_OF_LIFE,
                                         "unlicensed_massage", "other"])
    @pytest.mark.parametrize("holder", ["S", "B", "D"])
    def test_discretion(self, offense: str, holder: str) -> None:
        result = one([SELLER, BUYER, DRIVER], offense, holder)
        assert brief(result) == ("discretion", ["5"])
        assert result["exception_allowed"] is False

    def test_a_minor_seller_charged_with_promoting(self) -> None:
        assert brief(one([MINOR_SELLER, BUYER], "promoting", "S")) == ("discretion", ["5"])


# ------------------------------------------------------------------------------------------------ the whole case


def test_every_charge_in_input_order_with_missing_collected_in_order() -> None:
    raw = make_case(
        [person("S", "seller", None), person("B", "buyer", None), SELLER | {"id": "S2"}, DRIVER],
        [charge("c", "S", "selling_sex"), charge("a", "B", "buying_sex", "S"), charge("b", "D", "trafficking"),
         charge("d", "S2", "selling_sex")],
    )
    out = screen(raw)
    assert [c["charge"] for c in out["charges"]] == ["c", "a", "b", "d"]
    assert [c["person"] for c in out["charges"]] == ["S", "B", "D", "S2"]
    assert out["missing"] == [
        {"charge": "c", "person": "S", "need": "age"},
        {"charge": "a", "person": "B", "need": "age"},
        {"charge": "a", "person": "S", "need": "age"},
        {"charge": "b", "person": "D", "need": "trafficking_conduct"},
    ]
    assert out["charges"][3]["decision"] == "decline"


@pytest.mark.parametrize("policy", PROFILES)
def test_the_output_has_exactly_the_spec_fields(policy: str) -> None:
    out = screen(make_case([SELLER, BUYER], [charge("1", "S", "selling_sex")]), policy)
    assert set(out) == {"case_number", "policy", "charges", "missing"}
    assert set(out["policy"]) == {"id", "version", "presumptive"}
    assert out["policy"]["id"] == policy
    assert set(out["charges"][0]) == {"charge", "person", "decision", "sections", "reasons", "quote",
                                      "exception_allowed", "record_relief"}


def test_the_guide_profile_keeps_rules_1_to_7() -> None:
    """The community profile places its rules before rule 8 only: rules 1-7 decide as in the model policy."""
    cases = [
        ([MINOR_SELLER, BUYER], "selling_sex", "S", []),
        ([SELLER, BUYER], "selling_sex", "S", []),
        ([SELLER, BUYER], "solicitation", "B", []),
        ([SELLER, DRIVER], "selling_sex", "S", [fact("coercion", "D", "S")]),
        ([SELLER, BUYER], "assault", "B", [fact("refused_to_pay", "B", "S")]),
        ([SELLER, DRIVER], "trafficking", "D", []),
        ([SELLER, BUYER], "buying_sex_from_minor", "B", []),
        ([person("S", "seller", None), BUYER], "selling_sex", "S", []),
        ([SELLER, BUYER], "trespass", "S", [fact("physical_assault", "B", "S")]),
    ]
    for people, offense, holder, facts in cases:
        fjp = one(people, offense, holder, facts=facts)
        guide = one(people, offense, holder, facts=facts, policy=GUIDE)
        assert brief(fjp) == brief(guide), (offense, holder)
        assert fjp["missing"] == guide["missing"]

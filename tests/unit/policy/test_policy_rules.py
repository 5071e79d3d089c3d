"""Every rule and bullet of profile `fjp-model-2025` (spec, screening version 3: "Rules of profile
fjp-model-2025"), the definitions and protections they rest on, and the order between them. Rules 1-9 are
checked under both profiles (the community profile keeps them). Each test changes one fact from a neighbouring
case, so that a wrong rule order fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from policy_helpers import (
    ADULT_DOB,
    FJP,
    GUIDE,
    GUIDE_THIRD_PARTY,
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
MINOR_BUYER = person("B", "buyer", MINOR_DOB)
UNKNOWN_SELLER = person("S", "seller", None)
UNKNOWN_BUYER = person("B", "buyer", None)
DRIVER = person("D", "third_party", OLDER_DOB)
TRAFFICKED = person("S", "seller", ADULT_DOB, trafficking_victim=True)

VICTIM_FACTS = ["physical_assault", "sexual_assault", "condom_refusal", "non_consensual_act", "refused_to_pay"]
VIOLENCE_FACTS = [*VICTIM_FACTS, "force", "theft", "coercion"]
LETTERS = dict(zip(VICTIM_FACTS, ["2(a)", "2(b)", "2(c)", "2(d)", "2(e)"], strict=True))
QUALITY_OF_LIFE = ["vagrancy", "trespass", "obscenity", "drug_possession", "public_nuisance"]
VIOLENCE = ["assault", "sexual_assault", "robbery", "homicide"]
EXCHANGE = ["selling_sex", "buying_sex", "solicitation", "loitering_for_prostitution"]
# Every exchange-related charge: the four exchange offenses, and charges marked arose_from_exchange.
EXCHANGE_RELATED: list[tuple[str, dict[str, Any]]] = [
    *((o, {}) for o in EXCHANGE), ("trespass", {"arose_from_exchange": True}),
    ("unlicensed_massage", {"arose_from_exchange": True}), ("other", {"arose_from_exchange": True})]
EXCHANGE_IDS = [o if not extra else f"{o}-arose" for o, extra in EXCHANGE_RELATED]


def one(people: Sequence[dict[str, Any]], offense: str, holder: str, *, with_: str | None = None,
        facts: Sequence[dict[str, Any]] = (), policy: str = FJP, **extra: Any) -> dict[str, Any]:
    """Screen a case with one charge "1" and return its result."""
    return decide(make_case(people, [charge("1", holder, offense, with_, **extra)], facts), "1", policy)


def needs(result: dict[str, Any]) -> list[tuple[str, str]]:
    return [(m["person"], m["need"]) for m in result["missing"]]


def said(result: dict[str, Any]) -> str:
    return " ".join(result["reasons"])


both = pytest.mark.parametrize("policy", PROFILES)


# ------------------------------------------------------------------------------------------------ definitions


class TestExchangeRelated:
    @both
    @pytest.mark.parametrize(("offense", "extra"), EXCHANGE_RELATED, ids=EXCHANGE_IDS)
    def test_a_seller_is_declined_under_section_1(self, offense: str, extra: dict[str, Any], policy: str) -> None:
        section = "1(b)" if offense in ("solicitation", "loitering_for_prostitution") else "1(a)"
        result = one([SELLER, BUYER], offense, "S", policy=policy, **extra)
        assert brief(result) == ("decline", [section])
        assert result["exception_allowed"] is True

    @both
    @pytest.mark.parametrize(("offense", "extra"), EXCHANGE_RELATED, ids=EXCHANGE_IDS)
    def test_a_buyer_of_a_minor_is_charged_under_section_4(self, offense: str, extra: dict[str, Any],
                                                           policy: str) -> None:
        assert brief(one([MINOR_SELLER, BUYER], offense, "B", policy=policy, **extra)) == ("charge", ["4"])

    def test_a_charge_that_arose_from_an_exchange_says_so(self) -> None:
        result = one([SELLER, BUYER], "trespass", "S", arose_from_exchange=True)
        assert "arose from an exchange of sex for something of value" in said(result)

    @pytest.mark.parametrize("offense", QUALITY_OF_LIFE)
    def test_without_the_mark_a_quality_of_life_offense_is_not_covered(self, offense: str) -> None:
        assert brief(one([SELLER, BUYER], offense, "S")) == ("discretion", ["5"])


# ------------------------------------------------------------------------------------------------ protections


class TestProtections:
    @both
    @pytest.mark.parametrize(("offense", "extra"), EXCHANGE_RELATED, ids=EXCHANGE_IDS)
    def test_4_a_minor_seller_with_an_exchange_related_charge(self, offense: str, extra: dict[str, Any],
                                                              policy: str) -> None:
        assert brief(one([MINOR_SELLER, BUYER], offense, "S", policy=policy, **extra)) == ("protect", ["4"])

    @pytest.mark.parametrize("role", ["third_party", "other"])
    def test_4_covers_every_role_but_the_buyer(self, role: str) -> None:
        minor = person("T", role, MINOR_DOB)
        assert brief(one([minor, SELLER], "selling_sex", "T")) == ("protect", ["4"])

    def test_4_never_protects_a_buyer(self) -> None:
        # Rule 6: a buyer under 18 is left to the prosecutor.
        assert brief(one([SELLER, MINOR_BUYER], "buying_sex", "B")) == ("discretion", ["5"])

    def test_4_needs_an_exchange_related_charge(self) -> None:
        assert brief(one([MINOR_SELLER, BUYER], "drug_possession", "S")) == ("discretion", ["5"])

    def test_an_unknown_age_is_never_protection_4(self) -> None:
        result = one([UNKNOWN_SELLER, BUYER], "selling_sex", "S")
        assert result["decision"] == "review" and "4" not in result["sections"]

    def test_3_from_the_trafficking_victim_flag(self) -> None:
        assert brief(one([TRAFFICKED, BUYER], "selling_sex", "S")) == ("protect", ["3"])

    def test_3_from_a_trafficking_fact_against_the_person(self) -> None:
        result = one([SELLER, BUYER, DRIVER], "loitering_for_prostitution", "S", facts=[fact("trafficking", "D", "S")])
        assert brief(result) == ("protect", ["3"])
        assert "Dana Roe (S) is the victim of trafficking by D." in result["reasons"]

    def test_3_for_a_charge_that_arose_from_an_exchange(self) -> None:
        assert brief(one([TRAFFICKED, BUYER], "trespass", "S", arose_from_exchange=True)) == ("protect", ["3"])

    def test_3_not_from_a_trafficking_fact_by_the_person(self) -> None:
        result = one([SELLER, BUYER, DRIVER], "selling_sex", "S", facts=[fact("trafficking", "S", "D")])
        assert brief(result) == ("decline", ["1(a)"])

    def test_3_never_protects_a_buyer(self) -> None:
        flagged_buyer = person("B", "buyer", OLDER_DOB, trafficking_victim=True)
        result = one([SELLER, flagged_buyer], "buying_sex", "B")
        assert brief(result) == ("decline", ["1(a)"])
        # ... but the reasons say the buyer may be a victim, and no exception may be asked for
        assert "recorded as a victim of trafficking" in said(result)
        assert result["exception_allowed"] is False

    def test_3_needs_an_exchange_related_charge(self) -> None:
        assert brief(one([TRAFFICKED, BUYER], "trespass", "S")) == ("discretion", ["5"])

    @pytest.mark.parametrize("kind", VICTIM_FACTS)
    @pytest.mark.parametrize("offense", ["selling_sex", "drug_possession", "other", "promoting", "trafficking",
                                         "buying_sex_from_minor"])
    def test_2_a_seller_who_is_the_victim_of_a_victim_fact_any_offense(self, kind: str, offense: str) -> None:
        result = one([SELLER, BUYER], offense, "S", facts=[fact(kind, "B", "S")])
        assert brief(result) == ("protect", ["2"]), (kind, offense)

    @pytest.mark.parametrize("kind", VICTIM_FACTS)
    def test_2_a_victim_fact_by_anyone(self, kind: str) -> None:
        result = one([SELLER, DRIVER], "drug_possession", "S", facts=[fact(kind, "D", "S")])
        assert brief(result) == ("protect", ["2"])

    @pytest.mark.parametrize("kind", ["force", "theft", "coercion"])
    def test_2_force_theft_or_coercion_by_a_buyer(self, kind: str) -> None:
        for offense in ("selling_sex", "drug_possession", "promoting"):
            assert brief(one([SELLER, BUYER], offense, "S", facts=[fact(kind, "B", "S")])) == ("protect", ["2"])

    @pytest.mark.parametrize("kind", ["force", "theft", "coercion"])
    def test_2_not_force_theft_or_coercion_by_a_non_buyer(self, kind: str) -> None:
        result = one([SELLER, DRIVER], "drug_possession", "S", facts=[fact(kind, "D", "S")])
        assert brief(result) == ("discretion", ["5"])
        assert "may be a victim" in said(result)

    def test_2_only_for_a_seller(self) -> None:
        result = one([SELLER, DRIVER, BUYER], "drug_possession", "D", facts=[fact("physical_assault", "B", "D")])
        assert brief(result) == ("discretion", ["5"])

    def test_all_three_in_the_spec_order(self) -> None:
        minor = person("S", "seller", MINOR_DOB, trafficking_victim=True)
        result = one([minor, BUYER], "selling_sex", "S", facts=[fact("physical_assault", "B", "S")])
        assert brief(result) == ("protect", ["4", "3", "2"])

    def test_4_and_2_in_order(self) -> None:
        result = one([MINOR_SELLER, BUYER], "solicitation", "S", facts=[fact("condom_refusal", "B", "S")])
        assert brief(result) == ("protect", ["4", "2"])

    def test_protection_reasons_name_the_people_and_facts_in_plain_words(self) -> None:
        result = one([SELLER, BUYER], "selling_sex", "S", facts=[fact("physical_assault", "B", "S")])
        assert "Dana Roe (S) is the victim of a physical assault by John Poe (B)." in result["reasons"]
        assert "physical_assault" not in said(result) and "selling_sex" not in said(result)


# ------------------------------------------------------------------------------------------------ rule 1


class TestRule1Victim:
    @both
    @pytest.mark.parametrize("own", VIOLENCE_FACTS)
    def test_only_protection_2_and_violence_by_the_victim_asks_who_the_aggressor_was(self, own: str,
                                                                                     policy: str) -> None:
        against = "B" if own not in ("force", "theft", "coercion") else None
        result = one([SELLER, BUYER], "selling_sex", "S", policy=policy,
                     facts=[fact("physical_assault", "B", "S"), fact(own, "S", against)])
        assert result["decision"] == "review"
        assert needs(result) == [("S", "aggressor")]
        assert result["exception_allowed"] is False

    @both
    @pytest.mark.parametrize("offense", VIOLENCE)
    def test_only_protection_2_and_a_violence_charge_asks_who_the_aggressor_was(self, offense: str,
                                                                                policy: str) -> None:
        result = one([SELLER, BUYER], offense, "S", policy=policy, facts=[fact("force", "B", "S")])
        assert result["decision"] == "review"
        assert needs(result) == [("S", "aggressor")]

    def test_with_another_protection_the_victim_is_protected_even_after_violence(self) -> None:
        result = one([MINOR_SELLER, BUYER], "selling_sex", "S",
                     facts=[fact("physical_assault", "B", "S"), fact("physical_assault", "S", "B")])
        assert brief(result) == ("protect", ["4", "2"])
        assert result["missing"] == []

    def test_a_trafficked_victim_who_used_violence_is_protected(self) -> None:
        result = one([TRAFFICKED, BUYER], "selling_sex", "S",
                     facts=[fact("theft", "B", "S"), fact("theft", "S", "B")])
        assert brief(result) == ("protect", ["3", "2"])

    @both
    def test_protect_outranks_every_later_rule(self, policy: str) -> None:
        # Rule 1, not rule 3 (promoting) nor 5 (trafficking) nor 7 (buying from a minor).
        for offense in ("trafficking", "promoting", "buying_sex_from_minor"):
            result = one([SELLER, BUYER], offense, "S", facts=[fact("sexual_assault", "B", "S")], policy=policy)
            assert brief(result) == ("protect", ["2"]), offense


# ------------------------------------------------------------------------------------------------ rule 2


class TestRule2PossibleTrafficking:
    @both
    @pytest.mark.parametrize("kind", ["force", "coercion"])
    @pytest.mark.parametrize(("offense", "extra"), EXCHANGE_RELATED, ids=EXCHANGE_IDS)
    def test_force_or_coercion_against_a_seller(self, kind: str, offense: str, extra: dict[str, Any],
                                                policy: str) -> None:
        result = one([SELLER, DRIVER], offense, "S", facts=[fact(kind, "D", "S")], policy=policy, **extra)
        assert result["decision"] == "review"
        assert needs(result) == [("S", "trafficking_status")]
        assert result["sections"] == ["3"]

    def test_also_for_a_third_party_even_by_a_buyer(self) -> None:
        result = one([SELLER, DRIVER, BUYER], "solicitation", "D", facts=[fact("coercion", "B", "D")])
        assert needs(result) == [("D", "trafficking_status")]

    def test_a_buyers_force_against_a_seller_is_harm_rule_1_first(self) -> None:
        assert brief(one([SELLER, BUYER], "selling_sex", "S", facts=[fact("force", "B", "S")])) == ("protect", ["2"])

    def test_not_for_a_buyer(self) -> None:
        result = one([SELLER, BUYER], "buying_sex", "B", facts=[fact("force", "S", "B")])
        assert brief(result) == ("decline", ["1(a)"])
        assert result["exception_allowed"] is False  # a possible victim

    def test_not_for_a_charge_that_is_not_exchange_related(self) -> None:
        result = one([SELLER, DRIVER], "trespass", "S", facts=[fact("coercion", "D", "S")])
        assert brief(result) == ("discretion", ["5"])

    def test_not_for_theft_against_the_person(self) -> None:
        result = one([SELLER, DRIVER], "selling_sex", "S", facts=[fact("theft", "D", "S")])
        assert brief(result) == ("decline", ["1(a)"])
        assert result["exception_allowed"] is False
        assert "Dana Roe (S) is the victim of theft by D." in result["reasons"]

    def test_a_minor_is_protected_first(self) -> None:
        result = one([MINOR_SELLER, DRIVER], "selling_sex", "S", facts=[fact("coercion", "D", "S")])
        assert brief(result) == ("protect", ["4"])


# ------------------------------------------------------------------------------------------------ rule 3


RULE_3_OFFENSES = ["promoting", "trafficking", *VIOLENCE]


class TestRule3PossibleVictimConduct:

    @both
    @pytest.mark.parametrize("offense", RULE_3_OFFENSES)
    def test_a_trafficking_victim(self, offense: str, policy: str) -> None:
        result = one([TRAFFICKED, DRIVER], offense, "S", policy=policy)
        assert result["decision"] == "review"
        assert needs(result) == [("S", "compelled_conduct")]
        assert "recorded as a victim of trafficking" in said(result)

    @pytest.mark.parametrize("offense", RULE_3_OFFENSES)
    def test_a_trafficking_fact_against_the_person(self, offense: str) -> None:
        result = one([SELLER, DRIVER], offense, "S", facts=[fact("trafficking", "D", "S")])
        assert needs(result) == [("S", "compelled_conduct")]

    @pytest.mark.parametrize("role", ["seller", "third_party", "other"])
    @pytest.mark.parametrize("offense", RULE_3_OFFENSES)
    def test_a_non_buyer_under_18(self, role: str, offense: str) -> None:
        minor = person("M", role, MINOR_DOB)
        result = one([minor, SELLER, BUYER], offense, "M")
        assert needs(result) == [("M", "compelled_conduct")]
        assert "under 18" in said(result)

    @pytest.mark.parametrize("kind", ["force", "coercion"])
    @pytest.mark.parametrize("offense", RULE_3_OFFENSES)
    def test_force_or_coercion_by_a_non_buyer(self, kind: str, offense: str) -> None:
        result = one([SELLER, DRIVER, BUYER], offense, "S", facts=[fact(kind, "D", "S")])
        assert needs(result) == [("S", "compelled_conduct")]

    def test_a_trafficked_buyer(self) -> None:
        flagged = person("B", "buyer", OLDER_DOB, trafficking_victim=True)
        assert needs(one([SELLER, flagged], "assault", "B")) == [("B", "compelled_conduct")]

    def test_not_a_buyer_under_18(self) -> None:
        assert brief(one([SELLER, MINOR_BUYER], "assault", "B")) == ("charge", ["2"])

    def test_not_force_by_a_buyer_against_a_third_party(self) -> None:
        # The parenthesis of rule 3: a buyer's force is not rule 3's (for a seller it is harm, rule 1).
        result = one([SELLER, DRIVER, BUYER], "assault", "D", facts=[fact("force", "B", "D")])
        assert needs(result) == [("D", "aggressor")]  # rule 4
        result = one([SELLER, DRIVER, BUYER], "promoting", "D", facts=[fact("coercion", "B", "D")])
        assert brief(result) == ("discretion", ["5"])
        assert result["exception_allowed"] is False

    def test_not_for_other_offenses(self) -> None:
        assert brief(one([TRAFFICKED, BUYER], "drug_possession", "S")) == ("discretion", ["5"])

    def test_before_the_trafficking_rule(self) -> None:
        # A trafficked third party who also trafficked someone: the review comes first.
        flagged = person("D", "third_party", OLDER_DOB, trafficking_victim=True)
        result = one([SELLER, flagged], "trafficking", "D", facts=[fact("trafficking", "D", "S")])
        assert needs(result) == [("D", "compelled_conduct")]

    def test_before_the_violence_rule(self) -> None:
        result = one([TRAFFICKED, BUYER], "robbery", "S", facts=[fact("physical_assault", "S", "B")])
        assert needs(result) == [("S", "compelled_conduct")]


# ------------------------------------------------------------------------------------------------ rule 4


class TestRule4Violence:
    @both
    @pytest.mark.parametrize("offense", VIOLENCE)
    def test_charge_citing_section_2(self, offense: str, policy: str) -> None:
        assert brief(one([SELLER, BUYER], offense, "B", policy=policy)) == ("charge", ["2"])

    @pytest.mark.parametrize("kind", VICTIM_FACTS)
    def test_a_buyer_cites_the_letter_of_each_victim_fact_against_a_seller(self, kind: str) -> None:
        result = one([SELLER, BUYER], "assault", "B", facts=[fact(kind, "B", "S")])
        assert brief(result) == ("charge", [LETTERS[kind], "2"])

    def test_letters_in_order_a_to_e_whatever_the_fact_order(self) -> None:
        facts = [fact("refused_to_pay", "B", "S"), fact("condom_refusal", "B", "S"),
                 fact("physical_assault", "B", "S"), fact("refused_to_pay", "B", "S")]
        result = one([SELLER, BUYER], "robbery", "B", facts=facts)
        assert result["sections"] == ["2(a)", "2(c)", "2(e)", "2"]

    def test_a_victim_fact_against_someone_who_is_not_a_seller_is_not_a_letter(self) -> None:
        result = one([SELLER, BUYER, DRIVER], "assault", "B", facts=[fact("physical_assault", "B", "D")])
        assert brief(result) == ("charge", ["2"])

    @pytest.mark.parametrize("role", ["seller", "third_party", "other"])
    def test_violence_by_a_non_buyer_cites_section_2_alone(self, role: str) -> None:
        holder = person("P", role, OLDER_DOB)
        result = one([SELLER, BUYER, holder], "assault", "P", facts=[fact("physical_assault", "P", "S")])
        assert brief(result) == ("charge", ["2"])

    def test_a_seller_who_assaulted_a_buyer(self) -> None:
        result = one([SELLER, BUYER], "assault", "S", facts=[fact("physical_assault", "S", "B")])
        assert brief(result) == ("charge", ["2"])

    def test_facts_by_others_are_not_cited(self) -> None:
        third = person("X", "buyer", OLDER_DOB)
        result = one([SELLER, BUYER, third], "homicide", "B", facts=[fact("sexual_assault", "X", "S")])
        assert brief(result) == ("charge", ["2"])

    @pytest.mark.parametrize("kind", [*VICTIM_FACTS, "force", "theft"])
    def test_violence_against_the_person_asks_who_the_aggressor_was(self, kind: str) -> None:
        people = [SELLER, BUYER, person("X", "buyer", OLDER_DOB)]
        result = one(people, "assault", "B", facts=[fact(kind, "X", "B")])
        assert result["decision"] == "review"
        assert needs(result) == [("B", "aggressor")]

    def test_coercion_against_the_person_by_a_buyer_does_not(self) -> None:
        people = [SELLER, BUYER, person("X", "buyer", OLDER_DOB)]
        assert brief(one(people, "assault", "B", facts=[fact("coercion", "X", "B")])) == ("charge", ["2"])

    @pytest.mark.parametrize("role", ["buyer", "third_party", "other"])
    def test_no_seller_in_the_case_is_left_to_the_prosecutor(self, role: str) -> None:
        holder = person("P", role, OLDER_DOB)
        result = one([holder, person("Q", "other", OLDER_DOB)], "assault", "P")
        assert brief(result) == ("discretion", ["5"])


# ------------------------------------------------------------------------------------------------ rule 5


class TestRule5Trafficking:
    @both
    def test_charge_when_a_trafficking_fact_is_by_the_person(self, policy: str) -> None:
        result = one([SELLER, DRIVER], "trafficking", "D", facts=[fact("trafficking", "D", "S")], policy=policy)
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


# ------------------------------------------------------------------------------------------------ rule 6


class TestRule6MinorBuyer:
    @both
    @pytest.mark.parametrize(("offense", "extra"), [*EXCHANGE_RELATED, ("buying_sex_from_minor", {})],
                             ids=[*EXCHANGE_IDS, "buying_sex_from_minor"])
    def test_discretion_never_section_4(self, offense: str, extra: dict[str, Any], policy: str) -> None:
        result = one([MINOR_SELLER | {"id": "S"}, MINOR_BUYER], offense, "B", policy=policy, **extra)
        assert brief(result) == ("discretion", ["5"])
        assert "under 18" in said(result)

    @pytest.mark.parametrize("kind", ["sought_minor", "knowingly_purchased_from_trafficked"])
    def test_even_when_a_buyer_would_be_charged(self, kind: str) -> None:
        result = one([SELLER, MINOR_BUYER], "solicitation", "B", facts=[fact(kind, "B")])
        assert brief(result) == ("discretion", ["5"])

    @pytest.mark.parametrize("kind", VICTIM_FACTS)
    def test_harm_by_the_minor_is_charged_under_section_2(self, kind: str) -> None:
        result = one([SELLER, MINOR_BUYER], "buying_sex", "B", facts=[fact(kind, "B", "S")])
        assert brief(result) == ("charge", [LETTERS[kind], "2"])

    @pytest.mark.parametrize("kind", ["force", "theft", "coercion"])
    def test_force_theft_or_coercion_against_a_seller_cites_section_2(self, kind: str) -> None:
        result = one([SELLER, MINOR_BUYER], "buying_sex_from_minor", "B", facts=[fact(kind, "B", "S")])
        assert brief(result) == ("charge", ["2"])

    def test_violence_against_someone_who_is_not_a_seller_is_not_harm(self) -> None:
        result = one([SELLER, MINOR_BUYER, DRIVER], "buying_sex", "B", facts=[fact("physical_assault", "B", "D")])
        assert brief(result) == ("discretion", ["5"])

    def test_a_minor_third_party_charged_with_buying_from_a_minor(self) -> None:
        minor = person("T", "third_party", MINOR_DOB)
        assert brief(one([MINOR_SELLER, minor], "buying_sex_from_minor", "T")) == ("discretion", ["5"])

    @pytest.mark.parametrize(("offense", "facts"), [
        ("buying_sex_from_minor", [fact("sought_minor", "B")]), ("buying_sex_from_minor", []),
        ("solicitation", [fact("sought_minor", "B")]), ("buying_sex", [])])
    def test_a_buyer_of_unknown_age_where_section_4_would_apply_is_reviewed(
            self, offense: str, facts: list[dict[str, Any]]) -> None:
        result = one([MINOR_SELLER, UNKNOWN_BUYER], offense, "B", facts=facts)
        assert result["decision"] == "review"
        assert needs(result) == [("B", "age")]
        assert "4" in result["sections"] and result["exception_allowed"] is False


# ------------------------------------------------------------------------------------------------ rule 7


class TestRule7BuyingFromAMinor:
    @both
    def test_sought_minor_by_the_person(self, policy: str) -> None:
        result = one([SELLER, BUYER], "buying_sex_from_minor", "B", facts=[fact("sought_minor", "B")], policy=policy)
        assert brief(result) == ("charge", ["4"])

    def test_the_counterparty_is_a_minor(self) -> None:
        assert brief(one([MINOR_SELLER, BUYER], "buying_sex_from_minor", "B")) == ("charge", ["4"])

    def test_the_counterparty_named_by_with(self) -> None:
        minor = person("M", "seller", MINOR_DOB)
        assert brief(one([SELLER, minor, BUYER], "buying_sex_from_minor", "B", with_="M")) == ("charge", ["4"])
        result = one([SELLER, minor, BUYER], "buying_sex_from_minor", "B", with_="S")
        assert needs(result) == [("B", "minor_evidence")]

    def test_nobody_recorded_is_a_review(self) -> None:
        result = one([BUYER], "buying_sex_from_minor", "B")
        assert needs(result) == [("B", "minor_evidence")]
        result = one([BUYER, DRIVER], "buying_sex_from_minor", "B")
        assert needs(result) == [("B", "minor_evidence")]

    @pytest.mark.parametrize("second", [MINOR_DOB, None, OLDER_DOB], ids=["minor", "unknown", "adult"])
    def test_several_sellers_and_no_with_asks_which(self, second: str | None) -> None:
        result = one([SELLER, person("M", "seller", second), BUYER], "buying_sex_from_minor", "B")
        assert result["decision"] == "review"
        assert needs(result) == [("B", "with")]

    def test_sought_minor_decides_even_with_several_sellers(self) -> None:
        result = one([SELLER, MINOR_SELLER | {"id": "M"}, BUYER], "buying_sex_from_minor", "B",
                     facts=[fact("sought_minor", "B")])
        assert brief(result) == ("charge", ["4"])

    def test_the_counterparty_age_is_unknown(self) -> None:
        result = one([UNKNOWN_SELLER, UNKNOWN_BUYER], "buying_sex_from_minor", "B")
        assert result["decision"] == "review"
        # Only the counterparty's age decides this charge; the buyer's own unknown age is not asked for.
        assert needs(result) == [("S", "age")]

    def test_the_counterparty_is_an_adult(self) -> None:
        result = one([SELLER, BUYER], "buying_sex_from_minor", "B")
        assert needs(result) == [("B", "minor_evidence")]

    def test_a_buyer_of_unknown_age_and_an_adult_counterparty(self) -> None:
        assert needs(one([SELLER, UNKNOWN_BUYER], "buying_sex_from_minor", "B")) == [("B", "minor_evidence")]


# ------------------------------------------------------------------------------------------------ rule 8


class TestRule8Buyer:
    @both
    def test_counterparty_under_18(self, policy: str) -> None:
        assert brief(one([MINOR_SELLER, BUYER], "solicitation", "B", policy=policy)) == ("charge", ["4"])

    def test_sought_minor(self) -> None:
        result = one([SELLER, BUYER], "solicitation", "B", facts=[fact("sought_minor", "B")])
        assert brief(result) == ("charge", ["4"])

    def test_minor_outranks_knowingly_purchased(self) -> None:
        result = one([MINOR_SELLER, BUYER], "buying_sex", "B",
                     facts=[fact("knowingly_purchased_from_trafficked", "B", "S")])
        assert brief(result) == ("charge", ["4"])

    @pytest.mark.parametrize("second", [MINOR_DOB, None], ids=["minor", "unknown"])
    def test_an_unresolved_counterparty_that_may_be_a_minor_is_asked_first(self, second: str | None) -> None:
        people = [SELLER, person("M", "seller", second), BUYER]
        for facts in ([], [fact("knowingly_purchased_from_trafficked", "B")], [fact("physical_assault", "B", "S")]):
            result = one(people, "buying_sex", "B", facts=facts)
            assert needs(result) == [("B", "with")], facts

    def test_knowingly_purchased_from_a_trafficked_person(self) -> None:
        result = one([SELLER, BUYER], "buying_sex", "B", facts=[fact("knowingly_purchased_from_trafficked", "B")])
        assert brief(result) == ("charge", ["3"])

    def test_knowingly_outranks_harm(self) -> None:
        result = one([SELLER, BUYER], "buying_sex", "B",
                     facts=[fact("knowingly_purchased_from_trafficked", "B"), fact("refused_to_pay", "B", "S")])
        assert brief(result) == ("charge", ["3"])

    @pytest.mark.parametrize("kind", VICTIM_FACTS)
    def test_harm_cites_the_letter_then_section_2(self, kind: str) -> None:
        result = one([SELLER, BUYER], "buying_sex", "B", facts=[fact(kind, "B", "S")])
        assert brief(result) == ("charge", [LETTERS[kind], "2"])

    @pytest.mark.parametrize("kind", ["force", "theft", "coercion"])
    def test_force_theft_or_coercion_against_the_seller_is_charged_never_declined(self, kind: str) -> None:
        result = one([SELLER, BUYER], "solicitation", "B", facts=[fact(kind, "B", "S")])
        assert brief(result) == ("charge", ["2"])
        assert "consensual exchange" not in said(result)

    def test_several_victim_facts_in_letter_order(self) -> None:
        result = one([SELLER, BUYER], "solicitation", "B",
                     facts=[fact("non_consensual_act", "B", "S"), fact("sexual_assault", "B", "S")])
        assert brief(result) == ("charge", ["2(b)", "2(d)", "2"])

    def test_harm_against_any_seller_in_the_case(self) -> None:
        other = person("S2", "seller", OLDER_DOB)
        result = one([SELLER, other, BUYER], "buying_sex", "B", with_="S", facts=[fact("force", "B", "S2")])
        assert brief(result) == ("charge", ["2"])

    @pytest.mark.parametrize("facts", [[fact("physical_assault", "B", "D")], [fact("force", "B")],
                                       [fact("theft", "B", "D")]])
    def test_other_violence_is_not_declined(self, facts: list[dict[str, Any]]) -> None:
        result = one([SELLER, BUYER, DRIVER], "buying_sex", "B", facts=facts)
        assert brief(result) == ("discretion", ["5"])

    def test_violence_outranks_a_trafficked_counterparty(self) -> None:
        result = one([TRAFFICKED, BUYER, DRIVER], "buying_sex", "B", facts=[fact("force", "B", "D")])
        assert brief(result) == ("discretion", ["5"])
        assert "not solely consensual" in said(result)

    def test_counterparty_trafficked_without_knowledge(self) -> None:
        assert brief(one([TRAFFICKED, BUYER], "buying_sex", "B")) == ("discretion", ["5"])

    def test_counterparty_trafficked_by_a_fact(self) -> None:
        result = one([SELLER, BUYER, DRIVER], "buying_sex", "B", facts=[fact("trafficking", "D", "S")])
        assert brief(result) == ("discretion", ["5"])

    def test_a_trafficked_seller_who_is_not_the_counterparty_does_not_matter(self) -> None:
        flagged = person("S2", "seller", trafficking_victim=True)
        assert brief(one([SELLER, flagged, BUYER], "buying_sex", "B", with_="S")) == ("decline", ["1(a)"])

    def test_several_adult_sellers_without_with(self) -> None:
        result = one([SELLER, person("S2", "seller", OLDER_DOB), BUYER], "buying_sex", "B")
        assert needs(result) == [("B", "with")]

    def test_an_unresolved_counterparty_is_asked_before_the_buyers_age(self) -> None:
        result = one([SELLER, person("S2", "seller", OLDER_DOB), UNKNOWN_BUYER], "buying_sex", "B")
        assert needs(result) == [("B", "with")]

    def test_several_sellers_with_with(self) -> None:
        result = one([SELLER, person("S2", "seller", OLDER_DOB), BUYER], "buying_sex", "B", with_="S2")
        assert brief(result) == ("decline", ["1(a)"])

    def test_buyer_age_unknown(self) -> None:
        result = one([SELLER, UNKNOWN_BUYER], "buying_sex", "B")
        assert result["decision"] == "review"
        assert needs(result) == [("B", "age")]

    def test_counterparty_age_unknown(self) -> None:
        assert needs(one([UNKNOWN_SELLER, BUYER], "buying_sex", "B")) == [("S", "age")]

    def test_both_ages_unknown(self) -> None:
        assert needs(one([UNKNOWN_SELLER, UNKNOWN_BUYER], "buying_sex", "B")) == [("B", "age"), ("S", "age")]

    @both
    @pytest.mark.parametrize(("offense", "extra"), EXCHANGE_RELATED, ids=EXCHANGE_IDS)
    def test_decline(self, offense: str, extra: dict[str, Any], policy: str) -> None:
        section = "1(b)" if offense in ("solicitation", "loitering_for_prostitution") else "1(a)"
        result = one([SELLER, BUYER], offense, "B", policy=policy, **extra)
        assert brief(result) == ("decline", [section])
        assert result["exception_allowed"] is True

    def test_decline_with_no_seller_in_the_case(self) -> None:
        assert brief(one([BUYER], "solicitation", "B")) == ("decline", ["1(b)"])


# ------------------------------------------------------------------------------------------------ rule 9


class TestRule9Seller:
    @both
    def test_age_unknown(self, policy: str) -> None:
        result = one([UNKNOWN_SELLER, BUYER], "selling_sex", "S", policy=policy)
        assert needs(result) == [("S", "age")]

    def test_age_unknown_asks_only_for_the_sellers_age(self) -> None:
        assert needs(one([UNKNOWN_SELLER, UNKNOWN_BUYER], "selling_sex", "S")) == [("S", "age")]

    def test_age_unknown_comes_before_violence(self) -> None:
        result = one([UNKNOWN_SELLER, BUYER], "selling_sex", "S", facts=[fact("theft", "S", "B")])
        assert needs(result) == [("S", "age")]

    @pytest.mark.parametrize("kind", VIOLENCE_FACTS)
    def test_violence_by_the_seller_is_never_declined(self, kind: str) -> None:
        result = one([SELLER, BUYER], "selling_sex", "S", facts=[fact(kind, "S", "B")])
        assert brief(result) == ("discretion", ["5"])

    def test_counterparty_under_18(self) -> None:
        assert brief(one([SELLER, MINOR_BUYER], "selling_sex", "S")) == ("discretion", ["5"])

    def test_violence_comes_before_a_minor_counterparty(self) -> None:
        result = one([SELLER, MINOR_BUYER], "selling_sex", "S", facts=[fact("force", "S", "B")])
        assert brief(result) == ("discretion", ["5"])
        assert "not solely consensual" in said(result)

    def test_counterparty_of_unknown_age_does_not_stop_the_decline(self) -> None:
        result = one([SELLER, UNKNOWN_BUYER], "selling_sex", "S")
        assert brief(result) == ("decline", ["1(a)"])
        assert result["missing"] == []

    def test_with_chooses_among_several_buyers(self) -> None:
        minor_buyer = person("B2", "buyer", MINOR_DOB)
        assert brief(one([SELLER, BUYER, minor_buyer], "selling_sex", "S", with_="B2")) == ("discretion", ["5"])
        assert brief(one([SELLER, BUYER, minor_buyer], "selling_sex", "S", with_="B")) == ("decline", ["1(a)"])
        # Without `with`, one of the buyers it may be is under 18: ask which.
        assert needs(one([SELLER, BUYER, minor_buyer], "selling_sex", "S")) == [("S", "with")]

    def test_several_buyers_of_unknown_age_or_adults_do_not_stop_the_decline(self) -> None:
        unknown = person("B2", "buyer", None)
        assert brief(one([SELLER, BUYER, unknown], "selling_sex", "S")) == ("decline", ["1(a)"])
        assert brief(one([SELLER, BUYER, BUYER | {"id": "B3"}], "selling_sex", "S")) == ("decline", ["1(a)"])

    @both
    @pytest.mark.parametrize(("offense", "extra"), EXCHANGE_RELATED, ids=EXCHANGE_IDS)
    def test_decline(self, offense: str, extra: dict[str, Any], policy: str) -> None:
        section = "1(b)" if offense in ("solicitation", "loitering_for_prostitution") else "1(a)"
        assert brief(one([SELLER, BUYER], offense, "S", policy=policy, **extra)) == ("decline", [section])

    def test_decline_alone(self) -> None:
        assert brief(one([SELLER], "selling_sex", "S")) == ("decline", ["1(a)"])


# ------------------------------------------------------------------------------------------------ rule 10


class TestRule10ThirdParty:
    @pytest.mark.parametrize("role", ["third_party", "other"])
    def test_counterparty_under_18(self, role: str) -> None:
        holder = person("D", role, OLDER_DOB)
        assert brief(one([MINOR_SELLER, holder], "solicitation", "D")) == ("charge", ["3"])

    def test_with_naming_an_adult_while_another_seller_is_a_minor(self) -> None:
        minor = person("M", "seller", MINOR_DOB)
        assert brief(one([SELLER, minor, DRIVER], "selling_sex", "D", with_="S")) == ("decline", ["1(a)"])
        assert brief(one([SELLER, minor, DRIVER], "selling_sex", "D", with_="M")) == ("charge", ["3"])

    @pytest.mark.parametrize("second", [MINOR_DOB, None], ids=["minor", "unknown"])
    def test_unresolved_and_one_may_be_under_18(self, second: str | None) -> None:
        result = one([SELLER, person("M", "seller", second), DRIVER], "solicitation", "D")
        assert needs(result) == [("D", "with")]

    def test_unresolved_adults_are_adults(self) -> None:
        result = one([SELLER, person("S2", "seller", OLDER_DOB), DRIVER], "solicitation", "D")
        assert brief(result) == ("decline", ["1(b)"])

    def test_counterparty_age_unknown(self) -> None:
        result = one([UNKNOWN_SELLER, DRIVER], "selling_sex", "D")
        assert result["decision"] == "review"
        assert needs(result) == [("S", "age")]

    def test_age_unknown_comes_before_aggravating_facts(self) -> None:
        result = one([UNKNOWN_SELLER, DRIVER], "selling_sex", "D", facts=[fact("theft", "D", "S")])
        assert needs(result) == [("S", "age")]

    @pytest.mark.parametrize("kind", ["theft", "force", "coercion", "trafficking", "physical_assault"])
    def test_aggravating_fact_by_the_person(self, kind: str) -> None:
        result = one([SELLER, DRIVER], "solicitation", "D", facts=[fact(kind, "D", "S")])
        assert brief(result) == ("discretion", ["5"])

    def test_aggravating_fact_by_someone_else(self) -> None:
        result = one([SELLER, DRIVER, BUYER], "solicitation", "D", facts=[fact("theft", "B", "S")])
        assert brief(result) == ("decline", ["1(b)"])

    @pytest.mark.parametrize(("offense", "extra"), EXCHANGE_RELATED, ids=EXCHANGE_IDS)
    @pytest.mark.parametrize("role", ["third_party", "other"])
    def test_decline(self, offense: str, extra: dict[str, Any], role: str) -> None:
        section = "1(b)" if offense in ("solicitation", "loitering_for_prostitution") else "1(a)"
        holder = person("D", role, OLDER_DOB)
        assert brief(one([SELLER, holder], offense, "D", **extra)) == ("decline", [section])

    def test_decline_with_nobody_on_the_other_side(self) -> None:
        assert brief(one([DRIVER], "solicitation", "D")) == ("decline", ["1(b)"])


# ------------------------------------------------------------------------------------------------ rule 11


class TestRule11PromotingAMinor:
    @pytest.mark.parametrize("holder", ["D", "B"])
    def test_the_seller_promoted_is_under_18(self, holder: str) -> None:
        assert brief(one([MINOR_SELLER, DRIVER, BUYER], "promoting", holder)) == ("charge", ["3"])

    def test_with_names_the_seller_promoted(self) -> None:
        minor = person("M", "seller", MINOR_DOB)
        assert brief(one([SELLER, minor, DRIVER], "promoting", "D", with_="M")) == ("charge", ["3"])
        assert brief(one([SELLER, minor, DRIVER], "promoting", "D", with_="S")) == ("discretion", ["5"])

    def test_unresolved_and_one_under_18(self) -> None:
        minor = person("M", "seller", MINOR_DOB)
        assert needs(one([SELLER, minor, DRIVER], "promoting", "D")) == [("D", "with")]

    def test_unresolved_of_unknown_age_or_adults_is_not_covered(self) -> None:
        assert brief(one([SELLER, person("M", "seller", None), DRIVER], "promoting", "D")) == ("discretion", ["5"])
        assert brief(one([SELLER, person("M", "seller"), DRIVER], "promoting", "D")) == ("discretion", ["5"])

    def test_a_seller_promoting_another_seller_who_is_a_minor(self) -> None:
        minor = person("M", "seller", MINOR_DOB)
        assert brief(one([SELLER, minor], "promoting", "S")) == ("charge", ["3"])

    def test_a_minor_seller_charged_with_promoting_goes_to_review(self) -> None:
        assert needs(one([MINOR_SELLER, BUYER], "promoting", "S")) == [("S", "compelled_conduct")]


# ------------------------------------------------------------------------------------------------ rule 12


class TestRule12NotCovered:
    @pytest.mark.parametrize("offense", ["promoting", *QUALITY_OF_LIFE, "unlicensed_massage", "other"])
    @pytest.mark.parametrize("holder", ["S", "B", "D"])
    def test_discretion(self, offense: str, holder: str) -> None:
        result = one([SELLER, BUYER, DRIVER], offense, holder)
        assert brief(result) == ("discretion", ["5"])
        assert result["exception_allowed"] is False


# ------------------------------------------------------------------------------------------------ the whole case


def test_every_charge_in_input_order_with_missing_collected_in_order() -> None:
    raw = make_case(
        [UNKNOWN_SELLER, UNKNOWN_BUYER, SELLER | {"id": "S2"}, DRIVER],
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
                                      "exception_allowed", "record_relief", "relief_sections"}


def test_the_guide_profile_keeps_rules_1_to_9() -> None:
    """The community profile places its rules before rule 10 only: rules 1-9 decide as in the model policy."""
    cases = [
        ([MINOR_SELLER, BUYER], "selling_sex", "S", []),
        ([SELLER, BUYER], "selling_sex", "S", []),
        ([SELLER, BUYER], "solicitation", "B", []),
        ([SELLER, DRIVER], "selling_sex", "S", [fact("coercion", "D", "S")]),
        ([TRAFFICKED, DRIVER], "promoting", "S", []),
        ([SELLER, BUYER], "assault", "B", [fact("refused_to_pay", "B", "S")]),
        ([SELLER, DRIVER], "trafficking", "D", []),
        ([SELLER, MINOR_BUYER], "buying_sex", "B", []),
        ([SELLER, BUYER], "buying_sex_from_minor", "B", []),
        ([UNKNOWN_SELLER, BUYER], "selling_sex", "S", []),
        ([SELLER, BUYER], "trespass", "S", [fact("physical_assault", "B", "S")]),
        ([SELLER, BUYER], "promoting", "S", [fact("force", "B", "S")]),
    ]
    for people, offense, holder, facts in cases:
        fjp = one(people, offense, holder, facts=facts)
        guide = one(people, offense, holder, facts=facts, policy=GUIDE)
        assert brief(fjp) == brief(guide), (offense, holder)
        assert fjp["missing"] == guide["missing"]


def test_the_guide_third_party_rule_comes_before_rule_10() -> None:
    assert brief(one([SELLER, DRIVER], "solicitation", "D")) == ("decline", ["1(b)"])
    assert brief(one([SELLER, DRIVER], "solicitation", "D", policy=GUIDE)) == ("decline", [GUIDE_THIRD_PARTY])

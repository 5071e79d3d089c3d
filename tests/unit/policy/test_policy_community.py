"""The rules the profile `community-guide-model` adds before rule 8: third parties and quality of life."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from policy_helpers import (
    ADULT_DOB,
    FJP,
    GUIDE,
    GUIDE_QUALITY_OF_LIFE,
    GUIDE_THIRD_PARTY,
    MINOR_DOB,
    OLDER_DOB,
    brief,
    charge,
    decide,
    fact,
    make_case,
    person,
    section_text,
)

SELLER = person("S", "seller", ADULT_DOB)
BUYER = person("B", "buyer", OLDER_DOB)
DRIVER = person("D", "third_party", OLDER_DOB)
QUALITY_OF_LIFE = ["loitering_for_prostitution", "vagrancy", "trespass", "obscenity", "drug_possession",
                   "public_nuisance"]
AGGRAVATING = ["physical_assault", "sexual_assault", "condom_refusal", "non_consensual_act", "refused_to_pay",
               "trafficking", "knowingly_purchased_from_trafficked", "sought_minor", "force", "theft", "coercion"]


def one(people: Sequence[dict[str, Any]], offense: str, holder: str, *, with_: str | None = None,
        facts: Sequence[dict[str, Any]] = (), policy: str = GUIDE) -> dict[str, Any]:
    return decide(make_case(people, [charge("1", holder, offense, with_)], facts), "1", policy)


class TestThirdParties:
    @pytest.mark.parametrize("holder", ["D", "S", "B"])
    def test_promoting_is_declined_citing_the_guide(self, holder: str) -> None:
        result = one([SELLER, BUYER, DRIVER], "promoting", holder)
        assert brief(result) == ("decline", [GUIDE_THIRD_PARTY])
        assert result["exception_allowed"] is True
        assert result["quote"] == section_text(GUIDE, GUIDE_THIRD_PARTY)
        assert result["quote"].startswith("Decline prosecution of 'third party' charges\n\nNon-prosecution policies "
                                          "are limited if they do not include offenses")

    @pytest.mark.parametrize("offense", ["selling_sex", "buying_sex", "solicitation"])
    @pytest.mark.parametrize("role", ["third_party", "other"])
    def test_an_exchange_offense_of_a_third_party_is_declined_citing_the_guide(self, offense: str,
                                                                               role: str) -> None:
        holder = person("D", role, OLDER_DOB)
        assert brief(one([SELLER, holder], offense, "D")) == ("decline", [GUIDE_THIRD_PARTY])
        # The model policy declines the same charge under section 1.
        assert one([SELLER, holder], offense, "D", policy=FJP)["decision"] == "decline"

    def test_a_minor_counterparty_is_trafficking(self) -> None:
        minor = person("S", "seller", MINOR_DOB)
        assert brief(one([minor, DRIVER], "promoting", "D")) == ("charge", ["3"])

    def test_any_minor_seller_is_trafficking(self) -> None:
        minor = person("M", "seller", MINOR_DOB)
        assert brief(one([SELLER, minor, DRIVER], "promoting", "D", with_="S")) == ("charge", ["3"])
        assert brief(one([SELLER, minor, DRIVER], "promoting", "D")) == ("charge", ["3"])

    def test_a_minor_buyer_as_the_counterparty_of_a_third_party_exchange_offense(self) -> None:
        minor_buyer = person("B", "buyer", MINOR_DOB)
        assert brief(one([SELLER, minor_buyer, DRIVER], "buying_sex", "D", with_="B")) == ("charge", ["3"])

    @pytest.mark.parametrize("kind", AGGRAVATING)
    def test_an_aggravating_fact_by_the_person_leaves_it_to_the_prosecutor(self, kind: str) -> None:
        result = one([SELLER, DRIVER], "promoting", "D", facts=[fact(kind, "D", "S")])
        assert brief(result) == ("discretion", ["5"])

    def test_an_aggravating_fact_by_someone_else_does_not(self) -> None:
        result = one([SELLER, DRIVER, BUYER], "promoting", "D", facts=[fact("force", "B", "S")])
        assert brief(result) == ("decline", [GUIDE_THIRD_PARTY])

    def test_a_seller_charged_with_promoting_is_not_charged_as_a_trafficker_of_herself(self) -> None:
        minor = person("S", "seller", MINOR_DOB)
        # "any seller in the case" is read as any *other* seller (see the report's ambiguities).
        assert brief(one([minor, BUYER], "promoting", "S")) == ("decline", [GUIDE_THIRD_PARTY])

    def test_a_victim_seller_charged_with_promoting_is_protected_first(self) -> None:
        result = one([SELLER, BUYER], "promoting", "S", facts=[fact("physical_assault", "B", "S")])
        assert brief(result) == ("protect", ["2"])


class TestQualityOfLife:
    @pytest.mark.parametrize("offense", [*QUALITY_OF_LIFE, "unlicensed_massage"])
    @pytest.mark.parametrize("holder", ["S", "B", "D"])
    def test_declined_citing_the_guide(self, offense: str, holder: str) -> None:
        result = one([SELLER, BUYER, DRIVER], offense, holder)
        assert brief(result) == ("decline", [GUIDE_QUALITY_OF_LIFE])
        assert result["exception_allowed"] is True
        assert result["quote"] == section_text(GUIDE, GUIDE_QUALITY_OF_LIFE)
        assert result["quote"].startswith("Decline prosecution of 'quality-of-life' and other offenses that "
                                          "engage sex workers\n\nDeclining to prosecute sex work-specific")
        assert brief(one([SELLER, BUYER, DRIVER], offense, holder, policy=FJP)) == ("discretion", ["5"])

    @pytest.mark.parametrize("kind", AGGRAVATING)
    def test_an_aggravating_fact_by_the_person_leaves_it_to_the_prosecutor(self, kind: str) -> None:
        result = one([SELLER, BUYER], "drug_possession", "B", facts=[fact(kind, "B", "S")])
        assert brief(result) == ("discretion", ["5"])

    def test_a_minor_is_still_protected_under_4_for_loitering(self) -> None:
        minor = person("S", "seller", MINOR_DOB)
        assert brief(one([minor, BUYER], "loitering_for_prostitution", "S")) == ("protect", ["4"])

    def test_force_against_a_seller_loitering_is_reviewed_first(self) -> None:
        result = one([SELLER, DRIVER], "loitering_for_prostitution", "S", facts=[fact("force", "D", "S")])
        assert result["decision"] == "review"

    def test_other_offenses_stay_with_the_prosecutor(self) -> None:
        assert brief(one([SELLER, BUYER], "other", "S")) == ("discretion", ["5"])

    def test_violence_is_still_charged(self) -> None:
        assert brief(one([SELLER, BUYER], "robbery", "B")) == ("charge", ["2"])

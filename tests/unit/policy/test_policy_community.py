"""The rules the profile `community-guide-model` adds before rule 10 (screening version 3): third parties and
quality of life."""

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
# Loitering for prostitution is an exchange offense in version 3: it is declined under section 1(b), not here.
QUALITY_OF_LIFE = ["vagrancy", "trespass", "obscenity", "drug_possession", "public_nuisance"]
# The aggravating facts anyone can commit (knowingly_purchased_from_trafficked and sought_minor are a buyer's).
AGGRAVATING = ["physical_assault", "sexual_assault", "condom_refusal", "non_consensual_act", "refused_to_pay",
               "trafficking", "force", "theft", "coercion"]
BUYER_AGGRAVATING = ["knowingly_purchased_from_trafficked", "sought_minor"]


def one(people: Sequence[dict[str, Any]], offense: str, holder: str, *, with_: str | None = None,
        facts: Sequence[dict[str, Any]] = (), policy: str = GUIDE, **extra: Any) -> dict[str, Any]:
    return decide(make_case(people, [charge("1", holder, offense, with_, **extra)], facts), "1", policy)


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

    def test_the_seller_promoted_decides_not_any_seller(self) -> None:
        """Version 3: the counterparty named by `with` (version 2 charged when any seller was a minor)."""
        minor = person("M", "seller", MINOR_DOB)
        assert brief(one([SELLER, minor, DRIVER], "promoting", "D", with_="S")) == ("decline", [GUIDE_THIRD_PARTY])
        assert brief(one([SELLER, minor, DRIVER], "promoting", "D", with_="M")) == ("charge", ["3"])

    @pytest.mark.parametrize("second", [MINOR_DOB, None], ids=["minor", "unknown"])
    def test_an_unresolved_seller_who_may_be_a_minor_asks_which(self, second: str | None) -> None:
        for offense in ("promoting", "solicitation"):
            result = one([SELLER, person("M", "seller", second), DRIVER], offense, "D")
            assert result["decision"] == "review", offense
            assert result["missing"] == [{"charge": "1", "person": "D", "need": "with"}]

    def test_unresolved_adult_sellers_are_adults(self) -> None:
        result = one([SELLER, person("M", "seller", OLDER_DOB), DRIVER], "promoting", "D")
        assert brief(result) == ("decline", [GUIDE_THIRD_PARTY])

    def test_a_seller_of_unknown_age_asks_her_age(self) -> None:
        result = one([person("S", "seller", None), DRIVER], "promoting", "D")
        assert result["decision"] == "review"
        assert result["missing"] == [{"charge": "1", "person": "S", "need": "age"}]

    def test_a_with_naming_a_buyer_on_a_third_partys_exchange_offense_is_bad_input(self) -> None:
        from casereview.policy.case import CaseInputError, parse_case

        minor_buyer = person("B", "buyer", MINOR_DOB)
        with pytest.raises(CaseInputError) as caught:
            parse_case(make_case([SELLER, minor_buyer, DRIVER], [charge("1", "D", "buying_sex", "B")]))
        assert caught.value.where == "charges[0].with"

    @pytest.mark.parametrize("kind", AGGRAVATING)
    def test_an_aggravating_fact_by_the_person_leaves_it_to_the_prosecutor(self, kind: str) -> None:
        result = one([SELLER, DRIVER], "promoting", "D", facts=[fact(kind, "D", "S")])
        assert brief(result) == ("discretion", ["5"])

    @pytest.mark.parametrize("kind", BUYER_AGGRAVATING)
    def test_a_buyers_aggravating_fact_leaves_his_promoting_to_the_prosecutor(self, kind: str) -> None:
        result = one([SELLER, BUYER], "promoting", "B", facts=[fact(kind, "B", "S")])
        assert brief(result) == ("discretion", ["5"])

    def test_an_aggravating_fact_by_someone_else_does_not(self) -> None:
        result = one([SELLER, DRIVER, BUYER], "promoting", "D", facts=[fact("force", "B", "S")])
        assert brief(result) == ("decline", [GUIDE_THIRD_PARTY])

    def test_a_minor_seller_charged_with_promoting_goes_to_review(self) -> None:
        """Version 3, rule 3: a possible victim charged with promoting (version 2 declined it)."""
        minor = person("S", "seller", MINOR_DOB)
        result = one([minor, BUYER], "promoting", "S")
        assert result["decision"] == "review"
        assert result["missing"] == [{"charge": "1", "person": "S", "need": "compelled_conduct"}]

    def test_a_seller_charged_with_promoting_another_seller(self) -> None:
        minor = person("M", "seller", MINOR_DOB)
        assert brief(one([SELLER, minor], "promoting", "S")) == ("charge", ["3"])
        assert brief(one([SELLER, person("M", "seller")], "promoting", "S")) == ("decline", [GUIDE_THIRD_PARTY])

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

    @pytest.mark.parametrize(("holder", "expected"), [("S", ["1(b)"]), ("B", ["1(b)"]), ("D", [GUIDE_THIRD_PARTY])])
    def test_loitering_is_an_exchange_offense(self, holder: str, expected: list[str]) -> None:
        assert brief(one([SELLER, BUYER, DRIVER], "loitering_for_prostitution", holder)) == ("decline", expected)

    @pytest.mark.parametrize(("holder", "expected"), [("S", ["1(a)"]), ("B", ["1(a)"]), ("D", [GUIDE_THIRD_PARTY])])
    def test_a_charge_that_arose_from_an_exchange_is_not_a_quality_of_life_decline(self, holder: str,
                                                                                   expected: list[str]) -> None:
        result = one([SELLER, BUYER, DRIVER], "trespass", holder, arose_from_exchange=True)
        assert brief(result) == ("decline", expected)

    def test_a_possible_victim_is_declined_without_an_exception(self) -> None:
        minor = person("S", "seller", MINOR_DOB)
        result = one([minor, BUYER], "drug_possession", "S")
        assert brief(result) == ("decline", [GUIDE_QUALITY_OF_LIFE])
        assert result["exception_allowed"] is False

    def test_a_minor_is_still_protected_under_4_for_loitering(self) -> None:
        minor = person("S", "seller", MINOR_DOB)
        assert brief(one([minor, BUYER], "loitering_for_prostitution", "S")) == ("protect", ["4"])

    def test_force_against_a_seller_loitering_is_reviewed_first(self) -> None:
        result = one([SELLER, DRIVER], "loitering_for_prostitution", "S", facts=[fact("force", "D", "S")])
        assert result["decision"] == "review"

    def test_a_violent_victim_is_reviewed_first(self) -> None:
        facts = [fact("physical_assault", "B", "S"), fact("physical_assault", "S", "B")]
        result = one([SELLER, BUYER], "trespass", "S", facts=facts)
        assert result["missing"] == [{"charge": "1", "person": "S", "need": "aggressor"}]

    def test_other_offenses_stay_with_the_prosecutor(self) -> None:
        assert brief(one([SELLER, BUYER], "other", "S")) == ("discretion", ["5"])

    def test_violence_is_still_charged(self) -> None:
        assert brief(one([SELLER, BUYER], "robbery", "B")) == ("charge", ["2"])

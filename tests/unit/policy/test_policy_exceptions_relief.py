"""Section 8 exceptions (last entry wins; only a decline becomes a charge) and section 6 record relief."""

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
    PROFILES,
    brief,
    charge,
    decide,
    exception,
    fact,
    make_case,
    person,
    screen,
    section_text,
)

SELLER = person("S", "seller", ADULT_DOB)
BUYER = person("B", "buyer", OLDER_DOB)
DRIVER = person("D", "third_party", OLDER_DOB)
PAST = ["convicted", "dismissed", "arrest_only"]
GROUNDS = ["prevent_trafficking", "protect_victim", "other"]


def with_exceptions(entries: Sequence[dict[str, Any]], policy: str = FJP,
                    people: Sequence[dict[str, Any]] = (SELLER, BUYER), offense: str = "selling_sex",
                    holder: str = "S", facts: Sequence[dict[str, Any]] = (), **extra: Any) -> dict[str, Any]:
    raw = make_case(people, [charge("1", holder, offense, **extra), charge("2", "B", "solicitation")], facts,
                    entries)
    return decide(raw, "1", policy)


# ------------------------------------------------------------------------------------------------ section 8


class TestExceptions:
    @pytest.mark.parametrize("ground", GROUNDS)
    def test_an_approved_exception_turns_a_decline_into_a_charge_under_8(self, ground: str) -> None:
        result = with_exceptions([exception("1", "approved", ground)])
        assert brief(result) == ("charge", ["8"])
        assert result["exception_allowed"] is False
        assert result["quote"] == section_text(FJP, "8")
        assert any(ground in r for r in result["reasons"])

    @pytest.mark.parametrize("status", ["draft", "submitted", "denied"])
    def test_other_statuses_leave_the_decline(self, status: str) -> None:
        result = with_exceptions([exception("1", status, "protect_victim")])
        assert brief(result) == ("decline", ["1(a)"])
        assert result["exception_allowed"] is True
        assert any(status in r for r in result["reasons"])

    @pytest.mark.parametrize("status", ["draft", "submitted", "denied"])
    def test_a_status_without_a_ground(self, status: str) -> None:
        assert brief(with_exceptions([exception("1", status)])) == ("decline", ["1(a)"])

    @pytest.mark.parametrize("earlier", ["draft", "submitted", "denied"])
    def test_the_last_entry_wins_approved_last(self, earlier: str) -> None:
        entries = [exception("1", earlier, "other"), exception("1", "approved", "prevent_trafficking")]
        result = with_exceptions(entries)
        assert brief(result) == ("charge", ["8"])
        assert any("prevent_trafficking" in r for r in result["reasons"])

    @pytest.mark.parametrize("later", ["draft", "submitted", "denied"])
    def test_the_last_entry_wins_approved_first(self, later: str) -> None:
        entries = [exception("1", "approved", "prevent_trafficking"), exception("1", later)]
        assert brief(with_exceptions(entries)) == ("decline", ["1(a)"])

    def test_entries_for_other_charges_between_do_not_matter(self) -> None:
        entries = [exception("1", "submitted"), exception("2", "denied"), exception("1", "approved", "other"),
                   exception("2", "draft")]
        raw = make_case([SELLER, BUYER], [charge("1", "S", "selling_sex"), charge("2", "B", "solicitation")],
                        exceptions=entries)
        out = screen(raw)
        assert [(c["decision"], c["sections"]) for c in out["charges"]] == [("charge", ["8"]),
                                                                           ("decline", ["1(b)"])]

    def test_an_exception_for_another_charge_does_not_apply(self) -> None:
        result = with_exceptions([exception("2", "approved", "other")])
        assert brief(result) == ("decline", ["1(a)"])

    @pytest.mark.parametrize(("people", "offense", "holder", "facts", "expected"), [
        ([SELLER, BUYER], "selling_sex", "S", [fact("physical_assault", "B", "S")], ("protect", ["2"])),
        ([person("S", "seller", MINOR_DOB), BUYER], "selling_sex", "S", [], ("protect", ["4"])),
        ([SELLER, BUYER], "promoting", "S", [], ("discretion", ["5"])),
        ([person("S", "seller", None), BUYER], "selling_sex", "S", [], ("review", ["1"])),
        ([SELLER, BUYER], "assault", "B", [], ("charge", ["2"])),
    ], ids=["protect", "protect-minor", "discretion", "review", "charge"])
    def test_an_approved_exception_never_changes_another_decision(self, people: list[dict[str, Any]],
                                                                   offense: str, holder: str,
                                                                   facts: list[dict[str, Any]],
                                                                   expected: tuple[str, list[str]]) -> None:
        result = with_exceptions([exception("1", "approved", "protect_victim")], people=people, offense=offense,
                                 holder=holder, facts=facts)
        assert (result["decision"], result["sections"][:1]) == (expected[0], expected[1][:1])
        assert result["exception_allowed"] is False
        assert "8" not in result["sections"]

    @pytest.mark.parametrize("offense", ["promoting", "trespass"])
    def test_an_approved_exception_on_a_guide_decline(self, offense: str) -> None:
        declined = with_exceptions([exception("1", "submitted")], policy=GUIDE, offense=offense)
        assert brief(declined) == ("decline", [GUIDE_THIRD_PARTY if offense == "promoting"
                                               else GUIDE_QUALITY_OF_LIFE])
        result = with_exceptions([exception("1", "approved", "prevent_trafficking")], policy=GUIDE,
                                 offense=offense)
        assert brief(result) == ("charge", ["8"])
        assert result["quote"] == section_text(GUIDE, "8")

    def test_exception_allowed_only_for_a_decline(self) -> None:
        raw = make_case(
            [SELLER, BUYER, DRIVER, person("M", "seller", MINOR_DOB)],
            [charge("1", "S", "selling_sex", "B"), charge("2", "B", "assault"), charge("3", "D", "promoting"),
             charge("4", "M", "selling_sex"), charge("5", "D", "trafficking")])
        for policy in PROFILES:
            for result in screen(raw, policy)["charges"]:
                assert result["exception_allowed"] is (result["decision"] == "decline"), (policy, result)


# ------------------------------------------------------------------------------------------------ section 6


def relief(people: Sequence[dict[str, Any]], offense: str, holder: str, *, policy: str = FJP,
           status: str = "convicted", facts: Sequence[dict[str, Any]] = (), with_: str | None = None,
           **extra: Any) -> dict[str, Any]:
    raw = make_case(people, [charge("1", holder, offense, with_, status=status, **extra)], facts,
                    incident="2015-07-01")
    return decide(raw, "1", policy)


class TestRecordRelief:
    @pytest.mark.parametrize("status", ["pending", "filed"])
    @pytest.mark.parametrize("policy", PROFILES)
    def test_null_for_a_current_charge(self, status: str, policy: str) -> None:
        assert relief([SELLER, BUYER], "selling_sex", "S", status=status, policy=policy)["record_relief"] is None

    def test_null_by_default(self) -> None:
        raw = make_case([SELLER, BUYER], [charge("1", "S", "selling_sex")])
        assert decide(raw, "1")["record_relief"] is None

    @pytest.mark.parametrize("status", PAST)
    @pytest.mark.parametrize("policy", PROFILES)
    def test_a_declined_past_exchange_charge(self, status: str, policy: str) -> None:
        result = relief([SELLER, BUYER], "selling_sex", "S", status=status, policy=policy)
        assert (result["decision"], result["record_relief"]) == ("decline", "do_not_contest")

    @pytest.mark.parametrize("status", PAST)
    def test_not_exchange_related_and_not_arisen_from_an_exchange(self, status: str) -> None:
        result = relief([SELLER, BUYER], "trespass", "S", status=status)
        assert (result["decision"], result["record_relief"]) == ("discretion", "not_eligible")

    def test_arose_from_exchange_counts_the_conduct(self) -> None:
        result = relief([SELLER, BUYER], "drug_possession", "S", arose_from_exchange=True)
        assert result["record_relief"] == "do_not_contest"

    def test_loitering_is_exchange_related(self) -> None:
        result = relief([SELLER, BUYER], "loitering_for_prostitution", "S")
        assert (result["decision"], result["record_relief"]) == ("discretion", "do_not_contest")

    def test_an_aggravating_fact_by_the_person(self) -> None:
        result = relief([SELLER, BUYER], "selling_sex", "S", facts=[fact("theft", "S", "B")])
        assert (result["decision"], result["record_relief"]) == ("decline", "not_eligible")

    def test_an_aggravating_fact_by_someone_else(self) -> None:
        result = relief([SELLER, BUYER, DRIVER], "selling_sex", "S", facts=[fact("theft", "D", "B")])
        assert result["record_relief"] == "do_not_contest"

    def test_a_charge_decision(self) -> None:
        result = relief([SELLER, BUYER, DRIVER], "promoting", "D", arose_from_exchange=True,
                        facts=[fact("trafficking", "D", "S")])
        assert result["record_relief"] == "not_eligible"
        # With no fact by the holder, "charge" alone makes it not eligible.
        minor = person("S", "seller", "2000-01-01")  # 15 on 2015-07-01
        result = relief([minor, BUYER], "buying_sex", "B")
        assert (result["decision"], result["record_relief"]) == ("charge", "not_eligible")

    def test_a_third_party_charged_for_a_minor_seller(self) -> None:
        minor = person("S", "seller", "2000-01-01")
        result = relief([minor, DRIVER], "solicitation", "D")
        assert (result["decision"], result["record_relief"]) == ("charge", "not_eligible")

    def test_a_buyer_whose_counterparty_age_is_unknown(self) -> None:
        result = relief([person("S", "seller", None), BUYER], "buying_sex", "B")
        assert (result["decision"], result["record_relief"]) == ("review", "review")

    def test_a_buyer_with_several_sellers_one_a_minor(self) -> None:
        minor = person("M", "seller", "2000-01-01")
        result = relief([SELLER, minor, BUYER], "buying_sex", "B")
        assert (result["decision"], result["record_relief"]) == ("review", "not_eligible")
        assert result["missing"] == [{"charge": "1", "person": "B", "need": "with"}]

    def test_a_buyer_with_several_sellers_one_of_unknown_age(self) -> None:
        result = relief([SELLER, person("U", "seller", None), BUYER], "solicitation", "B")
        assert result["record_relief"] == "review"

    def test_a_buyer_with_several_adult_sellers(self) -> None:
        result = relief([SELLER, person("S2", "seller", OLDER_DOB), BUYER], "solicitation", "B")
        assert (result["decision"], result["record_relief"]) == ("review", "do_not_contest")

    def test_a_buyer_whose_with_names_an_adult_while_another_seller_is_a_minor(self) -> None:
        minor = person("M", "seller", "2000-01-01")
        result = relief([SELLER, minor, BUYER], "solicitation", "B", with_="S")
        assert (result["decision"], result["record_relief"]) == ("decline", "do_not_contest")

    def test_a_buyer_with_no_seller_in_the_case(self) -> None:
        result = relief([BUYER], "solicitation", "B")
        assert (result["decision"], result["record_relief"]) == ("decline", "do_not_contest")

    def test_a_buyer_whose_own_age_is_unknown(self) -> None:
        result = relief([SELLER, person("B", "buyer", None)], "buying_sex", "B")
        assert (result["decision"], result["record_relief"]) == ("review", "do_not_contest")

    def test_a_seller_whose_age_is_unknown(self) -> None:
        result = relief([person("S", "seller", None), person("B", "buyer", None)], "selling_sex", "S")
        assert (result["decision"], result["record_relief"]) == ("review", "do_not_contest")

    def test_a_sellers_counterparty_age_does_not_matter(self) -> None:
        minor_buyer = person("B", "buyer", "2000-01-01")
        result = relief([SELLER, minor_buyer], "selling_sex", "S")
        assert (result["decision"], result["record_relief"]) == ("discretion", "do_not_contest")

    def test_a_protected_minor(self) -> None:
        minor = person("S", "seller", "2000-01-01")
        result = relief([minor, BUYER], "selling_sex", "S")
        assert (result["decision"], result["record_relief"]) == ("protect", "do_not_contest")

    def test_a_trafficking_review_is_still_relieved(self) -> None:
        result = relief([SELLER, DRIVER], "selling_sex", "S", facts=[fact("coercion", "D", "S")])
        assert (result["decision"], result["record_relief"]) == ("review", "do_not_contest")

    def test_an_aggressor_review(self) -> None:
        facts = [fact("physical_assault", "B", "S"), fact("physical_assault", "S", "B")]
        result = relief([SELLER, BUYER], "selling_sex", "S", facts=facts)
        assert (result["decision"], result["record_relief"]) == ("review", "not_eligible")

    def test_exceptions_are_ignored(self) -> None:
        raw = make_case([SELLER, BUYER], [charge("1", "S", "selling_sex", status="convicted")],
                        exceptions=[exception("1", "approved", "protect_victim")], incident="2015-07-01")
        result = decide(raw, "1")
        assert (result["decision"], result["sections"], result["record_relief"]) == ("charge", ["8"],
                                                                                     "do_not_contest")


class TestRecordReliefUnderTheGuide:
    def test_a_declined_quality_of_life_record(self) -> None:
        result = relief([SELLER, BUYER], "trespass", "S", policy=GUIDE)
        assert (result["decision"], result["record_relief"]) == ("decline", "do_not_contest")
        assert relief([SELLER, BUYER], "trespass", "S")["record_relief"] == "not_eligible"

    def test_a_declined_third_party_record(self) -> None:
        result = relief([SELLER, DRIVER], "promoting", "D", policy=GUIDE)
        assert (result["decision"], result["record_relief"]) == ("decline", "do_not_contest")
        assert relief([SELLER, DRIVER], "promoting", "D")["record_relief"] == "not_eligible"

    def test_a_protected_record_of_another_offense(self) -> None:
        facts = [fact("sexual_assault", "B", "S")]
        result = relief([SELLER, BUYER], "drug_possession", "S", policy=GUIDE, facts=facts)
        assert (result["decision"], result["record_relief"]) == ("protect", "do_not_contest")
        assert relief([SELLER, BUYER], "drug_possession", "S", facts=facts)["record_relief"] == "not_eligible"

    def test_a_protected_record_with_an_aggravating_fact_by_the_person(self) -> None:
        facts = [fact("sexual_assault", "B", "S"), fact("theft", "S", "B")]
        result = relief([SELLER, BUYER], "selling_sex", "S", policy=GUIDE, facts=facts)
        assert (result["decision"], result["record_relief"]) == ("protect", "do_not_contest")
        assert relief([SELLER, BUYER], "selling_sex", "S", facts=facts)["record_relief"] == "not_eligible"

    def test_a_discretion_record_falls_back_to_the_model_rules(self) -> None:
        result = relief([SELLER, DRIVER], "promoting", "D", policy=GUIDE, facts=[fact("theft", "D", "S")])
        assert (result["decision"], result["record_relief"]) == ("discretion", "not_eligible")
        result = relief([SELLER, BUYER], "other", "S", policy=GUIDE, arose_from_exchange=True)
        assert (result["decision"], result["record_relief"]) == ("discretion", "do_not_contest")

    def test_a_buyer_review_falls_back_to_the_model_rules(self) -> None:
        result = relief([person("S", "seller", None), BUYER], "buying_sex", "B", policy=GUIDE)
        assert (result["decision"], result["record_relief"]) == ("review", "review")

    def test_an_approved_exception_on_a_guide_decline_is_ignored(self) -> None:
        raw = make_case([SELLER, DRIVER], [charge("1", "D", "promoting", status="arrest_only")],
                        exceptions=[exception("1", "approved", "other")], incident="2015-07-01")
        result = decide(raw, "1", GUIDE)
        assert (result["decision"], result["record_relief"]) == ("charge", "do_not_contest")

"""Section 8 exceptions (last entry wins; only an allowed decline becomes a charge; an approval that cannot apply is
named with why) and section 6 record relief (it follows the decision, with its ground in `relief_sections`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from policy_helpers import (
    ADULT_DOB,
    FJP,
    GUIDE,
    GUIDE_DROP,
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
    quote_of,
    screen,
)

from casereview.policy.case import ExceptionEntry, parse_case
from casereview.policy.engine import screen_case
from casereview.policy.profile import load_builtin

SELLER = person("S", "seller", ADULT_DOB, name="Dana Roe")
BUYER = person("B", "buyer", OLDER_DOB)
DRIVER = person("D", "third_party", OLDER_DOB)
PAST = ["convicted", "dismissed", "arrest_only"]
GROUNDS = ["prevent_trafficking", "protect_victim", "other"]
GROUND_WORDS = {"prevent_trafficking": "charges would have a direct impact on preventing trafficking",
                "protect_victim": "necessary to protect the safety and health of a victim",
                "other": "another exceptional circumstance"}
both = pytest.mark.parametrize("policy", PROFILES)


def with_exceptions(entries: Sequence[dict[str, Any]], policy: str = FJP,
                    people: Sequence[dict[str, Any]] = (SELLER, BUYER), offense: str = "selling_sex",
                    holder: str = "S", facts: Sequence[dict[str, Any]] = (), **extra: Any) -> dict[str, Any]:
    raw = make_case(people, [charge("1", holder, offense, **extra), charge("2", "B", "solicitation")], facts,
                    entries)
    return decide(raw, "1", policy)


def said(result: dict[str, Any]) -> str:
    return " ".join(result["reasons"])


# ------------------------------------------------------------------------------------------------ section 8


class TestExceptions:
    @both
    @pytest.mark.parametrize("ground", GROUNDS)
    def test_an_approved_exception_turns_a_decline_into_a_charge_under_8(self, ground: str, policy: str) -> None:
        result = with_exceptions([exception("1", "approved", ground)], policy)
        assert brief(result) == ("charge", ["8"])
        assert result["exception_allowed"] is False
        assert result["quote"] == quote_of(policy, "8")
        assert GROUND_WORDS[ground] in said(result)
        if "_" in ground:
            assert ground not in said(result)  # the words, never the format's identifier
        assert "recorded in the input" in said(result)

    @pytest.mark.parametrize("status", ["draft", "submitted", "denied"])
    def test_other_statuses_leave_the_decline(self, status: str) -> None:
        result = with_exceptions([exception("1", status, "protect_victim")])
        assert brief(result) == ("decline", ["1(a)"])
        assert result["exception_allowed"] is True
        assert {"draft": "is a draft", "submitted": "is submitted", "denied": "was denied"}[status] in said(result)

    @pytest.mark.parametrize("status", ["draft", "submitted", "denied"])
    def test_a_status_without_a_ground(self, status: str) -> None:
        assert brief(with_exceptions([exception("1", status)])) == ("decline", ["1(a)"])

    @pytest.mark.parametrize("earlier", ["draft", "submitted", "denied"])
    def test_the_last_entry_wins_approved_last(self, earlier: str) -> None:
        entries = [exception("1", earlier, "other"), exception("1", "approved", "prevent_trafficking")]
        result = with_exceptions(entries)
        assert brief(result) == ("charge", ["8"])
        assert GROUND_WORDS["prevent_trafficking"] in said(result)

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
        assert brief(with_exceptions([exception("2", "approved", "other")])) == ("decline", ["1(a)"])

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
        assert (result["decision"], result["sections"]) == expected
        assert result["exception_allowed"] is False
        assert "cannot apply" in said(result) and "only to charges the policy declines" in said(result)

    @pytest.mark.parametrize(("policy", "people", "offense", "holder", "facts", "extra", "why"), [
        (FJP, [SELLER, BUYER, DRIVER], "buying_sex", "B", [fact("theft", "D", "S")], {}, None),
        (GUIDE, [person("S", "seller", ADULT_DOB, trafficking_victim=True), BUYER], "drug_possession", "S", [], {},
         "recorded as a victim of trafficking"),
        (FJP, [SELLER, BUYER, DRIVER], "trespass", "S", [fact("theft", "D", "S")], {"arose_from_exchange": True},
         "is the victim of theft by D"),
        (GUIDE, [SELLER, BUYER, DRIVER], "drug_possession", "S", [fact("force", "D", "S")], {},
         "is the victim of force by D"),
        (GUIDE, [SELLER, BUYER, DRIVER], "vagrancy", "S", [fact("coercion", "D", "S")], {},
         "is the victim of coercion by D"),
        (FJP, [SELLER, BUYER], "buying_sex", "B", [fact("force", "S", "B")], {}, "is the victim of force by Dana Roe"),
        (GUIDE, [person("S", "seller", MINOR_DOB), BUYER], "trespass", "S", [], {}, "under 18"),
    ], ids=["buyer-of-a-robbed-seller", "trafficked", "theft", "force", "coercion", "buyer-forced", "minor"])
    def test_no_exception_for_a_possible_victim(self, policy: str, people: list[dict[str, Any]], offense: str,
                                                holder: str, facts: list[dict[str, Any]], extra: dict[str, Any],
                                                why: str | None) -> None:
        declined = with_exceptions([], policy, people=people, offense=offense, holder=holder, facts=facts, **extra)
        assert declined["decision"] == "decline"
        if why is None:  # the buyer is not a possible victim: his seller's status is no bar
            assert declined["exception_allowed"] is True
            return
        assert declined["exception_allowed"] is False
        assert "No section 8 exception may be requested" in said(declined) and why in said(declined)
        approved = with_exceptions([exception("1", "approved", "protect_victim")], policy, people=people,
                                   offense=offense, holder=holder, facts=facts, **extra)
        assert approved["decision"] == "decline" and approved["exception_allowed"] is False
        assert "cannot apply" in said(approved) and "may be a victim" in said(approved)
        assert "the threat of prosecution should not be used to incentivize or encourage cooperation" in said(approved)

    @both
    def test_a_theft_against_a_buyer_blocks_his_exception(self, policy: str) -> None:
        result = with_exceptions([], policy, holder="B", offense="buying_sex", facts=[fact("theft", "S", "B")])
        assert (result["decision"], result["exception_allowed"]) == ("decline", False)

    @pytest.mark.parametrize("status", PAST)
    @both
    def test_no_exception_on_a_past_record(self, status: str, policy: str) -> None:
        result = with_exceptions([exception("1", "approved", "prevent_trafficking")], policy, status=status)
        assert (result["decision"], result["sections"]) == ("decline", ["1(a)"])
        assert result["exception_allowed"] is False
        assert "cannot apply" in said(result) and "past record" in said(result)
        assert result["record_relief"] == "do_not_contest"

    @pytest.mark.parametrize("status", ["pending", "filed"])
    def test_an_exception_on_a_pending_or_filed_charge(self, status: str) -> None:
        assert with_exceptions([], status=status)["exception_allowed"] is True
        result = with_exceptions([exception("1", "approved", "other")], status=status)
        assert brief(result) == ("charge", ["8"])

    @pytest.mark.parametrize("offense", ["promoting", "trespass"])
    def test_an_approved_exception_on_a_guide_decline(self, offense: str) -> None:
        declined = with_exceptions([exception("1", "submitted")], policy=GUIDE, offense=offense)
        assert brief(declined) == ("decline", [GUIDE_THIRD_PARTY if offense == "promoting"
                                               else GUIDE_QUALITY_OF_LIFE])
        result = with_exceptions([exception("1", "approved", "prevent_trafficking")], policy=GUIDE,
                                 offense=offense)
        assert brief(result) == ("charge", ["8"])
        assert result["quote"] == quote_of(GUIDE, "8")

    def test_exception_allowed_only_for_an_allowed_decline(self) -> None:
        raw = make_case(
            [SELLER, BUYER, DRIVER, person("M", "seller", MINOR_DOB)],
            [charge("1", "S", "selling_sex", "B"), charge("2", "B", "assault"), charge("3", "D", "promoting"),
             charge("4", "M", "selling_sex"), charge("5", "D", "trafficking"),
             charge("6", "S", "solicitation", status="convicted"), charge("7", "S", "trespass")])
        for policy in PROFILES:
            for result, ch in zip(screen(raw, policy)["charges"], raw["charges"], strict=True):
                allowed = result["decision"] == "decline" and ch.get("status", "pending") in ("pending", "filed") \
                    and ch["person"] != "M"
                assert result["exception_allowed"] is allowed, (policy, result)

    def test_a_signed_approval_says_so(self) -> None:
        case = parse_case(make_case([SELLER, BUYER], [charge("1", "S", "selling_sex")]))
        case.exceptions = (ExceptionEntry("1", "approved", "protect_victim", signed=True),)
        (result,) = screen_case(case, load_builtin(FJP)).charges
        assert (result.decision, result.sections) == ("charge", ("8",))
        assert any("A supervisor approved a signed section 8 request" in r for r in result.reasons)
        assert not any("recorded in the input" in r for r in result.reasons)

    def test_the_decision_says_why_no_exception_may_be_requested(self) -> None:
        case = parse_case(make_case([SELLER, BUYER], [charge("1", "S", "selling_sex", status="dismissed")]))
        (result,) = screen_case(case, load_builtin(FJP)).charges
        assert result.exception_refusal is not None and "past record" in result.exception_refusal
        case = parse_case(make_case([SELLER, BUYER], [charge("1", "S", "selling_sex")]))
        (result,) = screen_case(case, load_builtin(FJP)).charges
        assert result.exception_refusal is None and result.possible_victim is False


# ------------------------------------------------------------------------------------------------ section 6


def relief(people: Sequence[dict[str, Any]], offense: str, holder: str, *, policy: str = FJP,
           status: str = "convicted", facts: Sequence[dict[str, Any]] = (), with_: str | None = None,
           **extra: Any) -> dict[str, Any]:
    raw = make_case(people, [charge("1", holder, offense, with_, status=status, **extra)], facts,
                    incident="2015-07-01")
    return decide(raw, "1", policy)


def outcome(result: dict[str, Any]) -> tuple[str, str | None, list[str]]:
    return result["decision"], result["record_relief"], result["relief_sections"]


MINOR_2015 = "2000-01-01"  # 15 on 2015-07-01


class TestRecordRelief:
    @pytest.mark.parametrize("status", ["pending", "filed"])
    @both
    def test_null_for_a_current_charge(self, status: str, policy: str) -> None:
        result = relief([SELLER, BUYER], "selling_sex", "S", status=status, policy=policy)
        assert (result["record_relief"], result["relief_sections"]) == (None, [])

    def test_null_by_default(self) -> None:
        result = decide(make_case([SELLER, BUYER], [charge("1", "S", "selling_sex")]), "1")
        assert (result["record_relief"], result["relief_sections"]) == (None, [])

    @pytest.mark.parametrize("status", PAST)
    @both
    def test_a_declined_past_exchange_charge(self, status: str, policy: str) -> None:
        result = relief([SELLER, BUYER], "selling_sex", "S", status=status, policy=policy)
        assert outcome(result) == ("decline", "do_not_contest", ["6"])
        assert "ground: section 6" in said(result)

    @pytest.mark.parametrize("status", PAST)
    def test_not_exchange_related(self, status: str) -> None:
        assert outcome(relief([SELLER, BUYER], "trespass", "S", status=status)) == ("discretion", "not_eligible", [])

    @both
    def test_arose_from_exchange_is_read_as_today(self, policy: str) -> None:
        result = relief([SELLER, BUYER], "drug_possession", "S", arose_from_exchange=True, policy=policy)
        assert outcome(result) == ("decline", "do_not_contest", ["6"])

    @both
    def test_loitering_today_and_yesterday_alike(self, policy: str) -> None:
        today = relief([SELLER, BUYER], "loitering_for_prostitution", "S", status="pending", policy=policy)
        past = relief([SELLER, BUYER], "loitering_for_prostitution", "S", policy=policy)
        assert brief(today) == brief(past) == ("decline", ["1(b)"])
        assert outcome(past) == ("decline", "do_not_contest", ["6"])

    @pytest.mark.parametrize(("people", "facts", "ground"), [
        ([person("S", "seller", MINOR_2015), BUYER], [], ["4"]),
        ([person("S", "seller", ADULT_DOB, trafficking_victim=True), BUYER], [], ["3"]),
        ([SELLER, BUYER], [fact("sexual_assault", "B", "S")], ["2"]),
        ([SELLER, BUYER], [fact("theft", "B", "S")], ["2"]),
        ([person("S", "seller", MINOR_2015, trafficking_victim=True), BUYER], [fact("force", "B", "S")], ["4"]),
    ], ids=["4", "3", "2", "2-theft", "4-first"])
    @both
    def test_a_protected_record_is_not_contested_on_its_first_protection(
            self, people: list[dict[str, Any]], facts: list[dict[str, Any]], ground: list[str], policy: str) -> None:
        result = relief(people, "selling_sex", "S", facts=facts, policy=policy)
        assert outcome(result) == ("protect", "do_not_contest", ground)

    def test_a_charge_decision_is_not_eligible(self) -> None:
        assert outcome(relief([person("S", "seller", MINOR_2015), BUYER], "buying_sex", "B")) == \
            ("charge", "not_eligible", [])
        assert outcome(relief([person("S", "seller", MINOR_2015), DRIVER], "solicitation", "D")) == \
            ("charge", "not_eligible", [])
        assert outcome(relief([SELLER, BUYER], "solicitation", "B", facts=[fact("force", "B", "S")])) == \
            ("charge", "not_eligible", [])

    def test_a_discretion_decision_of_an_adult_is_not_eligible(self) -> None:
        result = relief([SELLER, BUYER], "selling_sex", "S", facts=[fact("theft", "S", "B")])
        assert outcome(result) == ("discretion", "not_eligible", [])
        flagged = person("S", "seller", ADULT_DOB, trafficking_victim=True)
        assert outcome(relief([flagged, BUYER], "buying_sex", "B")) == ("discretion", "not_eligible", [])

    def test_a_discretion_decision_of_a_minor_is_reviewed(self) -> None:
        minor_buyer = person("B", "buyer", MINOR_2015)
        assert outcome(relief([SELLER, minor_buyer], "buying_sex", "B")) == ("discretion", "review", [])
        assert "juvenile record relief" in said(relief([SELLER, minor_buyer], "buying_sex", "B"))

    def test_a_review_is_reviewed(self) -> None:
        assert outcome(relief([person("S", "seller", None), BUYER], "buying_sex", "B"))[1:] == ("review", [])
        assert outcome(relief([SELLER, DRIVER], "selling_sex", "S", facts=[fact("coercion", "D", "S")]))[1:] == \
            ("review", [])
        facts = [fact("physical_assault", "B", "S"), fact("physical_assault", "S", "B")]
        assert outcome(relief([SELLER, BUYER], "selling_sex", "S", facts=facts)) == ("review", "review", [])
        minor = person("M", "seller", MINOR_2015)
        result = relief([SELLER, minor, BUYER], "buying_sex", "B")
        assert outcome(result) == ("review", "review", [])
        assert result["missing"] == [{"charge": "1", "person": "B", "need": "with"}]

    def test_the_sellers_own_unknown_age_is_not_contested_under_4_and_6(self) -> None:
        result = relief([person("S", "seller", None), person("B", "buyer", None)], "selling_sex", "S")
        assert outcome(result) == ("review", "do_not_contest", ["4", "6"])
        assert result["missing"] == [{"charge": "1", "person": "S", "need": "age"}]

    @pytest.mark.parametrize(("people", "facts"), [
        ([person("S", "seller", None), BUYER], [fact("theft", "S", "B")]),
        ([person("S", "seller", None), person("B", "buyer", MINOR_2015)], []),
        ([person("S", "seller", None), BUYER, person("B2", "buyer", MINOR_2015)], []),
    ], ids=["violence", "minor-buyer", "unresolved-minor"])
    def test_unless_an_adults_outcome_would_be_discretion(self, people: list[dict[str, Any]],
                                                          facts: list[dict[str, Any]]) -> None:
        assert outcome(relief(people, "selling_sex", "S", facts=facts)) == ("review", "review", [])

    def test_exceptions_are_ignored(self) -> None:
        raw = make_case([SELLER, BUYER], [charge("1", "S", "selling_sex", status="convicted")],
                        exceptions=[exception("1", "approved", "protect_victim")], incident="2015-07-01")
        assert outcome(decide(raw, "1")) == ("decline", "do_not_contest", ["6"])

    @pytest.mark.parametrize("offense", ["assault", "trafficking", "buying_sex_from_minor", "other", "promoting",
                                         "unlicensed_massage", "drug_possession"])
    def test_other_offenses_are_not_eligible_under_the_model_policy(self, offense: str) -> None:
        assert relief([SELLER, BUYER, DRIVER], offense, "D")["record_relief"] == "not_eligible"


class TestRecordReliefUnderTheGuide:
    @pytest.mark.parametrize(("offense", "holder"), [("trespass", "S"), ("drug_possession", "B"),
                                                     ("unlicensed_massage", "S"), ("promoting", "D")])
    def test_a_declined_record_is_not_contested_on_the_guides_heading(self, offense: str, holder: str) -> None:
        result = relief([SELLER, BUYER, DRIVER], offense, holder, policy=GUIDE)
        assert outcome(result) == ("decline", "do_not_contest", [GUIDE_DROP])
        assert relief([SELLER, BUYER, DRIVER], offense, holder)["record_relief"] == "not_eligible"

    def test_a_protected_record_of_another_offense(self) -> None:
        facts = [fact("sexual_assault", "B", "S")]
        result = relief([SELLER, BUYER], "drug_possession", "S", policy=GUIDE, facts=facts)
        assert outcome(result) == ("protect", "do_not_contest", [GUIDE_DROP])
        assert relief([SELLER, BUYER], "drug_possession", "S", facts=facts)["record_relief"] == "not_eligible"

    def test_an_exchange_record_keeps_its_section(self) -> None:
        assert outcome(relief([SELLER, BUYER], "selling_sex", "S", policy=GUIDE)) == ("decline", "do_not_contest",
                                                                                      ["6"])
        facts = [fact("sexual_assault", "B", "S")]
        assert outcome(relief([SELLER, BUYER], "selling_sex", "S", policy=GUIDE, facts=facts)) == \
            ("protect", "do_not_contest", ["2"])
        assert outcome(relief([SELLER, DRIVER], "trespass", "S", policy=GUIDE, arose_from_exchange=True)) == \
            ("decline", "do_not_contest", ["6"])

    def test_a_discretion_record_follows_the_model_rules(self) -> None:
        result = relief([SELLER, DRIVER], "promoting", "D", policy=GUIDE, facts=[fact("theft", "D", "S")])
        assert outcome(result) == ("discretion", "not_eligible", [])
        minor = person("S", "seller", MINOR_2015)
        result = relief([minor, BUYER], "drug_possession", "S", policy=GUIDE, facts=[fact("theft", "S", "B")])
        assert outcome(result) == ("discretion", "review", [])

    @pytest.mark.parametrize("offense", ["assault", "trafficking", "buying_sex_from_minor", "other"])
    def test_violence_trafficking_buying_from_a_minor_and_other_stay_not_eligible(self, offense: str) -> None:
        assert relief([SELLER, BUYER, DRIVER], offense, "D", policy=GUIDE)["record_relief"] == "not_eligible"

    def test_other_that_arose_from_an_exchange_follows_its_decision(self) -> None:
        result = relief([SELLER, BUYER], "other", "S", policy=GUIDE, arose_from_exchange=True)
        assert outcome(result) == ("decline", "do_not_contest", ["6"])

    def test_an_approved_exception_on_a_guide_decline_is_ignored(self) -> None:
        raw = make_case([SELLER, DRIVER], [charge("1", "D", "promoting", status="arrest_only")],
                        exceptions=[exception("1", "approved", "other")], incident="2015-07-01")
        result = decide(raw, "1", GUIDE)
        assert outcome(result) == ("decline", "do_not_contest", [GUIDE_DROP])
        assert "cannot apply" in said(result)


class TestSignedApprovalsOnly:
    """For a case file (spec, `exceptions[]`): only a signed request decided by a supervisor is an approval."""

    def _screen(self, signed: bool, signed_only: bool) -> Any:
        case = parse_case(make_case([SELLER, BUYER], [charge("1", "S", "selling_sex")]))
        case.exceptions = (ExceptionEntry("1", "approved", "protect_victim", signed=signed),)
        (result,) = screen_case(case, load_builtin(FJP), signed_only=signed_only).charges
        return result

    def test_an_unsigned_approval_is_not_an_approval(self) -> None:
        result = self._screen(signed=False, signed_only=True)
        assert (result.decision, result.sections, result.exception_allowed) == ("decline", ("1(a)",), True)
        assert any("without a signed request is not an approval" in r and "in writing" in r for r in result.reasons)

    def test_a_signed_approval_is(self) -> None:
        result = self._screen(signed=True, signed_only=True)
        assert (result.decision, result.sections) == ("charge", ("8",))

    def test_the_command_takes_entries_as_given(self) -> None:
        assert self._screen(signed=False, signed_only=False).decision == "charge"

"""An independent review of the screening engine against ``spec/screening.md`` (version 3).

Every scenario here is new (none copies a worked example of the spec). Each test cites, in a comment, the line of
``/work/shared/spec/screening.md`` it checks ("L216" is line 216 of that file, as numbered by ``cat -n``). The
last part is a differential test: a second, deliberately plain reading of the rules (`_spec_reading`), written
from the spec alone, compared with the engine on generated cases of both profiles.
"""

from __future__ import annotations

import copy
import json
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from policy_helpers import (
    FJP,
    GUIDE,
    GUIDE_DROP,
    GUIDE_QUALITY_OF_LIFE,
    GUIDE_THIRD_PARTY,
    PROFILES,
    assert_bad_input,
    charge,
    decide,
    exception,
    fact,
    make_case,
    person,
    quote_of,
    run_main,
    screen,
    write_case,
)

from casereview.policy.case import FACT_TYPES, OFFENSES, counterparty_role, parse_case
from casereview.policy.engine import screen_case
from casereview.policy.profile import load_builtin
from casereview.policy.screening_io import format_text

# People of this file (incident 2026-03-14, the helpers' default).
ADULT = "1988-07-19"  # 37
ELDER = "1960-01-05"
SIXTEEN = "2009-11-02"  # 16
EIGHTEEN_TODAY = "2008-03-14"  # 18 from the first moment of the incident date
EIGHTEEN_TOMORROW = "2008-03-15"  # still 17 on the incident date

SELLER = person("S", "seller", ADULT, name="Rosa Lind")
SELLER2 = person("S2", "seller", ADULT, name="Kim Vale")
BUYER = person("B", "buyer", ELDER, name="Carl Dunn")
BUYER2 = person("B2", "buyer", ADULT, name="Ned Roth")
MANAGER = person("M", "third_party", ELDER, name="Vic Stone")
FRIEND = person("F", "other", ADULT, name="Pat Lowe")
YOUNG_SELLER = person("S", "seller", SIXTEEN, name="Rosa Lind")
YOUNG_BUYER = person("B", "buyer", SIXTEEN, name="Carl Dunn")
AGELESS_SELLER = person("S", "seller", None, name="Rosa Lind")
AGELESS_BUYER = person("B", "buyer", None, name="Carl Dunn")
FLAGGED_SELLER = person("S", "seller", ADULT, name="Rosa Lind", trafficking_victim=True)

VICTIM_FACTS = ["physical_assault", "sexual_assault", "condom_refusal", "non_consensual_act", "refused_to_pay"]
LETTER = dict(zip(VICTIM_FACTS, ["2(a)", "2(b)", "2(c)", "2(d)", "2(e)"], strict=True))
QOL = ["vagrancy", "trespass", "obscenity", "drug_possession", "public_nuisance"]
VIOLENCE = ["assault", "sexual_assault", "robbery", "homicide"]
PAST = ["convicted", "dismissed", "arrest_only"]
both = pytest.mark.parametrize("policy", PROFILES)


def one(people: list[dict[str, Any]], offense: str, holder: str, *, with_: str | None = None,
        facts: tuple[dict[str, Any], ...] | list[dict[str, Any]] = (), policy: str = FJP,
        exceptions: tuple[dict[str, Any], ...] = (), presumptive: bool = True, **extra: Any) -> dict[str, Any]:
    raw = make_case(people, [charge("1", holder, offense, with_, **extra)], facts, exceptions)
    return decide(raw, "1", policy, presumptive)


def brief(r: dict[str, Any]) -> tuple[str, list[str]]:
    return r["decision"], r["sections"]


def needs(r: dict[str, Any]) -> list[tuple[str, str]]:
    return [(m["person"], m["need"]) for m in r["missing"]]


def said(r: dict[str, Any]) -> str:
    return " ".join(r["reasons"])


def relief(r: dict[str, Any]) -> tuple[str | None, list[str]]:
    return r["record_relief"], r["relief_sections"]


# ------------------------------------------------------------------------------------------- definitions


class TestExchangeRelated:
    # L186-189: loitering and a charge marked arose_from_exchange are exchange offenses; 1(b) for solicitation
    # and loitering, 1(a) for the others. L118-121: arose_from_exchange on a quality-of-life offense (loitering
    # is one, L104), unlicensed_massage or other.
    @both
    @pytest.mark.parametrize(("offense", "extra", "section"), [
        ("loitering_for_prostitution", {}, "1(b)"),
        ("loitering_for_prostitution", {"arose_from_exchange": True}, "1(b)"),
        ("public_nuisance", {"arose_from_exchange": True}, "1(a)"),
        ("unlicensed_massage", {"arose_from_exchange": True}, "1(a)"),
        ("other", {"arose_from_exchange": True}, "1(a)"),
    ])
    @pytest.mark.parametrize("holder", ["S", "B", "M", "F"])
    def test_declined_under_section_1_whoever_holds_it(self, offense: str, extra: dict[str, Any], section: str,
                                                       holder: str, policy: str) -> None:
        result = one([SELLER, BUYER, MANAGER, FRIEND], offense, holder, policy=policy,
                     with_="B" if holder == "S" else "S", **extra)
        if holder in ("M", "F") and policy == GUIDE:  # L301-304: the guide's third-party rule comes first
            assert brief(result) == ("decline", [GUIDE_THIRD_PARTY])
        else:
            assert brief(result) == ("decline", [section])
        assert result["exception_allowed"] is True

    # L104, L186: without the mark, a quality-of-life offense is not exchange-related (L275: discretion).
    @pytest.mark.parametrize("offense", [*QOL, "unlicensed_massage", "other"])
    def test_unmarked_other_offenses_are_not_exchange_related(self, offense: str) -> None:
        assert brief(one([SELLER, BUYER], offense, "S")) == ("discretion", ["5"])

    # L9-10 and L281-284: yesterday's loitering record is read as today's charge would be.
    def test_a_loitering_record_gets_section_6(self) -> None:
        result = one([SELLER], "loitering_for_prostitution", "S", status="arrest_only")
        assert brief(result) == ("decline", ["1(b)"])
        assert relief(result) == ("do_not_contest", ["6"])


class TestCounterparty:
    # L110-115, L191-195: `with` names the other side; absent, the only person of that role, or nobody.
    def test_with_picks_the_minor_among_two_sellers(self) -> None:
        young = person("Y", "seller", SIXTEEN)
        assert brief(one([SELLER, young, BUYER], "buying_sex", "B", with_="Y")) == ("charge", ["4"])
        assert brief(one([SELLER, young, BUYER], "buying_sex", "B", with_="S")) == ("decline", ["1(a)"])

    # L112: "When absent it is the only person of that role in the case".
    def test_the_only_buyer_is_the_sellers_counterparty(self) -> None:
        assert brief(one([SELLER, YOUNG_BUYER], "solicitation", "S")) == ("discretion", ["5"])

    # L112, L195: nobody of that role: the counterparty is nobody, never "of unknown age".
    def test_nobody_is_not_of_unknown_age(self) -> None:
        result = one([MANAGER], "loitering_for_prostitution", "M")
        assert brief(result) == ("decline", ["1(b)"]) and result["missing"] == []

    # L193-194: an unresolved counterparty one of whom is of unknown age is asked about where the rule first
    # asks the counterparty's age (rule 8's first bullet), before the later bullets.
    def test_an_unresolved_counterparty_of_unknown_age_is_asked_before_harm(self) -> None:
        result = one([SELLER, person("S3", "seller", None), BUYER], "solicitation", "B",
                     facts=[fact("theft", "B", "S")])
        assert needs(result) == [("B", "with")]

    # L194: "otherwise it counts as an adult" (rule 10 then declines).
    def test_unresolved_adults_count_as_adults_for_a_driver(self) -> None:
        assert brief(one([SELLER, SELLER2, MANAGER], "buying_sex", "M")) == ("decline", ["1(a)"])

    # L115: on any other charge `with` is kept but not used by the rules.
    def test_with_on_a_violence_charge_is_not_used(self) -> None:
        result = one([SELLER, YOUNG_BUYER, BUYER2], "assault", "B2", with_="B")
        assert brief(result) == ("charge", ["2"])


class TestTraffickedAndPossibleVictim:
    # L196: trafficked is the flag, or a trafficking fact against P.
    @pytest.mark.parametrize("flagged", [True, False])
    def test_trafficked_seller_is_protected_under_3(self, flagged: bool) -> None:
        people = [FLAGGED_SELLER if flagged else SELLER, MANAGER, BUYER]
        facts = [] if flagged else [fact("trafficking", "M", "S")]
        result = one(people, "solicitation", "S", facts=facts)
        assert brief(result) == ("protect", ["3"])
        assert "may be a victim" in said(result)

    # L200-201, L173-176: theft against a seller by a third party is not harm (L197-199) and not rule 2 (force or
    # coercion only), so the seller's charge is declined; but she is a possible victim: no exception.
    def test_theft_by_a_manager_declines_without_exception(self) -> None:
        result = one([SELLER, MANAGER, BUYER], "selling_sex", "S", facts=[fact("theft", "M", "S")])
        assert brief(result) == ("decline", ["1(a)"])
        assert result["exception_allowed"] is False
        assert "Rosa Lind (S) is the victim of theft by Vic Stone (M)." in result["reasons"]
        assert "The record shows that Rosa Lind (S) may be a victim." in result["reasons"]

    # L200-201: a buyer with force against him is a possible victim; L249-259 still decline his solicitation.
    def test_a_buyer_with_force_against_him_gets_no_exception(self) -> None:
        result = one([SELLER, BUYER, MANAGER], "solicitation", "B", facts=[fact("force", "M", "B")])
        assert brief(result) == ("decline", ["1(b)"])
        assert result["exception_allowed"] is False

    # L200: a buyer under 18 is not a possible victim for being under 18 (only "not a buyer and under 18").
    def test_a_minor_buyer_is_not_a_possible_victim_by_age(self) -> None:
        result = one([SELLER, YOUNG_BUYER], "drug_possession", "B", policy=GUIDE)
        assert brief(result) == ("decline", [GUIDE_QUALITY_OF_LIFE])
        assert result["exception_allowed"] is True
        assert "Carl Dunn (B) was 16 on 2026-03-14, under 18." in result["reasons"]
        assert "may be a victim" not in said(result)

    # L200-201: knowingly_purchased_from_trafficked or sought_minor against P does not make P a possible victim.
    def test_buyer_only_facts_against_a_seller_do_not_make_her_a_possible_victim(self) -> None:
        result = one([SELLER, BUYER], "selling_sex", "S", facts=[fact("sought_minor", "B", "S")])
        assert brief(result) == ("decline", ["1(a)"]) and result["exception_allowed"] is True


class TestProtections:
    # L206-210: "4", then "3", then "2", each when it holds.
    def test_all_three_in_order(self) -> None:
        young = person("S", "seller", SIXTEEN, trafficking_victim=True)
        result = one([young, BUYER], "loitering_for_prostitution", "S", facts=[fact("condom_refusal", "B", "S")])
        assert brief(result) == ("protect", ["4", "3", "2"])

    # L207-208: protections 4 and 3 hold for any non-buyer, a third party or `other` included.
    @pytest.mark.parametrize("role", ["third_party", "other"])
    def test_a_young_or_trafficked_helper_is_protected(self, role: str) -> None:
        young = person("H", role, SIXTEEN)
        assert brief(one([young, SELLER], "solicitation", "H")) == ("protect", ["4"])
        flagged = person("H", role, ADULT, trafficking_victim=True)
        assert brief(one([flagged, SELLER], "solicitation", "H")) == ("protect", ["3"])

    # L207-208: never for a buyer.
    def test_a_trafficked_buyer_is_not_protected(self) -> None:
        flagged = person("B", "buyer", ELDER, name="Carl Dunn", trafficking_victim=True)
        result = one([SELLER, flagged], "buying_sex", "B")
        assert brief(result) == ("decline", ["1(a)"]) and result["exception_allowed"] is False
        assert "Carl Dunn (B) is recorded as a victim of trafficking." in result["reasons"]

    # L209-210: "2" only for a seller, on any offense (here unlicensed massage), by a buyer's coercion.
    def test_section_2_covers_any_offense_of_a_harmed_seller(self) -> None:
        result = one([SELLER, BUYER], "unlicensed_massage", "S", facts=[fact("coercion", "B", "S")])
        assert brief(result) == ("protect", ["2"])

    # L197-199: a victim fact by anyone is harm (here by a manager).
    def test_a_victim_fact_by_a_manager_is_harm(self) -> None:
        result = one([SELLER, MANAGER], "solicitation", "S", facts=[fact("sexual_assault", "M", "S")])
        assert brief(result) == ("protect", ["2"])


# ---------------------------------------------------------------------------------------- rules 1-12 (fjp)


class TestRule1Victim:
    # L217-218: only protection "2", and violence by P → review (aggressor), whatever the offense.
    def test_a_harmed_seller_who_used_force_on_the_buyer(self) -> None:
        result = one([SELLER, BUYER], "solicitation", "S",
                     facts=[fact("refused_to_pay", "B", "S"), fact("force", "S", "B")])
        assert brief(result)[0] == "review" and needs(result) == [("S", "aggressor")]
        assert "Rosa Lind (S) used force against Carl Dunn (B)." in result["reasons"]

    # L217-219: with another protection besides "2", the first bullet does not apply: protect.
    def test_a_minor_harmed_seller_who_used_force_is_protected(self) -> None:
        result = one([YOUNG_SELLER, BUYER], "selling_sex", "S",
                     facts=[fact("refused_to_pay", "B", "S"), fact("force", "S", "B")])
        assert brief(result) == ("protect", ["4", "2"])

    # L217: a violence offense of a seller with protection "2" only → review (aggressor), even a homicide.
    def test_homicide_charge_of_a_harmed_seller(self) -> None:
        result = one([SELLER, BUYER], "homicide", "S", facts=[fact("theft", "B", "S")])
        assert needs(result) == [("S", "aggressor")]

    # L216 before L220: a buyer's coercion is harm (protect 2), not possible trafficking.
    def test_rule_1_comes_before_rule_2(self) -> None:
        result = one([SELLER, BUYER], "selling_sex", "S", facts=[fact("coercion", "B", "S")])
        assert brief(result) == ("protect", ["2"])

    # L216-219 before L222-229: a seller protected by "2" charged with promoting is protected (rule 1 first;
    # rule 3 counts only a non-buyer's force or coercion). See the report on the spec's summary line 14.
    def test_rule_1_comes_before_rule_3(self) -> None:
        result = one([SELLER, SELLER2, BUYER], "promoting", "S", facts=[fact("force", "B", "S")])
        assert brief(result) == ("protect", ["2"])


class TestRule2PossibleTrafficking:
    # L220-221: a non-buyer, exchange-related charge, force or coercion against P (by anyone).
    @pytest.mark.parametrize("kind", ["force", "coercion"])
    @pytest.mark.parametrize("by", ["B", "F"])
    def test_a_third_party_under_force(self, kind: str, by: str) -> None:
        result = one([SELLER, MANAGER, BUYER, FRIEND], "solicitation", "M", facts=[fact(kind, by, "M")])
        assert brief(result)[0] == "review" and needs(result) == [("M", "trafficking_status")]

    # L220: not for a buyer (rule 8 declines; the force against him bars an exception, L173-176).
    def test_not_for_a_buyer(self) -> None:
        result = one([SELLER, BUYER, MANAGER], "buying_sex", "B", facts=[fact("coercion", "M", "B")])
        assert brief(result) == ("decline", ["1(a)"])

    # L220: not for theft.
    def test_not_for_theft(self) -> None:
        result = one([SELLER, MANAGER, BUYER], "solicitation", "M", facts=[fact("theft", "B", "M")])
        assert brief(result) == ("decline", ["1(b)"])

    # L220: not for a charge that is not exchange-related (fjp: rule 12; guide: quality of life).
    @both
    def test_not_for_drug_possession(self, policy: str) -> None:
        result = one([SELLER, MANAGER], "drug_possession", "S", facts=[fact("coercion", "M", "S")], policy=policy)
        expected = ("discretion", ["5"]) if policy == FJP else ("decline", [GUIDE_QUALITY_OF_LIFE])
        assert brief(result) == expected
        assert result["exception_allowed"] is False

    # L220 before L260-266: before the seller's unknown age.
    def test_before_a_sellers_unknown_age(self) -> None:
        result = one([AGELESS_SELLER, MANAGER], "selling_sex", "S", facts=[fact("force", "M", "S")])
        assert needs(result) == [("S", "trafficking_status")]


class TestRule3CompelledConduct:
    # L222-229: a minor third party charged with robbery.
    def test_a_minor_driver_charged_with_robbery(self) -> None:
        driver = person("M", "third_party", SIXTEEN)
        assert needs(one([SELLER, driver], "robbery", "M")) == [("M", "compelled_conduct")]

    # L224: P trafficked, any role (a buyer included).
    def test_a_trafficked_buyer_charged_with_promoting(self) -> None:
        flagged = person("B", "buyer", ELDER, trafficking_victim=True)
        assert needs(one([SELLER, flagged], "promoting", "B")) == [("B", "compelled_conduct")]

    # L224: a buyer under 18 is not caught here; rule 4 charges his assault of a seller under section 2(a).
    def test_a_minor_buyer_charged_with_assault(self) -> None:
        result = one([SELLER, YOUNG_BUYER], "assault", "B", facts=[fact("physical_assault", "B", "S")])
        assert brief(result) == ("charge", ["2(a)", "2"])

    # L222-229 before L235-236: even when the record shows a trafficking fact by P.
    def test_before_the_trafficking_rule(self) -> None:
        driver = person("M", "third_party", ELDER)
        result = one([SELLER, driver, FRIEND], "trafficking", "M",
                     facts=[fact("coercion", "F", "M"), fact("trafficking", "M", "S")])
        assert needs(result) == [("M", "compelled_conduct")]

    # L225: a buyer's force against a non-seller is not counted here (nor is it harm: P is no seller).
    @both
    def test_a_buyers_force_against_a_manager_charged_with_promoting(self, policy: str) -> None:
        result = one([SELLER, MANAGER, BUYER], "promoting", "M", facts=[fact("force", "B", "M")], policy=policy)
        assert brief(result) == (("discretion", ["5"]) if policy == FJP else ("decline", [GUIDE_THIRD_PARTY]))
        assert result["exception_allowed"] is False  # a possible victim

    # L223: only promoting, trafficking and violence offenses (a minor's vagrancy is not caught).
    def test_not_for_vagrancy(self) -> None:
        assert brief(one([YOUNG_SELLER], "vagrancy", "S")) == ("discretion", ["5"])


class TestRule4Violence:
    # L230: theft against P → review (aggressor).
    def test_theft_against_the_person_charged(self) -> None:
        result = one([SELLER, MANAGER, BUYER], "robbery", "M", facts=[fact("theft", "B", "M")])
        assert needs(result) == [("M", "aggressor")]

    # L230: coercion is not in rule 4's list; a buyer's coercion against a manager is not rule 3's (L225).
    def test_coercion_against_the_person_charged_does_not_stop_the_charge(self) -> None:
        result = one([SELLER, MANAGER, BUYER], "assault", "M", facts=[fact("coercion", "B", "M")])
        assert brief(result) == ("charge", ["2"])
        assert "Vic Stone (M) is the victim of coercion by Carl Dunn (B)." in result["reasons"]

    # L231-233: a buyer's letters come only from victim facts against a seller, a to e, then "2".
    def test_letters_in_order_only_for_sellers(self) -> None:
        result = one([SELLER, BUYER, MANAGER], "sexual_assault", "B",
                     facts=[fact("non_consensual_act", "B", "S"), fact("sexual_assault", "B", "S"),
                            fact("physical_assault", "B", "M")])
        assert brief(result) == ("charge", ["2(b)", "2(d)", "2"])

    # L233-234: violence by a non-buyer cites "2" alone; section 2's letters describe buyers.
    @pytest.mark.parametrize("holder", ["M", "F", "S2"])
    def test_a_non_buyer_cites_2_alone(self, holder: str) -> None:
        result = one([SELLER, SELLER2, MANAGER, FRIEND], "assault", holder,
                     facts=[fact("physical_assault", holder, "S")])
        assert brief(result) == ("charge", ["2"])

    # L234: no seller in the case → discretion.
    def test_no_seller_no_sex_trade(self) -> None:
        assert brief(one([BUYER, MANAGER], "homicide", "M")) == ("discretion", ["5"])

    # L231: "the case has a seller" counts the person charged.
    def test_the_seller_charged_is_the_seller_of_the_case(self) -> None:
        assert brief(one([SELLER, MANAGER], "robbery", "S")) == ("charge", ["2"])


class TestRule5Trafficking:
    # L235: a trafficking fact by P → charge (3), whoever the victim is.
    def test_a_trafficker_is_charged(self) -> None:
        result = one([SELLER, MANAGER, FRIEND], "trafficking", "M", facts=[fact("trafficking", "M", "F")])
        assert brief(result) == ("charge", ["3"])

    # L235-236: otherwise review (trafficking_conduct), even for a seller who merely works with another.
    def test_a_seller_working_with_another_is_reviewed(self) -> None:
        result = one([SELLER, SELLER2], "trafficking", "S")
        assert needs(result) == [("S", "trafficking_conduct")]


class TestRule6MinorBuyer:
    # L237-242: a minor who sought a minor is never charged under section 4.
    def test_a_minor_buyer_who_sought_a_minor(self) -> None:
        result = one([SELLER, YOUNG_BUYER], "buying_sex_from_minor", "B", facts=[fact("sought_minor", "B")])
        assert brief(result) == ("discretion", ["5"])
        assert "4" not in result["sections"]

    # L237: any role: a minor third party charged with buying sex from a minor.
    def test_a_minor_third_party_charged_with_buying_from_a_minor(self) -> None:
        young = person("M", "third_party", SIXTEEN)
        assert brief(one([YOUNG_SELLER, young], "buying_sex_from_minor", "M")) == ("discretion", ["5"])

    # L238-239: harm by P → the letters of victim facts by P against a seller, then "2".
    def test_a_minor_buyer_who_refused_a_condom(self) -> None:
        result = one([SELLER, YOUNG_BUYER], "solicitation", "B", facts=[fact("condom_refusal", "B", "S")])
        assert brief(result) == ("charge", ["2(c)", "2"])

    # L202-203: harm is violence against a seller; violence against a manager is not harm → discretion.
    def test_a_minor_buyers_violence_against_a_manager(self) -> None:
        result = one([SELLER, YOUNG_BUYER, MANAGER], "buying_sex", "B", facts=[fact("force", "B", "M")])
        assert brief(result) == ("discretion", ["5"])

    # L240-242: P's age unknown where section 4 would apply → review (age) of P.
    @pytest.mark.parametrize("offense", ["buying_sex", "buying_sex_from_minor", "loitering_for_prostitution"])
    def test_unknown_buyer_with_a_minor_seller(self, offense: str) -> None:
        result = one([YOUNG_SELLER, AGELESS_BUYER], offense, "B")
        assert result["decision"] == "review" and needs(result) == [("B", "age")]
        assert "4" in result["sections"] and result["decision"] != "charge"

    # L84-89 with L240-242: a buyer known only as "17" whose offense date makes him 17 or 18 is of unknown age.
    def test_a_buyer_aged_17_or_18_on_the_offense_date(self) -> None:
        buyer = person("B", "buyer", None, age=17)
        result = one([YOUNG_SELLER, buyer], "buying_sex", "B", offense_date="2026-10-01")
        assert needs(result) == [("B", "age")]


class TestRule7BuyingFromAMinor:
    # L244: sought_minor by P → charge (4), even with an adult seller.
    def test_sought_minor_with_an_adult_seller(self) -> None:
        result = one([SELLER, BUYER], "buying_sex_from_minor", "B", facts=[fact("sought_minor", "B")])
        assert brief(result) == ("charge", ["4"])

    # L245: counterparty nobody → review (minor_evidence).
    def test_nobody_recorded(self) -> None:
        assert needs(one([BUYER, MANAGER], "buying_sex_from_minor", "B")) == [("B", "minor_evidence")]

    # L246: unresolved → review (with), even when both sellers are adults.
    def test_two_adult_sellers(self) -> None:
        assert needs(one([SELLER, SELLER2, BUYER], "buying_sex_from_minor", "B")) == [("B", "with")]

    # L247: counterparty of unknown age → review (age) of the counterparty.
    def test_a_seller_of_unknown_age(self) -> None:
        assert needs(one([AGELESS_SELLER, BUYER], "buying_sex_from_minor", "B")) == [("S", "age")]

    # L248: an adult counterparty → review (minor_evidence).
    def test_an_adult_seller(self) -> None:
        assert needs(one([SELLER, BUYER], "buying_sex_from_minor", "B")) == [("B", "minor_evidence")]

    # L244: a seller who turned 18 on the incident date is an adult (L87-88).
    def test_a_seller_18_today_is_an_adult(self) -> None:
        seller = person("S", "seller", EIGHTEEN_TODAY)
        assert needs(one([seller, BUYER], "buying_sex_from_minor", "B")) == [("B", "minor_evidence")]
        seller = person("S", "seller", EIGHTEEN_TOMORROW)
        assert brief(one([seller, BUYER], "buying_sex_from_minor", "B")) == ("charge", ["4"])


class TestRule8Buyer:
    # L250 before L251: section 4 before section 3.
    def test_sought_minor_before_knowingly_purchased(self) -> None:
        result = one([FLAGGED_SELLER, BUYER], "solicitation", "B",
                     facts=[fact("sought_minor", "B"), fact("knowingly_purchased_from_trafficked", "B", "S")])
        assert brief(result) == ("charge", ["4"])

    # L251 before L252: section 3 before the harm.
    def test_knowingly_purchased_before_harm(self) -> None:
        result = one([FLAGGED_SELLER, BUYER], "buying_sex", "B",
                     facts=[fact("knowingly_purchased_from_trafficked", "B", "S"), fact("physical_assault", "B", "S")])
        assert brief(result) == ("charge", ["3"])

    # L252-253: harm by P → letters then "2"; a buyer who harmed a seller is never declined (L12-13).
    @pytest.mark.parametrize("kind", VICTIM_FACTS)
    def test_each_victim_fact_gives_its_letter(self, kind: str) -> None:
        result = one([SELLER, BUYER], "loitering_for_prostitution", "B", facts=[fact(kind, "B", "S")])
        assert brief(result) == ("charge", [LETTER[kind], "2"])

    # L252: harm against another seller of the case than the counterparty still counts (harm by P).
    def test_harm_against_a_seller_who_is_not_the_counterparty(self) -> None:
        result = one([SELLER, SELLER2, BUYER], "buying_sex", "B", with_="S2", facts=[fact("theft", "B", "S")])
        assert brief(result) == ("charge", ["2"])

    # L254: other violence by P (against nobody named) → discretion.
    def test_force_against_nobody_named(self) -> None:
        result = one([SELLER, BUYER], "buying_sex", "B", facts=[fact("force", "B")])
        assert brief(result) == ("discretion", ["5"])

    # L255-256: counterparty trafficked (by a fact), nothing showing P knew → discretion.
    def test_counterparty_trafficked_by_a_manager(self) -> None:
        result = one([SELLER, BUYER, MANAGER], "solicitation", "B", facts=[fact("trafficking", "M", "S")])
        assert brief(result) == ("discretion", ["5"])
        assert "nothing shows that Carl Dunn (B) knew it" in said(result)

    # L257: unresolved adults → review (with), before the ages (L258).
    def test_unresolved_before_unknown_ages(self) -> None:
        assert needs(one([SELLER, SELLER2, AGELESS_BUYER], "buying_sex", "B")) == [("B", "with")]

    # L258: both ages unknown: both asked, P first.
    def test_both_unknown(self) -> None:
        result = one([AGELESS_SELLER, AGELESS_BUYER], "solicitation", "B")
        assert needs(result) == [("B", "age"), ("S", "age")]

    # L258-259: a decoy sting with a buyer of unknown age → review (age) of P only.
    def test_a_decoy_sting_with_a_buyer_of_unknown_age(self) -> None:
        assert needs(one([AGELESS_BUYER], "solicitation", "B")) == [("B", "age")]


class TestRule9Seller:
    # L261 before L262.
    def test_unknown_age_before_violence(self) -> None:
        result = one([AGELESS_SELLER, BUYER], "solicitation", "S", facts=[fact("coercion", "S", "B")])
        assert needs(result) == [("S", "age")]

    # L262 before L263.
    def test_violence_before_a_minor_counterparty(self) -> None:
        result = one([SELLER, YOUNG_BUYER], "selling_sex", "S", facts=[fact("theft", "S", "B")])
        assert brief(result) == ("discretion", ["5"])

    # L263-264: a minor buyer → discretion; an unresolved one of whom is a minor → review (with).
    def test_minor_buyer_and_unresolved_buyers(self) -> None:
        assert brief(one([SELLER, YOUNG_BUYER], "loitering_for_prostitution", "S")) == ("discretion", ["5"])
        young = person("B2", "buyer", SIXTEEN)
        assert needs(one([SELLER, BUYER, young], "selling_sex", "S")) == [("S", "with")]

    # L265-266: a counterparty of unknown age does not stop the decline; a seller born in 2008 on 14 March is
    # an adult on 14 March 2026 (L87-88).
    def test_decline(self) -> None:
        seller = person("S", "seller", EIGHTEEN_TODAY)
        result = one([seller, AGELESS_BUYER], "selling_sex", "S")
        assert brief(result) == ("decline", ["1(a)"]) and result["missing"] == []
        seller = person("S", "seller", EIGHTEEN_TOMORROW)
        assert brief(one([seller, AGELESS_BUYER], "selling_sex", "S")) == ("protect", ["4"])


class TestRule10ThirdPartyExchange:
    # L268 before L271: a minor seller beats an aggravating fact.
    def test_minor_seller_before_aggravating(self) -> None:
        result = one([YOUNG_SELLER, MANAGER], "solicitation", "M", facts=[fact("coercion", "M", "S")])
        assert brief(result) == ("charge", ["3"])

    # L269: unresolved, one of them a minor → review (with).
    def test_unresolved_with_a_minor(self) -> None:
        young = person("Y", "seller", SIXTEEN)
        assert needs(one([SELLER, young, FRIEND], "buying_sex", "F")) == [("F", "with")]

    # L270 before L271: the seller's unknown age is asked even when P coerced her.
    def test_unknown_age_before_aggravating(self) -> None:
        result = one([AGELESS_SELLER, FRIEND], "buying_sex", "F", facts=[fact("coercion", "F", "S")])
        assert needs(result) == [("S", "age")]

    # L204-205, L271: a trafficking fact by P is aggravating → discretion.
    def test_a_trafficking_fact_is_aggravating(self) -> None:
        result = one([SELLER, MANAGER, FRIEND], "solicitation", "M", facts=[fact("trafficking", "M", "F")])
        assert brief(result) == ("discretion", ["5"])

    # L272.
    def test_decline(self) -> None:
        assert brief(one([SELLER, FRIEND], "selling_sex", "F")) == ("decline", ["1(a)"])


class TestRule11And12:
    # L273: promoting a minor → charge (3) under both profiles.
    @both
    def test_promoting_a_minor_named_by_with(self, policy: str) -> None:
        young = person("Y", "seller", SIXTEEN)
        assert brief(one([SELLER, young, MANAGER], "promoting", "M", with_="Y", policy=policy)) == ("charge", ["3"])

    # L274: unresolved with a minor → review (with).
    @both
    def test_promoting_unresolved_with_a_minor(self, policy: str) -> None:
        young = person("Y", "seller", SIXTEEN)
        assert needs(one([SELLER, young, MANAGER], "promoting", "M", policy=policy)) == [("M", "with")]

    # L275: promoting an adult, unlicensed massage, other → discretion (fjp).
    @pytest.mark.parametrize("offense", ["promoting", "unlicensed_massage", "other", *QOL])
    def test_everything_else(self, offense: str) -> None:
        assert brief(one([SELLER, MANAGER], offense, "M")) == ("discretion", ["5"])


# -------------------------------------------------------------------------------------- community profile


class TestCommunity:
    # L301-304: promoting by anyone (a buyer here) → the guide's heading alone.
    def test_a_buyer_charged_with_promoting(self) -> None:
        assert brief(one([SELLER, BUYER], "promoting", "B", policy=GUIDE)) == ("decline", [GUIDE_THIRD_PARTY])

    # L302-303: the seller's unknown age → review (age); an aggravating fact by P → discretion.
    def test_third_party_bullets(self) -> None:
        assert needs(one([AGELESS_SELLER, MANAGER], "promoting", "M", policy=GUIDE)) == [("S", "age")]
        result = one([SELLER, MANAGER, BUYER], "promoting", "M", facts=[fact("theft", "M", "B")], policy=GUIDE)
        assert brief(result) == ("discretion", ["5"])

    # L302 with L193-194: an unresolved seller of unknown age → review (with) (the guide's rule is rule 10's).
    def test_unresolved_seller_of_unknown_age(self) -> None:
        result = one([SELLER, person("Y", "seller", None), MANAGER], "promoting", "M", policy=GUIDE)
        assert needs(result) == [("M", "with")]

    # L305-307: every quality-of-life offense and unlicensed massage, any role.
    @pytest.mark.parametrize("offense", [*QOL, "unlicensed_massage"])
    @pytest.mark.parametrize("holder", ["S", "B", "M"])
    def test_quality_of_life_decline(self, offense: str, holder: str) -> None:
        result = one([SELLER, BUYER, MANAGER], offense, holder, policy=GUIDE)
        assert brief(result) == ("decline", [GUIDE_QUALITY_OF_LIFE])
        assert result["exception_allowed"] is True

    # L204-205, L306: sought_minor by a buyer is aggravating → discretion.
    def test_quality_of_life_with_an_aggravating_fact(self) -> None:
        result = one([SELLER, BUYER], "public_nuisance", "B", facts=[fact("sought_minor", "B")], policy=GUIDE)
        assert brief(result) == ("discretion", ["5"])

    # L298-299: rules 1-9 come first: a minor seller's loitering is protected (4), a marked trespass is 1(a).
    def test_the_model_rules_come_first(self) -> None:
        assert brief(one([YOUNG_SELLER, BUYER], "loitering_for_prostitution", "S", policy=GUIDE)) == \
            ("protect", ["4"])
        result = one([SELLER, BUYER], "trespass", "S", arose_from_exchange=True, policy=GUIDE)
        assert brief(result) == ("decline", ["1(a)"])

    # L298-307: violence, trafficking and other offenses keep the model policy's rules.
    def test_other_offenses_unchanged(self) -> None:
        assert brief(one([SELLER, MANAGER], "other", "M", policy=GUIDE)) == ("discretion", ["5"])
        assert brief(one([SELLER, MANAGER], "assault", "M", policy=GUIDE)) == ("charge", ["2"])
        assert needs(one([SELLER, MANAGER], "trafficking", "M", policy=GUIDE)) == [("M", "trafficking_conduct")]

    # L316-318: a guide heading is quoted with the guide's sentence, attributed to the guide.
    def test_guide_quote_and_attribution(self) -> None:
        result = one([SELLER, MANAGER], "promoting", "M", policy=GUIDE)
        assert result["quote"].startswith("Decline prosecution of 'third party' charges\n\n")
        assert "the community guide's “Decline prosecution of 'third party' charges”" in said(result)


# ------------------------------------------------------------------------------------------ record relief


class TestRecordRelief:
    # L177-178: null for pending and filed.
    @pytest.mark.parametrize("status", ["pending", "filed"])
    def test_present_charges_have_none(self, status: str) -> None:
        assert relief(one([SELLER, BUYER], "selling_sex", "S", status=status)) == (None, [])

    # L286-288: protect → the first protection; decline → ["6"].
    @pytest.mark.parametrize("status", PAST)
    def test_protect_and_decline(self, status: str) -> None:
        young = person("S", "seller", SIXTEEN, trafficking_victim=True)
        assert relief(one([young, BUYER], "solicitation", "S", status=status)) == ("do_not_contest", ["4"])
        flagged = person("M", "third_party", ADULT, trafficking_victim=True)
        assert relief(one([SELLER, flagged], "buying_sex", "M", status=status)) == ("do_not_contest", ["3"])
        assert relief(one([SELLER, BUYER], "solicitation", "B", status=status)) == ("do_not_contest", ["6"])

    # L285: not exchange-related → not_eligible, even when protected (fjp).
    def test_a_protected_drug_record_is_not_eligible_under_fjp(self) -> None:
        result = one([SELLER, BUYER], "drug_possession", "S", facts=[fact("force", "B", "S")], status="convicted")
        assert brief(result) == ("protect", ["2"]) and relief(result) == ("not_eligible", [])

    # L289-291: a seller's own unknown age → ["4", "6"], unless violence by P or a minor counterparty.
    def test_the_sellers_own_unknown_age(self) -> None:
        assert relief(one([AGELESS_SELLER, BUYER], "solicitation", "S", status="dismissed")) == \
            ("do_not_contest", ["4", "6"])
        assert relief(one([AGELESS_SELLER, YOUNG_BUYER], "solicitation", "S", status="dismissed")) == \
            ("review", [])
        result = one([AGELESS_SELLER, BUYER], "solicitation", "S", status="dismissed",
                     facts=[fact("physical_assault", "S", "B")])
        assert relief(result) == ("review", [])

    # L291: any other review → review (a buyer's unknown age; possible trafficking).
    def test_other_reviews(self) -> None:
        assert relief(one([SELLER, AGELESS_BUYER], "buying_sex", "B", status="convicted")) == ("review", [])
        result = one([SELLER, MANAGER], "selling_sex", "S", facts=[fact("coercion", "M", "S")], status="arrest_only")
        assert relief(result) == ("review", [])

    # L292-294: charge → not_eligible; discretion → review for a minor, else not_eligible.
    def test_charge_and_discretion(self) -> None:
        assert relief(one([YOUNG_SELLER, BUYER], "buying_sex", "B", status="convicted")) == ("not_eligible", [])
        assert relief(one([SELLER, YOUNG_BUYER], "buying_sex", "B", status="convicted")) == ("review", [])
        assert relief(one([SELLER, BUYER], "buying_sex", "B", status="convicted",
                          facts=[fact("force", "B")])) == ("not_eligible", [])

    # L309-314: under the guide, promoting / quality of life / massage follow their decision with the guide's
    # heading; exchange-related records keep ["6"]; violence, trafficking, buying from a minor, other stay out.
    def test_guide_relief(self) -> None:
        def r(people: list[dict[str, Any]], offense: str, holder: str, **extra: Any) -> tuple[str | None, list[str]]:
            return relief(one(people, offense, holder, policy=GUIDE, status="convicted", **extra))

        assert r([SELLER, MANAGER], "promoting", "M") == ("do_not_contest", [GUIDE_DROP])
        assert r([SELLER, BUYER], "unlicensed_massage", "S") == ("do_not_contest", [GUIDE_DROP])
        assert r([SELLER, BUYER], "vagrancy", "S", facts=[fact("refused_to_pay", "B", "S")]) == \
            ("do_not_contest", [GUIDE_DROP])
        assert r([SELLER, BUYER], "other", "S", arose_from_exchange=True) == ("do_not_contest", ["6"])
        assert r([SELLER, BUYER], "other", "S") == ("not_eligible", [])
        assert r([SELLER, MANAGER], "robbery", "M") == ("not_eligible", [])
        assert r([SELLER, MANAGER], "trafficking", "M", facts=[fact("trafficking", "M", "S")]) == \
            ("not_eligible", [])
        assert r([YOUNG_SELLER, BUYER], "buying_sex_from_minor", "B") == ("not_eligible", [])
        young = person("M", "third_party", SIXTEEN)
        assert r([SELLER, young], "obscenity", "M", facts=[fact("theft", "M", "S")]) == ("review", [])
        assert r([SELLER, MANAGER], "obscenity", "M", facts=[fact("theft", "M", "S")]) == ("not_eligible", [])


# ---------------------------------------------------------------------------------------------- exceptions


class TestExceptions:
    # L277-279, L128-129: an approval on a filed decline → charge ["8"], its ground named, "recorded in the input".
    @pytest.mark.parametrize(("ground", "words"), [
        ("prevent_trafficking", "“charges would have a direct impact on preventing trafficking”"),
        ("protect_victim", "“necessary to protect the safety and health of a victim”"),
        ("other", "another exceptional circumstance")])
    @both
    def test_approved_on_a_filed_decline(self, ground: str, words: str, policy: str) -> None:
        result = one([SELLER, BUYER], "solicitation", "B", status="filed", policy=policy,
                     exceptions=(exception("1", "approved", ground),))
        assert brief(result) == ("charge", ["8"])
        assert result["quote"] == quote_of(policy, "8")
        assert result["exception_allowed"] is False
        assert words in said(result) and "recorded in the input" in said(result)
        assert "_" not in said(result)  # never the ground's identifier

    # L277-279: draft, submitted and denied leave the decline as it is, still open to an exception.
    @pytest.mark.parametrize("status", ["draft", "submitted", "denied"])
    def test_other_states_leave_the_decline(self, status: str) -> None:
        result = one([SELLER, BUYER], "selling_sex", "S", exceptions=(exception("1", status, "protect_victim"),))
        assert brief(result) == ("decline", ["1(a)"]) and result["exception_allowed"] is True

    # L127-128: the last entry for a charge is its current state, in list order.
    def test_the_last_entry_wins(self) -> None:
        later_denied = (exception("1", "approved", "other"), exception("1", "denied", "other"))
        assert brief(one([SELLER], "selling_sex", "S", exceptions=later_denied)) == ("decline", ["1(a)"])
        later_approved = (exception("1", "denied"), exception("1", "approved", "other"))
        assert brief(one([SELLER], "selling_sex", "S", exceptions=later_approved)) == ("charge", ["8"])

    # L279, L170: an approval on a decision other than a decline changes nothing and is named with why, in words.
    @pytest.mark.parametrize(("people", "offense", "holder", "decision"), [
        ([SELLER, MANAGER], "promoting", "M", "discretion"),
        ([YOUNG_SELLER, BUYER], "buying_sex", "B", "charge"),
        ([AGELESS_SELLER, BUYER], "selling_sex", "S", "review"),
        ([YOUNG_SELLER, BUYER], "selling_sex", "S", "protect")])
    def test_approval_on_another_decision(self, people: list[dict[str, Any]], offense: str, holder: str,
                                          decision: str) -> None:
        result = one(people, offense, holder, exceptions=(exception("1", "approved", "protect_victim"),))
        assert result["decision"] == decision and result["sections"] != ["8"]
        (sentence,) = [s for s in result["reasons"] if "exception" in s]
        assert "cannot apply" in sentence and "only to charges the policy declines" in sentence
        assert f"the decision on this charge is {decision} (" in sentence  # the decision, explained in words

    # L173-176, L169-170: an approval on the decline of a possible victim (a manager a buyer stole from: theft is
    # not rule 2's) cannot apply, and the reasons say why.
    def test_approval_on_a_possible_victims_decline(self) -> None:
        result = one([SELLER, MANAGER, BUYER], "solicitation", "M", facts=[fact("theft", "B", "M")],
                     exceptions=(exception("1", "approved", "prevent_trafficking"),))
        assert brief(result) == ("decline", ["1(b)"])
        assert "cannot apply" in said(result) and "Vic Stone (M) may be a victim" in said(result)

    # L173-174: a section 8 request means nothing for a past record.
    @pytest.mark.parametrize("status", PAST)
    def test_approval_on_a_past_record(self, status: str) -> None:
        result = one([SELLER, BUYER], "buying_sex", "B", status=status,
                     exceptions=(exception("1", "approved", "other"),))
        assert brief(result) == ("decline", ["1(a)"])
        assert relief(result) == ("do_not_contest", ["6"])  # L283: relief ignores exceptions
        assert "past record" in said(result)

    # L35-36: "Sections 1 and 8 still apply" without "presumptively".
    @both
    def test_approval_without_presumptive(self, policy: str) -> None:
        result = one([SELLER, MANAGER], "promoting", "M", policy=policy, presumptive=False,
                     exceptions=(exception("1", "approved", "other"),))
        expected = ("charge", ["8"]) if policy == GUIDE else ("discretion", ["5"])
        assert brief(result) == expected
        assert "presumptively" not in said(result)

    # L277: an exception on one charge does not touch another charge of the same person.
    def test_one_charge_only(self) -> None:
        raw = make_case([SELLER, BUYER], [charge("1", "S", "selling_sex"), charge("2", "S", "solicitation")],
                        exceptions=[exception("1", "approved", "other")])
        out = screen(raw)["charges"]
        assert [brief(c) for c in out] == [("charge", ["8"]), ("decline", ["1(b)"])]


# ------------------------------------------------------------------------------------------------- ages


class TestAges:
    # L87-88: someone born on 29 February is 18 on 1 March of a common year, not on 28 February.
    @pytest.mark.parametrize(("offense_date", "decision"), [("2026-02-28", "protect"), ("2026-03-01", "decline")])
    def test_leap_day_birthday(self, offense_date: str, decision: str) -> None:
        seller = person("S", "seller", "2008-02-29")
        assert one([seller], "selling_sex", "S", offense_date=offense_date)["decision"] == decision

    # L85-86: everyone's age (the counterparty's too) is taken on the charge's offense date.
    def test_the_counterpartys_age_on_the_offense_date(self) -> None:
        seller = person("S", "seller", "2008-06-01")  # 17 on the incident date, 18 on 1 June 2026
        assert brief(one([seller, BUYER], "buying_sex", "B")) == ("charge", ["4"])
        assert brief(one([seller, BUYER], "buying_sex", "B", offense_date="2026-06-01")) == ("decline", ["1(a)"])

    # L88-89: an age alone, a range across the offense date: "under 18" for the whole range (16 or 17).
    def test_an_age_range_wholly_under_18(self) -> None:
        seller = person("S", "seller", None, age=16, name="Rosa Lind")
        result = one([seller, BUYER], "selling_sex", "S", offense_date="2026-09-14")
        assert brief(result) == ("protect", ["4"])
        assert "Rosa Lind (S) was 16 or 17 on 2026-09-14, under 18." in result["reasons"]

    # L88-89: a range straddling 18 is an unknown age (the words say so).
    def test_an_age_range_across_18(self) -> None:
        seller = person("S", "seller", None, age=17, name="Rosa Lind")
        result = one([seller, BUYER], "selling_sex", "S", offense_date="2026-09-14")
        assert needs(result) == [("S", "age")]
        assert "Rosa Lind (S) was 17 or 18 on 2026-09-14: whether they were under 18 is not known." in \
            result["reasons"]

    # L88-89: an earlier offense date can make an adult "by age" a minor then.
    def test_an_age_range_before_the_incident(self) -> None:
        seller = person("S", "seller", None, age=18)
        assert brief(one([seller], "selling_sex", "S", offense_date="2025-01-01")) == ("protect", ["4"])

    # L84, L42: both date of birth and age, agreeing: the date of birth decides the offense-date age exactly.
    def test_both_given_and_agreeing(self) -> None:
        seller = person("S", "seller", "2008-09-01", age=17)
        assert brief(one([seller], "selling_sex", "S", offense_date="2026-09-01")) == ("decline", ["1(a)"])

    # L88: an age given on a leap-day incident date.
    def test_age_on_a_leap_day_incident(self) -> None:
        raw = make_case([person("S", "seller", None, age=17)],
                        [charge("1", "S", "selling_sex", offense_date="2025-02-28")], incident="2024-02-29")
        assert decide(raw, "1")["decision"] == "decline"  # born 2006-03-01 to 2007-02-28: 18 on 2025-02-28


# ------------------------------------------------------------------------------------------------ reasons


def _busy() -> dict[str, Any]:
    return make_case(
        [SELLER, person("S2", "seller", SIXTEEN, name="Kim Vale"), BUYER, MANAGER, FRIEND,
         person("T", "seller", ADULT, name="Ana Cruz", trafficking_victim=True)],
        [charge("1", "S", "trespass", "B", arose_from_exchange=True, status="dismissed"),
         charge("2", "B", "buying_sex", "S2"), charge("3", "M", "promoting", "S"), charge("4", "B", "assault"),
         charge("5", "S2", "robbery"), charge("6", "T", "unlicensed_massage", arose_from_exchange=True),
         charge("7", "F", "selling_sex", "S"), charge("8", "M", "trafficking"), charge("9", "S", "homicide"),
         charge("10", "B", "buying_sex_from_minor"), charge("11", "F", "vagrancy", status="convicted"),
         charge("12", "F", "public_nuisance", "S", arose_from_exchange=True, status="arrest_only")],
        facts=[fact("non_consensual_act", "B", "S"), fact("coercion", "M", "T"), fact("theft", "F", "M"),
               fact("trafficking", "M", "T")],
        exceptions=[exception("2", "approved", "protect_victim"), exception("6", "draft")],
    )


IDENTIFIERS = sorted({*(o for o in OFFENSES if "_" in o), *(f for f in FACT_TYPES if "_" in f), "third_party",
                      "protect_victim", "prevent_trafficking", "compelled_conduct", "trafficking_status",
                      "trafficking_conduct", "minor_evidence", "arose_from_exchange", "trafficking_victim",
                      "do_not_contest", "not_eligible", "offense_date"}, key=len, reverse=True)


class TestReasons:
    # L164-165: plain words, never the format's identifiers.
    @both
    def test_no_identifiers(self, policy: str) -> None:
        for c in screen(_busy(), policy)["charges"]:
            text = " ".join(c["reasons"])
            assert not [w for w in IDENTIFIERS if w in text], (c["charge"], text)

    # L165: each fact once (no sentence twice; the mark arose_from_exchange stated once, L118-121).
    @both
    def test_each_fact_once(self, policy: str) -> None:
        for c in screen(_busy(), policy)["charges"]:
            assert len(set(c["reasons"])) == len(c["reasons"]), c
            assert " ".join(c["reasons"]).count("arose from an exchange of sex for something of value") <= 1, c

    # L118-121, L165: a marked charge says it arose from an exchange in the opening sentence, once, in one
    # grammatical sentence even when the charge was dismissed.
    def test_the_mark_is_stated_once(self) -> None:
        result = decide(_busy(), "1")
        assert result["reasons"][0] == ("Rosa Lind (S), the seller in this case, was charged with trespass (the "
                                        "charge was dismissed); the record shows it arose from an exchange of sex "
                                        "for something of value.")
        assert said(result).count("arose from an exchange") == 1

    # L166-169: every charge of a possible victim states why, whatever the rule.
    @both
    def test_every_possible_victim_is_told(self, policy: str) -> None:
        out = {c["charge"]: c for c in screen(_busy(), policy)["charges"]}
        assert "Kim Vale (S2) was 16 on 2026-03-14, under 18." in out["5"]["reasons"]
        assert "Ana Cruz (T) is recorded as a victim of trafficking." in out["6"]["reasons"]
        assert "Ana Cruz (T) is the victim of coercion by Vic Stone (M)." in out["6"]["reasons"]
        assert "Ana Cruz (T) is the victim of trafficking by Vic Stone (M)." in out["6"]["reasons"]
        assert "Vic Stone (M) is the victim of theft by Pat Lowe (F)." in out["3"]["reasons"]
        assert "Rosa Lind (S) is the victim of a sexual act without consent by Carl Dunn (B)." in out["9"]["reasons"]
        for cid, who in (("5", "Kim Vale (S2)"), ("6", "Ana Cruz (T)"), ("3", "Vic Stone (M)"), ("8", "Vic Stone (M)"),
                         ("9", "Rosa Lind (S)"), ("1", "Rosa Lind (S)")):
            assert f"The record shows that {who} may be a victim." in out[cid]["reasons"], cid

    # L165: sentences name the people by name and id; "several sellers" is plural.
    def test_a_case_with_two_sellers_says_sellers(self) -> None:
        result = one([SELLER, SELLER2, MANAGER], "assault", "M")
        assert "The case records sellers: Rosa Lind (S), Kim Vale (S2)." in result["reasons"]
        result = one([SELLER, MANAGER], "assault", "M")
        assert "The case records a seller: Rosa Lind (S)." in result["reasons"]

    # L169-170: an approval that cannot apply (on a charge the policy directs) is named, with why.
    def test_an_approval_that_cannot_apply(self) -> None:
        result = decide(_busy(), "2")
        assert brief(result) == ("charge", ["4"])
        (sentence,) = [s for s in result["reasons"] if "approved" in s]
        assert sentence.startswith("An approved section 8 exception for this charge is recorded in the input, on "
                                   "the ground “necessary to protect the safety and health of a victim”, but it "
                                   "cannot apply: ")

    # L170-172: a lettered subsection is quoted with its section's opening words.
    def test_lettered_quotes(self) -> None:
        result = one([SELLER, BUYER], "buying_sex", "B", facts=[fact("condom_refusal", "B", "S")])
        assert result["quote"].startswith("This office will continue to file — and to vigorously pursue —")
        assert result["quote"].endswith("(c) A buyer refused to use a condom despite a sex worker’s expressed wishes;")
        result = one([SELLER, BUYER], "loitering_for_prostitution", "S")
        assert result["quote"].startswith("Absent extenuating circumstances warranting an exception (as discussed "
                                          "herein), this office will not file criminal charges based solely on:")
        assert result["quote"].endswith("(b) the solicitation of such an exchange.")

    # L35-36: no "presumptively" anywhere without it; every decline has it with it.
    @both
    def test_presumptive_word(self, policy: str) -> None:
        for presumptive in (True, False):
            for c in screen(_busy(), policy, presumptive)["charges"]:
                has = "presumptively" in " ".join(c["reasons"])
                assert has is (presumptive and c["decision"] == "decline"), c


# --------------------------------------------------------------------------------------- the command line


def _cli_case() -> dict[str, Any]:
    return make_case([SELLER, BUYER, MANAGER],
                     [charge("1", "S", "selling_sex", "B", status="convicted"), charge("2", "M", "promoting"),
                      charge("3", "B", "assault")],
                     facts=[fact("physical_assault", "B", "S")], incident="2019-05-01")


class TestCommandLine:
    # L28, L177-181: JSON carries relief_sections on every charge.
    def test_json(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        done = run_main(capsys, "screen", str(write_case(tmp_path, _cli_case())))
        assert done.returncode == 0, done.stderr
        out = json.loads(done.stdout)
        assert [(c["decision"], c["record_relief"], c["relief_sections"]) for c in out["charges"]] == [
            ("protect", "do_not_contest", ["2"]), ("discretion", None, []), ("charge", None, [])]

    # L28, L316-318: the text format names each relief ground, cites in words, and attributes guide text to the
    # guide (never "Policy, section guide: …").
    def test_text(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        path = str(write_case(tmp_path, _cli_case()))
        text = run_main(capsys, "screen", path, "--format", "text").stdout
        assert "  Record relief: do not contest (ground: section 2)" in text
        assert "  Decision: CHARGE — sections 2(a) and 2" in text
        text = run_main(capsys, "screen", path, "--format", "text", "--policy", GUIDE).stdout
        assert "  Decision: DECLINE — the community guide's “Decline prosecution of 'third party' charges”" in text
        assert "  Community guide, “Decline prosecution of 'third party' charges”:" in text
        assert "section guide:" not in text

    # L35-36.
    def test_no_presumptive(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        raw = make_case([SELLER], [charge("1", "S", "solicitation")])
        done = run_main(capsys, "screen", str(write_case(tmp_path, raw)), "--no-presumptive", "--format", "text")
        assert done.returncode == 0 and "DECLINE" in done.stdout
        assert "will decline" in done.stdout and "presumptively decline" not in done.stdout
        out = json.loads(run_main(capsys, "screen", str(write_case(tmp_path, raw)), "--no-presumptive").stdout)
        assert out["policy"]["presumptive"] is False

    # L37-43: bad input: exit 2, one message naming the field, nothing on standard output.
    @pytest.mark.parametrize(("mutate", "fragments"), [
        (lambda r: r.update(incident_date="2026-04-31"), ("incident_date", "2026-04-31")),
        (lambda r: r["people"][0].update(date_of_birth="1988/07/19"), ("people[0].date_of_birth",)),
        (lambda r: r["charges"][0].update(offense_date="2026-02-29"), ("charges[0].offense_date",)),
        (lambda r: r["people"][1].update(role="client"), ("people[1].role", "client")),
        (lambda r: r["charges"][0].update(offense="prostitution"), ("charges[0].offense", "prostitution")),
        (lambda r: r["charges"][0].update(status="open"), ("charges[0].status", "open")),
        (lambda r: r["people"][0].update(nickname="R"), ("people[0].nickname", "unknown key")),
        (lambda r: r["charges"].append(charge("1", "B", "solicitation")), ("charges[1].id", "duplicate")),
        (lambda r: r["people"].append(person("S", "buyer")), ("people[2].id", "duplicate")),
        (lambda r: r["charges"][0].update(person="X"), ("charges[0].person", "'X'")),
        (lambda r: r["charges"][0].update(**{"with": "X"}), ("charges[0].with", "'X'")),
        (lambda r: r["charges"][0].update(**{"with": "S"}), ("charges[0].with",)),
        (lambda r: r.update(facts=[fact("theft", "X", "S")]), ("facts[0].by", "'X'")),
        (lambda r: r.update(facts=[fact("force", "B", "X")]), ("facts[0].against", "'X'")),
        (lambda r: r.update(exceptions=[exception("9", "draft")]), ("exceptions[0].charge", "'9'")),
        (lambda r: r.update(exceptions=[exception("1", "approved")]), ("exceptions[0].ground",)),
        (lambda r: r.update(exceptions=[exception("1", "approved", "public_safety")]), ("exceptions[0].ground",)),
        (lambda r: r["people"][0].update(age=30), ("people[0].age",)),
        (lambda r: r.update(facts=[fact("sought_minor", "S")]), ("facts[0].by",)),
        (lambda r: r.update(facts=[fact("knowingly_purchased_from_trafficked", "S", "B")]), ("facts[0].by",)),
        (lambda r: r["charges"][0].update(arose_from_exchange=True), ("charges[0].arose_from_exchange",)),
        (lambda r: r["charges"].append(charge("2", "B", "homicide", arose_from_exchange=True)),
         ("charges[1].arose_from_exchange",)),
        (lambda r: r["people"].append(person("S2", "seller")) or r["charges"].append(
            charge("2", "S", "solicitation", "S2")), ("charges[1].with", "seller")),
        (lambda r: r["people"].append(person("B2", "buyer")) or r["charges"].append(
            charge("2", "B", "promoting", "B2")), ("charges[1].with",)),
        (lambda r: r.pop("case_number"), ("case_number", "required")),
        (lambda r: r["charges"][0].pop("offense"), ("charges[0].offense", "required")),
        (lambda r: r.update(facts=[fact("non_consensual_act", "B")]), ("facts[0].against", "required")),
    ])
    def test_bad_input(self, tmp_path: Path, capsys: pytest.CaptureFixture[str], mutate: Any,
                       fragments: tuple[str, ...]) -> None:
        raw = copy.deepcopy(make_case([SELLER, BUYER], [charge("1", "S", "selling_sex", "B")]))
        mutate(raw)
        done = run_main(capsys, "screen", str(write_case(tmp_path, raw)))
        assert_bad_input(done, *fragments)

    # L37-38: unreadable file and invalid JSON.
    def test_unreadable_and_invalid(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        assert_bad_input(run_main(capsys, "screen", str(tmp_path / "missing.json")), "missing.json")
        assert_bad_input(run_main(capsys, "screen", str(write_case(tmp_path, '{"case_number": "1",'))), "JSON")

    # L44-45: in .jsonl a bad line gives {"line": N, "error": …}, the same message on standard error, the other
    # lines their decisions, exit 2 at the end.
    def test_jsonl_with_bad_lines(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        good = make_case([SELLER], [charge("1", "S", "selling_sex")])
        bad_role = make_case([person("S", "seller")], [charge("1", "S", "selling_sex")])
        bad_role["people"][0]["role"] = "vendor"
        lines = [json.dumps(good), "not json", json.dumps(bad_role), json.dumps(good | {"case_number": "2"})]
        path = tmp_path / "many.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        done = run_main(capsys, "screen", str(path))
        assert done.returncode == 2
        out = [json.loads(x) for x in done.stdout.splitlines()]
        assert len(out) == 4
        assert out[0]["case_number"] == "26-CR-0142" and out[3]["case_number"] == "2"
        assert out[1]["line"] == 2 and out[2]["line"] == 3
        assert "people[0].role" in out[2]["error"]
        assert done.stderr.splitlines() == [out[1]["error"], out[2]["error"]]


# ------------------------------------------------------------------------- a second reading of the rules

_VICTIM = VICTIM_FACTS
_FTC = {"force", "theft", "coercion"}
_VIOLENT_FACTS = {*_VICTIM, *_FTC}
_EXCHANGE = {"selling_sex", "buying_sex", "solicitation", "loitering_for_prostitution"}
_QOL = {"loitering_for_prostitution", *QOL}


def _age_word(case: dict[str, Any], pid: str, on: date) -> str:
    """L84-89: "minor", "adult" or "unknown", by trying every date of birth an age alone allows."""
    p = next(q for q in case["people"] if q["id"] == pid)

    def years(born: date, day: date) -> int:
        md = (born.month, born.day)
        if md == (2, 29) and not (day.year % 4 == 0 and (day.year % 100 != 0 or day.year % 400 == 0)):
            md = (3, 1)
        return day.year - born.year - ((day.month, day.day) < md)

    if p.get("date_of_birth"):
        ages = [years(date.fromisoformat(p["date_of_birth"]), on)]
    elif p.get("age") is not None:
        incident = date.fromisoformat(case["incident_date"])
        start = date(incident.year - p["age"] - 2, 1, 1)
        ages = [years(start + timedelta(days=i), on) for i in range(1100)
                if start + timedelta(days=i) <= incident and years(start + timedelta(days=i), incident) == p["age"]]
    else:
        return "unknown"
    return "minor" if max(ages) < 18 else "adult" if min(ages) >= 18 else "unknown"


def _spec_reading(case: dict[str, Any], guide: bool) -> list[tuple[Any, ...]]:
    """Rules 1-12, the guide's two rules, exceptions and record relief, read plainly from the spec."""
    return [_read_charge(case, c, guide) for c in case["charges"]]


def _read_charge(case: dict[str, Any], c: dict[str, Any], guide: bool) -> tuple[Any, ...]:
    """One charge: (decision, sections or None, need, exception_allowed, (relief, ground), possible victim)."""
    role = {q["id"]: q["role"] for q in case["people"]}
    flag = {q["id"]: bool(q.get("trafficking_victim")) for q in case["people"]}
    facts = case.get("facts", [])
    current = {e["charge"]: e for e in case.get("exceptions", [])}
    p, off = c["person"], c["offense"]
    on = date.fromisoformat(c.get("offense_date") or case["incident_date"])

    def age(x: str, on: date = on) -> str:
        return _age_word(case, x, on)

    exch = off in _EXCHANGE or bool(c.get("arose_from_exchange"))
    against = [(f["type"], f["by"]) for f in facts if f.get("against") == p]
    by = [(f["type"], f.get("against")) for f in facts if f["by"] == p]

    def trafficked(x: str) -> bool:
        return flag[x] or any(f["type"] == "trafficking" and f.get("against") == x for f in facts)

    target = counterparty_role(off, role[p], bool(c.get("arose_from_exchange")))
    cands = [x for x in role if role[x] == target and x != p] if target else []
    cp = c.get("with") or (cands[0] if len(cands) == 1 else None)
    unresolved = not c.get("with") and len(cands) > 1
    cp_age = age(cp) if cp else None
    un_minor = unresolved and any(age(x) == "minor" for x in cands)
    un_unknown = unresolved and any(age(x) == "unknown" for x in cands)
    minor = age(p) == "minor"
    harm_against = any(t in _VICTIM or (t in _FTC and role[b] == "buyer") for t, b in against)
    possible = trafficked(p) or (role[p] != "buyer" and minor) or \
        any(t in _VIOLENT_FACTS or t == "trafficking" for t, _ in against)
    violence_by = any(t in _VIOLENT_FACTS for t, _ in by)
    harm_by = any(t in _VIOLENT_FACTS and a is not None and role[a] == "seller" for t, a in by)
    aggravating = violence_by or any(t in ("trafficking", "knowingly_purchased_from_trafficked", "sought_minor")
                                     for t, _ in by)
    letters = [LETTER[v] for v in _VICTIM if any(t == v and a and role[a] == "seller" for t, a in by)]
    sought = any(t == "sought_minor" for t, _ in by)
    prot = [s for s, holds in (("4", role[p] != "buyer" and minor and exch),
                               ("3", role[p] != "buyer" and trafficked(p) and exch),
                               ("2", role[p] == "seller" and harm_against)) if holds]
    s1 = ["1(b)"] if off in ("solicitation", "loitering_for_prostitution") else ["1(a)"]

    def third_party(declined: list[str]) -> tuple[str, Any, str]:
        if cp_age == "minor":
            return "charge", ["3"], ""
        if un_minor or un_unknown:
            return "review", None, "with"
        if cp_age == "unknown":
            return "review", None, "age"
        if aggravating:
            return "discretion", ["5"], ""
        return "decline", declined, ""

    def rules() -> tuple[str, Any, str]:  # decision, sections (None: not compared), need
        if prot:
            if prot == ["2"] and (off in VIOLENCE or violence_by):
                return "review", None, "aggressor"
            return "protect", prot, ""
        if role[p] != "buyer" and exch and any(t in ("force", "coercion") for t, _ in against):
            return "review", None, "trafficking_status"
        if off in ("promoting", "trafficking", *VIOLENCE) and (
                trafficked(p) or (role[p] != "buyer" and minor)
                or any(t in ("force", "coercion") and role[b] != "buyer" for t, b in against)):
            return "review", None, "compelled_conduct"
        if off in VIOLENCE:
            if any(t in _VICTIM or t in ("force", "theft") for t, _ in against):
                return "review", None, "aggressor"
            if "seller" in role.values():
                return "charge", [*letters, "2"] if role[p] == "buyer" else ["2"], ""
            return "discretion", ["5"], ""
        if off == "trafficking":
            if any(t == "trafficking" for t, _ in by):
                return "charge", ["3"], ""
            return "review", None, "trafficking_conduct"
        if minor and (exch or off == "buying_sex_from_minor"):
            return ("charge", [*letters, "2"], "") if harm_by else ("discretion", ["5"], "")
        if off == "buying_sex_from_minor":
            if sought or cp_age == "minor":
                return ("review", None, "age") if age(p) == "unknown" else ("charge", ["4"], "")
            if unresolved:
                return "review", None, "with"
            if cp is None:
                return "review", None, "minor_evidence"
            return ("review", None, "age") if cp_age == "unknown" else ("review", None, "minor_evidence")
        if exch and role[p] == "buyer":
            if sought or cp_age == "minor":
                return ("review", None, "age") if age(p) == "unknown" else ("charge", ["4"], "")
            if un_minor or un_unknown:
                return "review", None, "with"
            if any(t == "knowingly_purchased_from_trafficked" for t, _ in by):
                return "charge", ["3"], ""
            if harm_by:
                return "charge", [*letters, "2"], ""
            if violence_by or (cp is not None and trafficked(cp)):
                return "discretion", ["5"], ""
            if unresolved:
                return "review", None, "with"
            if age(p) == "unknown" or cp_age == "unknown":
                return "review", None, "age"
            return "decline", s1, ""
        if exch and role[p] == "seller":
            if age(p) == "unknown":
                return "review", None, "age"
            if violence_by or cp_age == "minor":
                return "discretion", ["5"], ""
            if un_minor:
                return "review", None, "with"
            return "decline", s1, ""
        if guide and (off == "promoting" or (exch and role[p] in ("third_party", "other"))):
            return third_party([GUIDE_THIRD_PARTY])
        if guide and off in (*_QOL, "unlicensed_massage") and not exch:
            return ("discretion", ["5"], "") if aggravating else ("decline", [GUIDE_QUALITY_OF_LIFE], "")
        if exch:
            return third_party(s1)
        if off == "promoting" and cp_age == "minor":
            return "charge", ["3"], ""
        if off == "promoting" and un_minor:
            return "review", None, "with"
        return "discretion", ["5"], ""

    decision, sections, need = rules()
    base = decision
    past = c.get("status", "pending") in PAST
    allowed = decision == "decline" and not past and not possible
    entry = current.get(c["id"])
    if entry and entry["status"] == "approved" and allowed:
        decision, sections, allowed = "charge", ["8"], False
    record: tuple[str | None, list[str]] = (None, [])
    if past:
        covered = exch or (guide and off in ("promoting", *_QOL, "unlicensed_massage"))
        ground = [GUIDE_DROP] if guide and not exch else None
        if not covered or base == "charge":
            record = ("not_eligible", [])
        elif base == "protect":
            record = ("do_not_contest", ground or prot[:1])
        elif base == "decline":
            record = ("do_not_contest", ground or ["6"])
        elif base == "review":
            own_age = exch and role[p] == "seller" and age(p) == "unknown" and need == "age"
            calm = not (violence_by or cp_age == "minor" or un_minor)
            record = ("do_not_contest", ["4", "6"]) if own_age and calm else ("review", [])
        else:
            record = ("review", []) if minor else ("not_eligible", [])
    return (decision, sections, need, allowed, record, possible)


_ROLES = ["seller", "seller", "buyer", "buyer", "third_party", "other"]
_DOBS = ["1988-07-19", SIXTEEN, EIGHTEEN_TODAY, EIGHTEEN_TOMORROW, "2008-02-29", "2008-09-14"]
_DATES = ["2025-03-14", "2025-09-14", "2026-02-28", "2026-03-01", "2026-09-14", "2027-03-14"]


def _generated(rng: random.Random) -> dict[str, Any]:
    people = []
    for i in range(rng.randint(1, 4)):
        p: dict[str, Any] = {"id": f"P{i}", "role": rng.choice(_ROLES), "name": f"Person {i}"}
        k = rng.random()
        if k < 0.35:
            p["date_of_birth"] = rng.choice(_DOBS)
        elif k < 0.65:
            p["age"] = rng.choice([15, 16, 17, 18, 19, 40])
        if rng.random() < 0.15:
            p["trafficking_victim"] = True
        people.append(p)
    ids = [p["id"] for p in people]
    role = {p["id"]: p["role"] for p in people}
    facts = []
    for _ in range(rng.choice([0, 1, 1, 2, 3])):
        kind = rng.choice(FACT_TYPES)
        authors = [x for x in ids if role[x] == "buyer"] if kind in ("sought_minor",
                                                                     "knowingly_purchased_from_trafficked") else ids
        if not authors:
            continue
        author = rng.choice(authors)
        others = [x for x in ids if x != author]
        entry: dict[str, Any] = {"type": kind, "by": author}
        if others and (kind in (*_VICTIM, "trafficking") or rng.random() < 0.7):
            entry["against"] = rng.choice(others)
        elif kind in (*_VICTIM, "trafficking"):
            continue
        facts.append(entry)
    charges = []
    for j in range(rng.randint(1, 3)):
        holder, offense = rng.choice(ids), rng.choice(OFFENSES)
        c: dict[str, Any] = {"id": str(j), "person": holder, "offense": offense}
        if offense in (*_QOL, "unlicensed_massage", "other") and rng.random() < 0.3:
            c["arose_from_exchange"] = True
        if rng.random() < 0.35:
            c["status"] = rng.choice(["filed", *PAST])
        if rng.random() < 0.3:
            c["offense_date"] = rng.choice(_DATES)
        wanted = counterparty_role(offense, role[holder], bool(c.get("arose_from_exchange")))
        choices = [x for x in ids if role[x] == wanted and x != holder]
        if choices and rng.random() < 0.3:
            c["with"] = rng.choice(choices)
        charges.append(c)
    exceptions = [{"charge": rng.choice(charges)["id"], "status": status, "ground": rng.choice(
        ["prevent_trafficking", "protect_victim", "other"])}
        for status in rng.sample(["draft", "submitted", "approved", "denied"], rng.choice([0, 0, 1, 2]))]
    raw = make_case(people, charges, facts, exceptions)
    return raw


@pytest.mark.parametrize("seed", range(4))
def test_the_engine_agrees_with_a_plain_reading_of_the_spec(seed: int) -> None:
    """L212-314: decisions, sections, needs, exception_allowed, record relief and its ground, for both profiles,
    on generated cases (every role, age by date or by number, offense dates, facts, marks, statuses,
    exceptions); and the reasons tell every possible victim so (L166-169)."""
    rng = random.Random(seed)
    profiles = {policy: load_builtin(policy) for policy in PROFILES}
    for _ in range(600):
        raw = _generated(rng)
        case = parse_case(raw)
        for policy, profile in profiles.items():
            got = screen_case(case, profile).to_json()
            for c, (decision, sections, need, allowed, record, possible) in zip(
                    got["charges"], _spec_reading(raw, policy == GUIDE), strict=True):
                where = (policy, c["charge"], json.dumps(raw))
                assert c["decision"] == decision, where
                if sections is not None:
                    assert c["sections"] == sections, where
                if need:
                    assert need in [m["need"] for m in got["missing"] if m["charge"] == c["charge"]], where
                assert c["exception_allowed"] is allowed, where
                assert (c["record_relief"], c["relief_sections"]) == record, where
                label = next(f"{p['name']} ({p['id']})" for p in raw["people"] if p["id"] == c["person"])
                assert (f"The record shows that {label} may be a victim." in c["reasons"]) is possible, where
            format_text(case, screen_case(case, profile), profile)  # the text format takes every case

"""The built-in profiles as data: they load, keep their format, and a damaged profile is refused by name."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from policy_helpers import FJP, GUIDE, PROFILES, ROOT
from policy_strategies import valid_cases

from casereview.policy.profile import PolicyFileError, PolicyProfile, load_builtin, load_profile_text


def _text(policy: str) -> str:
    return (ROOT / "resources" / "policies" / f"{policy}.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("policy", PROFILES)
def test_the_file_is_json_with_2_space_indentation(policy: str) -> None:
    text = _text(policy)
    assert json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n" == text


@pytest.mark.parametrize("policy", PROFILES)
def test_loads_with_its_id_and_content_hash(policy: str) -> None:
    profile = load_builtin(policy)
    assert profile.id == policy
    assert profile.content_hash == hashlib.sha256(_text(policy).encode("utf-8")).hexdigest()
    assert profile.presumptive_default is True and profile.presumptive_word == "presumptively"
    assert profile.exception_section == "8" and profile.relief_section == "6"


def test_exception_grounds_quote_section_8() -> None:
    profile = load_builtin(FJP)
    text = profile.sections["8"].text
    assert profile.exception_grounds["prevent_trafficking"] in text
    assert profile.exception_grounds["protect_victim"] in text


def test_the_guide_profile_places_its_rules_before_rule_10() -> None:
    fjp = [r.id for r in load_builtin(FJP).rules]
    guide = [r.id for r in load_builtin(GUIDE).rules]
    at = fjp.index("third_party_exchange")
    assert at == 9  # rule 10 of the spec
    assert guide == [*fjp[:at], "guide_third_party", "guide_quality_of_life", *fjp[at:]]


def test_the_model_profile_has_the_spec_rules_in_order() -> None:
    assert [r.id for r in load_builtin(FJP).rules] == [
        "victim", "possible_trafficking", "possible_victim_conduct", "violence", "trafficking", "minor_buyer",
        "buying_from_minor", "buyer_exchange", "seller_exchange", "third_party_exchange", "promoting_minor",
        "not_covered"]


@pytest.mark.parametrize("policy", PROFILES)
def test_the_built_in_profiles_are_screening_version_3_with_labels(policy: str) -> None:
    profile = load_builtin(policy)
    assert profile.screening_version == 3
    assert profile.offense_label("selling_sex") == "selling sex"
    assert profile.labels.facts["physical_assault"].noun == "a physical assault"
    assert profile.role_label("third_party") == "third party"
    assert profile.need_label("compelled_conduct")
    assert json.loads(_text(policy))["screening_version"] == 3


V2 = ROOT / "tests" / "unit" / "policy" / "data" / "fjp-model-2025-screening-v2.json"


def test_a_screening_version_2_profile_still_loads_and_screens() -> None:
    """A case file keeps the exact policy text each screening used, and an office's own file may be older: a
    profile written for version 2 (no labels, openings or relief grounds) must keep loading."""
    from casereview.policy.case import parse_case
    from casereview.policy.engine import screen_case

    profile = load_profile_text(V2.read_text(encoding="utf-8"), "old.json")
    assert profile.screening_version == 2
    assert profile.quote("1(b)") == "(b) the solicitation of such an exchange."
    raw = {"case_number": "1", "incident_date": "2015-01-01",
           "people": [{"id": "A", "role": "seller", "age": 30}, {"id": "B", "role": "buyer", "age": 40}],
           "charges": [{"id": "1", "person": "A", "offense": "selling_sex", "status": "convicted"},
                       {"id": "2", "person": "B", "offense": "solicitation"}]}
    one, two = screen_case(parse_case(raw), profile).charges
    assert (one.decision, one.record_relief, one.relief_sections) == ("decline", "do_not_contest", ("6",))
    assert (two.decision, two.sections) == ("decline", ("1(b)",))
    assert not any("selling_sex" in r for r in one.reasons)


def _loads(text: str) -> None:
    load_profile_text(text, "edited.json")


@pytest.mark.parametrize(("change", "to", "fragment"), [
    ('"screening_version": 3', '"screening_version": 4', "screening_version 4 is not supported"),
    ('"selling_sex": "selling sex",', "", "labels.offenses has no 'selling_sex'"),
    ('"opening": "Absent extenuating', '"opening": "Absent extenuating extenuating', "its opening must be the first"),
    ('"by": "physically assaulted {against}"', '"by": "physically assaulted"', "{against}"),
    ('"decided_by": [\n              "seller_exchange"', '"decided_by": [\n              "seller"',
     "names a rule 'seller'"),
    ('"then": "review",\n        "because": "Record relief waits',
     '"then": "review",\n        "sections": ["6"],\n        "because": "Record relief waits',
     "only a do_not_contest record relief rule gives sections"),
])
def test_a_damaged_version_3_part_is_refused_naming_the_problem(change: str, to: str, fragment: str) -> None:
    text = _text(FJP)
    assert change in text, change
    with pytest.raises(PolicyFileError) as caught:
        _loads(text.replace(change, to, 1))
    assert fragment in str(caught.value)


def test_a_rule_condition_only_for_record_relief_is_refused_in_a_rule() -> None:
    text = _text(FJP).replace('"has_protections"', '{"decided_by": ["victim"]}', 1)
    with pytest.raises(PolicyFileError) as caught:
        _loads(text)
    assert "only for record relief rules" in str(caught.value)


def _damaged(change: str, to: str) -> str:
    text = _text(FJP)
    assert change in text
    return text.replace(change, to, 1)


@pytest.mark.parametrize(("change", "to", "fragment"), [
    ('"no_counterparty"', '"no_counterpart"', "unknown condition 'no_counterpart'"),
    ('"need": [\n              "aggressor"\n            ],', "", "a review must say what to find out"),
    ('"sections": [\n              "3"\n            ],', '"sections": [\n              "9"\n            ],',
     "cites section '9'"),
    ('"format": 1', '"format": 2', "format 2 is not supported"),
    ('"id": "fjp-model-2025",', '"id": "fjp-model-2025",,', "not valid JSON"),
])
def test_a_damaged_profile_is_refused_naming_the_problem(change: str, to: str, fragment: str) -> None:
    with pytest.raises(PolicyFileError) as caught:
        load_profile_text(_damaged(change, to), "damaged.json")
    assert str(caught.value).startswith("damaged.json")
    assert fragment in str(caught.value)


def test_a_damaged_profile_names_the_line() -> None:
    text = _damaged('"no_counterparty"', '"no_counterpart"')
    line = text[: text.index('"no_counterpart"')].count("\n") + 1
    with pytest.raises(PolicyFileError) as caught:
        load_profile_text(text, "damaged.json")
    found = int(str(caught.value).split("line ")[1].split(":")[0])
    assert 0 < line - found < 30  # the object holding the condition starts a few lines above it


def test_the_unchanged_text_loads() -> None:
    assert load_profile_text(_text(FJP), "same.json").rules == load_builtin(FJP).rules


def test_letters_alone_are_refused_in_a_version_3_profile() -> None:
    text = _text(FJP)
    change = '"@victim_letters_by_holder",\n              "2"\n            ]'
    assert change in text
    with pytest.raises(PolicyFileError) as caught:
        _loads(text.replace(change, '"@victim_letters_by_holder"\n            ]', 1))
    assert "needs a section beside it" in str(caught.value)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=valid_cases())
def test_a_screening_version_2_profile_screens_any_valid_case(raw: dict[str, Any]) -> None:
    from casereview.policy.case import parse_case
    from casereview.policy.engine import screen_case

    profile = _v2_profile()
    case = parse_case(raw)
    out = screen_case(case, profile).to_json()
    for result in out["charges"]:
        assert result["sections"] and result["quote"] == profile.quote(result["sections"][0])
        assert (result["relief_sections"] != []) is (result["record_relief"] == "do_not_contest")


_V2: list[PolicyProfile] = []


def _v2_profile() -> PolicyProfile:
    if not _V2:
        _V2.append(load_profile_text(V2.read_text(encoding="utf-8"), "old.json"))
    return _V2[0]

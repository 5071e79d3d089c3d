"""The built-in profiles as data: they load, keep their format, and a damaged profile is refused by name."""

from __future__ import annotations

import hashlib
import json

import pytest
from policy_helpers import FJP, GUIDE, PROFILES, ROOT

from casereview.policy.profile import PolicyFileError, load_builtin, load_profile_text


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


def test_the_guide_profile_places_its_rules_before_rule_8() -> None:
    fjp = [r.id for r in load_builtin(FJP).rules]
    guide = [r.id for r in load_builtin(GUIDE).rules]
    at = fjp.index("third_party_exchange")
    assert guide == [*fjp[:at], "guide_third_party", "guide_quality_of_life", *fjp[at:]]


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

"""Cited text: quotes are the exact policy text of the first section cited, sections come most specific first,
and "presumptively" (footnote 1) is in a decline's reasons unless `presumptive` is off."""

from __future__ import annotations

import re

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
    SEEDS,
    charge,
    exception,
    fact,
    make_case,
    person,
    screen,
)

from casereview.policy.profile import builtin_policy_ids, load_builtin

MODEL_SECTIONS = ["1", "1(a)", "1(b)", "2", "2(a)", "2(b)", "2(c)", "2(d)", "2(e)", "3", "4", "5", "6", "7", "8"]


def _normalize(text: str) -> str:
    """Markdown emphasis, list bullets and footnote marks dropped; whitespace folded."""
    text = text.replace("*", "").replace("²", "").replace("¹", "")
    text = re.sub(r"^\s*-\s+", "", text, flags=re.MULTILINE)
    return " ".join(text.split())


def _seed(name: str) -> str:
    (path,) = SEEDS.glob(f"{name}_*.txt")
    return _normalize(path.read_text(encoding="utf-8"))


def test_both_profiles_are_built_in() -> None:
    assert set(PROFILES) <= set(builtin_policy_ids())


@pytest.mark.parametrize("policy", PROFILES)
def test_every_model_section_is_quoted_word_for_word_from_the_policy(policy: str) -> None:
    model = _seed("000")
    profile = load_builtin(policy)
    assert list(profile.sections)[: len(MODEL_SECTIONS)] == MODEL_SECTIONS
    for sid in MODEL_SECTIONS:
        assert _normalize(profile.sections[sid].text) in model, sid


@pytest.mark.parametrize("sid", [GUIDE_THIRD_PARTY, GUIDE_QUALITY_OF_LIFE])
def test_guide_sections_are_a_heading_and_a_sentence_of_the_guide(sid: str) -> None:
    """Spec: the quote is "for the community profile's own rules, the guide's heading and sentence"."""
    guide = _seed("001")
    section = load_builtin(GUIDE).sections[sid]
    assert sid == f"guide: {section.title}"
    heading, sentence = section.text.split("\n\n")
    assert heading == section.title
    assert _normalize(heading) in guide
    assert _normalize(sentence) in guide
    assert sentence.endswith(".") and "\n" not in sentence
    assert sid not in load_builtin(FJP).sections


def test_subsection_texts() -> None:
    sections = load_builtin(FJP).sections
    assert sections["1(a)"].text.startswith("(a) the consensual exchange, between adults")
    assert sections["1(b)"].text == "(b) the solicitation of such an exchange."
    assert sections["2(e)"].text.startswith("(e) A buyer engaged in sexual activity with a sex worker, but refused")
    assert sections["4"].text.startswith("This Policy does not prohibit or discourage the filing of charges against")


OPENING_1 = ("Absent extenuating circumstances warranting an exception (as discussed herein), this office will not "
             "file criminal charges based solely on:")
OPENING_2 = ("This office will continue to file — and to vigorously pursue — criminal charges in cases where violence "
             "or sexual assault arises out of a planned exchange of sex for money. By way of example, criminal "
             "charges are appropriate where the evidence indicates:")


@pytest.mark.parametrize("policy", PROFILES)
def test_a_lettered_subsection_is_quoted_with_its_sections_opening_words(policy: str) -> None:
    """Spec: "a lettered subsection is quoted together with its section's opening words"; "…" marks the
    subsections left out between them (none before (a))."""
    profile = load_builtin(policy)
    assert profile.quote("1(a)") == f"{OPENING_1}\n\n(a) the consensual exchange, between adults, of sex for (i) " \
        "money or (ii) another thing of value, or"
    assert profile.quote("1(b)") == f"{OPENING_1}\n\n… (b) the solicitation of such an exchange."
    assert profile.quote("2(a)") == f"{OPENING_2}\n\n(a) A buyer, or a prospective buyer, physically assaulted a " \
        "sex worker;"
    for letter in "bcde":
        sid = f"2({letter})"
        assert profile.quote(sid) == f"{OPENING_2}\n\n… {profile.sections[sid].text}"
    for sid in ("1", "2", "3", "4", "5", "6", "7", "8"):
        assert profile.quote(sid) == profile.sections[sid].text
    model = _seed("000")
    for sid in ("1(a)", "1(b)", "2(a)", "2(b)", "2(c)", "2(d)", "2(e)"):
        for part in profile.quote(sid).split("…"):
            assert _normalize(part) in model, (sid, part)


@pytest.mark.parametrize("policy", PROFILES)
def test_the_rules_quote_the_policy_word_for_word(policy: str) -> None:
    """Every “…” in a rule's or record relief rule's sentence is the policy's (or the guide's) own words."""
    profile = load_builtin(policy)
    texts = _normalize(_seed("000") + " " + _seed("001"))
    sentences = [b.then["because"] for r in profile.rules for b in r.branches]
    sentences += [r.because for r in profile.relief_rules]
    quoted = [q for text in sentences for q in re.findall("“([^”]+)”", text)]
    assert len(quoted) >= 10
    for fragment in quoted:
        assert _normalize(fragment.replace("[s]", "s")) in texts, fragment


def _busy_case() -> dict[str, object]:
    return make_case(
        [person("S", "seller", ADULT_DOB), person("B", "buyer", OLDER_DOB), person("D", "third_party", OLDER_DOB),
         person("M", "seller", MINOR_DOB), person("U", "seller", None), person("T", "seller", trafficking_victim=True)],
        [charge("1", "S", "selling_sex", "B"), charge("2", "B", "solicitation", "S"), charge("3", "B", "assault"),
         charge("4", "M", "selling_sex"), charge("5", "D", "promoting"), charge("6", "U", "selling_sex"),
         charge("7", "T", "loitering_for_prostitution"), charge("8", "D", "trafficking"),
         charge("9", "B", "buying_sex_from_minor", "M"), charge("10", "S", "drug_possession"),
         charge("11", "S", "solicitation", "B"), charge("12", "D", "selling_sex", "S"), charge("13", "B", "other")],
        facts=[fact("refused_to_pay", "B", "S"), fact("physical_assault", "B", "S"), fact("trafficking", "D", "T")],
        exceptions=[exception("11", "approved", "other")],
    )


@pytest.mark.parametrize("policy", PROFILES)
def test_every_quote_is_the_text_of_the_first_section_cited(policy: str) -> None:
    profile = load_builtin(policy)
    out = screen(_busy_case(), policy)
    decisions = {c["decision"] for c in out["charges"]}
    assert decisions >= {"protect", "charge", "discretion", "review"}
    for result in out["charges"]:
        assert result["sections"], result
        assert all(s in profile.sections for s in result["sections"])
        assert len(set(result["sections"])) == len(result["sections"])
        assert result["quote"] == profile.quote(result["sections"][0])


def test_sections_are_most_specific_first() -> None:
    out = screen(_busy_case())
    by_id = {c["charge"]: c for c in out["charges"]}
    assert by_id["3"]["sections"] == ["2(a)", "2(e)", "2"]
    assert by_id["3"]["quote"].startswith(OPENING_2)
    assert by_id["3"]["quote"].endswith("(a) A buyer, or a prospective buyer, physically assaulted a sex worker;")
    assert by_id["1"]["sections"] == ["2"]
    assert by_id["11"]["sections"] == ["2"]  # the victim is protected: the approved exception changes nothing
    # Version 3: a third party's charge follows its counterparty (S, an adult), and D trafficked T: discretion.
    # (Version 2 charged under section 3 because another seller in the case was a minor.)
    assert (by_id["12"]["decision"], by_id["12"]["sections"]) == ("discretion", ["5"])


def _declines(policy: str, presumptive: bool) -> list[dict[str, object]]:
    raw = make_case([person("S", "seller"), person("B", "buyer", OLDER_DOB), person("D", "third_party", OLDER_DOB)],
                    [charge("1", "S", "selling_sex"), charge("2", "B", "solicitation"), charge("3", "D", "promoting"),
                     charge("4", "S", "vagrancy"), charge("5", "B", "assault")])
    out = screen(raw, policy, presumptive)
    assert out["policy"]["presumptive"] is presumptive
    return out["charges"]


@pytest.mark.parametrize("policy", PROFILES)
def test_presumptively_in_every_decline_by_default(policy: str) -> None:
    for result in _declines(policy, True):
        joined = " ".join(result["reasons"])  # type: ignore[arg-type]
        if result["decision"] == "decline":
            assert "will presumptively decline" in joined, result
        else:
            assert "presumptively" not in joined, result


@pytest.mark.parametrize("policy", PROFILES)
def test_no_presumptive_drops_the_word_but_not_the_decline(policy: str) -> None:
    with_word = _declines(policy, True)
    without = _declines(policy, False)
    assert [(r["decision"], r["sections"]) for r in with_word] == [(r["decision"], r["sections"]) for r in without]
    assert sum(r["decision"] == "decline" for r in without) >= (2 if policy == FJP else 4)
    for result in without:
        joined = " ".join(result["reasons"])  # type: ignore[arg-type]
        assert "presumptively" not in joined
        if result["decision"] == "decline":
            assert "will decline" in joined
            assert result["exception_allowed"] is True


def test_presumptive_defaults_to_the_profile_option() -> None:
    from casereview.policy.case import parse_case
    from casereview.policy.engine import screen_case

    raw = make_case([person("S", "seller")], [charge("1", "S", "selling_sex")])
    screening = screen_case(parse_case(raw), load_builtin(FJP))
    assert screening.presumptive is True
    assert any("presumptively" in r for r in screening.charges[0].reasons)


def test_approved_exception_keeps_section_8_even_without_presumptive() -> None:
    raw = make_case([person("S", "seller")], [charge("1", "S", "selling_sex")],
                    exceptions=[exception("1", "approved", "protect_victim")])
    result = screen(raw, FJP, presumptive=False)["charges"][0]
    assert (result["decision"], result["sections"]) == ("charge", ["8"])

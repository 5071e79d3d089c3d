"""Every worked example of the spec's table (screening version 3), screened in-process and through
`python -m casereview screen`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from policy_helpers import (
    ADULT_DOB,
    FJP,
    GUIDE,
    GUIDE_DROP,
    GUIDE_QUALITY_OF_LIFE,
    GUIDE_THIRD_PARTY,
    OLDER_DOB,
    assert_bad_input,
    charge,
    decide,
    exception,
    fact,
    make_case,
    person,
    quote_of,
    run_cli,
    write_case,
)

SELLER = person("A", "seller", ADULT_DOB, name="Dana Roe")
BUYER = person("B", "buyer", OLDER_DOB, name="John Poe")
SELLER_17 = person("A", "seller", None, age=17, name="Dana Roe")
BUYER_16 = person("B", "buyer", None, age=16, name="John Poe")
TRAFFICKED = person("A", "seller", ADULT_DOB, name="Dana Roe", trafficking_victim=True)
MANAGER = person("M", "third_party", OLDER_DOB, name="Victor Kane")
DRIVER = person("D", "third_party", OLDER_DOB, name="Sam Ortiz")


def _case(people: list[dict[str, Any]], *charges: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return make_case(people, list(charges), **extra)


def _reasons_say(*fragments: str) -> Callable[[dict[str, Any]], bool]:
    def check(result: dict[str, Any]) -> bool:
        joined = " ".join(result["reasons"])
        return all(f in joined for f in fragments)
    return check


# (id, case, charge, policy, expected, extra check): expected lists the output fields the table fixes, plus
# "missing" when the table names a need.
Example = tuple[str, dict[str, Any], str, str, dict[str, Any], Callable[[dict[str, Any]], bool] | None]
EXAMPLES: list[Example] = [
    ("adult-seller-selling", _case([SELLER, BUYER], charge("1", "A", "selling_sex"), charge("2", "B", "solicitation")),
     "1", FJP, {"decision": "decline", "sections": ["1(a)"], "exception_allowed": True, "record_relief": None,
                "relief_sections": [], "missing": []}, None),
    ("adult-buyer-solicitation",
     _case([SELLER, BUYER], charge("1", "A", "selling_sex"), charge("2", "B", "solicitation")),
     "2", FJP, {"decision": "decline", "sections": ["1(b)"], "exception_allowed": True, "missing": []}, None),
    ("adult-seller-convicted-2015",
     _case([SELLER, BUYER], charge("1", "A", "selling_sex", status="convicted"), incident="2015-06-20",
           number="15-CR-0077"),
     "1", FJP, {"decision": "decline", "sections": ["1(a)"], "exception_allowed": False,
                "record_relief": "do_not_contest", "relief_sections": ["6"], "missing": []}, None),
    ("adult-seller-loitering", _case([SELLER], charge("1", "A", "loitering_for_prostitution")),
     "1", FJP, {"decision": "decline", "sections": ["1(b)"], "exception_allowed": True, "missing": []}, None),
    ("decoy-sting", _case([BUYER], charge("1", "B", "solicitation")),
     "1", FJP, {"decision": "decline", "sections": ["1(b)"], "exception_allowed": True, "missing": []}, None),
    ("seller-17", _case([SELLER_17, BUYER], charge("1", "A", "selling_sex"), charge("2", "B", "buying_sex")),
     "1", FJP, {"decision": "protect", "sections": ["4"], "exception_allowed": False, "missing": []},
     _reasons_say("under 18", "may be a victim")),
    ("seller-17-buyer", _case([SELLER_17, BUYER], charge("1", "A", "selling_sex"), charge("2", "B", "buying_sex")),
     "2", FJP, {"decision": "charge", "sections": ["4"], "exception_allowed": False, "missing": []}, None),
    ("seller-17-buyer-16", _case([SELLER_17, BUYER_16], charge("1", "B", "buying_sex")),
     "1", FJP, {"decision": "discretion", "sections": ["5"], "exception_allowed": False, "missing": []},
     _reasons_say("John Poe (B) was 16")),
    ("seller-17-buyer-16-assault",
     _case([SELLER_17, BUYER_16], charge("1", "B", "buying_sex"), facts=[fact("physical_assault", "B", "A")]),
     "1", FJP, {"decision": "charge", "sections": ["2(a)", "2"], "exception_allowed": False, "missing": []},
     _reasons_say("John Poe (B) was 16", "physically assaulted Dana Roe (A)")),
    ("refused-to-pay-buyer",
     _case([SELLER, BUYER], charge("1", "B", "sexual_assault"), charge("2", "A", "drug_possession"),
           charge("3", "A", "assault"), facts=[fact("refused_to_pay", "B", "A")]),
     "1", FJP, {"decision": "charge", "sections": ["2(e)", "2"], "exception_allowed": False, "missing": []}, None),
    ("refused-to-pay-seller-drugs",
     _case([SELLER, BUYER], charge("1", "B", "sexual_assault"), charge("2", "A", "drug_possession"),
           charge("3", "A", "assault"), facts=[fact("refused_to_pay", "B", "A")]),
     "2", FJP, {"decision": "protect", "sections": ["2"], "exception_allowed": False, "missing": []},
     _reasons_say("Dana Roe (A) is the victim of a refusal to pay by John Poe (B)")),
    ("refused-to-pay-seller-assault",
     _case([SELLER, BUYER], charge("1", "B", "sexual_assault"), charge("2", "A", "drug_possession"),
           charge("3", "A", "assault"), facts=[fact("refused_to_pay", "B", "A")]),
     "3", FJP, {"decision": "review", "exception_allowed": False,
                "missing": [{"charge": "3", "person": "A", "need": "aggressor"}]}, _reasons_say("may be a victim")),
    ("buyer-force-solicitation",
     _case([SELLER, BUYER], charge("1", "B", "solicitation"), charge("2", "A", "selling_sex"),
           facts=[fact("force", "B", "A")]),
     "1", FJP, {"decision": "charge", "sections": ["2"], "exception_allowed": False, "missing": []}, None),
    ("buyer-force-seller",
     _case([SELLER, BUYER], charge("1", "B", "solicitation"), charge("2", "A", "selling_sex"),
           facts=[fact("force", "B", "A")]),
     "2", FJP, {"decision": "protect", "sections": ["2"], "exception_allowed": False, "missing": []},
     _reasons_say("Dana Roe (A) is the victim of force by John Poe (B)")),
    ("buyer-force-seller-convicted",
     _case([SELLER, BUYER], charge("1", "A", "selling_sex", status="convicted"), facts=[fact("force", "B", "A")],
           incident="2019-04-01"),
     "1", FJP, {"decision": "protect", "sections": ["2"], "record_relief": "do_not_contest",
                "relief_sections": ["2"], "exception_allowed": False, "missing": []}, None),
    ("seller-assaulted-buyer-assault",
     _case([SELLER, BUYER], charge("1", "A", "assault"), charge("2", "A", "selling_sex"),
           facts=[fact("physical_assault", "A", "B")]),
     "1", FJP, {"decision": "charge", "sections": ["2"], "exception_allowed": False, "missing": []}, None),
    ("seller-assaulted-buyer-selling",
     _case([SELLER, BUYER], charge("1", "A", "assault"), charge("2", "A", "selling_sex"),
           facts=[fact("physical_assault", "A", "B")]),
     "2", FJP, {"decision": "discretion", "sections": ["5"], "exception_allowed": False, "missing": []}, None),
    ("trafficked-seller", _case([TRAFFICKED], charge("1", "A", "selling_sex"), charge("2", "A", "promoting")),
     "1", FJP, {"decision": "protect", "sections": ["3"], "exception_allowed": False, "missing": []},
     _reasons_say("recorded as a victim of trafficking")),
    ("trafficked-seller-convicted-2019",
     _case([TRAFFICKED], charge("1", "A", "selling_sex", status="convicted"), incident="2019-05-05"),
     "1", FJP, {"decision": "protect", "sections": ["3"], "record_relief": "do_not_contest",
                "relief_sections": ["3"], "exception_allowed": False, "missing": []}, None),
    ("trafficked-seller-promoting", _case([TRAFFICKED], charge("1", "A", "selling_sex"), charge("2", "A", "promoting")),
     "2", FJP, {"decision": "review", "exception_allowed": False,
                "missing": [{"charge": "2", "person": "A", "need": "compelled_conduct"}]},
     _reasons_say("recorded as a victim of trafficking", "may be a victim")),
    ("trafficked-seller-buyer-convicted",
     _case([TRAFFICKED, BUYER], charge("1", "B", "buying_sex", status="convicted"), incident="2019-05-05"),
     "1", FJP, {"decision": "discretion", "sections": ["5"], "record_relief": "not_eligible", "relief_sections": [],
                "exception_allowed": False, "missing": []}, None),
    ("manager-coercion", _case([SELLER, MANAGER], charge("1", "A", "selling_sex"), facts=[fact("coercion", "M", "A")]),
     "1", FJP, {"decision": "review", "exception_allowed": False, "record_relief": None,
                "missing": [{"charge": "1", "person": "A", "need": "trafficking_status"}]},
     _reasons_say("Dana Roe (A) is the victim of coercion by Victor Kane (M)")),
    ("manager-coercion-convicted",
     _case([SELLER, MANAGER], charge("1", "A", "selling_sex", status="convicted"),
           facts=[fact("coercion", "M", "A")], incident="2018-01-01"),
     "1", FJP, {"decision": "review", "exception_allowed": False, "record_relief": "review", "relief_sections": [],
                "missing": [{"charge": "1", "person": "A", "need": "trafficking_status"}]}, None),
    ("pled-to-trespass",
     _case([SELLER], charge("1", "A", "trespass", status="convicted", arose_from_exchange=True),
           incident="2018-02-02", number="18-CR-0001"),
     "1", FJP, {"decision": "decline", "sections": ["1(a)"], "exception_allowed": False,
                "record_relief": "do_not_contest", "relief_sections": ["6"], "missing": []}, None),
    ("driver-promoting-fjp", _case([SELLER, DRIVER], charge("1", "D", "promoting")),
     "1", FJP, {"decision": "discretion", "sections": ["5"], "exception_allowed": False, "missing": []}, None),
    ("driver-promoting-guide", _case([SELLER, DRIVER], charge("1", "D", "promoting")),
     "1", GUIDE, {"decision": "decline", "sections": [GUIDE_THIRD_PARTY], "exception_allowed": True,
                  "missing": []}, None),
    ("driver-promoting-16-fjp",
     _case([person("A", "seller", None, age=16, name="Dana Roe"), DRIVER], charge("1", "D", "promoting")),
     "1", FJP, {"decision": "charge", "sections": ["3"], "exception_allowed": False, "missing": []}, None),
    ("driver-promoting-16-guide",
     _case([person("A", "seller", None, age=16, name="Dana Roe"), DRIVER], charge("1", "D", "promoting")),
     "1", GUIDE, {"decision": "charge", "sections": ["3"], "exception_allowed": False, "missing": []}, None),
    ("buying-from-minor-nobody", _case([BUYER], charge("1", "B", "buying_sex_from_minor")),
     "1", FJP, {"decision": "review", "exception_allowed": False,
                "missing": [{"charge": "1", "person": "B", "need": "minor_evidence"}]}, None),
    ("seller-unknown-age-convicted",
     _case([person("A", "seller", None, name="Dana Roe")], charge("1", "A", "selling_sex", status="convicted"),
           incident="2016-01-05"),
     "1", FJP, {"decision": "review", "exception_allowed": False, "record_relief": "do_not_contest",
                "relief_sections": ["4", "6"], "missing": [{"charge": "1", "person": "A", "need": "age"}]}, None),
    ("drugs-convicted-guide",
     _case([SELLER], charge("1", "A", "drug_possession", status="convicted"), incident="2017-03-03"),
     "1", GUIDE, {"decision": "decline", "sections": [GUIDE_QUALITY_OF_LIFE], "exception_allowed": False,
                  "record_relief": "do_not_contest", "relief_sections": [GUIDE_DROP], "missing": []}, None),
    ("seller-16-drugs-guide",
     _case([person("A", "seller", None, age=16, name="Dana Roe")], charge("1", "A", "drug_possession")),
     "1", GUIDE, {"decision": "decline", "sections": [GUIDE_QUALITY_OF_LIFE], "exception_allowed": False,
                  "missing": []}, _reasons_say("under 18", "may be a victim")),
    ("approved-exception",
     _case([SELLER, BUYER], charge("1", "A", "selling_sex"), exceptions=[exception("1", "approved", "protect_victim")]),
     "1", FJP, {"decision": "charge", "sections": ["8"], "exception_allowed": False, "record_relief": None,
                "missing": []}, _reasons_say("necessary to protect the safety and health of a victim")),
    ("approved-exception-trafficked-guide",
     _case([TRAFFICKED], charge("1", "A", "drug_possession"), exceptions=[exception("1", "approved", "other")]),
     "1", GUIDE, {"decision": "decline", "sections": [GUIDE_QUALITY_OF_LIFE], "exception_allowed": False,
                  "missing": []},
     _reasons_say("approved", "cannot apply", "may be a victim", "recorded as a victim of trafficking")),
]
IDS = [e[0] for e in EXAMPLES]


def _check(result: dict[str, Any], policy: str, expected: dict[str, Any],
           extra: Callable[[dict[str, Any]], bool] | None) -> None:
    for key, value in expected.items():
        assert result[key] == value, (key, result)
    assert result["quote"] == quote_of(policy, result["sections"][0])
    assert result["reasons"] and all(isinstance(r, str) and r for r in result["reasons"])
    assert (result["relief_sections"] != []) is (result["record_relief"] == "do_not_contest")
    if extra is not None:
        assert extra(result), result["reasons"]


@pytest.mark.parametrize(("name", "raw", "cid", "policy", "expected", "extra"), EXAMPLES, ids=IDS)
def test_worked_example_in_process(name: str, raw: dict[str, Any], cid: str, policy: str,
                                   expected: dict[str, Any], extra: Callable[[dict[str, Any]], bool] | None) -> None:
    _check(decide(raw, cid, policy), policy, expected, extra)


@pytest.mark.parametrize(("name", "raw", "cid", "policy", "expected", "extra"), EXAMPLES, ids=IDS)
def test_worked_example_through_cli(name: str, raw: dict[str, Any], cid: str, policy: str,
                                    expected: dict[str, Any], extra: Callable[[dict[str, Any]], bool] | None,
                                    tmp_path: Path) -> None:
    done = run_cli("screen", str(write_case(tmp_path, raw)), "--policy", policy)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    out = json.loads(done.stdout)
    assert out["case_number"] == raw["case_number"]
    assert out["policy"]["id"] == policy
    assert out["policy"]["presumptive"] is True
    assert [c["charge"] for c in out["charges"]] == [c["id"] for c in raw["charges"]]
    (result,) = [c for c in out["charges"] if c["charge"] == cid]
    result = {**result, "missing": [m for m in out["missing"] if m["charge"] == cid]}
    _check(result, policy, expected, extra)


@pytest.mark.parametrize("policy", [FJP, GUIDE])
def test_worked_examples_as_one_jsonl_file(policy: str, tmp_path: Path) -> None:
    """Each profile's examples as one .jsonl file: one output line per input line, in order, exit 0."""
    rows = [e for e in EXAMPLES if e[3] == policy]
    path = tmp_path / "cases.jsonl"
    path.write_text("".join(json.dumps(e[1]) + "\n" for e in rows), encoding="utf-8")
    done = run_cli("screen", str(path), "--policy", policy)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == len(rows)
    for line, (_, _, cid, _, expected, extra) in zip(lines, rows, strict=True):
        out = json.loads(line)
        (result,) = [c for c in out["charges"] if c["charge"] == cid]
        _check({**result, "missing": [m for m in out["missing"] if m["charge"] == cid]}, policy, expected, extra)


def _with_another_buyer() -> dict[str, Any]:
    return make_case([SELLER, BUYER, person("C", "buyer", OLDER_DOB)], [charge("1", "B", "solicitation", "C")])


def test_a_with_naming_another_buyer_is_bad_input_in_process() -> None:
    from casereview.policy.case import CaseInputError, parse_case

    with pytest.raises(CaseInputError) as caught:
        parse_case(_with_another_buyer())
    assert caught.value.where == "charges[0].with"
    assert "buyer" in caught.value.problem and "seller" in caught.value.problem


def test_a_with_naming_another_buyer_is_bad_input_through_cli(tmp_path: Path) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    path = write_case(tmp_path, _with_another_buyer())
    message = assert_bad_input(run_cli("screen", str(path), cwd=folder), f"{path}: charges[0].with", "'C'")
    assert "a buyer" in message and "a seller" in message
    assert list(folder.iterdir()) == []


def test_the_spec_input_example() -> None:
    """The case in the spec's "Case input" section: the victim is protected, the assailant charged."""
    raw = make_case(
        [person("A", "seller", "1996-05-02", name="Dana Roe"), person("B", "buyer", "1971-11-30", name="John Poe")],
        [charge("1", "A", "selling_sex", "B", statute="optional free text"),
         charge("2", "B", "assault", status="pending", offense_date="2026-03-14")],
        facts=[fact("physical_assault", "B", "A")], exceptions=[exception("1", "submitted", "protect_victim")])
    one, two = decide(raw, "1"), decide(raw, "2")
    assert (one["decision"], one["sections"], one["exception_allowed"]) == ("protect", ["2"], False)
    assert one["record_relief"] is None and one["relief_sections"] == []
    assert "Dana Roe (A) is the victim of a physical assault by John Poe (B)." in one["reasons"]
    assert not any("physical_assault" in r for r in one["reasons"])
    assert (two["decision"], two["sections"]) == ("charge", ["2(a)", "2"])
    assert two["quote"] == quote_of(FJP, "2(a)")
    assert two["quote"].startswith("This office will continue to file — and to vigorously pursue — criminal charges")
    assert two["quote"].endswith("(a) A buyer, or a prospective buyer, physically assaulted a sex worker;")


def test_the_table_covers_every_decision_and_relief() -> None:
    seen = {(e[4]["decision"], e[3]) for e in EXAMPLES}
    assert {d for d, _ in seen} == {"decline", "protect", "charge", "discretion", "review"}
    reliefs = {tuple(e[4].get("relief_sections", ())) for e in EXAMPLES}
    assert {("6",), ("2",), ("3",), ("4", "6"), (GUIDE_DROP,)} <= reliefs

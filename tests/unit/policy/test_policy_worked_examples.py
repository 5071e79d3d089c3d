"""Every worked example of the spec's table, screened in-process and through `python -m casereview screen`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from policy_helpers import (
    ADULT_DOB,
    FJP,
    GUIDE,
    GUIDE_THIRD_PARTY,
    OLDER_DOB,
    charge,
    decide,
    exception,
    fact,
    make_case,
    person,
    run_cli,
    section_text,
    write_case,
)


def _adult_pair(*charges: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return make_case([person("A", "seller", ADULT_DOB, name="Dana Roe"),
                      person("B", "buyer", OLDER_DOB, name="John Poe")], list(charges), **extra)


def _minor_seller(*charges: dict[str, Any]) -> dict[str, Any]:
    return make_case([person("A", "seller", None, age=17), person("B", "buyer", OLDER_DOB)], list(charges))


# (id, case, charge, policy, expected): expected lists the output fields the table fixes, plus "missing".
EXAMPLES: list[tuple[str, dict[str, Any], str, str, dict[str, Any]]] = [
    ("adult-exchange-seller", _adult_pair(charge("1", "A", "selling_sex"), charge("2", "B", "solicitation")),
     "1", FJP, {"decision": "decline", "sections": ["1(a)"], "exception_allowed": True, "record_relief": None,
                "missing": []}),
    ("adult-exchange-buyer", _adult_pair(charge("1", "A", "selling_sex"), charge("2", "B", "solicitation")),
     "2", FJP, {"decision": "decline", "sections": ["1(b)"], "exception_allowed": True, "record_relief": None,
                "missing": []}),
    ("minor-seller", _minor_seller(charge("1", "A", "selling_sex"), charge("2", "B", "buying_sex")),
     "1", FJP, {"decision": "protect", "sections": ["4"], "exception_allowed": False, "missing": []}),
    ("minor-seller-buyer", _minor_seller(charge("1", "A", "selling_sex"), charge("2", "B", "buying_sex")),
     "2", FJP, {"decision": "charge", "sections": ["4"], "exception_allowed": False, "missing": []}),
    ("refused-to-pay-buyer",
     _adult_pair(charge("1", "B", "sexual_assault"), charge("2", "A", "drug_possession"),
                 facts=[fact("refused_to_pay", "B", "A")]),
     "1", FJP, {"decision": "charge", "sections": ["2(e)", "2"], "exception_allowed": False, "missing": []}),
    ("refused-to-pay-seller",
     _adult_pair(charge("1", "B", "sexual_assault"), charge("2", "A", "drug_possession"),
                 facts=[fact("refused_to_pay", "B", "A")]),
     "2", FJP, {"decision": "protect", "sections": ["2"], "exception_allowed": False, "missing": []}),
    ("trafficking-victim",
     make_case([person("A", "seller", trafficking_victim=True), person("B", "buyer", OLDER_DOB)],
               [charge("1", "A", "selling_sex")]),
     "1", FJP, {"decision": "protect", "sections": ["3"], "exception_allowed": False, "missing": []}),
    ("manager-coercion",
     make_case([person("A", "seller"), person("M", "third_party", OLDER_DOB)], [charge("1", "A", "selling_sex")],
               facts=[fact("coercion", "M", "A")]),
     "1", FJP, {"decision": "review", "exception_allowed": False,
                "missing": [{"charge": "1", "person": "A", "need": "trafficking_status"}]}),
    ("past-conviction",
     make_case([person("A", "seller")], [charge("1", "A", "selling_sex", status="convicted")],
               incident="2015-06-20", number="15-CR-0077"),
     "1", FJP, {"decision": "decline", "sections": ["1(a)"], "exception_allowed": True,
                "record_relief": "do_not_contest", "missing": []}),
    ("pled-to-trespass",
     make_case([person("A", "seller")],
               [charge("1", "A", "trespass", status="convicted", arose_from_exchange=True)],
               incident="2018-02-02", number="18-CR-0001"),
     "1", FJP, {"decision": "discretion", "sections": ["5"], "exception_allowed": False,
                "record_relief": "do_not_contest", "missing": []}),
    ("driver-promoting-fjp",
     make_case([person("A", "seller"), person("D", "third_party", OLDER_DOB, name="Driver")],
               [charge("1", "D", "promoting")]),
     "1", FJP, {"decision": "discretion", "sections": ["5"], "exception_allowed": False, "missing": []}),
    ("driver-promoting-guide",
     make_case([person("A", "seller"), person("D", "third_party", OLDER_DOB, name="Driver")],
               [charge("1", "D", "promoting")]),
     "1", GUIDE, {"decision": "decline", "sections": [GUIDE_THIRD_PARTY], "exception_allowed": True,
                  "missing": []}),
    ("unknown-age-conviction",
     make_case([person("A", "seller", None)], [charge("1", "A", "selling_sex", status="convicted")],
               incident="2016-01-05"),
     "1", FJP, {"decision": "review", "exception_allowed": False, "record_relief": "do_not_contest",
                "missing": [{"charge": "1", "person": "A", "need": "age"}]}),
    ("approved-exception",
     _adult_pair(charge("1", "A", "selling_sex"), exceptions=[exception("1", "approved", "protect_victim")]),
     "1", FJP, {"decision": "charge", "sections": ["8"], "exception_allowed": False, "record_relief": None,
                "missing": []}),
]
IDS = [e[0] for e in EXAMPLES]


def _check(result: dict[str, Any], policy: str, expected: dict[str, Any]) -> None:
    for key, value in expected.items():
        assert result[key] == value, (key, result)
    assert result["quote"] == section_text(policy, result["sections"][0])
    assert result["reasons"] and all(isinstance(r, str) and r for r in result["reasons"])


@pytest.mark.parametrize(("name", "raw", "cid", "policy", "expected"), EXAMPLES, ids=IDS)
def test_worked_example_in_process(name: str, raw: dict[str, Any], cid: str, policy: str,
                                   expected: dict[str, Any]) -> None:
    _check(decide(raw, cid, policy), policy, expected)


@pytest.mark.parametrize(("name", "raw", "cid", "policy", "expected"), EXAMPLES, ids=IDS)
def test_worked_example_through_cli(name: str, raw: dict[str, Any], cid: str, policy: str,
                                    expected: dict[str, Any], tmp_path: Path) -> None:
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
    _check(result, policy, expected)


def test_worked_examples_as_one_jsonl_file(tmp_path: Path) -> None:
    """The fjp examples as one .jsonl file: one output line per input line, in order, exit 0."""
    rows = [e for e in EXAMPLES if e[3] == FJP]
    path = tmp_path / "cases.jsonl"
    path.write_text("".join(json.dumps(e[1]) + "\n" for e in rows), encoding="utf-8")
    done = run_cli("screen", str(path))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == len(rows)
    for line, (_, _, cid, policy, expected) in zip(lines, rows, strict=True):
        out = json.loads(line)
        (result,) = [c for c in out["charges"] if c["charge"] == cid]
        _check({**result, "missing": [m for m in out["missing"] if m["charge"] == cid]}, policy, expected)


def test_the_spec_input_example() -> None:
    """The case in the spec's "Case input" section: the victim is protected, the assailant charged."""
    raw = make_case(
        [person("A", "seller", "1996-05-02", name="Dana Roe"), person("B", "buyer", "1971-11-30", name="John Poe")],
        [charge("1", "A", "selling_sex", "B", statute="optional free text"),
         charge("2", "B", "assault", status="pending", offense_date="2026-03-14")],
        facts=[fact("physical_assault", "B", "A")], exceptions=[exception("1", "submitted", "protect_victim")])
    one, two = decide(raw, "1"), decide(raw, "2")
    assert (one["decision"], one["sections"], one["exception_allowed"]) == ("protect", ["2"], False)
    assert any("physical_assault" in r and "John Poe (B)" in r for r in one["reasons"])
    assert (two["decision"], two["sections"]) == ("charge", ["2(a)", "2"])
    assert two["quote"] == section_text(FJP, "2(a)")

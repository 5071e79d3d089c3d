"""Bad input: every kind the spec lists is refused with one message naming the field, exit 2, nothing on
standard output, nothing written anywhere. In-process (`parse_case`, `decode_case`) and through the CLI."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from policy_helpers import (
    OLDER_DOB,
    assert_bad_input,
    charge,
    exception,
    fact,
    make_case,
    person,
    run_cli,
    run_main,
    write_case,
)
from policy_strategies import valid_cases

from casereview.policy.case import CaseInputError, parse_case
from casereview.policy.screening_io import decode_case, iter_jsonl


def valid() -> dict[str, Any]:
    return make_case(
        [person("A", "seller", "1996-05-02", name="Dana Roe"), person("B", "buyer", OLDER_DOB)],
        [charge("1", "A", "selling_sex", "B"), charge("2", "B", "assault", offense_date="2026-03-14")],
        facts=[fact("physical_assault", "B", "A")],
        exceptions=[exception("1", "submitted", "protect_victim")],
    )


Mutation = Callable[[dict[str, Any]], Any]


def _set(path: str, value: Any) -> Mutation:
    """Set (or with value DELETE, remove) a field given as e.g. "people.0.role"."""
    def mutate(raw: dict[str, Any]) -> Any:
        *parents, last = path.split(".")
        node: Any = raw
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        key: Any = int(last) if isinstance(node, list) else last
        if value is DELETE:
            del node[key]
        else:
            node[key] = value
        return raw
    return mutate


DELETE = object()

# (id, mutation, fragments the message must name)
BAD: list[tuple[str, Mutation, tuple[str, ...]]] = [
    # missing required fields
    ("no-case-number", _set("case_number", DELETE), ("case_number", "required")),
    ("empty-case-number", _set("case_number", "  "), ("case_number",)),
    ("no-incident-date", _set("incident_date", DELETE), ("incident_date", "required")),
    ("no-people", _set("people", DELETE), ("people", "required")),
    ("no-person-id", _set("people.1.id", DELETE), ("people[1].id", "required")),
    ("no-role", _set("people.0.role", DELETE), ("people[0].role", "required")),
    ("no-charges", _set("charges", DELETE), ("charges", "required")),
    ("no-charge-id", _set("charges.0.id", DELETE), ("charges[0].id", "required")),
    ("no-charge-person", _set("charges.1.person", DELETE), ("charges[1].person", "required")),
    ("no-offense", _set("charges.0.offense", DELETE), ("charges[0].offense", "required")),
    ("no-fact-type", _set("facts.0.type", DELETE), ("facts[0].type",)),
    ("no-fact-by", _set("facts.0.by", DELETE), ("facts[0].by",)),
    ("no-victim", _set("facts.0.against", DELETE), ("facts[0].against",)),
    ("no-exception-charge", _set("exceptions.0.charge", DELETE), ("exceptions[0].charge",)),
    ("no-exception-status", _set("exceptions.0.status", DELETE), ("exceptions[0].status",)),
    # unknown keys
    ("unknown-case-key", _set("cases_number", "x"), ("cases_number", "unknown key")),
    ("unknown-person-key", _set("people.0.dob", "1990-01-01"), ("people[0].dob", "unknown key")),
    ("unknown-fact-key", _set("facts.0.victim", "A"), ("facts[0].victim", "unknown key")),
    ("unknown-charge-key", _set("charges.0.offence", "x"), ("charges[0].offence", "unknown key")),
    ("unknown-charge-key-with_", _set("charges.0.with_", "B"), ("charges[0].with_", "unknown key")),
    ("unknown-exception-key", _set("exceptions.0.reason", "x"), ("exceptions[0].reason", "unknown key")),
    # unknown values
    ("unknown-role", _set("people.0.role", "sex_worker"), ("people[0].role", "sex_worker")),
    ("unknown-offense", _set("charges.0.offense", "prostitution"), ("charges[0].offense", "prostitution")),
    ("unknown-status", _set("charges.0.status", "open"), ("charges[0].status", "open")),
    ("unknown-fact-type", _set("facts.0.type", "assault"), ("facts[0].type", "assault")),
    ("unknown-exception-status", _set("exceptions.0.status", "granted"), ("exceptions[0].status", "granted")),
    ("unknown-ground", _set("exceptions.0.ground", "public_safety"), ("exceptions[0].ground", "public_safety")),
    ("case-role", _set("people.0.role", "Seller"), ("people[0].role", "Seller")),
    # wrong types
    ("people-not-a-list", _set("people", {"A": {"role": "seller"}}), ("people", "list")),
    ("person-not-an-object", _set("people.0", "A"), ("people[0]", "object")),
    ("age-as-text", _set("people.0.age", "29"), ("people[0].age",)),
    ("age-as-bool", _set("people.0.age", True), ("people[0].age",)),
    ("age-fraction", _set("people.0.age", 29.5), ("people[0].age",)),
    ("age-negative", _set("people.0.age", -1), ("people[0].age",)),
    ("flag-as-text", _set("people.0.trafficking_victim", "yes"), ("people[0].trafficking_victim",)),
    ("arose-as-number", _set("charges.0.arose_from_exchange", 1), ("charges[0].arose_from_exchange",)),
    ("name-as-number", _set("people.0.name", 7), ("people[0].name",)),
    ("case-number-as-number", _set("case_number", 142), ("case_number",)),
    ("id-as-number", _set("charges.0.id", 1), ("charges[0].id",)),
    # dates
    ("30-february", _set("incident_date", "2026-02-30"), ("incident_date", "2026-02-30")),
    ("29-february-common-year", _set("people.0.date_of_birth", "2025-02-29"), ("people[0].date_of_birth",)),
    ("month-13", _set("charges.1.offense_date", "2026-13-01"), ("charges[1].offense_date",)),
    ("us-date", _set("incident_date", "03/14/2026"), ("incident_date",)),
    ("short-date", _set("incident_date", "2026-3-14"), ("incident_date",)),
    ("basic-format", _set("incident_date", "20260314"), ("incident_date",)),
    ("date-time", _set("incident_date", "2026-03-14T10:00:00"), ("incident_date",)),
    ("date-as-number", _set("incident_date", 20260314), ("incident_date",)),
    ("disposition-date", _set("charges.0.disposition_date", "2026-04-31"), ("charges[0].disposition_date",)),
    ("non-ascii-digits", _set("incident_date", "２０２６-03-14"), ("incident_date",)),
    # duplicates
    ("duplicate-person", _set("people.1.id", "A"), ("people[1].id", "'A'")),
    ("duplicate-charge", _set("charges.1.id", "1"), ("charges[1].id", "'1'")),
    # references to nothing
    ("charge-person", _set("charges.0.person", "C"), ("charges[0].person", "'C'")),
    ("charge-with", _set("charges.0.with", "Z"), ("charges[0].with", "'Z'")),
    ("fact-by", _set("facts.0.by", "Q"), ("facts[0].by", "'Q'")),
    ("fact-against", _set("facts.0.against", "Q"), ("facts[0].against", "'Q'")),
    ("exception-charge", _set("exceptions.0.charge", "9"), ("exceptions[0].charge", "'9'")),
    ("with-is-the-holder", _set("charges.0.with", "A"), ("charges[0].with",)),
    # date of birth and age disagreeing
    ("age-disagrees", _set("people.0.age", 30), ("people[0].age", "30", "29")),
    ("age-disagrees-by-a-day", lambda r: _set("people.0.age", 30)(_set("people.0.date_of_birth", "1996-03-15")(r)),
     ("people[0].age",)),
    # an approved exception without a ground
    ("approved-without-ground", lambda r: _set("exceptions.0.status", "approved")(
        _set("exceptions.0.ground", DELETE)(r)), ("exceptions[0].ground", "approved")),
    ("approved-with-null-ground", lambda r: _set("exceptions.0.status", "approved")(
        _set("exceptions.0.ground", None)(r)), ("exceptions[0].ground",)),
    # the whole document
    ("not-an-object", lambda r: [r], ("object",)),
]


@pytest.mark.parametrize(("name", "mutate", "fragments"), BAD, ids=[b[0] for b in BAD])
def test_parse_case_refuses(name: str, mutate: Mutation, fragments: tuple[str, ...]) -> None:
    raw = mutate(copy.deepcopy(valid()))
    with pytest.raises(CaseInputError) as caught:
        parse_case(raw)
    for fragment in fragments:
        assert fragment in str(caught.value), (fragment, str(caught.value))


@pytest.mark.parametrize(("name", "mutate", "fragments"), BAD, ids=[b[0] for b in BAD])
def test_screen_refuses(name: str, mutate: Mutation, fragments: tuple[str, ...], tmp_path: Path,
                        capsys: pytest.CaptureFixture[str]) -> None:
    path = write_case(tmp_path, mutate(copy.deepcopy(valid())))
    message = assert_bad_input(run_main(capsys, "screen", str(path)), str(path), *fragments)
    assert message.startswith(f"{path}: ")


# One of each kind the spec lists, in a real process started in an empty folder.
SPEC_KINDS = ["no-case-number", "unknown-person-key", "unknown-offense", "30-february", "duplicate-person",
              "duplicate-charge", "charge-person", "charge-with", "fact-by", "fact-against", "exception-charge",
              "age-disagrees", "approved-without-ground"]


@pytest.mark.parametrize(("name", "mutate", "fragments"), [b for b in BAD if b[0] in SPEC_KINDS], ids=SPEC_KINDS)
def test_screen_refuses_in_a_process(name: str, mutate: Mutation, fragments: tuple[str, ...],
                                     tmp_path: Path) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    path = write_case(tmp_path, mutate(copy.deepcopy(valid())))
    assert_bad_input(run_cli("screen", str(path), cwd=folder), str(path), *fragments)
    assert list(folder.iterdir()) == []  # nothing written
    assert sorted(tmp_path.iterdir()) == sorted([folder, path])


def test_the_valid_case_is_valid(tmp_path: Path) -> None:
    """The base of every mutation above screens fine, so each refusal is the mutation's doing."""
    parse_case(valid())
    done = run_cli("screen", str(write_case(tmp_path, valid())))
    assert done.returncode == 0, done.stderr


def test_an_agreeing_age_and_date_of_birth_are_accepted() -> None:
    raw = _set("people.0.age", 29)(valid())
    assert parse_case(raw).people[0].age == 29


def test_null_optional_fields_are_accepted() -> None:
    raw = valid()
    raw["people"][0].update(name=None, age=None, trafficking_victim=None)
    raw["charges"][0].update(status=None, offense_date=None, statute=None)
    raw["facts"] = None
    case = parse_case(raw)
    assert case.charges[0].status == "pending"
    assert case.facts == ()


def test_fields_kept_for_the_case_file_are_accepted() -> None:
    raw = valid()
    raw.update(county="Kings", agency="NYPD", court="Criminal Court", notes="n")
    raw["people"][0].update(person_key="NYSID 1", race_ethnicity="x", gender_identity="trans woman", notes="n")
    raw["charges"][0].update(statute="PL 230.00", court="c", docket_number="d", disposition_date="2026-04-01",
                             notes="n")
    case = parse_case(raw)
    assert case.people[0].gender_identity == "trans woman"
    assert case.charges[0].docket_number == "d"


# ------------------------------------------------------------------------------------------------ raw text


TEXT_BAD = [
    ("empty", "", ("invalid JSON",)),
    ("truncated", json.dumps(valid())[:-1], ("invalid JSON",)),
    ("trailing-comma", '{"case_number": "1",}', ("invalid JSON",)),
    ("single-quotes", "{'case_number': '1'}", ("invalid JSON",)),
    ("two-documents", json.dumps(valid()) + json.dumps(valid()), ("invalid JSON",)),
    ("deep-nesting", "[" * 100_000 + "]" * 100_000, ("nested",)),
    ("huge-number", '{"case_number": ' + "9" * 5000 + "}", ("invalid JSON",)),
    ("duplicate-key", json.dumps(valid())[:-1] + ', "case_number": "other"}', ("case_number", "more than once")),
    ("duplicate-nested-key", json.dumps(valid()).replace('"role": "buyer"', '"role": "buyer", "role": "seller"'),
     ("people[1].role", "more than once")),
    ("lone-surrogate", json.dumps(valid()).replace("Dana Roe", "Dana \\ud800"), ("people[0].name", "Unicode")),
    ("lone-surrogate-key", json.dumps(valid()).replace('"name"', '"n\\udc00"'), ("people[0]", "Unicode")),
]


@pytest.mark.parametrize(("name", "text", "fragments"), TEXT_BAD, ids=[b[0] for b in TEXT_BAD])
def test_decode_case_refuses(name: str, text: str, fragments: tuple[str, ...]) -> None:
    with pytest.raises(CaseInputError) as caught:
        decode_case(text, "case.json")
    assert str(caught.value).startswith("case.json")
    for fragment in fragments:
        assert fragment in str(caught.value)


@pytest.mark.parametrize(("name", "text", "fragments"), TEXT_BAD, ids=[b[0] for b in TEXT_BAD])
def test_screen_refuses_the_text(name: str, text: str, fragments: tuple[str, ...], tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = write_case(tmp_path, text)
    assert_bad_input(run_main(capsys, "screen", str(path)), str(path), *fragments)


@pytest.mark.parametrize("name", ["empty", "deep-nesting", "huge-number", "lone-surrogate"])
def test_screen_refuses_the_text_in_a_process(name: str, tmp_path: Path) -> None:
    ((_, text, fragments),) = [b for b in TEXT_BAD if b[0] == name]
    path = write_case(tmp_path, text)
    assert_bad_input(run_cli("screen", str(path)), str(path), *fragments)


def test_a_byte_order_mark_or_latin_1_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin.json"
    path.write_bytes(json.dumps(valid()).replace("Dana Roe", "Dana Ro\u00e9").encode("latin-1"))
    assert_bad_input(run_cli("screen", str(path)), str(path), "UTF-8")
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + json.dumps(valid()).encode())
    assert_bad_input(run_cli("screen", str(bom)), str(bom))


def test_an_unreadable_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    assert_bad_input(run_cli("screen", str(missing)), str(missing), "no such file")
    assert_bad_input(run_cli("screen", str(tmp_path)), str(tmp_path), "folder")


def test_unicode_text_that_is_valid_is_kept(tmp_path: Path) -> None:
    raw = valid()
    raw["people"][0]["name"] = "Dana Roé \u2028 ☂ 𝄞"
    done = run_cli("screen", str(write_case(tmp_path, raw)))
    assert done.returncode == 0, done.stderr
    assert "Dana Roé \u2028 ☂ 𝄞 (A)" in " ".join(json.loads(done.stdout)["charges"][0]["reasons"])


# ------------------------------------------------------------------------------------------------ .jsonl


def _jsonl(tmp_path: Path, lines: list[str], newline: str = "\n", final: bool = True) -> Path:
    path = tmp_path / "cases.jsonl"
    path.write_bytes((newline.join(lines) + (newline if final else "")).encode("utf-8"))
    return path


def test_jsonl_bad_lines_in_place_good_lines_screened(tmp_path: Path) -> None:
    good = json.dumps(valid())
    missing_role = copy.deepcopy(valid())
    del missing_role["people"][0]["role"]
    lines = [good, "{not json", json.dumps(missing_role), "", good.replace("26-CR-0142", "26-CR-0143")]
    path = _jsonl(tmp_path, lines)
    done = run_cli("screen", str(path))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(out) == 5
    assert out[0]["case_number"] == "26-CR-0142" and out[4]["case_number"] == "26-CR-0143"
    assert set(out[1]) == {"line", "error"} and out[1]["line"] == 2 and "invalid JSON" in out[1]["error"]
    assert out[2]["line"] == 3 and "people[0].role" in out[2]["error"]
    assert out[3]["line"] == 4 and "line 4" in out[3]["error"]
    assert all(f"{path} line {n}" in out[n - 1]["error"] for n in (2, 3, 4))
    # the same messages on standard error, one line each, in order
    assert done.stderr.splitlines() == [out[1]["error"], out[2]["error"], out[3]["error"]]


def test_jsonl_all_good_exits_0(tmp_path: Path) -> None:
    done = run_cli("screen", str(_jsonl(tmp_path, [json.dumps(valid())] * 3)))
    assert done.returncode == 0 and done.stderr == ""
    assert len(done.stdout.splitlines()) == 3


def test_jsonl_line_endings(tmp_path: Path) -> None:
    good = json.dumps(valid())
    for newline, final in (("\r\n", True), ("\n", False), ("\r\n", False)):
        done = run_cli("screen", str(_jsonl(tmp_path, [good, good], newline, final)))
        assert done.returncode == 0, (newline, final, done.stderr)
        assert len(done.stdout.splitlines()) == 2


def test_jsonl_a_string_holding_a_unicode_line_separator_is_one_line(tmp_path: Path) -> None:
    raw = valid()
    raw["people"][0]["name"] = "Dana\u2028Roe\u2029\x0c\x1c\x85"
    line = json.dumps(raw, ensure_ascii=False)
    assert "\n" not in line
    done = run_cli("screen", str(_jsonl(tmp_path, [line, "oops", line])))
    assert done.returncode == 2
    out = [json.loads(x) for x in done.stdout.split("\n") if x]
    assert [o.get("line") for o in out] == [None, 2, None]
    assert [n for n, _ in [(line.number, line) for line in iter_jsonl(line + "\n" + line, "f")]] == [1, 2]


def test_jsonl_text_format_keeps_going(tmp_path: Path) -> None:
    done = run_cli("screen", str(_jsonl(tmp_path, ["[]", json.dumps(valid())])), "--format", "text")
    assert done.returncode == 2
    assert "Line 1:" in done.stdout and "Case 26-CR-0142" in done.stdout
    assert len(done.stderr.splitlines()) == 1


def test_iter_jsonl_numbers_lines_from_1() -> None:
    good = json.dumps(valid())
    found = list(iter_jsonl(f"{good}\n\n{good}\n", "x.jsonl"))
    assert [line.number for line in found] == [1, 2, 3]
    assert [line.case is None for line in found] == [False, True, False]
    assert found[1].error is not None and "x.jsonl line 2" in found[1].error


# ------------------------------------------------------------------------------------------------ version 3


def _v3_base() -> dict[str, Any]:
    """A seller, two buyers, a third party and another person: every role a `with` may wrongly name."""
    return make_case(
        [person("A", "seller", "1996-05-02", name="Dana Roe"), person("A2", "seller", "1990-01-01"),
         person("B", "buyer", OLDER_DOB), person("B2", "buyer", OLDER_DOB),
         person("D", "third_party", OLDER_DOB), person("O", "other", OLDER_DOB)],
        [charge("1", "B", "assault")],
    )


def _one_charge(ch: dict[str, Any], facts: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    raw = _v3_base()
    raw["charges"] = [charge("0", "B", "assault"), ch]
    if facts:
        raw["facts"] = facts
    return raw


# (id, case, field the message names, fragments)
BAD_V3: list[tuple[str, dict[str, Any], str, tuple[str, ...]]] = [
    ("buyer-with-another-buyer", _one_charge(charge("1", "B", "solicitation", "B2")), "charges[1].with",
     ("'B2'", "a buyer", "a seller")),
    ("buyer-with-a-third-party", _one_charge(charge("1", "B", "buying_sex", "D")), "charges[1].with",
     ("a third party", "a seller")),
    ("seller-with-a-seller", _one_charge(charge("1", "A", "selling_sex", "A2")), "charges[1].with",
     ("'A2'", "a seller", "a buyer")),
    ("seller-loitering-with-a-third-party", _one_charge(charge("1", "A", "loitering_for_prostitution", "D")),
     "charges[1].with", ("a buyer",)),
    ("third-party-with-a-buyer", _one_charge(charge("1", "D", "solicitation", "B")), "charges[1].with",
     ("a buyer", "a seller")),
    ("other-with-another", _one_charge(charge("1", "O", "selling_sex", "D")), "charges[1].with", ("a seller",)),
    ("promoting-with-a-buyer", _one_charge(charge("1", "D", "promoting", "B")), "charges[1].with",
     ("promoting", "seller promoted")),
    ("buying-from-minor-with-a-third-party", _one_charge(charge("1", "B", "buying_sex_from_minor", "D")),
     "charges[1].with", ("buying_sex_from_minor", "seller")),
    ("arose-with-a-buyer", _one_charge(charge("1", "B", "trespass", "B2", arose_from_exchange=True)),
     "charges[1].with", ("arose_from_exchange", "a seller")),
    ("sought-minor-by-a-seller", _one_charge(charge("1", "B", "solicitation"), [fact("sought_minor", "A")]),
     "facts[0].by", ("'A'", "a seller", "sought_minor", "buyer")),
    ("sought-minor-by-a-third-party", _one_charge(charge("1", "B", "solicitation"), [fact("sought_minor", "D")]),
     "facts[0].by", ("a third party",)),
    ("knowingly-by-a-seller",
     _one_charge(charge("1", "B", "solicitation"), [fact("knowingly_purchased_from_trafficked", "A2", "A")]),
     "facts[0].by", ("knowingly_purchased_from_trafficked", "buyer")),
    ("knowingly-by-other",
     _one_charge(charge("1", "B", "solicitation"), [fact("knowingly_purchased_from_trafficked", "O")]),
     "facts[0].by", ("buyer",)),
    *((f"arose-on-{offense}", _one_charge(charge("1", "A", offense, arose_from_exchange=True)),
       "charges[1].arose_from_exchange", (offense,))
      for offense in ("selling_sex", "buying_sex", "solicitation", "promoting", "assault", "sexual_assault",
                      "robbery", "homicide", "trafficking", "buying_sex_from_minor")),
]


@pytest.mark.parametrize(("name", "raw", "where", "fragments"), BAD_V3, ids=[b[0] for b in BAD_V3])
def test_version_3_bad_input_in_process(name: str, raw: dict[str, Any], where: str,
                                        fragments: tuple[str, ...]) -> None:
    with pytest.raises(CaseInputError) as caught:
        parse_case(raw)
    assert caught.value.where == where
    for fragment in fragments:
        assert fragment in caught.value.problem, (fragment, str(caught.value))


@pytest.mark.parametrize(("name", "raw", "where", "fragments"), BAD_V3, ids=[b[0] for b in BAD_V3])
def test_version_3_bad_input_through_screen(name: str, raw: dict[str, Any], where: str, fragments: tuple[str, ...],
                                            tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_case(tmp_path, raw)
    message = assert_bad_input(run_main(capsys, "screen", str(path)), f"{path}: {where}: ", *fragments)
    assert message.startswith(f"{path}: {where}: ")


@pytest.mark.parametrize("name", ["buyer-with-another-buyer", "sought-minor-by-a-seller", "arose-on-assault"])
def test_version_3_bad_input_in_a_process(name: str, tmp_path: Path) -> None:
    ((_, raw, where, fragments),) = [b for b in BAD_V3 if b[0] == name]
    folder = tmp_path / "work"
    folder.mkdir()
    path = write_case(tmp_path, raw)
    assert_bad_input(run_cli("screen", str(path), cwd=folder), f"{path}: {where}", *fragments)
    assert list(folder.iterdir()) == []


GOOD_V3: list[tuple[str, dict[str, Any]]] = [
    ("buyer-with-a-seller", _one_charge(charge("1", "B", "solicitation", "A"))),
    ("seller-with-a-buyer", _one_charge(charge("1", "A", "selling_sex", "B2"))),
    ("third-party-with-a-seller", _one_charge(charge("1", "D", "solicitation", "A2"))),
    ("seller-promoting-another-seller", _one_charge(charge("1", "A", "promoting", "A2"))),
    ("arose-seller-with-a-buyer", _one_charge(charge("1", "A", "other", "B", arose_from_exchange=True))),
    # On a charge whose rules do not use `with`, any other person may be named (the case file keeps it).
    ("assault-with-a-buyer", _one_charge(charge("1", "B", "assault", "B2"))),
    ("trespass-with-anyone", _one_charge(charge("1", "A", "trespass", "A2"))),
    ("arose-false-on-assault", _one_charge(charge("1", "A", "assault", arose_from_exchange=False))),
    *((f"arose-on-{offense}", _one_charge(charge("1", "A", offense, arose_from_exchange=True)))
      for offense in ("loitering_for_prostitution", "vagrancy", "trespass", "obscenity", "drug_possession",
                      "public_nuisance", "unlicensed_massage", "other")),
    ("sought-minor-by-a-buyer", _one_charge(charge("1", "B", "solicitation"), [fact("sought_minor", "B")])),
    ("knowingly-by-a-buyer",
     _one_charge(charge("1", "B", "solicitation"), [fact("knowingly_purchased_from_trafficked", "B2", "A")])),
]


@pytest.mark.parametrize(("name", "raw"), GOOD_V3, ids=[g[0] for g in GOOD_V3])
def test_version_3_good_input(name: str, raw: dict[str, Any]) -> None:
    parse_case(raw)


def test_with_naming_the_charged_person_is_bad_on_any_charge() -> None:
    with pytest.raises(CaseInputError) as caught:
        parse_case(_one_charge(charge("1", "B", "assault", "B")))
    assert caught.value.where == "charges[1].with"


# ------------------------------------------------------------------------------------------------ fast paths


@st.composite
def _mutated(draw: st.DrawFn) -> Any:
    """A valid case with one field changed to a nearby wrong value (the shapes a fast path must hand over)."""
    raw = copy.deepcopy(draw(valid_cases()))
    part = draw(st.sampled_from(["people", "charges", "facts"]))
    items = raw.get(part) or raw["people"]
    item = draw(st.sampled_from(items))
    key = draw(st.sampled_from(sorted({*item, "id", "role", "with", "age", "status", "against",
                                       "arose_from_exchange", "date_of_birth", "offense_date", "notes"})))
    item[key] = draw(st.sampled_from([None, True, False, 0, 17, -1, 131, 17.0, "", " ", "A", "B", "Z", "1",
                                      "seller", "buyer", "selling_sex", "trespass", "2026-02-30", "2030-01-01",
                                      "1990-01-01", "2026-3-14", [], {}]))
    return raw


def _both_ways(raw: Any) -> tuple[Any, Any]:
    """parse_case with its fast paths and without: the case, or the error message."""
    from casereview.policy import case as case_module

    out = []
    for fast in (True, False):
        case_module.FAST_PATHS = fast
        try:
            out.append(parse_case(copy.deepcopy(raw)))
        except CaseInputError as exc:
            out.append(str(exc))
        finally:
            case_module.FAST_PATHS = True
    return out[0], out[1]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.one_of(valid_cases(), _mutated()))
def test_the_fast_paths_read_exactly_what_the_checked_paths_read(raw: Any) -> None:
    fast, checked = _both_ways(raw)
    assert fast == checked


@pytest.mark.parametrize(("name", "mutate", "fragments"), BAD, ids=[b[0] for b in BAD])
def test_the_fast_paths_refuse_what_the_checked_paths_refuse(name: str, mutate: Mutation,
                                                              fragments: tuple[str, ...]) -> None:
    fast, checked = _both_ways(mutate(copy.deepcopy(valid())))
    assert isinstance(fast, str) and fast == checked

"""`python -m casereview screen` and `policies`: options, formats, standard input, exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from policy_helpers import (
    FJP,
    GUIDE,
    GUIDE_THIRD_PARTY,
    OLDER_DOB,
    assert_bad_input,
    charge,
    make_case,
    person,
    run_cli,
    run_main,
    screen,
    write_case,
)

from casereview.policy.profile import load_builtin


def _case() -> dict[str, Any]:
    return make_case([person("A", "seller", name="Dana Roe"), person("B", "buyer", OLDER_DOB, name="John Poe"),
                      person("D", "third_party", OLDER_DOB, name="Driver")],
                     [charge("1", "A", "selling_sex"), charge("2", "D", "promoting")])


def test_default_policy_json(tmp_path: Path) -> None:
    done = run_cli("screen", str(write_case(tmp_path, _case())))
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.endswith("\n")
    out = json.loads(done.stdout)
    assert out == screen(_case())
    assert out["policy"] == {"id": FJP, "version": load_builtin(FJP).version, "presumptive": True}
    assert [(c["decision"], c["sections"]) for c in out["charges"]] == [("decline", ["1(a)"]),
                                                                       ("discretion", ["5"])]
    assert any("presumptively" in r for r in out["charges"][0]["reasons"])


def test_guide_policy(tmp_path: Path) -> None:
    done = run_cli("screen", str(write_case(tmp_path, _case())), "--policy", GUIDE)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["policy"]["id"] == GUIDE and out["policy"]["version"] == load_builtin(GUIDE).version
    assert out["charges"][1]["sections"] == [GUIDE_THIRD_PARTY]


@pytest.mark.parametrize("policy", [FJP, GUIDE])
def test_no_presumptive(tmp_path: Path, policy: str) -> None:
    done = run_cli("screen", str(write_case(tmp_path, _case())), "--no-presumptive", "--policy", policy)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["policy"]["presumptive"] is False
    assert out["charges"][0]["decision"] == "decline"
    assert out["charges"][0]["exception_allowed"] is True
    assert "presumptively" not in done.stdout
    assert out == screen(_case(), policy, presumptive=False)


def test_text_format(tmp_path: Path) -> None:
    done = run_cli("screen", str(write_case(tmp_path, _case())), "--format", "text")
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert text.startswith("Case 26-CR-0142 (incident 2026-03-14)")
    assert "Decision: DECLINE — section 1(a)" in text
    assert "A section 8 exception may be requested." in text
    assert "Decision: DISCRETION — section 5" in text
    assert "presumptively decline" in text
    assert load_builtin(FJP).sections["1(a)"].text in text
    assert load_builtin(FJP).quote("1(a)").splitlines()[0] in text
    assert load_builtin(FJP).attribution in text


def test_text_format_without_presumptive(tmp_path: Path) -> None:
    done = run_cli("screen", str(write_case(tmp_path, _case())), "--format", "text", "--no-presumptive")
    assert done.returncode == 0
    assert "presumptively decline" not in done.stdout and "will decline" in done.stdout


def test_standard_input() -> None:
    done = run_cli("screen", "-", stdin=json.dumps(_case()))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == screen(_case())


def test_standard_input_bad_input() -> None:
    assert_bad_input(run_cli("screen", "-", stdin="{"), "invalid JSON")
    assert_bad_input(run_cli("screen", "-", stdin=b"\xff\xfe{}"), "standard input", "UTF-8")


def test_unknown_policy(tmp_path: Path) -> None:
    done = run_cli("screen", str(write_case(tmp_path, _case())), "--policy", "fjp-model-2024")
    assert_bad_input(done, "--policy", "fjp-model-2024", FJP, GUIDE)


def test_unknown_policy_before_a_missing_file(tmp_path: Path) -> None:
    assert_bad_input(run_cli("screen", str(tmp_path / "x.json"), "--policy", "nope"), "--policy")


@pytest.mark.parametrize("args", [
    ["screen"],
    ["screen", "a.json", "--format", "xml"],
    ["screen", "a.json", "--presumptive"],
    ["screen", "a.json", "b.json"],
    ["scren", "a.json"],
    [],
])
def test_usage_errors_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    done = run_main(capsys, *args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr


def test_usage_error_in_a_process() -> None:
    done = run_cli("screen", "--format", "xml", "a.json")
    assert done.returncode == 2 and done.stdout == "" and "--format" in done.stderr


def test_policies_lists_every_profile() -> None:
    done = run_cli("policies")
    assert done.returncode == 0, done.stderr
    rows = [line.split("\t") for line in done.stdout.splitlines()]
    assert {row[0] for row in rows} == {FJP, GUIDE}
    for row in rows:
        profile = load_builtin(row[0])
        assert row[1:] == [profile.title, f"version {profile.version}", profile.source]


def test_jsonl_with_options(tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    path.write_text(json.dumps(_case()) + "\n" + json.dumps(_case()) + "\n", encoding="utf-8")
    done = run_cli("screen", str(path), "--policy", GUIDE, "--no-presumptive")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2
    assert all(json.loads(line) == screen(_case(), GUIDE, presumptive=False) for line in lines)


def test_the_in_process_and_process_runs_agree(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(write_case(tmp_path, _case()))
    assert run_main(capsys, "screen", path).stdout == run_cli("screen", path).stdout


def _past_case() -> dict[str, Any]:
    return make_case([person("A", "seller", name="Dana Roe"), person("B", "buyer", OLDER_DOB, name="John Poe"),
                      person("T", "seller", trafficking_victim=True, name="Ana")],
                     [charge("1", "A", "selling_sex", "B", status="convicted"),
                      charge("2", "T", "loitering_for_prostitution", status="arrest_only"),
                      charge("3", "A", "drug_possession", status="dismissed"),
                      charge("4", "B", "solicitation", "A")], incident="2015-06-01")


@pytest.mark.parametrize("policy", [FJP, GUIDE])
def test_relief_sections_on_every_decision_in_json(policy: str, tmp_path: Path) -> None:
    done = run_cli("screen", str(write_case(tmp_path, _past_case())), "--policy", policy)
    assert done.returncode == 0, done.stderr
    charges = json.loads(done.stdout)["charges"]
    assert all("relief_sections" in c for c in charges)
    assert [(c["record_relief"], c["relief_sections"]) for c in charges][:2] == [
        ("do_not_contest", ["6"]), ("do_not_contest", ["3"])]
    assert charges[3]["relief_sections"] == [] and charges[3]["record_relief"] is None


def test_text_format_names_the_relief_ground_and_uses_plain_words(tmp_path: Path) -> None:
    done = run_cli("screen", str(write_case(tmp_path, _past_case())), "--format", "text", "--policy", GUIDE)
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert "Charge 1: selling sex — Dana Roe (A) (seller)" in text
    assert "Charge 2: loitering for prostitution — Ana (T) (seller)" in text
    assert "  Record relief: do not contest (ground: section 6)" in text
    assert "  Record relief: do not contest (ground: section 3)" in text
    assert "  Record relief: do not contest (ground: the community guide's “Drop current charges" in text
    for code in ("selling_sex", "loitering_for_prostitution", "drug_possession", "do_not_contest", "third_party"):
        assert code not in text, code


def test_text_format_quotes_a_subsection_with_its_opening_words(tmp_path: Path) -> None:
    done = run_cli("screen", str(write_case(tmp_path, _case())), "--format", "text")
    assert done.returncode == 0, done.stderr
    assert "“Absent extenuating circumstances warranting an exception (as discussed herein), this office will not " \
        "file criminal charges based solely on:" in done.stdout


def test_text_format_names_what_to_find_out(tmp_path: Path) -> None:
    raw = make_case([person("A", "seller", None, name="Dana Roe")], [charge("1", "A", "selling_sex")])
    done = run_cli("screen", str(write_case(tmp_path, raw)), "--format", "text")
    assert "  To find out about Dana Roe (A): their age" in done.stdout

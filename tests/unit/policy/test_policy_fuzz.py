"""Fuzzing: garbage and mutated cases give a clean CaseInputError (exit 2 with one message) or a screening
(exit 0) that keeps the spec's invariants; never a traceback."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from policy_helpers import PROFILES, run_cli
from policy_strategies import valid_cases

from casereview.policy.case import (
    VICTIM_FACTS,
    Case,
    CaseInputError,
    is_exchange_related,
)
from casereview.policy.engine import screen_case
from casereview.policy.profile import DECISIONS, NEEDS, RELIEF_OUTCOMES, load_builtin
from casereview.policy.screening_io import decode_case, format_text

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ------------------------------------------------------------------------------------------------ strategies

_json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**20), 10**20), st.floats(allow_nan=False), st.text(max_size=12),
    st.sampled_from(["", " ", "2026-02-30", "2026-03-14", "A", "B", "1", "seller", "approved", "selling_sex",
                     "\u2028", "\ud800", "１"]),
)
_json = st.recursive(_json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=12)


def _slots(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside decoded JSON."""
    out = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _slots(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += _slots(item, (*path, i))
    return out


@st.composite
def mutated_cases(draw: st.DrawFn) -> Any:
    raw = copy.deepcopy(draw(valid_cases()))
    for _ in range(draw(st.integers(1, 3))):
        slots = [s for s in _slots(raw) if s]
        if not slots:
            break
        path = draw(st.sampled_from(slots))
        parent: Any = raw
        for key in path[:-1]:
            parent = parent[key]
        last = path[-1]
        how = draw(st.sampled_from(["delete", "replace", "unknown_key", "swap_text", "duplicate"]))
        if how == "delete":
            del parent[last]
        elif how == "replace":
            parent[last] = draw(_json)
        elif how == "unknown_key" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=8))] = draw(_json_scalars)
        elif how == "swap_text":
            parent[last] = draw(st.sampled_from(["A", "B", "Z", "1", "9", "", "2025-02-29", "0000-01-01"]))
        elif how == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
    return raw


# ------------------------------------------------------------------------------------------------ invariants


def _check_screening(case: Case, presumptive: bool = True) -> None:
    for policy in PROFILES:
        profile = load_builtin(policy)
        screening = screen_case(case, profile, presumptive=presumptive)
        out = screening.to_json()
        json.dumps(out, ensure_ascii=False).encode("utf-8")  # writable as UTF-8
        format_text(case, screening, profile).encode("utf-8")
        assert [c["charge"] for c in out["charges"]] == [c.id for c in case.charges]
        people = {p.id for p in case.people}
        for result, ch in zip(out["charges"], case.charges, strict=True):
            decision, sections = result["decision"], result["sections"]
            assert decision in DECISIONS
            assert sections and all(s in profile.sections for s in sections)
            assert result["quote"] == profile.quote(sections[0])
            if result["exception_allowed"]:
                assert decision == "decline" and ch.status in ("pending", "filed")
            if ch.status in ("pending", "filed"):
                assert result["record_relief"] is None
            else:
                assert result["record_relief"] in RELIEF_OUTCOMES
            assert bool(result["relief_sections"]) is (result["record_relief"] == "do_not_contest")
            missing = [m for m in out["missing"] if m["charge"] == ch.id]
            assert bool(missing) is (decision == "review"), result
            assert all(m["need"] in NEEDS and m["person"] in people for m in missing)
            if decision == "discretion":
                assert sections == ["5"]
            elif decision == "protect":
                assert sections == [s for s in ("4", "3", "2") if s in sections]
            elif decision == "decline":
                assert len(sections) == 1 and (sections[0] in ("1(a)", "1(b)") or sections[0].startswith("guide: "))
            elif decision == "charge":
                assert set(sections) <= {"2(a)", "2(b)", "2(c)", "2(d)", "2(e)", "2", "3", "4", "8"}
            joined = " ".join(result["reasons"])
            assert ("presumptively" in joined) is (presumptive and screening.charges[
                [c.id for c in case.charges].index(ch.id)].base_decision == "decline")
            _check_principle(case, ch, decision)


def _check_principle(case: Case, ch: Any, decision: str) -> None:
    """Spec: "when in doubt, the rules never charge a person the policy treats as a victim"."""
    holder = case.person(ch.person)
    on = ch.offense_date or case.incident_date
    victim_of = {f.type for f in case.facts if f.against == holder.id}
    if holder.role == "seller" and victim_of & set(VICTIM_FACTS):
        assert decision in ("protect", "review")
    if holder.role != "buyer" and is_exchange_related(ch.offense, ch.arose_from_exchange):
        rng = case.age_range(holder, on)
        if (rng is not None and rng.minor) or holder.trafficking_victim or "trafficking" in victim_of:
            assert decision == "protect"


# ------------------------------------------------------------------------------------------------ properties


@FAST
@given(raw=valid_cases(), presumptive=st.booleans())
def test_generated_valid_cases_screen_with_the_invariants(raw: dict[str, Any], presumptive: bool) -> None:
    case = decode_case(json.dumps(raw), "case.json")
    _check_screening(case, presumptive)


@FAST
@given(raw=mutated_cases())
def test_mutated_cases_raise_only_case_input_error(raw: Any) -> None:
    try:
        case = decode_case(json.dumps(raw), "case.json")
    except CaseInputError as exc:
        assert str(exc).startswith("case.json")
        assert len(str(exc).splitlines()) == 1, str(exc)  # one message, one line
        str(exc).encode("utf-8")
        return
    _check_screening(case)


@FAST
@given(text=st.text(max_size=200))
def test_any_text_raises_only_case_input_error(text: str) -> None:
    try:
        case = decode_case(text, "x")
    except CaseInputError as exc:
        assert len(str(exc).splitlines()) == 1, str(exc)
        return
    _check_screening(case)


@FAST
@given(value=_json)
def test_any_json_raises_only_case_input_error(value: Any) -> None:
    try:
        case = decode_case(json.dumps(value), "x")
    except CaseInputError as exc:
        assert len(str(exc).splitlines()) == 1, str(exc)
        return
    _check_screening(case)


@FAST
@given(raw=valid_cases(), data=st.data())
def test_text_near_a_valid_case_raises_only_case_input_error(raw: dict[str, Any], data: st.DataObject) -> None:
    text = json.dumps(raw)
    cut = data.draw(st.integers(0, len(text)))
    insert = data.draw(st.sampled_from(["", ",", "}", "{", '"', "\\u", "\\ud800", "null", "1e999", "-", "]"]))
    text = text[:cut] + insert + text[cut + data.draw(st.integers(0, 3)):]
    try:
        case = decode_case(text, "x")
    except CaseInputError as exc:
        assert len(str(exc).splitlines()) == 1, str(exc)
        return
    _check_screening(case)


# A few runs of the real command: exit 0 with JSON, or exit 2 with one message; never a traceback.
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(raw=st.one_of(mutated_cases(), valid_cases()), suffix=st.sampled_from([".json", ".jsonl"]))
def test_the_command_never_shows_a_traceback(raw: Any, suffix: str, tmp_path: Path) -> None:
    path = tmp_path / f"fuzz{suffix}"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8", errors="surrogatepass")
    done = run_cli("screen", str(path))
    assert "Traceback" not in done.stderr
    assert done.returncode in (0, 2), done.stderr
    if done.returncode == 0:
        assert done.stderr == ""
        json.loads(done.stdout.splitlines()[0] if suffix == ".jsonl" else done.stdout)
    else:
        assert len(done.stderr.strip().splitlines()) == 1
        if suffix == ".json" or "not UTF-8" in done.stderr:  # the whole file is refused
            assert done.stdout == ""
        else:  # the bad line's place is kept
            (line,) = done.stdout.splitlines()
            assert json.loads(line) == {"line": 1, "error": done.stderr.strip()}

"""Reading screening input files and writing decisions, as ``spec/screening.md`` sets out for `screen`.

Kept apart from the store so that `python -m casereview screen` starts light: it needs only the policy
package.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from casereview.policy.case import Case, CaseInputError, field_path, parse_case
from casereview.policy.engine import Screening, relief_words
from casereview.policy.profile import PolicyProfile


class _Object(dict[str, Any]):
    """A decoded JSON object that remembers the keys it was given more than once."""

    duplicate_keys: tuple[str, ...] = ()


class _GivenTwice(Exception):
    """An object of the JSON text gives a key more than once."""


def _plain_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _GivenTwice
    return obj


# One decoder for every text (making one per text costs a sixth of the decoding time); it stops at a key
# given twice, and the text is decoded again marking them.
_PLAIN = json.JSONDecoder(object_pairs_hook=_plain_object)


def _decode(text: str) -> tuple[Any, bool]:
    """The decoded JSON, and whether an object in it gives a key twice (json.loads keeps the last one)."""
    try:
        return _PLAIN.decode(text), False
    except _GivenTwice:
        pass

    def object_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) == len(pairs):
            return obj
        seen: set[str] = set()
        again: list[str] = []
        for key, _ in pairs:
            if key in seen:
                again.append(key)
            seen.add(key)
        marked = _Object(pairs)
        marked.duplicate_keys = tuple(again)
        return marked

    return json.JSONDecoder(object_pairs_hook=object_pairs).decode(text), True


# A lone surrogate (a "\ud800" escape, or an undecodable byte read from standard input) cannot be written out.
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")


def _may_hold_surrogate(text: str) -> bool:
    """Whether the JSON text holds a lone surrogate or an escape that may decode to one (the cheap tests first:
    most lines are ASCII, and few hold a \\u escape)."""
    if not text.isascii() and _SURROGATE.search(text):
        return True
    return "\\u" in text and _SURROGATE_ESCAPE.search(text) is not None


def _find(value: Any, where: str, found: Callable[[Any, str], None]) -> None:
    """Call `found` on every value of decoded JSON with its path; it raises CaseInputError at a problem."""
    found(value, where)
    if isinstance(value, dict):
        for key, item in value.items():
            _find(item, field_path(where, key), found)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _find(item, f"{where}[{i}]", found)


def _duplicate(value: Any, where: str) -> None:
    keys = getattr(value, "duplicate_keys", ())
    if keys:
        raise CaseInputError(field_path(where, keys[0]), "is given more than once; give each field once")


def _lone_surrogate(value: Any, where: str) -> None:
    if isinstance(value, dict):
        for key in value:
            if _SURROGATE.search(key):
                raise CaseInputError(where or "the case", "has a key that is not valid Unicode text "
                                     "(it holds a lone surrogate)")
    elif isinstance(value, str) and _SURROGATE.search(value):
        raise CaseInputError(where, "is not valid Unicode text (it holds a lone surrogate)")


def decode_case(text: str, where: str) -> Case:
    """Parse one case from JSON text; raise CaseInputError naming `where` (file or line) and the problem."""
    try:
        raw, duplicates = _decode(text)
    except json.JSONDecodeError as exc:
        raise CaseInputError(
            where, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise CaseInputError(where, "invalid JSON: nested too deeply") from None
    except ValueError as exc:  # e.g. a number with more digits than Python converts
        raise CaseInputError(where, f"invalid JSON: {exc}") from None
    try:
        if _may_hold_surrogate(text):
            _find(raw, "", _lone_surrogate)
        if duplicates:
            _find(raw, "", _duplicate)
        return parse_case(raw)
    except CaseInputError as exc:
        raise CaseInputError(f"{where}: {exc.where}" if exc.where else where, exc.problem) from None
    except RecursionError:
        raise CaseInputError(where, "nested too deeply") from None


@dataclass(frozen=True, slots=True)
class Line:
    number: int
    case: Case | None
    error: str | None


def split_jsonl(text: str) -> list[str]:
    """The lines of a .jsonl file; a final newline adds no line, and a line's closing "\\r" is dropped."""
    # Lines end at "\n" only (JSON Lines): a JSON string may hold U+2028 or a form feed, which str.splitlines
    # would treat as line ends, misaligning the output with the input.
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [ln[:-1] if ln.endswith("\r") else ln for ln in lines]


def iter_lines(lines: list[str], name: str, first_number: int = 1) -> Iterator[Line]:
    """Each line as a case or an error, numbered from `first_number`."""
    for number, line in enumerate(lines, first_number):
        if not line.strip():
            yield Line(number, None, f"{name} line {number}: the line is empty (expected one case as JSON)")
            continue
        try:
            yield Line(number, decode_case(line, f"{name} line {number}"), None)
        except CaseInputError as exc:
            yield Line(number, None, str(exc))


def iter_jsonl(text: str, name: str) -> Iterator[Line]:
    """Each line of a .jsonl file as a case or an error, numbered from 1."""
    return iter_lines(split_jsonl(text), name)


def format_text(case: Case, screening: Screening, profile: PolicyProfile) -> str:
    """A readable summary a person can paste into a memo."""
    mode = "presumptive" if screening.presumptive else "without “presumptively”"
    out = [f"Case {case.case_number} (incident {case.incident_date.isoformat()})",
           f"Policy: {profile.title} ({profile.id}, version {profile.version}, {mode})", ""]
    charges = {c.id: c for c in case.charges}
    for d in screening.charges:
        charge = charges[d.charge]
        holder = case.person(d.person)
        statute = f", {charge.statute}" if charge.statute else ""
        role = profile.role_label(holder.role)
        out.append(f"Charge {d.charge}: {profile.offense_label(charge.offense)}{statute} — {holder.label()} ({role})")
        out.append(f"  Decision: {d.decision.upper().replace('_', ' ')} — {profile.cite(d.sections)}")
        if d.exception_allowed:
            out.append("  A section 8 exception may be requested.")
        if d.record_relief is not None:
            out.append(f"  Record relief: {relief_words(profile, d)}")
        for reason in d.reasons:
            out.append(f"  - {reason}")
        for need in d.missing:
            out.append(f"  To find out about {case.person(need.person).label()}: {profile.need_label(need.need)}")
        section = profile.sections[d.sections[0]]
        if section.id.startswith("guide: "):  # the guide's words are the guide's, never the policy's (spec)
            out.append(f"  Community guide, “{section.title}”:")
        else:
            out.append(f"  Policy, section {section.id} ({section.title}):")
        out.extend(f"    {line}" if line else "" for line in f"“{d.quote}”".splitlines())
        out.append("")
    out.append(profile.attribution)
    return "\n".join(out) + "\n"


# What json.dumps(value, ensure_ascii=False, separators=(",", ":")) uses, made once: dumps makes one per call.
_LINE_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def to_json_line(value: Any) -> str:
    return _LINE_ENCODER.encode(value)

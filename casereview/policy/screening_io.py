"""Reading screening input files and writing decisions, as ``spec/screening.md`` sets out for `screen`.

Kept apart from the store so that `python -m casereview screen` starts light: it needs only the policy package.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from casereview.policy.case import Case, CaseInputError, parse_case
from casereview.policy.engine import Screening
from casereview.policy.profile import PolicyProfile


def decode_case(text: str, where: str) -> Case:
    """Parse one case from JSON text; raise CaseInputError naming `where` (file or line) and the problem."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CaseInputError(where, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    try:
        return parse_case(raw)
    except CaseInputError as exc:
        raise CaseInputError(f"{where}: {exc.where}" if exc.where else where, exc.problem) from None


@dataclass(frozen=True, slots=True)
class Line:
    number: int
    case: Case | None
    error: str | None


def iter_jsonl(text: str, name: str) -> Iterator[Line]:
    """Each line of a .jsonl file as a case or an error, numbered from 1; a final newline adds no line."""
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            yield Line(number, None, f"{name} line {number}: the line is empty (expected one case as JSON)")
            continue
        try:
            yield Line(number, decode_case(line, f"{name} line {number}"), None)
        except CaseInputError as exc:
            yield Line(number, None, str(exc))


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
        out.append(f"Charge {d.charge}: {charge.offense}{statute} — {holder.label()} ({holder.role.replace('_', ' ')})")
        out.append(f"  Decision: {d.decision.upper().replace('_', ' ')} — section {', '.join(d.sections)}")
        if d.exception_allowed:
            out.append("  A section 8 exception may be requested.")
        if d.record_relief is not None:
            out.append(f"  Record relief (section 6): {d.record_relief.replace('_', ' ')}")
        for reason in d.reasons:
            out.append(f"  - {reason}")
        for need in d.missing:
            out.append(f"  To find out: {need.need.replace('_', ' ')} of {case.person(need.person).label()}")
        section = profile.sections[d.sections[0]]
        out.append(f"  Policy, section {section.id} ({section.title}):")
        out.extend(f"    {line}" if line else "" for line in f"“{d.quote}”".splitlines())
        out.append("")
    out.append(profile.attribution)
    return "\n".join(out) + "\n"


def to_json_line(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

"""Builders for cases in the screening input format, and one way to screen them in-process or by the CLI.

Shared by the tests in this folder (which has no ``__init__.py``: pytest puts it on ``sys.path``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from casereview.policy.case import parse_case
from casereview.policy.engine import screen_case
from casereview.policy.profile import load_builtin

ROOT = Path(__file__).resolve().parents[3]
SEEDS = Path("/work/shared/seeds")
FJP = "fjp-model-2025"
GUIDE = "community-guide-model"
PROFILES = (FJP, GUIDE)
GUIDE_THIRD_PARTY = "guide: Decline prosecution of 'third party' charges"
GUIDE_QUALITY_OF_LIFE = "guide: Decline prosecution of 'quality-of-life' and other offenses that engage sex workers"
GUIDE_DROP = ("guide: Drop current charges, advocate to courts to dismiss current and past warrants, charges and "
              "cases, and advocate to courts and legislatures to expunge related convictions")

INCIDENT = "2026-03-14"
ADULT_DOB = "1990-05-02"  # 35 on the incident date
OLDER_DOB = "1971-11-30"
MINOR_DOB = "2009-01-10"  # 17 on the incident date


def person(pid: str, role: str, dob: str | None = ADULT_DOB, **extra: Any) -> dict[str, Any]:
    """A person; `dob=None` leaves the date of birth out (give `age=` instead, or nothing for an unknown age)."""
    out: dict[str, Any] = {"id": pid, "role": role}
    if dob is not None:
        out["date_of_birth"] = dob
    out.update(extra)
    return out


def charge(cid: str, holder: str, offense: str, with_: str | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"id": cid, "person": holder, "offense": offense}
    if with_ is not None:
        out["with"] = with_
    out.update(extra)
    return out


def fact(kind: str, by: str, against: str | None = None) -> dict[str, Any]:
    out = {"type": kind, "by": by}
    if against is not None:
        out["against"] = against
    return out


def exception(cid: str, status: str, ground: str | None = None) -> dict[str, Any]:
    out = {"charge": cid, "status": status}
    if ground is not None:
        out["ground"] = ground
    return out


def make_case(people: Sequence[dict[str, Any]], charges: Sequence[dict[str, Any]],
              facts: Sequence[dict[str, Any]] = (), exceptions: Sequence[dict[str, Any]] = (),
              incident: str = INCIDENT, number: str = "26-CR-0142") -> dict[str, Any]:
    out: dict[str, Any] = {"case_number": number, "incident_date": incident, "people": list(people),
                           "charges": list(charges)}
    if facts:
        out["facts"] = list(facts)
    if exceptions:
        out["exceptions"] = list(exceptions)
    return out


def screen(raw: dict[str, Any], policy: str = FJP, presumptive: bool = True) -> dict[str, Any]:
    """The spec's JSON output for a case, screened in-process."""
    return screen_case(parse_case(raw), load_builtin(policy), presumptive=presumptive).to_json()


def decide(raw: dict[str, Any], cid: str, policy: str = FJP, presumptive: bool = True) -> dict[str, Any]:
    """The output for one charge, with the case's `missing` entries for that charge added as "missing"."""
    out = screen(raw, policy, presumptive)
    (found,) = [c for c in out["charges"] if c["charge"] == cid]
    return {**found, "missing": [m for m in out["missing"] if m["charge"] == cid]}


def brief(result: dict[str, Any]) -> tuple[str, list[str]]:
    return result["decision"], result["sections"]


def section_text(policy: str, section: str) -> str:
    """A section's own text, exactly as the policy has it."""
    return load_builtin(policy).sections[section].text


def quote_of(policy: str, section: str) -> str:
    """What a decision citing the section quotes (a lettered subsection with its section's opening words)."""
    return load_builtin(policy).quote(section)


def run_cli(*args: str, stdin: str | bytes | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """`python -m casereview ARGS`; standard output and error decoded as UTF-8."""
    env = dict(os.environ)
    env.pop("PYTHONIOENCODING", None)
    done = subprocess.run(
        [sys.executable, "-m", "casereview", *args], cwd=cwd, env=env, capture_output=True, timeout=120,
        input=stdin.encode("utf-8") if isinstance(stdin, str) else stdin,
    )
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode("utf-8"),
                                       done.stderr.decode("utf-8"))


def write_case(folder: Path, raw: Any, name: str = "case.json") -> Path:
    path = folder / name
    path.write_text(raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    return path


def assert_bad_input(done: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """Exit 2, nothing on standard output, one message on standard error naming every fragment."""
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def run_main(capsys: Any, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m casereview ARGS` in this process (fast); a usage error's SystemExit becomes its code."""
    from casereview.__main__ import main

    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(list(args), code, out, err)

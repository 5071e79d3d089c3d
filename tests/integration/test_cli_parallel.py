"""A large .jsonl file is screened in chunks on several processes: output stays aligned with the input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from casereview.policy.case import parse_case
from casereview.policy.engine import screen_case
from casereview.policy.profile import load_builtin
from casereview.services.demo import DEMO_CASES
from tests.conftest import ROOT


def test_large_jsonl_keeps_every_line_in_place(tmp_path: Path) -> None:
    count = 4500  # more than two chunks: the parallel path
    bad = {1, 2001, 2002, 4500}  # first line, both sides of a chunk border, last line
    lines = []
    for n in range(1, count + 1):
        if n in bad:
            lines.append("" if n == 2002 else '{"case_number": "X", "incident_date": "2026-13-01"}')
        else:
            raw = dict(DEMO_CASES[n % len(DEMO_CASES)], case_number=f"L-{n}")
            lines.append(json.dumps(raw, ensure_ascii=False))
    source = tmp_path / "many.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = subprocess.run([sys.executable, "-m", "casereview", "screen", str(source)], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2
    out = result.stdout.splitlines()
    assert len(out) == count
    profile = load_builtin()
    for n, text in enumerate(out, 1):
        decoded = json.loads(text)
        if n in bad:
            assert decoded["line"] == n and "line" in decoded["error"]
        else:
            assert decoded["case_number"] == f"L-{n}"
    sample = 1234
    expected = screen_case(parse_case(json.loads(lines[sample - 1])), profile).to_json()
    assert json.loads(out[sample - 1]) == expected
    errors = result.stderr.splitlines()
    assert [e.split(" line ")[1].split(":")[0] for e in errors] == [str(n) for n in sorted(bad)]

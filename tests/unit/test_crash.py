"""A crash report names where a bug happened, never the data it happened on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from casereview.crash import crash_report
from tests.conftest import ROOT

MARKER = "Qwertzuiop Markername"


def _bug_with_data() -> None:
    person = {"name": MARKER}
    try:
        int(person["name"])  # a bug: the message holds the value
    except ValueError as exc:
        raise RuntimeError(f"could not convert {person['name']}") from exc


def test_report_has_places_not_values() -> None:
    try:
        _bug_with_data()
    except RuntimeError as exc:
        report = crash_report(type(exc), exc, exc.__traceback__)
    assert MARKER not in report and "markername" not in report.lower()
    assert "builtins.RuntimeError" in report and "caused by builtins.ValueError" in report
    assert "test_crash.py" in report and "_bug_with_data" in report
    assert str(Path.home()) not in report or str(Path.home()) == "/"


def test_the_application_hook_prints_the_report_not_the_message(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from casereview.crash import write_to_stderr\n"
        "sys.excepthook = write_to_stderr\n"
        f"raise ValueError('{MARKER}')\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "builtins.ValueError" in result.stderr and MARKER not in result.stderr

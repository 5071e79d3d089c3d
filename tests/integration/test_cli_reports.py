"""`report` through the real command line on a real encrypted case file of generated cases, and on a database
server (tests/integration/conftest.py): the transparency
report (PDF read back with pdftotext: no names, no case numbers, the suppression marker there; the CSV's totals
are the generator's), the internal report refused to a prosecutor and written for a supervisor, bad dates exit 2."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from casereview.services.access import Role
from casereview.store.database import open_case_file
from tests.conftest import PASSPHRASE, ROOT
from tests.helpers import password_file, staff_case_file
from tests.report_cases import fill

pytestmark = pytest.mark.both_backends  # on a case file and on a PostgreSQL server (tests/conftest.py)


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "casereview", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, check=False, stdin=subprocess.DEVNULL, timeout=600)


def test_report_command(tmp_path: Path, new_case_file: tuple[Path, bytes]) -> None:
    path, key = new_case_file
    staff_case_file(path, key, (Role.PROSECUTOR, Role.SUPERVISOR))
    case_file = open_case_file(path, key)
    try:
        with case_file.session() as db, db.begin():
            truth, _ = fill(db, 300)
    finally:
        case_file.close()
    secret = tmp_path / "passphrase.txt"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    common = ("--passphrase-file", secret, "--password-file", password_file(tmp_path))
    out = tmp_path / "public"
    done = run("report", path, "--out", out, "--user", "prosecutor", *common)
    assert done.returncode == 0, done.stderr
    text = subprocess.run(["pdftotext", str(out / "transparency-report.pdf"), "-"], capture_output=True,
                          check=True, text=True).stdout
    assert "GEN-" not in text and "Person " not in text and "*" in text and "Small numbers are hidden" in text
    rows = list(csv.DictReader(io.StringIO((out / "transparency-report.csv").read_text(encoding="utf-8"))))
    age = {r["row"]: r for r in rows if r["table"] == "by_age" and r["column"] == "Total"}
    assert int(age["Total"]["count"]) == len(truth)
    expected = Counter(t.age_group for t in truth)
    for group, n in expected.items():
        cell = age[group]
        assert cell["suppressed"] == "yes" or int(cell["count"]) == n

    refused = run("report", path, "--out", tmp_path / "x", "--internal", "--user", "prosecutor", *common)
    assert refused.returncode == 2 and "may not see exact counts" in refused.stderr
    internal = run("report", path, "--out", tmp_path / "internal", "--internal", "--from", "2025-01-01", "--to",
                   "2025-06-30", "--user", "supervisor", *common)
    assert internal.returncode == 0, internal.stderr
    assert (tmp_path / "internal" / "internal-report.pdf").exists()
    bad = run("report", path, "--out", tmp_path / "y", "--from", "2025-13-01", "--user", "supervisor", *common)
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr

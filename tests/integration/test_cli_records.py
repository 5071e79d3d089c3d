"""`records import`, `records matches` and `records decide` through the real command line, on a real encrypted case
file and on a database server (tests/integration/conftest.py): the exit codes (0 done, 2 bad input or rejected rows,
never a traceback), the report files, the dry run, deciding a match; and a kill -9 in the middle of an import, then
the same command again carrying on, every case stored exactly once and whole, the audit trail intact, and a third
run adding nothing."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from casereview.store import models as m
from casereview.store.database import open_case_file
from tests.conftest import PASSPHRASE, ROOT
from tests.helpers import password_file, staff_case_file
from tests.unit.services.test_records_import import HEADER, MAPPING, row, write_csv

pytestmark = pytest.mark.both_backends  # on a case file and on a PostgreSQL server (tests/conftest.py)


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "casereview", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, check=False, stdin=subprocess.DEVNULL, timeout=600)


def office(tmp_path: Path, new_case_file: tuple[Path, bytes]) -> tuple[Path, bytes, tuple[str | Path, ...]]:
    from casereview.services.access import Role

    path, key = new_case_file
    staff_case_file(path, key, (Role.PARALEGAL,))
    secret = tmp_path / "passphrase.txt"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    me = ("--passphrase-file", secret, "--user", "paralegal", "--password-file", password_file(tmp_path))
    return path, key, me


def mapping_file(folder: Path, preset: dict[str, Any] = MAPPING) -> Path:
    path = folder / "mapping.json"
    path.write_text(json.dumps(preset), encoding="utf-8")
    return path


def counts(path: Path, key: bytes) -> dict[str, Any]:
    case_file = open_case_file(path, key)
    try:
        with case_file.session() as db:
            per_case = dict(db.execute(select(m.Case.case_number, func.count(m.Charge.id)).join(m.Charge)
                                       .group_by(m.Case.case_number)).all())
            screened = dict(db.execute(select(m.Case.case_number, func.count(m.Screening.id)).join(m.Screening)
                                       .group_by(m.Case.case_number)).all())
            runs = [(r.status, r.stored, r.skipped, r.resumes) for r in db.scalars(
                select(m.RecordImportRun).order_by(m.RecordImportRun.id))]
            imported = db.scalar(select(func.count()).select_from(m.RecordImportCase))
        return {"charges": per_case, "screened": screened, "runs": runs, "imported": imported}
    finally:
        case_file.close()


def test_the_exit_codes_the_report_and_a_decided_match(tmp_path: Path, new_case_file: tuple[Path, bytes]) -> None:
    db, key, me = office(tmp_path, new_case_file)
    preset = mapping_file(tmp_path)
    clean = write_csv(tmp_path / "clean.csv", [row("C-1"), row("C-2", "Ana Cruz", "02/05/1996"),
                                              row("C-3", "Ana Cruz", "05/02/1996")])
    dry = run("records", "import", db, clean, "--mapping", preset, "--dry-run", "--report", tmp_path / "dry", *me)
    assert dry.returncode == 0, dry.stderr
    assert "Dry run (nothing was stored)" in dry.stderr and "cases that would be stored (dry run): 1" in dry.stderr
    assert counts(db, key)["charges"] == {}
    assert (tmp_path / "dry" / "clean-report.pdf").exists()
    done = run("records", "import", db, clean, "--mapping", preset, *me)
    assert done.returncode == 0, done.stderr
    assert "cases stored: 1 (1 rows)" in done.stderr and "To decide (match 1): Ana Cruz" in done.stderr
    assert "`records decide DB 1 same|different`" in done.stderr
    for name in ("clean-report.csv", "clean-report.pdf", "clean-rejects.csv"):
        assert (tmp_path / name).exists(), name  # beside the file by default
    listed = run("records", "matches", db, *me)
    assert listed.returncode == 0 and listed.stdout.startswith("1\tAna Cruz")
    assert run("records", "decide", db, "7", "same", *me).returncode == 2  # no such match
    decided = run("records", "decide", db, "1", "same", *me)
    assert decided.returncode == 0 and "Match 1 decided: one person" in decided.stderr
    again = run("records", "import", db, clean, "--mapping", preset, *me)
    assert again.returncode == 0 and "cases stored: 2 (2 rows)" in again.stderr
    assert sorted(counts(db, key)["charges"]) == ["C-1", "C-2", "C-3"]
    # Rejected rows: exit 2, the rest stored, every reject in the CSV beside the report.
    bad = write_csv(tmp_path / "bad.csv", [row("B-1", disp_date="02/30/2019"), row("B-2")])
    rejected = run("records", "import", db, bad, "--mapping", preset, "--report", tmp_path / "out", *me)
    assert rejected.returncode == 2
    assert "Rejected: line 2, column DISP_DATE: 02/30/2019 is not a real date (format MM/DD/YYYY)" in rejected.stderr
    assert "Traceback" not in rejected.stderr
    assert "02/30/2019 is not a real date" in (tmp_path / "out" / "bad-rejects.csv").read_text(encoding="utf-8-sig")
    assert "B-2" in counts(db, key)["charges"] and "B-1" not in counts(db, key)["charges"]
    # Bad input: nothing imported, exit 2, one plain message.
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    for args, words in (((clean, "--mapping", broken), "is not valid JSON"),
                        ((tmp_path / "missing.csv", "--mapping", preset), "cannot be read"),
                        ((write_csv(tmp_path / "h.csv", [row("H-1")[:3]], header=HEADER[:3]), "--mapping", preset),
                         "is not in the first line"),
                        ((clean, "--mapping", preset, "--sheet", "One"), "which has no sheets")):
        refused = run("records", "import", db, *args, *me)
        assert refused.returncode == 2 and words in refused.stderr and "Nothing was imported." in refused.stderr, \
            refused.stderr
        assert "Traceback" not in refused.stderr
    nobody = run("records", "import", db, clean, "--mapping", preset)
    assert nobody.returncode == 2 and "--user" in nobody.stderr
    usage = run("records", "import", db)
    assert usage.returncode == 2 and "usage:" in usage.stderr


CASES = 600
BATCH = 10


def test_a_kill_9_in_the_middle_then_the_same_command_carries_on_with_every_case_once(
        tmp_path: Path, new_case_file: tuple[Path, bytes]) -> None:
    db, key, me = office(tmp_path, new_case_file)
    preset = mapping_file(tmp_path)
    rows = []
    for n in range(CASES):  # some cases of two charges, people across cases, keyed and not
        who = n % (CASES // 2)
        person = {"name": f"Person {who:04d}", "dob": f"{1 + who % 12:02d}/{1 + who // 12:02d}/1990",
                  "key": f"SID-{who}" if who % 3 else ""}
        rows.append(row(f"K-{n:04d}", person["name"], person["dob"], key=person["key"]))
        if n % 4 == 0:
            rows.append(row(f"K-{n:04d}", person["name"], person["dob"], key=person["key"], statute="ORS 164.245"))
    path = write_csv(tmp_path / "big.csv", rows)
    expected = {f"K-{n:04d}": 2 if n % 4 == 0 else 1 for n in range(CASES)}
    key_file = tmp_path / "key.hex"
    key_file.write_text(key.hex(), encoding="ascii")
    child = subprocess.Popen([sys.executable, "-m", "tests.integration.records_worker", str(db), str(key_file),
                              str(path), str(preset), str(BATCH)], cwd=ROOT, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stderr is not None
    lines: list[str] = []
    two = threading.Event()

    def read() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            lines.append(line.strip())
            if sum(1 for x in lines if x.startswith("committed")) >= 2:
                two.set()
        two.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert two.wait(120), "the import did not commit twice within two minutes"
        assert child.poll() is None, f"the import ended by itself: {lines} {child.stderr.read()}"
        time.sleep(random.Random(16).uniform(0.0, 0.2))
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
        reader.join(10)
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL and "finished" not in lines
    committed = max(int(x.split()[1]) for x in lines if x.startswith("committed"))
    partial = counts(db, key)
    assert committed <= len(partial["charges"]) < CASES  # every reported commit kept; not all done
    assert all(partial["charges"][n] == expected[n] for n in partial["charges"])  # each case whole
    assert partial["runs"][0][0] == "running"

    carried = run("records", "import", db, path, "--mapping", preset, *me)
    assert carried.returncode == 0, carried.stderr
    assert "carrying on run 1" in carried.stderr
    after = counts(db, key)
    assert after["charges"] == expected  # every case once, whole
    assert after["screened"] == dict.fromkeys(expected, 1)  # screened once, as stored
    assert after["imported"] == CASES
    assert [r[0] for r in after["runs"]] == ["interrupted", "done"]
    assert after["runs"][1][1] + after["runs"][1][2] == CASES and after["runs"][1][3] == 1
    checked = run("check", db, "--passphrase-file", me[1])
    assert checked.returncode == 0 and "The audit trail is intact" in checked.stdout + checked.stderr, checked.stdout

    again = run("records", "import", db, path, "--mapping", preset, *me)
    assert again.returncode == 0 and "cases stored: 0 (0 rows)" in again.stderr
    assert f"already stored, same contents: {CASES}" in again.stderr
    assert counts(db, key)["charges"] == expected

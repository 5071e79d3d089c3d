"""`case import`, `case export` and `demo` through the real command line, on real case files."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from casereview.paths import DEMO_PASSPHRASE, DEMO_PASSWORD
from casereview.policy.case import parse_case
from casereview.policy.engine import screen_case
from casereview.policy.profile import builtin_policy_ids, load_builtin
from casereview.services.demo import DEMO_CASES
from tests.conftest import PASSPHRASE, ROOT
from tests.helpers import password_file, staff_case_file
from tests.integration.conftest import Office


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "casereview", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, check=False, stdin=subprocess.DEVNULL)


@pytest.fixture
def office(tmp_path: Path, new_case_file: tuple[Path, bytes]) -> tuple[Path, Path, tuple[str | Path, ...]]:
    """An encrypted case file with an administrator and a prosecutor, a file holding its passphrase, and the
    options to act as the prosecutor."""
    secret = tmp_path / "passphrase.txt"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    staff_case_file(*new_case_file)
    return new_case_file[0], secret, ("--passphrase-file", secret, "--user", "prosecutor", "--password-file",
                                      password_file(tmp_path))


@pytest.mark.both_backends  # on a case file and on a PostgreSQL server (tests/conftest.py)
def test_import_then_export_round_trips(tmp_path: Path, office: tuple[Path, Path, tuple[str | Path, ...]]) -> None:
    db, _secret, me = office
    source = tmp_path / "case.json"
    source.write_text(json.dumps(DEMO_CASES[2], ensure_ascii=False), encoding="utf-8")
    result = run("case", "import", db, source, *me)
    assert result.returncode == 0, result.stderr
    exported = run("case", "export", db, DEMO_CASES[2]["case_number"], *me)
    assert exported.returncode == 0, exported.stderr
    assert parse_case(json.loads(exported.stdout)) == parse_case(DEMO_CASES[2])


@pytest.mark.both_backends  # on a case file and on a PostgreSQL server (tests/conftest.py)
def test_bad_import_writes_nothing(tmp_path: Path, office: tuple[Path, Path, tuple[str | Path, ...]]) -> None:
    db, _secret, pw = office
    good = tmp_path / "good.json"
    good.write_text(json.dumps(DEMO_CASES[0]))
    assert run("case", "import", db, good, *pw).returncode == 0
    lines = [json.dumps(DEMO_CASES[1]), json.dumps({**DEMO_CASES[3], "incident_date": "2026-02-30"})]
    batch = tmp_path / "batch.jsonl"
    batch.write_text("\n".join(lines) + "\n")
    result = run("case", "import", db, batch, *pw)
    assert result.returncode == 2
    assert "line 2" in result.stderr and "incident_date" in result.stderr and "Nothing was stored" in result.stderr
    assert run("case", "export", db, DEMO_CASES[1]["case_number"], *pw).returncode == 2
    again = run("case", "import", db, good, *pw)
    assert again.returncode == 2 and "already in this case file" in again.stderr
    assert run("case", "export", db, DEMO_CASES[0]["case_number"], *pw).returncode == 0


@pytest.mark.both_backends  # on a case file and on a PostgreSQL server (tests/conftest.py)
def test_missing_secrets_are_asked_for_only_at_a_terminal(office: tuple[Path, Path, tuple[str | Path, ...]]) -> None:
    db, secret, _me = office
    result = run("case", "export", db, "26-CR-0101", "--user", "prosecutor")
    assert result.returncode == 2 and "--passphrase-file" in result.stderr and result.stdout == ""
    result = run("case", "export", db, "26-CR-0101", "--passphrase-file", secret)
    assert result.returncode == 2 and "--user NAME" in result.stderr and result.stdout == ""
    result = run("case", "export", db, "26-CR-0101", "--passphrase-file", secret, "--user", "prosecutor")
    assert result.returncode == 2 and "--password-file" in result.stderr and result.stdout == ""


# (case files only: a path where there is no case file; an unreachable server: test_server.py)
def test_export_of_unknown_case_or_file(tmp_path: Path, office: tuple[Path, Path, tuple[str | Path, ...]]) -> None:
    result = run("case", "export", tmp_path / "none.db", "26-CR-0001", *office[2])
    assert result.returncode == 1 and "key file" in result.stderr
    assert not (tmp_path / "none.db").exists()


# (case files only: `demo` makes a case file; on a server it is refused, test_cli_server_commands.py)
def test_demo_covers_every_decision_of_both_profiles(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    result = run("demo", db)
    assert result.returncode == 0, result.stderr
    # the file, its key file and its lock file: nothing of the unfinished demo is left beside them
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("demo.db")) == [
        "demo.db", "demo.db.keys", "demo.db.lock"]
    assert run("demo", db).returncode == 2  # never overwrites
    for policy_id in builtin_policy_ids():
        profile = load_builtin(policy_id)
        seen = {d.decision for raw in DEMO_CASES for d in screen_case(parse_case(raw), profile).charges}
        assert seen == {"decline", "protect", "charge", "discretion", "review"}, policy_id
        relief = {d.record_relief for raw in DEMO_CASES for d in screen_case(parse_case(raw), profile).charges}
        assert {"do_not_contest", "not_eligible", None} <= relief, policy_id
    secret, password = tmp_path / "demo-passphrase.txt", tmp_path / "demo-password.txt"
    secret.write_text(DEMO_PASSPHRASE)
    password.write_text(DEMO_PASSWORD)
    exported = run("case", "export", db, "26-CR-0103", "--passphrase-file", secret, "--user", "supervisor",
                   "--password-file", password)
    assert "Nguyễn" in exported.stdout
    # the paralegal may see cases but not take them out of the encrypted file
    refused = run("case", "export", db, "26-CR-0103", "--passphrase-file", secret, "--user", "paralegal",
                  "--password-file", password)
    assert refused.returncode == 2 and "may not export" in refused.stderr and refused.stdout == ""


def test_screen_with_an_office_policy_file(tmp_path: Path) -> None:
    office = json.loads(load_builtin().raw_text)
    office["id"], office["version"] = "lane-county-2026", "2026-01"
    policy = tmp_path / "lane.json"
    policy.write_text(json.dumps(office, indent=2, ensure_ascii=False), encoding="utf-8")
    case = tmp_path / "case.json"
    case.write_text(json.dumps(DEMO_CASES[0]))
    result = run("screen", case, "--policy", policy)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["policy"]["id"] == "lane-county-2026"

    del office["rules"][2]["branches"][0]["then"]["decision"]
    policy.write_text(json.dumps(office, indent=2), encoding="utf-8")
    result = run("screen", case, "--policy", policy)
    assert result.returncode == 2 and result.stdout == ""
    assert str(policy) in result.stderr and "line " in result.stderr and "decision" in result.stderr


@pytest.mark.both_backends  # on the demo case file and on the demo moved onto a server
def test_documents_exports_the_demo_request_with_both_signatures(tmp_path: Path,
                                                                 demo_office: Callable[..., Office]) -> None:
    office = demo_office()
    db, me = office.db, office.me("supervisor")
    out = tmp_path / "documents"
    done = run("documents", db, "--out", out, *me)
    assert done.returncode == 0, done.stderr
    decided = sorted(out.glob("*-decided.pdf"))
    assert len(decided) == 1
    cert = tmp_path / "office.pem"
    assert run("office", "certificate", db, cert, *me).returncode == 0
    checked = run("verify", decided[0], "--trust", cert)
    assert checked.returncode == 0 and checked.stdout.count("trusted: yes") == 2, checked.stdout
    refused = run("documents", db, "--out", out, *office.me("paralegal"))
    assert refused.returncode == 2 and "may not export" in refused.stderr

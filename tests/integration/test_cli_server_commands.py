"""The command line against a database server where a server differs from a case file: `check` runs the checks
that can be made there and fails on a tampered audit record or a broken link; the commands that work on case files
only (backup, restore, init, demo, convert) refuse a server's address saying what to use instead, before anything is
asked or sent; the office passphrase is changed (and set anew with the recovery key) in this computer's office key
file."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from casereview.paths import DEMO_PASSPHRASE
from casereview.services import accounts
from casereview.services.access import OfficeType
from casereview.services.demo import DEMO_CASES
from casereview.store import models as m
from casereview.store.database import WrongKey, open_case_file, unlock
from casereview.store.keys import TEST_KDF, new_keys
from casereview.store.server import server_key_path, write_server_keys
from tests.conftest import PASSPHRASE, ROOT
from tests.helpers import PASSWORD, password_file
from tests.integration.conftest import Office, execute_sql, run_cli
from tests.pg import Cluster

pytestmark = pytest.mark.integration


@pytest.fixture
def backend() -> str:
    return "postgresql"  # (every office here is on a server: tests/integration/conftest.py)


def audit_count(db: Path | str) -> int:
    case_file = open_case_file(db)  # (a server: no key needed to read it)
    try:
        with case_file.session() as session:
            return int(session.scalar(select(func.count()).select_from(m.AuditRecord)) or 0)
    finally:
        case_file.close()


@pytest.fixture
def demo(demo_office: Callable[..., Office]) -> Office:
    return demo_office()


def test_check_on_a_server_runs_the_checks_that_can_be_made_there(demo: Office) -> None:
    before = audit_count(demo.db)
    checked = run_cli("check", demo.db, "--passphrase-file", demo.passphrase)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    out = checked.stdout
    assert out.startswith("Server: 127.0.0.1:") and "local, no TLS" in out.splitlines()[0]
    assert "Every link between records is intact, and the database's rules on them are in place." in out
    assert "The database is at the current schema" in out
    assert f"It holds {len(DEMO_CASES)} case(s)," in out and "audit record(s)." in out
    assert "The audit trail is intact" in out
    # what it cannot check, said plainly
    assert "Not checked here: the database's own storage" in out and "pg_amcheck" in out and "pg_dump" in out
    assert "This server's data checksums are off" in out  # (the test cluster's initdb had no --data-checksums)
    assert audit_count(demo.db) == before  # a check writes nothing
    assert "Traceback" not in checked.stderr


def test_check_on_a_server_fails_on_a_tampered_audit_record(demo: Office) -> None:
    key = unlock(demo.db, DEMO_PASSPHRASE)
    execute_sql(demo.db, key, "DROP TRIGGER audit_log_no_update ON audit_log",
                "UPDATE audit_log SET user_id = 2 WHERE seq = 3")
    checked = run_cli("check", demo.db, "--passphrase-file", demo.passphrase)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "The audit trail is NOT intact. Record 3 does not match its chain value" in checked.stdout
    assert "rules that protect the audit trail are missing or switched off (audit_log_no_update)" in checked.stdout
    assert "Ask whoever runs the server" in checked.stdout and "Not checked here" in checked.stdout
    verified = run_cli("audit", "verify", demo.db, *demo.me("admin"))
    assert verified.returncode == 1 and "Record 3 does not match" in verified.stdout


def test_check_on_a_server_fails_on_a_switched_off_rule_and_a_broken_link(demo: Office) -> None:
    key = unlock(demo.db, DEMO_PASSPHRASE)
    # as the server's superuser could: the trail's rule switched off (the records untouched), and a person deleted
    # with the rules on links bypassed
    execute_sql(demo.db, key, "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_delete",
                "SET session_replication_role = replica",
                "DELETE FROM person WHERE id = (SELECT min(person_id) FROM case_party)")
    checked = run_cli("check", demo.db, "--passphrase-file", demo.passphrase)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    out = checked.stdout
    assert "broken link(s) between records (first in case_party.person_id" in out, out
    assert "switched off (audit_log_no_delete)" in out
    assert "Every link between records is intact" not in out
    execute_sql(demo.db, key, "ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_delete")
    # a rule on links switched off is said too
    execute_sql(demo.db, key, "ALTER TABLE charge DISABLE TRIGGER ALL")
    again = run_cli("check", demo.db, "--passphrase-file", demo.passphrase)
    assert again.returncode == 1 and "is switched off" in again.stdout and "charge (" in again.stdout, again.stdout


def test_check_on_a_server_without_its_key_file_or_with_a_wrong_passphrase(demo: Office, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the passphrase at all\n")
    refused = run_cli("check", demo.db, "--passphrase-file", wrong)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr
    server_key_path(str(demo.db)).rename(tmp_path / "aside.keys")
    missing = run_cli("check", demo.db, "--passphrase-file", demo.passphrase)
    assert missing.returncode == 1 and "no office key file for the server" in missing.stderr, missing.stderr


def test_check_on_a_server_of_another_schema_or_none(demo: Office, postgres_cluster: Cluster,
                                                      request: pytest.FixtureRequest, tmp_path: Path) -> None:
    execute_sql(demo.db, b"", "UPDATE alembic_version SET version_num = '0001'")
    older = run_cli("check", demo.db, "--passphrase-file", demo.passphrase)
    assert older.returncode == 1 and "The database is at schema 0001, not this version's" in older.stdout, older.stdout
    assert "then check it again" in older.stdout and "audit trail" not in older.stdout
    name = postgres_cluster.new_database("empty")
    request.addfinalizer(lambda: postgres_cluster.drop_database(name))
    empty = postgres_cluster.url(name, driver=False)
    keys, _key, _recovery = new_keys(PASSPHRASE, kdf=TEST_KDF)
    write_server_keys(empty, keys)
    phrase = tmp_path / "phrase.txt"
    phrase.write_text(PASSPHRASE + "\n")
    nothing = run_cli("check", empty, "--passphrase-file", phrase)
    assert nothing.returncode == 1 and "holds no CaseReview schema: set it up with python -m casereview server init" \
        in nothing.stdout, nothing.stdout
    assert "Ask whoever runs the server" not in nothing.stdout


def test_commands_for_case_files_only_refuse_a_server_saying_what_to_use(demo: Office, tmp_path: Path) -> None:
    before = audit_count(demo.db)
    url = str(demo.db)
    backup = run_cli("backup", url, tmp_path / "backups", *demo.me("admin"))
    assert backup.returncode == 2, backup.stderr
    assert backup.stderr.startswith("backup works on a case file, not on a database server (casereview@127.0.0.1:")
    assert "pg_dump" in backup.stderr and "docs/server-guide.md" in backup.stderr and "server move" in backup.stderr
    assert not (tmp_path / "backups").exists()
    restore = run_cli("restore", tmp_path / "any.crbackup", url, *demo.me("admin"))
    assert restore.returncode == 2 and "pg_restore" in restore.stderr and "server move FILE URL" in restore.stderr
    assert not (ROOT / "postgresql:").exists()  # (no folder made of the address)
    init = run_cli("init", url, "--passphrase-file", demo.passphrase, "--password-file", demo.password)
    assert init.returncode == 2 and "python -m casereview server init URL --admin NAME" in init.stderr
    made = run_cli("demo", url)
    assert made.returncode == 2 and "server move demo.db URL" in made.stderr
    convert = run_cli("convert", url, "--new-passphrase-file", demo.passphrase)
    assert convert.returncode == 2 and "a server has nothing to convert" in convert.stderr
    for result in (backup, restore, init, made, convert):
        assert "Nothing was done." in result.stderr and "Traceback" not in result.stderr
    assert audit_count(demo.db) == before  # nobody logged in, nothing recorded


@pytest.fixture
def office_with_recovery(server_database: str) -> Iterator[tuple[str, str]]:
    """An office set up on a new server database (administrator ``admin``), and its recovery key."""
    keys, key, recovery = new_keys(PASSPHRASE, kdf=TEST_KDF)
    write_server_keys(server_database, keys)
    case_file = open_case_file(server_database)
    try:
        ws = accounts.workspace_for(case_file, key)
        accounts.set_up_office(ws, OfficeType.PROSECUTOR, "admin", PASSWORD, kdf=TEST_KDF)
    finally:
        case_file.close()
    yield server_database, recovery


def test_the_office_passphrase_of_a_server_is_changed_in_this_computers_key_file(
        office_with_recovery: tuple[str, str], tmp_path: Path) -> None:
    url, recovery = office_with_recovery
    key = unlock(url, PASSPHRASE)
    old, new, newer = tmp_path / "old.txt", tmp_path / "new.txt", tmp_path / "newer.txt"
    old.write_text(PASSPHRASE + "\n")
    new.write_text("a new office passphrase for the server\n")
    newer.write_text("and then another one, from the sheet\n")
    admin = ("--user", "admin", "--password-file", password_file(tmp_path))
    changed = run_cli("passphrase", "change", url, "--passphrase-file", old, "--new-passphrase-file", new, *admin)
    assert changed.returncode == 0, changed.stderr
    kept = server_key_path(url)
    assert f"in this computer's office key file, {kept}. Copy that file to every computer" in changed.stderr
    with pytest.raises(WrongKey):
        unlock(url, PASSPHRASE)
    assert unlock(url, "a new office passphrase for the server") == key  # the same office key, wrapped anew
    assert run_cli("audit", "verify", url, "--passphrase-file", new, *admin).returncode == 0
    assert run_cli("audit", "verify", url, "--passphrase-file", old, *admin).returncode == 2

    sheet = tmp_path / "recovery.txt"
    sheet.write_text(recovery + "\n")
    recovered = run_cli("recover", url, "--recovery-key-file", sheet, "--new-passphrase-file", newer, *admin)
    assert recovered.returncode == 0, recovered.stderr
    assert "is set anew in this computer's office key file" in recovered.stderr
    assert "The recovery key stays the same." in recovered.stderr
    assert unlock(url, "and then another one, from the sheet") == key
    shown = run_cli("audit", "show", url, "--passphrase-file", newer, *admin, "--action", "office_settings_changed")
    assert [line.split("\t")[4] for line in shown.stdout.splitlines()] == ["passphrase", "passphrase:recovered"]


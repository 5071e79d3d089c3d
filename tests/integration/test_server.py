"""A shared office on a PostgreSQL server (tests.pg's throw-away cluster): several command-line importers at once
keep one audit chain and lose nothing; a restarted server is reconnected to; an unreachable or unverified server
is said plainly; `server init` and `server move`, to a server and back to a case file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from casereview.services import accounts
from casereview.services import cases as casework
from casereview.services.access import OfficeType, Role
from casereview.services.demo import DEMO_CASES
from casereview.services.session import Workspace
from casereview.store import audit
from casereview.store import models as m
from casereview.store.database import CaseFileError, ServerUnavailable, open_case_file, unlock
from casereview.store.keys import TEST_KDF, new_keys
from casereview.store.server import write_server_keys
from tests.conftest import PASSPHRASE, ROOT
from tests.helpers import PASSWORD, add_user, log_in, password_file
from tests.pg import Cluster

pytestmark = pytest.mark.integration


def run_cli(*argv: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "casereview", *argv], cwd=ROOT, capture_output=True, text=True,
                            check=False, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdin=subprocess.DEVNULL)
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def secrets_files(tmp_path: Path) -> tuple[Path, Path]:
    phrase = tmp_path / "passphrase.txt"
    phrase.write_text(PASSPHRASE + "\n", encoding="utf-8")
    return phrase, password_file(tmp_path)


@pytest.fixture
def office(server_database: str) -> Iterator[Workspace]:
    """A prosecutor's office set up on a new server database, administrator ``admin``."""
    keys, key, _recovery = new_keys(PASSPHRASE, kdf=TEST_KDF)
    write_server_keys(server_database, keys)
    case_file = open_case_file(server_database)
    ws = accounts.workspace_for(case_file, key)
    accounts.set_up_office(ws, OfficeType.PROSECUTOR, "admin", PASSWORD, kdf=TEST_KDF)
    add_user(log_in(ws, "admin"), "prosecutor", Role.PROSECUTOR)
    yield ws
    case_file.close()


def _jsonl(folder: Path, tag: str, count: int) -> Path:
    lines = [json.dumps(dict(DEMO_CASES[n % len(DEMO_CASES)], case_number=f"{tag}-{n}"), ensure_ascii=False)
             for n in range(count)]
    path = folder / f"{tag}.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_several_importers_at_once_keep_one_chain_and_every_case(office: Workspace, server_database: str,
                                                                 tmp_path: Path,
                                                                 secrets_files: tuple[Path, Path]) -> None:
    phrase, password = secrets_files
    importers, per_file = 5, 12  # the same people (person keys) in every file: they race for the same rows
    files = [_jsonl(tmp_path, f"P{i}", per_file) for i in range(importers)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    running = [subprocess.Popen([sys.executable, "-m", "casereview", "case", "import", server_database, str(f),
                                 "--user", "prosecutor", "--password-file", str(password),
                                 "--passphrase-file", str(phrase)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True) for f in files]
    for process in running:
        _out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    with office.session() as db:
        assert db.scalar(select(func.count()).select_from(m.Case)) == importers * per_file
        numbers = set(db.scalars(select(m.Case.case_number)))
        assert numbers == {f"P{i}-{n}" for i in range(importers) for n in range(per_file)}
        # one record per import, two per case (created, screened), a login and a logout per importer
        imports = db.scalar(select(func.count()).select_from(m.AuditRecord).where(m.AuditRecord.action == "import"))
        assert imports == importers
        created = db.scalar(select(func.count()).select_from(m.AuditRecord)
                            .where(m.AuditRecord.action == "case_created"))
        assert created == importers * per_file
        report = audit.verify(db, office.audit_key)
        assert report.ok, report.lines
    verified = run_cli("audit", "verify", server_database, "--user", "admin", "--password-file", str(password),
                       "--passphrase-file", str(phrase))
    assert verified.returncode == 0, verified.stderr
    assert "The audit trail is intact" in verified.stdout
    counted = run_cli("audit", "show", server_database, "--user", "admin", "--password-file", str(password),
                      "--passphrase-file", str(phrase), "--action", "case_created", check=True)
    assert len(counted.stdout.splitlines()) == importers * per_file


def test_a_server_restarted_between_two_calls_is_reconnected_to(office: Workspace,
                                                                postgres_cluster: Cluster) -> None:
    admin = accounts.login(office, "prosecutor", PASSWORD)
    from casereview.policy.profile import load_builtin
    from casereview.services.demo import demo_cases

    casework.import_cases(admin, demo_cases()[:2], load_builtin())
    postgres_cluster.restart()  # every pooled connection is now dead
    casework.import_cases(admin, demo_cases()[2:4], load_builtin())
    with office.session() as db:
        assert db.scalar(select(func.count()).select_from(m.Case)) == 4
        assert audit.verify(db, office.audit_key).ok


def test_a_server_that_is_down_is_said_plainly(tmp_path: Path, secrets_files: tuple[Path, Path]) -> None:
    from tests.pg import free_port

    port = free_port()  # nobody listens there
    url = f"postgresql://casereview@127.0.0.1:{port}/nothing"
    keys, _key, _recovery = new_keys(PASSPHRASE, kdf=TEST_KDF)
    write_server_keys(url, keys)
    with pytest.raises(ServerUnavailable, match=f"127.0.0.1:{port}/nothing cannot be reached"):
        open_case_file(url)
    phrase, password = secrets_files
    result = run_cli("case", "export", url, "26-CR-0101", "--user", "admin", "--password-file", str(password),
                     "--passphrase-file", str(phrase))
    assert result.returncode == 1
    assert f"127.0.0.1:{port}/nothing cannot be reached" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_server_on_another_computer_needs_the_offices_ca(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CASEREVIEW_SERVER_CA", raising=False)
    monkeypatch.delenv("PGSSLROOTCERT", raising=False)
    with pytest.raises(CaseFileError, match="no certificate of the office's certificate authority"):
        open_case_file("postgresql://office@db.example.org/cases")
    with pytest.raises(CaseFileError, match="sslmode=verify-full"):
        open_case_file("postgresql://office@db.example.org/cases?sslmode=require")
    ca = tmp_path / "office-ca.pem"
    with pytest.raises(CaseFileError, match="does not exist"):
        open_case_file(f"postgresql://office@db.example.org/cases?sslrootcert={ca}")


def test_a_password_in_the_url_is_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.pg import free_port

    url = f"postgresql://casereview:s3cret-word@127.0.0.1:{free_port()}/x"
    with pytest.raises(ServerUnavailable) as caught:
        open_case_file(url)
    assert "s3cret-word" not in str(caught.value)


def test_the_office_key_unlocks_from_the_key_file_this_computer_keeps(office: Workspace,
                                                                      server_database: str) -> None:
    assert unlock(server_database, PASSPHRASE) == office.db_key
    with office.session() as db:  # nothing of the key in the database
        assert db.scalar(select(func.count()).select_from(m.AuditRecord)) > 0


def test_a_demo_file_moves_whole_to_the_server_and_its_trail_verifies_there(server_database: str, tmp_path: Path
                                                                            ) -> None:
    from sqlalchemy import create_engine

    from casereview.paths import DEMO_PASSPHRASE, DEMO_PASSWORD
    from casereview.store.move import _ordered, _tables, table_digest

    demo = tmp_path / "demo.db"
    run_cli("demo", str(demo), check=True)
    phrase = tmp_path / "phrase.txt"
    phrase.write_text(DEMO_PASSPHRASE + "\n", encoding="utf-8")
    password = tmp_path / "pw.txt"
    password.write_text(DEMO_PASSWORD + "\n", encoding="utf-8")
    moved = run_cli("server", "move", str(demo), server_database, "--passphrase-file", str(phrase), check=True)
    assert "each table's row count and SHA-256 checked" in moved.stdout
    # every table, row for row (the move's own audit record aside)
    key = unlock(demo, DEMO_PASSPHRASE)
    source = open_case_file(demo, key)
    target = create_engine(server_database)
    try:
        with source.engine.connect() as src, target.connect() as dst:
            for table in _tables():
                if table.name in ("audit_log", "audit_head"):
                    continue
                assert table_digest(_ordered(src, table)) == table_digest(_ordered(dst, table)), table.name
            assert dst.execute(select(func.count()).select_from(m.SignedDocument)).scalar_one() > 0
            assert dst.execute(select(func.count()).select_from(m.AuditRecord)).scalar_one() == \
                src.execute(select(func.count()).select_from(m.AuditRecord)).scalar_one() + 1
    finally:
        source.close()
        target.dispose()
    verified = run_cli("audit", "verify", server_database, "--user", "admin", "--password-file", str(password),
                       "--passphrase-file", str(phrase))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    # a second move into the same (now full) database is refused, nothing changed
    again = run_cli("server", "move", str(demo), server_database, "--passphrase-file", str(phrase))
    assert again.returncode != 0 and "is not empty" in again.stderr, again.stderr
    # and the office works there: several importers at once, then count and verify
    files = [_jsonl(tmp_path, f"M{i}", 6) for i in range(3)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    running = [subprocess.Popen([sys.executable, "-m", "casereview", "case", "import", server_database, str(f),
                                 "--user", "prosecutor", "--password-file", str(password), "--passphrase-file",
                                 str(phrase)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, text=True) for f in files]
    for process in running:
        _out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    verified = run_cli("audit", "verify", server_database, "--user", "admin", "--password-file", str(password),
                       "--passphrase-file", str(phrase))
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_server_init_sets_up_an_office(server_database: str, secrets_files: tuple[Path, Path]) -> None:
    phrase, password = secrets_files
    done = run_cli("server", "init", server_database, "--admin", "boss", "--passphrase-file", str(phrase),
                   "--password-file", str(password), check=True)
    assert "Recovery key" in done.stdout
    shown = run_cli("user", "list", server_database, "--user", "boss", "--password-file", str(password),
                    "--passphrase-file", str(phrase), check=True)
    assert "boss" in shown.stdout
    again = run_cli("server", "init", server_database, "--admin", "boss", "--passphrase-file", str(phrase),
                    "--password-file", str(password))
    assert again.returncode == 2 and "set up already" in again.stderr


def test_a_server_moves_back_to_a_case_file_whole_and_its_trail_verifies(server_database: str,
                                                                          tmp_path: Path) -> None:
    """file → server → file: every table arrives row for row, the server is left as it was, the audit trail (one
    record per move) verifies in the new file, and its search finds what the first file's did."""
    from sqlalchemy import create_engine

    from casereview.paths import DEMO_PASSPHRASE, DEMO_PASSWORD
    from casereview.store.keys import key_file_path
    from casereview.store.move import _ordered, _tables, table_digest

    demo = tmp_path / "demo.db"
    run_cli("demo", str(demo), check=True)
    phrase = tmp_path / "phrase.txt"
    phrase.write_text(DEMO_PASSPHRASE + "\n", encoding="utf-8")
    password = tmp_path / "pw.txt"
    password.write_text(DEMO_PASSWORD + "\n", encoding="utf-8")
    run_cli("server", "move", str(demo), server_database, "--passphrase-file", str(phrase), check=True)

    def digests(engine: Any) -> dict[str, tuple[int, str]]:
        with engine.connect() as conn:
            return {t.name: table_digest(_ordered(conn, t)) for t in _tables()}

    server = create_engine(server_database)
    try:
        on_server = digests(server)
        back = tmp_path / "back" / "cases.db"
        moved = run_cli("server", "move", server_database, str(back), "--passphrase-file", str(phrase), check=True)
        assert digests(server) == on_server  # the server was not changed
    finally:
        server.dispose()
    assert f"to the new case file {back}" in moved.stdout
    assert "each table's row count and SHA-256 checked in the file" in moved.stdout
    assert "was not changed" in moved.stdout and "stop working on the server" in moved.stdout
    assert back.exists() and key_file_path(back).read_bytes() == key_file_path(demo).read_bytes()
    for table, (rows, digest) in on_server.items():  # every table's count and hash printed
        assert any(line.split()[:3] == [table, str(rows), digest[:16]] for line in moved.stdout.splitlines()), table

    key = unlock(back, DEMO_PASSPHRASE)
    assert key == unlock(demo, DEMO_PASSPHRASE)  # the same passphrase opens it, the same office key
    first, last = open_case_file(demo, key), open_case_file(back, key)
    try:
        with first.engine.connect() as src, last.engine.connect() as dst:
            for table in _tables():
                if table.name in ("audit_log", "audit_head"):
                    continue
                assert table_digest(_ordered(src, table)) == table_digest(_ordered(dst, table)), table.name
            count = select(func.count()).select_from(m.AuditRecord)
            assert dst.execute(count).scalar_one() == src.execute(count).scalar_one() + 2  # one per move
            assert dst.execute(select(m.AuditRecord.object_id).order_by(m.AuditRecord.seq.desc())).first() == \
                (f"from-server:rows:{sum(rows for rows, _digest in on_server.values())}",)
        ws = accounts.workspace_for(last, key)
        prosecutor = accounts.login(ws, "prosecutor", DEMO_PASSWORD)
        from casereview.store.cases import CaseFilter

        found = casework.find_cases(prosecutor, where=CaseFilter(query="nguyen"))  # the file's own search index
        assert len(found) == 2
        prosecutor.log_out()
    finally:
        first.close()
        last.close()
    verified = run_cli("audit", "verify", str(back), "--user", "admin", "--password-file", str(password),
                       "--passphrase-file", str(phrase))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "The audit trail is intact" in verified.stdout

    # an existing file is never overwritten; two servers, or two files, are not a move
    again = run_cli("server", "move", server_database, str(back), "--passphrase-file", str(phrase))
    assert again.returncode != 0 and "already exists" in again.stderr, again.stderr
    both = run_cli("server", "move", server_database, server_database, "--passphrase-file", str(phrase))
    assert both.returncode == 2 and "Both are database server addresses" in both.stderr
    files = run_cli("server", "move", str(demo), str(tmp_path / "other.db"), "--passphrase-file", str(phrase))
    assert files.returncode == 2 and "is not a database server address" in files.stderr

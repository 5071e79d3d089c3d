"""What the command-line tests share: a case file — or the same office moved onto a database server — for the
commands to reach, on either back end.

A test module marked ``both_backends`` (tests/conftest.py) runs each test that uses `backend` (through
`new_case_file`, `on_backend` or `demo_office`) twice: on an encrypted case file, and on a fresh database of the
test cluster (tests.pg). On the server the command line needs what an office's computer would have: the office key
file in this computer's data folder (`server move` keeps it there, as for a real office; the test's data folder is
its own, tests/conftest.py) and the role's password in the environment (``PGPASSWORD``, set by the cluster fixture
and inherited by every command run). The address given to the commands is the one a user types,
``postgresql://ROLE@127.0.0.1:PORT/DATABASE``, never with a password in it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from casereview.paths import DEMO_PASSPHRASE, DEMO_PASSWORD
from tests.conftest import ROOT

Args = tuple[str | Path, ...]


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``python -m casereview ARGS`` in a process of its own (this process's environment: the data folder and the
    role's password)."""
    return subprocess.run([sys.executable, "-m", "casereview", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, check=False, stdin=subprocess.DEVNULL, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def on_server(db: Path | str) -> bool:
    return isinstance(db, str) and "://" in db


@dataclass(frozen=True)
class Office:
    """Where the commands find an office (a case file's path, or a server's address), and the files that hold its
    passphrase and every user's password."""

    db: Path | str
    passphrase: Path
    password: Path

    @property
    def on_server(self) -> bool:
        return on_server(self.db)

    def me(self, name: str) -> Args:
        """The options to act as the user `name`."""
        return ("--passphrase-file", self.passphrase, "--user", name, "--password-file", self.password)


@pytest.fixture
def on_backend(backend: str, request: pytest.FixtureRequest) -> Callable[[Path, Path], Path | str]:
    """``put(case_file, passphrase_file)``: on the "sqlite" backend the case file itself; on "postgresql" the
    address of a new database of the test cluster that `server move` (the real command line) has moved the whole
    case file into — the office key file kept in this computer's data folder, as it would be. The database is
    dropped after the test."""
    def put(case_file: Path, passphrase: Path) -> Path | str:
        if backend != "postgresql":
            return case_file
        from tests.pg import Cluster

        cluster: Cluster = request.getfixturevalue("postgres_cluster")
        name = cluster.new_database("cli")
        request.addfinalizer(lambda: cluster.drop_database(name))
        url = cluster.url(name, driver=False)
        moved = run_cli("server", "move", case_file, url, "--passphrase-file", passphrase)
        assert moved.returncode == 0, moved.stdout + moved.stderr
        return url

    return put


@pytest.fixture
def demo_office(tmp_path: Path, on_backend: Callable[[Path, Path], Path | str]) -> Callable[..., Office]:
    """``demo_office(office_type="prosecutor", name="demo")``: the demo office (its users, cases, section 8
    request and letters; quick key derivation), as a case file or moved onto a server (`on_backend`)."""
    def make(office_type: str = "prosecutor", name: str = "demo") -> Office:
        from casereview.services.access import OfficeType
        from casereview.services.demo import create_demo_file
        from casereview.store.keys import TEST_KDF

        path = tmp_path / f"{name}.db"
        create_demo_file(path, kdf=TEST_KDF, user_kdf=TEST_KDF, office_type=OfficeType(office_type))
        return office_at(tmp_path, on_backend, path)

    return make


def office_at(folder: Path, on_backend: Callable[[Path, Path], Path | str], path: Path) -> Office:
    """The demo case file at `path` (passphrase and password the demo's) where the test's backend wants it."""
    secret, password = folder / "demo-passphrase.txt", folder / "demo-password.txt"
    secret.write_text(DEMO_PASSPHRASE + "\n", encoding="utf-8")
    password.write_text(DEMO_PASSWORD + "\n", encoding="utf-8")
    return Office(on_backend(path, secret), secret, password)


def execute_sql(db: Path | str, key: bytes, *statements: str) -> list[tuple[object, ...]]:
    """Run SQL on the database behind `db` directly, as someone with the file and its key (or with the server's
    role) could, outside CaseReview: how tests tamper with what the commands must then catch. Returns the rows of
    the last statement (none for one that returns none)."""
    rows: list[tuple[object, ...]] = []
    if on_server(db):
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(str(db))
        with psycopg.connect(host=url.host, port=url.port, user=url.username, dbname=url.database,
                             autocommit=True) as conn:  # (the role's password: PGPASSWORD)
            for sql in statements:
                cursor = conn.execute(sql)
                rows = list(cursor.fetchall()) if cursor.description else []
        return rows
    from casereview.store.database import connect_cipher

    conn = connect_cipher(Path(db), key)()
    try:
        for sql in statements:
            rows = [tuple(r) for r in conn.execute(sql).fetchall()]
        conn.commit()
    finally:
        conn.close()
    return rows

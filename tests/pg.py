"""A real PostgreSQL server for the tests: a throw-away cluster of its own, never the machine's.

`postgres_cluster` (session-scoped) runs ``initdb`` in a temporary folder owned by an unprivileged user (initdb
refuses root: as root the tests use, and create when missing, the system user ``casereview-test``), starts it with
``pg_ctl`` listening on 127.0.0.1 only, on a free port, with no Unix socket outside its own folder, and stops it at
the end. Each test that wants a server gets a database of its own (`Cluster.new_database`), dropped afterwards.

The role's password is given to clients through ``PGPASSWORD`` (libpq reads it), never in a URL written anywhere.
Without the server binaries the tests that need them are skipped, saying why; under CI (``CI=true``) they fail.
"""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import psycopg

TEST_USER = "casereview-test"
ROLE = "casereview"
BIN_CANDIDATES = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin")


def server_bin() -> Path | None:
    """The folder of initdb/pg_ctl: $CASEREVIEW_PG_BIN, Debian's PostgreSQL 15 (or later), or the PATH."""
    given = os.environ.get("CASEREVIEW_PG_BIN")
    candidates = [given] if given else []
    candidates += list(BIN_CANDIDATES)
    found = shutil.which("initdb")
    if found:
        candidates.append(str(Path(found).resolve().parent))
    for folder in candidates:
        if folder and (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _ensure_test_user() -> str | None:
    """The unprivileged user to run the server as when we are root (made when missing); None when not root."""
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        pwd.getpwnam(TEST_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", TEST_USER],
                       check=True, capture_output=True)
    return TEST_USER


@dataclass
class Cluster:
    bin: Path
    data: Path
    port: int
    password: str = field(repr=False)
    run_as: str | None
    log: Path
    _names: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
        return subprocess.run(list(argv), check=check, capture_output=True, text=True, env=env,
                              user=self.run_as, cwd=self.data.parent, timeout=120)

    def pg_ctl(self, *args: str) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", *args)

    def start(self) -> None:
        self.pg_ctl("start")

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)

    def restart(self) -> None:
        self.pg_ctl("-m", "fast", "restart")

    def url(self, database: str, *, driver: bool = True) -> str:
        scheme = "postgresql+psycopg" if driver else "postgresql"
        return f"{scheme}://{ROLE}@127.0.0.1:{self.port}/{database}"

    def admin_connection(self) -> psycopg.Connection[Any]:
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=self.port, user=ROLE, password=self.password,
                               dbname="postgres", autocommit=True)

    def new_database(self, prefix: str = "t") -> str:
        name = f"{prefix}_{os.getpid()}_{next(self._names)}"
        with self.admin_connection() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        with self.admin_connection() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_cluster(folder: Path) -> Cluster:
    found = server_bin()
    if found is None:
        raise FileNotFoundError("PostgreSQL's server programs (initdb, pg_ctl) were not found")
    run_as = _ensure_test_user()
    folder.mkdir(parents=True, exist_ok=True)
    data, log, pwfile = folder / "data", folder / "server.log", folder / "pw"
    password = secrets.token_urlsafe(18)
    pwfile.write_text(password + "\n")
    if run_as is not None:
        import pwd

        entry = pwd.getpwnam(run_as)
        for path in (folder, pwfile):
            os.chown(path, entry.pw_uid, entry.pw_gid)
        os.chmod(folder, 0o700)
        # The folders above it must be passable by the server's user.
        for parent in folder.parents:
            if parent == Path(tempfile.gettempdir()) or str(parent) == "/":
                break
            os.chmod(parent, os.stat(parent).st_mode | 0o111)
    port = free_port()
    cluster = Cluster(found, data, port, password, run_as, log)
    cluster._run(str(found / "initdb"), "-D", str(data), "-U", ROLE, f"--pwfile={pwfile}", "--auth-local=trust",
                 "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
    pwfile.unlink()
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(f"\nlisten_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{folder}'\n"
                   "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 200\n")
    cluster.start()
    return cluster


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    if server_bin() is None:
        why = ("PostgreSQL's server programs (initdb, pg_ctl) are not installed: scripts/setup installs Debian's "
               "postgresql package")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(why + " (CI must run the PostgreSQL tests)")
        pytest.skip(why)
    folder = Path(tempfile.mkdtemp(prefix="casereview-pg-"))
    cluster = start_cluster(folder / "cluster")
    previous = os.environ.get("PGPASSWORD")
    os.environ["PGPASSWORD"] = cluster.password  # libpq's own: the subprocesses of the tests read it too
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with cluster.admin_connection():
                    break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield cluster
    finally:
        if previous is None:
            os.environ.pop("PGPASSWORD", None)
        else:
            os.environ["PGPASSWORD"] = previous
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def server_database(postgres_cluster: Cluster) -> Iterator[str]:
    """A new, empty database on the test cluster (its URL), dropped after the test."""
    name = postgres_cluster.new_database()
    yield postgres_cluster.url(name)
    postgres_cluster.drop_database(name)

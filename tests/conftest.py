"""Shared fixtures: every test gets its own data folder, and Qt runs offscreen."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pg import postgres_cluster, server_database  # noqa: F401  (fixtures)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "data"
    monkeypatch.setenv("CASEREVIEW_DATA_DIR", str(folder))
    yield folder


PASSPHRASE = "correct horse battery staple"
BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked ``both_backends`` (a module's ``pytestmark``) that use a case file run on an encrypted file
    and on a PostgreSQL server (tests.pg); those also marked ``sqlite_only`` (files, keys, locks, backups of
    files) on the file alone."""
    if "backend" not in metafunc.fixturenames:
        return
    definition = metafunc.definition
    if definition.get_closest_marker("both_backends") and not definition.get_closest_marker("sqlite_only"):
        metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """Where the test's case file is: "sqlite" (an encrypted file) unless parametrized (see above)."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def new_case_file(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> Iterator[tuple[Path, bytes]]:
    """A new encrypted case file (fast test key derivation) and its key; closed again. On the "postgresql"
    backend: the URL of a new database on the test server (at the newest schema) and the office key, whose key
    file this computer keeps for it (in the test's data folder)."""
    from casereview.store.database import create_case_file, unlock
    from casereview.store.keys import TEST_KDF

    if backend == "postgresql":
        from casereview.store.database import open_case_file
        from casereview.store.keys import new_keys
        from casereview.store.server import write_server_keys

        url = request.getfixturevalue("server_database")
        keys, key, _recovery = new_keys(PASSPHRASE, kdf=TEST_KDF)
        write_server_keys(url, keys)
        open_case_file(url).close()  # the schema
        yield url, key  # type: ignore[misc]
        return
    path = tmp_path / "cases.db"
    case_file, _recovery = create_case_file(path, PASSPHRASE, kdf=TEST_KDF)
    case_file.close()
    yield path, unlock(path, PASSPHRASE)


@pytest.fixture
def clock() -> object:
    from tests.helpers import FakeClock

    return FakeClock()


@pytest.fixture
def workspace(new_case_file: tuple[Path, bytes], clock: object) -> Iterator[object]:
    """An open case file of a prosecutor's office with its administrator ``admin`` (password
    tests.helpers.PASSWORD), on the test's fake clock."""
    from casereview.services.access import OfficeType
    from casereview.services.accounts import set_up_office, workspace_for
    from casereview.store.database import open_case_file
    from casereview.store.keys import TEST_KDF
    from tests.helpers import PASSWORD

    path, key = new_case_file
    case_file = open_case_file(path, key)
    ws = workspace_for(case_file, key, clock=clock)  # type: ignore[arg-type]
    set_up_office(ws, OfficeType.PROSECUTOR, "admin", PASSWORD, kdf=TEST_KDF)
    yield ws
    case_file.close()

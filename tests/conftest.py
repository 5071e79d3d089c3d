"""Shared fixtures: every test gets its own data folder, and Qt runs offscreen."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "data"
    monkeypatch.setenv("CASEREVIEW_DATA_DIR", str(folder))
    yield folder


PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def new_case_file(tmp_path: Path) -> Iterator[tuple[Path, bytes]]:
    """A new encrypted case file (fast test key derivation) and its key; closed again."""
    from casereview.store.database import create_case_file, unlock
    from casereview.store.keys import TEST_KDF

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

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

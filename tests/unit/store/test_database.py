"""Opening case files: created at the newest schema, older ones copied aside and upgraded, strangers refused."""

from __future__ import annotations

import sqlite3
import stat
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from casereview.store import cases
from casereview.store import keys as keymod
from casereview.store.database import (
    CaseFileError,
    PlaintextCaseFile,
    create_case_file,
    head_revision,
    make_engine,
    open_case_file,
    upgrade,
)
from casereview.store.keys import TEST_KDF
from tests.conftest import PASSPHRASE


def _revision(path: Path, key: bytes) -> str:
    engine = make_engine(path, key=key)
    try:
        with engine.connect() as conn:
            return str(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar())
    finally:
        engine.dispose()


def test_new_file_is_created_at_head_owner_only(new_case_file: tuple[Path, bytes]) -> None:
    path, key = new_case_file
    case_file = open_case_file(path, key)
    try:
        tables = set(inspect(case_file.engine).get_table_names())
    finally:
        case_file.close()
    assert {"case_record", "person", "case_party", "charge", "fact", "exception_workflow", "screening",
            "screening_decision", "policy_text", "case_search", "rescreen_pending"} <= tables
    assert {"exception_request", "exception_charge"}.isdisjoint(tables)  # approvals: only the signed workflow
    assert _revision(path, key) == head_revision()
    for made in (path, keymod.key_file_path(path)):
        assert stat.S_IMODE(made.stat().st_mode) == 0o600
    assert case_file.backup_made is None


def test_every_connection_has_foreign_keys_and_full_sync(new_case_file: tuple[Path, bytes]) -> None:
    case_file = open_case_file(*new_case_file)
    try:
        with case_file.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA cipher_version").scalar().startswith("4.")
    finally:
        case_file.close()


def test_file_made_by_the_first_migration_is_copied_aside_and_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    keys, key, _recovery = keymod.new_keys(PASSPHRASE, kdf=TEST_KDF)
    keymod.write_key_file(path, keys)
    engine = make_engine(path, key=key)
    upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO case_record (id, case_number, incident_date, version, created_at, updated_at) "
            "VALUES (1, '14-CR-0001', '2014-02-03', 1, '2014-02-03 00:00:00', '2014-02-03 00:00:00')"))
        conn.execute(text("INSERT INTO person (id, name) VALUES (1, 'Renée Ødegård')"))
        conn.execute(text("INSERT INTO case_party (id, case_id, person_id, position, local_id, role, "
                          "trafficking_victim, name) VALUES (1, 1, 1, 0, 'A', 'seller', 0, 'Renée Ødegård')"))
        conn.execute(text("INSERT INTO charge (id, case_id, position, local_id, party_id, offense, status, "
                          "arose_from_exchange) VALUES (1, 1, 0, '1', 1, 'selling_sex', 'convicted', 0)"))
    engine.dispose()
    assert _revision(path, key) == "0001"

    case_file = open_case_file(path, key)
    try:
        assert _revision(path, key) == head_revision()
        assert case_file.backup_made is not None and case_file.backup_made.exists()
        assert _revision(case_file.backup_made, key) == "0001"  # the copy is encrypted with the same key
        assert keymod.key_file_path(case_file.backup_made).exists()
        with case_file.session() as session:
            stored = cases.export_case(session, "14-CR-0001")
            assert stored.incident_date == date(2014, 2, 3)
            assert stored.people[0].name == "Renée Ødegård"
            assert stored.charges[0].status == "convicted"
            assert cases.search_case_ids(session, "odegard") == [1]  # the upgrade indexed the old case
            assert cases.search_case_ids(session, "14-cr") == [1]
    finally:
        case_file.close()


def test_file_from_a_newer_version_is_refused_untouched(new_case_file: tuple[Path, bytes]) -> None:
    path, key = new_case_file
    engine = make_engine(path, key=key)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    engine.dispose()
    before = path.read_bytes()
    with pytest.raises(CaseFileError, match="newer version"):
        open_case_file(path, key)
    assert path.read_bytes() == before


def test_other_files_are_refused(tmp_path: Path) -> None:
    key = bytes(32)
    text_file = tmp_path / "notes.db"
    text_file.write_text("not a database at all, but long enough to have a header")
    with pytest.raises(CaseFileError, match="no key file"):
        open_case_file(text_file, key)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(CaseFileError, match="not a CaseReview case file"):
        open_case_file(other, key)
    with pytest.raises(CaseFileError, match="folder"):
        open_case_file(tmp_path, key)
    with pytest.raises(CaseFileError, match="no case file"):
        open_case_file(tmp_path / "missing.db", key)
    assert not (tmp_path / "missing.db").exists()
    with pytest.raises(CaseFileError, match="already exists"):
        create_case_file(other, PASSPHRASE, kdf=TEST_KDF)


def test_plaintext_case_file_is_recognised_not_used(tmp_path: Path) -> None:
    path = tmp_path / "plain.db"
    engine = make_engine(path, key=bytes(32))
    engine.dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
    before = path.read_bytes()
    with pytest.raises(PlaintextCaseFile, match="unencrypted case file"):
        open_case_file(path, bytes(32))
    assert path.read_bytes() == before

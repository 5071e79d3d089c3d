"""Opening case files: created at the newest schema, older ones backed up and upgraded, strangers refused."""

from __future__ import annotations

import sqlite3
import stat
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from casereview.services import cases
from casereview.store.database import CaseFileError, head_revision, make_engine, open_case_file, upgrade


def _revision(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])


def test_new_file_is_created_at_head_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    case_file = open_case_file(path)
    try:
        tables = set(inspect(case_file.engine).get_table_names())
    finally:
        case_file.close()
    assert {"case_record", "person", "case_party", "charge", "fact", "exception_request", "screening",
            "screening_decision", "policy_text", "case_search"} <= tables
    assert _revision(path) == head_revision()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert case_file.backup_made is None


def test_every_connection_has_foreign_keys_and_full_sync(tmp_path: Path) -> None:
    case_file = open_case_file(tmp_path / "x.db")
    try:
        with case_file.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        case_file.close()


def test_file_made_by_the_first_migration_is_backed_up_and_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = make_engine(path)
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
    assert _revision(path) == "0001"

    case_file = open_case_file(path)
    try:
        assert _revision(path) == head_revision()
        assert case_file.backup_made is not None and case_file.backup_made.exists()
        assert _revision(case_file.backup_made) == "0001"
        with case_file.session() as session:
            stored = cases.export_case(session, "14-CR-0001")
            assert stored.incident_date == date(2014, 2, 3)
            assert stored.people[0].name == "Renée Ødegård"
            assert stored.charges[0].status == "convicted"
    finally:
        case_file.close()


def test_file_from_a_newer_version_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    open_case_file(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    before = path.read_bytes()
    with pytest.raises(CaseFileError, match="newer version"):
        open_case_file(path)
    assert path.read_bytes() == before


def test_other_files_are_refused(tmp_path: Path) -> None:
    text_file = tmp_path / "notes.db"
    text_file.write_text("not a database at all")
    with pytest.raises(CaseFileError, match="not a CaseReview case file"):
        open_case_file(text_file)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(CaseFileError, match="not a CaseReview case file"):
        open_case_file(other)
    with pytest.raises(CaseFileError, match="folder"):
        open_case_file(tmp_path)
    with pytest.raises(CaseFileError, match="no case file"):
        open_case_file(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()

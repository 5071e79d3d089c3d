"""`case import` of cases that list section 8 exceptions, through the real command line (on a case file and on a
database server): refused with one clear
message (in a case file an approval exists only through the signed workflow), exit 2, nothing stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from casereview.services.demo import DEMO_CASES
from tests.conftest import PASSPHRASE
from tests.helpers import password_file, staff_case_file
from tests.integration.test_cli_store import run

pytestmark = pytest.mark.both_backends  # on a case file and on a PostgreSQL server (tests/conftest.py)

WITH_EXCEPTIONS = {**DEMO_CASES[0], "case_number": "26-CR-0901",
                   "exceptions": [{"charge": "1", "status": "approved", "ground": "protect_victim"}]}


@pytest.fixture
def office(tmp_path: Path, new_case_file: tuple[Path, bytes]) -> tuple[Path, tuple[str | Path, ...]]:
    secret = tmp_path / "passphrase.txt"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    staff_case_file(*new_case_file)
    return new_case_file[0], ("--passphrase-file", secret, "--user", "prosecutor", "--password-file",
                              password_file(tmp_path))


def test_a_case_with_exceptions_is_refused_with_one_message(tmp_path: Path,
                                                            office: tuple[Path, tuple[str | Path, ...]]) -> None:
    db, me = office
    source = tmp_path / "case.json"
    source.write_text(json.dumps(WITH_EXCEPTIONS))
    result = run("case", "import", db, source, *me)
    assert result.returncode == 2 and result.stdout == ""
    message = result.stderr.strip()
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith("Case 26-CR-0901 lists section 8 exceptions. Exceptions are not imported or typed in")
    assert "supervisor's approval" in message and "Request an exception…" in message
    assert message.endswith('Remove "exceptions" from the case and import it again. Nothing was imported.')
    assert run("case", "export", db, "26-CR-0901", *me).returncode == 2  # not stored


def test_a_batch_with_one_such_case_stores_none_of_them(tmp_path: Path,
                                                        office: tuple[Path, tuple[str | Path, ...]]) -> None:
    db, me = office
    batch = tmp_path / "batch.jsonl"
    batch.write_text("\n".join(json.dumps(raw) for raw in (DEMO_CASES[1], WITH_EXCEPTIONS, DEMO_CASES[2])) + "\n")
    result = run("case", "import", db, batch, *me)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().startswith("Case 26-CR-0901 lists section 8 exceptions.")
    assert "Nothing was imported." in result.stderr
    for raw in (DEMO_CASES[1], DEMO_CASES[2]):
        assert run("case", "export", db, raw["case_number"], *me).returncode == 2
    two = {**WITH_EXCEPTIONS, "case_number": "26-CR-0902"}
    batch.write_text("\n".join(json.dumps(raw) for raw in (WITH_EXCEPTIONS, two)) + "\n")
    result = run("case", "import", db, batch, *me)
    assert result.returncode == 2
    assert result.stderr.startswith("Case 26-CR-0901 (and 1 other case) list section 8 exceptions.")
    without = {k: v for k, v in WITH_EXCEPTIONS.items() if k != "exceptions"}
    single = tmp_path / "fixed.json"
    single.write_text(json.dumps(without))
    assert run("case", "import", db, single, *me).returncode == 0  # as the message says: removed, it imports

"""The application opens no connection to anything but its case file.

Twice: in-process, with every internet socket made to fail (and each attempt remembered) while the main flows run,
the window included; and as separate processes under ``unshare -n`` (a network namespace with no network at all),
through the command line.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from casereview.paths import DEMO_PASSPHRASE, DEMO_PASSWORD
from casereview.policy.profile import load_builtin
from casereview.services import accounts, backups, letters, purges
from casereview.services import audit as user_audit
from casereview.services import cases as casework
from casereview.services.access import OfficeType, Role
from casereview.services.demo import create_demo_file, demo_cases
from casereview.store import models as m
from casereview.store.backups import check_case_file
from casereview.store.database import create_case_file, open_case_file, unlock
from casereview.store.keys import TEST_KDF
from tests.conftest import PASSPHRASE, ROOT
from tests.helpers import PASSWORD, password_file

INTERNET = (socket.AF_INET, socket.AF_INET6)


class NetworkAttempt(AssertionError):
    pass


@pytest.fixture
def no_internet(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every internet socket, connection and name lookup fails, and is remembered."""
    attempts: list[str] = []
    real_socket = socket.socket

    class GuardedSocket(real_socket):  # type: ignore[misc, valid-type]
        def __init__(self, family: Any = socket.AF_INET, *args: Any, **kwargs: Any) -> None:
            if family in INTERNET:
                attempts.append(f"socket({family!r})")
                raise NetworkAttempt(f"an internet socket was opened ({family!r})")
            super().__init__(family, *args, **kwargs)

    def refuse(name: str) -> Any:
        def refused(*args: Any, **kwargs: Any) -> Any:
            attempts.append(f"{name}{args[:2]!r}")
            raise NetworkAttempt(f"{name} was called")
        return refused

    monkeypatch.setattr(socket, "socket", GuardedSocket)
    for name in ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex"):
        monkeypatch.setattr(socket, name, refuse(name))
    yield attempts


def test_the_guard_catches_a_connection(no_internet: list[str]) -> None:
    with pytest.raises(NetworkAttempt):
        socket.create_connection(("127.0.0.1", 9))
    with pytest.raises(NetworkAttempt):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    assert len(no_internet) == 2
    no_internet.clear()


def test_main_flows_open_no_connection(no_internet: list[str], tmp_path: Path, qtbot: Any) -> None:
    from ui.main_window import MainWindow

    path = tmp_path / "office.db"
    case_file, _recovery = create_case_file(path, PASSPHRASE, kdf=TEST_KDF)
    key = unlock(path, PASSPHRASE)
    ws = accounts.workspace_for(case_file, key)
    accounts.set_up_office(ws, OfficeType.PROSECUTOR, "admin", PASSWORD, kdf=TEST_KDF)
    admin = accounts.login(ws, "admin", PASSWORD)
    accounts.create_user(admin, "pat", Role.PROSECUTOR, PASSWORD, kdf=TEST_KDF)
    pat = accounts.login(ws, "pat", PASSWORD)
    casework.import_cases(pat, demo_cases(), load_builtin())
    number = demo_cases()[0].case_number
    case, version = casework.read_case(pat, number)
    casework.update_case(pat, case, version, load_builtin())
    casework.export_case(pat, number)
    assert casework.find_cases(pat, "nguyen")
    made = backups.backup(admin, tmp_path)
    assert user_audit.verify_trail(admin).ok
    user_audit.export_anchor(admin, tmp_path / "anchor.json")
    with ws.session() as db:
        person = db.scalars(select(m.Person.id)).first()
    assert person is not None
    purges.purge_person(admin, person, "Order 1")
    report = backups.restore(admin, made, PASSPHRASE)
    report.workspace.case_file.close()
    assert check_case_file(path, key).ok

    demo = tmp_path / "demo.db"
    create_demo_file(demo, kdf=TEST_KDF, user_kdf=TEST_KDF)
    demo_key = unlock(demo, DEMO_PASSPHRASE)
    demo_file = open_case_file(demo, demo_key)
    session = accounts.login(accounts.workspace_for(demo_file, demo_key), "prosecutor", DEMO_PASSWORD)
    window = MainWindow(session, title_path=demo)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.model.rowCount() == len(demo_cases())
    assert window.editor.save()  # the newest case, as opened: saved and screened again through the services
    window.search.setText("nguyen")
    window.refresh()
    assert window.model.rowCount() == 2
    from ui.documents.letters_window import LettersWindow

    supervisor = accounts.login(session.workspace, "supervisor", DEMO_PASSWORD)
    drafts = letters.list_letters(supervisor, status="draft")
    # The demo holds Rosa Vega's letter by design (its docket number is not in the file): held, saying what to find
    # out; every other draft signs.
    held = [r for r in drafts if r.find_out]
    assert [r.person for r in held] == ["Rosa Vega"] and "docket number" in "; ".join(held[0].find_out)
    ready = [r.id for r in drafts if not r.find_out]
    signing = letters.sign_letters(supervisor, [r.id for r in drafts])  # signing, in this process
    assert ready and signing.signed == ready
    assert [letter_id for letter_id, _why in signing.refused] == [held[0].id]
    assert "held" in signing.refused[0][1] and "docket number" in signing.refused[0][1]
    letters_window = LettersWindow(supervisor)
    qtbot.addWidget(letters_window)
    assert letters_window.table.rowCount() == 6  # Dana Roe's signed in the demo, four signed here, one held
    assert "Rosa Vega" in letters_window.held.toPlainText()
    window.warm_up.wait()
    window.editor.dirty = False
    window.close()
    demo_file.close()
    assert no_internet == []


def _unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False).returncode == 0


@pytest.mark.skipif(not _unshare_works(), reason="unshare -n needs root or user namespaces on this machine")
def test_command_line_works_with_no_network_at_all(tmp_path: Path) -> None:
    data = tmp_path / "data"
    secret, password = tmp_path / "passphrase.txt", tmp_path / "password.txt"
    secret.write_text(DEMO_PASSPHRASE)
    password.write_text(DEMO_PASSWORD)
    db = tmp_path / "demo.db"
    (tmp_path / "new").mkdir()
    own_password = password_file(tmp_path / "new")
    as_admin = ("--passphrase-file", secret, "--user", "admin", "--password-file", password)
    as_prosecutor = ("--passphrase-file", secret, "--user", "prosecutor", "--password-file", password)
    case = tmp_path / "case.json"
    steps: list[tuple[str | Path, ...]] = [
        ("demo", db),
        ("case", "export", db, "26-CR-0101", *as_prosecutor),
        ("case", "delete", db, "26-CR-0101", "--passphrase-file", secret, "--user", "supervisor", "--password-file",
         password),
        ("backup", db, tmp_path, *as_admin),
        ("audit", "anchor", db, tmp_path / "anchor.json", *as_admin),
        ("audit", "verify", db, "--anchor", tmp_path / "anchor.json", *as_admin),
        ("check", db, "--passphrase-file", secret),
        ("letters", db, "--out", tmp_path / "letters", "--sign", "--docx", "--passphrase-file", secret, "--user",
         "supervisor", "--password-file", password),
        ("documents", db, "--out", tmp_path / "documents", *as_prosecutor),
        ("init", tmp_path / "new.db", "--passphrase-file", secret, "--password-file", own_password),
        ("screen", case),
    ]
    case.write_text('{"case_number": "X-1", "incident_date": "2026-01-02", "people": [{"id": "A", "role": '
                    '"seller", "age": 30}], "charges": [{"id": "1", "person": "A", "offense": "selling_sex"}]}')
    for step in steps:
        result = subprocess.run(["unshare", "-n", sys.executable, "-m", "casereview", *map(str, step)], cwd=ROOT,
                                capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL,
                                env={"PATH": "/usr/bin:/bin", "CASEREVIEW_DATA_DIR": str(data), "HOME": str(tmp_path)})
        assert result.returncode == 0, (step, result.stderr)

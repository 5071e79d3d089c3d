"""The window on a database server (issue 18), offscreen over tests.pg's real PostgreSQL cluster: opened from the
command line, from the log-in dialog ("Open a server…", the role's password asked and never shown, the office key
file copied into place) and from the first-run wizard; the title and the status bar say which server; a server
that goes away while a case is saved is said plainly and the edits stay; Switch user keeps the case file open and
unlocked; the defense office's demo opens and logs in."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox, QWidget, QWizard
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from casereview import paths
from casereview.paths import DEMO_PASSPHRASE, DEMO_PASSWORD
from casereview.services import accounts
from casereview.services import cases as casework
from casereview.services.access import OfficeType, Role
from casereview.services.demo import create_demo_file
from casereview.services.session import Workspace
from casereview.store import audit
from casereview.store import models as m
from casereview.store import server as servermod
from casereview.store.database import open_case_file, unlock
from casereview.store.keys import TEST_KDF
from casereview.store.move import move_to_server
from casereview.store.server import connection_words, display_address, server_key_path, title_words
from tests.conftest import ROOT
from tests.gui.support import choose_file, window_for
from tests.gui.test_first_run import unnamed_controls
from tests.pg import Cluster
from ui import app as desktop
from ui.access.first_run import PAGE_SERVER, FirstRunWizard
from ui.access.login_dialog import LoginDialog
from ui.main_window import MainWindow

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def no_blocking_questions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)


@pytest.fixture(autouse=True)
def forget_typed_passwords() -> Iterator[None]:
    yield
    servermod._TYPED.clear()


@dataclass
class Shown:
    title: str
    text: str
    informative: str


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> list[Shown]:
    """Every message box the window puts up (answered with OK at once), with its title and both texts."""
    seen: list[Shown] = []

    def run(box: QMessageBox) -> int:
        seen.append(Shown(box.windowTitle(), box.text(), box.informativeText()))
        return int(QMessageBox.StandardButton.Ok.value)

    def tell(_parent: Any, title: str, text: str, *_args: Any) -> QMessageBox.StandardButton:
        seen.append(Shown(title, text, ""))
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "exec", run)
    monkeypatch.setattr(QMessageBox, "information", staticmethod(tell))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(tell))
    return seen


@pytest.fixture
def demo_server(server_database: str, tmp_path: Path) -> str:
    """The demo office moved to a new database on the test server (its office key file kept on this computer, in
    the test's data folder); its URL."""
    demo = tmp_path / "demo.db"
    create_demo_file(demo, kdf=TEST_KDF, user_kdf=TEST_KDF)
    move_to_server(demo, unlock(demo, DEMO_PASSPHRASE), server_database)
    return server_database


def settle() -> None:
    """Let every window's background work end before its case file is closed (it works on connections of its
    own)."""
    from ui.shared import worker

    for task in list(worker._running):
        task.wait()


@pytest.fixture
def on_server(demo_server: str) -> Iterator[Workspace]:
    key = unlock(demo_server, DEMO_PASSPHRASE)
    case_file = open_case_file(demo_server, key)
    yield accounts.workspace_for(case_file, key)
    settle()
    case_file.close()


def address_of(url: str) -> str:
    """The address as a user types it (postgresql://, not SQLAlchemy's postgresql+psycopg://)."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def type_into(qtbot: QtBot, fields: dict[QLineEdit, str]) -> None:
    for field, text in fields.items():
        field.clear()
        qtbot.keyClicks(field, text)


def log_in(qtbot: QtBot, dialog: LoginDialog, fields: dict[QLineEdit, str]) -> None:
    type_into(qtbot, fields)
    qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog._busy, timeout=20_000)


def texts_of(top: QWidget) -> str:
    """Everything the dialog shows in words: labels, fields shown as typed, tooltips."""
    from PySide6.QtWidgets import QLabel

    found = [w.text() for w in top.findChildren(QLabel)]
    found += [w.text() for w in top.findChildren(QLineEdit) if w.echoMode() == QLineEdit.EchoMode.Normal]
    found += [w.toolTip() for w in top.findChildren(QWidget)]
    return "\n".join(found)


def drive(script: Callable[[], bool], *, every_ms: int = 50, give_up_ms: int = 90_000) -> QTimer:
    """Call `script` from the event loop until it says it is done (it runs inside modal dialogs' loops too)."""
    timer = QTimer()
    timer.setInterval(every_ms)
    spent = [0]

    def tick() -> None:
        spent[0] += every_ms
        if spent[0] > give_up_ms:
            timer.stop()
            for widget in QApplication.topLevelWidgets():
                widget.close()
            QApplication.instance().quit()  # type: ignore[union-attr]
            return
        if script():
            timer.stop()

    timer.timeout.connect(tick)
    timer.start()
    return timer


def open_window(qtbot: QtBot, ws: Workspace, user: str) -> MainWindow:
    """The main window for `user`, once its search warm-up (background work on its own connection) is done: the
    case file is closed right after the test."""
    window = window_for(qtbot, ws, user)
    qtbot.waitUntil(lambda: not window.warm_up.running(), timeout=20_000)
    return window


def modal_login() -> LoginDialog | None:
    dialog = QApplication.activeModalWidget()
    return dialog if isinstance(dialog, LoginDialog) and dialog.isVisible() and not dialog._busy else None


# ---------------------------------------------------------------------------------------------------- opening


def test_the_log_in_dialog_opens_a_server_and_asks_its_password_as_a_secret(
        qtbot: QtBot, demo_server: str, tmp_path: Path, postgres_cluster: Cluster,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PGPASSWORD")  # nothing in the environment: the dialog asks for it
    monkeypatch.delenv("CASEREVIEW_DB_PASSWORD", raising=False)
    dialog = LoginDialog(tmp_path / "casereview.db")
    qtbot.addWidget(dialog)
    with qtbot.waitActive(dialog):
        dialog.show()
    assert not dialog.server_box.isVisible()
    qtbot.mouseClick(dialog.server_button, Qt.MouseButton.LeftButton)
    assert dialog.server_box.isVisible() and dialog.address.hasFocus()
    assert dialog.db_password.isVisible() and dialog.db_password.echoMode() == QLineEdit.EchoMode.Password
    assert dialog.path_caption.text() == "Server:" and dialog.passphrase.accessibleName() == "Office passphrase"
    assert unnamed_controls(dialog) == []

    address = address_of(demo_server)
    log_in(qtbot, dialog, {dialog.address: address, dialog.db_password: "not the role's password",
                           dialog.passphrase: DEMO_PASSPHRASE, dialog.username: "prosecutor",
                           dialog.password: DEMO_PASSWORD})
    assert "refused the login" in dialog.db_password_message.text() and dialog.db_password_message.isVisible()
    assert dialog.session is None and dialog.db_password.text() == ""
    assert dialog.path_label.text() == display_address(address)

    with qtbot.waitSignal(dialog.accepted, timeout=20_000):
        log_in(qtbot, dialog, {dialog.db_password: postgres_cluster.password, dialog.passphrase: DEMO_PASSPHRASE,
                               dialog.password: DEMO_PASSWORD})
    session, case_file = dialog.session, dialog.case_file
    assert session is not None and case_file is not None
    try:
        assert case_file.is_server and case_file.address == display_address(address)
        assert session.username == "prosecutor" and session.role == Role.PROSECUTOR
        assert dialog.path == address
        # The role's password: never on screen, never in the environment, never on disk in the data folder.
        assert postgres_cluster.password not in texts_of(dialog)
        assert postgres_cluster.password not in "".join(os.environ.values())
        for kept in Path(os.environ["CASEREVIEW_DATA_DIR"]).rglob("*"):
            if kept.is_file():
                assert postgres_cluster.password.encode() not in kept.read_bytes(), kept
        assert dialog.db_password.text() == "" and dialog.passphrase.text() == ""
    finally:
        case_file.close()


def test_a_missing_office_key_file_is_said_and_copied_into_place(qtbot: QtBot, demo_server: str,
                                                                  tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    kept = server_key_path(demo_server)
    given = tmp_path / "office.keys"  # as the person who set up the server hands it over
    shutil.move(kept, given)
    address = address_of(demo_server)
    dialog = LoginDialog(address)
    qtbot.addWidget(dialog)
    with qtbot.waitActive(dialog):
        dialog.show()
    assert dialog.server_box.isVisible() and dialog.address.text() == address
    assert not dialog.db_password.isVisible()  # PGPASSWORD gives it (tests.pg)
    assert dialog.keys_button.isVisible()
    log_in(qtbot, dialog, {dialog.passphrase: DEMO_PASSPHRASE, dialog.username: "supervisor",
                           dialog.password: DEMO_PASSWORD})
    assert "no office key file" in dialog.address_message.text() and str(kept) in dialog.address_message.text()
    assert dialog.session is None

    not_keys = tmp_path / "notes.keys"
    not_keys.write_text("hello")
    choose_file(monkeypatch, "get_open_file_name", not_keys)
    qtbot.mouseClick(dialog.keys_button, Qt.MouseButton.LeftButton)
    assert "is not an office key file" in dialog.address_message.text() and not kept.exists()
    choose_file(monkeypatch, "get_open_file_name", given)
    qtbot.mouseClick(dialog.keys_button, Qt.MouseButton.LeftButton)
    assert kept.read_bytes() == given.read_bytes() and not dialog.keys_button.isVisible()
    with qtbot.waitSignal(dialog.accepted, timeout=20_000):
        log_in(qtbot, dialog, {dialog.passphrase: DEMO_PASSPHRASE, dialog.password: DEMO_PASSWORD})
    assert dialog.case_file is not None and dialog.case_file.is_server
    dialog.case_file.close()


def test_a_bad_address_is_said_under_the_field_before_anything_is_sent(qtbot: QtBot, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CASEREVIEW_SERVER_CA", raising=False)
    monkeypatch.delenv("PGSSLROOTCERT", raising=False)
    dialog = LoginDialog(tmp_path / "casereview.db")
    qtbot.addWidget(dialog)
    with qtbot.waitActive(dialog):
        dialog.show()
    dialog.use_server()
    fields = {dialog.passphrase: "x" * 10, dialog.username: "admin", dialog.password: "y" * 10}
    log_in(qtbot, dialog, {dialog.address: "db.office.local/cases", **fields})
    assert "postgresql://ROLE@HOST:PORT/DATABASE" in dialog.address_message.text()
    log_in(qtbot, dialog, {dialog.address: "postgresql://office@db.office.local/cases", **fields})
    assert "certificate authority" in dialog.address_message.text()
    assert "Nothing was sent" in dialog.address_message.text()
    # a password written in the address is taken out of sight at once
    log_in(qtbot, dialog, {dialog.address: "postgresql://office:s3cret-word@db.office.local/cases", **fields})
    assert "s3cret-word" not in texts_of(dialog) and dialog.address.text() == "postgresql://office@db.office.local/cases"


def test_the_window_opens_a_server_given_on_the_command_line(qtbot: QtBot, demo_server: str,
                                                             shown: list[Shown]) -> None:
    address = address_of(demo_server)
    args = desktop.build_parser().parse_args(["--db", address])
    seen: dict[str, Any] = {}

    def fill_in() -> bool:
        dialog = modal_login()
        if dialog is None:
            return False
        if "label" not in seen:
            seen["label"], seen["box"] = dialog.path_label.text(), dialog.server_box.isVisible()
            seen["address"] = dialog.address.text()
            type_into(qtbot, {dialog.passphrase: DEMO_PASSPHRASE, dialog.username: "paralegal",
                              dialog.password: DEMO_PASSWORD})
            dialog.log_in()
        return True

    driver = drive(fill_in)
    started = desktop._start(args)
    driver.stop()
    assert started is not None
    session, target = started
    try:
        assert seen == {"label": display_address(address), "box": True, "address": address}
        assert target == address and session.username == "paralegal" and session.workspace.case_file.is_server
    finally:
        session.workspace.case_file.close()
    assert shown == []  # not "There is no case file at postgresql:…"


def test_main_py_takes_a_server_address(demo_server: str) -> None:
    """main.py --db URL reaches the log-in dialog (the start-up probe prints once the first dialog is up)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CASEREVIEW_STARTUP_PROBE": "1",
           "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "main.py", "--db", address_of(demo_server)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("shown "), done.stdout + done.stderr
    usage = subprocess.run([sys.executable, "-m", "ui", "--help"], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=120, check=True)
    words = " ".join(usage.stdout.split())
    assert "postgresql://ROLE@HOST:PORT/DATABASE" in words and "--demo defense" in words


def test_the_first_run_wizard_connects_to_the_offices_server(qtbot: QtBot, demo_server: str, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    kept = server_key_path(demo_server)
    given = tmp_path / "from-the-office.keys"
    shutil.move(kept, given)
    wizard = FirstRunWizard(tmp_path / "casereview.db", kdf=TEST_KDF, user_kdf=TEST_KDF)
    qtbot.addWidget(wizard)
    with qtbot.waitActive(wizard):
        wizard.show()
    assert unnamed_controls(wizard) == []
    wizard.welcome.server.setChecked(True)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    assert wizard.currentId() == PAGE_SERVER
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert finish.isVisible() and finish.text().replace("&", "") == "Connect"
    qtbot.keyClicks(wizard.server.address, address_of(demo_server))
    assert "does not have the office key file" in wizard.server.keys_status.text()
    qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)
    assert wizard.isVisible() and "no office key file" in wizard.server.message.text()
    choose_file(monkeypatch, "get_open_file_name", given)
    qtbot.mouseClick(wizard.server.keys_button, Qt.MouseButton.LeftButton)
    assert kept.exists() and "has the office key file" in wizard.server.keys_status.text()
    with qtbot.waitSignal(wizard.accepted, timeout=5000):
        qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)
    assert wizard.choice == "server" and wizard.server_address == address_of(demo_server)
    assert not (tmp_path / "casereview.db").exists()  # no case file was made
    # the log-in dialog takes it from there (as ui.app does)
    dialog = LoginDialog(wizard.server_address)
    qtbot.addWidget(dialog)
    with qtbot.waitActive(dialog):
        dialog.show()
    with qtbot.waitSignal(dialog.accepted, timeout=20_000):
        log_in(qtbot, dialog, {dialog.passphrase: DEMO_PASSPHRASE, dialog.username: "prosecutor",
                               dialog.password: DEMO_PASSWORD})
    assert dialog.case_file is not None and dialog.case_file.is_server
    dialog.case_file.close()


# ---------------------------------------------------------------------------------------------------- the window


def test_the_window_says_which_server_it_is_connected_to(qtbot: QtBot, on_server: Workspace) -> None:
    window = open_window(qtbot, on_server, "prosecutor")
    url = servermod.server_url(on_server.case_file.address)
    database, port = url.database, url.port
    # Qt adds "— CaseReview" (the application's display name) where the platform shows it.
    assert window.windowTitle() == f"{database} on 127.0.0.1 — Riley Chen (prosecutor)[*]"
    assert window.server_label is not None and window.server_label.isVisible()
    assert window.server_label.text() == f"Server: 127.0.0.1:{port}/{database}, local, no TLS"
    assert window.server_label.accessibleName() == "Database server"
    # a server on another computer is reached only with its certificate verified, and says so
    assert title_words("postgresql://office@db.office.local:5432/cases") == "cases on db.office.local"
    assert connection_words("postgresql://office@db.office.local/cases") == \
        "Server: db.office.local:5432/cases, TLS verified"
    assert connection_words("postgresql://office:pw@localhost:6543/x") == "Server: localhost:6543/x, local, no TLS"


def _tls_files(folder: Path, address: str) -> tuple[Path, Path, Path]:
    """A certificate authority of the office, and the server's certificate it issued for `address` (an IP)."""
    import ipaddress
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.now(UTC)

    def name(text: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("Test office CA")).issuer_name(name("Test office CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(name(address)).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(address))]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_file, cert_file, key_file = folder / "office-ca.pem", folder / "server.crt", folder / "server.key"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return ca_file, cert_file, key_file


TLS_ADDRESS = "127.0.0.2"  # this computer, but not one of the names reached without TLS: verify-full applies


@pytest.fixture(scope="module")
def tls_cluster() -> Iterator[tuple[Cluster, Path]]:
    """A second throw-away cluster (tests.pg) that also listens on 127.0.0.2 with TLS only, its certificate issued
    for that address by a test CA (whose file is returned)."""
    import tempfile

    from tests.pg import server_bin, start_cluster

    if server_bin() is None:
        pytest.skip("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    folder = Path(tempfile.mkdtemp(prefix="casereview-pg-tls-"))
    cluster = start_cluster(folder / "cluster")
    try:
        ca_file, cert_file, key_file = _tls_files(folder, TLS_ADDRESS)
        for made in (cert_file, key_file):
            target = cluster.data / made.name
            shutil.copy(made, target)
            os.chmod(target, 0o600)
            if cluster.run_as is not None:
                import pwd

                entry = pwd.getpwnam(cluster.run_as)
                os.chown(target, entry.pw_uid, entry.pw_gid)
        os.chmod(folder, 0o755)
        os.chmod(ca_file, 0o644)
        with (cluster.data / "postgresql.conf").open("a") as conf:
            conf.write(f"\nlisten_addresses = '127.0.0.1,{TLS_ADDRESS}'\nssl = on\n"
                       "ssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n")
        hba = cluster.data / "pg_hba.conf"
        hba.write_text(f"hostssl all all {TLS_ADDRESS}/32 scram-sha-256\n" + hba.read_text())
        cluster.restart()
        yield cluster, ca_file
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


def test_a_server_on_another_address_is_reached_with_tls_verified_and_says_so(
        qtbot: QtBot, tls_cluster: tuple[Cluster, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import text

    from casereview.store.keys import new_keys
    from casereview.store.server import write_server_keys

    cluster, ca_file = tls_cluster
    monkeypatch.setenv("CASEREVIEW_DB_PASSWORD", cluster.password)  # this cluster's role password
    monkeypatch.setenv("CASEREVIEW_SERVER_CA", str(ca_file))
    database = cluster.new_database("tls")
    url = f"postgresql://casereview@{TLS_ADDRESS}:{cluster.port}/{database}"
    keys, key, _recovery = new_keys(DEMO_PASSPHRASE, kdf=TEST_KDF)
    write_server_keys(url, keys)
    case_file = open_case_file(url)
    try:
        ws = accounts.workspace_for(case_file, key)
        accounts.set_up_office(ws, OfficeType.PROSECUTOR, "admin", DEMO_PASSWORD, kdf=TEST_KDF,
                               full_name="Casey Morgan")
        with case_file.engine.connect() as conn:  # really encrypted, really verified
            assert conn.execute(text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).scalar() is True
        window = open_window(qtbot, ws, "admin")
        assert window.windowTitle() == f"{database} on {TLS_ADDRESS} — Casey Morgan (administrator)[*]"
        assert window.server_label is not None
        assert window.server_label.text() == f"Server: {TLS_ADDRESS}:{cluster.port}/{database}, TLS verified"
        window.close()
    finally:
        case_file.close()
    # a certificate the office's CA did not issue is refused, said plainly
    other_ca, _cert, _key = _tls_files(Path(os.environ["CASEREVIEW_DATA_DIR"]).parent, TLS_ADDRESS)
    monkeypatch.setenv("CASEREVIEW_SERVER_CA", str(other_ca))
    from casereview.store.database import ServerUnavailable

    with pytest.raises(ServerUnavailable, match="cannot be reached"):
        open_case_file(url)
    cluster.drop_database(database)


def test_a_case_file_window_has_no_server_label(qtbot: QtBot, demo: Workspace) -> None:
    window = open_window(qtbot, demo, "prosecutor")
    assert window.server_label is None and window.windowTitle().startswith("demo.db — ")


@pytest.mark.qt_no_exception_capture
def test_a_server_that_goes_away_while_saving_is_said_and_the_edits_stay(
        qtbot: QtBot, on_server: Workspace, postgres_cluster: Cluster, shown: list[Shown],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # put back afterwards
    desktop.install_excepthook()  # as the application does on starting
    window = open_window(qtbot, on_server, "prosecutor")
    numbers = [window.model.case_number(r) for r in range(window.model.rowCount())]
    window.table.selectRow(numbers.index("26-CR-0102"))
    qtbot.waitUntil(lambda: window.editor.case_number.text() == "26-CR-0102", timeout=5000)
    window.editor.county.setText("Mine County")
    window.editor._changed()
    postgres_cluster.stop()
    try:
        window.save_action.trigger()
        assert len(shown) == 1, shown
        message = shown[0]
        assert message.title == desktop.SERVER_GONE_TITLE
        assert "cannot be reached" in message.text and on_server.case_file.address.split("//")[1] in message.text
        assert "Nothing that CaseReview said was saved is lost" in message.informative
        assert "try again" in message.informative and "ask the person who runs" in message.informative
        assert "Traceback" not in message.text
        # the edits are still in the form, not saved, not dropped
        assert window.editor.county.text() == "Mine County" and window.editor.dirty
        assert window.editor.case_number.text() == "26-CR-0102"
    finally:
        postgres_cluster.start()
    # The server is back: the pool reconnects by itself, and saving again keeps the edits.
    window.save_action.trigger()
    assert len(shown) == 1, shown
    assert not window.editor.dirty
    session = accounts.login(on_server, "supervisor", DEMO_PASSWORD)
    assert casework.read_case(session, "26-CR-0102")[0].county == "Mine County"
    with on_server.session() as db:
        assert audit.verify(db, on_server.audit_key).ok


@pytest.mark.qt_no_exception_capture
def test_closing_the_window_while_the_server_is_away_keeps_the_edits(
        qtbot: QtBot, on_server: Workspace, postgres_cluster: Cluster, shown: list[Shown],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Close, answer Save to the unsaved-changes question, the server away: the save fails with the message, and
    the window stays open with the edits (it closes only once they are saved or discarded)."""
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    desktop.install_excepthook()
    window = open_window(qtbot, on_server, "prosecutor")
    numbers = [window.model.case_number(r) for r in range(window.model.rowCount())]
    window.table.selectRow(numbers.index("26-CR-0102"))
    qtbot.waitUntil(lambda: window.editor.case_number.text() == "26-CR-0102", timeout=5000)
    window.editor.county.setText("Mine County")
    window.editor._changed()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Save)
    postgres_cluster.stop()
    try:
        assert not window.close()  # refused: the save failed
        assert window.isVisible() and window.editor.dirty and window.editor.county.text() == "Mine County"
        assert [m.title for m in shown] == [desktop.SERVER_GONE_TITLE]
    finally:
        postgres_cluster.start()
    assert window.close()  # the server back: saved, then closed
    session = accounts.login(on_server, "supervisor", DEMO_PASSWORD)
    assert casework.read_case(session, "26-CR-0102")[0].county == "Mine County"


@pytest.mark.qt_no_exception_capture
def test_searching_while_the_server_is_away_is_said_never_the_crash_dialog(
        qtbot: QtBot, on_server: Workspace, postgres_cluster: Cluster, shown: list[Shown],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    desktop.install_excepthook()
    window = open_window(qtbot, on_server, "prosecutor")
    postgres_cluster.stop()
    try:
        qtbot.keyClicks(window.search, "nguyen")  # the search runs as the user types
        qtbot.waitUntil(lambda: bool(shown), timeout=5000)
        assert all(s.title == desktop.SERVER_GONE_TITLE for s in shown), shown
    finally:
        postgres_cluster.start()
    window.search.clear()
    qtbot.keyClicks(window.search, "nguyen")
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=5000)  # her two cases, once the server is back


# ---------------------------------------------------------------------------------------------------- switching


def _switch_users_in_the_running_application(qtbot: QtBot, workspace: Workspace, target: Path | str,
                                             first: str, second: str) -> dict[str, Any]:
    """ui.app.run_windows with `first` logged in: File > Switch user, log in as `second` in the dialog that
    comes, then close the window. Returns what the dialog and the windows showed."""
    seen: dict[str, Any] = {"windows": []}
    step = ["switch"]

    def script() -> bool:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if step[0] == "switch" and windows:
            window = windows[0]
            seen["windows"].append((window.session.username, window.session.workspace))
            switch = next(a for a in window.findChildren(type(window.save_action))
                          if a.text() == "S&witch user…")
            step[0] = "dialog"
            switch.trigger()
            return False
        if step[0] == "dialog":
            dialog = modal_login()
            if dialog is None:
                return False
            seen["passphrase asked"] = dialog.passphrase.isVisible()
            seen["username asked"] = dialog.username.isVisible() and dialog.password.isVisible()
            seen["intro"] = dialog.intro.text()
            seen["office"] = dialog.office_label.text()
            type_into(qtbot, {dialog.username: second, dialog.password: DEMO_PASSWORD})
            step[0] = "second"
            dialog.log_in()
            return False
        if step[0] == "second" and windows:
            window = windows[0]
            seen["windows"].append((window.session.username, window.session.workspace))
            seen["title"] = window.windowTitle()
            window.close()
            return True
        return False

    driver = drive(script)
    session = accounts.login(workspace, first, DEMO_PASSWORD)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    seen["code"] = desktop.run_windows(app, (session, target))
    driver.stop()
    return seen


def test_switch_user_asks_only_for_the_user_name_and_password(qtbot: QtBot, tmp_path: Path,
                                                              shown: list[Shown]) -> None:
    path = tmp_path / "demo.db"
    create_demo_file(path, kdf=TEST_KDF, user_kdf=TEST_KDF)
    key = unlock(path, DEMO_PASSPHRASE)
    workspace = accounts.workspace_for(open_case_file(path, key), key)
    seen = _switch_users_in_the_running_application(qtbot, workspace, path, "prosecutor", "supervisor")
    assert seen["code"] == 0
    assert seen["passphrase asked"] is False and seen["username asked"] is True
    assert seen["intro"] == "Give your own user name and password."
    assert seen["office"] == "Office: Demo County Prosecutor's Office"
    (first, first_ws), (second, second_ws) = seen["windows"]
    assert (first, second) == ("prosecutor", "supervisor")
    assert first_ws is workspace and second_ws is workspace  # the same open, unlocked case file
    assert seen["title"].startswith("demo.db — ")
    # closed at the end, once: the trail says the prosecutor logged out and the supervisor in and out
    reopened = open_case_file(path, key)
    try:
        with reopened.session() as db:
            users = {u.username: u.id for u in db.scalars(select(m.User))}
            records = list(audit.records(db))
            since = max(i for i, r in enumerate(records) if r.action == "login" and r.user_id == users["prosecutor"])
            after = [(r.action, r.user_id) for r in records[since:]]
            assert [a for a in after if a[0] in ("login", "logout")] == [
                ("login", users["prosecutor"]), ("logout", users["prosecutor"]), ("login", users["supervisor"]),
                ("logout", users["supervisor"])]
            # the file stayed open: one backup on opening, one on closing, none in between
            assert [a for a, _ in after].count("backup") == 2, after
            assert audit.verify(db, workspace.audit_key).ok
    finally:
        reopened.close()
    assert not [s for s in shown if "passphrase" in s.text.lower()]


def test_switch_user_on_a_server_keeps_it_connected(qtbot: QtBot, demo_server: str, shown: list[Shown]) -> None:
    key = unlock(demo_server, DEMO_PASSPHRASE)
    workspace = accounts.workspace_for(open_case_file(demo_server, key), key)
    address = address_of(demo_server)
    seen = _switch_users_in_the_running_application(qtbot, workspace, address, "paralegal", "prosecutor")
    assert seen["passphrase asked"] is False and seen["username asked"] is True
    assert [w[1] for w in seen["windows"]] == [workspace, workspace]
    assert seen["title"].endswith(" — Riley Chen (prosecutor)[*]") and " on 127.0.0.1" in seen["title"]
    assert shown == []


# ---------------------------------------------------------------------------------------------------- demos


def test_the_defense_demo_opens_and_logs_in(qtbot: QtBot, shown: list[Shown]) -> None:
    assert desktop.build_parser().parse_args(["--demo"]).demo == "prosecutor"
    args = desktop.build_parser().parse_args(["--demo", "defense"])
    assert args.demo == "defense"
    started = desktop._start(args)
    assert started is not None
    session, path = started
    try:
        assert path == paths.defense_demo_case_file() and path != paths.demo_case_file()
        assert path.exists() and not paths.demo_case_file().exists()
        assert session.username == "attorney" and session.office_type == OfficeType.DEFENSE
        window = MainWindow(session, title_path=session.workspace.case_file.path)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: not window.warm_up.running(), timeout=20_000)
        assert window.windowTitle() == "demo-defense.db — Morgan Lee (attorney)[*]"
        assert "Lane Public Defense Services" in window.statusBar().currentMessage()
        assert window.model.rowCount() > 0
        window.close()
    finally:
        session.log_out()
        session.workspace.case_file.close()
    # the log-in dialog knows the demo's passphrase and its users
    dialog = LoginDialog(path, known_passphrase=desktop._known_passphrase(path))
    qtbot.addWidget(dialog)
    with qtbot.waitActive(dialog):
        dialog.show()
    assert not dialog.passphrase.isVisible()
    with qtbot.waitSignal(dialog.accepted, timeout=20_000):
        log_in(qtbot, dialog, {dialog.username: "paralegal", dialog.password: DEMO_PASSWORD})
    assert dialog.session is not None and dialog.session.office_type == OfficeType.DEFENSE
    assert dialog.case_file is not None
    with dialog.case_file.session() as db:
        assert (db.scalar(select(func.count()).select_from(m.Case)) or 0) > 0
    dialog.case_file.close()
    assert shown == []

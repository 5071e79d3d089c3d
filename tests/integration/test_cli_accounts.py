"""Accounts, the audit trail and purges through the real command line, on real case files and on a database server
(tests/integration/conftest.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from casereview.services.access import Role
from casereview.store.database import unlock
from tests.conftest import PASSPHRASE
from tests.helpers import password_file, staff_case_file
from tests.integration.conftest import execute_sql, on_server
from tests.integration.test_cli_store import run

pytestmark = pytest.mark.both_backends  # on a case file and on a PostgreSQL server (tests/conftest.py)

Args = tuple[str | Path, ...]


@pytest.fixture
def office(tmp_path: Path, new_case_file: tuple[Path, bytes]) -> tuple[Path, Args, Args]:
    """A case file with admin, supervisor and prosecutor; the options to act as the admin and as the prosecutor."""
    secret = tmp_path / "passphrase.txt"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    staff_case_file(*new_case_file, roles=(Role.SUPERVISOR, Role.PROSECUTOR))
    pw = password_file(tmp_path)
    return (new_case_file[0], ("--passphrase-file", secret, "--user", "admin", "--password-file", pw),
            ("--passphrase-file", secret, "--user", "prosecutor", "--password-file", pw))


def test_users_are_added_listed_and_refused_roles_of_another_office(tmp_path: Path,
                                                                    office: tuple[Path, Args, Args]) -> None:
    db, admin, prosecutor = office
    new = tmp_path / "new-password.txt"
    new.write_text("a long walk by the river\n", encoding="utf-8")
    assert run("user", "add", db, "Dana", "--role", "paralegal", "--new-password-file", new, *admin).returncode == 0
    listed = run("user", "list", db, *admin)
    assert listed.returncode == 0 and re.search(r"^Dana\tparalegal\tactive", listed.stdout, re.M), listed.stdout
    wrong = run("user", "add", db, "Eve", "--role", "attorney", "--new-password-file", new, *admin)
    assert wrong.returncode == 2 and "has no attorney role" in wrong.stderr
    weak = tmp_path / "weak.txt"
    weak.write_text("password1\n")
    refused = run("user", "add", db, "Finn", "--role", "paralegal", "--new-password-file", weak, *admin)
    assert refused.returncode == 2 and "common passwords" in refused.stderr
    denied = run("user", "list", db, *prosecutor)
    assert denied.returncode == 2 and "may not manage users" in denied.stderr and denied.stdout == ""


def test_five_failed_logins_lock_until_an_administrator_releases(tmp_path: Path,
                                                                 office: tuple[Path, Args, Args]) -> None:
    db, admin, prosecutor = office
    bad = tmp_path / "bad.txt"
    bad.write_text("not the password at all\n")
    as_bad = (*prosecutor[:4], "--password-file", bad)
    for _ in range(4):
        result = run("case", "export", db, "X", *as_bad)
        assert result.returncode == 2 and "user name or password is wrong" in result.stderr
    fifth = run("case", "export", db, "X", *as_bad)
    assert fifth.returncode == 2 and "now locked" in fifth.stderr
    still = run("case", "export", db, "X", *prosecutor)  # the right password no longer helps
    assert still.returncode == 2 and "is locked" in still.stderr
    assert run("user", "release", db, "prosecutor", *admin).returncode == 0
    after = run("case", "export", db, "X", *prosecutor)
    assert after.returncode == 2 and "no case X" in after.stderr  # logged in: the case simply does not exist
    shown = run("audit", "show", db, "--action", "account_locked", *admin)
    assert shown.returncode == 0 and len(shown.stdout.splitlines()) == 1


def test_audit_verify_names_the_first_changed_record(tmp_path: Path, office: tuple[Path, Args, Args]) -> None:
    db, admin, _prosecutor = office
    assert run("audit", "verify", db, *admin).returncode == 0
    execute_sql(db, unlock(db, PASSPHRASE), "DROP TRIGGER audit_log_no_update" + (" ON audit_log" if on_server(db)
                                                                                  else ""),
                "UPDATE audit_log SET user_id = 2 WHERE seq = 3")
    result = run("audit", "verify", db, *admin)
    assert result.returncode == 1 and "Record 3 does not match" in result.stdout, result.stdout
    check = run("check", db, "--passphrase-file", admin[1])
    assert check.returncode == 1 and "NOT intact" in check.stdout and "rules that protect" in check.stdout


def test_an_exported_anchor_catches_a_cut_off_tail(tmp_path: Path, office: tuple[Path, Args, Args]) -> None:
    db, admin, _prosecutor = office
    anchor = tmp_path / "anchor.json"
    assert run("audit", "anchor", db, anchor, *admin).returncode == 0
    key = unlock(db, PASSPHRASE)
    [(top,)] = execute_sql(db, key, "SELECT max(seq) FROM audit_log")
    execute_sql(db, key, "DROP TRIGGER audit_log_no_delete" + (" ON audit_log" if on_server(db) else ""),
                f"DELETE FROM audit_log WHERE seq >= {top - 2}",  # the head agrees: only anchors know
                "UPDATE audit_head SET seq = (SELECT max(seq) FROM audit_log), "
                "chain = (SELECT chain FROM audit_log ORDER BY seq DESC LIMIT 1)")
    (tmp_path / "data" / "audit-anchors").rename(tmp_path / "elsewhere")  # the local anchor is gone too
    result = run("audit", "verify", db, "--anchor", anchor, *admin)
    # (logging in to verify appends a record where the cut began: the anchor still shows records missing)
    assert result.returncode == 1 and f"to {top} were cut off" in result.stdout, result.stdout
    bad = tmp_path / "bad-anchor.json"
    bad.write_text("{not json")
    unreadable = run("audit", "verify", db, "--anchor", bad, *admin)
    assert unreadable.returncode == 2 and "bad-anchor.json" in unreadable.stderr


def test_purge_and_idle_limit_and_rescue(tmp_path: Path, office: tuple[Path, Args, Args]) -> None:
    db, admin, prosecutor = office
    case = tmp_path / "case.json"
    case.write_text('{"case_number": "P-1", "incident_date": "2026-01-02", "people": [{"id": "A", "role": "seller", '
                    '"age": 30, "name": "Rosa Díaz", "person_key": "rd-1"}], "charges": [{"id": "1", "person": "A", '
                    '"offense": "selling_sex"}]}', encoding="utf-8")
    assert run("case", "import", db, case, *prosecutor).returncode == 0
    purged = run("purge", db, "--person-key", "rd-1", "--order", "CV-2026-77", *admin)
    assert purged.returncode == 0 and "1 case(s) deleted" in purged.stderr, purged.stderr
    assert run("case", "export", db, "P-1", *prosecutor).returncode == 2
    assert run("purge", db, "--person-key", "rd-1", "--order", "CV-2026-77", *admin).returncode == 2
    assert run("office", "set", db, "--idle-minutes", "31", *admin).returncode == 2
    shown = run("office", "set", db, "--idle-minutes", "10", *admin)
    assert shown.returncode == 0 and "after 10 minute(s)" in shown.stdout and "prosecutor" in shown.stdout
    # a wrong recovery key rescues nobody (the right one: test_init_creates_the_first_administrator...)
    recovery_file = tmp_path / "recovery.txt"
    recovery_file.write_text("AAAA-" * 9 + "AAAA\n")
    new = tmp_path / "new.txt"
    new.write_text("a brand new sentence here\n")
    wrong = run("user", "rescue", db, "admin", "--recovery-key-file", recovery_file, "--new-password-file", new)
    assert wrong.returncode == 2 and "recovery key does not open" in wrong.stderr


def test_init_creates_the_first_administrator_of_a_defense_office(tmp_path: Path, backend: str,
                                                                  request: pytest.FixtureRequest) -> None:
    """`init` makes a case file; on a server, `server init` sets the office up in a new database (the same
    administrator, the same recovery key shown once, the same rescue)."""
    secret = tmp_path / "passphrase.txt"
    secret.write_text(PASSPHRASE)
    pw = password_file(tmp_path)
    db: Path | str
    if backend == "postgresql":
        from casereview.store.server import server_key_path
        from tests.pg import Cluster

        db = request.getfixturevalue("server_database")
        init: Args = ("server", "init", db)
        cluster: Cluster = request.getfixturevalue("postgres_cluster")
        name = cluster.new_database("other")
        request.addfinalizer(lambda: cluster.drop_database(name))
        other: Path | str = cluster.url(name, driver=False)
        other_made = server_key_path(other)  # (the office key file it would have kept)
    else:
        db = tmp_path / "defense.db"
        init = ("init", db)
        other = other_made = tmp_path / "other.db"
    made = run(*init, "--office-type", "defense", "--admin", "Ana", "--passphrase-file", secret, "--password-file", pw)
    assert made.returncode == 0, made.stderr
    recovery = re.search(r"(?:[A-Z2-7]{4}-){9}[A-Z2-7]{4}", made.stdout)
    assert recovery is not None
    me = ("--passphrase-file", secret, "--user", "ana", "--password-file", pw)
    shown = run("office", "show", db, *me)
    assert shown.returncode == 0 and "Office type: defense" in shown.stdout
    assert run("user", "add", db, "Sam", "--role", "attorney", "--new-password-file", pw, *me).returncode == 0
    denied = run("user", "add", db, "Lee", "--role", "supervisor", "--new-password-file", pw, *me)
    assert denied.returncode == 2 and "A defense office has no supervisor role" in denied.stderr
    no_password = run(*init[:-1], other, "--admin", "Lee", "--passphrase-file", secret)
    assert no_password.returncode == 2 and "--password-file" in no_password.stderr
    assert not other_made.exists()
    # the administrator is locked out: the recovery key from the sheet sets a new password
    recovery_file, new = tmp_path / "recovery.txt", tmp_path / "new.txt"
    recovery_file.write_text(recovery.group(0))
    new.write_text("another long sentence\n")
    rescued = run("user", "rescue", db, "Ana", "--recovery-key-file", recovery_file, "--new-password-file", new)
    assert rescued.returncode == 0 and "signing identity must be issued again" in rescued.stderr
    assert run("office", "show", db, *me[:4], "--password-file", new).returncode == 0
    assert run("office", "show", db, *me).returncode == 2  # the old password no longer works


# ------------------------------------------------------------------------- PKCS#12 and the certificates trusted


def test_an_administrator_trusts_the_root_before_a_signer_imports_a_pkcs12_file(
        tmp_path: Path, office: tuple[Path, Args, Args]) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from tests.unit.services.test_identities_import import P12_PASSWORD, _issue, _p12

    db, admin, prosecutor = office
    root = _issue("State Bar Root CA", ec.generate_private_key(ec.SECP384R1()), None, ca=True, days=(-30, 3650))
    pat = _issue("Riley Chen", ec.generate_private_key(ec.SECP256R1()), root)  # the prosecutor's full name
    p12, root_pem, p12_password = tmp_path / "pat.p12", tmp_path / "bar-root.pem", tmp_path / "p12-password.txt"
    p12.write_bytes(_p12(pat.key, pat.cert, [root.cert]))
    root_pem.write_bytes(root.cert.public_bytes(serialization.Encoding.PEM))
    p12_password.write_text(P12_PASSWORD.decode() + "\n")
    importing = ("user", "import-identity", db, p12, "--p12-password-file", p12_password, *prosecutor)

    untrusted = run(*importing)  # the signer cannot make the office trust the root
    assert untrusted.returncode == 2 and "CN=State Bar Root CA" in untrusted.stderr, untrusted.stderr
    assert "office trust" in untrusted.stderr and "Nothing was changed" in untrusted.stderr
    denied = run("office", "trust", db, root_pem, *prosecutor)
    assert denied.returncode == 2 and "may not change the office settings" in denied.stderr
    trusted = run("office", "trust", db, root_pem, "--label", "State bar", *admin)
    assert trusted.returncode == 0 and "now trusts O=State Bar PKI (test),CN=State Bar Root CA" in trusted.stderr, \
        trusted.stderr
    again = run("office", "trust", db, root_pem, *admin)
    assert again.returncode == 2 and "already trusts this certificate (State bar, number 1)" in again.stderr
    unreadable = run("office", "trust", db, tmp_path / "none.pem", *admin)
    assert unreadable.returncode == 2 and "cannot be read" in unreadable.stderr

    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not it\n")
    refused = run("user", "import-identity", db, p12, "--p12-password-file", wrong, *prosecutor)
    assert refused.returncode == 2 and "password is wrong" in refused.stderr, refused.stderr
    done = run(*importing)
    assert done.returncode == 0 and "Riley Chen" in done.stderr, done.stderr
    missing = run("user", "import-identity", db, tmp_path / "none.p12", "--p12-password-file", p12_password,
                  *prosecutor)
    assert missing.returncode == 2 and "cannot be read" in missing.stderr

    listed = run("office", "trusted", db, *prosecutor)  # anyone logged in may read the list
    assert listed.returncode == 0, listed.stderr
    own, added = listed.stdout.splitlines()
    assert own.startswith("-\t") and own.endswith("the office's own authority (always trusted)")
    assert re.fullmatch(r"1\tState bar\tvalid until \d{4}-\d\d-\d\d\tSHA-256 (?:[0-9A-F]{2}:){31}[0-9A-F]{2}\t"
                        r"added \d{4}-\d\d-\d\d by admin\tused by prosecutor", added), added
    # the office certificate exported stays the office authority's
    out = tmp_path / "office.pem"
    assert run("office", "certificate", db, out, *prosecutor).returncode == 0
    assert x509.load_pem_x509_certificate(out.read_bytes()).subject != root.cert.subject

    assert run("office", "untrust", db, "1", *prosecutor).returncode == 2
    removed = run("office", "untrust", db, "1", *admin)
    assert removed.returncode == 0 and "no longer trusts State bar" in removed.stderr
    gone = run("office", "untrust", db, "1", *admin)
    assert gone.returncode == 2 and "cannot be removed" in gone.stderr
    assert len(run("office", "trusted", db, *admin).stdout.splitlines()) == 1
    trail = run("audit", "show", db, *admin).stdout
    assert re.search(r"\tcertificate_trusted\tcertificate:1:[0-9a-f]{16}\tsuccess$", trail, re.M), trail
    assert re.search(r"\tcertificate_untrusted\tcertificate:1:[0-9a-f]{16}\tsuccess$", trail, re.M)
    assert re.search(r"\tsigning_identity_imported\tuser:\d+\tsuccess$", trail, re.M)

"""The people behind the signatures, on the real command line over real encrypted case files (issue 15): `init` and
`user first-admin` take the first administrator's full name, title and bar number (as `user add` takes a new
user's), and the administrator's signing certificate names that person; a name refused is refused before anything
is made; `user import-identity` refuses a PKCS#12 file issued to someone else's name, naming both names."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from casereview.services import accounts, identities
from casereview.services.session import UserSession
from casereview.store.database import open_case_file, unlock
from tests.conftest import PASSPHRASE
from tests.helpers import PASSWORD, password_file, staff_case_file
from tests.integration.test_cli_store import run
from tests.unit.services.test_identities_import import P12_PASSWORD, _issue, _p12

pytestmark = pytest.mark.integration


def _secret(folder: Path) -> Path:
    secret = folder / "passphrase.txt"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    return secret


def _identity_name(db: Path | str, user: str, password: str) -> tuple[str, str]:
    """The administrator's full name and title as the account keeps them, and the name their certificate gives."""
    key = unlock(db, PASSPHRASE)
    case_file = open_case_file(db, key)
    try:
        session: UserSession = accounts.login(accounts.workspace_for(case_file, key), user, password)
        names = accounts.my_names(session)
        identities.signing_identity(session)  # issued now if not yet
        mine = identities.my_identity(session)
        assert mine is not None
        return names.signed_as(), mine.name
    finally:
        case_file.close()


def test_init_takes_the_administrators_full_name_title_and_bar_number(tmp_path: Path) -> None:
    secret, pw = _secret(tmp_path), password_file(tmp_path)
    db = tmp_path / "office.db"
    made = run("init", db, "--admin", "jsmith", "--admin-full-name", "  Jane   Smith ", "--admin-title",
               "District Attorney", "--admin-bar-number", "OSB 861234", "--passphrase-file", secret,
               "--password-file", pw)
    assert made.returncode == 0, made.stderr
    assert "with the administrator jsmith (Jane Smith, District Attorney, bar number OSB 861234)" in made.stderr
    listed = run("user", "list", db, "--passphrase-file", secret, "--user", "jsmith", "--password-file", pw)
    assert listed.returncode == 0 and listed.stdout.startswith("jsmith\tadministrator\tactive\t"), listed.stdout
    assert listed.stdout.rstrip().endswith("Jane Smith, District Attorney, bar number OSB 861234")
    # the signing certificate names the person, not the account
    assert _identity_name(db, "jsmith", PASSWORD) == ("Jane Smith, District Attorney", "Jane Smith")

    # without names the file is made all the same, and the command says how to name the administrator
    unnamed = run("init", tmp_path / "unnamed.db", "--passphrase-file", secret, "--password-file", pw)
    assert unnamed.returncode == 0, unnamed.stderr
    assert "admin has no full name yet, so cannot sign" in unnamed.stderr
    assert "user set" in unnamed.stderr and "--full-name TEXT --title TEXT" in unnamed.stderr


def test_init_refuses_a_name_before_it_makes_anything(tmp_path: Path) -> None:
    secret, pw = _secret(tmp_path), password_file(tmp_path)
    db = tmp_path / "office.db"
    for option, value, words in (("--admin-full-name", "x" * 201, "The full name is too long"),
                                 ("--admin-title", "t" * 201, "The title is too long"),
                                 ("--admin-bar-number", "9" * 41, "The bar number is too long")):
        refused = run("init", db, "--admin-full-name", "Jane Smith", option, value, "--passphrase-file", secret,
                      "--password-file", pw)
        assert refused.returncode == 2, refused.stderr
        assert refused.stderr.startswith(f"{option}: {words}") and "Traceback" not in refused.stderr
        assert not db.exists() and not Path(f"{db}.keys").exists()
    assert "--admin-full-name TEXT" in run("init", "--help").stdout


@pytest.mark.both_backends  # on a case file and on a PostgreSQL server (tests/conftest.py)
def test_first_admin_takes_the_names_too(tmp_path: Path, new_case_file: tuple[Path, bytes]) -> None:
    db, secret, pw = new_case_file[0], _secret(tmp_path), password_file(tmp_path)
    too_long = run("user", "first-admin", db, "--admin", "boss", "--admin-title", "t" * 300, "--passphrase-file",
                   secret, "--password-file", pw)
    assert too_long.returncode == 2 and too_long.stderr.startswith("--admin-title: The title is too long")
    done = run("user", "first-admin", db, "--admin", "boss", "--admin-full-name", "Dana Park", "--admin-title",
               "Office Administrator", "--passphrase-file", secret, "--password-file", pw)
    assert done.returncode == 0, done.stderr
    assert "now has its first administrator, boss (Dana Park, Office Administrator)" in done.stderr
    assert _identity_name(db, "boss", PASSWORD) == ("Dana Park, Office Administrator", "Dana Park")


@pytest.mark.both_backends  # on a case file and on a PostgreSQL server (tests/conftest.py)
def test_import_identity_refuses_a_certificate_in_another_name(tmp_path: Path,
                                                               new_case_file: tuple[Path, bytes]) -> None:
    staff_case_file(*new_case_file)  # admin (Casey Morgan) and prosecutor (Riley Chen)
    db, secret, pw = new_case_file[0], _secret(tmp_path), password_file(tmp_path)
    root = _issue("State Bar Root CA", ec.generate_private_key(ec.SECP256R1()), None, ca=True, days=(-30, 3650))
    root_pem, p12_password = tmp_path / "root.pem", tmp_path / "p12-password.txt"
    root_pem.write_bytes(root.cert.public_bytes(serialization.Encoding.PEM))
    p12_password.write_text(P12_PASSWORD.decode() + "\n")
    admin = ("--passphrase-file", secret, "--user", "admin", "--password-file", pw)
    prosecutor = ("--passphrase-file", secret, "--user", "prosecutor", "--password-file", pw)
    assert run("office", "trust", db, root_pem, *admin).returncode == 0

    def p12(name: str) -> Path:
        signer = _issue(name, ec.generate_private_key(ec.SECP256R1()), root)
        path = tmp_path / f"{name.strip().replace(' ', '-')}.p12"
        path.write_bytes(_p12(signer.key, signer.cert, [root.cert]))
        return path

    refused = run("user", "import-identity", db, p12("Pat Prosecutor"), "--p12-password-file", p12_password,
                  *prosecutor)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr
    words = " ".join(refused.stderr.split())
    assert "issued to “Pat Prosecutor”, but your full name here is “Riley Chen”" in words, words
    assert "for one issued to “Riley Chen”" in words and "python -m casereview user set DB 'prosecutor'" in words
    assert "Nothing was changed" in words
    done = run("user", "import-identity", db, p12(" riley chen "), "--p12-password-file", p12_password,
               *prosecutor)
    assert done.returncode == 0 and "Your signing identity is now the one in" in done.stderr, done.stderr

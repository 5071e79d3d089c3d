"""Through the real command line: `verify` with the wrong certificate, a file that is not a certificate, a tampered
PDF and unreadable input (one clear message, exit 1 or 2, never a traceback); `user add`/`user set` with full
names, titles and bar numbers; `office set` with the new office fields."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.fields import SigFieldSpec, append_signature_field
from reportlab.pdfgen import canvas

from casereview.documents.signing import Person, certificate_pem, issue_signer, make_office_authority, sign_pdf
from tests.conftest import PASSPHRASE, ROOT
from tests.helpers import password_file, staff_case_file


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "casereview", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, check=False, stdin=subprocess.DEVNULL)


def _signed(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A signed PDF, its office's certificate and another office's."""
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, "Letter of non-opposition")
    page.save()
    writer = IncrementalPdfFileWriter(io.BytesIO(out.getvalue()))
    append_signature_field(writer, SigFieldSpec("Signer", box=(72, 100, 400, 150)))
    form = io.BytesIO()
    writer.write(form)
    ours, theirs = make_office_authority("Lane County District Attorney"), make_office_authority("Another County")
    signer = issue_signer(ours, Person("Jordan Avery", "supervisor", "Chief Deputy District Attorney"), None)
    pdf, mine, other = tmp_path / "letter.pdf", tmp_path / "office.pem", tmp_path / "other.pem"
    pdf.write_bytes(sign_pdf(form.getvalue(), signer, ours.cert_der, field_name="Signer", reason="Will not contest"))
    mine.write_bytes(certificate_pem(ours.cert_der))
    other.write_bytes(certificate_pem(theirs.cert_der))
    return pdf, mine, other


def _clean(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr + done.stdout, done.stderr


def test_verify_says_one_clear_thing_and_never_a_traceback(tmp_path: Path) -> None:
    pdf, mine, other = _signed(tmp_path)
    good = run("verify", pdf, "--trust", mine)
    assert good.returncode == 0 and "Jordan Avery" in good.stdout and "Valid:" in good.stdout, good.stdout
    _clean(good)

    wrong = run("verify", pdf, "--trust", other)
    _clean(wrong)
    assert wrong.returncode == 1 and wrong.stdout.count("NOT VALID") == 1, wrong.stdout
    assert "not signed with a certificate issued by the office certificate given" in wrong.stdout
    assert wrong.stderr == ""

    not_a_certificate = tmp_path / "notes.pem"
    not_a_certificate.write_text("These are my notes, not a certificate.\n")
    for bad in (not_a_certificate, pdf):  # a text file, and the PDF given as the certificate by mistake
        refused = run("verify", pdf, "--trust", bad)
        _clean(refused)
        assert refused.returncode == 2 and "is not a certificate file" in refused.stderr, refused.stderr
        assert refused.stderr.count("\n") == 1 and refused.stdout == ""
    missing = run("verify", pdf, "--trust", tmp_path / "nowhere.pem")
    _clean(missing)
    assert missing.returncode == 2 and "cannot be read" in missing.stderr

    data = pdf.read_bytes()
    at = data.index(b"/Reason (Will not contest)")
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(data[:at + 9] + b"w" + data[at + 10:])  # one byte of the signed range
    changed = run("verify", tampered, "--trust", mine)
    _clean(changed)
    assert changed.returncode == 1 and "NOT VALID: the document was changed after it was signed" in changed.stdout

    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 4)
    unreadable = run("verify", garbage, "--trust", mine)
    _clean(unreadable)
    assert unreadable.returncode in (1, 2) and (unreadable.stderr or unreadable.stdout)
    absent = run("verify", tmp_path / "absent.pdf", "--trust", mine)
    _clean(absent)
    assert absent.returncode == 2 and "cannot be read" in absent.stderr


@pytest.mark.both_backends  # on a case file and on a PostgreSQL server (tests/conftest.py)
def test_users_get_full_names_titles_and_bar_numbers(tmp_path: Path, new_case_file: tuple[Path, bytes]) -> None:
    path, key = new_case_file
    staff_case_file(path, key)
    secret = tmp_path / "passphrase.txt"
    secret.write_text(PASSPHRASE)
    password = password_file(tmp_path)
    new_password = tmp_path / "new.txt"
    new_password.write_text("green meadow lantern\n")

    def me(name: str) -> tuple[str | Path, ...]:
        return ("--passphrase-file", secret, "--user", name, "--password-file", password)

    added = run("user", "add", path, "dana", "--role", "prosecutor", "--new-password-file", new_password,
                "--full-name", "Dana Roe", "--title", "Deputy District Attorney", "--bar-number", "OSB 123456",
                *me("admin"))
    assert added.returncode == 0, added.stderr
    nameless = run("user", "add", path, "lee", "--role", "prosecutor", "--new-password-file", new_password,
                   *me("admin"))
    assert nameless.returncode == 0 and "has no full name yet, so cannot sign" in nameless.stderr
    listed = run("user", "list", path, *me("admin"))
    assert "Dana Roe, Deputy District Attorney, bar number OSB 123456" in listed.stdout, listed.stdout
    assert "lee\tprosecutor" in listed.stdout and "(no full name)" in listed.stdout
    changed = run("user", "set", path, "lee", "--full-name", "Lee Park", "--title", "Deputy District Attorney",
                  *me("admin"))
    assert changed.returncode == 0 and "lee: Lee Park, Deputy District Attorney." in changed.stderr, changed.stderr
    own = run("user", "set", path, "prosecutor", "--bar-number", "OSB 094512", *me("prosecutor"))
    assert own.returncode == 0, own.stderr
    refused = run("user", "set", path, "dana", "--full-name", "Someone Else", *me("prosecutor"))
    _clean(refused)
    assert refused.returncode == 2 and "may not manage users" in refused.stderr, refused.stderr
    too_long = run("user", "set", path, "lee", "--full-name", "x" * 300, *me("admin"))
    _clean(too_long)
    assert too_long.returncode == 2 and "too long" in too_long.stderr
    nothing = run("user", "set", path, "lee", *me("admin"))
    assert nothing.returncode == 2 and "Say what to change" in nothing.stderr


@pytest.mark.both_backends  # on a case file and on a PostgreSQL server (tests/conftest.py)
def test_office_set_takes_the_new_fields(tmp_path: Path, new_case_file: tuple[Path, bytes]) -> None:
    path, key = new_case_file
    staff_case_file(path, key)
    secret = tmp_path / "passphrase.txt"
    secret.write_text(PASSPHRASE)
    me = ("--passphrase-file", secret, "--user", "admin", "--password-file", password_file(tmp_path))
    done = run("office", "set", path, "--state", "OR", "--time-zone", "America/Los_Angeles", "--email",
               "da@lanecountyor.gov", "--policy-title", "Sex Work Non-Prosecution Policy", "--policy-adopted-on",
               "2025-03-01", "--dob-in-letters", "year", "--certificate-of-service", "yes", *me)
    assert done.returncode == 0, done.stderr
    assert "Time zone: America/Los_Angeles" in done.stdout and "(State of Oregon v. Dana Roe)" in done.stdout
    assert "adopted 2025-03-01" in done.stdout and "Certificate of service: yes" in done.stdout
    for option, value, words in (("--time-zone", "America/Portland", "no time zone called"),
                                 ("--email", "nobody", "not an e-mail address"),
                                 ("--policy-adopted-on", "2025-02-30", "is not a date"),
                                 ("--policy-adopted-on", "2999-01-01", "in the future")):
        refused = run("office", "set", path, option, value, *me)
        _clean(refused)
        assert refused.returncode == 2 and words in refused.stderr, (option, refused.stderr)

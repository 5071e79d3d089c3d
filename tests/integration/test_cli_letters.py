"""`letters` and `user letter-signer` through the real command line, on the demo case file: drafts for every
eligible person, the held review named, signing refused without the authority, then signed and verified."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import docx

from casereview.paths import DEMO_PASSPHRASE, DEMO_PASSWORD
from tests.conftest import ROOT


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "casereview", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, check=False, stdin=subprocess.DEVNULL)


def test_letters_are_drafted_signed_and_exported(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    assert run("demo", db).returncode == 0
    secret, password = tmp_path / "passphrase.txt", tmp_path / "password.txt"
    secret.write_text(DEMO_PASSPHRASE)
    password.write_text(DEMO_PASSWORD)

    def me(name: str) -> tuple[str | Path, ...]:
        return ("--passphrase-file", secret, "--user", name, "--password-file", password)

    drafts = tmp_path / "drafts"
    done = run("letters", db, "--out", drafts, "--docx", *me("paralegal"))
    assert done.returncode == 0, done.stderr
    assert "No letter yet for Phil Grant, case 19-CR-4410" in done.stderr and "age (date of birth) of Ana Cruz" in done.stderr
    pdfs = sorted(p.name for p in drafts.glob("*.pdf"))
    # The demo's supervisor signed Dana Roe's letter: a paralegal may not export it; the other two are drafts.
    assert len(pdfs) == 2 and not any(name.endswith("-signed.pdf") for name in pdfs), pdfs
    assert "1 signed letter(s) not written" in done.stderr
    word = docx.Document(str(next(drafts.glob("17-CR-0934*.docx"))))
    assert any("Thị Lan Nguyễn" in p.text for p in word.paragraphs)

    refused = run("letters", db, "--out", drafts, "--sign", *me("prosecutor"))
    assert refused.returncode == 2 and "head of office or a designee" in refused.stderr
    granted = run("user", "letter-signer", db, "prosecutor", "--name", "Sam Diaz", "--title",
                  "Deputy District Attorney, designee", *me("admin"))
    assert granted.returncode == 0, granted.stderr
    signed_dir = tmp_path / "signed"
    signed = run("letters", db, "--out", signed_dir, "--sign", *me("prosecutor"))
    assert signed.returncode == 0 and "Signed 2 letter(s)." in signed.stderr, signed.stderr
    cert = tmp_path / "office.pem"
    assert run("office", "certificate", db, cert, *me("prosecutor")).returncode == 0
    for pdf in signed_dir.glob("*.pdf"):
        assert pdf.name.endswith("-signed.pdf")
        checked = run("verify", pdf, "--trust", cert)
        assert checked.returncode == 0 and "trusted: yes" in checked.stdout, checked.stdout
    out = tmp_path / "documents"
    exported = run("documents", db, "--out", out, *me("prosecutor"))
    assert exported.returncode == 0
    assert len(list(out.glob("*-non_opposition-letter*-signed.pdf"))) == 3

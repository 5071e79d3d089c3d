"""`letters` and `user letter-signer` through the real command line, on the demo case file and on the demo moved
onto a database server (tests/integration/conftest.py): drafts for every eligible person, the held review and the
held letter named with what to find out, signing refused without the authority, then signed and verified (PAdES:
pdfsig reads ETSI.CAdES.detached)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import docx
import pytest

from tests.integration.conftest import Office
from tests.integration.conftest import run_cli as run

pytestmark = pytest.mark.both_backends  # on the demo case file and on the demo moved onto a server


def test_letters_are_drafted_signed_and_exported(tmp_path: Path, demo_office: Callable[..., Office]) -> None:
    office = demo_office()
    db, me = office.db, office.me
    drafts = tmp_path / "drafts"
    done = run("letters", db, "--out", drafts, "--docx", *me("paralegal"))
    assert done.returncode == 0, done.stderr
    assert "No letter yet for Phil Grant, case 19-CR-4410" in done.stderr
    assert "age (date of birth) of Ana Cruz" in done.stderr
    assert "Letter for Rosa Vega, case 18-CR-3307, is held: find out the court's docket number" in done.stderr
    pdfs = sorted(p.name for p in drafts.glob("*.pdf"))
    # The demo's supervisor signed Dana Roe's letter: a paralegal may not export it; the other five are drafts.
    assert len(pdfs) == 5 and not any(name.endswith("-signed.pdf") for name in pdfs), pdfs
    assert "1 signed letter(s) not written" in done.stderr
    word = docx.Document(str(next(drafts.glob("17-CR-0934*.docx"))))
    assert any("Thị Lan Nguyễn" in p.text for p in word.paragraphs)
    assert word.core_properties.author == "Demo County Prosecutor's Office"

    refused = run("letters", db, "--out", drafts, "--sign", *me("prosecutor"))
    assert refused.returncode == 2 and "head of office or a designee" in refused.stderr
    granted = run("user", "letter-signer", db, "prosecutor", "--name", "Riley Chen", "--title",
                  "Deputy District Attorney, designee of the District Attorney", *me("admin"))
    assert granted.returncode == 0, granted.stderr
    signed_dir = tmp_path / "signed"
    signed = run("letters", db, "--out", signed_dir, "--sign", *me("prosecutor"))
    assert signed.returncode == 0 and "Signed 4 letter(s)." in signed.stderr, signed.stderr
    assert "Letter for Rosa Vega, case 18-CR-3307, is held" in signed.stderr  # nothing is signed with a gap
    cert = tmp_path / "office.pem"
    assert run("office", "certificate", db, cert, *me("prosecutor")).returncode == 0
    for pdf in signed_dir.glob("*-signed.pdf"):
        checked = run("verify", pdf, "--trust", cert)
        assert checked.returncode == 0 and "trusted: yes" in checked.stdout, checked.stdout
        sig = subprocess.run(["pdfsig", str(pdf)], capture_output=True, text=True).stdout
        assert "Signature Type: ETSI.CAdES.detached" in sig and "Signature is Valid." in sig
    out = tmp_path / "documents"
    exported = run("documents", db, "--out", out, *me("prosecutor"))
    assert exported.returncode == 0
    assert len(list(out.glob("*-non_opposition-letter*-signed.pdf"))) == 5


def test_a_defense_office_records_its_client_and_drafts_a_document(tmp_path: Path,
                                                                   demo_office: Callable[..., Office]) -> None:
    office = demo_office("defense", "defense")
    db, me = office.db, office.me("attorney")
    out = tmp_path / "out"
    refused = run("letters", db, "--out", out, "--case", "26-CR-0110", "--document", "client_summary", "--person", "B",
                  *me)
    assert refused.returncode == 2 and "Rob Vance is not recorded as a client of this office" in refused.stderr
    done = run("letters", db, "--out", out, "--case", "26-CR-0110", "--client", "A", "--prosecuting-office",
               "Lane County District Attorney's Office", "--not-adopted", "--document", "client_summary", "--sign",
               *me)
    assert done.returncode == 0, done.stderr
    assert "Case 26-CR-0110: clients A; prosecuting office Lane County District Attorney's Office." in done.stderr
    [pdf] = out.glob("26-CR-0110-client_summary-A-*-signed.pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    assert "Dear Mei Chen," in flat and "you were charged with hurting someone" in flat
    assert "Our file does not show that the Lane County District Attorney's Office has adopted it" in flat
    assert "immigration lawyer" in flat and "Morgan Lee" in flat and "OSB 081234" in flat

"""The recovery sheet names the office (the case file when the office has no name yet, never "Office: —") and says
that the recovery key opens the case file together with its key file, NAME.keys, kept beside it and inside every
backup — read back with pdftotext, from `init` on the command line and as the first-run wizard writes it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from casereview.documents.recovery_sheet import recovery_sheet_pdf
from tests.conftest import PASSPHRASE, ROOT
from tests.helpers import password_file

KEY = "ABCD-EFGH-JKLM-NPQR-ABCD-EFGH-JKLM-NPQR-ABCD-EFGH"


def _text(pdf: bytes) -> str:
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return " ".join(text.decode().split())


def test_the_sheet_names_the_office_and_the_key_file() -> None:
    text = _text(recovery_sheet_pdf(case_file=Path("/srv/office/casos.db"), recovery_key=KEY,
                                    office="Lane County District Attorney"))
    assert "Office: Lane County District Attorney" in text
    assert "Key file: casos.db.keys, beside the case file" in text
    assert "opens the case file casos.db together with its key file, casos.db.keys" in text
    assert "must be kept beside the case file" in text and "it is inside every backup" in text
    assert "recover casos.db" in text


def test_an_office_not_named_yet_is_named_by_its_case_file() -> None:
    text = _text(recovery_sheet_pdf(case_file=Path("/srv/office/casos.db"), recovery_key=KEY, office="  "))
    assert "Office: —" not in text and "—" not in text
    assert "Office: Not named yet: the office of the case file casos.db" in text


def test_init_writes_the_office_s_name_and_the_key_file_on_the_sheet(tmp_path: Path) -> None:
    secret = tmp_path / "pw.txt"
    secret.write_text(PASSPHRASE)
    db, sheet = tmp_path / "lane.db", tmp_path / "sheet.pdf"
    done = subprocess.run([sys.executable, "-m", "casereview", "init", str(db), "--passphrase-file", str(secret),
                           "--password-file", str(password_file(tmp_path)), "--office-name",
                           "Lane County District Attorney", "--recovery-sheet", str(sheet)],
                          cwd=ROOT, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert "together with its key file, lane.db.keys" in " ".join(done.stdout.split())
    text = _text(sheet.read_bytes())
    assert "Office: Lane County District Attorney" in text and "lane.db.keys" in text
    assert "inside every backup" in text

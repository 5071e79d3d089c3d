"""`init --recovery-sheet`: the printed sheet holds the recovery key that really recovers the file."""

from __future__ import annotations

import re
import stat
import subprocess
import sys
from pathlib import Path

from casereview.store.database import unlock, unlock_with_recovery
from tests.conftest import PASSPHRASE, ROOT
from tests.helpers import password_file


def test_recovery_sheet_holds_the_working_key(tmp_path: Path) -> None:
    secret = tmp_path / "pw.txt"
    secret.write_text(PASSPHRASE)
    db, sheet = tmp_path / "Oficina Ñandú" / "casos.db", tmp_path / "sheet.pdf"
    result = subprocess.run([sys.executable, "-m", "casereview", "init", str(db), "--passphrase-file", str(secret),
                             "--password-file", str(password_file(tmp_path)), "--recovery-sheet", str(sheet)],
                            cwd=ROOT, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    printed = re.search(r"(?:[A-Z2-7]{4}-){9}[A-Z2-7]{4}", result.stdout)
    assert printed is not None
    assert stat.S_IMODE(sheet.stat().st_mode) == 0o600
    assert subprocess.run(["qpdf", "--check", str(sheet)], capture_output=True, check=False).returncode == 0
    text = subprocess.run(["pdftotext", "-layout", str(sheet), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "CaseReview recovery sheet" in text and "casos.db" in text
    assert "OficinaÑandú" in "".join(text.split())  # the folder, however it was broken into lines
    on_sheet = "".join(re.findall(r"\b[A-Z2-7]{4}\b", text.split("Recovery key", 1)[1])[:10])
    assert on_sheet == printed.group(0).replace("-", "")
    assert unlock_with_recovery(db, on_sheet) == unlock(db, PASSPHRASE)

"""`screen` stays light: screening one case imports the rules and the policy, not the storage, documents or
window (each command imports what it uses when it runs)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from casereview.services.demo import DEMO_CASES
from tests.conftest import ROOT

HEAVY = ("sqlalchemy", "alembic", "reportlab", "pyhanko", "PySide6", "sqlcipher3", "cryptography", "docx")


def imported_by(*args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run the command with ``-X importtime``, which lists on standard error every module the run imported."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "casereview", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    names = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return result, names


def top_level(names: set[str]) -> set[str]:
    return {name.split(".")[0] for name in names}


def test_screen_imports_neither_storage_nor_documents_nor_qt(tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps(DEMO_CASES[0]), encoding="utf-8")
    result, names = imported_by("screen", str(case))
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout)["case_number"] == DEMO_CASES[0]["case_number"]
    assert "casereview.policy.engine" in names  # the listing works: the engine was imported
    heavy = sorted(top_level(names) & set(HEAVY))
    assert heavy == [], f"screen imported {heavy}"


def test_the_listing_sees_heavy_imports_where_there_are_some(tmp_path: Path) -> None:
    """The check can fail: a command that opens a case file imports the storage."""
    result, names = imported_by("check", str(tmp_path / "none.db"))
    assert result.returncode != 0
    assert "sqlalchemy" in top_level(names)

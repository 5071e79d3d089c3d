"""The first dialog comes up without the database, cryptography, PDF or policy libraries: they are loaded once it
is on screen (while the passphrase is typed) or when first used. That keeps the start quick (benchmarks/gui.py
measures it against a bare PySide6 window; target at most 2x)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def _probe(*command: str) -> tuple[str, list[str]]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CASEREVIEW_STARTUP_PROBE": "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, *command], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    shown = next(line for line in lines if line.startswith("shown "))
    heavy = next(line for line in lines if line.startswith("heavy"))
    return shown, heavy.split()[1:]


def test_the_log_in_dialog_comes_up_before_any_heavy_library(new_case_file: tuple[Path, bytes]) -> None:
    path, _key = new_case_file
    shown, heavy = _probe("main.py", "--db", str(path))
    assert float(shown.split()[1]) > 0
    assert heavy == []


def test_the_probe_does_see_a_heavy_library_loaded_early(new_case_file: tuple[Path, bytes]) -> None:
    """The check above can fail: a start that loads the database library first is reported."""
    path, _key = new_case_file
    script = f"import sqlalchemy, sys; from ui.app import main; sys.exit(main(['--db', {str(path)!r}]))"
    _shown, heavy = _probe("-c", script)
    assert heavy == ["sqlalchemy"]

"""casereview/ never imports PySide6: every module is imported with PySide6 blocked."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

SCRIPT = r"""
import importlib, pkgutil, sys

class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "PySide6" or name.startswith("PySide6.") or name == "shiboken6":
            raise ImportError(f"casereview must not import {name}")
        return None

sys.meta_path.insert(0, Block())
import casereview
count = 0
for info in pkgutil.walk_packages(casereview.__path__, "casereview."):
    if ".migrations.versions." in info.name or info.name.endswith("migrations.env"):
        continue
    importlib.import_module(info.name)
    count += 1
assert "PySide6" not in sys.modules
print(count)
"""


def test_casereview_imports_without_qt() -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= 10  # every module was actually imported


def test_the_blocker_does_block_qt() -> None:
    """The check above can fail: importing the UI under the same blocker is refused."""
    script = SCRIPT.replace("import casereview\n", "import casereview\nimport ui.main_window\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert "must not import PySide6" in result.stderr

"""The section 8 request form on a 1366x768 laptop (issue 17): it opens no larger than the screen's free area, its
body scrolls, and Cancel, Save draft and Sign and submit stay in view below it — when it opens, and with a long
refusal above the buttons and a field's problem under its box (which is scrolled into view).

Qt's offscreen platform gives a process its screens when it starts, so the form is opened in a process of its own
on a screen of 1366x768 (tests/gui/on_small_screen.py): a real window over the real encrypted demo case file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QImage

from tests.conftest import ROOT
from ui.shared.screen import FRAME_ALLOWANCE

pytestmark = pytest.mark.gui

LAPTOP = (1366, 768)


def _inside(inner: list[int], outer: list[int]) -> bool:
    x, y, w, h = inner
    left, top, width, height = outer
    return left <= x and top <= y and x + w <= left + width and y + h <= top + height


def test_the_request_form_fits_a_1366x768_screen_with_its_buttons_in_view(tmp_path: Path) -> None:
    screen = tmp_path / "screen.json"
    screen.write_text(json.dumps({"screens": [{"name": "laptop", "x": 0, "y": 0, "width": LAPTOP[0],
                                               "height": LAPTOP[1], "logicalDpi": 96, "logicalBaseDpi": 96,
                                               "dpr": 1}]}), encoding="utf-8")
    shot = tmp_path / "request-1366x768.png"
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={screen}",
           "CASEREVIEW_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run([sys.executable, "-m", "tests.gui.on_small_screen", str(tmp_path), str(shot)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    seen: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["free"] == [0, 0, *LAPTOP]  # the process did have the laptop's screen
    for moment in ("opened", "problems"):
        where = seen[moment]
        width, height = where["size"]
        assert width <= LAPTOP[0] and height <= LAPTOP[1] - FRAME_ALLOWANCE, (moment, where["size"])
        assert _inside(where["frame"], seen["free"]), (moment, where["frame"])  # the title bar too
        for name, button in where["buttons"].items():
            assert button["visible"] and not button["scrolls"], (moment, name)  # below the scrolled body
            assert _inside(button["rect"], [0, 0, width, height]), (moment, name, button["rect"], where["size"])
    problems = seen["problems"]
    assert problems["problem"]["visible"] and _inside(problems["problem"]["rect"], [0, 0, *problems["size"]])
    assert problems["problem"]["rect"][3] >= problems["problem"]["needs"]  # every line of the refusal shown
    assert problems["evidence_note"] == {"visible": True, "in_view": True}  # scrolled to the field's problem
    image = QImage(str(shot))  # (looked at: tests/gui/on_small_screen.py writes it)
    assert (image.width(), image.height()) == tuple(problems["size"])

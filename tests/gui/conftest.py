"""Fixtures of the window tests (see tests/gui/support.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from casereview.services.session import Workspace
from tests.gui.support import Boxes, answering_boxes, open_demo
from tests.helpers import FakeClock


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> Boxes:
    return answering_boxes(monkeypatch)


@pytest.fixture
def demo(tmp_path: Path, clock: FakeClock) -> Iterator[Workspace]:
    yield from open_demo(tmp_path, clock)

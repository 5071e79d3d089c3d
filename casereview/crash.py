"""Crash reports that can be sent to support without exposing anyone.

A bug's report says where it happened — the exception's type and the chain of files, lines and functions — and
which versions were running. It never carries the exception's message or any variable: those can hold names and
case facts (an error about a row, a value that failed to convert).
"""

from __future__ import annotations

import platform
import sys
import traceback
from types import TracebackType

from casereview import __version__


def crash_report(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> str:
    lines = [f"CaseReview {__version__}, Python {platform.python_version()}, {platform.system()} {platform.release()}",
             "", f"{kind.__module__}.{kind.__qualname__} (message left out: it may hold case data)"]
    for frame in traceback.extract_tb(tb):
        lines.append(f"  {_short(frame.filename)}:{frame.lineno} in {frame.name}")
    cause = value.__cause__ or value.__context__
    depth = 0
    while cause is not None and depth < 5:
        lines.append(f"caused by {type(cause).__module__}.{type(cause).__qualname__}")
        for frame in traceback.extract_tb(cause.__traceback__):
            lines.append(f"  {_short(frame.filename)}:{frame.lineno} in {frame.name}")
        cause = cause.__cause__ or cause.__context__
        depth += 1
    return "\n".join(lines) + "\n"


def _short(filename: str) -> str:
    """The path from the package folder on (the rest names the user's home folder)."""
    for marker in ("/casereview/", "/ui/", "/site-packages/", "/lib/python"):
        at = filename.rfind(marker)
        if at != -1:
            return filename[at + 1:]
    return filename.rsplit("/", 1)[-1]


def write_to_stderr(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> str:
    report = crash_report(kind, value, tb)
    if sys.stderr is not None:  # None in a windowed program (the Windows bundle): the crash dialog still shows it
        sys.stderr.write(report)
    return report

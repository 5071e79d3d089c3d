"""The reports over a large case file: every dashboard aggregate over N generated cases (target < 1 s) and a
filter change (a date range and a policy, target < 300 ms), with and without disclosure control.

The cases come from ``tests/report_cases.py`` (one party, 1 to 3 charges each, a fifth of them screened twice),
written straight into an encrypted case file made once per N in the system's temporary folder.

Measured: the first count after the file is opened (its pages read and decrypted from disk), then R runs of each
of the four (median, best, CPU), and the Reports window itself (Qt offscreen unless a display is set): from
opening it until its charts and tables are drawn, and a filter change until they are drawn again. Every one of
these counts (the counts kept for an unchanged file, `casereview/services/report_cache.py`, are forgotten before
each run). Then what a user meets as the application runs: the window opened on a count kept from a moment ago,
and in a new process, the window opened a few seconds after the file (what the application counts ahead when the
file opens, `reports.count_ahead`, done by then).

Usage: ``python benchmarks/reports.py [--cases N] [--repeat R] [--no-window] [--ahead-wait S]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from casereview.services import accounts, report_cache, reports  # noqa: E402
from casereview.services.access import OfficeType, Role  # noqa: E402
from casereview.services.session import UserSession  # noqa: E402
from casereview.store.database import create_case_file, open_case_file, unlock  # noqa: E402
from casereview.store.keys import TEST_KDF  # noqa: E402
from casereview.store.report_queries import ReportFilter  # noqa: E402
from tests.report_cases import fill  # noqa: E402

PASSPHRASE = "benchmark passphrase"
PASSWORD = "benchmark password here"


def report_file(count: int) -> Path:
    path = Path(tempfile.gettempdir()) / f"casereview-reports-{count}.db"
    if path.exists():
        return path
    partial = path.with_name(path.name + ".partial")
    for leftover in (partial, Path(f"{partial}.keys"), Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    case_file, _recovery = create_case_file(partial, PASSPHRASE, kdf=TEST_KDF)
    key = unlock(partial, PASSPHRASE)
    try:
        ws = accounts.workspace_for(case_file, key)
        accounts.set_up_office(ws, OfficeType.PROSECUTOR, "admin", PASSWORD, kdf=TEST_KDF)
        admin = accounts.login(ws, "admin", PASSWORD)
        accounts.create_user(admin, "chief", Role.SUPERVISOR, PASSWORD, kdf=TEST_KDF, full_name="Chief")
        with case_file.session() as db, db.begin():
            fill(db, count)
    finally:
        case_file.close()
    for suffix in ("", ".keys"):
        Path(f"{partial}{suffix}").rename(Path(f"{path}{suffix}"))
    return path


def _time(work: Callable[[], object], repeat: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of each run (the CPU time says the same on a machine busy with other work)."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        work()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return wall, cpu


def _app() -> Any:
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([])


def _drawn(dialog: Any, generation: int) -> None:
    app = _app()
    while dialog.report is None or dialog.generation != generation or dialog.banner.text() == "Counting…":
        app.processEvents()
        time.sleep(0.001)
    dialog.grab()  # (the chart and table of the tab on show painted)


def _open_window(user: UserSession) -> tuple[Any, float]:
    from ui.reports.dashboard import Dashboard

    start = time.perf_counter()
    dialog = Dashboard(user)
    dialog.show()
    _drawn(dialog, dialog.generation)
    return dialog, time.perf_counter() - start


def _close_window(dialog: Any) -> None:
    dialog.close()
    dialog.deleteLater()
    _app().processEvents()


def window(user: UserSession, narrow: ReportFilter, repeat: int) -> None:
    """The Reports window: opened until drawn, and a filter change until drawn again (R times each, counting each
    time); then opened on the count kept from the last time."""
    from PySide6.QtCore import QDate

    kept = report_cache.for_file(user.workspace.case_file)
    opened, changed = [], []
    for _ in range(repeat):
        kept.forget()
        dialog, took = _open_window(user)
        opened.append(took)
        for edit, box, day in ((dialog.date_from, dialog.use_from, narrow.date_from),
                               (dialog.date_to, dialog.use_to, narrow.date_to)):
            for widget in (edit, box):
                widget.blockSignals(True)
            assert day is not None
            edit.setDate(QDate(day.year, day.month, day.day))
            box.setChecked(True)
            edit.setEnabled(True)
            for widget in (edit, box):
                widget.blockSignals(False)
        before = dialog.generation
        kept.forget()
        start = time.perf_counter()
        dialog.policy.setCurrentText(narrow.policy_id or "")  # (the change that recounts)
        if dialog.generation == before:
            raise SystemExit(f"the policy {narrow.policy_id!r} is not in the window's list: nothing was recounted")
        _drawn(dialog, dialog.generation)
        changed.append(time.perf_counter() - start)
        _close_window(dialog)
    print(f"Reports window, opened until drawn: median {statistics.median(opened) * 1000:.0f} ms, worst "
          f"{max(opened) * 1000:.0f} ms (target < 1000 ms)")
    print(f"Reports window, filter change until drawn: median {statistics.median(changed) * 1000:.0f} ms, worst "
          f"{max(changed) * 1000:.0f} ms (target < 300 ms)")
    reports.compute(user)
    again = []
    for _ in range(repeat):
        dialog, took = _open_window(user)
        again.append(took)
        _close_window(dialog)
    print(f"Reports window, opened again on the file unchanged (the count kept): median "
          f"{statistics.median(again) * 1000:.0f} ms, worst {max(again) * 1000:.0f} ms")


def ahead(path: Path, wait: float) -> None:
    """In a process of its own (nothing read or drawn before): the file opened and the user logged in as the
    application does it (counting ahead), the window opened `wait` seconds later."""
    key = unlock(path, PASSPHRASE)
    case_file = open_case_file(path, key)
    try:
        user = accounts.login(accounts.workspace_for(case_file, key), "chief", PASSWORD)
        _app()
        reports.count_ahead(user)
        time.sleep(wait)
        dialog, took = _open_window(user)
        _close_window(dialog)
        print(f"Reports window opened {wait:g} s after the file, in a new process (counted ahead): "
              f"{took * 1000:.0f} ms (target < 1000 ms)")
    finally:
        case_file.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-window", action="store_true", help="leave out the Reports window's timing")
    parser.add_argument("--ahead-wait", type=float, default=3.0,
                        help="seconds between opening the file and opening the window, in the new process")
    parser.add_argument("--ahead-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    made = time.perf_counter()
    path = report_file(args.cases)
    if args.ahead_only:
        ahead(path, args.ahead_wait)
        return 0
    print(f"case file: {path} ({time.perf_counter() - made:.1f} s to make or find)")
    key = unlock(path, PASSPHRASE)
    case_file = open_case_file(path, key)
    try:
        ws = accounts.workspace_for(case_file, key)
        user = accounts.login(ws, "chief", PASSWORD)
        narrow = ReportFilter(date(2025, 3, 1), date(2025, 8, 31), "office-2026")
        start = time.perf_counter()
        reports.compute(user)
        print(f"first count after opening the file (cold): {(time.perf_counter() - start) * 1000:.0f} ms")
        for label, f, internal in (("all aggregates, suppressed", None, False),
                                   ("all aggregates, exact (internal)", None, True),
                                   ("filter change (dates + policy), suppressed", narrow, False),
                                   ("filter change (dates + policy), exact", narrow, True)):
            def work(f: ReportFilter | None = f, internal: bool = internal) -> object:
                report_cache.for_file(case_file).forget()
                return reports.compute(user, f, internal=internal)
            times, cpu = _time(work, args.repeat)
            print(f"{label}: median {statistics.median(times) * 1000:.0f} ms, best {min(times) * 1000:.0f} ms "
                  f"({args.repeat} runs; CPU median {statistics.median(cpu) * 1000:.0f} ms)")
        report = reports.compute(user)
        print(f"tables: {len(report.tables)}, cells suppressed: {sum(p.suppressed_count for p in report.tables)}")
        start = time.perf_counter()
        reports.compute(user)
        took = (time.perf_counter() - start) * 1000
        print(f"all aggregates again, the file unchanged (the count kept): {took:.0f} ms")
        if not args.no_window:
            _app()
            window(user, narrow, args.repeat)
    finally:
        case_file.close()
    if not args.no_window:
        subprocess.run([sys.executable, __file__, "--cases", str(args.cases), "--ahead-only", "--ahead-wait",
                        str(args.ahead_wait)], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

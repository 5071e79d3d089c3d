"""Benchmark signed letters: how many section 6 non-opposition letters are drafted, rendered, signed and stored per
second.

Usage (from the project root)::

    python benchmarks/letters.py [--letters N] [--workers N]

An encrypted case file (in a temporary folder, deleted at the end) gets N past records, one person each, every one
eligible under section 6. A paralegal drafts the letters (``casereview.services.letters.draft_letters``), and the
head of office signs them all at once (``sign_letters``: each letter composed from the case file, rendered by
ReportLab, signed with the signer's ECDSA P-256 identity by pyHanko, and stored byte for byte with its audit
record), first on one core, then on every core. For reference, ReportLab alone is timed rendering the same letters.
Target: at least 40 signed letters per second over 1,000 letters, both cores used.

With ``--window`` it then signs N more letters through the letters window (``ui.documents.letters_window``,
offscreen: Sign selected…, the confirmation answered Yes and the password given, the work in the window's
background task with its progress dialog), and prints the window's time against the service's time for the same
number of letters in the same run (target: within 1.5x), and how long the progress showed 100% before the end (the
progress must be true to the end).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from casereview.documents.layout import render_for_signing  # noqa: E402
from casereview.policy.case import parse_case  # noqa: E402
from casereview.policy.profile import load_builtin  # noqa: E402
from casereview.services import accounts, letters  # noqa: E402
from casereview.services import cases as casework  # noqa: E402
from casereview.services.access import OfficeType, Role  # noqa: E402
from casereview.services.office import office_of, office_policy, read_office, update_office  # noqa: E402
from casereview.services.session import Workspace  # noqa: E402
from casereview.store import models as m  # noqa: E402
from casereview.store.database import create_case_file, unlock  # noqa: E402
from casereview.store.keys import TEST_KDF  # noqa: E402

PASSWORD = "benchmark password here"
NAMES = ["Dana Roe", "Thị Lan Nguyễn", "Łukasz Wójcik", "Maria Solís", "Keisha Morgan", "Amara Okafor", "Mei Chen",
         "Ζωή Παπαδοπούλου", "Анна Иванова", "Priya Raman"]


def _record(n: int) -> dict[str, object]:
    return {"case_number": f"1{n % 9}-CR-{n:05d}", "incident_date": f"201{n % 9}-0{1 + n % 9}-1{n % 9}",
            "county": "Lane County", "court": "Lane County District Court",
            "people": [{"id": "A", "name": f"{NAMES[n % len(NAMES)]} {n}", "role": "seller",
                        "date_of_birth": "1990-01-01", "person_key": f"SID-{n:06d}"}],
            "charges": [{"id": "1", "person": "A", "offense": "selling_sex", "status": "convicted",
                         "statute": "PC 647(b)", "docket_number": f"CR-{n:05d}",
                         "disposition_date": f"201{n % 9}-1{n % 3}-0{1 + n % 9}"}]}


def _office(folder: Path, count: int) -> Workspace:
    path = folder / "bench.db"
    case_file, _recovery = create_case_file(path, PASSWORD, kdf=TEST_KDF)
    ws = accounts.workspace_for(case_file, unlock(path, PASSWORD))
    accounts.set_up_office(ws, OfficeType.PROSECUTOR, "admin", PASSWORD, kdf=TEST_KDF,
                           office_name="Lane County District Attorney")
    admin = accounts.login(ws, "admin", PASSWORD)
    for name, role, full in (("head", Role.SUPERVISOR, "Jane Smith"), ("para", Role.PARALEGAL, "Sam Lee"),
                             ("pat", Role.PROSECUTOR, "Pat Kim")):
        accounts.create_user(admin, name, role, PASSWORD, kdf=TEST_KDF, full_name=full,
                             title="Deputy District Attorney",
                             bar_number="OSB 941203" if role != Role.PARALEGAL else None)
    accounts.set_letter_signer(admin, "head", True, name="Jane Smith", title="District Attorney")
    # Everything a letter prints (nothing is signed with a gap).
    update_office(admin, replace(read_office(admin), state="Oregon", address="125 E 8th Ave, Eugene, OR 97401",
                                 phone="(541) 682-4261", email="da@lane.example.org",
                                 policy_title="Policy on Charges Arising from Sex Work",
                                 policy_adopted_on=date(2025, 4, 1), time_zone="America/Los_Angeles"))
    casework.import_cases(accounts.login(ws, "pat", PASSWORD), [parse_case(_record(n)) for n in range(count)],
                          load_builtin())
    return ws


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--window", action="store_true", help="also sign N letters through the letters window")
    args = parser.parse_args(argv)
    print(f"{args.letters} letters; {os.cpu_count()} cores on this machine")
    with tempfile.TemporaryDirectory(prefix="casereview-bench-") as folder:
        extra = args.letters if args.window else 0
        ws = _office(Path(folder), args.letters + args.letters // 4 + extra)
        para = accounts.login(ws, "para", PASSWORD)
        start = time.perf_counter()
        report = letters.draft_letters(para)
        drafting = time.perf_counter() - start
        ids = sorted(report.drafted)
        print(f"Drafting {len(ids)} letters (finding every eligible record, screened again): {drafting:.2f} s, "
              f"{len(ids) / drafting:.0f}/s")

        head = accounts.login(ws, "head", PASSWORD)
        profile, presumptive = office_policy(ws)
        office = office_of(ws)
        with ws.session() as db:
            docs = [letters._compose(db, head, db.get_one(m.Letter, i), None, profile, presumptive, office)
                    for i in ids[:200]]
        start = time.perf_counter()
        for doc in docs:
            render_for_signing(doc)
        rendering = time.perf_counter() - start
        print(f"ReportLab alone (one core, {len(docs)} letters): {len(docs) / rendering:.0f} letters/s")

        half = args.letters
        service = 0.0
        for workers, batch in ((1, ids[:half // 4]), (args.workers, ids[half // 4:half // 4 + half])):
            start = time.perf_counter()
            signed = letters.sign_letters(head, batch, workers=workers)
            took = time.perf_counter() - start
            service = took
            assert len(signed.signed) == len(batch), signed.refused[:3]
            print(f"Signed and stored {len(batch)} letters on {workers} core(s): {took:.2f} s, "
                  f"{len(batch) / took:.1f} letters/s" + ("  (target at least 40/s on both cores)"
                                                          if workers > 1 else ""))
        if args.window:
            _in_window(head, ids[half // 4 + half:], service)
        ws.case_file.close()
    return 0


def _in_window(head: object, ids: list[int], service: float) -> None:
    """Sign `ids` through the letters window, offscreen, timing it and sampling its progress every 50 ms."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from ui.access.reauth import PasswordPrompt
    from ui.documents.letters_window import LettersWindow

    app = QApplication.instance() or QApplication([])
    QMessageBox.question = staticmethod(lambda *_a, **_k: QMessageBox.StandardButton.Yes)  # type: ignore[method-assign]

    def answer(prompt: PasswordPrompt) -> int:
        prompt.password.setText(PASSWORD)
        prompt._check()
        return int(prompt.result())

    PasswordPrompt.exec = answer  # type: ignore[method-assign, assignment]
    window = LettersWindow(head)  # type: ignore[arg-type]
    window.show()
    window.select_ids(ids)
    samples: list[tuple[float, int, int]] = []
    start = time.perf_counter()
    window.sign_button.click()
    task = window.task
    assert task is not None
    timer = QTimer(interval=50)
    timer.timeout.connect(lambda: samples.append((time.perf_counter() - start, task.progress.done,
                                                  task.progress.total)))
    timer.start()
    while task.running():
        app.processEvents()
        time.sleep(0.005)
    took = time.perf_counter() - start
    timer.stop()
    signed = sum(r.status == "signed" for r in window.rows if r.id in set(ids))
    full = [t for t, done, total in samples if total and done >= total]
    at_full = took - full[0] if full else 0.0
    print(f"Signed {signed} letters in the window: {took:.2f} s, {signed / took:.1f} letters/s; "
          f"{took / service:.2f}x the service's time for {len(ids)} letters (target within 1.5x); progress at 100% "
          f"for the last {at_full:.2f} s")
    window.close()


if __name__ == "__main__":
    sys.exit(main())

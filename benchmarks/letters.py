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
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
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
from casereview.services.office import office_of, office_policy  # noqa: E402
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
    for name, role in (("head", Role.SUPERVISOR), ("para", Role.PARALEGAL), ("pat", Role.PROSECUTOR)):
        accounts.create_user(admin, name, role, PASSWORD, kdf=TEST_KDF)
    accounts.set_letter_signer(admin, "head", True, name="Jane Smith", title="District Attorney")
    casework.import_cases(accounts.login(ws, "pat", PASSWORD), [parse_case(_record(n)) for n in range(count)],
                          load_builtin())
    return ws


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    print(f"{args.letters} letters; {os.cpu_count()} cores on this machine")
    with tempfile.TemporaryDirectory(prefix="casereview-bench-") as folder:
        ws = _office(Path(folder), args.letters + args.letters // 4)
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
        for workers, batch in ((1, ids[:half // 4]), (args.workers, ids[half // 4:half // 4 + half])):
            start = time.perf_counter()
            signed = letters.sign_letters(head, batch, workers=workers)
            took = time.perf_counter() - start
            assert len(signed.signed) == len(batch), signed.refused[:3]
            print(f"Signed and stored {len(batch)} letters on {workers} core(s): {took:.2f} s, "
                  f"{len(batch) / took:.1f} letters/s" + ("  (target at least 40/s on both cores)"
                                                          if workers > 1 else ""))
        ws.case_file.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

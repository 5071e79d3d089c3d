"""Benchmark accounts and the audit trail: the time of a login, and what an audit record adds to a case change.

Usage (from the project root)::

    python benchmarks/accounts.py [--logins N] [--changes N] [--cases N]

1. Login: ``casereview.services.accounts.login`` with the shipped settings (``passwords.USER_KDF``, Argon2id):
   checking the password hash and deriving the key that unwraps the user's own key, plus the audit record and
   the last-login update. Best, median and worst of N logins. Target: about 0.5 s, never under 0.25 s.
2. A case change with and without its audit records, on an encrypted case file holding a few hundred cases: the
   same edit (a case's notes changed, the case screened again, as the editor saves it) (a) through
   ``casereview.store.cases.update_case`` + ``screen_row`` in one transaction, (b) the same plus the two
   audit records the service writes (the change and its screening), and (c) through
   ``casereview.services.cases.update_case`` (permission and account checks, the work, the records). The three
   are run in turn, N times each, and the medians compared. Target: the audit records add under 20% (b against
   a). The commit (synchronous=FULL, an fsync) is in all three, as it is in the application.

The case file is written in a temporary folder and deleted at the end.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from screening import make_cases  # noqa: E402  (benchmarks/ is this script's folder)

from casereview.policy.case import parse_case  # noqa: E402
from casereview.policy.profile import load_builtin  # noqa: E402
from casereview.services import accounts  # noqa: E402
from casereview.services import cases as casework  # noqa: E402
from casereview.services.access import OfficeType, Role  # noqa: E402
from casereview.store import audit, cases  # noqa: E402
from casereview.store.database import create_case_file, unlock  # noqa: E402
from casereview.store.keys import TEST_KDF  # noqa: E402

PASSWORD = "benchmark password here"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--logins", type=int, default=10)
    parser.add_argument("--changes", type=int, default=300)
    parser.add_argument("--cases", type=int, default=300)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="casereview-bench-") as folder:
        path = Path(folder) / "bench.db"
        case_file, _recovery = create_case_file(path, PASSWORD, kdf=TEST_KDF)  # the office key: not measured here
        ws = accounts.workspace_for(case_file, unlock(path, PASSWORD))
        accounts.set_up_office(ws, OfficeType.PROSECUTOR, "admin", PASSWORD)  # shipped settings: USER_KDF
        admin = accounts.login(ws, "admin", PASSWORD)
        accounts.create_user(admin, "pat", Role.PROSECUTOR, PASSWORD)

        # 1. logins
        times = []
        for _ in range(args.logins):
            start = time.perf_counter()
            accounts.login(ws, "pat", PASSWORD)
            times.append(time.perf_counter() - start)
        print(f"Login ({args.logins} times, Argon2id twice: the hash and the key-wrapping key):")
        print(f"  best {times and min(times):.3f} s, median {statistics.median(times):.3f} s, worst {max(times):.3f} s"
              f"  (target about 0.5 s, never under 0.25 s)")

        # 2. a case change, with and without its audit record
        pat = accounts.login(ws, "pat", PASSWORD)
        profile = load_builtin()
        stored = [parse_case(raw) for raw in make_cases(args.cases, seed=7)]
        casework.import_cases(pat, stored, profile)
        plain: list[float] = []
        recorded: list[float] = []
        service: list[float] = []
        for n in range(args.changes):
            case = stored[n % len(stored)]
            with ws.session() as db:
                version = cases.load_case(db, case.case_number).version
            for way, times_of in (("plain", plain), ("recorded", recorded), ("service", service)):
                edited = replace(case, notes=f"{way} edit {n}")
                start = time.perf_counter()
                if way == "service":
                    casework.update_case(pat, edited, version, profile)
                else:
                    with ws.session() as db, db.begin():
                        row = cases.update_case(db, edited, expected_version=version)
                        cases.screen_row(db, row, profile)
                        if way == "recorded":  # the service's two records: the change and its screening
                            audit.append(db, ws.audit_key, user_id=pat.user_id, action="case_updated",
                                         object_id=f"case:{row.id}")
                            audit.append(db, ws.audit_key, user_id=pat.user_id, action="screening",
                                         object_id=f"case:{row.id}")
                times_of.append(time.perf_counter() - start)
                version += 1
            pat.last_activity = ws.now()
        p, r, v = statistics.median(plain), statistics.median(recorded), statistics.median(service)
        print(f"A case change ({args.changes} of each, {args.cases} cases in the file, medians, one commit each):")
        print(f"  the change alone {_ms(p)}; with its audit records {_ms(r)}: {100 * (r - p) / p:+.1f}%"
              "  (target under +20%)")
        print(f"  through the service (permission check, account check, the change, its records) {_ms(v)}: "
              f"{100 * (v - p) / p:+.1f}%")
        case_file.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark a shared office on a PostgreSQL server: 20 simulated users at once.

Usage (from the project root; needs PostgreSQL's server programs, as the tests do)::

    python benchmarks/shared_office.py [--users 20] [--seconds 60] [--think 1.0] [--cases 300]

A throw-away cluster is started on 127.0.0.1 as the tests start it (tests/pg.py), with an office of `--users`
prosecutors and `--cases` cases. Each user is a process of its own (as each person works on a computer of their
own) that, for `--seconds`, repeats: search (a name, accents and case ignored), open a case, edit and save it (a
token of its own appended to the notes, against the version it opened), screen it, and draft its letters, with a
pause of about `--think` seconds (random, 0 to twice that) between actions, as a person reading the screen makes.

Reported: the count, median and p95 of each action, the saves refused as conflicts (someone else saved the case
first: shown to the user, never lost), **lost updates** (a save that was acknowledged but whose token is not in
the case at the end: must be 0), and whether the audit trail verifies. Target: p95 under 100 ms for each action.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from casereview.policy.case import parse_case  # noqa: E402
from casereview.policy.profile import load_builtin  # noqa: E402
from casereview.services import accounts, letters  # noqa: E402
from casereview.services import cases as casework  # noqa: E402
from casereview.services.access import OfficeType, Role  # noqa: E402
from casereview.services.demo import DEMO_CASES  # noqa: E402
from casereview.store import audit  # noqa: E402
from casereview.store.cases import CaseConflict  # noqa: E402
from casereview.store.database import open_case_file  # noqa: E402
from casereview.store.keys import TEST_KDF, new_keys  # noqa: E402
from casereview.store.server import write_server_keys  # noqa: E402
from tests.pg import start_cluster  # noqa: E402

PASSPHRASE = "shared office benchmark"
PASSWORD = "blue river seven"
ACTIONS = ("search", "open", "save", "screen", "letter")
NAMES = ("nguyen", "roe", "martin", "lukasz", "lund", "poe")


def set_up(url: str, users: int, count: int) -> bytes:
    keys, key, _recovery = new_keys(PASSPHRASE, kdf=TEST_KDF)
    write_server_keys(url, keys)
    case_file = open_case_file(url)
    try:
        ws = accounts.workspace_for(case_file, key)
        accounts.set_up_office(ws, OfficeType.PROSECUTOR, "admin", PASSWORD, kdf=TEST_KDF)
        admin = accounts.login(ws, "admin", PASSWORD)
        for n in range(users):
            accounts.create_user(admin, f"user{n}", Role.PROSECUTOR, PASSWORD, kdf=TEST_KDF,
                                 full_name=f"User {n}", title="Deputy District Attorney", bar_number=f"OSB {n:06d}")
        prosecutor = accounts.login(ws, "user0", PASSWORD)
        made = [parse_case(dict(DEMO_CASES[n % len(DEMO_CASES)], case_number=f"B-{n:05d}")) for n in range(count)]
        casework.import_cases(prosecutor, made, load_builtin())
    finally:
        case_file.close()
    return key


def user_loop(n: int, url: str, key: bytes, seconds: float, think: float, cases: int,
              out: Any) -> None:
    rng = random.Random(n)
    case_file = open_case_file(url)
    ws = accounts.workspace_for(case_file, key)
    user = accounts.login(ws, f"user{n}", PASSWORD)
    profile = load_builtin()
    times: dict[str, list[float]] = {a: [] for a in ACTIONS}
    saved: list[tuple[str, str]] = []
    conflicts = errors = 0
    end = time.monotonic() + seconds
    step = 0
    while time.monotonic() < end:
        number = f"B-{rng.randrange(min(cases, 40)):05d}"  # a few dozen busy cases: users collide on them
        action = ACTIONS[step % len(ACTIONS)]
        step += 1
        started = time.perf_counter()
        try:
            if action == "search":
                casework.find_cases(user, rng.choice(NAMES), limit=50)
            elif action == "open":
                casework.read_case(user, number)
            elif action == "save":
                case, version = casework.read_case(user, number)
                token = f"[u{n}s{step}]"
                notes = (case.notes or "") + token
                try:
                    casework.update_case(user, replace(case, notes=notes), version, profile)
                    saved.append((number, token))
                except CaseConflict:
                    conflicts += 1
            elif action == "screen":
                casework.screen_case(user, number, profile)
            else:
                letters.draft_letters(user, case_numbers=[number])
        except Exception as exc:  # reported, the run goes on
            errors += 1
            if errors <= 3:
                print(f"user{n} {action}: {type(exc).__name__}: {exc}", file=sys.stderr)
        times[action].append(time.perf_counter() - started)
        user.touch()
        time.sleep(rng.uniform(0, 2 * think))
    user.end()
    case_file.close()
    out.put((times, saved, conflicts, errors))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--think", type=float, default=1.0)
    parser.add_argument("--cases", type=int, default=300)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="casereview-bench-"))
    os.environ["CASEREVIEW_DATA_DIR"] = str(folder / "data")
    cluster = start_cluster(folder / "cluster")
    os.environ["PGPASSWORD"] = cluster.password
    try:
        url = cluster.url(cluster.new_database("bench"))
        key = set_up(url, args.users, args.cases)
        queue: Any = multiprocessing.Queue()
        workers = [multiprocessing.Process(target=user_loop, args=(n, url, key, args.seconds, args.think,
                                                                   args.cases, queue))
                   for n in range(args.users)]
        for w in workers:
            w.start()
        results = [queue.get(timeout=args.seconds + 300) for _ in workers]
        for w in workers:
            w.join()
        times: dict[str, list[float]] = {a: [] for a in ACTIONS}
        saved: list[tuple[str, str]] = []
        conflicts = errors = 0
        for t, s, c, e in results:
            for a in ACTIONS:
                times[a] += t[a]
            saved += s
            conflicts += c
            errors += e
        print(f"{args.users} users, {args.seconds:.0f} s, think time about {args.think:.1f} s, "
              f"{args.cases} cases (PostgreSQL on 127.0.0.1, {os.cpu_count()} cores shared with the users)")
        for a in ACTIONS:
            found = sorted(times[a])
            if not found:
                continue
            p95 = found[min(len(found) - 1, int(0.95 * len(found)))]
            print(f"  {a:<7} n={len(found):5d}  median {statistics.median(found) * 1000:7.1f} ms  "
                  f"p95 {p95 * 1000:7.1f} ms")
        case_file = open_case_file(url)
        try:
            ws = accounts.workspace_for(case_file, key)
            admin = accounts.login(ws, "admin", PASSWORD)
            lost = 0
            for number, token in saved:
                case, _version = casework.read_case(admin, number)
                lost += token not in (case.notes or "")
            with ws.session() as db:
                report = audit.verify(db, ws.audit_key)
        finally:
            case_file.close()
        print(f"  saves acknowledged {len(saved)}, refused as conflicts {conflicts}, lost updates {lost}, "
              f"errors {errors}")
        print(f"  audit trail: {'verifies' if report.ok else 'DOES NOT VERIFY'} ({report.records} records)")
        return 0 if lost == 0 and report.ok else 1
    finally:
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main())

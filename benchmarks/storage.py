"""Benchmark the encrypted case file: bulk import, opening to the first page of the case list, key derivation.

Usage (from the project root)::

    python benchmarks/storage.py [--cases N] [--seed S] [--batch B] [--repeat R] [--profile]

The script generates N random but valid cases with the generator of ``benchmarks/screening.py`` (the same seed
always gives the same cases), parses them with ``parse_case`` (not timed) and measures, in one run:

1. a bulk import of the N cases through the real service, ``casereview.store.cases.import_case``, one
   transaction per batch of B cases, into (a) an encrypted SQLCipher case file made by ``create_case_file`` and
   (b) the same schema (``casereview.store.database.upgrade``) in a plain, unencrypted SQLite file, through an
   engine built like ``make_engine`` but on the standard ``sqlite3`` module with no key. The batches go to the
   two files in turn (the order swapped every batch), so a change in the machine's load weighs on both alike.
   It shows seconds, cases per second and the ratio encrypted / plain (target: at most 1.5x), and the ratio of
   the process's CPU time, which the load of other programs disturbs less;
2. opening the N-case encrypted file with its key already derived (``open_case_file(path, key)``) and reading
   the first page of the case list, in this process, best of R fresh opens (each engine disposed before the
   next). Two ways are timed: what the main window does today (``ui/main_window.py``: every matching id with
   ``search_case_ids``, then the case list model's first batch of rows with ``case_rows``) and a first page
   only (``count_cases`` for the summary line, ``search_case_ids(limit=...)``, ``case_rows``). Each step is
   shown on its own (target for the window's way: under 0.3 s);
3. for information, one key derivation with the default settings (``keys.DEFAULT_KDF``, Argon2id), the price of
   typing the passphrase, which step 2 leaves out.

Case files are written in a temporary directory, deleted at the end. The operating system's file cache is warm
during step 2 (the file was just written), so a first open after a reboot reads more from the disk. With
``--profile`` it also runs a smaller import into each kind of file and the window's opening under cProfile and
prints the functions that take the most time.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from screening import Row, make_cases, print_table  # noqa: E402  (benchmarks/ is this script's folder)
from sqlalchemy import Engine, func, select  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from casereview.policy.case import Case, parse_case  # noqa: E402
from casereview.store import keys as keymod  # noqa: E402
from casereview.store import models as m  # noqa: E402
from casereview.store.cases import case_rows, count_cases, import_case, search_case_ids  # noqa: E402
from casereview.store.database import CaseFile, create_case_file, open_case_file, sqlite_engine, unlock, upgrade  # noqa: E402
from casereview.store.keys import DEFAULT_KDF, TEST_KDF  # noqa: E402

RATIO_TARGET = 1.5  # encrypted import time / plain import time
OPEN_TARGET = 0.3  # seconds: open a case file and show the first page of its case list
WINDOW_BATCH = 200  # ui/case_list.py _BATCH: the rows the case list model loads for the first visible row
FIRST_PAGE = 50  # the rows a window shows at once
PASSPHRASE = "correct horse battery staple, benchmark only"

# ---------------------------------------------------------------------------------------------------- files


def make_plain_engine(path: Path) -> Engine:
    """An engine on an unencrypted SQLite file, set up like `casereview.store.database.make_engine` (the same
    pool, pragmas and transaction handling) but with the standard ``sqlite3`` module and no key."""

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)

    return sqlite_engine(sqlite3, connect, str(path))


def new_encrypted(path: Path) -> tuple[CaseFile, bytes]:
    """A new encrypted case file (a fast test KDF: only the import is timed) and its key."""
    case_file, _recovery = create_case_file(path, PASSPHRASE, kdf=TEST_KDF)
    return case_file, unlock(path, PASSPHRASE)


def new_plain(path: Path) -> CaseFile:
    engine = make_plain_engine(path)
    upgrade(engine)
    return CaseFile(path, engine, sessionmaker(engine, expire_on_commit=False))


def on_disk(path: Path) -> int:
    """Bytes of a database with its write-ahead log."""
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


# ---------------------------------------------------------------------------------------------------- import


def import_batch(case_file: CaseFile, cases: Sequence[Case]) -> None:
    """Import `cases` with the service in one transaction."""
    with case_file.session() as session, session.begin():
        for case in cases:
            import_case(session, case)


def import_all(case_file: CaseFile, cases: Sequence[Case], batch: int) -> float:
    """Import every case, one transaction per `batch` cases; the wall time in seconds."""
    start = time.perf_counter()
    for first in range(0, len(cases), batch):
        import_batch(case_file, cases[first:first + batch])
    return time.perf_counter() - start


@dataclass
class Spent:
    wall: float = 0.0
    cpu: float = 0.0


def import_interleaved(files: Sequence[CaseFile], cases: Sequence[Case], batch: int) -> list[Spent]:
    """Import every case into each file, batch by batch in turn (the order swapped every batch), so that a
    change in the machine's load during the run weighs on every file alike. Wall and CPU time per file."""
    spent = [Spent() for _ in files]
    for number, first in enumerate(range(0, len(cases), batch)):
        chunk = cases[first:first + batch]
        order = list(range(len(files)))
        if number % 2:
            order.reverse()
        for i in order:
            wall, cpu = time.perf_counter(), time.process_time()
            import_batch(files[i], chunk)
            spent[i].wall += time.perf_counter() - wall
            spent[i].cpu += time.process_time() - cpu
    return spent


def check_import(case_file: CaseFile, cases: Sequence[Case]) -> None:
    with case_file.session() as session:
        stored = count_cases(session)
        charges = session.scalar(select(func.count(m.Charge.id))) or 0
    expected = sum(len(c.charges) for c in cases)
    if stored != len(cases) or charges != expected:
        raise SystemExit(f"{case_file.path}: {stored} cases and {charges} charges stored, expected "
                         f"{len(cases)} and {expected}")


# ---------------------------------------------------------------------------------------------------- opening


@dataclass
class Steps:
    """Wall times of the steps of one way of opening, each the best of the runs, and the best total."""

    names: list[str]
    best: dict[str, float] = field(default_factory=dict)
    best_total: float = float("inf")
    totals: list[float] = field(default_factory=list)

    def add(self, times: dict[str, float]) -> None:
        for name, seconds in times.items():
            self.best[name] = min(self.best.get(name, float("inf")), seconds)
        total = sum(times.values())
        self.totals.append(total)
        self.best_total = min(self.best_total, total)


class Timer:
    def __init__(self) -> None:
        self.times: dict[str, float] = {}

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.times[name] = time.perf_counter() - start


def open_like_window(path: Path, key: bytes) -> dict[str, float]:
    """What ``ui/main_window.py`` does on open: every id (``reload``), then the model's first batch of rows
    (``_load_rows``), each in its own session; the case file is closed afterwards (not timed)."""
    timer = Timer()
    with timer.step("open_case_file"):
        case_file = open_case_file(path, key)
    try:
        with timer.step("search_case_ids() - every id"), case_file.session() as session:
            ids = search_case_ids(session)
        with timer.step(f"case_rows(first {WINDOW_BATCH})"), case_file.session() as session:
            rows = case_rows(session, ids[:WINDOW_BATCH])
    finally:
        case_file.close()
    if len(ids) < 1 or len(rows) != min(WINDOW_BATCH, len(ids)):
        raise SystemExit(f"opening {path}: {len(ids)} ids, {len(rows)} rows")
    return timer.times


def open_first_page(path: Path, key: bytes, page: int) -> dict[str, float]:
    """The suggested way: the count for the summary line, then only the first `page` ids and their rows."""
    timer = Timer()
    with timer.step("open_case_file"):
        case_file = open_case_file(path, key)
    try:
        with case_file.session() as session:
            with timer.step("count_cases()"):
                total = count_cases(session)
            with timer.step(f"search_case_ids(limit={page})"):
                ids = search_case_ids(session, limit=page)
            with timer.step(f"case_rows(first {page})"):
                rows = case_rows(session, ids)
    finally:
        case_file.close()
    if total < 1 or len(rows) != min(page, total):
        raise SystemExit(f"opening {path}: {total} cases, {len(rows)} rows")
    return timer.times


def time_opens(repeat: int, run: Callable[[], dict[str, float]]) -> Steps:
    steps: Steps | None = None
    for _ in range(repeat):
        times = run()
        if steps is None:
            steps = Steps(list(times))
        steps.add(times)
    assert steps is not None
    return steps


def step_rows(label: str, steps: Steps, target: float | None) -> list[Row]:
    rows: list[Row] = [(f"  {name}", f"{steps.best[name]:.3f} s", "", "", "") for name in steps.names]
    verdict = "" if target is None else "ok" if steps.best_total <= target else "MISSED"
    runs = ", ".join(f"{t:.3f}" for t in steps.totals)
    return [(f"{label} (runs: {runs} s)", f"{steps.best_total:.3f} s", "",
             f"< {target:g} s" if target is not None else "", verdict), *rows]


# ---------------------------------------------------------------------------------------------------- report


def rate_row(label: str, seconds: float, count: int) -> Row:
    return (label, f"{seconds:.2f} s", f"{count / seconds:,.0f}", "", "")


def profile_run(title: str, run: Callable[[], object], top: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    run()
    profiler.disable()
    for key, what in ((pstats.SortKey.TIME, "own time (tottime)"), (pstats.SortKey.CUMULATIVE, "cumulative")):
        print(f"\ncProfile of {title}, by {what}:")
        pstats.Stats(profiler, stream=sys.stdout).strip_dirs().sort_stats(key).print_stats(top)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=100_000, help="cases to import (default 100000)")
    parser.add_argument("--seed", type=int, default=2025, help="random seed for the cases (default 2025)")
    parser.add_argument("--batch", type=int, default=1000, help="cases per import transaction (default 1000)")
    parser.add_argument("--repeat", type=int, default=3, help="fresh opens timed, best shown (default 3)")
    parser.add_argument("--profile", action="store_true",
                        help="also profile an import of --profile-cases cases into each kind of file, and an open")
    parser.add_argument("--profile-cases", type=int, default=10_000, help="cases imported by --profile")
    parser.add_argument("--top", type=int, default=25, help="functions listed by --profile (default 25)")
    args = parser.parse_args(argv)
    if args.cases < 1 or args.batch < 1 or args.repeat < 1 or args.profile_cases < 1:
        parser.error("--cases, --batch, --repeat and --profile-cases must be at least 1")

    start = time.perf_counter()
    cases = [parse_case(raw) for raw in make_cases(args.cases, args.seed)]
    made = time.perf_counter() - start
    people = sum(len(c.people) for c in cases)
    charges = sum(len(c.charges) for c in cases)
    facts = sum(len(c.facts) for c in cases)
    n = len(cases)
    print(f"{n:,} cases (seed {args.seed}): {people:,} people, {charges:,} charges, {facts:,} facts; generated "
          f"and parsed in {made:.1f} s (not timed below); Python {sys.version.split()[0]}, SQLite "
          f"{sqlite3.sqlite_version} (plain), batches of {args.batch:,} cases per transaction")

    with tempfile.TemporaryDirectory(prefix="casereview-bench-") as tmp:
        folder = Path(tmp)
        encrypted_path, plain_path = folder / "encrypted.db", folder / "plain.db"

        encrypted, key = new_encrypted(encrypted_path)
        plain = new_plain(plain_path)
        try:
            enc, pln = import_interleaved([encrypted, plain], cases, args.batch)
            check_import(encrypted, cases)
            check_import(plain, cases)
        finally:
            encrypted.close()
            plain.close()
        ratio, cpu_ratio = enc.wall / pln.wall, enc.cpu / pln.cpu
        print_table(f"Bulk import with services.cases.import_case ({n:,} cases; batches alternate between the "
                    "files)", [
            rate_row(f"encrypted case file (SQLCipher), {on_disk(encrypted_path) / 1e6:.0f} MB", enc.wall, n),
            rate_row(f"plain SQLite file, {on_disk(plain_path) / 1e6:.0f} MB", pln.wall, n),
            ("ratio encrypted / plain, wall time", f"{ratio:.2f}x", "", f"<= {RATIO_TARGET:g}x",
             "ok" if ratio <= RATIO_TARGET else "MISSED"),
            (f"CPU time of this process: encrypted {enc.cpu:.1f} s, plain {pln.cpu:.1f} s; ratio",
             f"{cpu_ratio:.2f}x", "", "", "info"),
        ])

        first = open_like_window(encrypted_path, key)  # the process's first open also loads the migrations
        window = time_opens(args.repeat, lambda: open_like_window(encrypted_path, key))
        paged = time_opens(args.repeat, lambda: open_first_page(encrypted_path, key, FIRST_PAGE))
        paged_batch = time_opens(args.repeat, lambda: open_first_page(encrypted_path, key, WINDOW_BATCH))
        print_table(f"Open the {n:,}-case encrypted file and read the first page (key already derived; "
                    f"best of {args.repeat} fresh opens)", [
            *step_rows("as the main window does today", window, OPEN_TARGET),
            *step_rows(f"first page only ({FIRST_PAGE} rows) + count", paged, OPEN_TARGET),
            *step_rows(f"first page only ({WINDOW_BATCH} rows) + count", paged_batch, OPEN_TARGET),
            ("first open in this process (window's way, loads the migrations)", f"{sum(first.values()):.3f} s",
             "", "", "info"),
        ])

        start = time.perf_counter()
        keys, _key, _recovery = keymod.new_keys(PASSPHRASE, kdf=DEFAULT_KDF)
        created = time.perf_counter() - start
        start = time.perf_counter()
        keymod.unlock_with_passphrase(keys, PASSPHRASE)
        derived = time.perf_counter() - start
        kdf = DEFAULT_KDF
        print_table(f"Key derivation, default KDF (Argon2id, time_cost {kdf.time_cost}, memory "
                    f"{kdf.memory_kib // 1024} MiB, parallelism {kdf.parallelism}), once", [
            ("unlock with the passphrase (one derivation)", f"{derived:.3f} s", "", "", "info"),
            ("new keys for a new case file (one derivation + recovery key)", f"{created:.3f} s", "", "", "info"),
        ])

        if args.profile:
            sample = cases[:args.profile_cases]
            prof_encrypted, _ = new_encrypted(folder / "profile-encrypted.db")
            try:
                profile_run(f"import of {len(sample):,} cases into an encrypted case file",
                            lambda: import_all(prof_encrypted, sample, args.batch), args.top)
            finally:
                prof_encrypted.close()
            prof_plain = new_plain(folder / "profile-plain.db")
            try:
                profile_run(f"import of {len(sample):,} cases into a plain SQLite file",
                            lambda: import_all(prof_plain, sample, args.batch), args.top)
            finally:
                prof_plain.close()
            profile_run(f"the main window's open of the {n:,}-case encrypted file",
                        lambda: open_like_window(encrypted_path, key), args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A large encrypted case file for the window's benchmarks: N generated cases (the generator of
``benchmarks/screening.py``), each screened with the model policy, written straight into the tables in one
transaction (the case services store about 150 cases a second, far too slow to make 100,000 for a benchmark).

The file has the real schema (``create_case_file``), an office with one prosecutor (``bench`` / PASSWORD), the
search index filled, and each charge's latest decision set; it has no saved screening records (the list does not
read them). Made once per N and kept in the system's temporary folder, since making it takes a while.

Usage: ``python benchmarks/bigfile.py [--cases N]`` prints the path (and makes the file when needed).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT, ROOT / "benchmarks"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from screening import make_cases  # noqa: E402

from casereview.policy.case import parse_case  # noqa: E402
from casereview.policy.engine import screen_case  # noqa: E402
from casereview.policy.profile import load_builtin  # noqa: E402
from casereview.services import accounts  # noqa: E402
from casereview.services.access import OfficeType  # noqa: E402
from casereview.store.cases import search_text_of  # noqa: E402
from casereview.store.database import connect_cipher, create_case_file, unlock  # noqa: E402

PASSPHRASE = "benchmark passphrase"
PASSWORD = "benchmark password here"
USER = "pat"


def big_file_path(count: int) -> Path:
    return Path(tempfile.gettempdir()) / f"casereview-bench-{count}.db"


def make_big_file(count: int, *, seed: int = 11) -> Path:
    """The N-case file (made now if it does not exist yet)."""
    path = big_file_path(count)
    if path.exists():
        return path
    partial = path.with_name(path.name + ".partial")
    for leftover in (partial, Path(f"{partial}.keys"), Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    started = time.perf_counter()
    case_file, _recovery = create_case_file(partial, PASSPHRASE)
    key = unlock(partial, PASSPHRASE)
    ws = accounts.workspace_for(case_file, key)
    accounts.set_up_office(ws, OfficeType.PROSECUTOR, "admin", PASSWORD, office_name="Benchmark County")
    admin = accounts.login(ws, "admin", PASSWORD)
    from casereview.services.access import Role

    accounts.create_user(admin, USER, Role.PROSECUTOR, PASSWORD)
    case_file.close()
    _fill(partial, key, count, seed)
    for suffix in ("", ".keys"):
        Path(f"{partial}{suffix}").rename(Path(f"{path}{suffix}"))
    print(f"made {path} with {count:,} cases in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return path


def _fill(path: Path, key: bytes, count: int, seed: int) -> None:
    profile = load_builtin()
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    conn = connect_cipher(path, key)()
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("BEGIN")
    person_id = party_id = charge_id = 0
    persons: dict[str, int] = {}
    for start in range(0, count, 5000):
        raws = make_cases(min(5000, count - start), seed + start)
        rows_case, rows_person, rows_party, rows_charge, rows_fts = [], [], [], [], []
        for offset, raw in enumerate(raws):
            case_id = start + offset + 1
            raw["case_number"] = f"B-{case_id:07d}"
            case = parse_case(raw)
            decisions = {d.charge: d for d in screen_case(case, profile, presumptive=True).charges}
            text = search_text_of(case)
            rows_case.append((case_id, case.case_number, case.incident_date.isoformat(), case.county, case.agency,
                              case.court, case.notes, text, now, now))
            rows_fts.append((case_id, text))
            parties = {}
            for pos, p in enumerate(case.people):
                if p.person_key is not None and p.person_key in persons:
                    pid = persons[p.person_key]
                else:
                    person_id += 1
                    pid = person_id
                    rows_person.append((pid, p.person_key, p.name,
                                        p.date_of_birth.isoformat() if p.date_of_birth else None))
                    if p.person_key is not None:
                        persons[p.person_key] = pid
                party_id += 1
                parties[p.id] = party_id
                rows_party.append((party_id, case_id, pid, pos, p.id, p.role, int(p.trafficking_victim), p.name,
                                   p.date_of_birth.isoformat() if p.date_of_birth else None, p.age))
            for pos, c in enumerate(case.charges):
                charge_id += 1
                d = decisions[c.id]
                rows_charge.append((charge_id, case_id, pos, c.id, parties[c.person],
                                    parties[c.with_] if c.with_ else None, c.offense, c.statute, c.status,
                                    int(c.arose_from_exchange), d.decision, d.record_relief))
        conn.executemany("INSERT INTO case_record (id, case_number, incident_date, county, agency, court, notes, "
                         "search_text, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                         rows_case)
        conn.executemany("INSERT INTO person (id, person_key, name, date_of_birth) VALUES (?, ?, ?, ?)",
                         rows_person)
        conn.executemany("INSERT INTO case_party (id, case_id, person_id, position, local_id, role, "
                         "trafficking_victim, name, date_of_birth, age) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         rows_party)
        conn.executemany("INSERT INTO charge (id, case_id, position, local_id, party_id, with_party_id, offense, "
                         "statute, status, arose_from_exchange, decision, record_relief) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows_charge)
        conn.executemany("INSERT INTO case_search (rowid, search_text) VALUES (?, ?)", rows_fts)
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    args = parser.parse_args(argv)
    print(make_big_file(args.cases))
    return 0


if __name__ == "__main__":
    sys.exit(main())

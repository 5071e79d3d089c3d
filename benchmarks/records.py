"""Benchmark the records import: a generated state extract of N rows (one per charge) into an encrypted case file.

Usage (from the project root)::

    python benchmarks/records.py [--rows N] [--seed S] [--keep FILE.csv] [--profile]

The script writes a CSV of N rows (default 100,000) the way a state's extract looks: "LAST, FIRST M" or "First
Last" names with accents (Nguyễn, Łukasz, Sørensen, O'Brien …), MM/DD/YYYY dates, statute codes and disposition
texts a mapping turns into the case format, a person key for most people (the others are linked by name and date
of birth), three charges a person over one to three cases, and about one case in ten needing a review (a buyer
whose date of birth is not recorded, a minor with a quality-of-life charge). Then, in one run, each on a fresh
encrypted case file where one is needed:

1. reading the CSV (`casereview.records.reading.read_table`: decoding, the delimiter, the rows);
2. screening the parsed cases in-process (`casereview.policy.engine.screen_case`, every case; the cases are the
   import's own, converted beforehand and not timed here);
3. a raw encrypted insert of the same rows: (a) the CSV's rows as they are, one table of text columns, one
   multi-row INSERT per 500 cases' rows, in transactions of that size; (b) for information, the same rows as the
   case tables hold them (case, person, party, charge), inserted the same way;
4. the full import and screening: `casereview.services.records.import_records` as a logged-in paralegal (read,
   check, people, store in batches with the audit records, screen every case and keep its screening).

It prints each, the ratio import / (1 + 2 + 3a) (target at most 3x) and the import's seconds (aim: under 60 s on two
cores). With ``--profile`` the import also runs under cProfile, on a smaller file, and prints where its time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import os
import pstats
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Column, MetaData, Table, Text, insert  # noqa: E402

from casereview.policy.engine import screen_case  # noqa: E402
from casereview.policy.profile import load_builtin  # noqa: E402
from casereview.records.convert import Converter  # noqa: E402
from casereview.records.mapping import parse_mapping, resolve_columns  # noqa: E402
from casereview.records.reading import read_table  # noqa: E402
from casereview.services import accounts, records  # noqa: E402
from casereview.services.access import OfficeType, Role  # noqa: E402
from casereview.services.session import UserSession  # noqa: E402
from casereview.store import models as m  # noqa: E402
from casereview.store.database import CaseFile, create_case_file, open_case_file, unlock  # noqa: E402
from casereview.store.keys import TEST_KDF  # noqa: E402

PASSPHRASE = "correct horse battery staple, benchmark only"
PASSWORD = "benchmark password here"
RATIO_TARGET = 3.0
SECONDS_AIM = 60.0
BATCH = 500

FIRST = ["Dana", "Thị Lan", "Łukasz", "María José", "Keisha", "Amara", "Mei", "Zoë", "José", "Ana", "Søren",
         "Aoife", "Chloé", "Björn", "Nguyễn Văn", "Renée", "Dmitri", "Fatima", "Jürgen", "Inés", "Kwame", "Siobhán",
         "Ngozi", "Hana", "Priya", "Camille", "Mateo", "Yusuf", "Lucía", "Elif", "Tomás", "Noémie", "Ravi", "Leilani"]
LAST = ["Roe", "Nguyễn", "Wójcik", "Solís", "Morgan", "Okafor", "Chen", "O'Brien", "Sørensen", "Müller", "García",
        "Kowalczyk", "Dubois", "Ó Súilleabháin", "Pérez-Luna", "Jankowski", "Smith", "Johnson", "Brown", "Williams",
        "Álvarez", "Novák", "Lefèvre", "Haddad", "Yılmaz", "Takahashi", "Mbeki", "Rossi", "Fernández", "Kim"]
MIDDLE = ["", "", "", "M", "A", "Marie", "Lee", "J", "Grace", "R"]
# statute -> (offense, role), as the office's mapping gives them
STATUTES = {
    "ORS 167.007": ("selling_sex", "seller"), "ORS 167.008": ("buying_sex", "buyer"),
    "ORS 167.012": ("promoting", "third_party"), "ORS 166.025": ("public_nuisance", "other"),
    "ORS 164.245": ("trespass", "other"), "ORS 475.854": ("drug_possession", "other"),
    "ORS 166.090": ("loitering_for_prostitution", "seller"),
}
DISPOSITIONS = {"CONVICTED-JAIL": "convicted", "CONVICTED-PROBATION": "convicted", "DISMISSED": "dismissed",
                "NOLLE PROSEQUI": "dismissed", "ACQUITTED": "dismissed", "ARREST ONLY": "arrest_only",
                "FILED": "filed"}
HEADER = ["SUBJECT_ID", "PRI_NAME", "PRI_DOB", "GENDER", "RACE", "CASE_NO", "DOCKET", "COURT", "COUNTY", "AGENCY",
          "OFFENSE_CODE", "EVENT_DATE", "DISP_DESCR", "DISP_DATE"]
MAPPING = {
    "columns": {"person_key": "SUBJECT_ID", "name": "PRI_NAME", "date_of_birth": "PRI_DOB", "case_number": "CASE_NO",
                "docket_number": "DOCKET", "court": "COURT", "county": "COUNTY", "agency": "AGENCY",
                "statute": "OFFENSE_CODE", "offense_date": "EVENT_DATE", "disposition": "DISP_DESCR",
                "disposition_date": "DISP_DATE", "race_ethnicity": "RACE", "gender_identity": "GENDER"},
    "date_format": "%m/%d/%Y",
    "statutes": {s: {"offense": o, "role": r} for s, (o, r) in STATUTES.items()},
    "dispositions": DISPOSITIONS,
}
COUNTIES = ["Multnomah", "Lane", "Marion", "Washington", "Clackamas", "Jackson"]


def _us(d: date) -> str:
    return f"{d.month:02d}/{d.day:02d}/{d.year}"


def make_rows(count: int, seed: int) -> Iterator[list[str]]:
    """`count` rows: three charges a person over one to three cases; one case in ten needing a review."""
    rng = random.Random(seed)
    made = person = case_no = 0
    while made < count:
        person += 1
        first, last, middle = rng.choice(FIRST), rng.choice(LAST), rng.choice(MIDDLE)
        kind = rng.random()
        review = kind < 0.10
        role = "buyer" if kind < 0.05 or 0.45 < kind < 0.65 else "seller"
        born = date(1960, 1, 1) + timedelta(days=rng.randrange(45 * 365))
        key = f"SID-{person:07d}" if rng.random() < 0.9 else ""
        full = f"{first} {middle + ' ' if middle else ''}{last}"
        name = f"{last.upper()}, {first.upper()}{' ' + middle.upper() if middle else ''}" if rng.random() < 0.5 \
            else full
        gender = rng.choice(["F", "M", "Transgender woman", "Non-binary", ""])
        race = rng.choice(["White", "Black", "Hispanic", "Asian", "Native American", ""])
        charges = min(3, count - made)
        cases = rng.choice([1, 2, 3]) if charges == 3 else 1
        split = [charges] if cases == 1 else [1, 2] if cases == 2 else [1, 1, 1]
        for n_charges in split:
            case_no += 1
            year = rng.randrange(2005, 2025)
            offense_day = date(year, 1, 1) + timedelta(days=rng.randrange(365))
            county = rng.choice(COUNTIES)
            number = f"{year % 100:02d}-CR-{case_no:06d}"
            dob = _us(born)
            if review and role == "buyer":
                dob = ""  # a buyer whose age is not recorded: review (age)
            elif review:
                # a minor at the time: born 16 years before the offense
                dob = _us(offense_day - timedelta(days=16 * 365 + rng.randrange(300)))
            for c in range(n_charges):
                if review and role == "seller":
                    statute = rng.choice(["ORS 164.245", "ORS 475.854"])
                elif role == "buyer":
                    statute = "ORS 167.008"
                else:
                    statute = rng.choice(["ORS 167.007", "ORS 167.007", "ORS 166.090", "ORS 164.245"])
                disposition = rng.choice(list(DISPOSITIONS))
                disp_day = offense_day + timedelta(days=rng.randrange(20, 200))
                yield [key, name, dob, gender, race, number, f"{county[:3].upper()}{year}-{case_no:06d}-{c + 1}",
                       f"{county} County Circuit Court", county, f"{county} County Sheriff", statute, _us(offense_day),
                       disposition, _us(disp_day) if disposition != "FILED" else ""]
                made += 1


def write_csv(path: Path, count: int, seed: int) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(make_rows(count, seed))
    path.write_bytes(out.getvalue().encode("utf-8-sig"))


def _case_file(path: Path) -> tuple[CaseFile, bytes]:
    case_file, _recovery = create_case_file(path, PASSPHRASE, kdf=TEST_KDF)
    case_file.close()
    key = unlock(path, PASSPHRASE)
    return open_case_file(path, key), key


def raw_rows(folder: Path, header: list[str], rows: list[tuple[Any, ...]], per: int) -> float:
    """The CSV's rows as they are into one table of text columns of a new encrypted file; seconds."""
    case_file, _key = _case_file(folder / "raw.db")
    try:
        table = Table("raw_rows", MetaData(), *(Column(f"c{i}", Text) for i in range(len(header))))
        table.create(case_file.engine)
        start = time.perf_counter()
        for first in range(0, len(rows), per):
            with case_file.engine.begin() as conn:
                conn.execute(insert(table), [{f"c{i}": v for i, v in enumerate(r)} for r in rows[first:first + per]])
        return time.perf_counter() - start
    finally:
        case_file.close()


def raw_cases(folder: Path, cases: list[Any]) -> float:
    """The same rows as the case tables hold them (case, person, party, charge), multi-row INSERTs; seconds."""
    case_file, _key = _case_file(folder / "raw-cases.db")
    try:
        start = time.perf_counter()
        ids = {"case": 0, "person": 0, "party": 0, "charge": 0}
        now = datetime.now(UTC).replace(tzinfo=None)
        for first in range(0, len(cases), BATCH):
            rows: dict[str, list[dict[str, Any]]] = {k: [] for k in ids}
            for case in cases[first:first + BATCH]:
                ids["case"] += 1
                rows["case"].append({"id": ids["case"], "case_number": case.case_number,
                                     "incident_date": case.incident_date, "county": case.county,
                                     "agency": case.agency, "court": case.court, "search_text": "", "version": 1,
                                     "created_at": now, "updated_at": now})
                parties = {}
                for position, p in enumerate(case.people):
                    ids["person"] += 1
                    ids["party"] += 1
                    parties[p.id] = ids["party"]
                    rows["person"].append({"id": ids["person"], "person_key": p.person_key, "name": p.name,
                                           "date_of_birth": p.date_of_birth})
                    rows["party"].append({"id": ids["party"], "case_id": ids["case"], "person_id": ids["person"],
                                          "position": position, "local_id": p.id, "role": p.role, "name": p.name,
                                          "date_of_birth": p.date_of_birth, "trafficking_victim": False})
                for position, c in enumerate(case.charges):
                    ids["charge"] += 1
                    rows["charge"].append({"id": ids["charge"], "case_id": ids["case"], "position": position,
                                           "local_id": c.id, "party_id": parties[c.person], "offense": c.offense,
                                           "statute": c.statute, "status": c.status, "offense_date": c.offense_date,
                                           "disposition_date": c.disposition_date, "docket_number": c.docket_number,
                                           "court": c.court, "arose_from_exchange": False})
            with case_file.engine.begin() as conn:
                conn.execute(insert(m.Case), rows["case"])
                # (the same key twice in a file of people made one by one: none here, each row a new person)
                conn.execute(insert(m.Person), [dict(r, person_key=None) for r in rows["person"]])
                conn.execute(insert(m.CaseParty), rows["party"])
                conn.execute(insert(m.Charge), rows["charge"])
        return time.perf_counter() - start
    finally:
        case_file.close()


@dataclass
class Office:
    case_file: CaseFile
    user: UserSession


def office(path: Path) -> Office:
    case_file, key = _case_file(path)
    ws = accounts.workspace_for(case_file, key)
    accounts.set_up_office(ws, OfficeType.PROSECUTOR, "admin", PASSWORD, kdf=TEST_KDF,
                           office_name="Lane County District Attorney")
    admin = accounts.login(ws, "admin", PASSWORD)
    accounts.create_user(admin, "para", Role.PARALEGAL, PASSWORD, kdf=TEST_KDF)
    return Office(case_file, accounts.login(ws, "para", PASSWORD))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the generated file (default 100000)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", type=Path, metavar="FILE.csv", help="also keep the generated file here")
    parser.add_argument("--profile", action="store_true", help="also profile an import of --profile-rows rows")
    parser.add_argument("--profile-rows", type=int, default=20_000)
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be at least 1")
    mapping_text = __import__("json").dumps(MAPPING)
    mapping = parse_mapping(mapping_text)
    with tempfile.TemporaryDirectory(prefix="casereview-bench-") as tmp:
        folder = Path(tmp)
        csv_path = folder / "extract.csv"
        start = time.perf_counter()
        write_csv(csv_path, args.rows, args.seed)
        print(f"{args.rows:,} rows ({csv_path.stat().st_size / 1e6:.1f} MB) generated in "
              f"{time.perf_counter() - start:.1f} s (not timed below); {os.cpu_count()} cores; Python "
              f"{sys.version.split()[0]}")
        if args.keep:
            args.keep.write_bytes(csv_path.read_bytes())
        data = csv_path.read_bytes()

        start = time.perf_counter()
        table = read_table(data, csv_path.name)
        reading = time.perf_counter() - start
        columns = resolve_columns(mapping, table.header, csv_path.name)
        start = time.perf_counter()
        conversion = Converter(table, mapping, columns, {}).convert()
        converting = time.perf_counter() - start
        cases = [d.case for d in conversion.drafts if d.case is not None]
        profile = load_builtin()
        start = time.perf_counter()
        results = [screen_case(c, profile, signed_only=True) for c in cases]
        screening = time.perf_counter() - start
        review = sum(1 for r in results if any(d.record_relief == "review" or
                                                (d.record_relief is None and d.decision == "review")
                                                for d in r.charges))
        per = round(args.rows / max(1, len(cases)) * BATCH)
        raw = raw_rows(folder, list(table.header), [r.cells for r in table.rows], per)
        raw_case_tables = raw_cases(folder, cases)

        bench = office(folder / "import.db")
        try:
            start = time.perf_counter()
            report = records.import_records(bench.user, csv_path, mapping)
            importing = time.perf_counter() - start
        finally:
            bench.case_file.close()
        if report.stored_cases + len(report.held) != len(cases) or report.rejects:
            raise SystemExit(f"stored {report.stored_cases} cases of {len(cases)}: {report.summary()}")
        baseline = reading + screening + raw
        ratio = importing / baseline
        print(f"{len(cases):,} cases, {report.people_found:,} people, {review:,} cases with a charge held for review "
              f"({review / max(1, len(cases)):.0%}); {len(report.matches)} possible matches of people to decide "
              f"(their {len(report.held)} cases held)")
        rows_ = [
            ("1. read the CSV (read_table)", reading),
            ("   (for information: rows into cases, Converter.convert)", converting),
            ("2. screen the parsed cases in-process (screen_case)", screening),
            ("3a. raw encrypted insert of the CSV's rows", raw),
            ("3b. (for information) the rows as case tables, raw multi-row INSERTs", raw_case_tables),
            ("sum 1 + 2 + 3a", baseline),
            ("4. full import and screen (services.records.import_records)", importing),
        ]
        width = max(len(label) for label, _s in rows_)
        for label, seconds in rows_:
            print(f"{label.ljust(width)}  {seconds:8.2f} s")
        print(f"{'ratio import / (1 + 2 + 3a)'.ljust(width)}  {ratio:8.2f} x   target <= {RATIO_TARGET:g}x: "
              f"{'ok' if ratio <= RATIO_TARGET else 'MISSED'}")
        other = importing / (reading + screening + raw_case_tables)
        print(f"{'ratio import / (1 + 2 + 3b)'.ljust(width)}  {other:8.2f} x   (for information)")
        print(f"{'import, seconds'.ljust(width)}  {importing:8.2f} s   aim < {SECONDS_AIM:g} s: "
              f"{'ok' if importing < SECONDS_AIM else 'MISSED'}")
        if args.profile:
            small = folder / "small.csv"
            write_csv(small, args.profile_rows, args.seed + 1)
            bench = office(folder / "profile.db")
            profiler = cProfile.Profile()
            try:
                profiler.enable()
                records.import_records(bench.user, small, mapping)
                profiler.disable()
            finally:
                bench.case_file.close()
            stats = pstats.Stats(profiler, stream=sys.stdout).strip_dirs()
            stats.sort_stats(pstats.SortKey.TIME).print_stats(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())

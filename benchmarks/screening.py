"""Benchmark the screening engine and the ``screen`` command.

Usage (from the project root)::

    python benchmarks/screening.py [--cases N] [--seed S] [--repeat R] [--profile]

The script generates N random but valid cases (``spec/screening.md``: 1-4 people of every role with a date
of birth, an age or neither; facts of every type; 1-4 charges of every offense, some of them past records;
some section 8 exception requests). The same seed always gives the same cases. It then measures, in one run:

1. in-process throughput, in cases per second, of ``parse_case`` + ``screen_case`` on already decoded
   JSON, for each built-in profile (target: at least 20,000 cases/s); ``parse_case`` alone and
   ``parse_case`` + ``screen_case`` + ``to_json()`` are shown too;
2. the wall time of ``python -m casereview screen FILE.jsonl`` on the N cases (output to a file) next to a
   plain Python round trip of the same file in a subprocess (``json.loads`` every line, ``json.dumps`` it to
   a file), and their ratio (target: the command within 4x of the plain round trip).

Each timing is the best of R runs. With ``--profile`` it also runs the in-process loop under cProfile and
prints the functions that take the most time. Temporary files live in a temporary directory.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from casereview.policy.ages import age_on  # noqa: E402
from casereview.policy.case import (  # noqa: E402
    AROSE_FROM_EXCHANGE_OFFENSES,
    BUYER_FACTS,
    EXCEPTION_STATUSES,
    FACT_TYPES,
    FACTS_NEEDING_VICTIM,
    GROUNDS,
    OFFENSES,
    PAST_STATUSES,
    ROLES,
    Case,
    counterparty_role,
    parse_case,
)
from casereview.policy.engine import screen_case  # noqa: E402
from casereview.policy.profile import PolicyProfile, builtin_policy_ids, load_builtin  # noqa: E402

IN_PROCESS_TARGET = 20_000  # cases per second, parse + screen
CLI_RATIO_TARGET = 4.0  # CLI wall time / plain json round trip

# ---------------------------------------------------------------------------------------------------- cases

FIRST_NAMES = ("Dana", "John", "Maria", "Alex", "Sam", "Jordan", "Lee", "Ana", "Chris", "Taylor", "Kim",
               "José", "Noor", "Zoë", "Robin", "Pat")
LAST_NAMES = ("Roe", "Poe", "Doe", "García", "Nguyen", "Smith", "Okafor", "Kowalski", "Haddad", "Lindqvist",
              "Brown", "Ortiz")
COUNTIES = ("Multnomah", "Cook", "King", "Travis", "Hennepin", "Kings")
AGENCIES = ("City Police Department", "County Sheriff", "State Patrol", "Transit Police")
GENDERS = ("woman", "man", "transgender woman", "non-binary", "gender non-conforming")
RACES = ("Black", "White", "Latina", "Asian", "Native American", "multiracial")
STATUTES = {
    "selling_sex": "ORS 167.007", "buying_sex": "ORS 167.008", "solicitation": "ORS 167.007(1)(b)",
    "promoting": "ORS 167.012", "loitering_for_prostitution": "Code 14A.40.060", "trespass": "ORS 164.245",
    "assault": "ORS 163.160", "trafficking": "ORS 163.266", "buying_sex_from_minor": "ORS 163.413",
}
# What a person of each role is usually charged with; any offense stays possible (see `_offense`).
TYPICAL_OFFENSES: dict[str, tuple[str, ...]] = {
    "seller": ("selling_sex", "selling_sex", "solicitation", "loitering_for_prostitution", "trespass",
               "drug_possession", "unlicensed_massage", "vagrancy"),
    "buyer": ("buying_sex", "buying_sex", "buying_sex", "solicitation", "solicitation",
              "buying_sex_from_minor", "assault"),
    "third_party": ("promoting", "promoting", "trafficking", "solicitation", "robbery"),
    "other": ("trespass", "public_nuisance", "obscenity", "assault", "other"),
}
ROLE_WEIGHTS = (4, 3, 2, 1)  # seller, buyer, third_party, other
STATUS_WEIGHTS = {"pending": 45, "filed": 20, "convicted": 15, "dismissed": 10, "arrest_only": 10}
EXCHANGE_RELATED = frozenset({"selling_sex", "buying_sex", "solicitation", "loitering_for_prostitution"})


def _day(rng: random.Random, first: date, last: date) -> date:
    return date.fromordinal(rng.randint(first.toordinal(), last.toordinal()))


def _person(rng: random.Random, pid: str, role: str, incident: date) -> dict[str, Any]:
    person: dict[str, Any] = {"id": pid, "role": role}
    if rng.random() < 0.8:
        person["name"] = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    # Mostly adults, some minors (13-17), a few just around their 18th birthday.
    band = rng.random()
    years = rng.randint(18, 65) if band < 0.5 else rng.randint(18, 35) if band < 0.85 else \
        rng.randint(13, 17) if band < 0.95 else rng.randint(17, 18)
    born = incident - timedelta(days=years * 365 + rng.randint(0, 364))
    if rng.random() < 0.01:
        born = date(incident.year - years - 1 - (incident.year - years - 1) % 4, 2, 29)  # a leap-day birthday
    known = rng.random()
    if known < 0.50:
        person["date_of_birth"] = born.isoformat()
        if rng.random() < 0.1:
            person["age"] = age_on(born, incident)  # both, agreeing
    elif known < 0.80:
        person["age"] = age_on(born, incident)
    # else: the age is unknown
    if rng.random() < 0.08:
        person["trafficking_victim"] = True
    if rng.random() < 0.3:
        person["person_key"] = f"SID{rng.randint(1_000_000, 9_999_999)}"
    if rng.random() < 0.2:
        person["gender_identity"] = rng.choice(GENDERS)
    if rng.random() < 0.2:
        person["race_ethnicity"] = rng.choice(RACES)
    if rng.random() < 0.05:
        person["notes"] = "Interviewed with an interpreter; “prefers to be called by first name”."
    return person


def _fact(rng: random.Random, people: list[dict[str, Any]]) -> dict[str, Any] | None:
    ids = [p["id"] for p in people]
    ftype = rng.choice(FACT_TYPES)
    needs_victim = ftype in FACTS_NEEDING_VICTIM
    buyers = [p["id"] for p in people if p["role"] == "buyer"]
    if ftype in BUYER_FACTS:  # a fact only a buyer commits (spec, version 3)
        if not buyers:
            return None
        by = rng.choice(buyers)
        others = [i for i in ids if i != by]
        return {"type": ftype, "by": by, **({"against": rng.choice(others)} if others and rng.random() < 0.5
                                           else {})}
    if len(ids) < 2:
        if needs_victim:
            return None
        return {"type": ftype, "by": ids[0]}
    sellers = [p["id"] for p in people if p["role"] == "seller"]
    others = [p["id"] for p in people if p["role"] != "seller"]
    if sellers and others and rng.random() < 0.7:  # the usual shape: someone else against a seller
        by, against = rng.choice(others), rng.choice(sellers)
    else:
        by, against = rng.sample(ids, 2)
    fact: dict[str, Any] = {"type": ftype, "by": by}
    if needs_victim or rng.random() < 0.7:
        fact["against"] = against
    return fact


def _offense(rng: random.Random, role: str) -> str:
    return rng.choice(TYPICAL_OFFENSES[role]) if rng.random() < 0.7 else rng.choice(OFFENSES)


def _charge(rng: random.Random, cid: str, people: list[dict[str, Any]], incident: date) -> dict[str, Any]:
    holder = rng.choice(people)
    offense = _offense(rng, holder["role"])
    charge: dict[str, Any] = {"id": cid, "person": holder["id"], "offense": offense}
    status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
    if status != "pending" or rng.random() < 0.3:
        charge["status"] = status
    if rng.random() < 0.3:
        charge["offense_date"] = (incident - timedelta(days=rng.randint(0, 30))).isoformat()
    if offense in AROSE_FROM_EXCHANGE_OFFENSES and offense not in EXCHANGE_RELATED and status != "pending" \
            and rng.random() < 0.3:
        charge["arose_from_exchange"] = True
    # `with` names a person of the role the spec gives the other side (version 3 refuses any other).
    wanted = counterparty_role(offense, holder["role"], bool(charge.get("arose_from_exchange")))
    others = [p["id"] for p in people if p["id"] != holder["id"] and p["role"] == wanted]
    if others and rng.random() < 0.5:
        charge["with"] = rng.choice(others)
    if offense in STATUTES and rng.random() < 0.6:
        charge["statute"] = STATUTES[offense]
    if status in ("convicted", "dismissed"):
        charge["disposition_date"] = (incident + timedelta(days=rng.randint(30, 400))).isoformat()
        if rng.random() < 0.5:
            charge["docket_number"] = f"{incident.year % 100:02d}CR{rng.randint(10000, 99999)}"
    return charge


def make_case(rng: random.Random, number: int) -> dict[str, Any]:
    """One random case, valid per ``spec/screening.md``."""
    incident = _day(rng, date(2008, 1, 1), date(2026, 6, 30))
    case: dict[str, Any] = {"case_number": f"{incident.year % 100:02d}-CR-{number:06d}",
                            "incident_date": incident.isoformat()}
    if rng.random() < 0.5:
        case["county"] = rng.choice(COUNTIES)
    if rng.random() < 0.5:
        case["agency"] = rng.choice(AGENCIES)

    count = rng.choices((1, 2, 3, 4), weights=(15, 50, 25, 10))[0]
    roles = rng.choices(ROLES, weights=ROLE_WEIGHTS, k=count)
    if count >= 2 and rng.random() < 0.6:  # the common pair: a seller and a buyer
        roles[0], roles[1] = "seller", "buyer"
    people = [_person(rng, "ABCD"[i], role, incident) for i, role in enumerate(roles)]
    case["people"] = people

    facts = [f for f in (_fact(rng, people) for _ in range(rng.choice((0, 0, 0, 1, 1, 2, 3)))) if f]
    if facts or rng.random() < 0.5:
        case["facts"] = facts

    charge_count = rng.choices((1, 2, 3, 4), weights=(45, 30, 15, 10))[0]
    charges = [_charge(rng, str(i + 1), people, incident) for i in range(charge_count)]
    case["charges"] = charges

    if rng.random() < 0.25:
        exceptions = []
        for _ in range(rng.randint(1, 2)):
            status = rng.choice(EXCEPTION_STATUSES)
            exception: dict[str, Any] = {"charge": rng.choice(charges)["id"], "status": status}
            if status == "approved" or rng.random() < 0.7:
                exception["ground"] = rng.choice(GROUNDS)
            exceptions.append(exception)
        case["exceptions"] = exceptions
    if rng.random() < 0.1:
        case["notes"] = "Referred by the vice unit."
    return case


def make_cases(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [make_case(rng, i + 1) for i in range(count)]


# ---------------------------------------------------------------------------------------------------- timing


def best_of(repeat: int, run: Callable[[], object]) -> float:
    """The shortest wall time of `repeat` runs, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def parse_only(raws: Sequence[Any]) -> None:
    for raw in raws:
        parse_case(raw)


def parse_and_screen(raws: Sequence[Any], profile: PolicyProfile) -> None:
    for raw in raws:
        screen_case(parse_case(raw), profile, presumptive=True)


def screen_only(cases: Sequence[Case], profile: PolicyProfile) -> None:
    for case in cases:
        screen_case(case, profile, presumptive=True)


def parse_screen_to_json(raws: Sequence[Any], profile: PolicyProfile) -> None:
    for raw in raws:
        screen_case(parse_case(raw), profile, presumptive=True).to_json()


def run_command(args: list[str], stdout: Path) -> None:
    with stdout.open("wb") as out:
        done = subprocess.run(args, cwd=ROOT, stdout=out, stderr=subprocess.PIPE, check=False)
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace")[:2000]
        raise SystemExit(f"{' '.join(args)} exited {done.returncode}: {message}")


PLAIN_ROUND_TRIP = """\
import json, sys
with open(sys.argv[1], encoding="utf-8") as src, open(sys.argv[2], "w", encoding="utf-8") as dst:
    for line in src:
        dst.write(json.dumps(json.loads(line)) + "\\n")
"""



def check_cli_output(path: Path, raws: Sequence[Any], profile: PolicyProfile, sample: int = 200) -> None:
    """The command's output has one line per case, and a sample of lines matches the in-process result."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if len(lines) != len(raws):
        raise SystemExit(f"the command wrote {len(lines)} lines for {len(raws)} cases")
    step = max(1, len(raws) // sample)
    for i in range(0, len(raws), step):
        expected = screen_case(parse_case(raws[i]), profile, presumptive=True).to_json()
        if json.loads(lines[i]) != expected:
            raise SystemExit(f"line {i + 1}: the command's output differs from screen_case()")


# ---------------------------------------------------------------------------------------------------- report

Row = tuple[str, str, str, str, str]


def print_table(title: str, rows: list[Row]) -> None:
    header: Row = ("measurement", "time", "cases/s", "target", "result")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    rule = "  ".join("-" * w for w in widths)
    print(f"\n{title}\n{rule}")
    for row in [header, *rows]:
        cells = zip(row, widths, strict=True)
        print("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(cells)))
        if row is header:
            print(rule)
    print(rule)


def rate_row(label: str, seconds: float, count: int, target: float | None = None) -> Row:
    rate = count / seconds
    if target is None:
        return (label, f"{seconds:.3f} s", f"{rate:,.0f}", "", "")
    verdict = "ok" if rate >= target else "MISSED"
    return (label, f"{seconds:.3f} s", f"{rate:,.0f}", f">= {target:,.0f}/s", verdict)


def profile_loop(raws: Sequence[Any], profiles: Sequence[PolicyProfile], top: int) -> None:
    """cProfile parse + screen + to_json over every case for every profile; print where the time goes.

    Caveat when reading the output: every dataclass ``__init__`` is generated code named ``<string>:2(__init__)``
    and cProfile keeps only one entry under that name, so the cost of building `Person`, `Charge`, `Reason`,
    `ChargeDecision`... is mostly missing from the listing (it is not counted in the callers' own time either).
    """
    profiler = cProfile.Profile()
    profiler.enable()
    for profile in profiles:
        parse_screen_to_json(raws, profile)
    profiler.disable()
    print("\nNote: all dataclass __init__ methods share the name <string>:2(__init__); cProfile lists only one.")
    orders = ((pstats.SortKey.TIME, "own time (tottime)"), (pstats.SortKey.CUMULATIVE, "cumulative time"))
    for key, what in orders:
        print(f"\ncProfile of parse + screen + to_json, {len(raws):,} cases x {len(profiles)} profiles, "
              f"by {what}:")
        pstats.Stats(profiler, stream=sys.stdout).strip_dirs().sort_stats(key).print_stats(top)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=20_000, help="cases to generate (default 20000)")
    parser.add_argument("--seed", type=int, default=2025, help="random seed for the cases (default 2025)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement, best shown (default 3)")
    parser.add_argument("--profile", action="store_true", help="also run the in-process loop under cProfile")
    parser.add_argument("--top", type=int, default=30, help="functions listed by --profile (default 30)")
    args = parser.parse_args(argv)
    if args.cases < 1 or args.repeat < 1:
        parser.error("--cases and --repeat must be at least 1")

    cases = make_cases(args.cases, args.seed)
    lines = [json.dumps(case, ensure_ascii=False) for case in cases]
    raws = [json.loads(line) for line in lines]  # decoded JSON, exactly as the command sees it
    profiles = [load_builtin(pid) for pid in builtin_policy_ids()]
    mix: dict[str, Counter[str]] = {}
    for profile in profiles:  # every case must be valid; this also compiles each profile's rules
        mix[profile.id] = Counter(d.decision for raw in raws
                                  for d in screen_case(parse_case(raw), profile, presumptive=True).charges)

    charges = sum(len(case["charges"]) for case in cases)
    people = sum(len(case["people"]) for case in cases)
    past = sum(1 for case in cases for c in case["charges"] if c.get("status") in PAST_STATUSES)
    print(f"{args.cases:,} cases (seed {args.seed}): {people:,} people, {charges:,} charges "
          f"({past:,} past records); Python {sys.version.split()[0]}; best of {args.repeat} runs")
    for pid, counts in mix.items():
        shares = ", ".join(f"{k} {v / charges:.0%}" for k, v in sorted(counts.items()))
        print(f"  decisions, {pid}: {shares}")

    n = len(raws)
    rows: list[Row] = [rate_row("parse_case only", best_of(args.repeat, lambda: parse_only(raws)), n)]
    parsed = [parse_case(raw) for raw in raws]
    for profile in profiles:
        rows.append(rate_row(f"screen only (cases already parsed), {profile.id}",
                             best_of(args.repeat, partial(screen_only, parsed, profile)), n, IN_PROCESS_TARGET))
        screen_time = best_of(args.repeat, partial(parse_and_screen, raws, profile))
        rows.append(rate_row(f"parse + screen, {profile.id}", screen_time, n, IN_PROCESS_TARGET))
        json_time = best_of(args.repeat, partial(parse_screen_to_json, raws, profile))
        rows.append(rate_row(f"parse + screen + to_json, {profile.id}", json_time, n))
    print_table("In process (decoded JSON in memory)", rows)

    with tempfile.TemporaryDirectory(prefix="casereview-bench-") as tmp:
        folder = Path(tmp)
        source = folder / "cases.jsonl"
        source.write_text("\n".join(lines) + "\n", encoding="utf-8")
        single = folder / "case.json"
        single.write_text(lines[0], encoding="utf-8")
        size = source.stat().st_size

        cli_out, plain_out = folder / "screened.jsonl", folder / "plain.jsonl"
        cli = [sys.executable, "-m", "casereview", "screen", str(source)]
        plain = [sys.executable, "-c", PLAIN_ROUND_TRIP, str(source), str(plain_out)]
        cli_time = best_of(args.repeat, lambda: run_command(cli, cli_out))
        plain_time = best_of(args.repeat, lambda: run_command(plain, folder / "plain.stdout"))
        one_time = best_of(args.repeat, lambda: run_command(
            [sys.executable, "-m", "casereview", "screen", str(single)], folder / "one.json"))
        check_cli_output(cli_out, raws, load_builtin())

    ratio = cli_time / plain_time
    print_table(f"Command line ({n:,}-case .jsonl file, {size / 1e6:.1f} MB, default profile)", [
        rate_row("python -m casereview screen FILE.jsonl", cli_time, n),
        rate_row("plain json.loads + json.dumps per line", plain_time, n),
        ("ratio command / plain", f"{ratio:.2f}x", "", f"<= {CLI_RATIO_TARGET:g}x",
         "ok" if ratio <= CLI_RATIO_TARGET else "MISSED"),
        ("python -m casereview screen ONE.json", f"{one_time:.3f} s", "", "", "startup"),
    ])

    if args.profile:
        profile_loop(raws, profiles, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())

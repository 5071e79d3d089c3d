"""Benchmark the case file's crash safety: ``kill -9`` at random moments during import, save, signing letters,
backup and restore, hundreds of times, each followed by every check.

Usage (from the project root)::

    python benchmarks/faults.py [--rounds N] [--seed S] [--kinds import,save,sign,backup,restore] [--verbose]

The campaign of ``tests/integration/fault_campaign.py`` (CI runs it with 6 rounds of each kind): for each kind of
work, a case file of its own (a prosecutor's office, the fast test key derivation, in a temporary folder deleted at
the end) and N rounds. In each round a worker process (``tests/integration/fault_worker.py``) does that work in a
loop through the services, with a logged-in user, and reports each piece the service reported done; it is killed
with SIGKILL after a random delay (seeded: the same seed gives the same delays), most often while it works, some
times while it is still opening the file and logging in, and in a third of the rounds with every connection
checkpointing after each commit. Then the file must open as the application opens it (taking over the lock file the
killed process left), pass ``check_case_file`` (``cipher_integrity_check``, ``integrity_check``,
``foreign_key_check``, the audit trail and its anchors) and hold every piece of work reported, whole, and nothing in
part. The next round goes on with the same file.

Per kind it prints the kills, the rounds, the damaged files (a round after which the file did not open, failed a
check or held a piece of work in part; target 0), the commits reported and the lost ones (reported, and not there;
target 0), the pieces of work found done whose report the kill cut off, the kills while the worker was starting,
the lock files taken over, the temporary files a kill left behind (for information: they hold nothing in the
clear), and the time. The exit status is 1 when any file was damaged or any commit was lost, and each problem is
printed. The default, 40 rounds of each of the five kinds, is 200 kills.

The audit anchors the campaign makes are kept in a data folder of its own (``CASEREVIEW_DATA_DIR``), never the
user's.
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

from tests.integration.fault_campaign import KindResult, run_kind, worker_env  # noqa: E402
from tests.integration.fault_worker import KINDS  # noqa: E402

ROUNDS = 40  # of each kind: 200 kills in all


def print_results(results: list[KindResult]) -> None:
    header = ("kind", "kills", "rounds", "damaged", "commits", "lost", "unreported", "while starting", "locks taken",
              "leftovers", "time", "result")
    rows = [header]
    for r in [*results, _total(results)]:
        rows.append((r.kind, f"{r.kills}", f"{r.rounds}", f"{r.damaged}", f"{r.commits:,}", f"{r.lost}",
                     f"{r.unreported}", f"{r.early_kills}", f"{r.stale_locks}", f"{r.leftovers}",
                     f"{r.seconds:.1f} s", "ok" if _passed(r) else "FAILED"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    rule = "  ".join("-" * w for w in widths)
    print(f"\nkill -9 at random moments, then every check (targets: 0 damaged, 0 lost)\n{rule}")
    for n, row in enumerate(rows):
        print("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths,
                                                                                                     strict=True))))
        if n in (0, len(rows) - 2):
            print(rule)
    print(rule)


def _passed(result: KindResult) -> bool:
    return not (result.damaged or result.lost or result.problems)


def _total(results: list[KindResult]) -> KindResult:
    total = KindResult("all")
    for r in results:
        for name in ("rounds", "kills", "early_kills", "damaged", "lost", "commits", "unreported", "stale_locks",
                     "leftovers", "seconds"):
            setattr(total, name, getattr(total, name) + getattr(r, name))
        total.problems += r.problems
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"kills of each kind (default {ROUNDS})")
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--kinds", default=",".join(KINDS), help="which kinds of work, comma-separated")
    parser.add_argument("--verbose", action="store_true", help="a line for every round")
    args = parser.parse_args(argv)
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        parser.error(f"no such kind: {', '.join(unknown)} (the kinds: {', '.join(KINDS)})")
    print(f"{args.rounds} rounds of each of {len(kinds)} kinds ({', '.join(kinds)}), seed {args.seed}; "
          f"{os.cpu_count()} cores on this machine")
    started = time.perf_counter()
    results: list[KindResult] = []
    with tempfile.TemporaryDirectory(prefix="casereview-faults-") as folder:
        os.environ["CASEREVIEW_DATA_DIR"] = str(Path(folder) / "data")  # the campaign's anchors, not the user's
        env = worker_env()
        for kind in kinds:
            result = run_kind(kind, Path(folder), args.rounds, args.seed, env,
                              progress=print if args.verbose else lambda _line: None)
            results.append(result)
            print(f"{kind}: {result.kills} kills, {result.damaged} damaged, {result.lost} lost, "
                  f"{result.seconds:.1f} s", flush=True)
    print_results(results)
    total = _total(results)
    print(f"\n{total.kills} kills in {time.perf_counter() - started:.0f} s")
    stopped = [r.kind for r in results if r.rounds < args.rounds]
    if stopped:
        print(f"Rounds stopped early ({', '.join(stopped)}): a kind's rounds stop at its first damaged file or at a "
              "worker that ended by itself.")
    for problem in total.problems:
        print(f"PROBLEM {problem}")
    return 0 if _passed(total) else 1


if __name__ == "__main__":
    sys.exit(main())

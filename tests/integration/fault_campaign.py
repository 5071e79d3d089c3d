"""The fault campaign: ``kill -9`` at random moments during import, save, signing letters, backup and restore, each
time followed by the checks a user would run, with real components.

For each kind of work (`fault_worker.KINDS`) a case file of its own is made (a prosecutor's office, the fast test
key derivation) and a worker process (``python -m tests.integration.fault_worker KIND ...``) does that work in a
loop until it is killed with SIGKILL after a random, seeded delay: most rounds while the work goes on (a restore
worker mostly a moment after it starts a restore: it waits for the next second between restores), some while the
worker is still opening the case file (recovering its -wal after the last kill) and logging in; in a third of the
rounds every connection checkpoints after each commit, so the kill often lands in the middle of a checkpoint.
Then, on the same file:

1. the lock the killed worker held is gone with it (`lock.holder_of` finds nobody), its lock file is taken over by
   `open_case_file`, which must open the file the way the application does;
2. `casefiles.check_case_file` passes: the encryption check (``cipher_integrity_check``), ``integrity_check``,
   ``foreign_key_check``, and the audit trail with every anchor known (the data folder's, every backup's);
3. every piece of work the worker reported (``committed ...``) is there, whole, and nothing is there in part: whole
   import batches, each save's notes with its version and screening, letters drafted and signed (each signed PDF
   stored with its hash; one verified against the office's certificate each round), every backup listed and
   restorable (restored into a scratch file and checked), after a restore the file at the path either the one it
   replaced or the restored one, whole, and every file a restore kept aside whole and holding what it replaced.

The next round starts on the same file. `run_campaign` returns the figures per kind; a problem found is described in
`KindResult.problems` (a damaged file stops that kind's rounds: what follows would only repeat it).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from casereview.documents.signing import verify_pdf
from casereview.policy.profile import load_builtin
from casereview.services import accounts, backups, identities
from casereview.services import cases as casework
from casereview.services.access import OfficeType, Role
from casereview.services.session import UserSession
from casereview.store import audit
from casereview.store import keys as keymod
from casereview.store import models as m
from casereview.store.backups import backup_anchor, check_case_file, restore_backup
from casereview.store.database import (
    CaseFile,
    CaseFileError,
    backup_folder,
    connect_cipher,
    create_case_file,
    make_engine,
    open_case_file,
    unlock,
)
from casereview.store.keys import TEST_KDF
from casereview.store.lock import holder_of, lock_path
from tests.helpers import PASSWORD, add_user, name_admin
from tests.integration import fault_worker as w
from tests.unit.services.letter_support import fill_profile

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "fault campaign passphrase"

# How long after the worker is ready the kill may come (seconds): a few pieces of work of each kind.
SPANS = {"import": 1.5, "save": 1.0, "sign": 2.5, "backup": 1.2, "restore": 4.0}
EARLY = 0.15  # the share of kills while the worker is still opening the case file and logging in
RESTORE_TIMED = 0.75  # the share of the other restore kills timed from the start of a restore...
RESTORE_SPAN = 0.12  # ...at most this many seconds after it (a restore takes a few hundredths of a second)
CHECKPOINT_SHARE = 1 / 3  # the share of rounds where every connection checkpoints after each commit
READY_TIMEOUT = 120.0


@dataclass
class KindResult:
    kind: str
    rounds: int = 0
    kills: int = 0  # SIGKILLs that ended a running worker
    early_kills: int = 0  # of which before the worker was ready (opening the file, logging in)
    damaged: int = 0  # rounds after which the file did not open, failed a check, or held work in part
    lost: int = 0  # reported commits not found
    commits: int = 0  # commits reported
    unreported: int = 0  # pieces of work found done whose report the kill cut off (allowed: at most one a round)
    stale_locks: int = 0  # lock files naming the killed worker, taken over
    leftovers: int = 0  # temporary files or folders a kill left behind (info: they hold no case data in the clear)
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


@dataclass
class Verdict:
    damage: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    unreported: int = 0
    leftovers: int = 0


Commit = tuple[str, ...]  # a "committed ..." line, split into words (without "committed")


# ---------------------------------------------------------------------------------------------------- checks


def verify_copy(path: Path, key: bytes, anchors: Sequence[audit.Anchor] = ()) -> list[str]:
    """Every check `check_case_file` makes on a copy (a backup restored into a scratch file, a file kept aside by a
    restore), the audit trail's chain checked against `anchors` only: the data folder's anchor is the live file's,
    which a copy of an earlier moment rightly does not reach."""
    problems: list[str] = []
    conn = connect_cipher(path, key)()
    try:
        cipher = [r[0] for r in conn.execute("PRAGMA cipher_integrity_check").fetchall()]
        integrity = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        links = conn.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        conn.close()
    if cipher:
        problems.append(f"{path.name}: {len(cipher)} damaged page(s) ({cipher[0]})")
    if integrity != ["ok"]:
        problems.append(f"{path.name}: integrity_check says {integrity[:3]}")
    if links:
        problems.append(f"{path.name}: {len(links)} broken link(s)")
    file_id = keymod.read_key_file(path).file_id
    engine = make_engine(path, key=key)
    try:
        with Session(engine) as db:
            report = audit.verify(db, audit.audit_key(key, file_id), anchors)
    finally:
        engine.dispose()
    if not report.ok:
        problems.append(f"{path.name}: {' '.join(report.lines)}")
    return problems


def case_numbers(db: Session, prefix: str) -> set[str]:
    return set(db.scalars(select(m.Case.case_number).where(m.Case.case_number.like(f"{prefix}%"))))


def search_index_matches(db: Session) -> bool:
    """The search index lists exactly the stored cases."""
    return bool(db.execute(text("SELECT count(*) FROM case_search")).scalar() == db.scalar(
        select(func.count()).select_from(m.Case)))


def read_copy(path: Path, key: bytes, read: Callable[[Session], Any]) -> Any:
    """`read` on a copy's database (no lock, nothing written but what SQLite does to open it)."""
    engine = make_engine(path, key=key)
    try:
        with Session(engine) as db:
            return read(db)
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------------------------------- targets


class Target:
    """One kind of work: its case file, the worker's arguments, and what must be found after a kill."""

    kind = ""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.path = folder / "cases.db"
        create_case_file(self.path, PASSPHRASE, kdf=TEST_KDF)[0].close()
        self.key = unlock(self.path, PASSPHRASE)
        self.key_file = folder / "key.hex"
        self.key_file.write_text(self.key.hex(), encoding="ascii")
        self.key_file.chmod(0o600)
        self.passphrase_file = folder / "passphrase.txt"
        self.passphrase_file.write_text(PASSPHRASE + "\n", encoding="utf-8")
        self.passphrase_file.chmod(0o600)
        case_file = open_case_file(self.path, self.key)
        try:
            ws = accounts.workspace_for(case_file, self.key)
            accounts.set_up_office(ws, OfficeType.PROSECUTOR, "admin", PASSWORD, kdf=TEST_KDF)
            admin = accounts.login(ws, "admin", PASSWORD)
            name_admin(admin)
            for role in (Role.SUPERVISOR, Role.PROSECUTOR, Role.PARALEGAL):
                add_user(admin, role.value, role)  # full name, title and (the supervisor's) bar number
            fill_profile(admin)  # letters are drafted ready to sign: the office's state, address, e-mail, policy
            accounts.set_letter_signer(admin, "supervisor", True, name="Jordan Avery",
                                       title="Chief Deputy District Attorney")
            self.prepare(admin, accounts.login(ws, "prosecutor", PASSWORD))
            audit.remember_anchor(ws.anchor())
        finally:
            case_file.close()

    def prepare(self, admin: UserSession, prosecutor: UserSession) -> None:
        """What the case file holds before the first round."""

    def worker_args(self) -> list[str]:
        return []

    def verify(self, case_file: CaseFile, commits: list[Commit]) -> Verdict:
        raise NotImplementedError


class ImportTarget(Target):
    kind = "import"

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.batches = 0  # whole batches found after the last round

    def verify(self, case_file: CaseFile, commits: list[Commit]) -> Verdict:
        verdict = Verdict()
        reported = [int(c[1]) for c in commits if c[0] == "import"]
        per_case = {column: select(func.count()).where(column == m.Case.id).correlate(m.Case).scalar_subquery()
                    for column in (m.CaseParty.case_id, m.Charge.case_id, m.Screening.case_id)}
        decisions = (select(func.count()).select_from(m.ScreeningDecision).join(m.Screening)
                     .where(m.Screening.case_id == m.Case.id).correlate(m.Case).scalar_subquery())
        with case_file.session() as db:
            rows = db.execute(select(m.Case.case_number, *per_case.values(), decisions)
                              .where(m.Case.case_number.like("I-%"))).all()
            if not search_index_matches(db):
                verdict.damage.append("the search index does not list exactly the stored cases")
        by_batch: dict[int, int] = defaultdict(int)
        for number, parties, charges, screenings, decided in rows:
            n = int(number.removeprefix("I-"))
            if (parties, charges, screenings, decided) != (2, 2, 1, 2):
                verdict.damage.append(f"case {number} is not whole: {(parties, charges, screenings, decided)}")
            by_batch[(n - 1) // w.IMPORT_BATCH] += 1
        found = len(by_batch)
        if sorted(by_batch) != list(range(found)) or any(v != w.IMPORT_BATCH for v in by_batch.values()):
            verdict.damage.append(f"import batches stored in part: {dict(sorted(by_batch.items()))}")
        expected = max(reported) + 1 if reported else self.batches
        if found < expected:
            verdict.lost.append(f"import batches {found}..{expected - 1} were reported, and are not there")
        elif found > expected + 1:
            verdict.damage.append(f"{found - expected} import batches stored that were never reported")
        verdict.unreported = max(0, found - expected)
        self.batches = found
        return verdict


class SaveTarget(Target):
    kind = "save"

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.last = 0  # the last save found after the last round
        self.versions: dict[str, int] = {}

    def prepare(self, admin: UserSession, prosecutor: UserSession) -> None:
        casework.import_cases(prosecutor, [w.save_case_spec(f"S-{k:05d}", "save 0")
                                           for k in range(1, w.SAVE_CASES + 1)], load_builtin())

    def verify(self, case_file: CaseFile, commits: list[Commit]) -> Verdict:
        verdict = Verdict()
        reported = [(int(c[1]), c[2], int(c[3])) for c in commits if c[0] == "save"]
        latest_screening = (select(m.Screening.case_version).where(m.Screening.case_id == m.Case.id)
                            .order_by(m.Screening.id.desc()).limit(1).correlate(m.Case).scalar_subquery())
        with case_file.session() as db:
            rows = {number: (version, notes, screened) for number, version, notes, screened in db.execute(
                select(m.Case.case_number, m.Case.version, m.Case.notes, latest_screening)
                .where(m.Case.case_number.like("S-%")))}
            if not search_index_matches(db):
                verdict.damage.append("the search index does not list exactly the stored cases")
        counters = {number: int(str(notes).split()[1]) for number, (_v, notes, _s) in rows.items()}
        highest = max(counters.values())
        expected = max(i for i, _n, _v in reported) if reported else self.last
        if highest < expected:
            verdict.lost.append(f"saves {highest + 1}..{expected} were reported, and are not there")
        elif highest > expected + 1:
            verdict.damage.append(f"saves {expected + 1}..{highest} are there, never reported")
        verdict.unreported = max(0, highest - expected)
        for number, counter in counters.items():
            wanted = max((i for i in range(1, highest + 1) if w.save_case_number(i) == number), default=0)
            if counter != wanted:
                (verdict.lost if counter < wanted else verdict.damage).append(
                    f"{number} holds save {counter}, not save {wanted}")
            version, _notes, screened = rows[number]
            if screened != version:
                verdict.damage.append(f"{number} is at version {version}, its last screening of version {screened}")
            if version < self.versions.get(number, 0):
                verdict.lost.append(f"{number} went back from version {self.versions[number]} to {version}")
            self.versions[number] = version
        for i, number, version in reported:
            if counters.get(number) == i and rows[number][0] != version:
                verdict.lost.append(f"save {i} of {number} was reported at version {version}; it is at "
                                    f"{rows[number][0]}")
        self.last = max(highest, self.last)
        return verdict


class SignTarget(Target):
    kind = "sign"

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.cases = 0
        self.signed: set[int] = set()
        self.drafted: set[int] = set()
        self.checked: set[int] = set()  # signed documents whose PDF matched its hash

    def verify(self, case_file: CaseFile, commits: list[Commit]) -> Verdict:
        verdict = Verdict()
        imported = [int(c[1]) + w.SIGN_BATCH - 1 for c in commits if c[0] == "cases"]
        drafted = {int(x) for c in commits if c[0] == "drafted" for x in c[1:]}
        signed = {int(x) for c in commits if c[0] == "signed" for x in c[1:]}
        with case_file.session() as db:
            numbers = case_numbers(db, "L-")
            found = db.execute(select(m.Letter.id, m.Letter.status, m.Letter.case_id, m.Letter.signed_by)).all()
            # Each signed PDF is read and checked against its hash once (the file grows by megabytes a round).
            docs: dict[int | None, list[tuple[str, bytes]]] = defaultdict(list)
            for letter_id, doc_id, sha in db.execute(select(m.SignedDocument.letter_id, m.SignedDocument.id,
                                                            m.SignedDocument.sha256)):
                pdf = b"%PDF- checked before" if doc_id in self.checked else \
                    db.scalar(select(m.SignedDocument.pdf).where(m.SignedDocument.id == doc_id)) or b""
                if pdf.startswith(b"%PDF-") and (doc_id in self.checked or hashlib.sha256(pdf).hexdigest() == sha):
                    self.checked.add(doc_id)
                    docs[letter_id].append((sha, pdf))
                else:
                    verdict.damage.append(f"letter {letter_id}: its signed PDF does not match its hash")
        if len(numbers) % w.SIGN_BATCH:
            verdict.damage.append(f"{len(numbers)} L- cases: an import was stored in part")
        if imported and len(numbers) < max(imported):
            verdict.lost.append(f"cases up to L-{max(imported):05d} were reported imported; {len(numbers)} are there")
        if len(numbers) < self.cases:
            verdict.lost.append(f"{self.cases - len(numbers)} L- cases are gone")
        self.cases = len(numbers)
        status = {letter_id: s for letter_id, s, _c, _b in found}
        per_case: dict[int, int] = defaultdict(int)
        for letter_id, state, case_id, signed_by in found:
            per_case[case_id] += 1
            letter_docs = docs.get(letter_id, [])
            if state == "signed":
                if signed_by is None or len(letter_docs) != 1:
                    verdict.damage.append(f"letter {letter_id} is signed with {len(letter_docs)} signed documents")
            elif letter_docs:
                verdict.damage.append(f"letter {letter_id} is a {state} with a signed document")
        if any(count > 1 for count in per_case.values()):
            verdict.damage.append("a case has more than one letter")
        for letter_id in sorted((drafted | self.drafted) - set(status)):
            verdict.lost.append(f"letter {letter_id} was reported drafted, and is not there")
        for letter_id in sorted((signed | self.signed) - {i for i, s in status.items() if s == "signed"}):
            verdict.lost.append(f"letter {letter_id} was reported signed, and is not signed")
        now_signed = {i for i, s in status.items() if s == "signed"}
        verdict.unreported = int(bool(now_signed - self.signed - signed))
        self.signed |= now_signed
        self.drafted |= set(status)
        newest = max(now_signed, default=None)
        if newest is not None:  # the newest signature, checked as a reader of the PDF would
            ws = accounts.workspace_for(case_file, self.key)
            with case_file.session() as db:
                pdf = db.scalar(select(m.SignedDocument.pdf).where(m.SignedDocument.letter_id == newest)) or b""
            reports = verify_pdf(pdf, identities.office_trust_roots(ws))
            if not reports or not all(r.ok for r in reports):
                verdict.damage.append(f"letter {newest}'s signature does not verify: {[r.summary for r in reports]}")
        return verdict


class BackupTarget(Target):
    kind = "backup"
    KEEP = 5  # backups kept once checked

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.known: set[str] = set()
        self.scratch = folder / "scratch"
        self.left: set[str] = set()

    def prepare(self, admin: UserSession, prosecutor: UserSession) -> None:
        casework.import_cases(prosecutor, [w.import_case_spec(n) for n in range(1, 6)], load_builtin())

    def verify(self, case_file: CaseFile, commits: list[Commit]) -> Verdict:
        verdict = Verdict()
        reported = {c[1] for c in commits if c[0] == "backup"}
        folder = backup_folder(self.path)
        present = {p.name for p in folder.glob("*.crbackup")} if folder.is_dir() else set()
        for name in sorted((self.known | reported) - present):
            verdict.lost.append(f"the backup {name} was reported made, and is not listed")
        with case_file.session() as db:
            live = case_numbers(db, "")
        for name in sorted(present - self.known):
            verdict.damage += self.check_backup(folder / name, live)
        verdict.unreported = len(present - self.known - reported)
        # Checked: all but the newest few are deleted, as an office prunes its backups (the folder would grow by
        # dozens of copies of the file a round).
        for name in sorted(present)[:-self.KEEP]:
            (folder / name).unlink()
        self.known = present & {p.name for p in folder.glob("*.crbackup")}
        left = {p.name for p in folder.iterdir() if p.name.startswith(".")} if folder.is_dir() else set()
        verdict.leftovers = len(left - self.left)
        self.left = left
        return verdict

    def check_backup(self, backup: Path, live: set[str]) -> list[str]:
        """The backup restores (into a scratch file), passes every check against its own anchor, and holds the
        cases of the live file (the backup worker changes no case)."""
        shutil.rmtree(self.scratch, ignore_errors=True)
        copy = self.scratch / "restored.db"
        try:
            restore_backup(backup, copy, PASSPHRASE)
            anchor = backup_anchor(backup)
            problems = verify_copy(copy, self.key, [anchor] if anchor else [])
            held = read_copy(copy, self.key, lambda db: case_numbers(db, ""))
            if held != live:
                problems.append(f"the backup {backup.name} holds {len(held)} cases, the file {len(live)}")
            return problems
        except (CaseFileError, OSError, ValueError) as exc:
            return [f"the backup {backup.name} cannot be restored: {exc}"]
        finally:
            shutil.rmtree(self.scratch, ignore_errors=True)


@dataclass(frozen=True)
class RestoreState:
    """Where the restore worker's file stands: the last restore that replaced it (0: none yet, the file as prepared)
    and how far that restore got: ``replaced`` (the backup's file in place, nothing recorded in it yet),
    ``recorded`` (`backups.restore` recorded the restore in it and returned), ``noted`` (case R-00001 saved after)."""

    i: int = 0
    stage: str = "noted"


STAGES = ("replaced", "recorded", "noted")


@dataclass(frozen=True)
class Holding:
    """What a restore worker's file holds, read from it."""

    cases: set[str]
    notes: str
    restored_from: int | None  # the source the trail's last restore record restored (-1: not a source)
    sources: tuple[int, ...]  # the sources whose anchor the trail holds (it goes on from their trail)
    after_sources: str  # the chain value of the record after the last source's anchor
    last: str  # the last record's "action:object"


class RestoreTarget(Target):
    kind = "restore"
    FIRST_CASES = 2  # source j holds cases R-00001...R-(2(j+1))

    def __init__(self, folder: Path) -> None:
        self.sources = folder / "sources"
        super().__init__(folder)
        self.anchors = [backup_anchor(w.source_path(self.sources, j)) for j in range(w.SOURCES)]
        self.prepared = read_copy(self.path, self.key, self.holds).after_sources
        self.state = RestoreState()
        self.asides: set[str] = set()
        self.left: set[str] = set()

    def prepare(self, admin: UserSession, prosecutor: UserSession) -> None:
        self.sources.mkdir()
        for j in range(w.SOURCES):
            numbers = range(self.FIRST_CASES * j + 1, self.FIRST_CASES * (j + 1) + 1)
            casework.import_cases(prosecutor, [w.restore_case_spec(n) for n in numbers], load_builtin())
            backups.backup(admin, w.source_path(self.sources, j))
        accounts.login(admin.workspace, "admin", PASSWORD)  # the file as prepared goes on past the last source

    def source_cases(self, j: int) -> set[str]:
        return {f"R-{n:05d}" for n in range(1, self.FIRST_CASES * (j + 1) + 1)}

    def worker_args(self) -> list[str]:
        return ["--passphrase-file", str(self.passphrase_file), "--sources", str(self.sources),
                "--first", str(self.state.i + 1), "--next", str(self.source_of(self.state.i + 1))]

    @staticmethod
    def source_of(i: int) -> int:
        """The source restore number `i` (from 1) restores: they are restored in turn."""
        return (i - 1) % w.SOURCES

    def holds(self, db: Session) -> Holding:
        numbers = case_numbers(db, "")
        notes = db.scalar(select(m.Case.notes).where(m.Case.case_number == "R-00001")) or ""
        restored = db.scalars(select(m.AuditRecord.object_id).where(
            m.AuditRecord.action == "restore", m.AuditRecord.object_id.like("from-record:%"))
            .order_by(m.AuditRecord.seq.desc()).limit(1)).first()
        seqs = [a.seq if a else -1 for a in self.anchors]
        source = None
        if restored:
            since = int(restored.split(":")[1])
            source = seqs.index(since) if since in seqs else -1
        after = max(seqs, default=0) + 1
        chains = {seq: chain for seq, chain in db.execute(select(m.AuditRecord.seq, m.AuditRecord.chain).where(
            m.AuditRecord.seq.in_([*seqs, after])))}
        last = db.execute(select(m.AuditRecord.action, m.AuditRecord.object_id).order_by(
            m.AuditRecord.seq.desc()).limit(1)).one()
        held = tuple(j for j, a in enumerate(self.anchors) if a is not None and chains.get(a.seq) == a.chain)
        return Holding(numbers, notes, source, held, chains.get(after, ""), f"{last[0]}:{last[1]}")

    def stage_of(self, held: Holding) -> tuple[str, int | None, int | None]:
        """The stage a file is at, the source it was restored from and the restore number its note names (see
        `RestoreState`). A file the backup's copy replaced goes on from that backup's trail, with no restore record
        (records of opening it may follow); the file as prepared goes on from the last source's trail as it did
        when the sources were made."""
        if held.restored_from is not None:
            if held.notes.startswith("restore "):
                return "noted", held.restored_from, int(held.notes.split()[1])
            return "recorded", held.restored_from, None
        if held.sources and held.sources[-1] == w.SOURCES - 1 and held.after_sources == self.prepared:
            return "prepared", None, None
        if held.sources:
            return "replaced", held.sources[-1], None
        return "unknown", None, None

    def problems_with(self, what: str, state: RestoreState, held: Holding) -> list[str]:
        """Whether a file holds `state`."""
        stage, source, note = self.stage_of(held)
        if state.i == 0:
            want: tuple[str, int | None, int | None] = ("prepared", None, None)
            cases = self.source_cases(w.SOURCES - 1)
        else:
            want = (state.stage, self.source_of(state.i), state.i if state.stage == "noted" else None)
            cases = self.source_cases(self.source_of(state.i))
        notes = w.restore_note(state.i) if state.i and state.stage == "noted" else "source"
        if (stage, source, note) != want or held.cases != cases or held.notes != notes:
            return [f"{what} should hold restore {state.i} ({state.stage}), but holds: {stage}, source {source}, "
                    f"note {note}, cases {sorted(held.cases)}, notes {held.notes!r}"]
        return []

    def verify(self, case_file: CaseFile, commits: list[Commit]) -> Verdict:
        verdict = Verdict()
        restores = [(int(c[1]), int(c[2]), c[3]) for c in commits if c[0] == "restore"]
        noted = {int(c[1]) for c in commits if c[0] == "noted"}
        for i, j, _aside in restores:
            if j != self.source_of(i):
                verdict.damage.append(f"the worker restored source {j} as restore {i}")
        with case_file.session() as db:
            held = self.holds(db)
        # What the worker reported last, and how much further it may have gone before the kill cut its report.
        before = self.state
        last = max((i for i, _j, _a in restores), default=before.i)
        reported = before if last == before.i else RestoreState(last, "noted" if last in noted else "recorded")
        candidates = [reported]
        if reported.stage == "recorded":
            candidates.append(RestoreState(last, "noted"))
        candidates += [RestoreState(last + 1, stage) for stage in STAGES]
        now = next((s for s in candidates if not self.problems_with("", s, held)), None)
        if now is None:
            problems = self.problems_with("the file at the path", reported, held)
            went_back = bool(restores) and not self.problems_with("", before, held)  # as if nothing was restored
            (verdict.lost if went_back else verdict.damage).extend(problems)
            return verdict
        verdict.unreported = int(now != reported)
        # Every file a restore kept aside: there, whole, holding what that restore replaced.
        asides = {p.name for p in self.folder.glob(f"{self.path.stem}.replaced-*{self.path.suffix}")}
        named = [a for _i, _j, a in restores]
        if len(set(named)) != len(named) or set(named) & self.asides:
            verdict.lost.append(f"two restores kept the files they replaced under one name: {named}, known "
                                f"{sorted(set(named) & self.asides)}")
        unreported = sorted(asides - self.asides - set(named))
        expected_new = len(restores) + (1 if now.i > last else 0)
        if len(asides - self.asides) != expected_new:
            verdict.lost.append(f"{expected_new} file(s) should have been kept aside; {len(asides - self.asides)} "
                                "new one(s) are there")
        for i, name in [(i, a) for i, _j, a in restores] + [(now.i, a) for a in unreported]:
            aside = self.folder / name
            if not aside.exists() or not keymod.key_file_path(aside).exists():
                verdict.lost.append(f"restore {i} kept the file it replaced as {name}: it is not there (with keys)")
                continue
            problems = verify_copy(aside, self.key)
            kept = read_copy(aside, self.key, self.holds)
            # The worker notes each restore before the next; the first of a round follows the last kill's state.
            prior = before if i - 1 == before.i else RestoreState(i - 1, "noted")
            problems += self.problems_with(f"the file restore {i} kept aside", prior, kept)
            if kept.last != "restore:replaced":
                problems.append(f"{name}'s trail ends with {kept.last}, not the record of the restore")
            verdict.damage += problems
        self.asides = asides
        self.state = now
        left = {p.name for p in self.folder.iterdir() if p.name.startswith(".casereview-")}
        verdict.leftovers = len(left - self.left)
        self.left = left
        return verdict


TARGETS: dict[str, type[Target]] = {"import": ImportTarget, "save": SaveTarget, "sign": SignTarget,
                                    "backup": BackupTarget, "restore": RestoreTarget}


# ---------------------------------------------------------------------------------------------------- rounds


@dataclass(frozen=True)
class KillPlan:
    """When a round's worker is killed."""

    delay: float = 0.0  # seconds after it is ready (after it started, when `early`)
    early: bool = False  # while it opens the case file and logs in
    checkpoint: int = 0  # --checkpoint: every connection checkpoints after this many pages (0: SQLite's default)
    after_line: str | None = None  # `delay` after it prints the `count`-th line starting so
    count: int = 1
    self_kill: str | None = None  # --kill-at STEP: it kills itself at that step


def random_plan(rng: random.Random, kind: str, startup: float) -> KillPlan:
    early = rng.random() < EARLY
    checkpoint = 4 if rng.random() < CHECKPOINT_SHARE else 0
    if kind == "restore" and not early and rng.random() < RESTORE_TIMED:
        # A restore takes a few hundredths of a second, then the worker waits for the next second (see
        # fault_worker.wait_for_a_free_aside_name): timed from the start of one, the kill lands in it or just after.
        return KillPlan(delay=rng.uniform(0.0, RESTORE_SPAN), checkpoint=checkpoint, after_line="restoring ",
                        count=rng.randint(1, 3))
    return KillPlan(delay=rng.uniform(0.0, startup if early else SPANS[kind]), early=early, checkpoint=checkpoint)


@dataclass
class Killed:
    lines: list[str]
    stderr: str
    returncode: int
    pid: int
    early: bool  # killed before it was ready
    ready_after: float | None  # seconds from its start to ready


def run_worker(target: Target, env: dict[str, str], plan: KillPlan) -> Killed:
    """Start the worker, have it killed with SIGKILL as `plan` says, and return what it printed."""
    stderr_path = target.folder / "worker.stderr"
    extra = ["--kill-at", plan.self_kill] if plan.self_kill else []
    with stderr_path.open("w+", encoding="utf-8") as stderr:
        started = time.monotonic()
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.fault_worker", target.kind, str(target.path),
             str(target.key_file), "--checkpoint", str(plan.checkpoint), *target.worker_args(), *extra],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr, text=True,
            start_new_session=True)  # its own process group: helper processes it starts are killed with it
        assert child.stdout is not None
        lines: list[str] = []
        ready, seen = threading.Event(), threading.Event()
        ready_at: list[float] = []

        def read(stream: Any = child.stdout) -> None:
            for line in stream:
                if line == "ready\n":
                    ready_at.append(time.monotonic() - started)
                    ready.set()
                lines.append(line)
                if plan.after_line and sum(x.startswith(plan.after_line) for x in lines) >= plan.count:
                    seen.set()
            ready.set()  # the worker ended: nothing to wait for
            seen.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            if plan.self_kill:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    child.wait(READY_TIMEOUT)
            elif plan.after_line:
                seen.wait(READY_TIMEOUT)
                time.sleep(plan.delay)
            elif plan.early:
                time.sleep(plan.delay)
            else:
                ready.wait(READY_TIMEOUT)
                time.sleep(plan.delay)
            if child.poll() is None:
                child.send_signal(signal.SIGKILL)
        finally:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            reader.join(10)
            child.stdout.close()
        stderr.seek(0)
        return Killed(lines, stderr.read(), child.returncode, child.pid, plan.early and not ready_at,
                      ready_at[0] if ready_at else None)


def reported_commits(lines: list[str]) -> list[Commit]:
    """The commits the worker reported: whole lines only (a line cut by the kill was not reported)."""
    return [tuple(line.split()[1:]) for line in lines if line.endswith("\n") and line.startswith("committed ")]


def check_round(target: Target, killed: Killed, result: KindResult) -> Verdict:
    """The checks after a kill; adds the figures to `result`."""
    verdict = Verdict()
    if holder_of(target.path) is not None:
        verdict.damage.append(f"the killed worker's lock is still held: {holder_of(target.path)}")
    try:
        stale = json.loads(lock_path(target.path).read_text(encoding="utf-8")).get("pid")
    except (OSError, ValueError):
        stale = None
    try:
        case_file = open_case_file(target.path, target.key)
    except CaseFileError as exc:
        verdict.damage.append(f"the case file does not open: {exc}")
        return verdict
    try:
        holder = json.loads(lock_path(target.path).read_text(encoding="utf-8"))
        if holder.get("pid") != os.getpid():
            verdict.damage.append(f"the lock file was not taken over: {holder}")
        elif stale == killed.pid:
            result.stale_locks += 1
        elif killed.ready_after is not None:  # it had opened the file: its lock file named it
            verdict.damage.append(f"the killed worker's lock file named process {stale}, not {killed.pid}")
        report = check_case_file(target.path, target.key)
        if not report.ok:
            verdict.damage.append("check_case_file fails: " + " ".join(report.lines))
        found = target.verify(case_file, reported_commits(killed.lines))
    finally:
        case_file.close()
    verdict.damage += found.damage
    verdict.lost += found.lost
    verdict.unreported, verdict.leftovers = found.unreported, found.leftovers
    return verdict


def one_round(target: Target, env: dict[str, str], plan: KillPlan, result: KindResult) -> Killed:
    """One round: the worker killed as `plan` says, then every check; the figures and problems go to `result`."""
    killed = run_worker(target, env, plan)
    result.rounds += 1
    label = f"{target.kind} round {result.rounds}"
    if killed.returncode != -signal.SIGKILL:
        result.problems.append(f"{label}: the worker ended by itself ({killed.returncode}): {killed.stderr[-3000:]}")
        result.damaged += 1
        return killed
    result.kills += 1
    result.early_kills += killed.early
    result.commits += len(reported_commits(killed.lines))
    verdict = check_round(target, killed, result)
    result.unreported += verdict.unreported
    result.leftovers += verdict.leftovers
    result.lost += len(verdict.lost)
    result.damaged += bool(verdict.damage)
    result.problems += [f"{label}: {problem}" for problem in verdict.damage + verdict.lost]
    return killed


def run_kind(kind: str, folder: Path, rounds: int, seed: int, env: dict[str, str],
             progress: Callable[[str], None] = lambda _line: None) -> KindResult:
    """`rounds` rounds of one kind of work on one case file (made in `folder`/KIND)."""
    result = KindResult(kind)
    rng = random.Random(f"{seed}:{kind}")
    started = time.monotonic()
    target = TARGETS[kind](folder / kind)
    startup = 1.5  # seconds from a worker's start to ready: measured as the rounds go
    for _ in range(rounds):
        known = len(result.problems)
        killed = one_round(target, env, random_plan(rng, kind, startup), result)
        if killed.ready_after is not None:
            startup = killed.ready_after
        found = result.problems[known:]
        progress(f"{kind} round {result.rounds}: {len(reported_commits(killed.lines))} commit(s) reported"
                 f"{', killed while starting' if killed.early else ''}{'; ' if found else ''}{'; '.join(found)}")
        if result.damaged:
            break  # the rounds after would only repeat it
    result.seconds = time.monotonic() - started
    return result


def worker_env() -> dict[str, str]:
    """The environment of the workers: this one's (CASEREVIEW_DATA_DIR included), the project importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


def run_campaign(folder: Path, rounds: int, seed: int, kinds: Sequence[str] = w.KINDS,
                 progress: Callable[[str], None] = lambda _line: None) -> list[KindResult]:
    """`rounds` kills of each kind, on a case file per kind in `folder`. The data folder (the audit anchors) is
    the one CASEREVIEW_DATA_DIR names: set it to a folder of the campaign's own."""
    return [run_kind(kind, folder, rounds, seed, worker_env(), progress) for kind in kinds]

"""Importing past records (a state's or a court's CSV or XLSX extract, one row per charge) as a logged-in user.

`import_records` reads the file (`casereview.records.reading`), maps its rows to cases (`casereview.records.mapping`,
`casereview.records.convert`), decides who each person is (`casereview.records.people`), and stores the cases in
batches of `BATCH`: each batch one transaction with its audit records (an ``import`` record for the run, and a
``case_created`` and a ``screening`` record naming the batch's cases, whose ids follow each other:
``case:FIRST-LAST``), every case screened as it is stored, under the office's policy.
Cancelling (`Progress.cancel`) stops before the next batch; the batches stored are kept. Each batch is written and
committed by a thread of its own, one after the other; the next batch is screened and made ready while the one before
it commits.

Resumable and idempotent: every case a records import stores keeps the fingerprint of its contents
(`casereview.store.records`). Running the same file again skips every case already stored with the same contents,
so a killed or cancelled import carries on where it stopped with no case twice, and a file imported again adds
nothing. A case number already stored with other contents is reported, never overwritten. Each run is recorded
(`m.RecordImportRun`: the file's SHA-256, its rows, what was stored and rejected, when it started and finished).

Nothing is half stored: a case with a bad row is rejected whole (`casereview.records.convert`); a case with a
statute or disposition no mapping or catalog places, or a person in a match to decide, is held until placed or
decided. A dry run reads, checks, screens in memory and reports, and stores nothing.
"""

from __future__ import annotations

import gc
import hashlib
import hmac
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import event

from casereview.documents.import_report import import_report_pdf
from casereview.policy import case as spec
from casereview.policy.engine import Screening, screen_case
from casereview.policy.profile import PolicyProfile
from casereview.policy.words import need_words
from casereview.progress import NO_PROGRESS, Cancelled, Progress
from casereview.records import people, reading
from casereview.records.convert import CaseDraft, Converter, text_of
from casereview.records.mapping import Mapping, default_mapping, resolve_columns
from casereview.records.report import (
    Conflict,
    Eligible,
    HeldCase,
    ImportReport,
    MatchItem,
    Reject,
    ReportFiles,
    Review,
    ToPlace,
    rejects_csv,
    report_csv,
    report_paths,
)
from casereview.services.access import Op
from casereview.services.office import office_policy
from casereview.services.session import UserSession, Workspace, naive, set_audit_object
from casereview.store import records as store
from casereview.store.safe_write import write_private

BATCH = 1000  # cases per transaction


def identity_digest(ws: Workspace) -> Callable[[str], str]:
    """The keyed hash by which the case file names a person's identity in a kept match (never the name itself)."""
    key = hmac.new(ws.audit_key, b"casereview records import: identities", hashlib.sha256).digest()

    def digest(content: str) -> str:
        return hmac.new(key, content.encode("utf-8"), hashlib.sha256).hexdigest()

    return digest


# ------------------------------------------------------------------------------------------------ summary


@dataclass
class _Summary:
    report: ImportReport

    def add(self, case: spec.Case, result: Screening, warrants: frozenset[str] = frozenset()) -> None:
        names = {p.id: p.label() for p in case.people}
        offenses = {c.id: c.offense for c in case.charges}
        statuses = {c.id: c.status for c in case.charges}
        for d in result.charges:
            if statuses[d.charge] in ("pending", "filed") and d.decision in ("decline", "protect"):
                self.report.for_motions += 1
                self.report.warrants += d.charge in warrants
        eligible: dict[str, tuple[list[str], list[str]]] = {}
        for d in result.charges:
            self._one(case.case_number, names, d.person, d.charge, offenses[d.charge], d.decision, d.record_relief,
                      tuple(d.relief_sections), tuple((n.person, n.need) for n in d.missing), eligible)
        self._eligible(case.case_number, names, eligible)

    def add_stored(self, rows: Sequence[store.DecisionRow]) -> None:
        by_case: dict[str, list[store.DecisionRow]] = {}
        for row in rows:
            by_case.setdefault(row.case_number, []).append(row)
        for number, decisions in by_case.items():
            names = {r.person: f"{r.person_name} ({r.person})" if r.person_name else r.person for r in decisions}
            eligible: dict[str, tuple[list[str], list[str]]] = {}
            for r in decisions:
                self._one(number, names, r.person, r.charge, r.offense, r.decision, r.record_relief,
                          r.relief_sections, r.missing, eligible)
            self._eligible(number, names, eligible)

    def _one(self, number: str, names: dict[str, str], person: str, charge: str, offense: str, decision: str,
             relief: str | None, grounds: tuple[str, ...], missing: tuple[tuple[str, str], ...],
             eligible: dict[str, tuple[list[str], list[str]]]) -> None:
        report = self.report
        report.decisions[decision] += 1
        if relief is not None:
            report.record_relief[relief] += 1
        if relief == "do_not_contest":
            charges, found = eligible.setdefault(person, ([], []))
            charges.append(charge)
            found.extend(g for g in grounds if g not in found)
        elif relief == "review" or (relief is None and decision == "review"):
            needs = tuple(need for who, need in missing)
            words = tuple(need_words(need, names.get(who, who)) for who, need in missing)
            report.review.append(Review(number, names.get(person, person), charge, offense, words, needs))

    def _eligible(self, number: str, names: dict[str, str], eligible: dict[str, tuple[list[str], list[str]]]) -> None:
        for person, (charges, grounds) in eligible.items():
            self.report.eligible.append(Eligible(number, names.get(person, person), tuple(charges), tuple(grounds)))


# --------------------------------------------------------------------------------------------------- import


@dataclass
class _Plan:
    ready: list[CaseDraft] = field(default_factory=list)
    skipped: list[tuple[CaseDraft, int]] = field(default_factory=list)  # with the stored case's id
    fingerprints: dict[str, str] = field(default_factory=dict)


@contextmanager
def _without_collector_pauses() -> Iterator[None]:
    """The cyclic garbage collector paused (then resumed as it was): a file's rows, cases and people are hundreds
    of thousands of objects that live the whole import and hold no cycles, and the collector walking them again and
    again doubles the time the import takes. What little cyclic garbage the import makes is collected after."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


@contextmanager
def _quick_handover(seconds: float = 0.0005) -> Iterator[None]:
    """Python's lock handed over sooner between threads (then as it was): the thread that commits a batch takes
    it back after each statement (the commit: a few) while this one makes the next batch; by default it waits
    5 ms each time for it, longer than the statement took."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(min(before, seconds))
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def import_records(user: UserSession, path: Path, mapping: Mapping | None = None, *, sheet: str | None = None,
                   dry_run: bool = False, progress: Progress = NO_PROGRESS, batch: int = BATCH) -> ImportReport:
    """Import a records file (see the module's docstring); returns the report of the run. A file that cannot be
    read as records raises `casereview.records.reading.RecordsFileError`, a mapping that does not fit it
    `casereview.records.mapping.MappingError`; either way nothing was imported."""
    with _without_collector_pauses():
        return _import(user, path, mapping, sheet=sheet, dry_run=dry_run, progress=progress, batch=batch)


def _import(user: UserSession, path: Path, mapping: Mapping | None, *, sheet: str | None, dry_run: bool,
            progress: Progress, batch: int) -> ImportReport:
    user.authorize(Op.IMPORT_CASES)
    ws = user.workspace
    progress.report(0, 0, f"Reading {path.name}")
    data = reading.read_file(path)
    sha = hashlib.sha256(data).hexdigest()
    table = reading.read_table(data, path.name, sheet=sheet or (mapping.sheet if mapping is not None else None))
    mapping = mapping or default_mapping(table.header)
    columns = resolve_columns(mapping, table.header, path.name)
    report = ImportReport(path.name, sha, table.kind, ws.now(), header=table.header, encoding=table.encoding,
                          delimiter=table.delimiter, sheet=table.sheet, dry_run=dry_run, rows_read=len(table.rows),
                          blank_lines=table.blank_lines, unused_columns=columns.unused)
    profile, presumptive = office_policy(ws)
    with ws.session() as db:
        catalog = store.statute_catalog(db)
        known = [people.Known(k.id, k.key, k.name, k.date_of_birth) for k in store.known_people(db)]
        decisions = store.match_decisions(db)
        numbers = store.stored_numbers(db)
    progress.report(0, 0, f"Checking {len(table.rows):,} records")
    conversion = Converter(table, mapping, columns, catalog).convert()
    progress.check()
    report.cases_found = len(conversion.drafts)
    digest = identity_digest(ws)
    resolution = people.resolve([r for d in conversion.drafts for r in d.records], known, decisions, digest)
    report.people_found = resolution.people
    plan = _classify(user, report, conversion.drafts, resolution, numbers)
    for row, problem in conversion.orphans:
        report.outcomes[row.line] = "rejected"
        report.rejects.append(Reject(row.line, "", problem.words(), tuple(text_of(c) for c in row.cells)))
    report.rejects.sort(key=lambda r: r.line)
    report.to_place = [ToPlace(u.kind, u.column, u.text, u.need, len(u.lines), len(u.cases))
                       for u in sorted(conversion.unplaced, key=lambda u: (-len(u.lines), u.text))]
    pending = [mt for mt in resolution.matches if mt.decision is None]
    summary = _Summary(report)
    if plan.skipped:
        with ws.session() as db:
            summary.add_stored(store.latest_decisions(db, [case_id for _d, case_id in plan.skipped]))
    if dry_run:
        report.matches = [MatchItem(None, mt.label_a, mt.label_b, people.REASONS[mt.reason], mt.cases)
                          for mt in pending]
        for draft in plan.ready:
            assert draft.case is not None
            summary.add(draft.case, screen_case(draft.case, profile, presumptive=presumptive, signed_only=True),
                        draft.warrants)
            _mark(report, draft, "stored")
        report.stored_cases = len(plan.ready)
        report.finished_at = ws.now()
        return report
    counts = {"skipped": len(plan.skipped), "rejected": report.count("rejected"), "held": len(report.held),
              "conflicts": len(report.conflicts)}
    with user.acting(Op.IMPORT_CASES, "import") as db:
        run = store.start_run(db, file_name=path.name, sha256=sha, sheet=table.sheet, mapping_sha256=mapping.sha256,
                              user_id=user.user_id, now=_naive(ws), rows=len(table.rows),
                              cases_found=len(conversion.drafts))
        run_id, report.run_id, report.resumes = run.id, run.id, run.resumes
        set_audit_object(db, f"records_run:{run_id}")
        ids = store.save_matches(db, [(mt.identity_a, mt.identity_b, mt.label_a, mt.label_b, mt.reason,
                                       mt.person_id) for mt in pending], run_id=run_id, now=_naive(ws))
        store.count_run(db, run_id, **counts)
    report.matches = [MatchItem(ids.get((mt.identity_a, mt.identity_b)), mt.label_a, mt.label_b,
                                people.REASONS[mt.reason], mt.cases) for mt in pending]
    components: dict[str, int] = {}
    total = len(plan.ready)
    progress.report(0, total, f"Storing {total:,} cases")
    status = "done"
    batches = [plan.ready[start:start + batch] for start in range(0, total, batch)]
    # Each batch is screened and made into rows (`store.prepare_cases`) while the one before it commits (the
    # commit writes and encrypts the pages, and fills the search index, outside Python's lock: the other core's
    # work); then written and committed as before, one transaction a batch, in order.
    next_ids = None
    if batches:
        with ws.session() as db:
            next_ids = store.batch_ids(db)
            dialect = db.get_bind().dialect
    prepared: store.Prepared | None = None
    next_items: list[tuple[spec.Case, dict[str, store.PersonLink]]] | None = None
    # A stored batch's cases are summed into the report while the next batch commits (with the batch after it
    # prepared): the thread that commits does not wait for it.
    stored_last: tuple[list[CaseDraft], list[store.Stored]] | None = None

    def tally(done: tuple[list[CaseDraft], list[store.Stored]] | None) -> None:
        if done is None:
            return
        for draft, s in zip(*done, strict=True):
            assert draft.case is not None
            summary.add(draft.case, s.screening, draft.warrants)
            _mark(report, draft, "stored")

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="records-import") as committer, _quick_handover():
        for n, chunk in enumerate(batches):
            try:
                progress.check()
            except Cancelled:
                status, report.cancelled = "cancelled", True
                for later in batches[n:]:
                    for draft in later:
                        _mark(report, draft, "not reached")
                break
            items = next_items if next_items is not None else _items(chunk, resolution)
            next_items = None
            fingerprints = [plan.fingerprints[d.number] for d in chunk]
            if prepared is None and next_ids is not None:
                prepared = store.prepare_cases(dialect, items, profile, presumptive=presumptive,
                                               components=components, run_id=run_id, fingerprints=fingerprints,
                                               ids=next_ids)
            committing = threading.Event()
            writing = committer.submit(_store_batch, user, run_id, chunk, items, fingerprints, prepared, profile,
                                       presumptive, components, report.stored_cases, committing)
            following: store.Prepared | None = None
            try:
                if prepared is not None and n + 1 < len(batches):
                    # (its statements written, the batch commits: the next one is made meanwhile)
                    committing.wait()
                    if not writing.done() or writing.exception() is None:
                        nxt = batches[n + 1]
                        next_items = _items(nxt, resolution)
                        following = store.prepare_cases(
                            dialect, next_items, profile, presumptive=presumptive,
                            components={**components, **prepared.made}, run_id=run_id,
                            fingerprints=[plan.fingerprints[d.number] for d in nxt], ids=prepared.next_ids)
                        tally(stored_last)
                        stored_last = None
            finally:
                stored, made, as_prepared = writing.result()  # (its error, if any, raised here)
            components.update(made)  # (only once the batch is saved)
            # (a batch stored otherwise than as prepared: the case file's ids moved on; the rest the usual way)
            if not as_prepared:
                following = next_ids = None
            prepared = following
            report.stored_cases += len(chunk)
            tally(stored_last)  # (when no batch was made while this one committed)
            stored_last = (chunk, stored)
            progress.report(report.stored_cases, total, f"Stored {report.stored_cases:,} of {total:,} cases")
            user.last_activity = ws.now()  # long work the user started counts as activity
    tally(stored_last)
    with user.acting(Op.IMPORT_CASES, "import", f"records_run:{run_id}") as db:
        store.finish_run(db, run_id, status, _naive(ws))
    report.finished_at = ws.now()
    return report


def _items(chunk: Sequence[CaseDraft], resolution: people.Resolution) -> list[tuple[spec.Case, dict[str,
                                                                                                 store.PersonLink]]]:
    items = []
    for draft in chunk:
        assert draft.case is not None
        links = {p.id: _link(resolution.targets[(draft.number, p.id)]) for p in draft.case.people}
        items.append((draft.case, links))
    return items


def _store_batch(user: UserSession, run_id: int, chunk: Sequence[CaseDraft],
                 items: list[tuple[spec.Case, dict[str, store.PersonLink]]], fingerprints: list[str],
                 prepared: store.Prepared | None, profile: PolicyProfile, presumptive: bool | None,
                 components: dict[str, int], stored_before: int,
                 committing: threading.Event) -> tuple[list[store.Stored], dict[str, int], bool]:
    """Store a batch in its own transaction with its audit records: as `prepared` when it was (and the case file's
    ids are still those it was prepared with), else the usual way. `committing` is set once its statements are
    written (as it commits) or it failed. Returns what was stored, the new people made, and whether as prepared."""
    try:
        with user.acting(Op.IMPORT_CASES, "import", f"records_run:{run_id}") as db:
            written = store.write_prepared(db, prepared) if prepared is not None else None
            as_prepared = written is not None
            if written is None:
                written = store.store_cases(db, items, profile, presumptive=presumptive, components=components,
                                            run_id=run_id, fingerprints=fingerprints)
            stored, made = written
            store.mark_warrants(db, [(s.case_id, charge) for s, d in zip(stored, chunk, strict=True)
                                     for charge in sorted(d.warrants)])
            # The batch's cases have consecutive ids (in a case file): one record each for their creation and their
            # screening (case:FIRST-LAST), not two per case (which would take a third of the import's time).
            first, last = stored[0].case_id, stored[-1].case_id
            objects = [f"case:{first}-{last}" if last > first else f"case:{first}"] \
                if last - first + 1 == len(stored) else [f"case:{s.case_id}" for s in stored]
            for action in ("case_created", "screening"):
                for object_id in objects:
                    user.audit(db, action, object_id)
            store.count_run(db, run_id, stored=stored_before + len(chunk))
            event.listen(db.connection(), "commit", lambda _conn: committing.set())
        return stored, made, as_prepared
    finally:
        committing.set()


def _naive(ws: Workspace) -> datetime:
    return naive(ws.now())


def _link(target: people.Target) -> store.PersonLink:
    return store.PersonLink(target.component, target.person_id, target.key)


def _mark(report: ImportReport, draft: CaseDraft, outcome: str) -> None:
    for row in draft.rows:
        report.outcomes[row.line] = "duplicate" if row.line in draft.duplicates and outcome in (
            "stored", "already stored") else outcome


def _classify(user: UserSession, report: ImportReport, drafts: Sequence[CaseDraft], resolution: people.Resolution,
              numbers: dict[str, store.StoredNumber]) -> _Plan:
    plan = _Plan()
    for draft in drafts:
        if draft.problems:
            report.rejected_cases += 1
            _reject(report, draft)
            continue
        if draft.unplaced:
            texts = sorted({text for _kind, text in draft.unplaced})
            kinds = sorted({kind for kind, _text in draft.unplaced})
            report.held.append(HeldCase(draft.number, len(draft.rows), f"waits for its {' and '.join(kinds)} "
                                        f"{', '.join(repr(t) for t in texts)} to be placed"))
            _mark(report, draft, "held")
            continue
        assert draft.case is not None
        fp = plan.fingerprints[draft.number] = store.fingerprint(draft.case, draft.warrants)
        found = numbers.get(draft.number)
        if found is not None:
            if found.fingerprint is None and _same_as_stored(user, draft.case, fp):
                found = store.StoredNumber(found.case_id, fp)
            if found.fingerprint == fp:
                plan.skipped.append((draft, found.case_id))
                report.skipped_cases += 1
                _mark(report, draft, "already stored")
            else:
                report.conflicts.append(Conflict(draft.number, draft.rows[0].line))
                _mark(report, draft, "conflict")
            continue
        why = resolution.held.get(draft.number)
        if why is not None:
            report.held.append(HeldCase(draft.number, len(draft.rows), why))
            _mark(report, draft, "held")
            continue
        plan.ready.append(draft)
    return plan


def _same_as_stored(user: UserSession, case: spec.Case, fp: str) -> bool:
    """Whether a case stored otherwise than by a records import (typed in, imported as JSON) has these contents."""
    with user.workspace.session() as db:
        return store.fingerprint(store.stored_contents(db, case.case_number)) == fp


def _reject(report: ImportReport, draft: CaseDraft) -> None:
    """Every row of a case with a bad row: the bad rows with their problems, the others naming the first one."""
    by_line: dict[int, list[str]] = {}
    for problem in draft.problems:
        by_line.setdefault(problem.line, []).append(problem.words())
    first = draft.problems[0].words()
    for row in draft.rows:
        own = by_line.get(row.line)
        if own:
            why = "; ".join(own)
        elif row.line in draft.duplicates and by_line.get(draft.duplicates[row.line]):
            why = f"line {row.line}: the same as line {draft.duplicates[row.line]}, which is rejected"
        else:
            why = f"line {row.line}: case {draft.number} is rejected whole for its bad row ({first}); nothing of a " \
                  "case is stored half"
        report.outcomes[row.line] = "rejected"
        report.rejects.append(Reject(row.line, draft.number, why, tuple(text_of(c) for c in row.cells), bool(own)))


# --------------------------------------------------------------------------------------------------- report


def write_report(user: UserSession, report: ImportReport, folder: Path) -> ReportFiles:
    """Write the report (CSV and one-page PDF) and the rejects CSV into `folder`, owner-only (they name people);
    audited as an export of the run."""
    from casereview.store.lock import refuse_case_file_part

    ws = user.workspace
    office = ws.office()
    with ws.session() as db:
        from casereview.store import models as m

        account = db.get(m.User, user.user_id)
        who = (account.full_name if account is not None and account.full_name else user.username)
    files = report_paths(folder, report.file_name)
    pdf = import_report_pdf(report, office=(office.name or "") if office else "", user=who)
    object_id = f"records_run:{report.run_id}" if report.run_id is not None else "records_dry_run"
    with user.acting(Op.IMPORT_CASES, "export", object_id):
        folder.mkdir(parents=True, exist_ok=True)
        for path, data in ((files.csv, report_csv(report)), (files.pdf, pdf), (files.rejects, rejects_csv(report))):
            refuse_case_file_part(path)
            write_private(path, data)
    return files


# -------------------------------------------------------------------------------------------------- matches


@dataclass(frozen=True)
class PendingMatch:
    id: int
    first: str
    second: str
    reason: str


def pending_matches(user: UserSession) -> list[PendingMatch]:
    """The matches of people waiting for a decision (their cases are held until then)."""
    user.authorize(Op.VIEW_CASES)
    with user.workspace.session() as db:
        return [PendingMatch(r.id, r.label_a, r.label_b, people.REASONS.get(r.reason, r.reason))
                for r in store.pending_matches(db)]


def decide_match(user: UserSession, match_id: int, decision: str) -> PendingMatch:
    """Decide a match: ``same`` (one person) or ``different``. The next import of the file follows it (and stores
    the cases it held). Audited as part of the import."""
    if decision not in ("same", "different"):
        raise store.MatchNotFound(f"Decide {decision!r}? Say same (one person) or different.")
    with user.acting(Op.IMPORT_CASES, "import", f"record_match:{match_id}") as db:
        row = store.decide_match(db, match_id, decision, user.user_id, _naive(user.workspace))
    return PendingMatch(row.id, row.label_a, row.label_b, people.REASONS.get(row.reason, row.reason))


def import_runs(user: UserSession) -> list[store.RunRow]:
    user.authorize(Op.VIEW_CASES)
    with user.workspace.session() as db:
        return store.runs(db)

"""Case work as a logged-in user: each function checks the user's permission first (`UserSession.authorize`)
and commits its change together with its audit record, or neither.

The storage functions in `casereview.store.cases` do the work; these are what the command line and the window
call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from casereview.policy import case as spec
from casereview.policy.engine import Screening
from casereview.policy.profile import PolicyProfile
from casereview.progress import NO_PROGRESS, Cancelled, Progress
from casereview.services.access import Op
from casereview.services.session import UserSession, set_audit_object
from casereview.store import cases, screenings
from casereview.store import models as m
from casereview.store.screenings import DecisionChange, StoredScreening
from casereview.store.search import fold


def _mark_warrants(row: m.Case, warrants: frozenset[str]) -> None:
    unknown = sorted(warrants - {c.local_id for c in row.charges})
    if unknown:
        raise cases.CaseServiceError(f"Case {row.case_number} has no charge {', '.join(unknown)}: nothing was "
                                     "changed.")
    for charge in row.charges:
        charge.warrant_outstanding = charge.local_id in warrants


def create_case(user: UserSession, case: spec.Case, profile: PolicyProfile, *,
                defense: cases.DefenseDetails | None = None, warrants: frozenset[str] | None = None) -> int:
    """Store a new case and screen it; returns its id. `defense`: a defense office's clients and prosecuting office
    for the case, stored with it; `warrants`: its charges with an arrest warrant outstanding (kept beside the case
    format, which has no field for them)."""
    with user.acting(Op.CREATE_CASE, "case_created") as db:
        row = cases.import_case(db, case)
        set_audit_object(db, f"case:{row.id}")
        if defense is not None:
            cases.set_defense_details(db, row, defense)
        if warrants is not None:
            _mark_warrants(row, warrants)
        cases.screen_row(db, row, profile)
        user.audit(db, "screening", f"case:{row.id}", later=True)  # (written with the work's own record)
        return row.id


def import_cases(user: UserSession, new_cases: Sequence[spec.Case], profile: PolicyProfile) -> list[int]:
    """Store and screen many cases in one transaction: all of them or, on any problem, none."""
    with user.acting(Op.IMPORT_CASES, "import", f"cases:{len(new_cases)}") as db:
        ids = []
        for case in new_cases:
            row = cases.import_case(db, case)
            cases.screen_row(db, row, profile)
            user.audit(db, "case_created", f"case:{row.id}")
            user.audit(db, "screening", f"case:{row.id}")
            ids.append(row.id)
        return ids


def update_case(user: UserSession, case: spec.Case, expected_version: int, profile: PolicyProfile, *,
                defense: cases.DefenseDetails | None = None, warrants: frozenset[str] | None = None) -> int:
    """Save an edited case (refused when someone else saved it first) and screen it again; returns its id.
    `defense`: a defense office's clients and prosecuting office for the case, saved with it (None: as they
    were); `warrants`: the charges with an arrest warrant outstanding, exactly these (None: as they were)."""
    with user.acting(Op.EDIT_CASE, "case_updated") as db:
        row = cases.update_case(db, case, expected_version=expected_version)
        set_audit_object(db, f"case:{row.id}")
        if defense is not None:
            cases.set_defense_details(db, row, defense)
        if warrants is not None:
            db.flush()
            _mark_warrants(row, warrants)
        cases.screen_row(db, row, profile)
        user.audit(db, "screening", f"case:{row.id}", later=True)  # (written with the work's own record)
        return row.id


def delete_case(user: UserSession, case_number: str) -> None:
    with user.acting(Op.DELETE_CASE, "case_deleted") as db:
        set_audit_object(db, f"case:{cases.delete_case(db, case_number)}")


def screen_case(user: UserSession, case_number: str, profile: PolicyProfile, *,
                presumptive: bool | None = None) -> Screening:
    with user.acting(Op.SCREEN, "screening") as db:
        row = cases.load_case(db, case_number)  # (`cases.screen_and_save`, keeping the row for its id)
        result = cases.screen_row(db, row, profile, presumptive=presumptive)
        set_audit_object(db, f"case:{row.id}")
        return result


@dataclass(frozen=True)
class Rescreened:
    """What screening cases again did: how many of how many were screened, the decisions that changed (compared
    with each case's screening before), and whether the user cancelled (the cases not reached keep their earlier
    screening)."""

    screened: int
    total: int
    changes: tuple[DecisionChange, ...]
    rules_version: int  # the rules they were screened under
    cancelled: bool = False


def stored_screening(user: UserSession, case_number: str) -> StoredScreening | None:
    """The case's latest stored screening (the one the case list shows), or None when it was never screened."""
    with user.workspace.read_session() as db:
        user.authorize(Op.VIEW_CASES, db=db)
        return screenings.latest_screening(db, cases.case_id(db, case_number))


def rescreen_case(user: UserSession, case_number: str, profile: PolicyProfile, *,
                  presumptive: bool | None = None) -> Rescreened:
    """Screen a stored case again under `profile` (the current rules) and save the new screening beside the old
    ones; returns the decisions that changed since its latest stored screening."""
    with user.acting(Op.SCREEN, "screening") as db:
        row = cases.load_case(db, case_number)
        set_audit_object(db, f"case:{row.id}")
        before = screenings.latest_screening(db, row.id)
        result = cases.screen_row(db, row, profile, presumptive=presumptive)
        changes = screenings.decision_changes(row, before, screenings.decisions_of(result))
        return Rescreened(1, 1, tuple(changes), profile.screening_version)


def export_case(user: UserSession, case_number: str) -> spec.Case:
    """A stored case in the screening input format, to leave the encrypted file: audited as an export."""
    with user.acting(Op.EXPORT, "export") as db:
        set_audit_object(db, f"case:{cases.case_id(db, case_number)}")
        return cases.export_case(db, case_number)


def read_case(user: UserSession, case_number: str) -> tuple[spec.Case, int]:
    """A stored case to show or edit, and the version to save it against."""
    with user.workspace.read_session() as db:
        user.authorize(Op.VIEW_CASES, db=db)
        row = cases.load_case(db, case_number)
        return cases.to_spec(row), row.version


def read_defense(user: UserSession, case_number: str) -> cases.DefenseDetails:
    """A stored case's clients (a defense office's) and prosecuting office."""
    with user.workspace.read_session() as db:
        user.authorize(Op.VIEW_CASES, db=db)
        return cases.defense_details(cases.load_case(db, case_number))


def set_defense(user: UserSession, case_number: str, details: cases.DefenseDetails) -> None:
    """Record a stored case's clients and prosecuting office (a defense office; audited as a case edit)."""
    with user.acting(Op.EDIT_CASE, "case_updated") as db:
        row = cases.load_case(db, case_number)
        set_audit_object(db, f"case:{row.id}")
        cases.set_defense_details(db, row, details)


def read_warrants(user: UserSession, case_number: str) -> frozenset[str]:
    """The charges of a stored case (their ids in the case) with an arrest warrant outstanding."""
    with user.workspace.read_session() as db:
        user.authorize(Op.VIEW_CASES, db=db)
        return frozenset(c.local_id for c in cases.load_case(db, case_number).charges if c.warrant_outstanding)


def set_warrants(user: UserSession, case_number: str, outstanding: frozenset[str]) -> None:
    """Record which charges of a stored case have an arrest warrant outstanding (exactly these; audited as
    ``warrant_recorded``). A charge id the case does not have is refused, naming it."""
    with user.acting(Op.EDIT_CASE, "warrant_recorded") as db:
        row = cases.load_case(db, case_number)
        set_audit_object(db, f"case:{row.id}")
        _mark_warrants(row, outstanding)


def find_cases(user: UserSession, query: str = "", *, decision: str | None = None,
               limit: int | None = None, offset: int = 0, where: cases.CaseFilter | None = None) -> list[int]:
    """Ids of the matching cases in list order (one page of them with `offset` and `limit`)."""
    with user.workspace.read_session() as db:
        user.authorize(Op.VIEW_CASES, db=db)
        return cases.search_case_ids(db, query, decision=decision, limit=limit, offset=offset, where=where)


def warm_up(user: UserSession) -> None:
    """Read the case table once, so its pages are decrypted and kept in the connection's cache before the first
    search (run in the background right after the window opens)."""
    with user.workspace.read_session() as db:
        user.authorize(Op.VIEW_CASES, db=db)
        db.connection().execute(select(func.count()).select_from(m.Case).where(
            m.Case.search_text.contains("\x00never\x00")))


def count_matching(user: UserSession, where: cases.CaseFilter) -> int:
    with user.workspace.read_session() as db:
        user.authorize(Op.VIEW_CASES, db=db)
        return cases.count_matching(db, where)


def case_list_rows(user: UserSession, ids: Sequence[int]) -> list[cases.CaseRow]:
    """The case list's lines for some ids (the list asks for them as they scroll into view)."""
    with user.workspace.read_session() as db:
        user.authorize(Op.VIEW_CASES, db=db)
        return cases.case_rows(db, ids)


def count_all(user: UserSession) -> int:
    with user.workspace.read_session() as db:
        user.authorize(Op.VIEW_CASES, db=db)
        return cases.count_cases(db)


@dataclass(frozen=True)
class PersonMatch:
    person_key: str | None
    name: str
    date_of_birth: str
    cases: int


def find_people(user: UserSession, query: str, *, limit: int = 20) -> list[PersonMatch]:
    """People already in the case file whose name matches (accent- and case-insensitive), to pick in the editor."""
    user.authorize(Op.VIEW_CASES)
    words = fold(query).split()
    if not words:
        return []
    with user.workspace.session() as db:
        # The cases whose search text has every word (the search index), then their people whose name has them.
        case_ids = cases.search_case_ids(db, " ".join(words), limit=500)
        people = db.scalars(select(m.Person).join(m.CaseParty).where(m.CaseParty.case_id.in_(case_ids))
                            .distinct().order_by(m.Person.name)).all()
        found: list[PersonMatch] = []
        for person in people:
            if all(w in fold(person.name or "") for w in words):
                found.append(PersonMatch(person.person_key, person.name or "",
                                         person.date_of_birth.isoformat() if person.date_of_birth else "",
                                         len(person.parties)))
                if len(found) >= limit:
                    break
        return found


SCREEN_BATCH = 200


def screen_all(user: UserSession, profile: PolicyProfile, *, progress: Progress = NO_PROGRESS,
               presumptive: bool | None = None) -> Rescreened:
    """Screen every case again with `profile`, in batches of a few hundred cases (each batch is saved with its
    audit records); returns how many were screened and the decisions that changed, each compared with its case's
    latest stored screening before. Cancelling stops after the batch in hand: the batches before it are kept,
    each case's screening whole, and the result says it was cancelled."""
    user.authorize(Op.SCREEN)
    with user.workspace.session() as db:
        numbers = list(db.scalars(select(m.Case.case_number).order_by(m.Case.id)))
    done = 0
    changes: list[DecisionChange] = []
    for start in range(0, len(numbers), SCREEN_BATCH):
        try:
            progress.check()
        except Cancelled:
            return Rescreened(done, len(numbers), tuple(changes), profile.screening_version, cancelled=True)
        batch = numbers[start:start + SCREEN_BATCH]
        with user.acting(Op.SCREEN, "screening", f"cases:{len(batch)}") as db:
            found: list[DecisionChange] = []
            rows = [cases.load_case(db, number) for number in batch]
            before = screenings.latest_screenings(db, [row.id for row in rows])
            for row in rows:
                result = cases.screen_row(db, row, profile, presumptive=presumptive)
                found.extend(screenings.decision_changes(row, before.get(row.id), screenings.decisions_of(result)))
                user.audit(db, "screening", f"case:{row.id}")
        changes.extend(found)  # (only once the batch is saved)
        done += len(batch)
        progress.report(done, len(numbers), f"Screened {done:,} of {len(numbers):,} cases")
        user.last_activity = user.workspace.now()  # long work the user started counts as activity
    return Rescreened(done, len(numbers), tuple(changes), profile.screening_version)

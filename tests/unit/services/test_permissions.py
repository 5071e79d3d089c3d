"""Roles and permissions: the table itself, written out here so that any change to it is deliberate, and a walk
through every role of both office types and every operation, each done through a real service function: it works
exactly when the table allows it, and otherwise is refused with PermissionDenied, audited, and changes nothing."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from casereview.policy.case import Case, parse_case
from casereview.policy.profile import PolicyProfile, load_builtin
from casereview.services import accounts, backups, letters, purges
from casereview.services import audit as user_audit
from casereview.services import cases as casework
from casereview.services.access import PERMISSIONS, PRIVILEGED, ROLES, OfficeType, Op, Role, allowed, roles_for
from casereview.services.demo import DEMO_CASES
from casereview.services.session import PermissionDenied, ReauthenticationNeeded, UserSession, Workspace
from casereview.store import audit, cases
from casereview.store import models as m
from casereview.store.database import open_case_file
from casereview.store.keys import TEST_KDF
from tests.conftest import PASSPHRASE
from tests.helpers import PASSWORD, FakeClock, log_in, staff

P, D = OfficeType.PROSECUTOR, OfficeType.DEFENSE
ADMINISTRATOR, SUPERVISOR, PROSECUTOR, PARALEGAL, ATTORNEY = (Role.ADMINISTRATOR, Role.SUPERVISOR, Role.PROSECUTOR,
                                                              Role.PARALEGAL, Role.ATTORNEY)

# ------------------------------------------------------------------------------------------- the expected table

CASE_WORK = {Op.VIEW_CASES, Op.CREATE_CASE, Op.EDIT_CASE, Op.IMPORT_CASES, Op.SCREEN, Op.DRAFT_LETTERS}
ADMIN_WORK = {Op.VIEW_CASES, Op.MANAGE_USERS, Op.OFFICE_SETTINGS, Op.VIEW_AUDIT, Op.BACKUP, Op.RESTORE, Op.PURGE}

REPORTS = {Op.VIEW_REPORTS}
EXACT_REPORTS = {Op.VIEW_REPORTS, Op.INTERNAL_REPORTS}

EXPECTED: dict[tuple[OfficeType, Role], set[Op]] = {
    (P, ADMINISTRATOR): ADMIN_WORK | EXACT_REPORTS,
    (P, SUPERVISOR): CASE_WORK | {Op.DELETE_CASE, Op.REQUEST_EXCEPTION, Op.DECIDE_EXCEPTION, Op.SIGN,
                                  Op.SIGN_LETTERS, Op.EXPORT, Op.VIEW_AUDIT, Op.BACKUP, Op.RECORD_OUTCOMES}
    | EXACT_REPORTS,
    (P, PROSECUTOR): CASE_WORK | {Op.REQUEST_EXCEPTION, Op.SIGN, Op.SIGN_LETTERS, Op.EXPORT, Op.RECORD_OUTCOMES}
    | REPORTS,
    (P, PARALEGAL): CASE_WORK | {Op.RECORD_OUTCOMES},
    (D, ADMINISTRATOR): ADMIN_WORK | EXACT_REPORTS,
    (D, ATTORNEY): CASE_WORK | {Op.DELETE_CASE, Op.SIGN, Op.SIGN_LETTERS, Op.EXPORT, Op.BACKUP,
                                Op.RECORD_OUTCOMES} | EXACT_REPORTS,
    (D, PARALEGAL): CASE_WORK | {Op.RECORD_OUTCOMES},
}

EXPECTED_ROLES = {
    P: (ADMINISTRATOR, SUPERVISOR, PROSECUTOR, PARALEGAL),
    D: (ADMINISTRATOR, ATTORNEY, PARALEGAL),
}

EXPECTED_PRIVILEGED = {Op.DECIDE_EXCEPTION, Op.SIGN, Op.SIGN_LETTERS, Op.EXPORT, Op.MANAGE_USERS,
                       Op.OFFICE_SETTINGS, Op.RESTORE, Op.PURGE}

PAIRS = [(office_type, role) for office_type in OfficeType for role in EXPECTED_ROLES[office_type]]


def test_the_permission_table_is_exactly_the_expected_one() -> None:
    assert {key: set(ops) for key, ops in PERMISSIONS.items()} == EXPECTED
    assert set(PRIVILEGED) == EXPECTED_PRIVILEGED
    assert ROLES == EXPECTED_ROLES
    for office_type, role in PAIRS:
        for op in Op:
            assert allowed(office_type, role, op) == (op in EXPECTED[(office_type, role)]), (office_type, role, op)


def test_every_role_of_every_office_has_an_entry() -> None:
    for office_type in OfficeType:
        assert roles_for(office_type), office_type
        for role in roles_for(office_type):
            assert (office_type, role) in PERMISSIONS, (office_type, role)


def test_no_operation_is_granted_to_a_role_the_office_does_not_have() -> None:
    for (office_type, role), ops in PERMISSIONS.items():
        assert role in roles_for(office_type) or not ops, (office_type, role)
    for office_type in OfficeType:
        for role in set(Role) - set(roles_for(office_type)):
            assert not [op for op in Op if allowed(office_type, role, op)], (office_type, role)


def test_every_office_can_manage_itself_and_the_administrator_does_no_case_work() -> None:
    for office_type in OfficeType:
        managers = [r for r in roles_for(office_type) if allowed(office_type, r, Op.MANAGE_USERS)]
        assert managers == [Role.ADMINISTRATOR]
        for op in (Op.CREATE_CASE, Op.EDIT_CASE, Op.DELETE_CASE, Op.SCREEN, Op.SIGN, Op.EXPORT):
            assert not allowed(office_type, Role.ADMINISTRATOR, op)


# ---------------------------------------------------------------------------------------------------- the walk

_serial = itertools.count(1)


@dataclass
class Office:
    """A set-up office with data the operations can use up, one piece per call."""

    ws: Workspace
    office_type: OfficeType
    folder: Path
    profile: PolicyProfile

    def new_case(self, notes: str = "") -> Case:
        n = next(_serial)
        raw = copy.deepcopy(DEMO_CASES[0])
        raw["case_number"] = f"PW-{n:05d}"
        raw["people"][0]["person_key"] = f"PK-{n:05d}"
        if notes:
            raw["notes"] = notes
        return parse_case(raw)

    def seed(self) -> str:
        """A new stored case (through the storage layer, not as any user); its number."""
        case = self.new_case()
        with self.ws.session() as db, db.begin():
            cases.import_case(db, case)
        return case.case_number

    def case_row(self, number: str) -> m.Case | None:
        with self.ws.session() as db:
            row = db.scalars(select(m.Case).where(m.Case.case_number == number)).first()
            if row is not None:
                db.expunge(row)
            return row

    def screenings(self, number: str) -> int:
        with self.ws.session() as db:
            return db.scalar(select(func.count(m.Screening.id)).join(m.Case).where(
                m.Case.case_number == number)) or 0

    def fingerprint(self) -> tuple[object, ...]:
        """What the operations change: counts of cases, screenings, people and users, the office settings, the
        backups in the test folder."""
        with self.ws.session() as db:
            counts = tuple(db.scalar(select(func.count()).select_from(model)) for model in (
                m.Case, m.Screening, m.Person, m.User))
            versions = tuple(db.scalars(select(m.Case.version).order_by(m.Case.id)))
            office = db.get(m.Office, 1)
            assert office is not None
            return (*counts, versions, office.idle_limit_minutes, sorted(p.name for p in self.folder.iterdir()))

    def head(self) -> int:
        with self.ws.session() as db:
            return audit.head(db)[0]

    def records_since(self, seq: int) -> list[m.AuditRecord]:
        with self.ws.session() as db:
            return [r for r in audit.records(db) if r.seq > seq]


Action = Callable[[UserSession], None]


def _view(o: Office) -> Action:
    number = o.seed()

    def act(s: UserSession) -> None:
        row = o.case_row(number)
        assert row is not None and row.id in casework.find_cases(s)
        assert casework.read_case(s, number)[0].case_number == number
    return act


def _create(o: Office) -> Action:
    case = o.new_case()

    def act(s: UserSession) -> None:
        case_id = casework.create_case(s, case, o.profile)
        row = o.case_row(case.case_number)
        assert row is not None and row.id == case_id
        assert o.screenings(case.case_number) == 1
    return act


def _edit(o: Office) -> Action:
    number = o.seed()
    row = o.case_row(number)
    assert row is not None
    version = row.version
    edited = parse_case({**copy.deepcopy(DEMO_CASES[0]), "case_number": number, "notes": "edited in the walk"})

    def act(s: UserSession) -> None:
        casework.update_case(s, edited, version, o.profile)
        after = o.case_row(number)
        assert after is not None and after.notes == "edited in the walk" and after.version == version + 1
    return act


def _delete(o: Office) -> Action:
    number = o.seed()

    def act(s: UserSession) -> None:
        casework.delete_case(s, number)
        assert o.case_row(number) is None
    return act


def _import(o: Office) -> Action:
    batch = [o.new_case(), o.new_case()]

    def act(s: UserSession) -> None:
        ids = casework.import_cases(s, batch, o.profile)
        assert len(ids) == 2
        for case in batch:
            assert o.case_row(case.case_number) is not None and o.screenings(case.case_number) == 1
    return act


def _screen(o: Office) -> Action:
    number = o.seed()

    def act(s: UserSession) -> None:
        assert o.screenings(number) == 0
        casework.screen_case(s, number, o.profile)
        assert o.screenings(number) == 1
    return act


def _authorize_only(op: Op) -> Callable[[Office], Action]:
    # REQUEST_EXCEPTION, DECIDE_EXCEPTION and SIGN have no service yet (later issues add them): until then the walk
    # checks the session's own authorization for them. When their services come, use them here instead.
    def prepare(o: Office) -> Action:
        return lambda s: s.authorize(op)
    return prepare


def _draft_letters(o: Office) -> Action:
    def act(s: UserSession) -> None:
        report = letters.draft_letters(s)
        assert not report.held  # the walk's cases have no past records
    return act


def _export(o: Office) -> Action:
    number = o.seed()

    def act(s: UserSession) -> None:
        exported = casework.export_case(s, number)
        assert exported.case_number == number and exported.charges
    return act


def _manage_users(o: Office) -> Action:
    name = f"walk user {next(_serial)}"

    def act(s: UserSession) -> None:
        accounts.create_user(s, name, Role.PARALEGAL, PASSWORD, kdf=TEST_KDF)
        assert log_in(o.ws, name).role == Role.PARALEGAL
    return act


def _office_settings(o: Office) -> Action:
    def act(s: UserSession) -> None:
        accounts.set_idle_limit(s, 20)
        office = o.ws.office()
        assert office is not None and office.idle_limit_minutes == 20
    return act


def _view_audit(o: Office) -> Action:
    def act(s: UserSession) -> None:
        report = user_audit.verify_trail(s)
        assert report.ok and report.records > 0
        assert user_audit.audit_records(s, action="login")
    return act


def _backup(o: Office) -> Action:
    out = o.folder / f"walk-{next(_serial)}.crbackup"

    def act(s: UserSession) -> None:
        assert backups.backup(s, out) == out and out.is_file()
    return act


def _restore(o: Office) -> Action:
    # Only the refusal is walked (restoring replaces the whole case file): the allowed restore is
    # test_the_administrator_restores_a_backup. The file does not exist, so a missing check would fail differently.
    def act(s: UserSession) -> None:
        backups.restore(s, o.folder / "no such backup.crbackup", PASSPHRASE)
    return act


def _purge(o: Office) -> Action:
    number = o.seed()
    with o.ws.session() as db:
        person_id = db.scalars(select(m.Person.id).where(m.Person.person_key == f"PK-{number[3:]}")).one()

    def act(s: UserSession) -> None:
        report = purges.purge_person(s, person_id, "Order 26-EXP-001")
        assert report.person_id == person_id
        with o.ws.session() as db:
            assert db.get(m.Person, person_id) is None
    return act


OPERATIONS: dict[Op, Callable[[Office], Action]] = {
    Op.VIEW_CASES: _view,
    Op.CREATE_CASE: _create,
    Op.EDIT_CASE: _edit,
    Op.DELETE_CASE: _delete,
    Op.IMPORT_CASES: _import,
    Op.SCREEN: _screen,
    Op.REQUEST_EXCEPTION: _authorize_only(Op.REQUEST_EXCEPTION),
    Op.DECIDE_EXCEPTION: _authorize_only(Op.DECIDE_EXCEPTION),
    Op.SIGN: _authorize_only(Op.SIGN),
    Op.DRAFT_LETTERS: _draft_letters,
    # Signing letters also needs the authority an administrator gives: tests/unit/services/test_letters.py.
    Op.SIGN_LETTERS: _authorize_only(Op.SIGN_LETTERS),
    Op.EXPORT: _export,
    Op.MANAGE_USERS: _manage_users,
    Op.OFFICE_SETTINGS: _office_settings,
    Op.VIEW_AUDIT: _view_audit,
    Op.BACKUP: _backup,
    Op.RESTORE: _restore,
    Op.PURGE: _purge,
    # The reports' own tests walk them further: tests/unit/services/test_reports.py.
    Op.VIEW_REPORTS: _authorize_only(Op.VIEW_REPORTS),
    Op.INTERNAL_REPORTS: _authorize_only(Op.INTERNAL_REPORTS),
    Op.RECORD_OUTCOMES: _authorize_only(Op.RECORD_OUTCOMES),
}


def test_the_walk_covers_every_operation() -> None:
    assert set(OPERATIONS) == set(Op)


@pytest.fixture
def open_office(new_case_file: tuple[Path, bytes], clock: FakeClock,
                tmp_path: Path) -> Iterator[Callable[[OfficeType], Office]]:
    opened: list[Workspace] = []

    def make(office_type: OfficeType) -> Office:
        path, key = new_case_file
        ws = accounts.workspace_for(open_case_file(path, key), key, clock=clock)
        opened.append(ws)
        accounts.set_up_office(ws, office_type, "admin", PASSWORD, kdf=TEST_KDF)
        folder = tmp_path / "out"
        folder.mkdir()
        return Office(ws, office_type, folder, load_builtin())

    yield make
    for ws in opened:
        ws.case_file.close()


@pytest.mark.parametrize(("office_type", "role"), PAIRS, ids=[f"{o.value}-{r.value}" for o, r in PAIRS])
def test_each_role_may_do_exactly_what_the_table_allows(open_office: Callable[[OfficeType], Office],
                                                        office_type: OfficeType, role: Role) -> None:
    office = open_office(office_type)
    session = staff(office.ws, office_type)[role]
    problems: list[str] = []
    for op in Op:
        expected = op in EXPECTED[(office_type, role)]
        assert session.may(op) == expected == allowed(office_type, role, op)
        if op == Op.RESTORE and expected:
            continue  # see _restore
        act = OPERATIONS[op](office)
        if op in PRIVILEGED:
            session.reauthenticate(PASSWORD)
        before, seq = office.fingerprint(), office.head()
        try:
            act(session)
            outcome = "done"
        except PermissionDenied:
            outcome = "denied"
        except Exception as exc:  # any other failure is reported with the operation
            outcome = f"{type(exc).__name__}: {exc}"
        new = office.records_since(seq)
        denials = [(r.user_id, r.object_id, r.outcome) for r in new if r.action == "permission_denied"]
        if outcome != ("done" if expected else "denied"):
            problems.append(f"{op.name}: {outcome} (allowed: {expected})")
        elif expected and denials:
            problems.append(f"{op.name}: done, but a permission_denied record was written: {denials}")
        elif not expected:
            if (len(denials) != 1 or denials[0][0] != session.user_id or denials[0][2] != "denied"
                    or not str(denials[0][1]).startswith(op.name.lower())):
                problems.append(f"{op.name}: denied, but the denial records are {denials}")
            if len(new) != 1:
                problems.append(f"{op.name}: denied, but records were written besides the denial: "
                                f"{[(r.action, r.outcome) for r in new]}")
            if office.fingerprint() != before:
                problems.append(f"{op.name}: denied, but the case file changed")
    assert problems == []
    assert not session.locked and not session.ended


@pytest.mark.parametrize("office_type", list(OfficeType))
def test_the_administrator_restores_a_backup(open_office: Callable[[OfficeType], Office],
                                             office_type: OfficeType) -> None:
    office = open_office(office_type)
    admin = log_in(office.ws, "admin")
    kept = office.seed()
    backup = backups.backup(admin, office.folder / "before.crbackup")
    later = office.seed()
    admin.reauthenticate(PASSWORD)
    report = backups.restore(admin, backup, PASSPHRASE)
    restored = report.workspace
    try:
        assert admin.ended
        assert report.aside is not None and report.aside.exists()
        restored_office = Office(restored, office_type, office.folder, office.profile)
        assert restored_office.case_row(kept) is not None
        assert restored_office.case_row(later) is None
        again = log_in(restored, "admin")
        assert again.office_type == office_type and again.role == Role.ADMINISTRATOR
        with restored.session() as db:
            assert [r.user_id for r in audit.records(db, action="restore")][-1] == admin.user_id
    finally:
        restored.case_file.close()


def test_a_refusal_comes_before_the_password_check(open_office: Callable[[OfficeType], Office],
                                                   clock: FakeClock) -> None:
    office = open_office(OfficeType.PROSECUTOR)
    people = staff(office.ws, OfficeType.PROSECUTOR)
    clock.advance(minutes=6)
    paralegal, supervisor = people[Role.PARALEGAL], people[Role.SUPERVISOR]
    paralegal.touch()
    supervisor.touch()
    with pytest.raises(PermissionDenied, match="A paralegal may not export case data in a prosecutor's office"):
        paralegal.authorize(Op.EXPORT)
    with pytest.raises(ReauthenticationNeeded):
        supervisor.authorize(Op.EXPORT)
    supervisor.reauthenticate(PASSWORD)
    supervisor.authorize(Op.EXPORT)


def test_a_denial_names_the_object_in_the_audit_trail(open_office: Callable[[OfficeType], Office]) -> None:
    office = open_office(OfficeType.DEFENSE)
    paralegal = staff(office.ws, OfficeType.DEFENSE)[Role.PARALEGAL]
    number = office.seed()
    seq = office.head()
    with pytest.raises(PermissionDenied, match="A paralegal may not delete cases in a defense office"):
        casework.delete_case(paralegal, number)
    assert [(r.action, r.object_id, r.outcome) for r in office.records_since(seq)] == [
        ("permission_denied", "delete_case", "denied")]
    seq = office.head()
    with pytest.raises(PermissionDenied):
        paralegal.authorize(Op.SIGN, object_id=f"case:{office.case_row(number).id}")  # type: ignore[union-attr]
    assert [r.object_id for r in office.records_since(seq)] == [
        f"sign:case:{office.case_row(number).id}"]  # type: ignore[union-attr]

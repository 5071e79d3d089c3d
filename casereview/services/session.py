"""Who is working, in which case file: the session service the command line and the window both use.

A `Workspace` is an open case file with what the services need beside the database (its id, its audit key, a
clock). A `UserSession` is one logged-in user in it. The session tracks activity: after the office's idle limit it
locks (nothing can be done until the password is given again), and a privileged operation needs the password to
have been given within the last few minutes (`reauthenticate`). `authorize` is the one check every service makes
before acting; a refusal is itself written to the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casereview.services.access import PRIVILEGED, OfficeType, Op, Role, allowed, office_words
from casereview.services.passwords import verify_password
from casereview.store import audit
from casereview.store import models as m
from casereview.store.database import CaseFile

DEFAULT_IDLE_MINUTES = 15
MAX_IDLE_MINUTES = 30
FRESH_AUTH = timedelta(minutes=5)


def utc_now() -> datetime:
    return datetime.now(UTC)


class AccessProblem(Exception):
    """Base for a refusal the user can act on; the message says what to do."""


class PermissionDenied(AccessProblem):
    pass


class SessionLocked(AccessProblem):
    pass


class ReadOnlyCaseFile(AccessProblem):
    """The case file is on read-only media: it can be read, nothing can be saved."""


# What a user can do with a case file on read-only media (a CD, a write-protected stick): read it. Nothing is
# recorded in its audit trail there, because nothing can be written to it.
READ_ONLY_OPS = frozenset({"view cases", "view the audit trail"})


class ReauthenticationNeeded(AccessProblem):
    pass


@dataclass
class Workspace:
    """An open case file, its id and audit key, and the clock every service reads (tests pass a fake one)."""

    case_file: CaseFile
    file_id: str
    audit_key: bytes = field(repr=False)
    db_key: bytes = field(repr=False, default=b"")
    clock: Callable[[], datetime] = utc_now
    # What the user must be told on opening (an older copy of the file last used at this place: what is missing
    # from it and what to do); `accounts.workspace_for` fills it in, the window and the command line show it.
    notices: list[str] = field(default_factory=list)

    def now(self) -> datetime:
        return self.clock()

    @property
    def read_only(self) -> bool:
        return self.case_file.read_only

    def session(self) -> Session:
        return self.case_file.session()

    def read_session(self) -> Session:
        """A session to read in, nothing more. On a database server its statements run outside a transaction
        (autocommit): each sees what was committed when it ran, as each statement of a READ COMMITTED transaction
        does, without the BEGIN and ROLLBACK round trips around them."""
        db = self.case_file.session()
        if self.case_file.is_server:
            db.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        return db

    def record(self, *, user_id: int | None, action: str, object_id: str | None = None,
               outcome: str = "success") -> None:
        """Write one audit record in a transaction of its own (for refusals, failures and events). A case file on
        read-only media records nothing: nothing can be written there."""
        if self.read_only:
            return
        with self.session() as db, db.begin():
            audit.append(db, self.audit_key, user_id=user_id, action=action, object_id=object_id, outcome=outcome,
                         now=self.now())

    def anchor(self) -> audit.Anchor:
        """The trail's anchor now, for this case file's place (`audit.remember_anchor` keeps it per place)."""
        with self.session() as db:
            return audit.make_anchor(db, self.audit_key, self.file_id, self.now(), path=self.case_file.path)

    def office(self) -> m.Office | None:
        with self.session() as db:
            return db.get(m.Office, 1)


def naive(moment: datetime) -> datetime:
    """The UTC time as stored in DateTime columns (without a zone)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


@dataclass
class UserSession:
    workspace: Workspace
    user_id: int
    username: str
    role: Role
    office_type: OfficeType
    user_key: bytes = field(repr=False)
    idle_limit: timedelta = timedelta(minutes=DEFAULT_IDLE_MINUTES)
    last_activity: datetime = field(default_factory=utc_now)
    authenticated_at: datetime = field(default_factory=utc_now)
    locked: bool = False
    ended: bool = False
    # The password hash at login: when an administrator resets the password, this session ends.
    credential: str = field(default="", repr=False)

    # ------------------------------------------------------------------------------------------- activity

    def idle_for(self) -> timedelta:
        return self.workspace.now() - self.last_activity

    def check_idle(self) -> bool:
        """Lock the session when it has been idle too long (audited once); True when it is locked."""
        if not self.locked and not self.ended and self.idle_for() >= self.idle_limit:
            self.locked = True
            self.workspace.record(user_id=self.user_id, action="session_locked")
        return self.locked

    def touch(self) -> None:
        """Count user activity (a key press, a click) unless the session has already locked."""
        if not self.check_idle():
            self.last_activity = self.workspace.now()

    def lock(self) -> None:
        if not self.locked:
            self.locked = True
            self.workspace.record(user_id=self.user_id, action="session_locked")

    def end(self) -> None:
        """Forget the session (its key too); nothing more can be done in it."""
        self.ended = True
        self.locked = True
        self.user_key = b""

    def log_out(self) -> None:
        """The user logs out (or closes the window): recorded, then the session ends."""
        if not self.ended:
            with suppress(Exception):  # a record that cannot be written must not keep anyone logged in
                self.workspace.record(user_id=self.user_id, action="logout", object_id=f"user:{self.user_id}")
        self.end()

    def _password_ok(self, password: str) -> bool:
        return check_session_password(self, password)

    def unlock(self, password: str) -> None:
        """Give the password again after an idle lock. A wrong one counts toward the account lockout."""
        if not self._password_ok(password):
            raise PermissionDenied("That password is wrong. The session stays locked.")
        self.locked = False
        now = self.workspace.now()
        self.last_activity = self.authenticated_at = now
        self.workspace.record(user_id=self.user_id, action="session_unlocked")

    def reauthenticate(self, password: str) -> None:
        """Confirm the password before a privileged operation (valid for a few minutes)."""
        if not self._password_ok(password):
            raise PermissionDenied("That password is wrong. Nothing was done.")
        now = self.workspace.now()
        self.authenticated_at = self.last_activity = now
        self.workspace.record(user_id=self.user_id, action="reauthenticated")

    def recently_authenticated(self) -> bool:
        return self.workspace.now() - self.authenticated_at < FRESH_AUTH

    # ------------------------------------------------------------------------------------------ permissions

    def may(self, op: Op) -> bool:
        """Whether this user's role allows `op` (for showing or greying out an action)."""
        return allowed(self.office_type, self.role, op)

    def ensure_active(self, db: Session | None = None) -> None:
        """Refuse (`SessionLocked`) when the session has ended, locked from idleness, or its account was changed;
        `db`: the session to read the account in (the caller's, to save a connection and its round trips on a
        server; it must hold no lock another change could wait for), else one of its own."""
        if self.ended:
            raise SessionLocked("You are logged out. Log in again to continue.")
        if self.check_idle():
            raise SessionLocked("The session locked after a period without activity. Give your password to go on.")
        self._follow_account(db)

    def _follow_account(self, db: Session | None = None) -> None:
        """An administrator's change to this account applies at once: a new role is used from now on; a disabled
        or locked account, or a password reset, ends the session."""
        query = select(m.User.role, m.User.status, m.User.password_hash).where(m.User.id == self.user_id)
        if db is not None:
            row = db.execute(query).one_or_none()
        else:
            with self.workspace.session() as own:
                row = own.execute(query).one_or_none()
        if row is None or row.status != "active" or (self.credential and row.password_hash != self.credential):
            self.end()
            raise SessionLocked("An administrator changed your account (disabled or locked it, or reset its "
                                "password), so you are logged out. Log in again, or ask the administrator.")
        self.role = Role(row.role)

    def authorize(self, op: Op, *, object_id: str | None = None, confirmed: bool = False,
                  db: Session | None = None) -> None:
        """The check every service makes before acting. Refusals are audited and raise `AccessProblem`.

        `confirmed`: the password was asked for this work already, when it began (a long run — signing a
        selection of letters — goes on past the few minutes a confirmation lasts). `db`: the session the work
        reads in, to read the account in too (see `ensure_active`); a refusal is recorded in a transaction of its
        own all the same."""
        self.ensure_active(db)
        if self.workspace.read_only and op.value not in READ_ONLY_OPS:
            path = self.workspace.case_file.path
            raise ReadOnlyCaseFile(
                f"{path.name if path else 'This case file'} is on read-only media (a disc, a write-protected "
                f"drive or a read-only folder): it can be read, but not changed, so you may not {op.value} here. "
                "To work on it, copy it together with its .keys file to this computer's disk and open the copy.")
        if not self.may(op):
            self.workspace.record(user_id=self.user_id, action="permission_denied", object_id=_op_id(op, object_id),
                                  outcome="denied")
            role = self.role.value
            article = "An" if role[:1] in "aeiou" else "A"
            ask = ("Ask a user whose role allows it." if self.role == Role.ADMINISTRATOR
                   else "Ask a user whose role allows it, or an administrator.")
            raise PermissionDenied(f"{article} {role} may not {op.value} in {office_words(self.office_type)}. {ask}")
        if op in PRIVILEGED and not confirmed and not self.recently_authenticated():
            raise ReauthenticationNeeded(f"To {op.value}, give your password again first.")
        self.last_activity = self.workspace.now()

    @contextmanager
    def acting(self, op: Op, action: str, object_id: str | None = None, *,
               confirmed: bool = False) -> Iterator[Session]:
        """Authorize `op`, then give a transaction in which the work and its audit record commit together.

        When the work raises, nothing of it is kept and a ``failed`` record is written instead; when the audit
        record cannot be written, the work is rolled back with it.

        On a database server the account is read in the work's own transaction (`authorize` with it), before the
        trail's lock is taken: one connection and its round trips fewer for every change, and nothing locked
        while a refusal is recorded (in a transaction of its own, which takes the lock)."""
        ws = self.workspace
        if not ws.case_file.is_server:
            self.authorize(op, object_id=object_id, confirmed=confirmed)
        db = ws.session()
        if ws.read_only:  # reading only (authorize refused the rest); there is no trail to write to
            with db, db.begin():
                yield db
            return
        transaction = db.begin()
        if ws.case_file.is_server:
            db.info[audit.HEAD_LATER] = True  # not at the transaction's start: after the account is read
            try:
                self.authorize(op, object_id=object_id, confirmed=confirmed, db=db)
            except BaseException:
                transaction.rollback()
                db.close()
                raise
        try:
            with db, transaction:
                audit.hold_head(db)  # on a server: the trail's lock first, so concurrent changes queue (see there)
                yield db
                audit.append(db, ws.audit_key, user_id=self.user_id, action=action,
                             object_id=db.info.get("audit_object", object_id), now=ws.now())
        except audit.AuditError:
            raise
        except Exception:
            with suppress(Exception):  # the original error matters more than the record of its failure
                ws.record(user_id=self.user_id, action=action, object_id=db.info.get("audit_object", object_id),
                          outcome="failed")
            raise

    def audit(self, db: Session, action: str, object_id: str | None = None, *, later: bool = False) -> None:
        """Add a record of this user's in the transaction `db` (for work that records more than one thing).
        `later`: written with the next record, at the latest the work's own at its end (`audit.append`)."""
        audit.append(db, self.workspace.audit_key, user_id=self.user_id, action=action, object_id=object_id,
                     now=self.workspace.now(), later=later)


def _op_id(op: Op, object_id: str | None) -> str:
    name = op.name.lower()
    return f"{name}:{object_id}" if object_id else name


def set_audit_object(db: Session, object_id: str) -> None:
    """Name the object of the work in progress inside `UserSession.acting` (an id known only once stored)."""
    db.info["audit_object"] = object_id


# ------------------------------------------------------------------------------------------- failed passwords

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)


def _failures_since(db: Session, user: m.User, now: datetime) -> int:
    since = max(naive(now - FAILURE_WINDOW), user.failures_counted_from)
    return db.scalar(select(func.count()).select_from(m.AuditRecord).where(
        m.AuditRecord.user_id == user.id, m.AuditRecord.action == "login_failed",
        m.AuditRecord.at >= audit.stamp(since))) or 0


def record_failed_login(ws: Workspace, user_id: int) -> bool:
    """Record a failed password for an existing user; lock the account at the limit. True when now locked.
    (On read-only media nothing can be recorded: whoever holds such a copy could try passwords offline anyway.)"""
    now = ws.now()
    if ws.read_only:
        return False
    with ws.session() as db, db.begin():
        audit.append(db, ws.audit_key, user_id=user_id, action="login_failed", object_id=f"user:{user_id}",
                     outcome="failed", now=now)
        user = db.get(m.User, user_id)
        assert user is not None
        if user.status == "active" and _failures_since(db, user, now) >= MAX_FAILURES:
            user.status, user.status_reason, user.status_changed_at = "locked", "failed logins", naive(now)
            audit.append(db, ws.audit_key, user_id=None, action="account_locked", object_id=f"user:{user_id}",
                         now=now)
            return True
    return False


def check_session_password(session: UserSession, password: str) -> bool:
    """The password of the session's user (for unlocking and re-authenticating); a wrong one counts as a failed
    login, and at the limit the account locks and the session ends."""
    ws = session.workspace
    with ws.session() as db:
        user = db.get(m.User, session.user_id)
        stored = user.password_hash if user is not None and user.status == "active" else None
    if stored is not None and verify_password(stored, password):
        return True
    if stored is None:
        session.end()
        return False
    if record_failed_login(ws, session.user_id):
        session.end()
    return False

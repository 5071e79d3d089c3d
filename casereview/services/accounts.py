"""Local accounts: setting up the office and its first administrator, logging in, lockout, inactivity, and the
administrator's work on accounts.

- 5 failed logins within 15 minutes lock the account until an administrator releases it (CJIS AC-7). Every
  attempt, good or bad, is audited; an unknown user name is audited without any name.
- An account unused for 90 days is disabled (an administrator can enable it again).
- A password reset by an administrator cannot unwrap the user's old secrets (they are wrapped by the old password),
  so the user gets a new key, and any signing identity must be issued again; the reset says so.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from casereview.documents import fonts
from casereview.policy.profile import PolicyFileError
from casereview.services import identities
from casereview.services.access import OfficeType, Op, Role, office_words, roles_for
from casereview.services.access import allowed as role_allows
from casereview.services.office import FieldProblem, office_policy
from casereview.services.passwords import (
    USER_KDF,
    check_new_password,
    derive_wrapping_key,
    hash_password,
    new_salt,
    normalize,
    spend_verify_time,
    unwrap_user_key,
    verify_password,
    wrap_user_key,
)
from casereview.services.session import (
    DEFAULT_IDLE_MINUTES,
    MAX_FAILURES,
    MAX_IDLE_MINUTES,
    AccessProblem,
    UserSession,
    Workspace,
    check_session_password,
    naive,
    record_failed_login,
    set_audit_object,
    utc_now,
)
from casereview.store import audit, cases
from casereview.store import keys as keymod
from casereview.store import models as m
from casereview.store.audit_schema import has_audit_tables
from casereview.store.backups import backup_files
from casereview.store.cases import CaseServiceError
from casereview.store.database import CaseFile, CaseFileError, read_keys
from casereview.store.keys import KdfParams

INACTIVE_AFTER = timedelta(days=90)
USER_KEY_BYTES = 32
MAX_USERNAME = 60


class AccountProblem(AccessProblem):
    """An account operation refused with a reason (a taken name, a weak password, an unknown user)."""


class LoginFailed(AccessProblem):
    pass


class AccountLocked(LoginFailed):
    pass


class AccountDisabled(LoginFailed):
    pass


class NoAccounts(AccessProblem):
    """The case file was made before accounts existed: its first administrator must be created."""


def fold_username(name: str) -> str:
    """The form user names are compared in: Unicode NFC, spaces collapsed, case folded ("José" typed either way)."""
    return unicodedata.normalize("NFC", " ".join(name.split())).casefold()


def _check_username(name: str) -> str:
    clean = unicodedata.normalize("NFC", " ".join(name.split()))
    if not clean:
        raise AccountProblem("The user name is empty: give the name the person logs in with.")
    if len(clean) > MAX_USERNAME:
        raise AccountProblem(f"The user name is longer than {MAX_USERNAME} characters.")
    if any(not (ch.isalnum() or ch in " ._-@'") for ch in clean):
        raise AccountProblem("A user name may hold letters, digits, spaces and . _ - @ ' only.")
    return clean


MAX_NAME = 200
MAX_BAR_NUMBER = 40


@dataclass(frozen=True)
class PersonNames:
    """The person behind an account, as documents name them: the full name (printed under a signature and named in
    the signing certificate), the title ("Chief Deputy District Attorney") and, for an attorney, the bar number."""

    full_name: str | None = None
    title: str | None = None
    bar_number: str | None = None

    def signed_as(self, username: str = "") -> str:
        """ "Jordan Avery, Chief Deputy District Attorney" (the user name when no full name is known)."""
        name = self.full_name or username
        return f"{name}, {self.title}" if self.title else name


def check_names(full_name: str | None, title: str | None, bar_number: str | None) -> PersonNames:
    """The names trimmed (an empty one is None); FieldProblem ("full_name", "title", "bar_number") names one that is
    too long or holds characters the documents' fonts cannot print."""
    clean: dict[str, str | None] = {}
    for field_name, value, limit, words in (("full_name", full_name, MAX_NAME, "full name"),
                                            ("title", title, MAX_NAME, "title"),
                                            ("bar_number", bar_number, MAX_BAR_NUMBER, "bar number")):
        text = unicodedata.normalize("NFC", " ".join((value or "").split()))
        if len(text) > limit:
            raise FieldProblem(field_name, f"The {words} is too long: at most {limit} characters.")
        try:
            fonts.check({words: text}, document="change")
        except fonts.MissingGlyphs as exc:
            raise FieldProblem(field_name, str(exc)) from None
        clean[field_name] = text or None
    return PersonNames(clean["full_name"], clean["title"], clean["bar_number"])


def workspace_for(case_file: CaseFile, db_key: bytes, *, clock: Callable[[], datetime] = utc_now,
                  note_older_copy: bool = True) -> Workspace:
    """The workspace of an open case file (its id comes from the key file beside it). When the file is an older
    copy of the one last used at its place, that is recorded in its trail and said in the workspace's `notices`
    (`older_copy_notices`; a restore, which records itself, passes ``note_older_copy=False``)."""
    if case_file.path is None:  # a database server: the office key file this computer keeps for it
        file_id = read_keys(case_file.address).file_id
    else:
        file_id = keymod.read_key_file(case_file.path).file_id
    ws = Workspace(case_file, file_id, audit.audit_key(db_key, file_id), db_key, clock)
    if note_older_copy:
        ws.notices.extend(older_copy_notices(ws))
    return ws


def older_copy_notices(ws: Workspace) -> list[str]:
    """When the file just opened is an intact older copy of the file last used at its place (an anchor of this
    place, or a backup beside it, is further along): record that in its trail (``older_copy_opened``,
    ``records:K+1-N``), keep this place's anchor where the copy is now, and return what to tell the user. From
    then on the newer file's anchors no longer count against this file, nor (their anchors carrying the record)
    this file's against the newer one, should it be put back. When the file is such a newer file put back (this
    place's anchor belongs to a copy that went its own way), this place's anchor follows it and the user is told;
    there is nothing to record. Nothing is recorded on read-only media. Cheap when the file simply goes on from
    its anchors: the head and the anchors' records are read."""
    path = ws.case_file.path
    if path is None:
        return []
    anchors = audit.known_anchors(ws.file_id, backup_files(path))
    if not anchors:
        return []
    with ws.session() as db:
        if not has_audit_tables(db.connection()):
            return []
        found = audit.find_older_copy(db, ws.audit_key, anchors, here=path)
    if found is None:
        return []
    if not ws.read_only:
        # A safeguard: failing to note it must not keep the file from opening (check still says what it is).
        with suppress(OSError, SQLAlchemyError, audit.AuditError, CaseFileError):
            if found.record:
                ws.record(user_id=None, action="older_copy_opened", object_id=f"records:{found.first}-{found.last}")
            audit.remember_anchor(ws.anchor(), replace_newer=True)
    return found.lines


def _new_user(db: Session, ws: Workspace, username: str, role: Role, password: str, kdf: KdfParams,
              now: datetime, names: PersonNames | None = None) -> m.User:
    folded = fold_username(username)
    if db.scalars(select(m.User.id).where(m.User.username_folded == folded)).first() is not None:
        raise AccountProblem(f"There is already a user named {username}. Choose another name.")
    check_new_password(password, username)
    names = names or PersonNames()
    user = m.User(username=username, username_folded=folded, role=role.value, status="active",
                  must_change_password=False, created_at=naive(now), failures_counted_from=naive(now),
                  status_changed_at=naive(now), full_name=names.full_name, title=names.title,
                  bar_number=names.bar_number)
    _new_credentials(db, ws, user, password, kdf)
    db.add(user)
    db.flush()
    return user


def _new_credentials(db: Session, ws: Workspace, user: m.User, password: str, kdf: KdfParams) -> None:
    """A new password for `user`: its hash, a new own key wrapped by it, and (for a role that signs) a new signing
    identity wrapped by that key — the old key, and so the old identity, cannot be opened without the old
    password."""
    user_key = secrets.token_bytes(USER_KEY_BYTES)
    salt = new_salt()
    user.key_salt, user.key_kdf, user.password_hash = salt, kdf.to_json(), hash_password(password, kdf)
    user.wrapped_key = wrap_user_key(user_key, derive_wrapping_key(password, salt, kdf), ws.file_id,
                                     fold_username(user.username))
    if user.id is None:
        db.add(user)
        db.flush()
    identities.issue_for(db, ws, user, user_key)


def has_accounts(ws: Workspace) -> bool:
    with ws.session() as db:
        return bool(db.scalar(select(func.count(m.User.id))))


def set_up_office(ws: Workspace, office_type: OfficeType, admin_name: str, admin_password: str, *,
                  kdf: KdfParams = USER_KDF, office_name: str | None = None, full_name: str | None = None,
                  title: str | None = None, bar_number: str | None = None) -> int:
    """Give a case file with no accounts its office type and first administrator (with the person's full name,
    title and bar number, for what they sign); returns the administrator's id. Refused once any account exists
    (then an administrator adds users)."""
    name = _check_username(admin_name)
    names = check_names(full_name, title, bar_number)
    now = ws.now()
    with ws.session() as db, db.begin():
        if db.scalar(select(func.count(m.User.id))):
            raise AccountProblem("This case file already has accounts: an administrator adds new users.")
        office = db.get(m.Office, 1)
        if office is None:
            db.add(m.Office(id=1, office_type=office_type.value, idle_limit_minutes=DEFAULT_IDLE_MINUTES,
                            name=office_name))
        user = _new_user(db, ws, name, Role.ADMINISTRATOR, admin_password, kdf, now, names)
        audit.append(db, ws.audit_key, user_id=user.id, action="office_created", object_id="office:1", now=now)
        audit.append(db, ws.audit_key, user_id=user.id, action="user_created", object_id=f"user:{user.id}", now=now)
        return user.id


# ---------------------------------------------------------------------------------------------------- logging in


def _office(db: Session) -> m.Office:
    office = db.get(m.Office, 1)
    if office is None:
        raise NoAccounts("This case file has no accounts yet (it was made by an earlier version). Create its first "
                         "administrator: python -m casereview user first-admin DB --admin NAME --password-file F.")
    return office


def disable_inactive(ws: Workspace) -> list[int]:
    """Disable every active or locked account unused for 90 days; returns their ids (each audited)."""
    now = ws.now()
    cutoff = naive(now - INACTIVE_AFTER)
    if ws.read_only:  # nothing can be changed on read-only media; login still refuses a disabled account
        return []
    with ws.session() as db, db.begin():
        stale = db.scalars(select(m.User).where(m.User.status != "disabled")).all()
        done = []
        for user in stale:
            last_used = max(user.last_login_at or user.created_at, user.status_changed_at)
            if last_used < cutoff:
                user.status, user.status_reason, user.status_changed_at = "disabled", "inactive", naive(now)
                audit.append(db, ws.audit_key, user_id=None, action="account_disabled", object_id=f"user:{user.id}",
                             now=now)
                done.append(user.id)
        return done


def _refusal(user: m.User) -> LoginFailed:
    if user.status == "locked":
        return AccountLocked(f"The account {user.username} is locked after {MAX_FAILURES} failed logins. An "
                             "administrator must release it (Users, then Release).")
    reason = "it was not used for 90 days" if user.status_reason == "inactive" else "an administrator disabled it"
    return AccountDisabled(f"The account {user.username} is disabled ({reason}). Ask an administrator to enable "
                           "it again.")


def login(ws: Workspace, username: str, password: str) -> UserSession:
    """Check the password and start a session. Raises LoginFailed (or AccountLocked / AccountDisabled) with a
    message to show; every attempt is audited."""
    disable_inactive(ws)
    folded = fold_username(username)
    with ws.session() as db:
        office = _office(db)
        user = db.scalars(select(m.User).where(m.User.username_folded == folded)).first()
        if user is not None:
            db.expunge(user)
        office_type, idle = OfficeType(office.office_type), office.idle_limit_minutes
    wrong = LoginFailed(f"The user name or password is wrong. After {MAX_FAILURES} failed attempts within 15 "
                        "minutes the account is locked until an administrator releases it.")
    if user is None:
        spend_verify_time(password)
        ws.record(user_id=None, action="login_failed", outcome="failed")
        raise wrong
    if user.status != "active":
        spend_verify_time(password)
        ws.record(user_id=user.id, action="login_failed", object_id=f"user:{user.id}", outcome="denied")
        raise _refusal(user)
    if not verify_password(user.password_hash, password):
        if record_failed_login(ws, user.id):
            raise AccountLocked(f"That was the {MAX_FAILURES}th failed attempt: the account {user.username} is now "
                                "locked. An administrator must release it.")
        raise wrong
    user_key = _unwrap(ws, user, password)
    now = ws.now()
    if not ws.read_only:  # nothing can be recorded on read-only media (the guide says so)
        _record_login(ws, user.id, user_key, now)
    session = UserSession(ws, user.id, user.username, Role(user.role), office_type, user_key,
                          idle_limit=timedelta(minutes=idle), last_activity=now, authenticated_at=now,
                          credential=user.password_hash)
    # A problem screening them must not keep the user out: the cases stay waiting (acting recorded the failure),
    # their charges "not screened", and the next login of a user who may screen tries again.
    with suppress(AccessProblem, CaseServiceError, PolicyFileError, CaseFileError, SQLAlchemyError):
        screen_waiting(session)
    return session


def screen_waiting(session: UserSession) -> list[str]:
    """Screen the cases waiting to be screened again under the current rules, as this user when their role may
    screen; returns their case numbers. A case file upgraded to CaseReview 3 lists the cases whose imported or
    typed-in section 8 approval counted before (in a case file an approval now exists only through the signed
    workflow, so their decisions may change): until then their charges show "not screened". Screened with the
    office's policy, each case audited as a screening, in one transaction."""
    ws = session.workspace
    if ws.read_only or not session.may(Op.SCREEN):
        return []
    with ws.session() as db:
        if not cases.has_pending(db):
            return []
    profile, presumptive = office_policy(ws)
    with session.acting(Op.SCREEN, "screening") as db:
        numbers = cases.screen_pending(db, profile, presumptive)
        for number in numbers:
            session.audit(db, "screening", f"case:{cases.case_id(db, number)}")
        set_audit_object(db, f"cases:{len(numbers)}")
    return numbers


def _record_login(ws: Workspace, user_id: int, user_key: bytes, now: datetime) -> None:
    with ws.session() as db, db.begin():
        row = db.get(m.User, user_id)
        assert row is not None
        row.last_login_at = row.failures_counted_from = naive(now)
        audit.append(db, ws.audit_key, user_id=user_id, action="login", object_id=f"user:{user_id}", now=now)
        # An account made before signing existed gets an identity now; one whose identity names someone else than
        # the account's person (issued in the user name, before full names were kept) gets a new one, in the full
        # name. Documents signed with the old one stay valid: the office authority issued it.
        if identities.needs_new_identity(db, row):
            identities.issue_for(db, ws, row, user_key)


def _unwrap(ws: Workspace, user: m.User, password: str) -> bytes:
    kdf = KdfParams(int(user.key_kdf["time_cost"]), int(user.key_kdf["memory_kib"]),
                    int(user.key_kdf["parallelism"]))
    key = unwrap_user_key(user.wrapped_key, derive_wrapping_key(password, user.key_salt, kdf), ws.file_id,
                          user.username_folded)
    if key is None:
        raise LoginFailed("The password is right but this account's own key cannot be opened: the account record "
                          "is damaged. An administrator can reset the password.")
    return key


def must_change_password(session: UserSession) -> bool:
    with session.workspace.session() as db:
        user = db.get(m.User, session.user_id)
        return bool(user and user.must_change_password)


# -------------------------------------------------------------------------------------------- account management


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    role: str
    status: str
    status_reason: str | None
    last_login_at: datetime | None
    must_change_password: bool
    letter_signer: bool = False
    full_name: str | None = None
    title: str | None = None
    bar_number: str | None = None

    @property
    def signer_name(self) -> str | None:  # the name printed under the signature: the full name
        return self.full_name

    @property
    def signer_title(self) -> str | None:
        return self.title

    @property
    def names(self) -> PersonNames:
        return PersonNames(self.full_name, self.title, self.bar_number)


def _row(u: m.User) -> UserRow:
    return UserRow(u.id, u.username, u.role, u.status, u.status_reason, u.last_login_at, u.must_change_password,
                   u.letter_signer, u.full_name, u.title, u.bar_number)


def list_users(session: UserSession) -> list[UserRow]:
    session.authorize(Op.MANAGE_USERS)
    with session.workspace.session() as db:
        return [_row(u) for u in db.scalars(select(m.User).order_by(m.User.username_folded))]


def my_names(session: UserSession) -> PersonNames:
    """The logged-in user's own full name, title and bar number (every role may read and change its own)."""
    session.ensure_active()
    with session.workspace.session() as db:
        user = db.get(m.User, session.user_id)
        assert user is not None
        return PersonNames(user.full_name, user.title, user.bar_number)


def signing_words(session: UserSession) -> str:
    """Who the logged-in user signs as, for the question asked before signing: "Jordan Avery, Chief Deputy
    District Attorney" (their user name when no full name is filled in: signing is then refused, saying so)."""
    return my_names(session).signed_as(session.username)


def _target(db: Session, username: str) -> m.User:
    user = db.scalars(select(m.User).where(m.User.username_folded == fold_username(username))).first()
    if user is None:
        raise AccountProblem(f"There is no user named {username}.")
    return user


def _check_role(session: UserSession, role: Role) -> None:
    if role not in roles_for(session.office_type):
        names = ", ".join(r.value for r in roles_for(session.office_type))
        office = office_words(session.office_type).capitalize()
        raise AccountProblem(f"{office} has no {role.value} role. Its roles are: {names}.")


def create_user(session: UserSession, username: str, role: Role, password: str, *,
                kdf: KdfParams = USER_KDF, full_name: str | None = None, title: str | None = None,
                bar_number: str | None = None) -> int:
    """A new account, with the person's full name, title and bar number (printed under what they sign; a role that
    signs gets its signing identity, in the full name, once the full name is given)."""
    session.authorize(Op.MANAGE_USERS)  # before looking at the arguments: a refusal is audited as such
    name = _check_username(username)
    _check_role(session, role)
    names = check_names(full_name, title, bar_number)
    with session.acting(Op.MANAGE_USERS, "user_created") as db:
        user = _new_user(db, session.workspace, name, role, password, kdf, session.workspace.now(), names)
        set_audit_object(db, f"user:{user.id}")
        return user.id


_KEEP = object()  # an argument not given: the value stays as it is


def _store_names(user: m.User, names: PersonNames) -> None:
    user.full_name, user.title, user.bar_number = names.full_name, names.title, names.bar_number
    user.signer_name, user.signer_title = names.full_name, names.title  # kept for files made before 0011


def set_user_names(session: UserSession, username: str, *, full_name: object | str | None = _KEEP,
                   title: object | str | None = _KEEP, bar_number: object | str | None = _KEEP) -> PersonNames:
    """Change the full name, title or bar number of an account (those not given stay): an administrator for anyone,
    every user for themself. Audited ``user_names_changed``. A user whose signing identity names someone else
    (another name, or the user name) gets a new one, in the new name, when they next sign or log in; what they signed
    before keeps its signatures. Returns the names as saved."""
    session.ensure_active()
    with session.workspace.session() as db:
        target = _target(db, username)
        own = target.id == session.user_id
        current = PersonNames(target.full_name, target.title, target.bar_number)
    if not own:
        session.authorize(Op.MANAGE_USERS)
    names = check_names(current.full_name if full_name is _KEEP else full_name,  # type: ignore[arg-type]
                        current.title if title is _KEEP else title,  # type: ignore[arg-type]
                        current.bar_number if bar_number is _KEEP else bar_number)  # type: ignore[arg-type]
    if own and not session.may(Op.MANAGE_USERS):
        # Every role names itself (what it signs needs the name); not a privileged change: the password is not
        # asked again.
        ws = session.workspace
        if ws.read_only:
            session.authorize(Op.EDIT_CASE)  # refused on read-only media, saying why
        with ws.session() as db, db.begin():
            user = db.get(m.User, session.user_id)
            assert user is not None
            _store_names(user, names)
            audit.append(db, ws.audit_key, user_id=user.id, action="user_names_changed", object_id=f"user:{user.id}",
                         now=ws.now())
        session.last_activity = ws.now()
        return names
    with session.acting(Op.MANAGE_USERS, "user_names_changed") as db:
        user = _target(db, username)
        set_audit_object(db, f"user:{user.id}")
        _store_names(user, names)
    return names


def set_role(session: UserSession, username: str, role: Role) -> None:
    session.authorize(Op.MANAGE_USERS)
    _check_role(session, role)
    with session.acting(Op.MANAGE_USERS, "user_role_changed") as db:
        user = _target(db, username)
        set_audit_object(db, f"user:{user.id}")
        if user.id == session.user_id and role != Role.ADMINISTRATOR:
            raise AccountProblem("You cannot take away your own administrator role: another administrator must.")
        user.role = role.value


def set_letter_signer(session: UserSession, username: str, allowed: bool, *, name: str = "",
                      title: str = "") -> None:
    """Give (or take back) signing authority for letters: the head of office or a designee. `name` and `title` are
    the user's full name and title, printed under the signature ("Jane Smith", "District Attorney") and named in
    their signing certificate; a designee's title says so. Giving the authority sets them (a title left empty
    keeps the one the user has)."""
    session.authorize(Op.MANAGE_USERS)
    name, title = name.strip(), title.strip()
    for field_name, value in (("name", name), ("title", title)):
        if len(value) > 200:
            raise FieldProblem(field_name, f"The signer's {field_name} is too long: at most 200 characters.")
        try:
            fonts.check({f"signer's {field_name}": value}, document="change")
        except fonts.MissingGlyphs as exc:
            raise FieldProblem(field_name, str(exc)) from None
    name = unicodedata.normalize("NFC", " ".join(name.split()))
    title = unicodedata.normalize("NFC", " ".join(title.split()))
    with session.acting(Op.MANAGE_USERS, "letter_signer_granted" if allowed else "letter_signer_revoked") as db:
        user = _target(db, username)
        set_audit_object(db, f"user:{user.id}")
        if allowed and not role_allows(session.office_type, Role(user.role), Op.SIGN_LETTERS):
            raise AccountProblem(f"A {user.role} does not sign letters: give the authority to a supervisor or a "
                                 "prosecutor (the head of office or a designee), or change this user's role first.")
        if allowed and not name:
            raise FieldProblem("name", "Give the name printed under the signature (the signer's full name).")
        user.letter_signer = allowed
        if allowed:
            user.full_name, user.title = name, title or user.title
            user.signer_name, user.signer_title = user.full_name, user.title  # kept for files made before 0011


def _set_status(session: UserSession, username: str, status: str, action: str) -> None:
    with session.acting(Op.MANAGE_USERS, action) as db:
        user = _target(db, username)
        set_audit_object(db, f"user:{user.id}")
        if user.id == session.user_id:
            raise AccountProblem("You cannot change the status of your own account.")
        now = naive(session.workspace.now())
        user.status, user.status_changed_at = status, now
        user.status_reason = None if status == "active" else "administrator"
        if status == "active":
            user.failures_counted_from = now


def release_user(session: UserSession, username: str) -> None:
    """Unlock an account locked after failed logins (or enable a disabled one)."""
    _set_status(session, username, "active", "account_unlocked")


def enable_user(session: UserSession, username: str) -> None:
    _set_status(session, username, "active", "account_enabled")


def disable_user(session: UserSession, username: str) -> None:
    _set_status(session, username, "disabled", "account_disabled")


RESET_WARNING = ("{name}'s password is reset. Their own key could not be kept (it was protected by the old "
                 "password), so their signing identity must be issued again: CaseReview has issued them a new one "
                 "now (documents they signed before keep their old signatures). They must choose a new password "
                 "when they next log in.")


RESET_WARNING_NO_NAME = ("{name}'s password is reset. Their own key could not be kept (it was protected by the "
                         "old password), so their signing identity must be issued again: it is issued in their full "
                         "name, which is not filled in yet: fill it in (Users and roles, Names…) and the new identity "
                         "is issued when they next log in. Documents they signed before keep their old signatures. "
                         "They must choose a new password when they next log in.")


def reset_password(session: UserSession, username: str, new_password: str, *, kdf: KdfParams = USER_KDF) -> str:
    """An administrator sets a new password for another user; returns the message to show the administrator."""
    with session.acting(Op.MANAGE_USERS, "password_reset") as db:
        user = _target(db, username)
        set_audit_object(db, f"user:{user.id}")
        if user.id == session.user_id:
            raise AccountProblem("Change your own password with 'change password' (it keeps your signing identity).")
        check_new_password(new_password, user.username)
        _new_credentials(db, session.workspace, user, new_password, kdf)
        user.must_change_password = True
        if user.role in identities.SIGNING_ROLES and identities.lacks_full_name(user):
            return RESET_WARNING_NO_NAME.format(name=user.username)
        return RESET_WARNING.format(name=user.username)


def change_own_password(session: UserSession, old_password: str, new_password: str, *,
                        kdf: KdfParams = USER_KDF) -> None:
    """The user changes their own password; their own key is kept (re-wrapped), so their signing identity stays."""
    session.ensure_active()
    if not check_session_password(session, old_password):
        raise AccountProblem("The current password is wrong. Nothing was changed.")
    check_new_password(new_password, session.username)
    if normalize(new_password) == normalize(old_password):
        raise AccountProblem("The new password is the same as the old one: choose a different one.")
    session.ensure_active()  # every role may change its own password
    ws = session.workspace
    now = ws.now()
    with ws.session() as db, db.begin():
        user = db.get(m.User, session.user_id)
        assert user is not None
        salt = new_salt()
        user.key_salt, user.key_kdf = salt, kdf.to_json()
        user.wrapped_key = wrap_user_key(session.user_key, derive_wrapping_key(new_password, salt, kdf), ws.file_id,
                                         user.username_folded)
        user.password_hash = hash_password(new_password, kdf)
        user.must_change_password = False
        audit.append(db, ws.audit_key, user_id=user.id, action="password_changed", object_id=f"user:{user.id}",
                     now=now)
        credential = user.password_hash
    session.authenticated_at = session.last_activity = now
    session.credential = credential


def user_id_of(session: UserSession, username: str) -> int:
    session.authorize(Op.VIEW_AUDIT)
    with session.workspace.session() as db:
        return _target(db, username).id


def set_idle_limit(session: UserSession, minutes: int) -> None:
    session.authorize(Op.OFFICE_SETTINGS)
    if not 1 <= minutes <= MAX_IDLE_MINUTES:
        raise AccountProblem(f"The idle limit is between 1 and {MAX_IDLE_MINUTES} minutes (CJIS allows at most "
                             f"{MAX_IDLE_MINUTES}).")
    with session.acting(Op.OFFICE_SETTINGS, "office_settings_changed", "office:1") as db:
        _office(db).idle_limit_minutes = minutes
    session.idle_limit = timedelta(minutes=minutes)


def rescue_administrator(ws: Workspace, username: str, new_password: str, *, kdf: KdfParams = USER_KDF) -> str:
    """With the office's recovery key already proven by the caller: give an administrator account a new password
    and make it active again (when the only administrator is locked out or disabled)."""
    now = ws.now()
    with ws.session() as db, db.begin():
        user = _target(db, username)
        if user.role != Role.ADMINISTRATOR.value:
            raise AccountProblem(f"{user.username} is not an administrator: only an administrator account can be "
                                 "rescued with the recovery key.")
        check_new_password(new_password, user.username)
        _new_credentials(db, ws, user, new_password, kdf)
        user.status, user.status_reason = "active", None
        user.status_changed_at = user.failures_counted_from = naive(now)
        audit.append(db, ws.audit_key, user_id=None, action="admin_rescue", object_id=f"user:{user.id}", now=now)
    return (f"{user.username} can log in again with the new password. Their own key could not be kept, so their "
            "signing identity must be issued again: CaseReview has issued a new one now.")


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
from casereview.services import identities
from casereview.services.access import OfficeType, Op, Role, office_words, roles_for
from casereview.services.access import allowed as role_allows
from casereview.services.office import FieldProblem
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
from casereview.store import audit
from casereview.store import keys as keymod
from casereview.store import models as m
from casereview.store.audit_schema import has_audit_tables
from casereview.store.backups import backup_files
from casereview.store.database import CaseFile, CaseFileError
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


def workspace_for(case_file: CaseFile, db_key: bytes, *, clock: Callable[[], datetime] = utc_now,
                  note_older_copy: bool = True) -> Workspace:
    """The workspace of an open case file (its id comes from the key file beside it). When the file is an older
    copy of the one last used at its place, that is recorded in its trail and said in the workspace's `notices`
    (`older_copy_notices`; a restore, which records itself, passes ``note_older_copy=False``)."""
    if case_file.path is None:
        raise ValueError("a database server's workspace needs its file id")
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
              now: datetime) -> m.User:
    folded = fold_username(username)
    if db.scalars(select(m.User.id).where(m.User.username_folded == folded)).first() is not None:
        raise AccountProblem(f"There is already a user named {username}. Choose another name.")
    check_new_password(password, username)
    user = m.User(username=username, username_folded=folded, role=role.value, status="active",
                  must_change_password=False, created_at=naive(now), failures_counted_from=naive(now),
                  status_changed_at=naive(now))
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
                  kdf: KdfParams = USER_KDF, office_name: str | None = None) -> int:
    """Give a case file with no accounts its office type and first administrator; returns the administrator's id.
    Refused once any account exists (then an administrator adds users)."""
    name = _check_username(admin_name)
    now = ws.now()
    with ws.session() as db, db.begin():
        if db.scalar(select(func.count(m.User.id))):
            raise AccountProblem("This case file already has accounts: an administrator adds new users.")
        office = db.get(m.Office, 1)
        if office is None:
            db.add(m.Office(id=1, office_type=office_type.value, idle_limit_minutes=DEFAULT_IDLE_MINUTES,
                            name=office_name))
        user = _new_user(db, ws, name, Role.ADMINISTRATOR, admin_password, kdf, now)
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
    return UserSession(ws, user.id, user.username, Role(user.role), office_type, user_key,
                       idle_limit=timedelta(minutes=idle), last_activity=now, authenticated_at=now,
                       credential=user.password_hash)


def _record_login(ws: Workspace, user_id: int, user_key: bytes, now: datetime) -> None:
    with ws.session() as db, db.begin():
        row = db.get(m.User, user_id)
        assert row is not None
        row.last_login_at = row.failures_counted_from = naive(now)
        audit.append(db, ws.audit_key, user_id=user_id, action="login", object_id=f"user:{user_id}", now=now)
        if not identities.has_identity(db, user_id):  # an account made before signing existed gets one now
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
    signer_name: str | None = None
    signer_title: str | None = None


def list_users(session: UserSession) -> list[UserRow]:
    session.authorize(Op.MANAGE_USERS)
    with session.workspace.session() as db:
        return [UserRow(u.id, u.username, u.role, u.status, u.status_reason, u.last_login_at,
                        u.must_change_password, u.letter_signer, u.signer_name, u.signer_title)
                for u in db.scalars(select(m.User).order_by(m.User.username_folded))]


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
                kdf: KdfParams = USER_KDF) -> int:
    session.authorize(Op.MANAGE_USERS)  # before looking at the arguments: a refusal is audited as such
    name = _check_username(username)
    _check_role(session, role)
    with session.acting(Op.MANAGE_USERS, "user_created") as db:
        user = _new_user(db, session.workspace, name, role, password, kdf, session.workspace.now())
        set_audit_object(db, f"user:{user.id}")
        return user.id


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
    printed under the signature ("Jane Smith", "District Attorney"); a designee's title says so."""
    session.authorize(Op.MANAGE_USERS)
    name, title = name.strip(), title.strip()
    for field_name, value in (("name", name), ("title", title)):
        if len(value) > 200:
            raise FieldProblem(field_name, f"The signer's {field_name} is too long: at most 200 characters.")
        try:
            fonts.check({f"signer's {field_name}": value}, document="change")
        except fonts.MissingGlyphs as exc:
            raise FieldProblem(field_name, str(exc)) from None
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
            user.signer_name, user.signer_title = name, title or None


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


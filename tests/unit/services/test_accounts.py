"""Accounts: password rules, logging in, lockout, inactivity, idle lock, re-authentication, each user's own key,
and the roles each office type has. Every user is made with the fast test key derivation (TEST_KDF)."""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from casereview.services import accounts, passwords
from casereview.services.access import OfficeType, Op, Role
from casereview.services.accounts import AccountDisabled, AccountLocked, AccountProblem, LoginFailed
from casereview.services.office import read_office
from casereview.services.passwords import WeakPassword
from casereview.services.session import (
    PermissionDenied,
    ReauthenticationNeeded,
    SessionLocked,
    UserSession,
    Workspace,
)
from casereview.store import audit
from casereview.store import models as m
from casereview.store.database import open_case_file
from casereview.store.keys import TEST_KDF
from tests.conftest import PASSPHRASE
from tests.helpers import PASSWORD, FakeClock, add_user, log_in

pytestmark = pytest.mark.both_backends  # on a case file and on a PostgreSQL server (tests/conftest.py)

WRONG = "not the password at all"


# ------------------------------------------------------------------------------------------------------ helpers


@pytest.fixture
def admin(workspace: Workspace) -> UserSession:
    return log_in(workspace, "admin")


@pytest.fixture
def defense_workspace(new_case_file: tuple[Path, bytes], clock: FakeClock) -> Iterator[Workspace]:
    path, key = new_case_file
    case_file = open_case_file(path, key)
    ws = accounts.workspace_for(case_file, key, clock=clock)
    accounts.set_up_office(ws, OfficeType.DEFENSE, "admin", PASSWORD, kdf=TEST_KDF)
    yield ws
    case_file.close()


def records(ws: Workspace, **filters: object) -> list[m.AuditRecord]:
    with ws.session() as db:
        return audit.records(db, **filters)  # type: ignore[arg-type]


def user_row(ws: Workspace, username: str) -> m.User:
    with ws.session() as db:
        row = db.scalars(select(m.User).where(m.User.username_folded == accounts.fold_username(username))).one()
        db.expunge(row)
        return row


def user_count(ws: Workspace) -> int:
    with ws.session() as db:
        return db.scalar(select(func.count(m.User.id))) or 0


def fail_logins(ws: Workspace, username: str, times: int) -> None:
    """`times` wrong passwords, none of which may lock the account."""
    for _ in range(times):
        with pytest.raises(LoginFailed) as caught:
            accounts.login(ws, username, WRONG)
        assert type(caught.value) is LoginFailed


# ----------------------------------------------------------------------------------------------- password rules


def test_a_password_shorter_than_8_characters_is_refused(admin: UserSession) -> None:
    # "cafe\u0301xyz" is 8 code points but only 7 characters once normalised (NFC): it is too short as well.
    for password in ("", "seven77", "a b c d", "cafe\u0301xyz"):
        with pytest.raises(WeakPassword, match="too short"):
            accounts.create_user(admin, "shorty", Role.PARALEGAL, password, kdf=TEST_KDF)
    assert user_count(admin.workspace) == 1


def test_a_password_of_exactly_8_characters_is_accepted(admin: UserSession) -> None:
    accounts.create_user(admin, "eight", Role.PARALEGAL, "k3#Fq!z9", kdf=TEST_KDF)
    assert accounts.login(admin.workspace, "eight", "k3#Fq!z9").role == Role.PARALEGAL


def _acceptable(password: str, username: str) -> bool:
    """The documented rules, written out independently of the code under test."""
    value = unicodedata.normalize("NFC", password)
    folded = value.casefold()
    common = passwords.common_passwords()
    return (8 <= len(value) <= 1024 and bool(value.strip()) and len(set(folded)) >= 3
            and folded not in common and "".join(folded.split()) not in common
            and username.casefold() not in folded)


def test_any_long_enough_unicode_password_round_trips(admin: UserSession) -> None:
    ws = admin.workspace
    names = (f"hyp{n:04d}" for n in itertools.count())

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                      HealthCheck.filter_too_much])
    @given(st.text(st.characters(codec="utf-8"), min_size=8, max_size=80))
    def check(password: str) -> None:
        name = next(names)
        assume(_acceptable(password, name))
        accounts.create_user(admin, name, Role.PARALEGAL, password, kdf=TEST_KDF)
        session = accounts.login(ws, name, password)
        assert session.username == name and len(session.user_key) == 32
        with pytest.raises(LoginFailed):
            accounts.login(ws, name, password + "!")

    check()


PASSPHRASES = [
    "correct horse battery staple",
    "  spaces around and   inside  ",
    "Ünïcödé straße ĳ ǆ œuvre",
    "日本語のパスワードです",
    "пароль из нескольких слов",
    "emoji 🔐🗝️ and more 🙂",
    "tab\tand\nnewline here",
]


def test_passphrases_with_spaces_and_any_characters_are_accepted_whole(admin: UserSession) -> None:
    ws = admin.workspace
    for n, password in enumerate(PASSPHRASES):
        name = f"phrase{n}"
        accounts.create_user(admin, name, Role.PARALEGAL, password, kdf=TEST_KDF)
        assert accounts.login(ws, name, password).username == name
        if password != password.strip():  # never trimmed: the spaces around are part of the password
            with pytest.raises(LoginFailed):
                accounts.login(ws, name, password.strip())
        with pytest.raises(LoginFailed):
            accounts.login(ws, name, password.replace(" ", "", 1) if " " in password else password[:-1])


def test_a_long_password_is_not_truncated(admin: UserSession) -> None:
    ws = admin.workspace
    password = ("the quick brown fox jumps over the lazy dog " * 7)[:299] + "A"
    assert len(password) == 300
    accounts.create_user(admin, "longpass", Role.PARALEGAL, password, kdf=TEST_KDF)
    assert accounts.login(ws, "longpass", password).username == "longpass"
    for wrong in (password[:-1] + "B", password[:-1], password[:72], password + "A"):
        with pytest.raises(LoginFailed, match="user name or password is wrong"):
            accounts.login(ws, "longpass", wrong)


def test_a_password_over_1024_characters_is_refused(admin: UserSession) -> None:
    with pytest.raises(WeakPassword, match="longer than 1024"):
        accounts.create_user(admin, "pasted", Role.PARALEGAL, "xyz " * 256 + "w", kdf=TEST_KDF)
    accounts.create_user(admin, "pasted", Role.PARALEGAL, "xyz " * 256, kdf=TEST_KDF)  # 1024 exactly


@pytest.mark.parametrize("form_made, form_typed", [("NFC", "NFD"), ("NFD", "NFC")])
def test_nfc_and_nfd_forms_of_one_password_are_the_same_password(admin: UserSession, form_made: str,
                                                                 form_typed: str) -> None:
    visible = "crème brûlée à la Noël"
    made, typed = unicodedata.normalize(form_made, visible), unicodedata.normalize(form_typed, visible)  # type: ignore[arg-type]
    assert made != typed
    accounts.create_user(admin, "unicode", Role.PARALEGAL, made, kdf=TEST_KDF)
    assert accounts.login(admin.workspace, "unicode", typed).username == "unicode"
    assert accounts.login(admin.workspace, "unicode", made).username == "unicode"


def test_a_common_password_is_refused_whatever_its_case(admin: UserSession) -> None:
    for password in ("password123", "iloveyou12", "PASSWORD123", "ILoveYou12", "password 123", "i love you 12"):
        assert password.casefold().replace(" ", "") in passwords.common_passwords()
        with pytest.raises(WeakPassword, match="list of common passwords"):
            accounts.create_user(admin, "commoner", Role.PARALEGAL, password, kdf=TEST_KDF)
    assert user_count(admin.workspace) == 1


def test_a_password_containing_the_user_name_is_refused(admin: UserSession) -> None:
    for password in ("marguerite rocks", "I am MARGUERITE!", "xx-Marguerite-xx"):
        with pytest.raises(WeakPassword, match="user name"):
            accounts.create_user(admin, "Marguerite", Role.PARALEGAL, password, kdf=TEST_KDF)
    accounts.create_user(admin, "Marguerite", Role.PARALEGAL, "daisy field in june", kdf=TEST_KDF)


def test_the_same_rules_apply_to_changing_and_resetting_a_password(admin: UserSession) -> None:
    add_user(admin, "bob", Role.PARALEGAL)
    bob = log_in(admin.workspace, "bob")
    for weak in ("short", "password123", "bobby tables rule"):
        with pytest.raises(WeakPassword):
            accounts.change_own_password(bob, PASSWORD, weak, kdf=TEST_KDF)
        with pytest.raises(WeakPassword):
            accounts.reset_password(admin, "bob", weak, kdf=TEST_KDF)
    assert log_in(admin.workspace, "bob").username == "bob"  # the password did not change


# ------------------------------------------------------------------------------------------------------- login


def test_the_right_password_starts_a_session_with_the_users_role(admin: UserSession) -> None:
    ws = admin.workspace
    add_user(admin, "Supervisor Sue", Role.SUPERVISOR)
    session = accounts.login(ws, "Supervisor Sue", PASSWORD)
    assert session.role == Role.SUPERVISOR and session.office_type == OfficeType.PROSECUTOR
    assert session.username == "Supervisor Sue" and session.user_id == user_row(ws, "supervisor sue").id
    assert not session.locked and not session.ended
    assert admin.role == Role.ADMINISTRATOR


def test_a_wrong_password_and_an_unknown_user_fail_alike(workspace: Workspace) -> None:
    with pytest.raises(LoginFailed) as wrong:
        accounts.login(workspace, "admin", WRONG)
    with pytest.raises(LoginFailed) as unknown:
        accounts.login(workspace, "nobody", PASSWORD)
    assert type(wrong.value) is type(unknown.value) is LoginFailed
    assert str(wrong.value) == str(unknown.value)
    assert "user name or password is wrong" in str(wrong.value)


def test_user_names_are_not_case_sensitive(workspace: Workspace) -> None:
    for typed in ("ADMIN", "Admin", "  admin  ", "aDmIn"):
        session = accounts.login(workspace, typed, PASSWORD)
        assert session.username == "admin" and session.role == Role.ADMINISTRATOR


def test_a_user_name_with_spaces_and_capitals_logs_in_however_typed(admin: UserSession) -> None:
    add_user(admin, "Mary  Ann   O'Neil", Role.PARALEGAL)
    assert user_row(admin.workspace, "mary ann o'neil").username == "Mary Ann O'Neil"
    assert accounts.login(admin.workspace, " MARY ANN  o'neil", PASSWORD).username == "Mary Ann O'Neil"


def test_a_user_name_typed_in_decomposed_form_logs_in(admin: UserSession) -> None:
    add_user(admin, "José", Role.PARALEGAL)
    session = accounts.login(admin.workspace, unicodedata.normalize("NFD", "José"), PASSWORD)
    assert session.username == "José"


def test_every_login_attempt_is_audited(admin: UserSession) -> None:
    ws = admin.workspace
    add_user(admin, "bob", Role.PARALEGAL)
    bob_id = user_row(ws, "bob").id
    start = len(records(ws))
    log_in(ws, "bob")
    with pytest.raises(LoginFailed):
        accounts.login(ws, "bob", WRONG)
    with pytest.raises(LoginFailed):
        accounts.login(ws, "somebody else", PASSWORD)
    new = [(r.action, r.user_id, r.object_id, r.outcome) for r in records(ws)[start:]]
    assert new == [
        ("login", bob_id, f"user:{bob_id}", "success"),
        ("login_failed", bob_id, f"user:{bob_id}", "failed"),
        ("login_failed", None, None, "failed"),  # an unknown name: neither a user nor the name is recorded
    ]
    assert all("somebody" not in (r.object_id or "") for r in records(ws))


# ------------------------------------------------------------------------------------------------------ lockout


def test_five_failures_within_15_minutes_lock_the_account(admin: UserSession, clock: FakeClock) -> None:
    ws = admin.workspace
    add_user(admin, "bob", Role.PARALEGAL)
    bob_id = user_row(ws, "bob").id
    for _ in range(4):
        with pytest.raises(LoginFailed):
            accounts.login(ws, "bob", WRONG)
        clock.advance(minutes=3)
    assert user_row(ws, "bob").status == "active"
    with pytest.raises(AccountLocked, match="now locked"):  # the 5th, 12 minutes after the first
        accounts.login(ws, "bob", WRONG)
    row = user_row(ws, "bob")
    assert (row.status, row.status_reason) == ("locked", "failed logins")
    locked = records(ws, action="account_locked")
    assert [(r.user_id, r.object_id, r.outcome) for r in locked] == [(None, f"user:{bob_id}", "success")]
    with pytest.raises(AccountLocked, match="administrator must release it"):  # even the right password
        accounts.login(ws, "bob", PASSWORD)
    assert records(ws, action="login_failed")[-1].outcome == "denied"
    assert not [r for r in records(ws, action="login") if r.user_id == bob_id]


def test_failures_spread_over_more_than_15_minutes_do_not_lock(admin: UserSession,
                                                              clock: FakeClock) -> None:
    ws = admin.workspace
    add_user(admin, "bob", Role.PARALEGAL)
    fail_logins(ws, "bob", 4)
    clock.advance(minutes=16)
    fail_logins(ws, "bob", 4)
    assert user_row(ws, "bob").status == "active"
    with pytest.raises(AccountLocked):  # but a 5th within the window does
        accounts.login(ws, "bob", WRONG)


def test_a_successful_login_resets_the_count(admin: UserSession, clock: FakeClock) -> None:
    ws = admin.workspace
    add_user(admin, "bob", Role.PARALEGAL)
    fail_logins(ws, "bob", 4)
    # Audit times are kept to the hundredth of a second: failures stamped in the very same instant as the
    # success would still be counted, so the (frozen) test clock moves a second on.
    clock.advance(seconds=1)
    log_in(ws, "bob")
    clock.advance(seconds=1)
    fail_logins(ws, "bob", 4)
    assert user_row(ws, "bob").status == "active"
    with pytest.raises(AccountLocked):
        accounts.login(ws, "bob", WRONG)


def test_an_administrator_releases_a_locked_account(admin: UserSession, clock: FakeClock) -> None:
    ws = admin.workspace
    add_user(admin, "bob", Role.PARALEGAL)
    bob_id = user_row(ws, "bob").id
    fail_logins(ws, "bob", 4)
    with pytest.raises(AccountLocked):
        accounts.login(ws, "bob", WRONG)
    clock.advance(minutes=2)
    admin.reauthenticate(PASSWORD)
    accounts.release_user(admin, "bob")
    row = user_row(ws, "bob")
    assert (row.status, row.status_reason) == ("active", None)
    assert [(r.user_id, r.object_id) for r in records(ws, action="account_unlocked")] == [
        (admin.user_id, f"user:{bob_id}")]
    assert log_in(ws, "bob").username == "bob"
    clock.advance(seconds=1)
    fail_logins(ws, "bob", 4)  # the count starts again after the release


def test_only_an_administrator_releases_an_account(admin: UserSession) -> None:
    ws = admin.workspace
    add_user(admin, "bob", Role.PARALEGAL)
    add_user(admin, "sue", Role.SUPERVISOR)
    fail_logins(ws, "bob", 4)
    with pytest.raises(AccountLocked):
        accounts.login(ws, "bob", WRONG)
    sue = log_in(ws, "sue")
    with pytest.raises(PermissionDenied):
        accounts.release_user(sue, "bob")
    assert user_row(ws, "bob").status == "locked"


def test_five_wrong_passwords_while_unlocking_lock_the_account_and_end_the_session(
        admin: UserSession, clock: FakeClock) -> None:
    ws = admin.workspace
    add_user(admin, "bob", Role.PARALEGAL)
    bob = log_in(ws, "bob")
    clock.advance(minutes=15)
    assert bob.check_idle()
    for _ in range(5):
        with pytest.raises(PermissionDenied):
            bob.unlock(WRONG)
    assert user_row(ws, "bob").status == "locked"
    assert bob.ended and bob.user_key == b""
    with pytest.raises(PermissionDenied):
        bob.unlock(PASSWORD)  # the account is locked now: the right password no longer opens the session
    with pytest.raises(SessionLocked):
        bob.authorize(Op.VIEW_CASES)


def test_the_recovery_rescue_gives_a_locked_out_administrator_a_new_password(workspace: Workspace) -> None:
    fail_logins(workspace, "admin", 4)
    with pytest.raises(AccountLocked):
        accounts.login(workspace, "admin", WRONG)
    message = accounts.rescue_administrator(workspace, "admin", "a brand new office phrase", kdf=TEST_KDF)
    assert "signing identity must be issued again" in message
    assert accounts.login(workspace, "admin", "a brand new office phrase").role == Role.ADMINISTRATOR
    with pytest.raises(LoginFailed):
        accounts.login(workspace, "admin", PASSWORD)
    assert [r.user_id for r in records(workspace, action="admin_rescue")] == [None]


def test_the_recovery_rescue_is_only_for_administrators(admin: UserSession) -> None:
    add_user(admin, "bob", Role.PARALEGAL)
    with pytest.raises(AccountProblem, match="not an administrator"):
        accounts.rescue_administrator(admin.workspace, "bob", "a brand new bob phrase", kdf=TEST_KDF)
    assert log_in(admin.workspace, "bob").username == "bob"


# --------------------------------------------------------------------------------------------------- inactivity


def test_an_account_unused_for_90_days_is_disabled_until_enabled(admin: UserSession,
                                                                clock: FakeClock) -> None:
    ws = admin.workspace
    add_user(admin, "carol", Role.PARALEGAL)
    carol_id = user_row(ws, "carol").id
    clock.advance(days=89)
    admin = log_in(ws, "admin")  # the administrator keeps their own account in use
    clock.advance(days=2)
    with pytest.raises(AccountDisabled, match="not used for 90 days"):
        accounts.login(ws, "carol", PASSWORD)
    row = user_row(ws, "carol")
    assert (row.status, row.status_reason) == ("disabled", "inactive")
    assert [(r.user_id, r.object_id) for r in records(ws, action="account_disabled")] == [(None, f"user:{carol_id}")]
    admin = log_in(ws, "admin")
    accounts.enable_user(admin, "carol")
    assert user_row(ws, "carol").status == "active"
    assert log_in(ws, "carol").username == "carol"
    assert [r.object_id for r in records(ws, action="account_enabled")] == [f"user:{carol_id}"]


def test_an_account_unused_for_89_days_still_logs_in(admin: UserSession, clock: FakeClock) -> None:
    ws = admin.workspace
    add_user(admin, "carol", Role.PARALEGAL)
    clock.advance(days=89)
    assert log_in(ws, "carol").username == "carol"
    clock.advance(days=89)  # counted from the last login, not from when the account was made
    assert log_in(ws, "carol").username == "carol"
    carol = user_row(ws, "carol")
    assert carol.status == "active"
    assert f"user:{carol.id}" not in [r.object_id for r in records(ws, action="account_disabled")]


def test_an_administrator_disables_and_enables_an_account(admin: UserSession) -> None:
    ws = admin.workspace
    add_user(admin, "bob", Role.PARALEGAL)
    accounts.disable_user(admin, "bob")
    with pytest.raises(AccountDisabled, match="an administrator disabled it"):
        accounts.login(ws, "bob", PASSWORD)
    accounts.enable_user(admin, "bob")
    assert log_in(ws, "bob").username == "bob"


# ----------------------------------------------------------------------------------------------------- idle lock


def test_an_idle_session_locks_and_unlocks_with_the_password(admin: UserSession,
                                                             clock: FakeClock) -> None:
    ws = admin.workspace
    add_user(admin, "bob", Role.PARALEGAL)
    bob = log_in(ws, "bob")
    assert bob.idle_limit.total_seconds() == 15 * 60
    clock.advance(minutes=14)
    bob.touch()
    bob.authorize(Op.VIEW_CASES)
    clock.advance(minutes=14)
    bob.authorize(Op.VIEW_CASES)  # the 14 minutes since the last activity count, not the 28 since the login
    clock.advance(minutes=15)
    with pytest.raises(SessionLocked, match="period without activity"):
        bob.authorize(Op.VIEW_CASES)
    assert bob.locked
    bob.touch()  # activity does not open a locked session
    with pytest.raises(SessionLocked):
        bob.authorize(Op.VIEW_CASES)
    assert len([r for r in records(ws, action="session_locked") if r.user_id == bob.user_id]) == 1

    failed_before = len(records(ws, user_id=bob.user_id, action="login_failed"))
    with pytest.raises(PermissionDenied, match="stays locked"):
        bob.unlock(WRONG)
    assert bob.locked
    failed = records(ws, user_id=bob.user_id, action="login_failed")
    assert len(failed) == failed_before + 1 and failed[-1].outcome == "failed"

    bob.unlock(PASSWORD)
    assert not bob.locked
    bob.authorize(Op.VIEW_CASES)
    assert [r.user_id for r in records(ws, action="session_unlocked")] == [bob.user_id]


def test_the_idle_limit_is_between_1_and_30_minutes(admin: UserSession, clock: FakeClock) -> None:
    ws = admin.workspace
    for minutes in (0, 31, -5):
        with pytest.raises(AccountProblem, match="between 1 and 30"):
            accounts.set_idle_limit(admin, minutes)
    assert read_office(admin).idle_limit_minutes == 15
    accounts.set_idle_limit(admin, 30)
    assert read_office(admin).idle_limit_minutes == 30
    assert [r.object_id for r in records(ws, action="office_settings_changed")] == ["office:1"]
    add_user(admin, "bob", Role.PARALEGAL)
    bob = log_in(ws, "bob")
    assert bob.idle_limit.total_seconds() == 30 * 60
    clock.advance(minutes=29)
    bob.authorize(Op.VIEW_CASES)
    clock.advance(minutes=30)
    with pytest.raises(SessionLocked):
        bob.authorize(Op.VIEW_CASES)


def test_a_manual_lock_needs_the_password(admin: UserSession) -> None:
    admin.lock()
    with pytest.raises(SessionLocked):
        accounts.list_users(admin)
    admin.unlock(PASSWORD)
    assert [u.username for u in accounts.list_users(admin)] == ["admin"]


# -------------------------------------------------------------------------------------------- re-authentication


def test_a_privileged_operation_needs_the_password_within_5_minutes(admin: UserSession,
                                                                    clock: FakeClock) -> None:
    ws = admin.workspace
    accounts.create_user(admin, "first", Role.PARALEGAL, PASSWORD, kdf=TEST_KDF)  # right after logging in
    clock.advance(minutes=3)
    admin.touch()
    clock.advance(minutes=3)
    admin.touch()
    admin.authorize(Op.VIEW_AUDIT)  # not privileged: no password needed
    with pytest.raises(ReauthenticationNeeded, match="give your password again"):
        accounts.create_user(admin, "second", Role.PARALEGAL, PASSWORD, kdf=TEST_KDF)
    assert user_count(ws) == 2
    with pytest.raises(PermissionDenied, match="wrong"):
        admin.reauthenticate(WRONG)
    with pytest.raises(ReauthenticationNeeded):
        accounts.create_user(admin, "second", Role.PARALEGAL, PASSWORD, kdf=TEST_KDF)
    admin.reauthenticate(PASSWORD)
    accounts.create_user(admin, "second", Role.PARALEGAL, PASSWORD, kdf=TEST_KDF)
    assert user_count(ws) == 3
    assert [r.user_id for r in records(ws, action="reauthenticated")] == [admin.user_id]
    clock.advance(minutes=4, seconds=59)
    accounts.create_user(admin, "third", Role.PARALEGAL, PASSWORD, kdf=TEST_KDF)


# ---------------------------------------------------------------------------------------------------- user keys


def test_each_user_has_a_32_byte_key_of_their_own(admin: UserSession) -> None:
    ws = admin.workspace
    add_user(admin, "bob", Role.PARALEGAL)
    add_user(admin, "sue", Role.SUPERVISOR)
    bob, sue = log_in(ws, "bob"), log_in(ws, "sue")
    keys = [admin.user_key, bob.user_key, sue.user_key]
    assert all(isinstance(k, bytes) and len(k) == 32 for k in keys)
    assert len(set(keys)) == 3
    assert log_in(ws, "bob").user_key == bob.user_key  # the same key at every login


def test_changing_ones_own_password_keeps_the_key(admin: UserSession, clock: FakeClock) -> None:
    ws = admin.workspace
    add_user(admin, "bob", Role.PARALEGAL)
    bob = log_in(ws, "bob")
    with pytest.raises(AccountProblem, match="current password is wrong"):
        accounts.change_own_password(bob, WRONG, "a fresh new phrase", kdf=TEST_KDF)
    with pytest.raises(AccountProblem, match="same as the old one"):
        accounts.change_own_password(bob, PASSWORD, PASSWORD, kdf=TEST_KDF)
    accounts.change_own_password(bob, PASSWORD, "a fresh new phrase", kdf=TEST_KDF)
    again = accounts.login(ws, "bob", "a fresh new phrase")
    assert again.user_key == bob.user_key
    clock.advance(seconds=1)
    with pytest.raises(LoginFailed):
        accounts.login(ws, "bob", PASSWORD)
    assert [r.user_id for r in records(ws, action="password_changed")] == [bob.user_id]


def test_a_reset_by_the_administrator_gives_a_new_key(admin: UserSession) -> None:
    ws = admin.workspace
    add_user(admin, "bob", Role.PARALEGAL)
    old = log_in(ws, "bob")
    assert not accounts.must_change_password(old)
    message = accounts.reset_password(admin, "bob", "temporary phrase one", kdf=TEST_KDF)
    assert "bob" in message and "signing identity must be issued again" in message
    with pytest.raises(LoginFailed):
        accounts.login(ws, "bob", PASSWORD)
    bob = accounts.login(ws, "bob", "temporary phrase one")
    assert len(bob.user_key) == 32 and bob.user_key != old.user_key
    assert accounts.must_change_password(bob)
    assert user_row(ws, "bob").must_change_password
    accounts.change_own_password(bob, "temporary phrase one", "my own new phrase", kdf=TEST_KDF)
    assert not accounts.must_change_password(bob)
    assert accounts.login(ws, "bob", "my own new phrase").user_key == bob.user_key
    with pytest.raises(AccountProblem, match="change password"):
        accounts.reset_password(admin, "admin", "another admin phrase", kdf=TEST_KDF)


def test_the_office_passphrase_cannot_unwrap_a_users_key(admin: UserSession) -> None:
    ws = admin.workspace
    add_user(admin, "bob", Role.PARALEGAL)
    bob = log_in(ws, "bob")
    row = user_row(ws, "bob")
    assert bob.user_key not in row.wrapped_key
    assert passwords.unwrap_user_key(row.wrapped_key, ws.db_key, ws.file_id, row.username_folded) is None
    assert passwords.unwrap_user_key(row.wrapped_key, ws.audit_key, ws.file_id, row.username_folded) is None
    from_passphrase = passwords.derive_wrapping_key(PASSPHRASE, row.key_salt, TEST_KDF)
    assert passwords.unwrap_user_key(row.wrapped_key, from_passphrase, ws.file_id, row.username_folded) is None
    # while the user's own password does (so the checks above can fail)
    from_password = passwords.derive_wrapping_key(PASSWORD, row.key_salt, TEST_KDF)
    assert passwords.unwrap_user_key(row.wrapped_key, from_password, ws.file_id, row.username_folded) == bob.user_key
    # and the wrapped key is bound to its user and case file
    assert passwords.unwrap_user_key(row.wrapped_key, from_password, ws.file_id, "someone else") is None
    assert passwords.unwrap_user_key(row.wrapped_key, from_password, "another file", row.username_folded) is None


# ----------------------------------------------------------------------------------------- roles and the office


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.PROSECUTOR])
def test_a_defense_office_has_no_prosecutor_roles(defense_workspace: Workspace, role: Role) -> None:
    admin = log_in(defense_workspace, "admin")
    assert admin.office_type == OfficeType.DEFENSE
    with pytest.raises(AccountProblem, match=f"A defense office has no {role.value} role"):
        accounts.create_user(admin, "someone", role, PASSWORD, kdf=TEST_KDF)
    assert user_count(defense_workspace) == 1
    accounts.create_user(admin, "someone", Role.ATTORNEY, PASSWORD, kdf=TEST_KDF)
    with pytest.raises(AccountProblem, match="no"):
        accounts.set_role(admin, "someone", role)
    assert log_in(defense_workspace, "someone").role == Role.ATTORNEY


def test_a_defense_office_has_attorneys_paralegals_and_administrators(defense_workspace: Workspace) -> None:
    admin = log_in(defense_workspace, "admin")
    for role in (Role.ATTORNEY, Role.PARALEGAL, Role.ADMINISTRATOR):
        accounts.create_user(admin, f"new {role.value}", role, PASSWORD, kdf=TEST_KDF)
        assert log_in(defense_workspace, f"new {role.value}").role == role


def test_a_prosecutors_office_has_no_attorney_role(admin: UserSession) -> None:
    with pytest.raises(AccountProblem, match="A prosecutor's office has no attorney role"):
        accounts.create_user(admin, "lawyer", Role.ATTORNEY, PASSWORD, kdf=TEST_KDF)
    add_user(admin, "lawyer", Role.PROSECUTOR)
    with pytest.raises(AccountProblem, match="no attorney role"):
        accounts.set_role(admin, "lawyer", Role.ATTORNEY)
    accounts.set_role(admin, "lawyer", Role.SUPERVISOR)
    assert log_in(admin.workspace, "lawyer").role == Role.SUPERVISOR


def test_a_user_name_can_be_taken_only_once(admin: UserSession) -> None:
    add_user(admin, "Bob", Role.PARALEGAL)
    for second in ("bob", "BOB", "Bob", "  bOb ", "ADMIN"):
        with pytest.raises(AccountProblem, match="already a user named"):
            accounts.create_user(admin, second, Role.SUPERVISOR, "another fine phrase", kdf=TEST_KDF)
    assert user_count(admin.workspace) == 2
    assert accounts.login(admin.workspace, "bob", PASSWORD).role == Role.PARALEGAL


def test_a_bad_user_name_is_refused(admin: UserSession) -> None:
    for name in ("", "   ", "x" * 61, "semi;colon", "slash/name", "<tag>"):
        with pytest.raises(AccountProblem):
            accounts.create_user(admin, name, Role.PARALEGAL, PASSWORD, kdf=TEST_KDF)
    assert user_count(admin.workspace) == 1
    accounts.create_user(admin, "x" * 60, Role.PARALEGAL, PASSWORD, kdf=TEST_KDF)


def test_an_office_is_set_up_only_once(workspace: Workspace) -> None:
    for office_type in OfficeType:
        with pytest.raises(AccountProblem, match="already has accounts"):
            accounts.set_up_office(workspace, office_type, "second admin", "another fine phrase", kdf=TEST_KDF)
    assert user_count(workspace) == 1
    assert log_in(workspace, "admin").office_type == OfficeType.PROSECUTOR
    with pytest.raises(LoginFailed):
        accounts.login(workspace, "second admin", "another fine phrase")


def test_set_up_office_records_the_office_and_its_administrator(defense_workspace: Workspace) -> None:
    assert [(r.action, r.object_id) for r in records(defense_workspace)] == [
        ("office_created", "office:1"), ("user_created", f"user:{user_row(defense_workspace, 'admin').id}")]
    assert log_in(defense_workspace, "admin").office_type == OfficeType.DEFENSE


def test_an_administrator_cannot_disable_or_demote_themselves(admin: UserSession) -> None:
    ws = admin.workspace
    with pytest.raises(AccountProblem, match="own administrator role"):
        accounts.set_role(admin, "admin", Role.SUPERVISOR)
    for change in (accounts.disable_user, accounts.release_user, accounts.enable_user):
        with pytest.raises(AccountProblem, match="your own account"):
            change(admin, "ADMIN")
    row = user_row(ws, "admin")
    assert (row.role, row.status) == (Role.ADMINISTRATOR.value, "active")
    assert {r.outcome for r in records(ws, user_id=admin.user_id, action="account_disabled")} == {"failed"}
    assert log_in(ws, "admin").role == Role.ADMINISTRATOR


def test_an_administrator_can_demote_and_disable_another_administrator(admin: UserSession) -> None:
    ws = admin.workspace
    add_user(admin, "second admin", Role.ADMINISTRATOR)
    accounts.set_role(admin, "second admin", Role.PARALEGAL)
    assert log_in(ws, "second admin").role == Role.PARALEGAL
    accounts.disable_user(admin, "second admin")
    with pytest.raises(AccountDisabled):
        accounts.login(ws, "second admin", PASSWORD)


def test_work_on_an_unknown_user_is_refused(admin: UserSession) -> None:
    for change in (accounts.disable_user, accounts.enable_user, accounts.release_user):
        with pytest.raises(AccountProblem, match="no user named"):
            change(admin, "ghost")
    with pytest.raises(AccountProblem, match="no user named"):
        accounts.reset_password(admin, "ghost", "a ghostly phrase", kdf=TEST_KDF)


def test_an_administrators_change_applies_to_open_sessions_at_once(admin: UserSession) -> None:
    ws = admin.workspace
    add_user(admin, "sue", Role.SUPERVISOR)
    sue = log_in(ws, "sue")
    sue.authorize(Op.DELETE_CASE)
    accounts.set_role(admin, "sue", Role.PARALEGAL)
    with pytest.raises(PermissionDenied):
        sue.authorize(Op.DELETE_CASE)
    assert sue.role == Role.PARALEGAL
    sue.authorize(Op.VIEW_CASES)
    accounts.disable_user(admin, "sue")
    with pytest.raises(SessionLocked, match="logged out"):
        sue.authorize(Op.VIEW_CASES)
    assert sue.ended and sue.user_key == b""
    accounts.enable_user(admin, "sue")
    sue = log_in(ws, "sue")
    accounts.reset_password(admin, "sue", "a new password given by the admin", kdf=TEST_KDF)
    with pytest.raises(SessionLocked, match="reset its password"):
        sue.authorize(Op.VIEW_CASES)
    me = accounts.login(ws, "sue", "a new password given by the admin")
    accounts.change_own_password(me, "a new password given by the admin", "my very own password now", kdf=TEST_KDF)
    me.authorize(Op.VIEW_CASES)  # one's own change keeps one's own session


def test_changing_to_the_same_password_in_another_unicode_form_is_refused(admin: UserSession) -> None:
    add_user(admin, "zoe", Role.PARALEGAL)
    accounts.reset_password(admin, "zoe", "crème brûlée now", kdf=TEST_KDF)
    zoe = accounts.login(admin.workspace, "zoe", "crème brûlée now")
    with pytest.raises(accounts.AccountProblem, match="same as the old"):
        accounts.change_own_password(zoe, "crème brûlée now", unicodedata.normalize("NFD", "crème brûlée now"),
                                     kdf=TEST_KDF)
    assert accounts.must_change_password(zoe)

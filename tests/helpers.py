"""Helpers shared by tests: a clock tests move by hand, and an office with users of every role."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine

from casereview.services import accounts
from casereview.services.access import OfficeType, Role, roles_for
from casereview.services.session import UserSession, Workspace
from casereview.store import database
from casereview.store import keys as keymod
from casereview.store.keys import TEST_KDF

PASSWORD = "blue river seven"  # every test user's password


@dataclass
class FakeClock:
    """A wall clock that stands still until a test moves it."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 22, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


# The people behind the test accounts named after their role (documents and signing certificates name people).
STAFF_NAMES: dict[str, tuple[str, str, str | None]] = {
    "admin": ("Casey Morgan", "Office Administrator", None),
    "supervisor": ("Jordan Avery", "Chief Deputy District Attorney", "OSB 941203"),
    "prosecutor": ("Riley Chen", "Deputy District Attorney", "OSB 094512"),
    "paralegal": ("Sam Ortiz", "Paralegal", None),
    "attorney": ("Morgan Lee", "Deputy Public Defender", "OSB 081234"),
}


def _names(name: str) -> dict[str, str | None]:
    full_name, title, bar_number = STAFF_NAMES.get(name, (name.title(), None, None))
    return {"full_name": full_name, "title": title, "bar_number": bar_number}


def add_user(admin: UserSession, name: str, role: Role) -> None:
    accounts.create_user(admin, name, role, PASSWORD, kdf=TEST_KDF, **_names(name))


def name_admin(admin: UserSession) -> None:
    """Give the administrator made by `set_up_office` (without names) the full name and title of STAFF_NAMES."""
    accounts.set_user_names(admin, admin.username, **_names(admin.username))


def log_in(ws: Workspace, name: str) -> UserSession:
    return accounts.login(ws, name, PASSWORD)


def staff(ws: Workspace, office_type: OfficeType) -> dict[Role, UserSession]:
    """A logged-in user of every role of the office (the administrator is ``admin``; the others are named after
    their role). The workspace must have been set up with `set_up_office` and administrator ``admin``."""
    admin = log_in(ws, "admin")
    name_admin(admin)
    users = {Role.ADMINISTRATOR: admin}
    for role in roles_for(office_type):
        if role != Role.ADMINISTRATOR:
            add_user(admin, role.value, role)
            users[role] = log_in(ws, role.value)
    return users


def staff_case_file(path: Path, key: bytes, roles: tuple[Role, ...] = (Role.PROSECUTOR,)) -> None:
    """Give an existing case file (no accounts yet) a prosecutor's office: ``admin`` and a user named after each
    role in `roles`, all with PASSWORD (fast test key derivation)."""
    from casereview.store.database import open_case_file

    case_file = open_case_file(path, key)
    try:
        ws = accounts.workspace_for(case_file, key)
        accounts.set_up_office(ws, OfficeType.PROSECUTOR, "admin", PASSWORD, kdf=TEST_KDF)
        admin = log_in(ws, "admin")
        name_admin(admin)
        for role in roles:
            add_user(admin, role.value, role)
    finally:
        case_file.close()


def password_file(folder: Path) -> Path:
    path = folder / "password.txt"
    path.write_text(PASSWORD + "\n", encoding="utf-8")
    return path


FillT = TypeVar("FillT")


def case_file_at(path: Path, revision: str, fill: Callable[[Engine], FillT], passphrase: str) -> tuple[bytes, FillT]:
    """A new encrypted case file (with its key file) at an older schema revision, filled by `fill` the way that
    revision stored things; returns its key and what `fill` returned. Opening it upgrades it."""
    keys, key, _recovery = keymod.new_keys(passphrase, kdf=TEST_KDF)
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    keymod.write_key_file(path, keys)
    engine = database.make_engine(path, key=key)
    try:
        database.upgrade(engine, revision)
        return key, fill(engine)
    finally:
        engine.dispose()

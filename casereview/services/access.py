"""Roles and permissions: the one table that says who may do what.

Every service that acts for a user calls `casereview.services.session.UserSession.authorize` with one of the
operations below before it touches anything; the window only mirrors this table (a hidden button is a courtesy, not
the control). Least privilege: the administrator manages the office, its accounts and the case file's care, but
does not edit cases, screen or sign.
"""

from __future__ import annotations

from enum import StrEnum


class OfficeType(StrEnum):
    PROSECUTOR = "prosecutor"
    DEFENSE = "defense"


class Role(StrEnum):
    ADMINISTRATOR = "administrator"
    SUPERVISOR = "supervisor"
    PROSECUTOR = "prosecutor"
    PARALEGAL = "paralegal"
    ATTORNEY = "attorney"


ROLES: dict[OfficeType, tuple[Role, ...]] = {
    OfficeType.PROSECUTOR: (Role.ADMINISTRATOR, Role.SUPERVISOR, Role.PROSECUTOR, Role.PARALEGAL),
    OfficeType.DEFENSE: (Role.ADMINISTRATOR, Role.ATTORNEY, Role.PARALEGAL),
}


class Op(StrEnum):
    """Every operation a user can take. Later issues add theirs here and to `PERMISSIONS`."""

    VIEW_CASES = "view cases"
    CREATE_CASE = "create cases"
    EDIT_CASE = "edit cases"
    DELETE_CASE = "delete cases"
    IMPORT_CASES = "import cases"
    SCREEN = "screen cases"
    REQUEST_EXCEPTION = "request exceptions"
    DECIDE_EXCEPTION = "decide exception requests"
    SIGN = "sign documents"
    DRAFT_LETTERS = "draft letters and memos"
    SIGN_LETTERS = "sign letters"
    EXPORT = "export case data"
    MANAGE_USERS = "manage users"
    OFFICE_SETTINGS = "change the office settings"
    VIEW_AUDIT = "view the audit trail"
    BACKUP = "back up the case file"
    RESTORE = "restore a backup"
    PURGE = "purge a person's records"
    VIEW_REPORTS = "view reports"
    # Exact counts, small cells included (the internal report; the dashboard without suppression).
    INTERNAL_REPORTS = "see exact counts in reports"
    RECORD_OUTCOMES = "record court outcomes"


_CASE_WORK = frozenset({Op.VIEW_CASES, Op.CREATE_CASE, Op.EDIT_CASE, Op.IMPORT_CASES, Op.SCREEN, Op.DRAFT_LETTERS})
_ADMIN = frozenset({Op.VIEW_CASES, Op.MANAGE_USERS, Op.OFFICE_SETTINGS, Op.VIEW_AUDIT, Op.BACKUP, Op.RESTORE,
                    Op.PURGE})

# Reports are counts, never names: everyone but a paralegal sees them with small cells suppressed; those who answer
# for the office's figures (its administrator, a supervisor, a defense attorney) also see the exact counts.
_REPORTS = frozenset({Op.VIEW_REPORTS})
_EXACT_REPORTS = frozenset({Op.VIEW_REPORTS, Op.INTERNAL_REPORTS})

PERMISSIONS: dict[tuple[OfficeType, Role], frozenset[Op]] = {
    (OfficeType.PROSECUTOR, Role.ADMINISTRATOR): _ADMIN | _EXACT_REPORTS,
    (OfficeType.PROSECUTOR, Role.SUPERVISOR): _CASE_WORK | {Op.DELETE_CASE, Op.REQUEST_EXCEPTION,
                                                           Op.DECIDE_EXCEPTION, Op.SIGN, Op.SIGN_LETTERS, Op.EXPORT,
                                                           Op.VIEW_AUDIT, Op.BACKUP, Op.RECORD_OUTCOMES}
    | _EXACT_REPORTS,
    # Signing letters also needs the signing authority an administrator gives (services.letters.may_sign).
    (OfficeType.PROSECUTOR, Role.PROSECUTOR): _CASE_WORK | {Op.REQUEST_EXCEPTION, Op.SIGN, Op.SIGN_LETTERS,
                                                           Op.EXPORT, Op.RECORD_OUTCOMES} | _REPORTS,
    # Staff enter what the court did with a letter or motion; reports are not theirs to read.
    (OfficeType.PROSECUTOR, Role.PARALEGAL): _CASE_WORK | {Op.RECORD_OUTCOMES},
    (OfficeType.DEFENSE, Role.ADMINISTRATOR): _ADMIN | _EXACT_REPORTS,
    (OfficeType.DEFENSE, Role.ATTORNEY): _CASE_WORK | {Op.DELETE_CASE, Op.SIGN, Op.SIGN_LETTERS, Op.EXPORT,
                                                      Op.BACKUP, Op.RECORD_OUTCOMES} | _EXACT_REPORTS,
    (OfficeType.DEFENSE, Role.PARALEGAL): _CASE_WORK | {Op.RECORD_OUTCOMES},
}

# Operations that ask for the password again (unless it was given in the last few minutes).
PRIVILEGED = frozenset({Op.DECIDE_EXCEPTION, Op.SIGN, Op.SIGN_LETTERS, Op.EXPORT, Op.MANAGE_USERS,
                        Op.OFFICE_SETTINGS, Op.RESTORE, Op.PURGE})


def allowed(office_type: OfficeType, role: Role, op: Op) -> bool:
    return op in PERMISSIONS.get((office_type, role), frozenset())


def roles_for(office_type: OfficeType) -> tuple[Role, ...]:
    return ROLES[office_type]


def office_words(office_type: OfficeType) -> str:
    """"a prosecutor's office" or "a defense office", for messages."""
    return "a prosecutor's office" if office_type == OfficeType.PROSECUTOR else "a defense office"


def role_label(role: Role) -> str:
    return role.value.capitalize()

"""The office profile: letterhead details, the state's record-relief terms, the policy and its options, the idle
limit and the backup folder. Every user reads it; only an administrator changes it (audited)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from casereview.policy.profile import (
    PolicyFileError,
    PolicyProfile,
    builtin_policy_ids,
    load_builtin,
    load_profile_file,
)
from casereview.services.access import Op
from casereview.services.session import MAX_IDLE_MINUTES, AccessProblem, UserSession, Workspace
from casereview.store import cases
from casereview.store import models as m

RELIEF_KINDS = ("expungement", "sealing", "non_disclosure", "vacatur")
RELIEF_LABELS = {"expungement": "Expungement", "sealing": "Record sealing", "non_disclosure": "Non-disclosure",
                 "vacatur": "Vacatur"}
MAX_TEXT = 300


class FieldProblem(ValueError):
    """A value the user gave is refused: `field` names it (for the message beside it), the text says why."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


class OfficeMissing(AccessProblem):
    pass


@dataclass(frozen=True)
class OfficeProfile:
    office_type: str
    name: str | None = None
    address: str | None = None
    phone: str | None = None
    head_name: str | None = None
    head_title: str | None = None
    county: str | None = None
    state: str | None = None
    relief_terms: dict[str, str] = field(default_factory=dict)
    policy_id: str = "fjp-model-2025"
    policy_hash: str | None = None
    presumptive: bool = True
    idle_limit_minutes: int = 15
    backup_folder: str | None = None
    version: int = 1

    def relief_term(self, kind: str) -> str:
        """The state's own word for a kind of relief ("" when the state has none)."""
        return self.relief_terms.get(kind, "")


_EDITABLE = ("name", "address", "phone", "head_name", "head_title", "county", "state", "relief_terms", "policy_id",
             "presumptive", "idle_limit_minutes", "backup_folder")


def _profile(row: m.Office) -> OfficeProfile:
    return OfficeProfile(row.office_type, row.name, row.address, row.phone, row.head_name, row.head_title,
                         row.county, row.state, dict(row.relief_terms or {}), row.policy_id, row.policy_hash,
                         row.presumptive, row.idle_limit_minutes, row.backup_folder, row.version)


def office_of(ws: Workspace) -> OfficeProfile:
    """The office profile, for screens shown before anyone logs in (the login dialog shows the office's name)."""
    with ws.session() as db:
        row = db.get(m.Office, 1)
        if row is None:
            raise OfficeMissing("This case file has no office profile yet: create its first administrator.")
        return _profile(row)


def read_office(user: UserSession) -> OfficeProfile:
    user.ensure_active()
    return office_of(user.workspace)


def check_profile(profile: OfficeProfile) -> OfficeProfile:
    """The profile with its texts trimmed; FieldProblem names the first field that is not acceptable."""
    texts: dict[str, Any] = {}
    for name in ("name", "address", "phone", "head_name", "head_title", "county", "state", "backup_folder"):
        value = getattr(profile, name)
        value = value.strip() if isinstance(value, str) else None
        if value and len(value) > MAX_TEXT:
            raise FieldProblem(name, f"This is longer than {MAX_TEXT} characters.")
        texts[name] = value or None
    if not 1 <= profile.idle_limit_minutes <= MAX_IDLE_MINUTES:
        raise FieldProblem("idle_limit_minutes", f"Choose between 1 and {MAX_IDLE_MINUTES} minutes.")
    if profile.policy_hash is None and profile.policy_id not in builtin_policy_ids():
        raise FieldProblem("policy_id", f"There is no built-in policy {profile.policy_id!r}.")
    terms = {}
    for kind, word in profile.relief_terms.items():
        if kind not in RELIEF_KINDS:
            raise FieldProblem("relief_terms", f"Unknown kind of record relief {kind!r}.")
        word = word.strip()
        if len(word) > 60:
            raise FieldProblem(f"relief_terms.{kind}", "A relief term is at most 60 characters.")
        if word:
            terms[kind] = word
    if texts["backup_folder"] and not Path(texts["backup_folder"]).is_absolute():
        raise FieldProblem("backup_folder", "Give the whole path of the folder, starting from the top (/ or a "
                                            "drive letter).")
    return replace(profile, relief_terms=terms, **texts)


def update_office(user: UserSession, profile: OfficeProfile) -> OfficeProfile:
    """Save an edited profile (read earlier with `read_office`): refused with CaseConflict when another
    administrator saved theirs in between."""
    user.authorize(Op.OFFICE_SETTINGS)
    clean = check_profile(profile)
    with user.acting(Op.OFFICE_SETTINGS, "office_settings_changed", "office:1") as db:
        row = db.get(m.Office, 1)
        if row is None:
            raise OfficeMissing("This case file has no office profile yet.")
        if row.version != clean.version:
            raise cases.CaseConflict("Another administrator changed the office profile since you opened it. "
                                     "Nothing was saved: open it again to see their changes.")
        for name in _EDITABLE:
            setattr(row, name, getattr(clean, name))
        if clean.policy_hash is None:
            row.policy_hash = None
    user.idle_limit = timedelta(minutes=clean.idle_limit_minutes)
    return read_office(user)


def use_policy_file(user: UserSession, path: Path) -> PolicyProfile:
    """Make an office's own policy file (.json, the built-in profiles' format) the office's policy; it is stored
    in the case file by content hash, so every screening keeps pointing at the text it used."""
    user.authorize(Op.OFFICE_SETTINGS)
    try:
        profile = load_profile_file(path)
    except PolicyFileError as exc:
        raise FieldProblem("policy_file", str(exc)) from None
    with user.acting(Op.OFFICE_SETTINGS, "office_settings_changed", "office:1") as db:
        cases.store_policy(db, profile)
        row = db.get(m.Office, 1)
        assert row is not None
        row.policy_id, row.policy_hash = profile.id, profile.content_hash
    return profile


def office_policy(ws: Workspace) -> tuple[PolicyProfile, bool]:
    """The policy profile the office screens with, and whether declines are stated as presumptive."""
    office = office_of(ws)
    if office.policy_hash is not None:
        with ws.session() as db:
            return cases.stored_policy(db, office.policy_hash), office.presumptive
    return load_builtin(office.policy_id), office.presumptive


def profile_dict(profile: OfficeProfile) -> dict[str, Any]:
    return asdict(profile)

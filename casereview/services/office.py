"""The office profile: letterhead details, the state's record-relief terms, the policy and its options, the idle
limit and the backup folder. Every user reads it; only an administrator changes it (audited)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from casereview.documents.motions import DISMISSAL_STYLES, WARRANT_TERMS
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
# How the state's criminal cases are captioned (the words before "v."); %s is the state's name.
CAPTION_STYLES = {"state": "State of {state}", "people": "People of the State of {state}",
                  "commonwealth": "Commonwealth of {state}"}
CAPTION_LABELS = {"state": "State of …  (most states)", "people": "People of the State of …  (California, New York, "
                  "Illinois, Michigan, Colorado)", "commonwealth": "Commonwealth of …  (Pennsylvania, Massachusetts, "
                  "Virginia, Kentucky)"}
# The states whose cases are captioned in the name of the People, or of the Commonwealth (the others: State of …).
_PEOPLE_STATES = frozenset({"California", "Colorado", "Illinois", "Michigan", "New York", "Puerto Rico", "Guam"})
_COMMONWEALTH_STATES = frozenset({"Kentucky", "Massachusetts", "Pennsylvania", "Virginia"})
STATE_NAMES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky",
    "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire",
    "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota",
    "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island",
    "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont",
    "VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "PR": "Puerto Rico", "GU": "Guam",
}


def state_name(state: str | None) -> str:
    """The state's name as a caption writes it: "OR" is "Oregon"; a name is kept as given."""
    clean = " ".join((state or "").split())
    return STATE_NAMES.get(clean.upper(), clean) if len(clean) == 2 else clean


def suggested_caption_style(state: str | None) -> str:
    """The caption style the state uses, as far as CaseReview knows it ("state" for most states)."""
    name = state_name(state)
    return "people" if name in _PEOPLE_STATES else "commonwealth" if name in _COMMONWEALTH_STATES else "state"


DOB_CHOICES = ("none", "year", "full")
DOB_LABELS = {"none": "Not shown (the courts' redaction rules)", "year": "Year of birth only",
              "full": "Full date of birth"}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]{2,}")


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
    email: str | None = None
    time_zone: str | None = None  # an IANA name ("America/Los_Angeles"); None: the computer's own
    caption_style: str = "state"  # one of CAPTION_STYLES
    policy_title: str | None = None  # the policy's title as the office adopted it
    policy_adopted_on: date | None = None
    dob_in_letters: str = "none"  # one of DOB_CHOICES
    certificate_of_service: bool = False
    dismissal_style: str = "dismiss"  # one of DISMISSAL_STYLES: how the state's motions end a charge
    warrant_term: str = "vacate"  # one of WARRANT_TERMS: what a court does with a warrant

    def relief_term(self, kind: str) -> str:
        """The state's own word for a kind of relief ("" when the state has none)."""
        return self.relief_terms.get(kind, "")


_EDITABLE = ("name", "address", "phone", "head_name", "head_title", "county", "state", "relief_terms", "policy_id",
             "presumptive", "idle_limit_minutes", "backup_folder", "email", "time_zone", "caption_style",
             "policy_title", "policy_adopted_on", "dob_in_letters", "certificate_of_service",
             "dismissal_style", "warrant_term")


def _profile(row: m.Office) -> OfficeProfile:
    return OfficeProfile(row.office_type, row.name, row.address, row.phone, row.head_name, row.head_title,
                         row.county, row.state, dict(row.relief_terms or {}), row.policy_id, row.policy_hash,
                         row.presumptive, row.idle_limit_minutes, row.backup_folder, row.version,
                         email=row.email, time_zone=row.time_zone, caption_style=row.caption_style or "state",
                         policy_title=row.policy_title, policy_adopted_on=row.policy_adopted_on,
                         dob_in_letters=row.dob_in_letters or "none",
                         certificate_of_service=bool(row.certificate_of_service),
                         dismissal_style=row.dismissal_style or "dismiss", warrant_term=row.warrant_term or "vacate")


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
    for name in ("name", "address", "phone", "head_name", "head_title", "county", "state", "backup_folder", "email",
                 "time_zone", "policy_title"):
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
    if texts["email"] and not _EMAIL.fullmatch(texts["email"]):
        raise FieldProblem("email", "This is not an e-mail address: write it as name@example.org.")
    if texts["time_zone"]:
        texts["time_zone"] = check_time_zone(texts["time_zone"])
    if profile.caption_style not in CAPTION_STYLES:
        raise FieldProblem("caption_style", "Choose how the state's cases are captioned: State of …, People of the "
                                            "State of …, or Commonwealth of ….")
    if profile.dob_in_letters not in DOB_CHOICES:
        raise FieldProblem("dob_in_letters", "Choose whether letters show the date of birth: not at all, the year "
                                             "only, or in full.")
    if profile.dismissal_style not in DISMISSAL_STYLES:
        raise FieldProblem("dismissal_style", "Choose how the state's prosecutors end a charge in court: a motion to "
                                              "dismiss, a nolle prosequi, or a withdrawal.")
    if profile.warrant_term not in WARRANT_TERMS:
        raise FieldProblem("warrant_term", "Choose the state's word for what a court does with a warrant: vacate, "
                                           "quash or recall.")
    adopted = profile.policy_adopted_on
    if adopted is not None:
        if not isinstance(adopted, date) or isinstance(adopted, datetime):
            raise FieldProblem("policy_adopted_on", "Give the date the office adopted the policy as a date, "
                                                    "such as 2025-03-01.")
        if adopted > office_today(replace(profile, time_zone=texts["time_zone"])):
            raise FieldProblem("policy_adopted_on", f"The adoption date {adopted.isoformat()} is in the future: give "
                                                    "the date the office adopted the policy.")
        if adopted.year < 1900:
            raise FieldProblem("policy_adopted_on", "Give the date the office adopted the policy (the year looks "
                                                    "wrong).")
    return replace(profile, relief_terms=terms, certificate_of_service=bool(profile.certificate_of_service),
                   **texts)


# ------------------------------------------------------------------------------------ the office's own time


@lru_cache(maxsize=1)
def time_zone_names() -> tuple[str, ...]:
    """Every IANA time zone name this computer knows (``zoneinfo.available_timezones``), sorted."""
    return tuple(sorted(available_timezones()))


def check_time_zone(name: str) -> str:
    """An IANA time zone name as zoneinfo spells it ("america/los_angeles" is "America/Los_Angeles"); FieldProblem
    when there is none of that name."""
    name = name.strip()
    known = {zone.casefold(): zone for zone in time_zone_names()}
    found = known.get(name.casefold())
    if found is None:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise FieldProblem("time_zone", f"There is no time zone called {name!r}. Give its name as in the "
                                            "list, such as America/Los_Angeles or America/New_York.") from None
        found = name
    return found


def computer_zone_name() -> str | None:
    """The IANA name of this computer's own time zone, when it can be told (None otherwise)."""
    import os

    named = os.environ.get("TZ", "").lstrip(":")
    if named and named in time_zone_names():
        return named
    try:
        link = os.path.realpath("/etc/localtime")
    except OSError:  # pragma: no cover - not every system has it
        link = ""
    marker = "zoneinfo/"
    if marker in link:
        candidate = link.split(marker, 1)[1]
        if candidate in time_zone_names():
            return candidate
    return None


def office_zone(source: Workspace | OfficeProfile | str | None) -> tzinfo | None:
    """The office's time zone (None: this computer's own), from a workspace, a profile or a zone name."""
    if isinstance(source, Workspace):
        with source.session() as db:
            row = db.get(m.Office, 1)
            name = row.time_zone if row is not None else None
    elif isinstance(source, OfficeProfile):
        name = source.time_zone
    else:
        name = source
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # a name this computer does not know: its own zone, as before
        return None


def local_now(source: Workspace | OfficeProfile | str | None, moment: datetime | None = None) -> datetime:
    """`moment` (by default now: the workspace's clock, or the real time) in the office's time zone, for documents:
    they carry the office's local dates and times, never UTC ones. A naive `moment` is UTC, as stored."""
    if moment is None:
        moment = source.now() if isinstance(source, Workspace) else datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    zone = office_zone(source)
    return moment.astimezone(zone) if zone is not None else moment.astimezone()


def office_today(source: Workspace | OfficeProfile | str | None, moment: datetime | None = None) -> date:
    """The office's local date of `moment` (by default now): a letter signed at 5:30 pm in Oregon on 30 November
    is dated 30 November, although it is 1 December in UTC."""
    return local_now(source, moment).date()


# ------------------------------------------------------------------------------------------------ captions


class CaptionMissing(AccessProblem):
    """A caption cannot be written: the office profile lacks what it needs (the message says what)."""


def caption(profile: OfficeProfile, person_name: str) -> str:
    """A criminal case's caption in the state's style: "State of Oregon v. Dana Roe", "People of the State of
    California v. …", "Commonwealth of Pennsylvania v. …". Refused (CaptionMissing) when the office profile has
    no state."""
    state = state_name(profile.state)
    if not state:
        raise CaptionMissing("The office profile does not say the office's state, so the case caption cannot be "
                             "written: an administrator fills in State under Administration → Office profile.")
    style = CAPTION_STYLES.get(profile.caption_style, CAPTION_STYLES["state"])
    name = " ".join(person_name.split())
    if not name:
        raise CaptionMissing("The caption needs the person's name, and the case file records none.")
    return f"{style.format(state=state)} v. {name}"


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

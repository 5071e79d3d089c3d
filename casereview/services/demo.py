"""The demo case file: realistic, invented cases that between them reach every decision of both profiles."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from casereview.paths import DEMO_PASSPHRASE, DEMO_PASSWORD
from casereview.policy.case import Case, parse_case
from casereview.policy.profile import load_builtin
from casereview.services.access import OfficeType, Role
from casereview.services.accounts import create_user, login, set_up_office, workspace_for
from casereview.services.cases import import_cases
from casereview.services.passwords import USER_KDF
from casereview.services.session import UserSession, Workspace
from casereview.store.database import create_case_file, take_lock, unlock
from casereview.store.keys import DEFAULT_KDF, KdfParams
from casereview.store.lock import lock_path


def _p(pid: str, name: str, role: str, dob: str | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"id": pid, "name": name, "role": role}
    if dob:
        out["date_of_birth"] = dob
    out.update(extra)
    return out


DEMO_CASES: list[dict[str, Any]] = [
    {"case_number": "26-CR-0101", "incident_date": "2026-03-02", "county": "Lane County", "agency": "City PD",
     "court": "Lane County District Court",
     "people": [_p("A", "Dana Roe", "seller", "1996-05-02", person_key="SID-100231"),
                _p("B", "John Poe", "buyer", "1971-11-30")],
     "charges": [{"id": "1", "person": "A", "offense": "selling_sex", "statute": "PC 647(b)"},
                 {"id": "2", "person": "B", "offense": "solicitation", "statute": "PC 647(b)"}],
     "notes": "Street stop; both adults; no other facts."},
    {"case_number": "26-CR-0102", "incident_date": "2026-03-05", "county": "Lane County", "agency": "County Sheriff",
     "people": [_p("A", "Zoë Martín", "seller", "2008-09-14"), _p("B", "Gary Lund", "buyer", "1980-01-20")],
     "charges": [{"id": "1", "person": "A", "offense": "selling_sex"},
                 {"id": "2", "person": "B", "offense": "buying_sex"}]},
    {"case_number": "26-CR-0103", "incident_date": "2026-03-09", "county": "Lane County", "agency": "City PD",
     "people": [_p("A", "Thị Lan Nguyễn", "seller", "1990-02-28", person_key="SID-100487",
                   gender_identity="transgender woman"),
                _p("B", "Mark Ellis", "buyer", "1985-07-07")],
     "facts": [{"type": "refused_to_pay", "by": "B", "against": "A"}],
     "charges": [{"id": "1", "person": "B", "offense": "sexual_assault"},
                 {"id": "2", "person": "A", "offense": "drug_possession", "statute": "HS 11350"}]},
    {"case_number": "26-CR-0104", "incident_date": "2026-03-11", "county": "Lane County", "agency": "State Police",
     "people": [_p("A", "Łukasz Wójcik", "seller", "1999-12-01", trafficking_victim=True),
                _p("B", "Ray Tomlin", "third_party", "1975-04-16")],
     "facts": [{"type": "trafficking", "by": "B", "against": "A"}],
     "charges": [{"id": "1", "person": "A", "offense": "selling_sex"},
                 {"id": "2", "person": "B", "offense": "trafficking"}]},
    {"case_number": "26-CR-0105", "incident_date": "2026-03-15", "county": "Lane County", "agency": "City PD",
     "people": [_p("A", "Maria Solís", "seller", "1994-06-30"), _p("M", "Victor Kane", "third_party", "1970-02-02")],
     "facts": [{"type": "coercion", "by": "M", "against": "A"}],
     "charges": [{"id": "1", "person": "A", "offense": "selling_sex"},
                 {"id": "2", "person": "M", "offense": "promoting"}]},
    {"case_number": "26-CR-0106", "incident_date": "2026-03-18", "county": "Lane County", "agency": "City PD",
     "people": [_p("A", "Jordan Blake", "seller"), _p("B", "Tom Reyes", "buyer", "1968-10-10")],
     "charges": [{"id": "1", "person": "A", "offense": "selling_sex"},
                 {"id": "2", "person": "B", "offense": "solicitation"}],
     "notes": "Seller's date of birth not in the arrest report."},
    {"case_number": "26-CR-0107", "incident_date": "2026-03-20", "county": "Lane County", "agency": "City PD",
     "people": [_p("A", "Keisha Morgan", "seller", "1992-03-03"), _p("D", "Sam Ortiz", "third_party", "1988-08-08")],
     "charges": [{"id": "1", "person": "D", "offense": "promoting", "statute": "PC 266h"},
                 {"id": "2", "person": "A", "offense": "loitering_for_prostitution", "statute": "PC 653.22"}],
     "notes": "Driver; no force, theft or coercion."},
    {"case_number": "26-CR-0108", "incident_date": "2026-03-22", "county": "Lane County", "agency": "City PD",
     "people": [_p("A", "Amara Okafor", "seller", "1997-07-21"), _p("B", "Neil Hart", "buyer", "1979-05-05")],
     "charges": [{"id": "1", "person": "A", "offense": "selling_sex"},
                 {"id": "2", "person": "B", "offense": "solicitation", "with": "A"}],
     "notes": "The buyer is under investigation for paying a trafficker for access to several people. A section 8 "
              "exception was requested for his solicitation charge (charge 2) and approved by a supervisor, both "
              "signed in CaseReview; the seller's charge stays declined."},
    {"case_number": "26-CR-0109", "incident_date": "2026-03-25", "county": "Lane County", "agency": "Vice Unit",
     "people": [_p("B", "Carl Dorsey", "buyer", "1966-12-12"), _p("X", "Decoy officer", "seller", "1995-01-01")],
     "facts": [{"type": "sought_minor", "by": "B"}],
     "charges": [{"id": "1", "person": "B", "offense": "buying_sex_from_minor"}]},
    {"case_number": "26-CR-0110", "incident_date": "2026-03-28", "county": "Lane County", "agency": "City PD",
     "people": [_p("A", "Mei Chen", "seller", "1989-09-09"), _p("B", "Rob Vance", "buyer", "1983-03-13")],
     "facts": [{"type": "physical_assault", "by": "A", "against": "B"},
               {"type": "physical_assault", "by": "B", "against": "A"}],
     "charges": [{"id": "1", "person": "A", "offense": "assault"},
                 {"id": "2", "person": "A", "offense": "trespass"},
                 {"id": "3", "person": "B", "offense": "assault"}],
     "notes": "Both say the other struck first."},
    {"case_number": "15-CR-2231", "incident_date": "2015-06-12", "county": "Lane County", "agency": "City PD",
     "court": "Lane County District Court",
     "people": [_p("A", "Dana Roe", "seller", "1996-05-02", person_key="SID-100231")],
     "charges": [{"id": "1", "person": "A", "offense": "selling_sex", "status": "convicted",
                  "statute": "PC 647(b)", "docket_number": "CR-15-2231", "disposition_date": "2015-09-01"}]},
    {"case_number": "17-CR-0934", "incident_date": "2017-02-03", "county": "Lane County", "agency": "City PD",
     "people": [_p("A", "Thị Lan Nguyễn", "seller", "1990-02-28", person_key="SID-100487")],
     "charges": [{"id": "1", "person": "A", "offense": "trespass", "status": "convicted", "arose_from_exchange": True,
                  "docket_number": "CR-17-0934", "disposition_date": "2017-05-19",
                  "notes": "Prostitution arrest pled down to trespass."}]},
    {"case_number": "19-CR-4410", "incident_date": "2019-08-30", "county": "Lane County", "agency": "County Sheriff",
     "people": [_p("A", "Ana Cruz", "seller"), _p("B", "Phil Grant", "buyer", "1960-01-01")],
     "charges": [{"id": "1", "person": "A", "offense": "selling_sex", "status": "dismissed",
                  "docket_number": "CR-19-4410", "disposition_date": "2019-11-02"},
                 {"id": "2", "person": "B", "offense": "solicitation", "status": "convicted",
                  "docket_number": "CR-19-4411", "disposition_date": "2019-12-12"}]},
    {"case_number": "18-CR-1502", "incident_date": "2018-10-06", "county": "Lane County", "agency": "City PD",
     "people": [_p("A", "Ines Duarte", "seller", "1993-11-11"), _p("B", "Walt Pierce", "buyer", "1958-06-06")],
     "facts": [{"type": "physical_assault", "by": "B", "against": "A"}],
     "charges": [{"id": "1", "person": "B", "offense": "assault", "status": "convicted",
                  "docket_number": "CR-18-1502", "disposition_date": "2019-03-08"},
                 {"id": "2", "person": "B", "offense": "solicitation", "status": "convicted",
                  "docket_number": "CR-18-1503", "disposition_date": "2019-03-08"}]},
    {"case_number": "20-CR-0077", "incident_date": "2020-01-17", "county": "Lane County", "agency": "City PD",
     "people": [_p("A", "Priya Raman", "other", "1991-04-04")],
     "charges": [{"id": "1", "person": "A", "offense": "unlicensed_massage", "status": "arrest_only"}]},
]


def demo_cases() -> list[Case]:
    return [parse_case(raw) for raw in DEMO_CASES]


# The people behind the demo's accounts (invented): documents and signing certificates name them.
DEMO_PEOPLE: dict[str, dict[str, str | None]] = {
    "admin": {"full_name": "Casey Morgan", "title": "Office Administrator", "bar_number": None},
    "supervisor": {"full_name": "Jordan Avery", "title": "Chief Deputy District Attorney",
                   "bar_number": "OSB 941203"},
    "prosecutor": {"full_name": "Riley Chen", "title": "Deputy District Attorney", "bar_number": "OSB 094512"},
    "paralegal": {"full_name": "Sam Ortiz", "title": "Paralegal", "bar_number": None},
}


def add_demo_users(ws: Workspace, password: str = DEMO_PASSWORD, *, kdf: KdfParams = USER_KDF) -> None:
    """The demo office (its letterhead, relief words and letter signer) and its users, one of every role of a
    prosecutor's office, all with `password` (also for a demo file made before accounts existed)."""
    set_up_office(ws, OfficeType.PROSECUTOR, "admin", password, kdf=kdf, office_name="Demo County Prosecutor's "
                  "Office", **DEMO_PEOPLE["admin"])
    admin = login(ws, "admin", password)
    for name, role in (("supervisor", Role.SUPERVISOR), ("prosecutor", Role.PROSECUTOR),
                       ("paralegal", Role.PARALEGAL)):
        create_user(admin, name, role, password, kdf=kdf, **DEMO_PEOPLE[name])
    _demo_office(admin)
    admin.end()


DEMO_REQUEST_CASE, DEMO_REQUEST_CHARGE = "26-CR-0108", "2"  # the buyer's solicitation
DEMO_REQUEST = {
    "ground": "prevent_trafficking",
    "public_safety": "The buyer is under investigation for paying a trafficker for access to several people; "
                     "charging the solicitation keeps him under court conditions while that investigation "
                     "continues.",
    "justification": "The charge concerns the buyer's own conduct: court conditions on it (no contact with the "
                     "people he paid for, staying away from the place) limit his access to people being sold "
                     "while the investigation of his payments goes on.",
    "evidence": "Invented for the demo: detective's report and payment records.",
}


def _demo_request(prosecutor: UserSession, supervisor: UserSession) -> None:
    """One section 8 request, on the buyer's solicitation charge of 26-CR-0108, drafted and signed by the
    prosecutor and approved and signed by the supervisor: both signatures real. It uses no charge to secure
    anyone's cooperation (section 2)."""
    from casereview.services import exception_requests as exceptions

    request = exceptions.draft_request(prosecutor, DEMO_REQUEST_CASE, [DEMO_REQUEST_CHARGE], **DEMO_REQUEST)
    exceptions.submit_request(prosecutor, request)
    exceptions.decide_request(supervisor, request, approve=True,
                              reason="Approved: the conditions protect people at risk while the investigation of "
                                     "the buyer goes on.")


def _demo_office(admin: UserSession) -> None:
    """The demo office's letterhead and record-relief words, and its supervisor's signing authority for letters."""
    from dataclasses import replace

    from casereview.services.accounts import set_letter_signer
    from casereview.services.office import read_office, update_office

    update_office(admin, replace(read_office(admin), address="125 Main Street, Lane City", phone="(555) 010-0100",
                                 head_name="Alex Morgan", head_title="District Attorney", county="Lane County",
                                 relief_terms={"expungement": "expungement", "sealing": "record sealing"}))
    set_letter_signer(admin, "supervisor", True, name="Jordan Avery",
                      title="Chief Deputy District Attorney, designee of the District Attorney")


def _demo_letters(paralegal: UserSession, supervisor: UserSession) -> None:
    """The section 6 letters drafted by the paralegal; one of them signed by the supervisor (the designee)."""
    from casereview.services import letters
    drafted = letters.draft_letters(paralegal).drafted
    if drafted:
        letters.sign_letters(supervisor, drafted[:1])


def _remove(db: Path) -> None:
    for suffix in ("", ".keys", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def create_demo_file(path: Path, passphrase: str = DEMO_PASSPHRASE, *, password: str = DEMO_PASSWORD,
                     kdf: KdfParams = DEFAULT_KDF, user_kdf: KdfParams = USER_KDF) -> int:
    """Create the encrypted demo case file at `path` (which must not exist yet): a prosecutor's office with a user
    of every role (all with `password`), and every case stored by the prosecutor and screened, as a real office
    would, so the audit trail is real too. Returns the number of cases."""
    # Made under a temporary name and moved into place at the end: a demo cut short (the program killed while it
    # was being made) never looks like a finished one.
    partial = path.with_name(path.name + ".partial")
    _remove(partial)
    case_file, _recovery = create_case_file(partial, passphrase, kdf=kdf)
    try:
        ws = workspace_for(case_file, unlock(partial, passphrase))
        add_demo_users(ws, password, kdf=user_kdf)
        prosecutor, supervisor, paralegal = (login(ws, name, password)
                                             for name in ("prosecutor", "supervisor", "paralegal"))
        import_cases(prosecutor, demo_cases(), load_builtin())
        _demo_request(prosecutor, supervisor)
        _demo_letters(paralegal, supervisor)
        for user in (prosecutor, supervisor, paralegal):
            user.end()
        case_file.close()
        with take_lock(path):  # no window opens the demo while its pieces are moved into place
            for suffix in ("-wal", "-shm", ".keys", ""):
                piece = Path(f"{partial}{suffix}")
                if piece.exists():
                    os.replace(piece, Path(f"{path}{suffix}"))
        lock_path(partial).unlink(missing_ok=True)  # the unfinished file's lock file, nobody's now
    except BaseException:
        case_file.close()
        _remove(partial)
        lock_path(partial).unlink(missing_ok=True)
        raise
    return len(DEMO_CASES)

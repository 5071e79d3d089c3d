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
from casereview.services.cases import import_cases, set_warrants
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


COURT = "Circuit Court of the State of Oregon for the County of Lane"  # the demo's court (invented cases)

DEMO_CASES: list[dict[str, Any]] = [
    {"case_number": "26-CR-0101", "incident_date": "2026-03-02", "county": "Lane County",
     "agency": "Eugene Police Department", "court": COURT,
     "people": [_p("A", "Dana Roe", "seller", "1996-05-02", person_key="SID-100231"),
                _p("B", "John Poe", "buyer", "1971-11-30")],
     "charges": [{"id": "1", "person": "A", "offense": "selling_sex", "statute": "ORS 167.007",
                  "docket_number": "26CR10101"},
                 {"id": "2", "person": "B", "offense": "solicitation", "statute": "ORS 167.008",
                  "docket_number": "26CR10102"}],
     "notes": "Street stop; both adults; no other facts."},
    {"case_number": "26-CR-0102", "incident_date": "2026-03-05", "county": "Lane County",
     "agency": "Lane County Sheriff's Office", "court": COURT,
     "people": [_p("A", "Zoë Martín", "seller", "2008-09-14"), _p("B", "Gary Lund", "buyer", "1980-01-20")],
     "charges": [{"id": "1", "person": "A", "offense": "selling_sex", "statute": "ORS 167.007"},
                 {"id": "2", "person": "B", "offense": "buying_sex", "statute": "ORS 163.413",
                  "docket_number": "26CR10221"}]},
    {"case_number": "26-CR-0103", "incident_date": "2026-03-09", "county": "Lane County",
     "agency": "Eugene Police Department", "court": COURT,
     "people": [_p("A", "Thị Lan Nguyễn", "seller", "1990-02-28", person_key="SID-100487",
                   gender_identity="transgender woman"),
                _p("B", "Mark Ellis", "buyer", "1985-07-07")],
     "facts": [{"type": "refused_to_pay", "by": "B", "against": "A"}],
     "charges": [{"id": "1", "person": "B", "offense": "sexual_assault", "statute": "ORS 163.427",
                  "docket_number": "26CR10311"},
                 {"id": "2", "person": "A", "offense": "drug_possession", "statute": "ORS 475.752",
                  "docket_number": "26CR10312"}]},
    {"case_number": "26-CR-0104", "incident_date": "2026-03-11", "county": "Lane County",
     "agency": "Oregon State Police", "court": COURT,
     "people": [_p("A", "Łukasz Wójcik", "seller", "1999-12-01", trafficking_victim=True),
                _p("B", "Ray Tomlin", "third_party", "1975-04-16")],
     "facts": [{"type": "trafficking", "by": "B", "against": "A"}],
     "charges": [{"id": "1", "person": "A", "offense": "selling_sex", "statute": "ORS 167.007",
                  "docket_number": "26CR10401"},
                 {"id": "2", "person": "B", "offense": "trafficking", "statute": "ORS 163.266",
                  "docket_number": "26CR10402"}]},
    {"case_number": "26-CR-0105", "incident_date": "2026-03-15", "county": "Lane County",
     "agency": "Eugene Police Department", "court": COURT,
     "people": [_p("A", "Maria Solís", "seller", "1994-06-30"), _p("M", "Victor Kane", "third_party", "1970-02-02")],
     "facts": [{"type": "coercion", "by": "M", "against": "A"}],
     "charges": [{"id": "1", "person": "A", "offense": "selling_sex", "statute": "ORS 167.007"},
                 {"id": "2", "person": "M", "offense": "promoting", "statute": "ORS 167.012"}]},
    {"case_number": "26-CR-0106", "incident_date": "2026-03-18", "county": "Lane County",
     "agency": "Eugene Police Department", "court": COURT,
     "people": [_p("A", "Jordan Blake", "seller"), _p("B", "Tom Reyes", "buyer", "1968-10-10")],
     "charges": [{"id": "1", "person": "A", "offense": "selling_sex", "statute": "ORS 167.007"},
                 {"id": "2", "person": "B", "offense": "solicitation", "statute": "ORS 167.008"}],
     "notes": "Seller's date of birth not in the arrest report."},
    {"case_number": "26-CR-0107", "incident_date": "2026-03-20", "county": "Lane County",
     "agency": "Eugene Police Department", "court": COURT,
     "people": [_p("A", "Keisha Morgan", "seller", "1992-03-03"),
                _p("D", "Luis Ortega", "third_party", "1988-08-08")],
     "charges": [{"id": "1", "person": "D", "offense": "promoting", "statute": "ORS 167.012"},
                 {"id": "2", "person": "A", "offense": "loitering_for_prostitution"}],
     "notes": "Driver; no force, theft or coercion."},
    {"case_number": "26-CR-0108", "incident_date": "2026-03-22", "county": "Lane County",
     "agency": "Eugene Police Department", "court": COURT,
     "people": [_p("A", "Amara Okafor", "seller", "1997-07-21"), _p("B", "Neil Hart", "buyer", "1979-05-05")],
     "charges": [{"id": "1", "person": "A", "offense": "selling_sex", "statute": "ORS 167.007"},
                 {"id": "2", "person": "B", "offense": "solicitation", "with": "A", "statute": "ORS 167.008",
                  "docket_number": "26CR10802"}],
     "notes": "The buyer is under investigation for paying a trafficker for access to several people. A section 8 "
              "exception was requested for his solicitation charge (charge 2) and approved by a supervisor, both "
              "signed in CaseReview; the seller's charge stays declined, and nothing asks her for anything."},
    {"case_number": "26-CR-0109", "incident_date": "2026-03-25", "county": "Lane County",
     "agency": "Eugene Police Department Vice Unit", "court": COURT,
     "people": [_p("B", "Carl Dorsey", "buyer", "1966-12-12"), _p("X", "Decoy officer", "seller", "1995-01-01")],
     "facts": [{"type": "sought_minor", "by": "B"}],
     "charges": [{"id": "1", "person": "B", "offense": "buying_sex_from_minor", "statute": "ORS 163.413",
                  "docket_number": "26CR10901"}]},
    {"case_number": "26-CR-0110", "incident_date": "2026-03-28", "county": "Lane County",
     "agency": "Eugene Police Department", "court": COURT,
     "people": [_p("A", "Mei Chen", "seller", "1989-09-09"), _p("B", "Rob Vance", "buyer", "1983-03-13")],
     "facts": [{"type": "physical_assault", "by": "A", "against": "B"},
               {"type": "physical_assault", "by": "B", "against": "A"}],
     "charges": [{"id": "1", "person": "A", "offense": "assault", "statute": "ORS 163.160"},
                 {"id": "2", "person": "A", "offense": "trespass", "statute": "ORS 164.245"},
                 {"id": "3", "person": "B", "offense": "assault", "statute": "ORS 163.160"}],
     "notes": "Both say the other struck first."},
    {"case_number": "15-CR-2231", "incident_date": "2015-06-12", "county": "Lane County",
     "agency": "Eugene Police Department", "court": COURT,
     "people": [_p("A", "Dana Roe", "seller", "1996-05-02", person_key="SID-100231")],
     "charges": [{"id": "1", "person": "A", "offense": "selling_sex", "status": "convicted",
                  "statute": "ORS 167.007", "docket_number": "15CR22310", "disposition_date": "2015-09-01"}]},
    {"case_number": "17-CR-0934", "incident_date": "2017-02-03", "county": "Lane County",
     "agency": "Eugene Police Department", "court": COURT,
     "people": [_p("A", "Thị Lan Nguyễn", "seller", "1990-02-28", person_key="SID-100487")],
     "charges": [{"id": "1", "person": "A", "offense": "trespass", "status": "convicted", "arose_from_exchange": True,
                  "statute": "ORS 164.245", "docket_number": "17CR09340", "disposition_date": "2017-05-19",
                  "notes": "Prostitution arrest pled down to trespass."},
                 {"id": "2", "person": "A", "offense": "drug_possession", "status": "convicted",
                  "statute": "ORS 475.752", "docket_number": "17CR09340", "disposition_date": "2017-05-19",
                  "notes": "On the same docket; not a record the policy covers."}]},
    {"case_number": "19-CR-4410", "incident_date": "2019-08-30", "county": "Lane County",
     "agency": "Lane County Sheriff's Office", "court": COURT,
     "people": [_p("A", "Ana Cruz", "seller"), _p("B", "Phil Grant", "buyer", "1960-01-01")],
     "charges": [{"id": "1", "person": "A", "offense": "selling_sex", "status": "dismissed", "statute": "ORS 167.007",
                  "docket_number": "19CR44100", "disposition_date": "2019-11-02"},
                 {"id": "2", "person": "B", "offense": "solicitation", "status": "convicted",
                  "statute": "ORS 167.008", "docket_number": "19CR44110", "disposition_date": "2019-12-12"}]},
    {"case_number": "18-CR-1502", "incident_date": "2018-10-06", "county": "Lane County",
     "agency": "Eugene Police Department", "court": COURT,
     "people": [_p("A", "Ines Duarte", "seller", "1993-11-11"), _p("B", "Walt Pierce", "buyer", "1958-06-06")],
     "facts": [{"type": "physical_assault", "by": "B", "against": "A"}],
     "charges": [{"id": "1", "person": "B", "offense": "assault", "status": "convicted", "statute": "ORS 163.160",
                  "docket_number": "18CR15020", "disposition_date": "2019-03-08"},
                 {"id": "2", "person": "B", "offense": "solicitation", "status": "convicted",
                  "statute": "ORS 167.008", "docket_number": "18CR15030", "disposition_date": "2019-03-08"}]},
    {"case_number": "20-CR-0077", "incident_date": "2020-01-17", "county": "Lane County",
     "agency": "Eugene Police Department", "court": COURT,
     "people": [_p("A", "Priya Raman", "other", "1991-04-04")],
     "charges": [{"id": "1", "person": "A", "offense": "unlicensed_massage", "status": "arrest_only",
                  "statute": "ORS 687.021", "docket_number": "EPD 20-000771"}]},
    # Past records of people the office's own file records as trafficked, as under 18, and as the victim of a
    # buyer's crime: their letters to the court name the office's policy and no section, and say nothing of that.
    {"case_number": "19-CR-7001", "incident_date": "2019-04-02", "county": "Lane County",
     "agency": "Oregon State Police", "court": COURT,
     "people": [_p("A", "Noor Hale", "seller", "1995-02-02", trafficking_victim=True),
                _p("T", "Dale Ross", "third_party", "1972-05-05")],
     "facts": [{"type": "trafficking", "by": "T", "against": "A"}],
     "charges": [{"id": "1", "person": "A", "offense": "selling_sex", "status": "convicted", "statute": "ORS 167.007",
                  "docket_number": "19CR70010", "disposition_date": "2019-08-01"}]},
    {"case_number": "16-CR-0588", "incident_date": "2016-07-09", "county": "Lane County",
     "agency": "Eugene Police Department", "court": COURT,
     "people": [_p("A", "Tessa Lyle", "seller", "2000-01-15")],
     "charges": [{"id": "1", "person": "A", "offense": "selling_sex", "status": "convicted", "statute": "ORS 167.007",
                  "docket_number": "16CR05880", "disposition_date": "2016-10-20"}]},
    {"case_number": "18-CR-3307", "incident_date": "2018-05-19", "county": "Lane County",
     "agency": "Eugene Police Department", "court": COURT,
     "people": [_p("A", "Rosa Vega", "seller", "1987-08-08"), _p("B", "Kurt Haller", "buyer", "1965-03-03")],
     "facts": [{"type": "refused_to_pay", "by": "B", "against": "A"}],
     "charges": [{"id": "1", "person": "A", "offense": "selling_sex", "status": "convicted", "statute": "ORS 167.007",
                  "disposition_date": "2018-09-14",
                  "notes": "The court's docket number is not in the file yet: the letter waits for it."}]},
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
DEFENSE_PEOPLE: dict[str, dict[str, str | None]] = {
    "admin": {"full_name": "Robin Park", "title": "Office Administrator", "bar_number": None},
    "attorney": {"full_name": "Morgan Lee", "title": "Deputy Public Defender", "bar_number": "OSB 081234"},
    "paralegal": {"full_name": "Alex Kim", "title": "Paralegal", "bar_number": None},
}
DEFENSE_USERS = ("admin", "attorney", "paralegal")
OFFICE_NAME = "Demo County Prosecutor's Office"
DEFENSE_OFFICE_NAME = "Lane Public Defense Services"
# The demo prosecutor's office as the defense demo's cases name it (it adopted the policy, as those cases record).
PROSECUTING_OFFICE = "Demo County Prosecutor's Office"
# The defense demo's clients: (case number, person id).
DEFENSE_CLIENTS = (("26-CR-0101", "A"), ("15-CR-2231", "A"), ("26-CR-0103", "A"), ("17-CR-0934", "A"),
                   ("26-CR-0104", "A"), ("19-CR-7001", "A"), ("19-CR-4410", "A"), ("16-CR-0588", "A"),
                   ("26-CR-0107", "A"))


def add_demo_users(ws: Workspace, password: str = DEMO_PASSWORD, *, kdf: KdfParams = USER_KDF,
                   office_type: OfficeType = OfficeType.PROSECUTOR) -> None:
    """The demo office (its profile filled in: letterhead, state and caption style, time zone, the policy as the
    office adopted it, relief words; and a prosecutor's office's letter signer) and its users, one of every role of
    the office, with their full names, titles and (attorneys) bar numbers, all with `password` (also for a demo
    file made before accounts existed)."""
    prosecutor = office_type == OfficeType.PROSECUTOR
    people = DEMO_PEOPLE if prosecutor else DEFENSE_PEOPLE
    set_up_office(ws, office_type, "admin", password, kdf=kdf,
                  office_name=OFFICE_NAME if prosecutor else DEFENSE_OFFICE_NAME, **people["admin"])
    admin = login(ws, "admin", password)
    roles = ((("supervisor", Role.SUPERVISOR), ("prosecutor", Role.PROSECUTOR), ("paralegal", Role.PARALEGAL))
             if prosecutor else (("attorney", Role.ATTORNEY), ("paralegal", Role.PARALEGAL)))
    for name, role in roles:
        create_user(admin, name, role, password, kdf=kdf, **people[name])
    _demo_office(admin, office_type)
    admin.end()


DEMO_REQUEST_CASE, DEMO_REQUEST_CHARGE = "26-CR-0108", "2"  # the buyer's solicitation
DEMO_REQUEST = {
    "ground": "prevent_trafficking",
    "public_safety": "The buyer is under investigation for paying a trafficker for access to several people; "
                     "charging the solicitation keeps him under court conditions while that investigation "
                     "continues.",
    "justification": "The charge concerns the buyer's own conduct: court conditions on it (no contact with the "
                     "people he paid for, staying away from the place) limit his access to people being sold "
                     "while the investigation of his payments goes on. No one is asked for anything in return, and "
                     "no charge of anyone else is kept or filed.",
    "evidence": "Invented for the demo: detective's report and payment records.",
}


def _demo_request(prosecutor: UserSession, supervisor: UserSession) -> None:
    """One section 8 request, on the buyer's solicitation charge of 26-CR-0108, drafted and signed by the
    prosecutor (with the affirmation that it uses no charge to obtain anyone's cooperation, section 2) and
    approved and signed by the supervisor: both signatures real."""
    from casereview.services import exception_requests as exceptions

    request = exceptions.draft_request(prosecutor, DEMO_REQUEST_CASE, [DEMO_REQUEST_CHARGE], **DEMO_REQUEST)
    exceptions.submit_request(prosecutor, request, affirmed=True)
    exceptions.decide_request(supervisor, request, approve=True,
                              reason="Approved: the conditions protect people at risk while the investigation of "
                                     "the buyer goes on; nothing is asked of anyone in return.")


def _demo_office(admin: UserSession, office_type: OfficeType = OfficeType.PROSECUTOR) -> None:
    """The demo office's profile, and (a prosecutor's office) its supervisor's signing authority for letters."""
    from dataclasses import replace
    from datetime import date

    from casereview.services.accounts import set_letter_signer
    from casereview.services.office import read_office, update_office

    common = replace(read_office(admin), county="Lane County", state="Oregon", caption_style="state",
                     time_zone="America/Los_Angeles",
                     relief_terms={"expungement": "expungement", "sealing": "record sealing"})
    if office_type == OfficeType.PROSECUTOR:
        update_office(admin, replace(
            common, address="125 East 8th Avenue, Eugene, OR 97401", phone="(541) 555-0100",
            email="records@demo-da.example.org", head_name="Alex Morgan", head_title="District Attorney",
            policy_title="Policy on Charges Arising from Sex Work", policy_adopted_on=date(2025, 4, 1),
            dob_in_letters="none", certificate_of_service=True))
        set_letter_signer(admin, "supervisor", True, name="Jordan Avery",
                          title="Chief Deputy District Attorney, designee of the District Attorney")
    else:
        update_office(admin, replace(
            common, address="201 West 10th Avenue, Eugene, OR 97401", phone="(541) 555-0170",
            email="intake@demo-defense.example.org", head_name="Pat Quinn", head_title="Executive Director"))


def _demo_letters(paralegal: UserSession, supervisor: UserSession) -> None:
    """The record letters drafted by the paralegal, each with its copy line (the office's letters carry a
    certificate of service); Dana Roe's signed by the supervisor (the designee). Rosa Vega's stays held: its
    court's docket number is not in the file yet."""
    from casereview.services import letters
    drafted = letters.draft_letters(paralegal).drafted
    for row in letters.list_letters(paralegal, status="draft"):
        if row.id in drafted:
            letters.edit_letter(paralegal, row.id, version=row.version,
                                copy_to=f"{row.person}, petitioner, by first-class mail to the address of record")
    dana = [r.id for r in letters.list_letters(paralegal, case_number="15-CR-2231") if r.status == "draft"]
    if dana:
        letters.sign_letters(supervisor, dana)


def _defense_documents(attorney: UserSession, paralegal: UserSession) -> None:
    """The defense demo: its clients and the prosecuting office recorded on their cases; the requests for
    non-opposition drafted for every client with eligible records (one signed); a screening memo, a policy exhibit
    and a client summary for Thị Lan Nguyễn's pending case."""
    from casereview.services import cases as casework
    from casereview.services import letters
    from casereview.store.cases import DefenseDetails

    for number in (raw["case_number"] for raw in DEMO_CASES):
        clients = frozenset(person for n, person in DEFENSE_CLIENTS if n == number)
        casework.set_defense(attorney, number, DefenseDetails(clients, PROSECUTING_OFFICE, adopted=True))
    drafted = letters.draft_letters(paralegal).drafted
    dana = [r.id for r in letters.list_letters(attorney, case_number="15-CR-2231") if r.id in drafted]
    for kind in ("screening_memo", "policy_exhibit", "client_summary"):
        letters.draft_letter(paralegal, "26-CR-0103", kind, "A")
    if dana:
        letters.sign_letters(attorney, dana)


def _remove(db: Path) -> None:
    for suffix in ("", ".keys", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def create_demo_file(path: Path, passphrase: str = DEMO_PASSPHRASE, *, password: str = DEMO_PASSWORD,
                     kdf: KdfParams = DEFAULT_KDF, user_kdf: KdfParams = USER_KDF,
                     office_type: OfficeType = OfficeType.PROSECUTOR) -> int:
    """Create the encrypted demo case file at `path` (which must not exist yet): a prosecutor's office (or, with
    `office_type`, a defense office) with a user of every role (all with `password`), and every case stored and
    screened as a real office would, so the audit trail is real too. The prosecutor's demo has its section 8 request
    and its letters; the defense demo its clients, requests, memo, exhibit and client summary. Returns the number
    of cases."""
    # Made under a temporary name and moved into place at the end: a demo cut short (the program killed while it
    # was being made) never looks like a finished one.
    partial = path.with_name(path.name + ".partial")
    _remove(partial)
    case_file, _recovery = create_case_file(partial, passphrase, kdf=kdf)
    try:
        ws = workspace_for(case_file, unlock(partial, passphrase))
        add_demo_users(ws, password, kdf=user_kdf, office_type=office_type)
        if office_type == OfficeType.PROSECUTOR:
            prosecutor, supervisor, paralegal = (login(ws, name, password)
                                                 for name in ("prosecutor", "supervisor", "paralegal"))
            import_cases(prosecutor, demo_cases(), load_builtin())
            _demo_request(prosecutor, supervisor)
            _demo_letters(paralegal, supervisor)
            # A bench warrant still out on Dana Roe's new charge, for the motions on warrants (Records → Motions).
            set_warrants(prosecutor, "26-CR-0101", frozenset({"1"}))
            users: tuple[UserSession, ...] = (prosecutor, supervisor, paralegal)
        else:
            attorney, paralegal = (login(ws, name, password) for name in ("attorney", "paralegal"))
            import_cases(attorney, demo_cases(), load_builtin())
            _defense_documents(attorney, paralegal)
            users = (attorney, paralegal)
        for user in users:
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

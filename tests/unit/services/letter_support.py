"""What the document tests share: an office profile filled in as the documents contract needs it, reading a PDF or
a .docx back, and a defense office's clients."""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import replace
from datetime import date
from typing import Any

import docx

from casereview.policy.profile import load_builtin
from casereview.services import accounts
from casereview.services import cases as casework
from casereview.services.access import OfficeType, Role
from casereview.services.demo import demo_cases
from casereview.services.office import read_office, update_office
from casereview.services.session import UserSession, Workspace
from casereview.store.cases import DefenseDetails
from casereview.store.keys import TEST_KDF
from tests.helpers import PASSWORD, staff

PROFILE_FIELDS: dict[str, Any] = {
    "name": "Lane County District Attorney", "address": "125 E 8th Ave, Eugene, OR 97401",
    "phone": "(541) 682-4261", "email": "da@lane.example.org", "head_name": "Jane Smith",
    "head_title": "District Attorney", "county": "Lane County", "state": "Oregon", "caption_style": "state",
    "time_zone": "America/Los_Angeles", "policy_title": "Policy on Charges Arising from Sex Work",
    "policy_adopted_on": date(2025, 4, 1), "relief_terms": {"sealing": "set-aside and sealing"},
}
DEFENSE_FIELDS: dict[str, Any] = {
    "name": "Lane County Public Defender", "address": "201 W 10th Ave, Eugene, OR 97401", "phone": "(541) 555-0170",
    "email": "intake@pd.example.org", "county": "Lane County", "state": "OR", "time_zone": "America/Los_Angeles",
    "relief_terms": {"expungement": "expungement", "sealing": "record sealing"},
}
PROSECUTING_OFFICE = "Lane County District Attorney's Office"


def fill_profile(admin: UserSession, defense: bool = False, **changes: Any) -> None:
    """The office profile filled in (as a real office's would be), with `changes`."""
    fields = {**(DEFENSE_FIELDS if defense else PROFILE_FIELDS), **changes}
    update_office(admin, replace(read_office(admin), **fields))


def clients(user: UserSession, *chosen: tuple[str, str], adopted: bool = True,
            prosecutor: str | None = PROSECUTING_OFFICE) -> None:
    """Record clients (case number, person id) and the prosecuting office of their cases."""
    for number in dict.fromkeys(n for n, _p in chosen):
        casework.set_defense(user, number, DefenseDetails(frozenset(p for n, p in chosen if n == number),
                                                          prosecutor, adopted))


def text(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return re.sub(r"\s+", " ", out)


def pages(pdf: bytes) -> list[str]:
    """Each page's text (pdftotext, its whitespace folded)."""
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return [re.sub(r"\s+", " ", page) for page in out.split("\f") if page.strip()]


def docx_text(data: bytes) -> str:
    word = docx.Document(io.BytesIO(data))
    parts = [p.text for p in word.paragraphs]
    parts += [cell.text for table in word.tables for row in table.rows for cell in row.cells]
    for section in word.sections:
        parts += [p.text for p in section.header.paragraphs]
    return re.sub(r"\s+", " ", " ".join(parts))


def flat(value: str) -> str:
    return re.sub(r"\s+", " ", value)


def defense_office(ws: Workspace) -> dict[Role, UserSession]:
    """A public defender's office set up in `ws`, its profile filled in and the demo cases imported by its
    attorney (the tests then mark the clients they need)."""
    accounts.set_up_office(ws, OfficeType.DEFENSE, "admin", PASSWORD, kdf=TEST_KDF, office_name="Public Defender")
    users = staff(ws, OfficeType.DEFENSE)
    fill_profile(users[Role.ADMINISTRATOR], defense=True)
    casework.import_cases(users[Role.ATTORNEY], demo_cases(), load_builtin())
    return users

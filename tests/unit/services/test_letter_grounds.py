"""A record letter cites the ground its decision gives (`relief_sections`), not a hard-coded section 6: the
prosecutor's letter to a court cites and quotes section 6 only where it is every record's ground and otherwise names
the policy and no section (a public filing never says the person was a victim, trafficked or a minor), and only then
says the records arose solely from the consensual exchange; the defense office's request quotes each ground; the
screening memo states each record relief with its ground."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from casereview.policy.case import parse_case
from casereview.policy.profile import load_builtin
from casereview.services import accounts, letters
from casereview.services import cases as casework
from casereview.services.access import OfficeType, Role
from casereview.services.demo import demo_cases
from casereview.services.office import read_office, update_office
from casereview.services.session import UserSession, Workspace
from casereview.store.database import open_case_file
from casereview.store.keys import TEST_KDF
from tests.helpers import PASSWORD, FakeClock, staff
from tests.unit.services.test_letters import _text

PROFILE = load_builtin()
GUIDE = load_builtin("community-guide-model")
DROP = next(sid for sid in GUIDE.sections if sid.startswith("guide: Drop current charges"))
CONSENSUAL = "consensual"
# A 2019 conviction of a seller recorded as a victim of trafficking: protect 3, do not contest on the ground of
# section 3.
TRAFFICKED = {"case_number": "19-CR-7001", "incident_date": "2019-04-02", "court": "Lane County District Court",
              "people": [{"id": "A", "name": "Noor Hale", "role": "seller", "date_of_birth": "1995-02-02",
                          "trafficking_victim": True}],
              "charges": [{"id": "1", "person": "A", "offense": "selling_sex", "status": "convicted",
                           "docket_number": "CR-19-7001", "disposition_date": "2019-08-01"}]}


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _letter_text(user: UserSession, person: str) -> str:
    row = next(r for r in letters.list_letters(user) if r.person == person)
    return _text(letters.preview(user, row.id))


@pytest.fixture
def prosecutors(workspace: Workspace) -> dict[Role, UserSession]:
    users = staff(workspace, OfficeType.PROSECUTOR)
    casework.import_cases(users[Role.PROSECUTOR], [*demo_cases(), parse_case(TRAFFICKED)], PROFILE)
    letters.draft_letters(users[Role.PARALEGAL])
    return users


@pytest.fixture
def defense(new_case_file: tuple[Path, bytes], clock: FakeClock) -> Any:
    path, key = new_case_file
    case_file = open_case_file(path, key)
    ws = accounts.workspace_for(case_file, key, clock=clock)
    accounts.set_up_office(ws, OfficeType.DEFENSE, "admin", PASSWORD, kdf=TEST_KDF, office_name="Public Defender")
    users = staff(ws, OfficeType.DEFENSE)
    casework.import_cases(users[Role.ATTORNEY], [*demo_cases(), parse_case(TRAFFICKED)], PROFILE)
    letters.draft_letters(users[Role.PARALEGAL])
    yield users
    case_file.close()


def test_the_prosecutors_letter_cites_section_6_only_where_it_is_every_records_ground(
        prosecutors: dict[Role, UserSession]) -> None:
    para = prosecutors[Role.PARALEGAL]
    section_6 = _flat(PROFILE.quote("6"))
    dana = _letter_text(para, "Dana Roe")  # 2015, selling sex: ground section 6
    assert "Section 6 of the office's non-prosecution policy provides:" in dana and section_6 in dana
    assert "arose solely from the consensual exchange" in dana
    for person, ground in (("Ana Cruz", "4"), ("Noor Hale", "3")):  # ground sections 4 and 6; section 3
        text = _letter_text(para, person)
        assert "will not contest the application" in text and "under the office's non-prosecution policy" in text
        assert section_6 not in text and CONSENSUAL not in text.lower(), person
        assert not re.search(r"[Ss]ection \d", text), person  # no section at all: a public filing
        assert _flat(PROFILE.quote(ground))[:80] not in text, person
        for word in ("trafficked", "victim", "minor", "under 18"):
            assert word not in text.lower(), (person, word)


def test_the_defense_request_quotes_each_records_ground(defense: dict[Role, UserSession]) -> None:
    para = defense[Role.PARALEGAL]
    dana = _letter_text(para, "Dana Roe")
    assert "(section 6):" in dana and _flat(PROFILE.quote("6")) in dana and "arose solely from the consensual" in dana
    ana = _letter_text(para, "Ana Cruz")  # her age unknown: sections 4 and 6
    assert "(sections 4 and 6):" in ana
    assert _flat(PROFILE.quote("4"))[:80] in ana and _flat(PROFILE.quote("6")) in ana
    assert CONSENSUAL not in ana.replace(_flat(PROFILE.quote("6")), "").lower()  # only inside the quote
    noor = _letter_text(para, "Noor Hale")
    assert "(section 3):" in noor and _flat(PROFILE.quote("3"))[:80] in noor
    assert CONSENSUAL not in noor.lower() and _flat(PROFILE.quote("6")) not in noor


def test_a_guide_ground_is_quoted_from_the_guide(defense: dict[Role, UserSession]) -> None:
    admin, para = defense[Role.ADMINISTRATOR], defense[Role.PARALEGAL]
    update_office(admin, replace(read_office(admin), policy_id=GUIDE.id))
    report = letters.draft_letters(para)
    assert report.drafted  # Priya Raman's unlicensed massage arrest, under the guide
    text = _letter_text(para, "Priya Raman")
    heading = DROP.removeprefix("guide: ")
    assert f"(the community guide's “{heading}”):" in text
    assert "community guide “Possibilities and Impacts of Non-Prosecution Policies" in text  # attributed to it
    assert CONSENSUAL not in text.lower() and "section 6" not in text.lower()


def test_the_memo_states_each_record_relief_with_its_ground(defense: dict[Role, UserSession]) -> None:
    para = defense[Role.PARALEGAL]
    memo = _text(letters.preview(para, letters.draft_letter(para, "19-CR-4410", "screening_memo")))
    assert "Record relief: do not contest (ground: sections 4 and 6)." in memo
    assert "Record relief (section 6)" not in memo
    assert _flat(PROFILE.quote("4"))[:80] in memo and _flat(PROFILE.quote("6"))[:80] in memo

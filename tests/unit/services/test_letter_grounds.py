"""Every record letter by its ground (`relief_sections`: ["6"], ["2"], ["3"], ["4"], ["4", "6"], a guide heading),
in both office types, read back with pdftotext for what it must and must never say (spec/documents.md).

The prosecutor's letter to a court states the office's position on the records, never a fact about the person: it
cites and quotes section 6, and describes the records as charges, only where section 6 alone is every record's
ground, and otherwise names the office's policy (its title and adoption date) and no section. The defense office's
request states each ground as what the record shows, in the client's favour, and never concedes consent where the
ground is not section 6 alone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from casereview.policy.case import parse_case
from casereview.policy.profile import load_builtin
from casereview.services import accounts, letters
from casereview.services import cases as casework
from casereview.services.access import OfficeType, Role
from casereview.services.demo import COURT, demo_cases
from casereview.services.office import read_office, update_office
from casereview.services.session import UserSession, Workspace
from casereview.store.database import open_case_file
from tests.helpers import FakeClock, staff
from tests.unit.services.letter_support import PROSECUTING_OFFICE, clients, defense_office, fill_profile, flat, text

PROFILE = load_builtin()
GUIDE = load_builtin("community-guide-model")
DROP = next(sid for sid in GUIDE.sections if sid.startswith("guide: Drop current charges"))
SECTION_6 = flat(PROFILE.quote("6"))
# What a letter to the court must never say of the person: trafficked, a minor, their age, a victim; nor any
# section but 6.
NEVER_TO_COURT = re.compile(r"traffick|victim|\bminor\b|under 18|\bage\b|years old|consensual|[Ss]ection \d")
GROUNDS = {"Dana Roe": ("6",), "Thị Lan Nguyễn": ("6",), "Ana Cruz": ("4", "6"), "Noor Hale": ("3",),
           "Tessa Lyle": ("4",), "Rosa Vega": ("2",)}


def _letter(user: UserSession, person: str, kind: str | None = None) -> letters.LetterRow:
    return next(r for r in letters.list_letters(user, kind=kind) if r.person == person)


def _letter_text(user: UserSession, person: str) -> str:
    return text(letters.preview(user, _letter(user, person).id))


@pytest.fixture
def prosecutors(workspace: Workspace) -> dict[Role, UserSession]:
    users = staff(workspace, OfficeType.PROSECUTOR)
    fill_profile(users[Role.ADMINISTRATOR])
    casework.import_cases(users[Role.PROSECUTOR], demo_cases(), PROFILE)
    letters.draft_letters(users[Role.PARALEGAL])
    return users


@pytest.fixture
def defense(new_case_file: tuple[Path, bytes], clock: FakeClock) -> Iterator[dict[Role, UserSession]]:
    path, key = new_case_file
    case_file = open_case_file(path, key)
    users = defense_office(accounts.workspace_for(case_file, key, clock=clock))
    clients(users[Role.ATTORNEY], ("15-CR-2231", "A"), ("17-CR-0934", "A"), ("19-CR-4410", "A"),
            ("19-CR-7001", "A"), ("16-CR-0588", "A"), ("20-CR-0077", "A"))
    clients(users[Role.ATTORNEY], ("18-CR-3307", "A"), adopted=False)
    letters.draft_letters(users[Role.PARALEGAL])
    yield users
    case_file.close()


# ------------------------------------------------------------------------------------------- to the court


def test_section_6_is_cited_and_quoted_only_where_it_is_every_records_ground(
        prosecutors: dict[Role, UserSession]) -> None:
    para = prosecutors[Role.PARALEGAL]
    for person in ("Dana Roe", "Thị Lan Nguyễn"):
        letter = _letter_text(para, person)
        assert "Section 6 of that policy provides:" in letter and SECTION_6 in letter
        assert "Fair and Just Prosecution, “Sex Work: Model Policy” (March 2025), section 6" in letter  # attributed
        assert "The record listed is a charge alleging only the exchange of sex for something of value, or its " \
               "solicitation." in letter
        # "consensual" appears only inside the quoted section, never about the person
        assert "consensual" not in letter.replace(SECTION_6, "")
        assert not re.search(r"traffick|victim|\bminor\b|under 18|sold sex|Section [0-57-9]", letter), person


@pytest.mark.parametrize("person", ["Ana Cruz", "Noor Hale", "Tessa Lyle", "Rosa Vega"])
def test_any_other_ground_names_the_policy_and_no_section(prosecutors: dict[Role, UserSession], person: str) -> None:
    """Ana Cruz: her age unknown (4 and 6); Noor Hale: trafficked (3); Tessa Lyle: 16 (4); Rosa Vega: a buyer's
    crime against her (2). The office's file keeps the ground; the letter says none of it."""
    letter = _letter_text(prosecutors[Role.PARALEGAL], person)
    assert f"will not contest an application by {person} for set-aside and sealing" in letter
    assert "The office takes this position under its policy “Policy on Charges Arising from Sex Work”, adopted on " \
           "April 1, 2025." in letter
    assert not NEVER_TO_COURT.search(letter), NEVER_TO_COURT.search(letter)
    assert "charge alleging only" not in letter  # not described as an exchange either
    for sid in GROUNDS[person]:
        assert flat(PROFILE.quote(sid))[:60] not in letter


def test_a_guide_ground_gives_no_section_either(prosecutors: dict[Role, UserSession]) -> None:
    """Under the community guide's profile Priya Raman's unlicensed massage arrest is not contested on the guide's
    heading: the letter names the policy only. An arrest with no court case is listed by agency, date and arrest
    number, and the letter is held until the application's docket is recorded."""
    admin, para = prosecutors[Role.ADMINISTRATOR], prosecutors[Role.PARALEGAL]
    update_office(admin, replace(read_office(admin), policy_id=GUIDE.id))
    letters.draft_letters(para)
    row = _letter(para, "Priya Raman")
    assert row.find_out == ("the docket number of the application this letter answers (an arrest with no court case "
                            "has none of its own: record the application's docket)",)
    letters.edit_letter(para, row.id, version=row.version, answered_docket="26CV04410")
    letter = text(letters.preview(para, row.id))
    assert "Arrest by Eugene Police Department on January 17, 2020, arrest no. EPD 20-000771" in letter
    assert "No. 26CV04410" in letter and "HELD" not in letter
    assert not NEVER_TO_COURT.search(letter) and "community guide" not in letter
    # Thị Lan Nguyễn's two records now: trespass (section 6) and the drug conviction (the guide): one letter, both
    # records, no section (section 6 is not every record's ground).
    both = text(letters.preview(para, _letter(para, "Thị Lan Nguyễn").id))
    assert "drug possession" in both and "trespass" in both and "does not concern" not in both
    assert not NEVER_TO_COURT.search(both)


def test_the_letter_lists_what_it_does_not_concern(prosecutors: dict[Role, UserSession]) -> None:
    letter = _letter_text(prosecutors[Role.PARALEGAL], "Thị Lan Nguyễn")
    assert "This letter does not concern: drug possession (ORS 475.752), docket 17CR09340, convicted on May 19, " \
           "2017 (office case 17-CR-0934, charge 2)." in letter


def test_relief_is_the_states_own_words(prosecutors: dict[Role, UserSession]) -> None:
    admin, para = prosecutors[Role.ADMINISTRATOR], prosecutors[Role.PARALEGAL]
    row = _letter(para, "Dana Roe")
    update_office(admin, replace(read_office(admin), relief_terms={"expungement": "expungement",
                                                                  "sealing": "record sealing"}))
    assert "application by Dana Roe for expungement or record sealing" in _letter_text(para, "Dana Roe")
    letters.edit_letter(para, row.id, version=row.version, relief="sealing")  # chosen for this letter
    assert "application by Dana Roe for record sealing of the record" in _letter_text(para, "Dana Roe")
    update_office(admin, replace(read_office(admin), relief_terms={}))
    row = _letter(para, "Dana Roe")
    letters.edit_letter(para, row.id, version=row.version, relief=letters.DEFAULT_RELIEF)
    assert "for expungement, record sealing, non-disclosure, or vacatur of the record" in \
        _letter_text(para, "Dana Roe")  # the generic list only where the office set no term


@pytest.mark.parametrize(("style", "state", "caption"), [
    ("state", "OR", "State of Oregon v. Dana Roe"),
    ("people", "California", "People of the State of California v. Dana Roe"),
    ("commonwealth", "PA", "Commonwealth of Pennsylvania v. Dana Roe")])
def test_the_caption_is_in_the_states_style(prosecutors: dict[Role, UserSession], style: str, state: str,
                                            caption: str) -> None:
    admin, para = prosecutors[Role.ADMINISTRATOR], prosecutors[Role.PARALEGAL]
    update_office(admin, replace(read_office(admin), state=state, caption_style=style))
    letter = _letter_text(para, "Dana Roe")
    assert caption in letter and letter.index("No. 15CR22310") < letter.index("Office case no. 15-CR-2231")
    assert all(caption in page for page in letter.split("Page ")[:-1])  # every page names the case
    row = _letter(para, "Dana Roe")  # the application answered, where recorded, is the caption
    letters.edit_letter(para, row.id, version=row.version, answered_caption="In the Matter of Dana Roe",
                        answered_docket="26CV01234")
    answered = _letter_text(para, "Dana Roe")
    assert "In the Matter of Dana Roe" in answered and "No. 26CV01234" in answered and caption not in answered


def test_a_letter_missing_something_is_held_and_says_what_to_find_out(prosecutors: dict[Role, UserSession]) -> None:
    admin, para = prosecutors[Role.ADMINISTRATOR], prosecutors[Role.PARALEGAL]
    update_office(admin, replace(read_office(admin), state=None, email=None, policy_adopted_on=None,
                                 dob_in_letters="year", certificate_of_service=True))
    row = _letter(para, "Ana Cruz")  # her date of birth is not recorded
    assert row.find_out == (
        "the office's state (for the caption) and e-mail address; the date the office adopted its policy (an "
        "administrator fills in Administration → Office profile)",
        "the date of birth of Ana Cruz (the office's letters show it)",
        "who is served a copy, and how (the person or their counsel: the letter's Copy to, for the certificate of "
        "service the office's letters carry)")
    letter = text(letters.preview(para, row.id))
    assert "HELD — this letter cannot be signed or sent until these are known. Find out:" in letter
    assert "the date of birth of Ana Cruz" in letter and "DRAFT — not signed" in letter
    assert "The Court" not in letter and "[state: to find out] v. Ana Cruz" in letter  # never a placeholder court
    signer = prosecutors[Role.SUPERVISOR]
    accounts.set_letter_signer(admin, "supervisor", True, name="Jordan Avery")
    report = letters.sign_letters(signer, [row.id])
    assert not report.signed and "Find out first: the office's state (for the caption)" in report.refused[0][1]


def test_the_date_of_birth_and_the_certificate_of_service_follow_the_office(
        prosecutors: dict[Role, UserSession]) -> None:
    admin, para = prosecutors[Role.ADMINISTRATOR], prosecutors[Role.PARALEGAL]
    assert "1996" not in _letter_text(para, "Dana Roe")  # none by default (courts' redaction rules)
    update_office(admin, replace(read_office(admin), dob_in_letters="year", certificate_of_service=True))
    row = _letter(para, "Dana Roe")
    letters.edit_letter(para, row.id, version=row.version, copy_to="Pat Doe, counsel for the petitioner, by e-mail")
    letter = _letter_text(para, "Dana Roe")
    assert "Dana Roe: year of birth 1996." in letter and "May 2, 1996" not in letter
    assert "Copy to: Pat Doe, counsel for the petitioner, by e-mail" in letter
    assert "Certificate of service" in letter and "a copy of this letter on Pat Doe, counsel for the petitioner" \
        in letter
    update_office(admin, replace(read_office(admin), dob_in_letters="full"))
    assert "Dana Roe: date of birth May 2, 1996." in _letter_text(para, "Dana Roe")


def test_records_in_two_courts_get_a_letter_each(workspace: Workspace) -> None:
    users = staff(workspace, OfficeType.PROSECUTOR)
    fill_profile(users[Role.ADMINISTRATOR])
    raw = {"case_number": "14-CR-0042", "incident_date": "2014-02-02", "court": COURT,
           "people": [{"id": "A", "name": "Lee Park", "role": "seller", "date_of_birth": "1990-01-01"}],
           "charges": [{"id": "1", "person": "A", "offense": "selling_sex", "status": "convicted",
                        "docket_number": "14CR00420", "disposition_date": "2014-05-05"},
                       {"id": "2", "person": "A", "offense": "selling_sex", "status": "dismissed",
                        "court": "Eugene Municipal Court", "docket_number": "M-14-77",
                        "disposition_date": "2014-06-06"}]}
    casework.import_cases(users[Role.PROSECUTOR], [parse_case(raw)], PROFILE)
    report = letters.draft_letters(users[Role.PARALEGAL])
    assert len(report.drafted) == 2
    texts = sorted((text(letters.preview(users[Role.PARALEGAL], n)) for n in report.drafted),
                   key=lambda t: "MUNICIPAL" not in t)
    assert "EUGENE MUNICIPAL COURT" in texts[0] and "No. M-14-77" in texts[0] and "14CR00420 " not in texts[0]
    assert "covered" not in texts[0]
    assert "CIRCUIT COURT OF THE STATE OF OREGON" in texts[1] and "No. 14CR00420" in texts[1]
    assert "This letter does not concern: selling sex, docket M-14-77, dismissed on June 6, 2014" in texts[1]
    again = letters.draft_letters(users[Role.PARALEGAL])  # drafting again changes nothing
    assert sorted(again.unchanged) == sorted(report.drafted)


def test_a_letter_is_dated_in_the_offices_own_time(prosecutors: dict[Role, UserSession],
                                                  clock: FakeClock) -> None:
    from datetime import UTC, datetime

    admin, para = prosecutors[Role.ADMINISTRATOR], prosecutors[Role.PARALEGAL]
    clock.now = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)  # 5:30 pm on 30 November in Oregon
    for user in prosecutors.values():
        user.last_activity = user.authenticated_at = clock.now
    accounts.set_letter_signer(admin, "supervisor", True, name="Jordan Avery")
    row = _letter(para, "Dana Roe")
    assert letters.sign_letters(prosecutors[Role.SUPERVISOR], [row.id]).signed == [row.id]
    letter = text(letters.preview(para, row.id))
    assert "November 30, 2026" in letter and "December 1, 2026" not in letter
    assert "Jordan Avery Chief Deputy District Attorney OSB 941203" in letter


def test_a_signer_without_a_bar_number_or_title_is_told_what_to_fill_in(prosecutors: dict[Role, UserSession]) -> None:
    admin = prosecutors[Role.ADMINISTRATOR]
    accounts.set_letter_signer(admin, "supervisor", True, name="Jordan Avery")
    accounts.set_user_names(admin, "supervisor", bar_number=None)
    row = _letter(prosecutors[Role.PARALEGAL], "Dana Roe")
    with pytest.raises(letters.LetterRefused, match="the bar number of Jordan Avery, who signs"):
        letters.sign_letters(prosecutors[Role.SUPERVISOR], [row.id])


# ---------------------------------------------------------------------------------------------- the defense


def test_defense_documents_are_only_for_clients(defense: dict[Role, UserSession]) -> None:
    para = defense[Role.PARALEGAL]
    people = {r.person for r in letters.list_letters(para)}
    assert "Phil Grant" not in people and people == {"Dana Roe", "Thị Lan Nguyễn", "Ana Cruz", "Noor Hale",
                                                    "Tessa Lyle", "Rosa Vega"}
    for kind in ("defense_request", "screening_memo", "policy_exhibit", "client_summary"):
        with pytest.raises(letters.LetterRefused, match="Phil Grant is not recorded as a client of this office"):
            letters.draft_letter(para, "19-CR-4410", kind, "B")


def test_the_defense_request_states_each_ground_as_what_the_record_shows(defense: dict[Role, UserSession]) -> None:
    para = defense[Role.PARALEGAL]
    dana = _letter_text(para, "Dana Roe")
    assert "the charge alleged only the exchange of sex for something of value, or its solicitation — the charge " \
           "section 6 of your office's policy describes" in dana and SECTION_6 in dana
    assert f"{PROSECUTING_OFFICE}" in dana and "your office's policy (adopted from Fair and Just Prosecution" in dana
    assert "State of Oregon v. Dana Roe" in dana and "No. 15CR22310" in dana and "date of birth May 2, 1996" in dana
    shows = {"Noor Hale": ("the record shows that Noor Hale was trafficked, which section 3", "3"),
             "Tessa Lyle": ("the record shows that Tessa Lyle was under 18 at the time, which section 4", "4"),
             "Rosa Vega": ("the record shows that Rosa Vega was the victim of a crime in the exchange, which "
                           "section 2", "2"),
             "Ana Cruz": ("the record does not show Ana Cruz's age at the time. Either way", "4")}
    for person, (words, sid) in shows.items():
        request = _letter_text(para, person)
        assert words in request, person
        assert flat(PROFILE.quote(sid))[:70] in request, person
        # consent is never conceded: "consensual" only inside section 6's own words, where they are quoted
        assert "consensual" not in request.replace(SECTION_6, ""), person
        assert "Nothing in this request is an admission by our client" in request
    assert SECTION_6 not in _letter_text(para, "Noor Hale")


def test_the_policy_is_the_prosecuting_offices_only_where_the_case_records_it(
        defense: dict[Role, UserSession]) -> None:
    para = defense[Role.PARALEGAL]
    rosa = _letter_text(para, "Rosa Vega")  # her case does not record that the office adopted the policy
    assert "the model prosecution policy Fair and Just Prosecution, “Sex Work: Model Policy” (March 2025), which our " \
           "file does not show your office to have adopted" in rosa
    assert "your office's policy" not in rosa and "section 2 of the model policy" in rosa


def test_a_guide_ground_is_quoted_from_the_guide(defense: dict[Role, UserSession]) -> None:
    admin, para = defense[Role.ADMINISTRATOR], defense[Role.PARALEGAL]
    update_office(admin, replace(read_office(admin), policy_id=GUIDE.id))
    letters.draft_letters(para)
    request = _letter_text(para, "Priya Raman")
    heading = DROP.removeprefix("guide: ")
    assert f"(the community guide's “{heading}”)" in request
    assert f"The community guide “Possibilities and Impacts of Non-Prosecution Policies in the Context of Sex Work " \
           f"Criminalization”, “{heading}”" in request  # attributed to it
    assert "consensual" not in request and "section 6" not in request.lower()


def test_the_memo_states_facts_as_what_the_record_alleges(defense: dict[Role, UserSession]) -> None:
    para, attorney = defense[Role.PARALEGAL], defense[Role.ATTORNEY]
    clients(attorney, ("26-CR-0110", "A"))
    memo = text(letters.preview(para, letters.draft_letter(para, "26-CR-0110", "screening_memo")))
    assert memo.count("Privileged and confidential — attorney work product") >= 2  # the notice and every page
    assert "The record alleges that Mei Chen physically assaulted Rob Vance." in memo
    assert "The record alleges that Mei Chen is the victim of a physical assault by Rob Vance." in memo
    assert "Mei Chen committed" not in memo and "physical_assault" not in memo and "Rule:" not in memo
    assert "To find out: whether Mei Chen was the aggressor." in memo
    assert "Charge 3" not in memo  # Rob Vance's charge is not the client's
    assert "Section 7 of the policy says that it creates no enforceable rights:" in memo
    assert flat(PROFILE.quote("7")) in memo and "supports a request to the prosecutor, not a claim" in memo
    assert "State of Oregon v. Mei Chen" in memo and "Our file no. 26-CR-0110" in memo
    memo_19 = text(letters.preview(para, letters.draft_letter(para, "19-CR-4410", "screening_memo")))
    assert "Record relief: do not contest (ground: sections 4 and 6)." in memo_19
    assert flat(PROFILE.quote("4"))[:80] in memo_19 and flat(PROFILE.quote("6"))[:80] in memo_19


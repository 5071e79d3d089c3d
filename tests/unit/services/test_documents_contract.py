"""The documents contract (spec/documents.md) for what the other tests do not cover document by document: the
section 8 request (the decision it deviates from quoted, section 8 whole, both signers by name and title, the
requester's affirmation required before signing), the defense office's policy exhibit and client summary, every
page's header and "Page N of M", and a property test over generated cases: no letter to the court and no defense
request says "consensual" about a record whose ground is not section 6 alone, and no letter to the court names
trafficking, age or a victim; a held letter says what to find out."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings

from casereview.policy.case import parse_case
from casereview.policy.engine import screen_case
from casereview.policy.profile import load_builtin
from casereview.services import accounts, letters
from casereview.services import cases as casework
from casereview.services import exception_requests as exceptions
from casereview.services.access import OfficeType, Role
from casereview.services.demo import DEMO_REQUEST, demo_cases
from casereview.services.session import UserSession, Workspace
from casereview.store.database import open_case_file
from tests.helpers import FakeClock, staff
from tests.strategies import case_dicts
from tests.unit.services.letter_support import clients, defense_office, fill_profile, flat, pages, text

PROFILE = load_builtin()
SECTION_6 = flat(PROFILE.quote("6"))
TO_COURT_NEVER = re.compile(r"traffick|victim|\bminor\b|under 18|\bage\b|years old", re.IGNORECASE)


@pytest.fixture
def office(workspace: Workspace) -> dict[Role, UserSession]:
    users = staff(workspace, OfficeType.PROSECUTOR)
    fill_profile(users[Role.ADMINISTRATOR])
    casework.import_cases(users[Role.PROSECUTOR], demo_cases(), PROFILE)
    return users


@pytest.fixture
def defense(new_case_file: tuple[Path, bytes], clock: FakeClock) -> Iterator[dict[Role, UserSession]]:
    path, key = new_case_file
    case_file = open_case_file(path, key)
    users = defense_office(accounts.workspace_for(case_file, key, clock=clock))
    clients(users[Role.ATTORNEY], ("26-CR-0103", "A"), ("26-CR-0101", "A"), ("26-CR-0108", "B"), ("15-CR-2231", "A"))
    yield users
    case_file.close()


# ----------------------------------------------------------------------------------------- section 8 request


def test_the_section_8_request_says_what_a_supervisor_needs(office: dict[Role, UserSession], tmp_path: Path) -> None:
    pat, sue = office[Role.PROSECUTOR], office[Role.SUPERVISOR]
    with pytest.raises(exceptions.RequestRefused, match="Before signing, affirm that the request does not use "
                                                        "charges or the threat of charges"):
        exceptions.submit_new(pat, "26-CR-0108", ["2"], **DEMO_REQUEST)  # no affirmation: nothing signed
    assert exceptions.my_requests(pat) == []
    request = exceptions.submit_new(pat, "26-CR-0108", ["2"], **DEMO_REQUEST, affirmed=True)
    decided = exceptions.decide_request(sue, request, approve=True, reason="Approved: the conditions protect people "
                                                                         "at risk; nothing is asked in return.")
    words = text(decided)
    section_1b = flat(PROFILE.quote("1(b)"))
    for expected in (
            "Request for an exception to the policy (section 8)", "Office case 26-CR-0108; docket 26CR10802",
            "Neil Hart", "solicitation", "ORS 167.008", "pending", "Circuit Court of the State of Oregon",
            "Charge 2 (Neil Hart, solicitation): decline — section 1(b), presumptively:", section_1b,
            "“Sex Work: Model Policy” (March 2025), section 1(b)", flat(PROFILE.quote("8")),
            "Section 8: situations in which “charges would have a direct impact on preventing trafficking”.",
            "Why public safety requires that deviation", DEMO_REQUEST["evidence"],
            "I affirm that this request does not use charges, or the threat of charges, to obtain anyone's "
            "cooperation", "the threat of prosecution should not be used to incentivize or encourage cooperation.",
            "Riley Chen", "Deputy District Attorney", "OSB 094512", "Date of the request: November 22, 2026",
            "Jordan Avery", "Chief Deputy District Attorney", "Approved", "November 22, 2026", "Page 1 of 2"):
        assert expected in words, expected
    assert "decline" in words and "selling_sex" not in words and "Rule:" not in words
    for page in pages(decided):  # every page: the office, the title, the case, Page N of M
        assert "Lane County District Attorney — Request for an exception" in page and "Office case 26-CR-0108" in page
        assert re.search(r"Page \d of \d", page)
    path = tmp_path / "decided.pdf"
    path.write_bytes(decided)
    checked = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    assert checked.count("Signature Type: ETSI.CAdES.detached") == 2 and checked.count("Signature is Valid.") == 2
    changed = bytearray(decided)
    changed[decided.index(b"/Contents") - 200] ^= 1  # one byte of the signed content
    path.write_bytes(bytes(changed))
    assert "Signature is Valid." not in subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout


def test_refusals_cite_why(office: dict[Role, UserSession]) -> None:
    pat, sue = office[Role.PROSECUTOR], office[Role.SUPERVISOR]
    with pytest.raises(exceptions.RequestRefused, match=r"cannot be the subject of an exception request \(section "
                                                        r"8\): .*past record"):
        exceptions.draft_request(pat, "15-CR-2231", ["1"], **DEMO_REQUEST)
    request = exceptions.submit_new(sue, "26-CR-0108", ["2"], **DEMO_REQUEST, affirmed=True)
    with pytest.raises(exceptions.PermissionDenied, match="Nobody decides their own request"):
        exceptions.decide_request(sue, request, approve=True, reason="Mine.")
    accounts.set_user_names(office[Role.ADMINISTRATOR], "prosecutor", title=None)
    with pytest.raises(exceptions.RequestRefused, match=r"The title of the requester .* not filled in"):
        exceptions.submit_new(pat, "26-CR-0101", ["2"], **DEMO_REQUEST, affirmed=True)


# ------------------------------------------------------------------------------------------- defense office


def test_the_policy_exhibit_quotes_only_the_clients_declined_or_protected_charges(
        defense: dict[Role, UserSession]) -> None:
    para = defense[Role.PARALEGAL]
    exhibit = text(letters.preview(para, letters.draft_letter(para, "26-CR-0103", "policy_exhibit", "A")))
    assert "State of Oregon v. Thị Lan Nguyễn" in exhibit and "No. 26CR10312" in exhibit
    assert "CIRCUIT COURT OF THE STATE OF OREGON FOR THE COUNTY OF LANE" in exhibit
    assert "Charge 2: drug possession (ORS 475.752), docket 26CR10312" in exhibit
    assert "The policy protects the person charged from this charge (section 2):" in exhibit
    assert flat(PROFILE.quote("2")) in exhibit and "“Sex Work: Model Policy” (March 2025), section 2" in exhibit
    for never in ("Mark Ellis", "refusal to pay", "record alleges", "review", "Charge 1", "find out", "Rule:"):
        assert never not in exhibit, never  # no reasons, no facts, nothing about review or other people
    clients(defense[Role.ATTORNEY], ("26-CR-0109", "B"))  # Carl Dorsey: charged under section 4
    with pytest.raises(letters.LetterRefused, match="The policy declines or protects none of Carl Dorsey's charges"):
        letters.draft_letter(para, "26-CR-0109", "policy_exhibit", "B")


def test_the_client_summary_is_in_plain_words_and_promises_nothing(defense: dict[Role, UserSession]) -> None:
    para, attorney = defense[Role.PARALEGAL], defense[Role.ATTORNEY]
    raw = {"case_number": "26-CR-0201", "incident_date": "2026-04-04", "court": "Lane County Circuit Court",
           "people": [{"id": "A", "name": "Tia Reed", "role": "seller", "date_of_birth": "1994-04-04"}],
           "charges": [{"id": "1", "person": "A", "offense": "solicitation", "statute": "ORS 167.007",
                        "docket_number": "26CR20101"},
                       {"id": "2", "person": "A", "offense": "selling_sex", "status": "convicted",
                        "offense_date": "2020-11-01", "docket_number": "21CR00077",
                        "disposition_date": "2021-02-02"}]}
    casework.import_cases(attorney, [parse_case(raw)], PROFILE)
    clients(attorney, ("26-CR-0201", "A"), prosecutor="Lane County District Attorney's Office")
    summary = text(letters.preview(para, letters.draft_letter(para, "26-CR-0201", "client_summary", "A")))
    assert "In 2026 you were charged with offering to sell sex (court case 26CR20101)." in summary
    assert "offering to pay for sex" not in summary  # a seller's solicitation is never called paying
    assert "In 2020 you were charged with selling sex (court case 21CR00077). The court record shows a conviction" \
           in summary
    assert "You may be able to ask the court for expungement or record sealing of this record." in summary
    assert "court files, in news stories and on web pages" in summary
    assert "If you are not a U.S. citizen, talk to an immigration lawyer before you act on this letter" in summary
    assert "The Lane County District Attorney's Office has a written policy about charges like yours." in summary
    assert "not a promise" in summary and "will clear" not in summary and "will be cleared" not in summary
    for jargon in ("section", "decline", "non-prosecution", "counterparty", "record relief", "consensual"):
        assert jargon not in summary.lower(), jargon


def test_an_approved_exception_is_the_prosecutors_exception_to_its_policy() -> None:
    import dataclasses
    from datetime import date
    from types import SimpleNamespace

    from casereview.services.letters import _plain

    case = next(c for c in demo_cases() if c.case_number == "26-CR-0108")
    declined = next(x for x in screen_case(case, PROFILE).charges if x.charge == "2")
    approved = dataclasses.replace(declined, decision="charge", sections=("8",))  # as a signed approval makes it
    charge = SimpleNamespace(local_id="2", offense="solicitation", status="pending", offense_date=None,
                             docket_number="26CR10802", disposition_date=None, party=SimpleNamespace(role="buyer"))
    row = SimpleNamespace(incident_date=date(2026, 3, 22), case_number="26-CR-0108")
    item = _plain(row, charge, approved, "", True)  # type: ignore[arg-type]
    assert item.what == "In 2026 you were charged with offering to pay for sex (court case 26CR10802)."
    assert item.meaning.startswith("The prosecutor's office made an exception to its policy for this charge.")


def test_every_page_carries_the_office_the_title_the_case_and_page_n_of_m(defense: dict[Role, UserSession]) -> None:
    para = defense[Role.PARALEGAL]
    memo = letters.preview(para, letters.draft_letter(para, "26-CR-0103", "screening_memo", "A"))
    found = pages(memo)
    assert len(found) >= 2
    for n, page in enumerate(found, 1):
        assert "Lane County Public Defender — Screening memo" in page and "State of Oregon v. Thị Lan Nguyễn" in page
        assert f"Page {n} of {len(found)}" in page and "DRAFT — not signed" in page
        assert "Privileged and confidential — attorney work product" in page


# ------------------------------------------------------------------------------------------- property test

_numbers = count(1)


def _safe(raw: dict[str, Any], n: int) -> dict[str, Any]:
    """A generated case with plain ids and texts, so that what the letters print is the application's own words
    (the generated names could spell anything)."""
    people = {p["id"]: f"P{i}" for i, p in enumerate(raw["people"])}
    charges = {c["id"]: str(i + 1) for i, c in enumerate(raw["charges"])}
    out = {**raw, "case_number": f"G-{n}", "county": "Lane County", "agency": "Eugene Police Department"}
    out["people"] = [{**{k: v for k, v in p.items() if k not in ("name", "person_key", "notes")},
                      "id": people[p["id"]], "name": f"Pat Doe{'e' * i}"} for i, p in enumerate(raw["people"])]
    out["facts"] = [{**f, "by": people[f["by"]], **({"against": people[f["against"]]} if f.get("against") else {})}
                    for f in raw["facts"]]
    out["charges"] = [{**{k: v for k, v in c.items() if k not in ("statute", "court", "docket_number", "notes")},
                       "id": charges[c["id"]], "person": people[c["person"]],
                       **({"with": people[c["with"]]} if c.get("with") else {}),
                       **({"statute": f"ORS 167.{i:03d}"} if "statute" in c else {}),
                       **({"court": "Lane County Circuit Court"} if "court" in c else {}),
                       **({"docket_number": f"{n}CR{i:05d}"} if "docket_number" in c else {})}
                      for i, c in enumerate(raw["charges"])]
    out.pop("court", None)
    if "court" in raw:
        out["court"] = "Lane County Circuit Court"
    out.pop("notes", None)
    if n % 2:  # every other case with all a letter prints: letters that are not held are read too
        out["court"] = "Lane County Circuit Court"
        for i, c in enumerate(out["charges"]):
            c.setdefault("docket_number", f"{n}CR{i:05d}")
            if c.get("status") in ("convicted", "dismissed"):
                c.setdefault("disposition_date", raw["incident_date"])
    return out


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(case_dicts(exceptions=False))
def test_no_letter_says_what_the_record_does_not_support(office: dict[Role, UserSession], raw: dict[str, Any]) -> None:
    n = next(_numbers)
    case = parse_case(_safe(raw, n))
    grounds = {d.charge: d.relief_sections for d in screen_case(case, PROFILE, signed_only=True).charges}
    assume(any(grounds.values()))  # a case with a record the office will not contest: a letter to read
    para = office[Role.PARALEGAL]
    casework.import_cases(office[Role.PROSECUTOR], [case], PROFILE)
    letters.draft_letters(para, case_numbers=[case.case_number])
    rows = letters.list_letters(para, case_number=case.case_number)
    for row in rows:
        words = text(letters.preview(para, row.id))
        outside = words.replace(SECTION_6, "")
        if any(grounds[c] != ("6",) for c in row.records):
            assert "consensual" not in words, (row, words)
            assert SECTION_6 not in words
        assert "consensual" not in outside
        assert not TO_COURT_NEVER.search(words), (TO_COURT_NEVER.search(words), words)
        assert "The Court" not in words
        if row.find_out:
            assert "HELD — this letter cannot be signed or sent until these are known. Find out:" in words
            assert all(flat(need)[:40] in words for need in row.find_out)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(case_dicts(exceptions=False))
def test_no_defense_request_concedes_consent_where_the_ground_is_not_section_6(
        defense: dict[Role, UserSession], raw: dict[str, Any]) -> None:
    n = next(_numbers)
    case = parse_case(_safe(raw, n))
    grounds = {d.charge: d.relief_sections for d in screen_case(case, PROFILE, signed_only=True).charges}
    assume(any(g and g != ("6",) for g in grounds.values()))  # a ground that must not concede consent
    attorney, para = defense[Role.ATTORNEY], defense[Role.PARALEGAL]
    casework.import_cases(attorney, [case], PROFILE)
    clients(attorney, *((case.case_number, p.id) for p in case.people))
    letters.draft_letters(para, case_numbers=[case.case_number])
    rows = letters.list_letters(para, case_number=case.case_number, kind="defense_request")
    for row in rows:
        words = text(letters.preview(para, row.id))
        if any(grounds[c] != ("6",) for c in row.records):
            assert "consensual" not in words.replace(SECTION_6, ""), (row, words)
        assert "admission" in words


MOTION_NEVER = re.compile(r"traffick|victim|\bminor\b|under 18|\bage\b|years old|consensual|section \d|"
                          r"sold sex|sells sex|selling sex with|buyer|seller", re.IGNORECASE)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(case_dicts(exceptions=False))
def test_no_motion_says_anything_about_the_people_it_lists(office: dict[Role, UserSession],
                                                            raw: dict[str, Any]) -> None:
    """Every generated case's motions (one per court and one per case): only open charges the policy declines or
    protects, each named as charged; no word of victims, trafficking, age, consent or roles; no section cited."""
    from casereview.services import motions

    n = next(_numbers)
    case = parse_case(_safe(raw, n))
    decided = {d.charge: d.decision for d in screen_case(case, PROFILE, signed_only=True).charges}
    wanted = {c.id for c in case.charges if c.status in ("pending", "filed") and decided[c.id] in ("decline",
                                                                                                    "protect")}
    assume(wanted)
    casework.import_cases(office[Role.PROSECUTOR], [case], PROFILE)
    para = office[Role.PARALEGAL]
    for scope in ("case", "omnibus"):
        report = motions.draft_motions(para, kinds=("dismiss",), scope=scope)
        left = {x.charge for x in report.left if x.case_number == case.case_number}
        for row in motions.list_motions(para):
            if row.scope != scope:
                continue
            words = text(motions.preview(para, row.id))
            assert not MOTION_NEVER.search(words), (MOTION_NEVER.search(words), words)
            assert "The Court" not in words
        listed = {c.local_id for m_ in _motions_of(office, case.case_number, scope) for c in m_}
        assert listed | left == wanted and not listed & left


def _motions_of(office: dict[Role, UserSession], number: str, scope: str) -> list[list[Any]]:
    from sqlalchemy import select

    from casereview.store import models as m

    with office[Role.PARALEGAL].workspace.session() as db:
        rows = db.scalars(select(m.Motion).where(m.Motion.scope == scope, m.Motion.status == "draft")).all()
        return [[c for c in row.charges if c.case.case_number == number] for row in rows]

"""Letters and memos: section 6 non-opposition letters drafted by a paralegal and signed by the head of office or a
designee; the defense office's request, memo and client summary, for its clients. Every letter is read back:
pdftotext, qpdf, pyHanko, pdfsig, python-docx."""

from __future__ import annotations

import copy
import io
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casereview.documents.signing import verify_pdf
from casereview.policy.case import parse_case
from casereview.policy.profile import load_builtin
from casereview.progress import Progress
from casereview.services import accounts, identities, letters, purges
from casereview.services import cases as casework
from casereview.services import exception_requests as exceptions
from casereview.services.access import OfficeType, Role
from casereview.services.demo import DEMO_CASES, demo_cases
from casereview.services.office import FieldProblem
from casereview.services.session import PermissionDenied, UserSession, Workspace
from casereview.store import audit
from casereview.store import models as m
from casereview.store.database import open_case_file
from casereview.store.keys import TEST_KDF
from tests.helpers import PASSWORD, FakeClock, staff
from tests.unit.services.letter_support import clients, fill_profile

pytestmark = pytest.mark.both_backends  # on a case file and on a PostgreSQL server (tests/conftest.py)

PROFILE = load_builtin()
SECTION_6 = PROFILE.quote("6")


def _text(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return re.sub(r"\s+", " ", out)


def _docx_text(data: bytes) -> str:
    word = docx.Document(io.BytesIO(data))
    parts = [p.text for p in word.paragraphs]
    parts += [cell.text for table in word.tables for row in table.rows for cell in row.cells]
    return re.sub(r"\s+", " ", " ".join(parts))


@pytest.fixture
def office(workspace: Workspace) -> dict[Role, UserSession]:
    users = staff(workspace, OfficeType.PROSECUTOR)
    fill_profile(users[Role.ADMINISTRATOR])
    casework.import_cases(users[Role.PROSECUTOR], demo_cases(), PROFILE)
    return users


ELIGIBLE = {("15-CR-2231", "Dana Roe"), ("17-CR-0934", "Thị Lan Nguyễn"), ("19-CR-4410", "Ana Cruz"),
            ("19-CR-7001", "Noor Hale"), ("16-CR-0588", "Tessa Lyle"), ("18-CR-3307", "Rosa Vega")}


def _ready(user: UserSession) -> list[int]:
    """The drafts that can be signed (the demo holds Rosa Vega's: its docket number is not in the file)."""
    return [r.id for r in letters.list_letters(user, status="draft") if not r.find_out]


def _grant(users: dict[Role, UserSession], role: Role = Role.SUPERVISOR, name: str = "Jane Smith",
           title: str = "") -> UserSession:
    accounts.set_letter_signer(users[Role.ADMINISTRATOR], role.value, True, name=name, title=title)
    return users[role]


def test_every_eligible_person_gets_one_letter_and_a_review_is_held(office: dict[Role, UserSession]) -> None:
    para = office[Role.PARALEGAL]
    report = letters.draft_letters(para)
    rows = {(r.case_number, r.person): r for r in letters.list_letters(para)}
    assert set(rows) == ELIGIBLE
    assert len(report.drafted) == 6 and all(r.status == "draft" for r in rows.values())
    # Rosa Vega's is drafted but held: the court's docket number of her record is not in the file.
    [held] = report.incomplete
    assert (held.case_number, held.person, held.letter_id) == ("18-CR-3307", "Rosa Vega",
                                                               rows[("18-CR-3307", "Rosa Vega")].id)
    assert held.find_out == ("the court's docket number of the record of selling sex (charge 1, office case "
                             "18-CR-3307)",)
    assert rows[("18-CR-3307", "Rosa Vega")].find_out == held.find_out
    assert not any(r.find_out for key, r in rows.items() if key[1] != "Rosa Vega")
    # Phil Grant's solicitation: his counterparty's age is unknown, so it is held, saying what to find out.
    assert [(h.case_number, h.person) for h in report.held] == [("19-CR-4410", "Phil Grant")]
    assert report.held[0].find_out == ("the age (date of birth) of Ana Cruz",)
    # Not eligible: an assault (an aggravating fact), an unlicensed massage arrest, and every pending charge.
    assert not any(r.case_number in ("18-CR-1502", "20-CR-0077") for r in rows.values())
    again = letters.draft_letters(para)  # drafting again changes nothing
    assert not again.drafted and sorted(again.unchanged) == sorted(report.drafted)


def test_all_eligible_records_of_one_person_in_one_case_go_in_one_letter(workspace: Workspace) -> None:
    users = staff(workspace, OfficeType.PROSECUTOR)
    raw = copy.deepcopy(DEMO_CASES[10])  # Dana Roe, 2015
    raw["charges"].append({"id": "2", "person": "A", "offense": "loitering_for_prostitution", "status": "dismissed",
                           "docket_number": "CR-15-2232", "disposition_date": "2015-09-01"})
    raw["charges"].append({"id": "3", "person": "A", "offense": "selling_sex", "status": "pending"})
    casework.import_cases(users[Role.PROSECUTOR], [parse_case(raw)], PROFILE)
    letters.draft_letters(users[Role.PARALEGAL])
    [row] = letters.list_letters(users[Role.PARALEGAL])
    assert row.records == ("1", "2")
    text = _text(letters.preview(users[Role.PARALEGAL], row.id))
    assert "15CR22310" in text and "CR-15-2232" in text and "records listed below" in text


def test_a_signed_letter_reads_back_and_verifies(office: dict[Role, UserSession], workspace: Workspace,
                                                 tmp_path: Path) -> None:
    letters.draft_letters(office[Role.PARALEGAL])
    jane = _grant(office)
    rows = letters.list_letters(jane)
    report = letters.sign_letters(jane, [r.id for r in rows])
    rosa = next(r.id for r in rows if r.person == "Rosa Vega")
    assert sorted(report.signed) == sorted(r.id for r in rows if r.id != rosa)
    [(refused, why)] = report.refused  # held: nothing is signed with a gap
    assert refused == rosa and "Find out first: the court's docket number" in why
    dana = next(r for r in letters.list_letters(jane) if r.person == "Dana Roe")
    assert dana.status == "signed"
    pdf = letters.preview(jane, dana.id)
    text = _text(pdf)
    for expected in ("Lane County District Attorney", "125 E 8th Ave, Eugene", "State of Oregon v. Dana Roe",
                     "Office case no. 15-CR-2231", "CIRCUIT COURT OF THE STATE OF OREGON FOR THE COUNTY OF LANE",
                     "No. 15CR22310", "selling sex", "ORS 167.007", "Convicted", "September 1, 2015",
                     "set-aside and sealing", "/s/ Jane Smith", "Jane Smith Chief Deputy District Attorney OSB 941203",
                     "Telephone: (541) 682-4261 · E-mail: da@lane.example.org", "Section 6",
                     "will not contest an application by Dana Roe for set-aside and sealing",
                     "“Policy on Charges Arising from Sex Work”, adopted on April 1, 2025",
                     "The record listed is a charge alleging only the exchange of sex for something of value, or "
                     "its solicitation.", "Page 1 of 1"):
        assert expected in text, expected
    assert "DRAFT" not in text and "consensual exchange of sex for something of value, or the" in text
    assert re.sub(r"\s+", " ", SECTION_6) in text  # section 6, word for word
    # A signed letter is final: no .docx of it (it would be made again from today's case file), and saving its PDF
    # is an export, which a paralegal may not do.
    with pytest.raises(letters.LetterRefused, match="final"):
        letters.export_docx(office[Role.PARALEGAL], dana.id, tmp_path / "signed.docx")
    with pytest.raises(PermissionDenied):
        letters.save_pdf(office[Role.PARALEGAL], dana.id, tmp_path / "copy.pdf")
    assert letters.save_pdf(jane, dana.id, tmp_path / "copy.pdf").read_bytes() == pdf
    [signature] = verify_pdf(pdf, identities.office_trust_roots(workspace))
    assert signature.ok and signature.trusted
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    checked = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    assert "Signature is Valid" in checked and "Signature Type: ETSI.CAdES.detached" in checked
    assert subprocess.run(["qpdf", "--check", str(path)], capture_output=True).returncode == 0
    with workspace.session() as db:  # kept byte for byte
        stored = db.query(m.SignedDocument).filter(m.SignedDocument.letter_id == dana.id).one()
        assert stored.pdf == pdf and stored.kind == "non_opposition"
        actions = [r.action for r in audit.records(db)]
    assert {"letters_drafted", "letter_drafted", "letters_signed", "document_signed"} <= set(actions)
    tampered = bytearray(pdf)
    at = pdf.index(b"15-CR-2231") if b"15-CR-2231" in pdf else len(pdf) // 3
    tampered[at] ^= 1
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(bytes(tampered))
    assert "Signature is Valid" not in subprocess.run(["pdfsig", str(bad)], capture_output=True, text=True).stdout


def test_only_the_head_of_office_or_a_designee_signs(office: dict[Role, UserSession]) -> None:
    letters.draft_letters(office[Role.PARALEGAL])
    ids = [r.id for r in letters.list_letters(office[Role.PARALEGAL])]
    with pytest.raises(PermissionDenied):
        letters.sign_letters(office[Role.PARALEGAL], ids)  # the role does not sign
    with pytest.raises(PermissionDenied, match="head of office or a designee"):
        letters.sign_letters(office[Role.PROSECUTOR], ids)  # the role may, the authority is not given
    with pytest.raises(accounts.AccountProblem, match="does not sign letters"):
        accounts.set_letter_signer(office[Role.ADMINISTRATOR], "paralegal", True, name="Pat Lee")
    with pytest.raises(FieldProblem) as missing_name:
        accounts.set_letter_signer(office[Role.ADMINISTRATOR], "prosecutor", True)
    assert missing_name.value.field == "name"
    with pytest.raises(FieldProblem) as unprintable:  # printed under the signature: it must print
        accounts.set_letter_signer(office[Role.ADMINISTRATOR], "prosecutor", True, name="Sam \U00010000")
    assert unprintable.value.field == "name" and "cannot print" in str(unprintable.value)
    prosecutor = _grant(office, Role.PROSECUTOR, "Sam Diaz", "Deputy District Attorney")
    assert letters.may_sign(prosecutor) is None
    report = letters.sign_letters(prosecutor, ids[:1])
    assert report.signed == ids[:1]
    assert "Deputy District Attorney" in _text(letters.preview(prosecutor, ids[0]))
    accounts.set_letter_signer(office[Role.ADMINISTRATOR], "prosecutor", False)
    assert letters.may_sign(prosecutor) is not None


def test_editing_a_draft(office: dict[Role, UserSession]) -> None:
    para = office[Role.PARALEGAL]
    letters.draft_letters(para)
    row = letters.list_letters(para)[0]
    version = letters.edit_letter(para, row.id, version=row.version, remarks="The petitioner has completed "
                                  "the diversion program.\n\nNo victim objects.", relief="expungement")
    assert version == row.version + 1
    text = _text(letters.preview(para, row.id))
    assert "completed the diversion program" in text and "No victim objects." in text and "expungement" in text
    with pytest.raises(letters.LetterRefused, match="Someone else changed"):
        letters.edit_letter(para, row.id, version=row.version, remarks="stale")
    with pytest.raises(FieldProblem) as long:
        letters.edit_letter(para, row.id, version=version, closing="x" * 6000)
    assert long.value.field == "closing"
    with pytest.raises(FieldProblem) as unprintable:
        letters.edit_letter(para, row.id, version=version, addressee="\U00010000 court")
    assert unprintable.value.field == "addressee" and "cannot print" in str(unprintable.value)
    version = letters.edit_letter(para, row.id, version=version, addressee="臺灣高等法院\nСуд Ленинского района")
    assert "臺灣高等法院" in _text(letters.preview(para, row.id))
    jane = _grant(office)
    letters.sign_letters(jane, [row.id])
    with pytest.raises(letters.LetterRefused, match="signed"):
        letters.edit_letter(para, row.id, version=version + 1, remarks="after signing")
    with pytest.raises(letters.LetterRefused, match="only drafts"):
        letters.delete_draft(para, row.id)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40))
def test_any_remark_is_either_refused_by_name_or_printed(office: dict[Role, UserSession], remark: str) -> None:
    para = office[Role.PARALEGAL]
    if not letters.list_letters(para):
        letters.draft_letters(para)
    row = letters.list_letters(para)[0]
    try:
        letters.edit_letter(para, row.id, version=row.version, remarks=remark)
    except FieldProblem as e:
        assert e.field == "remarks"
        return
    text = _text(letters.preview(para, row.id))
    for word in remark.split():
        if word.isalnum() and word.isascii():
            assert word in text


def test_the_docx_has_the_same_fields(office: dict[Role, UserSession], tmp_path: Path) -> None:
    para = office[Role.PARALEGAL]
    letters.draft_letters(para)
    row = next(r for r in letters.list_letters(para) if r.person == "Thị Lan Nguyễn")
    path = letters.export_docx(para, row.id, tmp_path / "draft.docx")
    assert path.stat().st_mode & 0o777 == 0o600
    text = _docx_text(path.read_bytes())
    for expected in ("Lane County District Attorney", "Thị Lan Nguyễn", "17-CR-0934", "17CR09340", "trespass",
                     "Convicted", "May 19, 2017", "set-aside and sealing", re.sub(r"\s+", " ", SECTION_6),
                     "This letter does not concern: drug possession (ORS 475.752), docket 17CR09340, convicted on "
                     "May 19, 2017"):
        assert expected in text, expected
    assert "District Attorney or a designee" in text  # who is to sign it
    word = docx.Document(str(path))
    assert word.paragraphs[0].text.startswith("DRAFT")  # marked DRAFT, with real document properties
    props = word.core_properties
    assert props.author == "Lane County District Attorney" and props.title.startswith("DRAFT")
    assert props.created is not None and props.created.year == 2026
    assert "DRAFT" in word.sections[0].header.paragraphs[0].text


def test_a_letter_whose_records_changed_is_not_signed(office: dict[Role, UserSession]) -> None:
    para = office[Role.PARALEGAL]
    letters.draft_letters(para)
    row = next(r for r in letters.list_letters(para) if r.case_number == "15-CR-2231")
    raw = copy.deepcopy(DEMO_CASES[10])
    raw["people"].append({"id": "B", "name": "Kim Ward", "role": "buyer", "date_of_birth": "1970-01-01"})
    raw["facts"] = [{"type": "physical_assault", "by": "A", "against": "B"}]  # an aggravating fact by Dana Roe
    _case, version = casework.read_case(para, "15-CR-2231")
    casework.update_case(para, parse_case(raw), version, PROFILE)
    report = letters.sign_letters(_grant(office), [row.id])
    assert not report.signed and "changed since the letter was drafted" in report.refused[0][1]


def test_a_resolved_review_gets_its_letter(office: dict[Role, UserSession]) -> None:
    para = office[Role.PARALEGAL]
    letters.draft_letters(para)
    raw = copy.deepcopy(DEMO_CASES[12])  # 19-CR-4410: Ana Cruz's age was unknown
    raw["people"][0]["date_of_birth"] = "1990-01-01"
    _case, version = casework.read_case(para, "19-CR-4410")
    casework.update_case(para, parse_case(raw), version, PROFILE)
    report = letters.draft_letters(para)
    assert not report.held and len(report.drafted) == 1
    assert {r.person for r in letters.list_letters(para, case_number="19-CR-4410")} == {"Ana Cruz", "Phil Grant"}


def test_many_letters_are_signed_on_every_core(office: dict[Role, UserSession], workspace: Workspace) -> None:
    prosecutor = office[Role.PROSECUTOR]
    batch = []
    for n in range(10):
        raw = copy.deepcopy(DEMO_CASES[10])
        raw["case_number"] = f"14-CR-{n:04d}"
        raw["people"][0]["person_key"] = f"SID-9{n:05d}"
        batch.append(parse_case(raw))
    casework.import_cases(prosecutor, batch, PROFILE)
    letters.draft_letters(office[Role.PARALEGAL])
    ids = _ready(prosecutor)
    assert len(ids) == 15
    report = letters.sign_letters(_grant(office), ids, workers=2)
    assert sorted(report.signed) == sorted(ids)
    roots = identities.office_trust_roots(workspace)
    for letter_id in ids:
        assert all(s.ok for s in verify_pdf(letters.preview(prosecutor, letter_id), roots))


def test_purging_a_person_deletes_their_letters(office: dict[Role, UserSession], workspace: Workspace) -> None:
    """A court order to purge a person: their letters, the requests for their charges and the memos of their cases
    go too, signed documents included (each names them)."""
    letters.draft_letters(office[Role.PARALEGAL])
    letters.sign_letters(_grant(office), [r.id for r in letters.list_letters(office[Role.PARALEGAL])])
    request = exceptions.draft_request(  # Dana Roe's charge and John Poe's: a request naming both
        office[Role.PROSECUTOR], "26-CR-0101", ["1", "2"], ground="other", public_safety="Public safety requires it.",
        justification="A justification.", evidence="A report.")
    exceptions.submit_request(office[Role.PROSECUTOR], request, affirmed=True)
    with workspace.session() as db:
        assert sum("Dana Roe" in _text(d.pdf) for d in db.query(m.SignedDocument)) == 2
    with workspace.session() as db:
        person_id = db.query(m.Person.id).filter(m.Person.person_key == "SID-100231").scalar()
    admin = office[Role.ADMINISTRATOR]
    report = purges.purge_person(admin, person_id, "Order 2026-77")
    assert report.shared_requests == ["26-CR-0101"]  # said, and recorded: John Poe's charge lost its request
    assert all(r.person != "Dana Roe" for r in letters.list_letters(office[Role.PARALEGAL]))
    with workspace.session() as db:
        assert not any("Dana Roe" in _text(d.pdf) for d in db.query(m.SignedDocument))
        assert db.get(m.ExceptionWorkflow, request) is None
        assert db.query(m.SignedDocument).count() == 4  # the other people's signed letters stay
        assert f"request:{request}" in [r.object_id for r in audit.records(db) if r.action == "purge"]


# ---------------------------------------------------------------------------------------------- defense office


@pytest.fixture
def defense(new_case_file: tuple[Path, bytes], clock: FakeClock) -> Iterator[dict[Role, UserSession]]:
    path, key = new_case_file
    case_file = open_case_file(path, key)
    ws = accounts.workspace_for(case_file, key, clock=clock)
    accounts.set_up_office(ws, OfficeType.DEFENSE, "admin", PASSWORD, kdf=TEST_KDF,
                           office_name="Lane County Public Defender")
    users = staff(ws, OfficeType.DEFENSE)
    fill_profile(users[Role.ADMINISTRATOR], defense=True)
    casework.import_cases(users[Role.ATTORNEY], demo_cases(), PROFILE)
    clients(users[Role.ATTORNEY], ("15-CR-2231", "A"), ("26-CR-0103", "A"), ("26-CR-0101", "A"))
    yield users
    case_file.close()


def test_the_defense_office_drafts_requests_memos_and_summaries(defense: dict[Role, UserSession]) -> None:
    para, attorney = defense[Role.PARALEGAL], defense[Role.ATTORNEY]
    report = letters.draft_letters(para)
    assert len(report.drafted) == 1 and report.not_clients == 5  # only for the office's clients
    request = next(r for r in letters.list_letters(para) if r.person == "Dana Roe")
    assert request.kind == "defense_request"
    text = _text(letters.preview(para, request.id))
    assert "On behalf of our client, Dana Roe (date of birth May 2, 1996)" in text
    assert re.sub(r"\s+", " ", SECTION_6) in text and "Lane County District Attorney's Office" in text
    memo = letters.draft_letter(para, "26-CR-0103", "screening_memo")  # for the case's one client
    memo_text = _text(letters.preview(para, memo))
    for expected in ("26-CR-0103", "Charge 2", "Mark Ellis", "Thị Lan Nguyễn", PROFILE.title, PROFILE.version,
                     "Privileged and confidential — attorney work product", "section 2", "Section 7"):
        assert expected in memo_text, expected
    assert "Charge 1" not in memo_text  # Mark Ellis's charge: not the client's
    assert re.sub(r"\s+", " ", PROFILE.quote("2"))[:60] in memo_text
    with pytest.raises(letters.LetterRefused, match="not recorded as a client"):
        letters.draft_letter(para, "26-CR-0103", "client_summary", "B")
    summary = letters.draft_letter(para, "26-CR-0101", "client_summary", "A")
    plain = _text(letters.preview(para, summary))
    assert "Dear Dana Roe" in plain and "selling sex" in plain and "should usually not bring this charge" in plain
    for jargon in ("section", "decline", "non-prosecution", "counterparty", "record relief", "expungement"):
        assert jargon not in plain.lower(), jargon
    with pytest.raises(letters.LetterRefused):
        letters.draft_letter(para, "26-CR-0101", "non_opposition", "A")  # a prosecutor's letter
    signed = letters.sign_letters(attorney, [request.id, memo, summary])  # the attorney signs, no grant needed
    assert len(signed.signed) == 3
    with pytest.raises(PermissionDenied):
        letters.sign_letters(para, [request.id])


class _During(Progress):
    """Progress that does something the moment the letters are composed, before they are stored."""

    def __init__(self, then: Callable[[], None]) -> None:
        super().__init__()
        self.then = then

    def report(self, done: int, total: int = 0, text: str = "") -> None:
        super().report(done, total, text)
        if text.startswith("Prepared"):
            self.then()


def test_one_password_covers_a_long_signing_run(office: dict[Role, UserSession], clock: FakeClock,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    letters.draft_letters(office[Role.PARALEGAL])
    jane = _grant(office)
    ids = _ready(jane)
    monkeypatch.setattr(letters, "SIGN_BATCH", 1)  # a batch per letter: the run outlasts the confirmation
    report = letters.sign_letters(jane, ids, progress=_During(lambda: clock.advance(minutes=6)))
    assert sorted(report.signed) == sorted(ids)


def test_a_case_changed_while_its_letter_was_being_signed_is_refused(office: dict[Role, UserSession]) -> None:
    para = office[Role.PARALEGAL]
    letters.draft_letters(para)
    dana = next(r for r in letters.list_letters(para) if r.person == "Dana Roe")

    def edit_the_case() -> None:
        raw = copy.deepcopy(DEMO_CASES[10])
        raw["charges"][0]["status"] = "pending"  # no longer a past record: nothing for section 6 to cover
        _case, version = casework.read_case(para, "15-CR-2231")
        casework.update_case(para, parse_case(raw), version, PROFILE)

    report = letters.sign_letters(_grant(office), [dana.id], progress=_During(edit_the_case))
    assert not report.signed and "changed while the letters were being signed" in report.refused[0][1]
    assert next(r for r in letters.list_letters(para) if r.id == dana.id).status == "draft"


def test_a_signed_letter_outlives_an_edit_of_its_case(office: dict[Role, UserSession], workspace: Workspace) -> None:
    """Renumbering the person and the charge in the case makes new rows for them; the signed letter, its signed
    PDF and what it was signed for stay."""
    para = office[Role.PARALEGAL]
    letters.draft_letters(para)
    dana = next(r for r in letters.list_letters(para) if r.person == "Dana Roe")
    letters.sign_letters(_grant(office), [dana.id])
    raw = copy.deepcopy(DEMO_CASES[10])
    raw["people"][0]["id"] = "P"
    raw["charges"][0].update(id="7", person="P")
    _case, version = casework.read_case(para, "15-CR-2231")
    casework.update_case(para, parse_case(raw), version, PROFILE)
    kept = next(r for r in letters.list_letters(para) if r.id == dana.id)
    assert (kept.status, kept.person, kept.records) == ("signed", "Dana Roe", ("1",))
    assert "Dana Roe" in _text(letters.preview(para, dana.id))
    with workspace.session() as db:
        assert db.query(m.SignedDocument).filter(m.SignedDocument.letter_id == dana.id).count() == 1

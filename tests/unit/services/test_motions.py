"""Motions to dismiss charges and to vacate or quash warrants (issue 16): which charges, one per court or per case,
held with what to find out, signed in batches, read back with pdftotext, pdfsig and qpdf."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from casereview.documents.signing import verify_pdf
from casereview.policy.case import parse_case
from casereview.policy.profile import load_builtin
from casereview.progress import Progress
from casereview.services import accounts, identities, motions
from casereview.services import cases as casework
from casereview.services.access import OfficeType, Role
from casereview.services.demo import demo_cases
from casereview.services.office import FieldProblem, read_office, update_office
from casereview.services.session import PermissionDenied, UserSession, Workspace
from casereview.store import models as m
from casereview.store.database import open_case_file
from tests.helpers import FakeClock, staff
from tests.unit.services.letter_support import defense_office, fill_profile, pages, text

pytestmark = pytest.mark.both_backends

PROFILE = load_builtin()
# Words a filing must never say about the people it lists (the documents contract, for every filing).
NEVER = re.compile(r"traffick|victim|minor\b|under 18|consensual|sold sex|sells sex|section \d", re.IGNORECASE)


@pytest.fixture
def office(workspace: Workspace) -> dict[Role, UserSession]:
    users = staff(workspace, OfficeType.PROSECUTOR)
    fill_profile(users[Role.ADMINISTRATOR])
    casework.import_cases(users[Role.PROSECUTOR], demo_cases(), PROFILE)
    return users


def _eligible(ws: Workspace, kind: str = "dismiss") -> list[tuple[str, str, str | None, str | None]]:
    """An independent count: open charges the stored screening declines or protects, by (case, charge, court,
    docket)."""
    with ws.session() as db:
        rows = db.execute(select(m.Case.case_number, m.Charge.local_id, m.Charge.court, m.Case.court,
                                 m.Charge.docket_number, m.Charge.warrant_outstanding)
                          .join(m.Case, m.Case.id == m.Charge.case_id)
                          .where(m.Charge.status.in_(("pending", "filed")),
                                 m.Charge.decision.in_(("decline", "protect")))).all()
    return [(n, c, court or case_court, d) for n, c, court, case_court, d, w in rows if kind != "warrants" or w]


def _set_warrant(ws: Workspace, case_number: str, charge: str) -> None:
    with ws.session() as db, db.begin():
        row = db.scalars(select(m.Charge).join(m.Case).where(m.Case.case_number == case_number,
                                                             m.Charge.local_id == charge)).one()
        row.warrant_outstanding = True


def test_one_omnibus_motion_per_court_lists_every_eligible_charge(office: dict[Role, UserSession],
                                                                   workspace: Workspace) -> None:
    para = office[Role.PARALEGAL]
    report = motions.draft_motions(para, kinds=("dismiss",))
    expected = _eligible(workspace)
    complete = [x for x in expected if x[2] and x[3]]
    assert expected and complete, "the demo has open charges the policy declines or protects"
    # Every eligible charge is either in a motion or left out with what to find out — never silently dropped.
    assert report.charges == len(complete)
    assert {(x.case_number, x.charge) for x in report.left} == {(n, c) for n, c, court, d in expected
                                                                 if not (court and d)}
    for left in report.left:
        assert any("docket number" in f or "court" in f for f in left.find_out)
    rows = motions.list_motions(para)
    assert len(rows) == len({c for _n, _c, c, _d in complete}) == len(report.drafted)
    assert all(r.scope == "omnibus" and r.status == "draft" and not r.find_out for r in rows)
    pdf = motions.preview(para, rows[0].id)
    body = text(pdf)
    for n, c, _court, docket in complete:
        assert docket in body and n in body, (n, c)
    for expected_words in ("Motion to dismiss", "State of Oregon v. the defendants listed in Schedule A",
                           "Lane County District Attorney moves the Court to dismiss the charges listed in Schedule A",
                           "“Policy on Charges Arising from Sex Work”, adopted on April 1, 2025",
                           "It is not a statement about the facts of any charge or about any person listed",
                           "Schedule A", "[PROPOSED] ORDER", "IT IS ORDERED", "Judge of the Court", "DRAFT"):
        assert expected_words in body, expected_words
    assert not NEVER.search(body), NEVER.search(body)
    every = pages(pdf)
    assert len(every) >= 2 and all(f"Page {i} of {len(every)}" in p for i, p in enumerate(every, 1))
    assert all("Lane County District Attorney" in p and "Motion to dismiss" in p for p in every)
    assert "[PROPOSED] ORDER" in every[-1] and "Respectfully submitted" not in every[-1]


def test_drafting_again_changes_nothing_and_follows_the_case_file(office: dict[Role, UserSession],
                                                                   workspace: Workspace) -> None:
    para = office[Role.PARALEGAL]
    first = motions.draft_motions(para)
    again = motions.draft_motions(para)
    assert not again.drafted and not again.updated and sorted(again.unchanged) == sorted(first.drafted)
    # A charge whose docket becomes known joins its court's motion.
    left = next(x for x in first.left if x.find_out and all("docket" in f for f in x.find_out))
    case = casework.export_case(office[Role.PROSECUTOR], left.case_number)
    charges = tuple(c if c.id != left.charge else replace(c, docket_number="26CR99999") for c in case.charges)
    with workspace.session() as db:
        version = db.scalars(select(m.Case.version).where(m.Case.case_number == left.case_number)).one()
    casework.update_case(office[Role.PROSECUTOR], replace(case, charges=charges), version, PROFILE)
    third = motions.draft_motions(para)
    assert third.updated and not third.drafted
    assert (left.case_number, left.charge) not in {(x.case_number, x.charge) for x in third.left}
    assert "26CR99999" in text(motions.preview(para, third.updated[0]))


def test_a_warrant_motion_lists_only_charges_with_a_warrant(office: dict[Role, UserSession],
                                                             workspace: Workspace) -> None:
    para = office[Role.PARALEGAL]
    assert not motions.draft_motions(para, kinds=("warrants",)).drafted  # no warrant recorded yet
    complete = [x for x in _eligible(workspace) if x[2] and x[3]]
    number, charge, _court, docket = complete[0]
    _set_warrant(workspace, number, charge)
    report = motions.draft_motions(para, kinds=("warrants",))
    assert report.charges == 1 and len(report.drafted) == 1
    body = text(motions.preview(para, report.drafted[0]))
    assert "Motion to vacate warrants" in body and docket in body
    assert "moves the Court to vacate the outstanding warrant issued on the charge listed in Schedule A" in body
    assert "The outstanding warrant issued on the charge listed in Schedule A is vacated." in body
    others = [d for _n, _c, _court, d in complete[1:] if d != docket]
    assert not any(d in body for d in others)
    admin = office[Role.ADMINISTRATOR]
    update_office(admin, replace_profile(admin, warrant_term="quash", dismissal_style="nolle_prosequi"))
    body = text(motions.preview(para, report.drafted[0]))
    assert "Motion to quash warrants" in body and "is quashed" in body
    dismiss = motions.draft_motions(para, kinds=("dismiss",))
    body = text(motions.preview(para, dismiss.drafted[0]))
    assert "Motion for leave to enter a nolle prosequi" in body and "for leave to enter a nolle prosequi on" in body
    with pytest.raises(FieldProblem, match="warrant"):
        update_office(admin, replace_profile(admin, warrant_term="cancel"))


def replace_profile(admin: UserSession, **changes: Any) -> Any:
    return replace(read_office(admin), **changes)


def test_one_motion_per_case_names_the_other_charges_it_does_not_concern(office: dict[Role, UserSession]) -> None:
    para = office[Role.PARALEGAL]
    report = motions.draft_motions(para, kinds=("dismiss",), scope="case")
    rows = motions.list_motions(para)
    assert all(r.scope == "case" and r.case_number and r.cases == 1 for r in rows)
    assert len(rows) == len(report.drafted) >= 2
    for row in rows:
        body = text(motions.preview(para, row.id))
        assert f"Office case no. {row.case_number}" in body and "State of Oregon v." in body
        assert not NEVER.search(body), (row.case_number, NEVER.search(body))
    # A person with another charge the motion does not cover: the motion says so.
    casework.import_cases(office[Role.PROSECUTOR], [parse_case({
        "case_number": "26-CR-0900", "incident_date": "2026-11-20", "court": "Lane County Circuit Court",
        "people": [{"id": "A", "name": "Lee Park", "role": "seller", "age": 30}],
        "charges": [{"id": "1", "person": "A", "offense": "selling_sex", "docket_number": "26CR90001"},
                    {"id": "2", "person": "A", "offense": "other", "statute": "ORS 164.043",
                     "docket_number": "26CR90002"}]})], PROFILE)
    report = motions.draft_motions(para, kinds=("dismiss",), scope="case")
    [mine] = [r for r in motions.list_motions(para) if r.case_number == "26-CR-0900"]
    body = text(motions.preview(para, mine.id))
    assert "26CR90001" in body and "State of Oregon v. Lee Park" in body
    assert "This motion does not concern: " in body and "ORS 164.043" in body and "26CR90002" in body


def test_a_motion_missing_the_office_profile_is_held_and_not_signed(office: dict[Role, UserSession]) -> None:
    fill_profile(office[Role.ADMINISTRATOR], policy_title=None, email=None)
    report = motions.draft_motions(office[Role.PARALEGAL], kinds=("dismiss",))
    assert report.held and all(any("title under which the office adopted its policy" in f for f in r.find_out)
                               for r in report.held)
    body = text(motions.preview(office[Role.PARALEGAL], report.drafted[0]))
    assert "HELD" in body and "[policy title: to find out]" in body
    signed = motions.sign_motions(office[Role.PROSECUTOR], report.drafted)
    assert not signed.signed and all("held" in why for _id, why in signed.refused)


def test_signed_motions_verify_and_are_kept_byte_for_byte(office: dict[Role, UserSession], workspace: Workspace,
                                                          tmp_path: Path) -> None:
    para, pros = office[Role.PARALEGAL], office[Role.PROSECUTOR]
    report = motions.draft_motions(para, scope="case")
    with pytest.raises(PermissionDenied):
        motions.sign_motions(para, report.drafted)
    progress = Progress()
    signed = motions.sign_motions(pros, report.drafted, progress=progress, workers=2)
    assert sorted(signed.signed) == sorted(report.drafted) and not signed.refused
    assert progress.done == progress.total == len(report.drafted)
    rows = motions.list_motions(pros, status="signed")
    pdf = motions.preview(pros, rows[0].id)
    body = text(pdf)
    assert "DRAFT" not in body and "/s/ " in body and "Respectfully submitted" in body
    [signature] = verify_pdf(pdf, identities.office_trust_roots(workspace))
    assert signature.ok and signature.trusted
    written, left_out = motions.write_motions(pros, tmp_path / "out", [r.id for r in rows])
    assert not left_out and len(written) == len(rows)
    assert written[0].read_bytes() in {motions.preview(pros, r.id) for r in rows}
    checked = subprocess.run(["pdfsig", str(written[0])], capture_output=True, text=True).stdout
    assert "Signature is Valid" in checked and "ETSI.CAdES.detached" in checked
    assert subprocess.run(["qpdf", "--check", str(written[0])], capture_output=True).returncode == 0
    # Signed charges are not drafted again; a paralegal may not export a signed motion.
    again = motions.draft_motions(para, scope="case")
    assert not again.drafted and again.already_signed == sum(r.charges for r in rows)
    assert motions.write_motions(para, tmp_path / "p", [rows[0].id]) == ([], [rows[0].id])


@pytest.mark.sqlite_only
def test_a_defense_office_files_no_motions(new_case_file: tuple[Path, bytes], clock: FakeClock) -> None:
    path, key = new_case_file
    case_file = open_case_file(path, key)
    try:
        users = defense_office(accounts.workspace_for(case_file, key, clock=clock))
        with pytest.raises(motions.MotionRefused, match="prosecutor"):
            motions.draft_motions(users[Role.PARALEGAL])
    finally:
        case_file.close()


def test_warrants_are_recorded_per_charge_and_a_purge_deletes_the_motions_naming_the_person(
        office: dict[Role, UserSession], workspace: Workspace) -> None:
    pros = office[Role.PROSECUTOR]
    casework.set_warrants(pros, "26-CR-0101", frozenset({"1"}))
    assert casework.read_warrants(pros, "26-CR-0101") == frozenset({"1"})
    with pytest.raises(Exception, match="has no charge 9"):
        casework.set_warrants(pros, "26-CR-0101", frozenset({"9"}))
    assert casework.read_warrants(pros, "26-CR-0101") == frozenset({"1"})  # nothing half changed
    # A case edit keeps the warrant (charges are matched by id).
    case = casework.export_case(pros, "26-CR-0101")
    with workspace.session() as db:
        version = db.scalars(select(m.Case.version).where(m.Case.case_number == "26-CR-0101")).one()
    casework.update_case(pros, replace(case, notes="seen again"), version, PROFILE)
    assert casework.read_warrants(pros, "26-CR-0101") == frozenset({"1"})
    report = motions.draft_motions(office[Role.PARALEGAL])
    assert len(report.drafted) == 2 and motions.sign_motions(pros, report.drafted).signed
    with workspace.session() as db:
        dana = db.scalars(select(m.CaseParty.person_id).join(m.Case).where(m.Case.case_number == "26-CR-0101",
                                                                             m.CaseParty.local_id == "A")).one()
    from casereview.services import purges

    report = purges.purge_person(office[Role.ADMINISTRATOR], dana, "Order 26CV0003")
    assert ("pg_dump" in report.server_note) == (workspace.case_file.path is None)
    # Both motions listed Dana Roe: both go whole (a signed motion cannot lose a line and stay signed).
    assert motions.list_motions(pros) == []
    again = motions.draft_motions(office[Role.PARALEGAL])
    body = text(motions.preview(pros, again.drafted[0]))
    assert "Dana Roe" not in body and "26CR10102" in body


def test_a_draft_is_written_as_pdf_and_docx_with_the_same_words(office: dict[Role, UserSession],
                                                                 tmp_path: Path) -> None:
    import docx

    from tests.unit.services.letter_support import docx_text

    para = office[Role.PARALEGAL]
    report = motions.draft_motions(para, kinds=("dismiss",))
    written, left_out = motions.write_motions(para, tmp_path, report.drafted, docx=True)
    assert not left_out and sorted(p.suffix for p in written) == [".docx", ".pdf"]
    pdf, word = sorted(written, key=lambda p: p.suffix, reverse=True)
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in written)
    words = docx_text(word.read_bytes())
    for expected in ("DRAFT", "Motion to dismiss", "Schedule A", "26CR10101", "Dana Roe", "IT IS ORDERED",
                     "“Policy on Charges Arising from Sex Work”, adopted on April 1, 2025"):
        assert expected in words and expected.replace("“", "").replace("”", "") in text(pdf.read_bytes()).replace(
            "“", "").replace("”", ""), expected
    props = docx.Document(str(word)).core_properties
    assert props.author == "Lane County District Attorney" and props.created is not None
    assert not NEVER.search(words)

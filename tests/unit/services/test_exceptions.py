"""The section 8 workflow: draft, submit (signed), decide (signed again), with the refusals the policy requires."""

from __future__ import annotations

from pathlib import Path

import pytest

from casereview.documents.signing import verify_pdf
from casereview.policy.engine import screen_case
from casereview.policy.profile import load_builtin
from casereview.services import cases as casework
from casereview.services import exception_requests as exceptions
from casereview.services import identities
from casereview.services.access import OfficeType, Role
from casereview.services.demo import demo_cases
from casereview.services.session import PermissionDenied, UserSession, Workspace
from casereview.store import audit, cases
from tests.helpers import staff

pytestmark = pytest.mark.both_backends  # on a case file and on a PostgreSQL server (tests/conftest.py)

PROFILE = load_builtin()
# A request about the charged person's own conduct, using no charge to obtain anyone's cooperation (section 2).
STATEMENTS = {"ground": "prevent_trafficking",
              "public_safety": "He keeps approaching people at a place where minors were found; public safety "
                               "requires court conditions on him.",
              "justification": "The charge concerns his own conduct; nothing is asked of anyone in return.",
              "evidence": "Detective report of 2026-03-10."}
REQUESTER, SUPERVISOR = "Riley Chen, Deputy District Attorney", "Jordan Avery, Chief Deputy District Attorney"


@pytest.fixture
def office(workspace: Workspace) -> dict[Role, UserSession]:
    users = staff(workspace, OfficeType.PROSECUTOR)
    casework.import_cases(users[Role.PROSECUTOR], demo_cases(), PROFILE)
    return users


def _first(decision: str) -> tuple[str, str]:
    for case in demo_cases():
        victims = {p.id for p in case.people if p.trafficking_victim} | {f.against for f in case.facts if f.against}
        for d in screen_case(case, PROFILE, presumptive=True).charges:
            if d.decision == decision and (decision != "decline" or d.person not in victims):
                return case.case_number, d.charge
    raise AssertionError(f"no demo charge is screened {decision}")


def test_a_request_goes_from_draft_to_approved_with_two_signatures(workspace: Workspace, tmp_path: Path,
                                                                   office: dict[Role, UserSession]) -> None:
    number, charge = _first("decline")
    pat, sue = office[Role.PROSECUTOR], office[Role.SUPERVISOR]
    request = exceptions.draft_request(pat, number, [charge], **STATEMENTS)
    submitted = exceptions.submit_request(pat, request, affirmed=True)
    assert [r.id for r in exceptions.queue(sue)] == [request]
    with pytest.raises(PermissionDenied):
        exceptions.queue(pat)
    decided = exceptions.decide_request(sue, request, approve=True, reason="The witness's safety comes first.")
    office_cert = identities.authority_certificate(workspace)
    assert all(r.ok for r in verify_pdf(decided, [office_cert])) and len(verify_pdf(decided, [office_cert])) == 2
    assert decided.startswith(submitted[:1000])  # an incremental update of the submitted document
    with workspace.session() as db:  # the stored screening: approved, so this charge is charged under section 8
        stored = cases.load_case(db, number)
        assert next(c.decision for c in stored.charges if c.local_id == charge) == "charge"
    exported = exceptions.export_documents(pat, tmp_path / "out")
    assert [p.read_bytes() for p in exported][-1] == decided
    with workspace.session() as db:
        actions = [r.action for r in audit.records(db)]
    assert {"exception_requested", "exception_submitted", "exception_decided", "document_signed",
            "document_generated"} <= set(actions)
    assert actions.count("exception_requested") == 1  # the draft; the submission has its own action


def test_nobody_decides_their_own_request_and_protect_charges_are_refused(office: dict[Role, UserSession]) -> None:
    number, charge = _first("decline")
    sue = office[Role.SUPERVISOR]
    request = exceptions.draft_request(sue, number, [charge], **STATEMENTS)
    exceptions.submit_request(sue, request, affirmed=True)
    with pytest.raises(PermissionDenied, match="Nobody decides their own request"):
        exceptions.decide_request(sue, request, approve=True, reason="Mine.")
    protected_case, protected = _first("protect")
    with pytest.raises(exceptions.RequestRefused, match=r"as a victim \(section \d"):
        exceptions.draft_request(office[Role.PROSECUTOR], protected_case, [protected], **STATEMENTS)
    with pytest.raises(PermissionDenied):
        exceptions.draft_request(office[Role.PARALEGAL], number, [charge], **STATEMENTS)
    with pytest.raises(exceptions.FieldProblem, match="public safety"):
        exceptions.draft_request(office[Role.PROSECUTOR], number, [charge], **{**STATEMENTS, "public_safety": " "})


def test_what_the_screens_read_of_requests(workspace: Workspace, tmp_path: Path,
                                           office: dict[Role, UserSession]) -> None:
    number, charge = _first("decline")
    pat, sue = office[Role.PROSECUTOR], office[Role.SUPERVISOR]
    request = exceptions.submit_new(pat, number, [charge], **STATEMENTS, affirmed=True)
    [waiting] = exceptions.queue(sue)
    assert (waiting.id, waiting.case_number, waiting.requester, waiting.status) == (request, number, REQUESTER,
                                                                                    "submitted")
    assert waiting.submitted_at is not None and waiting.charges[0].id == charge and waiting.charges[0].offense
    assert waiting.ground_words == PROFILE.exception_grounds["prevent_trafficking"]
    with pytest.raises(exceptions.RequestRefused, match="already has a request waiting"):
        exceptions.draft_request(pat, number, [charge], **STATEMENTS)
    exceptions.decide_request(sue, request, approve=False, reason="Not exceptional enough.")
    assert exceptions.queue(sue) == []
    detail = exceptions.request_detail(pat, request)
    assert (detail.status, detail.supervisor, detail.reason) == ("denied", SUPERVISOR, "Not exceptional enough.")
    assert [d.stage for d in detail.documents] == ["submitted", "decided"]
    assert detail.latest_document is not None and detail.latest_document.signed_by == SUPERVISOR
    assert [r.id for r in exceptions.requests_for_case(office[Role.PARALEGAL], number)] == [request]

    # the stored bytes, and a copy written in one step, owner-only, audited as an export
    doc = detail.latest_document
    stored = exceptions.document_bytes(office[Role.PARALEGAL], doc.id)
    assert stored.startswith(b"%PDF") and doc.file_name == f"{number}-exception-request-{request}-decided.pdf"
    out = exceptions.save_document(pat, doc.id, tmp_path / doc.file_name)
    assert out.read_bytes() == stored and out.stat().st_mode & 0o777 == 0o600
    with pytest.raises(PermissionDenied):
        exceptions.save_document(office[Role.PARALEGAL], doc.id, tmp_path / "no.pdf")
    with workspace.session() as db:
        assert audit.records(db)[-1].action == "permission_denied"
        assert any(r.action == "export" and r.object_id == f"document:{doc.id}" for r in audit.records(db))

    # a denied request may be asked again; a draft is the requester's to discard, and only a draft
    draft = exceptions.draft_request(pat, number, [charge], **STATEMENTS)
    assert [(r.id, r.status) for r in exceptions.my_requests(pat)] == [(draft, "draft"), (request, "denied")]
    with pytest.raises(exceptions.RequestRefused):
        exceptions.discard_draft(sue, draft)
    with pytest.raises(exceptions.RequestRefused, match="only a draft"):
        exceptions.discard_draft(pat, request)
    exceptions.discard_draft(pat, draft)
    assert [r.id for r in exceptions.my_requests(pat)] == [request]
    with workspace.session() as db:
        assert audit.records(db)[-1].action == "exception_discarded"


def test_the_live_screening_follows_the_requests(office: dict[Role, UserSession]) -> None:
    number, charge = _first("decline")
    pat, sue = office[Role.PROSECUTOR], office[Role.SUPERVISOR]
    request = exceptions.submit_new(pat, number, [charge], **STATEMENTS, affirmed=True)
    exceptions.decide_request(sue, request, approve=True, reason="Yes.")
    case = next(c for c in demo_cases() if c.case_number == number)
    merged = exceptions.with_requests(case, exceptions.requests_for_case(pat, number))
    decision = next(d for d in screen_case(merged, PROFILE).charges if d.charge == charge)
    assert (decision.decision, decision.sections) == ("charge", ("8",))
    assert exceptions.charge_refusal(merged, decision, PROFILE) is not None  # no more requests: it is charged
    protected_case, protected = _first("protect")
    case = next(c for c in demo_cases() if c.case_number == protected_case)
    refused = next(d for d in screen_case(case, PROFILE).charges if d.charge == protected)
    assert "as a victim (section" in (exceptions.charge_refusal(case, refused, PROFILE) or "")


def test_a_request_that_cannot_be_signed_leaves_no_draft(office: dict[Role, UserSession]) -> None:
    number, charge = _first("decline")
    pat = office[Role.PROSECUTOR]
    with pytest.raises(exceptions.FieldProblem, match="evidence"):
        exceptions.submit_new(pat, number, [charge], **{**STATEMENTS, "evidence": ""}, affirmed=True)
    with pytest.raises(exceptions.FieldProblem) as problem:
        exceptions.check_texts(**{**STATEMENTS, "public_safety": "  "})
    assert problem.value.field == "public_safety"
    assert exceptions.my_requests(pat) == []


def test_the_supervisors_reason_is_printed_whole_or_refused_by_name(office: dict[Role, UserSession]) -> None:
    """The reason box on the signed request holds five lines: a reason that fits is printed whole (wrapped), one
    that does not, or that has letters the box's font lacks, is refused before anything is signed."""
    import re
    import subprocess

    from casereview.services.office import FieldProblem

    number, charge = _first("decline")
    pat, sue = office[Role.PROSECUTOR], office[Role.SUPERVISOR]
    request = exceptions.submit_new(pat, number, [charge], **STATEMENTS, affirmed=True)
    for refused, why in (("word " * 120, "longer than the 5 lines"), ("Nguyễn agrees.", "cannot print")):
        with pytest.raises(FieldProblem, match=why) as problem:
            exceptions.decide_request(sue, request, approve=True, reason=refused)
        assert problem.value.field == "reason"
    reason = ("Approved: the conditions protect people still at risk while the investigation goes on; nothing is "
              "asked of anyone in return, and the court reviews the conditions at the hearing in March.")
    decided = exceptions.decide_request(sue, request, approve=True, reason=reason)
    text = subprocess.run(["pdftotext", "-", "-"], input=decided, capture_output=True, check=True).stdout.decode()
    flat = re.sub(r"\s+", " ", text)
    assert all(word in flat for word in reason.split())
    assert all(r.ok for r in verify_pdf(decided, [identities.authority_certificate(office[Role.ADMINISTRATOR]
                                                                                   .workspace)]))

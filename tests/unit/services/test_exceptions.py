"""The section 8 workflow: draft, submit (signed), decide (signed again), with the refusals the policy requires."""

from __future__ import annotations

from pathlib import Path

import pytest

from casereview.documents.signing import verify_pdf
from casereview.policy.engine import screen_case
from casereview.policy.profile import load_builtin
from casereview.services import audit, cases, casework, exceptions, identities
from casereview.services.access import OfficeType, Role
from casereview.services.demo import demo_cases
from casereview.services.session import PermissionDenied, UserSession, Workspace
from tests.helpers import staff

PROFILE = load_builtin()
STATEMENTS = {"ground": "prevent_trafficking", "public_safety": "The witness is at risk; public safety requires it.",
              "justification": "Only a charge keeps the witness in reach of protection.",
              "evidence": "Detective report of 2026-03-10."}


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
    submitted = exceptions.submit_request(pat, request)
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
    assert {"exception_requested", "exception_decided", "document_signed", "document_generated"} <= set(actions)


def test_nobody_decides_their_own_request_and_protect_charges_are_refused(office: dict[Role, UserSession]) -> None:
    number, charge = _first("decline")
    sue = office[Role.SUPERVISOR]
    request = exceptions.draft_request(sue, number, [charge], **STATEMENTS)
    exceptions.submit_request(sue, request)
    with pytest.raises(PermissionDenied, match="Nobody decides their own request"):
        exceptions.decide_request(sue, request, approve=True, reason="Mine.")
    protected_case, protected = _first("protect")
    with pytest.raises(exceptions.RequestRefused, match=r"as a victim \(section \d"):
        exceptions.draft_request(office[Role.PROSECUTOR], protected_case, [protected], **STATEMENTS)
    with pytest.raises(PermissionDenied):
        exceptions.draft_request(office[Role.PARALEGAL], number, [charge], **STATEMENTS)
    with pytest.raises(exceptions.FieldProblem, match="public safety"):
        exceptions.draft_request(office[Role.PROSECUTOR], number, [charge], **{**STATEMENTS, "public_safety": " "})

"""Section 8 exception requests: "Requests for deviations from this Policy shall be made in writing, and require
supervisory approval."

draft → submitted (the request document, signed by the requester) → approved or denied with a written reason (the
supervisor's decision filled in and signed on the same document). Every step is permission-checked and audited;
nobody decides their own request. A request may cover only charges the policy declines: a `protect` charge, or a
charge against a person the case records as a victim, is refused with the section that says why (section 2: the
policy must not become a way to pressure a victim). Each signed document is kept byte for byte.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from casereview.documents.exception_request import RequestText, render_request
from casereview.documents.signing import sign_pdf
from casereview.policy.case import VICTIM_FACTS
from casereview.policy.engine import screen_case
from casereview.services import cases, identities
from casereview.services.access import Op
from casereview.services.office import FieldProblem, office_of, office_policy
from casereview.services.session import AccessProblem, PermissionDenied, UserSession, naive, set_audit_object
from casereview.store import models as m
from casereview.store.safe_write import write_private

GROUNDS = ("prevent_trafficking", "protect_victim", "other")


class RequestRefused(AccessProblem):
    """The request cannot be made or moved on; the message cites the policy where the policy is the reason."""


@dataclass(frozen=True)
class RequestRow:
    id: int
    case_number: str
    status: str
    charges: tuple[str, ...]
    requester_id: int
    ground: str


def _required(value: str, field: str, what: str) -> str:
    clean = value.strip()
    if not clean:
        raise FieldProblem(field, f"Write {what}: section 8 requires it in writing.")
    return clean


def draft_request(user: UserSession, case_number: str, charge_ids: Sequence[str], *, ground: str,
                  public_safety: str, justification: str, evidence: str) -> int:
    """A draft request for some of a case's charges; returns its id. Refused for charges the policy does not
    decline, and for any charge against a person the case records as a victim."""
    user.authorize(Op.REQUEST_EXCEPTION)
    if ground not in GROUNDS:
        raise FieldProblem("ground", f"Choose a ground: {', '.join(GROUNDS)}.")
    texts = (_required(public_safety, "public_safety", "why public safety requires the deviation"),
             _required(justification, "justification", "the justification"),
             _required(evidence, "evidence", "the evidence relied on"))
    if not charge_ids:
        raise FieldProblem("charges", "Choose at least one charge.")
    profile, presumptive = office_policy(user.workspace)
    with user.acting(Op.REQUEST_EXCEPTION, "exception_requested") as db:
        row = cases.load_case(db, case_number)
        spec_case = cases.to_spec(row)
        decisions = {d.charge: d for d in screen_case(spec_case, profile, presumptive=presumptive).charges}
        by_id = {c.local_id: c for c in row.charges}
        victims = {p.id for p in spec_case.people if p.trafficking_victim} | {
            f.against for f in spec_case.facts if f.type in VICTIM_FACTS and f.against}
        chosen = []
        for charge_id in charge_ids:
            if charge_id not in by_id:
                raise FieldProblem("charges", f"Case {case_number} has no charge {charge_id}.")
            decision = decisions[charge_id]
            if decision.decision == "protect" or decision.person in victims:
                section = "2" if decision.person in victims and decision.decision != "protect" else \
                    decision.sections[0]
                raise RequestRefused(
                    f"Charge {charge_id} cannot be the subject of an exception request: the policy treats the "
                    f"charged person as a victim (section {section}: “{profile.quote(section)}”).")
            if decision.decision != "decline":
                raise RequestRefused(f"Charge {charge_id} is screened {decision.decision}, not decline: section "
                                     f"{profile.exception_section} exceptions are only for charges the policy "
                                     "declines.")
            chosen.append(by_id[charge_id])
        request = m.ExceptionWorkflow(case_id=row.id, status="draft", ground=ground, public_safety=texts[0],
                                      justification=texts[1], evidence=texts[2], requester_id=user.user_id,
                                      created_at=naive(user.workspace.now()), charges=chosen)
        db.add(request)
        db.flush()
        set_audit_object(db, f"request:{request.id}")
        return request.id


def _request_text(user: UserSession, request: m.ExceptionWorkflow) -> RequestText:
    profile, _presumptive = office_policy(user.workspace)
    office = office_of(user.workspace)
    row = request.charges[0].case if request.charges else None
    assert row is not None
    spec_case = cases.to_spec(row)
    names = {p.id: p.label() for p in spec_case.people}
    concerned = {c.party.local_id for c in request.charges}
    place = ", ".join(x for x in (row.county, row.court) if x)
    return RequestText(
        office_name=office.name or "The office", office_lines=tuple(x for x in (office.address, office.phone) if x),
        case_number=row.case_number, caption=f"{place + ', ' if place else ''}incident {row.incident_date}",
        people=tuple((names[p.id], p.role.replace("_", " ")) for p in spec_case.people if p.id in concerned),
        charges=tuple((c.local_id, c.offense.replace("_", " "), c.statute or "", names[c.party.local_id])
                      for c in request.charges),
        section_quote=profile.quote(profile.exception_section),
        ground=profile.exception_grounds.get(request.ground, request.ground), public_safety=request.public_safety,
        justification=request.justification, evidence=request.evidence, requester=user.username)


def _store(db: Session, request: m.ExceptionWorkflow, pdf: bytes, stage: str, user: UserSession) -> None:
    db.add(m.SignedDocument(case_id=request.case_id, workflow_id=request.id, kind="exception_request",
                                 stage=stage, pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(),
                                 signed_by=user.user_id, created_at=naive(user.workspace.now())))


def submit_request(user: UserSession, request_id: int) -> bytes:
    """The requester signs the request document; returns the signed PDF (also kept in the case file)."""
    user.authorize(Op.REQUEST_EXCEPTION)
    user.authorize(Op.SIGN)
    mine = identities.signing_identity(user)
    authority = identities.authority_certificate(user.workspace)
    with user.acting(Op.SIGN, "document_signed", f"request:{request_id}") as db:
        request = db.get(m.ExceptionWorkflow, request_id)
        if request is None or request.requester_id != user.user_id:
            raise RequestRefused("Only the person who drafted a request submits it.")
        if request.status != "draft":
            raise RequestRefused(f"This request is already {request.status}.")
        unsigned = render_request(_request_text(user, request))
        signed = sign_pdf(unsigned, mine, authority, field_name="Requester",
                          reason=f"Exception requested under section 8, case {request.charges[0].case.case_number}")
        _store(db, request, signed, "submitted", user)
        request.status, request.submitted_at = "submitted", naive(user.workspace.now())
        user.audit(db, "document_generated", f"request:{request_id}")
        user.audit(db, "exception_requested", f"request:{request_id}")
        cases.screen_row(db, request.charges[0].case, office_policy(user.workspace)[0])
        return signed


def decide_request(user: UserSession, request_id: int, *, approve: bool, reason: str) -> bytes:
    """A supervisor approves or denies a submitted request with a written reason, signing the same document (the
    decision fields filled in the same update). Nobody decides their own request."""
    user.authorize(Op.DECIDE_EXCEPTION)
    reason = _required(reason, "reason", "the reason for the decision")
    mine = identities.signing_identity(user)
    authority = identities.authority_certificate(user.workspace)
    with user.acting(Op.DECIDE_EXCEPTION, "exception_decided", f"request:{request_id}") as db:
        request = db.get(m.ExceptionWorkflow, request_id)
        if request is None or request.status != "submitted":
            raise RequestRefused("Only a submitted request can be decided.")
        if request.requester_id == user.user_id:
            user.audit(db, "permission_denied", f"request:{request_id}")
            raise PermissionDenied("Nobody decides their own request: another supervisor must.")
        submitted = db.scalars(select(m.SignedDocument).where(m.SignedDocument.workflow_id == request_id)
                               .order_by(m.SignedDocument.id.desc())).first()
        assert submitted is not None
        decided_on = user.workspace.now().date().isoformat()
        signed = sign_pdf(submitted.pdf, mine, authority, field_name="Supervisor",
                          reason=f"Exception {'approved' if approve else 'denied'}",
                          fill={"decision": "Approved" if approve else "Denied", "reason": reason,
                                "decided_on": decided_on})
        _store(db, request, signed, "decided", user)
        request.status = "approved" if approve else "denied"
        request.supervisor_id, request.decision_reason = user.user_id, reason
        request.decided_at = naive(user.workspace.now())
        user.audit(db, "document_signed", f"request:{request_id}")
        cases.screen_row(db, request.charges[0].case, office_policy(user.workspace)[0])
        return signed


def queue(user: UserSession) -> list[RequestRow]:
    """The requests waiting for a supervisor's decision."""
    user.authorize(Op.DECIDE_EXCEPTION)
    with user.workspace.session() as db:
        waiting = db.scalars(select(m.ExceptionWorkflow).where(m.ExceptionWorkflow.status == "submitted")
                             .order_by(m.ExceptionWorkflow.submitted_at)).all()
        return [RequestRow(r.id, r.charges[0].case.case_number if r.charges else "", r.status,
                           tuple(c.local_id for c in r.charges), r.requester_id, r.ground) for r in waiting]


def export_documents(user: UserSession, out: Path) -> list[Path]:
    """Every stored signed document, written byte for byte (owner-only) into `out`."""
    user.authorize(Op.EXPORT)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with user.acting(Op.EXPORT, "export", "documents") as db:
        for doc in db.scalars(select(m.SignedDocument).order_by(m.SignedDocument.id)):
            number = db.get(m.Case, doc.case_id)
            name = f"{number.case_number if number else doc.case_id}-{doc.kind}-{doc.workflow_id}-{doc.stage}.pdf"
            path = out / name.replace("/", "_")
            write_private(path, doc.pdf)
            written.append(path)
    return written

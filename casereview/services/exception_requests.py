"""Section 8 exception requests: "Requests for deviations from this Policy shall be made in writing, and require
supervisory approval."

draft → submitted (the request document, signed by the requester) → approved or denied with a written reason (the
supervisor's decision filled in and signed on the same document). Every step is permission-checked and audited;
nobody decides their own request. A request may cover only the charges screening allows one for
(`ChargeDecision.exception_allowed`): pending or filed charges the policy declines, of people the record does not
show may be victims; any other is refused with the sections that say why (section 2: the policy must not become a
way to pressure a victim). Each signed document is kept byte for byte. In a case file these signed requests are the
only section 8 approvals there are: every screening here counts only signed ones (``signed_only``).

The request document (`casereview.documents.exception_request`) names, for each charge, the screening decision it
deviates from with its sections quoted; quotes section 8 whole; states the ground in section 8's words; and carries
the requester's affirmation — required before signing (`submit_request(affirmed=True)`) — that it does not use
charges or the threat of charges to obtain anyone's cooperation (section 2). The requester and the supervisor are
named by full name and title (a signer without them is refused, saying what to fill in), and dated in the office's
own time zone.

What the window needs to show requests is here too: a case's requests (`requests_for_case`), one request
(`request_detail`), a user's own (`my_requests`), the queue of requests waiting for a decision (`queue`), a stored
document's bytes (`document_bytes`) and a copy of it written out (`save_document`, audited as an export).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.interfaces import ORMOption

from casereview.documents.exception_request import (
    ChargeLine,
    Quoted,
    RequestText,
    reason_problem,
    render_request,
    supervisor_problem,
)
from casereview.documents.letters import MODEL_POLICY, long_date
from casereview.documents.signing import sign_pdf
from casereview.policy.case import Case, ExceptionEntry
from casereview.policy.engine import ChargeDecision, screen_case
from casereview.policy.profile import PolicyProfile
from casereview.services import identities
from casereview.services.access import Op
from casereview.services.office import FieldProblem, office_of, office_policy, office_today, office_zone
from casereview.services.session import AccessProblem, PermissionDenied, UserSession, naive, set_audit_object
from casereview.store import cases
from casereview.store import models as m
from casereview.store.safe_write import write_private

GROUNDS = ("prevent_trafficking", "protect_victim", "other")


class RequestRefused(AccessProblem):
    """The request cannot be made or moved on; the message cites the policy where the policy is the reason."""


@dataclass(frozen=True)
class RequestCharge:
    """One charge a request covers, as the request names it."""

    id: str  # the charge's id in its case ("1", "2", …)
    offense: str  # in words: "selling sex"
    statute: str | None
    person: str  # the charged person's name (or id)

    def words(self) -> str:
        return f"{self.id} ({self.offense}{', ' + self.statute if self.statute else ''})"


@dataclass(frozen=True)
class DocumentInfo:
    """A signed document kept in the case file (its bytes: `document_bytes`)."""

    id: int
    request_id: int
    case_number: str
    stage: str  # submitted (the requester's signature) | decided (the supervisor's added)
    signed_by: str
    created_at: datetime  # UTC, without a zone (as stored)

    @property
    def file_name(self) -> str:
        """The name a copy is saved under unless the user chooses another: case number, request and stage."""
        return f"{self.case_number}-exception-request-{self.request_id}-{self.stage}.pdf".replace("/", "_")


@dataclass(frozen=True)
class RequestInfo:
    """A request with what a screen shows of it: who asked, for which charges, why, who decided and their reason,
    when each step happened, and its signed documents (oldest first)."""

    id: int
    case_number: str
    status: str  # draft | submitted | approved | denied
    ground: str  # a key of GROUNDS
    ground_words: str  # the policy's own words for it
    charges: tuple[RequestCharge, ...]
    public_safety: str
    justification: str
    evidence: str
    requester_id: int
    requester: str  # the person: "Riley Chen, Deputy District Attorney" (the user name when no full name is known)
    supervisor_id: int | None
    supervisor: str | None
    reason: str | None
    created_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None
    documents: tuple[DocumentInfo, ...]

    @property
    def charge_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.charges)

    @property
    def latest_document(self) -> DocumentInfo | None:
        """The newest signed document (the decided one carries both signatures)."""
        return self.documents[-1] if self.documents else None


def _required(value: str, field: str, what: str) -> str:
    clean = value.strip()
    if not clean:
        raise FieldProblem(field, f"Write {what}: section 8 requires it in writing.")
    return clean


def check_texts(*, ground: str, public_safety: str, justification: str, evidence: str,
                charge_ids: Sequence[str] = ("?",)) -> tuple[str, str, str]:
    """The request's statements trimmed; FieldProblem names the first one missing (checked before anything is
    asked or stored, so the window can say which box to fill before it asks for a password)."""
    if ground not in GROUNDS:
        raise FieldProblem("ground", "Choose the ground of the request (section 8).")
    texts = (_required(public_safety, "public_safety", "why public safety requires the deviation"),
             _required(justification, "justification", "the justification"),
             _required(evidence, "evidence", "the evidence relied on"))
    if not charge_ids:
        raise FieldProblem("charges", "Choose at least one charge.")
    return texts


def check_reason(reason: str) -> str:
    """A supervisor's written reason, trimmed; FieldProblem("reason") when there is none, or when it cannot be
    printed whole in its box on the signed request."""
    clean = _required(reason, "reason", "the reason for the decision")
    problem = reason_problem(clean)
    if problem:
        raise FieldProblem("reason", problem)
    return clean


def charge_refusal(case: Case, decision: ChargeDecision, profile: PolicyProfile) -> str | None:
    """Why no exception may be requested for this charge (citing the sections), or None when one may. The
    engine's decision says it (`exception_allowed`, `exception_refusal`), so the window and this service refuse
    exactly what screening refuses: a past record, a charge of a person who may be a victim, any decision but a
    decline. `decision` comes from screening `case` with its requests (`with_requests`)."""
    if decision.exception_allowed:
        return None
    sec = profile.exception_section
    what = f"Charge {decision.charge} cannot be the subject of an exception request"
    if decision.base_decision == "protect":
        section = decision.sections[0]
        return (f"{what}: the policy treats the charged person as a victim (section {section}: "
                f"“{profile.quote(section)}”).")
    if decision.exception_refusal is None:  # an approved request applies: the charge is charged under section 8
        return (f"Charge {decision.charge} is already charged under section {sec}: a supervisor approved a signed "
                "request for it.")
    return f"{what} (section {sec}): {decision.exception_refusal}."


def with_requests(case: Case, requests: Iterable[RequestInfo]) -> Case:
    """The case with its requests made in CaseReview as its exception entries, oldest first (the last entry for a
    charge decides), to screen it as the stored screening does (with ``signed_only``): an approved request is
    signed (only a supervisor's signature on the requester's signed request approves it), and makes a declined
    charge that may take an exception a charge under section 8. Entries the case brings itself are dropped: in a
    case file an approval exists only through the signed workflow."""
    entries = tuple(ExceptionEntry(charge, r.status, r.ground, signed=r.status == "approved")
                    for r in sorted(requests, key=lambda r: r.id) for charge in r.charge_ids)
    return replace(case, exceptions=entries) if entries or case.exceptions else case


def waiting_charges(requests: Iterable[RequestInfo]) -> dict[str, int]:
    """Charge id → the submitted request waiting for a decision on it."""
    return {charge: r.id for r in requests if r.status == "submitted" for charge in r.charge_ids}


def draft_request(user: UserSession, case_number: str, charge_ids: Sequence[str], *, ground: str,
                  public_safety: str, justification: str, evidence: str) -> int:
    """A draft request for some of a case's charges; returns its id. Refused for charges the policy does not
    decline, for a past record, for a charge of a person the record shows may be a victim (`charge_refusal`), and
    for a charge whose earlier request still waits for a decision."""
    user.authorize(Op.REQUEST_EXCEPTION)
    texts = check_texts(ground=ground, public_safety=public_safety, justification=justification,
                        evidence=evidence, charge_ids=charge_ids)
    profile, presumptive = office_policy(user.workspace)
    with user.acting(Op.REQUEST_EXCEPTION, "exception_requested") as db:
        row = cases.load_case(db, case_number)
        spec_case = cases.to_spec(row)
        decisions = {d.charge: d for d in screen_case(cases.with_requests(db, row, spec_case), profile,
                                                      presumptive=presumptive, signed_only=True).charges}
        by_id = {c.local_id: c for c in row.charges}
        waiting = {c.local_id: w.id for w in db.scalars(select(m.ExceptionWorkflow).where(
            m.ExceptionWorkflow.case_id == row.id, m.ExceptionWorkflow.status == "submitted")) for c in w.charges}
        chosen = []
        for charge_id in charge_ids:
            if charge_id not in by_id:
                raise FieldProblem("charges", f"Case {case_number} has no charge {charge_id}.")
            refusal = charge_refusal(spec_case, decisions[charge_id], profile)
            if refusal is not None:
                raise RequestRefused(refusal)
            if charge_id in waiting:
                raise RequestRefused(f"Charge {charge_id} already has a request waiting for a supervisor's decision "
                                     f"(request {waiting[charge_id]}).")
            chosen.append(by_id[charge_id])
        request = m.ExceptionWorkflow(case_id=row.id, status="draft", ground=ground, public_safety=texts[0],
                                      justification=texts[1], evidence=texts[2], requester_id=user.user_id,
                                      created_at=naive(user.workspace.now()), charges=chosen)
        db.add(request)
        db.flush()
        set_audit_object(db, f"request:{request.id}")
        return request.id


AFFIRMATION = ("I affirm that this request does not use charges, or the threat of charges, to obtain anyone's "
               "cooperation: no charge is requested to keep a victim or a witness available, or to encourage anyone "
               "to take part in an investigation or prosecution.")
GROUND_WORDS = {  # the ground in section 8's own words
    "prevent_trafficking": "Section 8: situations in which “charges would have a direct impact on preventing "
                           "trafficking”.",
    "protect_victim": "Section 8: situations “where necessary to protect the safety and health of a victim”.",
    "other": "Section 8: other “rare and exceptional circumstances” than the two situations section 8 names.",
}


def _source(profile: PolicyProfile) -> str:
    return MODEL_POLICY if profile.id in ("fjp-model-2025", "community-guide-model") else \
        f"{profile.title} (version {profile.version})"


def _quoted(profile: PolicyProfile, section: str) -> Quoted:
    if section.startswith("guide: "):
        return Quoted(profile.quote(section), "The community guide “Possibilities and Impacts of Non-Prosecution "
                                              f"Policies in the Context of Sex Work Criminalization”, “{section[7:]}”")
    return Quoted(profile.quote(section), f"{_source(profile)}, section {section}")


def affirmation_quote(profile: PolicyProfile) -> Quoted:
    """Section 2's sentence the affirmation rests on, quoted whole: "… the threat of prosecution should not be used
    to incentivize or encourage cooperation"."""
    text = profile.sections["2"].text if "2" in profile.sections else ""
    sentence = next((part for part in text.split("\n\n") if "threat of prosecution" in part), "")
    return Quoted(sentence or profile.quote("2"), f"{_source(profile)}, section 2")


def _named(db: Session, user_id: int, who: str) -> tuple[str, str, str | None]:
    """A signer's full name, title and bar number; RequestRefused naming what to fill in when one is missing (the
    request prints them, and a signature names the person)."""
    person = db.get(m.User, user_id)
    assert person is not None
    missing = [what for what, value in (("full name", person.full_name), ("title", person.title)) if not value]
    if missing:
        raise RequestRefused(f"The {' and '.join(missing)} of the {who} ({person.username}) are not filled in: the "
                             "request prints them under the signature. Fill them in first (Administration → Users "
                             "and roles → Names…, or each user for themself). Nothing was signed.")
    assert person.full_name is not None and person.title is not None
    return person.full_name, person.title, person.bar_number


def _request_text(db: Session, user: UserSession, request: m.ExceptionWorkflow) -> RequestText:
    from casereview.policy.profile import DEFAULT_LABELS

    profile, presumptive = office_policy(user.workspace)
    office = office_of(user.workspace)
    row = db.get(m.Case, request.case_id)
    assert row is not None
    decisions = {d.charge: d for d in screen_case(cases.with_requests(db, row, cases.to_spec(row)), profile,
                                                  presumptive=presumptive, signed_only=True).charges}
    lines = []
    for charge in request.charges:
        d = decisions[charge.local_id]
        court = charge.court or row.court or ""
        if charge.status == "filed" and not (court and charge.docket_number):
            raise RequestRefused(f"Charge {charge.local_id} is filed: record its court and docket number in the case "
                                 "first (the request names them). Nothing was signed.")
        base = d.base_decision
        cited = profile.cite(d.sections)
        presumptively = ", presumptively" if base == "decline" and presumptive else ""
        lines.append(ChargeLine(
            charge.local_id, charge.party.name or f"person {charge.party.local_id}",
            DEFAULT_LABELS.offenses.get(charge.offense, charge.offense.replace("_", " ")), charge.statute or "",
            charge.status, court or "not yet filed", charge.docket_number or "not yet filed",
            f"{base} — {cited}{presumptively}", tuple(_quoted(profile, sid) for sid in d.sections)))
    dockets = list(dict.fromkeys(c.docket_number for c in request.charges if c.docket_number))
    name, title, bar = _named(db, request.requester_id, "requester")
    contact = [office.address or "", f"Telephone: {office.phone}" if office.phone else "",
               f"E-mail: {office.email}" if office.email else ""]
    return RequestText(
        office_name=office.name or "The office", office_lines=tuple(x for x in contact if x),
        case_number=row.case_number,
        reference=f"Office case {row.case_number}" + (f"; docket {', '.join(dockets)}" if dockets else ""),
        charges=tuple(lines), section_8=_quoted(profile, profile.exception_section),
        ground=GROUND_WORDS.get(request.ground, profile.exception_grounds.get(request.ground, request.ground)),
        public_safety=request.public_safety, justification=request.justification, evidence=request.evidence,
        affirmation=AFFIRMATION, section_2=affirmation_quote(profile), requester=name,
        requester_lines=tuple(x for x in (title, bar) if x),
        requested_on=long_date(office_today(office, user.workspace.now())))


def _store(db: Session, request: m.ExceptionWorkflow, pdf: bytes, stage: str, user: UserSession) -> None:
    db.add(m.SignedDocument(case_id=request.case_id, workflow_id=request.id, kind="exception_request",
                                 stage=stage, pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(),
                                 signed_by=user.user_id, created_at=naive(user.workspace.now())))


def not_affirmed(profile: PolicyProfile) -> str:
    """The refusal of a request signed without the requester's affirmation (section 2 quoted)."""
    return ("Before signing, affirm that the request does not use charges or the threat of charges to obtain "
            f"anyone's cooperation (section 2: “{affirmation_quote(profile).text}”). Nothing was signed.")


def submit_request(user: UserSession, request_id: int, *, affirmed: bool = False) -> bytes:
    """The requester signs the request document; returns the signed PDF (also kept in the case file). Refused
    unless the requester `affirmed` that it does not use charges or the threat of charges to obtain anyone's
    cooperation (the document carries that affirmation above their signature): the flag is required, and a call
    without it signs nothing."""
    user.authorize(Op.REQUEST_EXCEPTION)
    user.authorize(Op.SIGN)
    if not affirmed:
        raise RequestRefused(not_affirmed(office_policy(user.workspace)[0]))
    mine = identities.signing_identity(user)
    authority = identities.authority_certificate(user.workspace)
    zone = office_zone(user.workspace)
    with user.acting(Op.SIGN, "document_signed", f"request:{request_id}") as db:
        request = db.get(m.ExceptionWorkflow, request_id)
        if request is None or request.requester_id != user.user_id:
            raise RequestRefused("Only the person who drafted a request submits it.")
        if request.status != "draft":
            raise RequestRefused(f"This request is already {request.status}.")
        text = _request_text(db, user, request)
        unsigned = render_request(text)
        signed = sign_pdf(unsigned, mine, authority, field_name="Requester", time_zone=zone,
                          signer_title=text.requester_lines[0] if text.requester_lines else None,
                          reason=f"Exception requested under section 8, case {request.charges[0].case.case_number}")
        _store(db, request, signed, "submitted", user)
        request.status, request.submitted_at = "submitted", naive(user.workspace.now())
        user.audit(db, "document_generated", f"request:{request_id}")
        user.audit(db, "exception_submitted", f"request:{request_id}")
        cases.screen_row(db, request.charges[0].case, office_policy(user.workspace)[0])
        return signed


def decide_request(user: UserSession, request_id: int, *, approve: bool, reason: str) -> bytes:
    """A supervisor approves or denies a submitted request with a written reason, signing the same document (their
    full name and title, the decision, the reason and the office's date filled in the same update). Nobody decides
    their own request."""
    user.authorize(Op.DECIDE_EXCEPTION)
    reason = check_reason(reason)
    mine = identities.signing_identity(user)
    authority = identities.authority_certificate(user.workspace)
    office = office_of(user.workspace)
    with user.acting(Op.DECIDE_EXCEPTION, "exception_decided", f"request:{request_id}") as db:
        request = db.get(m.ExceptionWorkflow, request_id)
        if request is None or request.status != "submitted":
            raise RequestRefused("Only a submitted request can be decided.")
        if request.requester_id == user.user_id:
            user.audit(db, "permission_denied", f"request:{request_id}")
            raise PermissionDenied("Nobody decides their own request: another supervisor must.")
        name, title, _bar = _named(db, user.user_id, "supervisor")
        problem = supervisor_problem(f"{name}\n{title}")
        if problem:
            raise RequestRefused(problem)
        submitted = db.scalars(select(m.SignedDocument).where(m.SignedDocument.workflow_id == request_id)
                               .order_by(m.SignedDocument.id.desc())).first()
        assert submitted is not None
        decided_on = long_date(office_today(office, user.workspace.now()))
        signed = sign_pdf(submitted.pdf, mine, authority, field_name="Supervisor", time_zone=office_zone(office),
                          signer_title=title, reason=f"Exception {'approved' if approve else 'denied'}",
                          fill={"supervisor": f"{name}\n{title}", "decision": "Approved" if approve else "Denied",
                                "reason": reason, "decided_on": decided_on})
        _store(db, request, signed, "decided", user)
        request.status = "approved" if approve else "denied"
        request.supervisor_id, request.decision_reason = user.user_id, reason
        request.decided_at = naive(user.workspace.now())
        user.audit(db, "document_signed", f"request:{request_id}")
        cases.screen_row(db, request.charges[0].case, office_policy(user.workspace)[0])
        return signed


def submit_new(user: UserSession, case_number: str, charge_ids: Sequence[str], *, ground: str,
               public_safety: str, justification: str, evidence: str, affirmed: bool = False) -> int:
    """Draft a request and sign and submit it at once (refused unless `affirmed`: see `submit_request`); returns
    its id. When it cannot be signed, the draft is not kept (nothing half-done is left behind)."""
    user.authorize(Op.REQUEST_EXCEPTION)
    user.authorize(Op.SIGN)
    if not affirmed:
        raise RequestRefused(not_affirmed(office_policy(user.workspace)[0]))
    identities.signing_identity(user)  # a user who cannot sign learns it before anything is stored
    request_id = draft_request(user, case_number, charge_ids, ground=ground, public_safety=public_safety,
                               justification=justification, evidence=evidence)
    try:
        submit_request(user, request_id, affirmed=affirmed)
    except BaseException:
        with suppress(Exception):  # (the session may have locked too: the first error is the one to say)
            discard_draft(user, request_id)
        raise
    return request_id


def discard_draft(user: UserSession, request_id: int) -> None:
    """Delete a draft (only its requester may; a submitted request is part of the record and stays)."""
    with user.acting(Op.REQUEST_EXCEPTION, "exception_discarded", f"request:{request_id}") as db:
        request = db.get(m.ExceptionWorkflow, request_id)
        if request is None or request.requester_id != user.user_id:
            raise RequestRefused("Only the person who drafted a request may discard it.")
        if request.status != "draft":
            raise RequestRefused(f"This request is {request.status}: only a draft can be discarded.")
        db.delete(request)


# ------------------------------------------------------------------------------------------- reading requests


def _loaded() -> tuple[ORMOption, ...]:
    return (selectinload(m.ExceptionWorkflow.charges).selectinload(m.Charge.party),
            selectinload(m.ExceptionWorkflow.charges).selectinload(m.Charge.case))


def _infos(db: Session, user: UserSession, rows: Sequence[m.ExceptionWorkflow]) -> list[RequestInfo]:
    if not rows:
        return []
    profile, _presumptive = office_policy(user.workspace)
    ids = [r.id for r in rows]
    documents: dict[int, list[m.SignedDocument]] = {}
    for doc in db.scalars(select(m.SignedDocument).where(m.SignedDocument.workflow_id.in_(ids))
                          .order_by(m.SignedDocument.id)):
        documents.setdefault(doc.workflow_id or 0, []).append(doc)
    people = {r.requester_id for r in rows} | {r.supervisor_id for r in rows if r.supervisor_id} | {
        d.signed_by for docs in documents.values() for d in docs}
    names: dict[int, str] = {  # the people, by full name and title ("Riley Chen, Deputy District Attorney")
        row.id: (f"{row.full_name}, {row.title}" if row.full_name and row.title else row.full_name or row.username)
        for row in db.execute(select(m.User.id, m.User.username, m.User.full_name, m.User.title)
                              .where(m.User.id.in_(people)))}
    numbers: dict[int, str] = {row.id: row.case_number for row in db.execute(
        select(m.Case.id, m.Case.case_number).where(m.Case.id.in_({r.case_id for r in rows})))}
    out = []
    for r in rows:
        number = numbers.get(r.case_id, "")
        out.append(RequestInfo(
            id=r.id, case_number=number, status=r.status, ground=r.ground,
            ground_words=profile.exception_grounds.get(r.ground, r.ground.replace("_", " ")),
            charges=tuple(RequestCharge(c.local_id, c.offense.replace("_", " "), c.statute,
                                        c.party.name or c.party.local_id) for c in r.charges),
            public_safety=r.public_safety, justification=r.justification, evidence=r.evidence,
            requester_id=r.requester_id, requester=names.get(r.requester_id, f"user {r.requester_id}"),
            supervisor_id=r.supervisor_id,
            supervisor=names.get(r.supervisor_id, f"user {r.supervisor_id}") if r.supervisor_id else None,
            reason=r.decision_reason, created_at=r.created_at, submitted_at=r.submitted_at,
            decided_at=r.decided_at,
            documents=tuple(DocumentInfo(d.id, r.id, number, d.stage, names.get(d.signed_by, f"user {d.signed_by}"),
                                         d.created_at) for d in documents.get(r.id, []))))
    return out


def requests_for_case(user: UserSession, case_number: str) -> list[RequestInfo]:
    """Every request made in CaseReview for a case, oldest first, with its status and documents."""
    user.authorize(Op.VIEW_CASES)
    with user.workspace.session() as db:
        case_id = cases.case_id(db, case_number)
        rows = db.scalars(select(m.ExceptionWorkflow).where(m.ExceptionWorkflow.case_id == case_id)
                          .order_by(m.ExceptionWorkflow.id).options(*_loaded())).all()
        return _infos(db, user, rows)


def request_detail(user: UserSession, request_id: int) -> RequestInfo:
    """One request: its texts, charges, requester, supervisor and reason, dates and documents."""
    user.authorize(Op.VIEW_CASES)
    with user.workspace.session() as db:
        row = db.get(m.ExceptionWorkflow, request_id, options=_loaded())
        if row is None:
            raise RequestRefused(f"There is no request {request_id} in this case file (a discarded draft, or a "
                                 "purged case).")
        return _infos(db, user, [row])[0]


def my_requests(user: UserSession) -> list[RequestInfo]:
    """The user's own requests, newest first: drafts to submit or discard, and those submitted or decided."""
    user.authorize(Op.REQUEST_EXCEPTION)
    with user.workspace.session() as db:
        rows = db.scalars(select(m.ExceptionWorkflow).where(m.ExceptionWorkflow.requester_id == user.user_id)
                          .order_by(m.ExceptionWorkflow.id.desc()).options(*_loaded())).all()
        return _infos(db, user, rows)


def queue(user: UserSession) -> list[RequestInfo]:
    """The requests waiting for a supervisor's decision, the longest-waiting first."""
    user.authorize(Op.DECIDE_EXCEPTION)
    with user.workspace.session() as db:
        waiting = db.scalars(select(m.ExceptionWorkflow).where(m.ExceptionWorkflow.status == "submitted")
                             .order_by(m.ExceptionWorkflow.submitted_at, m.ExceptionWorkflow.id)
                             .options(*_loaded())).all()
        return _infos(db, user, waiting)


def document_bytes(user: UserSession, doc_id: int) -> bytes:
    """A stored signed document, byte for byte (to show it; a copy leaves the file only through
    `save_document`)."""
    user.authorize(Op.VIEW_CASES)
    with user.workspace.session() as db:
        doc = db.get(m.SignedDocument, doc_id)
        if doc is None:
            raise RequestRefused(f"There is no document {doc_id} in this case file.")
        return doc.pdf


def save_document(user: UserSession, doc_id: int, path: Path) -> Path:
    """Write a stored signed document to `path` exactly as signed: owner-only, in one step (a temporary file
    moved into place), audited as an export."""
    with user.acting(Op.EXPORT, "export", f"document:{doc_id}") as db:
        doc = db.get(m.SignedDocument, doc_id)
        if doc is None:
            raise RequestRefused(f"There is no document {doc_id} in this case file.")
        write_private(path, doc.pdf)
    return path


def export_documents(user: UserSession, out: Path) -> list[Path]:
    """Every stored signed document (requests and letters), written byte for byte (owner-only) into `out`."""
    user.authorize(Op.EXPORT)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with user.acting(Op.EXPORT, "export", "documents") as db:
        for doc in db.scalars(select(m.SignedDocument).order_by(m.SignedDocument.id)):
            number = db.get(m.Case, doc.case_id)
            which = f"request{doc.workflow_id}" if doc.workflow_id is not None else f"letter{doc.letter_id}"
            name = f"{number.case_number if number else doc.case_id}-{doc.kind}-{which}-{doc.stage}.pdf"
            path = out / name.replace("/", "_")
            write_private(path, doc.pdf)
            written.append(path)
    return written

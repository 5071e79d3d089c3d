"""Motions to dismiss open charges the policy declines or protects, and motions to vacate or quash the warrants
outstanding on them: drafting, previewing, signing in batches, writing out. The words are in
`casereview.documents.motions`.

This is the community guide's "advocate to courts to dismiss current and past warrants, charges and cases", done
the way offices did it by hand (Brooklyn's two omnibus motions for 1,119 warrants and cases, Baltimore's 586
warrants quashed): one motion per court listing every case, or one per case, each with a proposed order.

- **Which charges**: open ones (pending or filed) whose latest stored screening declines or protects them (a
  charge in review, or charged, is not moved on); for a warrant motion, those with a warrant outstanding
  (`Charge.warrant_outstanding`, from the case editor or a records import's warrant column).
- **Nothing filed with a gap**: a charge whose court, docket number or person's name is not recorded is left out,
  with what to find out (`MotionReport.left`); a motion missing what the office profile must give (the state for
  the caption, the office's address, telephone and e-mail, the policy's title and adoption date) is drafted but
  held, and signing refuses it, saying the same.
- **Who**: a user who may draft letters drafts (a paralegal); a prosecutor or supervisor signs (`Op.SIGN`), with
  full name, title and bar number printed under the signature. A prosecutor's office only.
- **Again**: drafting again brings the drafts up to date (a charge no longer eligible leaves its draft; a new one
  joins); a charge already in a signed motion of the same kind is not drafted again.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC
from multiprocessing import get_context
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from casereview.documents import batch, fonts
from casereview.documents import letters as words
from casereview.documents import motions as motion_words
from casereview.documents.layout import Caption, Document, render_docx, render_pdf
from casereview.progress import NO_PROGRESS, Progress
from casereview.services import identities
from casereview.services.access import OfficeType, Op
from casereview.services.letters import (
    PARALLEL_FROM,
    _court,
    _court_key,
    _court_offense,
    _here,
    _letterhead,
    _office_gaps,
    _person_name,
    _record,
    _signer,
    _signer_gaps,
    _titles,
)
from casereview.services.office import (
    CaptionMissing,
    OfficeProfile,
    caption,
    local_now,
    office_of,
    office_today,
    office_zone,
)
from casereview.services.session import AccessProblem, PermissionDenied, UserSession, naive, set_audit_object
from casereview.store import models as m
from casereview.store.database import DiskFull, disk_full
from casereview.store.safe_write import write_private

OPEN = ("pending", "filed")
RELIEVED = ("decline", "protect")
SIGN_BATCH = 50
OMNIBUS_TITLE = "the defendants listed in Schedule A"


class MotionRefused(AccessProblem):
    """The motion cannot be drafted or signed; the message says why and what to do."""


@dataclass(frozen=True)
class MotionRow:
    id: int
    kind: str  # dismiss | warrants
    scope: str  # omnibus | case
    court: str
    case_number: str  # a motion for one case: its number; an omnibus motion: ""
    cases: int
    charges: int
    status: str  # draft | signed
    updated_at: str
    version: int
    find_out: tuple[str, ...] = ()  # a held draft: what to find out before it can be signed

    @property
    def title(self) -> str:
        return motion_words.KIND_LABELS[self.kind]


@dataclass(frozen=True)
class Left:
    """An eligible charge no motion lists yet, and what to find out first."""

    case_number: str
    charge: str
    person: str
    find_out: tuple[str, ...]


@dataclass
class MotionReport:
    drafted: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    removed: int = 0  # drafts whose charges are no longer eligible
    already_signed: int = 0  # eligible charges already in a signed motion of the same kind
    left: list[Left] = field(default_factory=list)
    held: list[MotionRow] = field(default_factory=list)  # drafted, but held until these are found out
    charges: int = 0  # charges the drafts list
    cases: int = 0


@dataclass
class SignReport:
    signed: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)


def _prosecutor_only(user: UserSession) -> None:
    if user.office_type != OfficeType.PROSECUTOR:
        raise MotionRefused("Motions to dismiss charges and to vacate warrants are filed by the prosecutor's office. "
                            "A defense office asks the prosecuting office (Letters: a request for non-opposition).")


def _eligible(db: Session, kind: str) -> list[m.Charge]:
    stmt = (select(m.Charge).where(m.Charge.status.in_(OPEN), m.Charge.decision.in_(RELIEVED))
            .options(selectinload(m.Charge.case), selectinload(m.Charge.party).selectinload(m.CaseParty.person))
            .order_by(m.Charge.case_id, m.Charge.position))
    if kind == "warrants":
        stmt = stmt.where(m.Charge.warrant_outstanding.is_(True))
    return list(db.scalars(stmt))


def _charge_gaps(charge: m.Charge) -> list[str]:
    row = charge.case
    what = f"charge {charge.local_id} of case {row.case_number}"
    out = []
    if not _court(charge, row):
        out.append(f"the court that holds {what}")
    if not (charge.docket_number or "").strip():
        out.append(f"the court's docket number of {what}")
    if not _person_name(charge.party):
        out.append(f"the name of person {charge.party.local_id} of case {row.case_number} (a motion names each "
                   "defendant)")
    return out


def _still_eligible(charge: m.Charge, kind: str) -> bool:
    return charge.status in OPEN and charge.decision in RELIEVED and (kind != "warrants" or
                                                                      charge.warrant_outstanding)


def _gaps(motion: m.Motion, office: OfficeProfile) -> list[str]:
    out = _office_gaps(office, "non_opposition")
    for charge in motion.charges:
        if not _still_eligible(charge, motion.kind):
            out.append(f"charge {charge.local_id} of case {charge.case.case_number} is no longer an open charge the "
                       "policy declines or protects"
                       + (" with a warrant outstanding" if motion.kind == "warrants" else "")
                       + ": draft the motions again")
        out += _charge_gaps(charge)
    if not motion.charges:
        out.append("the charges: none is left in this motion (draft the motions again)")
    return out


def _row(motion: m.Motion, office: OfficeProfile | None) -> MotionRow:
    cases = {c.case_id for c in motion.charges}
    number = ""
    if motion.scope == "case" and motion.charges:
        number = motion.charges[0].case.case_number
    held = tuple(_gaps(motion, office)) if office is not None and motion.status == "draft" else ()
    count = len(motion.charges) if motion.status == "draft" else len(motion.listed or [])
    if motion.status == "signed":
        cases = {x[0] for x in motion.listed or []}  # type: ignore[misc]  # (case numbers, as signed)
        if motion.scope == "case" and motion.listed:
            number = motion.listed[0][0]
    changed = local_now(office, motion.updated_at.replace(tzinfo=UTC)) if office is not None else motion.updated_at
    return MotionRow(motion.id, motion.kind, motion.scope, motion.court, number, len(cases), count, motion.status,
                     f"{changed:%Y-%m-%d %H:%M}", motion.version, held)


def _load_options() -> list[object]:
    return [selectinload(m.Motion.charges).selectinload(m.Charge.case),
            selectinload(m.Motion.charges).selectinload(m.Charge.party).selectinload(m.CaseParty.person)]


def list_motions(user: UserSession, *, status: str | None = None) -> list[MotionRow]:
    user.authorize(Op.VIEW_CASES)
    office = office_of(user.workspace)
    with user.workspace.session() as db:
        stmt = select(m.Motion).options(*_load_options()).order_by(m.Motion.id)  # type: ignore[arg-type]
        if status is not None:
            stmt = stmt.where(m.Motion.status == status)
        return [_row(x, office) for x in db.scalars(stmt)]


def draft_motions(user: UserSession, *, kinds: Sequence[str] = motion_words.KINDS, scope: str = "omnibus",
                  progress: Progress = NO_PROGRESS) -> MotionReport:
    """Draft (or bring up to date) the motions of `kinds`: one per court (`scope` "omnibus") or one per case and
    court ("case"). Drafts of the other scope are left alone."""
    _prosecutor_only(user)
    if scope not in motion_words.SCOPES:
        raise MotionRefused(f"Choose one motion per court (omnibus) or one per case, not {scope!r}.")
    unknown = [k for k in kinds if k not in motion_words.KINDS]
    if unknown or not kinds:
        raise MotionRefused("Choose the motions to draft: to dismiss charges (dismiss), on outstanding warrants "
                            "(warrants), or both.")
    office = office_of(user.workspace)
    report = MotionReport()
    listed_cases: set[int] = set()
    with user.acting(Op.DRAFT_LETTERS, "motions_drafted") as db:
        now = naive(user.workspace.now())
        for kind in kinds:
            progress.check()
            progress.report(0, 0, "Finding the open charges the policy declines or protects…")
            signed = {c.id for x in db.scalars(select(m.Motion).where(m.Motion.kind == kind,
                                                                     m.Motion.status == "signed")
                                               .options(selectinload(m.Motion.charges))) for c in x.charges}
            groups: dict[tuple[str, int | None], list[m.Charge]] = {}
            courts: dict[tuple[str, int | None], str] = {}
            for charge in _eligible(db, kind):
                if charge.id in signed:
                    report.already_signed += 1
                    continue
                gaps = _charge_gaps(charge)
                if gaps:
                    report.left.append(Left(charge.case.case_number, charge.local_id,
                                            _person_name(charge.party) or charge.party.local_id, tuple(gaps)))
                    continue
                court = _court(charge, charge.case)
                key = (_court_key(court), charge.case_id if scope == "case" else None)
                groups.setdefault(key, []).append(charge)
                courts.setdefault(key, court)
            drafts = {(_court_key(x.court), x.case_id): x for x in db.scalars(
                select(m.Motion).where(m.Motion.kind == kind, m.Motion.scope == scope, m.Motion.status == "draft")
                .options(selectinload(m.Motion.charges)))}
            for n, (key, charges) in enumerate(groups.items(), 1):
                draft = drafts.pop(key, None)
                if draft is None:
                    draft = m.Motion(kind=kind, scope=scope, court=courts[key], case_id=key[1], status="draft",
                                     created_by=user.user_id, created_at=now, updated_at=now, charges=charges)
                    db.add(draft)
                    db.flush()
                    user.audit(db, "motion_drafted", f"motion:{draft.id}")
                    report.drafted.append(draft.id)
                elif {c.id for c in draft.charges} != {c.id for c in charges} or draft.court != courts[key]:
                    draft.charges, draft.court, draft.updated_at = charges, courts[key], now
                    user.audit(db, "motion_edited", f"motion:{draft.id}")
                    report.updated.append(draft.id)
                else:
                    report.unchanged.append(draft.id)
                report.charges += len(charges)
                listed_cases |= {c.case_id for c in charges}
                progress.report(n, len(groups), f"Drafted {n:,} of {len(groups):,} motions")
            for stale in drafts.values():  # nothing of it is eligible any more
                user.audit(db, "motion_deleted", f"motion:{stale.id}")
                db.delete(stale)
                report.removed += 1
        db.flush()
        report.cases = len(listed_cases)
        ids = report.drafted + report.updated + report.unchanged
        if ids:
            for motion in db.scalars(select(m.Motion).where(m.Motion.id.in_(ids)).options(*_load_options())):  # type: ignore[arg-type]
                row = _row(motion, office)
                if row.find_out:
                    report.held.append(row)
        set_audit_object(db, f"motions:{len(report.drafted)}")
    return report


def _load(db: Session, motion_id: int) -> m.Motion:
    motion = db.scalars(select(m.Motion).where(m.Motion.id == motion_id).options(*_load_options())).first()  # type: ignore[arg-type]
    if motion is None:
        raise MotionRefused(f"There is no motion {motion_id} in this case file (deleted, or drafted again).")
    return motion


def _caption(office: OfficeProfile, motion: m.Motion, charges: list[m.Charge], title: str) -> Caption:
    if motion.scope == "omnibus":
        try:
            heading = caption(office, OMNIBUS_TITLE)
        except CaptionMissing:
            heading = f"[state: to find out] v. {OMNIBUS_TITLE}"
        dockets = sorted({c.docket_number or "" for c in charges})
        numbers = (f"No. {dockets[0]}",) if len(dockets) == 1 else (
            f"Dockets as listed in Schedule A ({len(dockets):,})",)
        return Caption(motion.court or "[court: to find out]", heading, numbers, title)
    names = list(dict.fromkeys(_person_name(c.party) for c in charges))
    who = words._and(names) if names else "[name: to find out]"
    try:
        heading = caption(office, who)
    except CaptionMissing:
        heading = f"[state: to find out] v. {who}"
    dockets = list(dict.fromkeys(c.docket_number for c in charges if c.docket_number))
    number = charges[0].case.case_number if charges else ""
    return Caption(motion.court or "[court: to find out]", heading,
                   (f"No. {', '.join(dockets)}" if dockets else "No. [docket: to find out]",
                    f"Office case no. {number}"), title)


def _compose(db: Session, user: UserSession, motion: m.Motion, signer: words.Signer | None,
             office: OfficeProfile) -> Document:
    charges = list(motion.charges)
    titles = _titles(db, charges)
    title = motion_words.title_of(motion.kind, office.dismissal_style, office.warrant_term)
    listed = tuple(motion_words.Listed(c.docket_number or "[docket: to find out]",
                                       _person_name(c.party) or "[name: to find out]", _court_offense(c, titles),
                                       c.statute or "", c.case.case_number) for c in charges)
    policy_title = f"“{office.policy_title}”" if office.policy_title else "“[policy title: to find out]”"
    adopted = f"adopted on {words.long_date(office.policy_adopted_on)}" if office.policy_adopted_on else \
        "adopted on [date: to find out]"
    not_concerned: tuple[str, ...] = ()
    if motion.scope == "case" and charges:
        row = charges[0].case
        mine = {c.id for c in charges}
        people = {c.party_id for c in charges}
        not_concerned = tuple(f"{_record(c, row, titles, to_court=True).words()} (charge {c.local_id})"
                              for c in row.charges if c.party_id in people and c.id not in mine)
    held = tuple(_gaps(motion, office)) if motion.status == "draft" else ()
    day = office_today(office, motion.signed_at or user.workspace.now())
    return motion_words.motion(_letterhead(office), kind=motion.kind, caption=_caption(office, motion, charges, title),
                               listed=listed, policy=f"its policy {policy_title}, {adopted}",
                               dismissal_style=office.dismissal_style, warrant_term=office.warrant_term,
                               omnibus=motion.scope == "omnibus", not_concerned=not_concerned, signer=signer,
                               day=day, held=held)


def preview(user: UserSession, motion_id: int) -> bytes:
    """The motion as PDF: a draft rendered now (marked DRAFT; a held one says what to find out), or the signed
    bytes."""
    user.authorize(Op.VIEW_CASES)
    office = office_of(user.workspace)
    with user.workspace.session() as db:
        motion = _load(db, motion_id)
        if motion.status == "signed":
            assert motion.pdf is not None
            return motion.pdf
        return render_pdf(_compose(db, user, motion, None, office))


def may_sign(user: UserSession) -> str | None:
    """Why this user cannot sign motions (None when they can)."""
    if user.office_type != OfficeType.PROSECUTOR:
        return "Motions are signed in a prosecutor's office."
    if not user.may(Op.SIGN):
        return f"A {user.role.value} does not sign motions: a prosecutor or supervisor of the office signs them."
    return None


def sign_motions(user: UserSession, motion_ids: Sequence[int], *, progress: Progress = NO_PROGRESS,
                 workers: int | None = None) -> SignReport:
    """Sign drafts, each rendered with the signer's full name, title and bar number and kept byte for byte. A held
    draft, or one whose charges changed meanwhile, is refused with why; the others are signed. Cancelling stops
    after the batch in hand: those stored stay signed, the rest stay drafts."""
    refusal = may_sign(user)
    if refusal:
        raise PermissionDenied(refusal)
    user.authorize(Op.SIGN)
    with user.workspace.session() as db:
        me = db.get(m.User, user.user_id)
        assert me is not None
        signer_gaps = _signer_gaps(me)
    if signer_gaps:
        raise MotionRefused(f"Nothing was signed: a signature prints the signer's names. Find out first: "
                            f"{'; '.join(signer_gaps)}.")
    identity = identities.signing_identity(user)
    authority = identities.authority_certificate(user.workspace)
    office = office_of(user.workspace)
    zone = office.time_zone if office_zone(office) is not None else None
    ids = list(dict.fromkeys(motion_ids))
    workers = workers if workers is not None else (os.cpu_count() or 1)
    pool = None
    if workers > 1 and len(ids) >= PARALLEL_FROM:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"),
                                   initializer=batch.init_worker, initargs=(identity, authority, zone))
    else:
        batch.init_worker(identity, authority, zone)
    report = SignReport()
    try:
        jobs: list[tuple[int, tuple[object, ...], Future[bytes]]] = []
        with user.workspace.session() as db:
            signer = _signer(db, user.user_id, office)
            for n, motion_id in enumerate(ids, 1):
                progress.check()
                motion = db.scalars(select(m.Motion).where(m.Motion.id == motion_id)
                                    .options(*_load_options())).first()  # type: ignore[arg-type]
                if motion is None or motion.status != "draft":
                    report.refused.append((motion_id, "It is not a draft (signed already, or deleted)."))
                    continue
                gaps = _gaps(motion, office)
                if gaps:
                    report.refused.append((motion_id, "It is held: nothing is signed with a gap. Find out first: "
                                                      f"{'; '.join(gaps)}."))
                    continue
                doc = _compose(db, user, motion, signer, office)
                reason = f"{doc.title}, {motion.court}"
                jobs.append((motion_id, _versions(motion),
                             pool.submit(batch.render_and_sign, doc, reason) if pool else
                             _here(batch.render_and_sign, doc, reason)))
                progress.report(0, len(ids), f"Prepared {n:,} of {len(ids):,} motions")
        user.last_activity = user.workspace.now()
        for start in range(0, len(jobs), SIGN_BATCH):
            progress.check()
            kept = len(report.signed)
            try:
                _store(user, jobs[start:start + SIGN_BATCH], report)
            except DiskFull as exc:
                del report.signed[kept:]
                if not report.signed:
                    raise
                raise disk_full(f"{len(report.signed)} of the {len(ids)} motions were signed and kept; the others "
                                f"could not be saved in {user.workspace.case_file.path}", "They are still drafts.") \
                    from exc
            progress.report(len(report.signed), len(ids), f"Signed {len(report.signed):,} of {len(ids):,} motions")
            user.last_activity = user.workspace.now()
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return report


def _versions(motion: m.Motion) -> tuple[object, ...]:
    return (motion.version, *sorted({(c.case.id, c.case.version) for c in motion.charges}))


def _store(user: UserSession, jobs: Sequence[tuple[int, tuple[object, ...], Future[bytes]]],
           report: SignReport) -> None:
    with user.acting(Op.SIGN, "motions_signed", f"motions:{len(jobs)}", confirmed=True) as db:
        for motion_id, versions, job in jobs:
            try:
                pdf = job.result()
            except fonts.MissingGlyphs as e:
                report.refused.append((motion_id, str(e)))
                continue
            motion = db.scalars(select(m.Motion).where(m.Motion.id == motion_id)
                                .options(*_load_options())).first()  # type: ignore[arg-type]
            if motion is None or motion.status != "draft" or _versions(motion) != versions:
                report.refused.append((motion_id, "It, or one of its cases, changed while the motions were being "
                                                  "signed. Draft the motions again and sign them."))
                continue
            now = naive(user.workspace.now())
            motion.listed = [[c.case.case_number, c.local_id, _person_name(c.party)] for c in motion.charges]
            motion.pdf, motion.sha256 = pdf, hashlib.sha256(pdf).hexdigest()
            motion.status, motion.signed_by, motion.signed_at, motion.updated_at = "signed", user.user_id, now, now
            user.audit(db, "document_signed", f"motion:{motion.id}")
            report.signed.append(motion.id)


def file_stem(row: MotionRow) -> str:
    court = "".join(ch if ch.isalnum() else "-" for ch in row.court).strip("-")[:40] or "court"
    which = row.case_number.replace("/", "_") if row.case_number else "omnibus"
    return f"motion-{row.kind}-{court}-{which}-{row.id}-{row.status}"


def write_motions(user: UserSession, out: Path, motion_ids: Sequence[int], *,
                  docx: bool = False) -> tuple[list[Path], list[int]]:
    """Write motions into `out` (owner-only): a signed one's stored PDF (for a user who may export), a draft's
    preview and, with `docx`, its .docx. Returns the files written and the signed motions left out because this
    user may not export them."""
    user.authorize(Op.DRAFT_LETTERS)
    office = office_of(user.workspace)
    written: list[Path] = []
    left_out: list[int] = []
    for motion_id in motion_ids:
        with user.workspace.session() as db:
            motion = _load(db, motion_id)
            row = _row(motion, office)
            doc = None if motion.status == "signed" else _compose(db, user, motion, None, office)
            pdf = motion.pdf if doc is None else render_pdf(doc)
        # A signed motion leaves the office as an export (the password asked again); a draft is a working copy.
        op = Op.EXPORT if doc is None else Op.DRAFT_LETTERS
        if not user.may(op):
            left_out.append(motion_id)
            continue
        assert pdf is not None
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{file_stem(row)}.pdf"
        with user.acting(op, "motion_exported", f"motion:{motion_id}"):
            write_private(path, pdf)
            written.append(path)
            if docx and doc is not None:
                docx_path = out / f"{file_stem(row)}.docx"
                write_private(docx_path, render_docx(doc, now=user.workspace.now()))
                written.append(docx_path)
    return written, left_out

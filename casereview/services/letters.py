"""Letters and memos: drafting, editing, signing, exporting.

Prosecutor's office — section 6 of the model policy: the office "will not contest any application for expungement,
record sealing, non-disclosure, or vacatur where the underlying charge arose solely from the consensual exchange of
sex for something of value, or the solicitation of such an exchange." For each person, all their past records of
one case whose screening gives `do_not_contest` go in one letter (a court rejects filings that cover part of a
case). Each record's ground is its decision's `relief_sections` (section 6, or 2, 3, 4, 4 and 6, a community guide
heading): the letter cites and quotes section 6 only when it is every record's ground, and otherwise names the
policy and no section; the defense office's request cites and quotes each ground. While any past record of that
person in that case is in `review`, no letter is drafted, and the report says what to find out. A paralegal drafts
and edits; a user the administrator has given signing authority for letters (the head of office or a designee)
signs, one by one or a selection at once. Signed letters are kept byte for byte.

Defense office: the same records give a letter asking the prosecutor for non-opposition; a screening memo for a
case and a plain-language summary for a client are drafted on request. The attorney signs.

Signing many letters renders and signs them on every core (separate processes; the signer's key is handed to them
in memory only, for the length of the run).
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from casereview.documents import batch, fonts
from casereview.documents import letters as words
from casereview.documents.layout import Document, render_docx, render_pdf
from casereview.policy.case import PAST_STATUSES
from casereview.policy.engine import ChargeDecision, screen_case
from casereview.policy.engine import relief_words as engine_relief_words
from casereview.policy.profile import PolicyProfile
from casereview.policy.words import need_words
from casereview.progress import NO_PROGRESS, Progress
from casereview.services import identities
from casereview.services.access import OfficeType, Op
from casereview.services.office import (
    RELIEF_KINDS,
    RELIEF_LABELS,
    FieldProblem,
    OfficeProfile,
    office_of,
    office_policy,
)
from casereview.services.session import AccessProblem, PermissionDenied, UserSession, naive, set_audit_object
from casereview.services.statutes import OFFENSE_LABELS
from casereview.store import cases
from casereview.store import models as m
from casereview.store.database import DiskFull, disk_full
from casereview.store.safe_write import write_private

MAX_TEXT = 5000
SIGN_BATCH = 50  # letters stored (with their audit records) per transaction while signing
PARALLEL_FROM = 8  # fewer letters than this are signed in this process (starting helpers costs about a second)
EDITABLE = ("addressee", "salutation", "remarks", "closing")
RECORD_KINDS = ("non_opposition", "defense_request")  # the kinds that list past records
OFFENSE_WORDS = {**OFFENSE_LABELS, "buying_sex_from_minor": "buying sex from a minor", "other": "other offense"}
PLAIN_OFFENSES = {  # for the client, no legal words
    "selling_sex": "selling sex", "buying_sex": "paying for sex", "solicitation": "offering to pay for sex",
    "promoting": "helping someone else sell sex, or making money from it",
    "loitering_for_prostitution": "waiting in a public place to sell sex", "vagrancy": "being homeless in public",
    "trespass": "being somewhere you were not allowed to be", "obscenity": "indecent behavior",
    "drug_possession": "having drugs", "public_nuisance": "disturbing the public",
    "unlicensed_massage": "giving massages without a license", "assault": "hurting someone",
    "sexual_assault": "sexual assault", "robbery": "robbery", "homicide": "killing someone",
    "trafficking": "trafficking", "buying_sex_from_minor": "paying for sex with someone under 18",
    "other": "another offense",
}


class LetterRefused(AccessProblem):
    """The letter cannot be drafted, changed or signed; the message says why and what to do."""


@dataclass(frozen=True)
class LetterRow:
    id: int
    kind: str
    case_number: str
    person: str
    status: str
    records: tuple[str, ...]  # charge ids
    updated_at: str
    version: int


@dataclass(frozen=True)
class Held:
    """A person's records of one case that get no letter yet, and what to find out first."""

    case_number: str
    person: str
    charges: tuple[str, ...]
    find_out: tuple[str, ...]


@dataclass
class DraftReport:
    drafted: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    already_signed: int = 0
    held: list[Held] = field(default_factory=list)


@dataclass
class SignReport:
    signed: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)  # (letter id, why)


# ---------------------------------------------------------------------------------------------------- reading


def _person_name(party: m.CaseParty) -> str:
    return party.name or party.person.name or ""


def _row(letter: m.Letter) -> LetterRow:
    """A signed letter is listed as it was signed, whatever its case became since."""
    person = letter.person_name or (_person_name(letter.party) if letter.party else "")
    records = tuple(letter.signed_records) if letter.signed_records is not None else \
        tuple(c.local_id for c in letter.charges)
    return LetterRow(letter.id, letter.kind, letter.case.case_number, person, letter.status, records,
                     letter.updated_at.isoformat(timespec="minutes"), letter.version)


def list_letters(user: UserSession, *, status: str | None = None, case_number: str | None = None,
                 kind: str | None = None) -> list[LetterRow]:
    """The letters in the case file (drafts first, then signed), optionally of one status, case or kind."""
    user.authorize(Op.VIEW_CASES)
    with user.workspace.session() as db:
        stmt = select(m.Letter).options(selectinload(m.Letter.case), selectinload(m.Letter.charges),
                                        selectinload(m.Letter.party).selectinload(m.CaseParty.person))
        if status:
            stmt = stmt.where(m.Letter.status == status)
        if kind:
            stmt = stmt.where(m.Letter.kind == kind)
        if case_number:
            stmt = stmt.where(m.Letter.case_id == cases.case_id(db, case_number))
        return [_row(x) for x in db.scalars(stmt.order_by(m.Letter.status, m.Letter.id))]


def _load(db: Session, letter_id: int) -> m.Letter:
    letter = db.get(m.Letter, letter_id)
    if letter is None:
        raise LetterRefused(f"There is no letter {letter_id} in this case file (it may have been deleted).")
    return letter


def letter_fields(user: UserSession, letter_id: int) -> tuple[LetterRow, dict[str, str], str | None]:
    """A letter's row, its editable parts, and the relief it names (a key of `RELIEF_KINDS`, or None)."""
    user.authorize(Op.VIEW_CASES)
    with user.workspace.session() as db:
        letter = _load(db, letter_id)
        return _row(letter), {name: getattr(letter, name) for name in EDITABLE}, letter.relief


# ------------------------------------------------------------------------------------------------ eligibility


def _decisions(db: Session, row: m.Case, profile: PolicyProfile, presumptive: bool) -> dict[str, ChargeDecision]:
    spec_case = cases.with_requests(db, row, cases.to_spec(row))
    return {d.charge: d for d in screen_case(spec_case, profile, presumptive=presumptive, signed_only=True).charges}


def _find_out(row: m.Case, d: ChargeDecision) -> list[str]:
    names = {p.local_id: _person_name(p) or f"person {p.local_id}" for p in row.parties}
    out = [need_words(n.need, names.get(n.person, n.person))
           for n in d.missing]
    if not out:
        out = [r for r in d.reasons if r.startswith("Record relief")]
    return out


@dataclass
class _Group:
    case: m.Case
    party: m.CaseParty
    eligible: list[m.Charge]
    review: list[tuple[m.Charge, ChargeDecision]]


LOAD_CHUNK = 500


def _load_cases(db: Session, case_ids: Sequence[int]) -> list[m.Case]:
    """Cases with everything screening reads, a few hundred per query (not one query per relationship)."""
    found: list[m.Case] = []
    for start in range(0, len(case_ids), LOAD_CHUNK):
        found += db.scalars(select(m.Case).where(m.Case.id.in_(case_ids[start:start + LOAD_CHUNK])).options(
            selectinload(m.Case.parties).selectinload(m.CaseParty.person), selectinload(m.Case.charges),
            selectinload(m.Case.facts))
            .order_by(m.Case.id)).all()
    return found


def _groups(db: Session, profile: PolicyProfile, presumptive: bool,
            case_ids: Iterable[int] | None = None) -> list[_Group]:
    """Every (case, person) with past records the office will not contest, or that are in review, screened now
    (the stored decisions could be older than the case's last change)."""
    stmt = select(m.Charge.case_id).where(m.Charge.status.in_(PAST_STATUSES)).distinct()
    if case_ids is not None:
        stmt = stmt.where(m.Charge.case_id.in_(list(case_ids)))
    groups: list[_Group] = []
    for row in _load_cases(db, list(db.scalars(stmt.order_by(m.Charge.case_id)))):
        decisions = _decisions(db, row, profile, presumptive)
        by_party: dict[int, _Group] = {}
        for charge in row.charges:
            d = decisions[charge.local_id]
            if charge.status not in PAST_STATUSES or d.record_relief not in ("do_not_contest", "review"):
                continue
            group = by_party.setdefault(charge.party.id, _Group(row, charge.party, [], []))
            if d.record_relief == "do_not_contest":
                group.eligible.append(charge)
            else:
                group.review.append((charge, d))
        groups += by_party.values()
    return groups


def _relief_default(office: OfficeProfile) -> str | None:
    return next((kind for kind in RELIEF_KINDS if office.relief_term(kind)), None)


def relief_words(office: OfficeProfile, relief: str | None) -> str:
    """The relief a letter names, in the state's own words (the office profile's), or section 6's own list."""
    if relief is None:
        return "expungement, record sealing, non-disclosure, or vacatur"
    return office.relief_term(relief) or RELIEF_LABELS[relief].lower()


def _defaults(kind: str, row: m.Case, party: m.CaseParty | None, charges: Sequence[m.Charge]) -> dict[str, str]:
    court = next((c.court for c in charges if c.court), None) or row.court or "The Court"
    name = _person_name(party) if party else ""
    county = f"\n{row.county}" if row.county else ""
    return {
        "non_opposition": {"addressee": f"{court}{county}", "salutation": "To the Court:", "remarks": "",
                           "closing": "Respectfully submitted,"},
        "defense_request": {"addressee": f"The Office of the Prosecutor{county}", "salutation": "Dear Counsel:",
                            "remarks": "", "closing": "Sincerely,"},
        "screening_memo": {"addressee": f"For a motion in case {row.case_number} ({court})", "salutation": "",
                           "remarks": "", "closing": ""},
        "client_summary": {"addressee": "", "salutation": f"Dear {name}," if name else "Dear client,",
                           "remarks": "", "closing": "Your attorney,"},
    }[kind]


def _kinds_for(user: UserSession) -> tuple[str, ...]:
    return ("non_opposition",) if user.office_type == OfficeType.PROSECUTOR else \
        ("defense_request", "screening_memo", "client_summary")


def _new_letter(db: Session, user: UserSession, kind: str, row: m.Case, party: m.CaseParty | None,
                charges: list[m.Charge], relief: str | None) -> m.Letter:
    now = naive(user.workspace.now())
    letter = m.Letter(kind=kind, case_id=row.id, party_id=party.id if party else None, status="draft",
                      person_name=_person_name(party) if party else "", relief=relief, created_by=user.user_id,
                      created_at=now, updated_at=now, charges=charges,
                      **_defaults(kind, row, party, charges))
    db.add(letter)
    db.flush()
    user.audit(db, "letter_drafted", f"letter:{letter.id}")
    return letter


def draft_letters(user: UserSession, *, case_numbers: Sequence[str] | None = None,
                  progress: Progress = NO_PROGRESS) -> DraftReport:
    """Draft the record letters (a prosecutor's office: non-opposition letters to the court; a defense office:
    requests for non-opposition to the prosecutor) for every person with eligible records, or only in some cases.
    A draft already there is brought up to date; a letter already signed for the same records is left alone."""
    user.authorize(Op.DRAFT_LETTERS)
    kind = _kinds_for(user)[0]
    profile, presumptive = office_policy(user.workspace)
    office = office_of(user.workspace)
    report = DraftReport()
    with user.acting(Op.DRAFT_LETTERS, "letters_drafted") as db:
        ids = None if case_numbers is None else [cases.case_id(db, n) for n in case_numbers]
        progress.report(0, 0, "Finding eligible records…")
        groups = _groups(db, profile, presumptive, ids)
        existing: dict[tuple[int, int | None], list[m.Letter]] = defaultdict(list)
        for letter in db.scalars(select(m.Letter).where(m.Letter.kind == kind)
                                 .options(selectinload(m.Letter.charges))):
            existing[(letter.case_id, letter.party_id)].append(letter)
        for n, group in enumerate(groups, 1):
            progress.check()
            name = _person_name(group.party)
            if group.review or not name:
                needs = [x for charge, d in group.review for x in _find_out(group.case, d)]
                if not name:
                    needs.append(f"the name of person {group.party.local_id} (a letter names the petitioner)")
                report.held.append(Held(group.case.case_number, name or group.party.local_id,
                                        tuple(c.local_id for c in group.eligible) + tuple(c.local_id for c, _ in
                                                                                          group.review),
                                        tuple(dict.fromkeys(needs))))
                continue
            if not group.eligible:
                continue
            wanted = {c.id for c in group.eligible}
            mine = existing.get((group.case.id, group.party.id), [])
            if any(x.status == "signed" and {c.id for c in x.charges} == wanted for x in mine):
                report.already_signed += 1
                continue
            draft = next((x for x in mine if x.status == "draft"), None)
            if draft is None:
                report.drafted.append(_new_letter(db, user, kind, group.case, group.party, group.eligible,
                                                  _relief_default(office)).id)
            elif {c.id for c in draft.charges} != wanted:
                draft.charges, draft.person_name = list(group.eligible), name
                draft.updated_at = naive(user.workspace.now())
                user.audit(db, "letter_edited", f"letter:{draft.id}")
                report.updated.append(draft.id)
            else:
                report.unchanged.append(draft.id)
            progress.report(n, len(groups), f"Checked {n:,} of {len(groups):,} people's records")
        set_audit_object(db, f"letters:{len(report.drafted)}")
    return report


def draft_letter(user: UserSession, case_number: str, kind: str, person: str | None = None) -> int:
    """Draft one letter of `kind` for a case (and a person in it, except the screening memo); returns its id."""
    user.authorize(Op.DRAFT_LETTERS)
    if kind not in _kinds_for(user):
        office_kind = "a prosecutor's" if user.office_type == OfficeType.PROSECUTOR else "a defense"
        raise LetterRefused(f"{words.KIND_LABELS.get(kind, kind)} is not a letter {office_kind} office drafts here.")
    profile, presumptive = office_policy(user.workspace)
    with user.acting(Op.DRAFT_LETTERS, "letter_drafted") as db:
        row = cases.load_case(db, case_number)
        party = None
        if kind != "screening_memo":
            party = next((p for p in row.parties if p.local_id == person), None)
            if party is None:
                raise FieldProblem("person", f"Choose a person of case {case_number}.")
        charges: list[m.Charge] = []
        if kind in RECORD_KINDS:
            group = next((g for g in _groups(db, profile, presumptive, [row.id]) if party and g.party.id == party.id),
                         None)
            if group is None or not group.eligible:
                raise LetterRefused(f"{_person_name(party) if party else person} has no past record in case "
                                    f"{case_number} on which the office does not contest record relief, so there "
                                    "is nothing to write.")
            if group.review:
                needs = "; ".join(x for _, d in group.review for x in _find_out(row, d))
                raise LetterRefused(f"Some of this person's records in case {case_number} are in review; a letter "
                                    f"covering part of a case would be rejected. Find out first: {needs}.")
            if not _person_name(group.party):
                raise LetterRefused("The letter names the petitioner: record this person's name first.")
            charges = group.eligible
        elif kind == "client_summary":
            charges = [c for c in row.charges if party and c.party.id == party.id]
            if not charges:
                raise LetterRefused("This person has no charge in the case: a summary would be empty.")
        letter = _new_letter(db, user, kind, row, party, charges,
                             _relief_default(office_of(user.workspace)) if kind in RECORD_KINDS else None)
        set_audit_object(db, f"letter:{letter.id}")
        return letter.id


# ------------------------------------------------------------------------------------------------- editing


def edit_letter(user: UserSession, letter_id: int, *, version: int, relief: str | None = None,
                **texts: str) -> int:
    """Change a draft's free-text parts (and the relief it names); returns the new version. Refused when someone
    changed the draft since `version` was read, or when it is signed."""
    user.authorize(Op.DRAFT_LETTERS)
    unknown = set(texts) - set(EDITABLE)
    if unknown:
        raise FieldProblem(sorted(unknown)[0], f"{sorted(unknown)[0]} is not a part of a letter one can edit.")
    if relief is not None and relief not in RELIEF_KINDS:
        raise FieldProblem("relief", f"Choose the relief: {', '.join(RELIEF_KINDS)}.")
    for name, value in texts.items():
        if len(value) > MAX_TEXT:
            raise FieldProblem(name, f"The {name} is {len(value):,} characters long; keep it under {MAX_TEXT:,}.")
        try:
            fonts.check({name: value}, document="change")
        except fonts.MissingGlyphs as e:
            raise FieldProblem(name, str(e)) from None
    with user.acting(Op.DRAFT_LETTERS, "letter_edited", f"letter:{letter_id}") as db:
        letter = _load(db, letter_id)
        if letter.status != "draft":
            raise LetterRefused("This letter is signed; it can no longer change. Draft a new one if needed.")
        if letter.version != version:
            raise LetterRefused("Someone else changed this draft since you opened it. Open it again to see their "
                                "changes; yours are still on your screen.")
        for name, value in texts.items():
            setattr(letter, name, value.strip())
        if relief is not None:
            letter.relief = relief
        letter.updated_at = naive(user.workspace.now())
        db.flush()
        return letter.version


def delete_draft(user: UserSession, letter_id: int) -> None:
    user.authorize(Op.DRAFT_LETTERS)
    with user.acting(Op.DRAFT_LETTERS, "letter_deleted", f"letter:{letter_id}") as db:
        letter = _load(db, letter_id)
        if letter.status != "draft":
            raise LetterRefused("A signed letter is kept: only drafts can be deleted.")
        db.delete(letter)


# ------------------------------------------------------------------------------------------------ composing


def _letterhead(office: OfficeProfile) -> words.Letterhead:
    return words.Letterhead(office.name or "The office", tuple(x for x in (office.address, office.phone) if x),
                            office.head_name or "", office.head_title or "")


def _section(profile: PolicyProfile, number: str) -> words.Section:
    return words.Section(number, profile.quote(number), f"{profile.title} (version {profile.version})")


def _record(charge: m.Charge) -> words.Record:
    return words.Record(charge.case.case_number, charge.court or charge.case.court or "", charge.docket_number or "",
                        OFFENSE_WORDS.get(charge.offense, charge.offense.replace("_", " ")), charge.statute or "",
                        words.DISPOSITIONS.get(charge.status, charge.status),
                        charge.disposition_date.isoformat() if charge.disposition_date else "")


def _plain(row: m.Case, charge: m.Charge, d: ChargeDecision, office: OfficeProfile, relief: str) -> words.SummaryItem:
    year = (charge.offense_date or row.incident_date).year
    what = f"The {year} charge for {PLAIN_OFFENSES.get(charge.offense, charge.offense.replace('_', ' '))} " \
           f"(case {row.case_number})"
    usually = "usually " if d.decision == "decline" and "presumptive" in " ".join(d.reasons).lower() else ""
    if charge.status in PAST_STATUSES:
        meaning = {
            "do_not_contest": f"This is an old record. The policy says the prosecutor will not fight a request to "
                              f"clear it ({relief}). We can ask the court to clear it.",
            "not_eligible": "This is an old record. The policy does not help with clearing it.",
            "review": "This is an old record. We need to find out more before we know whether the policy helps "
                      "clear it.",
        }.get(d.record_relief or "", "This is an old record.")
    else:
        meaning = {
            "decline": f"The policy says the prosecutor should {usually}not bring this charge against you.",
            "protect": "The policy treats you as the person who was harmed here. It says this charge should not be "
                       "brought against you.",
            "charge": "The policy lets the prosecutor bring this charge. We will talk with you about what comes "
                      "next.",
            "discretion": "The policy does not cover this charge. The prosecutor decides on their own.",
            "review": "We need more facts before we can say what the policy means for this charge.",
        }.get(d.decision, "")
    return words.SummaryItem(what, meaning)


def _signer(db: Session, user_id: int, letter: m.Letter, office: OfficeProfile) -> words.Signer:
    """The name and title printed under the signature of `user_id` (who signs, or signed, the letter)."""
    me = db.get(m.User, user_id)
    assert me is not None
    name = me.signer_name or me.username
    if letter.kind == "non_opposition":
        head = office.head_title or "head of office"
        title = me.signer_title or (head if office.head_name and name == office.head_name else
                                    f"Designee of the {head}")
    else:
        client = _person_name(letter.party) if letter.party else ""
        title = me.signer_title or (f"Attorney for {client}" if client else "Attorney")
    return words.Signer(name, f"{title}, {office.name}" if office.name and office.name not in title else title)


def _compose(db: Session, user: UserSession, letter: m.Letter, signer: words.Signer | None,
             profile: PolicyProfile, presumptive: bool, office: OfficeProfile) -> Document:
    row = letter.case
    fields = words.Editable(**{name: getattr(letter, name) for name in EDITABLE})
    day = letter.signed_at.date() if letter.signed_at else user.workspace.now().date()  # a signed letter's own date
    head = _letterhead(office)
    name = _person_name(letter.party) if letter.party else ""
    relief = relief_words(office, letter.relief)
    decisions = _decisions(db, row, profile, presumptive)
    if letter.kind in RECORD_KINDS:
        # Each record's ground is its decision's relief_sections (section 6, or 2, 3, 4, 4 and 6, a guide heading).
        grounds = [decisions[c.local_id].relief_sections for c in letter.charges if c.local_id in decisions]
        exchange_only = bool(grounds) and all(g == (profile.relief_section,) for g in grounds)
        records = tuple(_record(c) for c in letter.charges)
        if letter.kind == "non_opposition":  # a public filing: section 6 only where it is every record's ground
            return words.non_opposition(head, petitioner=name, case_number=row.case_number, records=records,
                                        relief=relief, fields=fields, signer=signer, day=day,
                                        section=_section(profile, profile.relief_section) if exchange_only else None)
        cited = tuple(_section(profile, sid) for sid in dict.fromkeys(sid for g in grounds for sid in g))
        return words.defense_request(head, client=name, case_number=row.case_number, records=records, relief=relief,
                                     sections=cited, exchange_only=exchange_only, fields=fields, signer=signer,
                                     day=day)
    if letter.kind == "client_summary":
        items = tuple(_plain(row, c, decisions[c.local_id], office, relief) for c in letter.charges)
        return words.client_summary(head, client=name, items=items, fields=fields, signer=signer, day=day)
    spec_case = cases.to_spec(row)
    entries = []
    for charge in row.charges:
        d = decisions[charge.local_id]
        holder = spec_case.person(d.person).label()
        statute = f", {charge.statute}" if charge.statute else ""
        word = d.decision + (" (presumptively)" if d.decision == "decline" and presumptive else "")
        entries.append(words.MemoEntry(
            f"Charge {charge.local_id}: {OFFENSE_WORDS.get(charge.offense, charge.offense)}{statute} — {holder}",
            word, tuple(_section(profile, s) for s in d.sections), tuple(d.reasons),
            engine_relief_words(profile, d) or "", tuple(_section(profile, s) for s in d.relief_sections)))
    place = ", ".join(x for x in (row.county, row.court) if x)
    caption = f"{place + ', ' if place else ''}incident {row.incident_date.isoformat()}"
    return words.screening_memo(head, case_number=row.case_number, caption=caption, entries=tuple(entries),
                                policy_line=f"{profile.title}, version {profile.version}"
                                            f"{', declines stated as presumptive' if presumptive else ''}",
                                fields=fields, signer=signer, day=day)


def _stored_groups(db: Session, case_ids: Sequence[int]) -> dict[tuple[int, int], tuple[set[int], bool]]:
    """For signing: by (case, person), the ids of the past records the stored screening says the office will not
    contest, and whether one is in review. The stored decisions are those of the case as it is: every change to a
    case, and every change of the office's policy, screens it again."""
    found: dict[tuple[int, int], tuple[set[int], bool]] = {}
    for start in range(0, len(case_ids), LOAD_CHUNK):
        rows = db.execute(select(m.Charge.case_id, m.Charge.party_id, m.Charge.id, m.Charge.record_relief).where(
            m.Charge.case_id.in_(case_ids[start:start + LOAD_CHUNK]), m.Charge.status.in_(PAST_STATUSES)))
        for case_id, party_id, charge_id, relief in rows:
            eligible, review = found.get((case_id, party_id), (set(), False))
            if relief == "do_not_contest":
                eligible.add(charge_id)
            found[(case_id, party_id)] = (eligible, review or relief == "review")
    return found


def _stale(letter: m.Letter, groups: dict[tuple[int, int], tuple[set[int], bool]]) -> str | None:
    """Why a record letter can no longer be signed as drafted (its records changed), or None. `groups`: the
    eligible records of its case now, by (case, person) (see `_stored_groups`)."""
    if letter.kind not in RECORD_KINDS:
        return None
    if not letter.charges:
        return "Its records are no longer in the case file. Delete this draft."
    eligible, review = groups.get((letter.case_id, letter.party_id or 0), (set(), False))
    if review or eligible != {c.id for c in letter.charges}:
        return ("The person's records in this case changed since the letter was drafted (or one is now in review). "
                "Draft the letters again to bring it up to date.")
    return None


def preview(user: UserSession, letter_id: int) -> bytes:
    """The letter as PDF: a draft rendered now (its signature block says who is to sign), or the signed bytes."""
    user.authorize(Op.VIEW_CASES)
    profile, presumptive = office_policy(user.workspace)
    office = office_of(user.workspace)
    with user.workspace.session() as db:
        letter = _load(db, letter_id)
        if letter.status == "signed":
            return _signed_bytes(db, letter_id)
        return render_pdf(_compose(db, user, letter, None, profile, presumptive, office))


def _signed_bytes(db: Session, letter_id: int) -> bytes:
    doc = db.scalars(select(m.SignedDocument).where(m.SignedDocument.letter_id == letter_id)
                     .order_by(m.SignedDocument.id.desc())).first()
    if doc is None:
        raise LetterRefused("This letter's signed document is missing from the case file.")
    return doc.pdf


SIGNED_IS_FINAL = ("A signed letter is final: its signed PDF is the copy to file. A .docx is for editing a "
                   "draft.")


def export_docx(user: UserSession, letter_id: int, path: Path) -> Path:
    """Write a draft as .docx for a word processor, owner-only, atomically. A signed letter has none: its words
    would be made again from today's case file, not from what was signed."""
    user.authorize(Op.DRAFT_LETTERS)
    profile, presumptive = office_policy(user.workspace)
    office = office_of(user.workspace)
    with user.acting(Op.DRAFT_LETTERS, "letter_exported", f"letter:{letter_id}") as db:
        letter = _load(db, letter_id)
        if letter.status != "draft":
            raise LetterRefused(SIGNED_IS_FINAL)
        data = render_docx(_compose(db, user, letter, None, profile, presumptive, office))
        write_private(path, data)
    return path


def export_op(status: str) -> Op:
    """What saving a letter needs: a draft is the drafter's working copy; a signed letter leaves the office as an
    export (the password is asked again, as for any export of signed documents)."""
    return Op.EXPORT if status == "signed" else Op.DRAFT_LETTERS


def save_pdf(user: UserSession, letter_id: int, path: Path) -> Path:
    """Write the letter's PDF (the signed bytes, exactly; or a draft's preview) owner-only, atomically."""
    row, _texts, _relief = letter_fields(user, letter_id)
    user.authorize(export_op(row.status))
    data = preview(user, letter_id)
    with user.acting(export_op(row.status), "letter_exported", f"letter:{letter_id}"):
        write_private(path, data)
    return path


# ------------------------------------------------------------------------------------------------- signing


def may_sign(user: UserSession) -> str | None:
    """Why this user cannot sign letters (None when they can): the role, and in a prosecutor's office the signing
    authority an administrator gives."""
    if not user.may(Op.SIGN_LETTERS):
        return f"A {user.role.value} does not sign letters."
    if user.office_type == OfficeType.PROSECUTOR:
        with user.workspace.session() as db:
            me = db.get(m.User, user.user_id)
            if me is None or not me.letter_signer:
                return ("Letters are signed by the head of office or a designee: an administrator gives that "
                        "authority (Administration → Users).")
    return None


def _here(work: Callable[[Document, str], bytes], doc: Document, reason: str) -> Future[bytes]:
    """`work` done in this process, as a finished Future (its error kept for `result` to raise)."""
    done: Future[bytes] = Future()
    try:
        done.set_result(work(doc, reason))
    except Exception as e:  # handed to the caller through result(), like a helper process's error
        done.set_exception(e)
    return done


def sign_letters(user: UserSession, letter_ids: Sequence[int], *, progress: Progress = NO_PROGRESS,
                 workers: int | None = None) -> SignReport:
    """Sign drafts: each is rendered with the signer's name and title, signed, and kept byte for byte. One
    authentication covers the selection. A letter that can no longer be signed as drafted (its records changed, or
    someone edited it meanwhile) is refused, with why; the others are signed. Cancelling stops after the batch in
    hand: the letters already stored stay signed, the rest stay drafts.

    The letters are composed from the case file here, rendered and signed on every core (helper processes), and
    stored here in batches, each with its audit records, while the helpers go on."""
    user.authorize(Op.SIGN_LETTERS)
    refusal = may_sign(user)
    if refusal:
        user.workspace.record(user_id=user.user_id, action="permission_denied", object_id="sign_letters",
                              outcome="denied")
        raise PermissionDenied(refusal)
    identity = identities.signing_identity(user)
    authority = identities.authority_certificate(user.workspace)
    profile, presumptive = office_policy(user.workspace)
    office = office_of(user.workspace)
    report = SignReport()
    ids = list(dict.fromkeys(letter_ids))
    workers = workers if workers is not None else (os.cpu_count() or 1)
    pool = None
    if workers > 1 and len(ids) >= PARALLEL_FROM:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"),
                                   initializer=batch.init_worker, initargs=(identity, authority))
    else:
        batch.init_worker(identity, authority)
    try:
        # (letter id, the letter's and its case's versions when composed, the signed PDF to come)
        jobs: list[tuple[int, tuple[int, int], Future[bytes]]] = []
        for start in range(0, len(ids), SIGN_BATCH):
            progress.check()
            with user.workspace.session() as db:
                chunk = ids[start:start + SIGN_BATCH]
                found = {x.id: x for x in db.scalars(select(m.Letter).where(m.Letter.id.in_(chunk)).options(
                    selectinload(m.Letter.charges).selectinload(m.Charge.case), selectinload(m.Letter.case),
                    selectinload(m.Letter.party).selectinload(m.CaseParty.person)))}
                groups = _stored_groups(db, sorted({x.case_id for x in found.values()}))
                for letter_id in chunk:
                    composed = _to_sign(db, user, found.get(letter_id), letter_id, groups, profile, presumptive,
                                        office, report)
                    if composed is not None:
                        doc, reason, versions = composed
                        jobs.append((letter_id, versions, pool.submit(batch.render_and_sign, doc, reason) if pool else
                                     _here(batch.render_and_sign, doc, reason)))
            user.last_activity = user.workspace.now()  # long work the user started counts as activity
            progress.report(0, len(ids), f"Prepared {min(start + SIGN_BATCH, len(ids)):,} of {len(ids):,} letters")
        for start in range(0, len(jobs), SIGN_BATCH):
            progress.check()
            stored = jobs[start:start + SIGN_BATCH]
            kept = len(report.signed)
            try:
                _store_signed(user, stored, report)
            except DiskFull as exc:
                del report.signed[kept:]  # that batch was rolled back: its letters are still drafts
                if not report.signed:
                    raise
                # The batches stored before stay signed: the message must not say that nothing was stored.
                left = len(ids) - len(report.signed) - len(report.refused)
                raise disk_full(f"{len(report.signed)} of the {len(ids)} letters were signed and kept; {left} could "
                                f"not be saved in {user.workspace.case_file.path}", "They are still drafts.") from exc
            progress.report(len(report.signed), len(ids), f"Signed {len(report.signed):,} of {len(ids):,} letters")
            user.last_activity = user.workspace.now()  # long work the user started counts as activity
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return report


def _store_signed(user: UserSession, stored: Sequence[tuple[int, tuple[int, int], Future[bytes]]],
                  report: SignReport) -> None:
    """One batch of signed letters stored with its audit records, in one transaction (`sign_letters`)."""
    # The password given when the signing began covers the whole selection, however long it takes.
    with user.acting(Op.SIGN_LETTERS, "letters_signed", f"letters:{len(stored)}", confirmed=True) as db:
        for letter_id, versions, job in stored:
            try:
                pdf = job.result()
            except fonts.MissingGlyphs as e:
                report.refused.append((letter_id, str(e)))
                continue
            letter = db.get(m.Letter, letter_id)
            if letter is None or letter.status != "draft" or (letter.version, letter.case.version) != versions:
                report.refused.append((letter_id, "It, or its case, changed while the letters were being "
                                                  "signed (edited, signed or deleted by someone else). Sign "
                                                  "it again."))
                continue
            now = naive(user.workspace.now())
            db.add(m.SignedDocument(case_id=letter.case_id, letter_id=letter.id, kind=letter.kind,
                                    stage="signed", pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(),
                                    signed_by=user.user_id, created_at=now))
            letter.status, letter.signed_by, letter.signed_at, letter.updated_at = \
                "signed", user.user_id, now, now
            letter.signed_records = [c.local_id for c in letter.charges]
            letter.person_name = _person_name(letter.party) if letter.party else letter.person_name
            user.audit(db, "document_signed", f"letter:{letter.id}")
            report.signed.append(letter.id)


def _to_sign(db: Session, user: UserSession, letter: m.Letter | None, letter_id: int,
             groups: dict[tuple[int, int], tuple[set[int], bool]], profile: PolicyProfile, presumptive: bool,
             office: OfficeProfile, report: SignReport) -> tuple[Document, str, tuple[int, int]] | None:
    """The letter composed for signing (with the signer's name), or None after noting in `report` why not."""
    if letter is None or letter.status != "draft":
        report.refused.append((letter_id, "It is not a draft (signed already, or deleted)."))
        return None
    why = _stale(letter, groups)
    if why:
        report.refused.append((letter_id, why))
        return None
    doc = _compose(db, user, letter, _signer(db, user.user_id, letter, office), profile, presumptive, office)
    return doc, f"{words.KIND_LABELS[letter.kind]}, case {letter.case.case_number}", (letter.version,
                                                                                       letter.case.version)


def write_letters(user: UserSession, out: Path, letter_ids: Sequence[int], *,
                  docx: bool = False) -> tuple[list[Path], list[int]]:
    """Write letters into `out` (owner-only): a signed letter's stored PDF (for a user who may export), a draft's
    preview and, with `docx`, its .docx. File names: case number, kind, person id, letter id. Returns the files
    written and the signed letters left out because this user may not export them."""
    user.authorize(Op.DRAFT_LETTERS)
    written: list[Path] = []
    left_out: list[int] = []
    for letter_id in letter_ids:
        row, _texts, _relief = letter_fields(user, letter_id)
        if not user.may(export_op(row.status)):
            left_out.append(letter_id)
            continue
        with user.workspace.session() as db:
            party = _load(db, letter_id).party
            who = f"-{party.local_id}" if party else ""
        out.mkdir(parents=True, exist_ok=True)
        stem = f"{row.case_number}-{row.kind}{who}-{letter_id}-{row.status}".replace("/", "_")
        written.append(save_pdf(user, letter_id, out / f"{stem}.pdf"))
        if docx and row.status == "draft":
            written.append(export_docx(user, letter_id, out / f"{stem}.docx"))
    return written, left_out


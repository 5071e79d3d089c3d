"""Letters and memos: drafting, editing, signing, exporting. What each document says is the documents contract
(``spec/documents.md``); the words are in `casereview.documents.letters`.

Prosecutor's office — section 6 of the model policy: the office "will not contest any application for expungement,
record sealing, non-disclosure, or vacatur where the underlying charge arose solely from the consensual exchange of
sex for something of value, or the solicitation of such an exchange." For each person and case, the past records
whose screening gives `do_not_contest` go in one letter per court (a court rejects a filing that covers part of a
case, and a letter goes to one court). Each record's ground is its decision's `relief_sections` (section 6, or 2, 3,
4, 4 and 6, a community guide heading); it stays in the office's records: the letter cites and quotes section 6 only
when it is every record's ground, and otherwise names the policy and no section. While any past record of that
person in that case is in `review`, no letter is drafted, and the report says what to find out.

Nothing is signed with a gap: a letter missing something it must print (the court, a docket number, the office's
state for the caption, its address, telephone or e-mail, the policy's title and adoption date, a date of birth the
office shows, who is served a copy, the signer's title or bar number) is drafted but held — its preview says exactly
what to find out, and signing refuses it, saying the same (`find_out`).

A paralegal drafts and edits; a user the administrator has given signing authority for letters (the head of office
or a designee) signs, one by one or a selection at once. Signed letters are kept byte for byte.

Defense office: every document is for a client of the office (`CaseParty.client`) and about that client's charges:
the request for non-opposition to the prosecuting office, the screening memo (privileged, internal), the policy
exhibit (for filing) and the plain-language summary. The attorney signs.

Documents are dated in the office's own time zone (`office_today`), never in UTC. Signing many letters renders and
signs them on every core (separate processes; the signer's key is handed to them in memory only, for the length of
the run).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from multiprocessing import get_context
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from casereview.documents import batch, fonts
from casereview.documents import letters as words
from casereview.documents.layout import Caption, Document, render_docx, render_pdf
from casereview.policy import case as spec
from casereview.policy.case import PAST_STATUSES
from casereview.policy.engine import ChargeDecision, screen_case
from casereview.policy.profile import DEFAULT_LABELS, PolicyProfile
from casereview.policy.words import need_words
from casereview.progress import NO_PROGRESS, Progress
from casereview.services import identities
from casereview.services.access import OfficeType, Op
from casereview.services.office import (
    RELIEF_KINDS,
    RELIEF_LABELS,
    CaptionMissing,
    FieldProblem,
    OfficeProfile,
    caption,
    local_now,
    office_of,
    office_policy,
    office_today,
    office_zone,
)
from casereview.services.session import AccessProblem, PermissionDenied, UserSession, naive, set_audit_object
from casereview.services.statutes import fold_code
from casereview.store import cases
from casereview.store import models as m
from casereview.store.database import DiskFull, disk_full
from casereview.store.safe_write import write_private

MAX_TEXT = 5000
SIGN_BATCH = 50  # letters stored (with their audit records) per transaction while signing
PARALLEL_FROM = 8  # fewer letters than this are signed in this process (starting helpers costs about a second)
EDITABLE = ("addressee", "salutation", "remarks", "closing")
# The letter's facts a user records (not free prose): the application it answers, and who gets a copy.
RECORDED = ("answered_caption", "answered_docket", "copy_to")
RECORDED_LABELS = {"answered_caption": "Caption of the application answered (if not the criminal case's)",
                   "answered_docket": "Docket number of the application answered",
                   "copy_to": "Copy to (the person or their counsel, and how served)"}
RECORD_KINDS = ("non_opposition", "defense_request")  # the kinds that list past records
CLIENT_KINDS = ("defense_request", "screening_memo", "policy_exhibit", "client_summary")
ATTORNEY_ROLES = ("supervisor", "prosecutor", "attorney")  # signers who print a bar number
DEFAULT_RELIEF = "default"  # edit_letter(relief=…): back to the office's terms joined with "or"
GENERIC_RELIEF = "expungement, record sealing, non-disclosure, or vacatur"  # section 6's own list
# For the client, no legal words; by the role of the person charged where the role changes the words.
PLAIN_OFFENSES = {
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
PLAIN_BY_ROLE = {
    ("solicitation", "seller"): "offering to sell sex",
    ("solicitation", "third_party"): "arranging for someone to sell or pay for sex",
    ("solicitation", "other"): "offering to sell or pay for sex",
    ("loitering_for_prostitution", "buyer"): "waiting in a public place to pay for sex",
    ("loitering_for_prostitution", "third_party"): "waiting in a public place to arrange for sex to be sold",
}
OFFICE_PROFILE = "an administrator fills in Administration → Office profile"
_KEEP = object()  # an argument not given: the value stays as it is


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
    find_out: tuple[str, ...] = ()  # a draft held: what to find out before it can be signed


@dataclass(frozen=True)
class Held:
    """A person's records of one case that get no letter yet (or a letter drafted but held: `letter_id`), and
    what to find out first."""

    case_number: str
    person: str
    charges: tuple[str, ...]
    find_out: tuple[str, ...]
    letter_id: int | None = None


@dataclass
class DraftReport:
    drafted: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    already_signed: int = 0
    held: list[Held] = field(default_factory=list)  # no letter: a record in review
    incomplete: list[Held] = field(default_factory=list)  # drafted, but held until these are found out
    not_clients: int = 0  # a defense office: people with eligible records who are not recorded as clients


@dataclass
class SignReport:
    signed: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)  # (letter id, why)


# ---------------------------------------------------------------------------------------------------- reading


def _person_name(party: m.CaseParty) -> str:
    return party.name or party.person.name or ""


def _row(letter: m.Letter, office: OfficeProfile | None = None) -> LetterRow:
    """A signed letter is listed as it was signed, whatever its case became since."""
    person = letter.person_name or (_person_name(letter.party) if letter.party else "")
    records = tuple(letter.signed_records) if letter.signed_records is not None else \
        tuple(c.local_id for c in letter.charges)
    gaps = tuple(_gaps(letter, office)) if office is not None and letter.status == "draft" else ()
    # Shown in the office's own time, never UTC (as stored).
    changed = local_now(office, letter.updated_at).replace(tzinfo=None) if office is not None else letter.updated_at
    return LetterRow(letter.id, letter.kind, letter.case.case_number, person, letter.status, records,
                     changed.isoformat(timespec="minutes"), letter.version, gaps)


def list_letters(user: UserSession, *, status: str | None = None, case_number: str | None = None,
                 kind: str | None = None) -> list[LetterRow]:
    """The letters in the case file (drafts first, then signed), optionally of one status, case or kind; a held
    draft's row says what to find out."""
    user.authorize(Op.VIEW_CASES)
    office = office_of(user.workspace)
    with user.workspace.session() as db:
        stmt = select(m.Letter).options(selectinload(m.Letter.case), selectinload(m.Letter.charges),
                                        selectinload(m.Letter.party).selectinload(m.CaseParty.person))
        if status:
            stmt = stmt.where(m.Letter.status == status)
        if kind:
            stmt = stmt.where(m.Letter.kind == kind)
        if case_number:
            stmt = stmt.where(m.Letter.case_id == cases.case_id(db, case_number))
        return [_row(x, office) for x in db.scalars(stmt.order_by(m.Letter.status, m.Letter.id))]


def _load(db: Session, letter_id: int) -> m.Letter:
    letter = db.get(m.Letter, letter_id)
    if letter is None:
        raise LetterRefused(f"There is no letter {letter_id} in this case file (it may have been deleted).")
    return letter


def letter_fields(user: UserSession, letter_id: int) -> tuple[LetterRow, dict[str, str], str | None]:
    """A letter's row, its editable parts, and the relief it names (a key of `RELIEF_KINDS`, several joined by
    commas, or None: the office's terms joined with "or")."""
    user.authorize(Op.VIEW_CASES)
    office = office_of(user.workspace)
    with user.workspace.session() as db:
        letter = _load(db, letter_id)
        return _row(letter, office), {name: getattr(letter, name) for name in EDITABLE}, letter.relief


def recorded_fields(user: UserSession, letter_id: int) -> dict[str, str]:
    """What the user recorded for a letter (`RECORDED`): the application it answers and who gets a copy."""
    user.authorize(Op.VIEW_CASES)
    with user.workspace.session() as db:
        letter = _load(db, letter_id)
        return {name: getattr(letter, name) or "" for name in RECORDED}


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


def _court(charge: m.Charge, row: m.Case | None = None) -> str:
    """The court that holds a record: the charge's own, else its case's ("" when neither is recorded)."""
    case = row if row is not None else charge.case
    return " ".join((charge.court or case.court or "").split())


def _court_key(court: str | None) -> str:
    return " ".join((court or "").split()).casefold()


def _by_court(charges: Sequence[m.Charge], row: m.Case) -> list[list[m.Charge]]:
    """A person's eligible records of one case, one list per court (a letter goes to one court); the records whose
    court is not recorded together, in a letter held until it is."""
    found: dict[str, list[m.Charge]] = {}
    for charge in charges:
        found.setdefault(_court_key(_court(charge, row)), []).append(charge)
    return list(found.values())


def _relief_kinds(relief: str | None) -> list[str]:
    return [k for k in (relief or "").split(",") if k in RELIEF_KINDS]


def _or(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


def relief_words(office: OfficeProfile, relief: str | None) -> str:
    """The relief a letter names, in the state's own words (the office profile's): by default (None) every term
    the office set, joined with "or" ("expungement or record sealing"); the kinds the user chose for the letter; or,
    when the office set none, section 6's own list."""
    kinds = _relief_kinds(relief)
    if kinds:
        return _or([office.relief_term(k) or RELIEF_LABELS[k].lower() for k in kinds])
    terms = [office.relief_term(k) for k in RELIEF_KINDS if office.relief_term(k)]
    return _or(terms) if terms else GENERIC_RELIEF


def relief_choices(office: OfficeProfile) -> list[tuple[str, str]]:
    """What a letter may name, for a chooser: (label, value for `edit_letter(relief=…)`), the default first."""
    out = [(f"Every term the office set: {relief_words(office, None)}", DEFAULT_RELIEF)]
    out += [(f"{RELIEF_LABELS[k]} — “{office.relief_term(k)}”", k) for k in RELIEF_KINDS if office.relief_term(k)]
    return out


def _defaults(kind: str, row: m.Case, party: m.CaseParty | None) -> dict[str, str]:
    name = _person_name(party) if party else ""
    prosecutor = row.prosecuting_office or ""
    return {
        "non_opposition": {"addressee": "", "salutation": "To the Court:", "remarks": "",
                           "closing": "Respectfully submitted,"},
        "defense_request": {"addressee": prosecutor, "salutation": "Dear Counsel:", "remarks": "",
                            "closing": "Sincerely,"},
        "screening_memo": {"addressee": "To: the file", "salutation": "", "remarks": "", "closing": ""},
        "policy_exhibit": {"addressee": "", "salutation": "", "remarks": "", "closing": ""},
        "client_summary": {"addressee": "", "salutation": f"Dear {name}," if name else "Dear client,",
                           "remarks": "", "closing": "Your attorney,"},
    }[kind]


def _kinds_for(user: UserSession) -> tuple[str, ...]:
    return ("non_opposition",) if user.office_type == OfficeType.PROSECUTOR else CLIENT_KINDS


def _new_letter(db: Session, user: UserSession, kind: str, row: m.Case, party: m.CaseParty | None,
                charges: list[m.Charge]) -> m.Letter:
    now = naive(user.workspace.now())
    letter = m.Letter(kind=kind, case_id=row.id, party_id=party.id if party else None, status="draft",
                      person_name=_person_name(party) if party else "", relief=None, created_by=user.user_id,
                      created_at=now, updated_at=now, charges=charges, **_defaults(kind, row, party))
    db.add(letter)
    db.flush()
    user.audit(db, "letter_drafted", f"letter:{letter.id}")
    return letter


def _not_a_client(party: m.CaseParty, row: m.Case) -> str:
    name = _person_name(party) or f"person {party.local_id}"
    return (f"{name} is not recorded as a client of this office in case {row.case_number}. Defense documents are "
            f"made only for the office's clients: tick Client for {name} in the case (or `python -m casereview "
            f"letters DB --case {row.case_number} --client {party.local_id} …`), then draft again.")


def draft_letters(user: UserSession, *, case_numbers: Sequence[str] | None = None,
                  progress: Progress = NO_PROGRESS) -> DraftReport:
    """Draft the record letters (a prosecutor's office: non-opposition letters to the court, one per person, case
    and court; a defense office: requests for non-opposition to the prosecuting office, for its clients only) for
    every person with eligible records, or only in some cases. A draft already there is brought up to date; a
    letter already signed for the same records is left alone. Drafts missing something they must print are listed
    in `incomplete` with what to find out."""
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
        touched: list[m.Letter] = []
        for n, group in enumerate(groups, 1):
            progress.check()
            if kind == "defense_request" and not group.party.client:
                report.not_clients += bool(group.eligible)
                continue
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
            mine = existing.get((group.case.id, group.party.id), [])
            used: set[int] = set()
            for court_charges in _by_court(group.eligible, group.case):
                wanted = {c.id for c in court_charges}
                if any(x.status == "signed" and {c.id for c in x.charges} == wanted for x in mine):
                    report.already_signed += 1
                    continue
                drafts = [x for x in mine if x.status == "draft" and x.id not in used]
                draft = next((x for x in drafts if {c.id for c in x.charges} == wanted), None) or \
                    next((x for x in drafts if {c.id for c in x.charges} & wanted), None)
                if draft is None:
                    draft = _new_letter(db, user, kind, group.case, group.party, list(court_charges))
                    report.drafted.append(draft.id)
                elif {c.id for c in draft.charges} != wanted:
                    draft.charges, draft.person_name = list(court_charges), name
                    draft.updated_at = naive(user.workspace.now())
                    user.audit(db, "letter_edited", f"letter:{draft.id}")
                    report.updated.append(draft.id)
                else:
                    report.unchanged.append(draft.id)
                used.add(draft.id)
                touched.append(draft)
            progress.report(n, len(groups), f"Checked {n:,} of {len(groups):,} people's records")
        db.flush()
        for letter in touched:
            gaps = _gaps(letter, office)
            if gaps:
                report.incomplete.append(Held(letter.case.case_number, _person_name(letter.party) if letter.party
                                              else letter.person_name, tuple(c.local_id for c in letter.charges),
                                              tuple(gaps), letter.id))
        set_audit_object(db, f"letters:{len(report.drafted)}")
    return report


def draft_letter(user: UserSession, case_number: str, kind: str, person: str | None = None) -> int:
    """Draft one letter of `kind` for a case and a person in it; returns its id. A defense office's documents are
    for a client of the office only (the screening memo too: `person` may be left out when the case has one
    client)."""
    user.authorize(Op.DRAFT_LETTERS)
    if kind not in _kinds_for(user):
        office_kind = "a prosecutor's" if user.office_type == OfficeType.PROSECUTOR else "a defense"
        raise LetterRefused(f"{words.KIND_LABELS.get(kind, kind)} is not a letter {office_kind} office drafts here.")
    profile, presumptive = office_policy(user.workspace)
    with user.acting(Op.DRAFT_LETTERS, "letter_drafted") as db:
        row = cases.load_case(db, case_number)
        party = next((p for p in row.parties if p.local_id == person), None)
        if person is None and kind == "screening_memo":
            clients = [p for p in row.parties if p.client]
            if len(clients) != 1:
                raise FieldProblem("person", f"No one in case {case_number} is recorded as a client of this office: "
                                             "a screening memo is made for a client (tick Client for them in the "
                                             "case)." if not clients else
                                   f"Case {case_number} has {len(clients)} clients: choose the one the memo is "
                                   "for.")
            party = clients[0]
        if party is None:
            raise FieldProblem("person", f"Choose a person of case {case_number}.")
        if kind in CLIENT_KINDS and not party.client:
            raise LetterRefused(_not_a_client(party, row))
        charges: list[m.Charge] = []
        if kind in RECORD_KINDS:
            group = next((g for g in _groups(db, profile, presumptive, [row.id]) if g.party.id == party.id), None)
            if group is None or not group.eligible:
                raise LetterRefused(f"{_person_name(party) or person} has no past record in case {case_number} on "
                                    "which the office does not contest record relief, so there is nothing to "
                                    "write.")
            if group.review:
                needs = "; ".join(x for _, d in group.review for x in _find_out(row, d))
                raise LetterRefused(f"Some of this person's records in case {case_number} are in review; a letter "
                                    f"covering part of a case would be rejected. Find out first: {needs}.")
            if not _person_name(group.party):
                raise LetterRefused("The letter names the petitioner: record this person's name first.")
            per_court = _by_court(group.eligible, row)
            if len(per_court) > 1:
                raise LetterRefused(f"{_person_name(party)}'s records in case {case_number} are in "
                                    f"{len(per_court)} courts: a letter goes to one court. Draft them all at once "
                                    "(Draft letters), which makes one letter per court.")
            charges = group.eligible
        else:
            charges = [c for c in row.charges if c.party.id == party.id]
            if not charges:
                raise LetterRefused(f"{_person_name(party) or person} has no charge in case {case_number}: the "
                                    "document would be empty.")
            if kind == "policy_exhibit":
                decisions = _decisions(db, row, profile, presumptive)
                charges = [c for c in charges if decisions[c.local_id].decision in ("decline", "protect")]
                if not charges:
                    raise LetterRefused(f"The policy declines or protects none of {_person_name(party)}'s charges in "
                                        f"case {case_number}: there is no policy text to exhibit.")
        letter = _new_letter(db, user, kind, row, party, charges)
        set_audit_object(db, f"letter:{letter.id}")
        return letter.id


# ------------------------------------------------------------------------------------------------- editing


def edit_letter(user: UserSession, letter_id: int, *, version: int, relief: str | Sequence[str] | None = None,
                answered_caption: str | None = None, answered_docket: str | None = None,
                copy_to: str | None = None, **texts: str) -> int:
    """Change a draft's free-text parts, the relief it names (a kind of `RELIEF_KINDS`, several, or
    `DEFAULT_RELIEF`: every term the office set), and what the user recorded for it (the application it answers,
    who gets a copy); None leaves a part as it is. Returns the new version. Refused when someone changed the draft
    since `version` was read, or when it is signed."""
    user.authorize(Op.DRAFT_LETTERS)
    unknown = set(texts) - set(EDITABLE)
    if unknown:
        raise FieldProblem(sorted(unknown)[0], f"{sorted(unknown)[0]} is not a part of a letter one can edit.")
    stored_relief: str | object | None = _KEEP
    if relief is not None:
        chosen = [relief] if isinstance(relief, str) else list(relief)
        if chosen == [DEFAULT_RELIEF] or not chosen:
            stored_relief = None
        elif all(k in RELIEF_KINDS for k in chosen):
            stored_relief = ",".join(k for k in RELIEF_KINDS if k in chosen)
        else:
            raise FieldProblem("relief", f"Choose the relief: {', '.join(RELIEF_KINDS)} (or {DEFAULT_RELIEF}).")
    recorded = {name: value for name, value in (("answered_caption", answered_caption),
                                                ("answered_docket", answered_docket), ("copy_to", copy_to))
                if value is not None}
    for name, value in {**texts, **recorded}.items():
        limit = MAX_TEXT if name in EDITABLE else 500
        if len(value) > limit:
            raise FieldProblem(name, f"The {name.replace('_', ' ')} is {len(value):,} characters long; keep it under "
                                     f"{limit:,}.")
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
        for name, value in recorded.items():
            setattr(letter, name, " ".join(value.split()) or None)
        if stored_relief is not _KEEP:
            letter.relief = stored_relief  # type: ignore[assignment]
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


# ----------------------------------------------------------------------------------------- what is missing


def _office_gaps(office: OfficeProfile, kind: str) -> list[str]:
    """What the office profile lacks that a document of `kind` prints."""
    lacking: list[str] = []
    if kind != "client_summary" and not (office.state or "").strip():
        lacking.append("state (for the caption)")
    if not office.name:
        lacking.append("name")
    if kind in ("non_opposition", "defense_request", "policy_exhibit"):
        lacking += [what for what, value in (("address", office.address), ("telephone number", office.phone),
                                             ("e-mail address", office.email)) if not value]
    parts = [f"the office's {words._and(lacking)}"] if lacking else []
    if kind == "non_opposition":
        if not office.policy_title:
            parts.append("the title under which the office adopted its policy")
        if office.policy_adopted_on is None:
            parts.append("the date the office adopted its policy")
    return [f"{'; '.join(parts)} ({OFFICE_PROFILE})"] if parts else []


def _record_name(charge: m.Charge, row: m.Case) -> str:
    return f"the record of {_court_offense(charge, {})} (charge {charge.local_id}, office case {row.case_number})"


def _record_gaps(charge: m.Charge, row: m.Case, *, court: bool = True) -> list[str]:
    out: list[str] = []
    what = _record_name(charge, row)
    if court and not _court(charge, row):
        out.append(f"the court that holds {what}")
    if charge.status == "arrest_only":
        if not row.agency:
            out.append(f"the arresting agency of {what}")
        if not charge.docket_number:
            out.append(f"the arrest number of {what} (recorded in its docket number)")
    elif charge.status in PAST_STATUSES:
        if not charge.docket_number:
            out.append(f"the court's docket number of {what}")
        if charge.disposition_date is None:
            out.append(f"the date of the disposition of {what}")
    return out


def _birth(party: m.CaseParty) -> date | None:
    return party.date_of_birth or party.person.date_of_birth


def _gaps(letter: m.Letter, office: OfficeProfile | None) -> list[str]:
    """Everything a draft must print and the case file or office profile does not say (what to find out), in the
    order to find it out. Empty: the draft can be signed (as far as the signer's own names go: `_signer_gaps`)."""
    if office is None:
        return []
    kind, row, party = letter.kind, letter.case, letter.party
    if party is None:
        return ["the person this letter is for: they are no longer in the case (delete this draft)"]
    out = _office_gaps(office, kind)
    name = _person_name(party)
    if not name:
        out.append(f"the name of person {party.local_id}")
    if kind in CLIENT_KINDS and not party.client:
        out.append(f"whether {name or 'this person'} is a client of the office (they are not recorded as one)")
    names_prosecutor = kind in ("defense_request", "client_summary", "screening_memo") or (
        kind == "policy_exhibit" and row.prosecutor_adopted_policy)
    if names_prosecutor and not row.prosecuting_office:
        out.append(f"the prosecuting office of case {row.case_number} (the case's Prosecuting office)")
    records = list(letter.charges)
    if kind in RECORD_KINDS:
        for charge in records:
            out += _record_gaps(charge, row)
    elif kind in ("screening_memo", "policy_exhibit"):
        if not any(_court(c, row) for c in records):
            out.append(f"the court of case {row.case_number}")
        if not any(c.docket_number for c in records):
            out.append(f"the court's docket number of case {row.case_number}")
    if kind == "non_opposition":
        if not letter.answered_docket and records and all(c.status == "arrest_only" for c in records):
            out.append("the docket number of the application this letter answers (an arrest with no court case has "
                       "none of its own: record the application's docket)")
        if office.dob_in_letters != "none" and _birth(party) is None:
            out.append(f"the date of birth of {name or 'the petitioner'} (the office's letters show it)")
        if office.certificate_of_service and not letter.copy_to:
            out.append("who is served a copy, and how (the person or their counsel: the letter's Copy to, for the "
                       "certificate of service the office's letters carry)")
    return out


def _signer_gaps(me: m.User) -> list[str]:
    """What a signer's account lacks that a signature prints: the full name, the title, an attorney's bar
    number."""
    who = me.full_name or me.username
    missing = [what for what, value in (("full name", me.full_name), ("title", me.title)) if not value]
    if me.role in ATTORNEY_ROLES and not me.bar_number:
        missing.append("bar number")
    if not missing:
        return []
    return [f"the {words._and(missing)} of {who}, who signs (Administration → Users and roles → Names…, or each user "
            "for themself)"]


# ------------------------------------------------------------------------------------------------ composing


def _letterhead(office: OfficeProfile) -> words.Letterhead:
    contact = [office.address or "", f"Telephone: {office.phone}" if office.phone else "",
               f"E-mail: {office.email}" if office.email else ""]
    return words.Letterhead(office.name or "The office", tuple(x for x in contact if x), office.head_name or "",
                            office.head_title or "")


def _source(profile: PolicyProfile) -> str:
    """Where sections 1–8 come from: the model policy for the built-in profiles."""
    return words.MODEL_POLICY if profile.id in ("fjp-model-2025", "community-guide-model") else \
        f"{profile.title} (version {profile.version})"


def _section(profile: PolicyProfile, number: str) -> words.Section:
    return words.Section(number, profile.quote(number), _source(profile))


def _offense_words(charge: m.Charge, titles: dict[str, str] | None = None) -> str:
    """The offense in plain words as charged: the statute catalog's title for the statute (when it names the same
    offense), else the policy's words for the offense ("selling sex")."""
    if titles and charge.statute and fold_code(charge.statute) in titles:
        return titles[fold_code(charge.statute)]
    return DEFAULT_LABELS.offenses.get(charge.offense, charge.offense.replace("_", " "))


def _titles(db: Session, charges: Iterable[m.Charge]) -> dict[str, str]:
    """The catalog's titles of these charges' statutes, by folded code, where the catalog maps the statute to the
    charge's own offense."""
    wanted = {fold_code(c.statute): c.offense for c in charges if c.statute}
    if not wanted:
        return {}
    found = db.scalars(select(m.Statute).where(m.Statute.code_folded.in_(list(wanted))))
    return {s.code_folded: s.title for s in found if s.title and wanted.get(s.code_folded) == s.offense}


def _day_words(day: date | None) -> str:
    return words.long_date(day) if day else ""


# Offenses whose very name would tell a court about trafficking or a minor: a letter to the court names them by their
# statute instead (it must never be evidence that the person was trafficked or a minor).
UNNAMED_IN_COURT = ("trafficking", "buying_sex_from_minor")


def _court_offense(charge: m.Charge, titles: dict[str, str]) -> str:
    if charge.offense not in UNNAMED_IN_COURT:
        return _offense_words(charge, titles)
    return f"the offense charged under {charge.statute}" if charge.statute else "an offense the office's file records"


def _record(charge: m.Charge, row: m.Case, titles: dict[str, str], *, to_court: bool = False) -> words.Record:
    arrest = ""
    if charge.status == "arrest_only":
        when = charge.offense_date or row.incident_date
        arrest = (f"Arrest by {row.agency or '[agency: to find out]'} on {words.long_date(when)}, arrest no. "
                  f"{charge.docket_number or '[to find out]'}")
    docket = charge.docket_number or ("[to find out]" if charge.status in ("convicted", "dismissed") else "")
    return words.Record(row.case_number, _court(charge, row), docket,
                        _court_offense(charge, titles) if to_court else _offense_words(charge, titles),
                        charge.statute or "",
                        words.DISPOSITIONS.get(charge.status, charge.status), _day_words(charge.disposition_date),
                        arrest)


def _others(letter: m.Letter, row: m.Case, titles: dict[str, str], *, to_court: bool = False) -> tuple[str, ...]:
    """The person's records in the case that the letter does not cover, in words (a court must not read it as
    covering the whole case)."""
    mine = {c.id for c in letter.charges}
    out = []
    for charge in row.charges:
        if letter.party is None or charge.party_id != letter.party.id or charge.id in mine:
            continue
        record = _record(charge, row, titles, to_court=to_court)
        out.append(f"{record.words()} (office case {row.case_number}, charge {charge.local_id})")
    return tuple(out)


def _dockets(charges: Sequence[m.Charge]) -> list[str]:
    return list(dict.fromkeys(c.docket_number for c in charges if c.docket_number and c.status != "arrest_only"))


def _caption(office: OfficeProfile, name: str, *, court: str, dockets: list[str], ours: str,
             answered: tuple[str | None, str | None] = (None, None), document: str = "") -> Caption:
    """The caption: the application answered where recorded, else the criminal case in the state's style; the
    court's docket first, the office's own number after it. A gap shows as "[… to find out]" (a held draft)."""
    title = answered[0]
    if not title:
        try:
            title = caption(office, name or "[name: to find out]")
        except CaptionMissing:
            title = f"[state: to find out] v. {name}"
    numbers = [f"No. {answered[1]}"] if answered[1] else \
        [f"No. {', '.join(dockets)}"] if dockets else ["No. [docket: to find out]"]
    return Caption(court or "[court: to find out]", title, (*numbers, ours), document)


def _signer(db: Session, user_id: int, office: OfficeProfile) -> words.Signer:
    """The name, title and bar number printed under the signature of `user_id` (who signs, or signed)."""
    me = db.get(m.User, user_id)
    assert me is not None
    return words.Signer(me.full_name or me.signer_name or me.username, me.title or me.signer_title or "",
                        me.bar_number or "")


def _policy_naming(row: m.Case, profile: PolicyProfile) -> tuple[str, str]:
    """How a defense document names the policy, and how it refers to it after: as the prosecuting office's own only
    where the case records that it adopted it; otherwise as the model policy."""
    source = _source(profile)
    if profile.id == "community-guide-model":
        source += f", as widened by {words.GUIDE}"
    if row.prosecutor_adopted_policy:
        return f"your office's policy (adopted from {source})", "your office's policy"
    return f"the model prosecution policy {source}, which our file does not show your office to have adopted", \
        "the model policy"


def _ground(ground: tuple[str, ...], client: str, charges: list[m.Charge], ref: str,
            profile: PolicyProfile) -> words.Ground:
    """A ground of the client's records in the words of what the record shows or what the charge alleged, in the
    client's favour: consent is never conceded where the ground is not section 6 alone."""
    sections = tuple(_section(profile, sid) for sid in ground if sid in profile.sections)
    where = tuple(f"docket {c.docket_number}" if c.docket_number else f"charge {c.local_id}" for c in charges)
    if ground == ("6",):
        shows = (f"the charge alleged only the exchange of sex for something of value, or its solicitation — the "
                 f"charge section 6 of {ref} describes")
    elif ground == ("2",):
        shows = (f"the record shows that {client} was the victim of a crime in the exchange, which section 2 of "
                 f"{ref} addresses")
    elif ground == ("3",):
        shows = f"the record shows that {client} was trafficked, which section 3 of {ref} addresses"
    elif ground == ("4",):
        shows = f"the record shows that {client} was under 18 at the time, which section 4 of {ref} addresses"
    elif ground == ("4", "6"):
        shows = (f"the record does not show {client}'s age at the time. Either way {ref} supports relief: had "
                 f"{client} been under 18, section 4 protects a minor; had {client} been an adult, the charge "
                 "alleged only an exchange of sex for something of value, or its solicitation, which section 6 "
                 "covers")
    elif sections and all(s.is_guide for s in sections):
        shows = (f"the charge alleged {_and_offenses(charges)}, a record {ref}, as the community guide widens it, "
                 f"asks prosecutors to help clear ({words.citation(sections)})")
    else:
        shows = f"the record falls under {words.citation(sections) or 'the policy'} of {ref}"
    return words.Ground(where, shows, sections)


def _and_offenses(charges: list[m.Charge]) -> str:
    return words._and(list(dict.fromkeys(_offense_words(c) for c in charges)))


_SECTION_REF = re.compile(r"\bsections? ((?:\d+(?:\([a-e]\))?(?:, | and )?)+)")
_SECTION_ID = re.compile(r"\d+(?:\([a-e]\))?")


def _cited(profile: PolicyProfile, texts: Iterable[str]) -> tuple[words.Section, ...]:
    """The sections the reasons cite, to quote them too (a section cited is a section quoted)."""
    found: dict[str, None] = {}
    for text in texts:
        for group in _SECTION_REF.finditer(text):
            for sid in _SECTION_ID.findall(group.group(1)):
                if sid in profile.sections:
                    found[sid] = None
        for sid, section in profile.sections.items():
            if sid.startswith(words.GUIDE_PREFIX) and section.title in text:
                found[sid] = None
    return tuple(_section(profile, sid) for sid in found)


def _alleged(reasons: list[str], people: tuple[spec.Person, ...]) -> list[str]:
    """The engine's reasons for the memo: facts as what the record alleges, never as the client's acts; no rule
    names; people by name."""
    labels = {p.label(): p.name or f"person {p.id}" for p in people}
    unique = len(set(labels.values())) == len(labels)
    out = []
    for reason in reasons:
        if reason.startswith("Rule:"):
            continue
        text = reason
        opening = re.match(r"^(.+?), the ([a-z ]+) in this case, ", text)
        if opening and opening.group(1) in labels:
            text = text.replace(f", the {opening.group(2)} in this case, ",
                                f", recorded in this case as the {opening.group(2)}, ", 1)
        elif any(text.startswith(label) for label in labels):
            text = f"The record alleges that {text}"
        if unique:
            for label, name in sorted(labels.items(), key=lambda kv: -len(kv[0])):
                text = text.replace(label, name)
        out.append(text)
    return out


def _plain_offense(charge: m.Charge) -> str:
    return PLAIN_BY_ROLE.get((charge.offense, charge.party.role),
                             PLAIN_OFFENSES.get(charge.offense, charge.offense.replace("_", " ")))


def _plain(row: m.Case, charge: m.Charge, d: ChargeDecision, relief: str, presumptive: bool) -> words.SummaryItem:
    """One charge of the client in plain words: as a charge ("you were charged with …"), never as a fact."""
    year = (charge.offense_date or row.incident_date).year
    where = f"court case {charge.docket_number}" if charge.docket_number else f"our file {row.case_number}"
    what = f"In {year} you were charged with {_plain_offense(charge)} ({where})."
    if charge.status == "arrest_only":
        what = f"In {year} you were arrested for {_plain_offense(charge)}; no charge was filed ({where})."
    ended = {"convicted": "The court record shows a conviction", "dismissed": "The charge was dismissed"}
    if charge.status in ended:
        on = f" on {_day_words(charge.disposition_date)}" if charge.disposition_date else ""
        what += f" {ended[charge.status]}{on}."
    usually = "usually " if presumptive else ""
    if charge.status in PAST_STATUSES:
        clear = f"You may be able to ask the court for {relief} of this record." if relief else \
            "You may be able to ask the court to clear this record."
        meaning = {
            "do_not_contest": f"This is an old record. The policy says the prosecutor will not fight a request to "
                              f"clear it. {clear} We can talk about whether to ask.",
            "not_eligible": "This is an old record. The policy does not help with clearing it. There may be other "
                            "ways: ask us.",
            "review": "This is an old record. We need to find out more before we know whether the policy helps "
                      "clear it.",
        }.get(d.record_relief or "", "This is an old record.")
    elif d.decision == "charge" and d.base_decision == "decline":
        meaning = ("The prosecutor's office made an exception to its policy for this charge. That means the policy "
                   "does not stop the prosecutor from bringing it. We will talk with you about what comes next.")
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


def _compose(db: Session, user: UserSession, letter: m.Letter, signer: words.Signer | None,
             profile: PolicyProfile, presumptive: bool, office: OfficeProfile) -> Document:
    row = letter.case
    fields = words.Editable(**{name: getattr(letter, name) for name in EDITABLE})
    # The office's own date: a signed letter's is the day it was signed, in the office's time zone.
    day = office_today(office, letter.signed_at or user.workspace.now())
    head = _letterhead(office)
    party = letter.party
    name = _person_name(party) if party else letter.person_name
    relief = relief_words(office, letter.relief)
    decisions = _decisions(db, row, profile, presumptive)
    held = tuple(_gaps(letter, office)) if letter.status == "draft" else ()
    records_of = list(letter.charges)
    titles = _titles(db, row.charges)
    court = next((_court(c, row) for c in records_of if _court(c, row)), "")
    dockets = _dockets(records_of)
    if letter.kind == "non_opposition":
        # A public filing: section 6 only where it is every record's ground; the ground otherwise stays here.
        grounds = [decisions[c.local_id].relief_sections for c in records_of if c.local_id in decisions]
        exchange_only = bool(grounds) and all(g == (profile.relief_section,) for g in grounds)
        title = f"“{office.policy_title}”" if office.policy_title else "“[policy title: to find out]”"
        adopted = f"adopted on {words.long_date(office.policy_adopted_on)}" if office.policy_adopted_on else \
            "adopted on [date: to find out]"
        birth = ""
        dob = _birth(party) if party else None
        if office.dob_in_letters == "full":
            birth = f"date of birth {words.long_date(dob)}" if dob else "date of birth [to find out]"
        elif office.dob_in_letters == "year":
            birth = f"year of birth {dob.year}" if dob else "year of birth [to find out]"
        cap = _caption(office, name, court=court, dockets=dockets, ours=f"Office case no. {row.case_number}",
                       answered=(letter.answered_caption, letter.answered_docket),
                       document=f"Statement of non-opposition to {relief}")
        return words.non_opposition(
            head, petitioner=name, caption=cap,
            records=tuple(_record(c, row, titles, to_court=True) for c in records_of),
            not_concerned=_others(letter, row, titles, to_court=True), relief=relief,
            policy=f"its policy {title}, {adopted}",
            section=_section(profile, profile.relief_section) if exchange_only else None, birth=birth,
            fields=fields, signer=signer, day=day, copy_to=letter.copy_to or "",
            certificate=office.certificate_of_service, held=held)
    cap = _caption(office, name, court=court, dockets=dockets, ours=f"Our file no. {row.case_number}")
    prosecutor = row.prosecuting_office or "[prosecuting office: to find out]"
    if letter.kind == "defense_request":
        naming, ref = _policy_naming(row, profile)
        by_ground: dict[tuple[str, ...], list[m.Charge]] = {}
        for charge in records_of:
            by_ground.setdefault(tuple(decisions[charge.local_id].relief_sections), []).append(charge)
        dob = _birth(party) if party else None
        return words.defense_request(
            head, client=name, prosecutor=prosecutor, caption=cap,
            birth=f"date of birth {words.long_date(dob)}" if dob else "",
            records=tuple(_record(c, row, titles) for c in records_of), not_concerned=_others(letter, row, titles),
            relief=relief, policy=naming,
            grounds=tuple(_ground(g, name, cs, ref, profile) for g, cs in by_ground.items()),
            fields=fields, signer=signer, day=day, held=held)
    spec_case = cases.to_spec(row)
    if letter.kind == "client_summary":
        relief_terms = relief if any(office.relief_term(k) for k in RELIEF_KINDS) else ""
        if row.prosecutor_adopted_policy:
            who = f"{words._the(prosecutor)} has a written policy about charges like yours."
        else:
            who = (f"There is a written model policy that prosecutors' offices can adopt about charges like yours. "
                   f"Our file does not show that {words._the(prosecutor).lower()[:4]}{words._the(prosecutor)[4:]} has "
                   "adopted it, so it may not follow it.")
        items = tuple(_plain(row, c, decisions[c.local_id], relief_terms, presumptive) for c in records_of)
        reference = f"For {name} — our file no. {row.case_number}" + (f", No. {', '.join(dockets)}" if dockets else "")
        return words.client_summary(head, client=name, who_decides=who, items=items, relief_note="", fields=fields,
                                    signer=signer, day=day, reference=reference, held=held)
    if letter.kind == "policy_exhibit":
        naming, _ref = _policy_naming(row, profile)
        if row.prosecutor_adopted_policy:
            naming = f"the policy of {prosecutor} (adopted from {_source(profile)})"
        else:
            naming = f"the model prosecution policy {_source(profile)}"
        entries = []
        for charge in records_of:
            d = decisions[charge.local_id]
            if d.decision not in ("decline", "protect"):
                continue  # (no longer declined or protected: the exhibit leaves it out)
            statute = f" ({charge.statute})" if charge.statute else ""
            docket = f", docket {charge.docket_number}" if charge.docket_number else ""
            says = ("presumptively declines this charge" if presumptive else "declines this charge") \
                if d.decision == "decline" else "protects the person charged from this charge"
            entries.append(words.ExhibitEntry(f"Charge {charge.local_id}: {_offense_words(charge, titles)}{statute}"
                                              f"{docket}", says,
                                              tuple(_section(profile, s) for s in d.sections[:1])))
        cap = _caption(office, name, court=court, dockets=dockets, ours=f"Our file no. {row.case_number}",
                       document="Exhibit: the policy's text")
        return words.policy_exhibit(head, client=name, caption=cap, entries=tuple(entries), policy=naming,
                                    fields=fields, signer=signer, day=day, held=held)
    # The screening memo: the client's charges only, for the attorney.
    entries_memo = []
    for charge in records_of:
        d = decisions[charge.local_id]
        statute = f" ({charge.statute})" if charge.statute else ""
        status = words.DISPOSITIONS.get(charge.status, charge.status).lower()
        word = d.decision + (" (presumptively)" if d.decision == "decline" and presumptive else "")
        reasons = _alleged(d.reasons, spec_case.people)
        names = {p.local_id: _person_name(p) or f"person {p.local_id}" for p in row.parties}
        entries_memo.append(words.MemoEntry(
            f"Charge {charge.local_id}: {_offense_words(charge, titles)}{statute}, {status}", word,
            tuple(_section(profile, s) for s in d.sections), tuple(reasons), "",
            tuple(_section(profile, s) for s in d.relief_sections),
            tuple(need_words(n.need, names.get(n.person, n.person)) for n in d.missing),
            _cited(profile, reasons)))
    adopted_words = (f"{prosecutor} has adopted it, as the case records" if row.prosecutor_adopted_policy else
                     f"the case does not record that {prosecutor} adopted it")
    policy_line = (f"{profile.title} ({_source(profile)}), version {profile.version}"
                   f"{', declines stated as presumptive' if presumptive else ''}; {adopted_words}")
    seven = _section(profile, "7") if "7" in profile.sections else words.Section("7", "", _source(profile))
    return words.screening_memo(head, client=name, caption=cap, entries=tuple(entries_memo),
                                policy_line=policy_line, section_7=seven, fields=fields, signer=signer, day=day,
                                held=held)


def _stored_groups(db: Session, case_ids: Sequence[int]) -> dict[tuple[int, int], tuple[dict[int, str], bool]]:
    """For signing: by (case, person), the past records the stored screening says the office will not contest
    (each with its court), and whether one is in review. The stored decisions are those of the case as it is: every
    change to a case, and every change of the office's policy, screens it again."""
    found: dict[tuple[int, int], tuple[dict[int, str], bool]] = {}
    for start in range(0, len(case_ids), LOAD_CHUNK):
        rows = db.execute(select(m.Charge.case_id, m.Charge.party_id, m.Charge.id, m.Charge.record_relief,
                                 m.Charge.court, m.Case.court).join(m.Case, m.Case.id == m.Charge.case_id).where(
            m.Charge.case_id.in_(case_ids[start:start + LOAD_CHUNK]), m.Charge.status.in_(PAST_STATUSES)))
        for case_id, party_id, charge_id, relief, court, case_court in rows:
            eligible, review = found.get((case_id, party_id), ({}, False))
            if relief == "do_not_contest":
                eligible[charge_id] = _court_key(court or case_court)
            found[(case_id, party_id)] = (eligible, review or relief == "review")
    return found


def _stale(letter: m.Letter, groups: dict[tuple[int, int], tuple[dict[int, str], bool]]) -> str | None:
    """Why a record letter can no longer be signed as drafted (its records changed), or None. `groups`: the
    eligible records of its case now, by (case, person) (see `_stored_groups`)."""
    if letter.kind not in RECORD_KINDS:
        return None
    if not letter.charges:
        return "Its records are no longer in the case file. Delete this draft."
    eligible, review = groups.get((letter.case_id, letter.party_id or 0), ({}, False))
    mine = {c.id for c in letter.charges}
    courts = {eligible.get(cid) for cid in mine}
    court = next(iter(courts)) if len(courts) == 1 else None
    if review or court is None or {cid for cid, k in eligible.items() if k == court} != mine:
        return ("The person's records in this case changed since the letter was drafted (or one is now in review). "
                "Draft the letters again to bring it up to date.")
    return None


def preview(user: UserSession, letter_id: int) -> bytes:
    """The letter as PDF: a draft rendered now (marked DRAFT; its signature block says who is to sign, and a held
    draft says what to find out), or the signed bytes."""
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
    """Write a draft as .docx for a word processor (marked DRAFT), owner-only, atomically. A signed letter has
    none: its words would be made again from today's case file, not from what was signed."""
    user.authorize(Op.DRAFT_LETTERS)
    profile, presumptive = office_policy(user.workspace)
    office = office_of(user.workspace)
    with user.acting(Op.DRAFT_LETTERS, "letter_exported", f"letter:{letter_id}") as db:
        letter = _load(db, letter_id)
        if letter.status != "draft":
            raise LetterRefused(SIGNED_IS_FINAL)
        data = render_docx(_compose(db, user, letter, None, profile, presumptive, office), now=user.workspace.now())
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
    """Sign drafts: each is rendered with the signer's full name, title and bar number, signed, and kept byte for
    byte. One authentication covers the selection. A letter that can no longer be signed as drafted (its records
    changed, or someone edited it meanwhile) or that is held (something it must print is not known) is refused,
    with why; the others are signed. Cancelling stops after the batch in hand: the letters already stored stay
    signed, the rest stay drafts.

    The letters are composed from the case file here, rendered and signed on every core (helper processes), and
    stored here in batches, each with its audit records, while the helpers go on."""
    user.authorize(Op.SIGN_LETTERS)
    refusal = may_sign(user)
    if refusal:
        user.workspace.record(user_id=user.user_id, action="permission_denied", object_id="sign_letters",
                              outcome="denied")
        raise PermissionDenied(refusal)
    with user.workspace.session() as db:
        me = db.get(m.User, user.user_id)
        assert me is not None
        signer_gaps = _signer_gaps(me)
    if signer_gaps:
        raise LetterRefused(f"Nothing was signed: a signature prints the signer's names. Find out first: "
                            f"{'; '.join(signer_gaps)}.")
    identity = identities.signing_identity(user)
    authority = identities.authority_certificate(user.workspace)
    profile, presumptive = office_policy(user.workspace)
    office = office_of(user.workspace)
    report = SignReport()
    ids = list(dict.fromkeys(letter_ids))
    workers = workers if workers is not None else (os.cpu_count() or 1)
    pool = None
    zone = office.time_zone if office_zone(office) is not None else None
    if workers > 1 and len(ids) >= PARALLEL_FROM:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"),
                                   initializer=batch.init_worker, initargs=(identity, authority, zone))
    else:
        batch.init_worker(identity, authority, zone)
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
             groups: dict[tuple[int, int], tuple[dict[int, str], bool]], profile: PolicyProfile, presumptive: bool,
             office: OfficeProfile, report: SignReport) -> tuple[Document, str, tuple[int, int]] | None:
    """The letter composed for signing (with the signer's names), or None after noting in `report` why not."""
    if letter is None or letter.status != "draft":
        report.refused.append((letter_id, "It is not a draft (signed already, or deleted)."))
        return None
    why = _stale(letter, groups)
    if why:
        report.refused.append((letter_id, why))
        return None
    gaps = _gaps(letter, office)
    if gaps:
        report.refused.append((letter_id, f"It is held: nothing is signed with a gap. Find out first: "
                                          f"{'; '.join(gaps)}."))
        return None
    doc = _compose(db, user, letter, _signer(db, user.user_id, office), profile, presumptive, office)
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

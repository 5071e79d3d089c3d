"""The letters and memos, as documents (see `casereview.documents.layout`): words only, no storage. What each must
and must never say is the documents contract (``spec/documents.md``).

Prosecutor's office:
- `non_opposition`: the office tells a court it "will not contest" an application for record relief of the records
  listed — its position on the records, never a fact about the person. The policy is named by the office's own
  title and adoption date; section 6 is cited and quoted only where every record's ground (`relief_sections`) is
  section 6 alone, and the records are then described as charges ("each record listed is a charge alleging only
  the exchange of sex for something of value, or its solicitation"); for any other ground no section is named.

Defense office (every document for a client, about that client's charges):
- `defense_request`: asks the prosecuting office not to oppose the client's application, each record's ground in
  the words of what the record shows, never as the client's admission, and never conceding consent where the
  ground is not section 6 alone;
- `screening_memo`: the attorney's internal memo (privileged, never filed): each charge's decision, sections quoted,
  reasons as what the record alleges, what to find out, and section 7 (no enforceable rights);
- `policy_exhibit`: for filing with a motion: the client's declined or protected charges and the policy text that
  says so, quoted and attributed, nothing else;
- `client_summary`: what the policy means for the client's charges, in plain words, promising nothing.

The fixed parts come from the case file; the free-text parts (`Editable`) are the user's. A document missing an item
it needs is rendered with a notice of what to find out (`held`) and is not signed (the services refuse it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from casereview.documents.layout import (
    Block,
    Caption,
    Document,
    Grid,
    Heading,
    Notice,
    Para,
    Quote,
    SignatureBlock,
)

KINDS = ("non_opposition", "defense_request", "screening_memo", "policy_exhibit", "client_summary")
KIND_LABELS = {"non_opposition": "Non-opposition letter (record relief)",
               "defense_request": "Request for non-opposition (to the prosecutor)",
               "screening_memo": "Screening memo (privileged, internal)",
               "policy_exhibit": "Policy exhibit (for filing)",
               "client_summary": "Summary for the client"}
DISPOSITIONS = {"convicted": "Convicted", "dismissed": "Dismissed", "arrest_only": "Arrest, no charge filed",
                "pending": "Pending", "filed": "Filed"}
MODEL_POLICY = "Fair and Just Prosecution, “Sex Work: Model Policy” (March 2025)"
GUIDE = "the community guide “Possibilities and Impacts of Non-Prosecution Policies in the Context of Sex Work " \
        "Criminalization”"
GUIDE_PREFIX = "guide: "
PRIVILEGED = "Privileged and confidential — attorney work product"


@dataclass(frozen=True)
class Letterhead:
    name: str
    lines: tuple[str, ...]  # address, telephone, e-mail
    head_name: str = ""
    head_title: str = ""


@dataclass(frozen=True)
class Record:
    """One record in a letter's table: where it is (the court's docket, or for an arrest with no court case the
    arresting agency, arrest date and arrest number), the offense in plain words as charged, the statute, the
    disposition and its date."""

    case_number: str  # the office's own case number
    court: str
    docket_number: str
    offense: str  # in words ("selling sex")
    statute: str
    disposition: str  # "Convicted", "Dismissed", …
    disposition_date: str  # "September 1, 2015"
    arrest: str = ""  # "Arrest by City PD on January 17, 2020, arrest no. 20-00771" (no court case)

    @property
    def where(self) -> str:
        return self.arrest or (f"Docket {self.docket_number}" if self.docket_number else "")

    def row(self) -> tuple[str, ...]:
        return (self.where, self.offense, self.statute or "—", self.disposition, self.disposition_date or "—")

    def words(self) -> str:
        """The record in a sentence's words: "drug possession (ORS 475.854), docket 17CR09340, convicted on May
        19, 2017"."""
        statute = f" ({self.statute})" if self.statute else ""
        where = f", {self.where[0].lower()}{self.where[1:]}" if self.where else ""
        when = f" on {self.disposition_date}" if self.disposition_date else ""
        return f"{self.offense}{statute}{where}, {self.disposition.lower()}{when}"


RECORD_HEADER = ("Docket or arrest", "Offense as charged", "Statute", "Disposition", "Date")
RECORD_WIDTHS = (0.27, 0.22, 0.14, 0.17, 0.2)


@dataclass(frozen=True)
class Editable:
    """The free-text parts a user writes or changes; everything else comes from the case file."""

    addressee: str = ""
    salutation: str = ""
    remarks: str = ""
    closing: str = ""


@dataclass(frozen=True)
class Signer:
    """Who signs: full name, title, and for an attorney the bar number, printed under the signature."""

    name: str
    title: str
    bar_number: str = ""

    def bar_line(self) -> str:
        if not self.bar_number:
            return ""
        return self.bar_number if any(ch.isalpha() for ch in self.bar_number) else f"Bar No. {self.bar_number}"


@dataclass(frozen=True)
class Section:
    """A policy section to quote: its number (or a community guide heading, "guide: …"), its exact text, and where
    it comes from ("Fair and Just Prosecution, “Sex Work: Model Policy” (March 2025)")."""

    number: str
    text: str
    policy: str

    @property
    def is_guide(self) -> bool:
        return self.number.startswith(GUIDE_PREFIX)

    @property
    def heading(self) -> str:
        return self.number[len(GUIDE_PREFIX):] if self.is_guide else ""

    def source(self) -> str:
        if self.is_guide:  # the guide's words are attributed to the guide
            return f"{GUIDE[0].upper()}{GUIDE[1:]}, “{self.heading}”"
        return f"{self.policy}, section {self.number}"

    def quote(self) -> Quote:
        return Quote(self.text, self.source())


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def citation(sections: tuple[Section, ...]) -> str:
    """Sections as a sentence cites them: "section 6", "sections 4 and 6", "the community guide's “…”"."""
    numbers = [s.number for s in sections if not s.is_guide]
    parts = [f"section{'s' if len(numbers) > 1 else ''} {_and(numbers)}"] if numbers else []
    parts += [f"the community guide's “{s.heading}”" for s in sections if s.is_guide]
    return _and(parts) if parts else ""


def _the(name: str) -> str:
    """An office's name as the subject of a sentence: "The Lane County District Attorney", "The Office of …"."""
    return name if name.lower().startswith("the ") else f"The {name}"


def long_date(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def _lines(text: str) -> list[Para]:
    return [Para(chunk) for chunk in text.strip().split("\n\n") if chunk.strip()]


def _held(held: tuple[str, ...], what: str) -> list[Block]:
    if not held:
        return []
    return [Notice(f"HELD — this {what} cannot be signed or sent until these are known. Find out:", held)]


def _signature(signer: Signer | None, to_sign: str, office: Letterhead, *, label: str = "",
               contact: bool = True) -> SignatureBlock:
    # The office's address, telephone and e-mail under the signature (the telephone and e-mail on one line).
    address = [x for x in office.lines if not x.startswith(("Telephone:", "E-mail:"))]
    reach = " · ".join(x for x in office.lines if x.startswith(("Telephone:", "E-mail:")))
    lines = (office.name, *address, *([reach] if reach else [])) if contact else ()
    if signer is None:
        return SignatureBlock("", "", to_sign, lines, label)
    return SignatureBlock(signer.name, signer.title, "", tuple(x for x in (signer.bar_line(), *lines) if x), label)


def _common_checks(office: Letterhead, signer: Signer | None) -> dict[str, str]:
    """The letterhead and the signer's name and title, which every document prints."""
    found = {"office name": office.name, "office address, telephone and e-mail": " ".join(office.lines),
             "head of office's title": office.head_title}
    if signer is not None:
        found.update({"signer's name": signer.name, "signer's title": signer.title,
                      "signer's bar number": signer.bar_number})
    return found


def _editable_checks(fields: Editable) -> dict[str, str]:
    return {"addressee": fields.addressee, "salutation": fields.salutation, "remarks": fields.remarks,
            "closing": fields.closing}


def _record_checks(records: tuple[Record, ...]) -> dict[str, str]:
    return {f"record {n} ({r.case_number})": " ".join((r.court, *r.row())) for n, r in enumerate(records, 1)}


def _caption_checks(caption: Caption) -> dict[str, str]:
    return {"court": caption.court, "caption": caption.title, "docket": " ".join(caption.numbers)}


def _document(office: Letterhead, title: str, reference: str, blocks: list[Block], signer: Signer | None,
              checks: dict[str, str], footer: str = "") -> Document:
    return Document(title=title, author=office.name, letterhead=(office.name, *office.lines), blocks=tuple(blocks),
                    footer=footer, reference=reference, draft=signer is None, texts_to_check=checks)


# ------------------------------------------------------------------------------------------ prosecutor's letter


def each(records: tuple[Record, ...] | tuple[str, ...]) -> tuple[str, str]:
    """("Each record listed is", "records") or ("The record listed is", "record")."""
    return ("Each record listed is", "records") if len(records) > 1 else ("The record listed is", "record")


def non_opposition(office: Letterhead, *, petitioner: str, caption: Caption, records: tuple[Record, ...],
                   not_concerned: tuple[str, ...], relief: str, policy: str, section: Section | None,
                   birth: str, fields: Editable, signer: Signer | None, day: date, copy_to: str = "",
                   certificate: bool = False, held: tuple[str, ...] = ()) -> Document:
    """The prosecutor's office's letter to a court: it "will not contest" the petitioner's application for `relief`
    (the state's own words) of every record listed, all of one case and one court.

    `policy`: the policy as the office adopted it, by its own title and date ("its policy “…”, adopted on March 1,
    2025"). `section`: section 6, cited and quoted, when it is the ground of every record listed; None for any other
    ground (the letter then names the policy and no section: it never tells the court the person was a victim, was
    trafficked or was a minor). `not_concerned`: the person's other records in the case, each in words.
    `birth`: the date of birth line the office profile asks for ("" for none)."""
    opening, plural = each(records)
    blocks: list[Block] = [*_held(held, "letter"), Para(long_date(day)), *_lines(fields.addressee), caption,
                           *_lines(fields.salutation)]
    statement = (f"{_the(office.name)} will not contest an application by {petitioner} for {relief} of the "
                 f"{plural} listed below.")
    blocks.append(Para(statement))
    if birth:
        blocks.append(Para(f"{petitioner}: {birth}."))
    if section is not None:
        blocks += [Para(f"The office takes this position under {policy}. Section {section.number} of that policy "
                        "provides:"), section.quote(),
                   Para(f"{opening} a charge alleging only the exchange of sex for something of value, or its "
                        "solicitation.")]
    else:
        blocks.append(Para(f"The office takes this position under {policy}."))
    blocks += [Heading(f"The {plural} this letter covers"),
               Grid(RECORD_HEADER, tuple(r.row() for r in records), RECORD_WIDTHS)]
    if not_concerned:
        blocks.append(Para("This letter does not concern: " + "; ".join(not_concerned) + "."))
    blocks.append(Para(f"This letter states the office's position on the application for the {plural} listed. It "
                       "is not a statement about the facts of any record, and the office makes no commitment beyond "
                       "it."))
    blocks += _lines(fields.remarks)
    head = f"the {office.head_title}" if office.head_title else "the head of office"
    blocks.append(_signature(signer, f"To be signed by {head} or a designee",
                             office, label=fields.closing.strip()))
    if copy_to:
        blocks.append(Para(f"Copy to: {copy_to}"))
    if certificate:
        blocks += _certificate(signer, day, copy_to)
    reference = caption.title + (f", {caption.numbers[0]}" if caption.numbers else "")
    return _document(office, "Letter of non-opposition", reference, blocks, signer,
                     {"petitioner's name": petitioner, "birth": birth, "copy to": copy_to,
                      **_common_checks(office, signer), **_editable_checks(fields), **_record_checks(records),
                      **_caption_checks(caption), "records not concerned": " ".join(not_concerned)})


def _certificate(signer: Signer | None, day: date, copy_to: str) -> list[Block]:
    who = copy_to or "(who receives a copy: to find out)"
    by = [Para(f"/s/ {signer.name}"), Para(f"{signer.name}, {signer.title}", small=True)] if signer else \
        [Para("To be signed with the letter.", small=True)]
    return [Heading("Certificate of service"),
            Para(f"I certify that on {long_date(day)}, I served a copy of this letter on {who}."), *by]


# ------------------------------------------------------------------------------------------- defense documents


@dataclass(frozen=True)
class Ground:
    """The ground of some of the client's records, as the request states it: in the words of what the record shows
    or what the charge alleged, and the sections that say so (quoted)."""

    records: tuple[str, ...]  # where the records are ("docket 15CR22310")
    shows: str  # "the record shows that Noor Hale was trafficked, which section 3 of the policy addresses"
    sections: tuple[Section, ...]


def defense_request(office: Letterhead, *, client: str, prosecutor: str, caption: Caption, birth: str,
                    records: tuple[Record, ...], not_concerned: tuple[str, ...], relief: str, policy: str,
                    grounds: tuple[Ground, ...], fields: Editable, signer: Signer | None, day: date,
                    held: tuple[str, ...] = ()) -> Document:
    """A defense office asks the prosecuting office (`prosecutor`) not to oppose the client's application for
    `relief`. `policy`: how the policy is named ("your office's policy “…”" only where the case records that the
    office adopted it; otherwise the model policy as such). Each ground is stated as what the record shows; nothing
    in it is the client's admission."""
    _opening, plural = each(records)
    blocks: list[Block] = [*_held(held, "request"), Para(long_date(day)), *_lines(fields.addressee),
                           Para(f"Re: {caption.title} — {caption.court}, {', '.join(caption.numbers)}", bold=True),
                           *_lines(fields.salutation),
                           Para(f"On behalf of our client, {client}{f' ({birth})' if birth else ''}, we ask that "
                                f"your office not oppose an application for {relief} of the {plural} listed "
                                f"below, under {policy}.")]
    for ground in grounds:
        where = f"For {_and(list(ground.records))}" if len(grounds) > 1 else "For the " + plural + " listed"
        blocks.append(Para(f"{where}, {ground.shows}:"))
        blocks += [s.quote() for s in ground.sections]
    blocks += [Heading(f"The {plural} concerned"), Grid(RECORD_HEADER, tuple(r.row() for r in records), RECORD_WIDTHS)]
    if not_concerned:
        blocks.append(Para("This request does not concern: " + "; ".join(not_concerned) + "."))
    blocks.append(Para("Nothing in this request is an admission by our client of any fact alleged in any record."))
    blocks += _lines(fields.remarks)
    blocks.append(_signature(signer, "To be signed by the attorney", office, label=fields.closing.strip()))
    return _document(office, "Request for non-opposition", f"{caption.title}, {', '.join(caption.numbers)}", blocks,
                     signer, {"client's name": client, "prosecuting office": prosecutor, "birth": birth,
                              **_common_checks(office, signer), **_editable_checks(fields), **_record_checks(records),
                              **_caption_checks(caption), "records not concerned": " ".join(not_concerned)})


@dataclass(frozen=True)
class MemoEntry:
    """One of the client's charges in the screening memo."""

    charge: str  # "Charge 1: selling sex (ORS 167.007), pending"
    decision: str  # "Decline (presumptively)"
    sections: tuple[Section, ...]
    reasons: tuple[str, ...]  # what the record alleges, and why the policy decides as it does
    record_relief: str  # "" for a pending charge; else with its ground: "do not contest (ground: section 6)"
    relief_sections: tuple[Section, ...] = ()  # the ground of a do_not_contest, quoted too
    find_out: tuple[str, ...] = ()
    cited: tuple[Section, ...] = ()  # sections the reasons cite, quoted too


def screening_memo(office: Letterhead, *, client: str, caption: Caption, entries: tuple[MemoEntry, ...],
                   policy_line: str, section_7: Section, fields: Editable, signer: Signer | None, day: date,
                   held: tuple[str, ...] = ()) -> Document:
    """How the policy screens each of the client's charges: for the attorney, never for filing."""
    blocks: list[Block] = [Notice(PRIVILEGED, ("Prepared for the attorney in anticipation of litigation. Not for "
                                               "filing, and not to be given to the prosecution or any other party.",)),
                           *_held(held, "memo"),
                           Para("MEMORANDUM", bold=True), Para(long_date(day)), *_lines(fields.addressee),
                           Para(f"Re: {client} — {caption.title}; {caption.court}; {', '.join(caption.numbers)}",
                                bold=True),
                           Para(f"Policy applied: {policy_line}."), *_lines(fields.salutation)]
    quoted: set[str] = set()

    def quotes(sections: tuple[Section, ...]) -> list[Block]:
        out: list[Block] = []
        for s in sections:
            if s.number in quoted:
                continue
            quoted.add(s.number)
            out.append(s.quote())
        return out

    for entry in entries:
        blocks.append(Heading(entry.charge))
        cites = f" — {citation(entry.sections)}" if entry.sections else ""
        blocks.append(Para(f"Decision under the policy: {entry.decision}{cites}."))
        blocks += quotes(entry.sections)
        if entry.reasons:
            blocks.append(Para("What the record alleges, and why:"))
            blocks += [Para(f"• {reason}") for reason in entry.reasons]
        blocks += quotes(entry.cited)
        if entry.record_relief:
            blocks.append(Para(f"Record relief: {entry.record_relief}."))
            blocks += quotes(entry.relief_sections)
        if entry.find_out:
            blocks.append(Para("To find out: " + "; ".join(entry.find_out) + "."))
    blocks += [Heading("What the policy can and cannot do"),
               Para(f"Section {section_7.number} of the policy says that it creates no enforceable rights:"),
               section_7.quote(),
               Para("The policy therefore supports a request to the prosecutor, not a claim: the client cannot "
                    "enforce it in court.")]
    blocks += [*_lines(fields.remarks), _signature(signer, "To be signed by the attorney", office, contact=False,
                                                     label=fields.closing.strip())]
    return _document(office, "Screening memo", f"{caption.title} — {PRIVILEGED}", blocks, signer,
                     {"client": client, **_caption_checks(caption), **_common_checks(office, signer),
                      **_editable_checks(fields),
                      **{f"charge {n}": " ".join((e.charge, *e.reasons, *e.find_out))
                         for n, e in enumerate(entries, 1)}},
                     footer=PRIVILEGED)


@dataclass(frozen=True)
class ExhibitEntry:
    """One of the client's charges the policy declines or protects, and the policy text that says so."""

    charge: str  # "Charge 1: selling sex (ORS 167.007), docket 26CR01010"
    says: str  # "declines to bring this charge", "protects the person charged"
    sections: tuple[Section, ...]


def policy_exhibit(office: Letterhead, *, client: str, caption: Caption, entries: tuple[ExhibitEntry, ...],
                   policy: str, fields: Editable, signer: Signer | None, day: date,
                   held: tuple[str, ...] = ()) -> Document:
    """The policy's words on the client's declined or protected charges, for filing with a motion: court,
    caption, docket, each charge with its section quoted and attributed; no reasons, no facts, nothing about review
    or about other people."""
    blocks: list[Block] = [*_held(held, "exhibit"), caption,
                           Para(f"The text below is quoted word for word from {policy}, for the charges of {client} "
                                "listed.")]
    for entry in entries:
        blocks += [Heading(entry.charge),
                   Para(f"The policy {entry.says} ({citation(entry.sections)}):"),
                   *(s.quote() for s in entry.sections)]
    blocks += [*_lines(fields.remarks),
               _signature(signer, "To be signed by the attorney", office,
                          label=f"Certified a true copy of the policy's text, {long_date(day)}:")]
    return _document(office, "Policy exhibit", f"{caption.title}, {', '.join(caption.numbers)}", blocks, signer,
                     {"client": client, **_caption_checks(caption), **_common_checks(office, signer),
                      **_editable_checks(fields), **{f"charge {n}": e.charge for n, e in enumerate(entries, 1)}})


@dataclass(frozen=True)
class SummaryItem:
    """One charge or record of the client, in plain words."""

    what: str  # "In 2015 you were charged with selling sex (docket 15CR22310)."
    meaning: str  # what the policy means for it


def client_summary(office: Letterhead, *, client: str, who_decides: str, items: tuple[SummaryItem, ...],
                   relief_note: str, fields: Editable, signer: Signer | None, day: date,
                   reference: str = "", held: tuple[str, ...] = ()) -> Document:
    """What the prosecutor's policy means for the client's charges and records, with no legal jargon and no
    promise. `who_decides`: the sentence on whose policy it is (the prosecuting office's, or a model policy it has
    not adopted). `relief_note`: the sentence on clearing a record, in the state's own terms (or "")."""
    blocks: list[Block] = [*_held(held, "letter"), Para(long_date(day)), *_lines(fields.addressee),
                           *_lines(fields.salutation),
                           Para(f"{who_decides} This letter explains, in plain words, what it says about each of "
                                "your charges. It is not a promise about what the prosecutor or the court will do.")]
    for item in items:
        blocks += [Heading(item.what), Para(item.meaning)]
    if relief_note:
        blocks.append(Para(relief_note))
    blocks += [Para("Even if a court clears a record, it can still show up in court files, in news stories and on "
                    "web pages."),
               Para("If you are not a U.S. citizen, talk to an immigration lawyer before you act on this letter: a "
                    "criminal record, and what you do about it, can affect your immigration status."),
               *_lines(fields.remarks),
               Para("Call us with any question, and before you talk to anyone else about your case.", small=True),
               _signature(signer, "To be signed by your attorney", office, label=fields.closing.strip())]
    return _document(office, "What the policy means for you", reference or client, blocks, signer,
                     {"client's name": client, **_common_checks(office, signer), **_editable_checks(fields),
                      **{f"item {n}": f"{i.what} {i.meaning}" for n, i in enumerate(items, 1)}})

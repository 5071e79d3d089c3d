"""The letters and memos, as documents (see `casereview.documents.layout`): words only, no storage.

- `non_opposition`: the prosecutor's office tells a court it will not contest an application for record relief,
  under its policy: section 6 cited and quoted exactly where every record's ground (`relief_sections`) is section 6
  alone, and no section otherwise (a public filing never says the person was a victim, trafficked or a minor);
- `defense_request`: a defense office asks the prosecutor's office for that non-opposition;
- `screening_memo`: a defense office's memo of how the policy screens each charge of a case, to attach to a motion;
- `client_summary`: what the policy means for a client's charges and records, in plain words.

The fixed parts (the records, the statement of non-opposition, the quoted policy) are made here from the case
file; the free-text parts (`Editable`) are the user's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from casereview.documents.layout import Block, Document, Grid, Heading, Para, Quote, SignatureBlock

KINDS = ("non_opposition", "defense_request", "screening_memo", "client_summary")
KIND_LABELS = {"non_opposition": "Non-opposition letter (record relief)",
               "defense_request": "Request for non-opposition (to the prosecutor)",
               "screening_memo": "Screening memo", "client_summary": "Summary for the client"}
DISPOSITIONS = {"convicted": "Convicted", "dismissed": "Dismissed", "arrest_only": "Arrest, no charge filed",
                "pending": "Pending", "filed": "Filed"}


@dataclass(frozen=True)
class Letterhead:
    name: str
    lines: tuple[str, ...]  # address, phone
    head_name: str = ""
    head_title: str = ""


@dataclass(frozen=True)
class Record:
    """One past record in a letter."""

    case_number: str
    court: str
    docket_number: str
    offense: str  # in words ("selling sex")
    statute: str
    disposition: str  # "Convicted", "Dismissed", …
    disposition_date: str

    def row(self) -> tuple[str, ...]:
        return (self.case_number, self.court or "—", self.docket_number or "—", self.offense, self.statute or "—",
                self.disposition, self.disposition_date or "—")


RECORD_HEADER = ("Case", "Court", "Docket", "Offense", "Statute", "Disposition", "Date")
RECORD_WIDTHS = (0.13, 0.2, 0.13, 0.17, 0.12, 0.13, 0.12)


@dataclass(frozen=True)
class Editable:
    """The free-text parts a user writes or changes; everything else comes from the case file."""

    addressee: str = ""
    salutation: str = ""
    remarks: str = ""
    closing: str = ""


@dataclass(frozen=True)
class Signer:
    name: str
    title: str


GUIDE = "the community guide “Possibilities and Impacts of Non-Prosecution Policies in the Context of Sex Work " \
        "Criminalization”"
GUIDE_PREFIX = "guide: "


@dataclass(frozen=True)
class Section:
    """A policy section to quote: its number (or a community guide heading, "guide: …"), its exact text, and the
    policy it comes from."""

    number: str
    text: str
    policy: str  # "Sex Work: Model Policy (version …)"

    @property
    def is_guide(self) -> bool:
        return self.number.startswith(GUIDE_PREFIX)

    def quote(self) -> Quote:
        if self.is_guide:  # the guide's words are attributed to the guide
            return Quote(self.text, f"{GUIDE[0].upper()}{GUIDE[1:]}, “{self.number[len(GUIDE_PREFIX):]}”")
        return Quote(self.text, f"{self.policy}, section {self.number}")


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def citation(sections: tuple[Section, ...]) -> str:
    """Sections as a sentence cites them: "section 6", "sections 4 and 6", "the community guide's “…”"."""
    numbers = [s.number for s in sections if not s.is_guide]
    parts = [f"section{'s' if len(numbers) > 1 else ''} {_and(numbers)}"] if numbers else []
    parts += [f"the community guide's “{s.number[len(GUIDE_PREFIX):]}”" for s in sections if s.is_guide]
    return _and(parts) if parts else ""


def _the(name: str) -> str:
    """An office's name as the subject of a sentence: "The Lane County District Attorney", "The Office of …"."""
    return name if name.lower().startswith("the ") else f"The {name}"


def long_date(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def _signature(signer: Signer | None, to_sign: str) -> SignatureBlock:
    return SignatureBlock(signer.name, signer.title, "") if signer else SignatureBlock("", "", to_sign)


def _lines(text: str) -> list[Para]:
    return [Para(chunk) for chunk in text.strip().split("\n\n") if chunk.strip()]


def _common_checks(office: Letterhead, signer: Signer | None) -> dict[str, str]:
    """The letterhead and the signer's name and title, which every document prints."""
    found = {"office name": office.name, "office address and phone": " ".join(office.lines),
             "head of office's title": office.head_title}
    if signer is not None:
        found.update({"signer's name": signer.name, "signer's title": signer.title})
    return found


def _editable_checks(fields: Editable) -> dict[str, str]:
    return {"addressee": fields.addressee, "salutation": fields.salutation, "remarks": fields.remarks,
            "closing": fields.closing}


def non_opposition(office: Letterhead, *, petitioner: str, case_number: str, records: tuple[Record, ...],
                   relief: str, section: Section | None, fields: Editable, signer: Signer | None,
                   day: date) -> Document:
    """The prosecutor's office's letter to a court: it will not contest the petitioner's application for `relief`
    (the state's own words) of every record listed, all from one case. `section`: section 6, cited, quoted and
    its words applied to the records, when it is the ground of every record listed; None for any other ground
    (then the letter names the policy and no section: it must not tell the court the person was a victim, was
    trafficked or was a minor)."""
    plural = "records" if len(records) > 1 else "record"
    statement = (f"{_the(office.name)} will not contest the application of {petitioner} for {relief} of the "
                 f"{plural} listed below, in case {case_number}")
    grounds: list[Block] = []
    if section is not None:
        statement += f". Section {section.number} of the office's non-prosecution policy provides:"
        grounds = [Para(f"{'Each' if len(records) > 1 else 'The'} record listed arose solely from the consensual "
                        "exchange of sex for something of value, or the solicitation of such an exchange, as the "
                        "office's screening of the case under its policy found.")]
    else:
        statement += ", under the office's non-prosecution policy."
    subject = f"Re: {petitioner} — case {case_number}: application for {relief}; the office does not contest"
    blocks: list[Block] = [
              Para(long_date(day)), *_lines(fields.addressee), Para(subject, bold=True), *_lines(fields.salutation),
              Para(statement), *([section.quote()] if section is not None else []),
              Heading(f"The {plural} concerned"), Grid(RECORD_HEADER, tuple(r.row() for r in records), RECORD_WIDTHS),
              *grounds,
              *_lines(fields.remarks), *_lines(fields.closing),
              _signature(signer, f"To be signed by {office.head_title or 'the head of office'} or a designee")]
    return Document(title=f"Non-opposition to {relief}, case {case_number}", author=office.name,
                    letterhead=(office.name, *office.lines), blocks=tuple(blocks),
                    footer=f"{office.name} — case {case_number}",
                    texts_to_check={"petitioner's name": petitioner, **_common_checks(office, signer),
                                    **_editable_checks(fields), **_record_checks(records)})


def _record_checks(records: tuple[Record, ...]) -> dict[str, str]:
    return {f"record {n} ({r.case_number})": " ".join(r.row()) for n, r in enumerate(records, 1)}


def defense_request(office: Letterhead, *, client: str, case_number: str, records: tuple[Record, ...], relief: str,
                    sections: tuple[Section, ...], exchange_only: bool, fields: Editable, signer: Signer | None,
                    day: date) -> Document:
    """A defense office asks the prosecutor's office not to oppose the client's application, citing and quoting
    the grounds of the records (their `relief_sections`: section 6, 2, 3, 4, 4 and 6, or a guide heading).
    `exchange_only`: every record's ground is section 6 alone, so the letter may describe them in its words; for
    any other ground it never concedes that the exchange was consensual."""
    plural = "records" if len(records) > 1 else "record"
    ask = (f"On behalf of our client, {client}, we ask that your office not oppose an application for {relief} of "
           f"the {plural} listed below, from case {case_number}")
    ask += (f". Your office's non-prosecution policy provides ({citation(sections)}):" if sections else
            ", under your office's non-prosecution policy.")
    if exchange_only:
        found = (f"Screened against the policy, the {plural} arose solely from the consensual exchange of sex for "
                 "something of value, or its solicitation.")
    else:
        found = (f"Screened against the policy, the {plural} {'fall' if len(records) > 1 else 'falls'} under the "
                 "policy's text quoted above.")
    subject = f"Re: {client} — case {case_number}: request for non-opposition to {relief}"
    blocks: list[Block] = [
              Para(long_date(day)), *_lines(fields.addressee), Para(subject, bold=True),
              *_lines(fields.salutation), Para(ask), *(s.quote() for s in sections),
              Heading(f"The {plural} concerned"), Grid(RECORD_HEADER, tuple(r.row() for r in records), RECORD_WIDTHS),
              Para(found),
              *_lines(fields.remarks), *_lines(fields.closing),
              _signature(signer, "To be signed by the attorney")]
    return Document(title=f"Request for non-opposition, case {case_number}", author=office.name,
                    letterhead=(office.name, *office.lines), blocks=tuple(blocks),
                    footer=f"{office.name} — case {case_number}",
                    texts_to_check={"client's name": client, **_common_checks(office, signer),
                                    **_editable_checks(fields),
                                    **_record_checks(records)})


@dataclass(frozen=True)
class MemoEntry:
    """One charge in the screening memo."""

    charge: str  # "Charge 1: selling sex, PC 647(b) — Dana Roe"
    decision: str  # "Decline (presumptively)"
    sections: tuple[Section, ...]
    reasons: tuple[str, ...]
    record_relief: str  # "" for a pending charge; else with its ground: "do not contest (ground: section 6)"
    relief_sections: tuple[Section, ...] = ()  # the ground of a do_not_contest, quoted too


def screening_memo(office: Letterhead, *, case_number: str, caption: str, entries: tuple[MemoEntry, ...],
                   policy_line: str, fields: Editable, signer: Signer | None, day: date) -> Document:
    """How the policy screens each charge of a case, with the sections quoted, to attach to a motion."""
    blocks: list[Block] = [
        Para("MEMORANDUM", bold=True), Para(long_date(day)), *_lines(fields.addressee),
        Para(f"Re: case {case_number} — {caption}: screening under the prosecutor's non-prosecution policy",
             bold=True), Para(f"Policy applied: {policy_line}."), *_lines(fields.salutation)]
    for entry in entries:
        blocks.append(Heading(entry.charge))
        blocks.append(Para(f"Decision under the policy: {entry.decision}. "
                           f"Section{'s' if len(entry.sections) > 1 else ''} cited: "
                           f"{', '.join(s.number for s in entry.sections)}."))
        blocks += [Para(f"• {reason}") for reason in entry.reasons]
        if entry.record_relief:
            blocks.append(Para(f"Record relief: {entry.record_relief}."))
        quoted = {s.number for s in entry.sections}
        blocks += [s.quote() for s in entry.sections]
        blocks += [s.quote() for s in entry.relief_sections if s.number not in quoted]
    blocks += [*_lines(fields.remarks), *_lines(fields.closing), _signature(signer, "To be signed by the attorney")]
    return Document(title=f"Screening memo, case {case_number}", author=office.name,
                    letterhead=(office.name, *office.lines), blocks=tuple(blocks),
                    footer=f"{office.name} — screening memo, case {case_number}",
                    texts_to_check={"caption": caption, **_common_checks(office, signer), **_editable_checks(fields),
                                    **{f"charge {n}": " ".join((e.charge, *e.reasons))
                                       for n, e in enumerate(entries, 1)}})


@dataclass(frozen=True)
class SummaryItem:
    """One charge or record of the client, in plain words."""

    what: str  # "The 2015 charge for selling sex (case 15-CR-2231)"
    meaning: str  # what the policy means for it


def client_summary(office: Letterhead, *, client: str, items: tuple[SummaryItem, ...], fields: Editable,
                   signer: Signer | None, day: date) -> Document:
    """What the prosecutor's policy means for the client's charges and records, with no legal jargon."""
    blocks: list[Block] = [
        Para(long_date(day)), *_lines(fields.addressee), *_lines(fields.salutation),
        Para("The prosecutor's office has a written policy about cases like yours. This page explains, in plain "
             "words, what that policy means for each of your charges and records.")]
    for item in items:
        blocks += [Heading(item.what), Para(item.meaning)]
    blocks += [*_lines(fields.remarks),
               Para("This is not a promise about what the prosecutor or the court will do. Call us with any "
                    "question, and before you talk to anyone else about your case.", small=True),
               *_lines(fields.closing), _signature(signer, "Your attorney")]
    return Document(title=f"What the policy means for you — {client}", author=office.name,
                    letterhead=(office.name, *office.lines), blocks=tuple(blocks),
                    footer=f"{office.name} — for {client}",
                    texts_to_check={"client's name": client, **_common_checks(office, signer),
                                    **_editable_checks(fields),
                                    **{f"item {n}": f"{i.what} {i.meaning}" for n, i in enumerate(items, 1)}})

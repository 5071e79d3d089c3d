"""The letters and memos, as documents (see `casereview.documents.layout`): words only, no storage.

- `non_opposition`: the prosecutor's office tells a court it will not contest an application for record relief,
  under section 6 of its policy, quoted exactly;
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
KIND_LABELS = {"non_opposition": "Non-opposition letter (section 6)",
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


@dataclass(frozen=True)
class Section:
    """A policy section to quote: its number, its exact text, and the policy it comes from."""

    number: str
    text: str
    policy: str  # "Sex Work: Model Policy (version …)"

    def quote(self) -> Quote:
        return Quote(self.text, f"{self.policy}, section {self.number}")


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
                   relief: str, section: Section, fields: Editable, signer: Signer | None, day: date) -> Document:
    """The prosecutor's office's letter to a court: it will not contest the petitioner's application for `relief`
    (the state's own words) of every record listed, all from one case."""
    plural = "records" if len(records) > 1 else "record"
    statement = (f"{_the(office.name)} will not contest the application of {petitioner} for {relief} of the "
                 f"{plural} listed below, in case {case_number}. Section {section.number} of the office's "
                 "non-prosecution policy provides:")
    subject = f"Re: {petitioner} — case {case_number}: application for {relief}; the office does not contest"
    blocks: list[Block] = [
              Para(long_date(day)), *_lines(fields.addressee), Para(subject, bold=True), *_lines(fields.salutation),
              Para(statement), section.quote(),
              Heading(f"The {plural} concerned"), Grid(RECORD_HEADER, tuple(r.row() for r in records), RECORD_WIDTHS),
              Para(f"{'Each' if len(records) > 1 else 'The'} record listed arose solely from the consensual "
                   "exchange of sex for something of value, or the solicitation of such an exchange, as the office's "
                   "screening of the case under its policy found."),
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
                    section: Section, fields: Editable, signer: Signer | None, day: date) -> Document:
    """A defense office asks the prosecutor's office not to oppose the client's application under section 6."""
    plural = "records" if len(records) > 1 else "record"
    ask = (f"On behalf of our client, {client}, we ask that your office not oppose an application for {relief} of "
           f"the {plural} listed below, from case {case_number}. Section {section.number} of your office's "
           "non-prosecution policy provides:")
    subject = f"Re: {client} — case {case_number}: request for non-opposition to {relief}"
    blocks: list[Block] = [
              Para(long_date(day)), *_lines(fields.addressee), Para(subject, bold=True),
              *_lines(fields.salutation), Para(ask), section.quote(),
              Heading(f"The {plural} concerned"), Grid(RECORD_HEADER, tuple(r.row() for r in records), RECORD_WIDTHS),
              Para(f"Screened against the policy, the {plural} arose solely from the consensual exchange of sex for "
                   "something of value, or its solicitation."),
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
    record_relief: str  # "" for a pending charge


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
            blocks.append(Para(f"Record relief (section 6): {entry.record_relief}."))
        blocks += [s.quote() for s in entry.sections]
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

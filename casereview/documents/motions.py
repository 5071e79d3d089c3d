"""The words of a prosecutor's motion to dismiss charges, or to vacate or quash warrants, with its proposed order
(`casereview.services.motions` finds the charges and fills these in).

A motion is filed in a court and read by the other side, so it says what the documents contract
(``spec/documents.md``) says of every filing: the office's decision on the charges, in the state's own words for it,
under the policy as the office adopted it (its title and adoption date) — and nothing about the people listed. It
names no section of the policy: a motion lists many people together, and a section cited for some of them (section
2, 3 or 4) would tell the court and the other side that those people were victims of a crime in the exchange, were
trafficked or were under 18. Each charge is named as charged (an offense whose very name would tell a court about
trafficking or a minor is named by its statute), never as something the person did.

One omnibus motion per court lists every case in a schedule (docket, name, charge); a motion for one case lists that
case's charges. A proposed order for the judge follows on its own page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from casereview.documents.layout import Block, Caption, Document, Grid, Heading, PageBreak, Para
from casereview.documents.letters import Letterhead, Signer, _held, _signature, _the, long_date

KINDS = ("dismiss", "warrants")
SCOPES = ("omnibus", "case")
KIND_LABELS = {"dismiss": "Motion to dismiss charges", "warrants": "Motion on outstanding warrants"}
SCOPE_LABELS = {"omnibus": "one motion per court, listing every case", "case": "one motion per case"}

# The state's words for ending a charge: the motion's title, what the office asks, and what the order says.
DISMISSAL_STYLES = ("dismiss", "nolle_prosequi", "withdraw")
DISMISSAL_LABELS = {"dismiss": "Motion to dismiss", "nolle_prosequi": "Nolle prosequi (leave to enter one)",
                    "withdraw": "Withdrawal of charges"}
_DISMISSAL = {
    # style: (title, the office "moves the Court …" the charges, the order: "… the charges listed in Schedule A …")
    "dismiss": ("Motion to dismiss", "to dismiss {what}", "{What} are dismissed."),
    "nolle_prosequi": ("Motion for leave to enter a nolle prosequi",
                       "for leave to enter a nolle prosequi on {what}",
                       "Leave is granted to enter a nolle prosequi on {what}, and {what} are dismissed."),
    "withdraw": ("Motion for leave to withdraw charges", "for leave to withdraw {what}",
                 "Leave is granted to withdraw {what}, and {what} are dismissed."),
}
# What a court does with a warrant: vacate, quash or recall.
WARRANT_TERMS = ("vacate", "quash", "recall")
_WARRANT_PAST = {"vacate": "vacated", "quash": "quashed", "recall": "recalled"}

SCHEDULE_HEADER = ("Docket", "Name", "Charge as filed", "Statute", "Office case")
SCHEDULE_WIDTHS = (0.2, 0.22, 0.26, 0.14, 0.18)


@dataclass(frozen=True)
class Listed:
    """One charge in a motion's schedule."""

    docket: str
    name: str
    offense: str  # as charged, in plain words ("selling sex"; "the offense charged under ORS 163.266")
    statute: str
    case_number: str  # the office's own

    def row(self) -> tuple[str, ...]:
        return (self.docket, self.name, self.offense, self.statute or "—", self.case_number)


def title_of(kind: str, dismissal_style: str, warrant_term: str) -> str:
    if kind == "warrants":
        return f"Motion to {warrant_term} warrants"
    return _DISMISSAL.get(dismissal_style, _DISMISSAL["dismiss"])[0]


def motion(office: Letterhead, *, kind: str, caption: Caption, listed: tuple[Listed, ...], policy: str,
           dismissal_style: str, warrant_term: str, omnibus: bool, not_concerned: tuple[str, ...],
           signer: Signer | None, day: date, held: tuple[str, ...] = ()) -> Document:
    """The motion, its schedule of charges and the proposed order. `policy`: the policy as the office adopted it
    ("its policy “…”, adopted on March 1, 2025"). `not_concerned`: for a motion on one case, the other charges of
    the people listed in it, each in words (a court must not read the motion as covering the whole case)."""
    title = title_of(kind, dismissal_style, warrant_term)
    many = len(listed) > 1
    charges = "the charges listed in Schedule A" if many else "the charge listed in Schedule A"
    warrants = (f"the outstanding warrant{'s' if many else ''} issued on {charges}")
    blocks: list[Block] = [*_held(held, "motion"), caption]
    if kind == "warrants":
        ask = f"to {warrant_term} {warrants}"
    else:
        ask = _DISMISSAL.get(dismissal_style, _DISMISSAL["dismiss"])[1].format(what=charges)
    cases = len({x.case_number for x in listed})
    blocks.append(Para(f"{_the(office.name)} moves the Court {ask}"
                       + (f" ({len(listed):,} charges in {cases:,} cases)." if omnibus else ".")))
    each_charge = "each charge listed" if many else "the charge listed"
    reviewed = f"The office has reviewed {each_charge} under {policy}, and does not intend to prosecute it further."
    if kind == "warrants":
        reviewed += (" A warrant issued to bring a person before the Court on such a charge no longer serves that "
                     "purpose.")
    blocks.append(Para(reviewed))
    blocks.append(Para(f"This motion states the office's decision on {'the charges' if many else 'the charge'} "
                       "listed. It is not a statement about the facts of any charge or about any person listed, and "
                       "the office makes no commitment beyond it."))
    if not_concerned:
        blocks.append(Para("This motion does not concern: " + "; ".join(not_concerned) + "."))
    elif omnibus:
        blocks.append(Para("This motion concerns only the charges listed. Any other charge in the same cases is not "
                           "affected by it."))
    blocks.append(Para(f"Dated {long_date(day)}."))
    blocks.append(_signature(signer, "To be signed by a prosecutor of the office", office,
                             label="Respectfully submitted,"))
    blocks += [Heading(f"Schedule A — {'charges' if many else 'charge'}"
                       + (" with outstanding warrants" if kind == "warrants" else "")),
               Grid(SCHEDULE_HEADER, tuple(x.row() for x in listed), SCHEDULE_WIDTHS)]
    # The proposed order, for the judge, on a page of its own.
    if kind == "warrants":
        ordered = (f"{warrants[0].upper()}{warrants[1:]} {'are' if many else 'is'} "
                   f"{_WARRANT_PAST.get(warrant_term, warrant_term + 'd')}.")
    else:
        order_words = _DISMISSAL.get(dismissal_style, _DISMISSAL["dismiss"])[2]
        ordered = order_words.format(what=charges, What=charges[0].upper() + charges[1:])
        if not many:
            ordered = ordered.replace(" are dismissed", " is dismissed")
    blocks += [PageBreak(), Caption(caption.court, caption.title, caption.numbers, f"[Proposed] order: {title}"),
               Para(f"On the motion of {_the(office.name)[0].lower()}{_the(office.name)[1:]}, IT IS ORDERED: "
                    f"{ordered}"),
               Para("Dated: ______________________"),
               Para("______________________________________"),
               Para("Judge of the Court", small=True)]
    reference = caption.title + (f", {caption.numbers[0]}" if caption.numbers else "")
    checks = {"court": caption.court, "caption": caption.title, "docket": " ".join(caption.numbers),
              "office": office.name, "office contact": " ".join(office.lines), "policy": policy,
              "records not concerned": " ".join(not_concerned)}
    if signer is not None:
        checks.update({"signer's name": signer.name, "signer's title": signer.title,
                       "signer's bar number": signer.bar_number})
    for n, x in enumerate(listed, 1):
        checks[f"schedule row {n} ({x.case_number})"] = " ".join(x.row())
    return Document(title=title, author=office.name, letterhead=(office.name, *office.lines), blocks=tuple(blocks),
                    reference=reference, draft=signer is None, texts_to_check=checks)

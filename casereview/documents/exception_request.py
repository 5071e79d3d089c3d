"""The section 8 exception request as a PDF: office letterhead, case caption, the people and charges concerned,
section 8 quoted exactly, the ground, the public-safety statement, the justification and the evidence, and the
signature blocks — the requester's, and the supervisor's with the decision, reason and date as form fields laid out
from the start, so filling them with the second signature is a change the first signature permits.

Text is set in the shipped fonts (DejaVu, and Droid Sans Fallback for Chinese, Japanese and Korean; see `fonts`); a
character none of them has is reported before anything is made, never printed as a blank box.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from casereview.documents import fonts
from casereview.documents.fonts import MissingGlyphs as MissingGlyphs  # re-exported (it used to live here)
from casereview.documents.fonts import missing_glyphs as missing_glyphs
from casereview.documents.signing import FORM_FONT_SIZE, FORM_LEADING

SIGNATURE_FIELDS = ("Requester", "Supervisor")
DECISION_FIELDS = ("decision", "reason", "decided_on")
REASON_LINES = 5  # the supervisor's reason box holds this many lines (casereview.documents.signing wraps the text)
REASON_BOX_WIDTH = (LETTER[0] - 2 * inch) / 2 - 14  # points: half the text width, less the gutter and the border


def reason_problem(reason: str) -> str | None:
    """Why the supervisor's reason cannot be printed whole in its box on the signed request, or None."""
    from casereview.documents.signing import printable_in_form, wrap_to_box

    if not printable_in_form(reason):
        return ("The reason holds letters the decision box cannot print: it takes Western European letters only "
                "(é, ñ and ü are fine; ễ, ł and letters of other scripts are not). Write those letters without "
                "their marks.")
    if len(wrap_to_box(reason, REASON_BOX_WIDTH - 4)) > REASON_LINES:
        return (f"The reason is longer than the {REASON_LINES} lines its box on the signed request shows: say it "
                "more briefly, so that none of it is cut off.")
    return None


@dataclass(frozen=True)
class RequestText:
    office_name: str
    office_lines: tuple[str, ...]  # address, phone
    case_number: str
    caption: str  # county, court, incident date
    people: tuple[tuple[str, str], ...]  # (name, role in the case)
    charges: tuple[tuple[str, str, str, str], ...]  # (charge id, offense, statute, person)
    section_quote: str
    ground: str
    public_safety: str
    justification: str
    evidence: str
    requester: str


def _check(text: RequestText) -> None:
    """Every text from users, named for the message: refused (MissingGlyphs) when a character cannot be printed."""
    texts = {"office name": text.office_name, "case number": text.case_number, "case caption": text.caption,
             "ground": text.ground, "public-safety statement": text.public_safety,
             "justification": text.justification, "evidence": text.evidence, "requester": text.requester}
    texts.update({f"office address line {n}": line for n, line in enumerate(text.office_lines, 1)})
    for n, (name, role) in enumerate(text.people, 1):
        texts.update({f"person {n}": name, f"role of person {n}": role})
    for charge_id, offense, statute, person in text.charges:
        texts.update({f"charge {charge_id}": charge_id, f"offense of charge {charge_id}": offense,
                      f"statute of charge {charge_id}": statute, f"person of charge {charge_id}": person})
    texts["policy's section 8"] = text.section_quote
    fonts.check(texts)


class _SignatureBlocks(Flowable):  # type: ignore[misc]  # (reportlab has no type information)
    """The two signature boxes and the supervisor's decision fields; remembers where it put them."""

    def __init__(self, width: float, requester: str) -> None:
        super().__init__()
        self.width, self.height, self.requester = width, 2.9 * inch + (REASON_LINES - 1) * FORM_LEADING, requester
        self.boxes: dict[str, tuple[int, int, int, int]] = {}
        self.page = 1

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        c: Any = self.canv
        half = self.width / 2 - 10
        c.setFont(fonts.SANS_BOLD, 10)
        c.drawString(0, self.height - 12, "Requested by")
        c.drawString(half + 20, self.height - 12, "Supervisor's decision")
        fonts.draw_string(c, 0, self.height - 26, self.requester, 9)
        c.setFont(fonts.SANS, 9)
        labels = (("decision", "Decision (approved or denied):"), ("reason", "Reason:"), ("decided_on", "Date:"))
        y = self.height - 30
        for name, label in labels:
            c.drawString(half + 20, y, label)
            high = REASON_LINES * FORM_LEADING + 6 if name == "reason" else 18
            c.acroForm.textfield(name=name, x=half + 20, y=y - 4 - high, width=REASON_BOX_WIDTH, height=high,
                                 borderWidth=0.5, fontName="Helvetica", fontSize=FORM_FONT_SIZE, value="",
                                 relative=True, fieldFlags="multiline" if name == "reason" else "")
            y -= high + 20
        for name, x in (("Requester", 0.0), ("Supervisor", half + 20)):
            c.rect(x, 6, half, 0.75 * inch)
            c.setFont(fonts.SANS, 7)
            c.drawString(x, 0 - 2, f"Signature ({'requester' if name == 'Requester' else 'supervisor'})")
            x0, y0 = c.absolutePosition(x, 6)
            x1, y1 = c.absolutePosition(x + half, 6 + 0.75 * inch)
            self.boxes[name] = (round(x0), round(y0), round(x1), round(y1))
        self.page = c.getPageNumber()


def render_request(text: RequestText) -> bytes:
    """The unsigned request (with its empty signature and decision fields), as PDF bytes."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.fields import SigFieldSpec, append_signature_field

    _check(text)
    fonts.register()
    body = ParagraphStyle("body", fontName=fonts.SANS, fontSize=10, leading=13)
    small = ParagraphStyle("small", parent=body, fontSize=9, leading=11)
    heading = ParagraphStyle("heading", parent=body, fontName=fonts.SANS_BOLD, fontSize=11, leading=14,
                             spaceBefore=8)
    title = ParagraphStyle("title", parent=body, fontName=fonts.SANS_BOLD, fontSize=14, leading=18)
    quote = ParagraphStyle("quote", parent=body, leftIndent=18, rightIndent=18, fontSize=9.5, leading=12.5)

    cell = ParagraphStyle("cell", parent=body, fontSize=9, leading=11)
    cell_heading = ParagraphStyle("cell heading", parent=cell, fontName=fonts.SANS_BOLD)

    def p(value: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(fonts.markup(value, bold=style.fontName == fonts.SANS_BOLD), style)

    def rows(heads: tuple[str, ...], values: tuple[tuple[str, ...], ...]) -> list[list[Paragraph]]:
        return [[p(head, cell_heading) for head in heads], *([p(value, cell) for value in row] for row in values)]

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=LETTER, leftMargin=inch, rightMargin=inch, topMargin=0.8 * inch,
                            bottomMargin=0.8 * inch, title=f"Exception request, case {text.case_number}",
                            author=text.office_name)
    blocks = _SignatureBlocks(doc.width, text.requester)
    people = Table(rows(("Person", "Role in the case"), text.people), colWidths=[doc.width * 0.6, doc.width * 0.4])
    charges = Table(rows(("Charge", "Offense", "Statute", "Charged person"), text.charges),
                    colWidths=[doc.width * 0.12, doc.width * 0.3, doc.width * 0.23, doc.width * 0.35])
    for table in (people, charges):
        table.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, 0), 0.5, "black"),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story: list[Any] = [p(text.office_name, title), *(p(line, small) for line in text.office_lines),
                        Spacer(1, 14), p("Request for an exception to the non-prosecution policy (section 8)", heading),
                        p(f"Case {text.case_number} — {text.caption}"), Spacer(1, 6),
                        p("People concerned", heading), people, p("Charges concerned", heading), charges,
                        p("The policy, section 8", heading), p(f"“{text.section_quote}”", quote),
                        p("Ground", heading), p(text.ground),
                        p("Why public safety requires this deviation", heading), p(text.public_safety),
                        p("Justification", heading), p(text.justification),
                        p("Evidence relied on", heading), p(text.evidence), Spacer(1, 10), blocks]
    doc.build(story)
    writer = IncrementalPdfFileWriter(io.BytesIO(out.getvalue()))
    for name in SIGNATURE_FIELDS:
        append_signature_field(writer, SigFieldSpec(name, on_page=blocks.page - 1, box=blocks.boxes[name]))
    final = io.BytesIO()
    writer.write(final)
    return final.getvalue()

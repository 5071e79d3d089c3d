"""The section 8 exception request as a PDF: office letterhead; for each charge the person, the offense in plain
words, the statute, status, court and docket, and the screening decision the request deviates from with its
sections quoted ("decline — section 1(b), presumptively: …"); section 8 quoted whole; the ground in section 8's own
words; why "public safety requires that deviation", the justification and the evidence; the requester's affirmation
that the request does not use charges or the threat of charges to obtain anyone's cooperation (section 2 quoted);
the requester's full name, title and date. The supervisor's block has form fields laid out from the start — their
full name and title, the decision, the reason and the date — so filling them with the second signature is a change
the first signature permits. Every page carries the office, the title, the case and "Page N of M".

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
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from casereview.documents import fonts
from casereview.documents.fonts import MissingGlyphs as MissingGlyphs  # re-exported (it used to live here)
from casereview.documents.fonts import missing_glyphs as missing_glyphs
from casereview.documents.layout import numbered_canvas
from casereview.documents.signing import FORM_FONT_SIZE, FORM_LEADING

TITLE = "Request for an exception to the policy (section 8)"
SIGNATURE_FIELDS = ("Requester", "Supervisor")
DECISION_FIELDS = ("supervisor", "decision", "reason", "decided_on")
SUPERVISOR_LINES = 3  # the supervisor's full name, then their title (on up to two lines)
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


def supervisor_problem(name_and_title: str) -> str | None:
    """Why the supervisor's full name and title cannot be printed whole in their box, or None."""
    from casereview.documents.signing import printable_in_form, wrap_to_box

    if not printable_in_form(name_and_title):
        return ("The supervisor's name or title holds letters the decision box cannot print (it takes Western "
                "European letters only): the decision cannot be signed with it.")
    if len(wrap_to_box(name_and_title, REASON_BOX_WIDTH - 4)) > SUPERVISOR_LINES:
        return "The supervisor's full name and title are too long for their box on the signed request."
    return None


@dataclass(frozen=True)
class Quoted:
    text: str
    source: str


@dataclass(frozen=True)
class ChargeLine:
    """One charge the request covers, and the screening decision it deviates from."""

    id: str
    person: str
    offense: str  # in plain words
    statute: str
    status: str  # "pending", "filed"
    court: str
    docket: str
    deviates_from: str  # "Decline — section 1(b), presumptively"
    quotes: tuple[Quoted, ...]


@dataclass(frozen=True)
class RequestText:
    office_name: str
    office_lines: tuple[str, ...]  # address, telephone, e-mail
    case_number: str
    reference: str  # the case as every page names it: office case number and dockets
    charges: tuple[ChargeLine, ...]
    section_8: Quoted
    ground: str  # in section 8's own words
    public_safety: str
    justification: str
    evidence: str
    affirmation: str  # the requester's affirmation
    section_2: Quoted  # "the threat of prosecution should not be used to incentivize or encourage cooperation"
    requester: str  # full name
    requester_lines: tuple[str, ...]  # title, bar number
    requested_on: str  # the office's local date


def _check(text: RequestText) -> None:
    """Every text from users, named for the message: refused (MissingGlyphs) when a character cannot be printed."""
    texts = {"office name": text.office_name, "case number": text.case_number, "case": text.reference,
             "ground": text.ground, "public-safety statement": text.public_safety,
             "justification": text.justification, "evidence": text.evidence, "requester": text.requester,
             "requester's title": " ".join(text.requester_lines)}
    texts.update({f"office address line {n}": line for n, line in enumerate(text.office_lines, 1)})
    for c in text.charges:
        texts.update({f"charge {c.id}": c.id, f"person of charge {c.id}": c.person,
                      f"offense of charge {c.id}": c.offense, f"statute of charge {c.id}": c.statute,
                      f"court of charge {c.id}": c.court, f"docket of charge {c.id}": c.docket})
    texts["policy's section 8"] = text.section_8.text
    fonts.check(texts)


class _SignatureBlocks(Flowable):  # type: ignore[misc]  # (reportlab has no type information)
    """The two signature boxes, the requester's names and date, and the supervisor's decision fields; remembers
    where it put them."""

    def __init__(self, width: float, text: RequestText) -> None:
        super().__init__()
        self.width, self.text = width, text
        fields = SUPERVISOR_LINES * FORM_LEADING + 6 + 18 + REASON_LINES * FORM_LEADING + 6 + 18 + 4 * 20
        self.height = 0.75 * inch + 50 + fields
        self.boxes: dict[str, tuple[int, int, int, int]] = {}
        self.page = 1

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        c: Any = self.canv
        half = self.width / 2 - 10
        fonts.draw_string(c, 0, self.height - 12, "Requested by", 10, bold=True)
        fonts.draw_string(c, half + 20, self.height - 12, "Supervisor's decision", 10, bold=True)
        y = self.height - 28
        for n, line in enumerate((self.text.requester, *self.text.requester_lines,
                                  f"Date of the request: {self.text.requested_on}")):
            fonts.draw_string(c, 0, y, line, 9, bold=n == 0)
            y -= 12
        labels = (("supervisor", "Supervisor (full name and title):"), ("decision", "Decision (approved or denied):"),
                  ("reason", "Reason:"), ("decided_on", "Date:"))
        y = self.height - 30
        for name, label in labels:
            fonts.draw_string(c, half + 20, y, label, 9)
            lines = REASON_LINES if name == "reason" else SUPERVISOR_LINES if name == "supervisor" else 0
            high = lines * FORM_LEADING + 6 if lines else 18
            c.acroForm.textfield(name=name, x=half + 20, y=y - 4 - high, width=REASON_BOX_WIDTH, height=high,
                                 borderWidth=0.5, fontName="Helvetica", fontSize=FORM_FONT_SIZE, value="",
                                 relative=True, fieldFlags="multiline" if lines else "")
            y -= high + 20
        for name, x in (("Requester", 0.0), ("Supervisor", half + 20)):
            c.rect(x, 6, half, 0.75 * inch)
            fonts.draw_string(c, x, -2, f"Signature ({'requester' if name == 'Requester' else 'supervisor'})", 7)
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
    body = ParagraphStyle("body", fontName=fonts.SANS, fontSize=10, leading=13, spaceAfter=4)
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=11, spaceAfter=0)
    heading = ParagraphStyle("heading", parent=body, fontName=fonts.SANS_BOLD, fontSize=11, leading=14,
                             spaceBefore=8, keepWithNext=1)
    title = ParagraphStyle("title", parent=body, fontName=fonts.SANS_BOLD, fontSize=14, leading=18)
    quote = ParagraphStyle("quote", parent=body, leftIndent=18, rightIndent=18, fontSize=9.5, leading=12.5,
                           spaceAfter=1)
    source = ParagraphStyle("source", parent=body, leftIndent=18, fontSize=8, leading=10, spaceAfter=6)
    cell = ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5, spaceAfter=0)
    cell_heading = ParagraphStyle("cell heading", parent=cell, fontName=fonts.SANS_BOLD)

    def p(value: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(fonts.markup(value, bold=style.fontName == fonts.SANS_BOLD), style)

    def quoted(q: Quoted) -> KeepTogether:
        return KeepTogether([p(f"“{q.text}”", quote), p(f"— {q.source}", source)])

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=LETTER, leftMargin=inch, rightMargin=inch, topMargin=0.85 * inch,
                            bottomMargin=0.85 * inch, title=f"Exception request, case {text.case_number}",
                            author=text.office_name, subject=text.reference, creator="CaseReview")
    blocks = _SignatureBlocks(doc.width, text)
    heads = ("No.", "Person", "Offense", "Statute", "Status", "Court", "Docket")
    widths = (0.06, 0.17, 0.17, 0.14, 0.1, 0.21, 0.15)
    charges = Table([[p(h, cell_heading) for h in heads],
                     *([p(v, cell) for v in (c.id, c.person, c.offense, c.statute or "—", c.status, c.court or "—",
                                             c.docket or "—")] for c in text.charges)],
                    colWidths=[doc.width * w for w in widths], repeatRows=1)
    charges.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, 0), 0.5, "black"),
                                 ("LINEBELOW", (0, 1), (-1, -1), 0.25, "#999999"), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                 ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)]))
    story: list[Any] = [p(text.office_name, title), *(p(line, small) for line in text.office_lines),
                        Spacer(1, 12), p(TITLE, heading), p(text.reference), Spacer(1, 4),
                        p("Charges concerned", heading), charges, Spacer(1, 6),
                        p("The screening decisions this request deviates from", heading)]
    for c in text.charges:
        story += [p(f"Charge {c.id} ({c.person}, {c.offense}): {c.deviates_from}:"), *(quoted(q) for q in c.quotes)]
    story += [CondPageBreak(1.5 * inch), p("The policy, section 8", heading), quoted(text.section_8),
              p("Ground", heading), p(text.ground),
              p("Why public safety requires that deviation", heading), p(text.public_safety),
              p("Justification", heading), p(text.justification),
              p("Evidence relied on", heading), p(text.evidence),
              p("The requester's affirmation", heading), p(text.affirmation), quoted(text.section_2),
              Spacer(1, 8), blocks]
    doc.build(story, canvasmaker=numbered_canvas(f"{text.office_name} — {TITLE}", reference=text.reference))
    writer = IncrementalPdfFileWriter(io.BytesIO(out.getvalue()))
    for name in SIGNATURE_FIELDS:
        append_signature_field(writer, SigFieldSpec(name, on_page=blocks.page - 1, box=blocks.boxes[name]))
    final = io.BytesIO()
    writer.write(final)
    return final.getvalue()

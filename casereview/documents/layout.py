"""A document as a list of blocks (heading, paragraph, quotation, table, signature), and its two renderings: the
PDF (ReportLab; the final, signable form) and the .docx (python-docx; an editable draft for a word processor).

Both renderings take the same blocks, so a field found in one is in the other. User text goes through
`casereview.documents.fonts` (`check` before anything is made, `markup` for scripts DejaVu lacks).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from casereview.documents import fonts

SIGNATURE_FIELD = "Signature"


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Para:
    text: str
    bold: bool = False
    small: bool = False


@dataclass(frozen=True)
class Quote:
    """Policy text quoted word for word, with where it comes from."""

    text: str
    source: str


@dataclass(frozen=True)
class Grid:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]  # fractions of the text width


@dataclass(frozen=True)
class SignatureBlock:
    """Where the signature goes, and the signer's name and title printed under it ("" before signing: the block
    then says who is to sign)."""

    name: str
    title: str
    to_sign: str = ""


Block = Heading | Para | Quote | Grid | SignatureBlock


@dataclass(frozen=True)
class Document:
    title: str  # the PDF's title (metadata) and the .docx core title
    author: str
    letterhead: tuple[str, ...]  # office name, then its address and phone lines
    blocks: tuple[Block, ...]
    footer: str = ""
    texts_to_check: dict[str, str] = field(default_factory=dict)  # user text, by where it appears

    def all_text(self) -> str:
        """Every word the document prints (for tests and for searching)."""
        parts = list(self.letterhead)
        for block in self.blocks:
            if isinstance(block, Grid):
                parts += [*block.header, *(cell for row in block.rows for cell in row)]
            elif isinstance(block, SignatureBlock):
                parts += [block.name, block.title, block.to_sign]
            else:
                parts.append(block.text)
        return "\n".join(parts)


# --------------------------------------------------------------------------------------------------------- PDF


class _SignatureBox(Flowable):  # type: ignore[misc]  # (reportlab has no type information)
    """The signature box, and the name and title under it; remembers where it was drawn."""

    def __init__(self, block: SignatureBlock, width: float) -> None:
        super().__init__()
        self.block, self.width, self.height = block, min(width, 3.4 * inch), 1.5 * inch
        self.box: tuple[int, int, int, int] = (0, 0, 0, 0)
        self.page = 1

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        c: Any = self.canv
        top = 0.3 * inch
        c.setLineWidth(0.5)
        c.line(0, top, self.width, top)
        lines = [(self.block.name, True), (self.block.title, False)] if self.block.name else \
            [(self.block.to_sign, False)]
        y = top - 12
        for text, bold in lines:
            if text:
                fonts.draw_string(c, 0, y, text, 9.5, bold=bold)
                y -= 12
        x0, y0 = c.absolutePosition(0, top + 2)
        x1, y1 = c.absolutePosition(self.width, self.height)
        self.box = (round(x0), round(y0), round(x1), round(y1))
        self.page = c.getPageNumber()


def _styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=fonts.SANS, fontSize=10.5, leading=14, spaceAfter=7)
    return {
        "body": body,
        "bold": ParagraphStyle("bold", parent=body, fontName=fonts.SANS_BOLD),
        "small": ParagraphStyle("small", parent=body, fontSize=8.5, leading=11, spaceAfter=0),
        "office": ParagraphStyle("office", parent=body, fontName=fonts.SANS_BOLD, fontSize=14, leading=18,
                                 spaceAfter=1),
        "heading": ParagraphStyle("heading", parent=body, fontName=fonts.SANS_BOLD, fontSize=11, leading=14,
                                  spaceBefore=6, spaceAfter=4),
        "quote": ParagraphStyle("quote", parent=body, leftIndent=22, rightIndent=22, fontSize=10, leading=13.5,
                                spaceAfter=2),
        "source": ParagraphStyle("source", parent=body, leftIndent=22, fontSize=8.5, leading=11),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5, spaceAfter=0),
        "head": ParagraphStyle("head", parent=body, fontName=fonts.SANS_BOLD, fontSize=8.5, leading=10.5,
                               spaceAfter=0),
    }


def render_pdf(doc: Document) -> bytes:
    """The document as PDF bytes, unsigned (a draft's preview; its signature block says who is to sign)."""
    return render_for_signing(doc)[0]


def render_for_signing(doc: Document) -> tuple[bytes, tuple[int, tuple[int, int, int, int]] | None]:
    """The document as PDF bytes with no signature field yet, and where its signature goes (page index, box), for
    `casereview.documents.signing.sign_pdf(..., new_field=…)` to make the field as it signs."""
    fonts.check(doc.texts_to_check, document="document")
    fonts.register()
    s = _styles()
    out = io.BytesIO()
    pdf = SimpleDocTemplate(out, pagesize=LETTER, leftMargin=inch, rightMargin=inch, topMargin=0.75 * inch,
                            bottomMargin=0.8 * inch, title=doc.title, author=doc.author, creator="CaseReview")
    story: list[Any] = []
    if doc.letterhead:
        story.append(Paragraph(fonts.markup(doc.letterhead[0]), s["office"]))
        story += [Paragraph(fonts.markup(line), s["small"]) for line in doc.letterhead[1:]]
        story.append(Spacer(1, 16))
    box: _SignatureBox | None = None
    for block in doc.blocks:
        if isinstance(block, Heading):
            story.append(Paragraph(fonts.markup(block.text), s["heading"]))
        elif isinstance(block, Para):
            style = s["bold"] if block.bold else s["small"] if block.small else s["body"]
            story.append(Paragraph(fonts.markup(block.text), style))
        elif isinstance(block, Quote):
            story.append(KeepTogether([Paragraph(fonts.markup(f"“{block.text}”"), s["quote"]),
                                       Paragraph(fonts.markup(f"— {block.source}"), s["source"])]))
        elif isinstance(block, Grid):
            table = Table([[Paragraph(fonts.markup(h), s["head"]) for h in block.header],
                           *([Paragraph(fonts.markup(cell), s["cell"]) for cell in row] for row in block.rows)],
                          colWidths=[pdf.width * w for w in block.widths], repeatRows=1)
            table.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, 0), 0.6, "black"),
                                       ("LINEBELOW", (0, 1), (-1, -1), 0.25, "#999999"),
                                       ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                       ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)]))
            story += [table, Spacer(1, 9)]
        else:
            box = _SignatureBox(block, pdf.width)
            story.append(KeepTogether([Spacer(1, 6), box]))
    footer = doc.footer

    def on_page(canvas: Any, template: Any) -> None:
        canvas.saveState()
        text = f"{footer} — page {canvas.getPageNumber()}" if footer else f"Page {canvas.getPageNumber()}"
        fonts.draw_string(canvas, inch, 0.5 * inch, text, 7.5)
        canvas.restoreState()

    pdf.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return out.getvalue(), (box.page - 1, box.box) if box is not None else None


# -------------------------------------------------------------------------------------------------------- DOCX


def render_docx(doc: Document) -> bytes:
    """The document as an editable Word file (.docx): the same words, for a word processor. The signed PDF stays
    the final form; this has no signature."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Inches, Pt

    word = docx.Document()
    section = word.sections[0]
    section.page_width, section.page_height = Inches(8.5), Inches(11)
    section.left_margin = section.right_margin = Inches(1)
    word.core_properties.title, word.core_properties.author = doc.title, doc.author
    normal = word.styles["Normal"]
    normal.font.name, normal.font.size = "DejaVu Sans", Pt(10.5)
    if doc.letterhead:
        head = word.add_paragraph()
        run = head.add_run(doc.letterhead[0])
        run.bold, run.font.size = True, Pt(14)
        for line in doc.letterhead[1:]:
            word.add_paragraph(line).runs[0].font.size = Pt(8.5)
    for block in doc.blocks:
        if isinstance(block, Heading):
            para = word.add_paragraph()
            para.add_run(block.text).bold = True
        elif isinstance(block, Para):
            for chunk in block.text.split("\n\n"):
                para = word.add_paragraph()
                lines = chunk.split("\n")
                for i, line in enumerate(lines):
                    run = para.add_run(line)
                    run.bold = block.bold
                    if block.small:
                        run.font.size = Pt(8.5)
                    if i < len(lines) - 1:
                        run.add_break()
        elif isinstance(block, Quote):
            para = word.add_paragraph(f"“{block.text}”")
            para.paragraph_format.left_indent = para.paragraph_format.right_indent = Inches(0.3)
            source = word.add_paragraph(f"— {block.source}")
            source.paragraph_format.left_indent = Inches(0.3)
            source.runs[0].font.size = Pt(8.5)
        elif isinstance(block, Grid):
            table = word.add_table(rows=1, cols=len(block.header))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, block.header, strict=True):
                cell.text = ""
                cell.paragraphs[0].add_run(text).bold = True
            for row in block.rows:
                cells = table.add_row().cells
                for cell, text in zip(cells, row, strict=True):
                    cell.text = text
            for n, width in enumerate(block.widths):
                for cell in table.columns[n].cells:
                    cell.width = Inches(6.5 * width)
            word.add_paragraph()
        else:
            word.add_paragraph("\n\n______________________________")
            if block.name:
                word.add_paragraph().add_run(block.name).bold = True
                word.add_paragraph(block.title)
            else:
                word.add_paragraph(block.to_sign)
    if doc.footer:
        footer = section.footer.paragraphs[0]
        footer.text = doc.footer
        footer.alignment = WD_ALIGN_PARAGRAPH.LEFT
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()

"""A document as a list of blocks (heading, paragraph, quotation, table, caption, notice, signature), and its two
renderings: the PDF (ReportLab; the final, signable form) and the .docx (python-docx; an editable draft for a word
processor, marked DRAFT).

Both renderings take the same blocks, so a field found in one is in the other. Every page of both carries the office,
the document's title, the case caption or docket (`Document.reference`) and "Page N of M", so that no page can be
taken for part of another document; an unsigned rendering says DRAFT on every page. User text goes through
`casereview.documents.fonts` (`check` before anything is made, `markup` for scripts DejaVu lacks).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas
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
from reportlab.platypus import PageBreak as ReportLabPageBreak

from casereview.documents import fonts

SIGNATURE_FIELD = "Signature"
DRAFT_MARK = "DRAFT — not signed"


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
class Caption:
    """A court caption: the court, the case's title ("State of Oregon v. Dana Roe") and its numbers (the court's
    docket first, then the office's own case number)."""

    court: str
    title: str
    numbers: tuple[str, ...]
    document: str = ""  # the document's name under the caption, in capitals


@dataclass(frozen=True)
class Notice:
    """A boxed notice: what to find out before a held document can be signed, a privilege marking."""

    title: str
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class SignatureBlock:
    """Where the signature goes, and what is printed under it: the signer's full name and title and `lines`
    (bar number, office, address, telephone, e-mail). Before signing (`name` empty) the block says who is to sign;
    signed, it carries the typed signature "/s/ Name" beside the digital one, for courts whose e-filing flattens
    signatures."""

    name: str
    title: str
    to_sign: str = ""
    lines: tuple[str, ...] = ()
    label: str = ""  # a line above the signature ("Respectfully submitted,")


@dataclass(frozen=True)
class PageBreak:
    """What follows starts a new page (a proposed order after its motion)."""


Block = Heading | Para | Quote | Grid | Caption | Notice | SignatureBlock | PageBreak


@dataclass(frozen=True)
class Document:
    title: str  # the PDF's title (metadata) and the .docx core title; in every page's header
    author: str
    letterhead: tuple[str, ...]  # office name, then its address, telephone and e-mail lines
    blocks: tuple[Block, ...]
    footer: str = ""  # an extra line in every page's footer (before "Page N of M")
    texts_to_check: dict[str, str] = field(default_factory=dict)  # user text, by where it appears
    reference: str = ""  # the case caption or docket, in every page's header
    draft: bool = False  # an unsigned draft of a document to be signed: marked DRAFT on every page

    def all_text(self) -> str:
        """Every word the document prints (for tests and for searching)."""
        parts = list(self.letterhead)
        for block in self.blocks:
            if isinstance(block, Grid):
                parts += [*block.header, *(cell for row in block.rows for cell in row)]
            elif isinstance(block, SignatureBlock):
                parts += [block.label, block.name, block.title, block.to_sign, *block.lines]
            elif isinstance(block, Caption):
                parts += [block.court, block.title, *block.numbers, block.document]
            elif isinstance(block, Notice):
                parts += [block.title, *block.lines]
            elif isinstance(block, PageBreak):
                continue
            else:
                parts.append(block.text)
        return "\n".join(parts)

    @property
    def office(self) -> str:
        return self.letterhead[0] if self.letterhead else self.author

    def header_line(self) -> str:
        return " — ".join(x for x in (self.office, self.title, self.reference) if x)


# --------------------------------------------------------------------------------------------------------- PDF

LINE = 11.0  # points between the lines under a signature
LONG_QUOTE = 700  # characters: a quotation this long may be split across pages


class _SignatureBox(Flowable):  # type: ignore[misc]  # (reportlab has no type information)
    """The signature box, the typed signature, and the lines under it; remembers where the box was drawn."""

    STAMP = 0.62 * inch

    def __init__(self, block: SignatureBlock, width: float) -> None:
        super().__init__()
        self.block = block
        self.width = min(width, 3.6 * inch)
        self.lines = self._lines()
        self.height = self.STAMP + 16 + LINE * len(self.lines) + 4
        self.box: tuple[int, int, int, int] = (0, 0, 0, 0)
        self.page = 1

    def _lines(self) -> list[tuple[str, bool]]:
        b = self.block
        if not b.name:
            return [(b.to_sign, False), *((line, False) for line in b.lines)]
        return [(b.name, True), *((x, False) for x in (b.title, *b.lines) if x)]

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        c: Any = self.canv
        rule = LINE * len(self.lines) + 4
        if self.block.name:  # the typed signature, just above the line, beside the digital one
            fonts.draw_string(c, 0, rule + 4, f"/s/ {self.block.name}", 10)
        c.setLineWidth(0.5)
        c.line(0, rule, self.width, rule)
        y = rule - 11
        for text, bold in self.lines:
            if text:
                fonts.draw_string(c, 0, y, text, 9, bold=bold)
            y -= LINE
        x0, y0 = c.absolutePosition(0, rule + 16)
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
                                  spaceBefore=6, spaceAfter=4, keepWithNext=1),
        "quote": ParagraphStyle("quote", parent=body, leftIndent=22, rightIndent=22, fontSize=10, leading=13.5,
                                spaceAfter=2),
        "source": ParagraphStyle("source", parent=body, leftIndent=22, fontSize=8.5, leading=11),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5, spaceAfter=0),
        "head": ParagraphStyle("head", parent=body, fontName=fonts.SANS_BOLD, fontSize=8.5, leading=10.5,
                               spaceAfter=0),
        "court": ParagraphStyle("court", parent=body, fontName=fonts.SANS_BOLD, fontSize=10.5, leading=13,
                                alignment=1, spaceAfter=4),
        "caption": ParagraphStyle("caption", parent=body, fontSize=10.5, leading=13.5, spaceAfter=0),
        "document": ParagraphStyle("document", parent=body, fontName=fonts.SANS_BOLD, fontSize=11, leading=14,
                                   alignment=1, spaceBefore=6, spaceAfter=8),
        "notice": ParagraphStyle("notice", parent=body, fontName=fonts.SANS_BOLD, fontSize=10, leading=13,
                                 spaceAfter=2),
        "notice_line": ParagraphStyle("notice_line", parent=body, fontSize=9.5, leading=12.5, spaceAfter=1,
                                      leftIndent=10),
    }


def _fit(text: str, width: float, size: float) -> str:
    """`text` cut (with "…") to `width` points at `size`."""
    if fonts.string_width(text, size) <= width:
        return text
    while text and fonts.string_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def _canvas_class(doc: Document) -> type:
    return numbered_canvas(" — ".join(x for x in (doc.office, doc.title) if x), doc.footer, draft=doc.draft,
                           reference=doc.reference)


def numbered_canvas(header: str, footer: str = "", *, draft: bool = False, reference: str = "") -> type:
    """A canvas class (for ``build(canvasmaker=…)``) that draws each page's header — `header`: the office and the
    document's title; under it `reference`, the caption or docket — and footer once the number of pages is known
    ("Page N of M"); DRAFT on every page of a `draft`."""
    first, second = header, reference

    class _Numbered(Canvas):  # type: ignore[misc]  # (reportlab has no type information)
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # (ReportLab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._furniture(total)
                super().showPage()
            super().save()

        def _furniture(self, total: int) -> None:
            width, height = LETTER
            self.saveState()
            self.setLineWidth(0.4)
            self.setStrokeColorRGB(0.55, 0.55, 0.55)
            top = height - 0.45 * inch
            room = width - 2 * inch
            mark = DRAFT_MARK if draft else ""
            mark_width = fonts.string_width(mark, 7.5, bold=True) + 12 if mark else 0
            fonts.draw_string(self, inch, top, _fit(first, room - mark_width, 7.5), 7.5)
            if mark:
                fonts.draw_string(self, width - inch - mark_width + 12, top, mark, 7.5, bold=True)
            if second:
                fonts.draw_string(self, inch, top - 9, _fit(second, room, 7.5), 7.5)
            rule = top - (13 if second else 4)
            self.line(inch, rule, width - inch, rule)
            bottom = 0.5 * inch
            self.line(inch, bottom + 10, width - inch, bottom + 10)
            page = f"Page {self._pageNumber} of {total}"
            fonts.draw_string(self, width - inch - fonts.string_width(page, 7.5), bottom, page, 7.5)
            if footer:
                fonts.draw_string(self, inch, bottom, _fit(footer, room - 1.2 * inch, 7.5), 7.5)
            self.restoreState()

    return _Numbered


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
    pdf = SimpleDocTemplate(out, pagesize=LETTER, leftMargin=inch, rightMargin=inch, topMargin=0.85 * inch,
                            bottomMargin=0.85 * inch, title=doc.title, author=doc.author, creator="CaseReview",
                            subject=doc.reference)
    story: list[Any] = []
    if doc.letterhead:
        story.append(Paragraph(fonts.markup(doc.letterhead[0], bold=True), s["office"]))
        story += [Paragraph(fonts.markup(line), s["small"]) for line in doc.letterhead[1:]]
        story.append(Spacer(1, 8))
    box: _SignatureBox | None = None
    for block in doc.blocks:
        if isinstance(block, Heading):
            story += [CondPageBreak(1.1 * inch), Paragraph(fonts.markup(block.text, bold=True), s["heading"])]
        elif isinstance(block, Para):
            style = s["bold"] if block.bold else s["small"] if block.small else s["body"]
            story.append(Paragraph(fonts.markup(block.text, bold=block.bold), style))
        elif isinstance(block, Quote):
            quoted = [Paragraph(fonts.markup(f"“{block.text}”"), s["quote"]),
                      Paragraph(fonts.markup(f"— {block.source}"), s["source"])]
            # A short quotation stays on one page with its source; a long one (section 2 whole) may run on to the
            # next page rather than leave most of this one empty.
            story += [KeepTogether(quoted)] if len(block.text) < LONG_QUOTE else [CondPageBreak(1.2 * inch), *quoted]
        elif isinstance(block, Grid):
            table = Table([[Paragraph(fonts.markup(h, bold=True), s["head"]) for h in block.header],
                           *([Paragraph(fonts.markup(cell), s["cell"]) for cell in row] for row in block.rows)],
                          colWidths=[pdf.width * w for w in block.widths], repeatRows=1)
            table.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, 0), 0.6, "black"),
                                       ("LINEBELOW", (0, 1), (-1, -1), 0.25, "#999999"),
                                       ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                       ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)]))
            story += [CondPageBreak(0.9 * inch), table, Spacer(1, 9)]
        elif isinstance(block, Caption):
            story += _caption(block, s, pdf.width)
        elif isinstance(block, Notice):
            story.append(_notice(block, s, pdf.width))
        elif isinstance(block, PageBreak):
            story.append(ReportLabPageBreak())
        else:
            box = _SignatureBox(block, pdf.width)
            label = [Paragraph(fonts.markup(block.label), s["body"])] if block.label else []
            story += [KeepTogether([*label, Spacer(1, 4), box]), Spacer(1, 8)]
    pdf.build(story, canvasmaker=_canvas_class(doc))
    return out.getvalue(), (box.page - 1, box.box) if box is not None else None


def _caption(block: Caption, s: dict[str, ParagraphStyle], width: float) -> list[Any]:
    left = [Paragraph(fonts.markup(block.title, bold=True), s["caption"])]
    right = [Paragraph(fonts.markup(n), s["caption"]) for n in block.numbers]
    table = Table([[left, right]], colWidths=[width * 0.55, width * 0.45])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEAFTER", (0, 0), (0, 0), 0.6, "black"),
                               ("LINEBELOW", (0, 0), (0, 0), 0.6, "black"), ("LEFTPADDING", (0, 0), (-1, -1), 4),
                               ("LEFTPADDING", (1, 0), (1, 0), 10), ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
    out: list[Any] = [KeepTogether([Paragraph(fonts.markup(block.court.upper(), bold=True), s["court"]), table])]
    if block.document:
        out.append(Paragraph(fonts.markup(block.document.upper(), bold=True), s["document"]))
    else:
        out.append(Spacer(1, 10))
    return out


def _notice(block: Notice, s: dict[str, ParagraphStyle], width: float) -> Table:
    cells = [Paragraph(fonts.markup(block.title, bold=True), s["notice"]),
             *(Paragraph(fonts.markup(f"• {line}"), s["notice_line"]) for line in block.lines)]
    table = Table([[cells]], colWidths=[width])
    table.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 1.2, "black"), ("LEFTPADDING", (0, 0), (-1, -1), 8),
                               ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 8)]))
    table.spaceAfter = 10
    return table


# -------------------------------------------------------------------------------------------------------- DOCX


def _field(paragraph: Any, code: str) -> None:
    """A Word field (PAGE, NUMPAGES) in `paragraph`, shown as "1" until the word processor updates it."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for kind, text in (("begin", None), (None, code), ("separate", None), (None, "1"), ("end", None)):
        run = paragraph.add_run()
        if kind is not None:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == code:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {code} "
        else:
            run.text = text
            continue
        run._r.append(element)


def render_docx(doc: Document, *, now: datetime | None = None) -> bytes:
    """The document as an editable Word file (.docx): the same words, for a word processor, marked DRAFT (the signed
    PDF stays the final form; this has no signature), with real document properties (author: the office; created:
    now)."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Inches, Pt

    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None, microsecond=0)
    word = docx.Document()
    section = word.sections[0]
    section.page_width, section.page_height = Inches(8.5), Inches(11)
    section.left_margin = section.right_margin = Inches(1)
    props = word.core_properties
    props.title, props.author, props.last_modified_by = f"DRAFT — {doc.title}", doc.office, doc.office
    props.created = props.modified = moment
    props.revision, props.subject, props.comments = 1, doc.reference, DRAFT_MARK
    props.keywords, props.category = "DRAFT", "draft"
    normal = word.styles["Normal"]
    normal.font.name, normal.font.size = "DejaVu Sans", Pt(10.5)
    header = section.header.paragraphs[0]
    header.text = ""
    run = header.add_run(f"DRAFT — not signed — {doc.header_line()}")
    run.font.size, run.bold = Pt(7.5), True
    footer = section.footer.paragraphs[0]
    footer.text = ""
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for part in ((f"{doc.footer} — " if doc.footer else "") + "Page ", "PAGE", " of ", "NUMPAGES"):
        if part in ("PAGE", "NUMPAGES"):
            _field(footer, part)
        else:
            footer.add_run(part)
    for r in footer.runs:
        r.font.size = Pt(7.5)
    mark = word.add_paragraph()
    mark_run = mark.add_run("DRAFT — not signed: the signed PDF is the document to file or send.")
    mark_run.bold, mark_run.font.size = True, Pt(9)
    if doc.letterhead:
        head = word.add_paragraph()
        office_run = head.add_run(doc.letterhead[0])
        office_run.bold, office_run.font.size = True, Pt(14)
        for line in doc.letterhead[1:]:
            word.add_paragraph(line).runs[0].font.size = Pt(8.5)
    for block in doc.blocks:
        _docx_block(word, block)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def _docx_block(word: Any, block: Block) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Inches, Pt

    if isinstance(block, Heading):
        para = word.add_paragraph()
        para.paragraph_format.keep_with_next = True
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
    elif isinstance(block, Caption):
        court = word.add_paragraph()
        court.alignment = WD_ALIGN_PARAGRAPH.CENTER
        court.add_run(block.court.upper()).bold = True
        table = word.add_table(rows=1, cols=2)
        table.style = "Table Grid"
        left, right = table.rows[0].cells
        left.text = ""
        left.paragraphs[0].add_run(block.title).bold = True
        right.text = "\n".join(block.numbers)
        if block.document:
            title = word.add_paragraph()
            title.alignment = WD_ALIGN_PARAGRAPH.CENTER
            title.add_run(block.document.upper()).bold = True
        else:
            word.add_paragraph()
    elif isinstance(block, Notice):
        table = word.add_table(rows=1, cols=1)
        table.style = "Table Grid"
        cell = table.rows[0].cells[0]
        cell.text = ""
        cell.paragraphs[0].add_run(block.title).bold = True
        for line in block.lines:
            cell.add_paragraph(f"• {line}")
        word.add_paragraph()
    elif isinstance(block, PageBreak):
        word.add_page_break()
    else:
        if block.label:
            word.add_paragraph(block.label)
        word.add_paragraph("\n\n______________________________")
        if block.name:
            word.add_paragraph().add_run(block.name).bold = True
            for line in (block.title, *block.lines):
                if line:
                    word.add_paragraph(line)
        else:
            word.add_paragraph(block.to_sign)
            for line in block.lines:
                word.add_paragraph(line)

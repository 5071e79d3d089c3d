"""The transparency report (PDF with vector charts, and the CSV of its aggregates) and the office's internal report.

Neither names anyone nor gives a case number: they are made from `Report` (counts only). The public report has
every table protected by `casereview.reports.disclosure` and a plain-language method note; the internal report
has the exact counts and says INTERNAL on every page.
"""

from __future__ import annotations

import csv
import io
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from casereview.documents import fonts
from casereview.reports import disclosure as dc
from casereview.reports.figures import RATE_WITHHELD, Report, percent, row_rates

PALETTE = (colors.HexColor("#1b6ca8"), colors.HexColor("#e07b00"), colors.HexColor("#5a5a5a"),
           colors.HexColor("#2a9d8f"), colors.HexColor("#9b2226"), colors.HexColor("#6a4c93"))
INTERNAL_MARK = "INTERNAL — exact counts, small cells not suppressed: not for publication"


def method_note(report: Report) -> list[str]:
    """The method note, in plain words (paragraphs)."""
    t = report.threshold
    out = [
        "What is counted. Each count is of charges as the office last screened them against its policy, unless "
        "a table says otherwise: exception requests are counted as requests, letters and motions as documents, "
        "and the time to a decision as cases. The person counted is the one charged. Dates select cases by the "
        "date of the incident (the arrest).",
        "Race/ethnicity and gender identity are the office's own categories. Where staff recorded only free "
        "text, an administrator mapped each distinct wording to a category once; \u201cUnknown / not recorded\u201d "
        "counts people for whom nothing was recorded, and \u201cnot yet mapped\u201d counts wording nobody has "
        "mapped yet. Age is the age on the date of the incident.",
    ]
    if report.internal:
        out.append("This is the office's internal report: every count is exact, including counts under "
                   f"{t}. It must not be published or shared outside the office.")
    else:
        out += [
            f"Small numbers are hidden. Any count from 1 to {t - 1} is replaced by {dc.MARKER}, so that no one can "
            "be identified from a small group. Totals follow the same rule.",
            "Some larger counts are hidden too. If only one number in a row or column were hidden, it could be "
            "worked out by subtracting the others from the total. So other counts are hidden with it, chosen "
            "among the smallest, until no hidden number can be worked out from the totals and the numbers shown, "
            f"and no hidden count can be proved to be under {t}. Every hidden cell shows the same mark, whatever "
            "its size.",
            "A zero is shown as 0: it means no one was counted there. It may be hidden when it is needed to "
            "protect another count.",
            f"Rates and times are given only where the counts behind them are {t} or more: a share of a row "
            f"(such as the share of a group's charges declined) only where both that count and the row's total "
            f"are shown and {t} or more; otherwise it shows {RATE_WITHHELD}.",
            "The tables are protected together, not one at a time. Several tables count the same charges in "
            "different ways (by month, by section, by group, by agency), so that a total in one is a total, or "
            "a sum of counts, in another. Numbers are hidden so that no hidden number can be worked out from all "
            "the tables at once, and a count that another table gives away anyway is shown.",
        ]
    return out


def _styles() -> dict[str, ParagraphStyle]:
    fonts.register()
    base = ParagraphStyle("body", fontName=fonts.SANS, fontSize=9, leading=12)
    return {"body": base, "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5),
            "h1": ParagraphStyle("h1", parent=base, fontName=fonts.SANS_BOLD, fontSize=16, leading=20),
            "h2": ParagraphStyle("h2", parent=base, fontName=fonts.SANS_BOLD, fontSize=11, leading=14,
                                 spaceBefore=10, spaceAfter=4),
            "mark": ParagraphStyle("mark", parent=base, fontName=fonts.SANS_BOLD, textColor=colors.HexColor("#9b2226"))}


def _chart(p: dc.ProtectedTable, width: float) -> Drawing | None:
    """A grouped bar chart of the table's cells (a hidden cell draws no bar); None for an empty table."""
    rows, cols = p.table.rows, p.table.cols
    if not rows:
        return None
    height = 150
    d = Drawing(width, height + 30)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 30, width - 150, height - 20
    data = [tuple(c.shown() for c in (p.cells[i][j] for i in range(len(rows)))) for j in range(len(cols))]
    chart.data = data
    chart.categoryAxis.categoryNames = [r if len(r) <= 14 else r[:13] + "…" for r in rows]
    chart.categoryAxis.labels.fontName = fonts.SANS
    chart.categoryAxis.labels.fontSize = 6
    chart.categoryAxis.labels.angle = 30 if len(rows) > 4 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(rows) > 4 else "n"
    chart.valueAxis.labels.fontName = fonts.SANS
    chart.valueAxis.labels.fontSize = 6
    chart.valueAxis.valueMin = 0
    for j in range(len(cols)):
        chart.bars[j].fillColor = PALETTE[j % len(PALETTE)]
        chart.bars[j].strokeColor = None
    d.add(chart)
    if len(cols) > 1:
        legend = Legend()
        legend.x, legend.y = width - 100, height
        legend.fontName, legend.fontSize = fonts.SANS, 6
        legend.colorNamePairs = [(PALETTE[j % len(PALETTE)], cols[j][:18]) for j in range(min(len(cols), 12))]
        d.add(legend)
    d.add(String(40, 8, f"Hidden cells ({dc.MARKER}) draw no bar.", fontName=fonts.SANS, fontSize=6))
    return d


def _grid(p: dc.ProtectedTable, st: dict[str, ParagraphStyle], internal: bool) -> Table:
    t = p.table
    one_way = t.one_way
    rates = row_rates(p, internal)
    head = [t.row_label, *t.cols] + ([] if one_way else ["Total"]) + [f"{r.column} (share)" for r in rates]
    body = []
    for i, name in enumerate([*t.rows, "Total"]):
        body.append([name, *(c.text() for c in p.cells[i]), *(percent(r.shares[i]) for r in rates)])
    cells = [[Paragraph(escape(str(v)), st["small"]) for v in row] for row in [head, *body]]
    grid = Table(cells, repeatRows=1, hAlign="LEFT")
    grid.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
        ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f6f6f6")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return grid


def _filter_words(report: Report) -> str:
    f = report.filter
    when = (f"incidents from {f.date_from or 'the first'} to {f.date_to or 'the latest'}"
            if f.date_from or f.date_to else "all incidents")
    return f"{when}; {'policy ' + f.policy_id if f.policy_id else 'every policy'}"


def report_pdf(report: Report) -> bytes:
    st = _styles()
    out = io.BytesIO()
    title = "Internal report" if report.internal else "Transparency report"

    def page(canvas: object, doc: object) -> None:
        c = canvas  # a reportlab Canvas
        c.saveState()  # type: ignore[attr-defined]
        c.setFont(fonts.SANS, 7)  # type: ignore[attr-defined]
        footer = f"{report.office_name or 'CaseReview'} — {title} — page {c.getPageNumber()}"  # type: ignore[attr-defined]
        c.drawString(0.75 * inch, 0.5 * inch, footer)  # type: ignore[attr-defined]
        if report.internal:
            c.setFillColor(colors.HexColor("#9b2226"))  # type: ignore[attr-defined]
            c.drawString(0.75 * inch, letter[1] - 0.5 * inch, INTERNAL_MARK)  # type: ignore[attr-defined]
        c.restoreState()  # type: ignore[attr-defined]

    doc = SimpleDocTemplate(out, pagesize=letter, leftMargin=0.75 * inch, rightMargin=0.75 * inch,
                            topMargin=0.75 * inch, bottomMargin=0.75 * inch, title=title,
                            author=report.office_name or "CaseReview")
    width = letter[0] - 1.5 * inch
    story: list[object] = [Paragraph(escape(f"{title}: whom the policy protects"), st["h1"]), Spacer(1, 6)]
    if report.internal:
        story.append(Paragraph(escape(INTERNAL_MARK), st["mark"]))
    story.append(Paragraph(escape(f"{report.office_name or 'The office'} · {_filter_words(report)} · made "
                                  f"{report.made_at.strftime('%Y-%m-%d')}"), st["body"]))
    story.append(Paragraph("How to read this report", st["h2"]))
    story += [Paragraph(escape(text), st["body"]) for text in method_note(report)]
    if not report.internal:
        story.append(Paragraph(escape(dc.marker_note(report.threshold)), st["small"]))
    for p in report.tables:
        parts: list[object] = [Paragraph(escape(p.table.title), st["h2"])]
        if not p.table.rows:
            parts.append(Paragraph("Nothing to count under this selection.", st["body"]))
            story.append(KeepTogether(parts))
            continue
        chart = _chart(p, width)
        if chart is not None:
            parts.append(chart)
        story.append(KeepTogether(parts))
        story.append(_grid(p, st, report.internal))
    story.append(Paragraph("Days from the incident to the first screening, by month of the incident", st["h2"]))
    rows = [["Month", "Cases", "First quartile", "Median", "Third quartile"]]
    for t in report.timing:
        def num(v: float | None) -> str:
            return dc.MARKER if v is None else f"{v:g}"
        rows.append([t.month, dc.MARKER if t.cases is None else f"{t.cases:,}", num(t.q1), num(t.median),
                     num(t.q3)])
    grid = Table([[Paragraph(escape(v), st["small"]) for v in r] for r in rows], repeatRows=1, hAlign="LEFT")
    grid.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                              ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee"))]))
    story.append(grid)
    if not report.internal:
        story.append(Paragraph(escape(f"A month with fewer than {report.threshold} cases shows {dc.MARKER}."),
                               st["small"]))
    doc.build(story, onFirstPage=page, onLaterPages=page)
    return out.getvalue()


CSV_COLUMNS = ("table", "title", "row", "column", "count", "suppressed", "shown_as")


def report_csv(report: Report) -> str:
    """Every aggregate, one line per cell (totals included): a hidden cell has no count, ``suppressed`` yes, and
    is shown as the marker; the time to a decision follows as table ``days_to_decision``. (Shares of rows are in
    the PDF only: every line here is a count.)"""
    text = io.StringIO(newline="")
    w = csv.writer(text)
    w.writerow(CSV_COLUMNS)
    if report.internal:
        w.writerow(["internal", INTERNAL_MARK, "", "", "", "", ""])
    for p in report.tables:
        t = p.table
        row_names = [*t.rows, "Total"]
        col_names = [*t.cols] + ([] if t.one_way else ["Total"])
        for i, rname in enumerate(row_names):
            for j, cname in enumerate(col_names):
                c = p.cells[i][j]
                w.writerow([t.key, t.title, rname, cname, "" if c.suppressed else c.value,
                            "yes" if c.suppressed else "no", c.text().replace(",", "")])
    for m in report.timing:
        for name, v in (("cases", m.cases), ("first_quartile", m.q1), ("median", m.median), ("third_quartile", m.q3)):
            w.writerow(["days_to_decision", "Days from the incident to the first screening", m.month, name,
                        "" if v is None else f"{v:g}", "yes" if v is None else "no",
                        dc.MARKER if v is None else f"{v:g}"])
    return text.getvalue()

"""The one-page recovery sheet printed when a case file is created: the recovery key and what to do with it."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas

from casereview.documents import fonts
from casereview.store.safe_write import write_private

_STEPS = (
    "Keep this sheet somewhere safe and away from the computer, such as a locked cabinet or a safe.",
    "Anyone who has this key and a copy of the case file can read every case in it.",
    "If the case file's passphrase is lost, this key sets a new one: run "
    "python -m casereview recover CASEFILE and type the key when asked.",
    "Changing the passphrase does not change this key. It is shown only once, when the case file is created.",
)


def recovery_sheet_pdf(*, case_file: Path, recovery_key: str, office: str | None = None,
                       created: datetime | None = None) -> bytes:
    fonts.register()
    created = created or datetime.now().astimezone()
    buffer = io.BytesIO()
    pdf = Canvas(buffer, pagesize=LETTER, pageCompression=1)
    pdf.setTitle("CaseReview recovery sheet")
    pdf.setAuthor("CaseReview")
    width, height = LETTER
    left, y = inch, height - inch
    pdf.setFont(fonts.SANS_BOLD, 20)
    pdf.drawString(left, y, "CaseReview recovery sheet")
    y -= 0.45 * inch
    pdf.setFont(fonts.SANS, 11)
    for label, value in (("Office", office or "\u2014"), ("Case file", case_file.name),
                         ("Folder when created", str(case_file.parent)),
                         ("Created", created.strftime("%Y-%m-%d %H:%M %Z").strip())):
        pdf.setFont(fonts.SANS_BOLD, 11)
        pdf.drawString(left, y, f"{label}:")
        pdf.setFont(fonts.SANS, 11)
        for line in _split_to_width(value, 11, width - 2 * inch - 1.9 * inch):
            fonts.draw_string(pdf, left + 1.9 * inch, y, line, 11)  # a folder or office name in any script
            y -= 0.2 * inch
        y -= 0.08 * inch
    y -= 0.3 * inch
    pdf.setFont(fonts.SANS_BOLD, 13)
    pdf.drawString(left, y, "Recovery key")
    y -= 0.2 * inch
    box_height = 1.1 * inch
    pdf.setLineWidth(1.5)
    pdf.rect(left, y - box_height, width - 2 * inch, box_height)
    groups = recovery_key.split("-")
    half = (len(groups) + 1) // 2
    pdf.setFont(fonts.MONO, 20)
    for row, part in enumerate((groups[:half], groups[half:])):
        pdf.drawCentredString(width / 2, y - 0.45 * inch - row * 0.38 * inch, "  ".join(part))
    y -= box_height + 0.45 * inch
    pdf.setFont(fonts.SANS_BOLD, 12)
    pdf.drawString(left, y, "What to do with this sheet")
    y -= 0.3 * inch
    text = pdf.beginText(left, y)
    text.setFont(fonts.SANS, 11)
    text.setLeading(15)
    for number, step in enumerate(_STEPS, 1):
        for i, line in enumerate(_wrap(step, 84)):
            text.textLine(f"{number}.  {line}" if i == 0 else f"     {line}")
        text.textLine("")
    pdf.drawText(text)
    pdf.setFont(fonts.SANS, 8)
    pdf.drawString(left, 0.6 * inch, "No recovery key holds the digits 0, 1, 8 or 9 (read 0 as O, 1 as I, 8 as B). "
                                     "Spaces, dashes and capitals do not matter.")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _split_to_width(text: str, size: float, width: float) -> list[str]:
    """A long value (a deep folder path) broken into lines that fit, at any character."""
    lines, current = [], ""
    for ch in text:
        if current and fonts.string_width(current + ch, size) > width:
            lines.append(current)
            current = ""
        current += ch
    return [*lines, current]


def _wrap(text: str, width: int) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return [*lines, current] if current else lines


def write_recovery_sheet(out: Path, **kwargs: object) -> None:
    """Write the sheet owner-only (it holds a secret)."""
    write_private(out, recovery_sheet_pdf(**kwargs))  # type: ignore[arg-type]

"""The one-page recovery sheet printed when a case file is created: the office, the case file, the recovery key and
what to do with them — among which that the key opens the case file only together with its key file (NAME.keys),
kept beside the case file and inside every backup."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas

from casereview.documents import fonts
from casereview.store.safe_write import write_private


def steps(case_file: Path) -> tuple[str, ...]:
    """What to do with the sheet, in order (the first-run wizard prints the same)."""
    keys = f"{case_file.name}.keys"
    return (
        "Keep this sheet somewhere safe and away from the computer, such as a locked cabinet or a safe.",
        f"This key opens the case file {case_file.name} together with its key file, {keys}. The key file must be "
        "kept beside the case file, in the same folder; it is inside every backup. Without the key file neither "
        "this key nor the passphrase opens the case file: always copy, move and back up the two together.",
        "Anyone who has this key, the case file and its key file can read every case in it.",
        "If the case file's passphrase is lost, this key sets a new one: run "
        f"python -m casereview recover {case_file.name} and type the key when asked.",
        "Changing the passphrase does not change this key. It is shown only once, when the case file is created.",
    )


def office_words(office: str | None, case_file: Path) -> str:
    """The office the sheet is for: its name, or (not named yet) the case file's name."""
    name = " ".join((office or "").split())
    return name or f"Not named yet: the office of the case file {case_file.name}"


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
    for label, value in (("Office", office_words(office, case_file)), ("Case file", case_file.name),
                         ("Key file", f"{case_file.name}.keys, beside the case file"),
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
    indent = 0.3 * inch
    for number, step in enumerate(steps(case_file), 1):
        fonts.draw_string(pdf, left, y, f"{number}.", 11)
        for line in _wrap_to_width(step, 11, width - 2 * inch - indent):  # a file name in any script
            fonts.draw_string(pdf, left + indent, y, line, 11)
            y -= 15
        y -= 7
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


def _wrap_to_width(text: str, size: float, width: float) -> list[str]:
    """`text` in lines that fit `width` points, broken between words (a word too long for a line, at any
    character)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if fonts.string_width(candidate, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        pieces = _split_to_width(word, size, width)
        lines.extend(pieces[:-1])
        current = pieces[-1]
    return [*lines, current] if current else lines


def write_recovery_sheet(out: Path, **kwargs: object) -> None:
    """Write the sheet owner-only (it holds a secret)."""
    write_private(out, recovery_sheet_pdf(**kwargs))  # type: ignore[arg-type]

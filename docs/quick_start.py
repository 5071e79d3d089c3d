"""Writes docs/quick-start.pdf: CaseReview's printable quick start, two pages (install; first run; the first case;
where the files and backups are). In the shipped fonts (casereview/documents/fonts.py), with ReportLab.

    .venv/bin/python docs/quick_start.py [OUT.pdf]
"""

from __future__ import annotations

import sys
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from casereview import __version__
from casereview.documents.fonts import MONO, SANS, SANS_BOLD, register

SELF_TEST_REPORT = r"%TEMP%\casereview-self-test.txt"
OUT = Path(__file__).resolve().parent / "quick-start.pdf"

BODY = ParagraphStyle("body", fontName=SANS, fontSize=10, leading=13.5, spaceAfter=5)
TITLE = ParagraphStyle("title", fontName=SANS_BOLD, fontSize=20, leading=24, spaceAfter=4,
                       textColor=colors.HexColor("#1f4e8c"))
HEAD = ParagraphStyle("head", fontName=SANS_BOLD, fontSize=13, leading=16, spaceBefore=9, spaceAfter=4,
                      textColor=colors.HexColor("#1f4e8c"))
STEP = ParagraphStyle("step", parent=BODY, leftIndent=16, bulletIndent=2)
NOTE = ParagraphStyle("note", parent=BODY, fontSize=9, leading=12, textColor=colors.HexColor("#444444"))


def _code(text: str) -> str:
    return f'<font face="{MONO}" size="9">{text}</font>'


def _steps(items: list[str]) -> list[Paragraph]:
    return [Paragraph(text, STEP, bulletText=f"{n}.") for n, text in enumerate(items, 1)]


def _table(rows: list[tuple[str, str, str]]) -> Table:
    cell = ParagraphStyle("cell", parent=BODY, fontSize=9, leading=11.5, spaceAfter=0)
    bold = ParagraphStyle("cellb", parent=cell, fontName=SANS_BOLD)
    data = [[Paragraph(a, bold), Paragraph(b, cell), Paragraph(c, cell)] for a, b, c in rows]
    table = Table(data, colWidths=[1.45 * inch, 2.55 * inch, 2.9 * inch])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#aab8cc")),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7"))]))
    return table


def story() -> list[object]:
    page1: list[object] = [
        Paragraph("CaseReview — quick start", TITLE),
        Paragraph(f"Version {__version__}. Two pages to keep beside the computer: installing, the first run, the "
                  "first case, and where your files and backups are. The full guide is the user guide "
                  "(docs/user-guide.md).", NOTE),
        Paragraph("1. Install", HEAD),
        Paragraph("<b>Windows 10 or 11.</b> No administrator is needed: CaseReview installs for the person who runs "
                  "the installer.", BODY),
        *_steps([
            f"Double-click {_code(f'CaseReview-{__version__}-setup.exe')}, read the licences, click <b>Next</b> "
            "and <b>Install</b>. It goes to " + _code(r"%LOCALAPPDATA%\Programs\CaseReview") + ".",
            "Start it from the <b>Start menu</b>: <b>CaseReview</b>.",
            "Installing for every clerk of the office at once (by whoever looks after the computers): "
            f"{_code(f'CaseReview-{__version__}-setup.exe /S')} installs silently for the user who runs it.",
        ]),
        Paragraph("<b>Debian or Ubuntu.</b>", BODY),
        *_steps([
            f"{_code(f'sudo apt install ./casereview_{__version__}_amd64.deb')} puts CaseReview in "
            f"{_code('/opt/casereview')}, with an entry in the applications menu.",
            f"Start it from the menu (<b>Office → CaseReview</b>) or with {_code('casereview-desktop')}.",
        ]),
        Paragraph(f"<b>Checking an installation.</b> {_code('casereview-desktop --self-test')} (Windows: "
                  f"{_code('casereview.exe --self-test')}, report in {_code(SELF_TEST_REPORT)}) "
                  "makes a temporary encrypted case file, screens cases, signs and verifies a letter and opens "
                  "the window, then says <b>ok</b> or <b>FAILED</b> for each step. It touches none of your files.",
                  BODY),
        Paragraph("2. First run", HEAD),
        Paragraph("With no case file yet, an assistant sets one up. Have ready: the office's details (name, "
                  "address, head of office), and a passphrase for the case file that the office keeps safe.", BODY),
        *_steps([
            "Choose where the case file goes (the suggested place is fine) and give its <b>passphrase</b> twice. "
            "Every case is encrypted with it.",
            "Save or print the <b>recovery sheet</b> and lock it away: it is the only way back in if the "
            "passphrase is lost. Nobody, not even the maintainers, can open the file without one of the two.",
            "Fill in the office, the policy the office adopted, and how letters to the court are made.",
            "Create the first <b>administrator</b> (you). Then, under <b>Administration → Users</b>, add the "
            "supervisors, prosecutors and paralegals, each with their own password.",
        ]),
        Paragraph("To look around first, choose <b>Open the demo</b>: invented cases only; its passphrase is "
                  "<b>demo passphrase</b> and every demo user's password is <b>demo password</b>.", NOTE),
    ]
    page2: list[object] = [
        Paragraph("3. The first case", HEAD),
        *_steps([
            "Log in: the case file's passphrase, then your user name and password.",
            "<b>File → New case</b> (Ctrl+N). Enter the case number and incident date, the people (seller, buyer, "
            "a possible victim) and each charge with its offense and status.",
            "Watch the <b>screening</b> on the right: for every charge it says <b>decline</b>, <b>protect</b>, "
            "<b>charge</b>, <b>discretion</b> or <b>review</b>, quoting the policy section that decides. "
            "<b>Review</b> names the fact that is missing: add it and the decision follows as you type.",
            "<b>File → Save</b> (Ctrl+S). The screening is saved with the exact policy text it used.",
            "Next steps, by role: <b>Requests</b> (a section 8 exception, signed by the prosecutor and decided by a "
            "supervisor) and <b>Letters</b> (section 6 letters on record relief, drafted by a paralegal and "
            "signed by the head of office or a designee).",
        ]),
        Paragraph("The window locks itself after the office's idle limit (15 minutes unless set otherwise); "
                  "<b>File → Lock</b> (Ctrl+L) locks at once.", NOTE),
        Paragraph("4. Where the files and backups are", HEAD),
        _table([
            ("What", "Windows", "Debian or Ubuntu"),
            ("The case file", _code(r"%LOCALAPPDATA%\CaseReview\casereview.db") + " (and its .keys file)",
             _code("~/.local/share/CaseReview/casereview.db") + " (and its .keys file)"),
            ("Automatic backups", "beside it, in " + _code("casereview-backups") + ": one a day and one each "
             "time the window closes; the newest 10 are kept",
             "the same, in " + _code("casereview-backups")),
            ("A second copy", "Administration → Office: a backup folder (another disk, a USB drive) gets a copy "
             "of every backup", "the same"),
            ("Backups on request", "File → Back up now…", "File → Back up now…"),
            ("The program", _code(r"%LOCALAPPDATA%\Programs\CaseReview"), _code("/opt/casereview")),
        ]),
        Spacer(1, 6),
        Paragraph("Backups are encrypted like the case file: keep the passphrase or the recovery sheet with them. "
                  "Restoring one is in the user guide (Backups): a backup is checked before it replaces the case "
                  "file.", BODY),
        Paragraph("<b>Updating and removing.</b> Installing a newer version keeps every case file: an older file "
                  "is copied aside (its name ends in <b>.before-…</b>) and upgraded the first time the new "
                  "version opens it. Uninstalling (Windows: <b>Settings → Apps → CaseReview</b>; Linux: "
                  f"{_code('sudo apt remove casereview')}) removes the program only, never the case files or "
                  "backups.", BODY),
        Paragraph("<b>If something goes wrong.</b> CaseReview shows a report without any case data in it: copy it "
                  "into a message to your support contact. Help → About shows the version and the licences of the "
                  "software CaseReview includes (Qt and PySide6 under the LGPL 3.0).", BODY),
    ]
    return [*page1, PageBreak(), *page2]


def write(out: Path = OUT) -> Path:
    register()
    doc = SimpleDocTemplate(str(out), pagesize=LETTER, leftMargin=0.8 * inch, rightMargin=0.8 * inch,
                            topMargin=0.7 * inch, bottomMargin=0.7 * inch, title="CaseReview quick start",
                            author="CaseReview", subject=f"CaseReview {__version__}")
    doc.build(story())
    return out


if __name__ == "__main__":
    print(write(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT))

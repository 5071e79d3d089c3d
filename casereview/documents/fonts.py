"""The fonts shipped in resources/fonts, registered once, and text set in them.

DejaVu Sans prints Latin (Vietnamese included), Greek and Cyrillic; Droid Sans Fallback (`FALLBACK`) prints the
Chinese, Japanese and Korean characters DejaVu lacks. Both are TrueType (glyf outlines): ReportLab cannot embed
CFF-based OpenType fonts. Text from users goes through `markup` (a Paragraph) or `draw_string` (the canvas), which
switch to the fallback for the runs that need it. A character no shipped font has, or one they cannot print
correctly (right-to-left scripts, which ReportLab would set in the wrong order), is reported by `check` before a
document is made: a blank box on a signed document is not acceptable.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib import resources
from typing import Any
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

SANS, SANS_BOLD, MONO = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSansMono"
FALLBACK = "DroidSansFallback"  # CJK; it has no bold, so bold text uses it as it is

_FILES = {SANS: "DejaVuSans.ttf", SANS_BOLD: "DejaVuSans-Bold.ttf", MONO: "DejaVuSansMono.ttf",
          FALLBACK: "DroidSansFallback.ttf"}
_NEWLINES = {"\r": "\n", "\x0b": "\n", "\x0c": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n", "\t": " "}
_REPLACEMENT = "\ufffd"  # a visible mark (DejaVu has it) for a character no font has, where refusing is impossible


class MissingGlyphs(ValueError):
    """Text holds characters no shipped font can print; the message names them and where they are."""


def register() -> None:
    for name, file in _FILES.items():
        if name not in pdfmetrics.getRegisteredFontNames():
            with resources.as_file(resources.files("resources").joinpath("fonts", file)) as path:
                pdfmetrics.registerFont(TTFont(name, str(path)))


@cache
def _chars(name: str) -> frozenset[int]:
    register()
    face = pdfmetrics.getFont(name).face
    return frozenset(code for code, glyph in face.charToGlyph.items() if glyph and code >= 0x20)


def _clean(text: str) -> str:
    """NFC (so a decomposed "ễ" uses the font's own glyph), line breaks as "\\n", tabs as spaces, control and
    invisible format characters (zero-width joiners, direction marks, soft hyphens) left out."""
    if text.isascii() and text.isprintable():  # the common case, at once
        return text
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n"))
    kept = []
    for ch in text:
        ch = _NEWLINES.get(ch, ch)
        if ch != "\n" and unicodedata.category(ch) in ("Cc", "Cf"):
            continue
        kept.append(ch)
    return "".join(kept)


def _unprintable(ch: str) -> bool:
    """A character the shipped fonts cannot print correctly: none has it, or it belongs to a right-to-left script
    (ReportLab here has no bidirectional layout, so it would come out in the wrong order)."""
    if ch == "\n" or ch.isspace():
        return False
    if unicodedata.bidirectional(ch) in ("R", "AL"):
        return True
    code = ord(ch)
    return code not in _chars(SANS) and code not in _chars(FALLBACK)


def missing_glyphs(texts: dict[str, str]) -> dict[str, str]:
    """For each text that has characters no shipped font can print: those characters (sorted, once each)."""
    found = {}
    for where, text in texts.items():
        lacking = "".join(sorted({ch for ch in _clean(text) if _unprintable(ch)}))
        if lacking:
            found[where] = lacking
    return found


def check(texts: dict[str, str], *, document: str = "request") -> None:
    """Refuse (MissingGlyphs, naming the first place) text that holds characters no shipped font can print;
    `document` names what was not made."""
    lacking = missing_glyphs(texts)
    if lacking:
        where, chars = next(iter(lacking.items()))
        raise MissingGlyphs(f"The {where} holds characters the shipped fonts cannot print ({chars!r}), so the "
                            f"{document} was not made: a blank box on a signed document is not acceptable. Write "
                            "those characters in Latin letters (keeping the original in the case notes), or ask for a "
                            "font that has them.")


def _runs(text: str, bold: bool) -> list[tuple[str, str]]:
    """`text` (cleaned) as (font, run) pairs: DejaVu where it has the character (regular in bold text when only the
    regular has it), else the fallback; a character none has becomes U+FFFD, and a space none has a plain space."""
    main = SANS_BOLD if bold else SANS
    cleaned = _clean(text)
    if cleaned.isascii():  # DejaVu (regular and bold) has every printable ASCII character
        return [(main, cleaned)] if cleaned else []
    runs: list[tuple[str, str]] = []
    for ch in cleaned:
        code = ord(ch)
        if ch == "\n" or code in _chars(main):
            font = main
        elif code in _chars(SANS):
            font = SANS
        elif code in _chars(FALLBACK):
            font = FALLBACK
        else:
            font, ch = main, " " if ch.isspace() else _REPLACEMENT
        if runs and runs[-1][0] == font:
            runs[-1] = (font, runs[-1][1] + ch)
        else:
            runs.append((font, ch))
    return runs


def markup(text: str, *, bold: bool = False) -> str:
    """`text` for a ReportLab Paragraph set in DejaVu Sans (DejaVu Sans Bold when `bold`): XML-escaped, line breaks
    as <br/>, and the runs DejaVu lacks wrapped in <font name="DroidSansFallback">."""
    main = SANS_BOLD if bold else SANS
    parts = []
    for font, run in _runs(text, bold):
        shown = escape(run).replace("\n", "<br/>")
        parts.append(shown if font == main else f'<font name="{font}">{shown}</font>')
    return "".join(parts)


def draw_string(canvas: Any, x: float, y: float, text: str, size: float, *, bold: bool = False) -> None:
    """Draw one line of text on a ReportLab canvas at (x, y) in DejaVu Sans (Bold when `bold`) of `size`, switching
    to the fallback for each run that needs it. Line breaks become spaces; the canvas's own font is left as it was."""
    register()
    line = canvas.beginText(x, y)
    for font, run in _runs(text, bold):
        line.setFont(font, size)
        line.textOut(run.replace("\n", " "))
    canvas.drawText(line)


def string_width(text: str, size: float, *, bold: bool = False) -> float:
    """The width `draw_string` gives `text`."""
    register()
    return float(sum(pdfmetrics.stringWidth(run.replace("\n", " "), font, size) for font, run in _runs(text, bold)))

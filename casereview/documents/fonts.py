"""The fonts shipped in resources/fonts (DejaVu: Latin, Greek, Cyrillic, Vietnamese), registered once."""

from __future__ import annotations

from importlib import resources

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

SANS, SANS_BOLD, MONO = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSansMono"


def register() -> None:
    for name in (SANS, SANS_BOLD, MONO):
        if name not in pdfmetrics.getRegisteredFontNames():
            with resources.as_file(resources.files("resources").joinpath("fonts", f"{name}.ttf")) as path:
                pdfmetrics.registerFont(TTFont(name, str(path)))

"""Draws CaseReview's icon (a blue tile, a white page, a green check) into resources/icons/: casereview.svg (the
Linux desktop entry), casereview.png (256 px: the window and the .deb) and casereview.ico (Windows). Run once after
changing it: .venv/bin/python installer/make_icons.py"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "resources" / "icons"
BLUE, GREEN, LINE = (31, 78, 140), (46, 160, 67), (170, 184, 204)

SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">
  <rect x="8" y="8" width="240" height="240" rx="44" fill="#1f4e8c"/>
  <path d="M72 40 H160 L196 76 V216 H72 Z" fill="#ffffff"/>
  <path d="M160 40 V76 H196" fill="#d7dfeb"/>
  <g stroke="#aab8cc" stroke-width="8" stroke-linecap="round">
    <line x1="92" y1="96" x2="168" y2="96"/><line x1="92" y1="120" x2="176" y2="120"/>
    <line x1="92" y1="144" x2="140" y2="144"/>
  </g>
  <path d="M104 178 L128 200 L176 148" fill="none" stroke="#2ea043" stroke-width="16" stroke-linecap="round"
        stroke-linejoin="round"/>
</svg>
"""


def draw(size: int = 256) -> Image.Image:
    scale = 4  # drawn large, then scaled down: smooth edges
    s = size * scale / 256
    image = Image.new("RGBA", (size * scale, size * scale), (0, 0, 0, 0))
    d = ImageDraw.Draw(image)
    d.rounded_rectangle([8 * s, 8 * s, 248 * s, 248 * s], radius=44 * s, fill=BLUE)
    d.polygon([(72 * s, 40 * s), (160 * s, 40 * s), (196 * s, 76 * s), (196 * s, 216 * s), (72 * s, 216 * s)],
              fill="white")
    d.polygon([(160 * s, 40 * s), (160 * s, 76 * s), (196 * s, 76 * s)], fill=(215, 223, 235))
    for y, x2 in ((96, 168), (120, 176), (144, 140)):
        d.line([(92 * s, y * s), (x2 * s, y * s)], fill=LINE, width=int(8 * s))
    d.line([(104 * s, 178 * s), (128 * s, 200 * s), (176 * s, 148 * s)], fill=GREEN, width=int(16 * s),
           joint="curve")
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "casereview.svg").write_text(SVG, encoding="utf-8")
    big = draw(256)
    big.save(OUT / "casereview.png")
    big.save(OUT / "casereview.ico", sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128),
                                            (256, 256)])


if __name__ == "__main__":
    main()

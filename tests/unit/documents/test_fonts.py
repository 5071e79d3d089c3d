"""Names and text in Latin (Vietnamese included), Greek, Cyrillic, Chinese, Japanese and Korean print in the
shipped fonts and read back from the PDF; a character no shipped font can print is refused before anything is made,
naming where it is, never printed as a blank box."""

from __future__ import annotations

import io
import subprocess
import unicodedata
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from casereview.documents import fonts
from casereview.documents.exception_request import ChargeLine, MissingGlyphs, Quoted, RequestText, render_request
from casereview.documents.recovery_sheet import recovery_sheet_pdf
from casereview.policy.profile import load_builtin

NAMES = ("王秀英", "田中 花子", "김민준", "Thị Lan Nguyễn", "Αλέξανδρος Παπαδόπουλος", "Иван Петрович Сидоров")
QUOTE = load_builtin().quote("8")
SOURCE = "“Sex Work: Model Policy” (March 2025)"


def _charges(*people: str, statute: str = "ORS 167.007") -> tuple[ChargeLine, ...]:
    """A charge of solicitation for each person, numbered from 1, deviating from section 1's decline."""
    return tuple(ChargeLine(str(n), person, "solicitation", statute, "pending", "Lane County Circuit Court",
                            "not yet filed", "decline — section 1, presumptively",
                            (Quoted(load_builtin().quote("1"), f"{SOURCE}, section 1"),))
                 for n, person in enumerate(people, 1))


def _request(**changes: Any) -> RequestText:
    text = RequestText(
        office_name="Lane County District Attorney", office_lines=("125 E 8th Ave, Eugene", "(541) 555-0100"),
        case_number="26-CR-0103", reference="Office case 26-CR-0103; Lane County, Circuit Court, incident 2026-03-09",
        charges=_charges(*NAMES), section_8=Quoted(QUOTE, f"{SOURCE}, section 8"),
        ground="a direct impact on preventing trafficking",
        public_safety="She is the only witness able to identify the trafficker; public safety requires it.",
        justification="The charge is the only way to keep the witness within reach of protective services.",
        evidence="Detective Ruiz's report of 2026-03-10; phone records.",
        affirmation="I affirm that this request does not use charges, or the threat of charges, to obtain anyone's "
                    "cooperation.",
        section_2=Quoted(load_builtin().quote("2"), f"{SOURCE}, section 2"), requester="prosecutor",
        requester_lines=("Deputy District Attorney", "OSB 123456"), requested_on="March 12, 2026")
    return replace(text, **changes)


def _text_of(pdf: bytes, tmp_path: Path, name: str = "out.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _squeezed(text: str) -> str:
    """NFC, without whitespace and invisible characters: what a reader gets back whatever the line breaks."""
    return "".join(ch for ch in unicodedata.normalize("NFC", text)
                   if not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf"))


def test_the_fallback_font_is_truetype_and_subsets() -> None:
    fonts.register()
    face = pdfmetrics.getFont(fonts.FALLBACK)
    assert isinstance(face, TTFont)
    out = io.BytesIO()
    canvas = Canvas(out)
    canvas.setFont(fonts.FALLBACK, 12)
    canvas.drawString(72, 720, "王秀英 김민준 たなか")
    canvas.save()
    assert len(out.getvalue()) < 60_000  # a subset of the 3.4 MB font, not all of it
    licence = Path(fonts.__file__).resolve().parents[2] / "resources" / "fonts" / "DroidSansFallback-LICENSE.txt"
    assert "Apache License" in licence.read_text(encoding="utf-8")


def test_names_in_every_script_render_and_read_back(tmp_path: Path) -> None:
    pdf = render_request(_request(requester="김민준", office_name="東京地方検察庁 (Tokyo)",
                                  justification="保護が必要です。\n证人需要保护。 증인은 보호가 필요합니다."))
    text = _squeezed(_text_of(pdf, tmp_path))
    for expected in (*NAMES, "東京地方検察庁", "保護が必要です。", "证人需要保护。", "증인은보호가필요합니다.",
                     _squeezed(QUOTE)):
        assert _squeezed(expected) in text, expected
    fonts_used = subprocess.run(["pdffonts", str(tmp_path / "out.pdf")], capture_output=True, text=True,
                                check=True).stdout
    assert "DroidSansFallback" in fonts_used and "DejaVuSans" in fonts_used


def test_a_decomposed_name_prints_with_the_fonts_own_letters(tmp_path: Path) -> None:
    decomposed = unicodedata.normalize("NFD", "Thị Lan Nguyễn")
    assert fonts.missing_glyphs({"name": decomposed}) == {}
    pdf = render_request(_request(charges=_charges(decomposed)))
    assert "Thị Lan Nguyễn" in _text_of(pdf, tmp_path)


@pytest.mark.parametrize(("change", "where", "chars"), [
    ({"charges": _charges("王秀英", "Linear \U00010000")}, "person of charge 2", "\U00010000"),
    ({"justification": "The witness said 🙂 twice."}, "justification", "🙂"),
    ({"evidence": "Statement of שרה כהן"}, "evidence", "שרהכן"),  # right to left: it would print reversed
    ({"charges": _charges("王秀英", statute="ORS 167.007 \U0001f680")}, "statute of charge 1", "\U0001f680"),
    ({"office_lines": ("Main St", "☎\U0001f4de 555-0100")}, "office address line 2", "\U0001f4de"),
])
def test_a_character_no_font_can_print_is_refused_naming_where(change: dict[str, object], where: str,
                                                               chars: str) -> None:
    with pytest.raises(MissingGlyphs) as refused:
        render_request(_request(**change))
    message = str(refused.value)
    assert message.startswith(f"The {where} holds characters the shipped fonts cannot print")
    assert all(ch in message for ch in chars) and "request was not made" in message


def test_markup_escapes_and_wraps_the_runs_dejavu_lacks() -> None:
    assert fonts.markup("a<b & 王秀英\nIvan") == \
        f'a&lt;b &amp; <font name="{fonts.FALLBACK}">王秀英</font><br/>Ivan'
    assert fonts.markup("x\u200dy\tz\r\nw") == "xy z<br/>w"  # invisible characters out, tabs as spaces
    assert fonts.markup("\U00010000") == "\ufffd"  # never reached after check(), but never a blank box
    with pytest.raises(MissingGlyphs, match=r"The letter body holds .* so the letter was not made"):
        fonts.check({"subject": "fine", "letter body": "🚀"}, document="letter")
    fonts.check({"subject": "Ελένη", "body": "田中さん"})


def test_canvas_text_switches_font_per_run(tmp_path: Path) -> None:
    out = io.BytesIO()
    canvas = Canvas(out)
    canvas.setFont(fonts.SANS, 10)
    fonts.draw_string(canvas, 72, 720, "Requested by 王秀英 and Иван", 10)
    fonts.draw_string(canvas, 72, 700, "Bold 김민준 ẞ", 10, bold=True)
    assert fonts.string_width("王秀英", 10) == pytest.approx(30, abs=1)
    canvas.save()
    text = _text_of(out.getvalue(), tmp_path)
    assert "Requested by 王秀英 and Иван" in text and "Bold 김민준 ẞ" in text


def test_the_recovery_sheet_prints_a_folder_in_any_script(tmp_path: Path) -> None:
    pdf = recovery_sheet_pdf(case_file=Path("/home/李/事務所の案件/案件.db"), recovery_key="ABCD-EFGH-JKLM-NPQR",
                             office="서울중앙지방검찰청")
    text = _squeezed(_text_of(pdf, tmp_path))
    assert "/home/李/事務所の案件" in text and "案件.db" in text and "서울중앙지방검찰청" in text


_SCRIPTS = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0x17F),  # Latin, Latin-1, Latin Extended-A
    st.sampled_from("ăâđêôơưẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹ"),
    st.characters(min_codepoint=0x391, max_codepoint=0x3C9),  # Greek
    st.characters(min_codepoint=0x410, max_codepoint=0x44F),  # Cyrillic
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5),  # CJK unified ideographs
    st.characters(min_codepoint=0x3041, max_codepoint=0x30FA),  # kana (a few of the rarest no font has)
    st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3),  # Hangul syllables
    st.sampled_from(" \n\t&<>\"'\u3000、。\u200d\x07"),  # spaces, markup, invisible characters
)
_UNPRINTABLE = st.sampled_from(["\U00010000", "🚀", "א", "\U0001f642"])  # no font has them, or right to left


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.text(_SCRIPTS, max_size=160), name=st.text(_SCRIPTS, min_size=1, max_size=10),
       bad=st.none() | _UNPRINTABLE, in_name=st.booleans())
def test_any_text_is_either_refused_or_printed_exactly(tmp_path: Path, body: str, name: str, bad: str | None,
                                                       in_name: bool) -> None:
    if bad is not None:
        body, name = (body, name + bad) if in_name else (bad + body, name)
    name = name.replace("\n", " ")
    request = _request(justification=body, charges=_charges(name), requester=name[:6])
    try:
        pdf = render_request(request)
    except MissingGlyphs as refused:
        event("refused")
        lacking = fonts.missing_glyphs({"justification": body, "requester": name[:6], "person of charge 1": name})
        assert lacking and str(refused).startswith(f"The {next(iter(lacking))} holds")
        assert bad is None or bad in "".join(lacking.values())
        return
    event("printed")
    assert bad is None and not fonts.missing_glyphs({"justification": body, "person of charge 1": name})
    text = _squeezed(_text_of(pdf, tmp_path, "generated.pdf"))
    assert _squeezed(body) in text and _squeezed(name) in text and "\ufffd" not in text

"""Search folding: word by word (with a cache) it gives exactly what transliterating the whole text gives."""

from __future__ import annotations

import re

from anyascii import anyascii
from hypothesis import given, settings
from hypothesis import strategies as st

from casereview.store.search import fold


def _whole(text: str) -> str:
    return re.sub(r"\s+", " ", anyascii(text).lower()).strip()


def test_names_fold_to_what_a_user_types() -> None:
    assert fold("Thị Lan Nguyễn") == "thi lan nguyen"
    assert fold("Łukasz  Wójcik\u00a0Sørensen") == "lukasz wojcik sorensen"
    assert fold("O'Brien, DANA-Marie") == "o'brien, dana-marie"


@settings(max_examples=500)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_word_by_word_is_the_same_as_the_whole_text(text: str) -> None:
    assert fold(text) == _whole(text)

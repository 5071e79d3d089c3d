"""Accent- and case-insensitive search text.

Text is folded in Python before it is indexed and before it is searched: `anyascii` transliterates letters that
are not a base letter plus an accent (Ł, Ø, ß, Æ) as well as those that are, so "lukasz" finds "Łukasz" and
"nguyen" finds "Nguyễn" on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import re
from functools import lru_cache

from anyascii import anyascii

_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1 << 16)
def _ascii(word: str) -> str:
    return anyascii(word)


def fold(text: str) -> str:
    """`text` transliterated to ASCII, in lower case, its runs of spaces one space. (anyascii maps each character on
    its own, so a text is transliterated word by word, and a word once: an import folds the same names over and
    over.)"""
    if not text.isascii():
        text = " ".join(word if word.isascii() else _ascii(word) for word in text.split(" "))
    return _SPACES.sub(" ", text.lower()).strip()


def fts_query(folded: str) -> str:
    """An FTS5 query matching every word of the folded text (each quoted, so no word is read as an operator)."""
    return " AND ".join('"' + word.replace('"', '""') + '"' for word in folded.split())


def case_search_text(*, case_number: str, places: list[str | None], names: list[str | None],
                     charges: list[tuple[str, str | None, str | None]]) -> str:
    """The folded text a case is found by: number, county/court/agency, names, offense, statute, docket."""
    parts = [case_number, *(p or "" for p in places), *(n or "" for n in names)]
    parts += [f"{offense.replace('_', ' ')} {statute or ''} {docket or ''}" for offense, statute, docket in charges]
    return fold(" ".join(parts))


class SearchTexts:
    """`case_search_text` for many cases (an import's), the same text, each place, name, offense and statute folded
    once. Folding works word by word, so the text of parts joined by spaces folds to their folded texts joined by
    a space, the empty ones left out: the parts are folded, not the whole."""

    def __init__(self) -> None:
        self.known: dict[str, str] = {}

    def fold(self, text: str) -> str:
        found = self.known.get(text)
        if found is None:
            found = fold(text)
            if len(self.known) < 1 << 16:
                self.known[text] = found
        return found

    def of(self, *, case_number: str, places: list[str | None], names: list[str | None],
           charges: list[tuple[str, str | None, str | None]]) -> str:
        folded = self.fold
        parts = [fold(case_number), *(folded(p) for p in places if p), *(folded(n) for n in names if n)]
        for offense, statute, docket in charges:
            parts.append(folded(offense.replace("_", " ")))
            if statute:
                parts.append(folded(statute))
            if docket:
                parts.append(fold(docket))
        return " ".join([part for part in parts if part])

"""Quick search over Vietnamese names: typing "nguyen" finds "Nguyễn", "dang" finds "Đặng".

A chair types fast, on a laptop keyboard that may have no Vietnamese input method, so the match
ignores case and diacritics. Pure Python: no database collation is needed for it.
"""

from __future__ import annotations

import unicodedata

_LETTERS_WITHOUT_DECOMPOSITION = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str) -> str:
    """Lower case, without tone marks or other diacritics, spaces collapsed."""
    decomposed = unicodedata.normalize("NFD", (text or "").translate(_LETTERS_WITHOUT_DECOMPOSITION))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def matches(query: str, *fields: str) -> bool:
    """True when every word of `query` occurs in one of `fields` (an empty query matches all)."""
    haystack = " | ".join(fold(f) for f in fields)
    return all(word in haystack for word in fold(query).split())

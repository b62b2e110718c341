"""The one check of typed text before it is stored: names, codes, titles, reasons.

Pure: no Flask, no SQLAlchemy. Services, the importer (and through them pages, API, CLI)
call it, so every edge refuses the same characters with the same bilingual message.

Refused everywhere: control characters (Unicode Cc: NUL and the rest), lone surrogates (Cs:
JSON can carry them, no database can store them), line and paragraph separators (Zl, Zp)
and the invisible direction controls (U+061C, U+200E/F, U+202A-E, U+2066-9) that make a
printed name or a minute read differently from what is stored. A multi-line field (a
self-assessment, a reason) keeps newlines and tabs; \\r\\n from a browser becomes \\n.
Text is NFC-normalised, so the same Vietnamese word typed on two keyboards is one value.

Codes (organization and member codes) take a safe alphabet: ASCII letters, digits, "-",
"_" and ".", starting with a letter or digit. They appear in URLs, file names, QR cards
and spreadsheets; the units' own codes (HU, SL-01, DV00001) fit, a "/" or "?" would break a
URL and a leading "." could read as "..". Vietnamese letters are left out on purpose: a
code is typed back by hand, and "Đ" or a tone mark has two spellings (NFC/NFD) and looks
like its neighbours.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..catalog import N_, Pair, Text, Worded

#: invisible controls that reorder the text around them (Cf, bidirectional)
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: kept in a multi-line field
MULTILINE_ALLOWED = frozenset("\n\t")
CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class Field:
    """A text field as the person knows it: `key` is its name in the API, `label` its words
    (a catalog message, read in English or Vietnamese)."""
    key: str
    label: Text

    @property
    def label_en(self) -> str:
        return self.label.en

    @property
    def label_vi(self) -> str:
        return self.label.vi


class TextProblem(Worded, ValueError):
    """Why a field's text is refused, in both languages (a catalog message), naming the field."""

    def __init__(self, field: Field, text: Text):
        super().__init__(text.en)
        self.field, self.text = field, text


def clean_text(value: object, field: Field, *, max_length: int, required: bool = True,
               multiline: bool = False) -> str:
    """The text to store: NFC, trimmed, at most `max_length` characters; "" when not
    required and empty. Raises TextProblem for anything else."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise TextProblem(field, N_("%(field)s must be a text.", field=field.label))
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = unicodedata.normalize("NFC", value)
    for character in value:
        if multiline and character in MULTILINE_ALLOWED:
            continue
        problem = _character_problem(character)
        if problem:
            raise TextProblem(field, N_("%(field)s contains %(what)s (U+%(code)s), which is not allowed.",
                                        field=field.label, what=problem, code=format(ord(character), "04X")))
    value = value.strip()
    if not value and required:
        # "Cần nhập họ và tên": in Vietnamese the label follows the verb, in lower case
        raise TextProblem(field, N_("%(field)s is required.",
                                    field=Pair(field.label_en, _lower_first(field.label_vi))))
    if len(value) > max_length:
        raise TextProblem(field, N_("%(field)s may have at most %(n)s characters.", field=field.label,
                                    n=max_length))
    return value


def clean_code(value: object, field: Field, *, max_length: int) -> str:
    """A required code in the safe alphabet (module docstring), at most `max_length` long."""
    code = clean_text(value, field, max_length=max_length)
    if not CODE_PATTERN.fullmatch(code):
        raise TextProblem(field, N_("%(field)s “%(code)s” may use only the letters A-Z and a-z, digits, “-”, "
                                    "“_” and “.”, starting with a letter or digit.", field=field.label, code=code))
    return code


def refused_character(value: str, *, multiline: bool = False) -> tuple[str, Text] | None:
    """The first character clean_text would refuse in `value`, with what it is (a catalog
    message); None when there is none."""
    for character in value:
        if multiline and character in MULTILINE_ALLOWED | {"\r"}:
            continue
        problem = _character_problem(character)
        if problem:
            return character, problem
    return None


def _character_problem(character: str) -> Text | None:
    if character in BIDI_CONTROLS:
        return N_("an invisible text-direction control")
    category = unicodedata.category(character)
    if category == "Cc":
        return N_("a control character")
    if category == "Cs":
        return N_("a broken character (a lone surrogate)")
    if category in ("Zl", "Zp"):
        return N_("a line or paragraph separator")
    return None


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]

"""Messages for people outside a request's locale: English in the code, Vietnamese in the catalog.

Services, the domain and the CLI say what went wrong as `N_("English with %(name)s.", name=...)`.
Babel extracts `N_` by default, so the English text is the msgid in messages.pot and its
Vietnamese lives only in translations/vi/LC_MESSAGES/messages.po, where a translator sees one
template with named placeholders. `Text.en` and `Text.vi` fill the placeholders after the
lookup; the compiled catalog is read with plain babel (no Flask), once per process.

A short English word whose Vietnamese depends on where it stands ("Open" as a session's state
or as "was opened") takes a context: `NC_("terminal", "Open")` is a separate msgctxt entry.
The terminal prints both languages of one entry with `bilingual(text)`: "English / Tiếng Việt".
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import NamedTuple

from babel.support import NullTranslations, Translations

TRANSLATIONS = Path(__file__).parent / "translations"


@cache
def _vietnamese() -> NullTranslations:
    return Translations.load(str(TRANSLATIONS), ["vi"], domain="messages")


def vietnamese(msgid: str, context: str | None = None) -> str:
    """The catalog's Vietnamese for an English msgid, in `context` when given (the msgid itself
    when untranslated)."""
    if context is None:
        return _vietnamese().gettext(msgid)
    return str(_vietnamese().pgettext(context, msgid))


class Text:
    """An English msgid and the values of its named placeholders, rendered in either language.

    The msgid is always %-formatted (with an empty mapping when it has no placeholder), so a
    literal percent sign is written `%%` and Babel marks every such msgid python-format. A
    parameter that is itself a Text (or a Pair) is rendered in the same language. `context` is
    the entry's msgctxt (NC_), None for most entries."""

    __slots__ = ("msgid", "params", "context")

    def __init__(self, msgid: str, params: dict[str, object], context: str | None = None):
        self.msgid, self.params, self.context = msgid, params, context

    @property
    def en(self) -> str:
        return self.msgid % {name: _en(value) for name, value in self.params.items()}

    @property
    def vi(self) -> str:
        return vietnamese(self.msgid, self.context) % {name: _vi(value) for name, value in self.params.items()}

    def __str__(self) -> str:
        return self.en

    def __repr__(self) -> str:
        if self.context is not None:
            return f"NC_({self.context!r}, {self.msgid!r}, **{self.params!r})"
        return f"N_({self.msgid!r}, **{self.params!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and (self.msgid, self.params, self.context) == \
            (other.msgid, other.params, other.context)

    def __hash__(self) -> int:
        return hash(self.msgid)


class Pair(NamedTuple):
    """Words composed from bilingual data rather than from the catalog: a field's or a kind's
    `label_en` / `label_vi` (domain/labels.py keeps those as data, next to their codes)."""
    en: str
    vi: str


class Worded:
    """For what carries one catalog sentence as `text` (a refused field, a broken invariant):
    the sentence in each language, named as every bilingual pair is (`<x>_en` / `<x>_vi`)."""
    text: Text

    @property
    def message_en(self) -> str:
        return self.text.en

    @property
    def message_vi(self) -> str:
        return self.text.vi


def _en(value: object) -> object:
    return value.en if isinstance(value, (Text, Pair)) else value


def _vi(value: object) -> object:
    return value.vi if isinstance(value, (Text, Pair)) else value


def N_(msgid: str, /, **params: object) -> Text:
    """Mark `msgid` for the catalog; `params` fill its `%(name)s` placeholders in both languages."""
    return Text(msgid, params)


def NC_(context: str, msgid: str, /, **params: object) -> Text:
    """N_ with a msgctxt, for a word the catalog already holds with another meaning (Babel
    extracts it with the keyword `NC_:1c,2`, which scripts/i18n passes)."""
    return Text(msgid, params, context)


def bilingual(text: Text | Pair, separator: str = " / ") -> str:
    """What the terminal prints: the English, `separator`, then the Vietnamese of one entry."""
    return f"{text.en}{separator}{text.vi}"

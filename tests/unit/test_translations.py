"""The UI is Vietnamese first: every string in the code has a Vietnamese translation, and the
compiled catalog shipped in the package matches its source."""

import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).parents[2]
CATALOG = ROOT / "votingapp" / "translations" / "vi" / "LC_MESSAGES"


def _key(value):
    """Plural entries carry tuples (or lists, from a .mo) of forms."""
    return tuple(value) if isinstance(value, (list, tuple)) else value


def _complete(string) -> bool:
    return all(string) if isinstance(string, (list, tuple)) else bool(string)


def _po():
    with open(CATALOG / "messages.po", "rb") as handle:
        return read_po(handle)


def test_every_ui_string_has_a_vietnamese_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "."], cwd=ROOT, check=True,
                   capture_output=True)
    with open(pot, "rb") as handle:
        wanted = {_key(m.id) for m in read_po(handle) if m.id}
    translated = {_key(m.id) for m in _po() if m.id and _complete(m.string) and not m.fuzzy}
    missing = sorted(str(m) for m in wanted - translated)
    assert not missing, f"run scripts/i18n and translate: {missing[:20]}"


def test_compiled_catalog_matches_its_source():
    with open(CATALOG / "messages.mo", "rb") as handle:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(handle) if m.id}
    source = {_key(m.id): _key(m.string) for m in _po() if m.id and _complete(m.string) and not m.fuzzy}
    assert compiled == source, "run scripts/i18n to recompile messages.mo"

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


#: names of Party inspection bodies, never our auditor role (docs/rules.md, glossary)
INSPECTION_WORDS = ("giám sát", "ủy ban kiểm tra", "uỷ ban kiểm tra")


def _texts(string) -> list[str]:
    return list(string) if isinstance(string, (list, tuple)) else [string]


def test_the_auditor_role_is_kiem_chung_never_an_inspection_body():
    for message in _po():
        if not message.id:
            continue
        vietnamese = " ".join(_texts(message.string)).lower()
        assert not any(word in vietnamese for word in INSPECTION_WORDS), message.id
        english = " ".join(_texts(message.id)).lower()
        if "audit" in english:
            assert "kiểm chứng" in vietnamese and "kiểm tra" not in vietnamese, message.id


def test_labels_minutes_and_audit_words_use_kiem_chung_and_the_regulations_phrases():
    from votingapp.audit import words
    from votingapp.domain import labels
    sources = [ROOT / "votingapp" / "domain" / "labels.py", ROOT / "votingapp" / "documents" / "minutes.py",
               ROOT / "votingapp" / "audit" / "words.py"]
    for source in sources:
        text = source.read_text(encoding="utf-8").lower()
        assert not any(word in text for word in INSPECTION_WORDS), source.name
    assert labels.INVALID_REASONS["unmarked_subject"].label_vi == "Không đánh dấu ô nào đối với một người"
    assert labels.INVALID_REASONS["wrong_session"].label_vi.startswith("Phiếu không do Ban kiểm phiếu phát ra")
    assert labels.KINDS["motion"].label_vi == "Biểu quyết bằng phiếu kín"
    assert all("kiểm tra" not in template for _, _, template in words.DETAILS_VI)


def test_quorum_lines_read_as_the_regulation_words_them():
    catalog = _po()
    assert catalog["Quorum met: at least 2/3 of those summoned were present."].string == \
        "Đã đủ 2/3 số người được triệu tập có mặt."
    assert catalog["Quorum NOT met: fewer than 2/3 of those summoned were present."].string == \
        "Chưa đủ 2/3 số người được triệu tập có mặt."

"""The UI is Vietnamese first: every string in the code has a Vietnamese translation, and the
compiled catalog shipped in the package matches its source."""

import ast
import re
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
                    "-k", "_l", "-k", "lazy_gettext", "-k", "NC_:1c,2", "-o", str(pot), "."], cwd=ROOT, check=True,
                   capture_output=True)
    with open(pot, "rb") as handle:
        wanted = {(m.context, _key(m.id)) for m in read_po(handle) if m.id}
    assert any(context for context, _ in wanted), "NC_ messages are no longer extracted: check the keyword"
    translated = {(m.context, _key(m.id)) for m in _po() if m.id and _complete(m.string) and not m.fuzzy}
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


# --- service errors and every N_ message: English in the code, Vietnamese only in the catalog ---

def _marked_in_code(tmp_path) -> set[tuple[str | None, str]]:
    """The (msgctxt, msgid) pairs the code marks with N_ or NC_ (votingapp.catalog), as Babel
    extracts them."""
    pot = tmp_path / "marked.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "--no-default-keywords",
                    "-k", "N_", "-k", "NC_:1c,2", "-F", "babel.cfg", "-o", str(pot), "."], cwd=ROOT, check=True,
                   capture_output=True)
    with open(pot, "rb") as handle:
        return {(m.context, m.id) for m in read_po(handle) if m.id}


def test_every_service_error_and_marked_message_has_a_checked_vietnamese_msgstr(tmp_path):
    from votingapp.services.errors import MESSAGES
    marked = _marked_in_code(tmp_path)
    assert len(marked) > 200, "N_ messages are no longer extracted: check babel.cfg and the keyword"
    assert any(context for context, _ in marked), "NC_ messages are no longer extracted: check the keyword"
    assert {(None, text.msgid) for _, text in MESSAGES.values()} <= marked
    catalog = _po()
    problems = {}
    for context, msgid in sorted(marked, key=lambda pair: (pair[0] or "", pair[1])):
        message = catalog.get(msgid, context=context)
        if message is None or not message.string or message.fuzzy:
            problems[msgid] = "no Vietnamese (run scripts/i18n and translate)"
            continue
        errors = [str(error) for error in message.check(catalog)]  # placeholders as in the msgid
        if errors:
            problems[msgid] = "; ".join(errors)
    assert not problems, problems


def _marks_inside_f_strings(path: Path) -> list[str]:
    """N_ / NC_ calls written inside an f-string, which Babel (on Python 3.11) does not extract:
    their Vietnamese would silently be the English."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [f"{call.lineno}: {call.func.id}" for joined in ast.walk(tree) if isinstance(joined, ast.JoinedStr)
            for call in ast.walk(joined) if isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
            and call.func.id in ("N_", "NC_", "_", "_l", "gettext")]


def test_no_catalog_message_is_marked_inside_an_f_string(tmp_path):
    found = {path.relative_to(ROOT).as_posix(): hits for path in sorted((ROOT / "votingapp").rglob("*.py"))
             if (hits := _marks_inside_f_strings(path))}
    assert not found, f"mark the message outside the f-string (a name or a parameter): {found}"
    sample = tmp_path / "sample.py"
    sample.write_text('A = f"{N_(\'x\')}: {bilingual(NC_(\'c\', \'y\'))}"\nB = N_("z")\n', encoding="utf-8")
    assert _marks_inside_f_strings(sample) == ["1: N_", "1: NC_"]


def test_a_terminal_line_prints_one_catalog_entry_in_english_then_vietnamese():
    from votingapp.catalog import N_, NC_, bilingual
    assert bilingual(N_("No meeting %(meeting)s.", meeting=7)) == "No meeting 7. / Không có hội nghị 7."
    assert bilingual(N_("No meeting %(meeting)s.", meeting=7), "\n") == "No meeting 7.\nKhông có hội nghị 7."
    # a msgctxt keeps a short word's other meanings apart: "Open" the verb is a state elsewhere
    assert NC_("a session was opened", "Open").vi == "Đã mở"
    assert NC_("tally table", "Subject").vi != N_("Subject").vi
    assert NC_("tally table", "Subject") != N_("Subject")


def test_service_errors_read_their_vietnamese_from_the_compiled_catalog_without_flask():
    from votingapp.catalog import N_
    from votingapp.services.errors import MESSAGES, ServiceError
    for code in MESSAGES:
        error = ServiceError(code)
        assert error.message_vi and error.message_vi != error.message_en, code
    error = ServiceError("shares_needed", N_("Enter %(threshold)s of the %(count)s shares.", threshold=2, count=3))
    assert error.message_en.endswith("Enter 2 of the 3 shares.")
    assert error.message_vi.endswith("Hãy nhập 2 trong 3 mảnh khóa.")
    assert error.to_dict() == {"error": {"code": "shares_needed", "message": error.message_en,
                                         "message_vi": error.message_vi}}
    quota = ServiceError("quota_exceeded")  # a literal percent sign is %% in a python-format msgid
    assert "(20% of" in quota.message_en and "(20% số" in quota.message_vi


#: Vietnamese letters that English never uses (the tone-marked and hooked vowels, đ)
VIETNAMESE = re.compile("[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]", re.I)

#: .py files whose string literals may hold Vietnamese, and why. Keep it short: a file whose
#: Vietnamese is gone must leave the list (the test says so), and a message shown to a person
#: belongs in the catalog (N_ / _l), not here.
INLINE_VIETNAMESE_ALLOWED = {
    # bilingual domain data kept next to its codes: labels of kinds, levels, options, policies,
    # invalid reasons (docs/rules.md quotes them; documents print them)
    "domain/labels.py": "label data", "domain/grading.py": "label data", "domain/ballot_forms.py": "label data",
    "domain/levels.py": "label data", "domain/policy.py": "label data",
    "audit/verify.py": "the verify command's unreadable-file error line",
    "audit/spoiled.py": "--spoiled's printout (the offline verifier prints both languages)",
    # the words a person types or reads in Vietnamese-only artefacts: regulation-format documents,
    # import spreadsheets' headers and cell values, folding of đ for search and share words
    "documents/minutes.py": "Vietnamese-only minutes", "documents/minutes_docx.py": "Vietnamese-only minutes",
    "documents/cards.py": "printed ballot-code cards", "documents/share_cards.py": "printed key-share cards",
    "documents/grading_report.py": "Vietnamese-only report", "documents/importer.py": "spreadsheet headers/values",
    "services/grading_exchange.py": "spreadsheet headers and values", "web/chair/exports.py": "template rows",
    "web/grading/chart.py": "chart title pair", "domain/search.py": "đ folding", "crypto/shares.py": "Đ folding",
    "audit/words.py": "the verifier's Vietnamese check details (DETAILS_VI), tested above",
    "web/api/schemas.py": "an OpenAPI description naming the spreadsheets' Cấp column",
    "services/demo.py": "demo data", "services/grading_demo.py": "demo data",
    "services/grading.py": "the default review-cycle title, stored as the cycle's name",
}


def _inline_vietnamese(path: Path) -> list[str]:
    """String literals (docstrings aside) of `path` that hold Vietnamese letters."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [f"{node.lineno}: {node.value[:60]!r}" for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
            and VIETNAMESE.search(node.value)]


def test_no_python_file_carries_vietnamese_text_outside_the_catalog_and_the_allowlist():
    package = ROOT / "votingapp"
    found = {}
    for path in sorted(package.rglob("*.py")):
        name = path.relative_to(package).as_posix()
        if name.startswith(("migrations/", "translations/")):
            continue
        hits = _inline_vietnamese(path)
        if hits and name not in INLINE_VIETNAMESE_ALLOWED:
            found[name] = hits[:5]
        if not hits and name in INLINE_VIETNAMESE_ALLOWED:
            found[name] = ["has no Vietnamese left: take it off INLINE_VIETNAMESE_ALLOWED"]
    assert not found, f"mark the English with N_ and put the Vietnamese in messages.po: {found}"


def test_the_inline_vietnamese_check_sees_literals_and_f_strings_but_not_docstrings(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('"""Mô-đun."""\nA = "Lá phiếu"\nB = f"{A} hợp lệ"\nC = "ballot"\n', encoding="utf-8")
    assert [hit.split(":")[0] for hit in _inline_vietnamese(sample)] == ["2", "3"]

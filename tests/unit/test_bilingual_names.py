"""One naming convention for bilingual pairs on the Python side (domain/labels.py): `<x>_vi` and
`<x>_en`, never a bare `<x>` that is secretly one of the two languages. Published shapes keep
their own names (docs/api.md's `message` / `message_vi`, a tally's policy `title` / `title_en`):
they are listed here, with why."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[2] / "votingapp"

#: (file, class) whose attribute names are a published format's keys, not ours to rename
PUBLISHED_SHAPES = {
    ("web/api/schemas.py", "*"): "the API's JSON models (docs/api.md): English `message`, Vietnamese `label`",
    ("domain/policy.py", "NamedPolicy"): "a signed tally embeds the policy as asdict(); the verifier rebuilds "
                                         "it with Policy(**tally['policy']) (docs/formats.md §4)",
}
#: annotations of a bare `<x>` that holds both languages (its `<x>_en` / `<x>_vi` read it)
BOTH_LANGUAGES = {"Text", "Pair"}


def _is_property(node: ast.AST) -> bool:
    return isinstance(node, ast.FunctionDef) and any(
        isinstance(d, ast.Name) and d.id in ("property", "cached_property") for d in node.decorator_list)


def _attributes(cls: ast.ClassDef) -> dict[str, str]:
    """The attributes an instance carries, each with its annotation ("" when unknown):
    annotated fields, properties, and `self.x = ...` in any method."""
    found: dict[str, str] = {}
    for node in cls.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            found[node.target.id] = ast.unparse(node.annotation)
        elif _is_property(node):
            found[node.name] = ast.unparse(node.returns) if node.returns else ""
    for node in ast.walk(cls):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
            if isinstance(node, ast.AnnAssign) else []
        for target in targets:
            for element in target.elts if isinstance(target, ast.Tuple) else [target]:
                if isinstance(element, ast.Attribute) and isinstance(element.value, ast.Name) \
                        and element.value.id == "self":
                    found.setdefault(element.attr, "")
    return found


def mixed_pairs(source: str, name: str) -> list[str]:
    """`Class.x` next to `Class.x_vi` or `Class.x_en`, where `x` is text in one language."""
    found = []
    for cls in ast.walk(ast.parse(source)):
        if not isinstance(cls, ast.ClassDef) or {(name, "*"), (name, cls.name)} & PUBLISHED_SHAPES.keys():
            continue
        attributes = _attributes(cls)
        for attribute in sorted(attributes):
            bare = attribute[:-3]
            if attribute.endswith(("_vi", "_en")) and bare in attributes \
                    and attributes[bare] not in BOTH_LANGUAGES:
                found.append(f"{cls.name}.{bare} / {cls.name}.{attribute}")
    return found


def test_every_bilingual_pair_of_attributes_is_named_x_vi_and_x_en():
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if not name.startswith(("migrations/", "translations/")) and (pairs := mixed_pairs(path.read_text(), name)):
            found[name] = pairs
    assert not found, f"name both halves <x>_vi / <x>_en (domain/labels.py): {found}"


def test_the_check_sees_fields_properties_and_self_assignments():
    sample = '''
class Problem:
    message: str
    message_vi: str
class Refusal:
    def __init__(self):
        self.reason, self.reason_vi = "", ""
class Shown:
    @property
    def title(self) -> str: ...
    @property
    def title_en(self) -> str: ...
class Fine:
    label: Text
    label_vi: str
    message_en: str
    message_vi: str
'''
    assert mixed_pairs(sample, "sample.py") == ["Problem.message / Problem.message_vi",
                                                "Refusal.reason / Refusal.reason_vi", "Shown.title / Shown.title_en"]


def test_the_published_error_shape_keeps_message_and_message_vi():
    from votingapp.documents.importer import LineError
    from votingapp.services.errors import ServiceError
    error = ServiceError("not_found")
    assert error.to_dict() == {"error": {"code": "not_found", "message": "Not found.", "message_vi": "Không tìm thấy."}}
    line = LineError(3, "Mã", "Bad.", "Sai.")
    assert line.to_dict() == {"line": 3, "column": "Mã", "message": "Bad.", "message_vi": "Sai."}

"""The pure layers (docs/architecture.md) import neither the web framework nor the database,
nor anything of ours built on them, so they run and are tested with plain values, and
`votingapp verify` runs on an auditor's machine without a server. Read from the source, so an
import inside a function counts as much as one at the top."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "votingapp"
PURE = ("crypto", "domain", "audit", "documents")
#: third-party roots and our own packages that sit above the pure layers
FORBIDDEN = ("flask", "flask_babel", "flask_login", "flask_wtf", "flask_sqlalchemy", "flask_migrate", "flask_limiter",
             "flask_htmx", "werkzeug", "sqlalchemy", "alembic",
             "votingapp.models", "votingapp.services", "votingapp.web", "votingapp.extensions")


def imported_modules(path: Path, source: str | None = None) -> set[str]:
    """Absolute names of what a module (at `path`, with its text or `source`) imports,
    relative imports resolved."""
    package = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if path.name != "__init__.py":
        package = package[:-1]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8") if source is None else source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def breaks_layering(name: str) -> bool:
    return any(name == root or name.startswith(root + ".") for root in FORBIDDEN)


@pytest.mark.parametrize("layer", PURE)
def test_a_pure_layer_imports_no_web_framework_no_database_and_nothing_above_it(layer):
    modules = sorted((PACKAGE / layer).rglob("*.py"))
    assert modules
    found = {f"{path.relative_to(PACKAGE.parent)}: {name}"
             for path in modules for name in imported_modules(path) if breaks_layering(name)}
    assert not found, sorted(found)


def test_the_check_sees_relative_imports_of_the_layers_above():
    """So the test above can fail: `from ..models import Ballot` inside votingapp/domain/ is caught."""
    probe = PACKAGE / "domain" / "probe.py"
    assert any(breaks_layering(name) for name in imported_modules(probe, "from ..models import Ballot\n"))
    assert any(breaks_layering(name) for name in imported_modules(probe, "from sqlalchemy.orm import Session\n"))
    assert not any(breaks_layering(name) for name in imported_modules(probe, "from . import tally\nimport json\n"))

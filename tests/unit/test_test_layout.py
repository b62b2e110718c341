"""Each test sits in the folder its fixtures imply (CONTRIBUTING.md, "Tests"): a unit test
takes plain values only, and only browser tests drive Chromium."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parents[1]
#: fixtures of tests/conftest.py that build an app and its database
DATABASE_FIXTURES = {"app", "db", "client", "runner", "make", "login_as", "chair", "live_server", "database_url"}
#: fixtures of tests/browser/conftest.py
BROWSER_FIXTURES = {"browser", "phone", "tall_phone", "laptop"}


def _is_fixture(node: ast.FunctionDef) -> bool:
    return any("fixture" in ast.unparse(decorator) for decorator in node.decorator_list)


def _fixtures_asked(path: Path) -> dict[str, set[str]]:
    """test or fixture function name → the names of its parameters (the fixtures pytest gives it)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name: {arg.arg for arg in node.args.args} for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef) and (node.name.startswith("test_") or _is_fixture(node))}


def _misplaced(folder: str, forbidden: set[str]) -> dict[str, set[str]]:
    found = {}
    for path in sorted((TESTS / folder).glob("test_*.py")):
        for name, asked in _fixtures_asked(path).items():
            if asked & forbidden:
                found[f"{folder}/{path.name}::{name}"] = asked & forbidden
    return found


def test_unit_tests_use_no_app_database_or_browser():
    assert _misplaced("unit", DATABASE_FIXTURES | BROWSER_FIXTURES) == {}


def test_only_browser_tests_drive_a_browser():
    for folder in ("unit", "property", "integration"):
        assert _misplaced(folder, BROWSER_FIXTURES) == {}, folder


def test_the_check_sees_a_fixture_asked_for(tmp_path):
    sample = tmp_path / "test_sample.py"
    sample.write_text("import pytest\n\ndef test_a(make, value):\n    pass\n\ndef helper(db):\n    pass\n\n"
                      "@pytest.fixture\ndef world(app):\n    pass\n", encoding="utf-8")
    assert _fixtures_asked(sample) == {"test_a": {"make", "value"}, "world": {"app"}}

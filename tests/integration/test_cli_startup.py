"""The `votingapp` command starts fast and lazily: the verifier an auditor runs offline loads
neither Flask nor SQLAlchemy, and `--help` lists every command without importing any."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from votingapp.cli import COMMANDS, OFFLINE_COMMANDS, load_command, summary_command

SCRIPT = Path(sys.executable).with_name("votingapp")
WEB_STACK = ("flask", "sqlalchemy", "flask_sqlalchemy", "alembic", "werkzeug", "fpdf", "openpyxl")


def modules_after(statement: str) -> set[str]:
    probe = f"import sys\n{statement}\nprint(' '.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    return set(result.stdout.split())


@pytest.mark.parametrize("entry", ["from votingapp.cli.audit import verify",
                                   "from votingapp.audit.verify import verify_bundle, read_bundle",
                                   "from votingapp.cli import main; main.get_command(None, 'verify')"])
def test_the_offline_verifier_imports_neither_flask_nor_sqlalchemy(entry):
    loaded = modules_after(entry)
    assert "votingapp.audit.verify" in loaded or "votingapp.cli.audit" in loaded
    assert not loaded & set(WEB_STACK), sorted(loaded & set(WEB_STACK))


def test_the_command_group_imports_no_command_until_one_runs():
    loaded = modules_after("import votingapp.cli")
    assert not loaded & set(WEB_STACK)
    assert not any(name.startswith(("votingapp.services", "votingapp.models", "votingapp.web")) for name in loaded)


def test_help_lists_every_command_with_its_own_summary():
    """The table `votingapp --help` reads must not drift from the commands' docstrings."""
    for name in {**COMMANDS, **OFFLINE_COMMANDS}:
        command = load_command(name)
        assert command.name == name
        assert summary_command(name).get_short_help_str(1000) == command.get_short_help_str(1000), name


def test_votingapp_help_and_verify_run_without_the_web_stack():
    listing = subprocess.run([str(SCRIPT), "--help"], capture_output=True, text=True, timeout=60)
    assert listing.returncode == 0
    assert all(name in listing.stdout for name in {**COMMANDS, **OFFLINE_COMMANDS})
    unreadable = subprocess.run([str(SCRIPT), "verify", "/nonexistent/bundle.json"], capture_output=True,
                                text=True, timeout=60)
    assert unreadable.returncode == 2 and "Lỗi" in unreadable.stderr


def test_an_app_command_still_gets_the_app(tmp_path):
    result = subprocess.run([str(SCRIPT), "init-db"], capture_output=True, text=True, timeout=120,
                            env={"PATH": "/usr/bin:/bin", "VOTINGAPP_INSTANCE": str(tmp_path / "instance"),
                                 "HOME": str(tmp_path)}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "schema at revision" in result.stdout

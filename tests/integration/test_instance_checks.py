"""The instance folder at start: the votingapp command creates a database and keys only for
init-db (any other command run from the wrong folder says where it looked, creates nothing and
exits 1), and serve refuses a folder or a SQLite file it cannot write (one bilingual line, exit 2)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

VOTINGAPP = str(Path(sys.executable).with_name("votingapp"))


def _env(**extra) -> dict:
    env = {key: value for key, value in os.environ.items()
           if key not in ("VOTINGAPP_INSTANCE", "DATABASE_URL", "VOTINGAPP_KEK", "VOTINGAPP_SIGNING_KEY",
                          "VOTINGAPP_SECRET_KEY")}
    return env | extra


def test_a_command_run_outside_an_instance_says_where_it_looked_and_creates_nothing(tmp_path):
    result = subprocess.run([VOTINGAPP, "tally", "no-such-session"], cwd=tmp_path, env=_env(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{tmp_path}/instance" in result.stderr
    assert "votingapp init-db" in result.stderr and "Không có dữ liệu votingapp" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_init_db_creates_the_instance_and_later_commands_use_it(tmp_path):
    made = subprocess.run([VOTINGAPP, "init-db"], cwd=tmp_path, env=_env(), capture_output=True, text=True,
                          timeout=120)
    assert made.returncode == 0, made.stderr
    assert sorted(p.name for p in (tmp_path / "instance").iterdir()) >= ["kek.bin", "secret_key", "signing_key.bin",
                                                                          "votingapp.db"]
    kek = (tmp_path / "instance" / "kek.bin").read_bytes()
    again = subprocess.run([VOTINGAPP, "create-user", "chair1", "--password", "a long password 1"], cwd=tmp_path,
                           env=_env(), capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "instance" / "kek.bin").read_bytes() == kek


def test_a_missing_database_beside_existing_keys_is_refused_too(tmp_path):
    subprocess.run([VOTINGAPP, "init-db"], cwd=tmp_path, env=_env(), check=True, capture_output=True, timeout=120)
    (tmp_path / "instance" / "votingapp.db").unlink()
    result = subprocess.run([VOTINGAPP, "create-user", "chair1"], cwd=tmp_path, env=_env(), capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1
    assert "votingapp.db is missing" in result.stderr
    assert not (tmp_path / "instance" / "votingapp.db").exists()


def _serve_bound_by_permissions(instance: Path) -> subprocess.CompletedProcess:
    """`python -m votingapp.serve`, bound by file permissions as a deployment's user is: root
    runs it without the capabilities that override them (util-linux setpriv)."""
    command = [sys.executable, "-m", "votingapp.serve"]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: permissions cannot bind the server")
        command = [setpriv, "--bounding-set", "-dac_override,-dac_read_search", *command]
    return subprocess.run(command, env=_env(VOTINGAPP_INSTANCE=str(instance), HOST="127.0.0.1", PORT="1"),
                          capture_output=True, text=True, timeout=60)


def test_serve_refuses_an_instance_folder_it_cannot_write(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o555)
    instance.chmod(0o555)
    result = _serve_bound_by_permissions(instance)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert f"Cannot write to {instance}" in result.stderr and "Không ghi được" in result.stderr


def test_serve_refuses_a_sqlite_database_it_cannot_write(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    subprocess.run([VOTINGAPP, "init-db"], env=_env(VOTINGAPP_INSTANCE=str(instance)), check=True,
                   capture_output=True, timeout=120)
    for path in instance.iterdir():
        path.chmod(0o444)
    instance.chmod(0o777)  # the folder is writable; the database file is not
    result = _serve_bound_by_permissions(instance)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"Cannot write to {instance / 'votingapp.db'}" in result.stderr

"""scripts/serve: a bad or busy port is one bilingual line and exit 2, and the banner names the
address the QR codes will carry, never loopback when a LAN address exists."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from votingapp.serve import banner, qr_base_url


def serve(tmp_path, **env) -> subprocess.CompletedProcess:
    environment = {**os.environ, "VOTINGAPP_INSTANCE": str(tmp_path / "instance"), "HOST": "127.0.0.1", **env}
    environment.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "votingapp.serve"], env=environment, capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize("port", ["abc", "0", "65536", "-1", ""])
def test_an_invalid_port_is_one_bilingual_line_and_exit_2(tmp_path, port):
    result = serve(tmp_path, PORT=port)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "PORT=" in result.stderr and "không phải số nguyên" in result.stderr


def test_a_busy_port_is_one_bilingual_line_and_exit_2(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = serve(tmp_path, PORT=str(port))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert f"127.0.0.1:{port}" in result.stderr and "Hãy chọn PORT khác" in result.stderr


def test_the_banner_names_the_lan_address_that_qr_codes_carry():
    text = banner("0.0.0.0", 8123, None, addresses=["192.168.1.23", "10.0.0.5"], public_url="")
    assert "QR codes carry / Mã QR dẫn tới:  http://192.168.1.23:8123/v" in text
    assert "WARNING" not in text


def test_the_banner_warns_when_qr_codes_would_carry_loopback():
    assert "WARNING / CẢNH BÁO" in banner("0.0.0.0", 8000, None, addresses=[], public_url="")
    assert "WARNING / CẢNH BÁO" in banner("0.0.0.0", 8000, None, addresses=["192.168.1.23"],
                                          public_url="http://localhost:8000")


def test_public_url_wins_over_the_interfaces():
    assert qr_base_url("0.0.0.0", 8000, "https://hall.example/", ["192.168.1.23"]) == "https://hall.example"


def test_several_workers_on_sqlite_is_one_bilingual_line_and_exit_2(tmp_path):
    """SQLite serves one process: its writers queue on a lock inside that process."""
    result = serve(tmp_path, PORT="18000", WORKERS="2")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "WORKERS=2" in result.stderr and "chỉ chạy một tiến trình" in result.stderr

"""Real servers in subprocesses, for tests that need the whole stack: the WSGI server's
connection handling, several processes on one database."""

from __future__ import annotations

import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

#: printed by votingapp.serve once it listens (the last line of the banner)
READY_LINE = "Stop with Ctrl+C"


def free_port() -> int:
    """A loopback port nobody listens on, for a server a test starts in another process.

    Taken below the kernel's ephemeral range: a port from bind(0) comes from that range, so
    between this probe and the server's own bind any outgoing connection (another worker's
    400 phones, a database client, Chromium) may take it as its local port, and the server
    fails to start. SystemRandom, because pytest-randomly gives every worker the same seed."""
    ephemeral = Path("/proc/sys/net/ipv4/ip_local_port_range")
    lowest_ephemeral = int(ephemeral.read_text().split()[0]) if ephemeral.exists() else 32768
    choose = random.SystemRandom()
    for _ in range(200):
        port = choose.randrange(10000, max(lowest_ephemeral, 10001))
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free port below the ephemeral range")


@contextmanager
def running_server(command: list[str], env: dict, ready: str = READY_LINE, timeout: float = 180):
    """Start `command`, wait until a line of its output contains `ready` (up to `timeout` s: under
    a loaded CI machine importing and upgrading the database can take a minute), yield the process;
    always stop it (terminate, then kill) when the block ends."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()  # keeps draining the output, so the server never blocks on a full pipe
    try:
        deadline = time.monotonic() + timeout
        while not any(ready in line for line in list(lines)):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("server did not start: " + "".join(lines)[-3000:])
            time.sleep(0.05)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def serve_env(instance, port: int, **extra) -> dict:
    environment = {**os.environ, "VOTINGAPP_INSTANCE": str(instance), "HOST": "127.0.0.1", "PORT": str(port),
                   "PYTHONUNBUFFERED": "1"}
    environment.pop("DATABASE_URL", None)
    return environment | {key: str(value) for key, value in extra.items()}


def serve_command() -> list[str]:
    return [sys.executable, "-m", "votingapp.serve"]


def post_json(port: int, path: str, body: dict, timeout: float = 10) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        connection.close()

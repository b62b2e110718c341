"""Real servers in subprocesses, for tests that need the whole stack: the WSGI server's
connection handling, several processes on one database."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager

#: printed by votingapp.serve once it listens (the last line of the banner)
READY_LINE = "Stop with Ctrl+C"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_server(command: list[str], env: dict, ready: str = READY_LINE, timeout: float = 60):
    """Start `command`, wait until a line of its output contains `ready`, yield the process;
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

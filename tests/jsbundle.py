"""Running a committed browser bundle under node, and telling whether it is stale: shared by
the JavaScript vector tests (tests/unit/test_js_*.py)."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "static" / "js" / "src"


def run_node(cli: Path, request: dict):
    """Feed one JSON request to a tests/js CLI on stdin; return its JSON answer."""
    node = shutil.which("node") or ("/usr/bin/node" if Path("/usr/bin/node").exists() else None)
    if node is None:
        pytest.fail("node is required for the JavaScript ballot tests: install Debian's nodejs")
    done = subprocess.run([node, str(cli)], input=json.dumps(request, ensure_ascii=False).encode(),
                          capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return json.loads(done.stdout)


def source_hash() -> str:
    """What static/js/src/build.mjs writes in each banner: SHA-256 over every source module."""
    digest = hashlib.sha256()
    for path in sorted(p for p in SOURCES.glob("*.mjs") if p.name != "build.mjs"):
        digest.update(path.name.encode() + b"\n" + path.read_bytes())
    return digest.hexdigest()[:16]


def banner(bundle: Path) -> str:
    return bundle.read_text(encoding="utf-8").splitlines()[0]

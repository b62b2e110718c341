"""One clock (issue 12): the application reads the time of day in one place,
models.base.utcnow(); the database's now() and naive local clocks are not used to stamp rows."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "votingapp"
#: the database's clock (func.now(), now(), CURRENT_TIMESTAMP) or a second Python clock
OTHER_CLOCKS = re.compile(r"\bnow\(\)|CURRENT_TIMESTAMP|datetime\.(utcnow|now|today)\(")
THE_CLOCK = PACKAGE / "models" / "base.py"


def test_only_models_base_reads_the_clock():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts or path == THE_CLOCK:
            continue
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if OTHER_CLOCKS.search(code):
                found.append(f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}")
    assert found == [], "stamp times with models.base.utcnow():\n" + "\n".join(found)


def test_the_clock_itself_is_seen_by_the_pattern():
    """The scan above would find the old ways: this keeps its pattern honest."""
    for old in ("session.opened_at = db.func.now()", "x = datetime.now()", "x = datetime.utcnow()",
                "t = text('CURRENT_TIMESTAMP')"):
        assert OTHER_CLOCKS.search(old), old
    assert not OTHER_CLOCKS.search("session.opened_at = utcnow()")
    assert "datetime.now(UTC)" in THE_CLOCK.read_text("utf-8")

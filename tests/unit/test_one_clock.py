"""One clock (issue 12): the application reads the time of day in one place, domain/clock.py
(utcnow() for stored moments, today() for Vietnam's date); the database's now() and the
server's local clock are not used."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "votingapp"
#: the database's clock (func.now(), now(), CURRENT_TIMESTAMP) or a second Python clock
OTHER_CLOCKS = re.compile(r"\bnow\(\)|CURRENT_TIMESTAMP|datetime\.(utcnow|now|today)\(|\bdate\.today\b")
THE_CLOCK = PACKAGE / "domain" / "clock.py"


def test_only_domain_clock_reads_the_clock():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts or path == THE_CLOCK:
            continue
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if OTHER_CLOCKS.search(code):
                found.append(f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}")
    assert found == [], "use domain.clock (utcnow, today):\n" + "\n".join(found)


def test_the_clock_itself_is_seen_by_the_pattern():
    """The scan above would find the old ways: this keeps its pattern honest."""
    for old in ("session.opened_at = db.func.now()", "x = datetime.now()", "x = datetime.utcnow()",
                "t = text('CURRENT_TIMESTAMP')", "year = date.today().year",
                "field(default_factory=date.today)"):
        assert OTHER_CLOCKS.search(old), old
    assert not OTHER_CLOCKS.search("session.opened_at = utcnow()")
    assert not OTHER_CLOCKS.search("held_on = clock.today()")
    assert "datetime.now(UTC)" in THE_CLOCK.read_text("utf-8")


def test_today_is_vietnams_date_whatever_the_servers_zone(monkeypatch):
    """At 23:30 UTC it is already tomorrow in Vietnam (UTC+7): a meeting set up at 06:30 in Hà Nội
    on a UTC server must default to that day, not the day before."""
    from datetime import UTC, date, datetime

    from votingapp.domain import clock

    monkeypatch.setattr(clock, "utcnow", lambda: datetime(2026, 12, 4, 23, 30, tzinfo=UTC))
    assert clock.today() == date(2026, 12, 5)
    monkeypatch.setattr(clock, "utcnow", lambda: datetime(2026, 12, 5, 16, 59, tzinfo=UTC))
    assert clock.today() == date(2026, 12, 5)

"""The application's one clock. Moments are stored as aware UTC (never the database's now(),
whose zone is the server's setting); calendar dates (a meeting's day, a deadline) are Vietnam's,
whatever zone the server keeps, so a UTC server before 07:00 does not give yesterday."""

from datetime import UTC, date, datetime, timedelta, timezone

#: Vietnam has kept UTC+7 without daylight saving since 1975
VIETNAM = timezone(timedelta(hours=7))


def utcnow() -> datetime:
    """Now, aware and in UTC: every stored moment comes from here."""
    return datetime.now(UTC)


def today() -> date:
    """Today's date in Vietnam."""
    return utcnow().astimezone(VIETNAM).date()

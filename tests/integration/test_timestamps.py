"""One clock (issue 12): every stored moment comes from domain.clock.utcnow(), aware UTC; every
DateTime column is timezone-aware and reads back aware UTC, whatever the zone of the database
connection. The whole module runs with the connection in Vietnam time on PostgreSQL (a server
set up in Vietnam), where the database's now() and the Python clock used to disagree by 7 hours.
Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import DateTime, bindparam, inspect, text
from sqlalchemy.exc import StatementError

from votingapp import create_app, schema
from votingapp.extensions import db
from votingapp.models import ApiToken, BallotSession, Meeting
from votingapp.models.base import UTCDateTime, utcnow
from votingapp.services import accounts
from votingapp.services.tallying import vietnam_time

from ..conftest import app_config

VIETNAM = timezone(timedelta(hours=7))
#: given in Vietnam time, with microseconds: it must come back as the same instant, in UTC
MOMENT = datetime(2026, 12, 5, 8, 30, 15, 123456, tzinfo=VIETNAM)


def _holds_moments(column) -> bool:
    """A DateTime column, or a decorated type (UTCDateTime) stored as one."""
    return isinstance(getattr(column.type, "impl", column.type), DateTime)


MOMENT_COLUMNS = [column for table in db.metadata.sorted_tables for column in table.columns if _holds_moments(column)]


@pytest.fixture
def database_url(database_url):
    """The shared fresh database, its connections in Vietnam time on PostgreSQL."""
    if database_url.startswith("postgresql"):
        return database_url + "%20-cTimeZone%3DAsia%2FHo_Chi_Minh"
    return database_url


def _is_aware_utc(moment) -> bool:
    return isinstance(moment, datetime) and moment.tzinfo is not None and moment.utcoffset() == timedelta(0)


def test_there_are_moment_columns_to_check():
    assert len(MOMENT_COLUMNS) >= 18 and any(c.key == "opened_at" for c in MOMENT_COLUMNS)


@pytest.mark.parametrize("column", MOMENT_COLUMNS, ids=lambda c: f"{c.table.name}.{c.key}")
def test_every_datetime_column_is_timezone_aware_utc(column):
    assert isinstance(column.type, UTCDateTime) and column.type.impl.timezone


def test_the_database_columns_are_timestamptz_on_postgresql(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no zones: UTCDateTime keeps its text in UTC")
    inspector = inspect(db.engine)
    for column in MOMENT_COLUMNS:
        reflected = {c["name"]: c["type"] for c in inspector.get_columns(column.table.name)}[column.key]
        assert reflected.timezone, f"{column.table.name}.{column.key}"


def test_a_moment_round_trips_as_the_same_instant_in_aware_utc(app, make):
    meeting = make.meeting(members=1)
    session = make.session(meeting=meeting, subjects=1)
    meeting.created_at, session.opened_at = MOMENT, MOMENT + timedelta(minutes=1)
    db.session.commit()
    meeting_id, session_id = meeting.id, session.id
    db.session.remove()
    if db.engine.dialect.name == "postgresql":  # another zone again: the reading must not care
        db.session.execute(text("SET TIME ZONE 'America/New_York'"))
    meeting, session = db.session.get(Meeting, meeting_id), db.session.get(BallotSession, session_id)
    assert meeting.created_at == MOMENT and _is_aware_utc(meeting.created_at)
    assert meeting.created_at.isoformat() == "2026-12-05T01:30:15.123456+00:00"
    assert session.opened_at == MOMENT + timedelta(minutes=1) and _is_aware_utc(session.opened_at)
    assert session.closed_at is None
    db.session.rollback()


def test_a_naive_datetime_is_refused_on_write(app, make):
    meeting = make.meeting(members=1)
    meeting.created_at = MOMENT.replace(tzinfo=None)  # whose clock? the column cannot know
    with pytest.raises(StatementError, match="naive datetime"):
        db.session.commit()
    db.session.rollback()


def test_the_lifecycle_is_stamped_by_the_python_clock_in_order(app, make):
    """Open, close and tally stamp the session from utcnow(): with the connection in Vietnam
    time the database's now() used to be stored 7 hours off; the signed tally prints Vietnam time."""
    before = utcnow()
    session = make.tallied_session()
    after = utcnow()
    db.session.expire_all()
    stamps = [session.created_at, session.opened_at, session.closed_at, session.tallied_at, session.tally.created_at]
    assert all(_is_aware_utc(stamp) for stamp in stamps), stamps
    assert before <= session.created_at <= session.opened_at <= session.closed_at <= session.tallied_at <= after
    record = session.tally.document["session"]
    assert (record["opened_at"], record["closed_at"]) == (vietnam_time(session.opened_at),
                                                          vietnam_time(session.closed_at))
    opened = datetime.fromisoformat(record["opened_at"])
    assert opened.utcoffset() == timedelta(hours=7)
    assert opened == session.opened_at.replace(second=0, microsecond=0)


def test_a_revoked_token_is_stamped_by_the_python_clock(app, make):
    user, _ = make.user(role="admin")
    token, _ = accounts.create_api_token(user, "nightly", by=user)
    accounts.revoke_api_token(token, by=user)
    db.session.expire_all()
    assert _is_aware_utc(token.revoked_at) and token.created_at <= token.revoked_at <= utcnow()


# --- revision 0006 ----------------------------------------------------------------------------

@pytest.fixture
def empty_app(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("VOTINGAPP_INSTANCE", str(tmp_path / "instance"))
    app = create_app(app_config(database_url))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_upgrading_reads_python_stamps_as_utc_and_database_now_in_the_servers_zone(empty_app):
    """Before 0006 created_at held Python's naive UTC and revoked_at the database's now() in the
    connection's zone (here Vietnam time on PostgreSQL, UTC on SQLite): both moments were made
    within the same second, so after the upgrade they must read as about the same instant."""
    from alembic import command
    command.upgrade(schema.alembic_config(), "0005")
    python_utc = bindparam("at", datetime.now(UTC).replace(tzinfo=None), type_=DateTime())  # the old utcnow()
    with db.engine.begin() as connection:
        connection.execute(text("INSERT INTO users (username, password_hash, role, active, session_version, "
                                "created_at) VALUES ('old', 'x', 'admin', :yes, 0, :at)").bindparams(python_utc),
                           {"yes": True})
        connection.execute(text("INSERT INTO api_tokens (user_id, name, token_hash, created_at, revoked_at) "
                                "SELECT id, 'old', 'h', :at, CURRENT_TIMESTAMP FROM users").bindparams(python_utc))
    schema.upgrade_database()
    assert schema.current_revision() == schema.head_revision() and schema.differences_from_models() == []
    token = db.session.query(ApiToken).one()
    assert _is_aware_utc(token.created_at) and _is_aware_utc(token.revoked_at)
    assert abs(token.revoked_at - token.created_at) < timedelta(minutes=1), (token.created_at, token.revoked_at)
    assert _is_aware_utc(token.user.created_at) and token.user.created_at == token.created_at

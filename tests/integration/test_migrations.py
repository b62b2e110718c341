"""Migrations: `upgrade head` makes exactly the models' schema, and a database of the baseline
(revision 0001, main at 7d913ed) with a tallied session upgrades with its tree kept and its
signed board still verifying. Both run on SQLite and, with TEST_DATABASE_URL, on PostgreSQL.

When the models change, this file's first test fails until a revision is added:
    scripts/new-migration "what changed"
"""

from __future__ import annotations

import base64
import json
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import JSON, Date, DateTime, Integer, LargeBinary, MetaData, inspect, select, text

from votingapp import create_app, schema
from votingapp.audit.verify import verify_bundle
from votingapp.crypto import sealed, signing
from votingapp.domain.levels import SEED_LEVELS
from votingapp.extensions import db
from votingapp.models import BallotSession, Organization
from votingapp.services import ballots, levels, publication

from ..conftest import app_config

BASELINE_DUMP = Path(__file__).resolve().parents[1] / "data" / "migrations" / "baseline-0001.json"


@pytest.fixture
def empty_app(database_url, tmp_path, monkeypatch, request):
    """The app on an empty database: no create_all. `request.param` may carry config."""
    monkeypatch.setenv("VOTINGAPP_INSTANCE", str(tmp_path / "instance"))
    app = create_app(app_config(database_url, **getattr(request, "param", {})))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


# --- head equals the models --------------------------------------------------------------

def test_upgrade_head_on_an_empty_database_equals_the_models(empty_app):
    assert schema.upgrade_database()[-1] == f"schema at revision {schema.head_revision()} (upgraded from empty)"
    differences = schema.differences_from_models()
    assert differences == [], ("The models and the migrations differ; add a revision with\n"
                               '    scripts/new-migration "what changed"\n' + "\n".join(map(str, differences)))


def test_upgrade_head_keeps_what_autogenerate_cannot_compare(empty_app):
    """Check constraints, and on SQLite the ballots table WITHOUT ROWID (storage order is
    receipt order, never cast order), are not in compare_metadata's view: checked here."""
    schema.upgrade_database()
    inspector = inspect(db.engine)
    for table, name in (("ballot_sessions", "session_state"), ("tokens", "token_state"), ("users", "user_role")):
        assert name in {check["name"] for check in inspector.get_check_constraints(table)}, (table, name)
    if db.engine.dialect.name == "sqlite":
        sql = db.session.scalar(text("SELECT sql FROM sqlite_master WHERE name = 'ballots'"))
        assert sql.rstrip().endswith("WITHOUT ROWID")


def test_upgrade_head_seeds_the_same_levels_as_create_all(empty_app):
    schema.upgrade_database()
    assert levels.list_levels() == list(SEED_LEVELS)


def test_upgrading_again_changes_nothing(empty_app):
    schema.upgrade_database()
    assert schema.upgrade_database() == [f"schema at revision {schema.head_revision()}"]


def test_a_database_made_by_create_all_of_this_version_is_stamped_at_head(app):
    """The test fixture's own database: no migration history, but already the models' schema."""
    done = schema.upgrade_database()
    assert done[0] == f"tables without migration history: stamped at head {schema.head_revision()}"
    assert schema.current_revision() == schema.head_revision()


# --- a baseline database with a tallied session -------------------------------------------

DUMP = json.loads(BASELINE_DUMP.read_text("utf-8"))
KEYS = {"KEY_ENCRYPTION_KEY": base64.urlsafe_b64decode(DUMP["kek"] + "=="),
        "SIGNING_KEY": base64.urlsafe_b64decode(DUMP["signing_key"] + "==")}


def _typed(table, row: dict) -> dict:
    """A dumped row (JSON values) as the column types of the reflected table want them."""
    values = {}
    for name, value in row.items():
        kind = table.columns[name].type
        if value is not None and not isinstance(kind, JSON):
            if isinstance(kind, LargeBinary):
                value = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
            elif isinstance(kind, DateTime):
                value = datetime.fromisoformat(value)
            elif isinstance(kind, Date):
                value = date.fromisoformat(value)
        values[name] = value
    return values


#: what create_all of earlier commits lacked: the key custody columns came with df30936, the
#: boards table with a0c02cb (the first landed schema, 3321e1c, had neither)
CUSTODY_COLUMNS = ("key_custody", "share_threshold", "share_count")


def load_baseline_database(*, unversioned: bool, level_of_sl01: str | None = None,
                           drop: tuple[str, ...] = ()) -> None:
    """Revision 0001 and the rows version 7d913ed wrote, through tables reflected from the
    database itself (so the models of today play no part). `unversioned` drops alembic_version:
    what create_all made before migrations existed; `drop` removes custody columns and/or the
    boards table, to give the shape of an earlier commit."""
    from alembic import command
    command.upgrade(schema.alembic_config(), schema.BASELINE)
    tables = MetaData()
    tables.reflect(db.engine)
    with db.engine.begin() as connection:
        for table in tables.sorted_tables:
            rows = DUMP["tables"].get(table.name)
            if rows:
                connection.execute(table.insert(), [_typed(table, row) for row in rows])
                serial = "id" in table.columns and isinstance(table.columns["id"].type, Integer)
                if connection.dialect.name == "postgresql" and serial:  # rows came with their ids
                    connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                            f"(SELECT max(id) FROM {table.name}))"))
        if level_of_sl01:
            connection.execute(text("UPDATE organizations SET level = :level WHERE code = 'SL-01'"),
                               {"level": level_of_sl01})
        if unversioned:
            connection.execute(text("DROP TABLE alembic_version"))
        for name in drop:
            connection.execute(text("DROP TABLE boards" if name == "boards"
                                    else f"ALTER TABLE ballot_sessions DROP COLUMN {name}"))


def tree() -> list[tuple[str, str, str | None]]:
    return [(o.code, o.level, o.parent.code if o.parent else None)
            for o in db.session.scalars(select(Organization).order_by(Organization.id))]


@pytest.mark.parametrize("empty_app", [KEYS], indirect=True)
@pytest.mark.parametrize("unversioned, drop, first_line", [
    (False, (), "schema at revision"),
    (True, (), "tables without migration history: stamped at baseline 0001"),
    (True, CUSTODY_COLUMNS, "made before the baseline: added column ballot_sessions.key_custody"),
], ids=["stamped-0001", "made-before-migrations", "made-before-key-custody"])
def test_a_baseline_database_upgrades_keeping_its_tree_and_its_board_verifies(empty_app, unversioned, drop,
                                                                              first_line):
    load_baseline_database(unversioned=unversioned, drop=drop)
    done = schema.upgrade_database()
    assert done[0].startswith(first_line), done
    assert schema.current_revision() == schema.head_revision() and schema.differences_from_models() == []

    assert tree() == [("HU", "huyen", None), ("SL", "co-so", "HU"), ("SL-01", "chi-bo", "SL")]
    cell = db.session.scalar(select(Organization).where(Organization.code == "SL-01"))
    assert cell.grassroots().code == "SL" and cell.parent.parent.level_row.name_vi.startswith("Huyện ủy")

    session = db.session.get(BallotSession, DUMP["session"])
    assert (session.state, session.key_custody, session.committee_key) == ("tallied", "system", False)
    pinned = signing.public_key_of(KEYS["SIGNING_KEY"])
    public = verify_bundle(publication.public_bundle(session), signing_key=pinned)
    assert public.ok, public.text()
    private = sealed.private_key_bytes(ballots.session_private_key(session))
    receipt = DUMP["tables"]["ballots"][0]["receipt"]  # a voter's, checked too
    auditor = verify_bundle(publication.auditor_bundle(session, private, by="test"), signing_key=pinned,
                            receipt=receipt)
    assert auditor.ok and not any(check.skipped for check in auditor.checks), auditor.text()


@pytest.mark.parametrize("empty_app", [KEYS], indirect=True)
def test_a_level_code_outside_the_seed_gets_a_row_of_its_own_and_stays(empty_app):
    """An installation that stored some other level keeps it: the data migration adds a row
    named by the code, so the new foreign key holds and nothing is rewritten."""
    load_baseline_database(unversioned=True, level_of_sl01="to-dang")
    schema.upgrade_database()
    assert tree()[-1] == ("SL-01", "to-dang", "SL")
    added = levels.list_levels()[-1]
    assert (added.code, added.label, added.name_vi, added.position, added.is_grassroots) == \
        ("to-dang", "to-dang", "to-dang", 100, False)


@pytest.mark.parametrize("empty_app", [KEYS], indirect=True)
def test_a_database_of_the_first_landed_schema_gets_the_boards_table_and_custody_columns(empty_app):
    """3321e1c had neither; its sessions read as system custody, and its tallies had no board."""
    load_baseline_database(unversioned=True, drop=("boards", *CUSTODY_COLUMNS))
    done = schema.upgrade_database()
    assert done[:4] == ["made before the baseline: added table boards",
                        *(f"made before the baseline: added column ballot_sessions.{c}" for c in CUSTODY_COLUMNS)]
    assert schema.current_revision() == schema.head_revision() and schema.differences_from_models() == []
    session = db.session.get(BallotSession, DUMP["session"])
    assert (session.key_custody, session.board, session.tally.document["session"]["id"]) == \
        ("system", None, DUMP["session"])

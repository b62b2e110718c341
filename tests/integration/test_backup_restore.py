"""docs/deploy.md's backup and restore, done as written: a tallied session's database is
backed up (SQLite's online .backup, or pg_dump), restored elsewhere, and the bundle published
before the backup still verifies against the restored installation's signing key."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import uuid
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from votingapp import create_app
from votingapp.audit.verify import EXIT_OK, verify_bundle
from votingapp.models import BallotSession
from votingapp.services import publication

from ..conftest import app_config

pytestmark = [pytest.mark.slow]


def sqlite_backup(url: str, tmp_path) -> str:
    """sqlite3 votingapp.db ".backup copy.db": consistent while the server runs."""
    source, copy = urlsplit(url).path, tmp_path / "restored.db"
    with sqlite3.connect(source) as live, sqlite3.connect(copy) as target:
        live.backup(target)
    return f"sqlite:///{copy}"


def postgres_dump_and_restore(url: str, tmp_path, cleanup) -> str:
    """pg_dump -Fc, then pg_restore into a new, empty database."""
    if not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        pytest.skip("pg_dump and pg_restore are not installed")
    parsed = make_url(url)
    schema = parsed.query["options"].split("search_path=")[1]
    server = parsed.set(drivername="postgresql", query={})
    dump = tmp_path / "votingapp.dump"
    subprocess.run(["pg_dump", "-Fc", "-n", schema, "-f", str(dump), server.render_as_string(hide_password=False)],
                   check=True, timeout=120)
    restored = "restore_" + uuid.uuid4().hex[:10]
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {restored}"))
    cleanup.append(lambda: _drop_database(admin, restored))
    subprocess.run(["pg_restore", "--no-owner", "-d", server.set(database=restored).render_as_string(
        hide_password=False), str(dump)], check=True, timeout=120)
    return parsed.set(database=restored).render_as_string(hide_password=False)


def _drop_database(admin, name: str) -> None:
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def test_a_restored_backup_keeps_an_old_bundle_verifiable(app, client, db, make, database_url, tmp_path):
    session = make.tallied_session([["tin-nhiem"] * 2] * 6, subjects=2, meeting=make.meeting(members=6), client=client)
    old_bundle, session_id = publication.public_bundle(session), session.id
    db.session.remove()
    cleanup = []
    try:
        if db.engine.dialect.name == "sqlite":
            restored_url = sqlite_backup(database_url, tmp_path)
        else:
            restored_url = postgres_dump_and_restore(database_url, tmp_path, cleanup)
        # the same instance folder (or VOTINGAPP_* keys) goes with the backup: see docs/deploy.md
        restored = create_app(app_config(restored_url, KEY_ENCRYPTION_KEY=app.config["KEY_ENCRYPTION_KEY"],
                                         SIGNING_KEY=app.config["SIGNING_KEY"]))
        with restored.app_context():
            restored_bundle = publication.public_bundle(db.session.get(BallotSession, session_id))
            signing_key = publication.signing_public_key()
            db.session.remove()
            db.engine.dispose()
    finally:
        for undo in cleanup:
            undo()
    assert restored_bundle == old_bundle
    assert verify_bundle(old_bundle, signing_key=signing_key).exit_code == EXIT_OK

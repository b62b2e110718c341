"""Fixtures shared by every test: `app`, `db`, `client`, `runner`, `login_as`, factories.

The database is SQLite in a temporary folder by default; set TEST_DATABASE_URL (as
scripts/test does when PostgreSQL answers) to run the same suite on PostgreSQL.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from votingapp import create_app
from votingapp.crypto.keywrap import new_kek
from votingapp.extensions import db as _db

from .helpers import Factory, login

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")


def _postgres_schema_url(base_url: str, schema: str) -> str:
    joiner = "&" if "?" in base_url else "?"
    return f"{base_url}{joiner}options=-csearch_path%3D{schema}"


@pytest.fixture
def database_url(tmp_path):
    """A fresh, empty database per test: a SQLite file, or a PostgreSQL schema of its own."""
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    schema = "t_" + uuid.uuid4().hex[:12]
    engine = create_engine(TEST_DATABASE_URL)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    yield _postgres_schema_url(TEST_DATABASE_URL, schema)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


def app_config(database_url: str, **overrides) -> dict:
    """What create_app gets in tests (also for apps a test builds on a database of its own)."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "KEY_ENCRYPTION_KEY": new_kek(),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PASSWORD_HASH_PROFILE": "cheapest",
        # A loaded machine (CI runs 4 workers on 2 cores) can keep a writer waiting past the
        # production 5 s, and a test of exact outcomes under concurrency would then see a 503;
        # tests of that 503 itself ask for a short wait (mark app_config(DATABASE_WAIT=...)).
        "DATABASE_WAIT": 30.0,
    } | overrides


@pytest.fixture
def app(database_url, tmp_path, monkeypatch, request):
    """The app on a database made by create_all (fast; tests/integration/test_migrations.py
    proves the migrations make the same schema); mark a test app_config(NAME=value) to change
    its configuration."""
    monkeypatch.setenv("VOTINGAPP_INSTANCE", str(tmp_path / "instance"))
    marker = request.node.get_closest_marker("app_config")
    app = create_app(app_config(database_url, **(marker.kwargs if marker else {})))
    with app.app_context():
        _db.create_all()
        yield app
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def _sealed_scheme(request, monkeypatch):
    """Tests marked sealed_scheme make sealed-v2 sessions by default: they exercise what only the
    sealed schemes have (ballots opened one by one, invalid ballots, auditor bundles with a key,
    typed key shares), still a chair's option and every older session's scheme. verifiable-v1,
    the default, has its own tests (tests/**/test_verifiable_*.py, test_voter_verifiable.py)."""
    if request.node.get_closest_marker("sealed_scheme") is not None:
        from votingapp.crypto import sealed
        from votingapp.services import ballots
        monkeypatch.setattr(ballots, "NEW_SESSION_SCHEME", sealed.SCHEME_V2)


@pytest.fixture
def tiny_digest_store(monkeypatch, tmp_path):
    """audit.repeats' digest store with buffers of two values, a partition split again past
    two digests, and its temporary files in a folder of the test's own: a board of a few
    ballots then goes through every file, split and second reading a large one does. Gives
    (folder, closed): `closed` gets, at each store's close, whether it had files then. The
    folder must be empty once the verifier is done."""
    import tempfile

    from votingapp.audit import repeats
    folder = tmp_path / "verifier-temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.setattr(repeats, "_BUFFER", 2)
    monkeypatch.setattr(repeats, "_SPILL_BUFFER", 2)
    monkeypatch.setattr(repeats, "_IN_MEMORY", 2)
    closed: list[bool] = []
    close = repeats._Digests.close

    def spied(store):
        closed.append(store._folder is not None and any(Path(store._folder.name).iterdir()))
        close(store)
    monkeypatch.setattr(repeats._Digests, "close", spied)
    return folder, closed


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make(app):
    """Factories: make.organization(), make.member(), make.meeting(), make.open_session(), ..."""
    return Factory()


@pytest.fixture
def login_as(client, make):
    """Log a user of `role` in through the real form, CSRF included; returns the user."""
    def _login_as(role="chair", organization=None, username=None):
        user, password = make.user(role=role, organization=organization, username=username)
        login(client, user.username, password)
        return user
    return _login_as


@pytest.fixture
def chair(login_as, client):
    """A logged-in chair reading English pages (for assertions on the English msgids).
    The test's app context outlives each request, so Babel's cached locale is dropped too."""
    import flask_babel

    user = login_as("chair")
    client.set_cookie("lang", "en")
    flask_babel.refresh()
    return user


@pytest.fixture
def live_server(app):
    """The app served by waitress (the real WSGI server) on a free loopback port."""
    import threading

    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=8)
    stopping = threading.Event()

    def run():
        try:
            server.run()
        except OSError:  # select() on the socket closed below
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    stopping.set()
    server.task_dispatcher.shutdown()
    server.close()

"""Faults at the storage and the process, on SQLite and PostgreSQL alike (scripts/test runs the
suite on both): a server killed with SIGKILL in the middle of a burst of casts loses no
acknowledged ballot and leaves no token used without its ballot; a locked or read-only database
answers 503 storage_unavailable (a clear "try again") at once, spending no token; a retry of
the same ballot then succeeds. Everything runs on 127.0.0.1 and stops by itself."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from votingapp import create_app
from votingapp.crypto import tokens as token_crypto
from votingapp.crypto.encoding import b64decode
from votingapp.extensions import db as _db
from votingapp.models import Ballot, Token, TokenState
from votingapp.services import ballots, publication
from votingapp.services.simulation import VoterError, post_json

from ..conftest import app_config
from ..helpers import Factory, seal_choices

pytestmark = pytest.mark.sealed_scheme  # exercises sealed-v2 sessions: see tests/conftest.py


BURST = 60
#: acknowledged casts before the kill: the rest are in flight or not sent yet
KILL_AFTER = 20
THREADS = 8


def _choices(session, option="tin-nhiem"):
    return {subject.key: option for subject in session.subjects}


def _token_states(session_id: str) -> dict[str, int]:
    _db.session.rollback()  # read what is committed now
    return dict(_db.session.execute(select(Token.state, func.count()).where(Token.session_id == session_id)
                                    .group_by(Token.state)).all())


def _ballot_receipts(session_id: str) -> set[str]:
    _db.session.rollback()
    return set(_db.session.scalars(select(Ballot.receipt).where(Ballot.session_id == session_id)))


def _cast(base_url: str, token: str, ballot: dict) -> tuple[int, str]:
    """(status, receipt or error code); (0, reason) when the server did not answer."""
    try:
        status, body = post_json(f"{base_url}/api/v1/ballot/cast", {"token": token, "ballot": ballot})
        return status, body["receipt"]
    except VoterError as error:
        return error.status, error.code
    except (OSError, http.client.HTTPException, ValueError) as error:  # refused, reset, or cut mid-answer
        return 0, type(error).__name__


# --- a locked or read-only database ----------------------------------------------------------

def _hold_write_lock(database_url: str, session_id: str):
    """Another connection holding the lock a cast needs: SQLite's write lock (BEGIN IMMEDIATE),
    or PostgreSQL's row lock on the session (what every cast of it takes first)."""
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    connection = engine.connect()
    if engine.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")
        connection.execute(text("SELECT id FROM ballot_sessions WHERE id = :id FOR UPDATE"), {"id": session_id})
    return engine, connection


@pytest.mark.app_config(DATABASE_WAIT=5.0)  # production's wait: then 503, not a 30 s hang
def test_a_cast_while_the_database_is_locked_gets_a_quick_503_to_retry_and_spends_no_token(
        app, make, live_server, database_url):
    session = make.open_session(subjects=2)
    [token] = ballots.issue_tokens(session, 1, mode="cli", by="test")
    ballot = seal_choices(session, _choices(session))
    session_id = session.id
    _db.session.rollback()
    engine, locker = _hold_write_lock(database_url, session_id)
    try:
        request = urllib.request.Request(f"{live_server}/api/v1/ballot/cast", method="POST",
                                         data=json.dumps({"token": token, "ballot": ballot}).encode(),
                                         headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as refused:  # after DATABASE_WAIT, not a 30 s hang
            urllib.request.urlopen(request, timeout=60)
        body = json.load(refused.value)
    finally:
        locker.exec_driver_sql("ROLLBACK")
        locker.close()
        engine.dispose()

    assert refused.value.code == 503
    assert refused.value.headers["Retry-After"] == "5"
    assert body["error"]["code"] == "storage_unavailable"
    assert "try again" in body["error"]["message"] and "thử lại" in body["error"]["message_vi"]
    assert _token_states(session_id) == {"issued": 1}
    assert _ballot_receipts(session_id) == set()

    status, receipt = _cast(live_server, token, ballot)  # the lock is gone: the same ballot again
    assert status == 201
    assert _ballot_receipts(session_id) == {receipt}
    assert _token_states(session_id) == {"used": 1}


def _read_only_url(database_url: str) -> str:
    if database_url.startswith("sqlite:///"):
        return f"sqlite:///file:{database_url[len('sqlite:///'):]}?mode=ro&uri=true"
    return database_url + "%20-cdefault_transaction_read_only%3Don"  # conftest's ?options=-csearch_path...


def test_a_cast_on_a_read_only_database_gets_503_and_spends_no_token(app, make, database_url):
    session = make.open_session(subjects=2)
    [token] = ballots.issue_tokens(session, 1, mode="cli", by="test")
    ballot = seal_choices(session, _choices(session))
    session_id = session.id
    read_only = create_app(app_config(_read_only_url(database_url),
                                      KEY_ENCRYPTION_KEY=app.config["KEY_ENCRYPTION_KEY"]))
    with read_only.app_context():
        response = read_only.test_client().post("/api/v1/ballot/cast", json={"token": token, "ballot": ballot})
        _db.session.remove()
        _db.engine.dispose()

    assert response.status_code == 503
    assert response.json["error"]["code"] == "storage_unavailable"
    assert response.headers["Retry-After"] == "5"
    assert _token_states(session_id) == {"issued": 1}
    assert _ballot_receipts(session_id) == set()


# --- SIGKILL in the middle of a burst ----------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_server(instance: Path, database_url: str) -> tuple[subprocess.Popen, str]:
    """`python -m votingapp.serve` (what scripts/serve execs) on a free loopback port, once it answers."""
    port = _free_port()
    env = {**os.environ, "VOTINGAPP_INSTANCE": str(instance), "DATABASE_URL": database_url, "HOST": "127.0.0.1",
           "PORT": str(port), "THREADS": str(THREADS)}
    process = subprocess.Popen([sys.executable, "-m", "votingapp.serve"], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited {process.returncode}: {process.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base_url}/login", timeout=5):
                return process, base_url
        except OSError:
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    raise AssertionError("serve did not answer within 90 s")


def _kill(process: subprocess.Popen) -> None:
    """SIGKILL to the server's whole process group: gunicorn's master and its worker, which
    serves the casts (killing the master alone lets the worker finish what it holds)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    process.stderr.close()


@pytest.fixture
def served(tmp_path, database_url, monkeypatch):
    """A real server process on its own instance and database, and an app in this process on
    the same database and keys (to open the session, read the tables and close)."""
    instance = tmp_path / "served"
    processes = []

    def start():
        process, base_url = _start_server(instance, database_url)
        processes.append(process)
        return process, base_url

    first = start()  # it migrates the database and makes the keys
    monkeypatch.setenv("VOTINGAPP_INSTANCE", str(instance))
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "PASSWORD_HASH_PROFILE": "cheapest"},
                     create_instance=False)
    try:
        with app.app_context():
            yield first, start
            _db.session.remove()
            _db.engine.dispose()
    finally:
        for process in processes:
            _kill(process)


def test_sigkill_during_a_burst_of_casts_loses_no_acknowledged_ballot_and_no_token_is_spent_without_one(served):
    (server, base_url), start = served
    factory = Factory()
    session = factory.open_session(meeting=factory.meeting(members=BURST), subjects=2)
    session_id = session.id
    voters = ballots.issue_tokens(session, BURST, mode="cli", by="test")
    options = ("tin-nhiem-cao", "tin-nhiem", "tin-nhiem-thap")
    sealed = {token: seal_choices(session, _choices(session, options[i % 3])) for i, token in enumerate(voters)}
    _db.session.rollback()

    acknowledged: dict[str, str] = {}
    lock = threading.Lock()
    enough = threading.Event()

    def cast(token):
        status, answer = _cast(base_url, token, sealed[token])
        if status in (200, 201):
            with lock:
                acknowledged[token] = answer
                if len(acknowledged) >= KILL_AFTER:
                    enough.set()
        return token, status, answer

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(cast, token) for token in voters]
        assert enough.wait(timeout=120), "the burst never reached the kill point"
        os.killpg(server.pid, signal.SIGKILL)
        outcomes = [future.result(timeout=120) for future in futures]
    server.wait(timeout=30)
    with lock:
        acknowledged_before_kill = dict(acknowledged)

    unanswered = [token for token, status, _ in outcomes if status == 0]
    assert unanswered, "the kill came after the burst: it proved nothing"
    assert all(status in (0, 200, 201) for _, status, _ in outcomes), outcomes

    # Right after the kill: every acknowledged ballot is stored, and each token used has its ballot.
    stored = _ballot_receipts(session_id)
    assert set(acknowledged_before_kill.values()) <= stored
    states = _token_states(session_id)
    assert states.get("used", 0) == len(stored)
    _assert_each_used_token_has_its_ballot(session_id, sealed, stored)

    # Restart: the unanswered phones send the same ballot again and each gets its receipt once.
    _, base_url = start()
    for token in unanswered:
        status, receipt = _cast(base_url, token, sealed[token])
        assert status in (200, 201), (status, receipt)
        acknowledged[token] = receipt

    factory_session = _db.session.get(type(session), session_id)
    ballots.close_session(factory_session, by="test")
    board = set(publication.stored_receipts(session_id))  # a board-v2's entries: the closed session's rows
    assert set(acknowledged.values()) == board
    assert len(board) == BURST
    assert _token_states(session_id) == {"used": BURST}
    _assert_each_used_token_has_its_ballot(session_id, sealed, board)


def _assert_each_used_token_has_its_ballot(session_id, sealed, stored_receipts):
    """The test knows each token's ballot, so it can check what nobody else can: a used token's
    receipt MAC (keyed by the token) names the receipt of its own ballot, and that is in the box."""
    used = dict(_db.session.execute(select(Token.hash, Token.receipt_mac).where(
        Token.session_id == session_id, Token.state == TokenState.USED.value)).all())
    for token, ballot in sealed.items():
        normalized = token_crypto.normalize_token(token)
        mac = used.get(token_crypto.token_hash(normalized))
        if mac is None:
            continue
        receipt = _receipt_of(ballot)
        assert mac == token_crypto.receipt_mac(normalized, receipt)
        assert receipt in stored_receipts
    assert len(used) == len(stored_receipts)


def _receipt_of(ballot: dict) -> str:
    """docs/formats.md §1: the receipt is SHA-256 of epk || nonce || ct."""
    return hashlib.sha256(b64decode(ballot["epk"]) + b64decode(ballot["nonce"]) + b64decode(ballot["ct"])).hexdigest()

"""A hall of phones: each keeps its connection alive while the voter reads the ballot. With
waitress's default limit (100), once, a new voter behind 400 idle phones got no answer in 30 s; and a
hall casting at the same moment gets a receipt on every phone (scripts/bench measures how fast,
with 500 phones; the test is sized for a small CI machine)."""

from __future__ import annotations

import http.client
import json
import socket
import threading

import pytest
from sqlalchemy import func, select

from votingapp import create_app
from votingapp.extensions import db as _db
from votingapp.models import Ballot, Token, TokenState
from votingapp.serve import Server, listen
from votingapp.services import ballots

from ..conftest import app_config
from ..helpers import Factory, seal_choices
from .servers import free_port, post_json, running_server, serve_command, serve_env

IDLE_PHONES = 400
#: phones casting at once, each on its own keep-alive connection
CASTING_PHONES = 200

pytestmark = pytest.mark.slow


def hold_keep_alive(port: int) -> socket.socket:
    """A phone that loaded a page over keep-alive and now sits idle on the open connection."""
    phone = socket.create_connection(("127.0.0.1", port), timeout=10)
    phone.sendall(b"GET /v HTTP/1.1\r\nHost: hall\r\nConnection: keep-alive\r\n\r\n")
    return phone


def test_a_new_lookup_is_answered_while_400_idle_phones_hold_connections(tmp_path):
    """Beyond waitress's default 100 connections a new phone was once never served: now it is (its
    latency is a benchmark's business, not a test's; the request's own timeout bounds the wait)."""
    port = free_port()
    with running_server(serve_command(), serve_env(tmp_path / "instance", port)):
        phones = []
        try:
            for _ in range(IDLE_PHONES):
                phones.append(hold_keep_alive(port))
            for phone in phones:  # every one was served, and its connection stays open
                assert phone.recv(12).startswith(b"HTTP/1.1 ")
            status, body = post_json(port, "/api/v1/ballot/lookup", {"token": "A" * 26}, timeout=10)
        finally:
            for phone in phones:
                phone.close()
    assert status == 404 and body["error"]["code"] == "unknown_token"


def test_the_server_is_built_with_the_connection_limit_and_idle_timeout():
    """gunicorn's threads wait on epoll, however many phones hold a connection; each worker
    holds CONNECTION_LIMIT of them and closes one idle for CHANNEL_TIMEOUT seconds."""
    listener = listen("127.0.0.1", 0)
    try:
        server = Server(listener, workers=1, threads=4, connection_limit=1000, channel_timeout=60)
        assert server.cfg.worker_class_str == "gthread"
        assert (server.cfg.workers, server.cfg.threads) == (1, 4)
        assert server.cfg.worker_connections == 1000
        assert server.cfg.keepalive == 60
        assert server.cfg.address == [listener.fileno()]  # serves on the socket bound beforehand
    finally:
        listener.close()


def test_a_hall_of_phones_casting_at_once_each_gets_its_receipt(tmp_path, database_url, monkeypatch):
    """Every phone has loaded the page on a keep-alive connection; then all cast at the same
    moment on it. No error, no retry needed: each gets 201 and its receipt, and the box holds
    exactly those ballots, one per token used."""
    port, instance = free_port(), tmp_path / "instance"
    env = serve_env(instance, port, THREADS=16, **({"DATABASE_URL": database_url}
                                                   if database_url.startswith("postgres") else {}))
    if not database_url.startswith("postgres"):
        database_url = f"sqlite:///{instance / 'votingapp.db'}"
    with running_server(serve_command(), env):
        monkeypatch.setenv("VOTINGAPP_INSTANCE", str(instance))
        app = create_app(app_config(database_url), create_instance=False)
        with app.app_context():
            factory = Factory()
            session = factory.open_session(meeting=factory.meeting(members=CASTING_PHONES), subjects=3)
            session_id = session.id
            codes = ballots.issue_tokens(session, CASTING_PHONES, mode="cli", by="test")
            wire = [seal_choices(session, {subject.key: "tin-nhiem" for subject in session.subjects})
                    for _ in codes]
            _db.session.rollback()
            phones = [http.client.HTTPConnection("127.0.0.1", port, timeout=120) for _ in codes]
            start, answers = threading.Barrier(len(phones)), [None] * len(phones)

            def phone(index: int):
                connection = phones[index]
                connection.request("GET", "/v")  # the page, on the connection kept alive
                connection.getresponse().read()
                start.wait(60)
                connection.request("POST", "/api/v1/ballot/cast", json.dumps({"token": codes[index],
                                                                                "ballot": wire[index]}),
                                   {"Content-Type": "application/json"})
                response = connection.getresponse()
                answers[index] = (response.status, json.loads(response.read()).get("receipt"))
                connection.close()

            threads = [threading.Thread(target=phone, args=(i,), daemon=True) for i in range(len(phones))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(180)

            assert [answer and answer[0] for answer in answers] == [201] * CASTING_PHONES
            receipts = {receipt for _, receipt in answers}
            assert len(receipts) == CASTING_PHONES
            stored = set(_db.session.scalars(select(Ballot.receipt).where(Ballot.session_id == session_id)))
            assert stored == receipts
            used = _db.session.scalar(select(func.count()).select_from(Token).where(
                Token.session_id == session_id, Token.state == TokenState.USED.value))
            assert used == CASTING_PHONES
            _db.session.remove()
            _db.engine.dispose()

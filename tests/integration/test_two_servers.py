"""Two real server processes on one PostgreSQL database, as WORKERS=n or several hosts run:
they start together (one upgrades, under an advisory lock), share the keys through the
instance folder, give one ballot per token when the same token is cast at both at once, and
publish the same results."""

from __future__ import annotations

import http.client
import json
import threading
from contextlib import ExitStack

import pytest

from votingapp import create_app
from votingapp.audit.verify import EXIT_UNPINNED, verify_bundle
from votingapp.services import ballots, tallying

from ..conftest import TEST_DATABASE_URL
from ..helpers import Factory, seal_choices
from .servers import free_port, post_json, running_server, serve_command, serve_env

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not TEST_DATABASE_URL.startswith("postgres"), reason="needs PostgreSQL")]

VOTERS = 8


def get_json(port: int, path: str) -> dict:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        assert response.status == 200, (path, response.status)
        return json.loads(response.read())
    finally:
        connection.close()


def cast_at_both(ports, token, wire_ballots) -> list[int]:
    """The same token, with a different ballot, sent to both servers at the same moment."""
    start, statuses = threading.Barrier(len(ports)), [None] * len(ports)

    def send(index):
        start.wait(10)
        statuses[index], _ = post_json(ports[index], "/api/v1/ballot/cast",
                                       {"token": token, "ballot": wire_ballots[index]}, timeout=30)

    threads = [threading.Thread(target=send, args=(i,), daemon=True) for i in range(len(ports))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return statuses


def test_two_servers_on_one_database_give_one_ballot_per_token_and_the_same_results(database_url, tmp_path,
                                                                                    monkeypatch):
    instance = tmp_path / "instance"
    ports = [free_port(), free_port()]
    with ExitStack() as servers:
        for port in ports:  # started together: both upgrade the same empty database at once
            servers.enter_context(running_server(serve_command(), serve_env(instance, port, DATABASE_URL=database_url),
                                                 timeout=120))
        monkeypatch.setenv("VOTINGAPP_INSTANCE", str(instance))  # the servers' KEK and signing key
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PASSWORD_HASH_PROFILE": "cheapest"})
        with app.app_context():
            make = Factory()
            session = make.open_session(meeting=make.meeting(members=VOTERS))
            tokens = ballots.issue_tokens(session, VOTERS, mode="cli", by="test")
            keys = [subject.key for subject in session.subjects]
            for token in tokens:
                pair = [seal_choices(session, {key: "tin-nhiem-cao" for key in keys}),
                        seal_choices(session, {key: "tin-nhiem-thap" for key in keys})]
                assert sorted(cast_at_both(ports, token, pair)) == [201, 409]
            ballots.close_session(session, by="test")
            tallying.tally_session(session, by="test")
            session_id = session.id
        bundles = [get_json(port, f"/api/v1/sessions/{session_id}/bundle") for port in ports]
    assert bundles[0] == bundles[1]
    board = bundles[0]["board"]
    assert board["counts"]["ballots"] == VOTERS and board["counts"]["tokens_used"] == VOTERS
    assert len(board["entries"]) == VOTERS
    assert verify_bundle(bundles[0]).exit_code == EXIT_UNPINNED  # every check passed (no key pinned)

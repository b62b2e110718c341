"""A hall of phones: each keeps its connection alive while the voter reads the ballot. With
waitress's default limit (100) a new voter behind 400 idle phones got no answer in 30 s."""

from __future__ import annotations

import socket

import pytest

from votingapp.serve import make_server

from .servers import free_port, post_json, running_server, serve_command, serve_env

IDLE_PHONES = 400

pytestmark = pytest.mark.slow


def hold_keep_alive(port: int) -> socket.socket:
    """A phone that loaded a page over keep-alive and now sits idle on the open connection."""
    phone = socket.create_connection(("127.0.0.1", port), timeout=10)
    phone.sendall(b"GET /v HTTP/1.1\r\nHost: hall\r\nConnection: keep-alive\r\n\r\n")
    return phone


def test_a_new_lookup_is_answered_while_400_idle_phones_hold_connections(tmp_path):
    """Beyond waitress's default 100 connections a new phone was never served: now it is (its
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


def test_the_server_is_built_with_the_connection_limit_and_idle_timeout(app):
    server = make_server(app, "127.0.0.1", 0, 2, connection_limit=1000, channel_timeout=60)
    try:
        assert server.adj.connection_limit == 1000
        assert server.adj.channel_timeout == 60
        assert server.adj.asyncore_use_poll  # select() cannot watch descriptors past 1023
    finally:
        server.close()

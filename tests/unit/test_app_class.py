"""extensions.App keeps Flask's ensure_sync answer per function, without keeping the functions."""

from __future__ import annotations

import gc

from flask import after_this_request

from votingapp.extensions import App


def _app() -> App:
    app = App(__name__)

    @app.get("/")
    def index():
        @after_this_request  # a function made for this one request
        def stamp(response):
            response.headers["X-Stamp"] = "1"
            return response
        return "ok"

    return app


def test_a_function_made_for_one_request_is_not_kept_by_the_cache():
    app = _app()
    client = app.test_client()
    for _ in range(50):
        response = client.get("/")
        assert response.headers["X-Stamp"] == "1"
    gc.collect()
    kept = [func for func in app._is_sync if func.__name__ == "stamp"]
    assert kept == []  # a plain dict would hold all 50
    assert app.view_functions["index"] in app._is_sync  # the view is remembered


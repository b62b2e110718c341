"""Every answer carries a strict CSP, nosniff and a referrer policy; the login cookie is Secure
behind HTTPS; no page holds an inline script or event handler (the CSP would block it)."""

from __future__ import annotations

import re

import pytest

from votingapp import create_app
from votingapp.crypto.keywrap import new_kek

from ..helpers import parse_html


@pytest.mark.parametrize("path", ["/login", "/v", "/receipt", "/api/v1/ballot/lookup", "/chair/", "/static/js/app.js"])
def test_every_answer_has_the_security_headers(client, path):
    answer = client.get(path)
    csp = answer.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    script_src = re.search(r"script-src ([^;]+)", csp).group(1)
    assert script_src == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["X-Frame-Options"] == "DENY"
    voter = path in ("/v", "/receipt") or path.startswith("/api/v1/ballot/")
    assert answer.headers["Referrer-Policy"] == ("no-referrer" if voter else "same-origin")


def test_pages_hold_no_inline_script_or_handler(client, chair, make):
    session = make.open_session()
    pages = [client.get(url).get_data(as_text=True) for url in
             ("/login", "/v", "/receipt", "/chair/", f"/chair/sessions/{session.id}",
              f"/chair/meetings/{session.meeting.id}", f"/chair/sessions/{session.id}/kiosk")]
    for html in pages:
        tree = parse_html(html)
        scripts = [node.html for node in tree.css("script")
                   if "src" not in node.attributes and node.attributes.get("type") != "application/json"]
        assert scripts == [], scripts
        handlers = [(node.tag, name) for node in tree.css("*") for name in node.attributes if name.startswith("on")]
        assert handlers == [], handlers
        assert "javascript:" not in html


@pytest.mark.parametrize("public_url, secure", [("https://bo-phieu.example.vn", True),
                                                ("http://192.168.1.10:8000", False)])
def test_the_login_cookie_is_secure_behind_https(tmp_path, monkeypatch, public_url, secure):
    monkeypatch.setenv("VOTINGAPP_INSTANCE", str(tmp_path))
    monkeypatch.setenv("VOTINGAPP_PUBLIC_URL", public_url)
    app = create_app({"TESTING": True, "SECRET_KEY": "s", "KEY_ENCRYPTION_KEY": new_kek(),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite'}"})
    assert app.config["SESSION_COOKIE_SECURE"] is secure

"""The voter-code fingerprint: the number shown to the chair, printed in the minutes and on the
cards is the SHA-256 of the bytes the server actually sends for the voter page's scripts."""

from __future__ import annotations

import hashlib
import io
import json
import re

import pytest
from pypdf import PdfReader

from votingapp.crypto.fingerprint import PAGE_SCRIPTS, VOTER_SCRIPTS, grouped, voter_code_fingerprint
from votingapp.services import ballots, tallying

from ..helpers import element, parse_html, seal_choices

pytestmark = pytest.mark.sealed_scheme  # new sessions sealed-v2 here: see tests/conftest.py


def fingerprint_of_served_bytes(client) -> str:
    """As an auditor computes it: `sha256sum` lines of the downloaded files, then SHA-256."""
    lines = ""
    for name in VOTER_SCRIPTS:
        answer = client.get(f"/static/{name}")
        assert answer.status_code == 200
        lines += f"{hashlib.sha256(answer.data).hexdigest()}  {name}\n"
    return hashlib.sha256(lines.encode()).hexdigest()


def test_the_voter_page_loads_exactly_the_fingerprinted_scripts_in_order(client):
    """The page names its two scripts; the only other script it can run is the one voter.js
    adds for a sealed session, named in the page's strings: the fingerprint covers all three."""
    page = client.get("/v").get_data(as_text=True)
    loaded = [node.attributes["src"].split("?")[0].removeprefix("/static/")
              for node in parse_html(page).css("script[src]")]
    assert tuple(loaded) == PAGE_SCRIPTS
    strings = json.loads(element(page, "#voter-strings").text())
    lazy = [url.split("?")[0].removeprefix("/static/") for key, url in strings.items() if key.endswith("_url")
            and url.startswith("/static/")]
    assert tuple(loaded) + tuple(lazy) == VOTER_SCRIPTS


def test_the_session_page_shows_the_sha256_of_the_bytes_served(client, chair, make):
    session = make.open_session()
    served = fingerprint_of_served_bytes(client)
    page = client.get(f"/chair/sessions/{session.id}").get_data(as_text=True)
    assert f'data-sha256="{served}"' in page and grouped(served) in page
    assert session.voter_code_sha256 == served
    assert "voter-code-changed" not in page


def test_a_change_of_the_served_code_after_opening_is_shown_in_red(app, client, chair, make, tmp_path):
    session = make.open_session()
    static = tmp_path / "static"
    for name in VOTER_SCRIPTS:
        (static / name).parent.mkdir(parents=True, exist_ok=True)
        (static / name).write_bytes(b"/* another voter code */")
    app.static_folder = str(static)
    served = fingerprint_of_served_bytes(client)
    assert served == voter_code_fingerprint(static) != session.voter_code_sha256
    page = client.get(f"/chair/sessions/{session.id}").get_data(as_text=True)
    assert f'data-sha256="{served}"' in page and 'data-testid="voter-code-changed"' in page


def test_the_minutes_print_the_fingerprint_the_session_opened_with(client, login_as, make):
    session = make.open_session()
    served = fingerprint_of_served_bytes(client)
    for token in ballots.issue_tokens(session, 1, mode="api", by="test"):
        ballots.cast_ballot(token, seal_choices(session, {s.key: "tin-nhiem-cao" for s in session.subjects}))
    ballots.close_session(session, by="test")
    tallying.tally_session(session, by="test")
    login_as("chair")
    pdf = client.get(f"/chair/sessions/{session.id}/minutes.pdf").data
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
    assert served in text

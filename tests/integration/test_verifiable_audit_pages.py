"""The audit pages of a verifiable-v1 session: the public board shows each checked (spoiled)
ballot's short code and decoded choices; the auditor view runs the verifier's verifiable
checks and offers no auditor level (no key exists to ask shares for).

The session rows come from the sealed fixtures with the board and bundle a verifiable session
publishes put in their place (tests/verifiable_bundles), so these pages are tested on exactly
the documents `votingapp verify` checks."""

from __future__ import annotations

import pytest

from votingapp.audit.verify import VERIFIABLE_CHECKS
from votingapp.crypto import verifiable as V
from votingapp.extensions import db
from votingapp.models import Board
from votingapp.services import ballots, publication

from ..helpers import parse_html
from ..verifiable_bundles import flip, make_bundle, with_spoiled
from .test_audit_pages import english  # noqa: F401 - a fixture

CHOICES = [[0, 1], [2, 2], None]


@pytest.fixture
def verifiable(make, app):
    """A closed session whose stored board and bundle are a verifiable-v1 session's."""
    session = make.open_session()
    ballots.close_session(session, by="test")
    made = make_bundle(CHOICES, spoiled=[[2, 0], None], session_id=session.id,
                       subject_ids=tuple(s.key for s in session.subjects), key=app.config["SIGNING_KEY"])
    board = db.session.get(Board, session.id)
    board.document = {key: value for key, value in made.bundle["board"].items() if key != "entries"}
    session.scheme = V.SCHEME
    db.session.commit()
    return session, made


def test_board_page_shows_each_checked_ballot_decoded(client, english, verifiable):  # noqa: F811
    session, made = verifiable
    html = client.get(f"/board/{session.id}").get_data(as_text=True)
    section = parse_html(html).css_first("section.board-spoiled")
    assert "Checked ballots" in section.text() and "(2)" in section.css_first("h2").text()
    names = [s["name"] for s in made.bundle["board"]["session"]["subjects"]]
    marked, blank = (V.receipt_of(ballot) for ballot, _ in made.spoiled)
    item = section.css_first(f"li#s-{marked[:8]}")
    assert item.css_first("strong").text() == marked[:8]
    assert [(dt.text(), dd.text()) for dt, dd in zip(item.css("dt"), item.css("dd"), strict=True)] == \
        [(names[0], "Low confidence"), (names[1], "High confidence")]
    assert "Blank ballot (no mark)" in section.css_first(f"li#s-{blank[:8]}").text()


def test_board_page_in_vietnamese_gives_the_labels_in_vietnamese(client, verifiable):
    session, made = verifiable
    html = client.get(f"/board/{session.id}").get_data(as_text=True)
    section = parse_html(html).css_first("section.board-spoiled")
    assert "Tín nhiệm thấp" in section.text() and "Tín nhiệm cao" in section.text()
    assert "Checked ballots" not in html and "Blank ballot" not in html


def test_board_page_marks_a_checked_ballot_that_does_not_open(client, english, verifiable):  # noqa: F811
    session, made = verifiable
    (ballot, reveal), other = made.spoiled
    bundle = with_spoiled(made.bundle, [(ballot, flip(reveal, 0)), other])
    db.session.get(Board, session.id).document = {k: v for k, v in bundle["board"].items() if k != "entries"}
    db.session.commit()
    html = client.get(f"/board/{session.id}").get_data(as_text=True)
    failed = parse_html(html).css_first("section.board-spoiled li.is-failed")
    assert V.receipt_of(ballot) in failed.text() and "bad_reveal" in failed.text()


def test_a_sealed_board_page_has_no_checked_ballots_section(client, english, make):  # noqa: F811
    session = make.open_session(scheme="sealed-v2")
    ballots.close_session(session, by="test")
    assert "board-spoiled" not in client.get(f"/board/{session.id}").get_data(as_text=True)


def test_auditor_view_runs_the_verifiable_checks_and_offers_no_auditor_level(client, english, login_as,  # noqa: F811
                                                                            verifiable, monkeypatch):
    session, made = verifiable
    monkeypatch.setattr(publication, "streamed_bundle", lambda session, key=None: made.bundle)
    login_as("auditor")
    html = client.get(f"/audit/sessions/{session.id}").get_data(as_text=True)
    assert "Everything matches" in html, html
    shown = [check.css_first("code").text() for check in parse_html(html).css("li.check")]
    assert shown == list(VERIFIABLE_CHECKS)
    assert "The decrypted sums give exactly the signed tally's numbers" in html
    assert "Not needed for this session: its ballots are verifiable." in html
    assert 'name="share"' not in html and "auditor-form" not in html
    assert "Decrypt and recount here" not in html and "Download the auditor bundle" not in html

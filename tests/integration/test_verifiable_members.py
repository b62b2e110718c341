"""The counting committee of a verifiable-v1 session, in the pages: share cards whose QR code
opens the member page with the share in the fragment, the member page itself, and the chair's
closed page that follows which members' phones have decrypted and counts once k have."""

from __future__ import annotations

import io
import re

import pypdf

from votingapp.crypto.encoding import b64decode, b64encode
from votingapp.crypto.verifiable.session import share_from_bytes
from votingapp.crypto.verifiable.tally import partial_decrypt
from votingapp.documents import share_cards
from votingapp.extensions import db
from votingapp.models import BallotSession
from votingapp.services import ballots, verifiable

from ..helpers import element
from ..helpers import post_form as post
from .test_verifiable_tally import CONFIDENCE_MARKS, _put_ballots


def reload(session) -> BallotSession:
    db.session.expire_all()
    return db.session.get(BallotSession, session.id)


def open_with_cards(client, session, monkeypatch) -> tuple[list[str], list[str]]:
    """Open through the chair's form; returns each card's QR text and page text."""
    drawn = []
    real = share_cards._draw_qr
    monkeypatch.setattr(share_cards, "_draw_qr", lambda pdf, text, *a: drawn.append(text) or real(pdf, text, *a))
    opened = post(client, f"/chair/sessions/{session.id}/open/committee", {"threshold": "2", "holders": "3"})
    assert opened.status_code == 200 and opened.mimetype == "application/pdf", opened.get_data(as_text=True)
    pages = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(opened.data)).pages]
    return drawn, pages


def test_a_verifiable_card_opens_the_member_page_with_the_share_in_the_fragment(client, chair, make, monkeypatch):
    session = make.session(scheme=verifiable.SCHEME)
    drawn, pages = open_with_cards(client, session, monkeypatch)
    session = reload(session)
    public = verifiable.crypto_session(session)
    assert len(drawn) == len(pages) == 3
    for number, (qr, page) in enumerate(zip(drawn, pages, strict=True), start=1):
        match = re.fullmatch(r"http://(?!localhost)[^/]+/member/([0-9a-f-]{36})#share=([A-Za-z0-9_-]{43})", qr)
        assert match and match[1] == session.id, qr
        assert share_from_bytes(public, b64decode(match[2])).index == number
        assert f"Mảnh khóa {number}/3" in page
        assert verifiable.share_secret_from_words(page) == b64decode(match[2])  # the words, as a pasted card


def test_a_sealed_card_still_carries_its_words(client, chair, make, monkeypatch):
    session = make.session(scheme="sealed-v2")
    drawn, pages = open_with_cards(client, session, monkeypatch)
    assert all(len(text.split()) >= 20 and "://" not in text for text in drawn)


def test_the_member_page_is_public_light_and_only_for_committee_verifiable_sessions(client, make):
    session = make.session(scheme=verifiable.SCHEME)
    ballots.open_session(session, by="test", custody="committee", threshold=2, holders=3)
    page = client.get(f"/member/{session.id}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    html = page.get_data(as_text=True)
    assert "member.bundle.js" in html and "htmx" not in html and "csrf" not in html.lower()
    assert f"/api/v1/sessions/{session.id}/partials" in html
    sealed = make.session(scheme="sealed-v2")
    ballots.open_session(sealed, by="test", custody="committee", threshold=2, holders=3)
    assert client.get(f"/member/{sealed.id}").status_code == 404
    system = make.session(scheme=verifiable.SCHEME)
    ballots.open_session(system, by="test")
    assert client.get(f"/member/{system.id}").status_code == 404
    assert client.get("/member/nope").status_code == 404


def test_the_chair_sees_members_come_in_and_counts_once_k_have(client, chair, make, monkeypatch):
    session = make.session(scheme=verifiable.SCHEME)
    drawn, _ = open_with_cards(client, session, monkeypatch)
    session = reload(session)
    _put_ballots(session, CONFIDENCE_MARKS)
    ballots.close_session(session, by="test")
    url = f"/chair/sessions/{session.id}"
    closed = client.get(url).get_data(as_text=True)
    assert 'name="share"' not in closed and 'name="committee"' in closed
    assert "No ballot is decrypted" in closed and f"/member/{session.id}" in closed
    assert "disabled" in element(closed, "#tally-button").attributes
    assert "every 2s" in closed

    assert post(client, f"{url}/tally").status_code == 409  # partials_needed
    public = verifiable.crypto_session(session)
    sums = verifiable.sums_of(session)
    for qr in drawn[1:]:
        share = share_from_bytes(public, b64decode(qr.partition("#share=")[2]))
        sent = client.post(f"/api/v1/sessions/{session.id}/partials",
                           json={"member": share.index, "partial": b64encode(partial_decrypt(public, share, sums))})
        assert sent.status_code == 201
        poll = client.get(f"{url}/decryption", headers={"HX-Request": "true"}).get_data(as_text=True)
        assert f'data-member="{share.index}"' in poll and 'hx-swap-oob="true"' in poll
    assert "every 2s" not in poll and "disabled" not in element(poll, "#tally-button").attributes
    assert "decryption received and checked" in poll

    counted = post(client, f"{url}/tally", {"committee": ["Nguyễn Thị Hoa"]})
    assert counted.status_code == 302 and counted.headers["Location"].endswith("/results")
    document = reload(session).tally.document
    assert document["decryption"]["members"] == [2, 3]
    results = client.get(f"{url}/results")
    assert results.status_code == 200
    assert client.get(f"{url}/minutes.pdf").data.startswith(b"%PDF")
    assert client.get(f"{url}/decryption", headers={"HX-Request": "true"}).headers.get("HX-Refresh") == "true"


def test_a_system_custody_verifiable_session_counts_in_one_click(client, chair, make):
    session = make.session(scheme=verifiable.SCHEME)
    assert post(client, f"/chair/sessions/{session.id}/open").status_code == 302
    session = reload(session)
    _put_ballots(session, CONFIDENCE_MARKS)
    ballots.close_session(session, by="test")
    closed = client.get(f"/chair/sessions/{session.id}").get_data(as_text=True)
    assert 'name="share"' not in closed and "every 2s" not in closed
    assert "disabled" not in element(closed, "#tally-button").attributes
    assert post(client, f"/chair/sessions/{session.id}/tally").status_code == 302
    assert reload(session).tally.document["decryption"]["members"] == [1]

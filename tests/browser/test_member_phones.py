"""Counting-committee members decrypt on their own phones (verifiable-v1), in headless Chromium
against the real WSGI server. The share card's QR code opens the member page with the share in
the URL fragment; the phone sends only its partial decryption. Every request the phone makes is
captured: no URL, header or body carries the share (as B64 or as words), and neither do the
server's log records or any database row. Then the chair, on the closed session's page, sees
two of three members come in and counts; the results show."""

from __future__ import annotations

import logging
import re

import pypdf

from votingapp.crypto.encoding import b64decode, b64encode
from votingapp.extensions import db
from votingapp.models import PartialDecryption
from votingapp.services import ballots, verifiable

from ..integration.test_secrecy import _all_rows_as_text
from ..integration.test_verifiable_tally import CONFIDENCE_MARKS, _put_ballots
from .conftest import card_qr_texts, log_in_new_user, new_phone, open_with_committee, screenshot
from .test_chair_sessions import fresh
from .test_committee_custody import HOLDERS

DONE = "[data-screen=done]:not([hidden])"


def committee_session(make, marks=CONFIDENCE_MARKS):
    session = make.session(scheme=verifiable.SCHEME, title="Lấy phiếu tín nhiệm năm 2026")
    shares = ballots.open_session(session, by="test", custody="committee", threshold=2, holders=3)
    _put_ballots(session, marks)
    ballots.close_session(session, by="test")
    return session, shares


def forms_of_share(words: str) -> list[str]:
    """Every way the share could leak: its B64, hex and words (whole, and each run of four)."""
    raw = verifiable.share_secret_from_words(words)
    split = words.split()
    return [b64encode(raw), raw.hex(), words, *(" ".join(split[i:i + 4]) for i in range(len(split) - 3)),
            *("+".join(split[i:i + 4]) for i in range(len(split) - 3)),
            *("%20".join(split[i:i + 4]) for i in range(len(split) - 3))]


def capture_requests(page, seen: list[str]) -> list[str]:
    """Every request the page makes, as one line: method, URL, headers and body."""
    def record(request):
        headers = request.all_headers()
        seen.append(" ".join([request.method, request.url, repr(headers), request.post_data or ""]))
    page.on("request", record)
    return seen


def test_the_share_never_leaves_the_phone(phone, live_server, make, caplog):
    caplog.set_level(logging.DEBUG)
    session, shares = committee_session(make)
    secret = b64encode(verifiable.share_secret_from_words(shares[0].words))
    seen = capture_requests(phone, [])
    phone.goto(f"{live_server}/member/{session.id}?lang=en#share={secret}")
    phone.wait_for_selector(DONE, timeout=30000)
    assert "share=" not in phone.url and secret not in phone.url  # wiped from the address bar
    assert "Done: member 1" in phone.text_content(DONE)
    assert "Still needed: 1" in phone.text_content(DONE)
    screenshot(phone, "member-phone-done")

    # the third member types the card's 33 words instead, in capitals, in rows of three
    typist = phone.context.new_page()
    capture_requests(typist, seen)
    typist.goto(f"{live_server}/member/{session.id}")
    words = shares[2].words.split()
    typist.fill("#words-input", "\n".join(" ".join(words[i:i + 3]).upper() for i in range(0, 33, 3)))
    screenshot(typist, "member-phone-words")
    typist.click("#words-form button[type=submit]")
    typist.wait_for_selector(DONE, timeout=30000)
    assert typist.input_value("#words-input") == ""
    assert "Đủ số thành viên" in typist.text_content(DONE) or "Enough members" in typist.text_content(DONE)

    posts = [line for line in seen if line.startswith("POST ")]
    assert len(posts) == 2 and all(f"/api/v1/sessions/{session.id}/partials" in line for line in posts)
    logs = "\n".join(record.getMessage() for record in caplog.records)
    rows = _all_rows_as_text(db)
    for share in (shares[0], shares[2]):
        for form in forms_of_share(share.words):
            assert not any(form in line for line in seen), f"a request carried the share ({form[:12]}…)"
            assert form not in logs and form not in rows
    raw = verifiable.share_secret_from_words(shares[0].words)
    assert repr(raw) not in rows
    stored = {row.member for row in db.session.query(PartialDecryption).filter_by(session_id=session.id)}
    assert stored == {1, 3}


def test_a_card_for_another_session_is_refused_on_the_phone(phone, live_server, make):
    session, _ = committee_session(make, marks=CONFIDENCE_MARKS[:2])
    _, other = committee_session(make, marks=CONFIDENCE_MARKS[:2])
    secret = b64encode(verifiable.share_secret_from_words(other[0].words))
    phone.goto(f"{live_server}/member/{session.id}?lang=en#share={secret}")
    phone.wait_for_selector("[data-screen=error]:not([hidden])", timeout=30000)
    assert "not for this session" in phone.text_content("#member-error-title")
    assert db.session.query(PartialDecryption).count() == 0


def test_two_of_three_members_decrypt_on_their_phones_then_the_chair_counts(browser, laptop, live_server, make,
                                                                           app, tmp_path):
    app.config["PUBLIC_URL"] = live_server  # the cards' QR codes open this server (a LAN address in a hall)
    session = make.session(scheme=verifiable.SCHEME, title="Lấy phiếu tín nhiệm năm 2026")
    page = laptop
    log_in_new_user(page, live_server, make)
    saved = str(open_with_committee(page, live_server, session, tmp_path, names=HOLDERS))
    qr_urls = [texts[0] for texts in card_qr_texts(saved)]
    assert all(re.fullmatch(rf"{re.escape(live_server)}/member/{session.id}#share=[A-Za-z0-9_-]{{43}}", url)
               for url in qr_urls), qr_urls
    pages = [p.extract_text() for p in pypdf.PdfReader(saved).pages]
    assert all(f"Mảnh khóa {i}/3" in text and holder in text
               for i, (text, holder) in enumerate(zip(pages, HOLDERS, strict=True), start=1))

    session = fresh(session)
    _put_ballots(session, CONFIDENCE_MARKS)
    page.click("details.close-confirm > summary")
    page.click("details.close-confirm button.danger")
    page.wait_for_selector("#session-state.state-closed")
    assert page.locator("#tally-button").is_disabled()
    assert page.locator("textarea[name=share]").count() == 0
    assert page.text_content("[data-testid=members-done]").split()[0] == "0"

    for url in (qr_urls[0], qr_urls[2]):  # members 1 and 3, each on their own phone
        with new_phone(browser) as member:
            member.goto(url)
            member.wait_for_selector(DONE, timeout=30000)

    page.wait_for_selector("#tally-button:not([disabled])", timeout=10000)  # the poll saw them come in
    assert page.locator("[data-member='1'] .badge.ok").count() == 1
    assert page.locator("[data-member='2'] .badge.ok").count() == 0
    assert page.locator("[data-member='3'] .badge.ok").count() == 1
    screenshot(page, "chair-members-decrypted")
    page.locator("input[name=committee]").first.fill(HOLDERS[0])
    page.click("#tally-button")
    page.wait_for_url(re.compile(r".*/results$"))
    document = fresh(session).tally.document
    assert document["decryption"]["members"] == [1, 3] and document["committee"] == [HOLDERS[0]]
    assert document["ballots"]["received"] == 5 and document["ballots"]["invalid_by_reason"] == {"blank": 1}
    for subject in fresh(session).subjects:
        assert subject.name in page.text_content("main")
    assert b64decode(document["decryption"]["partials"][0])

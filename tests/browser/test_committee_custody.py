"""A counting-committee key on a sealed-v2 session, in headless Chromium against the real WSGI
server: the chair opens with a 2-of-3 key and gets the share cards as a download (the page then
shows the open session), phones vote over HTTP, the chair closes, and two members' cards typed
into the tally form count the ballots. A wrong pair is refused in place, with what was typed
kept. (A verifiable-v1 session's members decrypt on their own phones: test_member_phones.py.)"""

from __future__ import annotations

import re

import pypdf
import pytest

from votingapp.crypto.shares import normalize_share
from votingapp.services import ballots

from .conftest import card_qr_texts, log_in_new_user, open_with_committee, screenshot
from .test_chair_sessions import HIGH, LOW, cast_over_http, fresh

pytestmark = pytest.mark.browser

MIDDLE = "tin-nhiem"
HOLDERS = ["Nguyễn Thị Hoa", "Trần Văn Bình", "Lê Văn Cường"]


@pytest.mark.sealed_scheme  # typed key shares: only a sealed session's committee key is counted from them
def test_chair_opens_with_a_committee_key_downloads_the_cards_and_counts_with_two_of_them(laptop, live_server,
                                                                                          make, tmp_path):
    meeting = make.meeting(members=5, present=4, title="Hội nghị kiểm điểm cuối năm 2026")
    session = make.session(meeting=meeting, subjects=2, title="Lấy phiếu tín nhiệm cấp ủy viên năm 2026")
    assert session.scheme == "sealed-v2"
    page = laptop
    log_in_new_user(page, live_server, make)
    path = open_with_committee(page, live_server, session, tmp_path, names=HOLDERS)
    assert re.fullmatch(r"manh-khoa-[0-9a-f]{8}\.pdf", path.name)
    saved = str(path)

    with open(saved, "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    pages = [p.extract_text() for p in pypdf.PdfReader(saved).pages]
    assert len(pages) == 3
    cards = [normalize_share(text) for text in pages]
    for number, (text, words, holder) in enumerate(zip(pages, cards, HOLDERS, strict=True), start=1):
        assert f"Mảnh khóa {number}/3 — cần 2 mảnh để kiểm phiếu" in text and holder in text
        assert len(words.split()) == 33 and all(word in text for word in words.split())
    assert card_qr_texts(saved) == [[words] for words in cards]  # the QR holds exactly the printed words
    assert len(set(cards)) == 3

    session = fresh(session)
    assert session.key_custody == "committee" and session.wrapped_private_key is None
    codes = ballots.issue_tokens(session, 3, mode="api", by="test")
    keys = [s.key for s in session.subjects]
    for code, marks in zip(codes, [(HIGH, LOW), (HIGH, MIDDLE), (LOW, LOW)], strict=True):
        assert cast_over_http(live_server, session, code, dict(zip(keys, marks, strict=True))) == 201
    page.click("details.close-confirm > summary")
    page.click("details.close-confirm button.danger")
    page.wait_for_selector("#session-state.state-closed")

    tally = page.locator("form.tally-form")
    assert tally.locator("textarea[name=share]").count() == 2
    tally.locator("[data-testid=share-1]").fill(cards[2].upper())  # typed in capitals: still fine
    tally.locator("[data-testid=share-2]").fill(pages[2])  # the same card again, pasted whole
    inputs = tally.locator("input[name=committee]")
    for index, name in enumerate(HOLDERS):
        inputs.nth(index).fill(name)
    screenshot(page, "committee-tally-form")
    tally.locator("button.primary").click()
    page.wait_for_selector("#toast:not([hidden])")
    assert "same share, entered twice" in page.text_content("#toast")
    assert fresh(session).state == "closed"
    assert tally.locator("[data-testid=share-1]").input_value() == cards[2].upper()  # what was typed stays
    screenshot(page, "committee-tally-refused")

    tally.locator("[data-testid=share-2]").fill(" ".join(f"{i} {w}" for i, w in enumerate(cards[0].split(), 1)))
    tally.locator("button.primary").click()
    page.wait_for_url(re.compile(r".*/results$"))
    document = fresh(session).tally.document
    assert document["ballots"]["received"] == 3 and document["committee"] == HOLDERS
    counts = {subject["id"]: subject["counts"] for subject in document["subjects"]}
    assert counts[keys[0]][HIGH] == 2 and counts[keys[1]][LOW] == 2
    for subject in session.subjects:
        assert subject.name in page.text_content("main")

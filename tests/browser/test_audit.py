"""In real Chromium: a voter checks a receipt on a 360 px phone, straight from the voter page's
receipt screen; an auditor runs the in-app verification on a laptop, and sees a tampered
board fail the check it breaks."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from votingapp.extensions import db
from votingapp.models import Ballot, BallotSession
from votingapp.services import ballots

from .conftest import log_in_new_user, screenshot
from .test_voter import LABEL_VI, assert_fits_a_phone, in_vietnamese, mark, wait_for_screen

pytestmark = [pytest.mark.sealed_scheme, pytest.mark.browser]

HIGH, LOW = "tin-nhiem-cao", "tin-nhiem-thap"


def fresh(session) -> BallotSession:
    """The session as the server's threads left it."""
    db.session.rollback()
    return db.session.get(BallotSession, session.id)


def test_voter_checks_the_receipt_on_a_phone_after_the_session_closes(app, live_server, make, phone):
    session = make.open_session(subjects=1, title="Lấy phiếu tín nhiệm Bí thư")
    token, = ballots.issue_tokens(session, 1, mode="print", by="test")
    phone.goto(f"{live_server}/v#{token}")
    wait_for_screen(phone, "ballot")
    mark(phone, 0, LABEL_VI[HIGH])
    phone.locator("#ballot-form [type=submit]").click()
    wait_for_screen(phone, "confirm")
    phone.locator("#confirm-send").click()
    wait_for_screen(phone, "receipt")
    short = phone.locator("#receipt-short").inner_text()
    full = phone.locator("#receipt-full").inner_text().replace(" ", "")

    phone.locator("#receipt-check").click()
    phone.wait_for_url(f"{live_server}/receipt?session={session.id}")
    assert session.title in phone.locator(".receipt-session").inner_text()
    phone.fill("#receipt-input", short)
    phone.locator(".receipt-form button").click()
    phone.locator(".receipt-answer.is-missing").wait_for()
    assert "?" in phone.locator(".answer-mark").inner_text()
    screenshot(phone, "receipt-1-before-close")

    ballots.close_session(fresh(session), by="test")
    phone.fill("#receipt-input", short.upper())
    phone.locator(".receipt-form button").click()
    phone.locator(".receipt-answer.is-found").wait_for()
    answer = phone.locator(".receipt-answer").inner_text()
    assert in_vietnamese(app, "Your ballot is on the board of “%(title)s”.") % {"title": session.title} in answer
    assert full in answer.replace("\n", "").replace(" ", "")
    assert LABEL_VI[HIGH] not in answer, "the check says nothing of what the ballot says"
    assert_fits_a_phone(phone)
    screenshot(phone, "receipt-2-found")

    phone.get_by_role("link", name=in_vietnamese(app, "See the board")).click()
    phone.locator(f"#r-{short}").wait_for()
    phone.wait_for_load_state("load")  # its stylesheet too: the receipt check does not load app.css
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360, "the board scrolls sideways"
    screenshot(phone, "receipt-3-board")
    phone.go_back()

    phone.fill("#receipt-input", "not a code")
    phone.locator(".receipt-form button").click()
    phone.locator(".receipt-answer.is-error").wait_for()
    assert phone.locator("#receipt-input").is_visible(), "the answer replaces only the result, not the form"
    screenshot(phone, "receipt-4-junk")



def test_auditor_runs_the_in_app_check_on_a_laptop(live_server, make, laptop):
    session = make.tallied_session([(HIGH, LOW), (LOW, LOW), (HIGH, HIGH)], subjects=2,
                                   title="Lấy phiếu tín nhiệm năm 2026")
    page = laptop
    log_in_new_user(page, live_server, make, "auditor", lang="en")
    page.get_by_role("link", name="Audit").click()
    screenshot(page, "audit-0-index")
    page.get_by_role("link", name=session.title).click()
    page.locator(".audit-report.is-ok").wait_for()
    assert page.locator(".check.failed").count() == 0
    assert page.locator(".check.ok").count() >= 8
    screenshot(page, "audit-1-public")

    page.get_by_role("button", name="Decrypt and recount here").click()
    page.locator(".audit-report.is-ok").wait_for()
    recount = page.locator(".check", has=page.locator("code", has_text="recount"))
    assert "all 3 ballots decrypted and recounted" in recount.inner_text()
    assert "ok" in recount.get_attribute("class").split()
    screenshot(page, "audit-2-recounted")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download the auditor bundle").click()
    assert download.value.suggested_filename == f"votingapp-{session.id[:8]}-auditor.json"

    second = db.session.scalars(select(Ballot).where(Ballot.session_id == session.id)
                                .order_by(Ballot.receipt)).all()[1]  # the board-v2's entries are these rows
    ct = bytearray(second.ct)
    ct[-1] ^= 0x80
    second.ct = bytes(ct)
    db.session.commit()
    page.goto(f"{live_server}/audit/sessions/{session.id}")
    page.locator(".audit-report.is-failed").wait_for()
    failed = page.locator(".check.failed code").all_inner_texts()
    # the row's receipt is its ciphertext's hash, so the head signed at close no longer
    # recomputes (whether the changed receipt still sorts in place is chance: board_entries)
    assert "hash_chain" in failed and "recount" not in failed  # the public level does not decrypt
    screenshot(page, "audit-3-tampered")

"""In real Chromium: a voter checks a receipt on a 360 px phone, straight from the voter page's
receipt screen; an auditor runs the in-app verification on a laptop, downloads the public
bundle that proves the counts offline, and sees a tampered board fail the check it breaks. A
sealed session's auditor level (decrypt and recount with the session key) has a test of its own."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from votingapp.audit.verify import VERIFIABLE_CHECKS, read_bundle, verify_bundle
from votingapp.extensions import db
from votingapp.models import Ballot, BallotSession
from votingapp.services import ballots

from .conftest import LABEL_VI, assert_fits_a_phone, in_vietnamese, log_in_new_user, screenshot, vote_on_phone

pytestmark = pytest.mark.browser

HIGH, LOW = "tin-nhiem-cao", "tin-nhiem-thap"


def fresh(session) -> BallotSession:
    """The session as the server's threads left it."""
    db.session.rollback()
    return db.session.get(BallotSession, session.id)


def test_voter_checks_the_receipt_on_a_phone_after_the_session_closes(app, live_server, make, phone):
    session = make.open_session(subjects=1, title="Lấy phiếu tín nhiệm Bí thư")
    token, = ballots.issue_tokens(session, 1, mode="print", by="test")
    full = vote_on_phone(phone, live_server, token, [HIGH])
    short = full[:8]

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


def open_audit_page(page, base_url, make, session) -> None:
    """An auditor logs in (English pages) and opens the session from the audit index."""
    log_in_new_user(page, base_url, make, "auditor", lang="en")
    page.get_by_role("link", name="Audit").click()
    screenshot(page, "audit-0-index")
    page.get_by_role("link", name=session.title).click()
    page.locator(".audit-report.is-ok").wait_for()
    assert page.locator(".check.failed").count() == 0


def test_auditor_runs_the_in_app_check_and_the_public_bundle_proves_the_counts(live_server, make, laptop, tmp_path):
    session = make.tallied_session([(HIGH, LOW), (LOW, LOW), (HIGH, HIGH)], subjects=2,
                                   title="Lấy phiếu tín nhiệm năm 2026")
    assert session.scheme == "verifiable-v1"
    page = laptop
    open_audit_page(page, live_server, make, session)
    shown = page.locator(".check.ok code").all_inner_texts()
    assert {"ballot_proofs", "decryption", "hash_chain", "tally_matches_board"} <= set(shown)
    assert "Not needed for this session" in page.locator("#downloads").inner_text()
    assert page.get_by_role("button", name="Decrypt and recount here").count() == 0, "no key opens a ballot"
    screenshot(page, "audit-1-public")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the public bundle").click()
    assert download.value.suggested_filename == f"votingapp-{session.id[:8]}-public.json"
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    receipt = db.session.scalars(select(Ballot.receipt).where(Ballot.session_id == session.id)).first()
    report = verify_bundle(read_bundle(str(saved)), receipt=receipt)  # what `votingapp verify FILE` runs
    assert report.failed == [] and [check.name for check in report.checks] == list(VERIFIABLE_CHECKS)
    assert not any(check.skipped for check in report.checks if check.name in ("ballot_proofs", "decryption"))

    second = db.session.scalars(select(Ballot).where(Ballot.session_id == session.id)
                                .order_by(Ballot.receipt)).all()[1]  # the board-v2's entries are these rows
    ct = bytearray(second.ct)
    ct[-1] ^= 0x80
    second.ct = bytes(ct)
    db.session.commit()
    page.goto(f"{live_server}/audit/sessions/{session.id}")
    page.locator(".audit-report.is-failed").wait_for()
    failed = page.locator(".check.failed code").all_inner_texts()
    # the entry's receipt (which the signed chain covers) is no longer its ballot's hash, and the
    # changed ballot's proofs no longer hold
    assert "board_entries" in failed and "ballot_proofs" in failed
    screenshot(page, "audit-3-tampered")


@pytest.mark.sealed_scheme  # the auditor level: only a sealed session has a key that opens each ballot
def test_auditor_decrypts_and_recounts_a_sealed_session_and_downloads_its_auditor_bundle(live_server, make, laptop):
    session = make.tallied_session([(HIGH, LOW), (LOW, LOW), (HIGH, HIGH)], subjects=2,
                                   title="Lấy phiếu tín nhiệm năm 2026")
    assert session.scheme == "sealed-v2"
    page = laptop
    open_audit_page(page, live_server, make, session)
    page.get_by_role("button", name="Decrypt and recount here").click()
    page.locator(".audit-report.is-ok").wait_for()
    recount = page.locator(".check", has=page.locator("code", has_text="recount"))
    assert "all 3 ballots decrypted and recounted" in recount.inner_text()
    assert "ok" in recount.get_attribute("class").split()
    screenshot(page, "audit-2-recounted")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download the auditor bundle").click()
    assert download.value.suggested_filename == f"votingapp-{session.id[:8]}-auditor.json"

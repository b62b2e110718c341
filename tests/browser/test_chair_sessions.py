"""The chair's session pages in headless Chromium, against the real WSGI server: open, watch
the live count move as phones vote over HTTP, close, count, read the results; the kiosk."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from playwright.sync_api import expect

from votingapp.extensions import db
from votingapp.models import BallotSession
from votingapp.services import ballots, meetings

from ..helpers import seal_choices
from .conftest import log_in_new_user, screenshot

pytestmark = pytest.mark.browser

HIGH, MIDDLE, LOW = "tin-nhiem-cao", "tin-nhiem", "tin-nhiem-thap"



def cast_over_http(base_url, session, token, choices) -> int:
    """What a phone does: POST the sealed ballot to the voter API."""
    body = json.dumps({"token": token, "ballot": seal_choices(session, choices)}).encode()
    request = urllib.request.Request(f"{base_url}/api/v1/ballot/cast", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return response.status


def fresh(session) -> BallotSession:
    """The session as the server now has it (the browser changed it in another thread)."""
    db.session.expire_all()
    return db.session.get(BallotSession, session.id)


def test_chair_watches_the_count_rise_then_closes_counts_and_reads_results(laptop, live_server, make):
    meeting = make.meeting(members=6, present=5, title="Hội nghị kiểm điểm cuối năm 2026")
    session = make.session(meeting=meeting, subjects=3, title="Lấy phiếu tín nhiệm cấp ủy viên năm 2026")
    page = laptop
    log_in_new_user(page, live_server, make)

    page.goto(f"{live_server}/chair/sessions/{session.id}")
    screenshot(page, "chair-session-draft")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.click("#session-state form.step-form button")
    page.wait_for_selector("#session-state.state-open")
    assert asked and asked[0].startswith("Bắt đầu bỏ phiếu ngay?")  # asked first, in Vietnamese
    assert page.text_content("[data-testid=voted]") == "0"

    session = fresh(session)
    codes = ballots.issue_tokens(session, 5, mode="api", by="test")
    subjects = [s.key for s in session.subjects]
    marks = [(HIGH, HIGH, LOW), (HIGH, MIDDLE, LOW), (MIDDLE, HIGH, LOW), (HIGH, HIGH, MIDDLE)]
    # five codes for four voters: one is left unused
    for voted, (code, choice) in enumerate(zip(codes[:len(marks)], marks, strict=True), start=1):
        assert cast_over_http(live_server, session, code, dict(zip(subjects, choice, strict=True))) == 201
        expect(page.locator("[data-testid=voted]")).to_have_text(str(voted), timeout=15000)
    screenshot(page, "chair-session-open")

    page.click("details.close-confirm > summary")
    assert "4 trên 5 người có mặt đã bỏ phiếu" in page.text_content("[data-testid=close-summary]")
    screenshot(page, "chair-session-close-confirm")
    page.click("details.close-confirm button.danger")
    page.wait_for_selector("#session-state.state-closed")
    assert page.text_content("[data-testid=voted]") == "4"
    assert page.get_attribute("#session-progress", "hx-trigger") is None  # no more polling
    screenshot(page, "chair-session-closed")

    page.click("#session-state form.step-form button")
    page.wait_for_url(re.compile(r".*/results$"))
    text = page.text_content("main")
    for subject in fresh(session).subjects:
        assert subject.name in text
    rows = page.locator("table.results-table:not(.compact) tbody tr")
    assert rows.count() == 3
    # the third person: 3 low of 4 received = 75% ≥ 2/3
    assert "75" in rows.nth(2).text_content()
    assert rows.nth(2).get_attribute("class") == "verdict-two_thirds_low"
    screenshot(page, "chair-session-results")
    page.click("details.results-other-bases > summary")
    screenshot(page, "chair-session-results-all-bases")
    page.emulate_media(media="print")  # the printout: no navigation, no buttons
    assert page.locator(".topbar").is_hidden() and page.locator("button:has-text('Print')").is_hidden()
    screenshot(page, "chair-session-results-print")


def check_again(page) -> None:
    """Tap the kiosk's 'Check again' and wait until its reply has replaced the panel. The panel
    shown before the tap would satisfy a plain wait; the reply could then land later, read the
    attendance changed in between, and swap the button away under the next click."""
    page.locator(".kiosk-message").evaluate("panel => panel.dataset.beforeTap = 'yes'")
    page.click(".kiosk-message button")
    page.wait_for_selector(".kiosk-message:not([data-before-tap]), [data-testid=kiosk-code]", timeout=15000)


def test_kiosk_moves_to_the_next_code_once_the_shown_one_is_used(browser, live_server, make):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        session = make.open_session(meeting=make.meeting(members=3, present=2))
        log_in_new_user(page, live_server, make)
        page.goto(f"{live_server}/chair/sessions/{session.id}/kiosk")
        page.wait_for_selector("[data-testid=kiosk-code]")
        assert page.locator(".kiosk-qr svg").count() == 1
        assert page.locator(".topbar").count() == 0
        screenshot(page, "chair-kiosk")
        first = page.text_content("[data-testid=kiosk-code]")

        session = fresh(session)
        assert cast_over_http(live_server, session, first, {s.key: HIGH for s in session.subjects}) == 201
        expect(page.locator("[data-testid=kiosk-code]")).not_to_have_text(first, timeout=15000)
        second = page.text_content("[data-testid=kiosk-code]")
        assert second and second != first

        assert cast_over_http(live_server, session, second, {s.key: LOW for s in session.subjects}) == 201
        page.wait_for_selector(".kiosk-message", timeout=15000)  # both present have had a ballot
        screenshot(page, "chair-kiosk-done")
        check_again(page)  # nobody new is present: still done
        assert page.locator("[data-testid=kiosk-done]").count() == 1
        late = next(row.member_id for row in session.meeting.attendance if not row.present)
        meetings.set_attendance(session.meeting, [late], "present", by="test")  # a late arrival
        check_again(page)
        assert page.text_content("[data-testid=kiosk-code]") not in (first, second)
    finally:
        context.close()


def test_chair_creates_a_session_from_the_meeting_page_with_leaders_preticked(laptop, live_server, make):
    meeting = make.meeting(members=5, present=5)
    page = laptop
    log_in_new_user(page, live_server, make)
    page.goto(f"{live_server}/chair/meetings/{meeting.id}")
    form = page.locator("form.session-form")
    ticked = form.locator("input[name=member_id]:checked")
    assert ticked.count() == 2  # the factory's two leaders
    page.click("input[name=kind][value=motion]")
    assert form.locator(".for-confidence").is_hidden() and form.locator(".for-motion").is_visible()
    assert form.locator(".for-kind-motion").is_visible() and form.locator(".for-kind-confidence").is_hidden()
    page.click("input[name=kind][value=vote_of_confidence]")  # people again, with its own counting rules
    assert form.locator(".for-confidence").is_visible() and form.locator(".for-motion").is_hidden()
    assert form.locator(".for-kind-vote_of_confidence").is_visible() and form.locator(".for-kind-motion").is_hidden()
    page.click("input[name=kind][value=confidence]")
    assert [form.locator(f".for-kind-{kind}").is_visible() for kind in ("confidence", "motion")] == [True, False]
    form.locator("input[name=title]").fill("Lấy phiếu tín nhiệm lãnh đạo chi bộ 2026")
    form.locator("input[name=title]").scroll_into_view_if_needed()
    screenshot(page, "chair-session-create")
    form.locator("button.primary").click()
    page.wait_for_url(re.compile(r".*/chair/sessions/[0-9a-f-]+$"))
    assert page.locator(".session-subjects li").count() == 2
    assert page.locator("#session-state.state-draft").count() == 1

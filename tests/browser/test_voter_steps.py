"""The voter never loses the receipt, and the steps behave like pages, at 320 and 360 px:
a reload shows the receipt again (kept by session, never with the token), a used code typed
again on the phone that used it shows the receipt (not an alarm), Back and Forward move between
the ballot's steps without leaving the page (Back from a sealed ballot's code drops that ballot),
a language switch keeps the choices, and a cast after the chair closed voting says "voting has
ended" in both languages."""

from __future__ import annotations

import json

import pytest

from votingapp.crypto.tokens import format_token
from votingapp.services import ballots

from ..helpers import seal_choices
from .conftest import (
    LABEL_EN,
    LABEL_VI,
    choose_on_phone,
    in_vietnamese,
    mark,
    new_phone,
    open_session_with_tokens,
    screenshot,
    seal_on_phone,
    send_shown_ballot,
    tally_counts,
    vote_on_phone,
    wait_for_screen,
)

pytestmark = pytest.mark.browser

HIGH_THEN_LOW = ["tin-nhiem-cao", "tin-nhiem-thap"]


@pytest.fixture(params=[320, 360], ids=["320px", "360px"])
def phone(browser, request):
    with new_phone(browser, request.param) as page:
        yield page


def fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"], \
        "the page scrolls sideways"


def session_storage(page) -> dict:
    return page.evaluate("Object.fromEntries(Object.keys(sessionStorage).map(k => [k, sessionStorage.getItem(k)]))")


def test_a_reload_shows_the_receipt_again_and_storage_never_holds_the_token(live_server, make, phone):
    session, (token,) = open_session_with_tokens(make, subjects=2)
    vote_on_phone(phone, live_server, token, HIGH_THEN_LOW)
    short = phone.locator("#receipt-short").inner_text()
    full = phone.locator("#receipt-full").inner_text()
    stored = json.dumps(session_storage(phone))
    assert token not in stored and format_token(token) not in stored
    assert session.id in stored and full.replace(" ", "") in stored

    phone.reload()
    wait_for_screen(phone, "receipt")
    assert phone.locator("#receipt-short").inner_text() == short
    assert phone.locator("#receipt-full").inner_text() == full
    fits(phone)
    screenshot(phone, f"voter-receipt-after-reload-{phone.viewport_size['width']}")
    assert tally_counts(session) == {session.subjects[0].key: {"tin-nhiem-cao": 1},
                                     session.subjects[1].key: {"tin-nhiem-thap": 1}}


def test_a_used_code_typed_again_on_the_same_phone_shows_its_receipt_not_an_alarm(app, live_server, make, phone):
    session, (token, other) = open_session_with_tokens(make, subjects=2, count=2)
    vote_on_phone(phone, live_server, token, HIGH_THEN_LOW)
    short = phone.locator("#receipt-short").inner_text()

    phone.locator("#receipt-new").click()
    wait_for_screen(phone, "enter")
    phone.fill("#code-input", format_token(token).lower())
    phone.locator("#code-form button").click()
    wait_for_screen(phone, "receipt")
    assert phone.locator("#receipt-short").inner_text() == short
    assert phone.locator("#receipt-title-before").is_visible()
    assert phone.locator("#receipt-title-before").inner_text() == in_vietnamese(
        app, "You have already voted with this code on this phone. Here is your receipt.")
    fits(phone)
    screenshot(phone, f"voter-voted-before-{phone.viewport_size['width']}")

    # a used code this phone did not cast is still the alarm, with its advice
    ballots.cast_ballot(other, seal_choices(session, {s.key: "tin-nhiem" for s in session.subjects}))
    phone.locator("#receipt-new").click()
    phone.fill("#code-input", format_token(other))
    phone.locator("#code-form button").click()
    wait_for_screen(phone, "error")
    assert phone.locator('[data-screen="error"]').get_attribute("data-code") == "token_used"


def test_back_and_forward_move_between_the_steps_without_leaving_the_page(live_server, make, phone):
    session, (token,) = open_session_with_tokens(make, subjects=2)
    phone.goto(f"{live_server}/v")
    wait_for_screen(phone, "enter")
    phone.fill("#code-input", format_token(token))
    phone.locator("#code-form button").click()
    wait_for_screen(phone, "ballot")
    choose_on_phone(phone, HIGH_THEN_LOW)
    address = phone.url

    phone.go_back()
    wait_for_screen(phone, "ballot")
    assert phone.url == address
    assert phone.locator(".subject").nth(0).locator("input:checked").get_attribute("value") == "tin-nhiem-cao"
    phone.go_forward()
    wait_for_screen(phone, "confirm")
    assert LABEL_VI["tin-nhiem-thap"] in phone.locator("#summary").inner_text()
    phone.go_back()
    wait_for_screen(phone, "ballot")
    phone.go_back()
    wait_for_screen(phone, "enter")
    phone.go_forward()
    wait_for_screen(phone, "ballot")

    # the "change" button is Back too; after sending, Back does not reopen the sent ballot
    phone.locator("#ballot-form button[type=submit]").click()
    wait_for_screen(phone, "confirm")
    phone.locator("#confirm-back").click()
    wait_for_screen(phone, "ballot")
    phone.go_forward()
    wait_for_screen(phone, "confirm")
    # Back from the sealed ballot's code drops that ballot: the confirm step, and a new seal
    first = seal_on_phone(phone)
    phone.go_back()
    wait_for_screen(phone, "confirm")
    second = seal_on_phone(phone)
    assert second != first
    receipt = send_shown_ballot(phone)
    phone.go_back()
    wait_for_screen(phone, "receipt")
    assert phone.url.startswith(f"{live_server}/v")
    assert phone.locator("#receipt-full").inner_text().replace(" ", "") == receipt
    fits(phone)


def test_switching_language_mid_ballot_keeps_the_choices(live_server, make, phone):
    session, (token,) = open_session_with_tokens(make, subjects=2)
    phone.goto(f"{live_server}/v#{token}")
    wait_for_screen(phone, "ballot")
    mark(phone, 0, LABEL_VI["tin-nhiem-thap"])
    phone.get_by_role("link", name="EN").click()
    phone.wait_for_url("**/v?lang=en")
    wait_for_screen(phone, "ballot")
    assert phone.locator(".subject").nth(0).locator("input:checked").get_attribute("value") == "tin-nhiem-thap"
    assert phone.locator("#ballot-progress").inner_text() == "1 of 2 chosen"

    mark(phone, 1, LABEL_EN["tin-nhiem"])
    phone.get_by_role("button", name="Continue").click()
    wait_for_screen(phone, "confirm")
    phone.get_by_role("link", name="VI").click()  # on the confirm step: back on it, in Vietnamese
    phone.wait_for_url("**/v?lang=vi")
    wait_for_screen(phone, "confirm")
    assert LABEL_VI["tin-nhiem-thap"] in phone.locator("#summary").inner_text()
    assert phone.evaluate("sessionStorage.getItem('votingapp.voter')") is None
    fits(phone)
    seal_on_phone(phone)
    send_shown_ballot(phone)
    assert tally_counts(session) == {session.subjects[0].key: {"tin-nhiem-thap": 1},
                                     session.subjects[1].key: {"tin-nhiem": 1}}


def test_a_cast_after_the_chair_closed_says_voting_has_ended_in_both_languages(app, live_server, make, phone):
    session, (token,) = open_session_with_tokens(make, subjects=2)
    phone.goto(f"{live_server}/v#{token}")
    wait_for_screen(phone, "ballot")
    choose_on_phone(phone, HIGH_THEN_LOW)
    seal_on_phone(phone)
    ballots.close_session(session, by="test")  # the chair closes while this voter reads the code
    phone.locator("#code-cast").click()
    wait_for_screen(phone, "error")
    assert phone.locator('[data-screen="error"]').get_attribute("data-code") == "session_ended"
    assert phone.locator("#error-title").inner_text() == in_vietnamese(app, "Voting has ended")
    assert phone.locator("#error-message-other").inner_text() == (
        "Voting is not open in this session. Voting has ended; this ballot was not counted.")
    assert phone.locator("#error-retry").is_hidden()
    fits(phone)
    screenshot(phone, f"voter-voting-ended-{phone.viewport_size['width']}")

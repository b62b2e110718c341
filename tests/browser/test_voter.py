"""The voter's phone page in real Chromium at 360×640: from the QR link or a typed code to a
receipt, with the ballot sealed in the browser (verifiable-v1: its code shown, then sent) and
counted by the real tally."""

from __future__ import annotations

import json

import pytest

from votingapp.crypto.tokens import format_token
from votingapp.domain import ballot_forms
from votingapp.services import ballots

from ..helpers import seal_choices
from .conftest import (
    LABEL_EN,
    LABEL_VI,
    assert_fits_a_phone,
    choose_on_phone,
    in_vietnamese,
    mark,
    open_session_with_tokens,
    record_requests,
    screenshot,
    seal_on_phone,
    send_shown_ballot,
    shown_code,
    stored_receipts,
    tally_counts,
    vote_on_phone,
    wait_for_screen,
)

pytestmark = pytest.mark.browser


def test_qr_link_ballot_is_sealed_in_the_phone_and_counted_as_clicked(app, live_server, make, phone):
    session, (token,) = open_session_with_tokens(make, subjects=3)
    requests = record_requests(phone)
    phone.goto(f"{live_server}/v#{token}")
    wait_for_screen(phone, "ballot")
    assert "#" not in phone.url and token not in phone.url, "the token must leave the address bar"
    assert_fits_a_phone(phone)
    screenshot(phone, "voter-1-ballot")

    subjects = [s.key for s in session.subjects]
    clicked = {subjects[0]: "tin-nhiem-cao", subjects[1]: "tin-nhiem-thap", subjects[2]: "tin-nhiem"}
    mark(phone, 0, LABEL_VI["tin-nhiem-cao"])
    mark(phone, 1, LABEL_VI["tin-nhiem-thap"])
    phone.locator("#ballot-form [type=submit]").click()
    assert phone.locator(".subject.missing").count() == 1, "an unmarked person is pointed out"
    screenshot(phone, "voter-2-missing")
    mark(phone, 2, LABEL_VI["tin-nhiem"])
    phone.locator("#ballot-form [type=submit]").click()

    wait_for_screen(phone, "confirm")
    assert phone.locator('[data-screen="confirm"] h1').inner_text() == in_vietnamese(app, "Confirm")
    assert phone.locator("#summary .summary-choice").all_inner_texts() == [LABEL_VI[clicked[s]] for s in subjects]
    screenshot(phone, "voter-3-confirm")
    seal_on_phone(phone)
    assert_fits_a_phone(phone)
    screenshot(phone, "voter-3b-code")

    full = send_shown_ballot(phone)
    assert_fits_a_phone(phone)
    screenshot(phone, "voter-4-receipt")
    assert stored_receipts(session) == [full]

    assert all(r.url.startswith(live_server) for r in requests), "no third-party request"
    cast = next(r for r in requests if r.url.endswith("/api/v1/ballot/cast"))
    assert not any(option in cast.post_data for option in ballot_forms.option_ids(ballot_forms.CONFIDENCE)), \
        "the choices must reach the server only encrypted"
    assert tally_counts(session) == {subject: {option: 1} for subject, option in clicked.items()}


def test_retry_after_a_lost_answer_resends_the_same_ciphertext_and_gets_the_same_receipt(
        live_server, make, phone):
    session, (token,) = open_session_with_tokens(make, subjects=1)
    sent = []

    def lose_first_answer(route):
        sent.append(route.request.post_data)
        response = route.fetch()  # the server stores the ballot ...
        if len(sent) == 1:
            route.abort("connectionreset")  # ... but the phone never hears back
        else:
            route.fulfill(response=response)

    phone.route("**/api/v1/ballot/cast", lose_first_answer)
    phone.goto(f"{live_server}/v#{token}")
    wait_for_screen(phone, "ballot")
    choose_on_phone(phone, ["tin-nhiem-thap"])
    seal_on_phone(phone)
    phone.locator("#code-cast").click()
    wait_for_screen(phone, "retry")
    screenshot(phone, "voter-5-retry")
    phone.locator("#retry-send").click()

    wait_for_screen(phone, "receipt")
    assert len(sent) == 2 and json.loads(sent[0]) == json.loads(sent[1])
    full = phone.locator("#receipt-full").inner_text().replace(" ", "")
    assert stored_receipts(session) == [full]
    assert tally_counts(session) == {session.subjects[0].key: {"tin-nhiem-thap": 1}}


def test_typed_code_in_small_letters_with_spaces_opens_and_casts_the_ballot(live_server, make, phone):
    session, (token,) = open_session_with_tokens(make, subjects=2)
    phone.goto(f"{live_server}/v")
    wait_for_screen(phone, "enter")
    assert_fits_a_phone(phone)
    phone.locator("#code-input").fill("abc")
    phone.locator("#code-form [type=submit]").click()
    assert "20" in phone.locator("#code-error").inner_text(), "a short code is explained before any request"
    screenshot(phone, "voter-0-enter")

    phone.locator("#code-input").fill(" " + format_token(token).lower().replace("-", " - ") + " ")
    phone.locator("#code-form [type=submit]").click()
    wait_for_screen(phone, "ballot")
    receipt = vote_on_phone(phone, live_server, None, ["tin-nhiem", "tin-nhiem"])
    assert stored_receipts(session) == [receipt]


def test_unknown_typed_code_says_so_and_lets_the_voter_type_again(app, live_server, make, phone):
    open_session_with_tokens(make)
    phone.goto(f"{live_server}/v")
    phone.locator("#code-input").fill("2222-2222-2222-2222-2222")
    phone.locator("#code-form [type=submit]").click()
    wait_for_screen(phone, "error")
    assert phone.locator('[data-screen="error"]').get_attribute("data-code") == "unknown_token"
    assert phone.locator("#error-title").inner_text() == in_vietnamese(app, "This ballot code is not known")
    phone.locator("#error-enter").click()
    wait_for_screen(phone, "enter")


def test_used_token_shows_the_used_screen_in_both_languages(app, live_server, make, client, phone):
    session, (token,) = open_session_with_tokens(make)
    choices = {s.key: "tin-nhiem" for s in session.subjects}
    cast = client.post("/api/v1/ballot/cast", json={"token": token, "ballot": seal_choices(session, choices)})
    assert cast.status_code == 201

    phone.goto(f"{live_server}/v#{token}")
    wait_for_screen(phone, "error")
    assert phone.locator('[data-screen="error"]').get_attribute("data-code") == "token_used"
    assert phone.locator("#error-title").inner_text() == in_vietnamese(app, "This ballot code has already been used")
    assert phone.locator("#error-message-other").inner_text() == "This ballot code has already been used to vote."
    assert phone.locator("#error-retry").is_hidden()
    assert_fits_a_phone(phone)
    screenshot(phone, "voter-6-used")


def test_token_voided_by_closing_shows_the_cancelled_screen(app, live_server, make, phone):
    session, (token,) = open_session_with_tokens(make)
    ballots.close_session(session, by="test")
    phone.goto(f"{live_server}/v#{token}")
    wait_for_screen(phone, "error")
    assert phone.locator('[data-screen="error"]').get_attribute("data-code") == "token_void"
    assert phone.locator("#error-title").inner_text() == in_vietnamese(app, "This ballot code was cancelled")


def test_language_switch_keeps_the_token_and_the_receipt(live_server, make, phone):
    session, (token,) = open_session_with_tokens(make, subjects=2)
    phone.goto(f"{live_server}/v#{token}")
    wait_for_screen(phone, "ballot")
    assert phone.get_by_text(LABEL_VI["tin-nhiem-cao"], exact=True).count() == 2

    phone.get_by_role("link", name="EN").click()
    phone.wait_for_url("**/v?lang=en")
    wait_for_screen(phone, "ballot")
    assert phone.locator("html").get_attribute("lang") == "en"
    assert phone.get_by_text(LABEL_EN["tin-nhiem-cao"], exact=True).count() == 2
    assert phone.evaluate("sessionStorage.getItem('votingapp.voter')") is None, "the stash is removed once restored"
    screenshot(phone, "voter-7-english")

    mark(phone, 0, LABEL_EN["tin-nhiem-cao"])
    mark(phone, 1, LABEL_EN["tin-nhiem-thap"])
    phone.get_by_role("button", name="Continue").click()
    phone.get_by_role("button", name="Encrypt my ballot").click()
    code = shown_code(phone)
    phone.get_by_role("button", name="Send ballot").click()
    wait_for_screen(phone, "receipt")
    assert phone.get_by_role("heading", name="Your ballot has been received").is_visible()
    short_code = phone.locator("#receipt-short").inner_text()
    assert short_code == code
    phone.get_by_role("link", name="VI").click()
    phone.wait_for_url("**/v?lang=vi")
    wait_for_screen(phone, "receipt")
    assert phone.locator("#receipt-short").inner_text() == short_code, "the receipt survives the switch"
    assert tally_counts(session) == {session.subjects[0].key: {"tin-nhiem-cao": 1},
                                     session.subjects[1].key: {"tin-nhiem-thap": 1}}

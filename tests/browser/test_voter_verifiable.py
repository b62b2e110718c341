"""The voter's phone on a verifiable-v1 session, in real Chromium: the ballot is sealed on the
phone with a progress screen, its code is shown before the voter chooses to send or to check
it (Benaloh), a checked ballot is spoiled on the server and shown with the choices the phone
sealed, the phone seals afresh, and what reaches the server is ciphertext (and, for a checked
ballot only, its randomness); nothing secret is kept in storage."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from votingapp.crypto import verifiable as V
from votingapp.crypto.encoding import b64decode
from votingapp.crypto.tokens import token_hash
from votingapp.domain import ballot_forms
from votingapp.extensions import db
from votingapp.models import Ballot, SpoiledBallot, Token
from votingapp.services import ballots, verifiable

from .conftest import (
    LABEL_VI,
    assert_fits_a_phone,
    choose_on_phone,
    in_vietnamese,
    mark,
    record_requests,
    screenshot,
    seal_on_phone,
    send_shown_ballot,
    shown_code,
    wait_for_screen,
)

pytestmark = pytest.mark.browser

SCHEME = "verifiable-v1"
OPTIONS = ballot_forms.option_ids(ballot_forms.CONFIDENCE)


def fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"], "scrolls sideways"
    for box in page.locator(".button:visible, .why-check summary:visible").all():
        assert box.bounding_box()["height"] >= 48, f"touch target {box.inner_text()!r} is too small"


def open_verifiable(make, subjects=3, count=1):
    session = make.open_session(scheme=SCHEME, subjects=subjects)
    assert session.scheme == SCHEME
    return session, ballots.issue_tokens(session, count, mode="print", by="test")


def watch_screens(page) -> None:
    """Record every screen the page shows, in order, in window.shownScreens."""
    page.evaluate("""() => {
      window.shownScreens = [];
      const note = () => {
        const shown = document.querySelector('[data-screen]:not([hidden])');
        const name = shown && shown.dataset.screen;
        if (name && window.shownScreens[window.shownScreens.length - 1] !== name) window.shownScreens.push(name);
      };
      new MutationObserver(note).observe(document.getElementById('voter-app'),
                                         {attributes: true, subtree: true, attributeFilter: ['hidden']});
    }""")


def choose(page, session, picked: dict) -> None:
    choose_on_phone(page, [picked[subject.key] for subject in session.subjects])


def fresh(session):
    db.session.rollback()  # see what the server's threads committed
    return session


def stored(session) -> list[bytes]:
    fresh(session)
    return list(db.session.scalars(select(Ballot.ct).where(Ballot.session_id == session.id)))


def spoiled(session) -> dict[str, tuple[bytes, bytes]]:
    fresh(session)
    rows = db.session.execute(select(SpoiledBallot.receipt, SpoiledBallot.ballot, SpoiledBallot.reveal)
                              .where(SpoiledBallot.session_id == session.id))
    return {receipt: (ballot, reveal) for receipt, ballot, reveal in rows}


def token_row(token: str) -> Token:
    db.session.rollback()
    return db.session.get(Token, token_hash(token))


def bodies(requests, path: str) -> list[dict]:
    return [json.loads(r.post_data) for r in requests if r.url.endswith(path)]


def session_storage(page) -> str:
    return page.evaluate("JSON.stringify(Object.fromEntries(Object.keys(sessionStorage)"
                         ".map(k => [k, sessionStorage.getItem(k)])))")


def test_a_verifiable_ballot_shows_its_code_before_it_is_sent_and_is_stored_as_sealed(live_server, make, phone):
    session, (token,) = open_verifiable(make, subjects=3)
    requests = record_requests(phone)
    phone.goto(f"{live_server}/v#{token}")
    wait_for_screen(phone, "ballot")
    picked = dict(zip([s.key for s in session.subjects], [OPTIONS[0], OPTIONS[2], OPTIONS[1]], strict=True))
    choose(phone, session, picked)
    watch_screens(phone)
    code = seal_on_phone(phone)
    assert phone.evaluate("window.shownScreens") == ["sealing", "code"], "a progress screen while sealing"
    assert phone.locator("#code-cast").is_visible() and phone.locator("#code-check").is_visible()
    assert not any(r.url.endswith(("/ballot/cast", "/ballot/spoil")) for r in requests), \
        "nothing is sent before the voter chooses"
    assert_fits_a_phone(phone)

    full = send_shown_ballot(phone)
    assert full.startswith(code)
    (ballot,) = stored(session)
    public = verifiable.crypto_session(session)
    assert V.verify_ballot(public, ballot).receipt == full
    (cast,) = bodies(requests, "/api/v1/ballot/cast")
    assert cast["ballot"]["scheme"] == SCHEME and b64decode(cast["ballot"]["ballot"]) == ballot
    assert "reveal" not in json.dumps(cast) and not any(option in json.dumps(cast) for option in OPTIONS)
    assert token_row(token).state == "used" and spoiled(session) == {}
    assert not any(r.url.endswith("sealed.bundle.js") or "sealed.bundle.js?" in r.url for r in requests), \
        "a verifiable session needs no sealed-v1/v2 code"
    assert token not in session_storage(phone)


def test_check_spoils_the_ballot_shows_its_choices_then_a_new_ballot_is_cast(app, live_server, make, tall_phone):
    phone = tall_phone
    session, (token,) = open_verifiable(make, subjects=2)
    requests = record_requests(phone)
    phone.goto(f"{live_server}/v#{token}")
    wait_for_screen(phone, "ballot")
    picked = dict(zip([s.key for s in session.subjects], [OPTIONS[1], OPTIONS[2]], strict=True))
    choose(phone, session, picked)
    first = seal_on_phone(phone)
    assert "sealed" not in session_storage(phone) and "reveal" not in session_storage(phone)
    phone.locator(".why-check summary").click()  # the explanation, in the voter's words
    assert phone.locator(".why-check p").first.inner_text() == in_vietnamese(
        app, "Your phone encrypts your choices. A check shows whether it encrypted what you chose.")
    fits(phone)
    screenshot(phone, "verifiable-cast-or-check")

    phone.locator("#code-check").click()
    wait_for_screen(phone, "checked")
    assert phone.locator("#checked-code").inner_text() == first
    assert phone.locator("#checked-choices .summary-choice").all_inner_texts() == \
        [LABEL_VI[picked[s.key]] for s in session.subjects], "the choices the phone sealed"
    assert phone.locator("#checked-warning").is_hidden(), "the server decoded what the phone sealed"
    assert phone.locator("#checked-command").inner_text() == f"votingapp verify --spoiled {first}"
    assert phone.locator("#checked-board").get_attribute("href") == f"/board/{session.id}"
    fits(phone)
    screenshot(phone, "verifiable-checked")

    # the spoil request: the token, the ballot and its randomness; never a choice in the clear
    (spoil,) = bodies(requests, "/api/v1/ballot/spoil")
    assert set(spoil) <= {"token", "session", "ballot", "reveal"} and spoil["token"] == token
    text = json.dumps(spoil)
    assert not any(option in text for option in OPTIONS) and not any(s.key in text for s in session.subjects)
    (receipt,) = spoiled(session)
    ballot, reveal = spoiled(session)[receipt]
    assert receipt.startswith(first) and b64decode(spoil["ballot"]["ballot"]) == ballot
    assert b64decode(spoil["reveal"]) == reveal
    public = verifiable.crypto_session(session)
    assert V.open_spoiled(public, ballot, reveal) == [public.options.index(picked[s.key]) for s in session.subjects]
    row = token_row(token)
    assert row.state == "issued" and row.spoils == 1, "a check does not spend the token"
    assert spoil["reveal"] not in session_storage(phone) and token not in session_storage(phone)

    phone.locator("#checked-again").click()
    second = shown_code(phone)
    assert second != first
    full = send_shown_ballot(phone)
    assert full.startswith(second)
    (cast,) = bodies(requests, "/api/v1/ballot/cast")
    assert b64decode(cast["ballot"]["ballot"]) != ballot, "the checked ballot is never cast"
    (kept,) = stored(session)
    assert V.verify_ballot(public, kept).receipt == full
    assert token_row(token).state == "used"


def test_after_the_last_check_allowed_the_phone_seals_anew_and_offers_only_to_send(live_server, make, phone):
    session, (token,) = open_verifiable(make, subjects=1)
    phone.goto(f"{live_server}/v#{token}")
    wait_for_screen(phone, "ballot")
    choose(phone, session, {session.subjects[0].key: OPTIONS[0]})
    codes = [seal_on_phone(phone)]
    for _ in range(verifiable.MAX_SPOILS):
        phone.locator("#code-check").click()
        wait_for_screen(phone, "checked")
        phone.locator("#checked-again").click()
        codes.append(shown_code(phone))
    assert phone.locator("#code-check").is_visible()
    phone.locator("#code-check").click()  # one check too many: 409 too_many_checks
    phone.locator("#code-no-more-checks").wait_for(state="visible")
    wait_for_screen(phone, "code")
    assert phone.locator("#code-check").is_hidden()
    last = phone.locator("#code-short").inner_text()
    assert last not in codes, "the ballot whose randomness the server saw is not the one sent"
    assert len(spoiled(session)) == verifiable.MAX_SPOILS
    assert send_shown_ballot(phone).startswith(last)
    assert len(stored(session)) == 1


def test_a_server_that_decodes_other_choices_is_shown_as_a_loud_warning(live_server, make, phone):
    session, (token,) = open_verifiable(make, subjects=2)

    def lie(route):
        answer = route.fetch()
        told = answer.json()
        told["choices"][0]["option"] = OPTIONS[2] if told["choices"][0]["option"] != OPTIONS[2] else OPTIONS[0]
        route.fulfill(response=answer, json=told)

    phone.route("**/api/v1/ballot/spoil", lie)
    phone.goto(f"{live_server}/v#{token}")
    wait_for_screen(phone, "ballot")
    picked = {s.key: OPTIONS[1] for s in session.subjects}
    choose(phone, session, picked)
    seal_on_phone(phone)
    phone.locator("#code-check").click()
    wait_for_screen(phone, "checked")
    assert phone.locator("#checked-warning").is_visible()
    assert phone.locator("#checked-choices .summary-choice").all_inner_texts() == [LABEL_VI[OPTIONS[1]]] * 2, \
        "the phone shows what it sealed, not what the server says"


def test_a_sealed_session_loads_the_sealed_bundle_only_then_and_casts_at_once(live_server, make, phone):
    session = make.open_session(scheme="sealed-v2", subjects=1)
    (token,) = ballots.issue_tokens(session, 1, mode="print", by="test")
    requests = record_requests(phone)
    phone.goto(f"{live_server}/v")
    wait_for_screen(phone, "enter")
    assert not any("sealed.bundle.js" in r.url for r in requests)
    phone.goto(f"{live_server}/v#{token}")
    wait_for_screen(phone, "ballot")
    assert any("/static/js/sealed.bundle.js?v=" in r.url for r in requests)
    mark(phone, 0, LABEL_VI[OPTIONS[0]])
    phone.locator("#ballot-form [type=submit]").click()
    wait_for_screen(phone, "confirm")
    phone.locator("#confirm-send").click()
    wait_for_screen(phone, "receipt")
    assert not any(r.url.endswith("/ballot/spoil") for r in requests)
    (cast,) = bodies(requests, "/api/v1/ballot/cast")
    assert cast["ballot"]["scheme"] == "sealed-v2"
    assert len(stored(session)) == 1


def test_back_from_the_code_drops_that_ballot_and_a_language_switch_seals_afresh(live_server, make, phone):
    """Neither the browser's Back nor a language switch keeps an undecided ballot: the phone
    goes back to the confirm step with the choices, and sealing again gives a new code."""
    session, (token,) = open_verifiable(make, subjects=1)
    requests = record_requests(phone)
    phone.goto(f"{live_server}/v#{token}")
    wait_for_screen(phone, "ballot")
    choose(phone, session, {session.subjects[0].key: OPTIONS[2]})
    first = seal_on_phone(phone)
    phone.go_back()
    wait_for_screen(phone, "confirm")
    second = seal_on_phone(phone)
    assert second != first

    phone.get_by_role("link", name="EN").click()
    phone.wait_for_url("**/v?lang=en")
    wait_for_screen(phone, "confirm")
    assert phone.locator("#confirm-send").inner_text() == "Encrypt my ballot"
    third = seal_on_phone(phone)
    assert third not in (first, second)
    assert phone.get_by_role("button", name="Send ballot").is_visible()
    assert phone.get_by_role("button", name="Check this ballot").is_visible()
    assert not any(r.url.endswith(("/ballot/cast", "/ballot/spoil")) for r in requests)
    phone.get_by_role("button", name="Send ballot").click()
    wait_for_screen(phone, "receipt")
    assert phone.locator("#receipt-short").inner_text() == third
    assert len(stored(session)) == 1 and spoiled(session) == {}


def test_a_check_whose_answer_is_lost_is_never_cast_and_trying_again_seals_afresh(live_server, make, phone):
    """The server may have seen the reveal even when the phone never heard back: that ballot is
    burnt, and "Try again" gives a new one."""
    session, (token,) = open_verifiable(make, subjects=1)

    def lose_answer(route):
        route.fetch()  # the server spoils the ballot ...
        route.abort("connectionreset")  # ... but the phone never hears back

    phone.route("**/api/v1/ballot/spoil", lose_answer)
    requests = record_requests(phone)
    phone.goto(f"{live_server}/v#{token}")
    wait_for_screen(phone, "ballot")
    choose(phone, session, {session.subjects[0].key: OPTIONS[0]})
    first = seal_on_phone(phone)
    phone.locator("#code-check").click()
    wait_for_screen(phone, "error")
    assert phone.locator('[data-screen="error"]').get_attribute("data-code") == "network"
    phone.locator("#error-retry").click()
    second = shown_code(phone)
    assert second != first
    assert send_shown_ballot(phone).startswith(second)
    (spoil,) = bodies(requests, "/api/v1/ballot/spoil")
    (cast,) = bodies(requests, "/api/v1/ballot/cast")
    assert cast["ballot"] != spoil["ballot"]
    assert list(spoiled(session))[0].startswith(first)

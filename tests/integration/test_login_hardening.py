"""Logins are throttled per account and per address; sessions end on logout, a new password,
a role change or deactivation; scripts use revocable API tokens; voters behind one router pass."""

from __future__ import annotations

import base64
import threading

import pytest

from votingapp.services import accounts
from votingapp.services.errors import ServiceError

from ..helpers import PASSWORD, element, login, post_form


def basic(username, password) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


def wrong_login(client, username, address="10.0.0.1"):
    return post_form(client, "/login", {"username": username, "password": "not the password"},
                     environ_base={"REMOTE_ADDR": address})


# --- throttling --------------------------------------------------------------------------------

def test_the_eleventh_wrong_password_within_fifteen_minutes_gets_429_with_retry_after(client, make):
    user, _ = make.user()
    for _ in range(10):
        assert wrong_login(client, user.username).status_code == 401
    refused = wrong_login(client, user.username)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 15 * 60
    page = refused.get_data(as_text=True)
    assert "Nhập sai mật khẩu quá nhiều lần" in page or "Too many wrong passwords" in page
    # the right password is refused too until the window passes: guessing cannot go on
    right = post_form(client, "/login", {"username": user.username, "password": PASSWORD},
                      environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert right.status_code == 429


def test_the_account_is_throttled_from_any_address_and_the_address_for_any_account(client, make):
    target, _ = make.user()
    other, _ = make.user()
    for i in range(10):
        wrong_login(client, target.username, address=f"10.0.1.{i}")  # spread over addresses
    assert wrong_login(client, target.username, address="10.0.2.1").status_code == 429
    for i in range(10):
        wrong_login(client, f"nobody{i}", address="10.0.3.1")  # one address spraying accounts
    assert wrong_login(client, other.username, address="10.0.3.1").status_code == 429
    assert wrong_login(client, other.username, address="10.0.4.1").status_code == 401


def test_basic_auth_is_throttled_like_the_form_with_a_bilingual_json_error(client, make):
    user, _ = make.user(role="admin")
    for _ in range(10):
        assert client.get("/api/v1/meetings", headers=basic(user.username, "wrong password")).status_code == 401
    refused = client.get("/api/v1/meetings", headers=basic(user.username, PASSWORD))
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    error = refused.get_json()["error"]
    assert error["code"] == "too_many_attempts" and error["message_vi"] and error["retry_after"] >= 1


def test_no_more_than_two_argon2_checks_run_at_once(app, make, monkeypatch):
    """Extra attempts wait for a free slot; past LOGIN_WAIT they get 429 server_busy."""
    username = make.user()[0].username
    running, peak, lock = 0, 0, threading.Lock()
    release = threading.Event()
    real_check = accounts._check_password

    def slow_check(username, password):
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        release.wait(5)
        with lock:
            running -= 1
        return None

    monkeypatch.setattr(accounts, "_check_password", slow_check)
    app.config["LOGIN_WAIT"] = 0.3
    outcomes = []

    def attempt(i):
        with app.app_context():
            try:
                accounts.authenticate(username, "x", f"10.9.0.{i}")
                outcomes.append("checked")
            except ServiceError as error:
                outcomes.append(error.code)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(5)]
    for thread in threads:
        thread.start()
    threads[0].join(0.6)  # the three beyond the two slots give up after 0.3 s
    release.set()
    for thread in threads:
        thread.join()
    assert peak == 2
    assert sorted(outcomes) == ["checked", "checked", "server_busy", "server_busy", "server_busy"]
    assert real_check is not slow_check


def test_five_hundred_phones_behind_one_router_all_pass_the_voter_limit(client, make):
    """Each phone looks up and casts once: 1000 voter calls from one address, none refused."""
    session = make.open_session()
    statuses = {client.post("/api/v1/ballot/lookup", json={"token": "unknown-code"},
                            environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code for _ in range(1000)}
    assert statuses == {404}  # refused as unknown codes, never as too many requests
    assert session.is_open


def test_the_voter_limit_answers_429_in_both_languages_when_reached(app, client):
    app.config["VOTER_RATE_LIMIT"] = "3 per minute"
    answers = [client.post("/api/v1/ballot/lookup", json={"token": "x"}, environ_base={"REMOTE_ADDR": "192.0.2.8"})
               for _ in range(4)]
    assert [a.status_code for a in answers] == [404, 404, 404, 429]
    error = answers[-1].get_json()["error"]
    assert error["code"] == "too_many_requests" and error["message_vi"]
    assert int(answers[-1].headers["Retry-After"]) >= 1


# --- sessions end when they should ---------------------------------------------------------------

def saved_cookie_client(app, user):
    """A second browser that logged in earlier and kept its cookie."""
    other = app.test_client()
    with app.app_context():
        login(other, user.username, PASSWORD)
        assert other.get("/chair/").status_code == 200
    return other


@pytest.mark.parametrize("event", ["logout", "password", "role", "deactivate"])
def test_a_cookie_saved_before_the_event_gets_the_login_page_after_it(app, client, make, event):
    user, _ = make.user(role="chair")
    admin, _ = make.user(role="admin")
    saved = saved_cookie_client(app, user)
    if event == "logout":
        with app.app_context():  # this browser's own requests (no CSRF token cached in g)
            login(client, user.username, PASSWORD)
            assert post_form(client, "/logout").status_code == 302
    elif event == "password":
        accounts.set_password(user, "another good password", by=admin)
    elif event == "role":
        accounts.set_role(user, "auditor", by=admin)
    else:
        accounts.set_active(user, False, by=admin)

    with app.app_context():  # a request of its own: no user cached in g from the requests above
        page = saved.get("/chair/")
        assert page.status_code == 302 and "/login" in page.headers["Location"]
    with app.app_context():
        assert saved.get("/api/v1/meetings").status_code == 401


# --- API tokens ---------------------------------------------------------------------------------

def test_a_script_uses_an_api_token_until_it_is_revoked(client, make):
    user, _ = make.user(role="admin")
    login(client, user.username, PASSWORD)
    created = post_form(client, "/account/tokens", {"name": "nightly export"})
    assert created.status_code == 201 and created.headers["Cache-Control"] == "no-store"
    text = element(created.get_data(as_text=True), "[data-testid=new-token]").text()
    bearer = {"Authorization": f"Bearer {text}"}
    assert client.get("/account/tokens").get_data(as_text=True).count(text) == 0  # shown once only

    anonymous = client.application.test_client()
    assert anonymous.get("/api/v1/meetings", headers=bearer).status_code == 200
    [token] = accounts.api_tokens_of(user)
    assert token.token_hash != text and text not in token.token_hash
    assert post_form(client, f"/account/tokens/{token.id}/revoke").status_code == 302
    refused = anonymous.get("/api/v1/meetings", headers=bearer)
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "unauthorized"


def test_a_token_acts_with_its_users_role_and_stops_when_the_user_is_deactivated(client, make):
    auditor, _ = make.user(role="auditor")
    admin, _ = make.user(role="admin")
    _, text = accounts.create_api_token(auditor, "reader", by=auditor)
    bearer = {"Authorization": f"Bearer {text}"}
    assert client.post("/api/v1/meetings", json={}, headers=bearer).status_code == 403  # auditors do not act
    accounts.set_active(auditor, False, by=admin)
    assert client.get("/api/v1/meetings", headers=bearer).status_code == 401


def test_nobody_revokes_another_users_token(client, make):
    owner, _ = make.user()
    token, _ = accounts.create_api_token(owner, "mine", by=owner)
    intruder, _ = make.user()
    login(client, intruder.username, PASSWORD)
    assert post_form(client, f"/account/tokens/{token.id}/revoke").status_code == 404
    assert post_form(client, f"/account/tokens/{2**64}/revoke").status_code == 404
    assert token.revoked_at is None


def test_with_redis_the_wrong_password_counter_lives_where_every_worker_reads_it(app, make, monkeypatch):
    """Another process (here: a storage opened afresh from REDIS_URL) sees this one's failures."""
    import socket

    from limits import parse
    from limits.storage import storage_from_string
    from limits.strategies import FixedWindowRateLimiter

    from votingapp.extensions import limiter

    try:
        socket.create_connection(("127.0.0.1", 6379), 1).close()
    except OSError:
        pytest.skip("no Redis on 127.0.0.1:6379 (CI and the dev machines have one)")
    app.config["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:6379/0"
    limiter.init_app(app)
    import uuid
    user, _ = make.user(username=f"redis-{uuid.uuid4().hex}")  # Redis outlives the test: fresh keys
    for _ in range(4):
        assert accounts.authenticate(user.username, "wrong password", f"redis-test-{uuid.uuid4().hex}") is None

    elsewhere = FixedWindowRateLimiter(storage_from_string("redis://127.0.0.1:6379/0"))
    _, remaining = elsewhere.get_window_stats(parse(app.config["LOGIN_FAILURE_LIMIT"]),
                                              "login-account", user.username.lower())
    assert remaining == 6


def test_a_voter_answer_under_the_limit_carries_no_retry_after(client):
    answer = client.post("/api/v1/ballot/lookup", json={"token": "x"})
    assert answer.status_code == 404 and "Retry-After" not in answer.headers

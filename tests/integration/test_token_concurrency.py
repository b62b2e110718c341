"""A token is used at most once under any concurrency, over the real HTTP server (waitress),
and no ballot enters the box once the session is closed."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from votingapp.models import Ballot, Token, TokenState
from votingapp.services import ballots
from votingapp.services.simulation import VoterError, post_json

from ..helpers import seal_choices

CLIENTS = 50


def _cast_all_at_once(base_url: str, requests: list[tuple[str, dict]], before_release=None) -> list[tuple[int, str]]:
    """Send every (token, ballot) at the same moment; returns (status, receipt or error code)."""
    barrier = threading.Barrier(len(requests) + (1 if before_release else 0))

    def cast(request):
        token, ballot = request
        barrier.wait()
        try:
            status, body = post_json(f"{base_url}/api/v1/ballot/cast", {"token": token, "ballot": ballot})
            return status, body["receipt"]
        except VoterError as error:
            return error.status, error.code

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        futures = [pool.submit(cast, request) for request in requests]
        if before_release:
            barrier.wait()
            before_release()
        return [future.result() for future in futures]


def _stored_receipts(db) -> set[str]:
    db.session.rollback()  # see what the server committed
    return set(db.session.scalars(select(Ballot.receipt)))


@pytest.fixture
def session(make):
    return make.open_session(subjects=2)


def _choices(session, option: str) -> dict:
    return {subject.key: option for subject in session.subjects}


def test_one_token_cast_fifty_times_with_different_ballots_is_accepted_exactly_once(session, live_server, db):
    [token] = ballots.issue_tokens(session, 1, mode="cli", by="test")
    options = ("tin-nhiem-cao", "tin-nhiem", "tin-nhiem-thap")
    requests = [(token, seal_choices(session, _choices(session, options[i % 3]))) for i in range(CLIENTS)]

    outcomes = _cast_all_at_once(live_server, requests)

    assert Counter(status for status, _ in outcomes) == {201: 1, 409: CLIENTS - 1}
    assert Counter(code for status, code in outcomes if status == 409) == {"token_used": CLIENTS - 1}
    [accepted] = [receipt for status, receipt in outcomes if status == 201]
    assert _stored_receipts(db) == {accepted}


def test_fifty_identical_retries_of_one_token_store_one_ballot_and_share_its_receipt(session, live_server, db):
    [token] = ballots.issue_tokens(session, 1, mode="cli", by="test")
    ballot = seal_choices(session, _choices(session, "tin-nhiem"))

    outcomes = _cast_all_at_once(live_server, [(token, ballot)] * CLIENTS)

    refusals = [outcome for outcome in outcomes if outcome[0] not in (200, 201)]
    assert Counter(status for status, _ in outcomes) == {201: 1, 200: CLIENTS - 1}, refusals
    assert len({receipt for _, receipt in outcomes}) == 1
    assert _stored_receipts(db) == {outcomes[0][1]}


def test_a_ballot_after_close_is_refused_and_not_stored(session, live_server, db):
    [token] = ballots.issue_tokens(session, 1, mode="cli", by="test")
    ballots.close_session(session, by="test")

    with pytest.raises(VoterError) as refused:
        post_json(f"{live_server}/api/v1/ballot/cast",
                  {"token": token, "ballot": seal_choices(session, _choices(session, "tin-nhiem"))})

    assert (refused.value.status, refused.value.code) == (409, "session_not_open")
    assert _stored_receipts(db) == set()


def test_casts_racing_the_close_are_either_stored_or_refused_and_never_after(make, live_server, db):
    session = make.open_session(meeting=make.meeting(members=30), subjects=2)
    issued = ballots.issue_tokens(session, 30, mode="cli", by="test")
    requests = [(token, seal_choices(session, _choices(session, "tin-nhiem-cao"))) for token in issued]

    outcomes = _cast_all_at_once(live_server, requests,
                                 before_release=lambda: ballots.close_session(session, by="test"))

    accepted = {receipt for status, receipt in outcomes if status == 201}
    refusals = Counter(code for status, code in outcomes if status != 201)
    assert set(refusals) <= {"token_void", "session_not_open"}
    assert len(accepted) + sum(refusals.values()) == len(issued)
    assert _stored_receipts(db) == accepted
    used = db.session.scalar(select(func.count()).select_from(Token).where(Token.state == TokenState.USED.value))
    assert used == len(accepted)

"""One person present, one ballot, counted once: copies refused at the door, codes capped by
attendance, attendance held above the codes handed out, counts frozen at close, and the red
warning when a stored row is forced past an invariant. Over HTTP and under concurrency too."""

from __future__ import annotations

import base64
import io
import json
import threading
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, update

from votingapp.crypto.encoding import b64decode, b64encode
from votingapp.crypto.tokens import normalize_token, token_hash
from votingapp.documents.minutes import render_minutes
from votingapp.models import Ballot, Token, TokenState
from votingapp.services import ballots, meetings, tallying
from votingapp.services.errors import ServiceError
from votingapp.services.simulation import VoterError, post_json

from ..helpers import PASSWORD, post_form, refused, seal_choices

pytestmark = pytest.mark.sealed_scheme  # new sessions sealed-v2 here: see tests/conftest.py

P256_P = 2**256 - 2**224 + 2**192 + 2**96 - 1


def negated(wire: dict) -> dict:
    """The same ballot with its ephemeral point's y replaced by p - y: the copying attack."""
    epk = b64decode(wire["epk"])
    y = int.from_bytes(epk[33:], "big")
    return {**wire, "epk": b64encode(epk[:33] + (P256_P - y).to_bytes(32, "big"))}


def cast(client, token, ballot):
    return client.post("/api/v1/ballot/cast", json={"token": token, "ballot": ballot})


def stored(db, session) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.session_id == session.id))


def token_states(db, session) -> Counter:
    db.session.rollback()
    return Counter(db.session.scalars(select(Token.state).where(Token.session_id == session.id)))


def choices(session, option="tin-nhiem"):
    return {subject.key: option for subject in session.subjects}


# --- copies at the door ----------------------------------------------------------------------

@pytest.mark.parametrize("copy", [lambda wire: dict(wire), negated], ids=["exact", "negated_epk"])
def test_a_copied_ballot_cast_with_a_spare_token_is_refused_and_spends_nothing(client, db, make, copy):
    session = make.open_session()
    first, spare = ballots.issue_tokens(session, 2, mode="api", by="test")
    original = seal_choices(session, choices(session))
    assert cast(client, first, original).status_code == 201

    refused = cast(client, spare, copy(original))

    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "duplicate_ballot"
    assert refused.get_json()["error"]["message_vi"]
    assert stored(db, session) == 1
    assert token_states(db, session) == {"used": 1, "issued": 1}  # the spare token is still good
    assert cast(client, spare, seal_choices(session, choices(session))).status_code == 201


CLIENTS = 50


def _all_at_once(jobs):
    barrier = threading.Barrier(len(jobs))

    def run(job):
        barrier.wait()
        try:
            return job()
        except VoterError as error:
            return error.status, error.code

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return [future.result() for future in [pool.submit(run, job) for job in jobs]]


def test_fifty_concurrent_copies_with_fifty_tokens_store_exactly_one_ballot(make, live_server, db):
    session = make.open_session(meeting=make.meeting(members=CLIENTS, present=CLIENTS))
    issued = ballots.issue_tokens(session, CLIENTS, mode="api", by="test")
    original = seal_choices(session, choices(session))
    copies = [original if i % 2 else negated(original) for i in range(CLIENTS)]

    def caster(token, ballot):
        return lambda: post_json(f"{live_server}/api/v1/ballot/cast", {"token": token, "ballot": ballot})[0]

    outcomes = _all_at_once([caster(t, b) for t, b in zip(issued, copies, strict=True)])

    assert outcomes.count(201) == 1
    assert Counter(o for o in outcomes if o != 201) == {(409, "duplicate_ballot"): CLIENTS - 1}
    assert stored(db, session) == 1
    assert token_states(db, session) == {"used": 1, "issued": CLIENTS - 1}


# --- never more codes than voters present -------------------------------------------------------

def test_codes_handed_out_never_exceed_the_voters_present(make):
    session = make.open_session(meeting=make.meeting(members=17, present=15))
    ballots.issue_tokens(session, 10, mode="api", by="test")
    with pytest.raises(ServiceError) as refused:
        ballots.issue_tokens(session, 6, mode="api", by="test")
    assert refused.value.code == "no_ballot_left" and refused.value.status == 409
    assert refused.value.extra == {"present": 15, "handed_out": 10, "left": 5, "requested": 6}
    assert "Người đến muộn" in refused.value.message_vi
    ballots.issue_tokens(session, 5, mode="api", by="test")
    assert ballots.progress(session)["issued"] == 15 and ballots.progress(session)["left"] == 0


def basic_auth(user) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user.username}:{PASSWORD}".encode()).decode()}


def test_the_api_refuses_tokens_beyond_those_present(client, make):
    user, _ = make.user(role="admin")
    session = make.open_session(meeting=make.meeting(members=17, present=15))
    url = f"/api/v1/sessions/{session.id}/tokens"
    refused = client.post(url, json={"count": 20}, headers=basic_auth(user))
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "no_ballot_left"
    assert client.post(url, json={"count": 15}, headers=basic_auth(user)).status_code == 201


def test_a_latecomer_marked_present_makes_room_for_one_more_code(make):
    meeting = make.meeting(members=3, present=2)
    session = make.open_session(meeting=meeting)
    ballots.issue_tokens(session, 2, mode="api", by="test")
    late = next(row.member_id for row in meeting.attendance if not row.present)
    meetings.set_attendance(meeting, [late], "present", by="test")
    assert len(ballots.issue_tokens(session, 1, mode="api", by="test")) == 1


def test_attendance_cannot_drop_below_the_codes_handed_out(make, db):
    meeting = make.meeting(members=5, present=5)
    session = make.open_session(meeting=meeting)
    ballots.issue_tokens(session, 4, mode="api", by="test")
    present = [row.member_id for row in meeting.attendance]

    meetings.set_attendance(meeting, present[:1], "absent", by="test")  # 4 present, 4 codes: fine
    with refused("conflict") as caught:
        meetings.set_attendance(meeting, present[1:3], "absent", by="test")  # would leave 2 for 4 codes
    assert "at least 4 of its voters must stay present" in caught.value.message_en  # says why, with the number
    db.session.expire_all()
    assert meeting.present_count == 4  # nothing changed


def test_attendance_is_frozen_once_every_session_of_the_meeting_is_closed(make, db):
    meeting = make.meeting(members=4, present=3)
    session = make.open_session(meeting=meeting)
    ballots.close_session(session, by="test")
    late = next(row.member_id for row in meeting.attendance if not row.present)
    with pytest.raises(ServiceError) as refused:
        meetings.set_attendance(meeting, [late], "present", by="test")
    assert refused.value.code == "conflict" and "frozen" in refused.value.message_en


def test_a_closed_session_reads_the_counts_frozen_on_its_board(make, db):
    meeting = make.meeting(members=4, present=3)
    session = make.open_session(meeting=meeting)
    make.session(meeting=meeting)  # a later draft: attendance may change again for it
    ballots.close_session(session, by="test")
    late = next(row.member_id for row in meeting.attendance if not row.present)
    meetings.set_attendance(meeting, [late], "present", by="test")
    assert meeting.present_count == 4
    assert ballots.progress(session)["present"] == 3  # as signed at close
    tallying.tally_session(session, by="test")
    assert tallying.results(session)["bases"]["present"] == 3


def test_a_cast_that_would_exceed_the_voters_present_is_refused(client, make, db):
    """Codes over-issued before the cap existed (a forced row here): the box still refuses."""
    meeting = make.meeting(members=3, present=2)
    session = make.open_session(meeting=meeting)
    issued = ballots.issue_tokens(session, 2, mode="api", by="test")
    extra = "ABCDEFGHJKMNPQRSTVWX"
    db.session.add(Token(hash=token_hash(normalize_token(extra)), session_id=session.id))
    db.session.commit()
    for token in issued:
        assert cast(client, token, seal_choices(session, choices(session))).status_code == 201

    refused = cast(client, extra, seal_choices(session, choices(session)))

    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "no_ballot_left" and error["message_vi"]
    assert stored(db, session) == 2
    assert token_states(db, session)["issued"] == 1  # the refused cast spent nothing


def test_concurrent_casts_on_over_issued_codes_fill_the_box_to_the_voters_present_only(make, live_server, db):
    """The cap rides in the token's spending UPDATE: 12 codes for 4 voters present (8 forced
    rows), all cast at once, store exactly 4 ballots and spend exactly 4 codes."""
    session = make.open_session(meeting=make.meeting(members=4, present=4))
    issued = ballots.issue_tokens(session, 4, mode="api", by="test")
    forced = [f"ABCDEFGHJKMNPQRSTV{a}{b}" for a, b in zip("WXYZWXYZ", "WWWWXXXX", strict=True)]
    db.session.add_all(Token(hash=token_hash(normalize_token(code)), session_id=session.id) for code in forced)
    db.session.commit()

    def caster(token):
        ballot = seal_choices(session, choices(session))
        return lambda: post_json(f"{live_server}/api/v1/ballot/cast", {"token": token, "ballot": ballot})[0]

    outcomes = _all_at_once([caster(token) for token in issued + forced])

    assert outcomes.count(201) == 4
    assert Counter(o for o in outcomes if o != 201) == {(409, "no_ballot_left"): 8}
    assert stored(db, session) == 4
    assert token_states(db, session) == {"used": 4, "issued": 8}


def test_fifty_concurrent_issues_hand_out_exactly_the_voters_present(make, live_server, db):
    present = 10
    session = make.open_session(meeting=make.meeting(members=12, present=present))
    user, _ = make.user(role="admin")
    url = f"{live_server}/api/v1/sessions/{session.id}/tokens"
    headers = {"Content-Type": "application/json", **basic_auth(user)}

    def ask_for_one():
        request = urllib.request.Request(url, data=json.dumps({"count": 1}).encode(), method="POST",
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, None
        except urllib.error.HTTPError as exc:
            return exc.code, json.load(exc)["error"]["code"]

    outcomes = _all_at_once([ask_for_one] * CLIENTS)

    assert Counter(outcomes) == {(201, None): present, (409, "no_ballot_left"): CLIENTS - present}
    assert token_states(db, session) == {"issued": present}


# --- the chair is told ----------------------------------------------------------------------

def test_the_red_warning_shows_when_a_stored_row_is_forced_past_an_invariant(client, chair, make, db):
    meeting = make.meeting(members=3, present=2)
    session = make.open_session(meeting=meeting)
    for token in ballots.issue_tokens(session, 2, mode="api", by="test"):
        assert cast(client, token, seal_choices(session, choices(session))).status_code == 201
    db.session.execute(update(Token).where(Token.session_id == session.id)
                       .values(state=TokenState.VOID.value))  # forced: used codes marked void
    db.session.commit()
    ballots.close_session(session, by="test")
    closed = client.get(f"/chair/sessions/{session.id}").get_data(as_text=True)
    assert 'data-testid="integrity-breach"' in closed
    assert "2 ballots were received but 0 ballot codes were used." in closed
    assert "Thu vào 2 phiếu nhưng có 0 mã phiếu đã được dùng." in closed

    tallying.tally_session(session, by="test")
    results = client.get(f"/chair/sessions/{session.id}/results").get_data(as_text=True)
    assert 'data-testid="integrity-breach"' in results
    board = client.get(f"/board/{session.id}").get_data(as_text=True)
    assert 'data-testid="integrity-breach"' in board
    assert "are at most the number present" not in board


def test_honest_counts_show_no_warning_and_the_board_states_its_invariant(client, chair, make):
    session = make.open_session()
    for token in ballots.issue_tokens(session, 2, mode="api", by="test"):
        assert cast(client, token, seal_choices(session, choices(session))).status_code == 201
    ballots.close_session(session, by="test")
    tallying.tally_session(session, by="test")
    for url in (f"/chair/sessions/{session.id}", f"/chair/sessions/{session.id}/results", f"/board/{session.id}"):
        assert "integrity-breach" not in client.get(url).get_data(as_text=True)
    assert "are at most the number present" in client.get(f"/board/{session.id}").get_data(as_text=True)


def test_the_minutes_carry_the_warning(client, chair, make, db):
    session = make.open_session(meeting=make.meeting(members=3, present=2))
    for token in ballots.issue_tokens(session, 2, mode="api", by="test"):
        cast(client, token, seal_choices(session, choices(session)))
    db.session.execute(update(Token).where(Token.session_id == session.id).values(state=TokenState.VOID.value))
    db.session.commit()
    ballots.close_session(session, by="test")
    tally = tallying.tally_session(session, by="test")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(
        render_minutes(tally.document, session.board.document))).pages)
    assert "CẢNH BÁO" in text and "mã phiếu đã được dùng" in text


def test_a_page_post_of_too_many_cards_keeps_every_code_unissued(client, chair, make):
    session = make.open_session(meeting=make.meeting(members=3, present=3))
    assert post_form(client, f"/chair/sessions/{session.id}/cards", {"count": "4"}).status_code == 409
    assert ballots.progress(session)["issued"] == 0


# --- the chair can undo an attendance mistake -------------------------------------------------

def test_undo_puts_back_what_the_last_attendance_change_replaced(client, chair, make, db):
    meeting = make.meeting(members=4, present=3)
    before = {row.member_id: row.status for row in meeting.attendance}
    assert post_form(client, f"/chair/meetings/{meeting.id}/attendance", {"present": "0"},
                     headers={"HX-Request": "true"}).status_code == 200  # "mark all absent" by mistake
    db.session.expire_all()
    assert meeting.present_count == 0
    undone = post_form(client, f"/chair/meetings/{meeting.id}/attendance/undo", headers={"HX-Request": "true"})
    assert undone.status_code == 200
    db.session.expire_all()
    assert {row.member_id: row.status for row in meeting.attendance} == before
    # an undo is itself logged and is not undone again; the change before it is next
    late = next(member for member, status in before.items() if status == "absent")
    meetings.set_attendance(meeting, [late], "excluded", "suspended", by="test")
    meetings.undo_last_attendance_change(meeting, by="test")
    db.session.expire_all()
    assert {row.member_id: row.status for row in meeting.attendance} == before


def test_undo_with_nothing_to_undo_or_below_the_codes_out_is_refused(make, db):
    with pytest.raises(ServiceError) as nothing:
        meetings.undo_last_attendance_change(make.meeting(members=3, present=0), by="test")
    assert nothing.value.code == "conflict" and "no attendance change to undo" in nothing.value.message_en
    meeting = make.meeting(members=3, present=3)
    session = make.open_session(meeting=meeting)
    ballots.issue_tokens(session, 3, mode="api", by="test")
    with refused("conflict"):  # undoing "mark present" would leave 0 present for 3 codes
        meetings.undo_last_attendance_change(meeting, by="test")
    db.session.expire_all()
    assert meeting.present_count == 3


def test_a_status_change_cannot_take_an_official_electorate_below_its_codes(make, db):
    """Switching a probationary member to official and back must not leave more codes than
    official members present (the motion's electorate), on the page, the API or an import."""
    meeting = make.meeting(members=6, probationary=1)
    motion = make.open_session(meeting=meeting, kind="motion", title="Thông qua nghị quyết")
    probationary = next(row.member for row in meeting.attendance if row.member.status == "probationary")
    meetings.set_member_status(probationary, "official", by="test")
    ballots.issue_tokens(motion, 6, mode="api", by="test")  # 6 official present now
    with pytest.raises(ServiceError) as refused:
        meetings.set_member_status(probationary, "probationary", by="test")
    assert refused.value.code == "conflict" and "6 ballots are already handed out" in refused.value.message_en
    db.session.expire_all()
    assert probationary.status == "official"

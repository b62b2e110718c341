"""The chair is asked before the steps that cannot be taken back, is told before closing how
many of those present have voted, sees attendance read-only once it is frozen, and sees each
meeting's sessions and their states on the dashboard."""

from __future__ import annotations

import re

from votingapp.services import ballots

from ..helpers import seal_choices

HTMX = {"HX-Request": "true"}


def cast(session, count: int) -> None:
    for token in ballots.issue_tokens(session, count, mode="api", by="test"):
        ballots.cast_ballot(token, seal_choices(session, {s.key: "tin-nhiem" for s in session.subjects}))


def test_opening_asks_for_confirmation(client, chair, make):
    session = make.session()
    page = client.get(f"/chair/sessions/{session.id}").get_data(as_text=True)
    form = re.search(r'<form[^>]*step=open[^>]*>|<form[^>]*/open"[^>]*>', page, re.S)
    assert form and 'hx-confirm="Open voting now?' in form.group(0)


def test_mark_all_absent_asks_for_confirmation(client, chair, make):
    meeting = make.meeting()
    page = client.get(f"/chair/meetings/{meeting.id}").get_data(as_text=True)
    button = re.search(r'<button[^>]*id="mark-all-absent".*?</button>', page, re.S).group(0)
    assert 'hx-confirm="Mark everyone in this list absent?"' in button


def test_the_close_confirmation_says_how_many_present_have_voted_and_stays_current(client, chair, make):
    session = make.open_session(meeting=make.meeting(members=17, present=15))
    cast(session, 12)
    page = client.get(f"/chair/sessions/{session.id}").get_data(as_text=True)
    details = re.search(r'<details class="close-confirm">.*?</details>', page, re.S).group(0)
    assert "12 of 15 present have voted" in details and "3 have not voted yet." in details
    cast(session, 1)
    poll = client.get(f"/chair/sessions/{session.id}/progress?shown=open", headers=HTMX).get_data(as_text=True)
    summary = re.search(r'<p id="close-summary"[^>]*>.*?</p>', poll, re.S).group(0)
    assert 'hx-swap-oob="true"' in summary and "13 of 15 present have voted" in summary
    assert "2 have not voted yet." in summary


def test_attendance_is_read_only_once_every_session_is_closed(client, chair, make):
    meeting = make.meeting(members=3, present=2)
    session = make.open_session(meeting=meeting)
    page = client.get(f"/chair/meetings/{meeting.id}").get_data(as_text=True)
    assert 'id="mark-all-absent"' in page and "/attendance/" in page
    ballots.close_session(session, by="test")
    page = client.get(f"/chair/meetings/{meeting.id}").get_data(as_text=True)
    assert 'id="mark-all-absent"' not in page and 'id="mark-all-present"' not in page
    assert 'data-testid="attendance-frozen"' in page
    switches = re.findall(r'<input type="checkbox" name="present"[^>]*>', page, re.S)
    assert len(switches) == 3 and all("disabled" in s and "hx-post" not in s for s in switches)


def test_the_dashboard_shows_each_meetings_sessions_and_states(client, chair, make):
    meeting = make.meeting()
    draft = make.session(meeting=meeting, title="Phiên nháp")
    opened = make.open_session(meeting=meeting, title="Phiên đang mở")
    page = client.get("/chair/").get_data(as_text=True)
    listed = re.search(r'<ul class="meeting-sessions".*?</ul>', page, re.S).group(0)
    assert "Phiên nháp" in listed and "Phiên đang mở" in listed
    assert "Draft" in listed and "Voting open" in listed
    assert f"/chair/sessions/{draft.id}" in listed and f"/chair/sessions/{opened.id}" in listed

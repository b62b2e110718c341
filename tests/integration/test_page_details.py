"""Small things issue 11 found: a favicon instead of a 404 on every page, one date format
(dd/mm/yyyy) also where the signed board stores ISO dates, and a named progress bar."""

from __future__ import annotations

from votingapp.services import ballots

from ..helpers import element


def test_the_favicon_is_served_and_linked(client):
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301 and "/static/favicon.svg?v=" in answer.headers["Location"]
    icon = client.get(answer.headers["Location"])
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert 'rel="icon" href="/static/favicon.svg?v=' in client.get("/login").get_data(as_text=True)
    # the voter page carries it inline: one request fewer for each phone
    assert 'rel="icon" href="data:image/svg+xml,%3Csvg' in client.get("/v").get_data(as_text=True)


def test_the_board_writes_the_meeting_date_as_dd_mm_yyyy(client, make):
    session = make.open_session()
    ballots.close_session(session, by="test")
    page = client.get(f"/board/{session.id}").get_data(as_text=True)
    day = session.meeting.held_on
    assert day.strftime("%d/%m/%Y") in page and day.isoformat() not in page


def test_the_progress_bar_has_an_accessible_name_and_value_text(client, chair, make):
    session = make.open_session(meeting=make.meeting(members=3, present=3))
    page = client.get(f"/chair/sessions/{session.id}/progress").get_data(as_text=True)
    bar = element(page, 'div.progress-bar[role="progressbar"]').attributes
    assert bar.get("aria-label") == "Voting progress" and bar.get("aria-valuetext") == "0 of 3 present have voted"

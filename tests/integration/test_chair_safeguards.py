"""The chair is asked before the steps that cannot be taken back, is told before closing how
many of those present have voted, sees attendance read-only once it is frozen, and sees each
meeting's sessions and their states on the dashboard."""

from __future__ import annotations

from votingapp.services import ballots

from ..helpers import element, parse_html, seal_choices

HTMX = {"HX-Request": "true"}


def cast(session, count: int) -> None:
    for token in ballots.issue_tokens(session, count, mode="api", by="test"):
        ballots.cast_ballot(token, seal_choices(session, {s.key: "tin-nhiem" for s in session.subjects}))


def test_opening_asks_for_confirmation(client, chair, make):
    session = make.session()
    page = client.get(f"/chair/sessions/{session.id}").get_data(as_text=True)
    opens = [form for form in parse_html(page).css("form")
             if any("step=open" in (value or "") or (value or "").endswith("/open")
             for value in form.attributes.values())]
    assert opens and opens[0].attributes.get("hx-confirm", "").startswith("Open voting now?")


def test_mark_all_absent_asks_for_confirmation(client, chair, make):
    meeting = make.meeting()
    page = client.get(f"/chair/meetings/{meeting.id}").get_data(as_text=True)
    button = element(page, "button#mark-all-absent")
    assert button.attributes.get("hx-confirm") == "Mark everyone in this list absent?"


def test_the_close_confirmation_says_how_many_present_have_voted_and_stays_current(client, chair, make):
    session = make.open_session(meeting=make.meeting(members=17, present=15))
    cast(session, 12)
    page = client.get(f"/chair/sessions/{session.id}").get_data(as_text=True)
    details = element(page, "details.close-confirm").text()
    assert "12 of 15 present have voted" in details and "3 have not voted yet." in details
    cast(session, 1)
    poll = client.get(f"/chair/sessions/{session.id}/progress?shown=open", headers=HTMX).get_data(as_text=True)
    summary = element(poll, "p#close-summary")
    assert summary.attributes.get("hx-swap-oob") == "true" and "13 of 15 present have voted" in summary.text()
    assert "2 have not voted yet." in summary.text()


def test_attendance_is_read_only_once_every_session_is_closed(client, chair, make):
    meeting = make.meeting(members=3, present=2)
    session = make.open_session(meeting=meeting)
    page = client.get(f"/chair/meetings/{meeting.id}").get_data(as_text=True)
    assert 'id="mark-all-absent"' in page and "/attendance/" in page
    ballots.close_session(session, by="test")
    page = client.get(f"/chair/meetings/{meeting.id}").get_data(as_text=True)
    assert 'id="mark-all-absent"' not in page and 'id="mark-all-present"' not in page
    assert 'data-testid="attendance-frozen"' in page
    switches = parse_html(page).css('input[type="checkbox"][name="present"]')
    assert len(switches) == 3 and all("disabled" in s.attributes and "hx-post" not in s.attributes for s in switches)


def test_the_dashboard_shows_each_meetings_sessions_and_states(client, chair, make):
    meeting = make.meeting()
    draft = make.session(meeting=meeting, title="Phiên nháp")
    opened = make.open_session(meeting=meeting, title="Phiên đang mở")
    page = client.get("/chair/").get_data(as_text=True)
    listed = element(page, "ul.meeting-sessions")
    assert "Phiên nháp" in listed.text() and "Phiên đang mở" in listed.text()
    assert "Draft" in listed.text() and "Voting open" in listed.text()
    links = {link.attributes.get("href") for link in listed.css("a")}
    assert f"/chair/sessions/{draft.id}" in links and f"/chair/sessions/{opened.id}" in links

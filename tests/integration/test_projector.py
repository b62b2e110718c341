"""The projector view: counts only while voting (a live ring of x of y), results only from the
stored tally (bars, percentages on the policy's basis, the consequence line), nothing external."""

from __future__ import annotations

import pytest

from votingapp.services import ballots, tallying
from votingapp.web.chair.screen import RING_LENGTH, ring

from ..helpers import parse_html, seal_choices

HIGH, MIDDLE, LOW = "tin-nhiem-cao", "tin-nhiem", "tin-nhiem-thap"
HTMX = {"HX-Request": "true"}


def screen_url(session) -> str:
    return f"/chair/sessions/{session.id}/screen"


def cast(session, marks: list[dict]) -> None:
    for token, choices in zip(ballots.issue_tokens(session, len(marks), mode="api", by="test"), marks, strict=True):
        ballots.cast_ballot(token, seal_choices(session, choices))


@pytest.mark.parametrize(("voted", "present", "dash", "percent"), [
    (0, 15, 0.0, 0), (12, 15, round(RING_LENGTH * 0.8, 2), 80), (15, 15, round(RING_LENGTH, 2), 100),
    (3, 0, 0.0, 0)])
def test_the_ring_arc_is_the_share_of_those_present_who_voted(voted, present, dash, percent):
    assert ring(voted, present)["dash"] == dash and ring(voted, present)["percent"] == percent


def test_while_open_the_screen_shows_x_of_y_and_the_phone_address_and_polls(client, chair, make):
    session = make.open_session(meeting=make.meeting(members=17, present=15))
    cast(session, [{s.key: HIGH for s in session.subjects}] * 3)
    page = client.get(screen_url(session)).get_data(as_text=True)
    assert "3 of 15 present have voted" in page
    assert 'data-testid="phone-url">' in page and "/v<" in page
    assert 'hx-trigger="every 2s"' in page
    linked = [node.attributes.get("src") or node.attributes.get("href") or ""
              for node in parse_html(page).css("[src], [href]")]
    assert linked and not [url for url in linked if url.startswith(("http://", "https://"))]  # nothing from outside
    part = client.get(screen_url(session), headers=HTMX).get_data(as_text=True)
    assert 'id="screen-part"' in part and "<html" not in part


def test_after_the_tally_the_screen_shows_bars_percentages_and_consequences(client, chair, make):
    session = make.open_session(meeting=make.meeting(members=4, present=4), subjects=2)
    first, second = (s.key for s in session.subjects)
    # 4 received: first gets 3 low of 4 (75 %: 2/3 or more), second 1 low of 4 (no consequence)
    cast(session, [{first: LOW, second: HIGH}, {first: LOW, second: HIGH}, {first: LOW, second: MIDDLE},
                   {first: HIGH, second: LOW}])
    ballots.close_session(session, by="test")
    tallying.tally_session(session, by="test")
    page = client.get(screen_url(session)).get_data(as_text=True)
    assert page.count('data-testid="screen-chart"') == 2
    assert "75.00" in page and "25.00" in page and "50.00" in page
    assert "2/3 or more low confidence: under Regulation 96-QĐ/TW, Article 13, dismissal is considered" in page
    assert "No consequence" in page
    assert "hx-trigger" not in page  # results do not change: no poll
    widths = [float(bar.attributes["width"]) for bar in parse_html(page).css('rect[x="200"][height="34"]')
              if bar.attributes["fill"] != "#eef0f3"]  # the grey track behind each bar is not a bar
    assert widths == [65.0, 0.0, 195.0, 130.0, 65.0, 65.0]  # 260 px × count / 4 ballots received (the basis)


def test_the_screen_is_for_staff_of_the_subtree_only(client, make, login_as):
    session = make.open_session()
    assert client.get(screen_url(session)).status_code == 302  # to log in
    login_as("chair", organization=make.organization())
    assert client.get(screen_url(session)).status_code == 403

"""What issue 11 found broken on small screens and the projector, in real Chromium: the typed
code fits its box at 320 and 360 px, the results table becomes cards on a phone without
sideways scrolling, and the projector view live and after the tally (screenshots kept)."""

from __future__ import annotations

import pytest

from votingapp.crypto.tokens import format_token

from .conftest import log_in_new_user, new_phone, open_session_with_tokens, screenshot, wait_for_screen

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [320, 360])
def test_the_typed_code_fits_the_box(browser, live_server, make, width):
    session, (token,) = open_session_with_tokens(make)
    with new_phone(browser, width) as page:
        page.goto(f"{live_server}/v")
        wait_for_screen(page, "enter")
        page.fill("#code-input", format_token(token))
        scroll, client = page.evaluate("[document.getElementById('code-input').scrollWidth,"
                                       " document.getElementById('code-input').clientWidth]")
        assert scroll <= client, f"the code overflows its box at {width} px ({scroll} > {client})"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"voter-code-typed-{width}")


#: three voters rate the three subjects low, high, middle; a fourth rates them all high
MIXED = [["tin-nhiem-thap", "tin-nhiem-cao", "tin-nhiem"]] * 3
ALL_HIGH = ["tin-nhiem-cao"] * 3


def hall_session(make):
    """Three of a five-member cell's subjects, with four of the members present."""
    return make.open_session(meeting=make.meeting(members=5, present=4), subjects=3,
                             title="Lấy phiếu tín nhiệm năm 2026")


@pytest.mark.parametrize("width", [320, 360])
def test_results_become_stacked_cards_on_a_phone(browser, live_server, make, width):
    session = make.tallied_session(MIXED + [ALL_HIGH], session=hall_session(make))
    with new_phone(browser, width, 720) as page:
        log_in_new_user(page, live_server, make)
        page.goto(f"{live_server}/chair/sessions/{session.id}/results")
        table = page.locator("table.stack-on-phone")
        assert table.evaluate("t => getComputedStyle(t.querySelector('tr')).display") == "block"
        wrap = page.locator(".results-subjects .table-wrap")
        assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth"), "the results still scroll sideways"
        first_cell = page.locator("table.stack-on-phone tbody td.num").first
        assert first_cell.evaluate("c => getComputedStyle(c, '::before').content") != "none"
        screenshot(page, f"results-phone-{width}")


def test_the_projector_live_then_after_the_tally(browser, live_server, make):
    session = hall_session(make)
    make.cast(session, MIXED)
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    external = []
    page.on("request", lambda request: external.append(request.url)
            if not request.url.startswith(live_server) else None)
    try:
        log_in_new_user(page, live_server, make)
        page.goto(f"{live_server}/chair/sessions/{session.id}/screen")
        assert page.locator(".screen-ring-caption").inner_text().startswith("3")
        assert page.locator('[data-testid="phone-url"]').is_visible()
        assert page.locator(".screen-phone-qr svg").is_visible()
        assert page.evaluate("document.documentElement.scrollHeight") <= 768, "the live view needs scrolling"
        screenshot(page, "projector-live")

        make.cast(session, [ALL_HIGH])  # the 4th voter, seen live
        page.locator('[data-testid="screen-voted"]', has_text="4").wait_for(timeout=10000)

        make.tallied_session([], session=session)
        page.locator('[data-testid="screen-results"]').wait_for(timeout=10000)
        charts = page.locator('[data-testid="screen-chart"]')
        assert charts.count() == 3
        for index in range(3):  # every chart and its consequence line fit the 1024 × 768 screen
            box = charts.nth(index).bounding_box()
            assert box["y"] + box["height"] <= 768 and box["x"] + box["width"] <= 1024
        assert "xem xét miễn nhiệm" in charts.nth(0).inner_text()  # 3 low of 4 received: 2/3 or more
        screenshot(page, "projector-results")
        assert external == [], f"the projector loaded something from outside: {external}"
    finally:
        context.close()

"""The chair sets up a meeting in a real browser: log in through the form, create the meeting,
mark attendance with the switches and watch the quorum counter; then the same page on a phone."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from votingapp.extensions import db
from votingapp.models import Meeting

from ..helpers import PASSWORD
from .conftest import log_in, screenshot

pytestmark = pytest.mark.browser
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


@pytest.fixture
def cell(make):
    """A district, a grassroots committee and a cell of five members."""
    top = make.organization(code="HU", name="Huyện ủy Sơn Hà", level="huyen")
    commune = make.organization(code="SL", name="Đảng bộ xã Sơn Lâm", level="co-so", parent=top)
    make.organization(code="SL-02", name="Chi bộ thôn Đoài", parent=commune)
    cell = make.organization(code="SL-01", name="Chi bộ thôn Đông", parent=commune)
    for code, name, post in [("DV00001", "Vũ Phương Nhung", "Bí thư chi bộ"),
                             ("DV00002", "Võ Kim Hoa", "Phó Bí thư chi bộ"),
                             ("DV00003", "Nguyễn Minh Thắng", "Chủ tịch UBND xã"),
                             ("DV00004", "Nguyễn Thị Mai", ""),
                             ("DV00005", "Đặng Văn Hùng", "")]:
        make.member(cell, code=code, full_name=name, post=post, is_leader=bool(post))
    return cell



def test_chair_creates_a_meeting_and_marks_attendance_until_quorum(live_server, laptop, phone, make, cell):
    make.user(role="chair", organization=cell.parent, username="chutri")
    page = laptop
    log_in(page, live_server, "chutri", PASSWORD)
    expect(page.locator(".tree")).to_contain_text("Chi bộ thôn Đông")
    screenshot(page, "chair-dashboard")

    page.click("text=Hội nghị mới")
    page.select_option("select[name=organization]", str(cell.id))
    page.fill("input[name=title]", "Hội nghị kiểm điểm, đánh giá năm 2026")
    page.fill("input[name=held_on]", "2026-12-05")
    screenshot(page, "chair-new-meeting")
    page.click("button.primary")
    expect(page.locator("h1")).to_have_text("Hội nghị kiểm điểm, đánh giá năm 2026")
    expect(page.locator("#summoned-count")).to_have_text("5")
    expect(page.locator("#present-count")).to_have_text("0")
    expect(page.locator("#quorum-state")).to_have_attribute("data-quorum", "not-met")

    rows = page.locator("#attendance-rows tr")
    for index in range(3):
        rows.nth(index).locator(".switch").click()
        expect(page.locator("#present-count")).to_have_text(str(index + 1))
    expect(page.locator("#quorum-state")).to_have_attribute("data-quorum", "not-met")  # 3 of 5 < 2/3
    rows.nth(3).locator(".switch").click()
    expect(page.locator("#present-count")).to_have_text("4")
    expect(page.locator("#quorum-state")).to_have_attribute("data-quorum", "met")
    expect(rows.nth(3)).to_have_class("is-present")
    screenshot(page, "chair-meeting-attendance")

    page.fill("#attendance-search", "nguyen")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Nguyễn Minh Thắng")
    page.fill("#attendance-search", "")
    expect(rows).to_have_count(5)

    rows.nth(0).locator(".switch").click()  # one leaves: 3 of 5
    expect(page.locator("#present-count")).to_have_text("3")
    expect(page.locator("#quorum-state")).to_have_attribute("data-quorum", "not-met")

    meeting = db.session.query(Meeting).one()
    db.session.refresh(meeting)
    for row in meeting.attendance:
        db.session.refresh(row)
    assert meeting.held_on == date(2026, 12, 5)
    assert sorted(r.member.code for r in meeting.attendance if r.present) == ["DV00002", "DV00003", "DV00004"]

    page.click("#mark-all-present")
    expect(page.locator("#present-count")).to_have_text("5")
    expect(page.locator("#attendance-rows tr.is-present")).to_have_count(5)

    # The same page on a 360 px phone: readable, nothing wider than the screen.
    log_in(phone, live_server, "chutri", PASSWORD)
    phone.goto(f"{live_server}/chair/meetings/{meeting.id}")
    expect(phone.locator("#present-count")).to_have_text("5")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    box = phone.locator("#attendance-rows tr").first.locator(".switch-track").bounding_box()
    assert box["width"] >= 48 and box["height"] >= 32
    screenshot(phone, "chair-meeting-phone")
    phone.goto(f"{live_server}/chair/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "chair-dashboard-phone")


def test_admin_searches_members_and_sees_import_errors_line_by_line(live_server, laptop, make, cell):
    """Also keeps screenshots of the admin's pages for a visual check."""
    make.user(role="admin", username="quantri")
    page = laptop
    log_in(page, live_server, "quantri", PASSWORD)
    page.goto(f"{live_server}/chair/organizations/{cell.parent.id}")
    page.fill("input[name=q]", "dang hung")
    expect(page.locator("#member-rows tr")).to_have_count(1)
    page.fill("input[name=q]", "")
    expect(page.locator("#member-rows tr")).to_have_count(5)
    screenshot(page, "admin-organization")
    page.goto(f"{live_server}/chair/users")
    screenshot(page, "admin-users")
    page.goto(f"{live_server}/chair/import")
    page.check("input[value=members]")
    page.set_input_files("input[name=file]", str(SAMPLES / "members-with-errors.csv"))
    page.click("button.primary")
    expect(page.locator("#import-errors tbody tr")).not_to_have_count(0)
    screenshot(page, "admin-import-errors")

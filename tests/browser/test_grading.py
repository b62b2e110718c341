"""The yearly rating in a real browser: from a counted rating ballot the cell's chair takes the
proposals; the commune committee (the competent level) opens the unit and approves its ratings;
then the cycle's export downloads."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from votingapp.domain.grading import MEMBER
from votingapp.services import ballots, grading, meetings, tallying

from ..helpers import PASSWORD, seal_choices
from .conftest import log_in, screenshot

pytestmark = pytest.mark.browser

PEOPLE = [("DV00001", "Vũ Phương Nhung", "Bí thư chi bộ", "htxsnv"), ("DV00002", "Võ Kim Hoa", "", "httnv"),
          ("DV00003", "Nguyễn Minh Thắng", "", "httnv"), ("DV00004", "Nguyễn Thị Mai", "", "htnv"),
          ("DV00005", "Đặng Văn Hùng", "", "httnv")]


@pytest.fixture
def counted_rating(make):
    """A commune with two cells; cell SL-01 held its meeting and counted a secret rating ballot
    on its five members (everyone voted the same way for each person)."""
    top = make.organization(code="HU", name="Huyện ủy Sơn Hà", level="huyen")
    commune = make.organization(code="SL", name="Đảng bộ xã Sơn Lâm", level="co-so", parent=top)
    cell = make.organization(code="SL-01", name="Chi bộ thôn Đông", parent=commune)
    other = make.organization(code="SL-02", name="Chi bộ thôn Đoài", parent=commune)
    members = [make.member(cell, code=code, full_name=name, post=post, is_leader=bool(post))
               for code, name, post, _ in PEOPLE]
    for i in range(4):
        make.member(other, code=f"DV0001{i}")
    admin, _ = make.user(role="admin", organization=commune, username="dang-uy-xa")
    chair, _ = make.user(role="chair", organization=cell, username="bi-thu-chi-bo")
    cycle = grading.create_cycle(commune, 2025, by=admin)
    meeting = meetings.create_meeting(cell, "Hội nghị kiểm điểm năm 2025", date(2025, 12, 5), by=chair)
    meetings.set_attendance(meeting, [m.id for m in members], "present", by=chair)
    subjects = [grading.subject_for(cycle, MEMBER, member=m) for m in members]
    session = grading.create_rating_session(cycle, meeting, subjects, by=chair)
    ballots.open_session(session, by=chair)
    choices = {s.key: choice for s, (*_, choice) in zip(subjects, PEOPLE, strict=True)}
    for code in ballots.issue_tokens(session, 5, mode="cli", by=chair):
        ballots.cast_ballot(code, seal_choices(session, choices))
    ballots.close_session(session, by=chair)
    tallying.tally_session(session, by=chair)
    return {"cycle": cycle, "cell": cell, "session": session, "members": members}


def test_a_superior_approves_a_units_ratings(live_server, laptop, counted_rating):
    cycle = counted_rating["cycle"]
    page = laptop
    # the cell's chair takes the proposals from the counted ballot
    log_in(page, live_server, "bi-thu-chi-bo", PASSWORD)
    page.click("nav >> text=Xếp loại")
    page.click(f"text={cycle.title}")
    page.click("#progress >> text=Chi bộ thôn Đông")
    expect(page.locator("#approve-unit")).to_have_count(0)          # a cell chair decides nothing
    page.click("text=Lấy đề xuất từ phiếu này")
    expect(page.locator("#rating-table")).to_contain_text("Hoàn thành tốt nhiệm vụ")
    page.click("text=Đăng xuất")

    # the commune committee, the competent level, approves the unit's ratings
    log_in(page, live_server, "dang-uy-xa", PASSWORD)
    page.goto(f"{live_server}/grading/cycles/{cycle.id}")
    expect(page.locator("#progress")).to_contain_text("Chi bộ thôn Đông")
    screenshot(page, "grading-dashboard")
    page.click("#progress >> text=Chi bộ thôn Đông")
    expect(page.locator("#quota-line")).to_contain_text("đã xếp loại Xuất sắc 0 / tối đa 0")
    page.click("#rating-table >> text=Vũ Phương Nhung")
    expect(page.locator("#proposal")).to_contain_text("5/5 phiếu từ mức Xuất sắc trở lên (> 1/2) → "
                                                      "Hoàn thành xuất sắc nhiệm vụ")
    screenshot(page, "grading-subject")
    page.go_back()
    page.click("#approve-unit")
    expect(page.locator(".notice, .alert").first).to_contain_text("Xuất sắc")   # 3 good allow no excellent
    # the excellent proposal breaks the quota: decide it on its own page, with a reason
    page.click("#rating-table >> text=Vũ Phương Nhung")
    page.select_option("select[name=level]", "HTTNV")
    page.fill("textarea[name=reason]", "Tỷ lệ Xuất sắc của Đảng bộ đã đủ")
    page.click("#decide-form button.primary")
    expect(page.locator("#decided-level")).to_have_text("Hoàn thành tốt nhiệm vụ")
    page.click(".breadcrumb >> text=Đơn vị")
    page.click("#approve-unit")
    expect(page.locator("#rating-table .decision")).not_to_contain_text(["chưa quyết định"] * 5)
    expect(page.locator("#quota-line")).to_contain_text("đã xếp loại Xuất sắc 0 / tối đa 0")
    screenshot(page, "grading-unit-approved")
    decided = [grading.subject_for(cycle, MEMBER, member=m).decided_level for m in counted_rating["members"]]
    assert decided == ["HTTNV", "HTTNV", "HTTNV", "HTNV", "HTTNV"]

    with page.expect_download() as download:
        page.click("text=Xuất XLSX")
    with open(download.value.path(), "rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).active
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True)}
    assert rows["member:DV00001"][list(rows["Mã đối tượng"]).index("Người quyết định")] == "dang-uy-xa"

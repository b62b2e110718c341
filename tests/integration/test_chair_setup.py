"""The chair/admin setup pages: who may see and change what, organizations, meetings,
attendance with its quorum counter, imports and users, through the Flask client."""

from __future__ import annotations

from pathlib import Path

import flask_babel
import pytest
from sqlalchemy import func, select

from votingapp.extensions import db
from votingapp.models import ActivityEvent, Attendance, Meeting, Member, Organization, OrganizationLevel, User
from votingapp.services import accounts

from ..helpers import PASSWORD, csrf_token, element, login, parse_html
from ..helpers import post_form as post

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
HTMX = {"HX-Request": "true"}




def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def district(make):
    """A district with two grassroots committees, each with one cell of three members, and a
    meeting of the first cell."""
    top = make.organization(code="HU", name="Huyện ủy Sơn Hà", level="huyen")
    north = make.organization(code="SL", name="Đảng bộ xã Sơn Lâm", level="co-so", parent=top)
    south = make.organization(code="SH", name="Đảng bộ xã Sơn Hải", level="co-so", parent=top)
    north_cell = make.organization(code="SL-01", name="Chi bộ thôn Đông", parent=north)
    south_cell = make.organization(code="SH-01", name="Chi bộ thôn Nam", parent=south)
    meeting = make.meeting(members=3, present=0, organization=north_cell)
    for n in range(3):
        make.member(south_cell, full_name=f"Phạm Văn Nam {n}")
    return {"top": top, "north": north, "south": south, "north_cell": north_cell,
            "south_cell": south_cell, "meeting": meeting}


def paths(d) -> dict[str, str]:
    meeting, member = d["meeting"], d["meeting"].attendance[0].member_id
    return {
        "dashboard": "/chair/",
        "organization": f"/chair/organizations/{d['north_cell'].id}",
        "new_organization": "/chair/organizations/new",
        "new_meeting": "/chair/meetings/new",
        "meeting": f"/chair/meetings/{meeting.id}",
        "mark_attendance": f"/chair/meetings/{meeting.id}/attendance/{member}",
        "mark_everyone": f"/chair/meetings/{meeting.id}/attendance",
        "users": "/chair/users",
        "import": "/chair/import",
    }


# Access control --------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["dashboard", "organization", "new_organization", "new_meeting", "meeting",
                                  "users", "import"])
def test_anonymous_visitor_is_sent_to_login(client, district, name):
    response = client.get(paths(district)[name])
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("name", ["mark_attendance", "mark_everyone", "new_meeting", "new_organization",
                                  "users", "import"])
def test_anonymous_post_changes_nothing(client, district, name):
    response = post(client, paths(district)[name], {"present": "1"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert district["meeting"].present_count == 0


@pytest.mark.parametrize("name", ["mark_attendance", "mark_everyone", "new_meeting", "new_organization",
                                  "users", "import"])
def test_auditor_cannot_post(client, login_as, district, name):
    login_as("auditor")
    before = db.session.scalar(select(func.count(ActivityEvent.id)))
    response = post(client, paths(district)[name],
                    {"present": "1", "organization": district["north_cell"].id, "title": "X",
                     "held_on": "2026-12-01", "code": "NEW", "name": "N", "level": "chi-bo",
                     "username": "sneaky", "password": "long enough password", "role": "admin"})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(ActivityEvent.id))) == before
    assert district["meeting"].present_count == 0


@pytest.mark.parametrize("name", ["dashboard", "organization", "meeting"])
def test_auditor_can_read(client, login_as, district, name):
    login_as("auditor")
    assert client.get(paths(district)[name]).status_code == 200


def test_auditor_sees_attendance_switches_disabled(client, login_as, district):
    login_as("auditor")
    page = text(client.get(paths(district)["meeting"]))
    rows = element(page, "#attendance-rows")
    assert rows.css("tr") and not rows.css("[hx-post]")
    assert 'id="mark-all-present"' not in page


@pytest.mark.parametrize("name", ["new_organization", "users", "import"])
def test_chair_cannot_open_admin_pages(client, login_as, district, name):
    login_as("chair")
    assert client.get(paths(district)[name]).status_code == 403


@pytest.mark.parametrize("name", ["organization", "meeting"])
def test_chair_of_another_subtree_cannot_see(client, login_as, district, name):
    login_as("chair", organization=district["south"])
    assert client.get(paths(district)[name]).status_code == 403


@pytest.mark.parametrize("name", ["mark_attendance", "mark_everyone"])
def test_chair_of_another_subtree_cannot_mark_attendance(client, login_as, district, name):
    login_as("chair", organization=district["south"])
    response = post(client, paths(district)[name], {"present": "1"}, headers=HTMX)
    assert response.status_code == 403
    assert district["meeting"].present_count == 0


def test_chair_of_another_subtree_cannot_create_a_meeting_there(client, login_as, district):
    login_as("chair", organization=district["south"])
    response = post(client, "/chair/meetings/new",
                    {"organization": district["north_cell"].id, "title": "Họp", "held_on": "2026-12-01"})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(Meeting.id))) == 1


def test_unknown_meeting_is_404_not_500(client, login_as, district):
    login_as("chair")
    assert client.get("/chair/meetings/9999").status_code == 404
    assert post(client, "/chair/meetings/9999/attendance", {"present": "1"}).status_code == 404


# Dashboard and organizations --------------------------------------------------------------

def test_dashboard_shows_the_reachable_tree_with_subtree_member_counts(client, login_as, district):
    login_as("chair", organization=district["north"])
    page = text(client.get("/chair/"))
    assert "Đảng bộ xã Sơn Lâm" in page and "Chi bộ thôn Đông" in page
    assert "Sơn Hải" not in page and "Huyện ủy Sơn Hà" not in page
    assert "3 đảng viên" in page  # the default UI is Vietnamese
    assert f'/chair/meetings/{district["meeting"].id}' in page


def test_dashboard_offers_only_what_the_role_allows(client, login_as, district):
    login_as("auditor")
    page = text(client.get("/chair/"))
    assert "/chair/meetings/new" not in page and "/chair/users" not in page
    client.post("/logout", data={"csrf_token": csrf_token(page)})
    login_as("admin")
    page = text(client.get("/chair/"))
    assert "/chair/meetings/new" in page and "/chair/users" in page and "/chair/organizations/new" in page


def test_whole_installation_user_sees_every_root_with_totals(client, login_as, district):
    login_as("auditor")
    page = text(client.get("/chair/"))
    assert "Huyện ủy Sơn Hà" in page and "6 đảng viên" in page


def level_options(html: str) -> list[tuple[str, str]]:
    """The organization form's level choices as (code, words)."""
    return [(option.attributes["value"], option.text(strip=True))
            for option in parse_html(html).css('select[name="level"] option')]


def test_the_organization_form_offers_the_table_s_levels_top_down_in_the_page_language(client, login_as, district):
    login_as("admin")
    assert level_options(text(client.get("/chair/organizations/new"))) == [
        ("tinh", "Tỉnh ủy, Thành ủy"), ("huyen", "Huyện ủy (trước 1/7/2025)"), ("co-so", "Tổ chức cơ sở đảng"),
        ("chi-bo", "Chi bộ")]
    client.get("/chair/?lang=en")
    flask_babel.refresh()
    assert [name for _, name in level_options(text(client.get("/chair/organizations/new")))] == [
        "Province or city committee", "District committee (before 1/7/2025)", "Grassroots organization",
        "Party cell"]


def test_a_level_added_to_the_table_is_offered_named_on_the_tree_and_on_the_import_page(client, login_as, district):
    db.session.add(OrganizationLevel(code="to-dang", label="tổ đảng", name_vi="Tổ đảng", name_en="Party group",
                                     position=50))
    db.session.commit()
    login_as("admin")
    response = post(client, "/chair/organizations/new",
                    {"code": "SL-01-T1", "name": "Tổ đảng số 1", "level": "to-dang",
                     "parent": district["north_cell"].id})
    assert response.status_code == 302
    assert level_options(text(client.get("/chair/organizations/new")))[-1] == ("to-dang", "Tổ đảng")
    assert '<span class="badge">Tổ đảng</span>' in text(client.get("/chair/"))
    assert "Cấp (tỉnh, huyện, cơ sở, chi bộ, tổ đảng)" in text(client.get("/chair/import"))


def test_a_level_missing_from_the_table_is_refused(client, login_as, district):
    login_as("admin")
    response = post(client, "/chair/organizations/new",
                    {"code": "X-1", "name": "Ban cán sự", "level": "ban-can-su", "parent": district["north"].id})
    assert response.status_code == 400 and "Tổ chức cần có mã, tên và cấp." in text(response)
    assert db.session.scalar(select(Organization).where(Organization.code == "X-1")) is None


def test_admin_creates_an_organization_under_a_parent(client, login_as, district):
    login_as("admin")
    response = post(client, "/chair/organizations/new",
                    {"code": "SL-03", "name": "Chi bộ thôn Giữa", "level": "chi-bo", "parent": district["north"].id})
    assert response.status_code == 302
    created = db.session.scalar(select(Organization).where(Organization.code == "SL-03"))
    assert created.parent.id == district["north"].id
    assert response.headers["Location"].endswith(f"/chair/organizations/{created.id}")


def test_duplicate_organization_code_is_explained_in_the_page(client, login_as, district):
    login_as("admin")
    response = post(client, "/chair/organizations/new",
                    {"code": "SL-01", "name": "Trùng", "level": "chi-bo", "parent": district["north"].id})
    assert response.status_code == 409
    assert "Mã tổ chức SL-01 đã tồn tại." in text(response)
    assert 'value="Trùng"' in text(response)  # what was typed is kept


@pytest.mark.parametrize("field, value, message", [("code", "X" * 41, "Mã tổ chức tối đa 40 ký tự"),
                                                   ("name", "Chi bộ " + "Đông " * 40, "Tên tổ chức tối đa 200 ký tự")])
def test_overlong_organization_fields_are_refused_not_truncated(client, login_as, district, field, value, message):
    login_as("admin")
    form = {"code": "SL-09", "name": "Chi bộ thôn Giữa", "level": "chi-bo", "parent": district["north"].id}
    response = post(client, "/chair/organizations/new", form | {field: value})
    assert response.status_code == 400
    assert message in text(response)
    assert db.session.scalar(select(func.count(Organization.id)).where(Organization.code == form["code"])) == 0


def test_error_message_follows_the_page_language(client, login_as, district):
    login_as("admin")
    client.get("/chair/?lang=en")
    flask_babel.refresh()  # the test's app context outlives requests, and Babel caches the locale in it
    response = post(client, "/chair/organizations/new", {"code": "", "name": "", "level": "chi-bo"})
    assert response.status_code == 400
    assert "The organization code is required." in text(response)


def test_the_localized_filter_reads_an_objects_message_en_and_a_published_dicts_message(app):
    from flask_babel import force_locale

    from votingapp.services.errors import ServiceError
    from votingapp.web.chair.pages import localized
    error, line = ServiceError("not_found"), {"line": 2, "message": "Bad.", "message_vi": "Sai."}
    with app.test_request_context(), force_locale("en"):
        assert (localized(error), localized(line)) == ("Not found.", "Bad.")
    with app.test_request_context(), force_locale("vi"):
        assert (localized(error), localized(line)) == ("Không tìm thấy.", "Sai.")


def test_subtree_admin_cannot_create_a_top_level_organization(client, login_as, district):
    login_as("admin", organization=district["north"])
    response = post(client, "/chair/organizations/new", {"code": "X", "name": "X", "level": "huyen", "parent": ""})
    assert response.status_code == 403
    assert db.session.scalar(select(Organization).where(Organization.code == "X")) is None


def test_subtree_admin_cannot_create_under_another_subtree(client, login_as, district):
    login_as("admin", organization=district["north"])
    response = post(client, "/chair/organizations/new",
                    {"code": "X", "name": "X", "level": "chi-bo", "parent": district["south"].id})
    assert response.status_code == 403


def test_organization_page_lists_members_of_its_subtree(client, login_as, district):
    login_as("chair")
    page = text(client.get(f"/chair/organizations/{district['north'].id}"))
    assert page.count('class="code nowrap"') == 3
    assert "Bí thư chi bộ" in page and "Lãnh đạo, quản lý" in page


def test_member_search_filters_rows_server_side_ignoring_diacritics(client, login_as, district, make):
    make.member(district["north_cell"], code="DV77777", full_name="Đặng Thị Hoà")
    login_as("chair")
    response = client.get(f"/chair/organizations/{district['north_cell'].id}?q=dang hoa", headers=HTMX)
    body = text(response)
    assert "<html" not in body  # only the rows
    assert "Đặng Thị Hoà" in body and "Nguyễn Văn Thử" not in body


# Meetings --------------------------------------------------------------------------------

def test_chair_creates_a_meeting_that_summons_the_subtree(client, login_as, district):
    login_as("chair", organization=district["north"])
    response = post(client, "/chair/meetings/new",
                    {"organization": district["north"].id, "title": "Hội nghị kiểm điểm năm 2026",
                     "held_on": "2026-12-05"})
    assert response.status_code == 302
    meeting = db.session.scalar(select(Meeting).where(Meeting.organization_id == district["north"].id))
    assert meeting.summoned_count == 3 and meeting.held_on.isoformat() == "2026-12-05"
    page = text(client.get(response.headers["Location"]))
    assert "Hội nghị kiểm điểm năm 2026" in page and "05/12/2026" in page


def test_a_meeting_keeps_its_place_chair_and_secretary_and_they_can_be_changed(client, login_as, district):
    login_as("chair", organization=district["north"])
    created = post(client, "/chair/meetings/new", {
        "organization": district["north"].id, "title": "Hội nghị", "held_on": "2026-12-05",
        "place": "Tả Van", "chair_name": "Hoàng Văn Chủ", "secretary_name": ""})
    meeting = db.session.scalar(select(Meeting).where(Meeting.organization_id == district["north"].id))
    assert (meeting.place, meeting.chair_name, meeting.secretary_name) == ("Tả Van", "Hoàng Văn Chủ", "")
    page = text(client.get(created.headers["Location"]))
    assert "Tả Van" in page and "Hoàng Văn Chủ" in page
    form = text(client.get(f"/chair/meetings/{meeting.id}/details"))
    assert 'value="Hoàng Văn Chủ"' in form
    saved = post(client, f"/chair/meetings/{meeting.id}/details",
                 {"place": "Tả Van", "chair_name": "Hoàng Văn Chủ", "secretary_name": "Lý Thị Thư"})
    assert saved.status_code == 302 and db.session.get(Meeting, meeting.id).secretary_name == "Lý Thị Thư"
    refused = post(client, f"/chair/meetings/{meeting.id}/details", {"place": "x" * 201})
    assert refused.status_code == 400 and "tối đa 200 ký tự" in text(refused)
    assert db.session.get(Meeting, meeting.id).place == "Tả Van"


def test_meeting_date_may_be_typed_the_vietnamese_way(client, login_as, district):
    login_as("chair")
    response = post(client, "/chair/meetings/new",
                    {"organization": district["south_cell"].id, "title": "Họp", "held_on": "09/12/2026"})
    assert response.status_code == 302


@pytest.mark.parametrize("form, status, message", [
    ({"title": "", "held_on": "2026-12-05"}, 400, "Cần nhập tiêu đề"),
    ({"title": "Họp", "held_on": "31/02/2026"}, 400, "ngày có thật"),
    ({"title": "Họp", "held_on": ""}, 400, "ngày có thật"),
    ({"title": "Họp", "held_on": "2026-12-05", "organization": ""}, 400, "Hãy chọn tổ chức"),
])
def test_bad_meeting_input_is_explained_not_500(client, login_as, district, form, status, message):
    login_as("chair")
    response = post(client, "/chair/meetings/new", {"organization": district["south_cell"].id, **form})
    assert response.status_code == status
    assert message in text(response)
    assert db.session.scalar(select(func.count(Meeting.id))) == 1


def test_meeting_page_shows_the_counter_and_every_summoned_member(client, login_as, district):
    login_as("chair")
    page = text(client.get(paths(district)["meeting"]))
    assert 'id="attendance-counter"' in page and 'id="present-count">0<' in page
    assert page.count('id="attendance-') >= 3


# Attendance ------------------------------------------------------------------------------

def toggle(client, meeting, member_id, present: bool):
    return post(client, f"/chair/meetings/{meeting.id}/attendance/{member_id}",
                {"present": "1"} if present else {}, headers=HTMX)


def counter(body: str) -> tuple[int, int, str]:
    tree = parse_html(body)
    summoned, present = (int(element(tree, f"#{name}-count").text()) for name in ("summoned", "present"))
    return summoned, present, element(tree, "[data-quorum]").attributes["data-quorum"]


def test_toggle_swaps_the_row_and_the_counter_out_of_band(client, login_as, make):
    meeting = make.meeting(members=3, present=0)
    member_id = meeting.attendance[0].member_id
    login_as("chair")
    response = toggle(client, meeting, member_id, True)
    body = text(response)
    assert response.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith(f'<tr id="attendance-{member_id}" class="is-present"')
    assert 'hx-swap-oob="true"' in body
    assert counter(body) == (3, 1, "not-met")
    assert db.session.get(Attendance, meeting.attendance[0].id).present is True


def test_unchecking_marks_absent(client, login_as, make):
    meeting = make.meeting(members=3, present=3)
    login_as("chair")
    body = text(toggle(client, meeting, meeting.attendance[0].member_id, False))
    assert counter(body) == (3, 2, "met")
    assert 'class="is-absent"' in body


@pytest.mark.parametrize("summoned, present, quorum", [
    (3, 2, "met"),      # 2 of 3 is exactly 2/3: met
    (6, 4, "met"),      # exactly 2/3 again
    (6, 3, "not-met"),
    (2, 1, "not-met"),  # half is not enough
    (2, 2, "met"),
])
def test_quorum_counter_after_toggles(client, login_as, make, summoned, present, quorum):
    meeting = make.meeting(members=summoned, present=0)
    login_as("chair")
    body = ""
    for row in meeting.attendance[:present]:
        body = text(toggle(client, meeting, row.member_id, True))
    assert counter(body) == (summoned, present, quorum)


def test_toggle_records_who_changed_attendance(client, login_as, make):
    meeting = make.meeting(members=2, present=0)
    user = login_as("chair")
    toggle(client, meeting, meeting.attendance[1].member_id, True)
    event = db.session.scalars(select(ActivityEvent).where(ActivityEvent.action == "set_attendance")
                               .order_by(ActivityEvent.id.desc())).first()
    assert event.actor == user.username and event.target == f"meeting:{meeting.id}"


def test_member_not_summoned_cannot_be_marked(client, login_as, make):
    meeting = make.meeting(members=2, present=0)
    stranger = make.member()
    login_as("chair")
    assert toggle(client, meeting, stranger.id, True).status_code == 404


def test_mark_everyone_present_then_absent(client, login_as, make):
    meeting = make.meeting(members=4, present=1)
    login_as("chair")
    url = f"/chair/meetings/{meeting.id}/attendance"
    body = text(post(client, url, {"present": "1"}, headers=HTMX))
    assert counter(body) == (4, 4, "met") and body.count('class="is-present"') == 4
    body = text(post(client, url, {"present": "0"}, headers=HTMX))
    assert counter(body) == (4, 0, "not-met") and body.count('class="is-absent"') == 4


def test_without_htmx_a_toggle_redirects_back_to_the_meeting(client, login_as, make):
    meeting = make.meeting(members=2, present=0)
    login_as("chair")
    response = post(client, f"/chair/meetings/{meeting.id}/attendance/{meeting.attendance[0].member_id}",
                    {"present": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/chair/meetings/{meeting.id}")
    assert meeting.present_count == 1


def test_attendance_search_returns_only_matching_rows(client, login_as, make):
    organization = make.organization()
    make.member(organization, full_name="Trần Thị Bình")
    make.member(organization, full_name="Lê Văn Cường")
    meeting = make.meeting(members=0, organization=organization)
    login_as("chair")
    body = text(client.get(f"/chair/meetings/{meeting.id}?q=cuong", headers=HTMX))
    assert "Lê Văn Cường" in body and "Trần Thị Bình" not in body and "<html" not in body
    code = meeting.attendance[0].member.code
    body = text(client.get(f"/chair/meetings/{meeting.id}?q={code}", headers=HTMX))
    assert code in body and body.count("<tr") == 1


# Import ----------------------------------------------------------------------------------

def upload(client, kind: str, name: str):
    return post(client, "/chair/import", {"kind": kind, "file": ((SAMPLES / name).open("rb"), name)},
                content_type="multipart/form-data")


def test_import_of_sample_files_reports_counts(client, login_as):
    login_as("admin")
    response = upload(client, "organizations", "organizations.csv")
    assert response.status_code == 200, text(response)
    organizations = db.session.scalar(select(func.count(Organization.id)))
    assert organizations > 0 and 'id="import-report"' in text(response)
    assert f"Thêm mới {organizations}," in text(response)
    response = upload(client, "members", "members.csv")
    members = db.session.scalar(select(func.count(Member.id)))
    assert response.status_code == 200 and members > 0
    assert f"Thêm mới {members}," in text(response)


def test_import_with_errors_lists_each_line_and_imports_nothing(client, login_as):
    login_as("admin")
    upload(client, "organizations", "organizations.csv")
    response = upload(client, "members", "members-with-errors.csv")
    assert response.status_code == 422
    page = text(response)
    assert "chưa nhập dữ liệu nào" in page
    lines = [int(cell.text()) for cell in element(page, "#import-errors").css("td.num")]
    assert {3, 4, 5, 6} <= set(lines)
    assert db.session.scalar(select(func.count(Member.id))) == 0


def test_import_without_a_file_is_explained(client, login_as):
    login_as("admin")
    response = post(client, "/chair/import", {"kind": "members"})
    assert response.status_code == 400 and "CSV" in text(response)


def test_subtree_admin_cannot_import(client, login_as, district):
    login_as("admin", organization=district["north"])
    assert client.get("/chair/import").status_code == 403


# Users -----------------------------------------------------------------------------------

def test_admin_creates_a_scoped_user_who_can_log_in(client, login_as, district):
    login_as("admin")
    response = post(client, "/chair/users", {"username": "chutri", "password": "mat-khau-du-dai",
                                             "role": "chair", "organization": district["north"].id})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "chutri"))
    assert user.role == "chair" and user.organization.id == district["north"].id
    post(client, "/logout")
    login(client, "chutri", "mat-khau-du-dai")
    assert client.get(f"/chair/organizations/{district['north_cell'].id}").status_code == 200
    assert client.get(f"/chair/organizations/{district['south'].id}").status_code == 403


@pytest.mark.parametrize("form, status, message", [
    ({"username": "x", "password": "short", "role": "chair"}, 400, "Mật khẩu cần ít nhất 10 ký tự."),
    ({"username": "x", "password": "long enough pw", "role": "king"}, 400, "Vai trò phải là"),
    ({"username": "", "password": "long enough pw", "role": "chair"}, 400, "Cần nhập tên đăng nhập"),
])
def test_bad_user_input_is_explained(client, login_as, form, status, message):
    login_as("admin")
    response = post(client, "/chair/users", {"organization": "", **form})
    assert response.status_code == status and message in text(response)


def test_duplicate_user_name_is_a_conflict(client, login_as):
    admin = login_as("admin")
    response = post(client, "/chair/users", {"username": admin.username, "password": "long enough pw",
                                             "role": "chair", "organization": ""})
    assert response.status_code == 409


def test_subtree_admin_lists_and_creates_users_only_in_scope(client, login_as, make, district):
    outsider, _ = make.user(role="chair", organization=district["south"], username="outsider")
    insider, _ = make.user(role="chair", organization=district["north_cell"], username="insider")
    login_as("admin", organization=district["north"])
    page = text(client.get("/chair/users"))
    assert "insider" in page and "outsider" not in page
    assert post(client, "/chair/users", {"username": "y", "password": "long enough pw", "role": "admin",
                                         "organization": ""}).status_code == 403
    assert post(client, f"/chair/users/{outsider.id}/password", {"password": "another long one"}).status_code == 403


def test_subtree_admin_cannot_reset_an_installation_admin(client, login_as, make, district):
    top_admin, _ = make.user(role="admin")
    login_as("admin", organization=district["north"])
    response = post(client, f"/chair/users/{top_admin.id}/password", {"password": "take over now"})
    assert response.status_code == 403
    assert accounts.authenticate(top_admin.username, PASSWORD) is not None


def test_admin_resets_a_password(client, login_as, make):
    user, _ = make.user(role="chair", username="quen-mat-khau")
    login_as("admin")
    assert post(client, f"/chair/users/{user.id}/password", {"password": "short"}).status_code == 400
    assert post(client, f"/chair/users/{user.id}/password", {"password": "a brand new one"}).status_code == 302
    assert accounts.authenticate("quen-mat-khau", "a brand new one") is not None


def test_deactivated_user_cannot_log_in_and_admin_cannot_deactivate_self(client, login_as, make):
    user, password = make.user(role="chair", username="nghi-huu")
    admin = login_as("admin")
    assert post(client, f"/chair/users/{user.id}/active", {"active": "0"}).status_code == 302
    assert accounts.authenticate("nghi-huu", password) is None
    assert post(client, f"/chair/users/{admin.id}/active", {"active": "0"}).status_code == 400
    assert db.session.get(User, admin.id).active


def test_admin_changes_a_role_but_not_their_own(client, login_as, make):
    user, _ = make.user(role="chair")
    admin = login_as("admin")
    assert post(client, f"/chair/users/{user.id}/role", {"role": "auditor"}).status_code == 302
    assert db.session.get(User, user.id).role == "auditor"
    assert post(client, f"/chair/users/{user.id}/role", {"role": "king"}).status_code == 400
    assert post(client, f"/chair/users/{admin.id}/role", {"role": "chair"}).status_code == 400
    assert db.session.get(User, admin.id).role == "admin"

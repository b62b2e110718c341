"""NUL, other control characters and bidi overrides are refused in every stored text field,
by pages, API and imports alike, naming the field; codes keep to their safe alphabet."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from votingapp.extensions import db
from votingapp.models import ApiToken, BallotSession, Meeting, Member, Organization, User
from votingapp.services import ballots, grading, tallying
from votingapp.services.errors import ServiceError
from votingapp.services.imports import import_members, import_organizations

from ..helpers import post_form as post

API = "/api/v1"
BAD = {"NUL": "\x00", "RLO": "\u202e", "BEL": "\x07"}
UNSAFE_CODES = ["SL/09", "SL 09", "SL?09"]


def counts() -> tuple:
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Organization, Meeting, BallotSession, User, ApiToken, Member))


@pytest.fixture
def cell(make):
    organization = make.organization(code="SL-01")
    members = [make.member(organization) for _ in range(2)]
    # an admin of the cell: the API writes below include creating an organization (User.can_administer)
    admin, password = make.user(role="admin", organization=organization)
    meeting = make.meeting(members=0, organization=organization)
    return SimpleNamespace(organization=organization, members=members, meeting=meeting,
                           auth=(admin.username, password))


def api_requests(cell):
    """(path, body, the field a bad value goes into): every API write that stores typed text."""
    org, meeting = cell.organization.code, cell.meeting.id
    new_meeting = {"organization": org, "title": "Hội nghị", "held_on": "2026-12-05"}
    motion = {"kind": "motion", "title": "Biểu quyết", "motion": "Thông qua nghị quyết"}
    return [("/organizations", {"code": "SL-09", "name": "Chi bộ", "level": "chi-bo", "parent": org}, "code"),
            ("/organizations", {"code": "SL-09", "name": "Chi bộ", "level": "chi-bo", "parent": org}, "name"),
            ("/meetings", new_meeting, "title"), ("/meetings", new_meeting, "place"),
            ("/meetings", new_meeting, "chair_name"), ("/meetings", new_meeting, "secretary_name"),
            (f"/meetings/{meeting}", {"place": "Hội trường"}, "place"),
            (f"/meetings/{meeting}/sessions", motion, "title"), (f"/meetings/{meeting}/sessions", motion, "motion")]


@pytest.mark.parametrize("bad", BAD.values(), ids=BAD.keys())
@pytest.mark.parametrize("index", range(9))
def test_the_api_refuses_a_bad_character_in_every_text_field_naming_it_and_stores_nothing(client, cell, index, bad):
    path, body, field = api_requests(cell)[index]
    before = counts()
    method = "PATCH" if path == f"/meetings/{cell.meeting.id}" else "POST"
    response = client.open(API + path, method=method, auth=cell.auth,
                           json=body | {field: "Chi " + bad + "bộ" if field != "code" else "SL" + bad + "09"})
    if response.status_code == 405:  # update_meeting is a POST in this API version
        response = client.post(API + path, auth=cell.auth, json=body | {field: "Chi " + bad + "bộ"})
    assert response.status_code == 400, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == "invalid_input" and error["field"] == field
    assert f"U+{ord(bad):04X}" in error["message"] and f"U+{ord(bad):04X}" in error["message_vi"]
    db.session.rollback()
    assert counts() == before
    assert db.session.get(Meeting, cell.meeting.id).place == ""


@pytest.mark.parametrize("code", UNSAFE_CODES)
def test_the_api_refuses_an_organization_code_outside_the_safe_alphabet(client, cell, code):
    response = client.post(API + "/organizations", auth=cell.auth,
                           json={"code": code, "name": "Chi bộ", "level": "chi-bo", "parent": cell.organization.code})
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "code"
    assert db.session.scalar(select(func.count(Organization.id)).where(Organization.code == code)) == 0


def page_forms(cell):
    """(url, form, field, the field's Vietnamese name on the page)."""
    return [("/chair/organizations/new", {"code": "SL-09", "name": "Chi bộ", "level": "chi-bo",
                                          "parent": cell.organization.id}, "code", "Mã tổ chức"),
            ("/chair/organizations/new", {"code": "SL-09", "name": "Chi bộ", "level": "chi-bo",
                                          "parent": cell.organization.id}, "name", "Tên tổ chức"),
            ("/chair/meetings/new", {"organization": cell.organization.id, "title": "Họp", "held_on": "2026-12-01"},
             "title", "Tiêu đề hội nghị"),
            ("/chair/users", {"username": "chutri", "password": "mat-khau-du-dai", "role": "chair",
                              "organization": ""}, "username", "Tên đăng nhập"),
            ("/account/tokens", {"name": "script"}, "name", "Tên của mã")]


@pytest.mark.parametrize("bad", BAD.values(), ids=BAD.keys())
@pytest.mark.parametrize("index", range(5))
def test_the_pages_refuse_a_bad_character_naming_the_field_and_store_nothing(client, login_as, cell, index, bad):
    login_as("admin")
    url, form, field, name_vi = page_forms(cell)[index]
    before = counts()
    response = post(client, url, form | {field: "SL" + bad + "09"})
    assert response.status_code == 400, response.status_code
    page = response.get_data(as_text=True)
    assert name_vi in page and f"(U+{ord(bad):04X}), không được phép" in page
    db.session.rollback()
    assert counts() == before


ORGANIZATIONS = "Mã tổ chức,Tên tổ chức,Mã tổ chức cấp trên,Cấp\nTU,Tỉnh ủy,,tỉnh\n{code},{name},TU,chi bộ\n"
MEMBERS = ("Mã đảng viên,Họ và tên,Giới tính,Ngày sinh,Mã chi bộ,Chức vụ\n"
           "{code},{name},Nữ,06/01/1962,SL-01,{post}\n")


@pytest.mark.parametrize("bad", BAD.values(), ids=BAD.keys())
@pytest.mark.parametrize("template, cells, column", [
    (ORGANIZATIONS, {"code": "SL-09", "name": "Chi {bad}bộ"}, "Tên tổ chức"),
    (ORGANIZATIONS, {"code": "SL{bad}09", "name": "Chi bộ"}, "Mã tổ chức"),
    (MEMBERS, {"code": "DV{bad}1", "name": "Võ Kim Hoa", "post": ""}, "Mã đảng viên"),
    (MEMBERS, {"code": "DV1", "name": "Võ {bad}Kim Hoa", "post": ""}, "Họ và tên"),
    (MEMBERS, {"code": "DV1", "name": "Võ Kim Hoa", "post": "Bí {bad}thư"}, "Chức vụ"),
])
def test_an_import_refuses_a_bad_character_with_a_line_error_naming_the_column(cell, template, cells, column, bad):
    data = template.format(**{key: value.format(bad=bad) for key, value in cells.items()}).encode()
    importer = import_organizations if template is ORGANIZATIONS else import_members
    before = counts()
    with pytest.raises(ServiceError) as caught:
        importer(data, "list.csv", by="admin")
    db.session.rollback()
    lines = caught.value.extra["lines"]
    assert counts() == before
    if bad == "\x00":  # Python's csv reader refuses a NUL before any cell is read: the whole file is refused
        assert [(line["line"], line["column"]) for line in lines] == [(None, "")]
        return
    assert [(line["line"], line["column"]) for line in lines] == [(3 if template is ORGANIZATIONS else 2, column)]
    assert f"U+{ord(bad):04X}" in lines[0]["message"]


@pytest.mark.parametrize("code", UNSAFE_CODES)
def test_an_import_refuses_a_code_outside_the_safe_alphabet(cell, code):
    with pytest.raises(ServiceError) as caught:
        import_organizations(ORGANIZATIONS.format(code=code, name="Chi bộ").encode(), "list.csv", by="admin")
    assert [line["column"] for line in caught.value.extra["lines"]] == ["Mã tổ chức"]


@pytest.mark.parametrize("bad", BAD.values(), ids=BAD.keys())
def test_the_remaining_service_texts_refuse_a_bad_character_naming_the_field(make, cell, bad):
    """Holder, committee, cycle, self-assessment, reason and hall names: the services every edge calls."""
    writes = [
        ("names", lambda: ballots._holder_names(["An", "B" + bad], 3)),
        ("committee", lambda: tallying.committee_names(["An", "B" + bad])),
        ("reason", lambda: grading._reason("Lý do" + bad)),
        ("name", lambda: grading.pin_hall_key("Hội trường" + bad, "A" * 43 + "=", by=make.user(role="admin")[0])),
    ]
    for field, write in writes:
        with pytest.raises(ServiceError) as caught:
            write()
        assert caught.value.extra["field"] == field and f"U+{ord(bad):04X}" in caught.value.message_en

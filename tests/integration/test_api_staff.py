"""The staff JSON API: a whole vote run by a script, who may call what, CSRF with the cookie,
and clear 400s (never a 500) for bad input."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from votingapp.crypto.encoding import b64decode
from votingapp.models import OrganizationLevel
from votingapp.services import ballots, tallying

from ..helpers import csrf_token, seal_choices

pytestmark = pytest.mark.sealed_scheme  # exercises sealed-v2 sessions: see tests/conftest.py


API = "/api/v1"
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
HIGH, MID, LOW = "tin-nhiem-cao", "tin-nhiem", "tin-nhiem-thap"


@pytest.fixture
def cell(make):
    """A cell with four members and a chair scoped to it."""
    organization = make.organization()
    members = [make.member(organization) for _ in range(4)]
    chair, password = make.user(role="chair", organization=organization)
    return SimpleNamespace(organization=organization, members=members, auth=(chair.username, password))


def call(client, method, path, auth=None, **kwargs):
    return client.open(API + path, method=method, auth=auth, **kwargs)


def assert_error(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["message"] and error["message_vi"] and error["message"] != error["message_vi"]
    return error


def new_meeting(client, cell, present: bool = True) -> int:
    """A meeting of `cell`, everyone present (so sessions can open) unless `present` is False."""
    response = call(client, "POST", "/meetings", cell.auth, json={
        "organization": cell.organization.code, "title": "Hội nghị kiểm điểm 2026", "held_on": "2026-12-05"})
    assert response.status_code == 201, response.get_data(as_text=True)
    meeting_id = response.get_json()["id"]
    if present:
        marked = call(client, "POST", f"/meetings/{meeting_id}/attendance", cell.auth,
                      json={"present": [m.code for m in cell.members]})
        assert marked.status_code == 200, marked.get_data(as_text=True)
    return meeting_id


def new_session(client, cell, meeting_id, subjects=2) -> dict:
    response = call(client, "POST", f"/meetings/{meeting_id}/sessions", cell.auth, json={
        "kind": "confidence", "title": "Lấy phiếu tín nhiệm", "subjects": [m.code for m in cell.members[:subjects]]})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


# --- the whole flow -----------------------------------------------------------------------

def test_chair_runs_a_confidence_vote_by_api_and_results_match_the_cast_ballots(client, cell):
    codes = [m.code for m in cell.members]
    meeting_id = new_meeting(client, cell)

    marked = call(client, "POST", f"/meetings/{meeting_id}/attendance", cell.auth,
                  json={"present": codes[:3], "absent": codes[3:]})
    assert marked.status_code == 200
    meeting = marked.get_json()
    assert (meeting["summoned"], meeting["present"], meeting["quorum"]) == (4, 3, {"met": True, "needed": 3})
    assert {row["code"]: row["present"] for row in meeting["attendance"]} == dict(
        zip(codes, [True, True, True, False], strict=True))

    draft = new_session(client, cell, meeting_id)
    sid = draft["id"]
    assert draft["state"] == "draft" and draft["public_key"] is None
    assert [s["id"] for s in draft["subjects"]] == codes[:2]
    assert_error(call(client, "GET", f"/sessions/{sid}/results", cell.auth), 409, "not_tallied")

    opened = call(client, "POST", f"/sessions/{sid}/open", cell.auth).get_json()
    assert opened["state"] == "open" and opened["public_key"]
    issued = call(client, "POST", f"/sessions/{sid}/tokens", cell.auth, json={"count": 3})
    assert issued.status_code == 201 and issued.headers["Cache-Control"] == "no-store"
    tokens, urls = issued.get_json()["tokens"], issued.get_json()["urls"]
    assert len(tokens) == 3 and all(url.endswith("/v#" + token) for token, url in zip(tokens, urls, strict=True))

    assert opened["scheme"] == "sealed-v2"
    form = SimpleNamespace(id=sid, plaintext_size=opened["plaintext_size"], scheme=opened["scheme"],
                           public_key=b64decode(opened["public_key"]))
    cast = [{codes[0]: HIGH, codes[1]: MID}, {codes[0]: HIGH, codes[1]: LOW}, {codes[0]: MID, codes[1]: LOW}]
    for token, choices in zip(tokens, cast, strict=True):
        assert client.post(f"{API}/ballot/lookup", json={"token": token}).get_json()["public_key"] == \
            opened["public_key"]
        assert client.post(f"{API}/ballot/cast", json={"token": token, "ballot": seal_choices(form, choices)}
                           ).status_code == 201

    progress = call(client, "GET", f"/sessions/{sid}/progress", cell.auth).get_json()
    assert (progress["issued"], progress["voted"], progress["present"]) == (3, 3, 3)
    assert call(client, "POST", f"/sessions/{sid}/close", cell.auth).get_json()["state"] == "closed"
    assert_error(call(client, "GET", f"/sessions/{sid}/results", cell.auth), 409, "not_tallied")

    tallied = call(client, "POST", f"/sessions/{sid}/tally", cell.auth)
    assert tallied.status_code == 200
    results = call(client, "GET", f"/sessions/{sid}/results", cell.auth).get_json()
    assert results == tallied.get_json()
    assert results["ballots"] == {"received": 3, "valid": 3, "invalid": 0, "invalid_by_reason": {}}
    counts = {subject["id"]: subject["counts"] for subject in results["subjects"]}
    assert counts[codes[0]] == {HIGH: 2, MID: 1, LOW: 0, "blank": 0}
    assert counts[codes[1]] == {HIGH: 0, MID: 1, LOW: 2, "blank": 0}
    assert call(client, "GET", f"/meetings/{meeting_id}", cell.auth).get_json()["sessions"] == [
        {"id": sid, "kind": "confidence", "title": "Lấy phiếu tín nhiệm", "state": "tallied"}]


def test_a_motion_session_has_the_motion_as_its_one_subject_and_the_motion_policy(client, cell):
    meeting_id = new_meeting(client, cell)
    response = call(client, "POST", f"/meetings/{meeting_id}/sessions", cell.auth, json={
        "kind": "motion", "title": "Biểu quyết nghị quyết", "motion": "Thông qua nghị quyết hội nghị"})
    assert response.status_code == 201
    session = response.get_json()
    assert session["subjects"] == [{"id": "motion", "name": "Thông qua nghị quyết hội nghị", "detail": ""}]
    assert session["policy"] == "dieu-le-motion"
    assert [o["id"] for o in session["options"]] == ["agree", "disagree", "abstain"]


def test_a_policy_made_for_another_kind_is_refused(client, cell):
    meeting_id = new_meeting(client, cell)
    response = call(client, "POST", f"/meetings/{meeting_id}/sessions", cell.auth, json={
        "kind": "motion", "title": "Biểu quyết", "motion": "Thông qua", "policy": "qd96-2023-present"})
    assert_error(response, 400, "invalid_input")
    assert "qd96-2023-present" in response.get_json()["error"]["message_vi"]


def test_a_vote_of_confidence_names_people_and_offers_two_options(client, cell):
    meeting_id = new_meeting(client, cell)
    response = call(client, "POST", f"/meetings/{meeting_id}/sessions", cell.auth, json={
        "kind": "vote_of_confidence", "title": "Bỏ phiếu tín nhiệm", "subjects": [cell.members[0].code]})
    assert response.status_code == 201, response.get_data(as_text=True)
    session = response.get_json()
    assert session["policy"] == "qd96-2023-vote" and [s["id"] for s in session["subjects"]] == [cell.members[0].code]
    assert [o["label"] for o in session["options"]] == ["Tín nhiệm", "Không tín nhiệm"]


def test_a_meeting_keeps_the_place_chair_and_secretary_the_minutes_print(client, cell):
    response = call(client, "POST", "/meetings", cell.auth, json={
        "organization": cell.organization.code, "title": "Hội nghị", "held_on": "2026-12-05",
        "place": "Hội trường xã Tả Van", "chair_name": "Nguyễn Văn Chủ"})
    assert response.status_code == 201, response.get_data(as_text=True)
    meeting = response.get_json()
    assert (meeting["place"], meeting["chair_name"], meeting["secretary_name"]) == \
        ("Hội trường xã Tả Van", "Nguyễn Văn Chủ", "")
    changed = call(client, "PATCH", f"/meetings/{meeting['id']}", cell.auth, json={"secretary_name": " Lê Thị Ký "})
    assert changed.status_code == 200
    assert (changed.get_json()["place"], changed.get_json()["secretary_name"]) == ("Hội trường xã Tả Van", "Lê Thị Ký")
    assert_error(call(client, "PATCH", f"/meetings/{meeting['id']}", cell.auth, json={"place": 5}),
                 400, "invalid_input")
    assert_error(call(client, "PATCH", f"/meetings/{meeting['id']}", cell.auth, json={"place": "x" * 201}),
                 400, "invalid_input")
    assert_error(call(client, "PATCH", f"/meetings/{meeting['id']}", cell.auth, json={"room": "A"}),
                 400, "invalid_input")


def test_state_moves_out_of_order_are_409_illegal_transition(client, cell):
    sid = new_session(client, cell, new_meeting(client, cell))["id"]
    assert_error(call(client, "POST", f"/sessions/{sid}/close", cell.auth), 409, "illegal_transition")
    assert_error(call(client, "POST", f"/sessions/{sid}/tally", cell.auth), 409, "illegal_transition")
    assert_error(call(client, "POST", f"/sessions/{sid}/tokens", cell.auth, json={"count": 1}), 409,
                 "session_not_open")
    assert call(client, "POST", f"/sessions/{sid}/open", cell.auth).status_code == 200
    assert_error(call(client, "POST", f"/sessions/{sid}/open", cell.auth), 409, "illegal_transition")


def test_organizations_list_shows_the_scope_with_parent_codes(client, make):
    province = make.organization(level="tinh")
    grassroots = make.organization(level="co-so", parent=province)
    cell = make.organization(parent=grassroots)
    make.organization()  # elsewhere
    chair, password = make.user(role="chair", organization=grassroots)
    listed = call(client, "GET", "/organizations", (chair.username, password)).get_json()["organizations"]
    assert listed == [{"code": grassroots.code, "name": grassroots.name, "level": "co-so", "parent": province.code},
                      {"code": cell.code, "name": cell.name, "level": "chi-bo", "parent": grassroots.code}]


def test_creating_an_organization_needs_a_parent_in_scope(client, cell, make):
    admin, password = make.user(role="admin", organization=cell.organization)
    refused = call(client, "POST", "/organizations", cell.auth,
                   json={"code": "SL-98", "name": "Tổ đảng", "level": "chi-bo", "parent": cell.organization.code})
    assert_error(refused, 403, "forbidden")  # a chair runs meetings; an admin makes organizations
    cell.auth = (admin.username, password)
    created = call(client, "POST", "/organizations", cell.auth,
                   json={"code": "SL-99", "name": "Tổ đảng mới", "level": "chi-bo", "parent": cell.organization.code})
    assert created.status_code == 201
    assert created.get_json() == {"code": "SL-99", "name": "Tổ đảng mới", "level": "chi-bo",
                                  "parent": cell.organization.code}
    assert_error(call(client, "POST", "/organizations", cell.auth, json={"code": "ROOT", "name": "Gốc"}),
                 403, "forbidden")
    assert_error(call(client, "POST", "/organizations", cell.auth,
                      json={"code": "X-1", "name": "Khác", "parent": make.organization().code}), 403, "forbidden")


def test_organization_levels_are_the_table_rows_top_down_and_a_new_row_is_a_valid_level(client, cell, db, make):
    admin, password = make.user(role="admin", organization=cell.organization)
    cell.auth = (admin.username, password)  # an admin makes organizations
    listed = call(client, "GET", "/organization-levels", cell.auth).get_json()["levels"]
    assert [(level["code"], level["label"], level["is_grassroots"]) for level in listed] == [
        ("tinh", "tỉnh", False), ("huyen", "huyện", False), ("co-so", "cơ sở", True), ("chi-bo", "chi bộ", False)]
    body = {"code": "TD-1", "name": "Tổ đảng 1", "level": "to-dang", "parent": cell.organization.code}
    assert assert_error(call(client, "POST", "/organizations", cell.auth, json=body), 400,
                        "invalid_input")["field"] == "level"
    db.session.add(OrganizationLevel(code="to-dang", label="tổ đảng", name_vi="Tổ đảng", name_en="Party group",
                                     position=50))
    db.session.commit()
    assert call(client, "POST", "/organizations", cell.auth, json=body).get_json()["level"] == "to-dang"
    assert call(client, "GET", "/organization-levels", cell.auth).get_json()["levels"][-1]["code"] == "to-dang"


def test_members_of_an_organization_include_its_subtree(client, cell, make):
    below = make.organization(parent=cell.organization)
    deep = make.member(below)
    listed = call(client, "GET", f"/organizations/{cell.organization.code}/members", cell.auth).get_json()
    assert [m["code"] for m in listed["members"]] == sorted([m.code for m in cell.members] + [deep.code])
    assert_error(call(client, "GET", "/organizations/NO-SUCH/members", cell.auth), 404, "not_found")


# --- imports ------------------------------------------------------------------------------

def _upload(name: str):
    return {"file": (open(SAMPLES / name, "rb"), name)}


def test_imports_report_counts_and_a_faulty_file_lists_its_lines(client, make):
    admin, password = make.user(role="admin")
    auth = (admin.username, password)
    organizations = call(client, "POST", "/organizations/import", auth, data=_upload("organizations.csv"))
    assert organizations.status_code == 200, organizations.get_data(as_text=True)
    report = organizations.get_json()
    assert report["created"] == report["total"] > 0 and report["updated"] == 0
    members = call(client, "POST", "/members/import", auth, data=_upload("members.csv"))
    assert members.status_code == 200 and members.get_json()["created"] > 0

    faulty = call(client, "POST", "/members/import", auth, data=_upload("members-with-errors.csv"))
    error = assert_error(faulty, 422, "import_failed")
    assert {3, 4, 5, 6} <= {line["line"] for line in error["lines"]}


def test_imports_need_a_file_and_a_user_scoped_to_the_whole_installation(client, cell, make):
    assert_error(call(client, "POST", "/members/import", cell.auth, data=_upload("members.csv")), 403, "forbidden")
    admin, password = make.user(role="admin")
    error = assert_error(call(client, "POST", "/organizations/import", (admin.username, password), data={}),
                         400, "invalid_input")
    assert error["field"] == "file"
    junk = call(client, "POST", "/organizations/import", (admin.username, password),
                data={"file": (io.BytesIO(b"\x00\xff\xfe junk"), "x.csv")})
    assert junk.status_code in (400, 422)


# --- who may call what --------------------------------------------------------------------

#: no login: the voter contract, the API description, what is published after close, and the
#: counting-committee members' phones (verifiable-v1)
PUBLIC_ENDPOINTS = ("api.lookup_ballot", "api.cast_ballot", "api.spoil_ballot", "api.openapi_document",
                    "api.get_board", "api.get_public_bundle", "api.decryption_status", "api.submit_partial")


@pytest.fixture
def every_staff_call(app, client, cell, make):
    """(method, path) for every staff route, filled with real ids of `cell`'s objects."""
    from votingapp.services import grading
    meeting_id = new_meeting(client, cell)
    cycle = grading.create_cycle(cell.organization, 2026, by=make.user(role="admin", organization=cell.organization)[0])
    values = {"meeting_id": meeting_id, "session_id": new_session(client, cell, meeting_id)["id"],
              "code": cell.organization.code, "member_code": cell.members[0].code, "cycle_id": cycle.id,
              "key": f"member:{cell.members[0].code}"}
    calls = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API + "/") and rule.endpoint not in PUBLIC_ENDPOINTS:
            path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule.removeprefix(API))
            calls.extend((method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"}))
    assert len(calls) >= 17
    return calls


def test_every_staff_call_without_credentials_is_401_asking_for_basic(client, every_staff_call):
    for method, path in every_staff_call:
        response = call(client, method, path, json={})
        assert_error(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"] == 'Basic realm="votingapp"', (method, path)


def test_a_wrong_password_or_unknown_user_is_401(client, cell):
    assert_error(call(client, "GET", "/meetings", (cell.auth[0], "wrong password!")), 401, "unauthorized")
    assert_error(call(client, "GET", "/meetings", ("nobody", "wrong password!")), 401, "unauthorized")


def test_a_chair_of_another_subtree_is_403_everywhere(client, make, every_staff_call):
    stranger, password = make.user(role="chair", organization=make.organization())
    for method, path in every_staff_call:
        if path in ("/organizations", "/meetings", "/organization-levels"):
            continue  # lists: filtered to the caller's scope instead, or the installation's levels
        if path in ("/cycles", "/hall-keys"):
            continue  # the scope is in the body (test_grading_api checks these refusals with real bodies)
        assert_error(call(client, method, path, (stranger.username, password), json={"count": 1}), 403, "forbidden")
    assert call(client, "GET", "/meetings", (stranger.username, password)).get_json() == {"meetings": []}


#: what an auditor reads on the pages, and so in the API too (User.can_read, can_read_results)
AUDITOR_READS = re.compile(r"/organizations|/organization-levels|/organizations/[^/]+/members|/meetings|/meetings/\d+"
                           r"|/cycles/\d+|/cycles/\d+/subjects/[^/]+|/cycles/\d+/export")


def test_an_auditor_reads_what_the_pages_show_and_changes_nothing(client, cell, make, every_staff_call):
    auditor, password = make.user(role="auditor", organization=cell.organization)
    for method, path in every_staff_call:
        response = call(client, method, path, (auditor.username, password), json={})
        if path.endswith("/results"):
            assert_error(response, 409, "not_tallied")
        elif method == "GET" and AUDITOR_READS.fullmatch(path):
            assert response.status_code == 200, (method, path)
        else:
            assert_error(response, 403, "forbidden")


def test_basic_auth_leaves_no_session_cookie(client, cell):
    response = call(client, "GET", "/organizations", cell.auth)
    assert response.status_code == 200 and "Set-Cookie" not in response.headers


def test_basic_auth_refuses_a_browser_s_cross_site_post(client, cell):
    body = {"organization": cell.organization.code, "title": "T", "held_on": "2026-12-05"}
    refused = call(client, "POST", "/meetings", cell.auth, json=body, headers={"Sec-Fetch-Site": "cross-site"})
    assert_error(refused, 403, "forbidden")
    same = call(client, "POST", "/meetings", cell.auth, json=body, headers={"Sec-Fetch-Site": "same-origin"})
    assert same.status_code == 201


def test_cookie_session_needs_the_csrf_header_on_unsafe_calls(client, cell, login_as):
    login_as("chair", organization=cell.organization)
    assert client.get(f"{API}/meetings").status_code == 200
    body = {"organization": cell.organization.code, "title": "Hội nghị", "held_on": "2026-12-05"}
    assert_error(client.post(f"{API}/meetings", json=body), 403, "forbidden")
    assert_error(client.post(f"{API}/meetings", json=body, headers={"X-CSRFToken": "forged"}), 403, "forbidden")
    token = csrf_token(client.get("/chair/").get_data(as_text=True))
    assert client.post(f"{API}/meetings", json=body, headers={"X-CSRFToken": token}).status_code == 201


# --- validation: clear 400s, never a 500 --------------------------------------------------

@pytest.mark.parametrize("body, field", [
    ({"title": "T", "held_on": "2026-12-05"}, "organization"),
    ({"organization": "NO-SUCH", "title": "T", "held_on": "2026-12-05"}, "organization"),
    ({"organization": 7, "title": "T", "held_on": "2026-12-05"}, "organization"),
    ({"organization": "@org", "title": 5, "held_on": "2026-12-05"}, "title"),
    ({"organization": "@org", "title": "   ", "held_on": "2026-12-05"}, "title"),
    ({"organization": "@org", "title": "T" * 301, "held_on": "2026-12-05"}, "title"),
    ({"organization": "@org", "title": "T", "held_on": "2026-02-31"}, "held_on"),
    ({"organization": "@org", "title": "T", "held_on": "05/12/2026"}, "held_on"),
    ({"organization": "@org", "title": "T", "held_on": "20261205"}, "held_on"),
    ({"organization": "@org", "title": "T", "held_on": "2026-W49-6"}, "held_on"),
    ({"organization": "@org", "title": "T", "held_on": 20261205}, "held_on"),
    ({"organization": "@org", "title": "T", "held_on": "2026-12-05", "room": "Hội trường"}, "room"),
    ({"organization": "@org", "title": "T", "held_on": "2026-12-05", "chair_name": ["A"]}, "chair_name"),
])
def test_a_bad_meeting_is_400_naming_the_field(client, cell, body, field):
    body = json.loads(json.dumps(body).replace("@org", cell.organization.code))
    assert assert_error(call(client, "POST", "/meetings", cell.auth, json=body), 400, "invalid_input")["field"] == field


BAD_SESSIONS = [
    ({"kind": "rating", "title": "T", "subjects": ["@0"]}, "kind"),
    ({"title": "T", "subjects": ["@0"]}, "kind"),
    ({"kind": "confidence", "title": "T", "subjects": []}, "subjects"),
    ({"kind": "confidence", "title": "T", "subjects": "@0"}, "subjects"),
    ({"kind": "confidence", "title": "T", "subjects": [1]}, "subjects"),
    ({"kind": "confidence", "title": "T", "subjects": ["NO-SUCH"]}, "subjects"),
    ({"kind": "confidence", "subjects": ["@0"]}, "title"),
    ({"kind": "motion", "title": "T"}, "motion"),
    ({"kind": "motion", "title": "T", "motion": ["x"]}, "motion"),
    ({"kind": "confidence", "title": "T", "subjects": ["@0"], "policy": 5}, "policy"),
]


@pytest.mark.parametrize("body, field", BAD_SESSIONS)
def test_a_bad_session_is_400_naming_the_field(client, cell, body, field):
    meeting_id = new_meeting(client, cell)
    body = json.loads(json.dumps(body).replace("@0", cell.members[0].code))
    error = assert_error(call(client, "POST", f"/meetings/{meeting_id}/sessions", cell.auth, json=body),
                         400, "invalid_input")
    assert error["field"] == field
    if body.get("subjects") == ["NO-SUCH"]:
        assert error["unknown"] == ["NO-SUCH"]


def test_unknown_policy_and_duplicate_subjects_are_400(client, cell):
    meeting_id = new_meeting(client, cell)
    code = cell.members[0].code
    for body in ({"kind": "confidence", "title": "T", "subjects": [code], "policy": "nope"},
                 {"kind": "confidence", "title": "T", "subjects": [code, code]}):
        assert_error(call(client, "POST", f"/meetings/{meeting_id}/sessions", cell.auth, json=body),
                     400, "invalid_input")


@pytest.mark.parametrize("count", ["3", 0, -1, ballots.MAX_ISSUE + 1, True, 1.5, None])
def test_a_bad_token_count_is_400_and_issues_nothing(client, cell, count):
    sid = new_session(client, cell, new_meeting(client, cell))["id"]
    call(client, "POST", f"/sessions/{sid}/open", cell.auth)
    assert_error(call(client, "POST", f"/sessions/{sid}/tokens", cell.auth, json={"count": count}),
                 400, "invalid_input")
    assert call(client, "GET", f"/sessions/{sid}/progress", cell.auth).get_json()["issued"] == 0


@pytest.mark.parametrize("body, field", [
    ({"present": "@0"}, "present"),
    ({"present": ["NO-SUCH"]}, "present"),
    ({"absent": [None]}, "absent"),
    ({"present": ["@0"], "absent": ["@0"]}, "absent"),
    ({"here": ["@0"]}, "here"),
])
def test_bad_attendance_is_400_and_changes_nothing(client, cell, body, field):
    meeting_id = new_meeting(client, cell, present=False)
    body = json.loads(json.dumps(body).replace("@0", cell.members[0].code))
    error = assert_error(call(client, "POST", f"/meetings/{meeting_id}/attendance", cell.auth, json=body),
                         400, "invalid_input")
    assert error["field"] == field
    assert call(client, "GET", f"/meetings/{meeting_id}", cell.auth).get_json()["present"] == 0


@pytest.mark.parametrize("body, field", [
    ({"code": "", "name": "N", "parent": "@org"}, "code"),
    ({"code": "C", "name": None, "parent": "@org"}, "name"),
    ({"code": "C", "name": "N", "level": "xa", "parent": "@org"}, "level"),
    ({"code": "C", "name": "N", "parent": "NO-SUCH"}, "parent"),
    ({"code": "C", "name": "N", "parent": 3}, "parent"),
])
def test_a_bad_organization_is_400_naming_the_field(client, cell, make, body, field):
    admin, password = make.user(role="admin", organization=cell.organization)  # an admin makes organizations
    body = json.loads(json.dumps(body).replace("@org", cell.organization.code))
    assert assert_error(call(client, "POST", "/organizations", (admin.username, password), json=body), 400,
                        "invalid_input")["field"] == field


def test_a_chair_is_refused_an_organization_before_its_body_is_read(client, cell):
    refused = call(client, "POST", "/organizations", cell.auth, json={"code": "", "name": None})
    assert_error(refused, 403, "forbidden")


JUNK_BODIES = [
    {"data": "not json", "content_type": "text/plain"},
    {"data": "{broken", "content_type": "application/json"},
    {"json": []}, {"json": "text"}, {"json": None}, {"json": 12},
    {"json": {"count": {"$gt": 1}, "present": {"a": 1}, "kind": ["confidence"], "title": {"x": 1}}},
    {"json": {"organization": None, "held_on": None, "subjects": None, "motion": None, "code": None}},
    {"json": {"x" * 1000: "y" * 10000}},
    {"data": json.dumps({"a": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}),
     "content_type": "application/json"},
]


def test_junk_bodies_never_cause_a_500(client, cell, every_staff_call, login_as):
    sid = new_session(client, cell, new_meeting(client, cell))["id"]
    call(client, "POST", f"/sessions/{sid}/open", cell.auth)
    login_as("admin")  # the cookie (no Argon2 check per call), for an admin who may do everything
    csrf_header = {"X-CSRFToken": csrf_token(client.get("/chair/").get_data(as_text=True))}
    for method, path in every_staff_call + [("POST", f"/sessions/{sid}/tokens")]:
        for junk in JUNK_BODIES:
            response = call(client, method, path, headers=csrf_header, **junk)
            assert response.status_code < 500, (method, path, junk, response.get_data(as_text=True))
            assert response.status_code not in (401, 403), "the junk must reach the view's own checks"
            if response.status_code >= 400:
                assert_error(response, response.status_code, response.get_json()["error"]["code"])


@pytest.mark.parametrize("limit", ["0", "501", "-1", "abc", "²", ""])
def test_a_bad_list_limit_is_400(client, cell, limit):
    error = assert_error(call(client, "GET", f"/meetings?limit={limit}", cell.auth), 400, "invalid_input")
    assert error["field"] == "limit"


def test_unknown_ids_are_404_not_500(client, cell):
    for method, path in [("GET", "/meetings/999999"), ("GET", "/sessions/no-such-session"),
                         ("POST", "/sessions/no-such-session/open"), ("GET", "/sessions/x/results"),
                         ("POST", "/meetings/999999/attendance"), ("DELETE", "/meetings")]:
        response = call(client, method, path, cell.auth, json={})
        assert response.status_code in (404, 405), (method, path)
        assert response.get_json()["error"]["message_vi"]


def test_results_are_the_stored_tally_document(client, cell, make):
    # the cell's 4 members are summoned too: 8 of 12 present is exactly the 2/3 quorum
    session = make.session(meeting=make.meeting(organization=cell.organization, members=8))
    ballots.open_session(session, by="test")
    ballots.close_session(session, by="test")
    tally = tallying.tally_session(session, by="test")
    assert call(client, "GET", f"/sessions/{session.id}/results", cell.auth).get_json() == tally.document

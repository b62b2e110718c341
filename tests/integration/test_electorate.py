"""Who votes and who counts: attendance statuses, member status, session electorates, the
2/3 quorum on the base (summoned less exclusions), and the ballot cap on the electorate present.
Every boundary below is worked out by hand in its comment."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from votingapp.extensions import db
from votingapp.models import ActivityEvent, BallotSession
from votingapp.services import attendance, ballots, electorate, meetings, tallying

from ..helpers import element, parse_html, refused
from ..helpers import post_form as post

API = "/api/v1"
HTMX = {"HX-Request": "true"}


def people(meeting):
    return [row.member for row in sorted(meeting.attendance, key=lambda row: row.member.code)]


def api_auth(make, meeting):
    chair, password = make.user(role="chair", organization=meeting.organization)
    return chair.username, password


# --- quorum -----------------------------------------------------------------------------------

@pytest.mark.parametrize("present, opens", [(11, False), (12, True)])
def test_a_session_opens_only_with_two_thirds_of_seventeen_present(make, present, opens):
    # 2/3 of 17 = 11.33: 11 present is short, 12 is enough
    session = make.session(meeting=make.meeting(members=17, present=present))
    if opens:
        ballots.open_session(session, by="test")
        assert session.state == "open"
        return
    with refused("quorum_not_met") as caught:
        ballots.open_session(session, by="test")
    assert caught.value.status == 409 and caught.value.extra == {"needed": 12, "base": 17, "present": present}
    assert "12 of the 17" in caught.value.message_en and "12 trong 17" in caught.value.message_vi  # both languages
    assert db.session.get(BallotSession, session.id).state == "draft"
    assert db.session.get(BallotSession, session.id).public_key is None


def test_the_api_refuses_to_open_below_quorum_with_409_quorum_not_met(client, make):
    meeting = make.meeting(members=17, present=11)
    session = make.session(meeting=meeting)
    response = client.post(f"{API}/sessions/{session.id}/open", auth=api_auth(make, meeting))
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert (error["code"], error["needed"], error["base"], error["present"]) == ("quorum_not_met", 12, 17, 11)
    assert error["message_vi"].startswith("Chưa đủ 2/3")
    meetings.set_attendance(meeting, [people(meeting)[11].id], "present", by="test")
    assert client.post(f"{API}/sessions/{session.id}/open", auth=api_auth(make, meeting)).status_code == 200


def test_the_open_button_is_refused_below_quorum_and_the_draft_page_says_how_many(client, chair, make):
    meeting = make.meeting(members=17, present=11)
    session = make.session(meeting=meeting)
    page = client.get(f"/chair/sessions/{session.id}").get_data(as_text=True)
    assert "Voting cannot open yet: 12 of the electorate's 17 must be present, 11 are." in \
        " ".join(parse_html(page).text().split())
    response = post(client, f"/chair/sessions/{session.id}/open", headers=HTMX)
    assert response.status_code == 409 and "12 of the 17" in response.get_data(as_text=True)
    assert db.session.get(BallotSession, session.id).state == "draft"


@pytest.mark.parametrize("present, opens", [(9, False), (10, True)])
def test_exclusions_lower_the_base_and_so_the_quorum(make, present, opens):
    # 17 summoned, 2 excluded (suspended): base 15, 2/3 of 15 = 10 needed
    meeting = make.meeting(members=17, present=present, excluded=2)
    session = make.session(meeting=meeting)
    assert electorate.counts(session) == {"summoned": 17, "excluded": 2, "base": 15, "present": present}
    assert electorate.quorum(session)["needed"] == 10
    if opens:
        ballots.open_session(session, by="test")
    else:
        with refused("quorum_not_met") as caught:
            ballots.open_session(session, by="test")
        assert (caught.value.extra["needed"], caught.value.extra["base"]) == (10, 15)


def test_absent_with_an_approved_reason_is_out_of_the_base_and_absent_without_one_is_not(make):
    # 11 official members, one absent throughout with an approved reason: base 10 (docs/rules.md §4)
    meeting = make.meeting(members=11, present=9)
    session = make.session(meeting=meeting, kind="motion", title="Thông qua nghị quyết")
    absent = people(meeting)[9:]
    meetings.set_attendance(meeting, [absent[0].id], "absent_approved", by="test")
    assert electorate.counts(session) == {"summoned": 11, "excluded": 1, "base": 10, "present": 9}
    meetings.set_attendance(meeting, [absent[0].id], "absent", by="test")
    assert electorate.counts(session)["base"] == 11


def test_an_exempted_member_who_attends_counts_and_votes(make):
    meeting = make.meeting(members=3, present=2)
    session = make.session(meeting=meeting)
    exempted = people(meeting)[2]
    meetings.set_attendance(meeting, [exempted.id], "excluded", "exempted", by="test")
    assert electorate.counts(session) == {"summoned": 3, "excluded": 1, "base": 2, "present": 2}
    meetings.set_attendance(meeting, [exempted.id], "present", by="test")  # came after all
    assert electorate.counts(session) == {"summoned": 3, "excluded": 0, "base": 3, "present": 3}


# --- probationary members and the electorate --------------------------------------------------

def test_a_probationary_member_counts_under_all_members_but_not_in_an_official_electorate(make):
    # 6 summoned and present, the last one probationary
    meeting = make.meeting(members=6, probationary=1)
    confidence = make.session(meeting=meeting)
    motion = make.session(meeting=meeting, kind="motion", title="Thông qua nghị quyết")
    assert (confidence.electorate, motion.electorate) == ("all", "official")
    assert ballots.voters_present(confidence) == 6
    assert ballots.voters_present(motion) == 5
    assert ballots.progress(motion).items() >= {"summoned": 5, "present": 5, "base": 5, "excluded": 0}.items()


def test_a_probationary_member_is_refused_a_motion_ballot_but_handed_a_confidence_one(client, chair, make):
    # the cap is the electorate present: 5 codes for the motion, 6 for the confidence vote
    meeting = make.meeting(members=6, probationary=1)
    for kind, handed in (("motion", 5), ("confidence", 6)):
        session = make.open_session(meeting=meeting, kind=kind, title=f"Phiên {kind}")
        assert len(ballots.issue_tokens(session, handed, mode="api", by="test")) == handed
        with refused("no_ballot_left") as caught:
            ballots.issue_tokens(session, 1, mode="api", by="test")
        assert caught.value.extra["present"] == handed
        done = post(client, f"/chair/sessions/{session.id}/kiosk/next", headers=HTMX).get_data(as_text=True)
        assert "No more ballots can be handed out" in done


def test_a_motion_may_not_name_an_electorate_with_probationary_members(make):
    meeting = make.meeting(members=4, probationary=1)
    with refused("invalid_input"):
        make.session(meeting=meeting, kind="motion", title="Thông qua", electorate="all")
    official = [member.id for member in people(meeting)[:3]]
    session = make.session(meeting=meeting, kind="motion", title="Thông qua", electorate="body", electors=official)
    meetings.set_member_status(people(meeting)[0], "probationary", by="test")  # changed after creation
    with refused("invalid_input"):
        ballots.open_session(session, by="test")
    ballots.edit_draft(session, electorate_name="official", by="test")  # the official members: 2 of 4
    assert ballots.voters_present(session) == 2


def test_attendance_that_would_leave_fewer_voters_than_codes_handed_out_is_refused(make):
    # motion (official electorate): 5 official present, 5 codes out; the probationary member may
    # leave, an official one may not
    meeting = make.meeting(members=6, probationary=1)
    session = make.open_session(meeting=meeting, kind="motion", title="Thông qua")
    ballots.issue_tokens(session, 5, mode="api", by="test")
    meetings.set_attendance(meeting, [people(meeting)[5].id], "absent", by="test")
    with refused("conflict") as caught:
        meetings.set_attendance(meeting, [people(meeting)[0].id], "absent", by="test")
    assert "5 ballots are already handed out" in caught.value.message_en  # says why, with the number
    assert meeting.present_count == 5


# --- a chosen body ------------------------------------------------------------------------------

def test_a_chosen_body_is_the_electorate_its_quorum_and_its_cap(client, make):
    # 8 summoned, 6 present; the body is 3 members, 2 of them present: 2/3 of 3 = 2, it opens
    meeting = make.meeting(members=8, present=6)
    codes = [member.code for member in people(meeting)]
    auth = api_auth(make, meeting)
    created = client.post(f"{API}/meetings/{meeting.id}/sessions", auth=auth, json={
        "kind": "confidence", "title": "Tín nhiệm trong cấp ủy", "subjects": codes[:1],
        "electorate": "body", "electors": [codes[0], codes[6], codes[7]]})
    assert created.status_code == 201, created.get_data(as_text=True)
    body = created.get_json()
    assert (body["electorate"], body["electors"]) == ("body", sorted([codes[0], codes[6], codes[7]]))
    assert body["counts"].items() >= {"summoned": 3, "present": 1, "base": 3}.items()
    refused = client.post(f"{API}/sessions/{body['id']}/open", auth=auth)
    assert refused.get_json()["error"]["code"] == "quorum_not_met"
    edited = client.post(f"{API}/sessions/{body['id']}/edit", auth=auth,
                         json={"electors": [codes[0], codes[1], codes[7]]})
    assert edited.get_json()["counts"]["present"] == 2
    assert client.post(f"{API}/sessions/{body['id']}/open", auth=auth).status_code == 200
    session = db.session.get(BallotSession, body["id"])
    assert ballots.voters_present(session) == 2


def test_a_body_needs_members_summoned_to_the_meeting(client, make):
    meeting = make.meeting(members=3)
    stranger = make.member()
    response = client.post(f"{API}/meetings/{meeting.id}/sessions", auth=api_auth(make, meeting), json={
        "kind": "confidence", "title": "T", "subjects": [people(meeting)[0].code], "electorate": "body",
        "electors": [stranger.code]})
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "electors"
    with refused("invalid_input"):
        make.session(meeting=meeting, electorate="body", electors=[])


# --- the board and the tally name the base -------------------------------------------------------

def test_the_board_and_the_tally_carry_the_electorate_s_base(make):
    # 11 summoned, 1 suspended, 1 absent with an approved reason, 8 present: base 9, 2/3 of 9 = 6
    meeting = make.meeting(members=11, present=8, excluded=1)
    meetings.set_attendance(meeting, [people(meeting)[8].id], "absent_approved", by="test")
    session = make.open_session(meeting=meeting)
    ballots.close_session(session, by="test")
    counts = session.board.document["counts"]
    assert {key: counts[key] for key in ("summoned", "excluded", "base", "present")} == \
        {"summoned": 11, "excluded": 2, "base": 9, "present": 8}
    document = tallying.tally_session(session, by="test").document
    assert (document["bases"]["summoned"], document["bases"]["base"], document["bases"]["present"]) == (11, 9, 8)


# --- attendance through the pages and the API ---------------------------------------------------

def test_the_attendance_page_records_every_status_and_the_counter_follows(client, chair, make):
    meeting = make.meeting(members=4, present=3)
    member = people(meeting)[3]
    url = f"/chair/meetings/{meeting.id}/attendance/{member.id}"
    body = post(client, url, {"attendance": "excluded:detained"}, headers=HTMX).get_data(as_text=True)
    assert 'data-status="excluded:detained"' in body
    assert element(body, "#excluded-count").text() == "1" and 'data-quorum="met"' in body  # 3 of base 3
    assert "2/3 of those summoned are present" in body
    assert attendance.row_of(meeting, member.id).excluded_reason == "detained"
    body = post(client, url, {"attendance": "absent_approved"}, headers=HTMX).get_data(as_text=True)
    assert 'data-status="absent_approved"' in body and element(body, "#excluded-count").text() == "1"
    body = post(client, url, {"present": "1"}, headers=HTMX).get_data(as_text=True)  # the switch
    assert 'class="is-present"' in body and element(body, "#present-count").text() == "4"
    refused = post(client, url, {"attendance": "excluded:holiday"}, headers=HTMX)
    assert refused.status_code == 400 and attendance.row_of(meeting, member.id).status == "present"


def test_the_quorum_line_reads_as_the_regulation_words_it_in_vietnamese(client, login_as, make):
    login_as("chair")
    meeting = make.meeting(members=3, present=1)
    page = client.get(f"/chair/meetings/{meeting.id}").get_data(as_text=True)
    assert "Chưa đủ 2/3 số người được triệu tập có mặt" in page
    meetings.set_attendance(meeting, [people(meeting)[1].id], "present", by="test")
    assert "Đã đủ 2/3 số người được triệu tập có mặt" in client.get(f"/chair/meetings/{meeting.id}").get_data(
        as_text=True)


def test_the_api_records_absences_and_exclusions_with_their_reasons(client, make):
    meeting = make.meeting(members=5, present=0)
    codes = [member.code for member in people(meeting)]
    auth = api_auth(make, meeting)
    response = client.post(f"{API}/meetings/{meeting.id}/attendance", auth=auth, json={
        "present": codes[:2], "absent_approved": codes[2:3], "absent": codes[3:4],
        "excluded": {"attached_elsewhere": codes[4:]}})
    assert response.status_code == 200, response.get_data(as_text=True)
    found = response.get_json()
    assert (found["summoned"], found["excluded"], found["base"], found["present"]) == (5, 2, 3, 2)
    assert found["quorum"] == {"met": True, "needed": 2}  # 2/3 of 3
    assert [(row["status"], row["reason"]) for row in found["attendance"]] == [
        ("present", None), ("present", None), ("absent_approved", None), ("absent", None),
        ("excluded", "attached_elsewhere")]


@pytest.mark.parametrize("body, field", [
    ({"excluded": {"holiday": ["@0"]}}, "excluded"),
    ({"excluded": ["@0"]}, "excluded"),
    ({"present": ["@0"], "excluded": {"suspended": ["@0"]}}, "suspended"),
])
def test_bad_exclusions_are_400_naming_the_field(client, make, body, field):
    meeting = make.meeting(members=2, present=0)
    import json
    body = json.loads(json.dumps(body).replace("@0", people(meeting)[0].code))
    response = client.post(f"{API}/meetings/{meeting.id}/attendance", auth=api_auth(make, meeting), json=body)
    assert response.status_code == 400 and response.get_json()["error"]["field"] == field
    assert meeting.present_count == 0


# --- member status ------------------------------------------------------------------------------

def test_a_member_s_status_is_set_on_the_organization_page_and_by_the_api(client, chair, make):
    cell = make.organization()
    member = make.member(organization=cell)
    page = client.get(f"/chair/organizations/{cell.id}").get_data(as_text=True)
    assert "Official member" in page
    body = post(client, f"/chair/members/{member.id}/status", {"status": "probationary"},
                headers=HTMX).get_data(as_text=True)
    assert 'value="probationary" selected' in body
    assert db.session.get(type(member), member.id).status == "probationary"
    assert post(client, f"/chair/members/{member.id}/status", {"status": "guest"}).status_code == 400
    meeting = make.meeting(members=1, organization=cell)
    auth = api_auth(make, meeting)
    response = client.post(f"{API}/members/{member.code}/status", auth=auth, json={"status": "official"})
    assert response.status_code == 200 and response.get_json()["status"] == "official"
    listed = client.get(f"{API}/organizations/{cell.code}/members", auth=auth).get_json()
    assert {m["status"] for m in listed["members"]} == {"official"}
    stranger = make.member()
    assert client.post(f"{API}/members/{stranger.code}/status", auth=auth,
                       json={"status": "official"}).status_code == 403


# --- drafts: edit and delete -------------------------------------------------------------------

def test_a_draft_s_people_title_and_electorate_can_change_until_it_opens(client, chair, make):
    meeting = make.meeting(members=4)
    session = make.session(meeting=meeting, subjects=2)
    members = people(meeting)
    response = post(client, f"/chair/sessions/{session.id}/edit", {
        "title": "Lấy phiếu tín nhiệm (sửa)", "member_id": [str(members[2].id)], "electorate": "body",
        "elector_id": [str(members[0].id), str(members[1].id), str(members[2].id)]})
    assert response.status_code == 302
    session = db.session.get(BallotSession, session.id)
    assert session.title == "Lấy phiếu tín nhiệm (sửa)"
    assert [s.key for s in session.subjects] == [members[2].code]
    assert (session.electorate, len(session.electors)) == ("body", 3)
    assert session.plaintext_size == ballots.ballot_forms.plaintext_size_for(session.id, "confidence",
        [members[2].code])
    ballots.open_session(session, by="test")
    refused = post(client, f"/chair/sessions/{session.id}/edit", {"title": "X", "member_id": [str(members[0].id)]})
    assert refused.status_code == 409 and db.session.get(BallotSession, session.id).title != "X"


def test_a_motion_draft_is_renamed_by_the_api(client, make):
    meeting = make.meeting(members=3)
    session = make.session(meeting=meeting, kind="motion", title="Biểu quyết")
    response = client.post(f"{API}/sessions/{session.id}/edit", auth=api_auth(make, meeting),
                           json={"motion": "Thông qua nghị quyết đã sửa"})
    assert response.status_code == 200
    assert response.get_json()["subjects"] == [{"id": "motion", "name": "Thông qua nghị quyết đã sửa", "detail": ""}]


def test_a_draft_is_deleted_after_confirmation_and_the_deletion_is_logged(client, chair, make):
    meeting = make.meeting(members=3)
    session = make.session(meeting=meeting)
    session_id = session.id
    assert post(client, f"/chair/sessions/{session_id}/delete").status_code == 400  # not confirmed
    assert db.session.get(BallotSession, session_id) is not None
    response = post(client, f"/chair/sessions/{session_id}/delete", {"confirm": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/chair/meetings/{meeting.id}")
    db.session.expire_all()
    assert db.session.get(BallotSession, session_id) is None
    assert db.session.scalar(select(ActivityEvent).where(ActivityEvent.action == "delete_session",
                                                      ActivityEvent.target == f"session:{session_id}"))


def test_an_opened_session_cannot_be_deleted(client, make):
    meeting = make.meeting(members=3)
    session = make.open_session(meeting=meeting)
    response = client.delete(f"{API}/sessions/{session.id}", auth=api_auth(make, meeting))
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "illegal_transition"
    draft = make.session(meeting=meeting)
    assert client.delete(f"{API}/sessions/{draft.id}", auth=api_auth(make, meeting)).status_code == 204


def test_an_import_with_the_status_column_sets_probationary_members_and_later_files_keep_it(make):
    from votingapp.services import imports
    cell = make.organization(code="SL-01")
    header = 'Mã đảng viên,Họ và tên,Giới tính,Ngày sinh,Mã chi bộ,Chức vụ,"Lãnh đạo, quản lý",Chính thức/Dự bị\n'
    data = (header + "DV1,Lê A,Nam,,SL-01,,,chính thức\nDV2,Lê B,Nữ,,SL-01,,,dự bị\nDV3,Lê C,Nam,,SL-01,,,\n")
    report = imports.import_members(data.encode(), "members.csv", by="test")
    assert (report.created, report.total) == (3, 3)
    assert {m.code: m.status for m in cell.members} == {"DV1": "official", "DV2": "probationary", "DV3": "official"}
    without = 'Mã đảng viên,Họ và tên,Mã chi bộ\nDV2,Lê B,SL-01\n'
    imports.import_members(without.encode(), "members.csv", by="test")
    assert {m.code: m.status for m in cell.members}["DV2"] == "probationary"
    with refused("import_failed") as caught:
        imports.import_members((header + "DV4,Lê D,Nam,,SL-01,,,db\n").encode(), "members.csv", by="test")
    assert caught.value.extra["lines"][0]["line"] == 2


def test_the_cli_records_attendance_and_refuses_to_open_below_quorum(runner, make):
    meeting = make.meeting(members=17, present=11)
    session = make.session(meeting=meeting)
    refused = runner.invoke(args=["open", "--session", session.id])
    assert refused.exit_code == 1 and "12 of the 17" in refused.output and "12 trong 17" in refused.output
    codes = [member.code for member in people(meeting)]
    marked = runner.invoke(args=["attendance", "--meeting", str(meeting.id), "--status", "excluded",
                                 "--reason", "suspended", *codes[15:]])
    assert marked.exit_code == 0, marked.output
    assert "base 15, present 11 (10 needed)" in marked.output and "Đã đủ 2/3" in marked.output
    opened = runner.invoke(args=["open", "--session", session.id])
    assert opened.exit_code == 0 and "11 of a base of 15" in opened.output
    wrong = runner.invoke(args=["attendance", "--meeting", str(meeting.id), "--status", "present", "NOPE"])
    assert wrong.exit_code == 1 and "NOPE" in wrong.output

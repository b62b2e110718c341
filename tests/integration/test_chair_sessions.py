"""The chair's ballot-session pages through the Flask client: create, open, issue (PDF cards
and kiosk), progress, close, tally, results; refusals and access control."""

from __future__ import annotations

import pytest

from votingapp.crypto.tokens import token_hash
from votingapp.extensions import db
from votingapp.models import BallotSession
from votingapp.services import ballots, tallying

from ..helpers import element, parse_html, seal_choices
from ..helpers import post_form as post

HIGH, MIDDLE, LOW = "tin-nhiem-cao", "tin-nhiem", "tin-nhiem-thap"
HTMX = {"HX-Request": "true"}





def cast(client, code, session, choices):
    return client.post("/api/v1/ballot/cast", json={"token": code, "ballot": seal_choices(session, choices)})


def text_of_testid(html: str, testid: str) -> str:
    return element(html, f"[data-testid={testid}]").text(strip=True)


def kiosk_code(html: str) -> str:
    return element(html, "[data-testid=kiosk-code]").text(strip=True)


def reload(session) -> BallotSession:
    db.session.expire_all()
    return db.session.get(BallotSession, session.id)


def test_a_chair_runs_a_confidence_vote_from_creation_to_results(client, chair, make):
    meeting = make.meeting(members=5, present=4)
    leaders = [row.member for row in meeting.attendance if row.member.is_leader]

    form = client.get(f"/chair/meetings/{meeting.id}/sessions/new").get_data(as_text=True)
    assert form.count("checked") >= len(leaders)  # leaders come pre-ticked
    created = post(client, f"/chair/meetings/{meeting.id}/sessions", {
        "title": "Lấy phiếu tín nhiệm năm 2026", "kind": "confidence", "policy-confidence": "qd96-2023",
        "member_id": [str(m.id) for m in leaders]})
    assert created.status_code == 302
    session_url = created.headers["Location"]
    session = db.session.get(BallotSession, session_url.rsplit("/", 1)[1])
    assert [s.name for s in session.subjects] == [m.full_name for m in leaders]
    assert "Draft" in client.get(session_url).get_data(as_text=True)

    assert post(client, f"{session_url}/open").status_code == 302
    session = reload(session)
    assert session.state == "open"

    cards = post(client, f"{session_url}/cards", {"count": "2"})
    assert cards.status_code == 200 and cards.mimetype == "application/pdf"
    assert cards.data.startswith(b"%PDF") and "attachment" in cards.headers["Content-Disposition"]

    first = post(client, f"{session_url}/kiosk/next", headers=HTMX)
    assert first.status_code == 200 and "<svg" in first.get_data(as_text=True)
    code = kiosk_code(first.get_data(as_text=True))
    assert post(client, f"{session_url}/kiosk/check", {"token_hash": token_hash(code.replace("-", ""))},
                headers=HTMX).status_code == 204  # unused: the kiosk keeps showing it
    assert cast(client, code, session, {leaders[0].code: HIGH, leaders[1].code: LOW}).status_code == 201

    second = post(client, f"{session_url}/kiosk/check", {"token_hash": token_hash(code.replace("-", ""))},
                  headers=HTMX)
    assert second.status_code == 200
    next_code = kiosk_code(second.get_data(as_text=True))
    assert next_code != code
    assert cast(client, next_code, session, {leaders[0].code: HIGH, leaders[1].code: LOW}).status_code == 201
    done = post(client, f"{session_url}/kiosk/check", {"token_hash": token_hash(next_code.replace("-", ""))},
                headers=HTMX).get_data(as_text=True)
    # 2 cards + 2 kiosk codes = 4 present; the 2 printed cards may still lie on the table
    assert "No more ballots can be handed out" in done
    assert "Voters present: 4 · codes out: 4 · voted: 2 · not yet used: 2" in done
    assert "printed cards still to hand out" in done

    progress = client.get(f"{session_url}/progress", headers=HTMX).get_data(as_text=True)
    assert (text_of_testid(progress, "voted"), text_of_testid(progress, "issued")) == ("2", "4")
    assert 'hx-trigger="every 1500ms"' in progress

    closing = post(client, f"{session_url}/close", headers=HTMX)
    assert closing.status_code == 200 and "Count the ballots" in closing.get_data(as_text=True)
    assert "hx-trigger" not in client.get(f"{session_url}/progress").get_data(as_text=True)  # polling stops
    assert ballots.progress(reload(session))["void"] == 2  # the two printed cards nobody used

    tallied = post(client, f"{session_url}/tally")
    assert tallied.status_code == 302 and tallied.headers["Location"].endswith("/results")
    page = client.get(tallied.headers["Location"]).get_data(as_text=True)
    document = tallying.results(reload(session))
    assert document["ballots"]["valid"] == 2
    assert [s["counts"][HIGH] for s in document["subjects"]] == [2, 0]
    assert leaders[0].full_name in page and leaders[1].full_name in page
    assert "100.00&nbsp;%" in page
    assert "2/3 or more low confidence</td>" in page  # the verdict of the second leader
    assert "under Regulation 96-QĐ/TW, Article 13, dismissal is considered" in page
    assert "No consequence</td>" in page
    assert "Percentages on every other basis" in page


def test_a_kiosk_reloaded_five_times_leaves_one_live_code(client, chair, make):
    session = make.open_session(meeting=make.meeting(members=4, present=4))
    url = f"/chair/sessions/{session.id}/kiosk/next"
    shown = {kiosk_code(post(client, url, headers=HTMX).get_data(as_text=True)) for _ in range(6)}
    assert len(shown) == 1
    assert ballots.progress(session)["issued"] == 1


def test_the_kiosk_hands_a_latecomer_a_ballot_only_once_marked_present(client, chair, make):
    meeting = make.meeting(members=3, present=2)
    session = make.open_session(meeting=meeting)
    url = f"/chair/sessions/{session.id}/kiosk/next"
    shown = []
    for _ in range(2):  # one code per voter present, each used in turn
        shown.append(kiosk_code(post(client, url, headers=HTMX).get_data(as_text=True)))
        assert cast(client, shown[-1], session, {s.key: HIGH for s in session.subjects}).status_code == 201
    done = post(client, url, headers=HTMX).get_data(as_text=True)
    assert "Voters present: 2 · codes out: 2 · voted: 2 · not yet used: 0" in done and "Mark them present" in done
    assert "printed cards still to hand out" not in done
    assert ballots.progress(session)["issued"] == 2

    late = next(row.member for row in meeting.attendance if not row.present)
    assert post(client, f"/chair/meetings/{meeting.id}/attendance/{late.id}", {"present": "1"},
                headers=HTMX).status_code == 200
    assert kiosk_code(post(client, url, headers=HTMX).get_data(as_text=True)) not in shown
    assert ballots.progress(session)["issued"] == 3


def test_printing_more_cards_than_voters_present_is_refused_with_the_numbers(client, chair, make):
    session = make.open_session(meeting=make.meeting(members=17, present=15))
    refused = post(client, f"/chair/sessions/{session.id}/cards", {"count": "16"})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "15 voters present, 0 ballots already handed out: at most 15 more now" in page
    assert ballots.progress(session)["issued"] == 0
    assert post(client, f"/chair/sessions/{session.id}/cards", {"count": "15"}).status_code == 200
    assert post(client, f"/chair/sessions/{session.id}/cards", {"count": "1"}).status_code == 409
    assert ballots.progress(session)["issued"] == 15


def test_kiosk_says_closed_once_the_session_closes(client, chair, make):
    session = make.open_session()
    code = kiosk_code(post(client, f"/chair/sessions/{session.id}/kiosk/next", headers=HTMX).get_data(as_text=True))
    ballots.close_session(session, by="test")
    answer = post(client, f"/chair/sessions/{session.id}/kiosk/check",
                  {"token_hash": token_hash(code.replace("-", ""))}, headers=HTMX)
    assert answer.status_code == 200 and "Voting in this session is closed" in answer.get_data(as_text=True)


def test_kiosk_page_is_full_screen_without_navigation(client, chair, make):
    session = make.open_session()
    page = client.get(f"/chair/sessions/{session.id}/kiosk").get_data(as_text=True)
    assert 'class="topbar"' not in page and "hx-trigger=\"load\"" in page
    assert "only the voter" in page


def test_kiosk_check_of_an_unknown_hash_is_refused(client, chair, make):
    session = make.open_session()
    answer = post(client, f"/chair/sessions/{session.id}/kiosk/check", {"token_hash": "00" * 32}, headers=HTMX)
    assert answer.status_code == 404


def test_progress_shows_counts_only_and_never_what_ballots_say(client, chair, make):
    session = make.open_session()
    code, = ballots.issue_tokens(session, 1, mode="api", by="test")
    subject = session.subjects[0].key
    assert cast(client, code, session, {s.key: LOW for s in session.subjects}).status_code == 201
    progress = client.get(f"/chair/sessions/{session.id}/progress").get_data(as_text=True)
    assert text_of_testid(progress, "voted") == "1"
    assert LOW not in progress and "Low confidence" not in progress and subject not in progress


def test_progress_asks_the_page_to_reload_once_the_state_moved_on(client, chair, make):
    session = make.open_session()
    ballots.close_session(session, by="another screen")
    answer = client.get(f"/chair/sessions/{session.id}/progress?shown=open", headers=HTMX)
    assert answer.headers.get("HX-Refresh") == "true"


def test_session_page_on_htmx_request_is_the_state_partial_only(client, chair, make):
    session = make.open_session()
    full = client.get(f"/chair/sessions/{session.id}").get_data(as_text=True)
    partial = client.get(f"/chair/sessions/{session.id}", headers=HTMX).get_data(as_text=True)
    assert "<html" in full and 'id="session-state"' in full
    assert "<html" not in partial and partial.lstrip().startswith('<section id="session-state"')


def test_creating_a_motion_keeps_its_text_as_the_only_subject(client, chair, make):
    meeting = make.meeting()
    created = post(client, f"/chair/meetings/{meeting.id}/sessions", {
        "title": "Biểu quyết nghị quyết", "kind": "motion", "motion": "Thông qua nghị quyết năm 2026",
        "policy-confidence": "qd96-2023"})  # the confidence list is hidden for a motion, and not read
    assert created.status_code == 302
    session = db.session.get(BallotSession, created.headers["Location"].rsplit("/", 1)[1])
    assert session.kind == "motion" and [s.name for s in session.subjects] == ["Thông qua nghị quyết năm 2026"]
    assert session.policy == "dieu-le-motion"


def test_the_create_form_offers_each_kind_only_its_own_counting_rules(client, chair, make):
    page = client.get(f"/chair/meetings/{make.meeting().id}/sessions/new").get_data(as_text=True)
    lists = {select.attributes["name"].removeprefix("policy-"): [o.attributes["value"] for o in select.css("option")]
             for select in parse_html(page).css('select[name^="policy-"]')}
    assert set(lists) == {"confidence", "motion", "vote_of_confidence"}
    assert lists["motion"] == ["dieu-le-motion"]
    assert lists["confidence"][0] == "qd96-2023"
    assert "dieu-le-motion" not in lists["confidence"] and "qd96-2023-vote" in lists["vote_of_confidence"]


def test_a_vote_of_confidence_is_created_on_the_people_picked(client, chair, make):
    meeting = make.meeting()
    leader = next(row.member for row in meeting.attendance if row.member.is_leader)
    created = post(client, f"/chair/meetings/{meeting.id}/sessions", {
        "title": "Bỏ phiếu tín nhiệm", "kind": "vote_of_confidence", "member_id": str(leader.id)})
    assert created.status_code == 302
    session = db.session.get(BallotSession, created.headers["Location"].rsplit("/", 1)[1])
    assert (session.kind, session.policy) == ("vote_of_confidence", "qd96-2023-vote")
    assert [(s.name, s.detail) for s in session.subjects] == [(leader.full_name, leader.post)]


def test_the_create_form_offers_both_schemes_the_new_default_checked(client, chair, make):
    page = client.get(f"/chair/meetings/{make.meeting().id}/sessions/new").get_data(as_text=True)
    radios = [(node.attributes["value"], "checked" in node.attributes)
              for node in parse_html(page).css('input[type="radio"][name="scheme"]')]
    assert radios == [("verifiable-v1", True), ("sealed-v2", False)]


@pytest.mark.parametrize("scheme", ["verifiable-v1", "sealed-v2"])
def test_the_chair_chooses_how_ballots_are_sealed(client, chair, make, scheme):
    meeting = make.meeting()
    leader = next(row.member for row in meeting.attendance if row.member.is_leader)
    created = post(client, f"/chair/meetings/{meeting.id}/sessions", {
        "title": "Lấy phiếu tín nhiệm", "kind": "confidence", "member_id": str(leader.id), "scheme": scheme})
    assert created.status_code == 302
    assert db.session.get(BallotSession, created.headers["Location"].rsplit("/", 1)[1]).scheme == scheme


@pytest.mark.parametrize("fields, message", [
    ({"kind": "confidence", "title": "Lấy phiếu", "member_id": "LEADER", "scheme": "rot13"}, "Scheme must be one of"),
    ({"kind": "confidence", "title": "Lấy phiếu"}, "Choose at least one person"),
    ({"kind": "confidence", "title": "", "member_id": "LEADER"}, "The session title is required"),
    ({"kind": "motion", "title": "Biểu quyết", "motion": "  "}, "The motion text is required"),
    ({"kind": "confidence", "title": "Lấy phiếu", "member_id": "LEADER",
      "policy-confidence": "nope"}, "Unknown policy"),
    ({"kind": "poll", "title": "Lấy phiếu", "member_id": "LEADER"}, "Kind must be one of"),
])
def test_a_refused_session_is_explained_in_the_form_with_what_was_typed(client, chair, make, fields, message):
    meeting = make.meeting()
    leader = next(row.member for row in meeting.attendance if row.member.is_leader)
    fields = {key: (str(leader.id) if value == "LEADER" else value) for key, value in fields.items()}
    answer = post(client, f"/chair/meetings/{meeting.id}/sessions", {"policy-confidence": "qd96-2023", **fields})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and message in page
    assert f'value="{fields["title"]}"' in page
    assert not meeting.sessions


def test_meeting_page_lists_its_sessions_with_the_create_form(client, chair, make):
    meeting = make.meeting()
    session = make.session(meeting=meeting, title="Phiên lấy phiếu thứ nhất")
    page = client.get(f"/chair/meetings/{meeting.id}").get_data(as_text=True)
    assert "Phiên lấy phiếu thứ nhất" in page and f"/chair/sessions/{session.id}" in page
    assert f'action="/chair/meetings/{meeting.id}/sessions"' in page


@pytest.mark.parametrize("prepare, step, expected", [
    ("open", "open", "cannot open"),
    ("open", "tally", "cannot tally"),
    ("draft", "close", "cannot close"),
    ("tallied", "close", "cannot close"),
])
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_an_illegal_step_is_refused_with_409_and_says_why(client, chair, make, prepare, step, expected, headers):
    session = make.session() if prepare == "draft" else make.open_session()
    if prepare == "tallied":
        ballots.close_session(session, by="test")
        tallying.tally_session(session, by="test")
    before = session.state
    answer = post(client, f"/chair/sessions/{session.id}/{step}", headers=headers)
    assert answer.status_code == 409
    assert expected in answer.get_data(as_text=True)
    assert reload(session).state == before


def test_results_before_the_tally_are_refused(client, chair, make):
    session = make.open_session()
    answer = client.get(f"/chair/sessions/{session.id}/results")
    assert answer.status_code == 409 and "Results exist only after" in answer.get_data(as_text=True)


def test_issuing_cards_needs_a_sensible_count(client, chair, make):
    session = make.open_session()
    for count in ("", "two", "0", "5000"):
        assert post(client, f"/chair/sessions/{session.id}/cards", {"count": count}).status_code == 400
    assert ballots.progress(session)["issued"] == 0


def test_cards_for_a_session_that_is_not_open_are_refused(client, chair, make):
    session = make.session()
    assert post(client, f"/chair/sessions/{session.id}/cards", {"count": "3"}).status_code == 409


# --- access control -------------------------------------------------------------------------

ACTIONS = [("post", "open"), ("post", "close"), ("post", "tally"), ("post", "cards"),
           ("post", "kiosk/next"), ("post", "kiosk/check"), ("get", ""), ("get", "progress"), ("get", "kiosk")]


def _request(client, method, session, action):
    url = f"/chair/sessions/{session.id}/{action}".rstrip("/")
    return post(client, url, {"count": "1"}) if method == "post" else client.get(url)


@pytest.mark.parametrize("method, action", ACTIONS)
def test_anonymous_visitors_are_sent_to_log_in(client, make, method, action):
    session = make.open_session()
    answer = _request(client, method, session, action)
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    assert ballots.progress(session)["issued"] == 0


@pytest.mark.parametrize("method, action", ACTIONS)
def test_an_auditor_cannot_run_a_session(client, login_as, make, method, action):
    session = make.open_session()
    login_as("auditor")
    assert _request(client, method, session, action).status_code == 403
    assert reload(session).state == "open" and ballots.progress(session)["issued"] == 0


@pytest.mark.parametrize("method, action", ACTIONS + [("get", "results")])
def test_a_chair_of_another_subtree_is_refused(client, login_as, make, method, action):
    session = make.open_session()
    login_as("chair", organization=make.organization())
    assert _request(client, method, session, action).status_code == 403
    assert reload(session).state == "open"


def test_an_auditor_reads_results_once_tallied(client, login_as, make):
    session = make.open_session()
    ballots.close_session(session, by="test")
    tallying.tally_session(session, by="test")
    login_as("auditor")
    assert client.get(f"/chair/sessions/{session.id}/results").status_code == 200


def test_creating_a_session_in_another_subtree_is_refused(client, login_as, make):
    meeting = make.meeting()
    login_as("chair", organization=make.organization())
    answer = post(client, f"/chair/meetings/{meeting.id}/sessions", {"title": "X", "kind": "motion", "motion": "Y"})
    assert answer.status_code == 403 and not meeting.sessions


def test_motion_results_say_whether_it_passed_on_the_present_basis(client, chair, make):
    session = make.open_session(meeting=make.meeting(members=5, present=5), kind="motion", title="Thông qua nghị quyết")
    codes = ballots.issue_tokens(session, 3, mode="api", by="test")
    for code, choice in zip(codes, ("agree", "agree", "disagree"), strict=True):
        assert cast(client, code, session, {"motion": choice}).status_code == 201
    ballots.close_session(session, by="test")
    tallying.tally_session(session, by="test")
    page = client.get(f"/chair/sessions/{session.id}/results").get_data(as_text=True)
    assert "Not passed" in page and "40.00&nbsp;%" in page  # 2 agree of 5 present is not more than half
    assert 'class="verdict-not_passed"' in page


def test_a_vote_of_confidence_is_counted_on_its_base_and_printed(client, chair, make):
    # 5 summoned, 4 present and voting: 3 "không tín nhiệm" of a base of 5 (60%) is more than 1/2
    session = make.open_session(meeting=make.meeting(members=5, present=4), kind="vote_of_confidence",
                                subjects=1, title="Bỏ phiếu tín nhiệm")
    key = session.subjects[0].key
    for code, choice in zip(ballots.issue_tokens(session, 4, mode="api", by="test"),
                            ("khong-tin-nhiem", "khong-tin-nhiem", "khong-tin-nhiem", "tin-nhiem"), strict=True):
        assert cast(client, code, session, {key: choice}).status_code == 201
    ballots.close_session(session, by="test")
    document = tallying.tally_session(session, by="test").document
    subject = document["subjects"][0]
    assert (subject["basis"], document["bases"]["base"], subject["outcome"]) == ("base", 5, "no_confidence")
    assert subject["percent"]["khong-tin-nhiem"] == "60.00" and subject["detail"] == "Bí thư chi bộ"
    page = client.get(f"/chair/sessions/{session.id}/results").get_data(as_text=True)
    assert "More than 1/2 no confidence" in page and "Bí thư chi bộ" in page
    minutes = client.get(f"/chair/sessions/{session.id}/minutes.pdf")
    assert minutes.status_code == 200 and minutes.data.startswith(b"%PDF")

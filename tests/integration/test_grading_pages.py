"""The grading pages, the progress roll-up, exports and imports, and the hall bundle import."""

from __future__ import annotations

import copy
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from votingapp.domain.grading import COMPLETED, EXCELLENT, GOOD, MEMBER, NOT_COMPLETED
from votingapp.services import grading, grading_exchange, grading_progress
from votingapp.services.errors import ServiceError

from ..helpers import login, post_form


@pytest.fixture
def tree(make):
    """district → commune → cell A (3 members) and cell B (1); the commune's admin and cell A's chair."""
    tree = make.grading_tree(3, 1)
    commune_admin, password = make.user(role="admin", organization=tree["commune"], username="xa-admin")
    chair_a, _ = make.user(role="chair", organization=tree["a"], username="chair-a")
    cycle = grading.create_cycle(tree["commune"], 2025, by=commune_admin)
    return {**tree, "members": tree["ma"] + tree["mb"], "admin": commune_admin, "password": password,
            "chair_a": chair_a, "cycle": cycle}


def propose(tree, member, level):
    subject = grading.subject_for(tree["cycle"], MEMBER, member=member)
    grading.record_open_vote(subject, {level: 3}, 3, by=tree["chair_a"])
    return subject


def test_deadline_roll_up_in_a_three_level_tree(tree, make):
    """district → commune → two cells: cell A's figures reach the commune and the district."""
    district_admin, _ = make.user(role="admin", organization=tree["district"])
    district_cycle = grading.create_cycle(tree["district"], 2026, deadlines={"co-so": "2026-12-10",
                                                                             "huyen": "2026-12-25"},
                                          by=district_admin)
    for member in tree["members"][:3]:
        subject = grading.subject_for(district_cycle, MEMBER, member=member)
        grading.record_open_vote(subject, {GOOD: 3}, 3, by=tree["chair_a"])
    grading.decide(grading.subject_for(district_cycle, MEMBER, member=tree["members"][0]), by=tree["admin"])
    root = grading_progress.progress(district_cycle, today=date(2026, 12, 11))
    commune = root.children[0]
    cell_a, cell_b = commune.children
    # cell A: 3 members rated, 3 proposals, 1 decision; cell B: 1 member, nothing yet
    assert (cell_a.own["rated"], cell_a.own["proposals"], cell_a.own["decisions"]) == (3, 3, 1)
    assert (cell_b.own["rated"], cell_b.own["proposals"]) == (1, 0)
    # the commune rates its two cells as collectives; its totals add both cells' members
    assert (commune.own["rated"], commune.total["rated"], commune.total["proposals"]) == (2, 6, 3)
    assert root.total["rated"] == 6 + 1 and root.total["decisions"] == 1  # the district rates the commune
    # the commune's deadline (10/12) passed with decisions missing: overdue, and so are its cells
    assert commune.days_left == -1 and commune.overdue and cell_a.overdue
    assert root.deadline == date(2026, 12, 25) and root.days_left == 14 and not root.overdue


def test_dashboard_unit_and_subject_pages_show_progress_quota_and_explanation(client, tree):
    propose(tree, tree["members"][0], GOOD)
    login(client, "xa-admin", tree["password"])
    cycle = tree["cycle"]
    page = client.get(f"/grading/cycles/{cycle.id}").get_data(as_text=True)
    assert "Chi bộ A" in page and "hx-trigger=\"every 30s\"" in page
    fragment = client.get(f"/grading/cycles/{cycle.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and "progress-node" in fragment
    unit = client.get(f"/grading/cycles/{cycle.id}/units/{tree['a'].id}").get_data(as_text=True)
    assert "đã xếp loại Xuất sắc 0 / tối đa 0" in unit and "approve-unit" in unit
    subject = client.get(f"/grading/cycles/{cycle.id}/subjects/member:A00").get_data(as_text=True)
    assert "3/3 phiếu từ mức Tốt trở lên (&gt; 1/2) → Hoàn thành tốt nhiệm vụ" in subject
    svg = client.get(f"/grading/cycles/{cycle.id}/units/{tree['commune'].id}/chart.svg")
    assert svg.mimetype == "image/svg+xml" and b"Chi b\xe1\xbb\x99 A" in svg.data


def test_override_without_reason_is_refused_on_the_page(client, tree):
    propose(tree, tree["members"][0], GOOD)
    login(client, "xa-admin", tree["password"])
    response = post_form(client, f"/grading/cycles/{tree['cycle'].id}/subjects/member:A00/decide",
                         {"level": COMPLETED, "reason": ""})
    assert response.status_code == 400 and "form-error" in response.get_data(as_text=True)
    assert grading.subject_for(tree["cycle"], MEMBER, member=tree["members"][0]).decisions == []


def test_a_cell_chair_cannot_decide_on_the_page(client, tree):
    propose(tree, tree["members"][0], GOOD)
    login(client, "chair-a", "correct horse battery")
    response = post_form(client, f"/grading/cycles/{tree['cycle'].id}/subjects/member:A00/decide", {"level": ""})
    assert response.status_code == 403


def test_unit_approval_on_the_page_records_decisions(client, tree):
    for member in tree["members"][:3]:
        propose(tree, member, GOOD)
    login(client, "xa-admin", tree["password"])
    response = post_form(client, f"/grading/cycles/{tree['cycle'].id}/units/{tree['a'].id}/approve")
    assert response.status_code == 302
    decided = [grading.subject_for(tree["cycle"], MEMBER, member=m).decided_level for m in tree["members"][:3]]
    assert decided == [GOOD, GOOD, GOOD]


def _fill(tree):
    cycle = tree["cycle"]
    first = grading.subject_for(cycle, MEMBER, member=tree["members"][0])
    grading.save_self_assessment(first, grading.SelfAssessmentInput(
        "2A", "Hoàn thành mọi nhiệm vụ, một dòng\nvà dòng hai", "89.99",
        {"all_tasks_on_time": True, "beyond_requirement_30": False}, EXCELLENT), by=tree["chair_a"])
    grading.record_open_vote(first, {EXCELLENT: 1, GOOD: 2, NOT_COMPLETED: 0}, 3, by=tree["chair_a"])
    second = grading.subject_for(cycle, MEMBER, member=tree["members"][1])
    grading.save_self_assessment(second, grading.SelfAssessmentInput("2B", "", "50", {}, COMPLETED),
                                 by=tree["chair_a"])
    grading.decide(first, by=tree["admin"])


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_then_import_gives_the_same_data(tree, fmt):
    _fill(tree)
    cycle, commune = tree["cycle"], tree["commune"]
    exported = grading_exchange.export_table(cycle, commune, fmt)
    before = grading_exchange.export_rows(cycle, commune)
    # change what the import restores, then import the export
    first = grading.subject_for(cycle, MEMBER, member=tree["members"][0])
    grading.save_self_assessment(first, grading.SelfAssessmentInput("2C", "khác", "10", {}, NOT_COMPLETED),
                                 by=tree["chair_a"])
    grading.record_open_vote(first, {NOT_COMPLETED: 3}, 3, by=tree["chair_a"])
    assert grading_exchange.export_rows(cycle, commune) != before
    report = grading_exchange.import_table(cycle, exported, f"export.{fmt}", by=tree["admin"])
    assert report["lines"] == len(before)
    assert grading_exchange.export_rows(cycle, commune) == before


def test_exported_xlsx_holds_decision_and_who_decided(tree):
    _fill(tree)
    sheet = load_workbook(io.BytesIO(grading_exchange.export_table(tree["cycle"], tree["a"], "xlsx"))).active
    rows = list(sheet.iter_rows(values_only=True))
    header, first = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert "Người quyết định" in header
    assert (first["Mã đối tượng"], first["Điểm tự chấm"], first["Quyết định"], first["Người quyết định"]) == \
        ("member:A00", "89.99", GOOD, "xa-admin")


def test_import_names_every_bad_line_and_stores_nothing(tree):
    body = "\ufeffMã đối tượng,Mẫu,Điểm tự chấm\nmember:A00,2A,101\nmember:ZZ,2A,50\nmember:A01,2A,60\n"
    with pytest.raises(ServiceError) as refused:
        grading_exchange.import_table(tree["cycle"], body.encode(), "x.csv", by=tree["admin"])
    assert [line["line"] for line in refused.value.extra["lines"]] == [2, 3]
    assert grading.subject_for(tree["cycle"], MEMBER, member=tree["members"][2]).self_assessment is None


def test_pdf_summary_report_is_a_pdf_with_the_quota(client, tree):
    _fill(tree)
    login(client, "xa-admin", tree["password"])
    response = client.get(f"/grading/cycles/{tree['cycle'].id}/report.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    facts = grading_exchange.report_facts(tree["cycle"], tree["commune"])
    assert facts["quotas"] == [{"organization": "Đảng ủy xã Thử", "good": 1, "excellent": 0, "allowed": 0,
                                "exceptions": 0, "ok": True}]
    assert facts["roles"][MEMBER]["this_year"]["not_rated"] == 3


# --- results from a hall ---------------------------------------------------------------------

@pytest.fixture
def hall_bundle(tree, make):
    """A tallied rating ballot on cell A's members and its public bundle, as a hall would publish."""
    from votingapp.services import ballots, meetings, publication, tallying

    from ..helpers import seal_choices
    cycle = tree["cycle"]
    meeting = meetings.create_meeting(tree["a"], "Hội nghị", date(2025, 12, 5), by="test")
    meetings.set_attendance(meeting, [row.member_id for row in meeting.attendance], "present", by="test")
    subjects = [grading.subject_for(cycle, MEMBER, member=m) for m in tree["members"][:3]]
    session = grading.create_rating_session(cycle, meeting, subjects, by=tree["chair_a"])
    ballots.open_session(session, by="test")
    codes = ballots.issue_tokens(session, 3, mode="cli", by="test")
    for code, choice in zip(codes, ["htxsnv", "httnv", "httnv"], strict=True):
        ballots.cast_ballot(code, seal_choices(session, {s.key: choice for s in subjects}))
    ballots.close_session(session, by="test")
    tallying.tally_session(session, by="test")
    return publication.public_bundle(session), publication.signing_public_key()


def test_hall_bundle_import_makes_proposals_from_the_signed_tally(tree, hall_bundle):
    from votingapp.crypto.encoding import b64encode
    bundle, key = hall_bundle
    hall = grading.pin_hall_key("Hội trường xã", b64encode(key), by=tree["admin"])
    made = grading.import_hall_bundle(tree["cycle"], hall, bundle, by=tree["admin"])
    assert [(p.subject.key, p.level, p.base, p.source) for p in made] == [
        ("member:A00", GOOD, 3, "hall"), ("member:A01", GOOD, 3, "hall"), ("member:A02", GOOD, 3, "hall")]
    assert made[0].counts == {EXCELLENT: 1, GOOD: 2, COMPLETED: 0, NOT_COMPLETED: 0}
    assert made[0].evidence.endswith(bundle["board"]["head"])


@pytest.mark.parametrize("tamper", ["count", "key"])
def test_a_tampered_hall_bundle_is_refused_and_nothing_imported(tree, hall_bundle, make, tamper):
    from votingapp.crypto import signing
    from votingapp.crypto.encoding import b64encode
    bundle, key = hall_bundle
    bundle = copy.deepcopy(bundle)
    if tamper == "count":            # one more vote for excellent, as a re-typed result would be
        bundle["tally"]["subjects"][0]["counts"]["htxsnv"] += 1
        bundle["tally"]["subjects"][0]["counts"]["httnv"] -= 1
        pinned = key
    else:                            # a correct bundle, but not signed by the pinned hall key
        pinned = signing.public_key_of(signing.new_signing_key())
    hall = grading.pin_hall_key("Hội trường", b64encode(pinned), by=tree["admin"])
    with pytest.raises(ServiceError) as refused:
        grading.import_hall_bundle(tree["cycle"], hall, bundle, by=tree["admin"])
    assert refused.value.code == "bundle_refused"
    assert grading.subject_for(tree["cycle"], MEMBER, member=tree["members"][0]).proposal is None


def test_a_counted_rating_ballot_shows_its_proposed_levels_on_the_results_and_the_minutes(client, tree, hall_bundle):
    from votingapp.extensions import db
    from votingapp.models import BallotSession
    session = db.session.scalar(db.select(BallotSession).where(BallotSession.kind == "rating"))
    login(client, "chair-a", "correct horse battery")
    client.set_cookie("lang", "vi")
    page = client.get(f"/chair/sessions/{session.id}/results").get_data(as_text=True)
    assert "Mức đề xuất" in page and page.count("Hoàn thành tốt nhiệm vụ") >= 3
    assert client.get(f"/chair/sessions/{session.id}").status_code == 200
    minutes = client.get(f"/chair/sessions/{session.id}/minutes.pdf")
    assert minutes.status_code == 200 and minutes.data.startswith(b"%PDF")
    # the spreadsheet: each row's own proposed level, in the words of domain.labels
    import io

    from openpyxl import load_workbook

    from votingapp.domain import labels
    from votingapp.services import tallying
    document = tallying.results(session)
    sheet = load_workbook(io.BytesIO(client.get(f"/chair/sessions/{session.id}/results.xlsx").data)).active
    rows = {row[1]: row[-1] for row in sheet.iter_rows(values_only=True) if isinstance(row[0], int)}
    assert rows == {subject["name"]: labels.verdict_label(subject, document["policy"])
                    for subject in document["subjects"]}


def test_a_leaders_page_shows_the_latest_confidence_result_and_never_turns_it_into_a_level(client, tree, make):
    from votingapp.services import ballots, meetings, tallying

    from ..helpers import seal_choices
    leader = make.member(tree["a"], code="L01", full_name="Trần Văn Lãnh", post="Bí thư chi bộ", is_leader=True)
    meeting = meetings.create_meeting(tree["a"], "Hội nghị giữa nhiệm kỳ", date(2025, 6, 1), by="test")
    meetings.set_attendance(meeting, [row.member_id for row in meeting.attendance], "present", by="test")
    session = ballots.create_session(meeting, kind="confidence", title="Lấy phiếu tín nhiệm",
                                     subjects=ballots.member_subjects([leader]), by="test")
    ballots.open_session(session, by="test")
    for code, choice in zip(ballots.issue_tokens(session, 3, mode="cli", by="test"),
                            ["tin-nhiem-thap", "tin-nhiem-thap", "tin-nhiem"], strict=True):
        ballots.cast_ballot(code, seal_choices(session, {"L01": choice}))
    ballots.close_session(session, by="test")
    tallying.tally_session(session, by="test")
    login(client, "xa-admin", tree["password"])
    client.set_cookie("lang", "vi")
    page = client.get(f"/grading/cycles/{tree['cycle'].id}/subjects/cadre:L01").get_data(as_text=True)
    assert "không quy ra mức xếp loại" in page and "tín nhiệm thấp 2 (66,67%)" in page  # Babel's vi decimal comma
    subject = grading.find_subject(tree["cycle"], "cadre:L01")
    assert subject.proposal is None and grading.suggested_level(subject) is None
    member_page = client.get(f"/grading/cycles/{tree['cycle'].id}/subjects/member:A00").get_data(as_text=True)
    assert "không quy ra mức xếp loại" not in member_page      # not a leader: nothing shown


def test_a_decisions_time_is_vietnams_on_the_page_and_in_the_export(client, tree, db):
    """Stored in UTC (20:05 on 1 December), shown as the wall clock in Vietnam (03:05 the next day)."""
    subject = propose(tree, tree["members"][0], GOOD)
    decision = grading.decide(subject, by=tree["admin"])
    decision.decided_at = datetime(2026, 12, 1, 20, 5, tzinfo=UTC)
    db.session.commit()
    login(client, "xa-admin", tree["password"])
    page = client.get(f"/grading/cycles/{tree['cycle'].id}/subjects/member:A00").get_data(as_text=True)
    assert "02/12/2026 03:05" in page and "01/12/2026 20:05" not in page
    rows = grading_exchange.export_rows(tree["cycle"], tree["a"])
    assert next(row for row in rows if row["key"] == "member:A00")["decided_at"] == "02/12/2026 03:05"

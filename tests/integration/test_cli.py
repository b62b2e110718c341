"""The `votingapp` command: each command does what it prints, and refusals exit 1 in both languages."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import func, select

from votingapp.models import Ballot, BallotSession, Member, Organization, User
from votingapp.services import accounts, ballots, demo

from ..helpers import seal_choices

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def _import_samples(runner):
    for command, name in (("import-organizations", "organizations.csv"), ("import-members", "members.csv")):
        result = runner.invoke(args=[command, str(SAMPLES / name)])
        assert result.exit_code == 0, result.output


def test_init_db_can_run_twice(runner):
    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
        assert "Database ready" in result.output


def test_create_user_prints_a_generated_password_that_logs_in(runner):
    result = runner.invoke(args=["create-user", "thu-ky", "--role", "auditor"])
    assert result.exit_code == 0, result.output
    password = re.search(r"with password: (\S+)", result.output).group(1)
    assert accounts.authenticate("thu-ky", password).role == "auditor"


def test_create_user_twice_exits_1_in_both_languages(runner):
    runner.invoke(args=["create-user", "thu-ky", "--password", "mot-hai-ba-bon"])
    result = runner.invoke(args=["create-user", "thu-ky", "--password", "mot-hai-ba-bon"])
    assert result.exit_code == 1
    assert "exists already" in result.output and "đã tồn tại" in result.output


def test_importing_the_sample_files_stores_every_row(runner, db):
    result = runner.invoke(args=["import-organizations", str(SAMPLES / "organizations.csv")])
    assert "20 organizations read, 20 created" in result.output
    result = runner.invoke(args=["import-members", str(SAMPLES / "members.csv")])
    assert "403 members read, 403 created" in result.output
    assert db.session.scalar(select(func.count()).select_from(Member)) == 403
    cell = db.session.scalar(select(Organization).where(Organization.code == "SL-01"))
    assert cell.parent.code == "SL" and len(cell.members) == 17


def test_a_file_with_errors_exits_1_names_every_bad_line_and_imports_nothing(runner, db):
    _import_samples(runner)
    result = runner.invoke(args=["import-members", str(SAMPLES / "members-with-errors.csv")])
    assert result.exit_code == 1
    assert "nothing was imported" in result.output and "chưa nhập dữ liệu nào" in result.output
    for line in (3, 4, 5, 6):
        assert f"line {line}, " in result.output
    assert "XX-99" in result.output and "31/02/1979" in result.output
    assert db.session.scalar(select(func.count()).select_from(Member).where(Member.code.like("DV9%"))) == 0


def test_demo_sets_up_a_meeting_an_open_session_on_the_leaders_and_a_chair(runner, db):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    session = db.session.scalar(select(BallotSession).where(BallotSession.title == demo.SESSION_TITLE))
    meeting = session.meeting
    assert meeting.organization.code == demo.CELL_CODE
    assert (meeting.present_count, meeting.summoned_count) == (15, 17)
    assert session.is_open and [s.key for s in session.subjects] == ["DV00001", "DV00002", "DV00003"]
    password = re.search(r'"Đăng nhập" as chu-tri, password (\S+)', result.output).group(1)
    assert accounts.authenticate("chu-tri", password).organization.code == demo.CELL_CODE
    assert f"simulate --session {session.id} --voters 15" in result.output
    assert f"/chair/sessions/{session.id}" in result.output
    for button in ("Tải thẻ phiếu (PDF)", "Mở màn hình phát phiếu", "Kết thúc bỏ phiếu…", "Kiểm phiếu"):
        assert f'"{button}"' in result.output  # as the Vietnamese pages name them


def test_demo_prints_the_port_scripts_serve_listens_on(runner, db, monkeypatch):
    monkeypatch.setenv("PORT", "8765")
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8765/login" in result.output and ":8000" not in result.output


def test_demo_has_a_draft_motion_for_the_official_members_and_the_minutes_details(runner, db):
    assert runner.invoke(args=["demo"]).exit_code == 0
    motion = db.session.scalar(select(BallotSession).where(BallotSession.title == demo.MOTION_TITLE))
    assert (motion.kind, motion.state, motion.electorate, motion.policy) == ("motion", "draft", "official",
                                                                             "dieu-le-motion")
    meeting = motion.meeting
    assert (meeting.place, meeting.chair_name) == (demo.PLACE, "Vũ Phương Nhung")


def test_demo_loads_the_province_commune_cell_tree_of_after_2025(runner, db):
    assert runner.invoke(args=["demo"]).exit_code == 0
    cell = db.session.scalar(select(BallotSession)).meeting.organization
    chain = [cell, *cell.ancestors()]
    assert [(o.code, o.level) for o in chain] == [("SL-01", "chi-bo"), ("SL", "co-so"), ("TU", "tinh")]
    assert [o.name for o in chain[1:]] == ["Đảng ủy xã Sơn Lâm", "Tỉnh ủy Sơn Hà"]
    assert db.session.scalar(select(func.count()).select_from(Organization).where(Organization.level == "huyen")) == 0


def test_levels_prints_the_table_top_down(runner):
    result = runner.invoke(args=["levels"])
    assert result.exit_code == 0, result.output
    rows = [line.split()[:2] for line in result.output.splitlines()[1:]]
    assert rows == [["tinh", "tỉnh"], ["huyen", "huyện"], ["co-so", "cơ"], ["chi-bo", "chi"]]
    assert "co-so    cơ sở     yes" in result.output


def test_demo_run_again_reuses_the_open_session_and_keeps_the_password(runner, db):
    runner.invoke(args=["demo"])
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(BallotSession)) == 3  # confidence, motion, rating
    assert db.session.scalar(select(func.count()).select_from(User)) == 2           # the chair and the commune
    assert "password unchanged" in result.output
    assert "members:       0 created, 0 updated" in result.output


def test_tally_refuses_an_open_session_then_closes_with_close_and_prints_counts(runner, make):
    session = make.open_session(subjects=2)
    first, second = (s.key for s in session.subjects)
    for token, choice in zip(ballots.issue_tokens(session, 3, mode="cli", by="test"),
                             ("tin-nhiem-cao", "tin-nhiem-cao", "tin-nhiem-thap"), strict=True):
        ballots.cast_ballot(token, seal_choices(session, {first: choice, second: "tin-nhiem"}))

    refused = runner.invoke(args=["tally", "--session", session.id])
    assert refused.exit_code == 1 and "still open" in refused.output and "vẫn đang mở" in refused.output

    result = runner.invoke(args=["tally", "--session", session.id, "--close"])
    assert result.exit_code == 0, result.output
    assert "received 3, valid 3, invalid 0" in result.output
    first_row = next(line for line in result.output.splitlines() if line.startswith(session.subjects[0].name))
    assert re.findall(r"\d+ \(", first_row) == ["2 (", "0 (", "1 ("]
    # the post follows the name, and the verdict reads as the minutes word it (1 low of 3: none)
    assert f"{session.subjects[0].name} – Bí thư chi bộ" in first_row
    assert first_row.endswith("Không thuộc diện xem xét / No consequence")
    again = runner.invoke(args=["tally", "--session", session.id])
    assert again.exit_code == 0 and again.output == result.output


def test_simulate_refuses_a_closed_session_and_issues_nothing(runner, make, db):
    session = make.open_session()
    ballots.close_session(session, by="test")
    result = runner.invoke(args=["simulate", "--session", session.id, "--voters", "3"])
    assert result.exit_code == 1
    assert "not open" in result.output and "không đang mở" in result.output
    assert session.issues == [] and db.session.scalar(select(func.count()).select_from(Ballot)) == 0


def test_unknown_session_exits_1_in_both_languages(runner):
    result = runner.invoke(args=["tally", "--session", "no-such-session"])
    assert result.exit_code == 1
    assert "No ballot session" in result.output and "Không có phiên" in result.output


def test_demo_shows_a_commune_whose_cells_are_at_every_stage_of_the_rating(runner, db):
    from datetime import date

    from votingapp.models import ReviewCycle
    from votingapp.services import grading_progress
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    cycle = db.session.scalar(select(ReviewCycle).where(ReviewCycle.year == date.today().year))
    assert "/grading/cycles/" in result.output and "log in as dang-uy-xa" in result.output
    cells = {node.organization.code: node.own for node in grading_progress.progress(cycle).children}
    rating = db.session.scalar(select(BallotSession).where(BallotSession.kind == "rating"))
    assert rating.meeting.organization.code == "SL-01" and rating.state == "draft"
    assert [s.key for s in rating.subjects][:2] == ["member:DV00001", "member:DV00002"]
    assert (cells["SL-02"]["self_assessments"], cells["SL-02"]["proposals"]) == (0, 0)
    assert cells["SL-03"]["self_assessments"] > 0 and cells["SL-03"]["proposals"] == 0
    assert cells["SL-04"]["proposals"] > 0 and cells["SL-04"]["decisions"] == 0
    assert cells["SL-05"]["decisions"] == cells["SL-05"]["proposals"] > 0
    last_year = grading_progress.distribution(
        db.session.scalar(select(ReviewCycle).where(ReviewCycle.year == cycle.year - 1)), cycle.organization)
    assert last_year["not_rated"] == 0 and last_year["levels"]["HTXSNV"] > 0


def test_grading_commands_open_vote_decide_and_export(runner, make, tmp_path):
    commune = make.organization(code="X-9", name="Đảng ủy xã", level="co-so")
    cell = make.organization(code="CB-9", name="Chi bộ", parent=commune)
    make.member(cell, code="M001")
    make.user(role="admin", organization=commune, username="xa9")
    created = runner.invoke(args=["grading", "create-cycle", "--as", "xa9", "--organization", "X-9", "--year", "2025"])
    assert created.exit_code == 0, created.output
    cycle_id = re.search(r"cycle (\d+)", created.output).group(1)
    vote = runner.invoke(args=["grading", "open-vote", "--as", "xa9", "--cycle", cycle_id, "--subject", "member:M001",
                               "--votes", "HTXSNV=4,HTTNV=3,HTNV=2,KHTNV=1", "--base", "10"])
    assert "7/10 votes for Good or better (> 1/2)" in vote.output
    refused = runner.invoke(args=["grading", "decide", "--as", "xa9", "--cycle", cycle_id, "--subject",
                                  "member:M001", "--level", "HTNV"])
    assert refused.exit_code == 1 and "reason" in refused.output and "lý do" in refused.output
    decided = runner.invoke(args=["grading", "decide", "--as", "xa9", "--cycle", cycle_id, "--subject", "member:M001"])
    assert decided.exit_code == 0 and "approve HTTNV" in decided.output
    out = tmp_path / "x.csv"
    exported = runner.invoke(args=["grading", "export", "--cycle", cycle_id, "--format", "csv", "--output", str(out)])
    assert exported.exit_code == 0 and "member:M001" in out.read_text(encoding="utf-8-sig")

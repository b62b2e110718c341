"""One whole meeting end to end, over real HTTP: import the district, record attendance, open a
confidence session, let simulated phones seal and cast through waitress, close, tally. The
tally must give back exactly what the phones chose, and count the faulty ballots as invalid."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from votingapp.domain import ballot_forms
from votingapp.models import Ballot, Organization
from votingapp.services import ballots, meetings

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
VOTERS, INVALID = 40, 4

pytestmark = [pytest.mark.slow]


def test_tally_equals_what_simulated_phones_cast_over_http(runner, db, live_server, tmp_path):
    for command, name in (("import-organizations", "organizations.csv"), ("import-members", "members.csv")):
        assert runner.invoke(args=[command, str(SAMPLES / name)]).exit_code == 0

    committee = db.session.scalar(select(Organization).where(Organization.code == "SL"))
    meeting = meetings.create_meeting(committee, "Hội nghị Đảng bộ xã Sơn Lâm", date(2026, 12, 5), by="test")
    summoned = sorted(meeting.attendance, key=lambda row: row.member.code)
    meetings.set_attendance(meeting, [row.member_id for row in summoned[:VOTERS]], "present", by="test")
    # the others are away with an approved reason: out of the base, so the 2/3 quorum holds
    meetings.set_attendance(meeting, [row.member_id for row in summoned[VOTERS:]], "absent_approved", by="test")
    leaders = [row.member for row in summoned if row.member.is_leader]
    session = ballots.create_session(meeting, kind=ballot_forms.CONFIDENCE, title="Lấy phiếu tín nhiệm",
                                     subjects=ballots.member_subjects(leaders), by="test")
    ballots.open_session(session, by="test")

    record = tmp_path / "votes.json"
    simulated = runner.invoke(args=["simulate", "--session", session.id, "--voters", str(VOTERS),
                                    "--invalid", str(INVALID), "--seed", "2026", "--url", live_server,
                                    "--record", str(record), "--concurrency", "8"])
    assert simulated.exit_code == 0, simulated.output
    chosen = json.loads(record.read_text(encoding="utf-8"))
    assert chosen["cast"] == VOTERS and chosen["refused"] == {}

    ballots.close_session(session, by="test")
    tallied = runner.invoke(args=["tally", "--session", session.id, "--json"])
    assert tallied.exit_code == 0, tallied.output
    document = json.loads(tallied.output)

    assert db.session.scalar(select(func.count()).select_from(Ballot)) == VOTERS
    assert document["ballots"] == {"received": VOTERS, "valid": VOTERS - INVALID, "invalid": INVALID,
                                   "invalid_by_reason": chosen["invalid_by_reason"]}
    assert sum(chosen["invalid_by_reason"].values()) == INVALID
    assert document["tokens"] == {"issued": VOTERS, "used": VOTERS, "void": 0}
    assert len(document["subjects"]) == len(leaders) > 1
    for subject in document["subjects"]:
        expected = chosen["choices"][subject["id"]]
        assert {option: n for option, n in subject["counts"].items() if n} == expected

"""A ready-to-try meeting: the sample province as it is after the 2025 reorganization
(Tỉnh ủy → đảng ủy xã, phường → chi bộ), a meeting of cell SL-01 with most members present,
an open confidence vote on its cấp ủy (the leaders, voted on by every member present), a
draft motion by secret ballot for the official members, and a chair account.

Safe to run again: the import updates what exists, the meeting and an open session are
reused, and the chair's password is only set (and shown) when the account is new.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from ..domain import ballot_forms, clock
from ..extensions import db
from ..models import BallotSession, Meeting, Organization, SessionState, User
from . import accounts, ballots, meetings
from .imports import ImportReport, import_members, import_organizations

DATA_DIR = Path(__file__).resolve().parent.parent / "demo_data"
CELL_CODE = "SL-01"
CHAIR_USERNAME = "chu-tri"
MEETING_TITLE = "Hội nghị kiểm điểm, đánh giá, xếp loại chất lượng năm 2025"
SESSION_TITLE = "Lấy phiếu tín nhiệm cấp ủy chi bộ"
MOTION_TITLE = "Biểu quyết thông qua nghị quyết hội nghị"
MOTION_TEXT = "Thông qua Nghị quyết Hội nghị kiểm điểm, đánh giá, xếp loại chất lượng năm 2025 của Chi bộ"
#: what the minutes print of the meeting (its place; chair and secretary are the cell's own)
PLACE = "Nhà văn hóa thôn Sơn Lâm"
#: members left absent, so the demo shows "present of summoned" and the 2/3 quorum
ABSENT = 2


@dataclass
class DemoSetup:
    organizations: ImportReport
    members: ImportReport
    meeting: Meeting
    session: BallotSession
    motion: BallotSession
    chair: User
    #: the chair's password when the account was created now, else None
    chair_password: str | None


def _import_samples(by) -> tuple[ImportReport, ImportReport]:
    orgs_file, members_file = DATA_DIR / "organizations.csv", DATA_DIR / "members.csv"
    return (import_organizations(orgs_file.read_bytes(), orgs_file.name, by=by),
            import_members(members_file.read_bytes(), members_file.name, by=by))


def _meeting(cell: Organization, by) -> Meeting:
    meeting = db.session.scalar(select(Meeting).where(Meeting.organization_id == cell.id,
                                                      Meeting.title == MEETING_TITLE).order_by(Meeting.id))
    if meeting is None:
        meeting = meetings.create_meeting(cell, MEETING_TITLE, clock.today(), by=by)
        rows = sorted(meeting.attendance, key=lambda row: row.member.code)
        posts = {row.member.post: row.member.full_name for row in rows}
        meetings.update_meeting_details(meeting, {"place": PLACE, "chair_name": posts.get("Bí thư chi bộ", ""),
                                                  "secretary_name": posts.get("Phó Bí thư chi bộ", "")}, by=by)
        meetings.set_attendance(meeting, [row.member_id for row in rows[:len(rows) - ABSENT]], "present", by=by)
    return meeting


def _open_session(meeting: Meeting, by) -> BallotSession:
    """The meeting's open demo session, else a fresh one on the cell's leaders."""
    for session in meeting.sessions:
        if session.title == SESSION_TITLE and session.state in (SessionState.OPEN.value, SessionState.DRAFT.value):
            break
    else:
        leaders = sorted((row.member for row in meeting.attendance if row.member.is_leader), key=lambda m: m.code)
        session = ballots.create_session(meeting, kind=ballot_forms.CONFIDENCE, title=SESSION_TITLE,
                                         subjects=ballots.member_subjects(leaders), by=by)
    if session.state == SessionState.DRAFT.value:
        ballots.open_session(session, by=by)
    return session


def _draft_motion(meeting: Meeting, by) -> BallotSession:
    """A motion by secret ballot, left as a draft: its electorate is the official members."""
    for session in meeting.sessions:
        if session.title == MOTION_TITLE:
            return session
    return ballots.create_session(meeting, kind=ballot_forms.MOTION, title=MOTION_TITLE,
                                  subjects=[{"key": ballot_forms.MOTION_SUBJECT, "name": MOTION_TEXT}], by=by)


def _chair(cell: Organization, by) -> tuple[User, str | None]:
    chair = db.session.scalar(select(User).where(User.username == CHAIR_USERNAME))
    if chair is not None:
        return chair, None
    password = accounts.new_password()
    return accounts.create_user(CHAIR_USERNAME, password, "chair", cell, by=by), password


def set_up_demo(*, by="demo") -> DemoSetup:
    organizations, members = _import_samples(by)
    cell = db.session.scalar(select(Organization).where(Organization.code == CELL_CODE))
    assert cell is not None  # the sample organizations just imported hold it
    meeting = _meeting(cell, by)
    session = _open_session(meeting, by)
    motion = _draft_motion(meeting, by)
    chair, password = _chair(cell, by)
    return DemoSetup(organizations, members, meeting, session, motion, chair, password)

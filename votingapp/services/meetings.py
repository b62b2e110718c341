"""Organizations, meetings and attendance."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ..domain import electorate
from ..extensions import db
from ..models import Attendance, Meeting, Member, Organization
from . import audit, levels
from ..domain.text import Field
from .errors import ServiceError, code_input, text_input


def create_organization(code: str, name: str, level: str = "chi-bo", parent: Organization | None = None,
                        *, by="system") -> Organization:
    code = code_input(code, ORGANIZATION_CODE, max_length=40)
    name = text_input(name, ORGANIZATION_NAME, max_length=200)
    if level not in levels.level_codes():
        raise ServiceError("invalid_input", "An organization needs a code, a name and a level.",
                           "Tổ chức cần có mã, tên và cấp.")
    if db.session.scalar(select(Organization).where(Organization.code == code)):
        raise ServiceError("conflict", f"Organization code {code} exists already.", f"Mã tổ chức {code} đã tồn tại.")
    organization = Organization(code=code, name=name, level=level, parent=parent)
    db.session.add(organization)
    audit.record(audit.actor_name(by), "create_organization", f"organization:{code}")
    db.session.commit()
    return organization


#: the meeting facts the minutes print, with their longest length and their names in both languages
DETAILS = {"place": (200, Field("place", "The place", "Địa điểm")),
           "chair_name": (120, Field("chair_name", "The chair's name", "Tên người chủ trì")),
           "secretary_name": (120, Field("secretary_name", "The secretary's name", "Tên thư ký"))}
ORGANIZATION_CODE = Field("code", "The organization code", "Mã tổ chức")
ORGANIZATION_NAME = Field("name", "The organization name", "Tên tổ chức")
MEETING_TITLE = Field("title", "The meeting title", "Tiêu đề hội nghị")


def meeting_details(values: dict) -> dict:
    """Place, chair and secretary as typed (trimmed); bad text is refused, missing is empty."""
    return {name: text_input(values.get(name), field, max_length=longest, required=False)
            for name, (longest, field) in DETAILS.items()}


def update_meeting_details(meeting: Meeting, values: dict, *, by) -> Meeting:
    """Set the place, chair and secretary the minutes print; a tally made earlier keeps what it copied."""
    details = meeting_details(values)
    for name, value in details.items():
        setattr(meeting, name, value)
    audit.record(audit.actor_name(by), "update_meeting", f"meeting:{meeting.id}", **details)
    db.session.commit()
    return meeting


def create_meeting(organization: Organization, title: str, held_on: date, *, by, details: dict | None = None) -> Meeting:
    """A meeting summons every member of the organization and its subtree; all start absent.
    `details` may name the place, chair and secretary (meeting_details)."""
    title = text_input(title, MEETING_TITLE, max_length=300)
    extra = meeting_details(details or {})
    org_ids = [o.id for o in organization.subtree()]
    members = db.session.scalars(select(Member).where(Member.organization_id.in_(org_ids))
                                 .order_by(Member.code)).all()
    meeting = Meeting(organization=organization, title=title, held_on=held_on, **extra,
                      attendance=[Attendance(member=m, status=electorate.ABSENT) for m in members])
    db.session.add(meeting)
    db.session.flush()
    audit.record(audit.actor_name(by), "create_meeting", f"meeting:{meeting.id}", summoned=len(members))
    db.session.commit()
    return meeting


def set_attendance(meeting: Meeting, member_ids, status: str, reason: str | None = None, *, by) -> int:
    """The one write of attendance: give these summoned members `status` (with `reason` when
    excluded). Refused, changing nothing, when present voters would drop below the ballot
    codes an open session has already handed out, or once the meeting's voting is over
    (attendance_frozen). Returns how many rows changed."""
    from . import ballots  # ballots builds on meetings
    try:
        electorate.check_attendance(status, reason)
    except electorate.AttendanceProblem:
        raise ServiceError("invalid_input",
                           f"Attendance is one of {', '.join(electorate.ATTENDANCE_STATUSES)}; an excluded member "
                           f"needs a reason among {', '.join(electorate.EXCLUSION_REASONS)}.",
                           f"Điểm danh là một trong {', '.join(electorate.ATTENDANCE_STATUSES)}; người không tính "
                           f"vào tổng số cần lý do trong {', '.join(electorate.EXCLUSION_REASONS)}.") from None
    if attendance_frozen(meeting):
        raise ServiceError("conflict", "Voting in this meeting is closed: its attendance is frozen.",
                           "Việc bỏ phiếu của hội nghị đã kết thúc: danh sách có mặt đã được chốt.")
    ballots.lock_open_sessions(meeting)  # the locks issuing takes: the two never interleave
    wanted = set(member_ids)
    changed = 0
    for row in meeting.attendance:
        if row.member_id in wanted and (row.status, row.excluded_reason) != (status, reason):
            row.status, row.excluded_reason = status, reason
            changed += 1
    if changed:
        db.session.flush()
        try:
            ballots.check_ballot_cap(meeting)
        except ServiceError:
            db.session.rollback()
            raise
        audit.record(audit.actor_name(by), "set_attendance", f"meeting:{meeting.id}",
                     status=status, reason=reason, count=changed)
    db.session.commit()
    return changed


def attendance_frozen(meeting: Meeting) -> bool:
    """Attendance is the basis of the counts each board freezes at close: once every session
    of the meeting is closed, it no longer changes (a new draft session opens it again)."""
    states = [session.state for session in meeting.sessions]
    return bool(states) and all(state in ("closed", "tallied") for state in states)


def set_member_status(member: Member, status: str, *, by) -> Member:
    """Official (chính thức) or probationary (dự bị): who may vote on motions."""
    if status not in electorate.MEMBER_STATUSES:
        raise ServiceError("invalid_input", "A member's status is official or probationary.",
                           "Đảng viên là chính thức (official) hoặc dự bị (probationary).")
    if member.status != status:
        member.status = status
        audit.record(audit.actor_name(by), "set_member_status", f"member:{member.code}", status=status)
    db.session.commit()
    return member

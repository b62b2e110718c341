"""Organizations, meetings and attendance."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ..catalog import N_
from ..domain import electorate
from ..domain.text import Field
from ..extensions import db
from ..models import ActivityEvent, Attendance, BallotSession, Meeting, Member, Organization
from . import activity, levels, permissions
from .errors import ServiceError, code_input, text_input


def create_organization(code: str, name: str, level: str = "chi-bo", parent: Organization | None = None,
                        *, by="system") -> Organization:
    permissions.check(by, "can_administer", parent)
    if parent is None:  # a top-level organization: the whole installation's business
        permissions.check(by, "is_installation_wide")
    code = code_input(code, ORGANIZATION_CODE, max_length=40)
    name = text_input(name, ORGANIZATION_NAME, max_length=200)
    if level not in levels.level_codes():
        raise ServiceError("invalid_input", N_("An organization needs a code, a name and a level."))
    if db.session.scalar(select(Organization).where(Organization.code == code)):
        raise ServiceError("conflict", N_("Organization code %(code)s exists already.", code=code))
    organization = Organization(code=code, name=name, level=level, parent=parent)
    db.session.add(organization)
    activity.record(activity.actor_name(by), "create_organization", f"organization:{code}")
    db.session.commit()
    return organization


#: the meeting facts the minutes print, with their longest length and their names in both languages
DETAILS = {"place": (200, Field("place", N_("The place"))),
           "chair_name": (120, Field("chair_name", N_("The chair's name"))),
           "secretary_name": (120, Field("secretary_name", N_("The secretary's name")))}
ORGANIZATION_CODE = Field("code", N_("The organization code"))
ORGANIZATION_NAME = Field("name", N_("The organization name"))
MEETING_TITLE = Field("title", N_("The meeting title"))


def meeting_details(values: dict) -> dict:
    """Place, chair and secretary as typed (trimmed); bad text is refused, missing is empty."""
    return {name: text_input(values.get(name), field, max_length=longest, required=False)
            for name, (longest, field) in DETAILS.items()}


def update_meeting_details(meeting: Meeting, values: dict, *, by) -> Meeting:
    """Set the place, chair and secretary the minutes print; a tally made earlier keeps what it copied."""
    permissions.check(by, "can_run_meetings", meeting.organization)
    details = meeting_details(values)
    for name, value in details.items():
        setattr(meeting, name, value)
    activity.record(activity.actor_name(by), "update_meeting", f"meeting:{meeting.id}", **details)
    db.session.commit()
    return meeting


def create_meeting(organization: Organization, title: str, held_on: date, *, by,
                   details: dict | None = None) -> Meeting:
    """A meeting summons every member of the organization and its subtree; all start absent.
    `details` may name the place, chair and secretary (meeting_details)."""
    permissions.check(by, "can_run_meetings", organization)
    title = text_input(title, MEETING_TITLE, max_length=300)
    extra = meeting_details(details or {})
    org_ids = [o.id for o in organization.subtree()]
    members = db.session.scalars(select(Member).where(Member.organization_id.in_(org_ids))
                                 .order_by(Member.code)).all()
    meeting = Meeting(organization=organization, title=title, held_on=held_on, **extra,
                      attendance=[Attendance(member=m, status=electorate.ABSENT) for m in members])
    db.session.add(meeting)
    db.session.flush()
    activity.record(activity.actor_name(by), "create_meeting", f"meeting:{meeting.id}", summoned=len(members))
    db.session.commit()
    return meeting


def set_attendance(meeting: Meeting, member_ids, status: str, reason: str | None = None, *, by) -> int:
    """The one write of attendance: give these summoned members `status` (with `reason` when
    excluded). Refused, changing nothing, when present voters would drop below the ballot
    codes an open session has already handed out, or once the meeting's voting is over
    (attendance_frozen). Returns how many rows changed."""
    permissions.check(by, "can_run_meetings", meeting.organization)
    try:
        electorate.check_attendance(status, reason)
    except electorate.AttendanceProblem:
        raise ServiceError("invalid_input",
                           N_("Attendance is one of %(attendance_statuses)s; an excluded member needs a reason "
                              "among %(exclusion_reasons)s.",
                              attendance_statuses=", ".join(electorate.ATTENDANCE_STATUSES),
                              exclusion_reasons=", ".join(electorate.EXCLUSION_REASONS))) from None
    wanted = set(member_ids)
    changes = {row.member_id: (status, reason) for row in meeting.attendance if row.member_id in wanted}
    return _apply_attendance(meeting, changes, "set_attendance", {"status": status, "reason": reason}, by=by)


def _apply_attendance(meeting: Meeting, changes: dict, action: str, details: dict, *, by) -> int:
    """Give members their (status, reason), under the ballot cap's locks and check, and log the
    change with each changed member's previous status, which is what undo restores."""
    from . import ballots  # ballots builds on meetings
    if attendance_frozen(meeting):
        raise ServiceError("conflict", N_("Voting in this meeting is closed: its attendance is frozen."))
    ballots.lock_open_sessions(meeting)  # the locks issuing takes: the two never interleave
    previous = []
    for row in meeting.attendance:
        wanted = changes.get(row.member_id)
        if wanted is not None and (row.status, row.excluded_reason) != tuple(wanted):
            previous.append([row.member_id, row.status, row.excluded_reason])
            row.status, row.excluded_reason = wanted
    if previous:
        db.session.flush()
        try:
            ballots.check_ballot_cap(meeting)
        except ServiceError:
            db.session.rollback()
            raise
        activity.record(activity.actor_name(by), action, f"meeting:{meeting.id}", count=len(previous),
                     previous=previous, **details)
    db.session.commit()
    return len(previous)


def undo_last_attendance_change(meeting: Meeting, *, by) -> int:
    """Put back the statuses the latest attendance change (not yet undone) replaced; returns how
    many rows changed back. Refused like any change (frozen, or below the codes handed out)."""
    permissions.check(by, "can_run_meetings", meeting.organization)
    events = db.session.scalars(select(ActivityEvent).where(
        ActivityEvent.target == f"meeting:{meeting.id}",
        ActivityEvent.action.in_(("set_attendance", "undo_attendance"))).order_by(ActivityEvent.id.desc())).all()
    undone = {event.details.get("undid") for event in events if event.action == "undo_attendance"}
    last = next((event for event in events if event.action == "set_attendance" and event.id not in undone
                 and event.details.get("previous")), None)
    if last is None:
        raise ServiceError("conflict", N_("There is no attendance change to undo."))
    changes = {member_id: (status, reason) for member_id, status, reason in last.details["previous"]}
    return _apply_attendance(meeting, changes, "undo_attendance", {"undid": last.id}, by=by)


def attendance_frozen(meeting: Meeting) -> bool:
    """Attendance is the basis of the counts each board freezes at close: once every session
    of the meeting is closed, it no longer changes (a new draft session opens it again)."""
    states = [session.state for session in meeting.sessions]
    return bool(states) and all(state in ("closed", "tallied") for state in states)


def set_member_status(member: Member, status: str, *, by) -> Member:
    """Official (chính thức) or probationary (dự bị): who may vote on motions."""
    permissions.check(by, "can_run_meetings", member.organization)
    if status not in electorate.MEMBER_STATUSES:
        raise ServiceError("invalid_input", N_("A member's status is official or probationary."))
    if member.status != status:
        member.status = status
        hold_ballot_caps([member.id])
        activity.record(activity.actor_name(by), "set_member_status", f"member:{member.code}", status=status)
    db.session.commit()
    return member


def hold_ballot_caps(member_ids) -> None:
    """After members' statuses change (flushed here, not committed): an official-members
    electorate may have shrunk, so refuse (rolling back) when an open session of a meeting
    that summoned them has handed out more codes than its voters present. Without this, a
    status switched to official and back would let a chair hand out codes past the cap."""
    from . import ballots  # ballots builds on meetings
    db.session.flush()
    voting = db.session.scalars(
        select(Meeting).join(Attendance, Attendance.meeting_id == Meeting.id)
        .join(BallotSession, BallotSession.meeting_id == Meeting.id)
        .where(Attendance.member_id.in_(list(member_ids)), BallotSession.state == "open")).unique().all()
    try:
        for meeting in voting:
            ballots.lock_open_sessions(meeting)
            ballots.check_ballot_cap(meeting)
    except ServiceError:
        db.session.rollback()
        raise

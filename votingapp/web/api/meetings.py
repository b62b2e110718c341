"""Meetings: create, read, the details the minutes print, and attendance."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from ...catalog import N_
from ...domain import electorate as rules
from ...models import Meeting
from ...services import attendance, directory, meetings
from ..common import get_meeting_or_404
from . import bp, schemas
from .auth import READERS, staff_api
from .fields import body, invalid, organization_by_code, query, summoned_members
from .openapi import documented
from .sessions import session_summary

TAG = "meetings"
MEETING_ID = {"meeting_id": "The meeting's id."}


def meeting_summary(meeting: Meeting) -> dict[str, Any]:
    return {"id": meeting.id, "title": meeting.title, "held_on": meeting.held_on,
            "organization": meeting.organization.code,
            "summoned": meeting.summoned_count, "present": meeting.present_count,
            "place": meeting.place, "chair_name": meeting.chair_name, "secretary_name": meeting.secretary_name}


def meeting_json(meeting) -> dict:
    quorum = attendance.summarize(meeting)
    details: dict[str, Any] = {
        "excluded": quorum.excluded, "base": quorum.base,
        "quorum": {"met": quorum.quorum_met, "needed": quorum.needed},
        "attendance": [{"code": row.member.code, "full_name": row.member.full_name, "member_status": row.member.status,
                        "present": row.present, "status": row.status, "reason": row.excluded_reason}
                       for row in attendance.rows(meeting)],
        "sessions": [session_summary(session) for session in meeting.sessions],
    }
    return schemas.Meeting(**meeting_summary(meeting), **details).model_dump(mode="json", exclude_unset=True)


@bp.get("/meetings")
@staff_api(READERS)
@documented(query=schemas.MeetingList, answers={200: schemas.MeetingsPage}, errors=(400,), tag=TAG)
def list_meetings(user):
    """Meetings in scope, latest first"""
    limit = query(schemas.MeetingList).limit
    return jsonify(schemas.MeetingsPage(meetings=[schemas.MeetingSummary(**meeting_summary(m))
                                                  for m in directory.recent_meetings(user, limit)])
                   .model_dump(mode="json"))


@bp.post("/meetings")
@staff_api()
@documented(json=schemas.MeetingCreate, answers={201: schemas.Meeting}, tag=TAG)
def create_meeting(user):
    """Create a meeting (summons the subtree's members, all absent)"""
    data = body(schemas.MeetingCreate)
    organization = organization_by_code(data.organization, user, field="organization")
    meeting = meetings.create_meeting(organization, data.title, data.held_on, by=user, details=_details(data))
    return jsonify(meeting_json(meeting)), 201


def _details(data: schemas.MeetingDetails) -> dict:
    """The place, chair and secretary given in the body (the service checks lengths)."""
    return {name: getattr(data, name) for name in meetings.DETAILS if name in data.model_fields_set}


@bp.get("/meetings/<int:meeting_id>")
@staff_api(READERS)
@documented(answers={200: schemas.Meeting}, errors=(404,), tag=TAG, path_parameters=MEETING_ID)
def get_meeting(meeting_id, user):
    """A meeting: attendance, quorum, sessions"""
    return jsonify(meeting_json(get_meeting_or_404(meeting_id, for_user=user)))


@bp.patch("/meetings/<int:meeting_id>")
@staff_api()
@documented(json=schemas.MeetingDetails, answers={200: schemas.Meeting}, tag=TAG, path_parameters=MEETING_ID)
def update_meeting(meeting_id, user):
    """Set the place, chair and secretary the minutes print

    Fields left out keep their value.
    """
    meeting = get_meeting_or_404(meeting_id, for_user=user)
    given = _details(body(schemas.MeetingDetails))
    current = {name: getattr(meeting, name) for name in meetings.DETAILS}
    meetings.update_meeting_details(meeting, current | given, by=user)
    return jsonify(meeting_json(meeting))


#: the lists of an attendance update, by status; "excluded" maps each reason to its list
ATTENDANCE_LISTS = (rules.PRESENT, rules.ABSENT, rules.ABSENT_APPROVED)


def attendance_changes(meeting, data: schemas.AttendanceUpdate) -> list[tuple[str, str | None, list]]:
    """(status, reason, members) for each list given; a code may appear in one list only."""
    changes: list[tuple[str, str | None, list]]
    changes = [(status, None, summoned_members(meeting, getattr(data, status), status))
               for status in ATTENDANCE_LISTS]
    changes += [(rules.EXCLUDED, reason, summoned_members(meeting, getattr(data.excluded, reason), reason))
                for reason in rules.EXCLUSION_REASONS]
    seen: dict[str, str] = {}
    for status, reason, members in changes:
        field = reason or status
        repeated = sorted(m.code for m in members if m.code in seen)
        if repeated:
            raise invalid(field, N_("repeats codes listed under %(other)s: %(repeated)s.",
                                    other=seen[repeated[0]], repeated=", ".join(repeated)), unknown=repeated)
        seen.update((m.code, field) for m in members)
    return [change for change in changes if change[2]]


@bp.post("/meetings/<int:meeting_id>/attendance")
@staff_api()
@documented(json=schemas.AttendanceUpdate, answers={200: schemas.Meeting}, tag=TAG, path_parameters=MEETING_ID)
def record_attendance(meeting_id, user):
    """Record attendance: present, absent, absent with an approved reason, excluded"""
    meeting = get_meeting_or_404(meeting_id, for_user=user)
    data = body(schemas.AttendanceUpdate)
    for status, reason, members in attendance_changes(meeting, data):
        meetings.set_attendance(meeting, [m.id for m in members], status, reason, by=user)
    return jsonify(meeting_json(meeting))

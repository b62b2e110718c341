"""Attendance at a meeting: each summoned member's status, and whether the 2/3 quorum holds.

Attendance is public (it is the basis of one ballot per attendee) and lives apart from tokens
and ballots; nothing here touches either. Writes go through meetings.set_attendance, which
logs and keeps the ballot cap.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ..catalog import N_
from ..domain import electorate
from ..domain.quorum import needed_for_quorum, quorum_met
from ..domain.search import matches
from ..extensions import db
from ..models import Attendance, Meeting
from . import meetings
from .errors import ServiceError


@dataclass(frozen=True)
class AttendanceSummary:
    summoned: int
    present: int
    quorum_met: bool
    #: the fewest present that would meet the quorum
    needed: int
    #: out of the base: the lawful exclusions and those absent with an approved reason
    excluded: int = 0
    #: summoned less excluded: what the 2/3 is taken of
    base: int = 0


def summarize(meeting: Meeting) -> AttendanceSummary:
    """The whole meeting (everyone summoned); a session's own electorate is services.electorate."""
    by_status = dict(db.session.execute(
        select(Attendance.status, func.count()).where(Attendance.meeting_id == meeting.id)
        .group_by(Attendance.status)).all())
    summoned = sum(by_status.values())
    excluded = sum(n for status, n in by_status.items() if electorate.out_of_base(status))
    present, base = by_status.get(electorate.PRESENT, 0), summoned - excluded
    return AttendanceSummary(summoned, present, quorum_met(base, present), needed_for_quorum(base), excluded, base)


def rows(meeting: Meeting, query: str = "") -> list[Attendance]:
    """The summoned members in code order, filtered by a quick search on code, name or post."""
    ordered = sorted(meeting.attendance, key=lambda row: row.member.code)
    return [row for row in ordered if matches(query, row.member.code, row.member.full_name, row.member.post)]


def row_of(meeting: Meeting, member_id: int) -> Attendance:
    for row in meeting.attendance:
        if row.member_id == member_id:
            return row
    raise ServiceError("not_found", N_("This member was not summoned to the meeting."))


def mark(meeting: Meeting, member_id: int, status: str, reason: str | None = None, *, by) -> Attendance:
    """Set one summoned member's attendance; returns their row."""
    row = row_of(meeting, member_id)
    meetings.set_attendance(meeting, [member_id], status, reason, by=by)
    return row


def mark_everyone(meeting: Meeting, status: str, *, by) -> int:
    """Mark every summoned member present (or absent); returns how many rows changed."""
    return meetings.set_attendance(meeting, [row.member_id for row in meeting.attendance], status, by=by)

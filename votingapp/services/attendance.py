"""Attendance at a meeting: who is present, and whether the 2/3 quorum holds.

Attendance is public (it is the basis of one ballot per attendee) and lives apart from tokens
and ballots; nothing here touches either. Writes go through meetings.set_presence, which logs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..domain.quorum import QUORUM, quorum_met
from ..domain.search import matches
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


def summarize(meeting: Meeting) -> AttendanceSummary:
    summoned, present = meeting.summoned_count, meeting.present_count
    needed = math.ceil(QUORUM * summoned)
    return AttendanceSummary(summoned, present, quorum_met(summoned, present), needed)


def rows(meeting: Meeting, query: str = "") -> list[Attendance]:
    """The summoned members in code order, filtered by a quick search on code, name or post."""
    ordered = sorted(meeting.attendance, key=lambda row: row.member.code)
    return [row for row in ordered if matches(query, row.member.code, row.member.full_name, row.member.post)]


def row_of(meeting: Meeting, member_id: int) -> Attendance:
    for row in meeting.attendance:
        if row.member_id == member_id:
            return row
    raise ServiceError("not_found", "This member was not summoned to the meeting.",
                       "Đảng viên này không có trong danh sách triệu tập.")


def mark(meeting: Meeting, member_id: int, present: bool, *, by) -> Attendance:
    """Mark one summoned member present or absent; returns their row."""
    row = row_of(meeting, member_id)
    meetings.set_presence(meeting, [member_id], present, by=by)
    return row


def mark_everyone(meeting: Meeting, present: bool, *, by) -> int:
    """Mark every summoned member present (or absent); returns how many rows changed."""
    return meetings.set_presence(meeting, [row.member_id for row in meeting.attendance], present, by=by)

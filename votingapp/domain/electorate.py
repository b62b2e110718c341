"""Who may vote in a session and who counts in its base (docs/rules.md §2).

Pure: plain values only. A member is official (chính thức) or probationary (dự bị); at a
meeting each summoned member has one attendance status; a session names its electorate.
"""

from __future__ import annotations

#: member statuses: a probationary member has every right except voting on motions (Điều lệ, Điều 3)
OFFICIAL, PROBATIONARY = "official", "probationary"
MEMBER_STATUSES = (OFFICIAL, PROBATIONARY)

#: attendance statuses of one summoned member
PRESENT = "present"
ABSENT_APPROVED = "absent_approved"   # absent throughout, with a reason the committee approved
ABSENT = "absent"                     # absent without an approved reason
EXCLUDED = "excluded"                 # excluded from the base for one of EXCLUSION_REASONS
ATTENDANCE_STATUSES = (PRESENT, ABSENT_APPROVED, ABSENT, EXCLUDED)

#: why a member is excluded from the base (Quy định 24-QĐ/TW, 9.3). An exempted member who
#: attends is simply marked present: they count and vote.
ATTACHED_ELSEWHERE = "attached_elsewhere"   # sinh hoạt tạm thời nơi khác
EXEMPTED = "exempted"                       # miễn sinh hoạt, and absent
SUSPENDED = "suspended"                     # đình chỉ sinh hoạt
DETAINED = "detained"                       # bị truy tố, tạm giam
EXCLUSION_REASONS = (ATTACHED_ELSEWHERE, EXEMPTED, SUSPENDED, DETAINED)

#: session electorates: everyone summoned, official members only, or a chosen body (cấp ủy)
ALL, OFFICIAL_ONLY, BODY = "all", "official", "body"
ELECTORATES = (ALL, OFFICIAL_ONLY, BODY)


class AttendanceProblem(ValueError):
    """A status/reason pair that does not fit together."""


def check_attendance(status: str, reason: str | None) -> None:
    """An excluded member needs one of EXCLUSION_REASONS; no other status takes a reason."""
    if status not in ATTENDANCE_STATUSES:
        raise AttendanceProblem(f"unknown attendance status {status!r}")
    if status == EXCLUDED and reason not in EXCLUSION_REASONS:
        raise AttendanceProblem("an excluded member needs a reason")
    if status != EXCLUDED and reason is not None:
        raise AttendanceProblem("only an excluded member has a reason")


def out_of_base(status: str) -> bool:
    """Excluded from the base: the lawful exclusions and those absent throughout with an
    approved reason (QĐ 24-QĐ/TW, 9.3). Absent without a reason stays in the base."""
    return status in (EXCLUDED, ABSENT_APPROVED)


def default_electorate(kind: str) -> str:
    """Motions and rating ballots are voted by official members only (Điều lệ Đảng, Điều 3:
    probationary members do not vote); confidence ballots by everyone summoned."""
    return OFFICIAL_ONLY if kind in OFFICIAL_KINDS else ALL


#: the kinds only official members vote on
OFFICIAL_KINDS = ("motion", "rating")

"""Organizations, meetings and attendance."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ..extensions import db
from ..models import Attendance, Meeting, Member, Organization
from ..models.organizations import LEVELS
from . import audit
from .errors import ServiceError


def create_organization(code: str, name: str, level: str = "chi-bo", parent: Organization | None = None,
                        *, by="system") -> Organization:
    code, name = (code or "").strip(), (name or "").strip()
    if not code or not name or level not in LEVELS:
        raise ServiceError("invalid_input", "An organization needs a code, a name and a level.",
                           "Tổ chức cần có mã, tên và cấp.")
    if len(code) > 40 or len(name) > 200:
        raise ServiceError("invalid_input", "The code may have at most 40 characters and the name 200.",
                           "Mã tổ chức tối đa 40 ký tự, tên tối đa 200 ký tự.")
    if db.session.scalar(select(Organization).where(Organization.code == code)):
        raise ServiceError("conflict", f"Organization code {code} exists already.", f"Mã tổ chức {code} đã tồn tại.")
    organization = Organization(code=code, name=name, level=level, parent=parent)
    db.session.add(organization)
    audit.record(audit.actor_name(by), "create_organization", f"organization:{code}")
    db.session.commit()
    return organization


#: the meeting facts the minutes print, with their longest length and their names in both languages
DETAILS = {"place": (200, "The place", "Địa điểm"), "chair_name": (120, "The chair's name", "Tên người chủ trì"),
           "secretary_name": (120, "The secretary's name", "Tên thư ký")}


def meeting_details(values: dict) -> dict:
    """Place, chair and secretary as typed (trimmed); too long is refused, missing is empty."""
    details = {}
    for name, (longest, english, vietnamese) in DETAILS.items():
        value = values.get(name)
        value = value.strip() if isinstance(value, str) else ""
        if len(value) > longest:
            raise ServiceError("invalid_input", f"{english} may have at most {longest} characters.",
                               f"{vietnamese} tối đa {longest} ký tự.")
        details[name] = value
    return details


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
    title = (title or "").strip()
    if not title or len(title) > 300:
        raise ServiceError("invalid_input", "A title of 1 to 300 characters is required.",
                           "Cần nhập tiêu đề từ 1 đến 300 ký tự.")
    extra = meeting_details(details or {})
    org_ids = [o.id for o in organization.subtree()]
    members = db.session.scalars(select(Member).where(Member.organization_id.in_(org_ids))
                                 .order_by(Member.code)).all()
    meeting = Meeting(organization=organization, title=title, held_on=held_on, **extra,
                      attendance=[Attendance(member=m, present=False) for m in members])
    db.session.add(meeting)
    db.session.flush()
    audit.record(audit.actor_name(by), "create_meeting", f"meeting:{meeting.id}", summoned=len(members))
    db.session.commit()
    return meeting


def set_presence(meeting: Meeting, member_ids, present: bool, *, by) -> int:
    """Mark members present or absent; returns how many rows changed."""
    wanted = set(member_ids)
    changed = 0
    for row in meeting.attendance:
        if row.member_id in wanted and row.present != present:
            row.present = present
            changed += 1
    if changed:
        audit.record(audit.actor_name(by), "set_attendance", f"meeting:{meeting.id}",
                     present=present, count=changed)
    db.session.commit()
    return changed

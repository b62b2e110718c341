from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    event,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.electorate import ATTENDANCE_STATUSES, EXCLUDED, EXCLUSION_REASONS, MEMBER_STATUSES, OFFICIAL, PRESENT
from ..domain.levels import SEED_LEVELS, Level
from ..extensions import db
from .base import Model, UTCDateTime, utcnow

if TYPE_CHECKING:
    from .ballots import BallotSession


class OrganizationLevel(Model):
    """A level of the tree (tỉnh, cơ sở, chi bộ, ...): its names and place in the order are
    data, since reorganizations change the tree (domain.levels)."""
    __tablename__ = "organization_levels"

    #: stored on organizations.level, e.g. "co-so"
    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    #: the word the spreadsheets' "Cấp" column uses, e.g. "cơ sở" (read without regard to case)
    label: Mapped[str] = mapped_column(String(40), unique=True)
    #: the name pages show, in Vietnamese and in English
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    #: order from the top of the tree down (lists sort by it)
    position: Mapped[int] = mapped_column(Integer)
    #: the grassroots level (tổ chức cơ sở đảng): grading quotas count per grassroots organization
    is_grassroots: Mapped[bool] = mapped_column(Boolean, default=False)

    def to_level(self) -> Level:
        return Level(self.code, self.label, self.name_vi, self.name_en, self.position, self.is_grassroots)


@event.listens_for(OrganizationLevel.__table__, "after_create")
def _seed_levels(table, connection, **_):
    """create_all (tests, a throwaway database) starts with the levels migration 0002 inserts."""
    connection.execute(table.insert(), [asdict(level) for level in SEED_LEVELS])


class Organization(Model):
    """A party organization; the levels of the tree are rows of organization_levels."""
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the code used in the spreadsheets (e.g. SL-01)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: the code of its level (organization_levels.code)
    level: Mapped[str] = mapped_column(String(10), ForeignKey("organization_levels.code",
                                                              name="fk_organizations_level"), default="chi-bo")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))

    level_row: Mapped[OrganizationLevel] = relationship()

    parent: Mapped[Organization | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Organization]] = relationship(back_populates="parent", order_by="Organization.code")
    members: Mapped[list[Member]] = relationship(back_populates="organization", order_by="Member.code")

    def ancestors(self) -> list[Organization]:
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    def is_within(self, other: Organization) -> bool:
        """True when this organization is `other` or lies in its subtree."""
        return self.id == other.id or any(a.id == other.id for a in self.ancestors())

    def grassroots(self) -> Organization | None:
        """The grassroots organization (tổ chức cơ sở đảng) this one is or lies in, if any."""
        for node in (self, *self.ancestors()):
            if node.level_row is not None and node.level_row.is_grassroots:
                return node
        return None

    def subtree(self) -> list[Organization]:
        found = [self]
        for child in self.children:
            found.extend(child.subtree())
        return found


class Member(Model):
    """A party member of one organization; leaders/managers are flagged with their post."""
    __tablename__ = "members"
    __table_args__ = (CheckConstraint(f"status IN {MEMBER_STATUSES}", name="member_status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    gender: Mapped[str] = mapped_column(String(10), default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    #: post as written in the spreadsheet (Bí thư chi bộ, ...), empty for most members
    post: Mapped[str] = mapped_column(String(200), default="")
    #: a leader or manager (cán bộ lãnh đạo, quản lý): reviewed in that role too
    is_leader: Mapped[bool] = mapped_column(Boolean, default=False)
    #: official (chính thức) or probationary (dự bị): a probationary member does not vote on motions
    status: Mapped[str] = mapped_column(String(12), default=OFFICIAL, server_default=OFFICIAL)

    organization: Mapped[Organization] = relationship(back_populates="members")


class Meeting(Model):
    """One review meeting of one organization."""
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    held_on: Mapped[date] = mapped_column(Date)
    #: where the meeting is held, as the minutes' place-and-date line writes it (e.g. "Sa Pa")
    place: Mapped[str] = mapped_column(String(200), default="", server_default=text("''"))
    #: who chairs the meeting (chủ trì), printed on the minutes
    chair_name: Mapped[str] = mapped_column(String(120), default="", server_default=text("''"))
    #: the meeting's secretary (thư ký), printed on the minutes
    secretary_name: Mapped[str] = mapped_column(String(120), default="", server_default=text("''"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship()
    attendance: Mapped[list[Attendance]] = relationship(back_populates="meeting", cascade="all, delete-orphan")
    sessions: Mapped[list[BallotSession]] = relationship(back_populates="meeting",
                                                         order_by="BallotSession.created_at")

    @property
    def summoned_count(self) -> int:
        """Counted in the database: the live progress poll must not load every attendance row."""
        return db.session.execute(select(func.count()).select_from(Attendance)
                                  .where(Attendance.meeting_id == self.id)).scalar_one()

    @property
    def present_count(self) -> int:
        return db.session.execute(select(func.count()).select_from(Attendance)
                                  .where(Attendance.meeting_id == self.id, Attendance.status == PRESENT)).scalar_one()


class Attendance(Model):
    """Who was summoned and who is present: public, and the basis of one ballot per attendee.
    Kept apart from tokens and ballots; nothing here points at either."""
    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("meeting_id", "member_id"),
        CheckConstraint(f"status IN {ATTENDANCE_STATUSES}", name="attendance_status"),
        CheckConstraint(f"(status = '{EXCLUDED}' AND excluded_reason IN {EXCLUSION_REASONS}) OR "
                        f"(status <> '{EXCLUDED}' AND excluded_reason IS NULL)", name="attendance_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    #: one of domain.electorate.ATTENDANCE_STATUSES: present, absent_approved, absent, excluded
    status: Mapped[str] = mapped_column(String(16), default="absent", server_default="absent")
    #: why an excluded member is out of the base (domain.electorate.EXCLUSION_REASONS); NULL otherwise
    excluded_reason: Mapped[str | None] = mapped_column(String(20))

    meeting: Mapped[Meeting] = relationship(back_populates="attendance")
    member: Mapped[Member] = relationship()

    @property
    def present(self) -> bool:
        return self.status == PRESENT

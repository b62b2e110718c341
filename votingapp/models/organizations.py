from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow

LEVELS = ("huyen", "co-so", "chi-bo")
LEVEL_LABELS = {"huyen": "huyện", "co-so": "cơ sở", "chi-bo": "chi bộ"}


class Organization(db.Model):
    """A party organization; the tree runs district → grassroots → cell."""
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the code used in the district's spreadsheets (e.g. SL-01)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: one of LEVELS
    level: Mapped[str] = mapped_column(String(10), default="chi-bo")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))

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

    def subtree(self) -> list[Organization]:
        found = [self]
        for child in self.children:
            found.extend(child.subtree())
        return found


class Member(db.Model):
    """A party member of one organization; leaders/managers are flagged with their post."""
    __tablename__ = "members"

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

    organization: Mapped[Organization] = relationship(back_populates="members")


class Meeting(db.Model):
    """One review meeting of one organization."""
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    held_on: Mapped[date] = mapped_column(Date)
    #: where the meeting is held, as the minutes' place-and-date line writes it (e.g. "Sa Pa")
    place: Mapped[str] = mapped_column(String(200), default="", server_default="")
    #: who chairs the meeting (chủ trì), printed on the minutes
    chair_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    #: the meeting's secretary (thư ký), printed on the minutes
    secretary_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    organization: Mapped[Organization] = relationship()
    attendance: Mapped[list[Attendance]] = relationship(back_populates="meeting", cascade="all, delete-orphan")
    sessions: Mapped[list["BallotSession"]] = relationship(back_populates="meeting",  # noqa: F821
                                                           order_by="BallotSession.created_at")

    @property
    def summoned_count(self) -> int:
        """Counted in the database: the live progress poll must not load every attendance row."""
        return db.session.scalar(select(func.count()).select_from(Attendance)
                                 .where(Attendance.meeting_id == self.id))

    @property
    def present_count(self) -> int:
        return db.session.scalar(select(func.count()).select_from(Attendance)
                                 .where(Attendance.meeting_id == self.id, Attendance.present.is_(True)))


class Attendance(db.Model):
    """Who was summoned and who is present: public, and the basis of one ballot per attendee.
    Kept apart from tokens and ballots; nothing here points at either."""
    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    present: Mapped[bool] = mapped_column(Boolean, default=False)

    meeting: Mapped[Meeting] = relationship(back_populates="attendance")
    member: Mapped[Member] = relationship()

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, CheckConstraint, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow
from .organizations import Organization

ROLES = ("admin", "chair", "auditor")


class User(UserMixin, db.Model):
    """A staff account; voters have none. The role applies within an organization subtree."""
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN {ROLES}", name="user_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    #: Argon2id hash (argon2-cffi), never the password
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10))
    #: the subtree this user may act in; None = the whole installation
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    organization: Mapped[Organization | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.active

    def can_reach(self, organization: Organization) -> bool:
        return self.organization is None or organization.is_within(self.organization)


class AuditEvent(db.Model):
    """Append-only log of privileged actions: who, when, what. Never a token or a vote."""
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    #: what was acted on, e.g. "session:<id>" or "meeting:3"
    target: Mapped[str] = mapped_column(String(80), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)

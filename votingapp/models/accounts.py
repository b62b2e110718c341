from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String
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
    #: bumped on logout, password, role or active change: every login cookie made before it
    #: names the old version (get_id) and no longer loads the user
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    organization: Mapped[Organization | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """What the login cookie holds: the id and the session version it was made under."""
        return f"{self.id}:{self.session_version}"

    def can_reach(self, organization: Organization) -> bool:
        return self.organization is None or organization.is_within(self.organization)


class ApiToken(db.Model):
    """A script's credential in place of a password on every call: made and revoked by its
    user, acts with the user's role and scope, kept only as a hash."""
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: what the user calls it ("nightly export")
    name: Mapped[str] = mapped_column(String(80))
    #: SHA-256 (hex) of the token: it has 256 random bits, so no slow hash is needed
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship()


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

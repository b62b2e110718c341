from __future__ import annotations

from datetime import datetime

from flask_login import AnonymousUserMixin, UserMixin
from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, UTCDateTime, utcnow
from .organizations import Organization

ROLES = ("admin", "chair", "auditor")
#: the roles that run meetings and enter ratings; an auditor only reads
RUNS_MEETINGS = ("admin", "chair")
#: the roles that read counted results and minutes
READS_RESULTS = ("admin", "chair", "auditor")
#: the roles that open the auditor view; a counting-committee member is no role
AUDITS = ("admin", "auditor")


class User(UserMixin, Model):
    """A staff account; voters have none. The role applies within an organization subtree.

    Who may do what is decided here and nowhere else: views, templates and services ask these
    methods, never the role string. Each `can_*` method takes an organization and then also
    requires it inside the user's subtree (`can_reach`); without one it asks about the role
    alone (a page's buttons, a view's first gate before the object is loaded).

    ==========================================================  =====  =====  =======
    ability                                                     admin  chair  auditor
    ==========================================================  =====  =====  =======
    `can_read`: see organizations, members, meetings, cycles     yes    yes    yes
    `can_run_meetings`: meetings, attendance, ballot sessions,   yes    yes    no
    self-assessments and vote counts of the yearly rating
    `can_read_results`: results, minutes, result exports         yes    yes    yes
    `can_audit`: the audit pages, the auditor bundle             yes    no     yes
    `can_administer`: sub-organizations, accounts, open and      yes    no     no
    close review cycles
    `can_decide_for(org)`: rating decisions of `org`'s level     own    own    no
    `can_pin_hall_keys`: trust a meeting hall's signing key      yes    no     no
    `can_import`: organizations and members from a spreadsheet   yes*   no     no
    ==========================================================  =====  =====  =======

    "own": only an account scoped to exactly that organization (the competent level, docs/api.md).
    "yes*": only an account of the whole installation (`is_installation_wide`): a file may
    name any organization. A hall key is only a trust anchor: each bundle it signs is still
    imported only into subjects the importer reaches.
    """
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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """What the login cookie holds: the id and the session version it was made under."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_installation_wide(self) -> bool:
        """Scoped to the whole installation rather than to one organization's subtree."""
        return self.organization_id is None

    def can_reach(self, organization: Organization | None) -> bool:
        """`organization` lies in this user's subtree; None (the whole installation, e.g. a
        top-level parent or an unscoped account) only for an installation-wide user."""
        if organization is None or self.is_installation_wide:
            return self.is_installation_wide
        scope = self.organization
        return scope is not None and organization.is_within(scope)

    def may(self, ability: str, organization: Organization | None = None) -> bool:
        """The ability named `ability` (`"can_run_meetings"`, `"can_import"`, ...), for code that
        names it once (a view decorator, a service check); a property ignores `organization`."""
        value = getattr(self, ability)
        return value(organization) if callable(value) else bool(value)

    def _holds(self, roles: tuple[str, ...], organization: Organization | None) -> bool:
        return self.role in roles and (organization is None or self.can_reach(organization))

    def can_read(self, organization: Organization | None = None) -> bool:
        return self._holds(ROLES, organization)

    def can_run_meetings(self, organization: Organization | None = None) -> bool:
        return self._holds(RUNS_MEETINGS, organization)

    def can_read_results(self, organization: Organization | None = None) -> bool:
        return self._holds(READS_RESULTS, organization)

    def can_audit(self, organization: Organization | None = None) -> bool:
        return self._holds(AUDITS, organization)

    def can_administer(self, organization: Organization | None = None) -> bool:
        return self._holds(("admin",), organization)

    def can_manage_account(self, account: User) -> bool:
        """An admin manages the accounts scoped inside their own scope: a district admin
        cannot reset the installation admin's password."""
        return self.role == "admin" and self.can_reach(account.organization)

    def can_follow_cycle(self, organization: Organization) -> bool:
        """A review cycle of `organization` is visible from inside its subtree too (a cell's
        staff follow their commune's cycle), not only from above."""
        return self.can_reach(organization) or (
            self.organization is not None and self.organization.is_within(organization))

    def can_decide_for(self, organization: Organization | None) -> bool:
        """Rating decisions belong to the competent level: an account scoped to exactly that
        organization, neither above nor beside it."""
        return (organization is not None and self.role in RUNS_MEETINGS
                and self.organization_id == organization.id)

    @property
    def can_import(self) -> bool:
        """A spreadsheet may name any organization's code: installation-wide admins only."""
        return self.role == "admin" and self.is_installation_wide

    @property
    def can_pin_hall_keys(self) -> bool:
        return self.role == "admin"


class Visitor(AnonymousUserMixin):
    """`current_user` before login: holds no ability, so pages may ask it the same questions."""
    is_installation_wide = False
    can_import = False
    can_pin_hall_keys = False

    def can_reach(self, organization=None) -> bool:
        return False

    def can_run_meetings(self, organization=None) -> bool:
        return False

    can_read = can_read_results = can_audit = can_administer = can_follow_cycle = can_decide_for = can_run_meetings

    def can_manage_account(self, account) -> bool:
        return False

    def may(self, ability: str, organization=None) -> bool:
        return False


class ApiToken(Model):
    """A script's credential in place of a password on every call: made and revoked by its
    user, acts with the user's role and scope, kept only as a hash."""
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: what the user calls it ("nightly export")
    name: Mapped[str] = mapped_column(String(80))
    #: SHA-256 (hex) of the token: it has 256 random bits, so no slow hash is needed
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class ActivityEvent(Model):
    """Append-only log of privileged actions: who, when, what. Never a token or a vote."""
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    #: what was acted on, e.g. "session:<id>" or "meeting:3"
    target: Mapped[str] = mapped_column(String(80), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)

"""The yearly rating (xếp loại chất lượng): a review cycle over a subtree, and per rated subject
its self-assessment, the meeting's proposal and the competent level's decisions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, get_args

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.grading import FORM_TYPES, LEVELS, ROLES
from .base import Model, UTCDateTime, utcnow
from .organizations import Member, Organization

CYCLE_STATES = ("open", "closed")
ProposalSource = Literal["ballot", "open_vote", "hall"]
DecisionAction = Literal["approve", "override", "cancel"]
PROPOSAL_SOURCES: tuple[ProposalSource, ...] = get_args(ProposalSource)
DECISION_ACTIONS: tuple[DecisionAction, ...] = get_args(DecisionAction)


class CycleClosed(Exception):
    """A write to a closed cycle: a closed cycle is read-only."""


class ReviewCycle(Model):
    """One year's review of an organization's subtree; organizations below inherit it."""
    __tablename__ = "review_cycles"
    __table_args__ = (UniqueConstraint("organization_id", "year"),
                      CheckConstraint(f"state IN {CYCLE_STATES}", name="review_cycle_state"))

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the root of the subtree the cycle covers (the level that issued the plan)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    #: grading policy name (domain.grading.GRADING_POLICIES)
    policy: Mapped[str] = mapped_column(String(40))
    #: {organization level code: "yyyy-mm-dd"}: each level's deadline in this year's plan;
    #: a level without one inherits its nearest ancestor's
    deadlines: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(10), default="open")
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship()
    subjects: Mapped[list[RatingSubject]] = relationship(back_populates="cycle", order_by="RatingSubject.key")

    @property
    def is_open(self) -> bool:
        return self.state == "open"

    def check_open(self) -> None:
        if not self.is_open:
            raise CycleClosed()

    def deadline_for(self, organization: Organization) -> date | None:
        for node in [organization, *organization.ancestors()]:
            if node.level in (self.deadlines or {}):
                return date.fromisoformat(self.deadlines[node.level])
        return None


class RatingSubject(Model):
    """Who or what is rated in a cycle: a member, a member in their leader role, or a collective."""
    __tablename__ = "rating_subjects"
    __table_args__ = (UniqueConstraint("cycle_id", "key"),
                      CheckConstraint(f"role IN {ROLES}", name="rating_subject_role"),
                      CheckConstraint("(role = 'collective') = (member_id IS NULL)", name="rating_subject_kind"))

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("review_cycles.id"), index=True)
    #: "<role>:<member or organization code>", unique in the cycle
    key: Mapped[str] = mapped_column(String(60))
    #: member, cadre or collective (domain.grading.ROLES)
    role: Mapped[str] = mapped_column(String(12))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    #: the collective rated, or the member's own organization (where their figures roll up)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)

    cycle: Mapped[ReviewCycle] = relationship(back_populates="subjects")
    member: Mapped[Member | None] = relationship()
    organization: Mapped[Organization] = relationship()
    self_assessment: Mapped[SelfAssessment | None] = relationship(back_populates="subject")
    proposal: Mapped[Proposal | None] = relationship(back_populates="subject")
    decisions: Mapped[list[Decision]] = relationship(back_populates="subject", order_by="Decision.id")

    @property
    def name(self) -> str:
        return self.member.full_name if self.member else self.organization.name

    @property
    def current_decision(self) -> Decision | None:
        """The latest decision, unless it was cancelled (then the subject awaits a re-grade)."""
        if not self.decisions or self.decisions[-1].action == "cancel":
            return None
        return self.decisions[-1]

    @property
    def decided_level(self) -> str | None:
        decision = self.current_decision
        return decision.level if decision else None


class SelfAssessment(Model):
    """The subject's own review (tự kiểm điểm), entered by the unit's chair or imported."""
    __tablename__ = "self_assessments"
    __table_args__ = (CheckConstraint(f"form_type IN {FORM_TYPES}", name="self_assessment_form"),)

    subject_id: Mapped[int] = mapped_column(ForeignKey("rating_subjects.id"), primary_key=True)
    #: 2A/2B/2C for individuals, 01 for collectives
    form_type: Mapped[str] = mapped_column(String(4))
    text: Mapped[str] = mapped_column(Text, default="")
    #: the self-score as written, two decimals ("89.99"), kept as text so it stays exact; NULL
    #: under a criteria-only policy
    self_score: Mapped[str | None] = mapped_column(String(6))
    #: {condition (domain.grading.CONDITIONS): true/false}; a condition not stated is absent
    conditions: Mapped[dict] = mapped_column(JSON, default=dict)
    #: the level the subject proposes for itself (domain.grading.LEVELS), or NULL
    self_level: Mapped[str | None] = mapped_column(String(8))
    entered_by: Mapped[str] = mapped_column(String(80))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    subject: Mapped[RatingSubject] = relationship(back_populates="self_assessment")


class Proposal(Model):
    """The meeting's proposal: from a tallied rating ballot or from open-vote counts. Never a
    decision; a later vote replaces it."""
    __tablename__ = "rating_proposals"
    __table_args__ = (CheckConstraint(f"source IN {PROPOSAL_SOURCES}", name="proposal_source"),)

    subject_id: Mapped[int] = mapped_column(ForeignKey("rating_subjects.id"), primary_key=True)
    #: "ballot" (a tallied rating session here), "open_vote" (show-of-hands counts the chair
    #: entered) or "hall" (a verified tally bundle of a meeting held on another installation)
    source: Mapped[ProposalSource] = mapped_column(String(10))
    session_id: Mapped[str | None] = mapped_column(ForeignKey("ballot_sessions.id"))
    #: for "hall": the bundle's session id and board head, what a reader checks the bundle by
    evidence: Mapped[str | None] = mapped_column(String(160))
    #: {level code: votes}
    counts: Mapped[dict] = mapped_column(JSON)
    #: the base the rule counts over (the session's basis, or the open vote's members present)
    base: Mapped[int] = mapped_column(Integer)
    #: the level the votes propose by the cycle's rule, or NULL when none exceeds half
    level: Mapped[str | None] = mapped_column(String(8))
    made_by: Mapped[str] = mapped_column(String(80))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    subject: Mapped[RatingSubject] = relationship(back_populates="proposal")


class Decision(Model):
    """One step of the competent level's decision history: approve, override (with a reason) or
    cancel (with a reason). Rows are only added, never changed."""
    __tablename__ = "rating_decisions"
    __table_args__ = (CheckConstraint(f"action IN {DECISION_ACTIONS}", name="decision_action"),
                      CheckConstraint(f"level IS NULL OR level IN {LEVELS}", name="decision_level"))

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("rating_subjects.id"), index=True)
    action: Mapped[DecisionAction] = mapped_column(String(10))
    #: the level decided; NULL for a cancel
    level: Mapped[str | None] = mapped_column(String(8))
    #: why: required for an override and a cancel
    reason: Mapped[str] = mapped_column(Text, default="")
    #: the competent organization the decision was taken for
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    decided_by: Mapped[str] = mapped_column(String(80))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    subject: Mapped[RatingSubject] = relationship(back_populates="decisions")
    organization: Mapped[Organization] = relationship()


class QuotaException(Model):
    """The competent level lets one excellent rating pass the 20% quota, with its reason."""
    __tablename__ = "quota_exceptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("review_cycles.id"), index=True)
    #: the grassroots organization whose quota it exceeds
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("rating_subjects.id"), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    granted_by: Mapped[str] = mapped_column(String(80))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    subject: Mapped[RatingSubject] = relationship()


class HallKey(Model):
    """A meeting hall's signing key, pinned by an administrator before its bundles are imported."""
    __tablename__ = "hall_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    #: the hall installation's Ed25519 public key, base64 (what its /api/v1/public/signing-key says)
    public_key: Mapped[str] = mapped_column(String(64))
    pinned_by: Mapped[str] = mapped_column(String(80))
    pinned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

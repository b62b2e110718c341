"""Read-only figures of a review cycle: progress per organization against its deadline, rolled
up the tree, and the distribution of decided levels (this year beside last year)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import extract, func, select
from sqlalchemy.orm import selectinload

from ..domain import clock
from ..domain import grading as rules
from ..extensions import db
from ..models import BallotSession, Meeting, Organization, RatingSubject, ReviewCycle, SessionState
from .grading import cycle_for, population

FIGURES = ("meetings", "sessions_tallied", "rated", "self_assessments", "proposals", "decisions")


@dataclass
class ProgressNode:
    organization: Organization
    deadline: date | None
    #: this organization's own figures
    own: Counter
    children: list[ProgressNode] = field(default_factory=list)
    #: own plus every descendant's
    total: Counter = field(default_factory=Counter)
    today: date = field(default_factory=clock.today)

    @property
    def days_left(self) -> int | None:
        return None if self.deadline is None else (self.deadline - self.today).days

    @property
    def done(self) -> bool:
        return self.total["decisions"] >= self.total["rated"]

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0 and not self.done

    def to_dict(self) -> dict:
        return {"organization": {"id": self.organization.id, "code": self.organization.code,
                                 "name": self.organization.name, "level": self.organization.level},
                "deadline": self.deadline.isoformat() if self.deadline else None, "days_left": self.days_left,
                "overdue": self.overdue, "own": {f: self.own[f] for f in FIGURES},
                "total": {f: self.total[f] for f in FIGURES}, "children": [c.to_dict() for c in self.children]}


def unit_of(subject: RatingSubject) -> int:
    """Where a subject is rated: a collective at its parent's meeting, a person in their own."""
    if subject.role == rules.COLLECTIVE and subject.organization.parent_id is not None:
        return subject.organization.parent_id
    return subject.organization_id


def _subjects(cycle: ReviewCycle) -> list[RatingSubject]:
    return list(db.session.scalars(select(RatingSubject).where(RatingSubject.cycle_id == cycle.id).options(
        selectinload(RatingSubject.self_assessment), selectinload(RatingSubject.proposal),
        selectinload(RatingSubject.decisions), selectinload(RatingSubject.organization))))


def progress(cycle: ReviewCycle, root: Organization | None = None, today: date | None = None) -> ProgressNode:
    """The progress tree from `root` (default the cycle's organization) down."""
    root = root or cycle.organization
    today = today or clock.today()
    ids = [o.id for o in root.subtree()]
    meetings = dict(db.session.execute(
        select(Meeting.organization_id, func.count(Meeting.id)).where(
            Meeting.organization_id.in_(ids), extract("year", Meeting.held_on) == cycle.year,
            Meeting.held_on <= today).group_by(Meeting.organization_id)).all())
    tallied = dict(db.session.execute(
        select(Meeting.organization_id, func.count(BallotSession.id)).join(BallotSession.meeting).where(
            Meeting.organization_id.in_(ids), extract("year", Meeting.held_on) == cycle.year,
            BallotSession.state == SessionState.TALLIED.value).group_by(Meeting.organization_id)).all())
    own: dict[int, Counter] = {i: Counter(meetings=meetings.get(i, 0), sessions_tallied=tallied.get(i, 0))
                               for i in ids}
    for subject in _subjects(cycle):
        figures = own.get(unit_of(subject))
        if figures is None:
            continue
        figures["self_assessments"] += subject.self_assessment is not None
        figures["proposals"] += subject.proposal is not None
        figures["decisions"] += subject.current_decision is not None

    def build(organization: Organization) -> ProgressNode:
        figures = own[organization.id]
        figures["rated"] = len(population(cycle, organization))
        node = ProgressNode(organization, cycle.deadline_for(organization), figures, today=today)
        node.children = [build(child) for child in organization.children]
        node.total = Counter(figures)
        for child in node.children:
            node.total.update(child.total)
        return node
    return build(root)


def distribution(cycle: ReviewCycle | None, unit: Organization, role: str = rules.MEMBER) -> dict:
    """Decided levels of `role` subjects rated in `unit`'s subtree, with those not rated yet."""
    counts = Counter({level: 0 for level in rules.LEVELS})
    if cycle is None:
        return {"levels": dict(counts), "not_rated": 0, "total": 0}
    ids = {o.id for o in unit.subtree()}
    expected = sum(1 for o in unit.subtree() for r, _m, _o in population(cycle, o) if r == role)
    for subject in _subjects(cycle):
        if subject.role == role and unit_of(subject) in ids and subject.decided_level:
            counts[subject.decided_level] += 1
    rated = sum(counts.values())
    return {"levels": dict(counts), "not_rated": max(expected - rated, 0), "total": expected}


def with_last_year(cycle: ReviewCycle, unit: Organization, role: str = rules.MEMBER) -> dict:
    return {"this_year": distribution(cycle, unit, role),
            "last_year": distribution(cycle_for(unit, cycle.year - 1), unit, role)}

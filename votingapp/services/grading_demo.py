"""The demo's yearly rating: commune SL (Đảng bộ xã Sơn Lâm) reviews its cells, each at a
different stage, with last year's ratings beside for the chart.

SL-01 has a draft secret rating ballot in its meeting; SL-02 has not started; SL-03 has its
self-assessments in; SL-04 has proposals from a show of hands; SL-05 is decided. Runs once:
when this year's cycle exists it is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..domain import clock
from ..domain import grading as rules
from ..extensions import db
from ..models import Meeting, Organization, ReviewCycle, User
from . import accounts, grading

COMMUNE_CODE = "SL"
ADMIN_USERNAME = "dang-uy-xa"


@dataclass
class GradingDemo:
    cycle: ReviewCycle
    admin: User
    #: the commune admin's password when the account was created now, else None
    admin_password: str | None


def _level_for(index: int) -> str:
    """A plausible spread: one in ten excellent, one in ten completed, the rest good (quota kept)."""
    return rules.EXCELLENT if index % 10 == 0 else rules.COMPLETED if index % 10 == 7 else rules.GOOD


def _admin(commune: Organization) -> tuple[User, str | None]:
    admin = db.session.scalar(select(User).where(User.username == ADMIN_USERNAME))
    if admin is not None:
        return admin, None
    password = accounts.new_password()
    return accounts.create_user(ADMIN_USERNAME, password, "admin", commune, by="demo"), password


def _propose(cycle, members, admin, *, decide: bool) -> None:
    subjects = []
    for index, member in enumerate(members):
        subject = grading.subject_for(cycle, rules.MEMBER, member=member)
        grading.record_open_vote(subject, {_level_for(index): len(members)}, len(members), by=admin)
        subjects.append((subject, None, ""))
    if decide:
        grading.decide_many(subjects, by=admin)


def _self_assess(cycle, members, admin) -> None:
    for index, member in enumerate(members):
        level = _level_for(index)
        score = {rules.EXCELLENT: "92", rules.GOOD: "84.5", rules.COMPLETED: "65"}[level]
        grading.save_self_assessment(grading.subject_for(cycle, rules.MEMBER, member=member),
                                     grading.SelfAssessmentInput(
                                         "2B" if member.is_leader else "2A", "Bản tự kiểm điểm năm (mẫu thử).", score,
                                         {rules.ON_TIME: level != rules.COMPLETED, rules.FIXED: True,
                                          rules.BEYOND: level == rules.EXCELLENT}, level),
                                     by=admin, commit=False)
    db.session.commit()


def set_up_grading_demo(year: int | None = None) -> GradingDemo:
    """This year's cycle of commune SL with cells at every stage, and last year's, decided."""
    year = year or clock.today().year
    commune = db.session.scalar(select(Organization).where(Organization.code == COMMUNE_CODE))
    if commune is None:
        raise LookupError(f"the demo organization {COMMUNE_CODE} is missing: load the demo organizations first")
    admin, password = _admin(commune)
    existing = db.session.scalar(select(ReviewCycle).where(ReviewCycle.organization_id == commune.id,
                                                           ReviewCycle.year == year))
    if existing is not None:
        return GradingDemo(existing, admin, password)
    cells = {cell.code: cell for cell in commune.children}
    last = grading.create_cycle(commune, year - 1, by=admin)
    for cell in cells.values():
        _propose(last, cell.members, admin, decide=True)
    grading.close_cycle(last, by=admin)

    cycle = grading.create_cycle(commune, year, by=admin)
    meeting = db.session.scalar(select(Meeting).where(Meeting.organization_id == cells["SL-01"].id)
                                .order_by(Meeting.id.desc()))
    if meeting is not None:
        members = [s for s in grading.subjects_of(cycle, cells["SL-01"]) if s.role == rules.MEMBER]
        grading.create_rating_session(cycle, meeting, members, by=admin)
    _self_assess(cycle, cells["SL-03"].members, admin)
    _self_assess(cycle, cells["SL-04"].members, admin)
    _propose(cycle, cells["SL-04"].members, admin, decide=False)
    _self_assess(cycle, cells["SL-05"].members, admin)
    _propose(cycle, cells["SL-05"].members, admin, decide=True)
    return GradingDemo(cycle, admin, password)

"""A session's electorate: who of those summoned votes, and the counts the quorum, the base
and the ballot cap are taken on. Counted in the database (the progress poll runs this)."""

from __future__ import annotations

from sqlalchemy import case, func, select

from ..catalog import N_
from ..domain import electorate as rules
from ..domain.quorum import needed_for_quorum, quorum_met
from ..extensions import db
from ..models import Attendance, BallotSession, Member
from ..models.ballots import session_electors
from . import activity
from .errors import ServiceError


def _in_electorate(session: BallotSession, electorate: str | None = None):
    """The WHERE clause picking the electorate's attendance rows at the session's meeting."""
    electorate = electorate or session.electorate
    where = [Attendance.meeting_id == session.meeting_id]
    if electorate == rules.OFFICIAL_ONLY:
        where.append(Attendance.member_id.in_(select(Member.id).where(Member.status == rules.OFFICIAL)))
    elif electorate == rules.BODY:
        where.append(Attendance.member_id.in_(select(session_electors.c.member_id)
                                              .where(session_electors.c.session_id == session.id)))
    return where


def counts(session: BallotSession) -> dict:
    """summoned: electorate members summoned; excluded: those out of the base (exclusions and
    absent throughout with an approved reason); base = summoned - excluded; present."""
    excluded = case((Attendance.status.in_((rules.EXCLUDED, rules.ABSENT_APPROVED)), 1), else_=0)
    present = case((Attendance.status == rules.PRESENT, 1), else_=0)
    summoned, out, here = db.session.execute(
        select(func.count(), func.coalesce(func.sum(excluded), 0), func.coalesce(func.sum(present), 0))
        .select_from(Attendance).where(*_in_electorate(session))).one()
    return {"summoned": summoned, "excluded": out, "base": summoned - out, "present": here}


def present_query(session):
    """The count of the electorate present, as a statement: a cast checks the ballot cap
    with it inside its own statement (services.ballots)."""
    return (select(func.count()).select_from(Attendance)
            .where(*_in_electorate(session), Attendance.status == rules.PRESENT))


def quorum(session: BallotSession) -> dict:
    """Whether 2/3 of the electorate's base is present, and how many that needs."""
    numbers = counts(session)
    return {"met": quorum_met(numbers["base"], numbers["present"]), "needed": needed_for_quorum(numbers["base"]),
            **numbers}


def check_quorum(session: BallotSession) -> None:
    """Refuse (409 quorum_not_met) below 2/3 of the base present, saying how many must be."""
    found = quorum(session)
    if not found["met"]:
        needed, base, present = found["needed"], found["base"], found["present"]
        raise ServiceError(
            "quorum_not_met",
            N_("%(needed)s of the %(base)s voters summoned (less exclusions) must be present; %(present)s are.",
               needed=needed, base=base, present=present), extra={"needed": needed, "base": base, "present": present})


def probationary_voters(session: BallotSession, electorate: str, member_ids=()) -> list[Member]:
    """The probationary members an electorate would hold (a motion may hold none)."""
    if electorate == rules.OFFICIAL_ONLY:
        return []
    ids = set(member_ids) if electorate == rules.BODY else {row.member_id for row in session.meeting.attendance}
    return [row.member for row in session.meeting.attendance
            if row.member_id in ids and row.member.status == rules.PROBATIONARY]


def check_electorate(session: BallotSession, kind: str, electorate: str, member_ids=()) -> None:
    """A known electorate; a body of members summoned to this meeting; no probationary voter on a motion."""
    if electorate not in rules.ELECTORATES:
        raise ServiceError("invalid_input", N_("The electorate is one of %(electorates)s.",
                                               electorates=", ".join(rules.ELECTORATES)))
    summoned = {row.member_id for row in session.meeting.attendance}
    if electorate == rules.BODY and (not member_ids or not set(member_ids) <= summoned):
        raise ServiceError("invalid_input", N_("A chosen body needs at least one member, all summoned to the meeting."))
    if kind in rules.OFFICIAL_KINDS:
        probationary = probationary_voters(session, electorate, member_ids)
        if probationary:
            names = ", ".join(member.full_name for member in probationary[:5])
            raise ServiceError("invalid_input",
                               N_("Probationary members do not vote on motions (%(names)s): choose official members "
                                  "only.", names=names))


def set_electorate(session: BallotSession, electorate: str, member_ids=(), *, by, commit: bool = True) -> None:
    """Name who votes, while the session is a draft (after that the key and the cap depend on it)."""
    if not session.is_draft:
        raise ServiceError("illegal_transition", N_("The electorate can change only while the session is a draft."))
    member_ids = sorted(set(member_ids)) if electorate == rules.BODY else []
    check_electorate(session, session.kind, electorate, member_ids)
    by_id = {row.member_id: row.member for row in session.meeting.attendance}
    session.electorate = electorate
    session.electors = [by_id[member_id] for member_id in member_ids]
    activity.record(activity.actor_name(by), "set_electorate", f"session:{session.id}", electorate=electorate,
                 members=len(member_ids))
    if commit:
        db.session.commit()

"""The yearly rating's writes: open and close a cycle, self-assessments, proposals from a rating
ballot or open-vote counts, decisions by the competent level (with history), the quota.

Who may decide is resolved from the tree (docs/rules.md §6): the standing committee
directly above for organizations, the grassroots committee for members, the committee that
manages them for cadres. A user decides for an organization when their account is scoped to
exactly that organization: a user above or beside it is outside the competent level.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ..catalog import N_
from ..crypto.encoding import EncodingError, b64decode
from ..domain import grading as rules
from ..domain.ballot_forms import RATING
from ..domain.clock import utcnow
from ..domain.electorate import OFFICIAL_ONLY
from ..domain.text import Field
from ..extensions import db
from ..models import (
    BallotSession,
    Decision,
    HallKey,
    Meeting,
    Member,
    Organization,
    Proposal,
    QuotaException,
    RatingSubject,
    ReviewCycle,
    SelfAssessment,
    SessionState,
    User,
)
from ..models.grading import CycleClosed, ProposalSource
from . import activity, ballots, permissions
from .errors import ServiceError, text_input

#: the seed plan's deadlines (23 Nov 2020): grassroots before 10 December, the level above before 25
DEFAULT_DEADLINES = {"co-so": (12, 10), "huyen": (12, 25)}
MAX_REASON = 2000
MAX_TEXT = 20000
CYCLE_TITLE = Field("title", N_("The review cycle title"))
ASSESSMENT_TEXT = Field("text", N_("The self-assessment text"))
REASON = Field("reason", N_("The reason"))
HALL_NAME = Field("name", N_("The hall name"))


# --- the tree ------------------------------------------------------------------------------

def competent_organization(subject: RatingSubject) -> Organization | None:
    """Who decides this subject's level: the organization directly above a collective; the
    grassroots committee for a member; for a cadre, the committee over the organization they
    lead (their own organization's parent)."""
    if subject.role == rules.COLLECTIVE:
        return subject.organization.parent
    if subject.role == rules.CADRE:
        return subject.organization.parent or subject.organization
    return subject.organization.grassroots()


def may_decide(user, subject: RatingSubject) -> bool:
    """Only an account of the competent level itself (User.can_decide_for)."""
    return isinstance(user, User) and user.can_decide_for(competent_organization(subject))


def _check_competent(user, subject: RatingSubject) -> Organization:
    competent = competent_organization(subject)
    if competent is None or not may_decide(user, subject):
        name = competent.name if competent else "—"
        raise ServiceError("not_competent", N_("%(subject)s is decided by %(name)s.", subject=subject.name, name=name))
    return competent


def _check_unit(user, organization: Organization) -> None:
    """The unit's own staff (or anyone above it) enter self-assessments and open votes."""
    permissions.check_user(user, "can_run_meetings", organization)


def _open(cycle: ReviewCycle) -> None:
    try:
        cycle.check_open()
    except CycleClosed:
        raise ServiceError("cycle_closed") from None


# --- cycles --------------------------------------------------------------------------------

def default_deadlines(year: int) -> dict[str, str]:
    return {level: date(year, month, day).isoformat() for level, (month, day) in DEFAULT_DEADLINES.items()}


def create_cycle(organization: Organization, year: int | None, *, title: str = "",
                 policy: str = rules.DEFAULT_GRADING_POLICY, deadlines: dict[str, str] | None = None,
                 by) -> ReviewCycle:
    """Open the year's review for `organization`'s subtree. Only an admin of that organization
    (or of the whole installation) opens it."""
    if not isinstance(by, User) or not by.can_administer(organization):
        raise ServiceError("forbidden", N_("Only an administrator of this organization opens its review cycle."))
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ServiceError("invalid_input", N_("Give the year of the review (2000 to 2100)."))
    try:
        rules.get_grading_policy(policy)
    except ValueError:
        raise ServiceError("invalid_input", N_("Unknown grading policy %(policy)r.", policy=policy)) from None
    deadlines = default_deadlines(year) if deadlines is None else dict(deadlines)
    for level, text in deadlines.items():
        try:
            date.fromisoformat(text)
        except (TypeError, ValueError):
            raise ServiceError("invalid_input", N_("The deadline of level %(level)s is not a date (yyyy-mm-dd).",
                                                   level=level)) from None
    title = text_input(title, CYCLE_TITLE, max_length=300, required=False) \
        or f"Kiểm điểm, đánh giá, xếp loại chất lượng năm {year}"
    if db.session.scalar(select(ReviewCycle).where(ReviewCycle.organization_id == organization.id,
                                                   ReviewCycle.year == year)):
        raise ServiceError("conflict", N_("%(name)s already has a review cycle for %(year)s.",
                                          name=organization.name, year=year))
    cycle = ReviewCycle(organization=organization, year=year, title=title, policy=policy, deadlines=deadlines,
                        created_by=activity.actor_name(by))
    db.session.add(cycle)
    activity.record(activity.actor_name(by), "create_cycle", f"organization:{organization.code}", year=year,
                    policy=policy)
    db.session.commit()
    return cycle


def close_cycle(cycle: ReviewCycle, *, by) -> ReviewCycle:
    permissions.check_user(by, "can_administer", cycle.organization)
    _open(cycle)
    cycle.state, cycle.closed_at = "closed", utcnow()
    activity.record(activity.actor_name(by), "close_cycle", f"cycle:{cycle.id}")
    db.session.commit()
    return cycle


def cycle_for(organization: Organization, year: int | None = None) -> ReviewCycle | None:
    """The cycle an organization inherits: the nearest one at or above it (of `year`, or the latest)."""
    for node in [organization, *organization.ancestors()]:
        query = select(ReviewCycle).where(ReviewCycle.organization_id == node.id)
        if year is not None:
            query = query.where(ReviewCycle.year == year)
        cycle = db.session.scalar(query.order_by(ReviewCycle.year.desc()))
        if cycle:
            return cycle
    return None


def policy_of(cycle: ReviewCycle) -> rules.GradingPolicy:
    return rules.get_grading_policy(cycle.policy)


def covers(cycle: ReviewCycle, organization: Organization) -> bool:
    return organization.is_within(cycle.organization)


# --- subjects ------------------------------------------------------------------------------

def subject_key(role: str, *, member: Member | None = None, organization: Organization | None = None) -> str:
    if member is not None:
        return f"{role}:{member.code}"
    if organization is None:
        raise ValueError("a rated subject is a member or an organization")
    return f"{role}:{organization.code}"


def subject_for(cycle: ReviewCycle, role: str, *, member: Member | None = None,
                organization: Organization | None = None) -> RatingSubject:
    """The cycle's record of one rated subject, made on first use (flushed, not committed)."""
    if role not in rules.ROLES or (role == rules.COLLECTIVE) != (member is None):
        raise ServiceError("invalid_input", N_("A member is rated as member or cadre, an organization as collective."))
    unit = member.organization if member else organization
    if unit is None:
        raise ServiceError("invalid_input", N_("A member is rated as member or cadre, an organization as collective."))
    if not covers(cycle, unit):
        raise ServiceError("invalid_input", N_("%(name)s is not in this review cycle.", name=unit.name))
    if role == rules.CADRE and member is not None and not member.is_leader:
        raise ServiceError("invalid_input", N_("%(full_name)s holds no leader or manager post.",
                                               full_name=member.full_name))
    key = subject_key(role, member=member, organization=organization)
    subject = db.session.scalar(select(RatingSubject).where(RatingSubject.cycle_id == cycle.id,
                                                            RatingSubject.key == key))
    if subject is None:
        subject = RatingSubject(cycle=cycle, key=key, role=role, member=member, organization=unit)
        db.session.add(subject)
        db.session.flush()
    return subject


def find_subject(cycle: ReviewCycle, key: str) -> RatingSubject:
    """The subject of "<role>:<code>", made on first use; 404 for an unknown code."""
    role, _, code = (key or "").partition(":")
    if role == rules.COLLECTIVE:
        organization = db.session.scalar(select(Organization).where(Organization.code == code))
        if organization is None:
            raise ServiceError("not_found", N_("No organization %(code)r.", code=code))
        return subject_for(cycle, role, organization=organization)
    member = db.session.scalar(select(Member).where(Member.code == code))
    if member is None or role not in (rules.MEMBER, rules.CADRE):
        raise ServiceError("not_found", N_("No subject %(key)r.", key=key))
    return subject_for(cycle, role, member=member)


def population(cycle: ReviewCycle, unit: Organization) -> list[tuple[str, Member | None, Organization]]:
    """Everyone rated in `unit` (not its subtree): its members, its leaders as cadres, and each
    organization directly below it as a collective."""
    rows: list[tuple[str, Member | None, Organization]] = [(rules.MEMBER, m, unit) for m in unit.members]
    rows += [(rules.CADRE, m, unit) for m in unit.members if m.is_leader]
    rows += [(rules.COLLECTIVE, None, child) for child in unit.children]
    return rows


def subjects_of(cycle: ReviewCycle, unit: Organization) -> list[RatingSubject]:
    """The unit's subjects, each made on first use, in the order of the paper list."""
    found = [subject_for(cycle, role, member=member, organization=None if member else org)
             for role, member, org in population(cycle, unit)]
    db.session.commit()
    return found


# --- self-assessment -----------------------------------------------------------------------

@dataclass(frozen=True)
class SelfAssessmentInput:
    form_type: str
    text: str = ""
    self_score: str | None = None
    conditions: dict | None = None
    self_level: str | None = None


def check_self_assessment(policy: rules.GradingPolicy, subject_role: str, data: SelfAssessmentInput) -> dict:
    """The stored values, or a bilingual refusal naming the field."""
    collective = subject_role == rules.COLLECTIVE
    if data.form_type not in rules.FORM_TYPES or (data.form_type == "01") != collective:
        raise ServiceError("invalid_input", N_("Form 01 is for collectives, 2A/2B/2C for individuals."))
    try:
        points = rules.parse_points(data.self_score)
    except ValueError:
        raise ServiceError("invalid_input",
                           N_("The self-score is a number from 0 to 100 with at most two decimals.")) from None
    if points is not None and policy.scale != "points":
        raise ServiceError("invalid_input", N_("This cycle's policy has no points: leave the self-score empty."))
    conditions = data.conditions or {}
    if not set(conditions) <= set(rules.CONDITIONS) or not all(isinstance(v, bool) for v in conditions.values()):
        raise ServiceError("invalid_input", N_("Conditions are yes/no facts among %(conditions)s.",
                                               conditions=", ".join(rules.CONDITIONS)))
    if data.self_level not in (None, "", *rules.LEVELS):
        raise ServiceError("invalid_input", N_("The self-proposed level is one of HTXSNV, HTTNV, HTNV, KHTNV."))
    text = text_input(data.text, ASSESSMENT_TEXT, max_length=MAX_TEXT, required=False, multiline=True)
    return {"form_type": data.form_type, "text": text,
            "self_score": None if points is None else str(points), "conditions": dict(conditions),
            "self_level": data.self_level or None}


def save_self_assessment(subject: RatingSubject, data: SelfAssessmentInput, *, by,
                         commit: bool = True) -> SelfAssessment:
    _open(subject.cycle)
    _check_unit(by, subject.organization)
    values = check_self_assessment(policy_of(subject.cycle), subject.role, data)
    record = subject.self_assessment or SelfAssessment(subject=subject)
    for name, value in values.items():
        setattr(record, name, value)
    record.entered_by = activity.actor_name(by)
    db.session.add(record)
    activity.record(activity.actor_name(by), "save_self_assessment", f"rating:{subject.key}", cycle=subject.cycle_id)
    if commit:
        db.session.commit()
    return record


# --- proposals -----------------------------------------------------------------------------

def create_rating_session(cycle: ReviewCycle, meeting: Meeting, subjects: list[RatingSubject], *, title: str = "",
                          policy: str | None = None, by) -> BallotSession:
    """A secret rating ballot on `subjects`: one line per member (keyed by the subject key), the
    four levels as options. The electorate is the official members, and the default policy
    counts the proposal on their base (summoned less the lawful exclusions)."""
    _open(cycle)
    _check_unit(by, meeting.organization)
    if not subjects or any(s.cycle_id != cycle.id for s in subjects):
        raise ServiceError("invalid_input", N_("Choose the people or collectives to rate."))
    lines = [{"key": s.key, "name": s.name, "member_id": s.member_id,
              "detail": (s.member.post if s.member else "")} for s in subjects]
    extra = {"policy": policy} if policy else {}
    return ballots.create_session(meeting, kind=RATING, title=title or f"Xếp loại chất lượng năm {cycle.year}",
                                  subjects=lines, electorate=OFFICIAL_ONLY, by=by, **extra)


def propose_from_session(cycle: ReviewCycle, session: BallotSession, *, by) -> list[Proposal]:
    """Each subject's proposal from a tallied rating session's signed tally (never re-typed)."""
    _check_unit(by, session.meeting.organization)
    _open(cycle)
    if session.kind != RATING:
        raise ServiceError("invalid_input", N_("Only a rating ballot proposes levels."))
    if session.state != SessionState.TALLIED.value or session.tally is None:
        raise ServiceError("not_tallied")
    return proposals_from_tally(cycle, session.tally.document, session_id=session.id, by=by)


def proposals_from_tally(cycle: ReviewCycle, document: dict, *, session_id: str | None, by) -> list[Proposal]:
    made = []
    base_name = None
    for line in document["subjects"]:
        subject = find_subject(cycle, line["id"])
        base_name = line["basis"]
        counts = {rules.level_of_option(o): int(line["counts"].get(o, 0)) for o in map(rules.option_id, rules.LEVELS)}
        made.append(_store_proposal(subject, "ballot", counts, int(document["bases"][base_name]), session_id, by))
    activity.record(activity.actor_name(by), "propose_from_ballot", f"cycle:{cycle.id}", session=session_id,
                 subjects=len(made), basis=base_name)
    db.session.commit()
    return made


def record_open_vote(subject: RatingSubject, counts: dict, base: int | str, *, by) -> Proposal:
    """Show-of-hands counts the chair recorded: a proposal by the same rule as a ballot."""
    _open(subject.cycle)
    _check_unit(by, subject.organization)
    try:
        clean = {level: int(counts.get(level, 0) or 0) for level in rules.LEVELS}
        members_present = int(base)
    except (TypeError, ValueError):
        raise ServiceError("invalid_input", N_("Votes and members present are whole numbers.")) from None
    if set(counts) - set(rules.LEVELS) or any(v < 0 for v in clean.values()) or members_present <= 0 \
            or sum(clean.values()) > members_present:
        raise ServiceError("invalid_input", N_("Votes per level are at least 0 and add up to at most those present."))
    proposal = _store_proposal(subject, "open_vote", clean, members_present, None, by)
    activity.record(activity.actor_name(by), "record_open_vote", f"rating:{subject.key}", counts=clean,
                    base=members_present)
    db.session.commit()
    return proposal


def _store_proposal(subject: RatingSubject, source: ProposalSource, counts: dict, base: int, session_id,
                    by) -> Proposal:
    level = rules.propose_from_votes(policy_of(subject.cycle), counts, base).level
    proposal = subject.proposal or Proposal(subject=subject)
    proposal.source, proposal.session_id, proposal.counts = source, session_id, counts
    proposal.base, proposal.level, proposal.made_by = base, level, activity.actor_name(by)
    db.session.add(proposal)
    return proposal


# --- explanation ---------------------------------------------------------------------------

def facts_of(subject: RatingSubject) -> tuple:
    assessment = subject.self_assessment
    if assessment is None:
        return None, {}
    points = rules.parse_points(assessment.self_score)
    return points, dict(assessment.conditions or {})


def suggested_level(subject: RatingSubject) -> str | None:
    """What approving means: the vote's level, limited by the points and conditions (when a
    self-assessment exists) and by the caps. None without a proposal level."""
    proposal = subject.proposal
    if proposal is None or proposal.level is None:
        return None
    policy = policy_of(subject.cycle)
    level = proposal.level
    points, facts = facts_of(subject)
    if subject.self_assessment is not None:
        level = rules.worse(level, rules.classify(policy, points, facts,
                                                  collective=subject.role == rules.COLLECTIVE).level)
    return rules.apply_caps(policy, level, facts)


def explain(subject: RatingSubject, language: str = "vi") -> dict:
    """The proposal in the policy's own words, the self-assessment's ceiling and the caps."""
    policy = policy_of(subject.cycle)
    points, facts = facts_of(subject)
    result = {"votes": None, "conditions": None, "caps": rules.explain_caps(policy, facts, language),
              "suggested": suggested_level(subject)}
    if subject.proposal is not None:
        proposal = rules.VoteProposal(subject.proposal.level, *_running(subject.proposal))
        result["votes"] = rules.explain_votes(proposal, language)
    if subject.self_assessment is not None:
        classification = rules.classify(policy, points, facts, collective=subject.role == rules.COLLECTIVE)
        result["conditions"] = rules.explain_classification(policy, points, facts, classification, language)
    return result


def _running(proposal: Proposal) -> tuple[int, int]:
    result = rules.cumulative_level(proposal.counts, proposal.base)
    return result.votes_from_level, result.base


# --- decisions and the quota ---------------------------------------------------------------

@dataclass(frozen=True)
class QuotaStatus:
    organization: Organization
    good: int
    excellent: int
    exceptions: int
    allowed: int

    @property
    def ok(self) -> bool:
        return self.excellent - self.exceptions <= self.allowed


def member_subjects_under(cycle: ReviewCycle, grassroots: Organization) -> list[RatingSubject]:
    ids = [o.id for o in grassroots.subtree()]
    return list(db.session.scalars(select(RatingSubject).where(
        RatingSubject.cycle_id == cycle.id, RatingSubject.role == rules.MEMBER,
        RatingSubject.organization_id.in_(ids))))


def quota_status(cycle: ReviewCycle, grassroots: Organization, pending: dict | None = None) -> QuotaStatus:
    """The members rated good and excellent under one grassroots organization, on the final
    decisions (with `pending` {subject id: level} as if already decided)."""
    pending = pending or {}
    levels = [pending.get(s.id, s.decided_level) for s in member_subjects_under(cycle, grassroots)]
    exceptions = db.session.scalars(select(QuotaException).where(
        QuotaException.cycle_id == cycle.id, QuotaException.organization_id == grassroots.id)).all()
    live = sum(1 for e in exceptions if pending.get(e.subject_id, e.subject.decided_level) == rules.EXCELLENT)
    good = levels.count(rules.GOOD)
    return QuotaStatus(grassroots, good, levels.count(rules.EXCELLENT), live,
                       rules.excellent_allowed(policy_of(cycle), good))


def _reason(text) -> str:
    return text_input(text if isinstance(text, str) else "", REASON, max_length=MAX_REASON, required=False,
                      multiline=True)


def decide(subject: RatingSubject, *, by, level: str | None = None, reason: str = "",
           quota_exception: str = "", commit: bool = True) -> Decision:
    """Approve the suggested level (level None or equal to it) or override it (a reason is
    required). Refused outside the competent level, on a closed cycle, or when the quota
    would break without an exception recorded with its reason."""
    return decide_many([(subject, level, reason)], by=by, quota_exception=quota_exception, commit=commit)[0]


def decide_many(items, *, by, quota_exception: str = "", commit: bool = True) -> list[Decision]:
    """Several decisions in one step (a unit's approval): all of them, or none."""
    steps, pending = [], {}
    for subject, level, reason in items:
        _open(subject.cycle)
        competent = _check_competent(by, subject)
        suggested, reason = suggested_level(subject), _reason(reason)
        if level in (None, ""):
            if suggested is None:
                raise ServiceError("invalid_input", N_("%(name)s has no proposal to approve: choose a level.",
                                                       name=subject.name))
            level = suggested
        if level not in rules.LEVELS:
            raise ServiceError("invalid_input", N_("The level is one of HTXSNV, HTTNV, HTNV, KHTNV."))
        action = "approve" if level == suggested else "override"
        if action == "override" and not reason:
            raise ServiceError("reason_required", N_("%(name)s: the level differs from the proposal.",
                                                      name=subject.name))
        capped = rules.apply_caps(policy_of(subject.cycle), level, facts_of(subject)[1])
        if capped != level:
            raise ServiceError("invalid_input", N_("%(name)s: a cap of the policy allows at most %(capped)s.",
                                                   name=subject.name, capped=capped))
        pending[subject.id] = level
        steps.append((subject, action, level, reason, competent))
    _check_quota([step[0] for step in steps], pending, quota_exception, by)
    made = []
    for subject, action, level, reason, competent in steps:
        decision = Decision(subject=subject, action=action, level=level, reason=reason, organization=competent,
                            decided_by=activity.actor_name(by))
        db.session.add(decision)
        made.append(decision)
        activity.record(activity.actor_name(by), f"{action}_rating", f"rating:{subject.key}", level=level,
                        reason=reason)
    if commit:
        db.session.commit()
    return made


def _check_quota(subjects, pending: dict, exception_reason: str, by) -> None:
    members = [s for s in subjects if s.role == rules.MEMBER]
    for grassroots in {g.id: g for g in filter(None, (s.organization.grassroots() for s in members))}.values():
        cycle = members[0].cycle
        status = quota_status(cycle, grassroots, pending)
        if status.ok:
            continue
        reason = _reason(exception_reason)
        newly_excellent = [s for s in members if pending.get(s.id) == rules.EXCELLENT
                           and s.organization.grassroots().id == grassroots.id
                           and s.decided_level != rules.EXCELLENT]
        if not reason or not newly_excellent:
            raise ServiceError(
                "quota_exceeded",
                N_("%(name)s: %(excellent)s excellent for %(good)s good; at most %(allowed)s. "
                   "Only the competent level may grant an exception, with its reason.",
                   name=grassroots.name, excellent=status.excellent, good=status.good, allowed=status.allowed),
                extra={"good": status.good, "excellent": status.excellent, "allowed": status.allowed})
        for subject in newly_excellent:
            db.session.add(QuotaException(cycle_id=cycle.id, organization_id=grassroots.id, subject=subject,
                                          reason=reason, granted_by=activity.actor_name(by)))
            activity.record(activity.actor_name(by), "grant_quota_exception", f"rating:{subject.key}", reason=reason)


def approve_unit(cycle: ReviewCycle, unit: Organization, *, by) -> list[Decision]:
    """Approve every proposal of a unit that has none decided yet, that the user may decide."""
    permissions.check_user(by, "can_run_meetings", unit)
    items = [(s, None, "") for s in subjects_of(cycle, unit)
             if s.current_decision is None and suggested_level(s) is not None and may_decide(by, s)]
    if not items:
        raise ServiceError("invalid_input", N_("No proposal awaits your decision in this unit."))
    return decide_many(items, by=by)


def cancel_decision(subject: RatingSubject, *, reason: str, by) -> Decision:
    """Cancel the current decision (with a reason) so the subject can be re-graded."""
    _open(subject.cycle)
    competent = _check_competent(by, subject)
    reason = _reason(reason)
    if subject.current_decision is None:
        raise ServiceError("invalid_input", N_("There is no decision to cancel."))
    if not reason:
        raise ServiceError("reason_required", N_("Say why the decision is cancelled."))
    decision = Decision(subject=subject, action="cancel", level=None, reason=reason, organization=competent,
                        decided_by=activity.actor_name(by))
    db.session.add(decision)
    exception = db.session.scalar(select(QuotaException).where(QuotaException.subject_id == subject.id))
    if exception is not None:
        db.session.delete(exception)
    activity.record(activity.actor_name(by), "cancel_rating", f"rating:{subject.key}", reason=reason)
    db.session.commit()
    return decision


# --- results from a meeting hall -----------------------------------------------------------

def pin_hall_key(name: str, public_key_b64: str, *, by) -> HallKey:
    """Pin a hall installation's signing key; its bundles are checked against it, never
    against the key a bundle names itself."""
    permissions.check_user(by, "can_pin_hall_keys")
    name, text = text_input(name, HALL_NAME, max_length=120), (public_key_b64 or "").strip()
    try:
        raw = b64decode(text)
    except (EncodingError, ValueError):
        raw = b""
    if not name or len(name) > 120 or len(raw) != 32:
        raise ServiceError("invalid_input", N_("A hall needs a name and its 32-byte Ed25519 public key in base64."))
    if db.session.scalar(select(HallKey).where(HallKey.name == name)):
        raise ServiceError("conflict", N_("A hall named %(name)s is pinned already.", name=name))
    hall = HallKey(name=name, public_key=text, pinned_by=activity.actor_name(by))
    db.session.add(hall)
    activity.record(activity.actor_name(by), "pin_hall_key", f"hall:{name}", key=text)
    db.session.commit()
    return hall


def import_hall_bundle(cycle: ReviewCycle, hall: HallKey, bundle, *, by) -> list[Proposal]:
    """Proposals from a hall's public bundle of a tallied rating session: every check of the
    offline verifier must pass against the hall's pinned key, or nothing is imported."""
    from ..audit.verify import verify_bundle
    _open(cycle)
    permissions.check_user(by, "can_run_meetings", cycle.organization)
    report = verify_bundle(bundle, signing_key=b64decode(hall.public_key))
    if not report.ok:
        failed = "; ".join(f"{c.name}: {c.detail}" for c in report.checks if not c.ok)
        raise ServiceError("bundle_refused", note=failed[:600], extra={"failed": report.failed})
    tally = bundle.get("tally")
    if not tally or bundle["board"]["session"]["kind"] != RATING:
        raise ServiceError("bundle_refused", N_("It holds no tally of a rating ballot."))
    session = bundle["board"]["session"]
    for line in tally["subjects"]:
        subject = find_subject(cycle, line["id"])
        if not may_record_for(by, subject):
            raise ServiceError("forbidden")
    evidence = f"{session['id']}|{bundle['board']['head']}"
    made = []
    for line in tally["subjects"]:
        subject = find_subject(cycle, line["id"])
        counts = {level: int(line["counts"].get(rules.option_id(level), 0)) for level in rules.LEVELS}
        proposal = _store_proposal(subject, "hall", counts, int(tally["bases"][line["basis"]]), None, by)
        proposal.evidence = evidence
        made.append(proposal)
    activity.record(activity.actor_name(by), "import_hall_bundle", f"cycle:{cycle.id}", hall=hall.name,
                 session=session["id"], head=bundle["board"]["head"], subjects=len(made))
    db.session.commit()
    return made


def may_record_for(user, subject: RatingSubject) -> bool:
    """Self-assessments and vote counts: staff who run meetings where the subject sits."""
    return isinstance(user, User) and user.can_run_meetings(subject.organization)

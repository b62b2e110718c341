"""Yearly rating endpoints: cycle create and read, self-assessment import, open-vote entry,
proposals from a counted rating ballot or a hall's bundle, decisions, export. Same
authentication as the staff API (auth.staff_api); the competent level is checked by the service."""

from __future__ import annotations

from datetime import UTC
from typing import Any, TypeVar

from flask import Response, abort, jsonify
from sqlalchemy import select

from ...catalog import N_
from ...extensions import db
from ...models import Decision, HallKey, Proposal, RatingSubject, ReviewCycle
from ...services import grading, grading_exchange, grading_progress
from ...services.errors import ServiceError
from ..common import get_session_or_404
from . import bp, schemas
from .auth import ADMINISTERS, PINS_HALL_KEYS, READERS, staff_api
from .fields import body, invalid, organization_by_code, query, uploaded_file
from .openapi import documented

TAG = "grading"
CYCLE_ID = {"cycle_id": "The review cycle's id."}


def cycle_or_404(cycle_id: int, user) -> ReviewCycle:
    cycle = db.session.get(ReviewCycle, cycle_id) or abort(404)
    if not user.can_follow_cycle(cycle.organization):
        raise ServiceError("forbidden")
    return cycle


#: a request body that names a rating subject
SubjectRequest = TypeVar("SubjectRequest", schemas.OpenVote, schemas.DecisionCreate, schemas.DecisionCancel)


def subject_and_body(cycle_id: int, user, schema: type[SubjectRequest]) -> tuple[RatingSubject, SubjectRequest]:
    """The request body as `schema`, and the rating subject it names in the user's cycle (or 404)."""
    cycle = cycle_or_404(cycle_id, user)
    data = body(schema)
    return grading.find_subject(cycle, data.subject), data


def cycle_json(cycle: ReviewCycle) -> dict[str, Any]:
    return {"id": cycle.id, "organization": cycle.organization.code, "year": cycle.year, "title": cycle.title,
            "policy": grading.policy_of(cycle).to_dict(), "deadlines": cycle.deadlines, "state": cycle.state}


def proposal_reply(proposal: Proposal) -> schemas.RatingProposal:
    return schemas.RatingProposal(
        subject=proposal.subject.key, source=proposal.source, counts=proposal.counts, base=proposal.base,
        level=proposal.level, session=proposal.session_id, evidence=proposal.evidence)


def proposal_json(proposal: Proposal) -> dict[str, Any]:
    return proposal_reply(proposal).model_dump()


def decision_reply(decision: Decision) -> schemas.Decision:
    return schemas.Decision(
        id=decision.id, subject=decision.subject.key, action=decision.action, level=decision.level,
        reason=decision.reason, organization=decision.organization.code, decided_by=decision.decided_by,
        decided_at=decision.decided_at.astimezone(UTC).isoformat().replace("+00:00", "Z"))  # ...Z, as before


def decision_json(decision: Decision) -> dict[str, Any]:
    return decision_reply(decision).model_dump()


def subject_json(subject: RatingSubject) -> dict[str, Any]:
    a = subject.self_assessment
    return schemas.RatingSubject(
        key=subject.key, name=subject.name, role=subject.role, organization=subject.organization.code,
        competent=(grading.competent_organization(subject) or subject.organization).code,
        self_assessment=None if a is None else schemas.SelfAssessment(
            form_type=a.form_type, text=a.text, self_score=a.self_score, conditions=a.conditions,
            self_level=a.self_level),
        proposal=proposal_reply(subject.proposal) if subject.proposal else None,
        explained=grading.explain(subject, "vi"), explained_en=grading.explain(subject, "en"),
        decision=subject.decided_level, history=[decision_reply(d) for d in subject.decisions]).model_dump()


@bp.post("/cycles")
@staff_api(ADMINISTERS)
@documented(json=schemas.CycleCreate, answers={201: schemas.Cycle}, tag=TAG)
def create_review_cycle(user):
    """Open a yearly review cycle for an organization's subtree

    Admins of the organization only. The subtree inherits the cycle.
    """
    data = body(schemas.CycleCreate)
    organization = organization_by_code(data.organization, user, field="organization")
    deadlines = None if data.deadlines is None else {level: day.isoformat() for level, day in data.deadlines.items()}
    cycle = grading.create_cycle(organization, data.year, title=data.title, policy=data.policy,
                                 deadlines=deadlines, by=user)
    return jsonify(schemas.Cycle(**cycle_json(cycle)).model_dump()), 201


@bp.get("/cycles/<int:cycle_id>")
@staff_api(READERS)
@documented(answers={200: schemas.CycleWithProgress}, errors=(404,), tag=TAG, path_parameters=CYCLE_ID)
def get_review_cycle(cycle_id, user):
    """A cycle with its progress tree (figures rolled up)"""
    cycle = cycle_or_404(cycle_id, user)
    root = user.organization if user.organization is not None and grading.covers(cycle, user.organization) \
        else cycle.organization
    progress = schemas.ProgressNode(**grading_progress.progress(cycle, root).to_dict())
    return jsonify(schemas.CycleWithProgress(**cycle_json(cycle), progress=progress).model_dump(mode="json"))


@bp.get("/cycles/<int:cycle_id>/subjects/<key>")
@staff_api(READERS)
@documented(answers={200: schemas.RatingSubject}, errors=(400, 404), tag=TAG,
            path_parameters=CYCLE_ID | {"key": "The rated subject: <role>:<code>, e.g. member:DV00001."})
def get_rating_subject(cycle_id, key, user):
    """A subject: self-assessment, proposal explained, decisions"""
    cycle = cycle_or_404(cycle_id, user)
    subject = grading.find_subject(cycle, key)
    if not user.can_reach(subject.organization) and not grading.may_decide(user, subject):
        raise ServiceError("forbidden")
    db.session.commit()
    return jsonify(subject_json(subject))


@bp.post("/cycles/<int:cycle_id>/self-assessments/import")
@staff_api()
@documented(form=schemas.Upload, answers={200: schemas.RatingImportReport}, errors=(400, 404, 409, 422), tag=TAG,
            path_parameters=CYCLE_ID)
def import_self_assessments(cycle_id, user):
    """Import self-assessments and proposals (the export's columns)

    All lines or none; 422 lists each bad line.
    """
    cycle = cycle_or_404(cycle_id, user)
    data, filename = uploaded_file()
    return jsonify(schemas.RatingImportReport(**grading_exchange.import_table(cycle, data, filename, by=user))
                   .model_dump())


@bp.post("/cycles/<int:cycle_id>/open-votes")
@staff_api()
@documented(json=schemas.OpenVote, answers={201: schemas.RatingProposal}, tag=TAG, path_parameters=CYCLE_ID)
def record_open_votes(cycle_id, user):
    """Record show-of-hands counts: a proposal"""
    subject, data = subject_and_body(cycle_id, user, schemas.OpenVote)
    proposal = grading.record_open_vote(subject, dict(data.counts), data.base, by=user)
    return jsonify(proposal_json(proposal)), 201


@bp.post("/cycles/<int:cycle_id>/sessions/<session_id>/proposals")
@staff_api()
@documented(answers={200: schemas.RatingProposals}, tag=TAG,
            path_parameters=CYCLE_ID | {"session_id": "The tallied rating session's id."})
def propose_from_rating_session(cycle_id, session_id, user):
    """Proposals from a tallied rating session's signed tally"""
    cycle = cycle_or_404(cycle_id, user)
    session = get_session_or_404(session_id, user)
    return jsonify({"proposals": [proposal_json(p) for p in grading.propose_from_session(cycle, session, by=user)]})


@bp.post("/cycles/<int:cycle_id>/decisions")
@staff_api()
@documented(json=schemas.DecisionCreate, answers={201: schemas.Decision}, tag=TAG, path_parameters=CYCLE_ID)
def decide_rating(cycle_id, user):
    """Approve or override a proposal (the competent level only)

    403 not_competent outside the competent level; 400 reason_required for an override without a
    reason; 409 quota_exceeded unless quota_exception gives the reason.
    """
    subject, data = subject_and_body(cycle_id, user, schemas.DecisionCreate)
    decision = grading.decide(subject, level=data.level, reason=data.reason, quota_exception=data.quota_exception,
                              by=user)
    return jsonify(decision_json(decision)), 201


@bp.post("/cycles/<int:cycle_id>/decisions/cancel")
@staff_api()
@documented(json=schemas.DecisionCancel, answers={201: schemas.Decision}, tag=TAG, path_parameters=CYCLE_ID)
def cancel_rating(cycle_id, user):
    """Cancel the current decision (with a reason) to re-grade"""
    subject, data = subject_and_body(cycle_id, user, schemas.DecisionCancel)
    decision = grading.cancel_decision(subject, reason=data.reason, by=user)
    return jsonify(decision_json(decision)), 201


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/cycles/<int:cycle_id>/export")
@staff_api(READERS)
@documented(query=schemas.ExportQuery, answers={200: None}, errors=(400, 404), tag=TAG, path_parameters=CYCLE_ID,
            content={XLSX: {"schema": {"type": "string", "format": "binary"}},
                     "text/csv": {"schema": {"type": "string"}}})
def export_ratings(cycle_id, user):
    """The ratings as XLSX or CSV"""
    cycle = cycle_or_404(cycle_id, user)
    options = query(schemas.ExportQuery)
    unit = organization_by_code(options.unit, user) if options.unit else \
        (user.organization if user.organization is not None and grading.covers(cycle, user.organization)
         else cycle.organization)
    if not grading.covers(cycle, unit):
        abort(404)
    fmt = options.format
    return Response(grading_exchange.export_table(cycle, unit, fmt), mimetype=grading_exchange.MIMETYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="xep-loai-{cycle.year}-{unit.code}.{fmt}"'})


@bp.post("/hall-keys")
@staff_api(PINS_HALL_KEYS)
@documented(json=schemas.HallKeyCreate, answers={201: schemas.HallKey}, tag=TAG)
def pin_hall_key(user):
    """Pin a meeting hall installation's signing key"""
    data = body(schemas.HallKeyCreate)
    hall = grading.pin_hall_key(data.name, data.public_key, by=user)
    return jsonify(schemas.HallKey(id=hall.id, name=hall.name, public_key=hall.public_key).model_dump()), 201


@bp.post("/cycles/<int:cycle_id>/hall-bundles")
@staff_api()
@documented(json=schemas.HallBundleImport, answers={200: schemas.RatingProposals}, errors=(400, 404, 409, 422),
            tag=TAG, path_parameters=CYCLE_ID)
def import_hall_bundle(cycle_id, user):
    """Proposals from a hall's public bundle, verified against its pinned key

    Every check of `votingapp verify` must pass against the pinned key, or 422 bundle_refused and
    nothing is imported; results are never re-typed.
    """
    cycle = cycle_or_404(cycle_id, user)
    data = body(schemas.HallBundleImport)
    hall = db.session.scalar(select(HallKey).where(HallKey.name == data.hall))
    if hall is None:
        raise invalid("hall", N_("names no pinned hall key."))
    made = grading.import_hall_bundle(cycle, hall, data.bundle, by=user)
    return jsonify({"proposals": [proposal_json(p) for p in made]})

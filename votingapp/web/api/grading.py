"""Yearly rating endpoints: cycle create and read, self-assessment import, open-vote entry,
proposals from a counted rating ballot or a hall's bundle, decisions, export. Same
authentication as the staff API (staff_api); the competent level is checked by the service."""

from __future__ import annotations

from flask import Response, abort, jsonify, request
from sqlalchemy import select

from ...domain import grading as rules
from ...extensions import db
from ...models import HallKey, ReviewCycle
from ...services import grading, grading_exchange, grading_progress
from ...services.errors import ServiceError
from ..common import get_session_or_404
from . import bp
from .staff import (READERS, _invalid, _uploaded_file, body_with, choice_field, integer_field, organization_by_code,
                    staff_api)


def cycle_or_404(cycle_id: int, user) -> ReviewCycle:
    cycle = db.session.get(ReviewCycle, cycle_id) or abort(404)
    if not user.can_follow_cycle(cycle.organization):
        raise ServiceError("forbidden")
    return cycle


def cycle_json(cycle: ReviewCycle) -> dict:
    return {"id": cycle.id, "organization": cycle.organization.code, "year": cycle.year, "title": cycle.title,
            "policy": grading.policy_of(cycle).to_dict(), "deadlines": cycle.deadlines, "state": cycle.state}


def proposal_json(proposal) -> dict:
    return {"subject": proposal.subject.key, "source": proposal.source, "counts": proposal.counts,
            "base": proposal.base, "level": proposal.level, "session": proposal.session_id,
            "evidence": proposal.evidence}


def decision_json(decision) -> dict:
    return {"id": decision.id, "subject": decision.subject.key, "action": decision.action, "level": decision.level,
            "reason": decision.reason, "organization": decision.organization.code,
            "decided_by": decision.decided_by, "decided_at": decision.decided_at.isoformat() + "Z"}


def subject_json(subject) -> dict:
    a = subject.self_assessment
    return {"key": subject.key, "name": subject.name, "role": subject.role,
            "organization": subject.organization.code,
            "competent": (grading.competent_organization(subject) or subject.organization).code,
            "self_assessment": None if a is None else {
                "form_type": a.form_type, "text": a.text, "self_score": a.self_score, "conditions": a.conditions,
                "self_level": a.self_level},
            "proposal": proposal_json(subject.proposal) if subject.proposal else None,
            "explained": grading.explain(subject, "vi"), "explained_en": grading.explain(subject, "en"),
            "decision": subject.decided_level, "history": [decision_json(d) for d in subject.decisions]}


def subject_field(cycle, data: dict):
    key = data.get("subject")
    if not isinstance(key, str):
        raise _invalid("subject", "must be a subject key such as member:DV00001.",
                       "phải là mã đối tượng, ví dụ member:DV00001.")
    return grading.find_subject(cycle, key)


def text_or_empty(data: dict, name: str) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        raise _invalid(name, "must be text.", "phải là văn bản.")
    return value


@bp.post("/cycles")
@staff_api()
def create_review_cycle(user):
    data = body_with("organization", "year", "title", "policy", "deadlines")
    organization = organization_by_code(data.get("organization"), user, field="organization")
    deadlines = data.get("deadlines")
    if deadlines is not None and (not isinstance(deadlines, dict)
                                  or not all(isinstance(v, str) for v in deadlines.values())):
        raise _invalid("deadlines", "must map level codes to YYYY-MM-DD dates.",
                       "phải gán mỗi mã cấp với một ngày YYYY-MM-DD.")
    policy = choice_field(data, "policy", tuple(rules.GRADING_POLICIES), default=rules.DEFAULT_GRADING_POLICY)
    cycle = grading.create_cycle(organization, integer_field(data, "year"), title=text_or_empty(data, "title"),
                                 policy=policy, deadlines=deadlines, by=user)
    return jsonify(cycle_json(cycle)), 201


@bp.get("/cycles/<int:cycle_id>")
@staff_api(READERS)
def get_review_cycle(cycle_id, user):
    cycle = cycle_or_404(cycle_id, user)
    root = user.organization if user.organization is not None and grading.covers(cycle, user.organization) \
        else cycle.organization
    return jsonify({**cycle_json(cycle), "progress": grading_progress.progress(cycle, root).to_dict()})


@bp.get("/cycles/<int:cycle_id>/subjects/<key>")
@staff_api(READERS)
def get_rating_subject(cycle_id, key, user):
    cycle = cycle_or_404(cycle_id, user)
    subject = grading.find_subject(cycle, key)
    if not user.can_reach(subject.organization) and not grading.may_decide(user, subject):
        raise ServiceError("forbidden")
    db.session.commit()
    return jsonify(subject_json(subject))


@bp.post("/cycles/<int:cycle_id>/self-assessments/import")
@staff_api()
def import_self_assessments(cycle_id, user):
    cycle = cycle_or_404(cycle_id, user)
    data, filename = _uploaded_file()
    return jsonify(grading_exchange.import_table(cycle, data, filename, by=user))


@bp.post("/cycles/<int:cycle_id>/open-votes")
@staff_api()
def record_open_votes(cycle_id, user):
    cycle = cycle_or_404(cycle_id, user)
    data = body_with("subject", "counts", "base")
    counts = data.get("counts")
    if not isinstance(counts, dict) or not all(type(v) is int for v in counts.values()):
        raise _invalid("counts", "must map levels (HTXSNV, HTTNV, HTNV, KHTNV) to whole numbers.",
                       "phải gán mỗi mức (HTXSNV, HTTNV, HTNV, KHTNV) với một số nguyên.")
    proposal = grading.record_open_vote(subject_field(cycle, data), counts, integer_field(data, "base"), by=user)
    return jsonify(proposal_json(proposal)), 201


@bp.post("/cycles/<int:cycle_id>/sessions/<session_id>/proposals")
@staff_api()
def propose_from_rating_session(cycle_id, session_id, user):
    cycle = cycle_or_404(cycle_id, user)
    session = get_session_or_404(session_id, user)
    return jsonify({"proposals": [proposal_json(p) for p in grading.propose_from_session(cycle, session, by=user)]})


@bp.post("/cycles/<int:cycle_id>/decisions")
@staff_api()
def decide_rating(cycle_id, user):
    cycle = cycle_or_404(cycle_id, user)
    data = body_with("subject", "level", "reason", "quota_exception")
    level = data.get("level")
    if level is not None and level not in rules.LEVELS:
        raise _invalid("level", "must be HTXSNV, HTTNV, HTNV or KHTNV (or absent to approve the proposal).",
                       "phải là HTXSNV, HTTNV, HTNV hoặc KHTNV (hoặc bỏ trống để phê duyệt đề xuất).")
    decision = grading.decide(subject_field(cycle, data), level=level, reason=text_or_empty(data, "reason"),
                              quota_exception=text_or_empty(data, "quota_exception"), by=user)
    return jsonify(decision_json(decision)), 201


@bp.post("/cycles/<int:cycle_id>/decisions/cancel")
@staff_api()
def cancel_rating(cycle_id, user):
    cycle = cycle_or_404(cycle_id, user)
    data = body_with("subject", "reason")
    decision = grading.cancel_decision(subject_field(cycle, data), reason=text_or_empty(data, "reason"), by=user)
    return jsonify(decision_json(decision)), 201


@bp.get("/cycles/<int:cycle_id>/export")
@staff_api(READERS)
def export_ratings(cycle_id, user):
    cycle = cycle_or_404(cycle_id, user)
    fmt = request.args.get("format", "xlsx")
    if fmt not in grading_exchange.MIMETYPES:
        raise _invalid("format", "must be xlsx or csv.", "phải là xlsx hoặc csv.")
    unit = organization_by_code(request.args["unit"], user) if request.args.get("unit") else \
        (user.organization if user.organization is not None and grading.covers(cycle, user.organization)
         else cycle.organization)
    if not grading.covers(cycle, unit):
        abort(404)
    return Response(grading_exchange.export_table(cycle, unit, fmt), mimetype=grading_exchange.MIMETYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="xep-loai-{cycle.year}-{unit.code}.{fmt}"'})


@bp.post("/hall-keys")
@staff_api()
def pin_hall_key(user):
    data = body_with("name", "public_key")
    hall = grading.pin_hall_key(text_or_empty(data, "name"), text_or_empty(data, "public_key"), by=user)
    return jsonify({"id": hall.id, "name": hall.name, "public_key": hall.public_key}), 201


@bp.post("/cycles/<int:cycle_id>/hall-bundles")
@staff_api()
def import_hall_bundle(cycle_id, user):
    cycle = cycle_or_404(cycle_id, user)
    data = body_with("hall", "bundle")
    hall = db.session.scalar(select(HallKey).where(HallKey.name == data.get("hall"))) \
        if isinstance(data.get("hall"), str) else None
    if hall is None:
        raise _invalid("hall", "names no pinned hall key.", "không ứng với hội trường nào đã ghim khóa.")
    if not isinstance(data.get("bundle"), dict):
        raise _invalid("bundle", "must be the hall's public bundle (JSON object).",
                       "phải là gói kết quả công khai của hội trường (đối tượng JSON).")
    made = grading.import_hall_bundle(cycle, hall, data["bundle"], by=user)
    return jsonify({"proposals": [proposal_json(p) for p in made]})

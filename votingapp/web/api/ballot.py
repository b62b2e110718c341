"""Voter endpoints: no login, the token is the credential and travels only in POST bodies."""

from flask import current_app, jsonify, request

from ...crypto.encoding import b64encode
from ...domain.forms import OPTIONS
from ...extensions import csrf, limiter
from ...services import ballots
from ..common import json_body
from . import bp


def session_for_voter(session) -> dict:
    """What a phone needs to fill and seal a ballot; nothing about other ballots."""
    return {
        "id": session.id,
        "title": session.title,
        "kind": session.kind,
        "meeting": session.meeting.title,
        "organization": session.meeting.organization.name,
        "scheme": session.scheme,
        "public_key": b64encode(session.public_key),
        "plaintext_size": session.plaintext_size,
        "subjects": [{"id": s.key, "name": s.name, "detail": s.detail,
                      "options": [{"id": o.id, "label": o.label, "label_en": o.label_en}
                                  for o in OPTIONS[session.kind]]}
                     for s in session.subjects],
    }


@bp.before_app_request
def _cap_voter_bodies():
    if request.path.startswith("/api/v1/ballot/"):
        request.max_content_length = current_app.config["VOTER_MAX_BODY"]


def voter_rate_limit() -> str:
    return current_app.config["VOTER_RATE_LIMIT"]


@bp.post("/ballot/lookup")
@csrf.exempt
@limiter.limit(voter_rate_limit)
def lookup_ballot():
    data = json_body()
    return jsonify(session_for_voter(ballots.lookup(data.get("token"))))


@bp.post("/ballot/cast")
@csrf.exempt
@limiter.limit(voter_rate_limit)
def cast_ballot():
    data = json_body()
    session_id = data.get("session")
    receipt, created = ballots.cast_ballot(data.get("token"), data.get("ballot"),
                                           claimed_session=session_id if isinstance(session_id, str) else None)
    return jsonify({"receipt": receipt, "short_code": receipt[:8]}), 201 if created else 200

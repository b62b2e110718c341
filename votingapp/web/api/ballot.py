"""Voter endpoints: no login, the token is the credential and travels only in POST bodies."""

import math
import time
from functools import lru_cache
from typing import Any

from flask import current_app, jsonify, request
from limits import parse

from ...crypto.encoding import b64encode
from ...domain.ballot_forms import OPTIONS
from ...extensions import csrf, limiter
from ...services import ballots, verifiable
from ...services.errors import ServiceError
from ..common import json_body
from . import bp, schemas
from .openapi import VOTER_ERRORS, documented

VOTER: dict[str, Any] = {"tag": "voter", "security": [], "errors": VOTER_ERRORS}
#: cast and check also refuse a verifiable-v1 ballot whose proofs fail: 422
CHECKED: dict[str, Any] = VOTER | {"errors": (*VOTER_ERRORS, 422)}


def session_for_voter(session) -> dict:
    """What a phone needs to fill and seal a ballot; nothing about other ballots. A
    verifiable-v1 session also gives the crypto session the phone seals for (`verifiable`),
    its options in board order (with the lenient policy's "blank" column) and no plaintext size."""
    checked = verifiable.is_verifiable(session)
    options = verifiable.voter_options(session) if checked else OPTIONS[session.kind]
    answer = {
        "id": session.id,
        "title": session.title,
        "kind": session.kind,
        "meeting": session.meeting.title,
        "organization": session.meeting.organization.name,
        "scheme": session.scheme,
        "public_key": b64encode(session.public_key),
        "plaintext_size": None if checked else session.plaintext_size,
        "subjects": [{"id": s.key, "name": s.name, "detail": s.detail,
                      "options": [{"id": o.id, "label": o.label_vi, "label_en": o.label_en} for o in options]}
                     for s in session.subjects],
    }
    if checked:
        answer["verifiable"] = verifiable.crypto_session(session).to_json()
    return answer


@bp.before_app_request
def _cap_voter_bodies():
    if request.path.startswith("/api/v1/ballot/"):
        request.max_content_length = current_app.config["VOTER_MAX_BODY"]


@lru_cache(maxsize=8)
def _parsed_limit(text: str):
    return parse(text)


def count_voter_call(endpoint: str) -> None:
    """VOTER_RATE_LIMIT per client address and endpoint, counted in the limiter's store
    (memory, or Redis shared by every worker): past it, 429 with the seconds to wait. One
    counter hit, no per-route machinery (Flask-Limiter's cost a quarter of a cast's CPU)."""
    if not limiter.enabled:
        return
    limit = _parsed_limit(current_app.config["VOTER_RATE_LIMIT"])
    key = ("voter", endpoint, request.remote_addr or "127.0.0.1")
    if not limiter.limiter.hit(limit, *key):
        reset_at, _ = limiter.limiter.get_window_stats(limit, *key)
        raise ServiceError("too_many_requests", extra={"retry_after": max(math.ceil(reset_at - time.time()), 1)})


@bp.post("/ballot/lookup")
@csrf.exempt
@documented(json=schemas.LookupRequest, answers={200: schemas.VoterSession}, **VOTER)
def lookup_ballot():
    """The session a token votes in: the ballot form and the session's public key

    No login: the token is the credential and travels only in POST bodies. Errors are
    `{"error": {code, message, message_vi}}` with codes unknown_token, token_used, token_void,
    session_not_open, malformed_ballot, wrong_scheme, too_large, wrong_session, duplicate_ballot,
    malformed_request (the codes of the voter contract, shared with cast). A rejected request consumes
    no token. The body is checked by the service with these codes (not invalid_input), as phones expect.
    """
    count_voter_call("lookup")
    data = json_body()
    return jsonify(session_for_voter(ballots.lookup(data.get("token"))))


@bp.post("/ballot/cast")
@csrf.exempt
@documented(json=schemas.CastRequest, answers={201: schemas.Receipt, 200: schemas.Receipt}, **CHECKED)
def cast_ballot():
    """Cast one sealed ballot

    The ballot is sealed on the phone, under the scheme the lookup names. The same token with the same
    ballot again answers 200 with the same receipt; the same token with another ballot answers 409
    token_used. Errors are `{"error": {code, message, message_vi}}` with codes unknown_token,
    token_used, token_void, session_not_open, malformed_ballot, wrong_scheme, too_large, wrong_session,
    duplicate_ballot, malformed_request. A verifiable-v1 ballot is checked (spec §4.6) before the
    token is spent: 422 wrong_size, bad_point, duplicate_ciphertext, bad_scalar, bad_bit_proof or
    bad_row_proof, the first check that fails. A rejected request consumes no token.
    """
    count_voter_call("cast")
    data = json_body()
    session_id = data.get("session")
    receipt, created = ballots.cast_ballot(data.get("token"), data.get("ballot"),
                                           claimed_session=session_id if isinstance(session_id, str) else None)
    return jsonify({"receipt": receipt, "short_code": receipt[:8]}), 201 if created else 200


@bp.post("/ballot/spoil")
@csrf.exempt
@documented(json=schemas.SpoilRequest, answers={200: schemas.SpoiledBallot}, **CHECKED)
def spoil_ballot():
    """Check a verifiable-v1 ballot instead of casting it (Benaloh)

    The phone sends the sealed ballot and its randomness `reveal` (r_0 … r_{T−1}, 32 bytes each, B64).
    The ballot is checked as a cast is (422 with the same codes), then opened (422 bad_reveal when the
    randomness does not open it), published on the board's `spoiled` list with its randomness, and its
    ciphertexts registered so it can never be cast. The answer is its receipt, short code and choices,
    for the voter to compare on another device. The token is not spent; it may check at most 3 ballots
    (then 409 too_many_checks). Other errors as for cast; 409 not_applicable for a sealed session.
    """
    count_voter_call("spoil")
    data = json_body()
    session_id = data.get("session")
    return jsonify(ballots.spoil_ballot(data.get("token"), data.get("ballot"), data.get("reveal"),
                                        claimed_session=session_id if isinstance(session_id, str) else None))

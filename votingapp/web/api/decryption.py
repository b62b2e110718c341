"""The counting committee's phones (verifiable-v1, committee custody): each member's phone
fetches the sums, decrypts them with its share (which never leaves the phone) and sends only
its partial decryption with proofs. Public like the voter calls: no login, no cookie, no CSRF
token; the proofs, checked against the session's published keys, are the credential."""

from typing import Any

from flask import current_app, jsonify, request

from ...extensions import csrf
from ...services import verifiable
from ..common import get_public_session_or_404, json_body
from . import bp, schemas
from .ballot import count_voter_call
from .openapi import VOTER_ERRORS, documented

MEMBER: dict[str, Any] = {"tag": "members", "security": [],
                          "path_parameters": {"session_id": "The ballot session's id."}}


@bp.before_app_request
def _cap_member_bodies():
    if request.path.startswith("/api/v1/sessions/") and request.path.endswith("/partials"):
        request.max_content_length = current_app.config["VOTER_MAX_BODY"]


@bp.get("/sessions/<session_id>/decryption")
@documented(answers={200: schemas.DecryptionStatus}, errors=(404, 409, 429), **MEMBER)
def decryption_status(session_id: str):
    """What a counting-committee member's phone decrypts, and who has

    No login. For a closed verifiable-v1 session whose key the counting committee holds: the session as
    the crypto core takes it, the ciphertext sums (B64 of Ā_0‖B̄_0‖…, 64·T bytes), the number of ballots,
    k, n and the members whose partial decryptions are stored. 409 session_not_closed before the close,
    not_applicable for other sessions.
    """
    count_voter_call("decryption")
    return jsonify(verifiable.decryption_status(get_public_session_or_404(session_id)))


@bp.post("/sessions/<session_id>/partials")
@csrf.exempt
@documented(json=schemas.PartialRequest, answers={201: schemas.PartialStored, 200: schemas.PartialStored},
            errors=tuple(sorted({*VOTER_ERRORS, 422})), **MEMBER)
def submit_partial(session_id: str):
    """Send a member's partial decryption of the sums

    No login, no CSRF token. `partial` is B64 of the 96·T bytes D‖c‖z per sum (docs/formats.md,
    verifiable-v1 §6.2), made on the member's phone; the share itself is never sent. Stored only when
    every proof checks against the sums and the member's verification key: 201, or 200 when this
    member's partial is already stored. 422 bad_partial (nothing stored); 409 session_not_closed,
    already_tallied, not_applicable.
    """
    count_voter_call("partials")
    session = get_public_session_or_404(session_id)
    data = json_body()
    created = verifiable.submit_partial(session, data.get("member"), data.get("partial"))
    status = verifiable.decryption_status(session)
    answer = {"member": data["member"], "members_done": status["members_done"], "threshold": status["threshold"]}
    return jsonify(answer), 201 if created else 200

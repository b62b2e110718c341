"""What the installation publishes: the signed board at close, the signed tally, and the
audit bundles built from them."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from ..audit.bundle import AUDITOR, PUBLIC, build_board, build_bundle
from ..crypto import sealed, signing
from ..crypto.encoding import b64encode
from ..domain.forms import option_ids
from ..extensions import db
from ..models import Ballot, BallotSession, Board, SessionState
from . import audit
from .errors import ServiceError


def signing_public_key() -> bytes:
    """The installation's Ed25519 public key: shown on the site, pinned by auditors."""
    return signing.public_key_of(current_app.config["SIGNING_KEY"])


def sign(document: dict) -> dict:
    return signing.sign_document(document, current_app.config["SIGNING_KEY"])


def session_facts(session: BallotSession) -> dict:
    """What the board says of its session: enough to fill, seal and count a ballot."""
    meeting = session.meeting
    return {
        "id": session.id, "title": session.title, "kind": session.kind,
        "meeting": meeting.title, "organization": meeting.organization.name,
        "held_on": meeting.held_on.isoformat(), "scheme": session.scheme,
        "public_key": b64encode(session.public_key), "plaintext_size": session.plaintext_size,
        "policy": session.policy,
        "subjects": [subject_facts(s) for s in session.subjects],
        "options": list(option_ids(session.kind)),
    }


def subject_facts(subject) -> dict:
    """A subject as the board names it; a person's post (chức vụ), printed on the ballot, too."""
    return {"id": subject.key, "name": subject.name} | ({"detail": subject.detail} if subject.detail else {})


def publish_board(session: BallotSession, counts: dict) -> Board:
    """Freeze the closed session's ballot box as a signed board (called once, by close). The
    counts are the electorate's: summoned, excluded from the base, the base, present."""
    rows = db.session.scalars(select(Ballot).where(Ballot.session_id == session.id)).all()
    ballots = [sealed.SealedBallot(row.epk, row.nonce, row.ct, row.scheme) for row in rows]
    document = sign(build_board(session_facts(session), {
        "summoned": counts["summoned"], "excluded": counts["excluded"], "base": counts["base"],
        "present": counts["present"], "tokens_issued": counts["issued"],
        "tokens_used": counts["voted"], "tokens_void": counts["void"]}, ballots))
    board = Board(session_id=session.id, document=document)
    db.session.add(board)
    return board


def board_of(session: BallotSession) -> dict:
    """The published board; refused (409) while the session is still draft or open."""
    if session.state in (SessionState.DRAFT.value, SessionState.OPEN.value) or session.board is None:
        raise ServiceError("session_not_closed")
    return session.board.document


def public_bundle(session: BallotSession) -> dict:
    """Board, signatures, counts and tally (once tallied): anyone may check these."""
    tally = session.tally.document if session.tally else None
    return build_bundle(PUBLIC, board_of(session), tally, signing_public_key())


def auditor_bundle(session: BallotSession, private_key_raw: bytes, *, by) -> dict:
    """The public bundle plus the session private key: after the tally only, each download logged."""
    if session.tally is None:
        raise ServiceError("not_tallied")
    audit.record(audit.actor_name(by), "download_auditor_bundle", f"session:{session.id}")
    db.session.commit()
    return build_bundle(AUDITOR, board_of(session), session.tally.document, signing_public_key(),
                        private_key_raw)

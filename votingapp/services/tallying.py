"""Tally a closed session: decrypt every ballot of its signed board, count by the session's
policy, sign and store once."""

from __future__ import annotations

from ..audit.bundle import board_ballots
from ..domain.policy import get_policy
from ..domain.tally import BallotForm, Bases, Subject, count_ballots
from ..extensions import db
from ..models import BallotSession, SessionState, Tally
from . import audit
from .ballots import decrypt_all, session_private_key
from .errors import ServiceError
from .publication import board_of, sign


def ballot_form(session: BallotSession) -> BallotForm:
    return BallotForm(session_id=session.id, kind=session.kind, plaintext_size=session.plaintext_size,
                      subjects=tuple(Subject(s.key, s.name) for s in session.subjects))


MAX_COMMITTEE = 15


def committee_names(names) -> list[str]:
    """The counting committee (ban kiểm phiếu) as typed: names kept in order, blanks dropped."""
    cleaned = [name.strip() for name in (names or []) if isinstance(name, str) and name.strip()]
    if len(cleaned) > MAX_COMMITTEE or any(len(name) > 120 for name in cleaned):
        raise ServiceError("invalid_input", f"At most {MAX_COMMITTEE} committee members of up to 120 characters.",
                           f"Ban kiểm phiếu tối đa {MAX_COMMITTEE} người, mỗi tên tối đa 120 ký tự.")
    return cleaned


def tally_session(session: BallotSession, *, by, committee=(), shares=None) -> Tally:
    """Closed → tallied. The signed document is the only source of results afterwards;
    `committee` names the counting committee that signs the minutes; `shares` are k of its
    key shares when it holds the key. Missing or wrong shares change nothing."""
    committee = committee_names(committee)
    session.move("tally", SessionState.CLOSED, SessionState.TALLIED)
    try:
        private_key = session_private_key(session, shares)
    except ServiceError:
        db.session.rollback()  # the session stays closed
        raise
    board = board_of(session)
    counts = board["counts"]
    bases = Bases(summoned=counts["summoned"], present=counts["present"], issued=counts["tokens_issued"],
                  base=counts.get("base"))
    plaintexts = decrypt_all(board_ballots(board), session.id, private_key)
    document = count_ballots(plaintexts, ballot_form(session), get_policy(session.policy), bases)
    document["session"].update(title=session.title, meeting=session.meeting.title,
                               organization=session.meeting.organization.name,
                               held_on=session.meeting.held_on.isoformat())
    document["tokens"] = {"issued": counts["tokens_issued"], "used": counts["tokens_used"],
                          "void": counts["tokens_void"]}
    document["board_head"] = board["head"]
    document["committee"] = committee
    session.tallied_at = db.func.now()
    tally = Tally(session_id=session.id, document=sign(document), created_by=audit.actor_name(by))
    db.session.add(tally)
    audit.record(audit.actor_name(by), "tally_session", f"session:{session.id}", custody=session.key_custody,
                 received=document["ballots"]["received"], invalid=document["ballots"]["invalid"])
    db.session.commit()
    return tally


def results(session: BallotSession) -> dict:
    """The tally document; refused (409) before the tally exists."""
    if session.state != SessionState.TALLIED.value or session.tally is None:
        raise ServiceError("not_tallied")
    return session.tally.document

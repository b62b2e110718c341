"""Tally a closed session: decrypt every ballot of its signed board (sealed schemes) or only
their sums (verifiable-v1), count by the session's policy, sign and store once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import cast

from ..catalog import N_
from ..crypto import sealed
from ..crypto.board import Chain
from ..crypto.verifiable.tally import counts_by_subject
from ..domain.clock import VIETNAM, utcnow
from ..domain.policy import get_policy
from ..domain.tally import BallotForm, Bases, FormSubject, KeyedCount, document_from_counts
from ..domain.text import Field
from ..extensions import db
from ..models import BallotSession, SessionState, Tally
from . import activity, permissions, verifiable
from .ballots import session_private_key, system_kek
from .errors import ServiceError, text_input
from .publication import board_ballots_of, board_of, sign, stored_receipts


def ballot_form(session: BallotSession) -> BallotForm:
    return BallotForm(session_id=session.id, kind=session.kind, plaintext_size=session.plaintext_size,
                      subjects=tuple(FormSubject(s.key, s.name, s.detail or "") for s in session.subjects))


def vietnam_time(moment: datetime | None) -> str:
    """A stored moment (aware UTC, see models.base.UTCDateTime) as ISO 8601 in Vietnam time, to
    the minute as the signed tally has always held it; "" when it never happened."""
    if moment is None:
        return ""
    return moment.astimezone(VIETNAM).isoformat(timespec="minutes")


def session_record(session: BallotSession) -> dict:
    """What the minutes print of the meeting, copied into the signed tally so that they read
    nothing else: the organization and the committee above it, place, times, chair, secretary."""
    meeting = session.meeting
    organization = meeting.organization
    return {"title": session.title, "meeting": meeting.title, "organization": organization.name,
            "superior": organization.parent.name if organization.parent else "",
            "held_on": meeting.held_on.isoformat(), "place": meeting.place or "",
            "chair": meeting.chair_name or "", "secretary": meeting.secretary_name or "",
            "opened_at": vietnam_time(session.opened_at), "closed_at": vietnam_time(session.closed_at)}


MAX_COMMITTEE = 15
COMMITTEE_NAME = Field("committee", N_("A counting committee member's name"))


def committee_names(names) -> list[str]:
    """The counting committee (ban kiểm phiếu) as typed: names kept in order, blanks dropped."""
    if not isinstance(names or [], (list, tuple)):
        raise ServiceError("invalid_input", N_("The committee is a list of names."))
    cleaned = [name for name in (text_input(name, COMMITTEE_NAME, max_length=120, required=False)
                                 for name in names or []) if name]
    if len(cleaned) > MAX_COMMITTEE or any(len(name) > 120 for name in cleaned):
        raise ServiceError("invalid_input", N_("At most %(max_committee)s committee members of up to 120 "
                                               "characters.", max_committee=MAX_COMMITTEE))
    return cleaned


def tally_session(session: BallotSession, *, by, committee=(), shares=None) -> Tally:
    """Closed → tallied. The signed document is the only source of results afterwards;
    `committee` names the counting committee that signs the minutes; `shares` are k of its
    key shares when it holds the key. Missing or wrong shares change nothing."""
    permissions.check(by, "can_run_meetings", session.meeting.organization)
    committee = committee_names(committee)
    if verifiable.is_verifiable(session) and session.state == SessionState.CLOSED.value:
        _entered_no_shares(shares)
        verifiable.sums_of(session)  # stored at close; computed (and committed) now if not, before the move
    session.move("tally", SessionState.CLOSED, SessionState.TALLIED)
    if verifiable.is_verifiable(session):
        board = board_of(session)
        document = count_sums(session, board, _bases(board))
    else:
        try:
            private_key = session_private_key(session, shares)
        except ServiceError:
            db.session.rollback()  # the session stays closed
            raise
        board = board_of(session)
        document = count_board(session, board, private_key).document(_bases(board))
    document["session"].update(session_record(session))
    counts = board["counts"]
    document["tokens"] = {"issued": counts["tokens_issued"], "used": counts["tokens_used"],
                          "void": counts["tokens_void"]}
    document["board_head"] = board["head"]
    document["committee"] = committee
    session.tallied_at = utcnow()
    tally = Tally(session_id=session.id, document=sign(document), created_by=activity.actor_name(by))
    db.session.add(tally)
    activity.record(activity.actor_name(by), "tally_session", f"session:{session.id}", custody=session.key_custody,
                 received=document["ballots"]["received"], invalid=document["ballots"]["invalid"])
    db.session.commit()
    return tally


def _bases(board: dict) -> Bases:
    counts = board["counts"]
    return Bases(summoned=counts["summoned"], present=counts["present"], issued=counts["tokens_issued"],
                 base=counts.get("base"))


def _entered_no_shares(shares) -> None:
    """A verifiable session's members decrypt on their own phones: no share is typed here."""
    if any(isinstance(text, str) and text.strip() for text in shares or ()):
        raise ServiceError("invalid_input", N_("The members of this session decrypt on their own phones (the member "
                                               "page): give no key shares here."))


def count_sums(session: BallotSession, board: dict, bases: Bases) -> dict:
    """verifiable-v1 (§6): no ballot is decrypted. The chain over the stored receipts must end
    at the board's signed head (so the stored ballots are the board's); the stored sums are
    decrypted (the system's one share, or the members' k stored partials) and every n_t
    recovered; the document is tally-v1's with the `decryption` that proves it. A refusal
    leaves the session closed."""
    try:
        chain = Chain(session.id, board["format"])
        for receipt in stored_receipts(session.id):
            chain.add(receipt)
        if chain.head != board["head"]:
            raise ServiceError("conflict", N_("The stored ballots are not the published board's: nothing was counted."))
        counts, decryption = verifiable.decrypt_counts(session, system_kek(), chain.length)
        blank, per_subject = counts_by_subject(verifiable.crypto_session(session), counts)
        try:
            document = document_from_counts(ballot_form(session), get_policy(session.policy), bases, chain.length,
                                            blank, per_subject)
        except ValueError:  # proven ballots always add up: only changed rows could get here
            raise ServiceError("conflict", N_("The decrypted sums do not add up to the board's ballots: nothing was "
                                              "counted.")) \
                from None
    except ServiceError:
        db.session.rollback()  # the session stays closed
        raise
    document["scheme"] = verifiable.SCHEME
    document["decryption"] = decryption.to_json()
    return document


def count_board(session: BallotSession, board: dict, private_key) -> KeyedCount:
    """Decrypt and count the board's ballots one at a time, in its order, each opened once; the
    chain over their receipts must end at the signed head, so what is counted is exactly the
    published board (a row changed since the close is refused, nothing is counted)."""
    opener = sealed.Opener(private_key, session.id)
    count = KeyedCount(ballot_form(session), get_policy(session.policy))
    chain = Chain(session.id, board["format"])
    # a sealed session's board holds SealedBallots only (VerifiableEntry is verifiable-v1's)
    for ballot, plaintext in opener.open_each(cast(Iterator[sealed.SealedBallot], board_ballots_of(session))):
        chain.add_digest(ballot.digest)
        count.add(ballot.epk_x, plaintext)
    if chain.head != board["head"]:
        db.session.rollback()  # the session stays closed
        raise ServiceError("conflict", N_("The stored ballots are not the published board's: nothing was counted."))
    return count


def results(session: BallotSession) -> dict:
    """The tally document; refused (409) before the tally exists."""
    if session.state != SessionState.TALLIED.value or session.tally is None:
        raise ServiceError("not_tallied")
    return session.tally.document

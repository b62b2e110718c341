"""The voter's receipt check: is this receipt on a published board? Nothing else is said about
the ballot. A board's entries are its closed session's rows of the ballots table (a board-v2
is served from them; a board-v1 was made from them at close, and no row changes after it),
so the check is an index lookup there, not a read of every board."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from ..catalog import N_
from ..extensions import db
from ..models import Ballot, BallotSession, Board, Meeting, Organization
from .errors import ServiceError

SHORT, FULL = 8, 64
_HEX = re.compile(r"[0-9a-f]+")


@dataclass(frozen=True)
class Found:
    """One board that carries the receipt: the session and the receipt in full."""
    session_id: str
    title: str
    meeting: str
    organization: str
    held_on: str
    receipt: str


def normalize_receipt(text) -> str:
    """The short code (8 hex) or the full receipt (64 hex), lowercase; spaces, dashes and
    case as the voter typed them are forgiven, anything else is refused with a clear 400."""
    cleaned = re.sub(r"[\s\-]", "", text if isinstance(text, str) else "").lower()
    if len(cleaned) not in (SHORT, FULL) or not _HEX.fullmatch(cleaned):
        raise ServiceError("invalid_input",
                           N_("Type the 8-character receipt code (0-9, a-f) or the full 64-character receipt."),
                           extra={"field": "receipt"})
    return cleaned


def find_receipt(text, session_id: str | None = None) -> list[Found]:
    """Every published board holding the receipt (a short code may match on several boards)."""
    wanted = normalize_receipt(text)
    if session_id and db.session.get(BallotSession, session_id) is None:
        raise ServiceError("not_found", N_("No voting session has this identifier."))
    query = (select(Ballot.session_id, BallotSession.title, Meeting.title, Organization.name, Meeting.held_on,
                    Ballot.receipt)
             .join(Board, Board.session_id == Ballot.session_id)
             .join(BallotSession, BallotSession.id == Ballot.session_id)
             .join(Meeting, Meeting.id == BallotSession.meeting_id)
             .join(Organization, Organization.id == Meeting.organization_id)
             .where(Ballot.receipt.startswith(wanted, autoescape=True) if len(wanted) < FULL
                    else Ballot.receipt == wanted))
    if session_id:
        query = query.where(Ballot.session_id == session_id)
    found = [Found(sid, title, meeting, organization, held_on.isoformat(), receipt)
             for sid, title, meeting, organization, held_on, receipt in db.session.execute(query)]
    return sorted(found, key=lambda hit: (hit.held_on, hit.title, hit.receipt), reverse=True)

"""The voter's receipt check: is this receipt on a published board? Nothing else is said about
the ballot; the answer comes from the signed board documents, the same ones anyone downloads."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from ..models import BallotSession, Board
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
                           "Type the 8-character receipt code (0-9, a-f) or the full 64-character receipt.",
                           "Hãy nhập mã biên nhận 8 ký tự (0-9, a-f) hoặc biên nhận đầy đủ 64 ký tự.",
                           extra={"field": "receipt"})
    return cleaned


def _boards(session_id: str | None):
    """Published boards (a board exists only once its session is closed)."""
    query = select(Board)
    if session_id:
        query = query.where(Board.session_id == session_id)
    return db.session.scalars(query).all()


def find_receipt(text, session_id: str | None = None) -> list[Found]:
    """Every published board holding the receipt (a short code may match on several boards).

    Without a session, every board is read: a few hundred sessions of a few hundred ballots
    each is a few megabytes of JSON, read only when a voter asks."""
    wanted = normalize_receipt(text)
    if session_id and db.session.get(BallotSession, session_id) is None:
        raise ServiceError("not_found", "No voting session has this identifier.",
                           "Không có phiên bỏ phiếu với mã định danh này.")
    found = []
    for board in _boards(session_id):
        facts = board.document["session"]
        for entry in board.document["entries"]:
            if entry["receipt"].startswith(wanted):
                found.append(Found(board.session_id, facts["title"], facts["meeting"], facts["organization"],
                                   facts["held_on"], entry["receipt"]))
    return sorted(found, key=lambda hit: (hit.held_on, hit.title, hit.receipt), reverse=True)

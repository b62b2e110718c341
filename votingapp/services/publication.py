"""What the installation publishes: the signed board at close, the signed tally, and the
audit bundles built from them.

A board-v2 (docs/formats.md §6) is stored as its signed header only; its entries are the
closed session's rows of the ballots table, read in receipt order whenever the board or a
bundle is served, so no whole board is ever held in memory. Boards published as board-v1
are stored and served whole, as they were signed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from flask import current_app
from sqlalchemy import select

from ..audit.bundle import (
    AUDITOR,
    PUBLIC,
    BoardBallot,
    VerifiableEntry,
    board_entry,
    board_pieces,
    build_board_header,
    build_bundle,
    bundle_header,
    bundle_pieces,
    spoiled_entry,
)
from ..audit.stream import StreamedBundle
from ..catalog import N_
from ..crypto import sealed, signing
from ..crypto.board import BOARD_V1
from ..crypto.encoding import b64encode
from ..domain.ballot_forms import option_ids
from ..extensions import db
from ..models import Ballot, BallotSession, Board, SessionState, SpoiledBallot
from . import activity, verifiable
from .errors import ServiceError


def signing_public_key() -> bytes:
    """The installation's Ed25519 public key: shown on the site, pinned by auditors."""
    return signing.public_key_of(current_app.config["SIGNING_KEY"])


def sign(document: dict) -> dict:
    return signing.sign_document(document, current_app.config["SIGNING_KEY"])


def session_facts(session: BallotSession) -> dict:
    """What the board says of its session: enough to fill, seal and count a ballot. A
    verifiable-v1 session's add its threshold k and verification keys h_1 … h_n, have no
    plaintext size, and its options are the board's columns (services.verifiable.options_for):
    with subjects' ids, exactly the crypto session every proof is bound to (spec §3.4)."""
    meeting = session.meeting
    assert session.public_key is not None  # an open session has its key (a board is of one opened)
    facts = {
        "id": session.id, "title": session.title, "kind": session.kind,
        "meeting": meeting.title, "organization": meeting.organization.name,
        "held_on": meeting.held_on.isoformat(), "scheme": session.scheme,
        "public_key": b64encode(session.public_key), "plaintext_size": session.plaintext_size,
        "policy": session.policy,
        "subjects": [subject_facts(s) for s in session.subjects],
        "options": list(option_ids(session.kind)),
    }
    if verifiable.is_verifiable(session):
        public = verifiable.crypto_session(session).to_json()
        del facts["plaintext_size"]
        facts |= {"options": public["options"], "threshold": public["threshold"],
                  "verification_keys": public["verification_keys"]}
    return facts


def subject_facts(subject) -> dict:
    """A subject as the board names it; a person's post (chức vụ), printed on the ballot, too."""
    return {"id": subject.key, "name": subject.name} | ({"detail": subject.detail} if subject.detail else {})


#: rows fetched per round trip when the ballots of a session are read in order
_ROWS_PER_FETCH = 2000


def _in_receipt_order(column):
    """ORDER BY receipt as bytes: PostgreSQL's text order is its collation's, so ask for "C"."""
    return column.collate("C") if db.engine.dialect.name == "postgresql" else column


def stored_receipts(session_id: str) -> Iterator[str]:
    """The session's receipts in receipt order, fetched a batch at a time. A generator, so the
    query runs when the first receipt is read: a page that streams its body opens the cursor
    while it streams. A PostgreSQL server-side cursor opened in the view itself was gone by
    then (InvalidCursorName on /board), as stored_ballots already avoids."""
    yield from db.session.scalars(select(Ballot.receipt).where(Ballot.session_id == session_id)
                              .order_by(_in_receipt_order(Ballot.receipt))
                              .execution_options(yield_per=_ROWS_PER_FETCH))


def stored_ballots(session_id: str) -> Iterator[BoardBallot]:
    """The session's ballots in receipt order (the board's), fetched a batch at a time: sealed
    ballots, or a verifiable-v1 session's as VerifiableEntry (receipt, ballot bytes). The rows
    come through the session's connection as plain Core rows: the ORM's work per row was
    about 2 µs of the tally's 10 beyond decryption (bench/boards.py)."""
    rows = db.session.connection().execute(select(Ballot.receipt, Ballot.epk, Ballot.nonce, Ballot.ct, Ballot.scheme)
                                           .where(Ballot.session_id == session_id)
                                           .order_by(_in_receipt_order(Ballot.receipt))
                                           .execution_options(yield_per=_ROWS_PER_FETCH))
    for receipt, epk, nonce, ct, scheme in rows:
        if scheme == verifiable.SCHEME:
            yield VerifiableEntry(receipt, bytes(ct))
        else:
            yield sealed.SealedBallot(bytes(epk), bytes(nonce), bytes(ct), scheme)


def spoiled_list(session_id: str) -> list[dict]:
    """A verifiable-v1 session's checked ballots with their randomness, sorted by receipt: the
    board's signed `spoiled` list (a few per voter at most, so held in memory)."""
    rows = db.session.execute(select(SpoiledBallot.receipt, SpoiledBallot.ballot, SpoiledBallot.reveal)
                              .where(SpoiledBallot.session_id == session_id)
                              .order_by(_in_receipt_order(SpoiledBallot.receipt)))
    return [spoiled_entry(receipt, bytes(ballot), bytes(reveal)) for receipt, ballot, reveal in rows]


def publish_board(session: BallotSession, counts: dict) -> Board:
    """Freeze the closed session's ballot box as a signed board-v2 (called once, by close): the
    head of the chain over its receipts, with the counts, signed. The counts are the
    electorate's: summoned, excluded from the base, the base, present."""
    document = sign(build_board_header(session_facts(session), {
        "summoned": counts["summoned"], "excluded": counts["excluded"], "base": counts["base"],
        "present": counts["present"], "tokens_issued": counts["issued"],
        "tokens_used": counts["voted"], "tokens_void": counts["void"]}, stored_receipts(session.id),
        spoiled_list(session.id) if verifiable.is_verifiable(session) else None))
    board = Board(session_id=session.id, document=document)
    db.session.add(board)
    return board


def board_of(session: BallotSession) -> dict:
    """The published board as signed: a board-v2's header (no entries) or a whole board-v1;
    refused (409) while the session is still draft or open."""
    if session.state in (SessionState.DRAFT.value, SessionState.OPEN.value) or session.board is None:
        raise ServiceError("session_not_closed")
    return session.board.document


def board_ballots_of(session: BallotSession) -> Iterator[BoardBallot]:
    """The board's ballots in its order: for a board-v2, the session's rows of the ballots table
    (VerifiableEntry for a verifiable-v1 session)."""
    board = board_of(session)
    if board["format"] == BOARD_V1:
        scheme = board["session"]["scheme"]
        return (sealed.SealedBallot.from_dict({"scheme": scheme, "epk": e["epk"], "nonce": e["nonce"], "ct": e["ct"]})
                for e in board["entries"])
    return stored_ballots(session.id)


def board_text(session: BallotSession) -> Iterator[str]:
    """The served board (GET /api/v1/sessions/<id>/board) as pieces of JSON text."""
    board = board_of(session)
    return board_pieces(board, () if board["format"] == BOARD_V1 else stored_ballots(session.id))


def _bundle_parts(session: BallotSession) -> tuple[dict, Iterable[BoardBallot]]:
    board = board_of(session)
    return board, (() if board["format"] == BOARD_V1 else stored_ballots(session.id))


def _whole_board(session: BallotSession) -> dict:
    """The board with its entries, in memory (tests and small sessions only)."""
    board = board_of(session)
    if board["format"] == BOARD_V1:
        return board
    return board | {"entries": [board_entry(ballot) for ballot in stored_ballots(session.id)]}


def public_bundle(session: BallotSession) -> dict:
    """Board, signatures, counts and tally (once tallied), as one value in memory; the server
    serves it as text (public_bundle_text)."""
    tally = session.tally.document if session.tally else None
    return build_bundle(PUBLIC, _whole_board(session), tally, signing_public_key())


def public_bundle_text(session: BallotSession) -> Iterator[str]:
    """The public bundle file (docs/formats.md §8) as pieces of JSON text, the board streamed."""
    board, ballots = _bundle_parts(session)
    tally = session.tally.document if session.tally else None
    return bundle_pieces(PUBLIC, board, ballots, tally, signing_public_key())


def refuse_auditor_level(session: BallotSession) -> None:
    """A verifiable-v1 session has no session key to hand an auditor: its public bundle proves
    the counts (409 not_applicable)."""
    if verifiable.is_verifiable(session):
        raise ServiceError("not_applicable", N_("A verifiable-v1 session has no auditor bundle: its public bundle "
                                                "proves the counts, and no key exists that could open a ballot."))


def _logged_auditor_download(session: BallotSession, *, by) -> None:
    refuse_auditor_level(session)
    if session.tally is None:
        raise ServiceError("not_tallied")
    activity.record(activity.actor_name(by), "download_auditor_bundle", f"session:{session.id}")
    db.session.commit()


def auditor_bundle(session: BallotSession, private_key_raw: bytes, *, by) -> dict:
    """The public bundle plus the session private key, in memory: after the tally only, each
    download logged."""
    _logged_auditor_download(session, by=by)
    assert session.tally is not None  # the routes hand out the auditor's bundle after the tally only
    return build_bundle(AUDITOR, _whole_board(session), session.tally.document, signing_public_key(),
                        private_key_raw)


def auditor_bundle_text(session: BallotSession, private_key_raw: bytes, *, by) -> Iterator[str]:
    """The auditor's bundle file as pieces of JSON text; the download is logged before any is made."""
    _logged_auditor_download(session, by=by)
    board, ballots = _bundle_parts(session)
    assert session.tally is not None  # the routes hand out the auditor's bundle after the tally only
    return bundle_pieces(AUDITOR, board, ballots, session.tally.document, signing_public_key(), private_key_raw)


def streamed_bundle(session: BallotSession, private_key_raw: bytes | None = None):
    """The bundle as the verifier reads it, the entries straight from the ballots table: what
    the in-app audit checks, in memory that does not grow with the ballots."""
    if private_key_raw is not None:
        refuse_auditor_level(session)
    board, ballots = _bundle_parts(session)
    tally = session.tally.document if session.tally else None
    level = AUDITOR if private_key_raw is not None else PUBLIC
    if board["format"] == BOARD_V1:
        return build_bundle(level, board, tally, signing_public_key(), private_key_raw)
    header = bundle_header(level, board, tally, signing_public_key(), private_key_raw) | {"board": board}
    return StreamedBundle(header, (board_entry(ballot) for ballot in ballots),
                          again=lambda: (board_entry(ballot) for ballot in stored_ballots(session.id)))

"""Builders of the published documents, from plain values (formats in docs/formats.md).

A board-v2 (§6) is signed over its header: session, counts and the chain head. Its entries,
one per ballot in receipt order, are written after the header as the last member of the
served board, and the board is the last member of an audit-bundle-v2 (§8), so both are
written from a stream of ballots and read back as one (audit.stream) in constant memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..crypto.board import BOARD_V1, BOARD_V2, Chain, chain_head, chain_links
from ..crypto.encoding import b64encode
from ..crypto.sealed import SealedBallot


@dataclass(frozen=True)
class VerifiableEntry:
    """A verifiable-v1 ballot as the board lists it: its receipt (SHA-256 of the ballot bytes,
    hex) and the ballot bytes (ciphertexts, bit proofs, row proofs; spec §4.3)."""
    receipt: str
    ballot: bytes


#: what a board-v2's entries are written from: a sealed ballot, or a verifiable-v1 one
BoardBallot = SealedBallot | VerifiableEntry

BUNDLE_V1, BUNDLE_V2 = "votingapp/audit-bundle-v1", "votingapp/audit-bundle-v2"
#: the bundle format of each board format
BUNDLE_OF_BOARD = {BOARD_V1: BUNDLE_V1, BOARD_V2: BUNDLE_V2}
BUNDLE_FORMAT = BUNDLE_V2
PUBLIC, AUDITOR = "public", "auditor"
#: entries per piece of text written (one string per entry would cost a call each)
_ENTRIES_PER_PIECE = 512


def build_board(session: dict[str, Any], counts: dict[str, Any], ballots: list[SealedBallot]) -> dict[str, Any]:
    """An unsigned board-v1: every ciphertext in wire form, sorted by receipt, hash-chained.
    Boards are published as board-v2 now (build_board_header); this stays for the boards
    published before, which still verify, and for tests that make one.

    `session` holds id, title, kind, meeting, organization, held_on, scheme, public_key (B64),
    plaintext_size, subjects [{id, name}], options [ids]; `counts` holds summoned, present,
    tokens_issued, tokens_used, tokens_void."""
    ordered = sorted(ballots, key=lambda ballot: ballot.receipt)
    receipts = [ballot.receipt for ballot in ordered]
    links = chain_links(session["id"], receipts)
    entries = [{"receipt": receipt, **ballot.to_dict(), "chain": link}
               for receipt, ballot, link in zip(receipts, ordered, links, strict=True)]
    for entry in entries:
        del entry["scheme"]  # one scheme per board, named in session.scheme
    return {
        "format": BOARD_V1,
        "session": session,
        "counts": counts | {"ballots": len(entries)},
        "entries": entries,
        "head": chain_head(session["id"], receipts),
    }


def build_board_header(session: dict[str, Any], counts: dict[str, Any], receipts: Iterable[str],
                       spoiled: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The unsigned board-v2: the session, the counts and the head of the chain over
    `receipts`, which must come in receipt order (one pass; nothing kept per receipt). A
    verifiable-v1 board also lists its `spoiled` (checked) ballots, [{receipt, ballot, reveal}]
    sorted by receipt: signed with the header, outside the chain."""
    chain, previous = Chain(session["id"], BOARD_V2), ""
    for receipt in receipts:
        if receipt <= previous:
            raise ValueError("receipts must come sorted, each once")
        chain.add(receipt)
        previous = receipt
    header: dict[str, Any] = {"format": BOARD_V2, "session": session, "counts": counts | {"ballots": chain.length},
              "head": chain.head}
    if spoiled is not None:
        receipts = [entry["receipt"] for entry in spoiled]
        if receipts != sorted(set(receipts)):
            raise ValueError("spoiled ballots must come sorted by receipt, each once")
        header["spoiled"] = spoiled
    return header


def spoiled_entry(receipt: str, ballot: bytes, reveal: bytes) -> dict[str, Any]:
    """One entry of a verifiable-v1 board's `spoiled` list."""
    return {"receipt": receipt, "ballot": b64encode(ballot), "reveal": b64encode(reveal)}


def board_entry(ballot: BoardBallot) -> dict[str, Any]:
    """A board-v2 entry: the receipt and the wire form without its scheme (named on the board);
    a verifiable-v1 ballot's is {receipt, ballot}."""
    if isinstance(ballot, VerifiableEntry):
        return {"receipt": ballot.receipt, "ballot": b64encode(ballot.ballot)}
    return {"receipt": ballot.receipt, "epk": b64encode(ballot.epk), "nonce": b64encode(ballot.nonce),
            "ct": b64encode(ballot.ct)}


def _entry_text(ballot: BoardBallot) -> str:
    # receipt (hex) and B64 need no JSON escape
    if isinstance(ballot, VerifiableEntry):
        return f'{{"receipt":"{ballot.receipt}","ballot":"{b64encode(ballot.ballot)}"}}'
    return (f'{{"receipt":"{ballot.receipt}","epk":"{b64encode(ballot.epk)}","nonce":"{b64encode(ballot.nonce)}",'
            f'"ct":"{b64encode(ballot.ct)}"}}')


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _opened_object(document: dict[str, Any]) -> str:
    """A JSON object without its closing brace, so that more members can follow."""
    text = _dumps(document)
    return text[:-1] + ("," if document else "")


def board_pieces(board: dict[str, Any], ballots: Iterable[BoardBallot]) -> Iterator[str]:
    """The served board-v2 as text: the signed header, then "entries" (the ballots, which
    must come in receipt order) as its last member. A board-v1 is written as stored."""
    if board["format"] == BOARD_V1:
        yield _dumps(board)
        return
    yield _opened_object(board) + '"entries":['
    piece, first = [], True
    for ballot in ballots:
        piece.append(_entry_text(ballot))
        if len(piece) == _ENTRIES_PER_PIECE:
            yield ("" if first else ",") + ",".join(piece)
            piece, first = [], False
    if piece:
        yield ("" if first else ",") + ",".join(piece)
    yield "]}"


def bundle_header(level: str, board: dict[str, Any], tally: dict[str, Any] | None, signing_public_key: bytes,
                  session_private_key: bytes | None = None) -> dict[str, Any]:
    """Every member of the bundle but the board, in the order they are written."""
    if level not in (PUBLIC, AUDITOR) or (level == AUDITOR) != (session_private_key is not None):
        raise ValueError("an auditor bundle, and only it, carries the session private key")
    header = {"format": BUNDLE_OF_BOARD[board["format"]], "level": level,
              "signing_key": b64encode(signing_public_key), "tally": tally}
    if session_private_key is not None:
        header["session_private_key"] = b64encode(session_private_key)
    return header


def bundle_pieces(level: str, board: dict[str, Any], ballots: Iterable[BoardBallot], tally: dict[str, Any] | None,
                  signing_public_key: bytes, session_private_key: bytes | None = None) -> Iterator[str]:
    """The bundle file as text, the board last (and its entries last in it): audit-bundle-v2
    for a board-v2, audit-bundle-v1 (the board as stored) for a board-v1."""
    header = bundle_header(level, board, tally, signing_public_key, session_private_key)
    yield _opened_object(header) + '"board":'
    yield from board_pieces(board, ballots)
    yield "}"


def build_bundle(level: str, board: dict[str, Any], tally: dict[str, Any] | None, signing_public_key: bytes,
                 session_private_key: bytes | None = None) -> dict[str, Any]:
    """The bundle as one value in memory (a board-v2 given with its "entries" list): for tests
    and small sessions; the server writes bundles with bundle_pieces."""
    return bundle_header(level, board, tally, signing_public_key, session_private_key) | {"board": board}


def board_ballots(board: dict[str, Any]) -> list[SealedBallot]:
    """The board's entries as sealed ballots (raises MalformedBallot on a bad entry)."""
    scheme = board["session"]["scheme"]
    return [SealedBallot.from_dict({"scheme": scheme, "epk": e["epk"], "nonce": e["nonce"], "ct": e["ct"]})
            for e in board["entries"]]


# --- verifiable-v1: pure builders from the crypto core's values (the verifier's tests use them) ---
# (imported here, not at the top, so that this block merges apart from the board writer's changes)

def _receipt_of(ballot: bytes) -> str:
    from ..crypto.verifiable.ballots import receipt_of
    return receipt_of(ballot)


def verifiable_session_facts(facts: dict[str, Any], public_key: bytes, threshold: int,
                             verification_keys: Iterable[bytes], options: Iterable[str]) -> dict[str, Any]:
    """A verifiable-v1 board's `session`: the facts every board has (without plaintext_size),
    its scheme, H, k, h_1 … h_n, and its options in board order (spec §7)."""
    from ..crypto.verifiable.session import SCHEME
    session = {key: value for key, value in facts.items() if key != "plaintext_size"}
    return session | {"scheme": SCHEME, "public_key": b64encode(public_key), "threshold": threshold,
                      "verification_keys": [b64encode(key) for key in verification_keys], "options": list(options)}


def verifiable_entry(ballot: bytes) -> VerifiableEntry:
    """A verifiable-v1 ballot's bytes as the board lists them (its receipt is their SHA-256)."""
    return VerifiableEntry(_receipt_of(ballot), ballot)


def spoiled_entries(spoiled: Iterable[tuple[bytes, bytes]]) -> list[dict[str, Any]]:
    """The signed `spoiled` list of (ballot bytes, reveal) pairs, sorted by receipt."""
    return sorted((spoiled_entry(_receipt_of(ballot), ballot, reveal) for ballot, reveal in spoiled),
                  key=lambda entry: entry["receipt"])

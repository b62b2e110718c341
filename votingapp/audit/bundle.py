"""Builders of the published documents, from plain values (formats in docs/formats.md)."""

from __future__ import annotations

from ..crypto.board import BOARD_FORMAT, chain_head, chain_links
from ..crypto.encoding import b64encode
from ..crypto.sealed import SealedBallot

BUNDLE_FORMAT = "votingapp/audit-bundle-v1"
PUBLIC, AUDITOR = "public", "auditor"


def build_board(session: dict, counts: dict, ballots: list[SealedBallot]) -> dict:
    """The unsigned board: every ciphertext in wire form, sorted by receipt, hash-chained.

    `session` holds id, title, kind, meeting, organization, held_on, scheme, public_key (B64),
    plaintext_size, subjects [{id, name}], options [ids]; `counts` holds summoned, present,
    tokens_issued, tokens_used, tokens_void."""
    ordered = sorted(ballots, key=lambda ballot: ballot.receipt)
    receipts = [ballot.receipt for ballot in ordered]
    links = chain_links(session["id"], receipts)
    entries = [{"receipt": receipt, **ballot.to_dict(), "chain": link}
               for receipt, ballot, link in zip(receipts, ordered, links)]
    for entry in entries:
        del entry["scheme"]  # one scheme per board, named in session.scheme
    return {
        "format": BOARD_FORMAT,
        "session": session,
        "counts": counts | {"ballots": len(entries)},
        "entries": entries,
        "head": chain_head(session["id"], receipts),
    }


def build_bundle(level: str, board: dict, tally: dict | None, signing_public_key: bytes,
                 session_private_key: bytes | None = None) -> dict:
    """One JSON file an auditor can take away; the auditor level adds the session key."""
    if level not in (PUBLIC, AUDITOR) or (level == AUDITOR) != (session_private_key is not None):
        raise ValueError("an auditor bundle, and only it, carries the session private key")
    bundle = {"format": BUNDLE_FORMAT, "level": level, "signing_key": b64encode(signing_public_key),
              "board": board, "tally": tally}
    if session_private_key is not None:
        bundle["session_private_key"] = b64encode(session_private_key)
    return bundle


def board_ballots(board: dict) -> list[SealedBallot]:
    """The board's entries as sealed ballots (raises MalformedBallot on a bad entry)."""
    scheme = board["session"]["scheme"]
    return [SealedBallot.from_dict({"scheme": scheme, "epk": e["epk"], "nonce": e["nonce"], "ct": e["ct"]})
            for e in board["entries"]]

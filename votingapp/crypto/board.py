"""The bulletin board's hash chain: each entry commits to everything before it.

c_0 = SHA-256(board format + "|" + session id), c_i = SHA-256(c_(i-1) || receipt_i) over raw
bytes (32 + 32), entries sorted by receipt; the head is the last link (c_0 when empty). The
format is "votingapp/board-v1" (boards that carry every ciphertext and link) or
"votingapp/board-v2" (boards signed over the head alone; docs/formats.md §6).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

BOARD_V1, BOARD_V2 = "votingapp/board-v1", "votingapp/board-v2"
BOARD_FORMATS = (BOARD_V1, BOARD_V2)
#: the format of every board published from now on
BOARD_FORMAT = BOARD_V2


def chain_start(session_id: str, board_format: str = BOARD_V1) -> bytes:
    return hashlib.sha256(f"{board_format}|{session_id}".encode()).digest()


class Chain:
    """The chain built one receipt at a time, so a board of any size needs constant memory."""

    def __init__(self, session_id: str, board_format: str = BOARD_V1):
        self.link = chain_start(session_id, board_format)
        self.length = 0

    def add(self, receipt: str) -> str:
        """Append one receipt (64 hex); returns the new link (hex)."""
        self.link = hashlib.sha256(self.link + bytes.fromhex(receipt)).digest()
        self.length += 1
        return self.link.hex()

    def add_digest(self, receipt: bytes) -> None:
        """Append one receipt given as its 32 bytes (SealedBallot.digest): add without the hex."""
        self.link = hashlib.sha256(self.link + receipt).digest()
        self.length += 1

    @property
    def head(self) -> str:
        return self.link.hex()


def chain_links(session_id: str, receipts: list[str], board_format: str = BOARD_V1) -> list[str]:
    """The chain value after each receipt (hex), in the given order."""
    chain = Chain(session_id, board_format)
    return [chain.add(receipt) for receipt in receipts]


def chain_head(session_id: str, receipts: Iterable[str], board_format: str = BOARD_V1) -> str:
    chain = Chain(session_id, board_format)
    for receipt in receipts:
        chain.add(receipt)
    return chain.head

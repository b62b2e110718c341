"""The bulletin board's hash chain: each entry commits to everything before it.

c_0 = SHA-256("votingapp/board-v1|" + session id), c_i = SHA-256(c_(i-1) || receipt_i) over
raw bytes (32 + 32), entries sorted by receipt; the head is the last link (c_0 when empty).
"""

from __future__ import annotations

import hashlib

BOARD_FORMAT = "votingapp/board-v1"


def chain_start(session_id: str) -> bytes:
    return hashlib.sha256(f"{BOARD_FORMAT}|{session_id}".encode("utf-8")).digest()


def chain_links(session_id: str, receipts: list[str]) -> list[str]:
    """The chain value after each receipt (hex), in the given order."""
    link, links = chain_start(session_id), []
    for receipt in receipts:
        link = hashlib.sha256(link + bytes.fromhex(receipt)).digest()
        links.append(link.hex())
    return links


def chain_head(session_id: str, receipts: list[str]) -> str:
    links = chain_links(session_id, receipts)
    return links[-1] if links else chain_start(session_id).hex()

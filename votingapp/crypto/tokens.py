"""One-time ballot tokens: typeable codes, their stored hash, and the receipt MAC.

A token is 20 characters from a 32-letter alphabet without look-alikes (no 0, 1, I, O):
100 random bits, printed in five groups of four. The server stores only `token_hash`.
"""

import hashlib
import hmac
import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 20
GROUP = 4
BITS = LENGTH * 5  # 100 bits, above the 80 the design requires


class BadTokenFormat(ValueError):
    """The text cannot be a token (wrong length or letters): no database look-up needed."""


def new_token() -> str:
    """A fresh canonical token (no separators)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize_token(text: str) -> str:
    """Accept what a person types: any case, spaces and dashes between groups."""
    if not isinstance(text, str):
        raise BadTokenFormat("token must be a string")
    canonical = "".join(ch for ch in text.upper() if ch not in " -\t")
    if len(canonical) != LENGTH or any(ch not in ALPHABET for ch in canonical):
        raise BadTokenFormat("token must be 20 letters and digits")
    return canonical


def format_token(token: str) -> str:
    """Grouped for printing and typing: XXXX-XXXX-XXXX-XXXX-XXXX."""
    return "-".join(token[i:i + GROUP] for i in range(0, len(token), GROUP))


def token_hash(token: str) -> str:
    """What the server keeps: a domain-separated SHA-256 (tokens carry enough entropy)."""
    return hashlib.sha256(b"votingapp/token-v1|" + token.encode("ascii")).hexdigest()


def receipt_mac(token: str, receipt: str) -> str:
    """Lets the server recognise a retry of the same ballot with the same token, and
    lets nobody without the token link the token row to its ballot."""
    return hmac.new(token.encode("ascii"), receipt.encode("ascii"), hashlib.sha256).hexdigest()

"""Base64url without padding, the one binary-to-text encoding of our wire formats."""

import base64
import binascii


class EncodingError(ValueError):
    """Raised when a string is not valid unpadded base64url."""


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64decode(text: object) -> bytes:
    """Strict decode: only the base64url alphabet, no padding, canonical trailing bits. Takes
    any value, as parsed JSON hands it over: anything but such a string raises EncodingError."""
    if not isinstance(text, str) or "=" in text or len(text) % 4 == 1:
        raise EncodingError("not unpadded base64url")
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise EncodingError("not unpadded base64url") from exc
    if b64encode(raw) != text:  # non-canonical trailing bits would give two spellings of one ballot
        raise EncodingError("not canonical base64url")
    return raw

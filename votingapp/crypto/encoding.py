"""Base64url without padding, the one binary-to-text encoding of our wire formats."""

import binascii

_TO_URLSAFE, _FROM_URLSAFE = bytes.maketrans(b"+/", b"-_"), bytes.maketrans(b"-_", b"+/")


class EncodingError(ValueError):
    """Raised when a string is not valid unpadded base64url."""


def b64encode(data: bytes) -> str:
    return binascii.b2a_base64(data, newline=False).translate(_TO_URLSAFE).rstrip(b"=").decode("ascii")


#: by the length of the text modulo 4, the characters it may end with: those whose bits past
#: the last whole byte are zero (any other would give two spellings of one ballot)
_CANONICAL_LAST = {0: None, 2: frozenset("AQgw"), 3: frozenset("AEIMQUYcgkosw048")}
#: by the length of the text modulo 4, the padding binascii wants (1 is refused before)
_PADDING = ("", "", "==", "=")


def b64decode(text: object) -> bytes:
    """Strict decode: only the base64url alphabet, no padding, canonical trailing bits. Takes
    any value, as parsed JSON hands it over: anything but such a string raises EncodingError."""
    if not isinstance(text, str) or "=" in text:
        raise EncodingError("not unpadded base64url")
    rest = len(text) % 4
    if rest == 1:
        raise EncodingError("not unpadded base64url")
    try:
        raw = binascii.a2b_base64((text + _PADDING[rest]).encode("ascii").translate(_FROM_URLSAFE), strict_mode=True)
    except (binascii.Error, ValueError) as exc:  # UnicodeEncodeError is a ValueError
        raise EncodingError("not unpadded base64url") from exc
    # as b64encode(raw) == text, without encoding again: "+" and "/" are the other alphabet's
    last = _CANONICAL_LAST[rest]
    if "+" in text or "/" in text or (last is not None and text[-1] not in last):
        raise EncodingError("not canonical base64url")
    return raw

"""The sealed ballot schemes: ECIES on P-256 with HKDF-SHA256 and AES-256-GCM.

`sealed-v2` (every new session) binds the ephemeral point and the session key into the HKDF
salt, so a copy of a ballot whose `epk` has y replaced by p - y no longer decrypts.
`sealed-v1` (sessions opened before it) derives the key from the ECDH x-coordinate alone;
it stays readable so old sessions can be tallied and old boards still verify.
The formats are fixed by docs/formats.md so that any client interoperates; the
shared test vectors in tests/vectors prove this module and static/js agree byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .encoding import EncodingError, b64decode, b64encode

SCHEME_V1, SCHEME_V2 = "sealed-v1", "sealed-v2"
SCHEMES = (SCHEME_V1, SCHEME_V2)
#: the scheme of every session created from now on
CURRENT_SCHEME = SCHEME_V2
POINT_SIZE = 65  # uncompressed SEC1 point: 0x04 || x || y
NONCE_SIZE = 12
TAG_SIZE = 16
CURVE = ec.SECP256R1()
#: how many ballots Opener.open_each decrypts before handing them out
OPEN_BATCH = 256


class MalformedBallot(ValueError):
    """The wire form is not a well-formed sealed ballot (checked without the key)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class DecryptionFailed(ValueError):
    """The ciphertext does not open under the session key: an invalid ballot."""


_WIRE_FIELDS = {"scheme", "epk", "nonce", "ct"}


@dataclass(frozen=True)
class SealedBallot:
    """A ballot as it travels and is stored: the ephemeral key, the nonce and the ciphertext."""

    epk: bytes
    nonce: bytes
    ct: bytes
    scheme: str = CURRENT_SCHEME
    #: the loaded epk point when from_dict already checked it, so opening does not parse it again
    point: ec.EllipticCurvePublicKey | None = field(default=None, compare=False, repr=False)

    @property
    def receipt(self) -> str:
        """Lowercase hex SHA-256 of epk || nonce || ct: what the voter keeps."""
        return self.digest.hex()

    @property
    def digest(self) -> bytes:
        """The receipt's 32 bytes (what the board's hash chain takes)."""
        return hashlib.sha256(self.epk + self.nonce + self.ct).digest()

    @property
    def epk_x(self) -> bytes:
        """The 32-byte x-coordinate of epk: two ballots sharing it are one ballot and its copy
        (under sealed-v1 the negated point opens to the same plaintext), so it is counted once."""
        return self.epk[1:33]

    def to_dict(self) -> dict[str, str]:
        return {"scheme": self.scheme, "epk": b64encode(self.epk),
                "nonce": b64encode(self.nonce), "ct": b64encode(self.ct)}

    @classmethod
    def from_dict(cls, data: object, plaintext_size: int | None = None, scheme: str | None = None) -> SealedBallot:
        """Parse and check the wire form; with `plaintext_size`, also the ciphertext length.
        `scheme` is the session's: a ballot of another scheme is refused (`wrong_scheme`);
        None accepts any scheme this module knows."""
        if not isinstance(data, dict):
            raise MalformedBallot("malformed_ballot", "ballot must be a JSON object")
        wanted = SCHEMES if scheme is None else (scheme,)
        if data.get("scheme") not in wanted:
            raise MalformedBallot("wrong_scheme", f"scheme must be {' or '.join(map(repr, wanted))}")
        if data.keys() != _WIRE_FIELDS:
            raise MalformedBallot("malformed_ballot", "ballot must have exactly scheme, epk, nonce, ct")
        try:
            epk, nonce, ct = b64decode(data["epk"]), b64decode(data["nonce"]), b64decode(data["ct"])
        except EncodingError as exc:
            raise MalformedBallot("malformed_ballot", "epk, nonce and ct must be base64url without padding") from exc
        if len(epk) != POINT_SIZE or len(nonce) != NONCE_SIZE:
            raise MalformedBallot("malformed_ballot", "epk must be 65 bytes and nonce 12 bytes")
        if plaintext_size is not None and len(ct) != plaintext_size + TAG_SIZE:
            raise MalformedBallot("malformed_ballot", f"ct must be {plaintext_size + TAG_SIZE} bytes for this session")
        try:
            point = load_public_key(epk)
        except ValueError as exc:
            raise MalformedBallot("malformed_ballot", "epk is not a point on P-256") from exc
        return cls(epk=epk, nonce=nonce, ct=ct, scheme=data["scheme"], point=point)


def generate_private_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(CURVE)


def private_key_from_int(value: int) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(value, CURVE)


def private_key_bytes(key: ec.EllipticCurvePrivateKey) -> bytes:
    """The 32-byte big-endian scalar: what we wrap for storage."""
    return key.private_numbers().private_value.to_bytes(32, "big")


def private_key_from_bytes(raw: bytes) -> ec.EllipticCurvePrivateKey:
    return private_key_from_int(int.from_bytes(raw, "big"))


def public_key_bytes(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def load_public_key(raw: bytes) -> ec.EllipticCurvePublicKey:
    """Raises ValueError for anything but a valid uncompressed P-256 point."""
    if len(raw) != POINT_SIZE or raw[0] != 4:
        raise ValueError("not an uncompressed P-256 point")
    return ec.EllipticCurvePublicKey.from_encoded_point(CURVE, raw)


def _ballot_cipher(scheme: str, shared_x: bytes, session_id: str, epk: bytes,
                   session_public_key: bytes) -> tuple[AESGCM, bytes]:
    """The AES-GCM key and the associated data of one ballot under `scheme`."""
    if scheme == SCHEME_V2:
        salt = epk + session_public_key  # binds the exact points: a negated epk derives another key
    elif scheme == SCHEME_V1:
        salt = None
    else:
        raise ValueError(f"unknown scheme {scheme!r}")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt,
               info=f"votingapp/{scheme}/{session_id}".encode()).derive(shared_x)
    return AESGCM(key), f"{scheme}|{session_id}".encode()


def pad_plaintext(document: dict[str, Any], plaintext_size: int) -> bytes:
    """Compact UTF-8 JSON padded with spaces, so every ballot of a session has one length."""
    raw = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    if len(raw) > plaintext_size:
        raise ValueError(f"ballot needs {len(raw)} bytes, session allows {plaintext_size}")
    return raw + b" " * (plaintext_size - len(raw))


def seal(plaintext: bytes, session_id: str, session_public_key: bytes, *, scheme: str = CURRENT_SCHEME,
         ephemeral_key: ec.EllipticCurvePrivateKey | None = None,
         nonce: bytes | None = None) -> SealedBallot:
    """Encrypt a padded plaintext to the session key under the session's scheme (fixed key and
    nonce only for test vectors)."""
    ephemeral_key = ephemeral_key or generate_private_key()
    nonce = nonce if nonce is not None else os.urandom(NONCE_SIZE)
    epk = public_key_bytes(ephemeral_key.public_key())
    shared_x = ephemeral_key.exchange(ec.ECDH(), load_public_key(session_public_key))
    cipher, aad = _ballot_cipher(scheme, shared_x, session_id, epk, session_public_key)
    return SealedBallot(epk=epk, nonce=nonce, ct=cipher.encrypt(nonce, plaintext, aad), scheme=scheme)


class Opener:
    """Opens the ballots of one session: the session's public key bytes and each scheme's HKDF
    info and associated data are made once, not once per ballot (the tally and the recount
    open thousands)."""

    def __init__(self, private_key: ec.EllipticCurvePrivateKey, session_id: str):
        self.private_key = private_key
        self.public_key = public_key_bytes(private_key.public_key())
        self._labels = {scheme: (f"votingapp/{scheme}/{session_id}".encode(), f"{scheme}|{session_id}".encode())
                        for scheme in SCHEMES}
        self._ecdh, self._sha256 = ec.ECDH(), hashes.SHA256()

    def open(self, ballot: SealedBallot) -> bytes:
        """Decrypt one ballot by its scheme; raises DecryptionFailed for anything that does not open."""
        try:
            info, aad = self._labels[ballot.scheme]
            point = ballot.point if ballot.point is not None else load_public_key(ballot.epk)
            shared_x = self.private_key.exchange(self._ecdh, point)
            salt = ballot.epk + self.public_key if ballot.scheme == SCHEME_V2 else None
            key = HKDF(algorithm=self._sha256, length=32, salt=salt, info=info).derive(shared_x)
            return AESGCM(key).decrypt(ballot.nonce, ballot.ct, aad)
        except (InvalidTag, ValueError, KeyError) as exc:
            raise DecryptionFailed("ballot does not decrypt under the session key") from exc

    def open_or_none(self, ballot: SealedBallot) -> bytes | None:
        """The plaintext of one ballot, or None when it does not open."""
        try:
            return self.open(ballot)
        except DecryptionFailed:
            return None

    def open_each(self, ballots: Iterable[SealedBallot],
                  batch: int = OPEN_BATCH) -> Iterator[tuple[SealedBallot, bytes | None]]:
        """Each ballot with its plaintext (None when it does not open), in the order given.
        They are opened `batch` at a time and handed out after: the caller's Python (the
        count) then runs apart from the decryption rather than between every two, which
        measured less CPU than alternating the two for every ballot (bench/boards.py)."""
        ballots = iter(ballots)
        while chunk := list(islice(ballots, batch)):
            yield from zip(chunk, [self.open_or_none(ballot) for ballot in chunk], strict=True)


def open_sealed(ballot: SealedBallot, session_id: str, private_key: ec.EllipticCurvePrivateKey) -> bytes:
    """Decrypt one ballot by its scheme; raises DecryptionFailed for anything that does not open."""
    return Opener(private_key, session_id).open(ballot)

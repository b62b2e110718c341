"""A verifiable-v1 session's public keys: the dealer's k-of-n Shamir split, the public key
consistency check, member shares, and the session context `sctx` every proof is bound to."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..encoding import EncodingError, b64decode, b64encode
from . import group
from .group import IDENTITY, L

SCHEME = "verifiable-v1"
SESSION_TAG = b"votingapp/verifiable-v1/session|"
MAX_HOLDERS = 255


class InvalidSession(ValueError):
    """Public session data that no honest dealer could have published."""


@dataclass(frozen=True)
class Session:
    """What the board publishes about a session, and all a phone or verifier needs."""

    id: str
    subjects: tuple[str, ...]
    options: tuple[str, ...]
    public_key: bytes
    threshold: int
    verification_keys: tuple[bytes, ...]

    @property
    def holders(self) -> int:
        return len(self.verification_keys)

    @property
    def ciphertext_count(self) -> int:
        """T = S·m + 1: the blank flag, then one bit per subject and option."""
        return len(self.subjects) * len(self.options) + 1

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "subjects": list(self.subjects), "options": list(self.options),
                "public_key": b64encode(self.public_key), "threshold": self.threshold,
                "verification_keys": [b64encode(key) for key in self.verification_keys]}

    @classmethod
    def from_json(cls, data: object) -> Session:
        if not isinstance(data, dict) or not all(isinstance(data.get(name), list)
                                                 for name in ("subjects", "options", "verification_keys")):
            raise InvalidSession("malformed verifiable-v1 session")
        try:
            session = cls(id=data["id"], subjects=tuple(data["subjects"]), options=tuple(data["options"]),
                          public_key=b64decode(data["public_key"]), threshold=data["threshold"],
                          verification_keys=tuple(b64decode(key) for key in data["verification_keys"]))
        except (KeyError, TypeError, EncodingError) as exc:
            raise InvalidSession("malformed verifiable-v1 session") from exc
        check_shape(session)
        return session

    def context(self) -> bytes:
        """sctx: SHA-512 over the session's id, keys, subjects and options in board order."""
        return session_context(self)


def check_shape(session: Session) -> None:
    """Types and sizes only: what must hold before any hashing (the keys are checked by
    `check_key_consistency`)."""
    texts = (session.id, *session.subjects, *session.options)
    if not all(isinstance(text, str) and len(text.encode("utf-8")) < 2**16 for text in texts):
        raise InvalidSession("ids must be strings of fewer than 65,536 UTF-8 bytes")
    if not session.subjects or not session.options or len(session.subjects) >= 2**16 \
            or len(session.options) >= 2**16 or session.ciphertext_count >= 2**16:
        raise InvalidSession("a session needs 1 to 65,535 subjects and options")
    if not (isinstance(session.threshold, int) and 1 <= session.threshold <= session.holders <= MAX_HOLDERS):
        raise InvalidSession("need 1 ≤ k ≤ n ≤ 255")
    if any(len(key) != group.POINT_SIZE for key in (session.public_key, *session.verification_keys)):
        raise InvalidSession("keys are 32-byte points")


def session_context(session: Session) -> bytes:
    check_shape(session)
    parts = [SESSION_TAG, group.lp(session.id), session.public_key,
             group.u8(session.threshold), group.u8(session.holders), *session.verification_keys,
             group.u16(len(session.subjects)), *map(group.lp, session.subjects),
             group.u16(len(session.options)), *map(group.lp, session.options)]
    return hashlib.sha512(b"".join(parts)).digest()


def lagrange_at(x: int, indices: list[int], i: int) -> int:
    """λ_i(x) = Π_{j∈Q, j≠i} (x − j)/(i − j) mod l, over the share indices Q."""
    numerator = denominator = 1
    for j in indices:
        if j != i:
            numerator = numerator * (x - j) % L
            denominator = denominator * (i - j) % L
    return numerator * pow(denominator, -1, L) % L


def _combine_at(x: int, points: dict[int, bytes]) -> bytes:
    """Σ λ_i(x)·P_i: the point at x of the polynomial through the given (i, P_i)."""
    indices = sorted(points)
    total = IDENTITY
    for i in indices:
        total = group.add(total, group.mul(lagrange_at(x, indices, i), points[i]))
    return total


def check_key_consistency(session: Session) -> None:
    """§3.2: H and every h_i are valid and not O, and all lie on one polynomial of degree < k,
    so any k honest partial decryptions combine to s·Ā."""
    check_shape(session)
    for key in (session.public_key, *session.verification_keys):
        if key == IDENTITY or not group.is_valid_point(key):
            raise InvalidSession("a session key is not a valid point or is the identity")
    k = session.threshold
    first = {i: session.verification_keys[i - 1] for i in range(1, k + 1)}
    if _combine_at(0, first) != session.public_key:
        raise InvalidSession("the verification keys do not interpolate to the public key")
    for j in range(k + 1, session.holders + 1):
        if _combine_at(j, first) != session.verification_keys[j - 1]:
            raise InvalidSession(f"verification key {j} is off the keys' polynomial")


@dataclass(frozen=True)
class Share:
    """Member i's secret s_i = f(i). JSON `{"index": i, "secret": B64(32 bytes LE)}`."""

    index: int
    secret: int

    def secret_bytes(self) -> bytes:
        return group.scalar_to_bytes(self.secret)

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "secret": b64encode(self.secret_bytes())}

    def __repr__(self) -> str:  # a share is a secret: keep it out of logs and tracebacks
        return f"Share(index={self.index}, secret=…)"


@dataclass(frozen=True)
class Dealing:
    """What session open produces: the public keys to store, the shares to hand out once."""

    public_key: bytes
    threshold: int
    verification_keys: tuple[bytes, ...]
    shares: tuple[Share, ...]

    def session(self, session_id: str, subjects: Iterable[str], options: Iterable[str]) -> Session:
        return Session(id=session_id, subjects=tuple(subjects), options=tuple(options),
                       public_key=self.public_key, threshold=self.threshold,
                       verification_keys=self.verification_keys)


def deal_keys(threshold: int, holders: int, rng: group.ScalarSource | None = None) -> Dealing:
    """§3.1: draw s and a_1 … a_{k−1}; share i is f(i) (all drawn again if some f(i) = 0).
    The caller keeps only the public parts and forgets the shares once handed out."""
    if not 1 <= threshold <= holders <= MAX_HOLDERS:
        raise ValueError("need 1 ≤ k ≤ n ≤ 255")
    rng = rng or group.SystemRandom()
    while True:
        coefficients = [rng.scalar() for _ in range(threshold)]  # s, a_1, …, a_{k−1}
        secrets = [_evaluate(coefficients, i) for i in range(1, holders + 1)]
        if all(secrets):
            break
    return Dealing(public_key=group.base_mul(coefficients[0]), threshold=threshold,
                   verification_keys=tuple(group.base_mul(secret) for secret in secrets),
                   shares=tuple(Share(i, secret) for i, secret in enumerate(secrets, start=1)))


def _evaluate(coefficients: list[int], x: int) -> int:
    value = 0
    for coefficient in reversed(coefficients):
        value = (value * x + coefficient) % L
    return value


def share_from_bytes(session: Session, raw: bytes) -> Share:
    """§3.3: a share's 32 bytes (from a card or JSON), checked against the session's keys;
    the matching h_i gives the index, so a card need not be trusted to say it."""
    try:
        secret = group.scalar_from_bytes(raw)
    except ValueError as exc:
        raise InvalidSession("a share is 32 bytes below the group order") from exc
    if secret == 0:
        raise InvalidSession("a share is never zero")
    public = group.base_mul(secret)
    for index, key in enumerate(session.verification_keys, start=1):
        if key == public:
            return Share(index, secret)
    raise InvalidSession("this share belongs to no member of this session")


def share_from_json(session: Session, data: dict[str, Any]) -> Share:
    """`{"index", "secret"}` as the API takes it; the index must be the one the key matches."""
    try:
        share = share_from_bytes(session, b64decode(data["secret"]))
    except (KeyError, TypeError, EncodingError) as exc:
        raise InvalidSession("malformed share") from exc
    if data.get("index") != share.index:
        raise InvalidSession("the share's index does not match its key")
    return share

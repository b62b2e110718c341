"""verifiable-v1 ballots: exponential ElGamal bits with CDS bit proofs and per-subject row
proofs under strong Fiat–Shamir (every challenge hashes `bctx`, i.e. the session context and
every ciphertext of the ballot), the checks a server and every auditor run, and the opening of
a spoiled (Benaloh-checked) ballot.

Plaintext layout: ciphertext 0 is the blank flag, ciphertext 1 + s·m + j is subject s, option j.
A ballot's bytes are CT (64·T) ‖ bit proofs (128·T) ‖ row proofs (64·S), all fixed width.
"""

from __future__ import annotations

import hashlib
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass

from ..encoding import EncodingError, b64decode, b64encode
from . import group
from .group import GENERATOR, IDENTITY, L
from .session import SCHEME, Session

BALLOT_TAG = b"votingapp/verifiable-v1/ballot|"
BIT_TAG = b"votingapp/verifiable-v1/bit|"
ROW_TAG = b"votingapp/verifiable-v1/row|"
CIPHERTEXT_SIZE = 64
BIT_PROOF_SIZE = 128
ROW_PROOF_SIZE = 64
#: §4.6, in the order the checks run; the first failure is the reason a ballot is refused
CHECKS = ("wrong_size", "bad_point", "duplicate_ciphertext", "bad_scalar", "bad_bit_proof", "bad_row_proof")


class BallotRefused(ValueError):
    """A ballot that is not cast (or a spoiled ballot that does not open), with its code:
    one of CHECKS, `malformed_ballot` / `wrong_scheme` for the wire form, `bad_reveal`."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def ballot_size(session: Session) -> int:
    """192·T + 64·S bytes."""
    return 192 * session.ciphertext_count + ROW_PROOF_SIZE * len(session.subjects)


def receipt_of(ballot: bytes) -> str:
    """SHA-256 of the ballot bytes as 64 lowercase hex; its first 8 characters are the short code."""
    return hashlib.sha256(ballot).hexdigest()


def to_wire(ballot: bytes) -> dict[str, str]:
    return {"scheme": SCHEME, "ballot": b64encode(ballot)}


def from_wire(data: object) -> bytes:
    """The ballot bytes of `{"scheme": "verifiable-v1", "ballot": B64}` (exactly these keys);
    the size is checked by `verify_ballot`."""
    if not isinstance(data, dict):
        raise BallotRefused("malformed_ballot", "ballot must be a JSON object")
    if data.get("scheme") != SCHEME:
        raise BallotRefused("wrong_scheme", f"scheme must be {SCHEME!r}")
    if set(data) != {"scheme", "ballot"}:
        raise BallotRefused("malformed_ballot", "ballot must have exactly scheme and ballot")
    try:
        return b64decode(data["ballot"])
    except EncodingError as exc:
        raise BallotRefused("malformed_ballot", "ballot must be base64url without padding") from exc


def plaintext_bits(session: Session, choices: Sequence[int] | None) -> list[int]:
    """The T plaintext bits of a marked ballot (one option index per subject) or of a blank one (None)."""
    subjects, options = len(session.subjects), len(session.options)
    if choices is None:
        return [1] + [0] * (subjects * options)
    if len(choices) != subjects or not all(isinstance(c, int) and 0 <= c < options for c in choices):
        raise ValueError(f"a marked ballot chooses one of {options} options for each of {subjects} subjects")
    bits = [0] * (1 + subjects * options)
    for subject, option in enumerate(choices):
        bits[1 + subject * options + option] = 1
    return bits


def ballot_context(sctx: bytes, ciphertext_bytes: bytes) -> bytes:
    """bctx: binds every proof to the session and to every ciphertext of its own ballot."""
    return hashlib.sha512(BALLOT_TAG + sctx + ciphertext_bytes).digest()


def _bit_challenge(bctx: bytes, t: int, a: bytes, b: bytes, commitments: Iterable[bytes]) -> int:
    return group.hash_to_scalar(BIT_TAG, bctx, group.u16(t), a, b, *commitments)


def _row_challenge(bctx: bytes, s: int, a_hat: bytes, b_hat: bytes, a: bytes, b: bytes) -> int:
    return group.hash_to_scalar(ROW_TAG, bctx, group.u16(s), a_hat, b_hat, a, b)


def _row_indices(session: Session, subject: int) -> list[int]:
    """t of the blank flag and of every option of one subject: their sum must encrypt 1."""
    options = len(session.options)
    return [0, *range(1 + subject * options, 1 + (subject + 1) * options)]


@dataclass(frozen=True)
class SealedBallot:
    """A freshly sealed ballot and its randomness r_0 ‖ … ‖ r_{T−1} (the Benaloh reveal,
    which the phone forgets once the ballot is cast)."""

    ballot: bytes
    reveal: bytes

    @property
    def receipt(self) -> str:
        return receipt_of(self.ballot)


def seal_ballot(session: Session, choices: Sequence[int] | None, rng: group.ScalarSource | None = None,
                sctx: bytes | None = None) -> SealedBallot:
    """Encrypt and prove a ballot. Randomness order (§4.5): r_t, w_t, e_t, f_t for each t,
    then u_s for each subject; `rng` is a fresh `group.SystemRandom()` unless testing."""
    rng = rng or group.SystemRandom()
    sctx = sctx or session.context()
    key = session.public_key
    bits = plaintext_bits(session, choices)
    draws = [tuple(rng.scalar() for _ in range(4)) for _ in bits]  # (r, w, e, f)
    row_nonces = [rng.scalar() for _ in session.subjects]

    ciphertexts = []
    for v, (r, _, _, _) in zip(bits, draws, strict=True):
        r_h = group.mul(r, key)
        ciphertexts.append((group.base_mul(r), group.add(GENERATOR, r_h) if v else r_h))
    ct = b"".join(a + b for a, b in ciphertexts)
    bctx = ballot_context(sctx, ct)

    bit_proofs = []
    for t, (v, (r, w, e, f), (a, b)) in enumerate(zip(bits, draws, ciphertexts, strict=True)):
        fake = (f - e * r) % L  # simulated branch ū = 1 − v, from fixed-base products only
        real = (group.base_mul(w), group.mul(w, key))
        shift = group.base_mul(e * (2 * v - 1))  # e·(v − ū)·G
        simulated = (group.base_mul(fake), group.sub(group.mul(fake, key), shift))
        commitments = (real, simulated) if v == 0 else (simulated, real)  # the pair for bit 0, then 1
        c = _bit_challenge(bctx, t, a, b, (p for pair in commitments for p in pair))
        c_real = (c - e) % L
        z_real = (w + c_real * r) % L
        cs, zs = [0, 0], [0, 0]
        cs[v], zs[v], cs[1 - v], zs[1 - v] = c_real, z_real, e, f
        bit_proofs.append(b"".join(map(group.scalar_to_bytes, (*cs, *zs))))

    row_proofs = []
    for s, u in enumerate(row_nonces):
        indices = _row_indices(session, s)
        r_hat = sum(draws[t][0] for t in indices) % L
        a_hat, b_hat = group.base_mul(r_hat), group.add(GENERATOR, group.mul(r_hat, key))
        c = _row_challenge(bctx, s, a_hat, b_hat, group.base_mul(u), group.mul(u, key))
        row_proofs.append(group.scalar_to_bytes(c) + group.scalar_to_bytes((u + c * r_hat) % L))

    reveal = b"".join(group.scalar_to_bytes(r) for r, _, _, _ in draws)
    return SealedBallot(ct + b"".join(bit_proofs) + b"".join(row_proofs), reveal)


@dataclass(frozen=True)
class VerifiedBallot:
    """A ballot that passed §4.6: its receipt and its T ciphertexts (A_t, B_t) for the tally."""

    ballot: bytes
    ciphertexts: tuple[tuple[bytes, bytes], ...]

    @property
    def receipt(self) -> str:
        return receipt_of(self.ballot)

    @property
    def a_points(self) -> tuple[bytes, ...]:
        """The A_t the server keeps unique across the session's cast and spoiled ballots."""
        return tuple(a for a, _ in self.ciphertexts)


def verify_ballot(session: Session, ballot: bytes, used_a_points: Container[bytes] = frozenset(),
                  sctx: bytes | None = None) -> VerifiedBallot:
    """§4.6: raise BallotRefused with the first failing check's code, else the verified ballot.
    `used_a_points` holds the A_t of the session's cast and spoiled ballots (a set, or any
    container the caller backs by its unique index)."""
    T, S = session.ciphertext_count, len(session.subjects)
    if not isinstance(ballot, bytes) or len(ballot) != ballot_size(session):
        raise BallotRefused("wrong_size", f"a ballot for this session is {ballot_size(session)} bytes")
    ciphertexts = tuple((ballot[64 * t:64 * t + 32], ballot[64 * t + 32:64 * t + 64]) for t in range(T))
    if any(a == IDENTITY or not group.is_valid_point(a) or not group.is_valid_point(b) for a, b in ciphertexts):
        raise BallotRefused("bad_point", "a ciphertext is not a valid point (or has A = O)")
    a_points = [a for a, _ in ciphertexts]
    if len(set(a_points)) != T or any(a in used_a_points for a in a_points):
        raise BallotRefused("duplicate_ciphertext", "a ciphertext repeats within the ballot or the session")
    scalar_bytes = ballot[64 * T:]
    scalars = [int.from_bytes(scalar_bytes[i:i + 32], "little") for i in range(0, len(scalar_bytes), 32)]
    if any(value >= L for value in scalars):
        raise BallotRefused("bad_scalar", "a proof scalar is not below the group order")

    bctx = ballot_context(sctx or session.context(), ballot[:64 * T])
    key = session.public_key
    for t, (a, b) in enumerate(ciphertexts):
        c0, c1, z0, z1 = scalars[4 * t:4 * t + 4]
        b_minus_g = group.sub(b, GENERATOR)
        commitments = (group.sub(group.base_mul(z0), group.mul(c0, a)),
                       group.sub(group.mul(z0, key), group.mul(c0, b)),
                       group.sub(group.base_mul(z1), group.mul(c1, a)),
                       group.sub(group.mul(z1, key), group.mul(c1, b_minus_g)))
        if (c0 + c1) % L != _bit_challenge(bctx, t, a, b, commitments):
            raise BallotRefused("bad_bit_proof", f"the bit proof of ciphertext {t} does not verify")
    for s in range(S):
        c, z = scalars[4 * T + 2 * s:4 * T + 2 * s + 2]
        first, *rest = _row_indices(session, s)
        a_hat, b_hat = ciphertexts[first]  # O + P is P's own (canonical) encoding: start from it
        for t in rest:
            a_hat, b_hat = group.add(a_hat, ciphertexts[t][0]), group.add(b_hat, ciphertexts[t][1])
        a = group.sub(group.base_mul(z), group.mul(c, a_hat))
        b = group.sub(group.mul(z, key), group.mul(c, group.sub(b_hat, GENERATOR)))
        if c != _row_challenge(bctx, s, a_hat, b_hat, a, b):
            raise BallotRefused("bad_row_proof", f"the row proof of subject {s} does not verify")
    return VerifiedBallot(ballot, ciphertexts)


def open_spoiled(session: Session, ballot: bytes, reveal: bytes, used_a_points: Container[bytes] = frozenset(),
                 sctx: bytes | None = None) -> list[int] | None:
    """§5: check the ballot (§4.6), then open it with its randomness: every r_t < l,
    A_t = r_t·G and B_t − r_t·H ∈ {O, G}. Returns the choices (option index per subject),
    or None for a blank ballot, for the voter to compare on another device."""
    verified = verify_ballot(session, ballot, used_a_points, sctx)
    T = session.ciphertext_count
    if not isinstance(reveal, bytes) or len(reveal) != 32 * T:
        raise BallotRefused("bad_reveal", f"the reveal is {32 * T} bytes for this session")
    bits = []
    for t, (a, b) in enumerate(verified.ciphertexts):
        r = int.from_bytes(reveal[32 * t:32 * t + 32], "little")
        if r >= L or group.base_mul(r) != a:
            raise BallotRefused("bad_reveal", f"r_{t} does not open ciphertext {t}")
        plain = group.sub(b, group.mul(r, session.public_key))
        if plain not in (IDENTITY, GENERATOR):
            raise BallotRefused("bad_reveal", f"ciphertext {t} does not hold 0 or 1")
        bits.append(int(plain == GENERATOR))
    return decode_bits(session, bits)


def decode_bits(session: Session, bits: Sequence[int]) -> list[int] | None:
    """The choices a proven ballot's bits stand for (None: blank)."""
    if bits[0]:
        return None
    options = len(session.options)
    return [bits[1 + s * options:1 + (s + 1) * options].index(1) for s in range(len(session.subjects))]

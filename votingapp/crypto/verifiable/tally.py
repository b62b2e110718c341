"""The verifiable-v1 tally: add the ballots' ciphertexts, let k members decrypt only the sums
(each partial with a Chaum–Pedersen proof), combine with Lagrange coefficients and recover the
counts n_t from M_t = n_t·G. Nothing here ever decrypts a single ballot."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from ..encoding import EncodingError, b64decode, b64encode
from . import group
from .group import IDENTITY, L
from .session import Session, Share

DECRYPT_TAG = b"votingapp/verifiable-v1/decrypt|"
RECORD_SIZE = 96  # D ‖ c ‖ z


class InvalidDecryption(ValueError):
    """A partial decryption, a member list or a claimed count that does not check."""


def aggregate(session: Session, ciphertext_lists: Iterable[Sequence[tuple[bytes, bytes]]]) -> list[tuple[bytes, bytes]]:
    """§6.1: (Σ A_t, Σ B_t) for each t over the board's ballots (all O on an empty board).
    Takes each ballot's ciphertexts, e.g. `VerifiedBallot.ciphertexts`."""
    T = session.ciphertext_count
    sums_a, sums_b = [IDENTITY] * T, [IDENTITY] * T
    for ciphertexts in ciphertext_lists:
        for t, (a, b) in enumerate(ciphertexts):
            sums_a[t] = group.add(sums_a[t], a)
            sums_b[t] = group.add(sums_b[t], b)
    return list(zip(sums_a, sums_b, strict=True))


def _decrypt_challenge(sctx: bytes, index: int, key: bytes, t: int, a_bar: bytes, d: bytes,
                       commit_g: bytes, commit_a: bytes) -> int:
    return group.hash_to_scalar(DECRYPT_TAG, sctx, group.u8(index), key, group.u16(t), a_bar, d,
                                commit_g, commit_a)


def partial_decrypt(session: Session, share: Share, sums: Sequence[tuple[bytes, bytes]],
                    rng: group.ScalarSource | None = None, sctx: bytes | None = None) -> bytes:
    """§6.2: member i's T records D ‖ c ‖ z, with D_t = s_i·Ā_t and a proof that
    log_G h_i = log_{Ā_t} D_t. Draws one w per t, in t order."""
    rng = rng or group.SystemRandom()
    sctx = sctx or session.context()
    key = session.verification_keys[share.index - 1]
    records = []
    for t, (a_bar, _) in enumerate(sums):
        w = rng.scalar()
        d = group.mul(share.secret, a_bar)
        c = _decrypt_challenge(sctx, share.index, key, t, a_bar, d, group.base_mul(w), group.mul(w, a_bar))
        records.append(d + group.scalar_to_bytes(c) + group.scalar_to_bytes((w + c * share.secret) % L))
    return b"".join(records)


def verify_partial(session: Session, index: int, partial: bytes, sums: Sequence[tuple[bytes, bytes]],
                   sctx: bytes | None = None) -> list[bytes]:
    """Check member `index`'s partial against the sums; return its D_t, or raise."""
    if not isinstance(index, int) or not 1 <= index <= session.holders:
        raise InvalidDecryption(f"member {index} is not a key holder of this session")
    if not isinstance(partial, bytes) or len(partial) != RECORD_SIZE * len(sums):
        raise InvalidDecryption(f"member {index}'s partial is not {RECORD_SIZE * len(sums)} bytes")
    sctx = sctx or session.context()
    key = session.verification_keys[index - 1]
    shares = []
    for t, (a_bar, _) in enumerate(sums):
        record = partial[RECORD_SIZE * t:RECORD_SIZE * (t + 1)]
        d = record[:32]
        c, z = int.from_bytes(record[32:64], "little"), int.from_bytes(record[64:], "little")
        if c >= L or z >= L or not group.is_valid_point(d):
            raise InvalidDecryption(f"member {index}'s record {t} is malformed")
        commit_g = group.sub(group.base_mul(z), group.mul(c, key))
        commit_a = group.sub(group.mul(z, a_bar), group.mul(c, d))
        if c != _decrypt_challenge(sctx, index, key, t, a_bar, d, commit_g, commit_a):
            raise InvalidDecryption(f"member {index}'s decryption proof {t} does not verify")
        shares.append(d)
    return shares


def lagrange_at_zero(members: Sequence[int], i: int) -> int:
    """λ_i = Π_{j∈Q, j≠i} j/(j − i) mod l."""
    numerator = denominator = 1
    for j in members:
        if j != i:
            numerator = numerator * j % L
            denominator = denominator * (j - i) % L
    return numerator * pow(denominator, -1, L) % L


def _check_members(session: Session, members: Sequence[int]) -> None:
    if len(members) < session.threshold or any(b <= a for a, b in pairwise(members)) \
            or not all(isinstance(i, int) and 1 <= i <= session.holders for i in members):
        raise InvalidDecryption(f"need at least {session.threshold} distinct members in increasing order")


def combine(session: Session, sums: Sequence[tuple[bytes, bytes]], partials: dict[int, bytes],
            sctx: bytes | None = None) -> list[bytes]:
    """§6.3: verify every partial, then M_t = B̄_t − Σ λ_i·D_{i,t} = n_t·G for each t."""
    members = sorted(partials)
    _check_members(session, members)
    sctx = sctx or session.context()
    shares = {i: verify_partial(session, i, partials[i], sums, sctx) for i in members}
    lambdas = {i: lagrange_at_zero(members, i) for i in members}
    plains = []
    for t, (_, b_bar) in enumerate(sums):
        total = b_bar
        for i in members:
            total = group.sub(total, group.mul(lambdas[i], shares[i][t]))
        plains.append(total)
    return plains


def recover_counts(plains: Sequence[bytes], ballots: int) -> list[int]:
    """n_t ∈ [0, N] with M_t = n_t·G, walking n·G once for all t together."""
    wanted: dict[bytes, list[int]] = {}
    for t, point in enumerate(plains):
        wanted.setdefault(point, []).append(t)
    counts = [0] * len(plains)  # every entry is set before the return below
    point = IDENTITY
    for n in range(ballots + 1):
        for t in wanted.pop(point, ()):
            counts[t] = n
        if not wanted:
            return counts
        point = group.add(point, group.GENERATOR)
    raise InvalidDecryption("a decrypted sum is not a count between 0 and the number of ballots")


@dataclass(frozen=True)
class Decryption:
    """The tally's `decryption` object: members in increasing order and their partials."""

    members: tuple[int, ...]
    partials: tuple[bytes, ...]

    def to_json(self) -> dict[str, Any]:
        return {"members": list(self.members), "partials": [b64encode(p) for p in self.partials]}

    @classmethod
    def from_json(cls, data: Any) -> Decryption:
        try:
            members, partials = tuple(data["members"]), tuple(b64decode(p) for p in data["partials"])
        except (KeyError, TypeError, EncodingError) as exc:
            raise InvalidDecryption("malformed decryption") from exc
        if len(members) != len(partials) or any(b <= a for a, b in pairwise(members)):
            raise InvalidDecryption("one partial per member, members in strictly increasing order")
        return cls(members, partials)

    def by_member(self) -> dict[int, bytes]:
        """{member index: partial}, as `combine`, `tally` and `verify_counts` take them."""
        return dict(zip(self.members, self.partials, strict=True))


def tally(session: Session, sums: Sequence[tuple[bytes, bytes]], ballots: int, partials: dict[int, bytes],
          sctx: bytes | None = None) -> list[int]:
    """Combine the partials and recover every n_t (t = 0 is the blank count)."""
    return recover_counts(combine(session, sums, partials, sctx), ballots)


def verify_counts(session: Session, sums: Sequence[tuple[bytes, bytes]], ballots: int, counts: Sequence[int],
                  partials: dict[int, bytes], sctx: bytes | None = None) -> None:
    """What a verifier checks (§7 `decryption`): every proof, and M_t = n_t·G for the published n_t."""
    if len(counts) != len(sums) or not all(isinstance(n, int) and 0 <= n <= ballots for n in counts):
        raise InvalidDecryption("one count per ciphertext, each between 0 and the number of ballots")
    for t, point in enumerate(combine(session, sums, partials, sctx)):
        if point != group.base_mul(counts[t]):
            raise InvalidDecryption(f"count {t} does not match its decryption")


def counts_by_subject(session: Session, counts: Sequence[int]) -> tuple[int, list[dict[str, int]]]:
    """(blank ballots n_0, for each subject {option id: n_{t(s,j)}}), for the tally document."""
    options = len(session.options)
    return counts[0], [{option: counts[1 + s * options + j] for j, option in enumerate(session.options)}
                       for s in range(len(session.subjects))]

"""Checking the proofs of a verifiable-v1 board's ballots, spread over processes (`--jobs`).

The verifier reads the entries once, in board order, and hands their ballot bytes here in
chunks. Each chunk is checked (spec §4.6, without the session-wide A_t uniqueness, which
needs every entry) and added up (§6.1) in one place: this process with one job, a worker
process otherwise. The results come back in board order whatever the number of jobs, and
the sums of the chunks add up to the same points, so the report does not depend on it.
Only a bounded number of chunks is ever in flight: memory does not grow with the board.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from ..crypto.verifiable import group
from ..crypto.verifiable.ballots import BallotRefused, ballot_size, verify_ballot
from ..crypto.verifiable.group import IDENTITY
from ..crypto.verifiable.session import Session

#: ballots per chunk handed to a worker: enough to pay for the hand-over, few enough to keep memory flat
CHUNK = 16


@dataclass(frozen=True)
class Outcome:
    """One ballot's result: the §4.6 refusal (code and words) or None, and its A_t's (None when
    its ciphertexts are not T valid points: it then cannot be added to the sums either)."""
    code: str | None
    detail: str | None
    a_points: tuple[bytes, ...] | None


@dataclass(frozen=True)
class ChunkResult:
    outcomes: tuple[Outcome, ...]
    #: (Σ A_t, Σ B_t) over the chunk's ballots that have T valid points
    sums: tuple[tuple[bytes, bytes], ...]


def check_chunk(session: Session, sctx: bytes, ballots: Sequence[bytes]) -> ChunkResult:
    """§4.6 for each ballot (no A_t known from elsewhere), and the chunk's sums."""
    T = session.ciphertext_count
    size = ballot_size(session)
    sums_a, sums_b = [IDENTITY] * T, [IDENTITY] * T
    outcomes = []
    for ballot in ballots:
        try:
            verify_ballot(session, ballot, frozenset(), sctx)
            code = detail = None
        except BallotRefused as refused:
            code, detail = refused.code, str(refused)
        if len(ballot) != size or code == "bad_point":
            outcomes.append(Outcome(code, detail, None))
            continue
        a_points = tuple(ballot[64 * t:64 * t + 32] for t in range(T))
        for t in range(T):
            sums_a[t] = group.add(sums_a[t], a_points[t])
            sums_b[t] = group.add(sums_b[t], ballot[64 * t + 32:64 * t + 64])
        outcomes.append(Outcome(code, detail, a_points))
    return ChunkResult(tuple(outcomes), tuple(zip(sums_a, sums_b, strict=True)))


_worker_session: tuple[Session, bytes] | None = None


def _start_worker(session: Session, sctx: bytes) -> None:
    global _worker_session
    _worker_session = (session, sctx)


def _worker_chunk(ballots: list[bytes]) -> ChunkResult:
    assert _worker_session is not None  # _start_worker ran first, as the pool's initializer
    session, sctx = _worker_session
    return check_chunk(session, sctx, ballots)


class ProofChecker:
    """Feed (tag, ballot bytes) in board order; `results()` yields (tag, Outcome) in the same
    order as they are ready, and `sums` holds the running (Σ A_t, Σ B_t) of what came back."""

    def __init__(self, session: Session, sctx: bytes, jobs: int = 1):
        self.session, self.sctx, self.jobs = session, sctx, max(1, int(jobs))
        self.sums = [(IDENTITY, IDENTITY)] * session.ciphertext_count
        self._tags: list[object] = []
        self._ballots: list[bytes] = []
        self._pending: deque[tuple[list[object], Future[ChunkResult] | ChunkResult]] = deque()
        self._pool = (ProcessPoolExecutor(self.jobs, initializer=_start_worker, initargs=(session, sctx))
                      if self.jobs > 1 else None)

    def add(self, tag: object, ballot: bytes) -> Iterator[tuple[object, Outcome]]:
        """Queue one ballot; yields the results that are due (none until a chunk is full)."""
        self._tags.append(tag)
        self._ballots.append(ballot)
        if len(self._ballots) >= CHUNK:
            yield from self._flush()

    def finish(self) -> Iterator[tuple[object, Outcome]]:
        """The remaining results, in order; then the workers stop."""
        try:
            yield from self._flush()
            while self._pending:
                yield from self._collect()
        finally:
            self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _flush(self) -> Iterator[tuple[object, Outcome]]:
        if not self._ballots:
            return
        tags, ballots = self._tags, self._ballots
        self._tags, self._ballots = [], []
        if self._pool is None:
            self._pending.append((tags, check_chunk(self.session, self.sctx, ballots)))
        else:
            self._pending.append((tags, self._pool.submit(_worker_chunk, ballots)))
        while len(self._pending) > 2 * self.jobs:
            yield from self._collect()

    def _collect(self) -> Iterator[tuple[object, Outcome]]:
        tags, result = self._pending.popleft()
        if isinstance(result, Future):
            result = result.result()
        self.sums = [(group.add(a, sa), group.add(b, sb))
                     for (a, b), (sa, sb) in zip(self.sums, result.sums, strict=True)]
        yield from zip(tags, result.outcomes, strict=True)

"""Finding what repeats on a board without holding the board: the verifier keeps a keyed
64-bit digest of each ephemeral key (the copy check's, `_Copies`) or of each A_t of a
verifiable-v1 ballot (ballot_proofs', `_APoints`), finds the digests that repeat at the end,
and only then reads the entries a second time (`_read_again`) to compare the keys or points
themselves, so that a digest collision never reports a copy or a reused A_t.

Apart from audit.verify because it is one mechanism shared by two checks, with its own memory
and reading concerns (docs/formats.md §9, "Memory"); the checks only feed it and read its answer.
"""

from __future__ import annotations

import hashlib
import os
from array import array
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ..crypto import sealed
from .bundle import VerifiableEntry
from .report import Failed, _where
from .shapes import entry_problem
from .stream import UnreadableBundle

if TYPE_CHECKING:
    from .verify import _Ballot, _Bundle

#: _Copies' digest of an entry whose ballot is malformed (has no key); a key's digest is odd
_NO_KEY = 0
#: _repeated sorts the digests into this many bins by their top bits to find the repeated ones,
#: a bin at a time, filling _PASS of them in each pass over the digests
_BINS, _PASS = 64, 8


def _repeated(values: array[int]) -> set[int]:
    """The values that occur more than once, but _NO_KEY. A bin (a 64th of the values) at a
    time, and the bins filled an eighth of them in each pass, so that finding them costs about
    a byte a value more, not a set of them all (the verifier's memory is the digests' own)."""
    repeated: set[int] = set()
    for low in range(0, _BINS, _PASS):
        bins: list[array[int]] = [array("Q") for _ in range(_PASS)]
        for value in values:
            index = (value >> 58) - low
            if 0 <= index < _PASS:
                bins[index].append(value)
        for index, part in enumerate(bins):
            bins[index] = array("Q")
            if len(set(part)) == len(part):
                continue
            seen: set[int] = set()
            for value in part:
                if value in seen:
                    repeated.add(value)
                seen.add(value)
    repeated.discard(_NO_KEY)
    return repeated


def _keyed_digest(salt: bytes, data: bytes) -> int:
    """A 64-bit digest of `data` keyed by `salt`, odd (so never _NO_KEY)."""
    return int.from_bytes(hashlib.blake2b(data, digest_size=8, key=salt).digest(), "big") | 1


def _changed(purpose: str) -> Failed:
    return Failed(f"the board's entries were not the same when read a second time ({purpose})")


def _read_again(ctx: _Bundle, total: int, purpose: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """The board's `total` entries read a second time (`_Bundle.again`), each with its number, to
    confirm what their digests suggest; raises Failed when they cannot be read, or are not as
    many or as well-formed as the first time (the caller compares the digests themselves)."""
    assert ctx.again is not None  # the caller says in its own words why nothing can be confirmed
    number = 0
    try:
        for number, entry in enumerate(ctx.again(), start=1):
            if number > total or entry_problem(entry, ctx.board_format, number, ctx.verifiable):
                raise _changed(purpose)
            yield number, entry
    except UnreadableBundle as exc:
        raise Failed(f"the board's entries could not be read a second time ({purpose}): {exc}") from None
    if number != total:
        raise _changed(purpose)


#: a confirmed copy: its entry number, receipt and ballot
_Copy = tuple[int, str, sealed.SealedBallot]


class _Copies:
    """Which entries of a sealed board share an ephemeral key x-coordinate (one ballot and its
    copies), for the copy check and the recount, in memory of 8 bytes per entry: a keyed 64-bit
    digest of each key in entry order. Keys whose digests repeat are candidates, and only then
    are the entries read a second time (`_Bundle.again`) to compare the keys themselves, so a
    digest collision never reports a copy; each digest read again must be the one read first."""

    def __init__(self, ctx: _Bundle, read: Callable[[dict[str, Any], str, int | None], sealed.SealedBallot | str]):
        #: `read` makes an entry's ballot (verify._sealed_ballot), again on the second reading
        self.ctx, self.read = ctx, read
        #: random, so that nobody can make two keys' digests collide on purpose (they would only
        #: cost the second reading, but that should stay for real copies)
        self.salt = os.urandom(16)
        self.digests: array[int] = array("Q")
        self.keyed = 0
        self._groups: dict[bytes, list[_Copy]] | None = None
        self._failure: str | None = None

    def _digest(self, ballot: _Ballot) -> int:
        if isinstance(ballot, str):
            return _NO_KEY
        assert isinstance(ballot, sealed.SealedBallot)  # sealed boards only (not in VERIFIABLE_CHECKS)
        return _keyed_digest(self.salt, ballot.epk_x)

    def feed(self, number: int, ballot: _Ballot) -> None:
        """Entry `number`'s key, once (both the copy check and the recount feed it)."""
        if number > len(self.digests):
            digest = self._digest(ballot)
            self.digests.append(digest)
            self.keyed += digest != _NO_KEY

    def groups(self) -> dict[bytes, list[_Copy]]:
        """Each key that more than one entry has, with those entries in board order (raises
        Failed when the entries cannot be read again, or are not the same the second time)."""
        if self._failure is not None:
            raise Failed(self._failure)
        if self._groups is None:
            try:
                self._groups = self._confirmed(_repeated(self.digests))
            except Failed as exc:
                self._failure = str(exc)
                raise
        return self._groups

    def _confirmed(self, candidates: set[int]) -> dict[bytes, list[_Copy]]:
        if not candidates:
            return {}
        ctx, digests = self.ctx, self.digests
        if ctx.again is None:
            raise Failed(f"{len(candidates)} ephemeral keys may be shared by several entries, and the entries "
                         f"cannot be read a second time to confirm it")
        session = ctx.session
        scheme, size = session["scheme"], session.get("plaintext_size")
        found: dict[bytes, list[_Copy]] = {}
        for number, entry in _read_again(ctx, len(digests), "to confirm copies"):
            ballot = self.read(entry, scheme, size)
            digest = self._digest(ballot)
            if digest != digests[number - 1]:
                raise _changed("to confirm copies")
            if digest in candidates:
                assert isinstance(ballot, sealed.SealedBallot)  # only a key's digest is a candidate
                found.setdefault(ballot.epk_x, []).append((number, entry["receipt"], ballot))
        return {key: copies for key, copies in found.items() if len(copies) > 1}


class _APoints:
    """Which entries of a verifiable-v1 board have an A_t that an earlier entry or a spoiled
    ballot has too (ballot_proofs' §4.6 uniqueness across the board), in memory of 8 bytes per
    A_t, as _Copies: a keyed 64-bit digest of every A_t, the spoiled ballots' first and then each
    entry's in board order. Digests that repeat are candidates, and only then are the entries
    read a second time to compare the points themselves, so a digest collision never reports a
    reused A_t; each digest read again must be the one read first."""

    def __init__(self, ctx: _Bundle, spoiled: set[bytes], T: int,
                 read: Callable[[dict[str, Any]], VerifiableEntry | str]):
        #: `read` makes an entry's ballot (verify._verifiable_entry), on the second reading
        self.ctx, self.spoiled, self.T, self.read = ctx, spoiled, T, read
        self.salt = os.urandom(16)  # random, as _Copies': nobody can make digests collide on purpose
        self.digests: array[int] = array("Q", (self._digest(a) for a in spoiled))
        self._start = len(self.digests)
        #: the entries whose A_t's were added, in board order (4 bytes each), and whether §4.6
        #: already refused each as duplicate_ciphertext (its A_t's repeat among themselves)
        self.numbers: array[int] = array("I")
        self.own_repeat = bytearray()

    def _digest(self, point: bytes) -> int:
        return _keyed_digest(self.salt, point)

    def add(self, number: int, a_points: Sequence[bytes], own_repeat: bool) -> None:
        """Entry `number`'s A_t's, in board order."""
        self.digests.extend(map(self._digest, a_points))
        self.numbers.append(number)
        self.own_repeat.append(own_repeat)

    def reused(self, total: int) -> tuple[int, int, str | None]:
        """(how many added entries have an A_t of an earlier added entry or of a spoiled ballot,
        but were not refused as duplicate_ciphertext already; the entry number of the first of
        them, and its problem). Raises Failed when the board's `total` entries cannot
        be read again, or are not the same the second time."""
        candidates = _repeated(self.digests)
        if not candidates:
            return 0, -1, None
        if self.ctx.again is None:
            raise Failed(f"{len(candidates)} A_t's may each be on several ballots, and the entries cannot be read "
                         f"a second time to confirm it")
        purpose = "to confirm repeated A_t's"
        T, spoiled, digests, numbers = self.T, self.spoiled, self.digests, self.numbers
        earlier: set[bytes] = set()  # the candidate points of the entries before
        count, first_number, first = 0, -1, None
        position = 0
        for number, entry in _read_again(self.ctx, total, purpose):
            if position == len(numbers) or numbers[position] != number:
                continue
            ballot = self.read(entry)
            start = self._start + position * T
            if isinstance(ballot, str):
                raise _changed(purpose)
            points = [ballot.ballot[64 * t:64 * t + 32] for t in range(T)]
            if any(self._digest(point) != digests[start + t] for t, point in enumerate(points)):
                raise _changed(purpose)
            kept = [t for t in range(T) if digests[start + t] in candidates]
            repeated = next((t for t in kept if points[t] in spoiled or points[t] in earlier), None)
            earlier.update(points[t] for t in kept)
            if repeated is not None and not self.own_repeat[position]:
                count += 1
                if first is None:
                    other = "a spoiled ballot" if points[repeated] in spoiled else "an earlier entry"
                    first_number, first = number, (f"{_where(number, entry['receipt'])}: duplicate_ciphertext: its "
                                                   f"A_{repeated} is also an A_t of {other}")
            position += 1
        if position != len(numbers):
            raise _changed(purpose)
        return count, first_number, first

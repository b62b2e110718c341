"""Finding what repeats on a board without holding the board: the verifier keeps a keyed
64-bit digest of each ephemeral key (the copy check's, `_Copies`) or of each A_t of a
verifiable-v1 ballot (ballot_proofs', `_APoints`), finds the digests that repeat at the end,
and only then reads the entries a second time (`_read_again`) to compare the keys or points
themselves, so that a digest collision never reports a copy or a reused A_t. The digests go
to temporary files past about a megabyte (`_Digests`), spread over partitions by their top
bits and searched a partition at a time, so that the verifier's memory does not grow with the
board (issue 9: 368 bytes a ballot at 15 subjects before).

Apart from audit.verify because it is one mechanism shared by two checks, with its own memory
and reading concerns (docs/formats.md §9, "Memory"); the checks only feed it and read its answer.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
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
#: _Digests spreads the digests over 2**_FANOUT_BITS partitions by their top bits, and a
#: partition of more than _IN_MEMORY digests over as many again by the next bits (and so on),
#: so that each is searched for repeats alone, with at most _IN_MEMORY digests in memory
_FANOUT_BITS = 8
_FANOUT = 1 << _FANOUT_BITS
_IN_MEMORY = 1 << 15
#: values a partition holds in memory before they are appended to its temporary file (all
#: partitions: at most 2**_FANOUT_BITS × _BUFFER × 8 bytes, 1 MB), and values a _Spill holds
_BUFFER = 512
_SPILL_BUFFER = 8192


def _read_values(path: Path, count: int) -> Iterator[array[int]]:
    """The first `count` 64-bit values of the file at `path`, a _SPILL_BUFFER at a time."""
    with open(path, "rb") as handle:
        while count:
            chunk = array("Q")
            chunk.fromfile(handle, min(count, _SPILL_BUFFER))
            count -= len(chunk)
            yield chunk


class _Spill:
    """64-bit values in the order they are added, past a buffer in a temporary file of `folder()`."""

    def __init__(self, folder: Callable[[], Path], name: str):
        self.folder, self.name = folder, name
        self.buffer: array[int] = array("Q")
        self.stored = 0  # values in the file
        self.count = 0

    def extend(self, values: Iterable[int]) -> None:
        before = len(self.buffer)
        self.buffer.extend(values)
        self.count += len(self.buffer) - before
        if len(self.buffer) >= _SPILL_BUFFER:
            with open(self.folder() / self.name, "ab") as handle:
                self.buffer.tofile(handle)
            self.stored += len(self.buffer)
            self.buffer = array("Q")

    def __iter__(self) -> Iterator[int]:
        if self.stored:
            for chunk in _read_values(self.folder() / self.name, self.stored):
                yield from chunk
        yield from self.buffer


def _add_repeated(values: array[int], found: set[int]) -> None:
    """Add the values that occur more than once among `values` to `found`."""
    if len(set(values)) == len(values):
        return
    seen: set[int] = set()
    for value in values:
        if value in seen:
            found.add(value)
        seen.add(value)


class _Partitions:
    """64-bit values spread over 2**_FANOUT_BITS partitions by their bits at `shift`: each a
    buffer in memory, appended to its own temporary file in `folder()` when full."""

    def __init__(self, folder: Callable[[], Path], name: str, shift: int):
        self.folder, self.name, self.shift = folder, name, shift
        self.buffers: list[array[int]] = [array("Q") for _ in range(_FANOUT)]
        self.stored = [0] * _FANOUT  # values of each partition in its file

    def _path(self, index: int) -> Path:
        return self.folder() / f"{self.name}-{index:02x}"

    def extend(self, values: Iterable[int]) -> None:
        buffers, shift = self.buffers, self.shift
        for value in values:
            index = (value >> shift) & (_FANOUT - 1)
            buffer = buffers[index]
            buffer.append(value)
            if len(buffer) >= _BUFFER:
                self._flush(index)

    def _flush(self, index: int) -> None:
        with open(self._path(index), "ab") as handle:
            self.buffers[index].tofile(handle)
        self.stored[index] += len(self.buffers[index])
        self.buffers[index] = array("Q")

    def repeated(self, found: set[int]) -> None:
        """Add the values that occur more than once to `found`, a partition at a time (which
        empties them: their files are deleted as they are searched)."""
        for index in range(_FANOUT):
            if not self.stored[index]:  # never left memory
                _add_repeated(self.buffers[index], found)
                self.buffers[index] = array("Q")
                continue
            self._flush(index)
            path, count = self._path(index), self.stored[index]
            if count <= _IN_MEMORY:
                part: array[int] = array("Q")
                with open(path, "rb") as handle:
                    part.fromfile(handle, count)
                _add_repeated(part, found)
            elif self.shift == 0:  # every bit alike: one value, `count` times
                found.add(next(_read_values(path, 1))[0])
            else:  # too many to search in memory: split by the next bits
                below = _Partitions(self.folder, path.name, max(self.shift - _FANOUT_BITS, 0))
                for chunk in _read_values(path, count):
                    below.extend(chunk)
                path.unlink()
                below.repeated(found)
            path.unlink(missing_ok=True)


class _Digests:
    """64-bit digests in the order they are added, in memory that does not grow with them:
    past a few buffers (about 1 MB) they go to temporary files, in a folder made when first
    needed and deleted by `close` (or, failing that, when the store is collected). They are
    kept in order (`in_order`, for a second reading to compare with), and spread over
    partitions by their top bits (_Partitions), so that `repeated` finds the ones added more
    than once a partition at a time. _Copies and _APoints keep theirs here."""

    def __init__(self) -> None:
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._order = _Spill(self.folder, "order")
        self._partitions = _Partitions(self.folder, "part", 64 - _FANOUT_BITS)

    @property
    def count(self) -> int:
        return self._order.count

    def folder(self) -> Path:
        if self._folder is None:
            self._folder = tempfile.TemporaryDirectory(prefix="votingapp-verify-")
        return Path(self._folder.name)

    def spill(self, name: str) -> _Spill:
        """Other values to keep in order beside the digests (deleted with them)."""
        return _Spill(self.folder, name)

    def extend(self, values: Sequence[int]) -> None:
        self._partitions.extend(values)
        self._order.extend(values)

    def repeated(self) -> set[int]:
        """The digests added more than once, but _NO_KEY (asked once: it empties the partitions)."""
        found: set[int] = set()
        self._partitions.repeated(found)
        found.discard(_NO_KEY)
        return found

    def in_order(self) -> Iterator[int]:
        """Every digest, in the order they were added."""
        return iter(self._order)

    def close(self) -> None:
        """Delete the temporary files."""
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None


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
    copies), for the copy check and the recount: a keyed 64-bit digest of each key in entry
    order, kept in _Digests (memory that does not grow with the entries). Keys whose digests
    repeat are candidates, and only then are the entries read a second time (`_Bundle.again`)
    to compare the keys themselves, so a digest collision never reports a copy; each digest read
    again must be the one read first. `close` deletes the digests' temporary files."""

    def __init__(self, ctx: _Bundle, read: Callable[[dict[str, Any], str, int | None], sealed.SealedBallot | str]):
        #: `read` makes an entry's ballot (verify._sealed_ballot), again on the second reading
        self.ctx, self.read = ctx, read
        #: random, so that nobody can make two keys' digests collide on purpose (they would only
        #: cost the second reading, but that should stay for real copies)
        self.salt = os.urandom(16)
        self.digests = _Digests()
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
        if number > self.digests.count:
            digest = self._digest(ballot)
            self.digests.extend((digest,))
            self.keyed += digest != _NO_KEY

    def groups(self) -> dict[bytes, list[_Copy]]:
        """Each key that more than one entry has, with those entries in board order (raises
        Failed when the entries cannot be read again, or are not the same the second time)."""
        if self._failure is not None:
            raise Failed(self._failure)
        if self._groups is None:
            try:
                self._groups = self._confirmed(self.digests.repeated())
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
        first = digests.in_order()
        for number, entry in _read_again(ctx, digests.count, "to confirm copies"):
            ballot = self.read(entry, scheme, size)
            digest = self._digest(ballot)
            if digest != next(first):
                raise _changed("to confirm copies")
            if digest in candidates:
                assert isinstance(ballot, sealed.SealedBallot)  # only a key's digest is a candidate
                found.setdefault(ballot.epk_x, []).append((number, entry["receipt"], ballot))
        return {key: copies for key, copies in found.items() if len(copies) > 1}

    def close(self) -> None:
        self.digests.close()


class _APoints:
    """Which entries of a verifiable-v1 board have an A_t that an earlier entry or a spoiled
    ballot has too (ballot_proofs' §4.6 uniqueness across the board), as _Copies: a keyed 64-bit
    digest of every A_t, the spoiled ballots' first and then each entry's in board order, kept
    in _Digests (memory that does not grow with the entries). Digests that repeat are
    candidates, and only then are the entries read a second time to compare the points
    themselves, so a digest collision never reports a reused A_t; each digest read again must be
    the one read first. `close` deletes the digests' temporary files."""

    def __init__(self, ctx: _Bundle, spoiled: set[bytes], T: int,
                 read: Callable[[dict[str, Any]], VerifiableEntry | str]):
        #: `read` makes an entry's ballot (verify._verifiable_entry), on the second reading
        self.ctx, self.spoiled, self.T, self.read = ctx, spoiled, T, read
        self.salt = os.urandom(16)  # random, as _Copies': nobody can make digests collide on purpose
        self.digests = _Digests()
        self.digests.extend([self._digest(a) for a in spoiled])
        self._start = self.digests.count
        #: the entries whose A_t's were added, in board order: each number times 2, plus 1 when
        #: §4.6 already refused it as duplicate_ciphertext (its A_t's repeat among themselves)
        self.numbers = self.digests.spill("numbers")

    def _digest(self, point: bytes) -> int:
        return _keyed_digest(self.salt, point)

    def add(self, number: int, a_points: Sequence[bytes], own_repeat: bool) -> None:
        """Entry `number`'s A_t's, in board order."""
        self.digests.extend([self._digest(point) for point in a_points])
        self.numbers.extend((2 * number + own_repeat,))

    def reused(self, total: int) -> tuple[int, int, str | None]:
        """(how many added entries have an A_t of an earlier added entry or of a spoiled ballot,
        but were not refused as duplicate_ciphertext already; the entry number of the first of
        them, and its problem). Raises Failed when the board's `total` entries cannot
        be read again, or are not the same the second time."""
        candidates = self.digests.repeated()
        if not candidates:
            return 0, -1, None
        if self.ctx.again is None:
            raise Failed(f"{len(candidates)} A_t's may each be on several ballots, and the entries cannot be read "
                         f"a second time to confirm it")
        purpose = "to confirm repeated A_t's"
        T, spoiled = self.T, self.spoiled
        digests, numbers = self.digests.in_order(), iter(self.numbers)
        for _ in range(self._start):  # the spoiled ballots' A_t's, which the entries' follow
            next(digests)
        earlier: set[bytes] = set()  # the candidate points of the entries before
        count, first_number, first = 0, -1, None
        added = next(numbers, None)
        for number, entry in _read_again(self.ctx, total, purpose):
            if added is None or added >> 1 != number:
                continue
            ballot = self.read(entry)
            if isinstance(ballot, str):
                raise _changed(purpose)
            points = [ballot.ballot[64 * t:64 * t + 32] for t in range(T)]
            stored = [next(digests) for _ in range(T)]
            if any(self._digest(point) != stored[t] for t, point in enumerate(points)):
                raise _changed(purpose)
            kept = [t for t in range(T) if stored[t] in candidates]
            repeated = next((t for t in kept if points[t] in spoiled or points[t] in earlier), None)
            earlier.update(points[t] for t in kept)
            if repeated is not None and not added & 1:
                count += 1
                if first is None:
                    other = "a spoiled ballot" if points[repeated] in spoiled else "an earlier entry"
                    first_number, first = number, (f"{_where(number, entry['receipt'])}: duplicate_ciphertext: its "
                                                   f"A_{repeated} is also an A_t of {other}")
            added = next(numbers, None)
        if added is not None:
            raise _changed(purpose)
        return count, first_number, first

    def close(self) -> None:
        self.digests.close()

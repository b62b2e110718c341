"""ristretto255 (RFC 9496) for verifiable-v1: points are their canonical 32-byte encodings,
scalars are Python ints in [0, l). All group arithmetic is libsodium's.

Why libsodium from the `rbcl` wheel (measured on the 2-core development machine, µs per call,
best of 3 × 3,000):

| binding | x·G | x·P | P+Q | is_valid_point |
| --- | --- | --- | --- | --- |
| system libsodium 1.0.18 via ctypes | 16.1 | 49.0 | 13.6 | 4.5 |
| rbcl 1.1.2's bundled libsodium 1.0.18, same ctypes calls | 16.1 | 49.7 | 13.4 | 4.5 |
| rbcl's own Python wrappers | 16.5 | 53.6 | 14.1 | — |

- PyNaCl 1.6.2 exposes no ristretto255 function (only `crypto_core_ed25519_*`).
- `pyristretto` 0.1.0 is an sdist only: it needs a C compiler and libsodium headers, so it does
  not install on a bare machine (it failed here), and it is one author's first release.
- `pysodium` and `libnacl` wrap the *system* libsodium: not "from PyPI alone".
- `rbcl` ships wheels with libsodium inside for Linux (x86_64, aarch64), macOS and Windows, so
  `scripts/serve` works on a bare machine, and it costs the same as the system library.
  Its one wart: each import writes a 2.8 MB copy of the library to a temporary file and never
  deletes it. We delete it as soon as it is loaded (a loaded library needs no file on POSIX).

We call the five libsodium functions directly on rbcl's handle rather than through its wrappers:
they raise on an identity result, which this scheme needs as an ordinary value (docs/formats.md).
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import secrets
import tempfile
from typing import Protocol

#: the prime order of ristretto255
L = 2**252 + 27742317777372353535851937790883648493
POINT_SIZE = 32
SCALAR_SIZE = 32
#: the identity O encodes as 32 zero bytes
IDENTITY = bytes(POINT_SIZE)
#: the standard generator G
GENERATOR = bytes.fromhex("e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76")


def _load_libsodium() -> ctypes.CDLL:
    """rbcl's bundled libsodium (already `sodium_init`ed), without the temporary file it leaves."""
    import rbcl

    library: ctypes.CDLL = rbcl._sodium
    path = getattr(library, "_name", "") or ""
    if os.path.dirname(os.path.abspath(path)) == os.path.abspath(tempfile.gettempdir()):
        with contextlib.suppress(OSError):  # Windows keeps a loaded library's file locked
            os.unlink(path)
    for name in ("crypto_scalarmult_ristretto255_base", "crypto_scalarmult_ristretto255",
                 "crypto_core_ristretto255_add", "crypto_core_ristretto255_sub",
                 "crypto_core_ristretto255_is_valid_point"):
        getattr(library, name).restype = ctypes.c_int
    return library


_sodium = _load_libsodium()
_base = _sodium.crypto_scalarmult_ristretto255_base
_mul = _sodium.crypto_scalarmult_ristretto255
_add = _sodium.crypto_core_ristretto255_add
_sub = _sodium.crypto_core_ristretto255_sub
_valid = _sodium.crypto_core_ristretto255_is_valid_point
_buffer = ctypes.create_string_buffer


def is_valid_point(point: bytes) -> bool:
    """A canonical encoding of a group element (the identity included)."""
    return isinstance(point, bytes) and len(point) == POINT_SIZE and _valid(point) == 1


def scalar_to_bytes(value: int) -> bytes:
    """A reduced scalar as 32 little-endian bytes."""
    return value.to_bytes(SCALAR_SIZE, "little")


def scalar_from_bytes(raw: bytes) -> int:
    """32 little-endian bytes to a scalar; a value ≥ l is refused, never reduced."""
    value = int.from_bytes(raw, "little")
    if len(raw) != SCALAR_SIZE or value >= L:
        raise ValueError("scalar out of range")
    return value


def base_mul(scalar: int) -> bytes:
    """scalar·G; libsodium's −1 for an identity result leaves the 32 zero bytes that encode O."""
    out = _buffer(POINT_SIZE)
    _base(out, (scalar % L).to_bytes(SCALAR_SIZE, "little"))
    return out.raw


def mul(scalar: int, point: bytes) -> bytes:
    """scalar·point for a point already known valid (libsodium's −1 then only means O)."""
    out = _buffer(POINT_SIZE)
    _mul(out, (scalar % L).to_bytes(SCALAR_SIZE, "little"), point)
    return out.raw


def add(p: bytes, q: bytes) -> bytes:
    out = _buffer(POINT_SIZE)
    if _add(out, p, q) != 0:
        raise ValueError("not a valid point")
    return out.raw


def sub(p: bytes, q: bytes) -> bytes:
    out = _buffer(POINT_SIZE)
    if _sub(out, p, q) != 0:
        raise ValueError("not a valid point")
    return out.raw


def hash_to_scalar(*parts: bytes) -> int:
    """Hs: SHA-512 of the concatenation, read little-endian and reduced mod l."""
    return int.from_bytes(hashlib.sha512(b"".join(parts)).digest(), "little") % L


def u8(value: int) -> bytes:
    return value.to_bytes(1, "big")


def u16(value: int) -> bytes:
    return value.to_bytes(2, "big")


def u32(value: int) -> bytes:
    return value.to_bytes(4, "big")


def lp(text: str) -> bytes:
    """A length-prefixed UTF-8 string in a hash input."""
    raw = text.encode("utf-8")
    return u16(len(raw)) + raw


class ScalarSource(Protocol):
    """Where the protocol's random scalars come from: SystemRandom, or TestRandom in tests."""

    def scalar(self) -> int: ...


class SystemRandom:
    """Fresh scalars from the OS CSPRNG: 64 bytes reduced mod l, drawn again on 0."""

    def scalar(self) -> int:
        while True:
            value = int.from_bytes(secrets.token_bytes(64), "little") % L
            if value:
                return value


class TestRandom:
    """The deterministic stream of the test vectors: the k-th scalar is
    Hs("…/test-rng|" ‖ seed ‖ u32(k)), k = 1, 2, …, skipping 0. Never for real ballots."""

    __test__ = False  # not a pytest class
    TAG = b"votingapp/verifiable-v1/test-rng|"

    def __init__(self, seed: str):
        self._seed = seed.encode("utf-8")
        self._counter = 0

    def scalar(self) -> int:
        while True:
            self._counter += 1
            value = hash_to_scalar(self.TAG, self._seed, u32(self._counter))
            if value:
                return value

"""Wrap a session private key under the system key-encryption key (AES-256-GCM).

The context (the session id) is bound as associated data, so a wrapped key copied onto
another session's row does not unwrap.
"""

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

WRAP_PREFIX = b"kw1"  # format tag, so a later wrap format can live beside this one
KEK_SIZE = 32


class UnwrapFailed(ValueError):
    """The wrapped key does not open under this KEK and context."""


def new_kek() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def wrap_key(kek: bytes, secret: bytes, context: str) -> bytes:
    nonce = os.urandom(12)
    return WRAP_PREFIX + nonce + AESGCM(kek).encrypt(nonce, secret, b"votingapp/keywrap-v1|" + context.encode())


def unwrap_key(kek: bytes, wrapped: bytes, context: str) -> bytes:
    if not wrapped.startswith(WRAP_PREFIX) or len(wrapped) < len(WRAP_PREFIX) + 12 + 16:
        raise UnwrapFailed("not a kw1 wrapped key")
    nonce, body = wrapped[3:15], wrapped[15:]
    try:
        return AESGCM(kek).decrypt(nonce, body, b"votingapp/keywrap-v1|" + context.encode())
    except InvalidTag as exc:
        raise UnwrapFailed("wrapped key does not open under this key-encryption key") from exc

"""Ed25519 signatures over canonical JSON documents (board, tally).

A signed document carries `"signature": {"algorithm": "Ed25519", "public_key": B64(32),
"value": B64(64)}`; the signed bytes are `<format> + "|" + canonical_json(document without
"signature")`, so a signature of one kind of document never passes for another.
"""

from __future__ import annotations

from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .canonical import canonical_json
from .encoding import EncodingError, b64decode, b64encode

ALGORITHM = "Ed25519"


class SignatureInvalid(ValueError):
    """The document's signature is missing, malformed, or does not verify."""


def new_signing_key() -> bytes:
    """32 raw private bytes of a fresh Ed25519 key."""
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())


def public_key_of(private_raw: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(private_raw).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def signed_bytes(document: dict[str, Any]) -> bytes:
    unsigned = {key: value for key, value in document.items() if key != "signature"}
    document_format: str = document["format"]
    return document_format.encode("utf-8") + b"|" + canonical_json(unsigned)


def sign_document(document: dict[str, Any], private_raw: bytes) -> dict[str, Any]:
    """A copy of `document` with its signature added (Ed25519 is deterministic)."""
    unsigned = {key: value for key, value in document.items() if key != "signature"}
    value = Ed25519PrivateKey.from_private_bytes(private_raw).sign(signed_bytes(unsigned))
    return unsigned | {"signature": {"algorithm": ALGORITHM, "public_key": b64encode(public_key_of(private_raw)),
                                     "value": b64encode(value)}}


def verify_document(document: dict[str, Any], expected_public_key: bytes | None = None) -> bytes:
    """Check the signature; returns the signer's raw public key. With `expected_public_key`,
    the signer must be that key."""
    signature = document.get("signature") if isinstance(document, dict) else None
    if not isinstance(signature, dict) or signature.get("algorithm") != ALGORITHM \
            or not isinstance(document.get("format"), str):
        raise SignatureInvalid("no Ed25519 signature")
    try:
        public_raw, value = b64decode(signature.get("public_key")), b64decode(signature.get("value"))
        Ed25519PublicKey.from_public_bytes(public_raw).verify(value, signed_bytes(document))
    except (EncodingError, InvalidSignature, ValueError, TypeError) as exc:
        raise SignatureInvalid("signature does not verify") from exc
    if expected_public_key is not None and public_raw != expected_public_key:
        raise SignatureInvalid("signed by another key")
    return public_raw

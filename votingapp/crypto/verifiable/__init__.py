"""`verifiable-v1`: homomorphic ballots with public proofs (docs/formats.md).

ristretto255 exponential ElGamal, one bit per (subject, option) plus a blank flag; CDS bit
proofs and per-subject row proofs under strong Fiat–Shamir; k-of-n Shamir shares and
verifiable partial decryptions of the sums only. Pure: no Flask, no SQLAlchemy. The group
arithmetic is libsodium's, from the `rbcl` wheel (why: `group`'s docstring, with numbers).

Typical use:
    dealing = deal_keys(2, 3); session = dealing.session(id, subjects, options)
    sealed = seal_ballot(session, [0, 2, 1])               # phone (static/js does the same)
    verified = verify_ballot(session, from_wire(wire), used_a_points)   # server at cast
    sums = aggregate(session, [v.ciphertexts for v in board])
    partial = partial_decrypt(session, share, sums)         # each of k members
    counts = tally(session, sums, len(board), {i: partial_i, ...})
"""

from .ballots import (
                      CHECKS,
                      BallotRefused,
                      SealedBallot,
                      VerifiedBallot,
                      ballot_size,
                      decode_bits,
                      from_wire,
                      open_spoiled,
                      receipt_of,
                      seal_ballot,
                      to_wire,
                      verify_ballot,
)
from .group import L, SystemRandom, TestRandom
from .session import (
                      SCHEME,
                      Dealing,
                      InvalidSession,
                      Session,
                      Share,
                      check_key_consistency,
                      deal_keys,
                      session_context,
                      share_from_bytes,
                      share_from_json,
)
from .tally import (
                      Decryption,
                      InvalidDecryption,
                      aggregate,
                      combine,
                      counts_by_subject,
                      partial_decrypt,
                      recover_counts,
                      tally,
                      verify_counts,
                      verify_partial,
)

__all__ = [
    "CHECKS", "L", "SCHEME", "BallotRefused", "Dealing", "Decryption", "InvalidDecryption", "InvalidSession",
    "SealedBallot", "Session", "Share", "SystemRandom", "TestRandom", "VerifiedBallot", "aggregate",
    "ballot_size", "check_key_consistency", "combine", "counts_by_subject", "deal_keys", "decode_bits",
    "from_wire", "open_spoiled", "partial_decrypt", "receipt_of", "recover_counts", "seal_ballot",
    "session_context", "share_from_bytes", "share_from_json", "tally", "to_wire", "verify_ballot",
    "verify_counts", "verify_partial",
]

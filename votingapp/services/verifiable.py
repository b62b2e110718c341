"""verifiable-v1 sessions (docs/formats.md, "verifiable-v1"): the session as the crypto core and
the board see it, and the keys dealt at open. No ballot of such a session is ever decrypted:
only the sums are, by k partial decryptions, each with its proof."""

from __future__ import annotations

import shamir_mnemonic

from ..crypto import keywrap
from ..crypto import shares as key_shares
from ..crypto.verifiable import group
from ..crypto.verifiable.session import SCHEME, Session, Share, deal_keys
from ..domain.ballot_forms import option_ids
from ..domain.policy import get_policy
from ..models import BallotSession
from ..models.ballots import KeyCustody
from .errors import ServiceError

__all__ = ["SCHEME", "MAX_SPOILS", "BLANK_OPTION", "options_for", "crypto_session", "deal",
           "share_words", "share_secret_from_words", "is_verifiable"]

#: ballots one token may have checked (spoiled) before it casts: enough to check twice or
#: thrice, too few to grind through codes
MAX_SPOILS = 3
#: the extra option column of a policy where an unmarked subject is blank for that subject (§6.4)
BLANK_OPTION = "blank"


def is_verifiable(session: BallotSession) -> bool:
    return session.scheme == SCHEME


def options_for(session: BallotSession) -> tuple[str, ...]:
    """The options in board order: the kind's, then "blank" when the policy counts an unmarked
    subject as blank for that subject (qd96-2023-lenient), since a verifiable ballot can only
    say "exactly one column per subject"."""
    options = option_ids(session.kind)
    if get_policy(session.policy).unmarked_subject == "blank":
        options += (BLANK_OPTION,)
    return options


def crypto_session(session: BallotSession) -> Session:
    """The session as the phone seals for it and the board publishes it (an open one)."""
    keys = session.verification_keys or b""
    return Session(id=session.id, subjects=tuple(subject.key for subject in session.subjects),
                   options=options_for(session), public_key=session.public_key,
                   threshold=session.share_threshold or 1,
                   verification_keys=tuple(keys[i:i + group.POINT_SIZE] for i in range(0, len(keys), group.POINT_SIZE)))


def deal(session: BallotSession, *, kek: bytes, custody: str, threshold: int, holders: int) -> list[Share]:
    """§3.1 at open: H and h_1 … h_n are stored. Under system custody (k = n = 1) the one share
    is stored wrapped under the KEK and [] is returned; under committee custody the n shares
    are returned, to be handed out once and forgotten."""
    committee = custody == KeyCustody.COMMITTEE.value
    dealing = deal_keys(threshold, holders) if committee else deal_keys(1, 1)
    session.public_key = dealing.public_key
    session.verification_keys = b"".join(dealing.verification_keys)
    if committee:
        return list(dealing.shares)
    session.wrapped_private_key = keywrap.wrap_key(kek, dealing.shares[0].secret_bytes(), session.id)
    return []


def system_share(session: BallotSession, kek: bytes) -> Share:
    """The one share of a system-custody session, unwrapped for the tally."""
    return Share(1, group.scalar_from_bytes(keywrap.unwrap_key(kek, session.wrapped_private_key, session.id)))


def share_words(share: Share) -> str:
    """§3.3: the 32 bytes of s_i as a SLIP-39 1-of-1 mnemonic (33 words, RS1024 checksum)."""
    return shamir_mnemonic.generate_mnemonics(1, [(1, 1)], share.secret_bytes(), b"", iteration_exponent=0)[0][0]


def share_secret_from_words(text: str) -> bytes:
    """The 32 bytes a card's 33 words carry (typing normalised as for sealed-scheme shares);
    a ServiceError(wrong_shares) when they are not one valid 1-of-1 mnemonic."""
    try:
        words = key_shares.normalize_share(text)
        return shamir_mnemonic.combine_mnemonics([words])
    except (shamir_mnemonic.MnemonicError, key_shares.ShareError, ValueError):
        raise ServiceError("wrong_shares", "These words are not a key share card of this app.",
                           "Các từ này không phải mảnh khóa của ứng dụng.") from None

"""verifiable-v1 sessions (docs/formats.md, "verifiable-v1"): the session as the crypto core and
the board see it, and the keys dealt at open. No ballot of such a session is ever decrypted:
only the sums are, by k partial decryptions, each with its proof."""

from __future__ import annotations

import shamir_mnemonic
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..crypto import keywrap
from ..crypto import shares as key_shares
from ..crypto.encoding import EncodingError, b64decode, b64encode
from ..crypto.verifiable import group
from ..crypto.verifiable.session import SCHEME, Session, Share, deal_keys
from ..crypto.verifiable.tally import (Decryption, InvalidDecryption, aggregate, partial_decrypt, tally,
                                       verify_partial)
from ..domain.ballot_forms import option_ids
from ..domain.policy import get_policy
from ..extensions import db
from ..models import Ballot, BallotSession, PartialDecryption, SessionState
from ..models.ballots import KeyCustody
from .errors import ServiceError

__all__ = ["SCHEME", "MAX_SPOILS", "BLANK_OPTION", "options_for", "crypto_session", "deal",
           "share_words", "share_secret_from_words", "is_verifiable", "store_sums", "sums_of",
           "decryption_status", "submit_partial", "decrypt_counts", "stored_partials"]

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


# --- the sums and the members' partial decryptions (§6) -------------------------------------

#: rows read per round trip when the sums are computed
_ROWS_PER_FETCH = 2000


def _stored_ciphertexts(session: BallotSession, size: int):
    """Each stored ballot's CT (its first 64·T bytes) as [(A_t, B_t) …], a batch of rows at a
    time: the sums never need the whole box in memory, nor the proofs."""
    rows = db.session.execute(select(func.substr(Ballot.ct, 1, size))
                              .where(Ballot.session_id == session.id, Ballot.scheme == SCHEME)
                              .execution_options(yield_per=_ROWS_PER_FETCH))
    for (ct,) in rows:
        ct = bytes(ct)
        yield [(ct[i:i + group.POINT_SIZE], ct[i + group.POINT_SIZE:i + 2 * group.POINT_SIZE])
               for i in range(0, size, 2 * group.POINT_SIZE)]


def compute_sums(session: BallotSession) -> list[tuple[bytes, bytes]]:
    """§6.1 over the session's stored ballots (the board's once it is closed)."""
    public = crypto_session(session)
    return aggregate(public, _stored_ciphertexts(session, 2 * group.POINT_SIZE * public.ciphertext_count))


def store_sums(session: BallotSession) -> bytes:
    """Ā_0 ‖ B̄_0 ‖ … stored in `ciphertext_sums` (flushed; the caller commits, as close does).
    Called once at close, after the board is published: the only ciphertexts ever decrypted."""
    session.ciphertext_sums = b"".join(a + b for a, b in compute_sums(session))
    db.session.flush()
    return session.ciphertext_sums


def split_sums(raw: bytes) -> list[tuple[bytes, bytes]]:
    size = group.POINT_SIZE
    return [(raw[i:i + size], raw[i + size:i + 2 * size]) for i in range(0, len(raw), 2 * size)]


def sums_of(session: BallotSession) -> list[tuple[bytes, bytes]]:
    """The stored sums as [(Ā_t, B̄_t) …]; computed and stored (committed) when a session closed
    before close stored them."""
    if session.ciphertext_sums is None:
        store_sums(session)
        db.session.commit()
    return split_sums(bytes(session.ciphertext_sums))


def stored_partials(session: BallotSession) -> dict[int, bytes]:
    """{member i: partial} of the members whose partials were stored (each verified when sent)."""
    rows = db.session.execute(select(PartialDecryption.member, PartialDecryption.partial)
                              .where(PartialDecryption.session_id == session.id)
                              .order_by(PartialDecryption.member))
    return {member: bytes(partial) for member, partial in rows}


def _require_closed(session: BallotSession) -> None:
    if session.state == SessionState.TALLIED.value:
        raise ServiceError("already_tallied")
    if session.state != SessionState.CLOSED.value:
        raise ServiceError("session_not_closed")


def decryption_status(session: BallotSession) -> dict:
    """What a member's phone needs to decrypt the sums (GET …/decryption), and who is in."""
    if not is_verifiable(session) or not session.committee_key:
        raise ServiceError("not_applicable", "Only a verifiable session whose key the counting committee holds "
                           "is decrypted by its members.",
                           "Chỉ phiên kiểm chứng được mà ban kiểm phiếu giữ khóa mới do các thành viên giải mã.")
    if session.state not in (SessionState.CLOSED.value, SessionState.TALLIED.value):
        raise ServiceError("session_not_closed")
    public = crypto_session(session)
    sums = sums_of(session)
    return {"session": public.to_json(), "sums": b64encode(b"".join(a + b for a, b in sums)),
            "ballots": ballots_on_board(session), "threshold": public.threshold, "holders": public.holders,
            "members_done": sorted(stored_partials(session)), "state": session.state}


def ballots_on_board(session: BallotSession) -> int:
    """N: the board's ballots (the session's stored rows)."""
    return db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.session_id == session.id))


def submit_partial(session: BallotSession, member, partial_text) -> bool:
    """Store member i's partial decryption once its proofs verify against the sums and h_i;
    True when stored now, False when the very same partial was already stored. 422 bad_partial
    (nothing stored) when it does not verify; 409 when not closed or already tallied."""
    if not is_verifiable(session) or not session.committee_key:
        raise ServiceError("not_applicable", "Only a verifiable session whose key the counting committee holds "
                           "is decrypted by its members.",
                           "Chỉ phiên kiểm chứng được mà ban kiểm phiếu giữ khóa mới do các thành viên giải mã.")
    _require_closed(session)
    public = crypto_session(session)
    if type(member) is not int or not 1 <= member <= public.holders:
        raise ServiceError("bad_partial", f"The member must be a share number from 1 to {public.holders}.",
                           f"Thành viên phải là số thứ tự mảnh khóa từ 1 đến {public.holders}.")
    try:
        raw = b64decode(partial_text) if isinstance(partial_text, str) else None
    except EncodingError:
        raw = None
    if raw is None:
        raise ServiceError("bad_partial", "The partial decryption is not base64url text.",
                           "Phần giải mã không phải chuỗi base64url.")
    try:
        verify_partial(public, member, raw, sums_of(session))
    except InvalidDecryption:
        raise ServiceError("bad_partial", f"Member {member}'s partial decryption does not verify against this "
                           "session's sums and key.",
                           f"Phần giải mã của thành viên {member} không khớp với tổng và khóa của phiên.") from None
    existing = db.session.get(PartialDecryption, (session.id, member))
    if existing is not None:
        return False  # a fresh proof of the same D_t is as good: the first stays, answered as a retry
    db.session.add(PartialDecryption(session_id=session.id, member=member, partial=raw))
    try:
        db.session.commit()
    except IntegrityError:  # the same member's phone twice at once: the first one stays
        db.session.rollback()
        return False
    return True


def decrypt_counts(session: BallotSession, kek: bytes, ballots: int) -> tuple[list[int], Decryption]:
    """§6.2–6.3 on the stored sums: under system custody the one wrapped share decrypts them
    here (k = n = 1); under committee custody the stored partials of the members' phones are
    combined (409 partials_needed below k). Returns every n_t and the tally's `decryption`."""
    public = crypto_session(session)
    sums = sums_of(session)
    if session.committee_key:
        partials = stored_partials(session)
        if len(partials) < public.threshold:
            raise ServiceError("partials_needed",
                               f"{len(partials)} of the {public.threshold} needed members have decrypted "
                               f"on their phones (of {public.holders}).",
                               f"Mới có {len(partials)} trong {public.threshold} thành viên cần thiết giải mã "
                               f"trên điện thoại (trong tổng số {public.holders}).",
                               extra={"members_done": sorted(partials), "threshold": public.threshold})
    else:
        partials = {1: partial_decrypt(public, system_share(session, kek), sums)}
    try:
        counts = tally(public, sums, ballots, partials)
    except InvalidDecryption:
        raise ServiceError("conflict", "The stored partial decryptions do not decrypt the stored sums: nothing "
                           "was counted.",
                           "Các phần giải mã đã lưu không giải mã được tổng đã lưu: chưa kiểm phiếu.") from None
    members = tuple(sorted(partials))
    return counts, Decryption(members, tuple(partials[i] for i in members))

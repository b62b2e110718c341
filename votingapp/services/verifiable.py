"""verifiable-v1 sessions (docs/formats.md, "verifiable-v1"): the session as the crypto core and
the board see it, and the keys dealt at open. No ballot of such a session is ever decrypted:
only the sums are, by k partial decryptions, each with its proof."""

from __future__ import annotations

from dataclasses import dataclass

import shamir_mnemonic
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError

from ..catalog import N_
from ..crypto import keywrap
from ..crypto import shares as key_shares
from ..crypto.encoding import EncodingError, b64decode, b64encode
from ..crypto.verifiable import group
from ..crypto.verifiable.ballots import (
    BallotRefused,
    VerifiedBallot,
    ballot_size,
    from_wire,
    open_spoiled,
    receipt_of,
    verify_ballot,
)
from ..crypto.verifiable.session import SCHEME, Session, Share, deal_keys
from ..crypto.verifiable.tally import Decryption, InvalidDecryption, aggregate, partial_decrypt, tally, verify_partial
from ..domain.ballot_forms import BLANK_COLUMN, OPTIONS, Option, option_ids
from ..domain.policy import get_policy
from ..extensions import db
from ..models import Ballot, BallotSession, CiphertextKey, PartialDecryption, SessionState, SpoiledBallot, Subject
from ..models.ballots import KeyCustody
from .errors import ServiceError

__all__ = ["SCHEME", "MAX_SPOILS", "BLANK_OPTION", "options_for", "crypto_session", "deal",
           "share_words", "share_secret_from_words", "is_verifiable", "voter_options", "cast_context",
           "checked_ballot", "opened_spoil", "duplicate_refusal", "BallotRow", "store_sums", "sums_of",
           "decryption_status", "submit_partial", "decrypt_counts", "stored_partials"]

#: ballots one token may have checked (spoiled) before it casts: enough to check twice or
#: thrice, too few to grind through codes
MAX_SPOILS = 3
#: the extra option column of a policy where an unmarked subject is blank for that subject (§6.4)
BLANK_OPTION = BLANK_COLUMN.id


def is_verifiable(session: BallotSession) -> bool:
    return session.scheme == SCHEME


def options_for(session: BallotSession) -> tuple[str, ...]:
    """The options in board order: the kind's, then "blank" when the policy counts an unmarked
    subject as blank for that subject (qd96-2023-lenient), since a verifiable ballot can only
    say "exactly one column per subject"."""
    return _options(session.kind, session.policy)


def _options(kind: str, policy: str) -> tuple[str, ...]:
    options = option_ids(kind)
    if get_policy(policy).unmarked_subject == "blank":
        options += (BLANK_OPTION,)
    return options


def voter_options(session: BallotSession) -> list[Option]:
    """The options a phone shows for each subject, in board order (options_for), labelled."""
    labelled = {option.id: option for option in OPTIONS[session.kind]}
    return [labelled.get(option_id, BLANK_COLUMN) for option_id in options_for(session)]


def crypto_session(session: BallotSession) -> Session:
    """The session as the phone seals for it and the board publishes it (an open one)."""
    assert session.public_key is not None  # opening made the key
    return _crypto_session(session.id, [subject.key for subject in session.subjects], session.kind,
                           session.policy, session.public_key, session.share_threshold, session.verification_keys)


def _crypto_session(session_id: str, subject_keys, kind: str, policy: str, public_key: bytes,
                    threshold: int | None, verification_keys: bytes | None) -> Session:
    keys = bytes(verification_keys or b"")
    return Session(id=session_id, subjects=tuple(subject_keys), options=_options(kind, policy),
                   public_key=bytes(public_key), threshold=threshold or 1,
                   verification_keys=tuple(keys[i:i + group.POINT_SIZE] for i in range(0, len(keys), group.POINT_SIZE)))


# --- at the door: a cast or a check (spoil) ---------------------------------------------------

_sessions, _subjects = BallotSession.__table__, Subject.__table__
_keys, _spoiled, _ballots = CiphertextKey.__table__, SpoiledBallot.__table__, Ballot.__table__
_SESSION_READ = select(_sessions.c.kind, _sessions.c.policy, _sessions.c.public_key, _sessions.c.share_threshold,
                       _sessions.c.verification_keys).where(_sessions.c.id == bindparam("session_id"))
_SUBJECT_KEYS = (select(_subjects.c.key).where(_subjects.c.session_id == bindparam("session_id"))
                 .order_by(_subjects.c.position))
_USED_POINTS = select(_keys.c.a_point).where(_keys.c.session_id == bindparam("session_id"),
                                             _keys.c.a_point.in_(bindparam("points", expanding=True)))
_BALLOT_STORED = select(_ballots.c.receipt).where(_ballots.c.receipt == bindparam("receipt"),
                                                  _ballots.c.session_id == bindparam("session_id"))
_SPOIL_STORED = select(_spoiled.c.reveal).where(_spoiled.c.receipt == bindparam("receipt"),
                                                _spoiled.c.session_id == bindparam("session_id"))
#: (Session, sctx) of open sessions, by id: an open session's keys, subjects and options never
#: change, so each process reads and hashes them once, not at every cast
_CONTEXTS: dict[str, tuple[Session, bytes]] = {}
_CONTEXTS_KEPT = 256


def cast_context(connection, session_id: str) -> tuple[Session, bytes]:
    """The crypto session a ballot of this OPEN session is checked against, and its sctx
    (the caller has checked it is open: a draft has no keys yet)."""
    found = _CONTEXTS.get(session_id)
    if found is None:
        row = connection.execute(_SESSION_READ, {"session_id": session_id}).one()
        keys = connection.execute(_SUBJECT_KEYS, {"session_id": session_id}).scalars().all()
        public = _crypto_session(session_id, keys, row.kind, row.policy, row.public_key, row.share_threshold,
                                 row.verification_keys)
        found = (public, public.context())
        if len(_CONTEXTS) >= _CONTEXTS_KEPT:
            _CONTEXTS.clear()
        _CONTEXTS[session_id] = found
    return found


def refusal(exc: BallotRefused) -> ServiceError:
    """A BallotRefused as the voter contract says it: §4.6's codes and bad_reveal are 422 with
    their own bilingual message; a wire form that is no verifiable-v1 ballot keeps its code."""
    if exc.code in ("malformed_ballot", "wrong_scheme"):
        return ServiceError(exc.code, note_en=str(exc).capitalize() + ".")
    return ServiceError(exc.code)


def wire_bytes(wire_ballot) -> bytes:
    """The ballot bytes of a wire ballot, or its refusal."""
    try:
        return from_wire(wire_ballot)
    except BallotRefused as exc:
        raise refusal(exc) from None


def _used_points(connection, session_id: str, public: Session, raw: bytes) -> frozenset[bytes]:
    """Which of the ballot's A_t a cast or spoiled ballot of the session already used: one
    read, so the checks refuse in §4.6's order; the primary key decides again at insert."""
    if len(raw) != ballot_size(public):
        return frozenset()  # wrong_size is said first
    points = list({raw[64 * t:64 * t + 32] for t in range(public.ciphertext_count)})
    return frozenset(bytes(point) for point in connection.execute(
        _USED_POINTS, {"session_id": session_id, "points": points}).scalars())


def duplicate_refusal(connection, session_id: str, receipt: str) -> ServiceError:
    """An A_t already used: 409 duplicate_ballot when this very ballot is in the box, else 422
    duplicate_ciphertext (a copy of a spoiled ballot, a re-randomised or reused ciphertext)."""
    if connection.execute(_BALLOT_STORED, {"receipt": receipt, "session_id": session_id}).first() is not None:
        return ServiceError("duplicate_ballot")
    return ServiceError("duplicate_ciphertext")


def checked_ballot(connection, session_id: str, raw: bytes) -> VerifiedBallot:
    """§4.6 against the session's keys and the A_t already used: the verified ballot, or a
    ServiceError with the first failing check's code (nothing is written)."""
    public, sctx = cast_context(connection, session_id)
    try:
        return verify_ballot(public, raw, _used_points(connection, session_id, public, raw), sctx)
    except BallotRefused as exc:
        if exc.code == "duplicate_ciphertext":
            raise duplicate_refusal(connection, session_id, receipt_of(raw)) from None
        raise refusal(exc) from None


@dataclass(frozen=True)
class BallotRow:
    """What a cast stores: the ballots row (docs/formats.md: ct is the ballot, epk and epk_x
    are A_0, no nonce) and the A_t of the ballot's ciphertext_keys rows."""
    receipt: str
    ct: bytes
    a_points: tuple[bytes, ...]
    scheme: str = SCHEME
    nonce: bytes = b""

    @property
    def epk(self) -> bytes:
        return self.a_points[0]

    epk_x = epk

    @classmethod
    def of(cls, verified: VerifiedBallot) -> BallotRow:
        return cls(verified.receipt, verified.ballot, verified.a_points)


def reveal_bytes(reveal_text) -> bytes:
    try:
        if not isinstance(reveal_text, str):
            raise EncodingError("not a text")
        return b64decode(reveal_text)
    except EncodingError:
        raise ServiceError("bad_reveal", N_("It must be base64url without padding.")) from None


@dataclass(frozen=True)
class Spoil:
    """A checked ballot, opened: what the voter compares on another device."""
    row: BallotRow
    reveal: bytes
    choices: list[dict]
    #: already stored: the same check sent again (its answer was lost), answered again
    stored: bool = False

    def answer(self) -> dict:
        return {"receipt": self.row.receipt, "short_code": self.row.receipt[:8],
                "blank": all(choice["option"] is None for choice in self.choices), "choices": self.choices}


def opened_spoil(connection, session_id: str, raw: bytes, reveal: bytes) -> Spoil:
    """§4.6 then §5's opening: the spoiled ballot and its decoded choices, or the refusal.
    The very same ballot and reveal sent again (a lost answer) come back `stored`."""
    public, sctx = cast_context(connection, session_id)
    try:
        choices = open_spoiled(public, raw, reveal, _used_points(connection, session_id, public, raw), sctx)
    except BallotRefused as exc:
        if exc.code == "duplicate_ciphertext":
            again = stored_spoil(connection, session_id, raw, reveal)
            if again is not None:
                return again
            raise duplicate_refusal(connection, session_id, receipt_of(raw)) from None
        raise refusal(exc) from None
    ciphertexts = [raw[64 * t:64 * t + 32] for t in range(public.ciphertext_count)]
    return Spoil(BallotRow(receipt_of(raw), raw, tuple(ciphertexts)), reveal, _named(public, choices))


def _named(public: Session, choices) -> list[dict]:
    return [{"subject": subject, "option": None if choices is None else public.options[choices[s]]}
            for s, subject in enumerate(public.subjects)]


def stored_spoil(connection, session_id: str, raw: bytes, reveal: bytes) -> Spoil | None:
    """The same ballot and reveal already checked in this session (a retry), decoded again."""
    receipt = receipt_of(raw)
    stored = connection.execute(_SPOIL_STORED, {"receipt": receipt, "session_id": session_id}).scalar()
    if stored is None or bytes(stored) != reveal:
        return None
    public, sctx = cast_context(connection, session_id)
    choices = open_spoiled(public, raw, reveal, frozenset(), sctx)
    return Spoil(BallotRow(receipt, raw, ()), reveal, _named(public, choices), stored=True)


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
    assert session.wrapped_private_key is not None  # a system-custody session keeps its key wrapped
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
        raise ServiceError("wrong_shares", N_("These words are not a key share card of this app.")) from None


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
    assert session.ciphertext_sums is not None  # store_sums set them
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
        raise ServiceError("not_applicable", N_("Only a verifiable session whose key the counting committee holds "
                                                "is decrypted by its members."))
    if session.state not in (SessionState.CLOSED.value, SessionState.TALLIED.value):
        raise ServiceError("session_not_closed")
    public = crypto_session(session)
    sums = sums_of(session)
    return {"session": public.to_json(), "sums": b64encode(b"".join(a + b for a, b in sums)),
            "ballots": ballots_on_board(session), "threshold": public.threshold, "holders": public.holders,
            "members_done": sorted(stored_partials(session)), "state": session.state}


def ballots_on_board(session: BallotSession) -> int:
    """N: the board's ballots (the session's stored rows)."""
    return db.session.execute(select(func.count()).select_from(Ballot)
                              .where(Ballot.session_id == session.id)).scalar_one()


def submit_partial(session: BallotSession, member, partial_text) -> bool:
    """Store member i's partial decryption once its proofs verify against the sums and h_i;
    True when stored now, False when the very same partial was already stored. 422 bad_partial
    (nothing stored) when it does not verify; 409 when not closed or already tallied."""
    if not is_verifiable(session) or not session.committee_key:
        raise ServiceError("not_applicable", N_("Only a verifiable session whose key the counting committee holds "
                                                "is decrypted by its members."))
    _require_closed(session)
    public = crypto_session(session)
    if type(member) is not int or not 1 <= member <= public.holders:
        raise ServiceError("bad_partial", N_("The member must be a share number from 1 to %(holders)s.",
                                             holders=public.holders))
    try:
        raw = b64decode(partial_text) if isinstance(partial_text, str) else None
    except EncodingError:
        raw = None
    if raw is None:
        raise ServiceError("bad_partial", N_("The partial decryption is not base64url text."))
    try:
        verify_partial(public, member, raw, sums_of(session))
    except InvalidDecryption:
        raise ServiceError("bad_partial", N_("Member %(member)s's partial decryption does not verify against this "
                                             "session's sums and key.", member=member)) from None
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
                               N_("%(n_partials)s of the %(threshold)s needed members have decrypted on their "
                                  "phones (of %(holders)s).",
                                  n_partials=len(partials), threshold=public.threshold, holders=public.holders),
                               extra={"members_done": sorted(partials), "threshold": public.threshold})
    else:
        partials = {1: partial_decrypt(public, system_share(session, kek), sums)}
    try:
        counts = tally(public, sums, ballots, partials)
    except InvalidDecryption:
        raise ServiceError("conflict", N_("The stored partial decryptions do not decrypt the stored sums: nothing "
                                          "was counted.")) from None
    members = tuple(sorted(partials))
    return counts, Decryption(members, tuple(partials[i] for i in members))

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..crypto.sealed import CURRENT_SCHEME, SCHEME_V1
from ..domain.electorate import ALL, ELECTORATES
from ..extensions import db
from .base import Model, UTCDateTime, utcnow
from .organizations import Meeting, Member


class SessionState(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    TALLIED = "tallied"


class TokenState(enum.StrEnum):
    ISSUED = "issued"
    USED = "used"
    VOID = "void"


class KeyCustody(enum.StrEnum):
    SYSTEM = "system"
    COMMITTEE = "committee"


class IllegalTransition(Exception):
    """A state move the lifecycle does not allow (open twice, tally before close, ...)."""

    def __init__(self, session: BallotSession, action: str):
        super().__init__(f"cannot {action} a session that is {session.state}")
        self.state, self.action = session.state, action


_STATES = tuple(s.value for s in SessionState)
_TOKEN_STATES = tuple(s.value for s in TokenState)

#: the members of a session's chosen body (electorate "body"), e.g. the cấp ủy; edited while draft
session_electors = Table(
    "session_electors", db.metadata,
    Column("session_id", ForeignKey("ballot_sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("member_id", ForeignKey("members.id"), primary_key=True),
)


class BallotSession(Model):
    """A poll within a meeting: draft → open → closed → tallied."""
    __tablename__ = "ballot_sessions"
    __table_args__ = (CheckConstraint(f"state IN {_STATES}", name="session_state"),
                      CheckConstraint(f"electorate IN {ELECTORATES}", name="session_electorate"))

    #: a UUID: it is in every ballot's plaintext and key derivation
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(10), default=SessionState.DRAFT.value)
    #: who votes (domain.electorate.ELECTORATES): all summoned, official members only, or the
    #: chosen body in session_electors; the quorum, the base and the ballot cap count only them
    electorate: Mapped[str] = mapped_column(String(10), default=ALL, server_default=ALL)
    #: counting policy name (domain.policy.POLICIES)
    policy: Mapped[str] = mapped_column(String(40))
    #: every plaintext pads to this many bytes, so ciphertexts all have one length
    plaintext_size: Mapped[int] = mapped_column(Integer)
    #: the ballot scheme (crypto.sealed.SCHEMES) every ballot of this session is sealed with;
    #: rows made before sealed-v2 keep sealed-v1, so their boards still verify
    scheme: Mapped[str] = mapped_column(String(20), default=CURRENT_SCHEME,
                                        server_default=SCHEME_V1)
    #: set on open: sealed schemes, a 65-byte uncompressed P-256 point; verifiable-v1, H (32 bytes)
    public_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: the private scalar wrapped under the system KEK (crypto.keywrap); never in the clear.
    #: verifiable-v1 under system custody: the one share s_1 (k = n = 1)
    wrapped_private_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: verifiable-v1 only: h_1 ‖ … ‖ h_n (32 bytes each), the keys partial decryptions are proved against
    verification_keys: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: verifiable-v1 only, from close on: the homomorphic sums Ā_0 ‖ B̄_0 ‖ … of the board's
    #: ballots (64·T bytes), the only ciphertexts ever decrypted
    ciphertext_sums: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: who holds the private key: "system" (wrapped above) or "committee" (split k-of-n
    #: among the counting committee by crypto.shares; then nothing of the key is stored)
    key_custody: Mapped[str] = mapped_column(String(10), default=KeyCustody.SYSTEM.value,
                                             server_default=KeyCustody.SYSTEM.value)
    #: k: the shares a committee-key tally needs (NULL under system custody)
    share_threshold: Mapped[int | None] = mapped_column(Integer)
    #: n: the shares handed out when the session opened (NULL under system custody)
    share_count: Mapped[int | None] = mapped_column(Integer)
    #: the voter-code fingerprint (crypto.fingerprint) served when the session opened: what the
    #: cards, the projector and the minutes print, so a later change of the served code shows
    voter_code_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tallied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    meeting: Mapped[Meeting] = relationship(back_populates="sessions")
    subjects: Mapped[list[Subject]] = relationship(back_populates="session", order_by="Subject.position",
                                                   cascade="all, delete-orphan")
    issues: Mapped[list[TokenIssue]] = relationship(order_by="TokenIssue.id")
    electors: Mapped[list[Member]] = relationship(secondary=session_electors, order_by="Member.code")
    tally: Mapped[Tally | None] = relationship(back_populates="session")
    board: Mapped[Board | None] = relationship(back_populates="session")

    def move(self, action: str, allowed_from: SessionState, to: SessionState) -> None:
        """The one place a state changes: raises IllegalTransition on any other move."""
        if self.state != allowed_from.value:
            raise IllegalTransition(self, action)
        self.state = to.value

    @property
    def is_draft(self) -> bool:
        return self.state == SessionState.DRAFT.value

    @property
    def is_open(self) -> bool:
        return self.state == SessionState.OPEN.value

    @property
    def committee_key(self) -> bool:
        """The key exists only as the counting committee's shares."""
        return self.key_custody == KeyCustody.COMMITTEE.value


class Subject(Model):
    """One line of the ballot: a person voted on, or the motion."""
    __tablename__ = "subjects"
    __table_args__ = (UniqueConstraint("session_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("ballot_sessions.id"), index=True)
    #: the subject id inside ballot plaintexts (e.g. member code)
    key: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(300))
    #: shown under the name: the post of the person, or empty
    detail: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))

    session: Mapped[BallotSession] = relationship(back_populates="subjects")
    member: Mapped[Member | None] = relationship()


class TokenIssue(Model):
    """The log of each issue of tokens: how many, how, by whom. Never the tokens."""
    __tablename__ = "token_issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("ballot_sessions.id"), index=True)
    count: Mapped[int] = mapped_column(Integer)
    #: print (PDF cards), kiosk, api, cli
    mode: Mapped[str] = mapped_column(String(10))
    issued_by: Mapped[str] = mapped_column(String(80))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Token(Model):
    """A one-time ballot credential, stored only as its hash. No link to a person, an issue
    batch, or the ballot it cast; no timestamps."""
    __tablename__ = "tokens"
    __table_args__ = (CheckConstraint(f"state IN {_TOKEN_STATES}", name="token_state"),)

    #: crypto.tokens.token_hash of the token
    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("ballot_sessions.id"), index=True)
    state: Mapped[str] = mapped_column(String(10), default=TokenState.ISSUED.value)
    #: HMAC(token, receipt) once used: recognises an identical retry; unlinkable without the token
    receipt_mac: Mapped[str | None] = mapped_column(String(64))
    #: verifiable-v1: ballots this token had checked and spoiled (Benaloh), at most a few
    spoils: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Ballot(Model):
    """An encrypted ballot: an unordered member of its session's set, keyed by its receipt.
    No autoincrement id, no time, no token: in SQLite a WITHOUT ROWID table, so even the
    storage order is the receipt order, not the cast order. One ephemeral x-coordinate per
    session: a copy (exact, or with its point negated) is refused by the database itself."""
    __tablename__ = "ballots"
    __table_args__ = (UniqueConstraint("session_id", "epk_x", name="ballot_epk_x_once"),
                      {"sqlite_with_rowid": False})

    #: lowercase hex SHA-256 of the ballot as cast: epk || nonce || ct (sealed schemes), or the
    #: ballot bytes (verifiable-v1, which keeps them in `ct`)
    receipt: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("ballot_sessions.id"), index=True)
    #: kept per ballot so a later scheme can live beside sealed-v1
    scheme: Mapped[str] = mapped_column(String(20))
    epk: Mapped[bytes] = mapped_column(LargeBinary)
    #: the 32-byte x-coordinate of epk: what a copied ballot keeps whatever it re-encodes
    epk_x: Mapped[bytes] = mapped_column(LargeBinary(32))
    nonce: Mapped[bytes] = mapped_column(LargeBinary)
    ct: Mapped[bytes] = mapped_column(LargeBinary)


class CiphertextKey(Model):
    """Every A_t of every cast or spoiled verifiable-v1 ballot of a session, once: a copied or
    re-randomised ciphertext, or a phone that reused its randomness, is refused by the database
    itself, under any concurrency. Keyed by the point, WITHOUT ROWID: no cast order is kept."""
    __tablename__ = "ciphertext_keys"
    __table_args__ = ({"sqlite_with_rowid": False},)

    session_id: Mapped[str] = mapped_column(ForeignKey("ballot_sessions.id"), primary_key=True)
    a_point: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)


class SpoiledBallot(Model):
    """A verifiable-v1 ballot a voter chose to check rather than cast (Benaloh): published with
    its randomness, so anyone decodes it, and never counted. Not linked to its token."""
    __tablename__ = "spoiled_ballots"
    __table_args__ = ({"sqlite_with_rowid": False},)

    #: lowercase hex SHA-256 of the ballot bytes
    receipt: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("ballot_sessions.id"), index=True)
    ballot: Mapped[bytes] = mapped_column(LargeBinary)
    #: r_0 ‖ … ‖ r_{T−1}, 32 bytes each
    reveal: Mapped[bytes] = mapped_column(LargeBinary)


class PartialDecryption(Model):
    """A counting-committee member's partial decryption of the sums (96·T bytes), stored only
    once its proofs verified. Sent from the member's phone: the share never reaches us."""
    __tablename__ = "partial_decryptions"

    session_id: Mapped[str] = mapped_column(ForeignKey("ballot_sessions.id"), primary_key=True)
    #: the share's index i (1 … n)
    member: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    partial: Mapped[bytes] = mapped_column(LargeBinary)


class KioskCode(Model):
    """The code the kiosk screen shows now, so a reload shows it again instead of minting
    another. Wrapped under the system KEK, and deleted in the very transaction that spends it
    (or at close): no stored token ever sits beside the ballot it cast."""
    __tablename__ = "kiosk_codes"

    session_id: Mapped[str] = mapped_column(ForeignKey("ballot_sessions.id"), primary_key=True)
    #: crypto.tokens.token_hash of the shown token (the cast deletes the row by it)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: the token, AES-GCM wrapped under the KEK (crypto.keywrap), bound to the session id
    wrapped_token: Mapped[bytes] = mapped_column(LargeBinary)


class Tally(Model):
    """The result of a session, computed once after close; the only source of results."""
    __tablename__ = "tallies"

    session_id: Mapped[str] = mapped_column(ForeignKey("ballot_sessions.id"), primary_key=True)
    #: the tally document (domain.tally.count_ballots), plus the meeting facts it was made from
    document: Mapped[dict] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[BallotSession] = relationship(back_populates="tally")


class Board(Model):
    """The bulletin board published at close: every ciphertext, sorted by receipt,
    hash-chained and signed (audit.bundle.build_board). Fixed once made; the tally counts it."""
    __tablename__ = "boards"

    session_id: Mapped[str] = mapped_column(ForeignKey("ballot_sessions.id"), primary_key=True)
    #: the signed board-v1 document
    document: Mapped[dict] = mapped_column(JSON)

    session: Mapped[BallotSession] = relationship(back_populates="board")

"""The ballot lifecycle: create, open, issue, cast, close, tally.

Secrecy rules this module keeps (docs/threat-model.md): tokens are stored only as hashes; casting marks
the token used and stores the ciphertext in one transaction, and nothing written links the
two; no results exist before close, and only the tally makes them.
"""

from __future__ import annotations

import threading
import uuid
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, bindparam, delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from ..catalog import N_, Text
from ..crypto import keywrap, sealed, tokens
from ..crypto import shares as key_shares
from ..domain import ballot_forms
from ..domain import electorate as electorate_rules
from ..domain.clock import utcnow
from ..domain.policy import default_policy_for, get_policy
from ..domain.tally import open_each_key_once
from ..domain.text import Field
from ..extensions import db
from ..models import (
    Ballot,
    BallotSession,
    CiphertextKey,
    KioskCode,
    Meeting,
    SessionState,
    SpoiledBallot,
    Subject,
    Token,
    TokenIssue,
    TokenState,
)
from ..models.ballots import IllegalTransition, KeyCustody
from . import activity, permissions, verifiable
from . import electorate as voters
from .errors import STORAGE_RETRY_AFTER, ServiceError, text_input
from .voter_code import served_voter_code

MAX_SUBJECTS = 200
MAX_ISSUE = 2000
MAX_MOTION_TEXT = 300
SESSION_TITLE = Field("title", N_("The session title"))
MOTION_TEXT = Field("motion", N_("The motion text"))
HOLDER_NAME = Field("names", N_("The name of a key holder"))
#: the committee key's default split: any 2 of 3 members open it
DEFAULT_THRESHOLD, DEFAULT_HOLDERS = 2, 3
#: the schemes a new session may use; old sessions keep whatever they were made with
SCHEMES = (verifiable.SCHEME, sealed.SCHEME_V2)
NEW_SESSION_SCHEME = verifiable.SCHEME


def system_kek() -> bytes:
    return current_app.config["KEY_ENCRYPTION_KEY"]


# --- create and open ---------------------------------------------------------------------

def create_session(meeting: Meeting, *, kind: str, title: str, subjects: list[dict],
                   policy: str | None = None, electorate: str | None = None, electors=(), by,
                   scheme: str | None = None) -> BallotSession:
    """A draft session, sealed with `scheme` (NEW_SESSION_SCHEME unless asked; SCHEMES).
    `subjects` are dicts with key, name and optionally detail, member_id;
    a motion has exactly one subject, the motion itself. `policy` defaults to the kind's own
    and must be one made for the kind. `electorate` defaults by kind (official members for a
    motion, everyone summoned otherwise); `electors` are the member ids of a chosen body."""
    permissions.check(by, "can_run_meetings", meeting.organization)
    if kind not in ballot_forms.KINDS:
        raise ServiceError("invalid_input", N_("Kind must be one of %(kinds)s.", kinds=", ".join(ballot_forms.KINDS)))
    title, subjects = _checked_title(title), _checked_subjects(kind, subjects, title)
    policy = policy or default_policy_for(kind)
    try:
        rule = get_policy(policy)
    except ValueError:
        raise ServiceError("invalid_input", N_("Unknown policy %(policy)r.", policy=policy)) from None
    if rule.kind != kind:
        raise ServiceError("invalid_input", N_("Policy %(policy)r counts %(rule_kind)s sessions, not %(kind)s.",
                                               policy=policy, rule_kind=rule.kind, kind=kind))
    scheme = scheme or NEW_SESSION_SCHEME
    if scheme not in SCHEMES:
        raise ServiceError("invalid_input", N_("Scheme must be one of %(schemes)s.", schemes=", ".join(SCHEMES)))
    session_id = str(uuid.uuid4())
    session = BallotSession(id=session_id, meeting=meeting, kind=kind, title=title, policy=policy,
                            scheme=scheme, state=SessionState.DRAFT.value)
    _set_subjects(session, subjects)
    db.session.add(session)
    voters.set_electorate(session, electorate or electorate_rules.default_electorate(kind), electors,
                              by=by, commit=False)
    activity.record(activity.actor_name(by), "create_session", f"session:{session_id}", kind=kind, title=title,
                 subjects=len(subjects))
    db.session.commit()
    return session


def _checked_title(title) -> str:
    return text_input(title, SESSION_TITLE, max_length=300)


def _checked_subjects(kind: str, subjects: list[dict], title: str) -> list[dict]:
    if kind == ballot_forms.MOTION:
        text = text_input(subjects[0]["name"], MOTION_TEXT, max_length=MAX_MOTION_TEXT) if subjects else title
        subjects = [{"key": ballot_forms.MOTION_SUBJECT, "name": text}]
    keys = [s.get("key") for s in subjects]
    if not subjects or len(subjects) > MAX_SUBJECTS:
        raise ServiceError("invalid_input", N_("Choose at least one person to vote on."))
    if len(set(keys)) != len(keys) or not all(isinstance(k, str) and 0 < len(k) <= 60 for k in keys):
        raise ServiceError("invalid_input", N_("Each subject needs its own id."))
    return subjects


def _set_subjects(session: BallotSession, subjects: list[dict]) -> None:
    """The ballot's lines, and the plaintext size their longest filling needs."""
    session.subjects = [Subject(key=s["key"], name=s["name"], detail=s.get("detail") or "",
                                member_id=s.get("member_id"), position=i) for i, s in enumerate(subjects)]
    session.plaintext_size = ballot_forms.plaintext_size_for(session.id, session.kind, [s["key"] for s in subjects])


def _require_draft(session: BallotSession, refusal: Text) -> None:
    if not session.is_draft:
        raise ServiceError("illegal_transition", refusal)


def edit_draft(session: BallotSession, *, title: str | None = None, subjects: list[dict] | None = None,
               electorate_name: str | None = None, electors=(), by) -> BallotSession:
    """Rename a draft, change its people or the motion's text, or who votes (all at once or
    nothing); the ballot and the electorate are fixed at open."""
    permissions.check(by, "can_run_meetings", session.meeting.organization)
    _require_draft(session, N_("Only a draft session can be edited."))
    if electorate_name is not None:
        voters.set_electorate(session, electorate_name, electors, by=by, commit=False)
    if title is not None:
        session.title = _checked_title(title)
    if subjects is not None:
        subjects = _checked_subjects(session.kind, subjects, session.title)
        session.subjects = []
        db.session.flush()  # the old lines go before the new ones take their keys
        _set_subjects(session, subjects)
    activity.record(activity.actor_name(by), "edit_session", f"session:{session.id}", title=session.title,
                 subjects=len(session.subjects))
    db.session.commit()
    return session


def delete_draft(session: BallotSession, *, by) -> None:
    """A draft has no key, no code and no ballot: deleting it loses nothing but the plan (logged)."""
    permissions.check(by, "can_run_meetings", session.meeting.organization)
    _require_draft(session, N_("Only a draft session can be deleted."))
    activity.record(activity.actor_name(by), "delete_session", f"session:{session.id}", title=session.title,
                 kind=session.kind)
    db.session.delete(session)
    db.session.commit()


def member_subjects(members) -> list[dict]:
    """Ballot subjects for people: keyed by member code, the post shown under the name."""
    return [{"key": m.code, "name": m.full_name, "detail": m.post, "member_id": m.id} for m in members]


def open_session(session: BallotSession, *, by, custody: str = KeyCustody.SYSTEM.value,
                 threshold: int = DEFAULT_THRESHOLD, holders: int = DEFAULT_HOLDERS,
                 names=(), hand_out=None):
    """Draft → open: fresh keys (sealed schemes: a P-256 pair; verifiable-v1: H and the
    verification keys, services.verifiable.deal). Under system custody the private key is stored
    wrapped under the KEK and this returns []. Under committee custody it is split k-of-n
    and the shares (crypto.shares.KeyShare) are returned, this once: nothing of the key is
    stored, so they can never be shown again, and a second open (a reload, a double click)
    is refused. `hand_out(shares)`, when given, makes what the caller hands over (the PDF)
    before the commit, so if that fails the session stays a draft; its result is returned."""
    permissions.check(by, "can_run_meetings", session.meeting.organization)
    if custody not in (KeyCustody.SYSTEM.value, KeyCustody.COMMITTEE.value):
        raise ServiceError("invalid_input", N_("Key custody is 'system' or 'committee'."))
    committee = custody == KeyCustody.COMMITTEE.value
    if committee:
        try:
            key_shares.check_threshold(threshold, holders)
        except key_shares.ShareError as exc:
            raise ServiceError("invalid_input", exc.text) from None
    holder_names = _holder_names(names, holders if committee else 0)
    if session.is_draft:  # a second open gets IllegalTransition from _claim_open, as before
        voters.check_electorate(session, session.kind, session.electorate, [m.id for m in session.electors])
        voters.check_quorum(session)
    _claim_open(session)
    session.key_custody = custody
    session.opened_at = utcnow()
    session.voter_code_sha256 = served_voter_code()
    if committee:
        session.share_threshold, session.share_count = threshold, holders
    share_texts = (_deal_verifiable(session, custody, threshold, holders) if verifiable.is_verifiable(session)
               else _make_sealed_key(session, committee, threshold, holders))
    # names are optional (fewer names than shares is allowed): not strict
    handed_out = [key_shares.KeyShare(number, name, text)
                  for number, (name, text) in enumerate(zip(holder_names, share_texts, strict=False), start=1)]
    if committee:
        activity.record(activity.actor_name(by), "open_session", f"session:{session.id}", custody=custody,
                        threshold=threshold, holders=holders, names=[name for name in holder_names if name])
    else:
        activity.record(activity.actor_name(by), "open_session", f"session:{session.id}")
    if hand_out is not None:
        handed_out = hand_out(handed_out)
    db.session.commit()
    return handed_out


def _make_sealed_key(session: BallotSession, committee: bool, threshold: int, holders: int) -> list[str]:
    """A fresh P-256 key pair: the private key wrapped under the KEK, or split into the
    committee's share texts (returned), nothing of it stored."""
    private_key = sealed.generate_private_key()
    session.public_key = sealed.public_key_bytes(private_key.public_key())
    if committee:
        return key_shares.split_key(sealed.private_key_bytes(private_key), threshold, holders)
    session.wrapped_private_key = keywrap.wrap_key(system_kek(), sealed.private_key_bytes(private_key), session.id)
    return []


def _deal_verifiable(session: BallotSession, custody: str, threshold: int, holders: int) -> list[str]:
    """verifiable-v1 keys (services.verifiable.deal): each committee share as its 33 words."""
    shares = verifiable.deal(session, kek=system_kek(), custody=custody, threshold=threshold, holders=holders)
    return [verifiable.share_words(share) for share in shares]


def _claim_open(session: BallotSession) -> None:
    """Move draft → open with one conditional UPDATE first, so of two requests racing to open
    only one makes a key (and hands out shares); the other gets IllegalTransition."""
    session.move("open", SessionState.DRAFT, SessionState.OPEN)
    with db.session.no_autoflush:
        claimed = cast(CursorResult, db.session.execute(
            update(BallotSession).where(BallotSession.id == session.id,
                                        BallotSession.state == SessionState.DRAFT.value)
            .values(state=SessionState.OPEN.value).execution_options(synchronize_session=False))).rowcount
    if claimed != 1:
        db.session.rollback()
        raise IllegalTransition(session, "open")


def _holder_names(names, holders: int) -> list[str]:
    """One name (or "") per share holder, as typed; names are optional, printed on the cards."""
    if names is None:
        names = []
    if not isinstance(names, (list, tuple)) or not all(isinstance(name, str) for name in names):
        raise ServiceError("invalid_input", N_("Holder names must be a list of texts."))
    cleaned = [text_input(name, HOLDER_NAME, max_length=120, required=False) for name in names]
    while cleaned and not cleaned[-1]:
        cleaned.pop()
    if len(cleaned) > holders or any(len(name) > 120 for name in cleaned):
        raise ServiceError("invalid_input", N_("Give at most %(holders)s holder names of up to 120 characters.",
                                               holders=holders))
    return cleaned + [""] * (holders - len(cleaned))


# --- issue ---------------------------------------------------------------------------------
#
# One person present, one ballot: the codes handed out (issued or used, not void) never exceed
# the voters present. Every write that moves either number (issue, attendance) first takes the
# session row's lock (_lock_open_session), then counts, then writes, so no interleaving of
# concurrent requests can pass the cap.

KIOSK_WRAP_CONTEXT = "kiosk|"


def voters_present(session: BallotSession) -> int:
    """Who may hold a ballot of this session now: its electorate present (voters.counts)."""
    return voters.counts(session)["present"]


def codes_handed_out(session_id: str) -> int:
    """Codes issued or used in this session, not void: each is a ballot someone may cast."""
    return db.session.execute(select(func.count()).select_from(Token)
                              .where(Token.session_id == session_id, Token.state != TokenState.VOID.value)).scalar_one()


def ballots_left(session: BallotSession) -> int:
    """How many more codes may be handed out now."""
    return max(voters_present(session) - codes_handed_out(session.id), 0)


def _lock_open_session(session_id: str) -> bool:
    """Serialise the writes of one session: a no-op UPDATE takes the row lock on PostgreSQL
    and the write lock on SQLite (as the transaction's first write). False when not open."""
    return cast(CursorResult, db.session.execute(
        update(BallotSession).where(BallotSession.id == session_id, BallotSession.state == SessionState.OPEN.value)
        .values(state=BallotSession.state).execution_options(synchronize_session=False))).rowcount == 1


def _no_ballot_left(session: BallotSession, wanted: int) -> ServiceError:
    present, out = voters_present(session), codes_handed_out(session.id)
    left = max(present - out, 0)
    return ServiceError(
        "no_ballot_left",
        N_("%(present)s voters present, %(out)s ballots already handed out: at most %(left)s more now. Mark a late "
           "arrival present on the meeting page first.", present=present, out=out, left=left),
        extra={"present": present, "handed_out": out, "left": left, "requested": wanted})


def _refuse_closed() -> ServiceError:
    return ServiceError("session_not_open", N_("Open the session before issuing ballots."))


def issue_tokens(session: BallotSession, count: int, *, mode: str, by) -> list[str]:
    """Create `count` one-time tokens and return them once; only their hashes are kept.
    Refused (no_ballot_left) when they would exceed the voters present."""
    permissions.check(by, "can_run_meetings", session.meeting.organization)
    if not session.is_open:
        raise _refuse_closed()
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_ISSUE:
        raise ServiceError("invalid_input", N_("Issue between 1 and %(max_issue)s ballots at a time.",
                                               max_issue=MAX_ISSUE))
    if not _lock_open_session(session.id):
        db.session.rollback()
        raise _refuse_closed()
    if count > ballots_left(session):
        error = _no_ballot_left(session, count)
        db.session.rollback()
        raise error
    issued = _mint(session, count, mode=mode, by=by)
    db.session.commit()
    return issued


def _mint(session: BallotSession, count: int, *, mode: str, by) -> list[str]:
    """New tokens, their hashes added to the session, the issue logged (the caller commits)."""
    issued = [tokens.new_token() for _ in range(count)]
    db.session.add_all(Token(hash=tokens.token_hash(t), session_id=session.id) for t in issued)
    db.session.add(TokenIssue(session_id=session.id, count=count, mode=mode, issued_by=activity.actor_name(by)))
    activity.record(activity.actor_name(by), "issue_tokens", f"session:{session.id}", count=count, mode=mode)
    return issued


def kiosk_token(session: BallotSession, *, by) -> str | None:
    """The code the kiosk shows: the same one again while it is unused (a reload mints
    nothing), else a fresh one; None when every voter present already has a ballot."""
    permissions.check(by, "can_run_meetings", session.meeting.organization)
    if not session.is_open or not _lock_open_session(session.id):
        db.session.rollback()
        raise _refuse_closed()
    shown = db.session.scalar(select(KioskCode).where(KioskCode.session_id == session.id))
    if shown is not None:
        if token_state(session, shown.token_hash) == TokenState.ISSUED.value:
            token = keywrap.unwrap_key(system_kek(), shown.wrapped_token, KIOSK_WRAP_CONTEXT + session.id).decode()
            db.session.rollback()
            return token
        db.session.delete(shown)
    if ballots_left(session) < 1:
        db.session.commit()
        return None
    token, = _mint(session, 1, mode="kiosk", by=by)
    db.session.add(KioskCode(session_id=session.id, token_hash=tokens.token_hash(token),
                             wrapped_token=keywrap.wrap_key(system_kek(), token.encode(),
                                                            KIOSK_WRAP_CONTEXT + session.id)))
    db.session.commit()
    return token


def token_state(session: BallotSession, token_hash_hex: str) -> str | None:
    """The state of one token of this session, looked up by hash (the kiosk's poll)."""
    return db.session.scalar(select(Token.state).where(Token.hash == token_hash_hex,
                                                       Token.session_id == session.id))


def check_ballot_cap(meeting: Meeting) -> None:
    """Called by an attendance change after it is flushed, before its commit: refuse it when
    fewer voters would be present in an open session than ballots already handed out there.
    The caller rolls back on the error, so nothing is changed."""
    for session in meeting.sessions:
        if session.is_open:
            present, out = voters_present(session), codes_handed_out(session.id)
            if out > present:
                raise ServiceError(
                    "conflict",
                    N_("%(out)s ballots are already handed out in \"%(title)s\": at least %(out)s of its voters "
                       "must stay present.", out=out, title=session.title))


def lock_open_sessions(meeting: Meeting) -> None:
    """Take the locks of the meeting's open sessions before an attendance change (the same
    locks issuing takes), so an issue and an attendance change never interleave."""
    for session in meeting.sessions:
        if session.is_open:
            _lock_open_session(session.id)


# --- voter side ----------------------------------------------------------------------------

def _normalized(token_text) -> str:
    try:
        return tokens.normalize_token(token_text)
    except tokens.BadTokenFormat:
        raise ServiceError("unknown_token") from None


def lookup(token_text) -> BallotSession:
    """The session a token votes in, if it can still vote."""
    row = db.session.get(Token, tokens.token_hash(_normalized(token_text)))
    if row is None:
        raise ServiceError("unknown_token")
    session = db.session.get(BallotSession, row.session_id)
    assert session is not None  # a token's session_id is a foreign key
    _check_usable(row.state, session.state)
    return session


def _not_open(session_state: str) -> ServiceError:
    """session_not_open, saying "has ended" once the session is closed (a cast that arrives
    after the chair closed it), in both languages."""
    if session_state in (SessionState.CLOSED.value, SessionState.TALLIED.value):
        return ServiceError("session_not_open", N_("Voting has ended; this ballot was not counted."))
    return ServiceError("session_not_open")


def _check_usable(token_state: str, session_state: str) -> None:
    if token_state == TokenState.VOID.value:
        raise ServiceError("token_void")
    if token_state == TokenState.USED.value:
        raise ServiceError("token_used")
    if session_state != SessionState.OPEN.value:
        raise _not_open(session_state)


def _check_castable(token_state: str, session_state: str) -> None:
    """For a cast, a closed session is the first thing to say (its unused tokens are void)."""
    if token_state != TokenState.USED.value and session_state != SessionState.OPEN.value:
        raise _not_open(session_state)
    _check_usable(token_state, session_state)


_tokens, _sessions = Token.__table__, BallotSession.__table__
_ballots, _kiosk_codes = Ballot.__table__, KioskCode.__table__

#: everything a cast needs to know before writing, in one read: its token, its session, and
#: whether the kiosk shows this token now (Core statements: the hot path builds no ORM objects)
_CAST_READ = (select(_tokens.c.state, _tokens.c.receipt_mac, _tokens.c.session_id,
                     _sessions.c.state.label("session_state"), _sessions.c.scheme, _sessions.c.plaintext_size,
                     _sessions.c.meeting_id, _sessions.c.electorate,
                     _kiosk_codes.c.token_hash.is_not(None).label("on_kiosk"))
              .join(_sessions, _sessions.c.id == _tokens.c.session_id)
              .outerjoin(_kiosk_codes, _kiosk_codes.c.token_hash == _tokens.c.hash)
              .where(_tokens.c.hash == bindparam("token_hash")))
_LOCK_OPEN_SESSION = (update(_sessions).where(_sessions.c.id == bindparam("session_id"),
                                              _sessions.c.state == SessionState.OPEN.value)
                      .values(state=_sessions.c.state))
_SPEND_TOKEN = (update(_tokens).where(_tokens.c.hash == bindparam("token_hash"),
                                      _tokens.c.state == TokenState.ISSUED.value)
                .values(state=TokenState.USED.value, receipt_mac=bindparam("receipt_mac")))
_STORE_BALLOT = insert(_ballots)
_STORE_A_POINTS = insert(CiphertextKey.__table__)
_STORE_SPOILED = insert(SpoiledBallot.__table__)
_STATE_NOW = (select(_tokens.c.state, _tokens.c.receipt_mac, _sessions.c.state.label("session_state"))
              .join(_sessions, _sessions.c.id == _tokens.c.session_id).where(_tokens.c.hash == bindparam("token_hash")))


def cast_ballot(token_text, wire_ballot, claimed_session: str | None = None) -> tuple[str, bool]:
    """Store one encrypted ballot and spend its token, atomically.

    Returns (receipt, created). An identical retry with the same token returns the same
    receipt with created=False. Every refusal happens before anything is written, so a
    rejected request consumes no token. One connection, one read, then one write transaction
    that commits once: nothing is rolled back and read again on the way, and no ORM object
    is built (docs/deploy.md, "What a cast costs").
    """
    token = _normalized(token_text)
    token_hash = tokens.token_hash(token)
    with db.engine.connect() as connection:  # leaving the block without commit() rolls back
        # On SQLite this read runs outside the write transaction (pysqlite begins one at the
        # first write), so the write below never finds its snapshot stale; the conditional
        # UPDATEs decide, whatever changed in between.
        found = connection.execute(_CAST_READ, {"token_hash": token_hash}).first()
        if found is None:
            raise ServiceError("unknown_token")
        if claimed_session is not None and claimed_session != found.session_id:
            raise ServiceError("wrong_session")
        if found.scheme == verifiable.SCHEME:
            return _cast_verifiable(connection, found, token, token_hash, wire_ballot)
        try:
            ballot = sealed.SealedBallot.from_dict(wire_ballot, found.plaintext_size, scheme=found.scheme)
        except sealed.MalformedBallot as exc:
            raise ServiceError(exc.code, note_en=str(exc).capitalize() + ".") from None
        receipt = ballot.receipt
        mac = tokens.receipt_mac(token, receipt)
        if found.state == TokenState.USED.value and found.receipt_mac == mac:
            return receipt, False
        _check_castable(found.state, found.session_state)

        with _one_writer(connection):
            return _spend_and_store(connection, found, token_hash, mac, ballot)


def _cast_verifiable(connection, found, token: str, token_hash: str, wire_ballot) -> tuple[str, bool]:
    """A verifiable-v1 cast: the token was read (cheap); then the identical retry, the token's
    state, §4.6 (services.verifiable.checked_ballot: the proofs, outside the write lock), and
    the same write transaction as a sealed ballot's, which also stores the ballot's A_t."""
    raw = verifiable.wire_bytes(wire_ballot)
    receipt = verifiable.receipt_of(raw)
    mac = tokens.receipt_mac(token, receipt)
    if found.state == TokenState.USED.value and found.receipt_mac == mac:
        return receipt, False
    _check_castable(found.state, found.session_state)
    try:
        row = verifiable.BallotRow.of(verifiable.checked_ballot(connection, found.session_id, raw))
    except ServiceError as refused:
        # this very ballot entered the box since the token was read: an identical retry whose
        # twin won, answered as one, unless another token cast it (a copy)
        if refused.code == "duplicate_ballot" and _spent_on(connection, token_hash, mac):
            return receipt, False
        raise
    with _one_writer(connection):
        return _spend_and_store(connection, found, token_hash, mac, row)


def _spend_and_store(connection, found, token_hash: str, mac: str, ballot) -> tuple[str, bool]:
    """The write transaction of a cast: on PostgreSQL the session row's lock first (the order
    every writer takes: session, tokens, ballots), then one statement spends the token if it is
    still issued (under any concurrency only one request moves it from issued to used) and the box
    holds fewer ballots than voters present (the ballot cap), then the ballot, one commit. Ended
    here, committed or rolled back.

    On SQLite the transaction's first write takes the database's one write lock, and with it
    the newest snapshot: no other writer (a close) can commit until this one ends. So there
    the spending UPDATE checks the session is open itself, in the same statement, and the
    session's row is not rewritten (and its page not logged again) at every cast. On
    PostgreSQL the session row's lock, taken first, orders the casts of a session: the
    spending statement starts after the one before committed, and counts its ballot."""
    sqlite = connection.dialect.name == "sqlite"
    spend = {"token_hash": token_hash, "receipt_mac": mac, "cast_session": found.session_id,
             "cast_meeting": found.meeting_id}
    try:
        spent = ((sqlite or connection.execute(_LOCK_OPEN_SESSION, {"session_id": found.session_id}).rowcount == 1)
                 and connection.execute(_spend_query(found.electorate, sqlite), spend).rowcount == 1)
        if not spent:
            return _explain_refused_cast(connection, token_hash, mac, ballot.receipt)
        if found.on_kiosk:  # the kiosk's code is deleted in the transaction that spends it
            connection.execute(delete(_kiosk_codes).where(_kiosk_codes.c.token_hash == token_hash))
        a_points = getattr(ballot, "a_points", ())  # verifiable-v1: every A_t once per session
        try:
            connection.execute(_STORE_BALLOT, {"receipt": ballot.receipt, "session_id": found.session_id,
                                               "scheme": ballot.scheme, "epk": ballot.epk, "epk_x": ballot.epk_x,
                                               "nonce": ballot.nonce, "ct": ballot.ct})
            if a_points:
                connection.execute(_STORE_A_POINTS, [{"session_id": found.session_id, "a_point": point}
                                                     for point in a_points])
        except IntegrityError:  # the same receipt, or the same ephemeral x-coordinate (A_0), or A_t: a copy
            if not a_points:
                raise ServiceError("duplicate_ballot") from None
            connection.rollback()
            raise verifiable.duplicate_refusal(connection, found.session_id, ballot.receipt) from None
        connection.commit()
        return ballot.receipt, True
    finally:
        if connection.in_transaction():
            connection.rollback()  # before the next writer is let in


#: SQLite has one writer at a time: this process's casts queue here for it and are handed
#: the turn at once, rather than polling the file lock with growing sleeps (busy_timeout)
_SQLITE_WRITER = threading.Lock()


@contextmanager
def _one_writer(connection):
    """On SQLite, the writer's turn in this process, waited for at most DATABASE_WAIT seconds
    (then 503 storage_unavailable, as a locked database gives); PostgreSQL queues on the
    session row's lock itself."""
    if connection.dialect.name != "sqlite":
        yield
        return
    if not _SQLITE_WRITER.acquire(timeout=float(current_app.config["DATABASE_WAIT"])):
        raise ServiceError("storage_unavailable", extra={"retry_after": STORAGE_RETRY_AFTER})
    try:
        yield
    finally:
        _SQLITE_WRITER.release()


#: the spending statement per kind of electorate and dialect (built once: building costs more than running)
_SPEND_QUERIES: dict[tuple[str, bool], Any] = {}


def _spend_query(electorate: str, sqlite: bool):
    """The UPDATE that spends a token (parameters token_hash, receipt_mac, cast_session,
    cast_meeting; an UPDATE of tokens reserves the names of their columns) while it is still
    issued, the box holds fewer ballots than voters present (the ballot cap, counted in the
    same statement: a cast is one statement fewer), and on SQLite the session is open."""
    if (electorate, sqlite) not in _SPEND_QUERIES:
        session = SimpleNamespace(id=bindparam("cast_session"), meeting_id=bindparam("cast_meeting"),
                                  electorate=electorate)
        in_box = select(func.count()).select_from(_ballots).where(_ballots.c.session_id == session.id)
        spend = _SPEND_TOKEN.where(in_box.scalar_subquery() < voters.present_query(session).scalar_subquery())
        if sqlite:
            spend = spend.where(select(_sessions.c.id).where(_sessions.c.id == session.id,
                                                             _sessions.c.state == SessionState.OPEN.value).exists())
        _SPEND_QUERIES[electorate, sqlite] = spend
    return _SPEND_QUERIES[electorate, sqlite]


def _spent_on(connection, token_hash: str, mac: str) -> bool:
    """Whether the token is spent now on the ballot whose receipt MAC is `mac`."""
    state, receipt_mac, _ = connection.execute(_STATE_NOW, {"token_hash": token_hash}).one()
    return state == TokenState.USED.value and receipt_mac == mac


def _explain_refused_cast(connection, token_hash: str, mac: str, receipt: str) -> tuple[str, bool]:
    """Another request won the race, the session closed, or the box is full: say which, from
    what is stored now, in the same transaction (the caller's block then ends it, with nothing
    written)."""
    state, receipt_mac, session_state = connection.execute(_STATE_NOW, {"token_hash": token_hash}).one()
    if state == TokenState.USED.value and receipt_mac == mac:
        return receipt, False
    _check_castable(state, session_state)
    # the token still issued, the session open: the box already holds a ballot per voter present
    raise ServiceError("no_ballot_left")


# --- the Benaloh check (verifiable-v1, spec §5) ----------------------------------------------

_SPOIL_READ = (select(_tokens.c.state, _tokens.c.spoils, _tokens.c.session_id,
                      _sessions.c.state.label("session_state"), _sessions.c.scheme)
               .join(_sessions, _sessions.c.id == _tokens.c.session_id)
               .where(_tokens.c.hash == bindparam("token_hash")))
#: one more check for a token still unused and under the limit: decided by this one statement
_COUNT_SPOIL = (update(_tokens).where(_tokens.c.hash == bindparam("token_hash"),
                                      _tokens.c.state == TokenState.ISSUED.value,
                                      _tokens.c.spoils < verifiable.MAX_SPOILS)
                .values(spoils=_tokens.c.spoils + 1))


def _too_many_checks() -> ServiceError:
    return ServiceError("too_many_checks", extra={"max_checks": verifiable.MAX_SPOILS})


def spoil_ballot(token_text, wire_ballot, reveal_text, claimed_session: str | None = None) -> dict:
    """Check a verifiable-v1 ballot instead of casting it: §4.6, then open it with its
    randomness (§5), publish it with its reveal (on the board's `spoiled` list) and register
    its A_t, so it can never be cast. The token is not spent: it may check MAX_SPOILS ballots,
    then must cast. Nothing stored links the spoiled ballot to the token (the token row only
    counts its checks). Returns the answer the phone shows: receipt, short code and choices.
    The very same check sent again is answered again, not counted twice."""
    token_hash = tokens.token_hash(_normalized(token_text))
    with db.engine.connect() as connection:
        found = connection.execute(_SPOIL_READ, {"token_hash": token_hash}).first()
        if found is None:
            raise ServiceError("unknown_token")
        if claimed_session is not None and claimed_session != found.session_id:
            raise ServiceError("wrong_session")
        if found.scheme != verifiable.SCHEME:
            raise ServiceError("not_applicable", N_("Only verifiable-v1 ballots can be checked before casting."))
        _check_usable(found.state, found.session_state)
        if found.spoils >= verifiable.MAX_SPOILS:
            raise _too_many_checks()
        raw, reveal = verifiable.wire_bytes(wire_ballot), verifiable.reveal_bytes(reveal_text)
        spoil = verifiable.opened_spoil(connection, found.session_id, raw, reveal)
        if spoil.stored:
            return spoil.answer()
        with _one_writer(connection):
            _store_spoil(connection, found.session_id, token_hash, spoil)
        return spoil.answer()


def _store_spoil(connection, session_id: str, token_hash: str, spoil) -> None:
    """The write transaction of a check, in the lock order of a cast: the session row, the
    token (one more check, if still issued and under the limit), the spoiled ballot, its A_t.
    Returns with nothing written when an identical check committed since this one was read."""
    try:
        if connection.execute(_LOCK_OPEN_SESSION, {"session_id": session_id}).rowcount != 1:
            raise _not_open(connection.execute(select(_sessions.c.state).where(_sessions.c.id == session_id))
                            .scalar_one())
        if connection.execute(_COUNT_SPOIL, {"token_hash": token_hash}).rowcount != 1:
            state, spoils, _, session_state, _ = connection.execute(_SPOIL_READ, {"token_hash": token_hash}).one()
            _check_usable(state, session_state)
            raise _too_many_checks()
        try:
            connection.execute(_STORE_SPOILED, {"receipt": spoil.row.receipt, "session_id": session_id,
                                                "ballot": spoil.row.ct, "reveal": spoil.reveal})
            connection.execute(_STORE_A_POINTS, [{"session_id": session_id, "a_point": point}
                                                 for point in spoil.row.a_points])
        except IntegrityError:  # a concurrent cast or check took one of its A_t first
            connection.rollback()
            if verifiable.stored_spoil(connection, session_id, spoil.row.ct, spoil.reveal) is not None:
                return  # this very check, sent twice at once: the twin stored and counted it
            raise verifiable.duplicate_refusal(connection, session_id, spoil.row.receipt) from None
        connection.commit()
    finally:
        if connection.in_transaction():
            connection.rollback()


# --- progress, close, tally ---------------------------------------------------------------

def progress(session: BallotSession) -> dict:
    """Counts only: never anything about what the ballots say. summoned, excluded, base and
    present are the session's electorate's (voters.counts). Once closed, the counts frozen on
    the signed board, so no page can disagree with the published results."""
    if session.board is not None:
        frozen = session.board.document["counts"]
        return {"state": session.state, "summoned": frozen["summoned"],
                "excluded": frozen.get("excluded", 0), "base": frozen.get("base", frozen["summoned"]),
                "present": frozen["present"], "issued": frozen["tokens_issued"], "voted": frozen["tokens_used"],
                "void": frozen["tokens_void"], "ballots": frozen["ballots"], "left": 0}
    by_state = dict(db.session.execute(
        select(Token.state, func.count()).where(Token.session_id == session.id).group_by(Token.state)).all())
    used, void, unused = by_state.get("used", 0), by_state.get("void", 0), by_state.get("issued", 0)
    counts = voters.counts(session)
    return {"state": session.state, **counts, "issued": used + void + unused, "voted": used, "void": void,
            "left": max(counts["present"] - used - unused, 0) if session.is_open else 0}


def close_session(session: BallotSession, *, by) -> None:
    """Open → closed: no more ballots; unused tokens become void; the board is published,
    in the same transaction, so no ballot can be stored after it. The session row is written
    first, the lock order casts and issues take too."""
    permissions.check(by, "can_run_meetings", session.meeting.organization)
    session.move("close", SessionState.OPEN, SessionState.CLOSED)
    session.closed_at = utcnow()
    db.session.flush()
    db.session.execute(update(Token).where(Token.session_id == session.id,
                                           Token.state == TokenState.ISSUED.value)
                       .values(state=TokenState.VOID.value).execution_options(synchronize_session=False))
    db.session.execute(delete(KioskCode).where(KioskCode.session_id == session.id))
    from .publication import publish_board  # publication builds on this module
    counts = progress(session)
    publish_board(session, counts)
    activity.record(activity.actor_name(by), "close_session", f"session:{session.id}",
                 voted=counts["voted"], void=counts["void"])
    db.session.commit()
    _forget_physical_order(session)
    if verifiable.is_verifiable(session):  # the homomorphic sums, once the board is fixed
        verifiable.store_sums(session)
        db.session.commit()


#: one statement: take the closing session's ballots out and put them back sorted by receipt
_REWRITE_IN_RECEIPT_ORDER = text(
    "WITH taken AS (DELETE FROM ballots WHERE session_id = :session_id "
    "RETURNING receipt, session_id, scheme, epk, epk_x, nonce, ct) "
    "INSERT INTO ballots (receipt, session_id, scheme, epk, epk_x, nonce, ct) "
    "SELECT receipt, session_id, scheme, epk, epk_x, nonce, ct FROM taken ORDER BY receipt")


#: the same for a verifiable-v1 session's A_t (in point order) and its checked ballots
_REWRITE_A_POINTS_IN_KEY_ORDER = text(
    "WITH taken AS (DELETE FROM ciphertext_keys WHERE session_id = :session_id RETURNING session_id, a_point) "
    "INSERT INTO ciphertext_keys (session_id, a_point) SELECT session_id, a_point FROM taken ORDER BY a_point")
_REWRITE_SPOILED_IN_RECEIPT_ORDER = text(
    "WITH taken AS (DELETE FROM spoiled_ballots WHERE session_id = :session_id "
    "RETURNING receipt, session_id, ballot, reveal) "
    "INSERT INTO spoiled_ballots (receipt, session_id, ballot, reveal) "
    "SELECT receipt, session_id, ballot, reveal FROM taken ORDER BY receipt")


def _forget_physical_order(session: BallotSession) -> None:
    """PostgreSQL keeps rows in roughly insertion order, each with its inserting transaction
    id: delete this session's ballots and insert them again sorted by receipt, in one
    statement, so they share one xmin and lie in receipt order. Only this session's rows are
    touched, under row locks: casts in other open sessions never wait (a CLUSTER of the whole
    table did block them). (SQLite's WITHOUT ROWID table is already in receipt order.) See
    docs/threat-model.md for what dead tuples, WAL and backups still hold."""
    if db.engine.dialect.name != "postgresql":
        return
    db.session.execute(_REWRITE_IN_RECEIPT_ORDER, {"session_id": session.id})
    if verifiable.is_verifiable(session):  # the A_t and checked ballots, in the order of their keys too
        db.session.execute(_REWRITE_A_POINTS_IN_KEY_ORDER, {"session_id": session.id})
        db.session.execute(_REWRITE_SPOILED_IN_RECEIPT_ORDER, {"session_id": session.id})
    db.session.commit()


def session_private_key(session: BallotSession, shares=None):
    """The session's private key: unwrapped under the KEK, or rebuilt from the counting
    committee's k shares and checked against the session's public key. A ServiceError
    (shares_needed, wrong_shares, invalid_input) when shares are missing, wrong or not wanted."""
    entered = _entered_shares(shares)
    if not session.committee_key:
        if entered:
            raise ServiceError("invalid_input", N_("This session's key is kept by the system: give no key shares."))
        assert session.wrapped_private_key is not None  # a system-custody session keeps its key wrapped
        raw = keywrap.unwrap_key(system_kek(), session.wrapped_private_key, session.id)
        return sealed.private_key_from_bytes(raw)
    if not entered:
        raise ServiceError("shares_needed", N_("Enter %(threshold)s of the %(count)s shares.",
                                               threshold=session.share_threshold, count=session.share_count))
    try:
        raw = key_shares.combine_shares(entered)
    except key_shares.ShareError as exc:
        raise ServiceError("wrong_shares", exc.text) from None
    try:
        private_key = sealed.private_key_from_bytes(raw)
    except ValueError:  # a secret that is no P-256 scalar: shares of something else
        private_key = None
    if private_key is None or sealed.public_key_bytes(private_key.public_key()) != session.public_key:
        raise ServiceError("wrong_shares", N_("These shares do not belong to this session."))
    return private_key


def _entered_shares(shares) -> list[str]:
    """The non-blank shares given (an empty form field is no share)."""
    if shares is None:
        return []
    if not isinstance(shares, (list, tuple)) or not all(isinstance(text, str) for text in shares) \
            or len(shares) > key_shares.MAX_HOLDERS:
        raise ServiceError("invalid_input", N_("Key shares must be a list of at most %(max_holders)s texts.",
                                               max_holders=key_shares.MAX_HOLDERS))
    return [text for text in shares if text.strip()]


def decrypt_all(ballots_to_open, session_id: str, private_key):
    """Each ballot's plaintext (any scheme), None when it does not open, and
    Invalid(duplicate_ephemeral_key) for all but one of the ballots sharing an epk
    x-coordinate (domain.tally.open_each_key_once): the tally counts them invalid."""
    def open_one(ballot):
        try:
            return sealed.open_sealed(ballot, session_id, private_key)
        except sealed.DecryptionFailed:
            return None
    return open_each_key_once(ballots_to_open, lambda ballot: ballot.epk_x, open_one)

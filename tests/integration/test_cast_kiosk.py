"""The kiosk keeps its shown code wrapped under the KEK until it is used: the cast that spends
it deletes it in the same transaction, so no stored token ever sits beside its ballot; a cast
of any other code leaves the kiosk's code alone."""

from __future__ import annotations

from sqlalchemy import select

from votingapp.crypto import tokens
from votingapp.models import KioskCode
from votingapp.services import ballots

from ..helpers import seal_choices


def _kiosk_rows(db, session) -> list[str]:
    db.session.rollback()  # what the cast committed
    return list(db.session.scalars(select(KioskCode.token_hash).where(KioskCode.session_id == session.id)))


def test_the_cast_that_spends_the_kiosk_code_deletes_it_and_no_other_cast_does(make, db):
    session = make.open_session(meeting=make.meeting(members=4), subjects=2)
    vote = {subject.key: "tin-nhiem" for subject in session.subjects}
    [card] = ballots.issue_tokens(session, 1, mode="cli", by="test")
    shown = ballots.kiosk_token(session, by="test")
    assert _kiosk_rows(db, session) == [tokens.token_hash(shown)]

    ballots.cast_ballot(card, seal_choices(session, vote))  # a printed card: the kiosk's code stays
    assert _kiosk_rows(db, session) == [tokens.token_hash(shown)]

    ballots.cast_ballot(shown, seal_choices(session, vote))
    assert _kiosk_rows(db, session) == []

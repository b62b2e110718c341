"""A cast's ballot cap counts the session's own electorate present (everyone summoned, the
official members, or a chosen body): a box already holding one ballot per such voter takes no
more, and the refused cast spends no token. The cap is a condition of the token's spending
UPDATE, inside the cast's write transaction (services.ballots._spend_query)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from votingapp.crypto import sealed
from votingapp.domain import ballot_forms
from votingapp.models import Ballot, Token, TokenState
from votingapp.services import ballots
from votingapp.services.errors import ServiceError

from ..helpers import seal_choices

pytestmark = pytest.mark.sealed_scheme  # exercises sealed-v2 sessions: see tests/conftest.py



def _vote(session) -> dict:
    return {subject.key: ballot_forms.option_ids(session.kind)[0] for subject in session.subjects}


def _fill_box(db, session, count: int) -> None:
    """Ballots already in the box (as if cast), without spending any of the codes under test."""
    for _ in range(count):
        box = sealed.SealedBallot.from_dict(seal_choices(session, _vote(session)),
                                            session.plaintext_size, scheme=session.scheme)
        db.session.add(Ballot(receipt=box.receipt, session_id=session.id, scheme=box.scheme, epk=box.epk,
                              epk_x=box.epk_x, nonce=box.nonce, ct=box.ct))
    db.session.commit()


def _used(db, session) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Token).where(
        Token.session_id == session.id, Token.state == TokenState.USED.value))


@pytest.mark.parametrize("electorate", ["official", "body"])
def test_a_box_full_for_the_electorate_present_refuses_the_next_cast_and_spends_nothing(make, db, electorate):
    meeting = make.meeting(members=6, probationary=1)  # 5 official present, 1 probationary present
    people = sorted((row.member for row in meeting.attendance), key=lambda member: member.code)
    electors = [member.id for member in people[:3]] if electorate == "body" else ()
    session = make.open_session(meeting=meeting, kind="motion", title="Thông qua", electorate=electorate,
                                electors=electors)
    present = ballots.voters_present(session)
    assert present == (3 if electorate == "body" else 5)
    first, second = ballots.issue_tokens(session, 2, mode="cli", by="test")
    vote = _vote(session)

    receipt, created = ballots.cast_ballot(first, seal_choices(session, vote))
    assert created and _used(db, session) == 1

    _fill_box(db, session, present - 1)  # now one ballot per voter present
    with pytest.raises(ServiceError) as refused:
        ballots.cast_ballot(second, seal_choices(session, vote))
    assert refused.value.code == "no_ballot_left"
    assert _used(db, session) == 1
    assert db.session.scalar(select(func.count()).select_from(Ballot)
                             .where(Ballot.session_id == session.id)) == present
    assert ballots.lookup(second).id == session.id  # the code is still good

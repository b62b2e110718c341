"""For any interleaving of issue, cast, attendance change and close, the ballot box holds at
most one ballot per voter present and every code issued ends used or void."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from votingapp.models import Ballot
from votingapp.services import ballots, meetings
from votingapp.services.errors import ServiceError

from ..helpers import seal_choices

MEMBERS = 6


def test_ballots_never_exceed_the_present_and_codes_always_balance(app, make, client):
    class BallotBox(RuleBasedStateMachine):
        @initialize(present=st.integers(4, MEMBERS))  # 4 of 6: the 2/3 quorum to open
        def open_a_session(self, present):
            self.meeting = make.meeting(members=MEMBERS, present=present)
            self.session = make.open_session(meeting=self.meeting, subjects=1)
            self.members = [row.member_id for row in self.meeting.attendance]
            self.unused: list[str] = []

        @precondition(lambda self: self.session.is_open)
        @rule(count=st.integers(1, 4))
        def issue(self, count):
            try:
                self.unused += ballots.issue_tokens(self.session, count, mode="api", by="test")
            except ServiceError as refused:
                assert refused.code == "no_ballot_left"

        @precondition(lambda self: self.unused)
        @rule(data=st.data())
        def cast(self, data):
            token = self.unused.pop(data.draw(st.integers(0, len(self.unused) - 1)))
            ballot = seal_choices(self.session, {self.session.subjects[0].key: "tin-nhiem"})
            answer = client.post("/api/v1/ballot/cast", json={"token": token, "ballot": ballot})
            assert answer.status_code == 201 if self.session.is_open else answer.status_code == 409

        @rule(data=st.data(), present=st.booleans())
        def change_attendance(self, data, present):
            member = data.draw(st.sampled_from(self.members))
            try:
                meetings.set_attendance(self.meeting, [member], "present" if present else "absent", by="test")
            except ServiceError as refused:
                assert refused.code == "conflict"

        @precondition(lambda self: self.session.is_open)
        @rule()
        def close(self):
            ballots.close_session(self.session, by="test")

        @invariant()
        def one_ballot_per_voter_present(self):
            counts = ballots.progress(self.session)
            in_box = app.extensions["sqlalchemy"].session.scalar(
                select(func.count()).select_from(Ballot).where(Ballot.session_id == self.session.id))
            assert in_box == counts["voted"] <= counts["present"]
            assert counts["issued"] - counts["void"] <= counts["present"]
            if not self.session.is_open:
                assert counts["voted"] + counts["void"] == counts["issued"]
                assert counts["ballots"] == in_box

    run_state_machine_as_test(BallotBox, settings=settings(
        max_examples=25, stateful_step_count=12, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))

"""Properties: any ballot the schema allows round-trips; any mutation is refused or counted
invalid, and never crashes the tally."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from votingapp.crypto import sealed
from votingapp.domain import ballot_forms
from votingapp.domain.policy import get_policy
from votingapp.domain.tally import BallotForm, Bases, FormSubject, Invalid, count_ballots, read_ballot

from .strategies import filled_ballots

pytestmark = pytest.mark.sealed_scheme  # new sessions sealed-v2 here: see tests/conftest.py

KEY = sealed.generate_private_key()
PUBLIC = sealed.public_key_bytes(KEY.public_key())
POLICY = get_policy("qd96-2023")
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _seal(session_id, kind, subjects, choices):
    size = ballot_forms.plaintext_size_for(session_id, kind, subjects)
    plaintext = sealed.pad_plaintext({"v": 1, "session": session_id, "choices": choices}, size)
    form = BallotForm(session_id, kind, tuple(FormSubject(s, s) for s in subjects), size)
    return sealed.seal(plaintext, session_id, PUBLIC), plaintext, form


@FAST
@given(filled_ballots())
def test_any_schema_ballot_round_trips_and_reads_back_its_choices(ballot):
    session_id, kind, subjects, choices = ballot
    sealed_ballot, plaintext, form = _seal(*ballot)
    wire = sealed.SealedBallot.from_dict(sealed_ballot.to_dict(), form.plaintext_size)
    opened = sealed.open_sealed(wire, session_id, KEY)
    assert opened == plaintext
    assert read_ballot(opened, form, POLICY) == choices


@FAST
@given(filled_ballots(), st.data())
def test_ciphertext_length_is_the_same_for_every_choice(ballot, data):
    session_id, kind, subjects, _ = ballot
    other = {s: data.draw(st.sampled_from(ballot_forms.option_ids(kind))) for s in subjects}
    first, _, _ = _seal(*ballot)
    second, _, _ = _seal(session_id, kind, subjects, other)
    assert len(first.ct) == len(second.ct)


@FAST
@given(filled_ballots(), st.sampled_from(["epk", "nonce", "ct"]), st.data())
def test_any_mutated_ciphertext_is_refused_or_counted_invalid(ballot, field, data):
    session_id, kind, subjects, _ = ballot
    sealed_ballot, _, form = _seal(*ballot)
    blob = bytearray(getattr(sealed_ballot, field))
    position = data.draw(st.integers(0, len(blob) - 1))
    blob[position] ^= data.draw(st.integers(1, 255))
    wire = sealed_ballot.to_dict() | {field: sealed.b64encode(bytes(blob))}
    try:
        parsed = sealed.SealedBallot.from_dict(wire, form.plaintext_size)
    except sealed.MalformedBallot:
        return  # refused at the door, as the cast endpoint would
    try:
        plaintext = sealed.open_sealed(parsed, session_id, KEY)
    except sealed.DecryptionFailed:
        plaintext = None
    assert plaintext is None  # AES-GCM: no mutation opens
    doc = count_ballots([plaintext], form, POLICY, Bases(1, 1, 1))
    assert doc["ballots"]["invalid"] == 1


@FAST
@given(st.binary(max_size=300), st.integers(1, 4))
def test_arbitrary_plaintext_never_crashes_the_count(blob, subjects):
    form = BallotForm("s", ballot_forms.CONFIDENCE, tuple(FormSubject(f"p{i}", "x") for i in range(subjects)), 256)
    padded = (blob + b" " * 256)[:256]
    reading = read_ballot(padded, form, POLICY)
    assert isinstance(reading, (dict, Invalid))
    doc = count_ballots([padded, blob], form, POLICY, Bases(2, 2, 2))
    assert doc["ballots"]["received"] == 2
    assert doc["ballots"]["valid"] + doc["ballots"]["invalid"] == 2

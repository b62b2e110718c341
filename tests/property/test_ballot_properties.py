"""Properties: any ballot the schema allows round-trips; any mutation is refused or counted
invalid, and never crashes the tally."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from votingapp.crypto import sealed
from votingapp.domain import ballot_forms
from votingapp.domain.policy import get_policy
from votingapp.domain.tally import BallotForm, Bases, FormSubject, Invalid, KeyedCount, count_ballots, read_ballot

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


_SUBJECTS = ("p0", "p1", "p2")
_OPTIONS = ballot_forms.option_ids(ballot_forms.CONFIDENCE)
#: mostly the form's own marks, so that wrong ends and repeats meet pieces that all match
_MARKS = st.lists(st.tuples(st.sampled_from(_SUBJECTS * 4 + ("p9", "p,1", 'p"1')),
                            st.sampled_from(_OPTIONS * 4 + ("agree", "a,b", ""))), max_size=4)


@settings(max_examples=300, deadline=None)
@given(_MARKS, st.sampled_from(["s-1", "s-1", "other"]), st.sampled_from(["}}"] * 4 + ["]}", "}", "}}}", "}\n}"]),
       st.sampled_from(["qd96-2023", "qd96-2023-lenient"]))
def test_the_compact_plaintext_reads_as_the_same_text_spaced_out(marks, session, end, policy_name):
    """The reader matches a plaintext of the phones' compact form piece by piece, without a JSON
    parser; white space after the first brace sends the very same JSON through the parser. Both
    must read alike, repeated, unknown and oddly quoted marks included."""
    form = BallotForm("s-1", ballot_forms.CONFIDENCE, tuple(FormSubject(s, s) for s in _SUBJECTS), 256)
    policy = get_policy(policy_name)
    pieces = ",".join(json.dumps(subject) + ":" + json.dumps(option) for subject, option in marks)
    compact = '{"v":1,"session":' + json.dumps(session) + ',"choices":{' + pieces + end
    texts = [(text + " " * 256)[:256].encode() for text in (compact, compact.replace("{", "{ ", 1))]
    compact_reading = read_ballot(texts[0], form, policy)
    assert compact_reading == read_ballot(texts[1], form, policy)
    if isinstance(compact_reading, dict):
        assert len({subject for subject, _ in marks}) == len(marks)
    counts = [KeyedCount(form, policy) for _ in texts]
    for count, text in zip(counts, texts, strict=True):
        count.add(None, text)
    assert counts[0].document(Bases(1, 1, 1)) == counts[1].document(Bases(1, 1, 1))

"""The counting rules of docs/rules.md, on plain values."""

import json

import pytest

from votingapp.domain import ballot_forms
from votingapp.domain.policy import POLICIES, default_policy_for, get_policy, policies_for
from votingapp.domain.quorum import quorum_met
from votingapp.domain.tally import (
    CONFIDENCE_KEPT,
    CONFIDENCE_WITHDRAWN,
    DISMISSAL_CONSIDERED,
    DROPPED_FROM_PLANNING,
    DUPLICATE_KEY,
    MOTION_FAILED,
    MOTION_PASSED,
    NO_CONSEQUENCE,
    BallotForm,
    Bases,
    FormSubject,
    Invalid,
    KeyedCount,
    confidence_consequence,
    count_ballots,
    motion_outcome,
    open_each_key_once,
    percent,
    read_ballot,
    vote_outcome,
)

SID = "2f6b1c2e-0000-4000-8000-000000000001"
FORM = BallotForm(SID, ballot_forms.CONFIDENCE,
                  (FormSubject("p1", "Nguyễn Văn A"), FormSubject("p2", "Trần Thị B")), 256)
STRICT, LENIENT = get_policy("qd96-2023"), get_policy("qd96-2023-lenient")


def padded(document, size=256) -> bytes:
    raw = (json.dumps(document, ensure_ascii=False, separators=(",", ":")) if not isinstance(document, str)
           else document).encode()
    return raw + b" " * (size - len(raw))


def ballot(choices, session=SID) -> bytes:
    return padded({"v": 1, "session": session, "choices": choices})


@pytest.mark.parametrize("low, base, expected", [
    (0, 10, NO_CONSEQUENCE),
    (5, 10, NO_CONSEQUENCE),            # exactly 1/2 is not "more than 1/2"
    (6, 10, DROPPED_FROM_PLANNING),
    (2, 3, DISMISSAL_CONSIDERED),       # exactly 2/3 is "2/3 or more"
    (199, 300, DROPPED_FROM_PLANNING),  # just under 2/3
    (200, 300, DISMISSAL_CONSIDERED),
    (51, 101, DROPPED_FROM_PLANNING),   # just over 1/2
    (0, 0, NO_CONSEQUENCE),
])
def test_consequence_boundaries_are_exact_fractions(low, base, expected):
    assert confidence_consequence(low, base) == expected


@pytest.mark.parametrize("agree, base, expected",
                         [(5, 10, MOTION_FAILED), (6, 10, MOTION_PASSED), (0, 0, MOTION_FAILED)])
def test_motion_passes_with_more_than_half_of_its_basis(agree, base, expected):
    assert motion_outcome(agree, base) == expected


@pytest.mark.parametrize("summoned, present, met",
                         [(3, 2, True), (30, 20, True), (30, 19, False), (2, 1, False), (0, 0, False)])
def test_quorum_is_two_thirds_of_those_summoned(summoned, present, met):
    assert quorum_met(summoned, present) is met


def test_percent_rounds_half_up_to_two_decimals():
    assert percent(1, 3) == "33.33"
    assert percent(2, 3) == "66.67"
    assert percent(1, 8) == "12.50"
    assert percent(1, 0) is None


def test_valid_ballot_reads_as_its_choices():
    assert read_ballot(ballot({"p1": "tin-nhiem-cao", "p2": "tin-nhiem-thap"}), FORM, STRICT) == \
        {"p1": "tin-nhiem-cao", "p2": "tin-nhiem-thap"}


@pytest.mark.parametrize("plaintext, reason", [
    (None, "undecryptable"),
    (ballot({"p1": "tin-nhiem"})[:-1], "wrong_size"),
    (padded("not json"), "not_json"),
    (padded(b"\xff\xfe".decode("latin-1")), "not_json"),
    (padded([1, 2]), "wrong_shape"),
    (padded({"v": 2, "session": SID, "choices": {"p1": "tin-nhiem", "p2": "tin-nhiem"}}), "wrong_shape"),
    (padded({"v": True, "session": SID, "choices": {"p1": "tin-nhiem", "p2": "tin-nhiem"}}), "wrong_shape"),
    (padded({"v": 1, "session": SID, "choices": {"p1": "tin-nhiem", "p2": "tin-nhiem"}, "x": 1}), "wrong_shape"),
    (padded({"v": 1, "session": SID, "choices": ["p1"]}), "wrong_shape"),
    (ballot({"p1": "tin-nhiem", "p2": "tin-nhiem"}, session="other"), "wrong_session"),
    (ballot({}), "blank"),
    (ballot({"p1": "tin-nhiem", "p2": "tin-nhiem", "p3": "tin-nhiem"}), "unknown_subject"),
    (ballot({"p1": "tin-nhiem", "p2": "agree"}), "unknown_option"),
    (ballot({"p1": "tin-nhiem", "p2": ["tin-nhiem", "tin-nhiem-cao"]}), "unknown_option"),
    (ballot({"p1": "tin-nhiem", "p2": None}), "unknown_option"),
    (padded('{"v":1,"session":"' + SID + '","choices":{"p1":"tin-nhiem","p1":"tin-nhiem-thap","p2":"tin-nhiem"}}'),
     "marked_twice"),
    # a repeat needs a comma the parsed keys do not: at the top, spaced out, or with a comma in a string
    (padded('{"v":1,"v":1,"session":"' + SID + '","choices":{"p1":"tin-nhiem","p2":"tin-nhiem"}}'), "marked_twice"),
    (padded('{ "v": 1, "session": "' + SID + '", "choices": {"p1": "tin-nhiem", "p1": "tin-nhiem"} }'),
     "marked_twice"),
    (padded('{"v":1,"session":"' + SID + '","choices":{"p1":"tin-nhiem","p2":"a,b","p2":"tin-nhiem"}}'),
     "marked_twice"),
    (padded('{"v":1,"session":"' + SID + '","choices":{"p1":{"x":1,"x":2},"p2":"tin-nhiem"}}'), "marked_twice"),
    (ballot({"p1": "tin-nhiem"}), "unmarked_subject"),
])
def test_invalid_ballots_are_recognised_with_their_reason(plaintext, reason):
    assert read_ballot(plaintext, FORM, STRICT) == Invalid(reason)


def test_lenient_policy_counts_an_unmarked_person_as_blank():
    assert read_ballot(ballot({"p1": "tin-nhiem"}), FORM, LENIENT) == {"p1": "tin-nhiem", "p2": "blank"}
    assert read_ballot(ballot({}), FORM, LENIENT) == Invalid("blank")


def test_count_keeps_invalid_ballots_and_uses_the_policy_basis():
    plaintexts = [ballot({"p1": "tin-nhiem-thap", "p2": "tin-nhiem"})] * 6 + \
                 [ballot({"p1": "tin-nhiem-cao", "p2": "tin-nhiem-cao"})] * 3 + [None, ballot({})]
    doc = count_ballots(plaintexts, FORM, STRICT, Bases(summoned=12, present=11, issued=11, base=12))
    assert doc["ballots"] == {"received": 11, "valid": 9, "invalid": 2,
                              "invalid_by_reason": {"blank": 1, "undecryptable": 1}}
    p1 = doc["subjects"][0]
    assert p1["counts"] == {"tin-nhiem-cao": 3, "tin-nhiem": 0, "tin-nhiem-thap": 6, "blank": 0}
    assert p1["basis"] == "received"
    assert p1["percent"]["tin-nhiem-thap"] == "54.55"       # 6 / 11 received
    assert p1["consequence"] == DROPPED_FROM_PLANNING
    assert p1["percent_by_basis"]["valid"]["tin-nhiem-thap"] == "66.67"   # 6 / 9 valid
    assert doc["bases"] == {"summoned": 12, "base": 12, "present": 11, "issued": 11, "received": 11, "valid": 9}


def test_basis_is_policy_data_and_changes_the_consequence():
    # 6 low of 9 valid = 2/3 (dismissal considered); of 11 received it is only > 1/2
    plaintexts = [ballot({"p1": "tin-nhiem-thap", "p2": "tin-nhiem"})] * 6 + \
                 [ballot({"p1": "tin-nhiem", "p2": "tin-nhiem"})] * 3 + [None, None]
    received = count_ballots(plaintexts, FORM, STRICT, Bases(12, 11, 11))
    on_present = count_ballots(plaintexts, FORM, get_policy("qd96-2023-present"), Bases(12, 9, 11))
    assert received["subjects"][0]["consequence"] == DROPPED_FROM_PLANNING
    assert on_present["subjects"][0]["consequence"] == DISMISSAL_CONSIDERED


MOTION_FORM = BallotForm("m1", ballot_forms.MOTION, (FormSubject("motion", "Thông qua nghị quyết"),), 128)
YES = padded({"v": 1, "session": "m1", "choices": {"motion": "agree"}}, 128)
NO = padded({"v": 1, "session": "m1", "choices": {"motion": "disagree"}}, 128)
MOTION_RULE = get_policy("dieu-le-motion")


@pytest.mark.parametrize("agree, outcome", [(5, MOTION_FAILED), (6, MOTION_PASSED)])
def test_a_motion_needs_more_than_half_of_the_base_not_of_those_present(agree, outcome):
    # 10 official members summoned, 9 present: 5 agree is more than half of 9, yet not of 10
    doc = count_ballots([YES] * agree + [NO] * (9 - agree), MOTION_FORM, MOTION_RULE, Bases(10, 9, 9, base=10))
    subject = doc["subjects"][0]
    assert (subject["basis"], subject["outcome"]) == ("base", outcome)
    assert doc["bases"]["base"] == 10 and subject["percent"]["agree"] == f"{agree * 10}.00"


def test_an_approved_absence_leaves_the_base_so_11_official_members_need_6():
    # 11 official summoned, one absent throughout with an approved reason: base 10, 6 needed
    assert count_ballots([YES] * 5 + [NO] * 5, MOTION_FORM, MOTION_RULE,
                         Bases(11, 10, 10, base=10))["subjects"][0]["outcome"] == MOTION_FAILED
    assert count_ballots([YES] * 6 + [NO] * 4, MOTION_FORM, MOTION_RULE,
                         Bases(11, 10, 10, base=10))["subjects"][0]["outcome"] == MOTION_PASSED
    # without the exclusion the base would be 11, and 6 of 11 still passes, 5 of 11 not
    assert count_ballots([YES] * 6 + [NO] * 4, MOTION_FORM, MOTION_RULE,
                         Bases(11, 10, 10, base=11))["subjects"][0]["percent"]["agree"] == "54.55"


def test_a_caller_without_a_base_counts_the_motion_base_as_those_summoned():
    doc = count_ballots([YES] * 5 + [NO] * 4, MOTION_FORM, MOTION_RULE, Bases(10, 9, 9))
    assert doc["bases"]["base"] == 10 and doc["subjects"][0]["outcome"] == MOTION_FAILED


def test_an_old_motion_policy_still_counts_on_those_present_and_omits_the_base():
    # tallies signed before motion policies existed counted on "present": they must recount alike
    doc = count_ballots([YES] * 5 + [NO] * 2, MOTION_FORM, STRICT, Bases(10, 9, 9))
    assert doc["subjects"][0]["outcome"] == MOTION_PASSED           # 5 of 9 present > 1/2
    assert "base" not in doc["bases"] and "base" not in doc["subjects"][0]["percent_by_basis"]
    doc = count_ballots([YES] * 4 + [NO] * 4, MOTION_FORM, STRICT, Bases(10, 8, 9))
    assert doc["subjects"][0]["outcome"] == MOTION_FAILED           # 4 of 8 is exactly 1/2


@pytest.mark.parametrize("reading, low, base, expected", [
    ("from", 5, 10, NO_CONSEQUENCE),             # exactly 1/2: not more than 1/2, whichever reading
    ("over", 5, 10, NO_CONSEQUENCE),
    ("from", 6, 9, DISMISSAL_CONSIDERED),        # exactly 2/3: "from 2/3" (QĐ 96) takes it
    ("over", 6, 9, DROPPED_FROM_PLANNING),       # exactly 2/3: not yet "over 2/3" (QĐ 41)
    ("over", 7, 10, DISMISSAL_CONSIDERED),       # 7/10 is over 2/3 under both
    ("from", 7, 10, DISMISSAL_CONSIDERED),
    ("over", 13, 20, DROPPED_FROM_PLANNING),     # 13/20 < 2/3
])
def test_exactly_two_thirds_follows_the_policy_reading(reading, low, base, expected):
    assert confidence_consequence(low, base, reading) == expected


def test_the_over_two_thirds_policy_changes_only_the_exact_two_thirds_consequence():
    plaintexts = [ballot({"p1": "tin-nhiem-thap", "p2": "tin-nhiem"})] * 6 + \
                 [ballot({"p1": "tin-nhiem", "p2": "tin-nhiem"})] * 3
    over = get_policy("qd96-2023-over-two-thirds")
    assert count_ballots(plaintexts, FORM, STRICT, Bases(9, 9, 9))["subjects"][0]["consequence"] == \
        DISMISSAL_CONSIDERED
    assert count_ballots(plaintexts, FORM, over, Bases(9, 9, 9))["subjects"][0]["consequence"] == \
        DROPPED_FROM_PLANNING
    assert over.two_thirds == "over" and STRICT.two_thirds == "from"


VOTE_FORM = BallotForm("v1", ballot_forms.VOTE_OF_CONFIDENCE, (FormSubject("DV1", "Lê Văn C", "Bí thư chi bộ"),), 128)


def vote(choice) -> bytes:
    return padded({"v": 1, "session": "v1", "choices": {"DV1": choice}}, 128)


@pytest.mark.parametrize("no, yes, base, outcome", [
    (5, 5, 10, CONFIDENCE_KEPT),        # exactly 1/2 of the base is not more than 1/2
    (6, 4, 10, CONFIDENCE_WITHDRAWN),
    (5, 3, 9, CONFIDENCE_WITHDRAWN),    # 5 of a base of 9 (one excluded of 10 summoned)
    (5, 4, 10, CONFIDENCE_KEPT),        # 5 of the 9 ballots, but of a base of 10
])
def test_a_vote_of_confidence_is_withdrawn_with_more_than_half_of_its_base(no, yes, base, outcome):
    doc = count_ballots([vote("khong-tin-nhiem")] * no + [vote("tin-nhiem")] * yes, VOTE_FORM,
                        get_policy("qd96-2023-vote"), Bases(10, no + yes, no + yes, base=base))
    subject = doc["subjects"][0]
    assert subject["counts"] == {"tin-nhiem": yes, "khong-tin-nhiem": no, "blank": 0}
    assert (subject["basis"], subject["outcome"], subject["detail"]) == ("base", outcome, "Bí thư chi bộ")
    assert vote_outcome(no, base) == outcome


def test_each_kind_offers_its_own_policies_with_its_default_first():
    for kind in ballot_forms.KINDS:
        offered = policies_for(kind)
        assert offered[0].name == default_policy_for(kind)
        assert {policy.kind for policy in offered} == {kind}
    assert default_policy_for(ballot_forms.MOTION) == "dieu-le-motion"
    assert "96" not in get_policy("dieu-le-motion").title and "Điều 9.5" in get_policy("dieu-le-motion").title


def test_every_policy_names_a_known_basis():
    for policy in POLICIES.values():
        assert policy.to_dict()["name"] == policy.name
    with pytest.raises(ValueError):
        get_policy("no-such-policy")


def test_plaintext_size_fits_the_longest_ballot_and_is_a_multiple_of_64():
    size = ballot_forms.plaintext_size_for(SID, ballot_forms.CONFIDENCE, ["DV00001", "DV00002"])
    longest = {"v": 1, "session": SID, "choices": {"DV00001": "tin-nhiem-thap", "DV00002": "tin-nhiem-thap"}}
    assert size % 64 == 0
    assert len(json.dumps(longest, separators=(",", ":")).encode()) < size


# --- a ballot counted once: ballots sharing an epk x-coordinate --------------------------------

def _open_each(entries):
    """Entries are (x, plaintext or None): None is a ballot that does not open."""
    return open_each_key_once(entries, key_of=lambda entry: entry[0], open_one=lambda entry: entry[1])


def test_of_ballots_sharing_a_key_the_first_that_opens_counts_and_the_others_are_duplicates():
    a, b = ballot({"p1": "tin-nhiem", "p2": "tin-nhiem"}), ballot({"p1": "tin-nhiem-thap", "p2": "tin-nhiem"})
    assert _open_each([("x1", a), ("x2", b), ("x1", a)]) == [a, b, Invalid(DUPLICATE_KEY)]
    # a sealed-v2 copy does not open: sorted before its original, it cannot push the original out
    assert _open_each([("x1", None), ("x1", a), ("x1", a)]) == [Invalid(DUPLICATE_KEY), a, Invalid(DUPLICATE_KEY)]
    # none opens: the first is undecryptable, the rest duplicates
    assert _open_each([("x1", None), ("x1", None)]) == [None, Invalid(DUPLICATE_KEY)]
    # entries without a key (malformed) are never duplicates of each other
    assert _open_each([(None, None), (None, None)]) == [None, None]


def test_a_copied_ballot_is_counted_invalid_as_duplicate_ephemeral_key_and_adds_no_vote():
    a = ballot({"p1": "tin-nhiem-thap", "p2": "tin-nhiem-thap"})
    plaintexts = _open_each([("x1", a), ("x2", ballot({"p1": "tin-nhiem", "p2": "tin-nhiem"})), ("x1", a)])
    tally = count_ballots(plaintexts, FORM, STRICT, Bases(summoned=3, present=3, issued=3))
    assert tally["ballots"] == {"received": 3, "valid": 2, "invalid": 1, "invalid_by_reason": {DUPLICATE_KEY: 1}}
    assert tally["subjects"][0]["counts"]["tin-nhiem-thap"] == 1
    # 1 low of 3 received, not 2 of 3: the copy did not push p1 over half
    assert tally["subjects"][0]["consequence"] == NO_CONSEQUENCE


KEYED_ENTRIES = [
    ("x1", None), ("x2", ballot({"p1": "tin-nhiem", "p2": "tin-nhiem-thap"})), ("x1", ballot({"p1": "tin-nhiem-thap"})),
    (None, None), ("x3", padded("not json")), ("x1", ballot({"p1": "tin-nhiem", "p2": "tin-nhiem"})),
    ("x2", ballot({"p1": "tin-nhiem-cao", "p2": "tin-nhiem-cao"})), ("x4", ballot({"p1": "tin-nhiem-cao"})),
    ("x5", None), ("x5", None), ("x6", ballot({})),
]


@pytest.mark.parametrize("policy", [STRICT, LENIENT], ids=["strict", "lenient"])
@pytest.mark.parametrize("shared", [False, True], ids=["alone", "first-entered-by-a-sharer"])
def test_keyed_count_counts_as_open_each_key_once_then_count_ballots(policy, shared):
    """The one-pass count (the tally's and the recount's) equals the two-step rules, also when a
    sharer of its first-number dict (the verifier's copy check) enters each ballot's number first."""
    bases = Bases(summoned=20, present=20, issued=20)
    expected = count_ballots(_open_each(KEYED_ENTRIES), FORM, policy, bases)
    first: dict = {}
    count = KeyedCount(FORM, policy, first=first)
    for number, (key, plaintext) in enumerate(KEYED_ENTRIES, start=1):
        if shared and key is not None:
            first.setdefault(key, number)
        count.add(key, plaintext)
    assert count.document(Bases(summoned=20, present=20, issued=20)) == expected
    assert expected["ballots"]["invalid_by_reason"][DUPLICATE_KEY] == 4
    assert first == {"x1": 1, "x2": 2, "x3": 5, "x4": 8, "x5": 9, "x6": 11}


def _plaintext(choices: str, before: str = "", after: str = "") -> str:
    return before + '{"v":1,"session":"' + SID + '","choices":{' + choices + "}}" + after


@pytest.mark.parametrize("text, reason", [
    (_plaintext('"p1":"tin-nhiem","p2":"tin-nhiem"', before=" "), None),   # json.loads allows white space
    (_plaintext('"p1":"tin-nhiem","p2":"tin-nhiem"', after="\n\t"), None),
    (_plaintext('"p1":"tin-nhiem","p2":"tin-nhiem"', after="x"), "not_json"),
    (_plaintext('"p1":"tin-nhiem","p2":"tin-nhiem"')[:-1], "not_json"),
    (_plaintext('"p1":"tin-nhiem","p1":"tin-nhiem"'), "marked_twice"),
    (_plaintext('"p1":["tin-nhiem"],"p2":"tin-nhiem"'), "unknown_option"),
    (_plaintext('"p1":1,"p2":"tin-nhiem"'), "unknown_option"),
    (_plaintext('"p1":NaN,"p2":"tin-nhiem"'), "unknown_option"),
    ('[{"v":1}]', "wrong_shape"),
])
def test_reading_a_plaintext_accepts_and_refuses_what_json_loads_does(text, reason):
    reading = read_ballot(padded(text), FORM, STRICT)
    assert (reading.reason if isinstance(reading, Invalid) else None) == reason

"""The yearly rating rules of docs/rules.md §6, each boundary computed by hand."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from votingapp.domain import ballot_forms
from votingapp.domain import grading as rules
from votingapp.domain.grading import (
    BEYOND,
    BREACH,
    COMPLETED,
    DISCIPLINED,
    EXCELLENT,
    FIXED,
    GOOD,
    LATE_WITHIN,
    NONE_DISCIPLINED,
    NOT_COMPLETED,
    ON_TIME,
    apply_caps,
    classify,
    cumulative_level,
    excellent_allowed,
    explain_caps,
    explain_classification,
    explain_votes,
    get_grading_policy,
    late_task_facts,
    parse_points,
    quota_allows,
    quota_line,
)
from votingapp.domain.policy import get_policy
from votingapp.domain.tally import BallotForm, Bases, FormSubject, count_ballots, rating_proposal

POINTS = get_grading_policy("366-2025")
CEIL = get_grading_policy("366-2025-ceil")
CRITERIA = get_grading_policy("criteria-2020")
ALL_MET = {ON_TIME: True, BEYOND: True, FIXED: True, NONE_DISCIPLINED: True, LATE_WITHIN: True}


def level_for(points: str, facts=ALL_MET, collective=False, policy=POINTS) -> str:
    return classify(policy, Decimal(points), dict(facts), collective=collective).level


# --- points, each threshold with the conditions -----------------------------------------

@pytest.mark.parametrize("points, level", [
    ("89.99", GOOD), ("90", EXCELLENT), ("90.00", EXCELLENT),
    ("69.99", COMPLETED), ("70", GOOD),
    ("49.99", NOT_COMPLETED), ("50", COMPLETED),
    ("100", EXCELLENT), ("0", NOT_COMPLETED),
])
def test_points_thresholds_are_exact_with_every_condition_met(points, level):
    assert level_for(points) == level


def test_ninety_points_are_not_excellent_without_thirty_percent_beyond_requirement():
    assert level_for("90", {**ALL_MET, BEYOND: False}) == GOOD


def test_ninety_points_are_not_excellent_when_past_shortcomings_are_not_fixed():
    assert level_for("95", {**ALL_MET, FIXED: False}) == GOOD


def test_an_unknown_condition_counts_as_not_met():
    assert level_for("95", {ON_TIME: True}) == GOOD
    assert level_for("75", {}) == COMPLETED


def test_seventy_points_with_a_late_task_are_only_completed_for_a_person():
    assert level_for("70", {**ALL_MET, ON_TIME: False}) == COMPLETED


def test_collective_with_95_points_and_one_late_task_of_ten_is_completed():
    facts = {**ALL_MET, **late_task_facts(total=10, late=1)}   # 10% late
    assert facts[ON_TIME] is False and facts[LATE_WITHIN] is True
    result = classify(POINTS, Decimal(95), facts, collective=True)
    assert result.level == COMPLETED
    assert (EXCELLENT, ON_TIME) in result.refused and (GOOD, ON_TIME) in result.refused


def test_collective_late_share_of_exactly_twenty_percent_is_still_completed():
    assert level_for("95", {**ALL_MET, **late_task_facts(total=5, late=1)}, collective=True) == COMPLETED


def test_collective_late_share_over_twenty_percent_is_not_completed():
    facts = {**ALL_MET, **late_task_facts(total=4, late=1)}     # 25% late
    assert level_for("95", facts, collective=True) == NOT_COMPLETED


def test_collective_is_not_excellent_when_a_leadership_member_was_disciplined():
    assert level_for("95", {**ALL_MET, NONE_DISCIPLINED: False}, collective=True) == GOOD
    assert level_for("95", {**ALL_MET, NONE_DISCIPLINED: False}, collective=False) == EXCELLENT


def test_a_disqualifying_breach_is_not_completed_whatever_the_points():
    assert level_for("100", {**ALL_MET, BREACH: True}) == NOT_COMPLETED


def test_no_self_score_on_the_points_scale_qualifies_for_nothing():
    assert classify(POINTS, None, ALL_MET, collective=False).level == NOT_COMPLETED


def test_criteria_policy_ignores_points_and_keeps_the_conditions():
    assert classify(CRITERIA, None, ALL_MET, collective=False).level == EXCELLENT
    assert classify(CRITERIA, None, {**ALL_MET, ON_TIME: False}, collective=False).level == COMPLETED


@pytest.mark.parametrize("text, value", [("88", Decimal(88)), ("89,99", Decimal("89.99")), ("  ", None)])
def test_self_scores_parse_with_a_comma_or_a_dot(text, value):
    assert parse_points(text) == value


@pytest.mark.parametrize("text", ["100.01", "-1", "89.999", "abc", "NaN", "Infinity"])
def test_self_scores_outside_0_to_100_or_with_three_decimals_are_refused(text):
    with pytest.raises(ValueError):
        parse_points(text)


# --- caps -------------------------------------------------------------------------------

def test_disciplined_in_the_year_caps_any_level_at_not_completed():
    assert apply_caps(POINTS, EXCELLENT, {DISCIPLINED: True}) == NOT_COMPLETED
    assert apply_caps(POINTS, GOOD, {DISCIPLINED: False}) == GOOD
    assert explain_caps(POINTS, {DISCIPLINED: True}) == ["bị kỷ luật trong năm → Không hoàn thành nhiệm vụ"]


# --- the cumulative rule ----------------------------------------------------------------

def votes(e, g, c, n):
    return {EXCELLENT: e, GOOD: g, COMPLETED: c, NOT_COMPLETED: n}


@pytest.mark.parametrize("counts, base, level, running", [
    (votes(4, 3, 2, 1), 10, GOOD, 7),            # 4 not > 5; 4+3 = 7 > 5
    (votes(5, 5, 0, 0), 10, GOOD, 10),           # 5/10 is not over 1/2; 10 > 5
    (votes(6, 4, 0, 0), 10, EXCELLENT, 6),       # 6 > 5
    (votes(5, 0, 5, 0), 10, COMPLETED, 10),      # tie between excellent and completed: 5, 5, 10
    (votes(3, 3, 3, 1), 10, GOOD, 6),            # three-way tie: 3, 6 > 5
    (votes(0, 0, 5, 5), 10, NOT_COMPLETED, 10),  # tie at the bottom: 5 is not over 5
    (votes(5, 1, 0, 0), 11, GOOD, 6),            # odd base: 5.5 is half; 6 > 5.5
    (votes(2, 1, 1, 1), 10, None, 5),            # 5 of 10 in all: no level exceeds half
    (votes(0, 0, 0, 0), 0, None, 0),             # nobody voted and nobody counted
])
def test_cumulative_rule_gives_the_highest_level_over_half_of_the_base(counts, base, level, running):
    proposal = cumulative_level(counts, base)
    assert (proposal.level, proposal.votes_from_level) == (level, running)


def test_vote_explanation_is_written_in_the_policys_words():
    assert explain_votes(cumulative_level(votes(4, 3, 2, 1), 10)) == \
        "7/10 phiếu từ mức Tốt trở lên (> 1/2) → Hoàn thành tốt nhiệm vụ"
    assert explain_votes(cumulative_level(votes(4, 3, 2, 1), 10), "en") == \
        "7/10 votes for Good or better (> 1/2) → Good (completed tasks well)"
    assert "chưa có đề xuất" in explain_votes(cumulative_level(votes(2, 1, 1, 1), 10))


def test_classification_explanation_names_score_and_conditions():
    facts = {ON_TIME: True, BEYOND: False}
    text = explain_classification(POINTS, Decimal(88), facts, classify(POINTS, Decimal(88), facts, collective=False))
    assert text == ("điểm tự chấm 88; đủ điều kiện: 100% nhiệm vụ đúng tiến độ; chưa đạt: ít nhất 30% nhiệm vụ "
                    "vượt yêu cầu → tối đa Hoàn thành tốt nhiệm vụ")


# --- the quota --------------------------------------------------------------------------

@pytest.mark.parametrize("good, excellent, allowed", [
    (10, 2, True), (10, 3, False), (5, 1, True), (4, 1, False), (0, 1, False), (0, 0, True),
    (7, 1, True), (7, 2, False),
])
def test_quota_five_times_excellent_at_most_good_rounded_down(good, excellent, allowed):
    assert quota_allows(POINTS, good, excellent) is allowed


def test_seven_good_allow_two_excellent_only_when_the_policy_rounds_up():
    assert excellent_allowed(POINTS, 7) == 1 and not quota_allows(POINTS, 7, 2)
    assert excellent_allowed(CEIL, 7) == 2 and quota_allows(CEIL, 7, 2)
    assert excellent_allowed(CEIL, 10) == 2 and excellent_allowed(CEIL, 0) == 0
    assert not quota_allows(CEIL, 0, 1)


def test_quota_line_reads_rated_and_allowed():
    assert quota_line(POINTS, 10, 2).startswith("đã xếp loại Xuất sắc 2 / tối đa 2")


# --- the rating ballot in the tally -----------------------------------------------------

def test_rating_form_offers_the_four_levels_with_lowercase_ascii_ids():
    assert ballot_forms.option_ids(ballot_forms.RATING) == ("htxsnv", "httnv", "htnv", "khtnv")
    assert ballot_forms.OPTIONS[ballot_forms.RATING][1].label_vi == "Hoàn thành tốt nhiệm vụ"


def test_rating_proposal_reads_option_counts():
    assert rating_proposal(Counter({"htxsnv": 4, "httnv": 3, "htnv": 2, "khtnv": 1}), 10) == "httnv"
    assert rating_proposal(Counter({"htxsnv": 5, "httnv": 5}), 10) == "httnv"
    assert rating_proposal(Counter({"htxsnv": 2, "httnv": 1}), 10) is None


def test_count_ballots_proposes_a_level_per_subject_on_the_official_members_base():
    import json
    form = BallotForm("s1", ballot_forms.RATING, (FormSubject("A", "Anh A"),), 256)
    choices = ["htxsnv"] * 4 + ["httnv"] * 3 + ["htnv"] * 2 + ["khtnv"]

    def plaintext(choice):
        body = json.dumps({"v": 1, "session": "s1", "choices": {"A": choice}}, separators=(",", ":")).encode()
        return body.ljust(256, b" ")
    # 12 official members summoned, 2 of them absent with an approved reason: base 10
    document = count_ballots([plaintext(c) for c in choices], form, get_policy("rating-cumulative-half"),
                             Bases(summoned=12, present=10, issued=10, base=10))
    subject = document["subjects"][0]
    assert subject["basis"] == "base" and subject["proposed"] == "httnv"  # 4 is not over 5; 4 + 3 is


def test_the_rating_words_are_label_data_with_one_entry_per_code():
    """Pages, the chart, the report PDF and the explanations read these tables (domain.labels.Label)."""
    from votingapp.domain.labels import Label
    for table, codes in ((rules.LEVEL_NAMES, rules.LEVELS), (rules.LEVEL_SHORT, rules.LEVELS),
                         (rules.CONDITION_NAMES, rules.CONDITIONS), (rules.ROLE_NAMES, rules.ROLES)):
        assert tuple(table) == codes and all(isinstance(words, Label) for words in table.values())
    assert rules.level_name(rules.GOOD, "en") == rules.LEVEL_NAMES[rules.GOOD].label_en
    assert rules.NOT_RATED.text("vi") == "Chưa xếp loại"

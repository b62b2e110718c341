"""The yearly rating's services: cycle, self-assessment, proposals, decisions by the competent
level with history, the quota on final decisions, and refusals."""

from __future__ import annotations

import pytest

from votingapp.domain.grading import CADRE, COLLECTIVE, COMPLETED, EXCELLENT, GOOD, MEMBER, NOT_COMPLETED
from votingapp.services import grading

from ..helpers import refused


@pytest.fixture
def tree(make):
    """district (huyện) → commune (cơ sở) → two cells; cell A has 12 members (A00 its secretary), cell B 3."""
    return make.grading_tree(12, 3, leader_in_a=True)


@pytest.fixture
def users(make, tree):
    return {name: make.user(role=role, organization=tree[org])[0] for name, role, org in (
        ("district", "admin", "district"), ("commune", "admin", "commune"), ("chair_a", "chair", "a"))}


@pytest.fixture
def cycle(tree, users):
    return grading.create_cycle(tree["commune"], 2025, by=users["commune"])


def vote(subject, level, user, base=10):
    """An open vote whose proposal is `level`: 6 of 10 votes for it."""
    return grading.record_open_vote(subject, {level: 6, NOT_COMPLETED: 4}, base, by=user)


def test_cycle_is_inherited_by_the_subtree_with_default_deadlines(tree, cycle):
    assert grading.cycle_for(tree["a"]) is cycle
    assert grading.cycle_for(tree["district"]) is None
    assert cycle.deadlines == {"co-so": "2025-12-10", "huyen": "2025-12-25"}
    assert cycle.deadline_for(tree["a"]).isoformat() == "2025-12-10"   # a cell inherits its grassroots'


def test_only_an_admin_of_the_organization_opens_its_cycle(tree, users):
    with refused("forbidden"):
        grading.create_cycle(tree["commune"], 2025, by=users["chair_a"])


def test_competent_level_is_resolved_from_the_tree(tree, cycle):
    member = grading.subject_for(cycle, MEMBER, member=tree["ma"][1])
    cadre = grading.subject_for(cycle, CADRE, member=tree["ma"][0])
    cell = grading.subject_for(cycle, COLLECTIVE, organization=tree["a"])
    assert grading.competent_organization(member) is tree["commune"]      # the grassroots committee
    assert grading.competent_organization(cadre) is tree["commune"]       # the committee over the cell
    assert grading.competent_organization(cell) is tree["commune"]        # the level directly above
    commune = grading.subject_for(cycle, COLLECTIVE, organization=tree["commune"])
    assert grading.competent_organization(commune) is tree["district"]


def test_a_member_without_a_post_is_not_rated_as_a_cadre(tree, cycle):
    with refused("invalid_input"):
        grading.subject_for(cycle, CADRE, member=tree["ma"][1])


def test_approve_keeps_who_when_and_why(tree, users, cycle):
    subject = grading.subject_for(cycle, MEMBER, member=tree["ma"][1])
    vote(subject, GOOD, users["chair_a"])
    decision = grading.decide(subject, by=users["commune"])
    assert (decision.action, decision.level, decision.decided_by) == ("approve", GOOD, users["commune"].username)
    assert decision.decided_at is not None and decision.organization is tree["commune"]


def test_override_without_a_reason_is_refused(tree, users, cycle):
    subject = grading.subject_for(cycle, MEMBER, member=tree["ma"][1])
    vote(subject, GOOD, users["chair_a"])
    with refused("reason_required"):
        grading.decide(subject, level=COMPLETED, by=users["commune"])
    decision = grading.decide(subject, level=COMPLETED, reason="Vắng sinh hoạt 4 kỳ", by=users["commune"])
    assert decision.action == "override" and decision.reason == "Vắng sinh hoạt 4 kỳ"


@pytest.mark.parametrize("who", ["chair_a", "district"])
def test_a_decision_by_a_user_outside_the_competent_level_is_refused(tree, users, cycle, who):
    subject = grading.subject_for(cycle, MEMBER, member=tree["ma"][1])
    vote(subject, GOOD, users["chair_a"])
    with refused("not_competent"):
        grading.decide(subject, by=users[who])
    assert subject.decisions == []


def test_cancel_needs_a_reason_and_allows_a_re_grade(tree, users, cycle):
    subject = grading.subject_for(cycle, MEMBER, member=tree["ma"][1])
    vote(subject, GOOD, users["chair_a"])
    grading.decide(subject, by=users["commune"])
    with refused("reason_required"):
        grading.cancel_decision(subject, reason=" ", by=users["commune"])
    grading.cancel_decision(subject, reason="Phát hiện vi phạm sau hội nghị", by=users["commune"])
    assert subject.decided_level is None
    grading.decide(subject, level=COMPLETED, reason="Xếp lại", by=users["commune"])
    assert [d.action for d in subject.decisions] == ["approve", "cancel", "override"]
    assert subject.decided_level == COMPLETED


def test_disciplined_in_the_year_caps_the_approved_level(tree, users, cycle):
    subject = grading.subject_for(cycle, MEMBER, member=tree["ma"][1])
    grading.save_self_assessment(subject, grading.SelfAssessmentInput(
        "2A", "Tự kiểm điểm", "92", {"all_tasks_on_time": True, "disciplined_in_year": True}, GOOD),
        by=users["chair_a"])
    vote(subject, GOOD, users["chair_a"])
    assert grading.suggested_level(subject) == NOT_COMPLETED
    assert grading.explain(subject)["caps"] == ["bị kỷ luật trong năm → Không hoàn thành nhiệm vụ"]
    with refused("invalid_input"):
        grading.decide(subject, level=GOOD, reason="Ý kiến cấp ủy", by=users["commune"])


def test_proposal_explained_with_votes_and_conditions(tree, users, cycle):
    subject = grading.subject_for(cycle, MEMBER, member=tree["ma"][1])
    grading.save_self_assessment(subject, grading.SelfAssessmentInput(
        "2A", "", "88", {"all_tasks_on_time": True}, GOOD), by=users["chair_a"])
    grading.record_open_vote(subject, {EXCELLENT: 4, GOOD: 3, COMPLETED: 2, NOT_COMPLETED: 1}, 10,
                             by=users["chair_a"])
    text = grading.explain(subject)
    assert text["votes"] == "7/10 phiếu từ mức Tốt trở lên (> 1/2) → Hoàn thành tốt nhiệm vụ"
    assert text["conditions"].startswith("điểm tự chấm 88; đủ điều kiện: 100% nhiệm vụ đúng tiến độ")


def test_open_vote_counts_over_those_present_are_refused(tree, users, cycle):
    subject = grading.subject_for(cycle, MEMBER, member=tree["ma"][1])
    with refused("invalid_input"):
        grading.record_open_vote(subject, {GOOD: 11}, 10, by=users["chair_a"])


def _rate(cycle, members, levels, user, decider):
    items = []
    for member, level in zip(members, levels, strict=True):
        subject = grading.subject_for(cycle, MEMBER, member=member)
        vote(subject, level, user)
        items.append((subject, None, ""))
    return grading.decide_many(items, by=decider)


def test_quota_ten_good_allow_two_excellent_and_refuse_a_third(tree, users, cycle):
    _rate(cycle, tree["ma"][:12], [GOOD] * 10 + [EXCELLENT] * 2, users["chair_a"], users["commune"])
    status = grading.quota_status(cycle, tree["commune"])
    assert (status.good, status.excellent, status.allowed, status.ok) == (10, 2, 2, True)
    third = grading.subject_for(cycle, MEMBER, member=tree["mb"][0])
    vote(third, EXCELLENT, users["commune"])
    with refused("quota_exceeded"):
        grading.decide(third, by=users["commune"])
    assert third.decided_level is None


def test_quota_exception_needs_its_reason_and_is_recorded(tree, users, cycle):
    subjects = []
    for member in tree["ma"][:4]:
        subject = grading.subject_for(cycle, MEMBER, member=member)
        vote(subject, GOOD, users["chair_a"])
        subjects.append((subject, None, ""))
    grading.decide_many(subjects, by=users["commune"])
    star = grading.subject_for(cycle, MEMBER, member=tree["ma"][4])
    vote(star, EXCELLENT, users["chair_a"])
    with refused("quota_exceeded"):                 # 4 good → 0 excellent allowed
        grading.decide(star, by=users["commune"])
    grading.decide(star, by=users["commune"], quota_exception="Thành tích đột xuất được tỉnh khen thưởng")
    status = grading.quota_status(cycle, tree["commune"])
    assert (status.excellent, status.exceptions, status.allowed, status.ok) == (1, 1, 0, True)


def test_a_unit_approval_is_all_or_nothing_under_the_quota(tree, users, cycle):
    with refused("quota_exceeded"):
        _rate(cycle, tree["ma"][:6], [GOOD] * 4 + [EXCELLENT] * 2, users["chair_a"], users["commune"])
    assert all(grading.subject_for(cycle, MEMBER, member=m).decisions == [] for m in tree["ma"][:6])


def test_a_closed_cycle_is_read_only(tree, users, cycle):
    subject = grading.subject_for(cycle, MEMBER, member=tree["ma"][1])
    grading.close_cycle(cycle, by=users["commune"])
    with refused("cycle_closed"):
        vote(subject, GOOD, users["chair_a"])


def test_approve_unit_decides_every_pending_proposal_the_user_may_decide(tree, users, cycle):
    for member in tree["mb"]:
        vote(grading.subject_for(cycle, MEMBER, member=member), GOOD, users["commune"])
    made = grading.approve_unit(cycle, tree["b"], by=users["commune"])
    assert sorted(d.subject.key for d in made) == ["member:B00", "member:B01", "member:B02"]


def test_pin_hall_key_annotations_resolve():
    """Its return annotation named a model imported only inside the function (ruff F821)."""
    import typing

    from votingapp.models import HallKey
    assert typing.get_type_hints(grading.pin_hall_key)["return"] is HallKey

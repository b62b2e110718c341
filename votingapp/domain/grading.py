"""The yearly rating (xếp loại chất lượng) as pure rules: the four levels, the grading policies
as named, versioned data, the points-and-conditions classification of Quy định 366-QĐ/TW, the
caps, the rule that turns rating votes into a proposed level, and the 20% quota.

Nothing here imports Flask or SQLAlchemy. Points are Decimals (89.99 is not 90), shares are
exact Fractions (5/10 is not "more than 1/2"). Points alone never decide: every level's
conditions must hold together, and an unknown condition is a condition not met.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from .labels import Label
from .policy import NamedPolicy

# --- the four levels, best first ---------------------------------------------------------

EXCELLENT, GOOD, COMPLETED, NOT_COMPLETED = "HTXSNV", "HTTNV", "HTNV", "KHTNV"
LEVELS = (EXCELLENT, GOOD, COMPLETED, NOT_COMPLETED)
LEVEL_NAMES = {
    EXCELLENT: Label("Hoàn thành xuất sắc nhiệm vụ", "Excellent (completed tasks with distinction)"),
    GOOD: Label("Hoàn thành tốt nhiệm vụ", "Good (completed tasks well)"),
    COMPLETED: Label("Hoàn thành nhiệm vụ", "Completed tasks"),
    NOT_COMPLETED: Label("Không hoàn thành nhiệm vụ", "Did not complete tasks"),
}
#: the short words of "from the level Good upwards" in explanations and the chart's legend
LEVEL_SHORT = {EXCELLENT: Label("Xuất sắc", "Excellent"), GOOD: Label("Tốt", "Good"),
               COMPLETED: Label("Hoàn thành", "Completed"), NOT_COMPLETED: Label("Không hoàn thành", "Not completed")}
#: a subject with no decided level yet (the report's, the unit page's and the chart's line)
NOT_RATED = Label("Chưa xếp loại", "Not rated")

#: self-assessment forms: 2A/2B/2C for individuals, 01 for collectives (guidance 43-HD/BTCTW)
FORM_TYPES = ("2A", "2B", "2C", "01")
#: who is rated: a member, a member in their leader/manager role, or a collective
MEMBER, CADRE, COLLECTIVE = "member", "cadre", "collective"
ROLES = (MEMBER, CADRE, COLLECTIVE)
#: who is rated, in words: the report's section headings and the pages' role column
ROLE_NAMES = {MEMBER: Label("Đảng viên", "Member"), CADRE: Label("Cán bộ lãnh đạo, quản lý", "Leader/manager"),
              COLLECTIVE: Label("Tổ chức đảng", "Party organization")}


def option_id(level: str) -> str:
    """The level's option id on a rating ballot (domain.ballot_forms): the code in lower case."""
    return level.lower()


def level_of_option(option: str) -> str:
    return option.upper()


def rank(level: str) -> int:
    """0 for excellent … 3 for not completed: a lower rank is a better level."""
    return LEVELS.index(level)


def worse(a: str, b: str) -> str:
    return a if rank(a) >= rank(b) else b


def level_name(level: str, language: str = "vi") -> str:
    return LEVEL_NAMES[level].text(language)


# --- conditions, as yes/no facts ---------------------------------------------------------

ON_TIME = "all_tasks_on_time"             # 100% of tasks on time
BEYOND = "beyond_requirement_30"          # ≥ 30% of tasks beyond requirement
FIXED = "shortcomings_fixed"              # past shortcomings fixed
NONE_DISCIPLINED = "none_disciplined_below"  # collective: no subordinate unit or leadership member disciplined
LATE_WITHIN = "late_tasks_within_limit"   # collective: at most 20% of tasks late
BREACH = "disqualifying_breach"           # a breach that disqualifies whatever the points
DISCIPLINED = "disciplined_in_year"       # cap: disciplined in the year
LONG_ABSENCE = "long_absence"             # cap: long absences in the year
CONDITIONS = (ON_TIME, BEYOND, FIXED, NONE_DISCIPLINED, LATE_WITHIN, BREACH, DISCIPLINED, LONG_ABSENCE)
CONDITION_NAMES = {
    ON_TIME: Label("100% nhiệm vụ đúng tiến độ", "100% of tasks on time"),
    BEYOND: Label("ít nhất 30% nhiệm vụ vượt yêu cầu", "at least 30% of tasks beyond requirement"),
    FIXED: Label("đã khắc phục hạn chế, khuyết điểm", "past shortcomings fixed"),
    NONE_DISCIPLINED: Label("không có tổ chức trực thuộc, thành viên lãnh đạo bị kỷ luật",
                            "no subordinate unit or leadership member disciplined"),
    LATE_WITHIN: Label("nhiệm vụ chậm tiến độ không quá 20%", "at most 20% of tasks late"),
    BREACH: Label("có vi phạm đến mức không hoàn thành nhiệm vụ", "a disqualifying breach"),
    DISCIPLINED: Label("bị kỷ luật trong năm", "disciplined in the year"),
    LONG_ABSENCE: Label("vắng sinh hoạt dài ngày", "long absences"),
}


def late_task_facts(total: int, late: int, limit: Fraction = Fraction(1, 5)) -> dict[str, bool]:
    """The two task conditions from counts: all on time, and late share within the limit
    (1 late of 5 is 20%: within; 1 of 4 is 25%: not)."""
    if total < 0 or late < 0 or late > total:
        raise ValueError("late tasks must be between 0 and the number of tasks")
    within = late == 0 or (total > 0 and Fraction(late, total) <= limit)
    return {ON_TIME: late == 0, LATE_WITHIN: within}


def parse_points(text: object) -> Decimal | None:
    """A self-score from 0 to 100 with at most two decimals ("88", "89,99"), or None if blank."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    try:
        value = Decimal(str(text).strip().replace(",", "."))
    except InvalidOperation:
        raise ValueError("points must be a number from 0 to 100") from None
    if not value.is_finite() or value < 0 or value > 100 or value != value.quantize(Decimal("0.01")):
        raise ValueError("points must be a number from 0 to 100 with at most two decimals")
    return value


# --- policies ----------------------------------------------------------------------------

CUMULATIVE_HALF = "cumulative-over-half"
RATING_RULES = (CUMULATIVE_HALF,)
ROUNDINGS = ("floor", "ceil")
SCALES = ("points", "criteria")


@dataclass(frozen=True)
class GradingPolicy(NamedPolicy):
    """What a cycle chooses; the defaults are those of docs/rules.md §6."""
    #: "points": the 100-point scale of 366 with its conditions; "criteria": standards and
    #: criteria without points (guidance 21-HD/BTCTW, 2019)
    scale: str = "points"
    #: lowest points of excellent, good and completed (366: 90, 70, 50)
    thresholds: tuple[Decimal, Decimal, Decimal] = (Decimal(90), Decimal(70), Decimal(50))
    #: a collective is "completed" with at most this share of tasks late
    late_limit: Fraction = Fraction(1, 5)
    #: votes → proposed level
    rating_rule: str = CUMULATIVE_HALF
    #: excellent may not exceed this share of good, per grassroots organization
    quota_share: Fraction = Fraction(1, 5)
    #: the allowed number of excellent is rounded down (5 × excellent ≤ good) or up
    quota_rounding: str = "floor"
    #: fact → the best level it allows (uncertain until the unit confirms: policy data)
    caps: dict[str, str] = field(default_factory=lambda: {DISCIPLINED: NOT_COMPLETED})

    def __post_init__(self) -> None:
        if self.scale not in SCALES or self.rating_rule not in RATING_RULES \
                or self.quota_rounding not in ROUNDINGS or not set(self.caps) <= set(CONDITIONS) \
                or not set(self.caps.values()) <= set(LEVELS):
            raise ValueError("inconsistent grading policy")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(thresholds=[str(t) for t in self.thresholds], late_limit=str(self.late_limit),
                    quota_share=str(self.quota_share))
        return data


GRADING_POLICIES: dict[str, GradingPolicy] = {p.name: p for p in (
    GradingPolicy("366-2025", 1, "Quy định 366-QĐ/TW (2025): thang 100 điểm và điều kiện từng mức",
                  "Regulation 366-QĐ/TW (2025): 100 points and each level's conditions"),
    GradingPolicy("366-2025-ceil", 1,
                  "Quy định 366-QĐ/TW (2025), hạn mức Xuất sắc làm tròn lên",
                  "Regulation 366-QĐ/TW (2025), the excellent quota rounded up", quota_rounding="ceil"),
    GradingPolicy("criteria-2020", 1, "Tiêu chuẩn, tiêu chí không chấm điểm (Hướng dẫn 21-HD/BTCTW, 2019)",
                  "Standards and criteria without points (guidance 21-HD/BTCTW, 2019)", scale="criteria"),
)}
DEFAULT_GRADING_POLICY = "366-2025"


def get_grading_policy(name: str) -> GradingPolicy:
    try:
        return GRADING_POLICIES[name]
    except KeyError:
        raise ValueError(f"unknown grading policy {name!r}") from None


# --- classification by points and conditions --------------------------------------------

@dataclass(frozen=True)
class Classification:
    """The best level the points and conditions allow, and, for each better level, why not."""
    level: str
    #: (level, missing condition or "points") for each better level that was refused
    refused: tuple[tuple[str, str], ...] = ()


def _conditions_for(level: str, collective: bool) -> tuple[str, ...]:
    if level == EXCELLENT:
        return (ON_TIME, BEYOND, FIXED) + ((NONE_DISCIPLINED,) if collective else ())
    if level == GOOD:
        return (ON_TIME,)
    if level == COMPLETED:
        return (LATE_WITHIN,) if collective else ()
    return ()


def classify(policy: GradingPolicy, points: Decimal | None, facts: dict[str, bool], *,
             collective: bool) -> Classification:
    """The best level whose points (366 only) and conditions all hold. A breach, or points
    under the lowest threshold, gives not completed; so does a missing self-score on the
    points scale, since points alone never decide but none at all cannot qualify."""
    refused = []
    if facts.get(BREACH) is True:
        return Classification(NOT_COMPLETED, ((COMPLETED, BREACH),))
    for level, threshold in zip(LEVELS[:3], policy.thresholds, strict=True):
        if policy.scale == "points" and (points is None or points < threshold):
            refused.append((level, "points"))
            continue
        missing = next((c for c in _conditions_for(level, collective) if facts.get(c) is not True), None)
        if missing:
            refused.append((level, missing))
            continue
        return Classification(level, tuple(refused))
    return Classification(NOT_COMPLETED, tuple(refused))


def caps_applying(policy: GradingPolicy, facts: dict[str, bool]) -> list[tuple[str, str]]:
    """(fact, best level allowed) for every cap whose fact is true."""
    return [(fact, level) for fact, level in policy.caps.items() if facts.get(fact) is True]


def apply_caps(policy: GradingPolicy, level: str, facts: dict[str, bool]) -> str:
    for _fact, cap in caps_applying(policy, facts):
        level = worse(level, cap)
    return level


# --- votes → proposed level ---------------------------------------------------------------

HALF = Fraction(1, 2)


@dataclass(frozen=True)
class VoteProposal:
    """The level the votes propose (None: no level reaches over half), with the votes from
    that level upwards and the base, for the explanation."""
    level: str | None
    votes_from_level: int
    base: int


def cumulative_level(counts: dict[str, int], base: int) -> VoteProposal:
    """The highest level whose votes, added to the votes for all higher levels, exceed 1/2
    of the base: 4/3/2/1 of 10 → good (7 > 5); 5/5/0/0 of 10 → good (5 is not over 5)."""
    running = 0
    for level in LEVELS:
        running += int(counts.get(level, 0))
        if base > 0 and Fraction(running, base) > HALF:
            return VoteProposal(level, running, base)
    return VoteProposal(None, running, base)


def propose_from_votes(policy: GradingPolicy, counts: dict[str, int], base: int) -> VoteProposal:
    if policy.rating_rule == CUMULATIVE_HALF:
        return cumulative_level(counts, base)
    raise ValueError(f"unknown rating rule {policy.rating_rule!r}")  # pragma: no cover (checked in policy)


# --- the quota ----------------------------------------------------------------------------

def excellent_allowed(policy: GradingPolicy, good: int) -> int:
    """Most excellent ratings `good` good ones allow: floor(good/5) (5 × excellent ≤ good),
    or ceil(good/5) when the policy rounds up (7 good → 1, or 2)."""
    share = policy.quota_share * good
    if policy.quota_rounding == "ceil":
        return -((-share.numerator) // share.denominator)
    return share.numerator // share.denominator


def quota_allows(policy: GradingPolicy, good: int, excellent: int) -> bool:
    return excellent <= excellent_allowed(policy, good)


# --- explanations, in the policy's own words ---------------------------------------------

def explain_votes(proposal: VoteProposal, language: str = "vi") -> str:
    """e.g. "7/10 phiếu từ mức Tốt trở lên (> 1/2) → Hoàn thành tốt nhiệm vụ"."""
    if proposal.level is None:
        if language == "en":
            return (f"no level reaches more than 1/2 of {proposal.base} "
                    f"({proposal.votes_from_level} votes in all) → no proposal")
        return (f"không mức nào đạt quá 1/2 của {proposal.base} "
                f"(tổng {proposal.votes_from_level} phiếu) → chưa có đề xuất")
    short = LEVEL_SHORT[proposal.level].text(language)
    if language == "en":
        return (f"{proposal.votes_from_level}/{proposal.base} votes for {short} or better (> 1/2) "
                f"→ {level_name(proposal.level, 'en')}")
    return (f"{proposal.votes_from_level}/{proposal.base} phiếu từ mức {short} trở lên (> 1/2) "
            f"→ {level_name(proposal.level)}")


def explain_classification(policy: GradingPolicy, points: Decimal | None, facts: dict[str, bool],
                           classification: Classification, language: str = "vi") -> str:
    """e.g. "điểm tự chấm 88; đủ điều kiện: 100% nhiệm vụ đúng tiến độ → tối đa Hoàn thành tốt
    nhiệm vụ"."""
    en = language == "en"
    parts = []
    if policy.scale == "points":
        parts.append((f"self-score {points}" if en else f"điểm tự chấm {points}") if points is not None
                     else ("no self-score" if en else "chưa có điểm tự chấm"))
    met = [CONDITION_NAMES[c].text(language) for c in CONDITIONS[:5] if facts.get(c) is True]
    unmet = [CONDITION_NAMES[c].text(language) for c in CONDITIONS[:5] if facts.get(c) is False]
    if met:
        parts.append(("conditions met: " if en else "đủ điều kiện: ") + ", ".join(met))
    if unmet:
        parts.append(("not met: " if en else "chưa đạt: ") + ", ".join(unmet))
    ceiling = level_name(classification.level, language)
    return "; ".join(parts) + (f" → at most {ceiling}" if en else f" → tối đa {ceiling}")


def explain_caps(policy: GradingPolicy, facts: dict[str, bool], language: str = "vi") -> list[str]:
    """e.g. ["bị kỷ luật trong năm → Không hoàn thành nhiệm vụ"]."""
    return [f"{CONDITION_NAMES[fact].text(language)} → {level_name(level, language)}"
            for fact, level in caps_applying(policy, facts)]


def quota_line(policy: GradingPolicy, good: int, excellent: int, language: str = "vi") -> str:
    """e.g. "đã xếp loại Xuất sắc 2 / tối đa 2"."""
    allowed = excellent_allowed(policy, good)
    if language == "en":
        return f"rated Excellent {excellent} / at most {allowed} ({good} rated Good)"
    return f"đã xếp loại Xuất sắc {excellent} / tối đa {allowed} ({good} Hoàn thành tốt)"

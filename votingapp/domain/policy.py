"""Counting policies as named, versioned data: what a rule leaves to locality is chosen here,
never hard-coded in the counting code.

Each policy counts one kind of session (domain.ballot_forms.KINDS). A policy's values never change
under the same name and version: a signed tally embeds its policy, and the verifier compares
the two, so an old tally keeps verifying as long as its policy name stays here."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from .ballot_forms import CONFIDENCE, KINDS, MOTION, RATING, VOTE_OF_CONFIDENCE

#: what a percentage or a threshold can be taken on. "base" is the electorate summoned less
#: the lawful exclusions (Quy định 24-QĐ/TW, 9.3): the base of motions (Điều lệ Đảng, 9.5)
BASES = ("summoned", "present", "issued", "received", "valid", "base")
UNMARKED_RULES = ("invalid", "blank")
#: exactly 2/3 low confidence: "from" 2/3 is dismissal (QĐ 96-QĐ/TW writes "từ 2/3 trở lên"),
#: or only "over" 2/3 is (QĐ 41-QĐ/TW writes "trên 2/3")
TWO_THIRDS_READINGS = ("from", "over")


@dataclass(frozen=True)
class NamedPolicy:
    """What a counting or a grading policy has in common: a name and a version under which its
    values never change, and a title to show in Vietnamese, with an English one for the English
    pages."""
    name: str
    version: int
    title: str
    title_en: str

    def title_in(self, language: str) -> str:
        return self.title_en if language == "en" else self.title


@dataclass(frozen=True)
class Policy(NamedPolicy):
    #: the denominator of confidence percentages and consequences
    basis: str = "received"
    #: a subject left unmarked on an otherwise well-formed ballot: the whole ballot invalid,
    #: or blank for that subject only
    unmarked_subject: str = "invalid"
    #: a motion passes when agree is more than half of this basis
    motion_basis: str = "present"
    #: the session kind this policy is offered for (the first policies predate the field and
    #: counted motions too; tallies made so keep verifying under them)
    kind: str = CONFIDENCE
    #: whether exactly 2/3 low confidence is "from 2/3" (dismissal considered) or not yet "over 2/3"
    two_thirds: str = "from"

    def __post_init__(self) -> None:
        if self.basis not in BASES or self.motion_basis not in BASES:
            raise ValueError("unknown basis")
        if self.unmarked_subject not in UNMARKED_RULES:
            raise ValueError("unknown rule for unmarked subjects")
        if self.kind not in KINDS:
            raise ValueError("unknown session kind")
        if self.two_thirds not in TWO_THIRDS_READINGS:
            raise ValueError("unknown reading of 2/3")

    def basis_for(self, kind: str) -> str:
        """The basis a session of `kind` is counted on under this policy."""
        return self.motion_basis if kind == MOTION else self.basis

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


POLICIES: dict[str, Policy] = {
    policy.name: policy for policy in (
        Policy("qd96-2023", 1, "Quy định 96-QĐ/TW (2023), tỷ lệ tính trên số phiếu thu vào",
               "Regulation 96-QĐ/TW (2023), percentages of ballots received"),
        Policy("qd96-2023-present", 1, "Quy định 96-QĐ/TW (2023), tỷ lệ tính trên số người có mặt",
               "Regulation 96-QĐ/TW (2023), percentages of members present", basis="present"),
        Policy("qd96-2023-lenient", 1,
               "Quy định 96-QĐ/TW (2023), phiếu thu vào; người không được đánh dấu tính là phiếu trống cho người đó",
               "Regulation 96-QĐ/TW (2023), ballots received; an unmarked person counts as blank for that person",
               unmarked_subject="blank"),
        Policy("qd96-2023-over-two-thirds", 1,
               "Quy định 96-QĐ/TW (2023), phiếu thu vào; đúng 2/3 tín nhiệm thấp chưa tính là trên 2/3 "
               "(cách viết của Quy định 41-QĐ/TW về miễn nhiệm)",
               "Regulation 96-QĐ/TW (2023), ballots received; exactly 2/3 low confidence is not yet over 2/3 "
               "(the wording of Regulation 41-QĐ/TW on dismissal)",
               two_thirds="over"),
        Policy("dieu-le-motion", 1,
               "Điều lệ Đảng (Điều 9.5) và Quy định 24-QĐ/TW (điểm 9.3): thông qua khi trên 1/2 số đảng viên "
               "chính thức được triệu tập đồng ý, không tính số được trừ",
               "Party Charter (Article 9.5) and Regulation 24-QĐ/TW (point 9.3): passed when more than 1/2 of the "
               "official members summoned agree, less the lawful exclusions",
               basis="base", motion_basis="base", kind=MOTION),
        Policy("qd96-2023-vote", 1,
               "Bỏ phiếu tín nhiệm theo Quy định 96-QĐ/TW (2023): tỷ lệ tính trên số người được triệu tập, "
               "không tính số được trừ",
               "Vote of confidence under Regulation 96-QĐ/TW (2023): shares of those summoned, less the lawful "
               "exclusions",
               basis="base", motion_basis="base", kind=VOTE_OF_CONFIDENCE),
        Policy("qd96-2023-vote-received", 1,
               "Bỏ phiếu tín nhiệm theo Quy định 96-QĐ/TW (2023): tỷ lệ tính trên số phiếu thu vào",
               "Vote of confidence under Regulation 96-QĐ/TW (2023): shares of ballots received",
               motion_basis="received", kind=VOTE_OF_CONFIDENCE),
        Policy("rating-cumulative-half", 1,
               "Phiếu xếp loại: đề xuất mức cao nhất có số phiếu (cộng dồn các mức cao hơn) trên 1/2 số đảng viên "
               "chính thức được triệu tập, không tính số được trừ",
               "Rating ballot: propose the highest level whose votes (with the higher levels') are more than 1/2 of "
               "the official members summoned, less the lawful exclusions",
               basis="base", motion_basis="base", kind=RATING),
    )
}
DEFAULT_POLICY = "qd96-2023"
#: the policy a new session of each kind gets when none is chosen
DEFAULT_POLICIES = {CONFIDENCE: DEFAULT_POLICY, MOTION: "dieu-le-motion", VOTE_OF_CONFIDENCE: "qd96-2023-vote",
                    RATING: "rating-cumulative-half"}


def get_policy(name: str) -> Policy:
    try:
        return POLICIES[name]
    except KeyError:
        raise ValueError(f"unknown policy {name!r}") from None


def default_policy_for(kind: str) -> str:
    return DEFAULT_POLICIES[kind]


def policies_for(kind: str) -> list[Policy]:
    """The policies a new session of `kind` may choose, the default first."""
    default = default_policy_for(kind)
    return sorted((p for p in POLICIES.values() if p.kind == kind), key=lambda p: p.name != default)

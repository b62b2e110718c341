"""Counting policies as named, versioned data: what a rule leaves to locality is chosen here,
never hard-coded in the counting code."""

from __future__ import annotations

from dataclasses import asdict, dataclass

BASES = ("summoned", "base", "present", "issued", "received", "valid")
UNMARKED_RULES = ("invalid", "blank")


@dataclass(frozen=True)
class Policy:
    name: str
    version: int
    #: shown to chairs in Vietnamese, with an English title for the English pages
    title: str
    title_en: str
    #: the denominator of confidence percentages and consequences
    basis: str = "received"
    #: a subject left unmarked on an otherwise well-formed ballot: the whole ballot invalid,
    #: or blank for that subject only
    unmarked_subject: str = "invalid"
    #: a motion passes when agree is more than half of this basis
    motion_basis: str = "present"

    def __post_init__(self):
        if self.basis not in BASES or self.motion_basis not in BASES:
            raise ValueError("unknown basis")
        if self.unmarked_subject not in UNMARKED_RULES:
            raise ValueError("unknown rule for unmarked subjects")

    def to_dict(self) -> dict:
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
    )
}
DEFAULT_POLICY = "qd96-2023"


def get_policy(name: str) -> Policy:
    try:
        return POLICIES[name]
    except KeyError:
        raise ValueError(f"unknown policy {name!r}") from None

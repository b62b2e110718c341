"""The ballot forms: which options a session kind offers, and the plaintext size a form needs."""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Option:
    id: str
    label_vi: str  # as printed on the paper ballot
    label_en: str

    def text(self, language: str) -> str:
        return self.label_en if language == "en" else self.label_vi


CONFIDENCE = "confidence"
MOTION = "motion"
#: bỏ phiếu tín nhiệm: a two-option follow-up ballot, distinct from the three-level confidence vote
VOTE_OF_CONFIDENCE = "vote_of_confidence"
#: the yearly rating ballot: one of the four levels per person or collective (domain.grading)
RATING = "rating"

OPTIONS: dict[str, tuple[Option, ...]] = {
    CONFIDENCE: (
        Option("tin-nhiem-cao", "Tín nhiệm cao", "High confidence"),
        Option("tin-nhiem", "Tín nhiệm", "Confidence"),
        Option("tin-nhiem-thap", "Tín nhiệm thấp", "Low confidence"),
    ),
    MOTION: (
        Option("agree", "Đồng ý", "Agree"),
        Option("disagree", "Không đồng ý", "Disagree"),
        Option("abstain", "Không có ý kiến", "Abstain"),
    ),
    VOTE_OF_CONFIDENCE: (
        Option("tin-nhiem", "Tín nhiệm", "Confidence"),
        Option("khong-tin-nhiem", "Không tín nhiệm", "No confidence"),
    ),
    RATING: (
        Option("htxsnv", "Hoàn thành xuất sắc nhiệm vụ", "Excellent"),
        Option("httnv", "Hoàn thành tốt nhiệm vụ", "Good"),
        Option("htnv", "Hoàn thành nhiệm vụ", "Completed"),
        Option("khtnv", "Không hoàn thành nhiệm vụ", "Not completed"),
    ),
}
KINDS = tuple(OPTIONS)
#: the kinds whose subjects are people (a motion's one subject is its text)
PERSON_KINDS = (CONFIDENCE, VOTE_OF_CONFIDENCE)
LOW_CONFIDENCE = "tin-nhiem-thap"
NO_CONFIDENCE = "khong-tin-nhiem"
AGREE = "agree"
MOTION_SUBJECT = "motion"
#: the lenient policy's extra column on a verifiable-v1 ballot (spec §6.4), as the voter's page
#: labels it; the signed lookup and `votingapp verify` carry the same words
BLANK_COLUMN = Option("blank", "Không đánh dấu", "Unmarked")


def option_ids(kind: str) -> tuple[str, ...]:
    return tuple(option.id for option in OPTIONS[kind])


def plaintext_size_for(session_id: str, kind: str, subject_ids: list[str]) -> int:
    """Room for the longest possible ballot of this form, rounded up to 64 bytes, so that
    every ballot, whatever it chooses, pads to the same length."""
    longest = max(option_ids(kind), key=lambda option: len(option.encode()))
    document = {"v": 1, "session": session_id, "choices": {s: longest for s in subject_ids}}
    needed = len(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode())
    return (needed // 64 + 1) * 64

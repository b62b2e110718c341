"""The words for the codes of a tally document (kinds, bases, consequences, outcomes, reasons a
ballot is invalid), once, in Vietnamese and English. The results page, the minutes and the
command line all read them here, so the paper and the screen say the same thing.

Consequences are summaries of Quy định 96-QĐ/TW with the article cited, never quotations;
invalid ballots use the regulation's own words where it has them ("phiếu không do Ban kiểm
phiếu phát ra", "không đánh dấu ô nào đối với một người").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .ballot_forms import CONFIDENCE, MOTION, OPTIONS, RATING, VOTE_OF_CONFIDENCE
from .policy import Policy

#: the article of Quy định 96-QĐ/TW (2023) on using the results of a confidence vote
QD96_ARTICLE = "Điều 13"
QD96_ARTICLE_EN = "Article 13"


@dataclass(frozen=True)
class Label:
    """Words in both languages, named as every bilingual pair of Python attributes is:
    `<x>_vi` / `<x>_en`, never a bare `<x>` in one of the two (`label_vi` / `label_en` here,
    `message_vi` / `message_en` for sentences: ServiceError, TextProblem, Breach, LineError).
    A bare `<x>` holds both languages (a catalog Text, as Field.label). Published shapes keep
    their own keys, and only their to_dict (or schema) spells them: an error's JSON is
    `message` / `message_vi` (docs/api.md), a tally's policy `title` / `title_en`, which is
    why NamedPolicy keeps those names (docs/formats.md). tests/unit/test_bilingual_names.py
    checks it."""
    label_vi: str
    label_en: str

    def text(self, language: str) -> str:
        return self.label_en if language == "en" else self.label_vi


KINDS = {
    CONFIDENCE: Label("Lấy phiếu tín nhiệm", "Confidence vote"),
    MOTION: Label("Biểu quyết bằng phiếu kín", "Motion by secret ballot"),
    VOTE_OF_CONFIDENCE: Label("Bỏ phiếu tín nhiệm", "Vote of confidence"),
    RATING: Label("Phiếu xếp loại chất lượng", "Rating ballot"),
}
#: what each kind's form says it is, on the create page
KIND_DESCRIPTIONS = {
    CONFIDENCE: Label("Lấy phiếu tín nhiệm: tín nhiệm cao / tín nhiệm / tín nhiệm thấp cho từng người",
                      "Confidence vote: high confidence / confidence / low confidence for each person"),
    VOTE_OF_CONFIDENCE: Label("Bỏ phiếu tín nhiệm: tín nhiệm / không tín nhiệm cho từng người",
                              "Vote of confidence: confidence / no confidence for each person"),
    MOTION: Label("Biểu quyết bằng phiếu kín: đồng ý / không đồng ý / không có ý kiến",
                  "Motion by secret ballot: agree / disagree / abstain"),
    RATING: Label("Phiếu xếp loại chất lượng: một trong bốn mức cho từng người hoặc tập thể",
                  "Rating ballot: one of the four levels for each person or collective"),
}
#: a rating ballot whose votes put no level over half of the base proposes nothing
NO_LEVEL_OVER_HALF = Label("Không mức nào quá 1/2", "No level over half")
BASES = {
    "summoned": Label("Số người được triệu tập", "Summoned"),
    "present": Label("Số người có mặt", "Present"),
    "issued": Label("Số phiếu phát ra", "Ballots issued"),
    "received": Label("Số phiếu thu vào", "Ballots received"),
    "valid": Label("Số phiếu hợp lệ", "Valid ballots"),
    "base": Label("Số người được triệu tập, không tính số được trừ",
                  "Summoned, less the lawful exclusions"),
}
#: consequence codes of domain.tally: the short form for a table cell
CONSEQUENCES = {
    "none": Label("Không thuộc diện xem xét", "No consequence"),
    "over_half_low": Label("Trên 1/2 đến dưới 2/3 tín nhiệm thấp", "More than 1/2 and under 2/3 low confidence"),
    "two_thirds_low": Label("Từ 2/3 tín nhiệm thấp trở lên", "2/3 or more low confidence"),
}
#: the same bands when the policy reads 2/3 as "over 2/3" (policy.two_thirds == "over")
CONSEQUENCES_OVER = {
    "none": CONSEQUENCES["none"],
    "over_half_low": Label("Trên 1/2 đến 2/3 tín nhiệm thấp", "More than 1/2, up to 2/3 low confidence"),
    "two_thirds_low": Label("Trên 2/3 tín nhiệm thấp", "More than 2/3 low confidence"),
}
#: what each band means, summarised (not quoted) with the article cited
CONSEQUENCE_SUMMARIES = {
    "none": Label(f"theo Quy định 96-QĐ/TW, {QD96_ARTICLE}, không thuộc diện xem xét",
                  f"under Regulation 96-QĐ/TW, {QD96_ARTICLE_EN}, no consequence"),
    "over_half_low": Label(
        f"theo Quy định 96-QĐ/TW, {QD96_ARTICLE}, không đưa vào quy hoạch chức vụ cao hơn; xem xét cho thôi "
        "giữ chức vụ, điều động, cho từ chức hoặc bỏ phiếu tín nhiệm",
        f"under Regulation 96-QĐ/TW, {QD96_ARTICLE_EN}, dropped from planning for higher posts; relief from "
        "the post, a transfer, resignation or a vote of confidence is considered"),
    "two_thirds_low": Label(f"theo Quy định 96-QĐ/TW, {QD96_ARTICLE}, xem xét miễn nhiệm",
                            f"under Regulation 96-QĐ/TW, {QD96_ARTICLE_EN}, dismissal is considered"),
}
OUTCOMES = {
    "passed": Label("Được thông qua", "Passed"),
    "not_passed": Label("Không được thông qua", "Not passed"),
    "no_confidence": Label("Trên 1/2 không tín nhiệm", "More than 1/2 no confidence"),
    "confidence_kept": Label("Không quá 1/2 không tín nhiệm", "Not more than 1/2 no confidence"),
}
#: reason codes of domain.tally.Invalid (and the verifier's), in the regulation's words
UNISSUED = Label("Phiếu không do Ban kiểm phiếu phát ra", "Not a ballot the counting committee issued")
INVALID_REASONS = {
    "undecryptable": Label(f"{UNISSUED.label_vi} (không giải mã được)",
                         f"{UNISSUED.label_en} (could not be decrypted)"),
    "wrong_size": Label(f"{UNISSUED.label_vi} (sai kích thước)", f"{UNISSUED.label_en} (wrong size)"),
    "not_json": Label(f"{UNISSUED.label_vi} (không đọc được)", f"{UNISSUED.label_en} (unreadable)"),
    "wrong_shape": Label(f"{UNISSUED.label_vi} (không đúng mẫu phiếu)",
                       f"{UNISSUED.label_en} (not this session's form)"),
    "wrong_session": Label(f"{UNISSUED.label_vi} (phiếu của phiên khác)",
                         f"{UNISSUED.label_en} (made for another session)"),
    "blank": Label("Không đánh dấu ô nào trên cả phiếu", "No box ticked anywhere"),
    "unknown_subject": Label("Ghi thêm tên người ngoài danh sách", "Adds a name that is not on the ballot"),
    "unknown_option": Label("Đánh dấu không đúng quy định", "Carries a mark the form does not have"),
    "unmarked_subject": Label("Không đánh dấu ô nào đối với một người", "No box ticked for a person"),
    "marked_twice": Label("Đánh dấu từ hai ô trở lên đối với một người", "Two or more boxes ticked for a person"),
    "duplicate_ephemeral_key": Label("Trùng khóa tạm (phiếu sao chép)", "Duplicate ephemeral key (copied ballot)"),
}
UNMARKED = Label("Để trống", "Left blank")


def label(table: Mapping[str, Label], code: object, language: str = "vi") -> str:
    """The words for `code`, or the code itself when it is new to this version."""
    found = table.get(code) if isinstance(code, str) else None
    return found.text(language) if found else str(code)


def consequence_label(code: str, two_thirds: str = "from", language: str = "vi") -> str:
    return label(CONSEQUENCES_OVER if two_thirds == "over" else CONSEQUENCES, code, language)


def consequence_text(code: str, two_thirds: str = "from", language: str = "vi") -> str:
    """The band and what it means: "Từ 2/3 tín nhiệm thấp trở lên: theo Quy định 96-QĐ/TW, Điều 13, ..."."""
    return f"{consequence_label(code, two_thirds, language)}: {label(CONSEQUENCE_SUMMARIES, code, language)}"


def verdict_label(subject: dict[str, Any], policy: dict[str, Any], language: str = "vi") -> str:
    """A tally subject's consequence, outcome or proposed level in words."""
    if "proposed" in subject:  # a rating ballot (domain.grading): the level the votes propose
        level = next((o for o in OPTIONS[RATING] if o.id == subject["proposed"]), None)
        return level.text(language) if level else NO_LEVEL_OVER_HALF.text(language)
    if "consequence" in subject:
        return consequence_label(subject["consequence"], policy.get("two_thirds", "from"), language)
    return label(OUTCOMES, subject.get("outcome"), language)


def basis_phrase(basis: str, language: str = "vi") -> str:
    """The basis inside a sentence: "số người có mặt" / "members present"."""
    text = label(BASES, basis, language)
    return text[:1].lower() + text[1:]


def rule_note(kind: str, policy: dict[str, Any], language: str = "vi") -> str:
    """The rule under a results table: how the verdicts follow from the counts."""
    vi = language != "en"
    if kind == CONFIDENCE:
        reading = policy.get("two_thirds", "from")
        bands = " ".join(f"{consequence_text(code, reading, language)}."
                         for code in ("over_half_low", "two_thirds_low"))
        if reading == "over":
            exact = ("Tỷ lệ so với ngưỡng bằng phân số chính xác: đúng 1/2 không phải trên 1/2; đúng 2/3 chưa phải "
                     "trên 2/3 (cách viết của Quy định 41-QĐ/TW)." if vi else
                     "Shares are exact fractions: exactly 1/2 is not more than 1/2; exactly 2/3 is not yet more "
                     "than 2/3 (the wording of Regulation 41-QĐ/TW).")
        else:
            exact = ("Tỷ lệ so với ngưỡng bằng phân số chính xác: đúng 1/2 không phải trên 1/2; đúng 2/3 thuộc "
                     "từ 2/3 trở lên." if vi else
                     "Shares are exact fractions: exactly 1/2 is not more than 1/2; exactly 2/3 counts as 2/3 "
                     "or more.")
        return f"{bands} {exact}"
    basis = basis_phrase(policy.get("motion_basis" if kind == MOTION else "basis", "present"), language)
    if kind == RATING:
        return (f"Mức đề xuất là mức cao nhất có số phiếu (cộng cả các mức cao hơn) trên 1/2 {basis}; đúng 1/2 "
                "không phải trên 1/2. Đây là đề xuất; cấp có thẩm quyền quyết định." if vi else
                f"The proposed level is the highest whose votes (with those for higher levels) are more than 1/2 "
                f"of {basis}; exactly 1/2 is not more than 1/2. It is a proposal: the competent level decides.")
    if kind == VOTE_OF_CONFIDENCE:
        return (f"Tỷ lệ không tín nhiệm được so với 1/2 {basis} bằng phân số chính xác; đúng 1/2 không phải "
                "trên 1/2." if vi else
                f"No-confidence marks are compared with 1/2 of {basis} as exact fractions; exactly 1/2 is not "
                "more than 1/2.")
    source = (" (Điều lệ Đảng, Điều 9.5; Quy định 24-QĐ/TW, điểm 9.3)" if vi else
              " (Party Charter, Article 9.5; Regulation 24-QĐ/TW, point 9.3)") \
        if policy.get("motion_basis") == "base" else ""
    return (f"Nội dung được thông qua khi số phiếu đồng ý trên 1/2 {basis}{source}; đúng 1/2 không được thông qua."
            if vi else
            f"The motion passes when those who agree are more than 1/2 of {basis}{source}; exactly 1/2 does not pass.")


def policy_title(policy: Policy | dict[str, Any], language: str = "vi") -> str:
    values = policy.to_dict() if isinstance(policy, Policy) else policy
    return str(values.get("title_en" if language == "en" else "title") or values.get("name", ""))

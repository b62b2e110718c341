"""The count invariants of one ballot box, checked on published numbers alone.

"One person present, one ballot, counted once" holds by construction (services.ballots caps
the codes handed out, the database refuses a copied ballot); these checks say, in both
languages, when published counts show it did not hold, so the chair, the minutes and the
auditor are told instead of printing normal conclusions over an inflated count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Breach:
    """One invariant the counts break: a stable code and a sentence in each language."""
    code: str
    message_en: str
    message_vi: str


def breaches(counts: Mapping[str, Any]) -> list[Breach]:
    """What the counts of a board (or a live progress) break. `counts` holds present,
    tokens_issued (or issued), tokens_used (or voted), tokens_void (or void) and, once the
    box is closed, ballots."""
    present = counts.get("present", 0)
    issued = counts.get("tokens_issued", counts.get("issued", 0))
    used = counts.get("tokens_used", counts.get("voted", 0))
    void = counts.get("tokens_void", counts.get("void", 0))
    ballots = counts.get("ballots")
    found = []
    if ballots is not None and ballots > present:
        found.append(Breach(
            "ballots_exceed_present",
            f"{ballots} ballots were received but only {present} voters were present.",
            f"Thu vào {ballots} phiếu nhưng chỉ có {present} người bỏ phiếu có mặt."))
    if issued > present:
        found.append(Breach(
            "codes_exceed_present",
            f"{issued} ballot codes were handed out but only {present} voters were present.",
            f"Đã phát {issued} mã phiếu nhưng chỉ có {present} người bỏ phiếu có mặt."))
    if ballots is not None and ballots != used:
        found.append(Breach(
            "ballots_differ_from_used",
            f"{ballots} ballots were received but {used} ballot codes were used.",
            f"Thu vào {ballots} phiếu nhưng có {used} mã phiếu đã được dùng."))
    if ballots is not None and used + void != issued:
        found.append(Breach(
            "codes_unbalanced",
            f"Used ({used}) and cancelled ({void}) ballot codes do not add up to the {issued} issued.",
            f"Số mã phiếu đã dùng ({used}) và bị hủy ({void}) không bằng số mã đã phát ({issued})."))
    return found

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

from ..catalog import N_, Text, Worded


@dataclass(frozen=True)
class Breach(Worded):
    """One invariant the counts break: a stable code and a catalog sentence, read in each language."""
    code: str
    text: Text


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
            N_("%(ballots)s ballots were received but only %(present)s voters were present.",
               ballots=ballots, present=present)))
    if issued > present:
        found.append(Breach(
            "codes_exceed_present",
            N_("%(issued)s ballot codes were handed out but only %(present)s voters were present.",
               issued=issued, present=present)))
    if ballots is not None and ballots != used:
        found.append(Breach(
            "ballots_differ_from_used",
            N_("%(ballots)s ballots were received but %(used)s ballot codes were used.", ballots=ballots, used=used)))
    if ballots is not None and used + void != issued:
        found.append(Breach(
            "codes_unbalanced",
            N_("Used (%(used)s) and cancelled (%(void)s) ballot codes do not add up to the %(issued)s issued.",
               used=used, void=void, issued=issued)))
    return found

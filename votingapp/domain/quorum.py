"""Quorum: at least 2/3 of those summoned are present (QĐ 96-QĐ/TW), the summoned counted
less the lawful exclusions (the base). Exact fractions: 12 of 18 meets it, 11 of 17 does not."""

from fractions import Fraction

QUORUM = Fraction(2, 3)


def needed_for_quorum(base: int) -> int:
    """The fewest present that meet the quorum on this base (ceil(2/3 × base), exactly)."""
    return -(-QUORUM.numerator * base // QUORUM.denominator)


def quorum_met(base: int, present: int) -> bool:
    return base > 0 and Fraction(present, base) >= QUORUM

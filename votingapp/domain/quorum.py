"""Quorum for a confidence vote: at least 2/3 of those summoned are present."""

from fractions import Fraction

QUORUM = Fraction(2, 3)


def quorum_met(summoned: int, present: int) -> bool:
    return summoned > 0 and Fraction(present, summoned) >= QUORUM

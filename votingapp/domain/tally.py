"""Counting decrypted ballots by the rules of domain.md.

`read_ballot` decides what one plaintext says (or why it is invalid); `count_ballots`
turns all of them into the tally document. Invalid ballots are counted, never dropped.
Boundaries are exact fractions: exactly 1/2 is not "more than 1/2"; exactly 2/3 is
"2/3 or more".
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from .forms import AGREE, CONFIDENCE, LOW_CONFIDENCE, MOTION, RATING, option_ids
from .grading import cumulative_level, level_of_option, option_id
from .policy import BASES, Policy

TALLY_FORMAT = "votingapp/tally-v1"
BLANK = "blank"
HALF, TWO_THIRDS = Fraction(1, 2), Fraction(2, 3)

#: consequence codes of Quy định 96-QĐ/TW by the share of low-confidence marks
NO_CONSEQUENCE = "none"
DROPPED_FROM_PLANNING = "over_half_low"      # > 1/2 and < 2/3
DISMISSAL_CONSIDERED = "two_thirds_low"      # >= 2/3
MOTION_PASSED, MOTION_FAILED = "passed", "not_passed"


@dataclass(frozen=True)
class Subject:
    id: str
    name: str


@dataclass(frozen=True)
class BallotForm:
    """What a valid ballot of one session looks like."""
    session_id: str
    kind: str
    subjects: tuple[Subject, ...]
    plaintext_size: int

    @property
    def options(self) -> tuple[str, ...]:
        return option_ids(self.kind)


@dataclass(frozen=True)
class Invalid:
    """Why a ballot is invalid (a short code; reported per reason in the tally)."""
    reason: str


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs):
    keys = [key for key, _ in pairs]
    if len(keys) != len(set(keys)):
        raise _DuplicateKey()
    return dict(pairs)


def read_ballot(plaintext: bytes | None, form: BallotForm, policy: Policy) -> dict[str, str] | Invalid:
    """The choice per subject (BLANK where policy allows an unmarked subject), or Invalid."""
    if plaintext is None:
        return Invalid("undecryptable")
    if len(plaintext) != form.plaintext_size:
        return Invalid("wrong_size")
    try:
        document = json.loads(plaintext.rstrip(b" ").decode("utf-8"), object_pairs_hook=_no_duplicates)
    except _DuplicateKey:
        return Invalid("marked_twice")
    except (UnicodeDecodeError, ValueError, RecursionError):
        return Invalid("not_json")
    if not isinstance(document, dict) or set(document) != {"v", "session", "choices"} \
            or document["v"] != 1 or type(document["v"]) is not int or not isinstance(document["choices"], dict):
        return Invalid("wrong_shape")
    if document["session"] != form.session_id:
        return Invalid("wrong_session")
    choices = document["choices"]
    if not choices:
        return Invalid("blank")
    subject_ids = {subject.id for subject in form.subjects}
    if not set(choices) <= subject_ids:
        return Invalid("unknown_subject")
    if any(not isinstance(value, str) or value not in form.options for value in choices.values()):
        return Invalid("unknown_option")
    if len(choices) < len(subject_ids):
        if policy.unmarked_subject == "invalid":
            return Invalid("unmarked_subject")
        return {subject_id: choices.get(subject_id, BLANK) for subject_id in subject_ids}
    return dict(choices)


@dataclass
class Bases:
    """The counts a percentage can be taken on; `received` and `valid` come from the count."""
    summoned: int
    present: int
    issued: int
    received: int = 0
    valid: int = 0

    def get(self, name: str) -> int:
        return getattr(self, name)


def percent(part: int, whole: int) -> str | None:
    """A percentage with two decimals, rounded half up; None on an empty basis."""
    if whole == 0:
        return None
    value = Decimal(part * 100) / Decimal(whole)
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def confidence_consequence(low: int, base: int) -> str:
    if base == 0:
        return NO_CONSEQUENCE
    share = Fraction(low, base)
    if share >= TWO_THIRDS:
        return DISMISSAL_CONSIDERED
    if share > HALF:
        return DROPPED_FROM_PLANNING
    return NO_CONSEQUENCE


def motion_outcome(agree: int, base: int) -> str:
    return MOTION_PASSED if base and Fraction(agree, base) > HALF else MOTION_FAILED


def rating_proposal(tally: Counter, base: int) -> str | None:
    """The option id of the level the votes propose (domain.grading.cumulative_level), or None."""
    proposal = cumulative_level({level_of_option(o): tally[o] for o in option_ids(RATING)}, base)
    return option_id(proposal.level) if proposal.level else None


@dataclass
class _Counts:
    per_subject: dict[str, Counter] = field(default_factory=dict)
    invalid: Counter = field(default_factory=Counter)
    valid: int = 0
    received: int = 0


def count_ballots(plaintexts, form: BallotForm, policy: Policy, bases: Bases) -> dict:
    """The tally document (a plain, JSON-ready dict) for all ballots of one session."""
    counts = _Counts(per_subject={subject.id: Counter() for subject in form.subjects})
    for plaintext in plaintexts:
        counts.received += 1
        reading = read_ballot(plaintext, form, policy)
        if isinstance(reading, Invalid):
            counts.invalid[reading.reason] += 1
            continue
        counts.valid += 1
        for subject_id, choice in reading.items():
            counts.per_subject[subject_id][choice] += 1
    bases.received, bases.valid = counts.received, counts.valid
    return {
        "format": TALLY_FORMAT,
        "session": {"id": form.session_id, "kind": form.kind},
        "policy": policy.to_dict(),
        "bases": {name: bases.get(name) for name in BASES},
        "ballots": {"received": counts.received, "valid": counts.valid,
                    "invalid": counts.received - counts.valid,
                    "invalid_by_reason": dict(sorted(counts.invalid.items()))},
        "subjects": [_subject_result(subject, counts.per_subject[subject.id], form, policy, bases)
                     for subject in form.subjects],
    }


def _subject_result(subject: Subject, tally: Counter, form: BallotForm, policy: Policy, bases: Bases) -> dict:
    names = form.options + (BLANK,)
    # a rating, like a motion, is decided on the electorate's base, not on the ballots received
    basis = policy.motion_basis if form.kind in (MOTION, RATING) else policy.basis
    base = bases.get(basis)
    result = {
        "id": subject.id,
        "name": subject.name,
        "counts": {name: tally[name] for name in names},
        "basis": basis,
        "percent": {name: percent(tally[name], base) for name in names},
        "percent_by_basis": {other: {name: percent(tally[name], bases.get(other)) for name in names}
                             for other in BASES},
    }
    if form.kind == CONFIDENCE:
        result["consequence"] = confidence_consequence(tally[LOW_CONFIDENCE], base)
    elif form.kind == RATING:
        result["proposed"] = rating_proposal(tally, base)
    else:
        result["outcome"] = motion_outcome(tally[AGREE], base)
    return result

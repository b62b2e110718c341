"""Counting decrypted ballots by the rules of docs/rules.md.

`read_ballot` decides what one plaintext says (or why it is invalid); `count_ballots`
turns all of them into the tally document. Invalid ballots are counted, never dropped.
Boundaries are exact fractions: exactly 1/2 is not "more than 1/2"; exactly 2/3 is
"2/3 or more" unless the policy reads 2/3 as "over 2/3" (policy.two_thirds).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cached_property
from typing import Any, TypeVar

from .ballot_forms import AGREE, CONFIDENCE, LOW_CONFIDENCE, NO_CONFIDENCE, RATING, VOTE_OF_CONFIDENCE, option_ids
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
#: outcome codes of a vote of confidence (bỏ phiếu tín nhiệm): "không tín nhiệm" marks are more
#: than 1/2 of the policy's base, or they are not
CONFIDENCE_WITHDRAWN, CONFIDENCE_KEPT = "no_confidence", "confidence_kept"

#: the invalid reason of a ballot whose ephemeral key's x-coordinate an earlier one already has
DUPLICATE_KEY = "duplicate_ephemeral_key"


@dataclass(frozen=True)
class FormSubject:
    """One line of a ballot form, as the count and the minutes read it (the stored row is
    models.Subject)."""
    id: str
    name: str
    #: the person's post (chức vụ) as printed under the name; the minutes print it too
    detail: str = ""


@dataclass(frozen=True)
class BallotForm:
    """What a valid ballot of one session looks like."""
    session_id: str
    kind: str
    subjects: tuple[FormSubject, ...]
    plaintext_size: int

    @property
    def options(self) -> tuple[str, ...]:
        return option_ids(self.kind)

    @cached_property
    def reader(self) -> BallotReader:
        """What reading one ballot needs, computed once per form rather than once per ballot."""
        return BallotReader(self)


@dataclass(frozen=True)
class Invalid:
    """Why a ballot is invalid (a short code; reported per reason in the tally)."""
    reason: str


class _DuplicateKey(ValueError):
    pass


_B = TypeVar("_B")  # a ballot, whatever its form
_R = TypeVar("_R")  # what opening one gives


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(keys) != len(set(keys)):
        raise _DuplicateKey()
    return dict(pairs)


def open_each_key_once(ballots: Iterable[_B], key_of: Callable[[_B], object],
                       open_one: Callable[[_B], _R]) -> list[_R | Invalid]:
    """`open_one(ballot)` for each ballot, in order, except that of the ballots sharing one
    `key_of` (the epk x-coordinate; None for an entry that has none) only one is read: the
    first in the order given (receipt order on the board) that opens, or the first if none
    opens; every other one is Invalid(DUPLICATE_KEY). A copy with y negated opens to the same
    choices under sealed-v1 and does not open under sealed-v2: either way the copy never adds
    a vote, and a copy that sorts before the original cannot push the original out."""
    ballots = list(ballots)
    opened = [open_one(ballot) for ballot in ballots]
    keys = [key_of(ballot) for ballot in ballots]
    keeper: dict[object, int] = {}
    for index, key in enumerate(keys):
        if key is not None and (key not in keeper or (opened[keeper[key]] is None and opened[index] is not None)):
            keeper[key] = index
    return [result if key is None or keeper[key] == index else Invalid(DUPLICATE_KEY)
            for index, (key, result) in enumerate(zip(keys, opened, strict=True))]


class BallotReader:
    """`read_ballot` for one form, with the form's subject ids and options kept as sets."""

    def __init__(self, form: BallotForm):
        self.session_id, self.size = form.session_id, form.plaintext_size
        self.subject_ids = frozenset(subject.id for subject in form.subjects)
        self.options = frozenset(form.options)
        # The plaintext as every phone writes it (docs/formats.md: compact JSON, keys in this
        # order) is read by matching its pieces: the head up to the choices, and each
        # `"subject":"option"` pair of this form, as bytes.
        self._head = _compact({"v": 1, "session": self.session_id, "choices": {}})[:-2]
        self.pairs = {_compact({subject_id: option})[1:-1]: (subject_id, option)
                      for subject_id in self.subject_ids for option in self.options}
        self._subject_of = {piece: subject_id for piece, (subject_id, _) in self.pairs.items()}

    def _pieces(self, plaintext: bytes) -> list[bytes] | None:
        """The pieces between the braces of the choices, if the plaintext has our compact head and end."""
        text = plaintext.rstrip(b" ")
        if text.startswith(self._head) and text.endswith(b"}}"):
            return text[len(self._head):-2].split(b",")
        return None

    def full_marks(self, plaintext: bytes | None | Invalid) -> list[bytes] | None:
        """The pieces (keys of `pairs`) of a plaintext of exactly our compact form that marks
        every subject once, which read() would take as it is; None for any other plaintext,
        which then needs read(). What the count does for almost every ballot."""
        if type(plaintext) is not bytes or len(plaintext) != self.size:
            return None
        pieces = self._pieces(plaintext)
        if pieces is None or len(pieces) != len(self.subject_ids):
            return None
        try:
            marked = set(map(self._subject_of.__getitem__, pieces))
        except KeyError:
            return None
        return pieces if len(marked) == len(pieces) else None

    def _compact_choices(self, plaintext: bytes) -> dict[str, str] | None:
        """The choices of a plaintext of exactly our compact form with distinct known pairs
        (json.loads would read the very same), or None for any other text, which the general
        reading then reads and refuses as it always has."""
        pieces = self._pieces(plaintext)
        if pieces is None:
            return None
        try:
            choices = dict(map(self.pairs.__getitem__, pieces))
        except KeyError:
            return None
        return choices if len(choices) == len(pieces) else None

    def read(self, plaintext: bytes | None | Invalid, policy: Policy) -> dict[str, str] | Invalid:
        if type(plaintext) is not bytes:
            if isinstance(plaintext, Invalid):
                return plaintext
            if plaintext is None:
                return Invalid("undecryptable")
        if len(plaintext) != self.size:
            return Invalid("wrong_size")
        choices = self._compact_choices(plaintext)
        if choices is not None:
            return self._complete(choices, policy)
        try:
            text = plaintext.rstrip(b" ").decode("utf-8")
            document = _json_value(text)
        except (UnicodeDecodeError, ValueError, RecursionError):
            return Invalid("not_json")
        if _names_a_key_twice(document, text):
            return Invalid("marked_twice")
        if type(document) is not dict or document.keys() != _PLAINTEXT_KEYS \
                or document["v"] != 1 or type(document["v"]) is not int or type(document["choices"]) is not dict:
            return Invalid("wrong_shape")
        if document["session"] != self.session_id:
            return Invalid("wrong_session")
        choices = document["choices"]
        if not choices:
            return Invalid("blank")
        if not choices.keys() <= self.subject_ids:
            return Invalid("unknown_subject")
        try:  # every option is a str: a value that is one of them is a str too
            known = self.options.issuperset(choices.values())
        except TypeError:  # an unhashable value (a list, an object) is no option
            known = False
        if not known:
            return Invalid("unknown_option")
        return self._complete(choices, policy)

    def _complete(self, choices: dict[str, str], policy: Policy) -> dict[str, str] | Invalid:
        """Known, non-empty choices as counted: an unmarked subject is blank or spoils the ballot."""
        if len(choices) < len(self.subject_ids):
            if policy.unmarked_subject == "invalid":
                return Invalid("unmarked_subject")
            return {subject_id: choices.get(subject_id, BLANK) for subject_id in self.subject_ids}
        return choices


def _compact(value: object) -> bytes:
    """A value as compact UTF-8 JSON, as sealed.pad_plaintext and the phones write it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


_scan_json = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # set in JSONDecoder.__init__


def _json_value(text: str) -> object:
    """json.loads(text), without its layers of Python for a text that is one object and nothing
    else (every plaintext of ours); any other text goes through json.loads itself, so what is
    accepted or refused, and how, is exactly json.loads's."""
    if text[:1] == "{":
        try:
            value, end = _scan_json(text, 0)
        except (StopIteration, ValueError, RecursionError):
            end = -1
        if end == len(text):
            return value
    return json.loads(text)


_PLAINTEXT_KEYS = {"v", "session", "choices"}


def _names_a_key_twice(document: object, text: str) -> bool:
    """Whether an object of the plaintext names one key twice (plain json.loads keeps the last
    silently). Every pair after the first of an object needs a comma, and nothing removes one;
    so a plaintext of our shape with only the commas its parsed keys need (2 at the top, one
    fewer than the choices in them) repeats no key. Any other text is parsed a second time."""
    if type(document) is dict and len(document) == 3 and type(choices := document.get("choices")) is dict \
            and text.count(",") == 2 + max(len(choices) - 1, 0):
        return False
    try:
        json.loads(text, object_pairs_hook=_no_duplicates)
    except _DuplicateKey:
        return True
    return False


def read_ballot(plaintext: bytes | None | Invalid, form: BallotForm, policy: Policy) -> dict[str, str] | Invalid:
    """The choice per subject (BLANK where policy allows an unmarked subject), or Invalid
    (given as such when it was known before decryption, as a duplicate key is)."""
    return form.reader.read(plaintext, policy)


@dataclass
class Bases:
    """The counts a percentage can be taken on; `received` and `valid` come from the count.
    `base` is the electorate summoned less the lawful exclusions; None (a tally made before
    bases had it) counts as the summoned and leaves "base" out of the document."""
    summoned: int
    present: int
    issued: int
    received: int = 0
    valid: int = 0
    base: int | None = None

    def get(self, name: str) -> int:
        if name == "base" and self.base is None:
            return self.summoned
        value: int = getattr(self, name)
        return value

    def names(self) -> tuple[str, ...]:
        """The bases the document carries."""
        return BASES if self.base is not None else tuple(name for name in BASES if name != "base")


def percent(part: int, whole: int) -> str | None:
    """A percentage with two decimals, rounded half up; None on an empty basis."""
    if whole == 0:
        return None
    value = Decimal(part * 100) / Decimal(whole)
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def confidence_consequence(low: int, base: int, two_thirds: str = "from") -> str:
    """The QĐ 96 consequence of `low` low-confidence marks of `base`; `two_thirds` "over"
    leaves exactly 2/3 in the band above 1/2 (QĐ 41's "trên 2/3")."""
    if base == 0:
        return NO_CONSEQUENCE
    share = Fraction(low, base)
    if share > TWO_THIRDS or (share == TWO_THIRDS and two_thirds == "from"):
        return DISMISSAL_CONSIDERED
    if share > HALF:
        return DROPPED_FROM_PLANNING
    return NO_CONSEQUENCE


def motion_outcome(agree: int, base: int) -> str:
    return MOTION_PASSED if base and Fraction(agree, base) > HALF else MOTION_FAILED


def vote_outcome(no_confidence: int, base: int) -> str:
    """A vote of confidence: withdrawn when "không tín nhiệm" is more than 1/2 of the base."""
    return CONFIDENCE_WITHDRAWN if base and Fraction(no_confidence, base) > HALF else CONFIDENCE_KEPT


def rating_proposal(tally: Mapping[str, int], base: int) -> str | None:
    """The option id of the level the votes propose (domain.grading.cumulative_level), or None."""
    proposal = cumulative_level({level_of_option(o): tally[o] for o in option_ids(RATING)}, base)
    return option_id(proposal.level) if proposal.level else None


def subject_verdict(kind: str, counts: Mapping[str, int], base: int, policy: Policy) -> tuple[str, str | None]:
    """("consequence", "outcome" or "proposed", its code) for one subject's counts: the tally
    and the verifier both ask here, so they cannot disagree on a rule."""
    if kind == CONFIDENCE:
        return "consequence", confidence_consequence(counts[LOW_CONFIDENCE], base, policy.two_thirds)
    if kind == VOTE_OF_CONFIDENCE:
        return "outcome", vote_outcome(counts[NO_CONFIDENCE], base)
    if kind == RATING:
        return "proposed", rating_proposal(counts, base)
    return "outcome", motion_outcome(counts[AGREE], base)


@dataclass
class Marks:
    """What the ballots say, before any basis: per subject and choice, and per invalid reason."""
    per_subject: dict[str, Counter[str]] = field(default_factory=dict)
    invalid: Counter[str] = field(default_factory=Counter)
    valid: int = 0
    received: int = 0

    def ballots(self) -> dict[str, Any]:
        """The tally document's `ballots` part."""
        return {"received": self.received, "valid": self.valid, "invalid": self.received - self.valid,
                "invalid_by_reason": {reason: n for reason, n in sorted(self.invalid.items()) if n}}

    def subject_counts(self, subject_id: str, form: BallotForm) -> dict[str, int]:
        """One subject's `counts`: every option and blank, zeros included."""
        return {name: self.per_subject[subject_id][name] for name in form.options + (BLANK,)}


def count_marks(plaintexts: Iterable[bytes | None | Invalid], form: BallotForm, policy: Policy) -> Marks:
    """Read every ballot and count it once: valid by its choices, invalid by its reason."""
    marks = Marks(per_subject={subject.id: Counter() for subject in form.subjects})
    reader = form.reader
    for plaintext in plaintexts:
        marks.received += 1
        reading = reader.read(plaintext, policy)
        if isinstance(reading, Invalid):
            marks.invalid[reading.reason] += 1
            continue
        marks.valid += 1
        for subject_id, choice in reading.items():
            marks.per_subject[subject_id][choice] += 1
    return marks


class KeyedCount:
    """`open_each_key_once` and `count_marks` in one pass over ballots in board order, keeping
    per ballot only its key (the 32-byte epk x-coordinate): memory grows by a set entry per
    ballot, never by a plaintext. Of ballots sharing a key the first that opens is counted
    and every other is Invalid(DUPLICATE_KEY), exactly as open_each_key_once decides."""

    def __init__(self, form: BallotForm, policy: Policy, first: dict[bytes, int] | None = None):
        self.form, self.policy, self.reader = form, policy, form.reader
        self._marks = Marks(per_subject={subject.id: Counter() for subject in form.subjects})
        #: marks not yet folded into self._marks.per_subject, by (subject id, choice) or, for a
        #: ballot read by its pieces (BallotReader.full_marks), by piece: one C-level
        #: Counter.update per ballot rather than a Python step per subject
        self._pairs: Counter[tuple[str, str]] = Counter()
        self._pieces: Counter[bytes] = Counter()
        #: each key's first ballot number (1-based; a caller may share the dict, and may enter a
        #: ballot's own number before it is added here: the verifier's copy check does), and the
        #: keys whose counted ballot did not open
        self.first: dict[bytes, int] = {} if first is None else first
        self.unopened: set[bytes] = set()

    @property
    def marks(self) -> Marks:
        """What was added so far."""
        if self._pieces:
            pair_of = self.reader.pairs
            for piece, n in self._pieces.items():
                self._pairs[pair_of[piece]] += n
            self._pieces.clear()
        if self._pairs:
            per_subject = self._marks.per_subject
            for (subject_id, choice), n in self._pairs.items():
                per_subject[subject_id][choice] += n
            self._pairs.clear()
        return self._marks

    def add(self, key: bytes | None, plaintext: bytes | None) -> None:
        marks = self._marks
        if key is not None:
            number = marks.received + 1
            first = self.first.setdefault(key, number)
            if first == number:
                if plaintext is None:
                    self.unopened.add(key)
            elif plaintext is not None and key in self.unopened:
                self.unopened.discard(key)  # the first to open replaces a keeper that did not
                marks.invalid["undecryptable"] -= 1
                marks.invalid[DUPLICATE_KEY] += 1
            else:
                plaintext = Invalid(DUPLICATE_KEY)  # type: ignore[assignment]  # read() takes an Invalid as is
        marks.received += 1
        pieces = self.reader.full_marks(plaintext)
        if pieces is not None:
            marks.valid += 1
            self._pieces.update(pieces)
            return
        reading = self.reader.read(plaintext, self.policy)
        if type(reading) is Invalid:
            marks.invalid[reading.reason] += 1
            return
        marks.valid += 1
        # type(reading) is Invalid returned above (mypy narrows the other branch only for isinstance)
        self._pairs.update(reading.items())  # type: ignore[union-attr]

    def document(self, bases: Bases) -> dict[str, Any]:
        """The tally document of what was added (as count_ballots makes it)."""
        return tally_document(self.marks, self.form, self.policy, bases)


def count_ballots(plaintexts: Iterable[bytes | None | Invalid], form: BallotForm, policy: Policy,
                  bases: Bases) -> dict[str, Any]:
    """The tally document (a plain, JSON-ready dict) for all ballots of one session."""
    return tally_document(count_marks(plaintexts, form, policy), form, policy, bases)


def document_from_counts(form: BallotForm, policy: Policy, bases: Bases, received: int, blank: int,
                         subject_counts: Iterable[Mapping[str, int]]) -> dict[str, Any]:
    """The tally document of ballots counted without being read one by one (verifiable-v1:
    only the sums are decrypted): `received` ballots, `blank` of them wholly blank (the only
    invalid reason left), and per subject in form order {option id: marks}, where a "blank"
    option (the lenient policy's column) is the subject's blank count. The per-subject rules
    are those of `tally_document`, so the same marks give the same outcomes either way."""
    subject_counts = list(subject_counts)
    if len(subject_counts) != len(form.subjects) or not 0 <= blank <= received:
        raise ValueError("one count per subject, and at most every ballot blank")
    allowed = set(form.options) | {BLANK}
    marks = Marks(per_subject={}, invalid=Counter({BLANK: blank}), valid=received - blank, received=received)
    for subject, counts in zip(form.subjects, subject_counts, strict=True):
        if not set(counts) <= allowed or any(type(n) is not int or n < 0 for n in counts.values()) \
                or sum(counts.values()) != marks.valid:
            raise ValueError(f"subject {subject.id}: counts must be options of the form adding up to the valid ballots")
        marks.per_subject[subject.id] = Counter(counts)
    return tally_document(marks, form, policy, bases)


def tally_document(marks: Marks, form: BallotForm, policy: Policy, bases: Bases) -> dict[str, Any]:
    if bases.base is None and policy.basis_for(form.kind) == "base":
        bases.base = bases.summoned  # a caller that knows no exclusions: the base is everyone summoned
    bases.received, bases.valid = marks.received, marks.valid
    return {
        "format": TALLY_FORMAT,
        "session": {"id": form.session_id, "kind": form.kind},
        "policy": policy.to_dict(),
        "bases": {name: bases.get(name) for name in bases.names()},
        "ballots": marks.ballots(),
        "subjects": [_subject_result(subject, marks, form, policy, bases) for subject in form.subjects],
    }


def _subject_result(subject: FormSubject, marks: Marks, form: BallotForm, policy: Policy,
                    bases: Bases) -> dict[str, Any]:
    names = form.options + (BLANK,)
    tally = marks.per_subject[subject.id]
    basis = policy.basis_for(form.kind)
    base = bases.get(basis)
    result: dict[str, Any] = {
        "id": subject.id,
        "name": subject.name,
        "counts": marks.subject_counts(subject.id, form),
        "basis": basis,
        "percent": {name: percent(tally[name], base) for name in names},
        "percent_by_basis": {other: {name: percent(tally[name], bases.get(other)) for name in names}
                             for other in bases.names()},
    }
    if subject.detail:
        result["detail"] = subject.detail
    field_, code = subject_verdict(form.kind, tally, base, policy)
    result[field_] = code
    return result

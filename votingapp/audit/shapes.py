"""The JSON shapes of the published documents, as the verifier checks them (docs/formats.md
§4-§8): a small description language and the board, entry and tally shapes written in it.

The verifier (audit.verify) asks `shape_problem(value, SHAPE, path)` for the first place a
value differs from its shape, in English words; the builders (audit.bundle) make documents of
these shapes, and tests/unit/test_verify.py checks that every built document has its shape.
"""

from __future__ import annotations

from typing import Any

from ..crypto.board import BOARD_V1, BOARD_V2
from ..crypto.verifiable.session import SCHEME as VERIFIABLE
from ..domain.tally import TALLY_FORMAT

COUNT, TEXT, ANY = "a non-negative integer", "a string", "anything"
#: the bases every tally holds; a tally may also hold OPTIONAL_BASES (percentages on a reduced
#: electorate), and the board the counts OPTIONAL_COUNTS: checked when present, never required
TALLY_BASES = ("summoned", "present", "issued", "received", "valid")
OPTIONAL_BASES = ("base",)
OPTIONAL_COUNTS = ("excluded", "base")


class MapOf:
    """A JSON object of string keys whose values all have one shape."""
    def __init__(self, spec: object) -> None:
        self.spec = spec


class ListOf:
    def __init__(self, spec: object) -> None:
        self.spec = spec


class Exactly(dict[str, object]):
    """A JSON object with exactly these keys (a dict spec allows more keys)."""


class Const:
    def __init__(self, value: object) -> None:
        self.value = value


class Nullable:
    def __init__(self, spec: object) -> None:
        self.spec = spec


class Optional:
    """In a dict spec: the key may be absent; when present its value has the shape `spec`."""
    def __init__(self, spec: object) -> None:
        self.spec = spec


SIGNATURE = {"algorithm": TEXT, "public_key": TEXT, "value": TEXT}
#: one board entry of each board format: exactly these string keys
ENTRY_SHAPES = {
    BOARD_V1: Exactly({name: TEXT for name in ("receipt", "epk", "nonce", "ct", "chain")}),
    BOARD_V2: Exactly({name: TEXT for name in ("receipt", "epk", "nonce", "ct")}),
}
#: a verifiable-v1 board's entry (board-v2 only): the receipt and the ballot bytes
VERIFIABLE_ENTRY = Exactly({"receipt": TEXT, "ballot": TEXT})
#: a spoiled (Benaloh-checked) ballot in a verifiable-v1 board's signed header
SPOILED_SHAPE = Exactly({"receipt": TEXT, "ballot": TEXT, "reveal": TEXT})


def is_verifiable(board: object) -> bool:
    """Whether a board (any JSON value) names the verifiable-v1 scheme."""
    return isinstance(board, dict) and isinstance(board.get("session"), dict) \
        and board["session"].get("scheme") == VERIFIABLE


def board_header_shape(board_format: str, verifiable: bool = False) -> dict[str, object]:
    """Everything of a board but its entries (checked one at a time, ENTRY_SHAPES). A
    verifiable-v1 board names its threshold and verification keys instead of a plaintext
    size, and carries its spoiled ballots in the signed header."""
    session = {"id": TEXT, "title": TEXT, "kind": TEXT, "meeting": TEXT, "organization": TEXT,
               "held_on": TEXT, "scheme": TEXT, "public_key": TEXT, "plaintext_size": COUNT, "policy": TEXT,
               "subjects": ListOf({"id": TEXT, "name": TEXT}), "options": ListOf(TEXT)}
    if verifiable:
        del session["plaintext_size"]
        session |= {"scheme": Const(VERIFIABLE), "threshold": COUNT, "verification_keys": ListOf(TEXT)}
    return {
        "format": Const(board_format),
        "session": session,
        "counts": {**{name: COUNT for name in ("summoned", "present", "tokens_issued", "tokens_used",
                                               "tokens_void", "ballots")},
                   **{name: Optional(COUNT) for name in OPTIONAL_COUNTS}},
        "head": TEXT,
        "signature": SIGNATURE,
        **({"spoiled": ListOf(SPOILED_SHAPE)} if verifiable else {}),
    }


PERCENTS = MapOf(Nullable(TEXT))
TALLY_SHAPE = {
    "format": Const(TALLY_FORMAT),
    "session": {"id": TEXT, "kind": TEXT, "title": TEXT},
    "policy": {"name": TEXT, "version": COUNT, "title": TEXT, "title_en": TEXT, "basis": TEXT,
               "unmarked_subject": TEXT, "motion_basis": TEXT},
    "bases": {**{name: COUNT for name in TALLY_BASES}, **{name: Optional(COUNT) for name in OPTIONAL_BASES}},
    "ballots": {"received": COUNT, "valid": COUNT, "invalid": COUNT, "invalid_by_reason": MapOf(COUNT)},
    "tokens": {"issued": COUNT, "used": COUNT, "void": COUNT},
    "subjects": ListOf({"id": TEXT, "name": TEXT, "counts": MapOf(COUNT), "basis": TEXT, "percent": PERCENTS,
                        "percent_by_basis": MapOf(PERCENTS)}),
    "board_head": TEXT,
    "committee": ListOf(ANY),
    "signature": SIGNATURE,
}
#: what a verifiable-v1 tally adds (spec §6.4): its scheme and the partial decryptions
VERIFIABLE_TALLY_SHAPE = TALLY_SHAPE | {"scheme": Const(VERIFIABLE),
                                        "decryption": Exactly({"members": ListOf(COUNT), "partials": ListOf(TEXT)})}


def kind_of(value: object) -> str:
    """A JSON value's kind in words."""
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def shape_problem(value: Any, spec: object, path: str) -> str | None:  # value: any JSON value
    """The first place where `value` does not have the shape `spec`, in words; None when it has."""
    if spec is ANY:
        return None
    if isinstance(spec, Const):
        return None if value == spec.value else f"{path} must be {spec.value!r}, found {value!r:.80}"
    if isinstance(spec, Nullable):
        return None if value is None else shape_problem(value, spec.spec, path)
    if spec is COUNT:
        ok, wanted = type(value) is int and value >= 0, COUNT
    elif spec is TEXT:
        ok, wanted = isinstance(value, str), TEXT
    elif isinstance(spec, ListOf):
        ok, wanted = isinstance(value, list), "a list"
    else:
        ok, wanted = isinstance(value, dict), "an object"
    if not ok:
        return f"{path} must be {wanted}, found {kind_of(value)}"
    if isinstance(spec, ListOf):
        return next((p for i, item in enumerate(value) if (p := shape_problem(item, spec.spec, f"{path}[{i}]"))), None)
    if isinstance(spec, MapOf):
        return next((p for key, item in value.items() if (p := shape_problem(item, spec.spec, f"{path}.{key}"))), None)
    if isinstance(spec, dict):
        missing = [key for key, sub in spec.items() if key not in value and not isinstance(sub, Optional)]
        if missing:
            return f"{path} lacks {', '.join(missing)}"
        if isinstance(spec, Exactly) and not set(value) <= set(spec):
            return f"{path} has unexpected fields {', '.join(sorted(set(value) - set(spec)))}"
        return next((p for key, sub in spec.items() if key in value
                     and (p := shape_problem(value[key], sub.spec if isinstance(sub, Optional) else sub,
                                             f"{path}.{key}"))), None)
    return None


_ONLY_STR = {str}


def entry_problem(entry: object, board_format: str, number: int, verifiable: bool = False) -> str | None:
    """The shape problem of the board's entry `number` (1-based), fast for the usual entry."""
    shape = VERIFIABLE_ENTRY if verifiable else ENTRY_SHAPES[board_format]
    # every value a str: the set of their types is {str} (the shape's keys are never none)
    if type(entry) is dict and entry.keys() == shape.keys() and set(map(type, entry.values())) == _ONLY_STR:
        return None
    return shape_problem(entry, shape, f"board.entries[{number - 1}]")

"""The offline verifier: re-check an audit bundle (audit-bundle-v1) without database or server.

`verify_bundle` runs named checks in a fixed order and never raises: anything unexpected
inside a check becomes that check's failure, told in English. What the bundle's level does
not allow (the recount of a public bundle, a tally not made yet) is skipped, not failed.
The byte formats are specified in docs/formats.md, so that an auditor can write their own.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Callable

from ..crypto import sealed, signing
from ..crypto.board import BOARD_FORMAT, chain_links, chain_start
from ..crypto.encoding import EncodingError, b64decode, b64encode
from ..domain.forms import CONFIDENCE, OPTIONS, option_ids
from ..domain.policy import BASES, POLICIES, Policy
from ..domain.tally import (BLANK, TALLY_FORMAT, BallotForm, Subject, count_marks, open_each_key_once, percent,
                            subject_verdict)
from .bundle import AUDITOR, BUNDLE_FORMAT, PUBLIC

CHECKS = ("bundle_format", "signing_key", "board_signature", "board_entries", "no_duplicate_keys", "hash_chain",
          "board_counts", "tally_signature", "tally_matches_board", "tally_arithmetic", "receipt", "session_key",
          "recount")
#: `votingapp verify` exit codes (docs/formats.md): every check passed and the signing key was pinned;
#: a check failed; the bundle could not be read; every check passed but no key was pinned, so
#: nothing proves who signed the bundle
EXIT_OK, EXIT_FAILED, EXIT_UNREADABLE, EXIT_UNPINNED = 0, 1, 2, 3
#: the bases every tally holds; a tally may also hold OPTIONAL_BASES (percentages on a reduced
#: electorate), and the board the counts OPTIONAL_COUNTS: checked when present, never required
TALLY_BASES = ("summoned", "present", "issued", "received", "valid")
OPTIONAL_BASES = ("base",)
OPTIONAL_COUNTS = ("excluded", "base")
HEX64 = re.compile(r"[0-9a-f]{64}")
SHORT_CODE = re.compile(r"[0-9a-f]{8}")
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


@dataclass
class Check:
    """One named check: passed or not, and what was found, in English."""
    name: str
    ok: bool
    detail: str
    #: the bundle does not allow this check (public level, no tally, no receipt asked): not a failure
    skipped: bool = False


UNPINNED_WARNING = ("NOTHING PROVES WHO SIGNED THIS BUNDLE: no --signing-key was given, so the signatures "
                    "were checked against the key the bundle names itself, and whoever made the bundle may "
                    "have made that key too. Pin the installation's published key with --signing-key.")


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)
    #: the bundle's signing key was compared with a key the auditor gave (not just the one it names)
    pinned: bool = False

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def failed(self) -> list[str]:
        return [check.name for check in self.checks if not check.ok]

    @property
    def exit_code(self) -> int:
        if not self.ok:
            return EXIT_FAILED
        return EXIT_OK if self.pinned else EXIT_UNPINNED

    def to_dict(self) -> dict:
        return {"ok": self.ok, "pinned": self.pinned, "exit_code": self.exit_code, "failed": self.failed,
                "checks": [asdict(check) for check in self.checks]}

    def text(self) -> str:
        """The per-check report `votingapp verify` prints."""
        lines = [f"{'-' if c.skipped else '✓' if c.ok else '✗'} {c.name}: {c.detail}" for c in self.checks]
        if not self.ok:
            lines.append("FAILED: " + ", ".join(self.failed))
        elif self.pinned:
            lines.append("ALL CHECKS PASSED")
        else:
            lines.append("ALL CHECKS PASSED, BUT " + UNPINNED_WARNING)
        return "\n".join(lines)


class Failed(Exception):
    """A check found a mismatch; the message is the report's detail."""


class Skipped(Exception):
    """The bundle does not allow this check; the message says why."""


# --- the shape of a bundle -------------------------------------------------------------------

COUNT, TEXT, ANY = "a non-negative integer", "a string", "anything"


class MapOf:
    """A JSON object of string keys whose values all have one shape."""
    def __init__(self, spec):
        self.spec = spec


class ListOf:
    def __init__(self, spec):
        self.spec = spec


class Exactly(dict):
    """A JSON object with exactly these keys (a dict spec allows more keys)."""


class Const:
    def __init__(self, value):
        self.value = value


class Nullable:
    def __init__(self, spec):
        self.spec = spec


class Optional:
    """In a dict spec: the key may be absent; when present its value has the shape `spec`."""
    def __init__(self, spec):
        self.spec = spec


SIGNATURE = {"algorithm": TEXT, "public_key": TEXT, "value": TEXT}
BOARD_SHAPE = {
    "format": Const(BOARD_FORMAT),
    "session": {"id": TEXT, "title": TEXT, "kind": TEXT, "meeting": TEXT, "organization": TEXT, "held_on": TEXT,
                "scheme": TEXT, "public_key": TEXT, "plaintext_size": COUNT, "policy": TEXT,
                "subjects": ListOf({"id": TEXT, "name": TEXT}), "options": ListOf(TEXT)},
    "counts": {**{name: COUNT for name in ("summoned", "present", "tokens_issued", "tokens_used", "tokens_void",
                                           "ballots")},
               **{name: Optional(COUNT) for name in OPTIONAL_COUNTS}},
    "entries": ListOf(Exactly({name: TEXT for name in ("receipt", "epk", "nonce", "ct", "chain")})),
    "head": TEXT,
    "signature": SIGNATURE,
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


def _kind_of(value) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def shape_problem(value, spec, path: str) -> str | None:
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
        return f"{path} must be {wanted}, found {_kind_of(value)}"
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


# --- the checks ---------------------------------------------------------------------------------

class _Bundle:
    """The bundle being verified, with what several checks share computed once."""

    def __init__(self, bundle: dict, receipt: str | None, signing_key: bytes | None):
        self.bundle, self.wanted_receipt, self.pinned_key = bundle, receipt, signing_key
        self._ballots = None

    @property
    def board(self) -> dict:
        return self.bundle["board"]

    @property
    def tally(self) -> dict | None:
        return self.bundle["tally"]

    @property
    def session(self) -> dict:
        return self.board["session"]

    @property
    def counts(self) -> dict:
        return self.board["counts"]

    def ballots(self) -> list[sealed.SealedBallot | str]:
        """Each entry as a sealed ballot, or the reason (text) why it is not a well-formed one."""
        if self._ballots is None:
            self._ballots = []
            for entry in self.board["entries"]:
                wire = {"scheme": self.session["scheme"], "epk": entry["epk"], "nonce": entry["nonce"],
                        "ct": entry["ct"]}
                try:
                    self._ballots.append(sealed.SealedBallot.from_dict(wire, self.session["plaintext_size"],
                                                                       scheme=self.session["scheme"]))
                except sealed.MalformedBallot as exc:
                    self._ballots.append(str(exc))
        return self._ballots

    def need_tally(self) -> dict:
        if self.tally is None:
            raise Skipped("no tally in this bundle (the session is not tallied yet)")
        return self.tally

    def need_auditor(self):
        if self.bundle["level"] != AUDITOR:
            raise Skipped("public bundle: needs the auditor's bundle (with the session private key)")


def _short(receipt) -> str:
    return f"{receipt[:8]}…" if isinstance(receipt, str) else repr(receipt)


def _problems(found: list[str], total: int, what: str) -> str:
    """Fail with the first problem found (and how many there are), or say what passed."""
    if found:
        more = f" ({len(found)} problems; the first is shown)" if len(found) > 1 else ""
        raise Failed(f"{found[0]}{more}")
    return f"{total} {what}"


def check_bundle_format(ctx: _Bundle) -> str:
    bundle = ctx.bundle
    if not isinstance(bundle, dict):
        raise Failed(f"the bundle must be a JSON object, found {_kind_of(bundle)}")
    if bundle.get("format") != BUNDLE_FORMAT:
        raise Failed(f"format must be {BUNDLE_FORMAT!r}, found {bundle.get('format')!r:.80}")
    level = bundle.get("level")
    if level not in (PUBLIC, AUDITOR):
        raise Failed(f"level must be 'public' or 'auditor', found {level!r:.80}")
    expected = {"format", "level", "signing_key", "board", "tally"} | ({"session_private_key"} if level == AUDITOR
                                                                        else set())
    if set(bundle) != expected:
        missing, extra = expected - set(bundle), set(bundle) - expected
        raise Failed("; ".join(filter(None, [missing and f"lacks {', '.join(sorted(missing))}",
                                             extra and f"has unexpected fields {', '.join(sorted(extra))}"])))
    try:
        if len(b64decode(bundle["signing_key"])) != 32:
            raise Failed("signing_key must be a 32-byte Ed25519 public key")
    except EncodingError:
        raise Failed("signing_key must be unpadded base64url") from None
    problem = shape_problem(bundle["board"], BOARD_SHAPE, "board")
    if problem is None and bundle["tally"] is not None:
        problem = shape_problem(bundle["tally"], TALLY_SHAPE, "tally")
    if problem is None:
        problem = _form_problem(bundle["board"]["session"])
    if problem is None and level == AUDITOR:
        if bundle["tally"] is None:
            problem = "an auditor's bundle is made after the tally, but tally is null"
        elif not isinstance(bundle["session_private_key"], str):
            problem = "session_private_key must be a string"
    if problem:
        raise Failed(problem)
    board = bundle["board"]
    return (f"{level} bundle of session {board['session']['id']!r}: {len(board['entries'])} board entries, "
            + ("a tally" if bundle["tally"] is not None else "no tally yet"))


def _form_problem(session: dict) -> str | None:
    """The ballot form must be one this version can count."""
    if session["kind"] not in OPTIONS:
        return f"board.session.kind {session['kind']!r:.40} is not a kind this version knows"
    if session["options"] != list(option_ids(session["kind"])):
        return f"board.session.options must be {', '.join(option_ids(session['kind']))} for a {session['kind']}"
    return None


def check_signing_key(ctx: _Bundle) -> str:
    key = ctx.bundle["signing_key"]
    if ctx.pinned_key is None:
        return f"not pinned (the bundle names {key}; compare it with the key the installation publishes)"
    if b64decode(key) != ctx.pinned_key:
        raise Failed(f"the bundle is signed by {key}, not by the pinned key {b64encode(ctx.pinned_key)}")
    return f"the bundle's key {key} is the pinned key"


def _check_signature(document: dict, ctx: _Bundle, what: str) -> str:
    try:
        signing.verify_document(document, b64decode(ctx.bundle["signing_key"]))
    except signing.SignatureInvalid as exc:
        raise Failed(f"the {what}'s Ed25519 signature: {exc} (bundle key {ctx.bundle['signing_key']})") from None
    return f"the {what} is signed by the bundle's key (Ed25519 over {document['format']}|canonical JSON)"


def check_board_signature(ctx: _Bundle) -> str:
    return _check_signature(ctx.board, ctx, "board")


def check_board_entries(ctx: _Bundle) -> str:
    found, previous = [], None
    try:
        sealed.load_public_key(b64decode(ctx.session["public_key"]))
    except (EncodingError, ValueError):
        found.append("the session public key is not an uncompressed P-256 point")
    for number, (entry, ballot) in enumerate(zip(ctx.board["entries"], ctx.ballots()), start=1):
        receipt, where = entry["receipt"], f"entry {number} ({_short(entry['receipt'])})"
        if not HEX64.fullmatch(receipt):
            found.append(f"{where}: receipt is not 64 lowercase hex characters")
        elif previous is not None and receipt <= previous:
            found.append(f"{where}: " + ("the same receipt as the entry before it" if receipt == previous
                                         else "out of order (entries are sorted by receipt)"))
        if isinstance(ballot, str):
            found.append(f"{where}: not a well-formed {ctx.session['scheme']} ballot: {ballot}")
        elif ballot.receipt != receipt:
            found.append(f"{where}: receipt does not match its ciphertext (SHA-256 of epk||nonce||ct is "
                         f"{_short(ballot.receipt)})")
        previous = receipt
    return _problems(found, len(ctx.ballots()),
                     "entries: each well-formed, its receipt the SHA-256 of its ciphertext, sorted, no duplicates")


def _key_of(ballot) -> bytes | None:
    """The epk x-coordinate of a well-formed entry; None for a malformed one (board_entries fails it)."""
    return None if isinstance(ballot, str) else ballot.epk_x


def check_no_duplicate_keys(ctx: _Bundle) -> str:
    """Two entries with one epk x-coordinate are one ballot and its copy (y negated, or re-encoded):
    a signature proves only who published the board, not that each ballot was cast once."""
    first, found = {}, []
    for number, (entry, ballot) in enumerate(zip(ctx.board["entries"], ctx.ballots()), start=1):
        key = _key_of(ballot)
        if key is None:
            continue
        if key in first:
            found.append(f"entry {number} ({_short(entry['receipt'])}) has the same ephemeral key x-coordinate as "
                         f"entry {first[key]}: one is a copy of the other (the tally must count one of them "
                         f"invalid, duplicate_ephemeral_key)")
        else:
            first[key] = number
    if found:
        raise Failed(f"{found[0]}" + (f" ({len(found)} duplicates; the first is shown)" if len(found) > 1 else ""))
    return f"{len(first)} entries, each with its own ephemeral key x-coordinate"


def check_hash_chain(ctx: _Bundle) -> str:
    entries, session_id = ctx.board["entries"], ctx.session["id"]
    bad = next((n for n, e in enumerate(entries, start=1) if not HEX64.fullmatch(e["receipt"])), None)
    if bad is not None:
        raise Failed(f"entry {bad}: the receipt is not 64 hex characters, so the chain cannot be recomputed")
    links = chain_links(session_id, [entry["receipt"] for entry in entries])
    for number, (entry, link) in enumerate(zip(entries, links), start=1):
        if entry["chain"] != link:
            raise Failed(f"entry {number} ({_short(entry['receipt'])}): chain is {_short(entry['chain'])}, "
                         f"recomputed {_short(link)}")
    head = links[-1] if links else chain_start(session_id).hex()
    if ctx.board["head"] != head:
        raise Failed(f"head is {_short(ctx.board['head'])}, recomputed {_short(head)}")
    return f"{len(entries)} links and the head {_short(head)} recomputed"


def check_board_counts(ctx: _Bundle) -> str:
    c, entries = ctx.counts, len(ctx.board["entries"])
    problems = []
    if not c["ballots"] == entries == c["tokens_used"]:
        problems.append(f"ballots {c['ballots']}, entries {entries} and tokens used {c['tokens_used']} differ")
    if c["tokens_used"] + c["tokens_void"] != c["tokens_issued"]:
        problems.append(f"tokens used {c['tokens_used']} + void {c['tokens_void']} != issued {c['tokens_issued']}")
    if not c["ballots"] <= c["present"] <= c["summoned"]:
        problems.append(f"expected ballots {c['ballots']} <= present {c['present']} <= summoned {c['summoned']}")
    if "base" in c and not (type(c.get("excluded")) is int and type(c["base"]) is int
                            and 0 <= c["base"] == c["summoned"] - c["excluded"]):
        problems.append(f"base {c['base']!r} is not summoned {c['summoned']} less excluded {c.get('excluded')!r}")
    if problems:
        raise Failed("; ".join(problems))
    return (f"{entries} ballots = tokens used; {c['tokens_used']} used + {c['tokens_void']} void = "
            f"{c['tokens_issued']} issued; {c['ballots']} <= {c['present']} present <= {c['summoned']} summoned")


def check_tally_signature(ctx: _Bundle) -> str:
    return _check_signature(ctx.need_tally(), ctx, "tally")


def _differences(pairs) -> list[str]:
    return [f"{name}: tally {mine!r:.80}, board {theirs!r:.80}" for name, mine, theirs in pairs if mine != theirs]


def check_tally_matches_board(ctx: _Bundle) -> str:
    tally, board, c = ctx.need_tally(), ctx.board, ctx.counts
    shared = [key for key in ("id", "kind", "title", "meeting", "organization", "held_on") if key in tally["session"]]
    optional = [(f"bases.{name}", tally["bases"].get(name), c.get(name)) for name in OPTIONAL_BASES
                if name in tally["bases"] or name in c]
    found = _differences(
        [(f"session.{key}", tally["session"][key], ctx.session[key]) for key in shared]
        + [("board_head", tally["board_head"], board["head"]),
           ("bases.summoned", tally["bases"]["summoned"], c["summoned"]),
           ("bases.base", tally["bases"].get("base", c.get("base", c["summoned"])), c.get("base", c["summoned"])),
           ("bases.present", tally["bases"]["present"], c["present"]),
           ("bases.issued", tally["bases"]["issued"], c["tokens_issued"]), *optional,
           ("ballots.received", tally["ballots"]["received"], c["ballots"]),
           ("tokens", tally["tokens"], {"issued": c["tokens_issued"], "used": c["tokens_used"],
                                        "void": c["tokens_void"]})])
    if found:
        raise Failed("; ".join(found))
    return f"same session, board head {_short(board['head'])}, bases and token counts as the board"


def _tally_policy(tally: dict, board_policy: str) -> Policy:
    """The tally's policy, which must be the one the board names (and ours, if we know it)."""
    named = tally["policy"]["name"]
    if named != board_policy:
        raise Failed(f"the tally counts by policy {named!r}, the board names {board_policy!r}")
    try:
        policy = Policy(**tally["policy"])
    except (TypeError, ValueError) as exc:
        raise Failed(f"the tally's policy is not a valid policy: {exc}") from None
    known = POLICIES.get(named)
    if known is not None and known != policy:  # fields newer than the tally take their defaults
        field_ = next(key for key in known.to_dict() if known.to_dict()[key] != policy.to_dict()[key])
        raise Failed(f"policy {named!r}: {field_} is {policy.to_dict()[field_]!r:.80} in the tally, "
                     f"{known.to_dict()[field_]!r} in this version's definition")
    return policy


def _subject_problem(subject: dict, expected: dict, options: tuple[str, ...], policy: Policy,
                     kind: str, bases: dict, valid: int) -> str | None:
    """The first way one subject's numbers do not follow from its counts, or None."""
    where = f"subject {subject['id']!r}"
    if (subject["id"], subject["name"]) != (expected["id"], expected["name"]):
        return f"{where} is {subject['name']!r:.60}; the board has {expected['id']!r} {expected['name']!r:.60} here"
    if subject.get("detail", "") != expected.get("detail", ""):
        return f"{where}: post {subject.get('detail', '')!r:.60}, the board has {expected.get('detail', '')!r:.60}"
    names = options + (BLANK,)
    if set(subject["counts"]) != set(names):
        return f"{where}: counts must be of {', '.join(names)}"
    counts = subject["counts"]
    if sum(counts.values()) != valid:
        return f"{where}: counts sum to {sum(counts.values())}, not to the {valid} valid ballots"
    basis = policy.basis_for(kind)
    if subject["basis"] != basis:
        return f"{where}: basis {subject['basis']!r}, the policy says {basis!r}"
    if basis not in bases:
        return f"{where}: the policy's basis {basis!r} is not among the tally's bases"
    if set(subject["percent_by_basis"]) != set(bases):
        return f"{where}: percent_by_basis must be on exactly the tally's bases, {', '.join(bases)}"
    for label, percents, base in [("percent", subject["percent"], bases[basis])] + [
            (f"percent_by_basis.{other}", subject["percent_by_basis"][other], bases[other]) for other in bases]:
        wanted = {name: percent(counts[name], base) for name in names}
        if set(percents) != set(names):
            return f"{where}: {label} must be of {', '.join(names)}"
        name = next((n for n in names if percents[n] != wanted[n]), None)
        if name is not None:
            return f"{where}: {label} of {name} is {percents[name]!r}, recomputed {wanted[name]!r}"
    rule, value = subject_verdict(kind, counts, bases[basis], policy)
    if subject.get(rule) != value:
        return f"{where}: {rule} {subject.get(rule)!r}, recomputed {value!r}"
    return None


def check_tally_arithmetic(ctx: _Bundle) -> str:
    tally = ctx.need_tally()
    policy = _tally_policy(tally, ctx.session["policy"])
    b, bases, kind = tally["ballots"], tally["bases"], ctx.session["kind"]
    unknown = sorted(set(bases) - set(TALLY_BASES) - set(OPTIONAL_BASES))
    if unknown:
        raise Failed(f"bases has {', '.join(unknown)}, which this version does not know")
    if b["valid"] + b["invalid"] != b["received"]:
        raise Failed(f"valid {b['valid']} + invalid {b['invalid']} != received {b['received']}")
    if sum(b["invalid_by_reason"].values()) != b["invalid"]:
        raise Failed(f"invalid ballots by reason sum to {sum(b['invalid_by_reason'].values())}, not {b['invalid']}")
    strange = [name for name, value in bases.items() if name not in BASES or type(value) is not int or value < 0]
    if strange:
        raise Failed(f"bases {', '.join(map(str, strange))[:120]} are not counts of a known basis")
    if bases.get("base", 0) > bases["summoned"]:
        raise Failed(f"the base {bases['base']} exceeds the {bases['summoned']} summoned")
    if (bases["received"], bases["valid"]) != (b["received"], b["valid"]):
        raise Failed(f"bases received/valid {bases['received']}/{bases['valid']} differ from the ballots "
                     f"{b['received']}/{b['valid']}")
    expected = ctx.session["subjects"]
    if len(tally["subjects"]) != len(expected):
        raise Failed(f"the tally has {len(tally['subjects'])} subjects, the board {len(expected)}")
    options = option_ids(kind)
    for subject, board_subject in zip(tally["subjects"], expected):
        problem = _subject_problem(subject, board_subject, options, policy, kind, bases, b["valid"])
        if problem:
            raise Failed(problem)
    return (f"{b['valid']} valid + {b['invalid']} invalid = {b['received']} received; {len(expected)} subjects' "
            f"counts, percentages and {'consequences' if kind == CONFIDENCE else 'outcomes'} recomputed by policy "
            f"{policy.name!r} v{policy.version}")


def check_receipt(ctx: _Bundle) -> str:
    if ctx.wanted_receipt is None:
        raise Skipped("no receipt asked for")
    wanted = ctx.wanted_receipt.strip().lower() if isinstance(ctx.wanted_receipt, str) else ""
    receipts = [entry["receipt"] for entry in ctx.board["entries"]]
    if HEX64.fullmatch(wanted):
        matches = [n for n, r in enumerate(receipts, start=1) if r == wanted]
    elif SHORT_CODE.fullmatch(wanted):
        matches = [n for n, r in enumerate(receipts, start=1) if r.startswith(wanted)]
    else:
        raise Failed("not a receipt: give the 64 hex characters of the receipt or its 8-character short code")
    if not matches:
        raise Failed(f"receipt {_short(wanted)} is not on the board")
    if len(matches) > 1:
        raise Failed(f"short code {wanted} is ambiguous: it starts {len(matches)} receipts "
                     f"(entries {', '.join(map(str, matches))}); give the full receipt")
    return f"receipt {_short(wanted)} is on the board (entry {matches[0]} of {len(receipts)})"


def _session_private_key(ctx: _Bundle):
    raw = b64decode(ctx.bundle["session_private_key"])
    if len(raw) != 32 or not 0 < int.from_bytes(raw, "big") < _P256_ORDER:
        raise Failed("session_private_key is not a 32-byte P-256 scalar")
    return sealed.private_key_from_bytes(raw)



def check_session_key(ctx: _Bundle) -> str:
    ctx.need_auditor()
    try:
        key = _session_private_key(ctx)
    except EncodingError:
        raise Failed("session_private_key must be unpadded base64url") from None
    public = b64encode(sealed.public_key_bytes(key.public_key()))
    if public != ctx.session["public_key"]:
        raise Failed(f"the private key's public point {public[:12]}… is not the board's public key "
                     f"{ctx.session['public_key'][:12]}…")
    return "the private key belongs to the board's public key"


def _first_difference(recounted: dict, tally: dict) -> str | None:
    """Where the recount's ballots and per-subject counts first differ from the tally's, or None."""
    if recounted["ballots"] != tally["ballots"]:
        mine, theirs = recounted["ballots"], tally["ballots"]
        key = next(k for k in [*mine, *theirs] if mine.get(k) != theirs.get(k))
        return f"ballots.{key}: recounted {mine.get(key)!r}, the tally says {theirs.get(key)!r}"
    if len(recounted["subjects"]) != len(tally["subjects"]):
        return f"recounted {len(recounted['subjects'])} subjects, the tally has {len(tally['subjects'])}"
    for mine, theirs in zip(recounted["subjects"], tally["subjects"]):
        where = f"subject {mine['id']!r}"
        if theirs.get("id") != mine["id"]:
            return f"{where}: the tally has {theirs.get('id')!r:.60} in its place"
        if mine["counts"] != theirs.get("counts"):
            option = next(o for o in [*mine["counts"], *theirs["counts"]]
                          if mine["counts"].get(o) != theirs["counts"].get(o))
            return f"{where}, {option}: recounted {mine['counts'].get(option)!r}, the tally says " \
                   f"{theirs['counts'].get(option)!r}"
    return None


def check_recount(ctx: _Bundle) -> str:
    """Decrypt and count every entry again, a copied key counted once as the tally must.
    What follows from the counts (percentages on each of the tally's bases, consequences,
    outcomes) tally_arithmetic recomputes, and tally_matches_board ties the bases to the board:
    together they recheck the whole tally."""
    ctx.need_auditor()
    tally = ctx.need_tally()
    key = _session_private_key(ctx)
    session = ctx.session
    try:
        policy = Policy(**tally["policy"])
    except (TypeError, ValueError) as exc:
        raise Failed(f"the tally's policy is not a valid policy: {exc}") from None
    form = BallotForm(session_id=session["id"], kind=session["kind"], plaintext_size=session["plaintext_size"],
                      subjects=tuple(Subject(s["id"], s["name"], s.get("detail", "")) for s in session["subjects"]))
    plaintexts = open_each_key_once(ctx.ballots(), _key_of, lambda ballot: _open(ballot, session["id"], key))
    marks = count_marks(plaintexts, form, policy)
    recounted = {"ballots": marks.ballots(),
                 "subjects": [{"id": s.id, "counts": marks.subject_counts(s.id, form)} for s in form.subjects]}
    difference = _first_difference(recounted, tally)
    if difference:
        raise Failed(difference)
    b = recounted["ballots"]
    return (f"all {b['received']} ballots decrypted and recounted by policy {policy.name!r}: {b['valid']} valid, "
            f"{b['invalid']} invalid; every subject's counts equal the signed tally's, so its percentages and "
            f"results (tally_arithmetic) follow from the ballots")


def _open(ballot, session_id: str, key) -> bytes | None:
    """A malformed entry or one that does not open counts as an undecryptable (invalid) ballot."""
    if isinstance(ballot, str):
        return None
    try:
        return sealed.open_sealed(ballot, session_id, key)
    except sealed.DecryptionFailed:
        return None


CHECK_FUNCTIONS: dict[str, Callable[[_Bundle], str]] = {
    "bundle_format": check_bundle_format, "signing_key": check_signing_key,
    "board_signature": check_board_signature, "board_entries": check_board_entries,
    "no_duplicate_keys": check_no_duplicate_keys, "hash_chain": check_hash_chain,
    "board_counts": check_board_counts,
    "tally_signature": check_tally_signature, "tally_matches_board": check_tally_matches_board,
    "tally_arithmetic": check_tally_arithmetic, "receipt": check_receipt,
    "session_key": check_session_key, "recount": check_recount,
}


def _run(name: str, ctx: _Bundle) -> Check:
    try:
        return Check(name, True, CHECK_FUNCTIONS[name](ctx))
    except Skipped as exc:
        return Check(name, True, f"skipped: {exc}", skipped=True)
    except Failed as exc:
        return Check(name, False, str(exc))
    except Exception as exc:  # noqa: BLE001 - verify never crashes: an oddity fails its check, told in words
        return Check(name, False, f"could not be checked: {type(exc).__name__}: {exc}"[:300])


def verify_bundle(bundle, *, receipt: str | None = None, signing_key: bytes | None = None) -> Report:
    """Every check the bundle's level allows, in order; a malformed bundle stops after bundle_format."""
    ctx = _Bundle(bundle, receipt, signing_key)
    report = Report([_run("bundle_format", ctx)], pinned=signing_key is not None)
    well_formed = report.ok
    for name in CHECKS[1:]:
        if well_formed:
            report.checks.append(_run(name, ctx))
        else:
            report.checks.append(Check(name, True, "skipped: the bundle is malformed (see bundle_format)",
                                       skipped=True))
    return report


def read_bundle(path: str):
    """The bundle file as JSON; raises ValueError with a readable message otherwise."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ValueError(f"{path} is not a JSON file (an audit bundle is UTF-8 JSON)") from None


def main(argv=None) -> int:
    """`python -m votingapp.audit.verify BUNDLE ...`: the same as `votingapp verify`, with no Flask at all."""
    from ..cli.audit import verify  # click only; the command itself imports nothing of the web app
    return verify.main(args=argv, prog_name="votingapp verify", standalone_mode=True)


if __name__ == "__main__":
    sys.exit(main())

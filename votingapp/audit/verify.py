"""The offline verifier: re-check an audit bundle without database or server (docs/formats.md §9).

`verify_bundle` runs named checks and never raises: anything unexpected inside a check
becomes that check's failure, told in English (audit.report: the checks, the report, the exit
codes). What the bundle's level does not allow (the recount of a public bundle, a tally not
made yet) is skipped, not failed. The checks on the board's entries all run in one pass over
them, so a bundle streamed from a file (audit.stream) is verified in memory that does not grow
with its ballots, but for what finds a copied ephemeral key or a reused A_t anywhere on the
board (audit.repeats: digests, confirmed by reading the entries a second time). Reading one
spoiled ballot (`--spoiled`) is audit.spoiled's. The byte formats are specified in
docs/formats.md, so that an auditor can write their own verifier.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from typing import IO, Any, TextIO

from cryptography.hazmat.primitives.asymmetric import ec

from ..crypto import sealed, signing
from ..crypto import verifiable as vv
from ..crypto.board import BOARD_V1, BOARD_V2, Chain
from ..crypto.encoding import EncodingError, b64decode, b64encode
from ..domain.ballot_forms import CONFIDENCE, OPTIONS, option_ids
from ..domain.policy import BASES, POLICIES, Policy
from ..domain.tally import BLANK, BallotForm, FormSubject, KeyedCount, Marks, percent, subject_verdict
from .bundle import AUDITOR, BUNDLE_V1, BUNDLE_V2, PUBLIC, VerifiableEntry
from .proofs import Outcome, ProofChecker
from .repeats import _APoints, _Copies
from .report import EXIT_FAILED as EXIT_FAILED  # the report's names, importable here as before
from .report import EXIT_OK as EXIT_OK
from .report import EXIT_UNPINNED as EXIT_UNPINNED
from .report import EXIT_UNREADABLE, Check, Failed, Report, Skipped, _short, _where
from .report import UNPINNED_WARNING as UNPINNED_WARNING
from .shapes import (
    OPTIONAL_BASES,
    TALLY_BASES,
    TALLY_SHAPE,
    VERIFIABLE_TALLY_SHAPE,
    board_header_shape,
    entry_problem,
    is_verifiable,
    kind_of,
    shape_problem,
)
from .stream import StreamedBundle, UnreadableBundle, read_bundle_file

CHECKS = ("bundle_format", "signing_key", "board_signature", "board_entries", "no_duplicate_keys", "hash_chain",
          "board_counts", "tally_signature", "tally_matches_board", "tally_arithmetic", "receipt", "session_key",
          "recount")
#: the checks of a verifiable-v1 bundle (spec §7): no ephemeral keys, no session key, no
#: auditor level; the proofs and the partial decryptions prove the counts from the public bundle
VERIFIABLE_CHECKS = ("bundle_format", "signing_key", "board_signature", "key_consistency", "board_entries",
                     "hash_chain", "board_counts", "ballot_proofs", "spoiled", "tally_signature",
                     "tally_matches_board", "tally_arithmetic", "decryption", "receipt")
EXIT_CODES_HELP = """\
Exit codes:
  0  every check passed and the bundle is signed by the pinned --signing-key
  1  a check failed
  2  the bundle could not be read (no such file, not JSON)
  3  every check passed, but no --signing-key was given: nothing proves who signed the bundle"""
JOBS_HELP = "Processes that check a verifiable-v1 board's ballot proofs (default 1; the report is the same)."
SPOILED_HELP = ("Show the choices of the spoiled (checked) ballot whose receipt starts with CODE (8+ hex), "
                "after checking it, instead of verifying the whole bundle.")
#: the board format each bundle format carries
BOARD_OF_BUNDLE = {BUNDLE_V1: BOARD_V1, BUNDLE_V2: BOARD_V2}
HEX64 = re.compile(r"[0-9a-f]{64}")
SHORT_CODE = re.compile(r"[0-9a-f]{8}")
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


class _Bundle:
    """The bundle being verified: every member but the board's entries (`bundle`, whose board
    is the board without them), and the entries to read once (`entries`)."""

    def __init__(self, bundle: Any, receipt: str | None, signing_key: bytes | None, jobs: int = 1):
        self.wanted_receipt, self.pinned_key, self.jobs = receipt, signing_key, jobs
        #: verifiable-v1: the session as the proofs bind it (made by check_bundle_format), its
        #: context, and the A_t's of the spoiled ballots (check_spoiled), which no entry may reuse
        self.crypto: vv.Session | None = None
        self.sctx = b""
        self.spoiled_points: set[bytes] = set()
        self.entries: Iterable[Any] | None = None
        #: the entries read again from the first (None: they cannot be), to confirm candidate copies
        self.again: Callable[[], Iterable[Any]] | None = None
        #: a board-v1 is signed with its entries: the whole board, when the bundle is one in memory
        self.whole_board: dict[str, Any] | None = None
        self.bundle: Any
        self.streamed = isinstance(bundle, StreamedBundle)
        if self.streamed:
            self.bundle, self.entries, self.again = bundle.header, bundle.entries, bundle.again
        elif isinstance(bundle, dict) and isinstance(bundle.get("board"), dict) and "entries" in bundle["board"]:
            board = bundle["board"]
            self.bundle = bundle | {"board": {key: value for key, value in board.items() if key != "entries"}}
            self.entries, self.whole_board = board["entries"], board
            self.again = partial(iter, board["entries"])
        else:
            self.bundle = bundle

    @property
    def board(self) -> dict[str, Any]:
        board: dict[str, Any] = self.bundle["board"]
        return board

    @property
    def verifiable(self) -> bool:
        return isinstance(self.bundle, dict) and is_verifiable(self.bundle.get("board"))

    @property
    def check_names(self) -> tuple[str, ...]:
        return VERIFIABLE_CHECKS if self.verifiable else CHECKS

    @property
    def board_format(self) -> str:
        return BOARD_OF_BUNDLE[self.bundle["format"]]

    @property
    def tally(self) -> dict[str, Any] | None:
        tally: dict[str, Any] | None = self.bundle["tally"]
        return tally

    @property
    def session(self) -> dict[str, Any]:
        session: dict[str, Any] = self.board["session"]
        return session

    @property
    def counts(self) -> dict[str, Any]:
        counts: dict[str, Any] = self.board["counts"]
        return counts

    def need_tally(self) -> dict[str, Any]:
        if self.tally is None:
            raise Skipped("no tally in this bundle (the session is not tallied yet)")
        return self.tally

    def need_auditor(self) -> None:
        if self.bundle["level"] != AUDITOR:
            raise Skipped("public bundle: needs the auditor's bundle (with the session private key)")


def _problems(first: str | None, count: int, total: int, what: str) -> str:
    """Fail with the first problem found (and how many there are), or say what passed."""
    if first is not None:
        more = f" ({count} problems; the first is shown)" if count > 1 else ""
        raise Failed(f"{first}{more}")
    return f"{total} {what}"


# --- the bundle's members (everything but the entries) -------------------------------------

def check_bundle_format(ctx: _Bundle) -> str:
    """The members of §8 and the board's and tally's shapes; the entries' shapes are checked as
    they are read (the pass fails this check then). Returns the bundle's level."""
    bundle = ctx.bundle
    if not isinstance(bundle, dict):
        raise Failed(f"the bundle must be a JSON object, found {kind_of(bundle)}")
    if bundle.get("format") not in BOARD_OF_BUNDLE:
        raise Failed(f"format must be {BUNDLE_V2!r} (or {BUNDLE_V1!r}), found {bundle.get('format')!r:.80}")
    level = bundle.get("level")
    if level not in (PUBLIC, AUDITOR):
        raise Failed(f"level must be 'public' or 'auditor', found {level!r:.80}")
    assert isinstance(level, str)  # PUBLIC or AUDITOR, just checked
    expected = {"format", "level", "signing_key", "board", "tally"} | ({"session_private_key"} if level == AUDITOR
                                                                        else set())
    if set(bundle) != expected:
        missing, extra = expected - set(bundle), set(bundle) - expected
        raise Failed("; ".join(filter(None, [f"lacks {', '.join(sorted(missing))}" if missing else None,
                                             f"has unexpected fields {', '.join(sorted(extra))}" if extra
                                             else None])))
    try:
        if len(b64decode(bundle["signing_key"])) != 32:
            raise Failed("signing_key must be a 32-byte Ed25519 public key")
    except EncodingError:
        raise Failed("signing_key must be unpadded base64url") from None
    verifiable = ctx.verifiable
    if verifiable and (bundle["format"] != BUNDLE_V2 or level != PUBLIC):
        raise Failed(f"a verifiable-v1 bundle is a public {BUNDLE_V2!r} (the public bundle proves the counts; "
                     f"there is no auditor level)")
    problem = shape_problem(bundle["board"], board_header_shape(ctx.board_format, verifiable), "board")
    if problem is None and ctx.entries is None:
        problem = "board lacks entries"
    if problem is None and not (ctx.streamed or isinstance(ctx.entries, list)):
        problem = f"board.entries must be a list, found {kind_of(ctx.entries)}"
    if problem is None and bundle["tally"] is not None:
        problem = shape_problem(bundle["tally"], VERIFIABLE_TALLY_SHAPE if verifiable else TALLY_SHAPE, "tally")
    if problem is None:
        problem = _form_problem(bundle["board"]["session"])
    if problem is None and verifiable:
        problem = _crypto_session_problem(ctx)
    if problem is None and level == AUDITOR:
        if bundle["tally"] is None:
            problem = "an auditor's bundle is made after the tally, but tally is null"
        elif not isinstance(bundle["session_private_key"], str):
            problem = "session_private_key must be a string"
    if problem:
        raise Failed(problem)
    return level


def _form_problem(session: dict[str, Any]) -> str | None:
    """The ballot form must be one this version can count."""
    if session["kind"] not in OPTIONS:
        return f"board.session.kind {session['kind']!r:.40} is not a kind this version knows"
    options = board_options(session)
    if session["options"] != list(options):
        return f"board.session.options must be {', '.join(options)} for this {session['kind']}"
    return None


def board_options(session: dict[str, Any]) -> tuple[str, ...]:
    """The options a board lists: the kind's; a verifiable-v1 board adds "blank" last under a
    policy that counts an unmarked subject as blank (spec §6.4: one more column)."""
    options = option_ids(session["kind"])
    policy = POLICIES.get(session.get("policy", ""))
    if session.get("scheme") == vv.SCHEME and policy is not None and policy.unmarked_subject == BLANK:
        options += (BLANK,)
    return options


def crypto_session(session: dict[str, Any]) -> vv.Session:
    """The verifiable-v1 session a board's `session` describes, as the proofs bind it: subject
    ids and options in board order, H, k and h_1 … h_n (raises InvalidSession)."""
    return vv.Session.from_json({"id": session["id"], "subjects": [s["id"] for s in session["subjects"]],
                                 "options": session["options"], "public_key": session["public_key"],
                                 "threshold": session["threshold"],
                                 "verification_keys": session["verification_keys"]})


def _crypto_session_problem(ctx: _Bundle) -> str | None:
    try:
        ctx.crypto = crypto_session(ctx.session)
    except vv.InvalidSession as exc:
        return f"board.session does not describe a verifiable-v1 session: {exc}"
    ctx.sctx = ctx.crypto.context()
    return None


def check_signing_key(ctx: _Bundle) -> str:
    key = ctx.bundle["signing_key"]
    if ctx.pinned_key is None:
        return f"not pinned (the bundle names {key}; compare it with the key the installation publishes)"
    if b64decode(key) != ctx.pinned_key:
        raise Failed(f"the bundle is signed by {key}, not by the pinned key {b64encode(ctx.pinned_key)}")
    return f"the bundle's key {key} is the pinned key"


def _check_signature(document: dict[str, Any], ctx: _Bundle, what: str) -> str:
    try:
        signing.verify_document(document, b64decode(ctx.bundle["signing_key"]))
    except signing.SignatureInvalid as exc:
        raise Failed(f"the {what}'s Ed25519 signature: {exc} (bundle key {ctx.bundle['signing_key']})") from None
    return f"the {what} is signed by the bundle's key (Ed25519 over {document['format']}|canonical JSON)"


def check_tally_signature(ctx: _Bundle) -> str:
    return _check_signature(ctx.need_tally(), ctx, "tally")


def _differences(pairs: Iterable[tuple[str, object, object]]) -> list[str]:
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


def _tally_policy(tally: dict[str, Any], board_policy: str) -> Policy:
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


def _subject_problem(subject: dict[str, Any], expected: dict[str, Any], options: tuple[str, ...], policy: Policy,
                     kind: str, bases: dict[str, Any], valid: int) -> str | None:
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
    for subject, board_subject in zip(tally["subjects"], expected, strict=True):
        problem = _subject_problem(subject, board_subject, options, policy, kind, bases, b["valid"])
        if problem:
            raise Failed(problem)
    return (f"{b['valid']} valid + {b['invalid']} invalid = {b['received']} received; {len(expected)} subjects' "
            f"counts, percentages and {'consequences' if kind == CONFIDENCE else 'outcomes'} recomputed by policy "
            f"{policy.name!r} v{policy.version}")


def _session_private_key(ctx: _Bundle) -> ec.EllipticCurvePrivateKey:
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


def _first_difference(recounted: dict[str, Any], tally: dict[str, Any]) -> str | None:
    """Where the recount's ballots and per-subject counts first differ from the tally's, or None."""
    if recounted["ballots"] != tally["ballots"]:
        mine, theirs = recounted["ballots"], tally["ballots"]
        key = next(k for k in [*mine, *theirs] if mine.get(k) != theirs.get(k))
        return f"ballots.{key}: recounted {mine.get(key)!r}, the tally says {theirs.get(key)!r}"
    if len(recounted["subjects"]) != len(tally["subjects"]):
        return f"recounted {len(recounted['subjects'])} subjects, the tally has {len(tally['subjects'])}"
    for mine, theirs in zip(recounted["subjects"], tally["subjects"], strict=True):
        where = f"subject {mine['id']!r}"
        if theirs.get("id") != mine["id"]:
            return f"{where}: the tally has {theirs.get('id')!r:.60} in its place"
        if mine["counts"] != theirs.get("counts"):
            option = next(o for o in [*mine["counts"], *theirs["counts"]]
                          if mine["counts"].get(o) != theirs["counts"].get(o))
            return f"{where}, {option}: recounted {mine['counts'].get(option)!r}, the tally says " \
                   f"{theirs['counts'].get(option)!r}"
    return None


def check_board_signature(ctx: _Bundle) -> str:
    """A board-v1 is signed with its entries (the whole board), a board-v2 over its header."""
    if ctx.board_format == BOARD_V1:
        if ctx.whole_board is None:
            raise Failed("a board-v1 is signed with its entries: read the bundle whole to check it")
        return _check_signature(ctx.whole_board, ctx, "board")
    return _check_signature(ctx.board, ctx, "board")


# --- the entries: one pass, each check an accumulator ------------------------------------------

#: an entry's ballot as read: sealed or verifiable, or the words saying why it is not one
_Ballot = sealed.SealedBallot | VerifiableEntry | str


class _EntryCheck:
    """A check fed one entry at a time; `finish` returns its detail or raises Failed/Skipped."""

    def feed(self, number: int, entry: dict[str, Any], ballot: _Ballot) -> None:
        raise NotImplementedError

    def finish(self, total: int) -> str:
        raise NotImplementedError


class _BoardEntries(_EntryCheck):
    first: str | None
    previous: str | None

    def __init__(self, ctx: _Bundle):
        self.scheme, self.first, self.count, self.previous = ctx.session["scheme"], None, 0, None
        self.verifiable = ctx.verifiable
        if self.verifiable:  # its keys are key_consistency's
            return
        try:
            sealed.load_public_key(b64decode(ctx.session["public_key"]))
        except (EncodingError, ValueError):
            self._found("the session public key is not an uncompressed P-256 point")

    def _found(self, problem: str) -> None:
        self.count += 1
        if self.first is None:
            self.first = problem

    def feed(self, number: int, entry: dict[str, Any], ballot: _Ballot) -> None:
        receipt = entry["receipt"]
        own = None if isinstance(ballot, str) else ballot.receipt
        # the words are made only for an entry with a problem (most have none); a receipt equal
        # to its ballot's SHA-256 in hex is 64 lowercase hex characters: no pattern to match
        if receipt != own and not HEX64.fullmatch(receipt):
            self._found(f"{_where(number, receipt)}: receipt is not 64 lowercase hex characters")
        elif self.previous is not None and receipt <= self.previous:
            self._found(f"{_where(number, receipt)}: " + ("the same receipt as the entry before it"
                                                           if receipt == self.previous
                                                           else "out of order (entries are sorted by receipt)"))
        if own is None:
            self._found(f"{_where(number, receipt)}: not a well-formed {self.scheme} ballot: {ballot}")
        elif own != receipt:
            what = "the SHA-256 of its ballot bytes" if self.verifiable else "SHA-256 of epk||nonce||ct"
            self._found(f"{_where(number, receipt)}: receipt does not match its ciphertext ({what} is "
                        f"{_short(own)})")
        self.previous = receipt

    def finish(self, total: int) -> str:
        if self.verifiable:
            return _problems(self.first, self.count, total, "entries: each ballot strict base64url, its receipt the "
                                                            "SHA-256 of its bytes, sorted, no duplicates")
        return _problems(self.first, self.count, total,
                         "entries: each well-formed, its receipt the SHA-256 of its ciphertext, sorted, no duplicates")


def _sealed_ballot(entry: dict[str, Any], scheme: str, size: int | None) -> sealed.SealedBallot | str:
    """A sealed board's entry as a ballot, or the words saying why it is not one."""
    try:  # the usual entry: from_dict's checks in its order, without its dict and layers
        epk, nonce, ct = b64decode(entry["epk"]), b64decode(entry["nonce"]), b64decode(entry["ct"])
        if len(epk) == sealed.POINT_SIZE and len(nonce) == sealed.NONCE_SIZE \
                and (size is None or len(ct) == size + sealed.TAG_SIZE):
            return sealed.SealedBallot(epk=epk, nonce=nonce, ct=ct, scheme=scheme, point=sealed.load_public_key(epk))
    except ValueError:  # EncodingError or not a point: from_dict says which, in its words
        pass
    try:
        return sealed.SealedBallot.from_dict({"scheme": scheme, "epk": entry["epk"], "nonce": entry["nonce"],
                                              "ct": entry["ct"]}, size, scheme=scheme)
    except sealed.MalformedBallot as exc:
        return str(exc)


class _NoDuplicateKeys(_EntryCheck):
    """Two entries with one epk x-coordinate are one ballot and its copy (y negated, or
    re-encoded): a signature proves only who published the board, not that each ballot was
    cast once. `copies` is shared with the recount."""

    def __init__(self, copies: _Copies):
        self.copies = copies

    def feed(self, number: int, entry: dict[str, Any], ballot: _Ballot) -> None:
        self.copies.feed(number, ballot)

    def finish(self, total: int) -> str:
        found = [(number, receipt, group[0][0]) for group in self.copies.groups().values()
                 for number, receipt, _ in group[1:]]
        if found:
            number, receipt, earlier = min(found)
            raise Failed(f"entry {number} ({_short(receipt)}) has the same ephemeral key x-coordinate as entry "
                         f"{earlier}: one is a copy of the other (the tally must count one of them invalid, "
                         f"duplicate_ephemeral_key)"
                         + (f" ({len(found)} duplicates; the first is shown)" if len(found) > 1 else ""))
        return f"{self.copies.keyed} entries, each with its own ephemeral key x-coordinate"


class _HashChain(_EntryCheck):
    bad_receipt: int | None
    mismatch: str | None

    def __init__(self, ctx: _Bundle):
        self.chain = Chain(ctx.session["id"], ctx.board_format)
        self.with_links, self.head = ctx.board_format == BOARD_V1, ctx.board["head"]
        self.bad_receipt, self.mismatch = None, None

    def feed(self, number: int, entry: dict[str, Any], ballot: _Ballot) -> None:
        if self.bad_receipt is not None:
            return
        receipt = entry["receipt"]
        if not self.with_links:  # a board-v2 lists no links: only the head is compared
            # 64 lowercase hex characters (HEX64) are exactly what reads as 32 bytes and is
            # their hex again, without matching the pattern too
            try:
                digest = bytes.fromhex(receipt)
            except ValueError:
                digest = b""
            if len(digest) != 32 or digest.hex() != receipt:
                self.bad_receipt = number
                return
            self.chain.add_digest(digest)
            return
        if not HEX64.fullmatch(receipt):
            self.bad_receipt = number
            return
        link = self.chain.add(receipt)
        if self.mismatch is None and entry["chain"] != link:
            self.mismatch = (f"entry {number} ({_short(receipt)}): chain is {_short(entry['chain'])}, "
                             f"recomputed {_short(link)}")

    def finish(self, total: int) -> str:
        if self.bad_receipt is not None:
            raise Failed(f"entry {self.bad_receipt}: the receipt is not 64 hex characters, so the chain cannot be "
                         f"recomputed")
        if self.mismatch:
            raise Failed(self.mismatch)
        head = self.chain.head
        if self.head != head:
            raise Failed(f"head is {_short(self.head)}, recomputed {_short(head)}")
        return f"{total} links and the head {_short(head)} recomputed"


class _Receipt(_EntryCheck):
    def __init__(self, ctx: _Bundle):
        if ctx.wanted_receipt is None:
            raise Skipped("no receipt asked for")
        self.wanted = ctx.wanted_receipt.strip().lower() if isinstance(ctx.wanted_receipt, str) else ""
        if HEX64.fullmatch(self.wanted):
            self.full = True
        elif SHORT_CODE.fullmatch(self.wanted):
            self.full = False
        else:
            raise Failed("not a receipt: give the 64 hex characters of the receipt or its 8-character short code")
        self.matches: list[int] = []

    def feed(self, number: int, entry: dict[str, Any], ballot: _Ballot) -> None:
        receipt = entry["receipt"]
        if receipt == self.wanted if self.full else receipt.startswith(self.wanted):
            self.matches.append(number)

    def finish(self, total: int) -> str:
        wanted, matches = self.wanted, self.matches
        if not matches:
            raise Failed(f"receipt {_short(wanted)} is not on the board")
        if len(matches) > 1:
            raise Failed(f"short code {wanted} is ambiguous: it starts {len(matches)} receipts "
                         f"(entries {', '.join(map(str, matches))}); give the full receipt")
        return f"receipt {_short(wanted)} is on the board (entry {matches[0]} of {total})"


class _Recount(_EntryCheck):
    """Decrypt and count every entry again, a copied key counted once as the tally must.
    What follows from the counts (percentages on each of the tally's bases, consequences,
    outcomes) tally_arithmetic recomputes, and tally_matches_board ties the bases to the board:
    together they recheck the whole tally."""

    def __init__(self, ctx: _Bundle, copies: _Copies):
        ctx.need_auditor()
        self.copies = copies
        self.tally = ctx.need_tally()
        session = ctx.session
        self.opener = sealed.Opener(_session_private_key(ctx), session["id"])
        try:
            self.policy = Policy(**self.tally["policy"])
        except (TypeError, ValueError) as exc:
            raise Failed(f"the tally's policy is not a valid policy: {exc}") from None
        self.form = BallotForm(session_id=session["id"], kind=session["kind"],
                               plaintext_size=session["plaintext_size"],
                               subjects=tuple(FormSubject(s["id"], s["name"], s.get("detail", ""))
                                              for s in session["subjects"]))
        #: every entry counted as if its key were its own; the copies are set right at the end
        self.count = KeyedCount(self.form, self.policy)
        #: entries fed and not yet counted (None for a malformed one): opened a batch at a time,
        #: as the tally does (sealed.Opener.open_each)
        self.pending: list[sealed.SealedBallot | None] = []

    def feed(self, number: int, entry: dict[str, Any], ballot: _Ballot) -> None:
        """A malformed entry or one that does not open counts as an undecryptable (invalid) ballot."""
        assert not isinstance(ballot, VerifiableEntry)  # a check of sealed boards only (not in VERIFIABLE_CHECKS)
        self.copies.feed(number, ballot)
        self.pending.append(None if isinstance(ballot, str) else ballot)
        if len(self.pending) == sealed.OPEN_BATCH:
            self._count_pending()

    def _count_pending(self) -> None:
        opened = [None if ballot is None else self.opener.open_or_none(ballot) for ballot in self.pending]
        for plaintext in opened:
            self.count.add(None, plaintext)
        self.pending.clear()

    def _marks(self) -> Marks:
        """The counts with every set of copies counted as the tally counts them (KeyedCount: the
        first of them that opens, every other one invalid): their ballots are opened again and
        counted both ways, and the difference is applied."""
        marks = self.count.marks
        groups = self.copies.groups()
        if not groups:
            return marks
        as_own = KeyedCount(self.form, self.policy)
        as_copies = KeyedCount(self.form, self.policy)
        for key, group in groups.items():
            for _, _, ballot in group:
                plaintext = self.opener.open_or_none(ballot)
                as_own.add(None, plaintext)
                as_copies.add(key, plaintext)
        minus, plus = as_own.marks, as_copies.marks
        marks.valid += plus.valid - minus.valid
        marks.invalid.update(plus.invalid)
        marks.invalid.subtract(minus.invalid)
        for subject_id, counts in marks.per_subject.items():
            counts.update(plus.per_subject[subject_id])
            counts.subtract(minus.per_subject[subject_id])
        return marks

    def finish(self, total: int) -> str:
        self._count_pending()
        marks, form, policy = self._marks(), self.form, self.policy
        recounted: dict[str, Any] = {"ballots": marks.ballots(),
                     "subjects": [{"id": s.id, "counts": marks.subject_counts(s.id, form)} for s in form.subjects]}
        difference = _first_difference(recounted, self.tally)
        if difference:
            raise Failed(difference)
        b = recounted["ballots"]
        return (f"all {b['received']} ballots decrypted and recounted by policy {policy.name!r}: {b['valid']} "
                f"valid, {b['invalid']} invalid; every subject's counts equal the signed tally's, so its "
                f"percentages and results (tally_arithmetic) follow from the ballots")


# --- verifiable-v1 (spec §7) ------------------------------------------------------------------

def _verifiable_entry(entry: dict[str, Any]) -> VerifiableEntry | str:
    """The entry's ballot, or what is wrong with it, in words."""
    try:
        ballot = b64decode(entry["ballot"])
    except EncodingError:
        return "ballot is not strict base64url"
    return VerifiableEntry(vv.receipt_of(ballot), ballot)


def _crypto(ctx: _Bundle) -> vv.Session:
    """The verifiable-v1 session check_bundle_format made: the checks that use it run only
    on a verifiable bundle whose format passed."""
    assert ctx.crypto is not None  # set by check_bundle_format for every well-formed verifiable-v1 bundle
    return ctx.crypto


def check_key_consistency(ctx: _Bundle) -> str:
    """§3.2: H and every h_i valid and not O, all on one polynomial of degree < k."""
    session = _crypto(ctx)
    try:
        vv.check_key_consistency(session)
    except vv.InvalidSession as exc:
        raise Failed(str(exc)) from None
    return (f"H and the {session.holders} verification keys are valid points on one polynomial of degree < "
            f"k = {session.threshold}")


def _spoiled_ballot(session: vv.Session, item: dict[str, Any], used: set[bytes],
                    sctx: bytes) -> tuple[list[int] | None, bytes]:
    """Check one spoiled ballot (§4.6, its A_t's unused by the ones before it, then §5's
    opening); returns its choices (None: blank) and its ballot bytes. Raises Failed."""
    try:
        ballot, reveal = b64decode(item["ballot"]), b64decode(item["reveal"])
    except EncodingError:
        raise Failed("ballot and reveal must be strict base64url") from None
    if vv.receipt_of(ballot) != item["receipt"]:
        raise Failed(f"receipt does not match its ballot (SHA-256 of its bytes is {_short(vv.receipt_of(ballot))})")
    try:
        return vv.open_spoiled(session, ballot, reveal, used, sctx), ballot
    except vv.BallotRefused as refused:
        raise Failed(f"{refused.code}: {refused}") from None


def check_spoiled(ctx: _Bundle) -> str:
    """Every spoiled ballot of the signed header: receipts sorted, each proven (§4.6) and
    opened by its randomness (§5), no A_t used twice; their A_t's are kept for ballot_proofs."""
    session, spoiled, previous = _crypto(ctx), ctx.board["spoiled"], ""
    T = session.ciphertext_count
    for number, item in enumerate(spoiled, start=1):
        where = f"spoiled ballot {number} ({_short(item['receipt'])})"
        if not HEX64.fullmatch(item["receipt"]):
            raise Failed(f"{where}: receipt is not 64 lowercase hex characters")
        if item["receipt"] <= previous:
            raise Failed(f"{where}: " + ("the same receipt as the one before it" if item["receipt"] == previous
                                         else "out of order (spoiled ballots are sorted by receipt)"))
        previous = item["receipt"]
        try:
            _, ballot = _spoiled_ballot(session, item, ctx.spoiled_points, ctx.sctx)
        except Failed as exc:
            raise Failed(f"{where}: {exc}") from None
        ctx.spoiled_points.update(ballot[64 * t:64 * t + 32] for t in range(T))
    if not spoiled:
        return "no ballot was checked (spoiled) in this session"
    return (f"{len(spoiled)} spoiled ballots: each proven (§4.6) and opened by its randomness (§5), "
            f"every A_t distinct")


class _BallotProofs(_EntryCheck):
    first: str | None
    unsummed: str | None

    """§4.6 for every entry (spread over `jobs` processes, ProofChecker), its receipt, every A_t
    distinct across the entries and the spoiled ballots (_APoints, at the end); adds up the
    ciphertexts for the decryption check as it goes. Keeps an 8-byte digest of each A_t, and the
    sums. Results come back a few chunks after their entries are read, later with more jobs, so
    the problem shown first is the earliest entry's (and within one entry: its reading, its
    receipt, its proofs, then a reused A_t), never the first to arrive: the report is the same
    for any number of jobs."""

    def __init__(self, ctx: _Bundle):
        self.session = ctx.crypto
        if self.session is None:
            raise Failed("the session could not be read")
        self.points = _APoints(ctx, ctx.spoiled_points, self.session.ciphertext_count, _verifiable_entry)
        self.first, self.count, self.first_key = None, 0, (0, 0)
        #: the earliest entry whose ciphertexts are not points to add up (the decryption check names it)
        self.unsummed, self.unsummed_number = None, 0
        #: every entry was fed and came back: the sums are the board's
        self.complete = False
        self.checker = ProofChecker(self.session, ctx.sctx, ctx.jobs)

    def _found(self, number: int, rank: int, problem: str) -> None:
        self.count += 1
        if self.first is None or (number, rank) < self.first_key:
            self.first, self.first_key = problem, (number, rank)

    def _unsummable(self, number: int, where: str) -> None:
        if self.unsummed is None or number < self.unsummed_number:
            self.unsummed, self.unsummed_number = where, number

    def feed(self, number: int, entry: dict[str, Any], ballot: _Ballot) -> None:
        where = f"entry {number} ({_short(entry['receipt'])})"
        if isinstance(ballot, str):
            self._found(number, 0, f"{where}: {ballot}")
            self._unsummable(number, where)
            return
        if ballot.receipt != entry["receipt"]:
            self._found(number, 1, f"{where}: receipt is not the SHA-256 of its ballot bytes")
        assert isinstance(ballot, VerifiableEntry)  # a check of verifiable-v1 boards only
        for tag, outcome in self.checker.add((number, where), ballot.ballot):
            self._take(tag, outcome)

    def _take(self, tag: object, outcome: Outcome) -> None:
        assert isinstance(tag, tuple)  # the (number, where) given to add
        number, where = tag
        if outcome.code is not None:
            self._found(number, 2, f"{where}: {outcome.code}: {outcome.detail}")
        if outcome.a_points is None:
            self._unsummable(number, where)
            return
        self.points.add(number, outcome.a_points, outcome.code == "duplicate_ciphertext")

    def finish(self, total: int) -> str:
        for tag, outcome in self.checker.finish():
            self._take(tag, outcome)
        self.complete = True
        reused, number, problem = self.points.reused(total)
        first = problem if problem is not None and (self.first is None or (number, 3) < self.first_key) \
            else self.first
        return _problems(first, self.count + reused, total,
                         "ballots: every bit and row proof verifies (§4.6), each receipt the SHA-256 of its ballot, "
                         "every A_t distinct across the entries and the spoiled ballots")

    def close(self) -> None:
        self.points.close()
        self.checker.close()


def check_decryption(ctx: _Bundle, proofs: _BallotProofs | None, entries: int) -> str:
    """§6: the tally's members and partials (every proof), and M_t = n_t·G for the tally's own
    numbers, over the sums of the board's entries."""
    tally = ctx.need_tally()
    session = _crypto(ctx)
    if proofs is None:
        raise Failed("the board's ciphertexts could not be added up (see ballot_proofs)")
    if proofs.unsummed is not None:
        raise Failed(f"the ciphertexts cannot be added up: {proofs.unsummed} is not {session.ciphertext_count} "
                     f"valid points")
    b = tally["ballots"]
    if b["received"] != entries:
        raise Failed(f"the tally received {b['received']} ballots, the board has {entries}")
    blank = b["invalid"]
    if b["invalid_by_reason"] != ({BLANK: blank} if blank else {}) or b["valid"] != entries - blank:
        raise Failed(f"ballots must be {entries - blank} valid and {blank} invalid, all blank "
                     f"(found {b['valid']} valid, invalid by reason {b['invalid_by_reason']})")
    subjects = tally["subjects"]
    if [s["id"] for s in subjects] != list(session.subjects):
        raise Failed("the tally's subjects are not the board's, in its order")
    counts = [blank]
    for subject in subjects:
        numbers = subject["counts"]
        if BLANK not in session.options and numbers.get(BLANK) != 0:
            raise Failed(f"subject {subject['id']!r}: blank must be 0 (this board has no blank column)")
        if any(option not in numbers for option in session.options):
            raise Failed(f"subject {subject['id']!r}: counts must be of {', '.join(session.options)}")
        counts += [numbers[option] for option in session.options]
    try:
        decryption = vv.Decryption.from_json(tally["decryption"])
        vv.verify_counts(session, proofs.checker.sums, entries, counts, decryption.by_member(), ctx.sctx)
    except vv.InvalidDecryption as exc:
        raise Failed(str(exc)) from None
    members = ", ".join(map(str, decryption.members))
    return (f"members {members} (k = {session.threshold}): every partial decryption proof verifies, and "
            f"M_t = n_t·G for all {len(counts)} of the tally's numbers ({blank} blank of {entries} ballots)")


def check_board_counts(ctx: _Bundle, entries: int) -> str:
    c = ctx.counts
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


# --- running them ------------------------------------------------------------------------------

def _outcome(name: str, run: Callable[[], str]) -> Check:
    try:
        return Check(name, True, run())
    except Skipped as exc:
        return Check(name, True, f"skipped: {exc}", skipped=True)
    except Failed as exc:
        return Check(name, False, str(exc))
    except Exception as exc:  # noqa: BLE001 - verify never crashes: an oddity fails its check, told in words
        return Check(name, False, f"could not be checked: {type(exc).__name__}: {exc}"[:300])


def _starter(accumulators: dict[str, _EntryCheck], name: str, make: Callable[[], _EntryCheck]) -> Callable[[], str]:
    """What _outcome runs to make one accumulator, kept under its name (its detail is empty)."""
    def start() -> str:
        accumulators.setdefault(name, make())
        return ""
    return start


def _malformed(report: Report, format_check: Check, names: tuple[str, ...] = CHECKS) -> Report:
    report.checks = [format_check] + [Check(name, True, "skipped: the bundle is malformed (see bundle_format)",
                                            skipped=True) for name in names[1:]]
    return report


#: the checks on the bundle's members alone, run before the entries are read
_MEMBER_CHECKS: dict[str, Callable[[_Bundle], str]] = {
    "signing_key": lambda ctx: check_signing_key(ctx), "board_signature": lambda ctx: check_board_signature(ctx),
    "key_consistency": lambda ctx: check_key_consistency(ctx), "spoiled": lambda ctx: check_spoiled(ctx),
    "tally_signature": lambda ctx: check_tally_signature(ctx),
    "tally_matches_board": lambda ctx: check_tally_matches_board(ctx),
    "tally_arithmetic": lambda ctx: check_tally_arithmetic(ctx), "session_key": lambda ctx: check_session_key(ctx),
}


def verify_bundle(bundle: object, *, receipt: str | None = None, signing_key: bytes | None = None,
                  jobs: int = 1) -> Report:
    """Every check the bundle's level allows, in order; a malformed bundle stops after bundle_format.
    `bundle` is the parsed JSON value of any bundle format, or a StreamedBundle (read_bundle).
    `jobs` processes check a verifiable-v1 board's proofs (the report is the same for any number)."""
    ctx = _Bundle(bundle, receipt, signing_key, jobs)
    report = Report(pinned=signing_key is not None)
    format_check = _outcome("bundle_format", lambda: check_bundle_format(ctx))
    names = ctx.check_names if format_check.ok else CHECKS
    if not format_check.ok:
        return _malformed(report, format_check, CHECKS if not ctx.verifiable else VERIFIABLE_CHECKS)
    level, verifiable = format_check.detail, ctx.verifiable
    results = {name: _outcome(name, partial(check, ctx)) for name, check in _MEMBER_CHECKS.items()
               if name in names}

    copies = _Copies(ctx, _sealed_ballot)
    accumulators: dict[str, _EntryCheck] = {}
    makers: tuple[tuple[str, Callable[[], _EntryCheck]], ...] = (("board_entries", lambda: _BoardEntries(ctx)),
              ("no_duplicate_keys", lambda: _NoDuplicateKeys(copies)),
              ("hash_chain", lambda: _HashChain(ctx)), ("receipt", lambda: _Receipt(ctx)),
              ("recount", lambda: _Recount(ctx, copies)), ("ballot_proofs", lambda: _BallotProofs(ctx)))
    for name, make in makers:
        if name not in names:
            continue
        made = _outcome(name, _starter(accumulators, name, make))
        if not made.ok or made.skipped:
            results[name] = made
            accumulators.pop(name, None)
    order: list[str] = [name for name in ("recount", "board_entries", "no_duplicate_keys", "hash_chain", "receipt",
                               "ballot_proofs") if name in accumulators]
    found = accumulators.get("ballot_proofs")
    proofs = found if isinstance(found, _BallotProofs) else None  # the only check kept under that name
    try:
        total = _read_entries(ctx, report, accumulators, order, results)
        if total is None:
            return _malformed(report, results["bundle_format"], names)
        for name, accumulator in accumulators.items():
            results[name] = _outcome(name, partial(accumulator.finish, total))
    finally:
        copies.close()
        if proofs is not None:
            proofs.close()
    results["board_counts"] = _outcome("board_counts", lambda: check_board_counts(ctx, total))
    if verifiable:
        summed = proofs if proofs is not None and proofs.complete else None
        results["decryption"] = _outcome("decryption", lambda: check_decryption(ctx, summed, total))
    session = ctx.session
    results["bundle_format"] = Check("bundle_format", True,
                                     f"{level} bundle of session {session['id']!r}: {total} board entries, "
                                     + ("a tally" if ctx.tally is not None else "no tally yet"))
    report.checks = [results[name] for name in names]
    return report


def _read_entries(ctx: _Bundle, report: Report, accumulators: dict[str, _EntryCheck], order: list[str],
                  results: dict[str, Check]) -> int | None:
    """Feed every entry to the accumulators in one pass; the number of entries, or None when an
    entry is malformed or the file stops being JSON (results["bundle_format"] then says so)."""
    total, board_format, verifiable = 0, ctx.board_format, ctx.verifiable
    session = ctx.session
    scheme, size = session["scheme"], session.get("plaintext_size")
    assert ctx.entries is not None  # check_bundle_format failed "board lacks entries" otherwise
    ballot: _Ballot
    feeders = tuple((name, accumulators[name].feed) for name in order)
    try:
        for total, entry in enumerate(ctx.entries, start=1):
            problem = entry_problem(entry, board_format, total, verifiable)
            if problem:
                results["bundle_format"] = Check("bundle_format", False, problem)
                return None
            ballot = _verifiable_entry(entry) if verifiable else _sealed_ballot(entry, scheme, size)
            for name, feed in feeders:
                try:
                    feed(total, entry, ballot)
                except Exception as exc:  # noqa: BLE001 - as _outcome: the check fails, the others go on
                    results[name] = Check(name, False, f"could not be checked: {type(exc).__name__}: {exc}"[:300])
                    order.remove(name)
                    accumulators.pop(name)
            if len(feeders) != len(order):  # a check failed: the next entries go to the others
                feeders = tuple((name, accumulators[name].feed) for name in order)
    except UnreadableBundle as exc:
        report.unreadable = f"the file stops being JSON part way through the board's entries: {exc}"
        results["bundle_format"] = Check("bundle_format", False, report.unreadable)
        return None
    return total


# --- reading a file, and the command -----------------------------------------------------------

def read_bundle(path: str) -> object:
    """The bundle file: a StreamedBundle (audit-bundle-v2; the file stays open until its entries
    are read), or the whole JSON value. Raises ValueError with a readable message otherwise."""
    try:
        bundle = _open_bundle(path)
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnreadableBundle:
        raise ValueError(f"{path} is not a JSON file (an audit bundle is UTF-8 JSON)") from None
    if not isinstance(bundle, StreamedBundle):
        return bundle
    return StreamedBundle(bundle.header, bundle.entries, again=partial(_entries_again, path))


def _entries_again(path: str) -> Iterator[Any]:
    """The file's entries read once more (to confirm candidate copies); UnreadableBundle when
    the file is gone or no longer an audit-bundle-v2 (the copy check's second reading fails then)."""
    try:
        bundle = read_bundle(path)
    except ValueError as exc:
        raise UnreadableBundle(str(exc)) from None
    if not isinstance(bundle, StreamedBundle):
        raise UnreadableBundle(f"{path} is no longer an audit-bundle-v2 with its entries last")
    return bundle.entries


def _open_bundle(path: str) -> object:
    """The parsed file: a StreamedBundle whose entries close the file once read, or the whole
    JSON value (the file closed). OSError when it cannot be opened, UnreadableBundle when it is
    not JSON."""
    handle = open(path, "rb")  # noqa: SIM115  (stays open for the streamed entries; _closing closes it)
    try:
        bundle = read_bundle_file(handle)
    except (UnreadableBundle, RecursionError):
        handle.close()
        raise UnreadableBundle(path) from None
    if not isinstance(bundle, StreamedBundle):
        handle.close()
        return bundle
    return StreamedBundle(bundle.header, _closing(bundle.entries, handle))


def _closing(entries: Iterable[Any], handle: IO[bytes]) -> Iterator[Any]:
    try:
        yield from entries
    finally:
        handle.close()


def signing_key_argument(value: str) -> bytes:
    """The installation's Ed25519 public key as published (base64url; padded or standard base64
    accepted); ValueError when it is not 32 bytes."""
    try:
        raw = b64decode(value.strip().rstrip("=").replace("+", "-").replace("/", "_"))
    except EncodingError:
        raw = b""
    if len(raw) != 32:
        raise ValueError("give the 32-byte Ed25519 public key in base64url, as the site shows it")
    return raw


def run(bundle_path: str, receipt: str | None, signing_key: bytes | None, as_json: bool, out: TextIO | None = None,
        err: TextIO | None = None,
        *, jobs: int = 1, spoiled: str | None = None) -> int:
    """What `votingapp verify` does: read, verify, print; returns the exit code."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        bundle = read_bundle(bundle_path)
    except ValueError as exc:
        print(f"Error: {exc}\nLỗi: không đọc được gói kiểm chứng (cần một tệp JSON UTF-8).", file=err)
        return EXIT_UNREADABLE
    if spoiled is not None:  # the spoiled list is in the board's header: the entries are not read
        from .spoiled import run_spoiled  # (audit.spoiled imports this module)
        return run_spoiled(bundle, spoiled, signing_key, as_json, out)
    report = verify_bundle(bundle, receipt=receipt, signing_key=signing_key, jobs=jobs)
    if report.unreadable is not None:
        print(f"Error: {bundle_path}: {report.unreadable}\nLỗi: không đọc được gói kiểm chứng (cần một tệp JSON "
              f"UTF-8).", file=err)
    print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) if as_json else report.text(), file=out)
    return report.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m votingapp.audit.verify BUNDLE ...`: the same as `votingapp verify` (cli.audit),
    with the standard library's argument parser, so the verifier needs no command-line package."""
    parser = argparse.ArgumentParser(prog="votingapp verify", epilog=EXIT_CODES_HELP,
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     description="Verify an audit bundle offline.")
    parser.add_argument("bundle_path", metavar="BUNDLE")
    parser.add_argument("--receipt", help="A voter's receipt (64 hex) or short code (8 hex) that must be on the board.")
    parser.add_argument("--signing-key", help="Pin the installation's public signing key (base64url).")
    parser.add_argument("--json", dest="as_json", action="store_true", help="Print the report as JSON.")
    parser.add_argument("--jobs", type=int, default=1, help=JOBS_HELP)
    parser.add_argument("--spoiled", metavar="CODE", help=SPOILED_HELP)
    args = parser.parse_args(argv)
    try:
        key = None if args.signing_key is None else signing_key_argument(args.signing_key)
    except ValueError as exc:
        parser.error(f"--signing-key: {exc}")
    if args.jobs < 1:
        parser.error("--jobs: give a number of processes, 1 or more")
    return run(args.bundle_path, args.receipt, key, args.as_json, jobs=args.jobs, spoiled=args.spoiled)


if __name__ == "__main__":
    sys.exit(main())

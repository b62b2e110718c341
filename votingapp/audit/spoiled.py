"""Reading one spoiled (checked) ballot: `votingapp verify --spoiled CODE`, and the public
board page's list of spoiled ballots with their choices in both languages.

Apart from audit.verify because it answers a voter's question about one ballot (what did my
checked ballot say?) rather than verifying the whole board; it reuses the verifier's checks of
the bundle's members and of a spoiled ballot (§4.6 and §5), and reads no board entry.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any, TextIO

from ..crypto import verifiable as vv
from ..domain.ballot_forms import BLANK_COLUMN, OPTIONS
from ..domain.tally import BLANK
from .report import Check, Failed, Report, _short
from .shapes import is_verifiable
from .verify import _MEMBER_CHECKS, _Bundle, _crypto, _outcome, _spoiled_ballot, check_bundle_format, crypto_session

SPOILED_CODE = re.compile(r"[0-9a-f]{8,64}")


@dataclass
class SpoiledBallot:
    """A spoiled ballot found by its code, checked (§4.6 and §5), and what it says."""
    receipt: str
    #: None: a blank ballot; else (subject id, subject name, option id, Vietnamese label, English label)
    choices: list[tuple[str, str, str, str, str]] | None


def option_labels(kind: str, option: str) -> tuple[str, str]:
    """(Vietnamese, English) label of one of a board's options (the blank column included)."""
    if option == BLANK:
        return BLANK_COLUMN.label_vi, BLANK_COLUMN.label_en
    found = next((o for o in OPTIONS.get(kind, ()) if o.id == option), None)
    return (found.label_vi, found.label_en) if found else (option, option)


def decoded_choices(session: dict[str, Any], choices: list[int] | None) -> list[tuple[str, str, str, str, str]] | None:
    """A verifiable-v1 ballot's choices (an option index per subject, None for blank) in the
    board's words: (subject id, subject name, option id, label vi, label en) per subject."""
    if choices is None:
        return None
    named = []
    # lenient as before: a wrong-length list is not this helper's to refuse
    for subject, index in zip(session["subjects"], choices, strict=False):
        option = session["options"][index]
        named.append((subject["id"], subject["name"], option, *option_labels(session["kind"], option)))
    return named


def find_spoiled(bundle: object, code: str, *, signing_key: bytes | None = None) -> tuple[Report, SpoiledBallot | None]:
    """`votingapp verify --spoiled CODE`: the checks that vouch for a spoiled ballot (the
    bundle's form, the board's signature, the keys), then the one spoiled ballot whose receipt
    starts with CODE, checked (§4.6 with its own A_t's distinct, then §5's opening). The board's
    entries are not read. The report's last check, `spoiled`, says what was found."""
    ctx = _Bundle(bundle, None, signing_key)
    report = Report(pinned=signing_key is not None)
    format_check = _outcome("bundle_format", lambda: check_bundle_format(ctx))
    if not format_check.ok:
        report.checks = [format_check]
        return report, None
    format_check.detail = (f"{format_check.detail} bundle of session {ctx.session['id']!r} (its board's entries are "
                           f"not read)")
    if not ctx.verifiable:
        report.checks = [format_check, Check("spoiled", False, f"a {ctx.session['scheme']} bundle has no spoiled "
                                                                f"ballots (only verifiable-v1 sessions have them)")]
        return report, None
    report.checks = [format_check] + [_outcome(name, partial(_MEMBER_CHECKS[name], ctx))
                                      for name in ("signing_key", "board_signature", "key_consistency")]
    found: list[SpoiledBallot] = []

    def open_it() -> str:
        wanted = code.strip().lower() if isinstance(code, str) else ""
        if not SPOILED_CODE.fullmatch(wanted):
            raise Failed("not a code: give at least the 8 hex characters the phone showed")
        matches = [item for item in ctx.board["spoiled"] if isinstance(item["receipt"], str)
                   and item["receipt"].startswith(wanted)]
        if not matches:
            raise Failed(f"no spoiled ballot of this board has a receipt starting with {wanted} "
                         f"({len(ctx.board['spoiled'])} ballots were checked in this session)")
        if len(matches) > 1:
            raise Failed(f"code {wanted} is ambiguous: it starts {len(matches)} spoiled ballots' receipts; "
                         f"give more characters")
        choices, _ = _spoiled_ballot(_crypto(ctx), matches[0], set(), ctx.sctx)
        found.append(SpoiledBallot(matches[0]["receipt"], decoded_choices(ctx.session, choices)))
        return (f"spoiled ballot {_short(matches[0]['receipt'])}: its proofs verify (§4.6) and its randomness "
                f"opens it (§5)")

    report.checks.append(_outcome("spoiled", open_it))
    return report, (found[0] if found and report.ok else None)


def board_spoiled(board: dict[str, Any]) -> Iterator[SpoiledBallot | tuple[str, str]]:
    """Each spoiled ballot of a verifiable-v1 board (its signed header) decoded for the public
    board page: a SpoiledBallot, or (receipt, what is wrong) for one that does not check (§4.6
    and §5, as `verify` does). Lazy, so a page that streams shows them as they are opened."""
    if not is_verifiable(board) or not board.get("spoiled"):
        return
    try:
        session = crypto_session(board["session"])
        sctx = session.context()
    except (vv.InvalidSession, KeyError, TypeError):
        for item in board["spoiled"]:
            yield item.get("receipt", ""), "the board's session keys cannot be read"
        return
    for item in board["spoiled"]:
        try:
            choices, _ = _spoiled_ballot(session, item, set(), sctx)
        except Failed as exc:
            yield item["receipt"], str(exc)
            continue
        yield SpoiledBallot(item["receipt"], decoded_choices(board["session"], choices))


def spoiled_text(ballot: SpoiledBallot) -> str:
    """What `--spoiled` prints below the checks: the ballot's choices, in both languages."""
    lines = [f"Receipt / Biên nhận: {ballot.receipt}"]
    if ballot.choices is None:
        lines.append("Blank ballot (no mark) / Phiếu trắng (không đánh dấu)")
    for _, name, _, label_vi, label_en in ballot.choices or ():
        lines.append(f"  {name}: {label_vi} / {label_en}")
    return "\n".join(lines)


def run_spoiled(bundle: object, code: str, signing_key: bytes | None, as_json: bool, out: TextIO) -> int:
    report, ballot = find_spoiled(bundle, code, signing_key=signing_key)
    if as_json:
        document = report.to_dict() | {"spoiled": None if ballot is None else {
            "receipt": ballot.receipt, "blank": ballot.choices is None,
            "choices": [{"subject": s, "name": n, "option": o, "label": vi, "label_en": en}
                        for s, n, o, vi, en in ballot.choices or ()]}}
        print(json.dumps(document, ensure_ascii=False, indent=2), file=out)
    else:
        print(report.text(), file=out)
        if ballot is not None:
            print(spoiled_text(ballot), file=out)
    return report.exit_code

"""The voter page's verifiable-v1 bundle (static/js/verifiable-seal.bundle.js, run under node):
the sealing half of verifiable.bundle.js, built from the same source, so it reproduces every
shared vector byte for byte; Python checks and opens what it seals; and its two helpers of
the Benaloh check map the voter's choices to the board's option indices and tell whether the
server's answer to a check is the ballot the phone sealed."""

from __future__ import annotations

import json
import re
from pathlib import Path

from votingapp.crypto import verifiable as V
from votingapp.crypto.encoding import b64decode

from .. import jsbundle

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "static" / "js" / "verifiable-seal.bundle.js"
CLI = ROOT / "tests" / "js" / "verifiable_seal_cli.cjs"
CASES = json.loads((ROOT / "tests" / "vectors" / "verifiable-v1.json").read_text(encoding="utf-8"))["cases"]


def run_node(request: dict):
    return jsbundle.run_node(CLI, request)


def test_the_phone_bundle_reproduces_every_vector_exactly():
    results = run_node({"op": "vectors", "cases": CASES})
    for case, result in zip(CASES, results, strict=True):
        assert result["sctx"] == case["sctx"]
        for vector, sealed in zip(case["ballots"], result["ballots"], strict=True):
            assert sealed == {"wire": {"scheme": "verifiable-v1", "ballot": vector["ballot"]},
                              "receipt": vector["receipt"], "reveal": vector["reveal"]}


def test_python_checks_and_opens_what_the_phone_bundle_sealed():
    case = CASES[0]
    session = V.Session.from_json(case["session"])
    choices = [[0, 2, 1], [2, 2, 2], None]
    sealed = run_node({"op": "seal", "items": [{"session": case["session"], "choices": c} for c in choices]})
    for choice, result in zip(choices, sealed, strict=True):
        ballot = V.from_wire(result["wire"])
        assert V.verify_ballot(session, ballot).receipt == result["receipt"]
        assert V.open_spoiled(session, ballot, b64decode(result["reveal"])) == choice
    assert len({r["receipt"] for r in sealed}) == 3


def test_the_phone_bundle_carries_sealing_only():
    """What keeps the voter page within 30 KB: no checking, opening or tally code."""
    assert run_node({"op": "exports"}) == ["SCHEME", "choiceIndices", "receiptOf", "sameChoices", "sealBallot",
                                           "sessionContext", "testRandom", "toWire"]


def test_choices_by_subject_id_become_option_indices_in_board_order():
    session = CASES[0]["session"]
    first, second, third = session["subjects"]
    options = session["options"]
    by_id = {third: options[1], first: options[2], second: options[0]}
    found = run_node({"op": "indices", "items": [
        {"session": session, "choices": by_id},
        {"session": session, "choices": {first: options[0], second: options[0]}},
        {"session": session, "choices": {**by_id, second: "not-an-option"}},
    ]})
    assert found[0] == {"ok": [2, 0, 1]}
    assert third in found[1]["error"] and "error" in found[2]


def test_a_check_answer_agrees_only_with_the_very_ballot_and_choices_sealed():
    session = CASES[0]["session"]
    subjects, options = session["subjects"], session["options"]
    choices = {s: options[i] for i, s in enumerate(subjects)}
    receipt = "ab" * 32
    answer = {"receipt": receipt, "short_code": receipt[:8], "blank": False,
              "choices": [{"subject": s, "option": choices[s]} for s in subjects]}
    other_option = {**answer, "choices": [*answer["choices"][:2], {"subject": subjects[2], "option": options[0]}]}
    reordered = {**answer, "choices": answer["choices"][::-1]}
    items = [answer, {**answer, "receipt": "cd" * 32}, other_option, reordered,
             {**answer, "choices": answer["choices"][:2]},
             {**answer, "blank": True, "choices": [{"subject": s, "option": None} for s in subjects]}, None]
    same = run_node({"op": "same", "items": [{"session": session, "receipt": receipt, "choices": choices,
                                               "answer": a} for a in items]})
    assert same == [True, False, False, False, False, False, False]


def test_the_committed_phone_bundle_was_built_from_the_current_source_and_pinned_versions():
    banner = jsbundle.banner(BUNDLE)
    assert f"src sha256:{jsbundle.source_hash()}" in banner, "static/js/src changed: run `npm ci && npm run build`"
    lock = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    built = dict(re.findall(r"(@?[\w/.-]+)@(\d+\.\d+\.\d+)", banner))
    for name in ("@noble/curves", "@noble/hashes", "esbuild"):
        assert built[name] == lock[f"node_modules/{name}"]["version"], name

"""A counting-committee member's phone (static/js/member.bundle.js, run under node): it decodes a
card's 33 words exactly as shamir_mnemonic made them (SLIP-39 1-of-1, RS1024, the PBKDF2
Feistel with an empty passphrase), finds its member number from the session's keys, and its
partial decryption verifies in Python. The share is read from the URL fragment once and the
address bar forgets it."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import shamir_mnemonic
from shamir_mnemonic.wordlist import WORDLIST

from votingapp.crypto import verifiable as V
from votingapp.crypto.encoding import b64decode, b64encode
from votingapp.crypto.verifiable.ballots import seal_ballot

from .. import jsbundle

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "static" / "js" / "member.bundle.js"
CLI = ROOT / "tests" / "js" / "member_cli.cjs"


def run_node(request: dict):
    return jsbundle.run_node(CLI, request)


def words_of(secret: bytes, **options) -> str:
    return shamir_mnemonic.generate_mnemonics(1, [(1, 1)], secret, b"", iteration_exponent=0, **options)[0][0]


def test_the_bundled_wordlist_is_slip39s():
    assert run_node({"op": "wordlist"}) == list(WORDLIST)


def test_words_decode_to_the_secret_python_encoded():
    secrets = [os.urandom(32) for _ in range(6)] + [bytes(32), b"\xff" * 32]
    texts = [words_of(secret) for secret in secrets[:-1]] + [words_of(secrets[-1], extendable=False)]
    assert [len(text.split()) for text in texts] == [33] * len(texts)
    results = run_node({"op": "words", "items": texts})
    assert [r.get("ok") for r in results] == [b64encode(s) for s in secrets]


def test_words_are_typed_as_people_type_them():
    secret = os.urandom(32)
    words = words_of(secret).split()
    typed = [
        "\n".join(" ".join(words[i:i + 3]).upper() for i in range(0, 33, 3)),  # rows of three, capitals
        " ".join(word[:4] for word in words),                                   # the four-letter starts
        "  ".join(words) + "\n",
    ]
    results = run_node({"op": "words", "items": typed})
    assert [r.get("ok") for r in results] == [b64encode(secret)] * 3


def test_wrong_words_are_refused_with_a_reason():
    words = words_of(os.urandom(32)).split()
    swapped = words.copy()
    swapped[7], swapped[8] = swapped[8], swapped[7]
    typo = words.copy()
    typo[5] = "academic" if typo[5] != "academic" else "acid"
    results = run_node({"op": "words", "items": [" ".join(words[:-1]), " ".join(typo), " ".join(swapped),
                                                  " ".join(words[:4] + ["zzzz"] + words[5:])]})
    codes = [r.get("code") for r in results]
    assert codes[:2] == ["word_count", "checksum"]
    assert codes[2] == "checksum" or words[7] == words[8]
    assert codes[3] == "unknown_word" and "word 5" in results[3]["error"]


def test_a_split_share_is_not_a_card():
    two_of_three = shamir_mnemonic.generate_mnemonics(1, [(2, 3)], os.urandom(32), b"", iteration_exponent=0)[0][0]
    assert run_node({"op": "words", "items": [two_of_three]})[0]["code"] == "not_one_of_one"


def test_the_phones_partial_verifies_and_names_its_member():
    dealing = V.deal_keys(2, 3)
    session = dealing.session("phiên-Đoàn", ["a", "b"], ["tin-nhiem-cao", "tin-nhiem", "tin-nhiem-thap"])
    ballots = [seal_ballot(session, choices).ballot for choices in ([0, 2], None, [1, 1])]
    sums = V.aggregate(session, [V.verify_ballot(session, b).ciphertexts for b in ballots])
    status = {"session": session.to_json(), "sums": b64encode(b"".join(a + b for a, b in sums)),
              "ballots": 3, "threshold": 2, "holders": 3, "members_done": [], "state": "closed"}
    items = [{"status": status, "secret": b64encode(share.secret_bytes())} for share in dealing.shares]
    items.append({"status": status, "secret": b64encode(os.urandom(32)[:31] + b"\x00")})  # no member's
    results = run_node({"op": "partial", "items": items})
    answers = [r.get("ok") for r in results[:3]]
    assert [a["member"] for a in answers] == [1, 2, 3] and all(set(a) == {"member", "partial"} for a in answers)
    partials = {a["member"]: b64decode(a["partial"]) for a in answers}
    for member, partial in partials.items():
        V.verify_partial(session, member, partial, sums)
    assert V.tally(session, sums, 3, {1: partials[1], 3: partials[3]})[0] == 1
    assert results[3]["code"] == "bad_share"


def test_the_share_is_taken_from_the_fragment_and_wiped_from_the_address_bar():
    results = run_node({"op": "address", "items": ["#share=AbC-_d", "", "#other"]})
    assert results[0] == {"share": "AbC-_d", "kept": ["/member/s1?lang=en"]}
    assert results[1] == {"share": None, "kept": []}
    assert results[2] == {"share": None, "kept": ["/member/s1?lang=en"]}


def test_committed_bundle_was_built_from_the_current_source():
    package = json.loads((ROOT / "package.json").read_text())
    pinned = {**package["dependencies"], **package["devDependencies"]}
    banner = jsbundle.banner(BUNDLE)
    built = dict(re.findall(r"(@?[\w/.-]+)@(\d+\.\d+\.\d+)", banner))
    for name in ("@noble/curves", "@noble/hashes", "esbuild"):
        assert built.get(name) == pinned[name], f"rebuild the bundle: {name} {built.get(name)} != {pinned[name]}"
    assert f"src sha256:{jsbundle.source_hash()}" in banner, "static/js/src changed: run `npm ci && npm run build`"


@pytest.mark.parametrize("text", ["", "academic " * 33])
def test_nonsense_is_refused_not_thrown(text):
    assert run_node({"op": "words", "items": [text]})[0]["code"] in {"word_count", "checksum"}

"""Tampering with an audit bundle is always caught, by the checks that should catch it.

The bundle is built from the pure functions the server uses (audit.bundle.build_board,
domain.tally.count_ballots, crypto.signing.sign_document) with a test signing key, once per
module. Each tamper names the checks that must fail and those that may also fail; every
other check must still pass, so a report points at what was changed.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from votingapp.audit import repeats
from votingapp.audit.bundle import (
    AUDITOR,
    PUBLIC,
    board_ballots,
    build_board,
    build_board_header,
    build_bundle,
    bundle_pieces,
)
from votingapp.audit.stream import StreamedBundle
from votingapp.audit.verify import CHECKS, read_bundle, verify_bundle
from votingapp.crypto import sealed, signing
from votingapp.crypto.board import chain_head, chain_links
from votingapp.crypto.encoding import b64decode, b64encode
from votingapp.domain import ballot_forms
from votingapp.domain.policy import BASES, POLICIES
from votingapp.domain.tally import DUPLICATE_KEY, BallotForm, Bases, FormSubject, count_ballots, percent
from votingapp.services.ballots import decrypt_all

pytestmark = pytest.mark.sealed_scheme  # new sessions sealed-v2 here: see tests/conftest.py

FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SIGNING_KEY = signing.new_signing_key()
SIGNED_BY = signing.public_key_of(SIGNING_KEY)
AUDITOR_ONLY = {"session_key", "recount"}


P256_P = 2**256 - 2**224 + 2**192 + 2**96 - 1


def negated(ballot: sealed.SealedBallot) -> sealed.SealedBallot:
    """The copying attack: the same ballot with its ephemeral point's y replaced by p - y."""
    y = int.from_bytes(ballot.epk[33:], "big")
    return sealed.SealedBallot(ballot.epk[:33] + (P256_P - y).to_bytes(32, "big"), ballot.nonce, ballot.ct,
                               ballot.scheme)


def _open_or_none(key, session_id):
    def open_one(ballot):
        try:
            return sealed.open_sealed(ballot, session_id, key)
        except sealed.DecryptionFailed:
            return None
    return open_one


def pure_bundle(plaintexts, *, session_id="s-tamper", kind=ballot_forms.CONFIDENCE, subject_ids=("DV00001", "DV00002"),
                policy="qd96-2023", extra_present=1, void=1, level=AUDITOR, session_key=None,
                legacy=False, scheme=sealed.CURRENT_SCHEME, copies=0, count_copies=False) -> dict:
    """A bundle as the server exports it, for ballots whose plaintexts are given (dicts are
    sealed as a phone would seal choices; bytes are sealed as they are, to make invalid ballots).
    `copies` adds a negated-epk copy of each of the first ballots; the tally decrypts the board
    as the server's tally does, or, with `count_copies`, as a server that lets copies count."""
    key = session_key or sealed.generate_private_key()
    public = sealed.public_key_bytes(key.public_key())
    subjects = [{"id": s, "name": f"Nguyễn Thị {s}"} for s in subject_ids]
    size = ballot_forms.plaintext_size_for(session_id, kind, list(subject_ids))
    padded = [sealed.pad_plaintext({"v": 1, "session": session_id, "choices": p}, size) if isinstance(p, dict)
              else p.ljust(size) for p in plaintexts]
    session = {"id": session_id, "title": "Lấy phiếu tín nhiệm", "kind": kind, "meeting": "Hội nghị",
               "organization": "Chi bộ 1", "held_on": "2026-12-05", "scheme": scheme,
               "public_key": b64encode(public), "plaintext_size": size, "policy": policy,
               "subjects": subjects, "options": list(ballot_forms.option_ids(kind))}
    ballots = [sealed.seal(p, session_id, public, scheme=scheme) for p in padded]
    ballots += [negated(ballot) for ballot in ballots[:copies]]
    voted, present = len(ballots), len(ballots) + extra_present
    counts = {"summoned": present + 1, "present": present, "tokens_issued": voted + void, "tokens_used": voted,
              "tokens_void": void}
    if not legacy:  # boards since the electorate carry its exclusions and base
        counts |= {"excluded": 0, "base": present + 1}
    board = signing.sign_document(build_board(session, counts, ballots), SIGNING_KEY)
    form = BallotForm(session_id, kind, tuple(FormSubject(s["id"], s["name"]) for s in subjects), size)
    on_board = board_ballots(board)
    opened = (map(_open_or_none(key, session_id), on_board) if count_copies
              else decrypt_all(on_board, session_id, key))
    tally = count_ballots(opened, form, POLICIES[policy],
                          Bases(summoned=counts["summoned"], present=present, issued=counts["tokens_issued"],
                                base=None if legacy else counts["base"]))
    if legacy:  # signed before policies had a kind and a 2/3 reading
        for newer in ("kind", "two_thirds"):
            del tally["policy"][newer]
    tally["session"].update(title=session["title"], meeting=session["meeting"],
                            organization=session["organization"], held_on=session["held_on"])
    tally |= {"tokens": {"issued": voted + void, "used": voted, "void": void}, "board_head": board["head"],
              "committee": ["Trần Văn Kiểm"]}
    private = sealed.private_key_bytes(key) if level == AUDITOR else None
    return json.loads(json.dumps(build_bundle(level, board, signing.sign_document(tally, SIGNING_KEY), SIGNED_BY,
                                              private)))


SESSION_KEY = sealed.generate_private_key()
VOTES = [{"DV00001": "tin-nhiem", "DV00002": "tin-nhiem-thap"}, {"DV00001": "tin-nhiem-cao", "DV00002": "tin-nhiem"},
         {"DV00001": "tin-nhiem-thap", "DV00002": "tin-nhiem-thap"}, {"DV00001": "tin-nhiem"},
         {}, {"DV00001": "tin-nhiem", "DV00002": "tin-nhiem"}, b"not a ballot"]
BUNDLE = pure_bundle(VOTES, session_key=SESSION_KEY)
ENTRIES = len(BUNDLE["board"]["entries"])
B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _verdict(bundle, must: set, may: set = frozenset()):
    """Both levels: the auditor's bundle fails exactly `must` (plus some of `may`), the public
    one the same less what needs the session key."""
    failed = set(verify_bundle(bundle).failed)
    assert must <= failed <= must | may, (failed, must, may)
    public = {k: v for k, v in bundle.items() if k != "session_private_key"} | {"level": PUBLIC}
    failed_public = set(verify_bundle(public).failed)
    assert must - AUDITOR_ONLY <= failed_public <= (must | may) - AUDITOR_ONLY, (failed_public, must, may)


def _rechain(board: dict) -> None:
    """What a clever forger does after changing the entries: recompute every link and the head."""
    receipts = [entry["receipt"] for entry in board["entries"]]
    for entry, link in zip(board["entries"], chain_links(board["session"]["id"], receipts), strict=True):
        entry["chain"] = link
    board["head"] = chain_head(board["session"]["id"], receipts)


def test_the_untampered_bundle_passes_every_check():
    report = verify_bundle(BUNDLE, receipt=BUNDLE["board"]["entries"][3]["receipt"], signing_key=SIGNED_BY)
    assert report.ok, report.text()
    assert [c.name for c in report.checks if not c.skipped] == list(CHECKS)
    assert report.to_dict()["checks"][-1]["detail"].startswith("all 7 ballots decrypted")


choices = st.fixed_dictionaries({}, optional={s: st.sampled_from(ballot_forms.option_ids(ballot_forms.CONFIDENCE))
                                              for s in ("DV00001", "DV00002")})


motion_choices = st.fixed_dictionaries(
    {}, optional={"motion": st.sampled_from(ballot_forms.option_ids(ballot_forms.MOTION))})


@FAST
@given(confidence=st.lists(choices | st.binary(max_size=8), max_size=8),
       motions=st.lists(motion_choices | st.binary(max_size=8), max_size=8), extra_present=st.integers(0, 3))
def test_a_bundle_signed_before_bases_had_a_base_and_policies_a_kind_still_passes(confidence, motions,
                                                                                 extra_present):
    """The sessions of that time: confidence votes and motions, all counted by qd96-2023."""
    for kind, votes, subject_ids in ((ballot_forms.CONFIDENCE, confidence, ("DV00001", "DV00002")),
                                     (ballot_forms.MOTION, motions, ("motion",))):
        bundle = pure_bundle(votes, kind=kind, subject_ids=subject_ids, extra_present=extra_present,
                             session_key=SESSION_KEY, legacy=True)
        assert "base" not in bundle["tally"]["bases"] and "kind" not in bundle["tally"]["policy"]
        report = verify_bundle(bundle)
        assert report.ok, report.text()


@FAST
@given(votes=st.lists(choices | st.binary(max_size=8), max_size=8),
       policy=st.sampled_from(sorted(POLICIES)), extra_present=st.integers(0, 3), void=st.integers(0, 3))
def test_any_bundle_the_server_would_export_passes(votes, policy, extra_present, void):
    bundle = pure_bundle(votes, policy=policy, extra_present=extra_present, void=void, session_key=SESSION_KEY)
    report = verify_bundle(bundle)
    assert report.ok, report.text()


@FAST
@given(index=st.integers(0, ENTRIES - 1), name=st.sampled_from(["epk", "nonce", "ct"]), data=st.data())
def test_any_changed_byte_of_an_entry_fails_signature_receipt_and_recount(index, name, data):
    bundle = copy.deepcopy(BUNDLE)
    entry = bundle["board"]["entries"][index]
    raw = bytearray(b64decode(entry[name]))
    position, delta = data.draw(st.integers(0, len(raw) - 1)), data.draw(st.integers(1, 255))
    raw[position] = (raw[position] + delta) % 256
    entry[name] = b64encode(bytes(raw))
    _verdict(bundle, {"board_signature", "board_entries", "recount"})


FIELD_CHECKS = {"epk": {"board_entries", "recount"}, "nonce": {"board_entries", "recount"},
                "ct": {"board_entries", "recount"}, "receipt": {"board_entries", "hash_chain"},
                "chain": {"hash_chain"}}


@FAST
@given(index=st.integers(0, ENTRIES - 1), name=st.sampled_from(sorted(FIELD_CHECKS)), data=st.data())
def test_any_changed_character_of_an_entry_field_is_named_by_its_check(index, name, data):
    bundle = copy.deepcopy(BUNDLE)
    entry = bundle["board"]["entries"][index]
    position = data.draw(st.integers(0, len(entry[name]) - 1))
    new = data.draw(st.sampled_from(B64_ALPHABET + "=+/ é\"").filter(lambda c: c != entry[name][position]))
    entry[name] = entry[name][:position] + new + entry[name][position + 1:]
    _verdict(bundle, {"board_signature"} | FIELD_CHECKS[name])


@FAST
@given(index=st.integers(0, ENTRIES - 1))
def test_a_removed_entry_breaks_the_chain_and_the_counts(index):
    bundle = copy.deepcopy(BUNDLE)
    del bundle["board"]["entries"][index]
    _verdict(bundle, {"board_signature", "hash_chain", "board_counts", "recount"})


@FAST
@given(index=st.integers(0, ENTRIES - 1))
def test_a_removed_entry_with_the_chain_recomputed_still_fails_the_counts_and_the_tally(index):
    bundle = copy.deepcopy(BUNDLE)
    del bundle["board"]["entries"][index]
    _rechain(bundle["board"])
    _verdict(bundle, {"board_signature", "board_counts", "tally_matches_board", "recount"})


@FAST
@given(vote=choices)
def test_an_added_ballot_with_the_chain_recomputed_fails_the_counts_and_the_tally(vote):
    bundle = copy.deepcopy(BUNDLE)
    board = bundle["board"]
    plaintext = sealed.pad_plaintext({"v": 1, "session": board["session"]["id"], "choices": vote},
                                     board["session"]["plaintext_size"])
    ballot = sealed.seal(plaintext, board["session"]["id"], b64decode(board["session"]["public_key"]))
    wire = ballot.to_dict()
    board["entries"] = sorted(board["entries"] + [{"receipt": ballot.receipt, "epk": wire["epk"],
                                                   "nonce": wire["nonce"], "ct": wire["ct"], "chain": ""}],
                              key=lambda entry: entry["receipt"])
    _rechain(board)
    _verdict(bundle, {"board_signature", "board_counts", "tally_matches_board", "recount"})


@FAST
@given(index=st.integers(0, ENTRIES - 1))
def test_a_duplicated_entry_is_found_as_a_duplicate(index):
    bundle = copy.deepcopy(BUNDLE)
    entries = bundle["board"]["entries"]
    entries.insert(index + 1, copy.deepcopy(entries[index]))
    _verdict(bundle, {"board_signature", "board_entries", "no_duplicate_keys", "hash_chain", "board_counts",
                      "recount"})


@FAST
@given(pair=st.lists(st.integers(0, ENTRIES - 1), min_size=2, max_size=2, unique=True))
def test_reordered_entries_break_the_order_and_the_chain_but_not_the_count(pair):
    bundle = copy.deepcopy(BUNDLE)
    entries = bundle["board"]["entries"]
    i, j = pair
    entries[i], entries[j] = entries[j], entries[i]
    _verdict(bundle, {"board_signature", "board_entries", "hash_chain"})


COUNT_FIELDS = ["summoned", "present", "tokens_issued", "tokens_used", "tokens_void", "ballots"]


@FAST
@given(name=st.sampled_from(COUNT_FIELDS), value=st.integers(0, 60))
def test_a_changed_board_count_disagrees_with_the_tally(name, value):
    bundle = copy.deepcopy(BUNDLE)
    counts = bundle["board"]["counts"]
    if counts[name] == value:
        value += 1
    counts[name] = value
    _verdict(bundle, {"board_signature", "tally_matches_board"}, {"board_counts", "recount"})


def _tally_numbers(tally: dict):
    """(path, must fail, may fail) for every number of the tally."""
    sign = {"tally_signature"}
    for name in ("received", "valid", "invalid"):
        yield ("ballots", name), sign | {"tally_arithmetic", "recount"} | (
            {"tally_matches_board"} if name == "received" else set()), set()
    for reason in tally["ballots"]["invalid_by_reason"]:
        yield ("ballots", "invalid_by_reason", reason), sign | {"tally_arithmetic", "recount"}, set()
    for name in BASES:
        if name in ("received", "valid"):
            yield ("bases", name), sign | {"tally_arithmetic"}, set()
        else:
            yield ("bases", name), sign | {"tally_matches_board"}, {"tally_arithmetic", "recount"}
    for name in ("issued", "used", "void"):
        yield ("tokens", name), sign | {"tally_matches_board"}, set()
    for i, subject in enumerate(tally["subjects"]):
        for option in subject["counts"]:
            yield ("subjects", i, "counts", option), sign | {"tally_arithmetic", "recount"}, set()


TALLY_NUMBERS = list(_tally_numbers(BUNDLE["tally"]))


@FAST
@given(target=st.sampled_from(TALLY_NUMBERS), delta=st.integers(-5, 5).filter(bool))
def test_a_changed_tally_number_fails_its_signature_and_what_it_no_longer_matches(target, delta):
    bundle = copy.deepcopy(BUNDLE)
    path, must, may = target
    node = bundle["tally"]
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = abs(node[path[-1]] + delta)
    if node[path[-1]] == _original(path):
        node[path[-1]] += 1
    _verdict(bundle, must, may)


def _original(path):
    node = BUNDLE["tally"]
    for step in path:
        node = node[step]
    return node


@FAST
@given(subject=st.integers(0, 1), option=st.sampled_from(ballot_forms.option_ids(ballot_forms.CONFIDENCE) + ("blank",)),
       basis=st.sampled_from((None,) + BASES), value=st.sampled_from(["0.00", "100.00", "50.00", "33.33", None]))
def test_a_changed_percentage_fails_the_arithmetic(subject, option, basis, value):
    """The recount compares what the ballots say (counts); what follows from the counts is the
    arithmetic's to recompute, on whatever bases the tally holds."""
    bundle = copy.deepcopy(BUNDLE)
    result = bundle["tally"]["subjects"][subject]
    percents = result["percent"] if basis is None else result["percent_by_basis"][basis]
    percents[option] = value if percents[option] != value else "12.34"
    _verdict(bundle, {"tally_signature", "tally_arithmetic"})


@FAST
@given(document=st.sampled_from(["board", "tally"]), part=st.sampled_from(["value", "public_key"]), data=st.data())
def test_a_changed_signature_byte_fails_that_signature_only(document, part, data):
    bundle = copy.deepcopy(BUNDLE)
    signature = bundle[document]["signature"]
    raw = bytearray(b64decode(signature[part]))
    position, delta = data.draw(st.integers(0, len(raw) - 1)), data.draw(st.integers(1, 255))
    raw[position] = (raw[position] + delta) % 256
    signature[part] = b64encode(bytes(raw))
    _verdict(bundle, {f"{document}_signature"})


@FAST
@given(position=st.integers(0, 31), delta=st.integers(1, 255))
def test_a_changed_bundle_signing_key_fails_both_signatures(position, delta):
    bundle = copy.deepcopy(BUNDLE)
    raw = bytearray(b64decode(bundle["signing_key"]))
    raw[position] = (raw[position] + delta) % 256
    bundle["signing_key"] = b64encode(bytes(raw))
    _verdict(bundle, {"board_signature", "tally_signature"})


POLICY_VALUES = {
    "name": st.sampled_from(sorted(POLICIES) + ["qd96-2099", ""]),
    "version": st.integers(0, 5),
    "title": st.text(max_size=20),
    "title_en": st.text(max_size=20),
    "basis": st.sampled_from(BASES + ("nobody",)),
    "unmarked_subject": st.sampled_from(["invalid", "blank", "ignore"]),
    "motion_basis": st.sampled_from(BASES + ("everyone",)),
    "kind": st.sampled_from(ballot_forms.KINDS + ("election",)),
    "two_thirds": st.sampled_from(["from", "over", "at"]),
}


@FAST
@given(name=st.sampled_from(sorted(POLICY_VALUES)), data=st.data())
def test_a_changed_policy_field_of_the_tally_fails_the_arithmetic(name, data):
    bundle = copy.deepcopy(BUNDLE)
    policy = bundle["tally"]["policy"]
    policy[name] = data.draw(POLICY_VALUES[name].filter(lambda value: value != policy[name]))
    _verdict(bundle, {"tally_signature", "tally_arithmetic"}, {"recount"})


@FAST
@given(name=st.sampled_from(sorted(POLICIES) + ["qd96-2099"]).filter(lambda n: n != BUNDLE["tally"]["policy"]["name"]))
def test_a_changed_policy_name_on_the_board_fails_the_arithmetic(name):
    bundle = copy.deepcopy(BUNDLE)
    bundle["board"]["session"]["policy"] = name
    _verdict(bundle, {"board_signature", "tally_arithmetic"})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20)


@FAST
@given(junk=json_values)
def test_arbitrary_json_never_raises_and_never_passes(junk):
    report = verify_bundle(junk)
    assert not report.ok and report.failed == ["bundle_format"]


def _paths(value, prefix=()):
    yield prefix
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        yield from _paths(child, prefix + (key,))


BUNDLE_PATHS = [path for path in _paths(BUNDLE) if path]


@FAST
@given(path=st.sampled_from(BUNDLE_PATHS), junk=json_values, receipt=st.none() | st.text(max_size=70))
def test_junk_anywhere_in_a_bundle_never_raises_and_is_caught(path, junk, receipt):
    bundle = copy.deepcopy(BUNDLE)
    node = bundle
    for step in path[:-1]:
        node = node[step]
    original = node[path[-1]]
    node[path[-1]] = junk
    report = verify_bundle(bundle, receipt=receipt)
    assert [check.name for check in report.checks] == list(CHECKS)
    if json.dumps(junk, sort_keys=True) != json.dumps(original, sort_keys=True):
        assert not report.ok


# --- copied ballots: a board the server signed, holding one ballot twice ---------------------------

COPIED_VOTES = VOTES[:3]


@pytest.mark.parametrize("scheme", sealed.SCHEMES)
def test_a_validly_signed_board_holding_a_copied_ballot_fails_no_duplicate_keys(scheme):
    """The server's own key signs board and tally, and the tally counts the copy as the server
    counted it (invalid, duplicate_ephemeral_key): the board itself still fails."""
    bundle = pure_bundle(COPIED_VOTES, session_key=SESSION_KEY, scheme=scheme, copies=1)
    assert bundle["tally"]["ballots"]["invalid_by_reason"] == {DUPLICATE_KEY: 1}
    report = verify_bundle(bundle, signing_key=SIGNED_BY)
    assert report.failed == ["no_duplicate_keys"], report.text()
    assert report.exit_code == 1
    detail = next(c.detail for c in report.checks if c.name == "no_duplicate_keys")
    assert "the same ephemeral key x-coordinate as entry" in detail
    public = {k: v for k, v in bundle.items() if k != "session_private_key"} | {"level": PUBLIC}
    assert verify_bundle(public, signing_key=SIGNED_BY).failed == ["no_duplicate_keys"]


def test_a_dishonest_sealed_v1_tally_that_counts_the_copy_also_fails_the_recount():
    """Under sealed-v1 the negated copy opens to the same choices: counted, it adds a vote."""
    honest = pure_bundle(COPIED_VOTES, session_key=SESSION_KEY, scheme="sealed-v1", copies=1)
    bundle = pure_bundle(COPIED_VOTES, session_key=SESSION_KEY, scheme="sealed-v1", copies=1, count_copies=True)
    assert bundle["tally"]["ballots"]["valid"] == honest["tally"]["ballots"]["valid"] + 1 == 4
    report = verify_bundle(bundle, signing_key=SIGNED_BY)
    assert report.failed == ["no_duplicate_keys", "recount"], report.text()
    recount = next(c.detail for c in report.checks if c.name == "recount")
    assert recount == "ballots.valid: recounted 3, the tally says 4"


def test_a_sealed_v2_copy_does_not_even_open():
    bundle = pure_bundle(COPIED_VOTES, session_key=SESSION_KEY, scheme="sealed-v2", copies=1, count_copies=True)
    assert bundle["tally"]["ballots"]["invalid_by_reason"] == {"undecryptable": 1}
    assert bundle["tally"]["ballots"]["valid"] == 3


@pytest.mark.parametrize("scheme", sealed.SCHEMES)
def test_a_board_of_either_scheme_without_copies_passes_pinned(scheme):
    bundle = pure_bundle(VOTES, session_key=SESSION_KEY, scheme=scheme)
    assert bundle["board"]["session"]["scheme"] == scheme
    report = verify_bundle(bundle, signing_key=SIGNED_BY)
    assert report.ok and report.pinned and report.exit_code == 0, report.text()
    assert report.text().splitlines()[-1] == "ALL CHECKS PASSED"


def test_without_a_pinned_key_every_check_runs_but_the_exit_code_is_3_and_says_why():
    report = verify_bundle(BUNDLE)
    assert report.ok and not report.pinned and report.exit_code == 3
    assert [c.name for c in report.checks if not c.skipped] == list(CHECKS[:CHECKS.index("receipt")]) + [
        "session_key", "recount"]
    assert "NOTHING PROVES WHO SIGNED THIS BUNDLE" in report.text().splitlines()[-1]
    assert report.to_dict()["exit_code"] == 3 and report.to_dict()["pinned"] is False


def _with_base(bundle: dict, *, board_base: int, tally_base: int) -> dict:
    """The bundle as a later version writes it: the board counts `excluded` and `base`, the tally
    a `base` basis with its percentages; both re-signed."""
    bundle = copy.deepcopy(bundle)
    counts = bundle["board"]["counts"]
    counts.update(excluded=counts["summoned"] - board_base, base=board_base)
    tally = bundle["tally"]
    tally["bases"]["base"] = tally_base
    for subject in tally["subjects"]:
        subject["percent_by_basis"]["base"] = {name: percent(n, tally_base) for name, n in subject["counts"].items()}
    bundle["board"] = signing.sign_document(bundle["board"], SIGNING_KEY)
    bundle["tally"] = signing.sign_document(tally, SIGNING_KEY)
    return bundle


def test_a_tally_with_the_optional_base_basis_and_board_counts_verifies():
    present = BUNDLE["board"]["counts"]["present"]
    report = verify_bundle(_with_base(BUNDLE, board_base=present - 1, tally_base=present - 1), signing_key=SIGNED_BY)
    assert report.ok, report.text()


def test_a_base_basis_unlike_the_boards_fails_tally_matches_board():
    present = BUNDLE["board"]["counts"]["present"]
    report = verify_bundle(_with_base(BUNDLE, board_base=present - 1, tally_base=present), signing_key=SIGNED_BY)
    assert report.failed == ["tally_matches_board"], report.text()
    assert f"bases.base: tally {present}, board {present - 1}" in next(c.detail for c in report.checks
                                                               if c.name == "tally_matches_board")


# --- the copy check's second reading: digests find candidates, the keys themselves decide ---------

def _file_v2(bundle: dict, path) -> str:
    """The same ballots, tally and key as an audit-bundle-v2 file (the board's entries last),
    which the verifier streams and can read a second time."""
    board = bundle["board"]
    header = signing.sign_document(build_board_header(board["session"], board["counts"],
                                                      [entry["receipt"] for entry in board["entries"]]), SIGNING_KEY)
    tally = signing.sign_document(bundle["tally"] | {"board_head": header["head"]}, SIGNING_KEY)
    key = b64decode(bundle["session_private_key"]) if bundle["level"] == AUDITOR else None
    path.write_text("".join(bundle_pieces(bundle["level"], header, board_ballots(board), tally, SIGNED_BY, key)),
                    encoding="utf-8")
    return str(path)


def _details(report) -> list[tuple[str, bool, str]]:
    return [(check.name, check.ok, check.detail) for check in report.checks]


@pytest.mark.parametrize("count_copies", [False, True])
def test_copies_in_a_streamed_file_are_reported_as_in_a_bundle_in_memory(tmp_path, count_copies):
    bundle = pure_bundle(VOTES[:4], session_key=SESSION_KEY, scheme="sealed-v1", copies=2, count_copies=count_copies)
    path = _file_v2(bundle, tmp_path / "bundle.json")
    streamed = verify_bundle(read_bundle(path), signing_key=SIGNED_BY)
    whole = json.loads(Path(path).read_text(encoding="utf-8"))
    in_memory = verify_bundle(whole, signing_key=SIGNED_BY)
    assert _details(streamed) == _details(in_memory)
    assert streamed.failed == (["no_duplicate_keys", "recount"] if count_copies else ["no_duplicate_keys"])
    entries = whole["board"]["entries"]
    keys = [b64decode(entry["epk"])[1:33] for entry in entries]
    copies = [number for number, key in enumerate(keys, start=1) if key in keys[:number - 1]]
    first = copies[0]
    detail = next(c.detail for c in streamed.checks if c.name == "no_duplicate_keys")
    assert detail.startswith(f"entry {first} ({entries[first - 1]['receipt'][:8]}…) has the same ephemeral key "
                             f"x-coordinate as entry {keys.index(keys[first - 1]) + 1}: one is a copy")
    assert detail.endswith(" (2 duplicates; the first is shown)")


@pytest.mark.parametrize("copies", [0, 2])
def test_a_digest_collision_never_reports_a_copy_nor_changes_the_recount(monkeypatch, tmp_path, copies):
    """Every key given one digest: all are candidates, and the second reading finds exactly the
    real copies, so the report is word for word the one of distinct digests."""
    bundle = pure_bundle(VOTES, session_key=SESSION_KEY, scheme="sealed-v1", copies=copies)
    path = _file_v2(bundle, tmp_path / "bundle.json")
    expected = _details(verify_bundle(read_bundle(path), signing_key=SIGNED_BY))
    monkeypatch.setattr(repeats._Copies, "_digest",
                        lambda self, ballot: repeats._NO_KEY if isinstance(ballot, str) else 1)
    assert _details(verify_bundle(read_bundle(path), signing_key=SIGNED_BY)) == expected
    assert verify_bundle(read_bundle(path)).failed == (["no_duplicate_keys"] if copies else [])


@pytest.mark.parametrize("copies", [0, 2])
def test_copies_far_apart_are_found_through_the_stores_files_word_for_word(request, tmp_path, copies):
    """With every key's digest sent to a partition file, every partition split and the digests
    in order read back from files, the copy check and the recount say word for word what they
    say in memory, and the files are gone after (also when the second reading fails)."""
    bundle = pure_bundle(VOTES * 6, session_key=SESSION_KEY, scheme="sealed-v1", copies=copies)
    path = _file_v2(bundle, tmp_path / "bundle.json")
    expected = _details(verify_bundle(read_bundle(path), signing_key=SIGNED_BY))
    folder, closed = request.getfixturevalue("tiny_digest_store")
    assert _details(verify_bundle(read_bundle(path), signing_key=SIGNED_BY)) == expected
    assert closed == [True] and not any(folder.iterdir())
    streamed = read_bundle(path)
    Path(path).unlink()
    report = verify_bundle(streamed)
    assert report.failed == (["no_duplicate_keys", "recount"] if copies else []), report.text()
    assert closed == [True, True] and not any(folder.iterdir())


def test_entries_that_change_before_the_second_reading_fail_the_copy_check(tmp_path):
    bundle = pure_bundle(VOTES[:3], session_key=SESSION_KEY, scheme="sealed-v1", copies=1)
    path = _file_v2(bundle, tmp_path / "bundle.json")
    other = _file_v2(pure_bundle(VOTES[:3], session_key=SESSION_KEY, scheme="sealed-v1", copies=1),
                     tmp_path / "other.json")
    streamed = read_bundle(path)
    streamed.again = read_bundle(other).again
    report = verify_bundle(streamed)
    assert report.failed == ["no_duplicate_keys", "recount"], report.text()
    assert {c.detail for c in report.checks if not c.ok} == {
        "the board's entries were not the same when read a second time (to confirm copies)"}


def test_copies_in_entries_that_cannot_be_read_again_fail_unconfirmed(tmp_path):
    with_copy = read_bundle(_file_v2(pure_bundle(VOTES[:3], session_key=SESSION_KEY, scheme="sealed-v1", copies=1),
                                     tmp_path / "copy.json"))
    report = verify_bundle(StreamedBundle(with_copy.header, with_copy.entries))
    assert report.failed == ["no_duplicate_keys", "recount"], report.text()
    assert "cannot be read a second time to confirm it" in report.checks[CHECKS.index("no_duplicate_keys")].detail
    honest = read_bundle(_file_v2(pure_bundle(VOTES[:3], session_key=SESSION_KEY), tmp_path / "honest.json"))
    assert verify_bundle(StreamedBundle(honest.header, honest.entries)).ok


def test_a_file_gone_before_the_second_reading_fails_the_copy_check_in_words(tmp_path):
    path = _file_v2(pure_bundle(VOTES[:3], session_key=SESSION_KEY, scheme="sealed-v1", copies=1),
                    tmp_path / "bundle.json")
    streamed = read_bundle(path)
    Path(path).unlink()
    report = verify_bundle(streamed)
    assert report.failed == ["no_duplicate_keys", "recount"], report.text()
    detail = report.checks[CHECKS.index("no_duplicate_keys")].detail
    assert detail.startswith("the board's entries could not be read a second time (to confirm copies): cannot read")

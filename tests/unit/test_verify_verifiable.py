"""`votingapp verify` on verifiable-v1 bundles (spec §7): an honest bundle passes every check,
and each check added for the scheme fails on the tampering it exists for, even when the
forger holds the signing key and re-signs everything (tests/verifiable_bundles.Forger)."""

from __future__ import annotations

import copy
import io
from pathlib import Path

import pytest

from votingapp.audit import proofs, repeats
from votingapp.audit.spoiled import find_spoiled, spoiled_text
from votingapp.audit.stream import StreamedBundle, read_bundle_file
from votingapp.audit.verify import CHECKS, VERIFIABLE_CHECKS, read_bundle, verify_bundle
from votingapp.crypto import verifiable as V
from votingapp.crypto.encoding import b64encode
from votingapp.crypto.verifiable import group

from ..verifiable_bundles import (
    SIGNED_BY,
    assemble,
    bundle_text,
    entry_bytes,
    flip,
    make_bundle,
    partials_of,
    resign,
    with_ballot,
    with_partials,
    with_spoiled,
)

CHOICES = [[0, 1], [2, 2], None, [1, 0], [0, 0]]
SPOILED = [[2, 1], None]
SIGNATURES = {"board_signature", "tally_signature"}


@pytest.fixture(scope="module")
def made():
    return make_bundle(CHOICES, spoiled=SPOILED)


def failed(bundle, **kwargs) -> set[str]:
    return set(verify_bundle(bundle, **kwargs).failed)


def test_an_honest_bundle_passes_every_check_in_order(made):
    report = verify_bundle(made.bundle, signing_key=SIGNED_BY)
    assert [check.name for check in report.checks] == list(VERIFIABLE_CHECKS)
    assert report.ok and report.exit_code == 0, report.text()
    assert {c.name for c in report.checks if c.skipped} == {"receipt"}
    details = {check.name: check.detail for check in report.checks}
    assert details["ballot_proofs"].startswith("5 ballots: every bit and row proof verifies")
    assert details["spoiled"].startswith("2 spoiled ballots")
    assert "members 1, 2 (k = 2)" in details["decryption"] and "(1 blank of 5 ballots)" in details["decryption"]


def test_the_sealed_checks_that_need_a_key_or_ephemeral_keys_are_not_run():
    assert not {"no_duplicate_keys", "session_key", "recount"} & set(VERIFIABLE_CHECKS)
    assert {"key_consistency", "ballot_proofs", "spoiled", "decryption"} <= set(VERIFIABLE_CHECKS) - set(CHECKS)


def test_streamed_from_the_file_the_server_writes_it_passes_the_same(made):
    streamed = read_bundle_file(io.BytesIO(bundle_text(made.bundle).encode()))
    assert verify_bundle(streamed).to_dict() == verify_bundle(made.bundle).to_dict()


def test_before_the_tally_the_tally_checks_are_skipped():
    made = make_bundle([[0, 1], None], tallied=False)
    report = verify_bundle(made.bundle)
    assert report.ok, report.text()
    assert {c.name for c in report.checks if c.skipped} == {"tally_signature", "tally_matches_board",
                                                           "tally_arithmetic", "decryption", "receipt"}


def test_an_empty_board_with_no_spoiled_ballot_decrypts_to_zero():
    report = verify_bundle(make_bundle([]).bundle)
    assert report.ok, report.text()
    details = {c.name: c.detail for c in report.checks}
    assert details["spoiled"] == "no ballot was checked (spoiled) in this session"


def test_the_lenient_policy_has_its_blank_column_counted_by_the_decryption():
    made = make_bundle([[3, 0], [3, 3], [1, 2]], policy="qd96-2023-lenient", threshold=1, holders=1)
    assert made.bundle["board"]["session"]["options"][-1] == "blank"
    report = verify_bundle(made.bundle)
    assert report.ok, report.text()
    assert made.bundle["tally"]["subjects"][0]["counts"]["blank"] == 2


def test_a_larger_committee_and_other_members_verify():
    made = make_bundle([[0], [1], [1]], kind="motion", subject_ids=("motion",), threshold=3, holders=5,
                       members=[1, 3, 4, 5])
    assert verify_bundle(made.bundle).ok
    assert made.bundle["tally"]["decryption"]["members"] == [1, 3, 4, 5]


# --- each new check, on its tampering -----------------------------------------------------------

def test_a_bad_proof_in_one_entry_fails_ballot_proofs_only(made):
    ballot = entry_bytes(made.bundle, 2)
    T = made.session.ciphertext_count
    for position, code in ((64 * T + 40, "bad_bit_proof"), (192 * T + 5, "bad_row_proof")):
        report = verify_bundle(with_ballot(made.bundle, 2, flip(ballot, position)))
        assert set(report.failed) == {"ballot_proofs"}, report.text()
        assert f": {code}: " in next(c.detail for c in report.checks if c.name == "ballot_proofs")


def test_a_ballot_of_the_wrong_size_or_with_a_bad_point_fails_and_cannot_be_summed(made):
    ballot = entry_bytes(made.bundle, 0)
    assert failed(with_ballot(made.bundle, 0, ballot[:-1])) == {"ballot_proofs", "decryption"}
    assert failed(with_ballot(made.bundle, 0, bytes(32) + ballot[32:])) == {"ballot_proofs", "decryption"}


class Replaying:
    """A phone that reuses r_0 of another ballot (its A_0 repeats) and draws the rest afresh."""

    def __init__(self, first: int):
        self.first, self.rest = first, V.SystemRandom()

    def scalar(self):
        first, self.first = self.first, None
        return first if first is not None else self.rest.scalar()


@pytest.fixture(scope="module")
def replay():
    """A bundle whose first ballot was sealed with a known r_0, and a second ballot reusing it."""
    r0 = V.SystemRandom().scalar()
    made = make_bundle([])
    made.ballots = [V.seal_ballot(made.session, [0, 1], rng=Replaying(r0)).ballot,
                    V.seal_ballot(made.session, [1, 1]).ballot]
    made.r0 = r0
    made.bundle = assemble(made)
    assert verify_bundle(made.bundle).ok
    return made


def test_an_a_t_repeated_across_entries_fails_ballot_proofs_only(replay):
    copy_ = V.seal_ballot(replay.session, [2, 0], rng=Replaying(replay.r0)).ballot
    assert copy_[:32] == replay.ballots[0][:32]
    replay.ballots.append(copy_)
    try:
        bundle = assemble(replay)
    finally:
        replay.ballots.pop()
    report = verify_bundle(bundle)
    assert set(report.failed) == {"ballot_proofs"}, report.text()
    assert "duplicate_ciphertext: its A_0 is also an A_t of an earlier entry" in report.checks[7].detail


def test_an_entry_reusing_a_spoiled_ballots_a_t_fails_ballot_proofs(replay):
    spoiled = V.seal_ballot(replay.session, [2, 2], rng=Replaying(replay.r0))
    bundle = with_spoiled(replay.bundle, [(spoiled.ballot, spoiled.reveal)])
    report = verify_bundle(bundle)
    assert set(report.failed) == {"ballot_proofs"}, report.text()
    assert "also an A_t of a spoiled ballot" in report.checks[7].detail


def test_spoiled_with_a_wrong_reveal_or_a_bad_proof_fails_spoiled_only(made):
    (ballot, reveal), other = made.spoiled[0], made.spoiled[1]
    wrong = [(ballot, other[1]), (ballot, flip(reveal, 3)), (ballot, reveal[:-1]), (flip(ballot, 700), reveal)]
    for pair in wrong:
        report = verify_bundle(with_spoiled(made.bundle, [pair, other]))
        assert set(report.failed) == {"spoiled"}, report.text()
    detail = next(c.detail for c in verify_bundle(with_spoiled(made.bundle, [wrong[0], other])).checks
                  if c.name == "spoiled")
    assert "bad_reveal" in detail


def test_two_spoiled_ballots_sharing_an_a_t_fail_spoiled(replay):
    first = V.seal_ballot(replay.session, [0, 0], rng=Replaying(7))
    second = V.seal_ballot(replay.session, [1, 1], rng=Replaying(7))
    bundle = with_spoiled(replay.bundle, [(first.ballot, first.reveal), (second.ballot, second.reveal)])
    report = verify_bundle(bundle)
    assert set(report.failed) == {"spoiled"} and "duplicate_ciphertext" in report.checks[8].detail


def test_a_spoiled_receipt_that_is_not_its_ballots_fails_spoiled(made):
    bundle = copy.deepcopy(made.bundle)
    bundle["board"]["spoiled"][0]["receipt"] = "0" * 64
    assert failed(resign(bundle)) == {"spoiled"}


def test_a_partial_with_a_bad_proof_fails_decryption_only(made):
    partials = partials_of(made.bundle)
    for position in (96 + 40, 96 * 3 + 70, 5):  # a c, a z, a D
        bad = dict(partials) | {2: flip(partials[2], position)}
        report = verify_bundle(with_partials(made.bundle, bad))
        assert set(report.failed) == {"decryption"}, (position, report.text())


def test_too_few_members_or_a_member_out_of_order_fails_decryption(made):
    partials = partials_of(made.bundle)
    assert failed(with_partials(made.bundle, {1: partials[1]})) == {"decryption"}
    bundle = copy.deepcopy(made.bundle)
    bundle["tally"]["decryption"]["members"].reverse()
    assert failed(resign(bundle)) == {"decryption"}


def test_a_count_off_by_one_fails_decryption_only(made):
    """Moved from one option to another, so every sum and percentage still adds up."""
    numbers = V.tally(made.session, V.aggregate(made.session, [V.verify_ballot(made.session, b).ciphertexts
                                                               for b in made.ballots]),
                      len(made.ballots), partials_of(made.bundle))
    numbers[1] += 1
    numbers[2] -= 1
    forged = assemble(made, counts_override=numbers, partials=partials_of(made.bundle))
    report = verify_bundle(forged)
    assert set(report.failed) == {"decryption"}, report.text()
    assert "count 1 does not match its decryption" in report.checks[12].detail


def test_a_blank_ballot_counted_as_marked_fails_decryption(made):
    bundle = copy.deepcopy(made.bundle)
    bundle["tally"]["ballots"].update(invalid=0, valid=5, invalid_by_reason={})
    assert "decryption" in failed(resign(bundle))


def test_an_inconsistent_verification_key_fails_key_consistency_only():
    dealing = V.deal_keys(2, 3)
    stray = group.base_mul(V.SystemRandom().scalar())
    bent = V.Dealing(dealing.public_key, 2, dealing.verification_keys[:2] + (stray,), dealing.shares[:2])
    made = make_bundle([[0, 1], [1, 2]], spoiled=[[2, 2]], dealing=bent)
    report = verify_bundle(made.bundle)
    assert set(report.failed) == {"key_consistency"}, report.text()
    assert "verification key 3 is off the keys' polynomial" in report.checks[3].detail


def test_a_changed_session_key_breaks_every_proof_bound_to_it(made):
    bundle = copy.deepcopy(made.bundle)
    keys = bundle["board"]["session"]["verification_keys"]
    keys[0] = b64encode(group.base_mul(5))
    assert {"key_consistency", "ballot_proofs", "spoiled", "decryption"} <= failed(resign(bundle))


def test_an_auditor_level_or_a_board_v1_is_not_a_verifiable_bundle(made):
    bundle = copy.deepcopy(made.bundle) | {"level": "auditor", "session_private_key": "AAAA"}
    report = verify_bundle(bundle)
    assert report.failed == ["bundle_format"] and "no auditor level" in report.checks[0].detail
    assert [c.name for c in report.checks] == list(VERIFIABLE_CHECKS)


def test_a_verifiable_tally_without_its_decryption_is_malformed(made):
    bundle = copy.deepcopy(made.bundle)
    del bundle["tally"]["decryption"]
    assert failed(resign(bundle)) == {"bundle_format"}


def test_a_board_without_its_blank_column_under_the_lenient_policy_is_malformed():
    made = make_bundle([[0, 1]], policy="qd96-2023-lenient")
    bundle = copy.deepcopy(made.bundle)
    bundle["board"]["session"]["options"].pop()
    assert failed(resign(bundle)) == {"bundle_format"}


# --- --jobs ---------------------------------------------------------------------------------------

def test_two_jobs_give_the_same_report_as_one(replay):
    """Over several chunks, with a bad proof in a later chunk and an A_t repeated across chunks."""
    made = make_bundle([[i % 3, (i // 3) % 3] for i in range(2 * proofs.CHUNK + 5)], spoiled=[[1, 1]])
    honest = verify_bundle(made.bundle)
    assert honest.ok and verify_bundle(made.bundle, jobs=2).to_dict() == honest.to_dict()
    bundle = made.bundle
    index = len(bundle["board"]["entries"]) - 3
    bundle = with_ballot(bundle, index, flip(entry_bytes(bundle, index), 64 * made.session.ciphertext_count + 1))
    one, two = verify_bundle(bundle), verify_bundle(bundle, jobs=2)
    assert one.failed == ["ballot_proofs"] and two.to_dict() == one.to_dict()


# --- --spoiled ----------------------------------------------------------------------------------

def test_spoiled_decodes_a_checked_ballot_in_both_languages(made):
    receipt = V.receipt_of(made.spoiled[0][0])
    report, ballot = find_spoiled(made.bundle, receipt[:8].upper(), signing_key=SIGNED_BY)
    assert report.ok and report.exit_code == 0, report.text()
    assert ballot.receipt == receipt
    assert [(s, o) for s, _, o, _, _ in ballot.choices] == [("DV00001", "tin-nhiem-thap"), ("DV00002", "tin-nhiem")]
    text = spoiled_text(ballot)
    assert "Nguyễn Thị 1: Tín nhiệm thấp / Low confidence" in text and "Nguyễn Thị 2: Tín nhiệm / Confidence" in text
    blank = find_spoiled(made.bundle, V.receipt_of(made.spoiled[1][0]))[1]
    assert blank.choices is None and "Phiếu trắng" in spoiled_text(blank)


def test_spoiled_refuses_an_unknown_a_short_or_an_ambiguous_code(made):
    for code, words in (("00000000", "no spoiled ballot"), ("abc", "not a code")):
        report, ballot = find_spoiled(made.bundle, code)
        assert ballot is None and report.exit_code == 1 and words in report.checks[-1].detail
    bundle = copy.deepcopy(made.bundle)
    shared = "abcdef12"
    for item in bundle["board"]["spoiled"]:
        item["receipt"] = shared + item["receipt"][8:]
    report, ballot = find_spoiled(resign(bundle), shared)
    assert ballot is None and "ambiguous" in report.checks[-1].detail


def test_spoiled_refuses_a_ballot_whose_reveal_does_not_open_it(made):
    (ballot, reveal), other = made.spoiled
    bundle = with_spoiled(made.bundle, [(ballot, other[1]), other])
    report, found = find_spoiled(bundle, V.receipt_of(ballot)[:10])
    assert found is None and "bad_reveal" in report.checks[-1].detail


def test_spoiled_of_a_sealed_bundle_says_there_is_none():
    from ..property.test_bundle_tampering import BUNDLE
    report, ballot = find_spoiled(BUNDLE, "abcdef12")
    assert ballot is None and "has no spoiled ballots" in report.checks[-1].detail


def test_every_detail_of_an_honest_bundle_reads_in_vietnamese(made):
    from votingapp.audit.words import detail_vi
    for bundle in (made.bundle, make_bundle([]).bundle):
        for check in verify_bundle(bundle).checks:
            assert detail_vi(check.name, check.detail, check.skipped), (check.name, check.detail)


def rerandomised(session: V.Session, ballot: bytes) -> bytes:
    """The Cortier–Smyth copy (spec §8): every ciphertext re-randomised by r'_t and every
    response shifted by c·r', which leaves every commitment and challenge of a weak-Fiat–Shamir
    proof unchanged; new bytes, new receipt, new A_t's, the same votes."""
    T, m = session.ciphertext_count, len(session.options)
    shifts = [V.SystemRandom().scalar() for _ in range(T)]
    scalars = [int.from_bytes(ballot[i:i + 32], "little") for i in range(64 * T, len(ballot), 32)]
    ciphertexts = b"".join(group.add(ballot[64 * t:64 * t + 32], group.base_mul(r))
                           + group.add(ballot[64 * t + 32:64 * t + 64], group.mul(r, session.public_key))
                           for t, r in enumerate(shifts))
    for t, r in enumerate(shifts):  # bit proof c0 ‖ c1 ‖ z0 ‖ z1: z_j += c_j·r'
        c0, c1 = scalars[4 * t], scalars[4 * t + 1]
        scalars[4 * t + 2] = (scalars[4 * t + 2] + c0 * r) % V.L
        scalars[4 * t + 3] = (scalars[4 * t + 3] + c1 * r) % V.L
    for s in range(len(session.subjects)):  # row proof c ‖ z: z += c·(r'_0 + Σ_j r'_{t(s,j)})
        shift = shifts[0] + sum(shifts[1 + s * m:1 + (s + 1) * m])
        scalars[4 * T + 2 * s + 1] = (scalars[4 * T + 2 * s + 1] + scalars[4 * T + 2 * s] * shift) % V.L
    return ciphertexts + b"".join(group.scalar_to_bytes(value) for value in scalars)


def bit_commitments(session: V.Session, ballot: bytes, t: int) -> tuple[bytes, ...]:
    """The commitments a_0, b_0, a_1, b_1 a verifier recomputes for bit proof t (all a weak
    challenge would hash)."""
    T, key, generator = session.ciphertext_count, session.public_key, group.GENERATOR
    a, b = ballot[64 * t:64 * t + 32], ballot[64 * t + 32:64 * t + 64]
    c0, c1, z0, z1 = (int.from_bytes(ballot[64 * T + 128 * t + 32 * i:64 * T + 128 * t + 32 * (i + 1)], "little")
                      for i in range(4))
    return (group.sub(group.base_mul(z0), group.mul(c0, a)), group.sub(group.mul(z0, key), group.mul(c0, b)),
            group.sub(group.base_mul(z1), group.mul(c1, a)),
            group.sub(group.mul(z1, key), group.mul(c1, group.sub(b, generator))))


def test_a_rerandomised_copy_counted_by_a_forger_fails_ballot_proofs_only(made):
    """A server that slips a re-randomised copy of a voter's ballot onto the board and counts it
    (every sum and partial consistent, everything signed) is caught by ballot_proofs alone: the
    copy's bctx differs, so every strong-Fiat–Shamir challenge does."""
    copy_ = rerandomised(made.session, made.ballots[0])
    assert V.receipt_of(copy_) != V.receipt_of(made.ballots[0])
    for t in range(made.session.ciphertext_count):  # a weak-Fiat–Shamir verifier sees the same proof
        assert bit_commitments(made.session, copy_, t) == bit_commitments(made.session, made.ballots[0], t)
    assert not {copy_[64 * t:64 * t + 32] for t in range(made.session.ciphertext_count)} \
        & {b[64 * t:64 * t + 32] for b in made.ballots for t in range(made.session.ciphertext_count)}
    made.ballots.append(copy_)
    try:
        forged = assemble(made, extra_present=0, void=0)
    finally:
        made.ballots.pop()
    report = verify_bundle(forged)
    assert set(report.failed) == {"ballot_proofs"}, report.text()
    assert ": bad_bit_proof: the bit proof of ciphertext 0 does not verify" in report.checks[7].detail


# --- ballot_proofs' A_t uniqueness: 8-byte digests find candidates, the points themselves decide ---

def _as_file(bundle: dict, path) -> object:
    """The bundle as the server writes it, read back as `votingapp verify` streams it (the
    entries can be read a second time from the file)."""
    path.write_text(bundle_text(bundle), encoding="utf-8")
    return read_bundle(str(path))


def _one_digest(monkeypatch) -> None:
    """Every A_t given one digest: every A_t is a candidate, only the points can decide."""
    monkeypatch.setattr(repeats._APoints, "_digest", lambda self, point: 1)


@pytest.fixture(scope="module")
def tangled():
    """Over several chunks: ballot 0 sealed with a known r_0, three later ballots reusing it (one of
    them §4.6 refuses itself: its A_0 is also its A_1), a bad proof, a spoiled ballot reusing it."""
    r0 = V.SystemRandom().scalar()
    made = make_bundle([[i % 3, (i // 3) % 3] for i in range(2 * proofs.CHUNK + 5)])
    made.ballots[0] = V.seal_ballot(made.session, [0, 1], rng=Replaying(r0)).ballot
    for at in (5, 20, 30):
        made.ballots[at] = V.seal_ballot(made.session, [at % 3, 1], rng=Replaying(r0)).ballot
    own = made.ballots[30]
    made.ballots[30] = own[:64] + own[:32] + own[96:]  # A_1 = A_0: refused as duplicate_ciphertext by §4.6
    T = made.session.ciphertext_count
    made.ballots[10] = flip(made.ballots[10], 64 * T + 1)
    spoiled = V.seal_ballot(made.session, [2, 2], rng=Replaying(r0))
    made.spoiled = [(spoiled.ballot, spoiled.reveal)]
    made.bundle = assemble(made, tallied=False)  # its sums are no counts: the tally checks are skipped
    return made


def _position(bundle: dict, ballot: bytes) -> int:
    receipt = V.receipt_of(ballot)
    return next(n for n, e in enumerate(bundle["board"]["entries"], start=1) if e["receipt"] == receipt)


def test_a_reused_a_t_is_told_word_for_word_across_entries_and_from_a_spoiled_ballot(replay, tmp_path):
    copy_ = V.seal_ballot(replay.session, [2, 0], rng=Replaying(replay.r0)).ballot
    replay.ballots.append(copy_)
    try:
        across = assemble(replay)
    finally:
        replay.ballots.pop()
    first, second = sorted((_position(across, replay.ballots[0]), _position(across, copy_)))
    later = across["board"]["entries"][second - 1]["receipt"]
    expected = f"entry {second} ({later[:8]}…): duplicate_ciphertext: its A_0 is also an A_t of an earlier entry"
    spoiled = V.seal_ballot(replay.session, [2, 2], rng=Replaying(replay.r0))
    from_spoiled = with_spoiled(replay.bundle, [(spoiled.ballot, spoiled.reveal)])
    at = _position(from_spoiled, replay.ballots[0])
    receipt = from_spoiled["board"]["entries"][at - 1]["receipt"]
    for bundle, detail in ((across, expected), (from_spoiled, f"entry {at} ({receipt[:8]}…): duplicate_ciphertext: "
                                                              f"its A_0 is also an A_t of a spoiled ballot")):
        for read in (bundle, _as_file(bundle, tmp_path / "bundle.json")):
            report = verify_bundle(read)
            assert report.failed == ["ballot_proofs"], report.text()
            assert report.checks[VERIFIABLE_CHECKS.index("ballot_proofs")].detail == detail


def test_many_problems_keep_their_order_and_count(tangled):
    """The earliest entry's problem is told first: the bad proof or the first reuse, whichever is
    first on the board; the entry that refuses itself is one problem, not two."""
    bundle, ballots = tangled.bundle, tangled.ballots
    bad, own = _position(bundle, ballots[10]), _position(bundle, ballots[30])
    entries = bundle["board"]["entries"]
    report = verify_bundle(bundle)
    assert report.failed == ["ballot_proofs"], report.text()
    detail = report.checks[VERIFIABLE_CHECKS.index("ballot_proofs")].detail
    # ballot 0 reuses the spoiled ballot's A_0 too: every entry with that A_0 is a problem
    reusing = sorted(_position(bundle, ballots[at]) for at in (0, 5, 20))
    firsts = {n: f"entry {n} ({entries[n - 1]['receipt'][:8]}…): " for n in (*reusing, bad, own)}
    if bad < reusing[0] and bad < own:
        assert detail.startswith(firsts[bad] + "bad_bit_proof: ")
    elif own < reusing[0]:
        assert detail.startswith(firsts[own] + "duplicate_ciphertext: ")
    else:
        assert detail.startswith(firsts[reusing[0]] + "duplicate_ciphertext: its A_0 is also an A_t of a spoiled "
                                                      "ballot")
    assert detail.endswith(" (5 problems; the first is shown)")
    assert verify_bundle(bundle, jobs=2).to_dict() == report.to_dict()


def test_the_earliest_entrys_problem_is_told_first_whatever_the_jobs(tangled):
    """An entry that is not base64 is a problem as soon as it is read, while the results of the
    entries before it are still out (longer with more jobs): the report still tells the earliest
    entry's problem first, word for word the same with one job or two."""
    first = verify_bundle(tangled.bundle).checks[VERIFIABLE_CHECKS.index("ballot_proofs")].detail
    bundle = copy.deepcopy(tangled.bundle)
    bundle["board"]["entries"].append({"receipt": "f" * 64, "ballot": "not base64!"})  # last, by receipt
    bundle = resign(bundle)
    report = verify_bundle(bundle)
    detail = report.checks[VERIFIABLE_CHECKS.index("ballot_proofs")].detail
    assert detail == first.replace("(5 problems;", "(6 problems;")
    assert verify_bundle(bundle, jobs=2).to_dict() == report.to_dict()

    bundle["board"]["entries"].insert(0, {"receipt": "0" * 64, "ballot": "not base64!"})  # first, by receipt
    report = verify_bundle(resign(bundle))
    detail = report.checks[VERIFIABLE_CHECKS.index("ballot_proofs")].detail
    assert detail == "entry 1 (00000000…): ballot is not strict base64url (7 problems; the first is shown)"


@pytest.mark.parametrize("name", ["made", "replay", "tangled"])
def test_one_digest_for_every_a_t_never_changes_the_report(request, monkeypatch, tmp_path, name):
    """With every A_t's digest the same, the second reading compares every point, and the report
    is word for word the one of distinct digests: a collision never reports a reused A_t."""
    bundle = request.getfixturevalue(name).bundle
    streamed = _as_file(bundle, tmp_path / "bundle.json")
    expected = verify_bundle(bundle).to_dict()
    assert verify_bundle(streamed).to_dict() == expected
    read_again = []
    real = repeats._read_again

    def spied(*args):
        read_again.append(args[2])
        return real(*args)

    monkeypatch.setattr(repeats, "_read_again", spied)
    _one_digest(monkeypatch)
    for read in (bundle, _as_file(bundle, tmp_path / "again.json")):
        assert verify_bundle(read).to_dict() == expected
    assert verify_bundle(bundle, jobs=2).to_dict() == expected
    assert read_again == ["to confirm repeated A_t's"] * 3


def test_reused_a_ts_in_entries_that_cannot_be_read_again_fail_unconfirmed(replay, made, tmp_path):
    spoiled = V.seal_ballot(replay.session, [2, 2], rng=Replaying(replay.r0))
    reused = _as_file(with_spoiled(replay.bundle, [(spoiled.ballot, spoiled.reveal)]), tmp_path / "reused.json")
    report = verify_bundle(StreamedBundle(reused.header, reused.entries))
    assert report.failed == ["ballot_proofs"], report.text()
    assert report.checks[VERIFIABLE_CHECKS.index("ballot_proofs")].detail == (
        "1 A_t's may each be on several ballots, and the entries cannot be read a second time to confirm it")
    honest = _as_file(made.bundle, tmp_path / "honest.json")
    assert verify_bundle(StreamedBundle(honest.header, honest.entries)).ok


def test_entries_that_change_before_the_second_reading_fail_ballot_proofs(replay, tmp_path, monkeypatch):
    spoiled = V.seal_ballot(replay.session, [2, 2], rng=Replaying(replay.r0))
    streamed = _as_file(with_spoiled(replay.bundle, [(spoiled.ballot, spoiled.reveal)]), tmp_path / "bundle.json")
    other = make_bundle([[0, 0], [1, 1]], spoiled=[[2, 2]])
    streamed.again = _as_file(other.bundle, tmp_path / "other.json").again
    report = verify_bundle(streamed)
    assert "ballot_proofs" in report.failed, report.text()
    assert report.checks[VERIFIABLE_CHECKS.index("ballot_proofs")].detail == (
        "the board's entries were not the same when read a second time (to confirm repeated A_t's)")
    gone = _as_file(replay.bundle, tmp_path / "gone.json")
    Path(tmp_path / "gone.json").unlink()
    _one_digest(monkeypatch)
    detail = verify_bundle(gone).checks[VERIFIABLE_CHECKS.index("ballot_proofs")].detail
    assert detail.startswith("the board's entries could not be read a second time (to confirm repeated A_t's): "
                             "cannot read")


# --- the digests past memory (audit.repeats._Digests): temporary files, gone after -----------

@pytest.fixture(scope="module")
def reused_far_apart(replay):
    """replay's ballots and 40 more, with one reusing ballot 0's A_0: two entries far apart."""
    made = copy.copy(replay)
    made.ballots = [*replay.ballots, *(V.seal_ballot(replay.session, [i % 3, 1]).ballot for i in range(40)),
                    V.seal_ballot(replay.session, [2, 0], rng=Replaying(replay.r0)).ballot]
    made.bundle = assemble(made)
    return made


@pytest.mark.parametrize("name", ["reused_far_apart", "tangled", "made"])
def test_reused_a_ts_are_found_through_the_stores_files_word_for_word(request, tmp_path, name):
    """With every digest sent to a partition file, every partition split and the digests in
    order read back from files, the report is word for word the one kept in memory, and the
    files are gone after."""
    bundle = request.getfixturevalue(name).bundle
    expected = verify_bundle(bundle).to_dict()
    assert expected["failed"] == ([] if name == "made" else ["ballot_proofs"])
    if name == "reused_far_apart":
        assert "duplicate_ciphertext: its A_0 is also an A_t of an earlier entry" in str(expected)
    folder, closed = request.getfixturevalue("tiny_digest_store")
    for read in (bundle, _as_file(bundle, tmp_path / "bundle.json")):
        assert verify_bundle(read).to_dict() == expected
        assert closed == [False, True], "the copy check's store (unused here), then the A_t's, with files"
        closed.clear()
        assert not any(folder.iterdir())
    assert verify_bundle(bundle, jobs=2).to_dict() == expected
    assert not any(folder.iterdir())


def test_the_stores_files_are_gone_when_the_file_stops_part_way(tangled, tmp_path, tiny_digest_store):
    folder, closed = tiny_digest_store
    text = bundle_text(tangled.bundle)
    path = tmp_path / "cut.json"
    path.write_text(text[:len(text) * 9 // 10], encoding="utf-8")
    report = verify_bundle(read_bundle(str(path)))
    assert report.unreadable is not None and report.exit_code == 2
    assert closed == [False, True] and not any(folder.iterdir())


def test_the_stores_files_are_gone_when_the_second_reading_fails(replay, tmp_path, tiny_digest_store):
    folder, closed = tiny_digest_store
    copy_ = V.seal_ballot(replay.session, [2, 0], rng=Replaying(replay.r0)).ballot
    made = copy.copy(replay)
    made.ballots = [*replay.ballots, copy_]
    streamed = _as_file(assemble(made), tmp_path / "bundle.json")
    (tmp_path / "bundle.json").unlink()
    report = verify_bundle(streamed)
    assert report.failed == ["ballot_proofs"], report.text()
    assert "could not be read a second time (to confirm repeated A_t's)" in report.text()
    assert closed == [False, True] and not any(folder.iterdir())

"""The offline verifier over bundles of a real session (cast over the voter API, closed,
tallied, exported): what passes, what is skipped by level, and what each lie trips."""

from __future__ import annotations

import copy
import json

import pytest

from votingapp.audit.verify import CHECKS, verify_bundle
from votingapp.crypto import sealed, signing
from votingapp.crypto.encoding import b64encode
from votingapp.domain import ballot_forms
from votingapp.domain.policy import POLICIES
from votingapp.domain.tally import Bases, count_ballots
from votingapp.services import ballots, publication, tallying
from votingapp.services.tallying import ballot_form

from ..helpers import seal_raw

pytestmark = pytest.mark.sealed_scheme  # new sessions sealed-v2 here: see tests/conftest.py

CHOSEN = ["tin-nhiem", "tin-nhiem-thap", "tin-nhiem-cao", "tin-nhiem-thap"]


def _json(value):
    """As the auditor reads it from the file."""
    return json.loads(json.dumps(value, ensure_ascii=False))


def _meeting(make, client, *, kind=ballot_forms.CONFIDENCE, invalid=True):
    """A session with four valid ballots and (optionally) one that does not open: closed, tallied."""
    session = make.open_session(meeting=make.meeting(members=6), kind=kind,
                                **({"subjects": 2} if kind == ballot_forms.CONFIDENCE else {}))
    keys = [s.key for s in session.subjects]
    options = ballot_forms.option_ids(kind)
    marks = [{key: option if kind == ballot_forms.CONFIDENCE else options[i % 3] for key in keys}
             for i, option in enumerate(CHOSEN)]
    junk = [seal_raw(session, b"x" * session.plaintext_size)] if invalid else []
    receipts = make.cast(session, marks, extra_wire=junk, client=client)
    ballots.issue_tokens(session, 6 - len(receipts), mode="cli", by="test")  # handed out, never cast: void
    ballots.close_session(session, by="test")
    return session, receipts


def _bundles(session):
    tallying.tally_session(session, by="test", committee=["Trần Thị Một", "Lê Văn Hai"])
    private = sealed.private_key_bytes(ballots.session_private_key(session))
    return (_json(publication.public_bundle(session)),
            _json(publication.auditor_bundle(session, private, by="test")))


@pytest.fixture
def tallied(make, client):
    session, receipts = _meeting(make, client)
    public, auditor = _bundles(session)
    return session, receipts, public, auditor


def _by_name(report):
    return {check.name: check for check in report.checks}


def _resign(document, app):
    return signing.sign_document(document, app.config["SIGNING_KEY"])


def _sign_board(board, key):
    """A board-v2 is signed over its header: everything but the entries."""
    header = {name: value for name, value in board.items() if name != "entries"}
    return signing.sign_document(header, key) | {"entries": board["entries"]}


def test_auditor_bundle_of_a_real_session_passes_every_check_in_order(tallied, app):
    session, receipts, _, auditor = tallied
    report = verify_bundle(auditor, receipt=receipts[0],
                           signing_key=signing.public_key_of(app.config["SIGNING_KEY"]))
    assert report.ok, report.text()
    assert [check.name for check in report.checks] == list(CHECKS)
    assert not any(check.skipped for check in report.checks)
    assert "5 ballots decrypted" in _by_name(report)["recount"].detail
    assert report.text().endswith("ALL CHECKS PASSED")
    assert json.loads(json.dumps(report.to_dict()))["ok"] is True


def test_public_bundle_passes_and_skips_what_needs_the_session_key(tallied):
    _, receipts, public, _ = tallied
    report = verify_bundle(public, receipt=receipts[2][:8].upper())
    checks = _by_name(report)
    assert report.ok, report.text()
    assert checks["session_key"].skipped and checks["recount"].skipped
    assert not checks["tally_arithmetic"].skipped and not checks["receipt"].skipped
    assert checks["signing_key"].detail.startswith("not pinned")


def test_public_bundle_before_the_tally_skips_the_tally_checks(make, client):
    session, receipts = _meeting(make, client)
    report = verify_bundle(_json(publication.public_bundle(session)), receipt=receipts[1])
    checks = _by_name(report)
    assert report.ok, report.text()
    assert all(checks[name].skipped for name in ("tally_signature", "tally_matches_board", "tally_arithmetic"))
    assert not checks["receipt"].skipped


def test_motion_session_passes_with_outcomes_recomputed(make, client):
    session, _ = _meeting(make, client, kind=ballot_forms.MOTION, invalid=False)
    _, auditor = _bundles(session)
    report = verify_bundle(auditor)
    assert report.ok, report.text()
    assert "outcomes" in _by_name(report)["tally_arithmetic"].detail


def test_empty_board_passes_its_chain_head_being_the_start_link(make):
    session = make.open_session()
    ballots.close_session(session, by="test")
    _, auditor = _bundles(session)
    report = verify_bundle(auditor)
    assert report.ok, report.text()
    assert auditor["board"]["entries"] == []


def test_receipt_check_finds_full_and_short_and_refuses_unknown_or_junk(tallied):
    _, receipts, public, _ = tallied
    assert verify_bundle(public, receipt=receipts[3]).ok
    assert verify_bundle(public, receipt=f"  {receipts[3][:8]} ").ok
    unknown = "0" * 64 if not any(r.startswith("0" * 8) for r in receipts) else "f" * 64
    for wanted, words in ((unknown, "not on the board"), (unknown[:8], "not on the board"),
                          ("not-a-receipt", "not a receipt"), (receipts[0][:7], "not a receipt")):
        report = verify_bundle(public, receipt=wanted)
        assert report.failed == ["receipt"], wanted
        assert words in _by_name(report)["receipt"].detail


def test_a_short_code_shared_by_two_entries_is_reported_ambiguous(tallied):
    _, receipts, public, _ = tallied
    entries = public["board"]["entries"]
    entries[1]["receipt"] = entries[0]["receipt"][:8] + entries[1]["receipt"][8:]
    check = _by_name(verify_bundle(public, receipt=entries[0]["receipt"][:8]))["receipt"]
    assert not check.ok and "ambiguous" in check.detail and "entries 1, 2" in check.detail


def test_pinned_signing_key_must_be_the_bundles(tallied, app):
    _, _, public, _ = tallied
    assert verify_bundle(public, signing_key=signing.public_key_of(app.config["SIGNING_KEY"])).ok
    report = verify_bundle(public, signing_key=signing.public_key_of(signing.new_signing_key()))
    assert report.failed == ["signing_key"]


def test_a_bundle_re_signed_by_another_key_passes_only_when_the_key_is_not_pinned(tallied, app):
    """Why auditors pin the installation's key: signatures alone prove only self-consistency."""
    _, _, public, _ = tallied
    other = signing.new_signing_key()
    forged = public | {"signing_key": b64encode(signing.public_key_of(other)),
                       "board": _sign_board(public["board"], other),
                       "tally": signing.sign_document(public["tally"], other)}
    assert verify_bundle(forged).ok
    assert verify_bundle(forged, signing_key=signing.public_key_of(app.config["SIGNING_KEY"])).failed == ["signing_key"]


def test_signature_by_a_key_other_than_the_bundles_fails_that_signature(tallied):
    _, _, public, _ = tallied
    public["tally"] = signing.sign_document(public["tally"], signing.new_signing_key())
    report = verify_bundle(public)
    assert report.failed == ["tally_signature"]
    assert "signed by another key" in _by_name(report)["tally_signature"].detail


def test_a_consistent_tally_signed_by_the_real_key_but_not_what_the_ballots_say_fails_only_the_recount(tallied, app):
    """The one lie only the auditor's bundle catches: the server's key signs other counts."""
    session, _, public, auditor = tallied
    key, size = ballots.session_private_key(session), session.plaintext_size
    plaintexts = [sealed.open_sealed(b, session.id, key).rstrip(b" ") for b in _ballots_of(auditor["board"])]
    # the one voter who marked everybody "tin-nhiem" is counted as marking them "tin-nhiem-thap"
    plaintexts = [p.replace(b'"tin-nhiem"', b'"tin-nhiem-thap"').ljust(size) for p in plaintexts]
    lie = count_ballots(plaintexts, ballot_form(session), POLICIES[session.policy],
                        Bases(summoned=6, present=6, issued=6, base=6))
    lie = auditor["tally"] | {"ballots": lie["ballots"], "subjects": lie["subjects"]}
    signed = _resign(lie, app)
    public_report = verify_bundle(public | {"tally": signed})
    assert public_report.ok, public_report.text()
    report = verify_bundle(auditor | {"tally": signed})
    assert report.failed == ["recount"]
    first = session.subjects[0].key
    assert _by_name(report)["recount"].detail.startswith(f"subject {first!r}, tin-nhiem: recounted 1, the tally says 0")


def _ballots_of(board):
    return [sealed.SealedBallot.from_dict({"scheme": board["session"]["scheme"],
                                           **{k: e[k] for k in ("epk", "nonce", "ct")}})
            for e in board["entries"]]


def test_a_tally_under_another_policy_than_the_board_names_fails_the_arithmetic(tallied, app):
    _, _, _, auditor = tallied
    tally = auditor["tally"] | {"policy": POLICIES["qd96-2023-present"].to_dict()}
    report = verify_bundle(auditor | {"tally": _resign(tally, app)})
    assert "tally_arithmetic" in report.failed
    assert "the board names 'qd96-2023'" in _by_name(report)["tally_arithmetic"].detail


def test_a_policy_field_unlike_this_versions_definition_fails_the_arithmetic(tallied, app):
    _, _, _, auditor = tallied
    tally = copy.deepcopy(auditor["tally"])
    tally["policy"]["version"] = 2
    report = verify_bundle(auditor | {"tally": _resign(tally, app)})
    assert report.failed == ["tally_arithmetic"]
    assert "version is 2 in the tally" in _by_name(report)["tally_arithmetic"].detail


def test_a_wrong_session_key_fails_the_key_check_and_the_recount(tallied):
    _, _, _, auditor = tallied
    other = sealed.private_key_bytes(sealed.generate_private_key())
    report = verify_bundle(auditor | {"session_private_key": b64encode(other)})
    assert report.failed == ["session_key", "recount"]
    assert _by_name(report)["recount"].detail == "ballots.valid: recounted 0, the tally says 4"


def test_tampered_ciphertext_names_the_entry_whose_receipt_no_longer_matches(tallied):
    _, _, _, auditor = tallied
    entry = auditor["board"]["entries"][2]
    raw = bytearray(sealed.b64decode(entry["ct"]))
    raw[5] ^= 1
    entry["ct"] = b64encode(bytes(raw))
    report = verify_bundle(auditor)
    # a board-v2 signs the receipts (through the head), and each receipt is its ciphertext's hash
    assert report.failed == ["board_entries", "recount"]
    assert _by_name(report)["board_entries"].detail.startswith(
        f"entry 3 ({entry['receipt'][:8]}…): receipt does not match its ciphertext")


@pytest.mark.parametrize("mangle, where", [
    (lambda b: [b], "must be a JSON object"),
    (lambda b: b | {"format": "votingapp/audit-bundle-v9"}, "format must be"),
    (lambda b: b | {"format": "votingapp/audit-bundle-v1"}, "board.format must be 'votingapp/board-v1'"),
    (lambda b: b | {"level": "root"}, "level must be"),
    (lambda b: b | {"extra": 1}, "unexpected fields extra"),
    (lambda b: {k: v for k, v in b.items() if k != "session_private_key"}, "lacks session_private_key"),
    (lambda b: b | {"tally": None}, "tally is null"),
    (lambda b: b | {"signing_key": "AAAA"}, "32-byte"),
    (lambda b: b | {"board": []}, "board must be an object"),
    (lambda b: b | {"board": b["board"] | {"entries": {}}}, "board.entries must be a list"),
    (lambda b: b | {"board": b["board"] | {"counts": b["board"]["counts"] | {"present": "5"}}},
     "board.counts.present must be a non-negative integer, found a string"),
    (lambda b: b | {"board": b["board"] | {"counts": b["board"]["counts"] | {"present": True}}},
     "board.counts.present must be a non-negative integer"),
    (lambda b: b | {"board": b["board"] | {"counts": b["board"]["counts"] | {"present": -1}}},
     "board.counts.present"),
    (lambda b: b | {"board": b["board"] | {"entries": [{**b["board"]["entries"][0], "x": ""}]}},
     "board.entries[0] has unexpected fields x"),
    (lambda b: b | {"board": b["board"] | {"entries": [{**b["board"]["entries"][0], "ct": 7}]}},
     "board.entries[0].ct must be a string"),
    (lambda b: b | {"board": b["board"] | {"session": b["board"]["session"] | {"kind": "rating-2099"}}},
     "not a kind this version knows"),
    (lambda b: b | {"tally": b["tally"] | {"subjects": [{"id": "x"}]}}, "tally.subjects[0] lacks name"),
    (lambda b: b | {"tally": {k: v for k, v in b["tally"].items() if k != "board_head"}}, "tally lacks board_head"),
])
def test_a_malformed_bundle_fails_bundle_format_only_with_the_place_named(tallied, mangle, where):
    _, _, _, auditor = tallied
    report = verify_bundle(mangle(copy.deepcopy(auditor)))
    assert report.failed == ["bundle_format"]
    assert where in report.checks[0].detail
    assert all(check.skipped for check in report.checks[1:])


def test_the_in_app_audit_reads_the_ballots_again_to_confirm_candidate_copies(tallied, monkeypatch):
    """Every key given one digest: the streamed audit reads the ballots table a second time,
    finds no two entries with one key, and passes as it does with distinct digests."""
    from votingapp.audit import repeats
    session = tallied[0]
    private = sealed.private_key_bytes(ballots.session_private_key(session))
    expected = [(c.name, c.ok, c.detail) for c in verify_bundle(publication.streamed_bundle(session, private)).checks]
    read_again = []
    real_confirmed = repeats._Copies._confirmed

    def confirmed(copies, candidates):
        read_again.append(len(candidates))
        return real_confirmed(copies, candidates)

    monkeypatch.setattr(repeats._Copies, "_digest",
                        lambda self, ballot: repeats._NO_KEY if isinstance(ballot, str) else 1)
    monkeypatch.setattr(repeats._Copies, "_confirmed", confirmed)
    report = verify_bundle(publication.streamed_bundle(session, private))
    assert read_again == [1], "the one shared digest was confirmed by a second reading"
    assert [(c.name, c.ok, c.detail) for c in report.checks] == expected
    assert report.ok, report.text()

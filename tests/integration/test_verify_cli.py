"""`votingapp verify` as an auditor runs it: the real console script, in a fresh process, in an
empty folder, with no instance folder and no database, on the file the server exported."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from votingapp.crypto import sealed, signing
from votingapp.crypto.encoding import b64encode
from votingapp.services import ballots, publication, tallying

from ..helpers import seal_choices

pytestmark = pytest.mark.sealed_scheme  # new sessions sealed-v2 here: see tests/conftest.py

CAST = "/api/v1/ballot/cast"
SCRIPT = Path(sys.executable).with_name("votingapp")
OPTIONS = ["tin-nhiem-cao", "tin-nhiem", "tin-nhiem-thap", "tin-nhiem-thap", "tin-nhiem"]


@pytest.fixture
def exported(make, client, app, tmp_path):
    """A whole meeting: five phones cast, the chair closes, the committee tallies, both bundles exported."""
    session = make.open_session(meeting=make.meeting(members=7, present=6), subjects=3)
    keys = [subject.key for subject in session.subjects]
    receipts = []
    # 6 tokens, 5 options: one token is left unused
    for token, option in zip(ballots.issue_tokens(session, 6, mode="cli", by="test"), OPTIONS, strict=False):
        wire = seal_choices(session, dict.fromkeys(keys, option))
        response = client.post(CAST, json={"token": token, "ballot": wire})
        assert response.status_code == 201
        receipts.append(response.get_json()["receipt"])
    ballots.close_session(session, by="test")
    tallying.tally_session(session, by="test", committee=["Trần Thị Một"])
    private = sealed.private_key_bytes(ballots.session_private_key(session))
    files = {}
    for level, bundle in (("public", publication.public_bundle(session)),
                          ("auditor", publication.auditor_bundle(session, private, by="test"))):
        files[level] = tmp_path / f"bundle-{level}.json"
        files[level].write_text(json.dumps(bundle, ensure_ascii=False, indent=1), encoding="utf-8")
    return files, receipts, signing.public_key_of(app.config["SIGNING_KEY"])


def run_verify(*args, module=False, cwd):
    """The command in a clean environment: no instance folder, no database URL."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("VOTINGAPP_", "DATABASE_URL"))}
    env["VOTINGAPP_INSTANCE"] = str(Path(cwd) / "no-such-instance")
    command = [sys.executable, "-m", "votingapp.audit.verify"] if module else [str(SCRIPT), "verify"]
    result = subprocess.run(command + [str(arg) for arg in args], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=120)
    assert not (Path(cwd) / "no-such-instance").exists(), "verify must not create an instance folder"
    return result


@pytest.fixture
def elsewhere(tmp_path):
    """The auditor's machine: an empty working folder."""
    folder = tmp_path / "auditor"
    folder.mkdir()
    return folder


def test_the_exported_auditor_bundle_verifies_with_no_database_and_exits_0(exported, elsewhere):
    files, _, key = exported
    result = run_verify(files["auditor"], "--signing-key", b64encode(key), cwd=elsewhere)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "ALL CHECKS PASSED"
    assert any(line.startswith("✓ recount: all 5 ballots decrypted") for line in lines)
    assert list(elsewhere.iterdir()) == []


def test_one_edited_byte_inside_a_ciphertext_exits_1_naming_the_checks(exported, elsewhere):
    files, _, _ = exported
    text = files["auditor"].read_text(encoding="utf-8")
    ct = json.loads(text)["board"]["entries"][1]["ct"]
    middle = len(ct) // 2
    edited = ct[:middle] + ("A" if ct[middle] != "A" else "B") + ct[middle + 1:]
    files["auditor"].write_text(text.replace(ct, edited), encoding="utf-8")
    result = run_verify(files["auditor"], cwd=elsewhere)
    assert result.returncode == 1
    # the board-v2 signs each receipt through the head; the edited ciphertext no longer hashes to its receipt
    assert result.stdout.splitlines()[-1] == "FAILED: board_entries, recount"
    assert "✗ board_entries: entry 2 (" in result.stdout


def test_public_bundle_with_a_cast_receipt_passes_and_with_an_unknown_one_fails(exported, elsewhere):
    files, receipts, key = exported
    pin = ("--signing-key", b64encode(key))
    assert run_verify(files["public"], "--receipt", receipts[3], *pin, cwd=elsewhere).returncode == 0
    passed = run_verify(files["public"], "--receipt", receipts[0][:8], *pin, cwd=elsewhere)
    assert passed.returncode == 0 and "- recount: skipped" in passed.stdout
    unknown = next(code for code in ("00000000", "ffffffff") if not any(r.startswith(code) for r in receipts))
    failed = run_verify(files["public"], "--receipt", unknown, cwd=elsewhere)
    assert failed.returncode == 1
    assert failed.stdout.splitlines()[-1] == "FAILED: receipt"


def test_without_a_signing_key_every_check_runs_but_it_exits_3_saying_nothing_proves_the_signer(exported, elsewhere):
    files, _, _ = exported
    result = run_verify(files["auditor"], cwd=elsewhere)
    assert result.returncode == 3, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("✓ recount: all 5 ballots decrypted") for line in lines)
    assert any(line.startswith("✓ no_duplicate_keys: 5 entries") for line in lines)
    assert lines[-1].startswith("ALL CHECKS PASSED, BUT NOTHING PROVES WHO SIGNED THIS BUNDLE")
    as_json = json.loads(run_verify(files["auditor"], "--json", cwd=elsewhere).stdout)
    assert as_json["ok"] is True and as_json["pinned"] is False and as_json["exit_code"] == 3


def test_the_help_documents_every_exit_code(elsewhere):
    result = run_verify("--help", cwd=elsewhere)
    assert result.returncode == 0
    assert "Exit codes:" in result.stdout
    for code, words in (("0", "pinned"), ("1", "a check failed"), ("2", "could not be read"),
                        ("3", "nothing proves who signed")):
        assert re.search(rf"^\s+{code}  .*{words}", result.stdout, re.M), result.stdout


def test_json_report_and_the_module_entry_point_agree(exported, elsewhere):
    files, _, _ = exported
    other = b64encode(signing.public_key_of(signing.new_signing_key()))
    result = run_verify(files["public"], "--json", "--signing-key", other, module=True, cwd=elsewhere)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["failed"] == ["signing_key"]
    assert [check["name"] for check in report["checks"]][:3] == ["bundle_format", "signing_key", "board_signature"]


def test_an_unreadable_or_non_json_file_exits_2_with_a_clear_message(elsewhere):
    (elsewhere / "notes.txt").write_text("biên bản", encoding="utf-8")
    for target, words in (("notes.txt", "is not a JSON file"), ("missing.json", "cannot read")):
        result = run_verify(target, cwd=elsewhere)
        assert result.returncode == 2
        assert words in result.stderr and "Traceback" not in result.stderr


def test_a_malformed_signing_key_option_is_a_usage_error(exported, elsewhere):
    files, _, _ = exported
    result = run_verify(files["public"], "--signing-key", "not-a-key", cwd=elsewhere)
    assert result.returncode == 2 and "32-byte Ed25519 public key" in result.stderr

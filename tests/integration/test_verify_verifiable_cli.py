"""`votingapp verify` on a verifiable-v1 public bundle file as an auditor runs it: the console
script in a fresh process, in an empty folder, with --jobs and --spoiled."""

from __future__ import annotations

import json

import pytest

from votingapp.crypto import verifiable as V
from votingapp.crypto.encoding import b64encode

from ..verifiable_bundles import SIGNED_BY, bundle_text, entry_bytes, flip, make_bundle, with_ballot
from .test_verify_cli import run_verify


@pytest.fixture(scope="module")
def made():
    return make_bundle([[0, 1], [2, 2], None, [1, 0]], spoiled=[[3, 1], None], policy="qd96-2023-lenient")


@pytest.fixture
def files(made, tmp_path):
    folder = tmp_path / "auditor"
    folder.mkdir()
    honest, tampered = tmp_path / "bundle.json", tmp_path / "tampered.json"
    honest.write_text(bundle_text(made.bundle), encoding="utf-8")
    bad = with_ballot(made.bundle, 1, flip(entry_bytes(made.bundle, 1), 64 * made.session.ciphertext_count + 9))
    tampered.write_text(bundle_text(bad), encoding="utf-8")
    return folder, honest, tampered


def test_the_public_bundle_verifies_every_proof_with_one_and_two_jobs(files):
    folder, honest, _ = files
    key = b64encode(SIGNED_BY)
    one = run_verify(honest, "--signing-key", key, cwd=folder)
    two = run_verify(honest, "--signing-key", key, "--jobs", "2", cwd=folder)
    assert one.returncode == two.returncode == 0, one.stdout + one.stderr
    assert one.stdout == two.stdout
    assert one.stdout.splitlines()[-1] == "ALL CHECKS PASSED"
    assert "✓ decryption: members 1, 2 (k = 2)" in one.stdout
    assert list(folder.iterdir()) == []


def test_a_bad_proof_exits_1_the_same_with_two_jobs(files):
    folder, _, tampered = files
    one = run_verify(tampered, "--json", cwd=folder)
    two = run_verify(tampered, "--json", "--jobs", "2", cwd=folder, module=True)
    assert one.returncode == two.returncode == 1
    assert json.loads(one.stdout) == json.loads(two.stdout)
    assert json.loads(one.stdout)["failed"] == ["ballot_proofs"]


def test_spoiled_prints_the_checked_ballots_choices(made, files):
    folder, honest, _ = files
    code = V.receipt_of(made.spoiled[0][0])[:8]
    result = run_verify(honest, "--spoiled", code, "--signing-key", b64encode(SIGNED_BY), cwd=folder)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "✓ spoiled: spoiled ballot" in result.stdout
    assert "Nguyễn Thị 1: Không đánh dấu / Unmarked" in result.stdout  # the lenient column, option 3
    assert "Nguyễn Thị 2: Tín nhiệm / Confidence" in result.stdout
    blank = run_verify(honest, "--spoiled", V.receipt_of(made.spoiled[1][0])[:12], cwd=folder)
    assert blank.returncode == 3 and "Blank ballot (no mark) / Phiếu trắng" in blank.stdout


def test_spoiled_with_an_unknown_code_exits_1_saying_so(files):
    folder, honest, _ = files
    result = run_verify(honest, "--spoiled", "00000000", cwd=folder)
    assert result.returncode == 1
    assert "no spoiled ballot of this board has a receipt starting with 00000000" in result.stdout


def test_jobs_must_be_at_least_one(files):
    folder, honest, _ = files
    assert run_verify(honest, "--jobs", "0", cwd=folder).returncode == 2
    assert run_verify(honest, "--jobs", "0", cwd=folder, module=True).returncode == 2

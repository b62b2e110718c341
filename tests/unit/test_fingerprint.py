"""The voter-code fingerprint as docs/formats.md §13 defines it, on its worked example, and
as `sha256sum files | sha256sum` computes it."""

from __future__ import annotations

import hashlib
import shutil
import subprocess

import pytest

from votingapp.crypto.fingerprint import VOTER_SCRIPTS, grouped, voter_code_fingerprint, voter_code_manifest


@pytest.fixture
def static(tmp_path):
    for name, content in zip(VOTER_SCRIPTS, (b"b", b"c"), strict=True):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(content)
    return tmp_path


def test_the_worked_example_of_the_formats_document(static):
    assert voter_code_manifest(static) == (
        "3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d  js/sealed.bundle.js\n"
        "2e7d2c03a9507ae265ecf5b5356885a53393a2029d241394997265a1a25aefc6  js/voter.js\n")
    assert voter_code_fingerprint(static) == "d6717dd12254adc767065bbe03f8f1ba753aa0fde1dba35cad1a14925649484b"


@pytest.mark.skipif(not shutil.which("sha256sum"), reason="coreutils sha256sum not installed")
def test_it_is_what_sha256sum_piped_into_sha256sum_prints(static):
    listed = subprocess.run(["sha256sum", *VOTER_SCRIPTS], cwd=static, capture_output=True, check=True).stdout
    assert hashlib.sha256(listed).hexdigest() == voter_code_fingerprint(static)


def test_one_changed_byte_in_any_file_changes_it(static):
    before = voter_code_fingerprint(static)
    (static / "js/voter.js").write_bytes(b"d")
    assert voter_code_fingerprint(static) != before


def test_grouped_reads_in_eights():
    assert grouped("0123456789abcdef" * 4).split() == ["01234567", "89abcdef"] * 4

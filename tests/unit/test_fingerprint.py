"""The voter-code fingerprint as docs/formats.md §13 defines it, on its worked example, and
as `sha256sum files | sha256sum` computes it."""

from __future__ import annotations

import hashlib
import shutil
import subprocess

import pytest

from votingapp.crypto.fingerprint import (
    PAGE_SCRIPTS,
    VOTER_SCRIPTS,
    grouped,
    voter_code_fingerprint,
    voter_code_manifest,
)


@pytest.fixture
def static(tmp_path):
    for name, content in zip(VOTER_SCRIPTS, (b"b", b"c", b"d"), strict=True):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(content)
    return tmp_path


def test_the_worked_example_of_the_formats_document(static):
    assert voter_code_manifest(static) == (
        "3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d  js/verifiable-seal.bundle.js\n"
        "2e7d2c03a9507ae265ecf5b5356885a53393a2029d241394997265a1a25aefc6  js/voter.js\n"
        "18ac3e7343f016890c510e93f935261169d9e3f565436429830faf0934f4f8e4  js/sealed.bundle.js\n")
    assert voter_code_fingerprint(static) == "25958f466f72b7593fe98dd10f193f515f747754006bf1fb4aad3d0630cfed1c"


@pytest.mark.skipif(not shutil.which("sha256sum"), reason="coreutils sha256sum not installed")
def test_it_is_what_sha256sum_piped_into_sha256sum_prints(static):
    listed = subprocess.run(["sha256sum", *VOTER_SCRIPTS], cwd=static, capture_output=True, check=True).stdout
    assert hashlib.sha256(listed).hexdigest() == voter_code_fingerprint(static)


@pytest.mark.parametrize("name", VOTER_SCRIPTS)
def test_one_changed_byte_in_any_file_changes_it(static, name):
    before = voter_code_fingerprint(static)
    (static / name).write_bytes(b"e")
    assert voter_code_fingerprint(static) != before


def test_it_covers_the_lazily_loaded_sealed_bundle_after_the_page_scripts():
    assert (*PAGE_SCRIPTS, "js/sealed.bundle.js") == VOTER_SCRIPTS


def test_grouped_reads_in_eights():
    assert grouped("0123456789abcdef" * 4).split() == ["01234567", "89abcdef"] * 4

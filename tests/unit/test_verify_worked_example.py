"""The worked example of docs/formats.md is a real bundle: it verifies, and the values the
text states (chain start, head, signed sizes and digests) are the bundle's own."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from votingapp.audit.verify import verify_bundle
from votingapp.crypto import signing
from votingapp.crypto.encoding import b64encode


def test_the_worked_example_of_docs_formats_verifies_and_its_stated_values_hold():
    text = (Path(__file__).resolve().parents[2] / "docs" / "formats.md").read_text(encoding="utf-8")
    example = text.split("### Worked example: a whole bundle", 1)[1]
    bundle = json.loads(re.search(r"```json\n(.*?)\n```", example, re.S).group(1))
    rfc8032_test_1 = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    report = verify_bundle(bundle, receipt="645d4d34", signing_key=signing.public_key_of(rfc8032_test_1))
    assert report.ok, report.text()
    start = hashlib.sha256(b"votingapp/board-v1|m1").hexdigest()
    assert f"`c0` = SHA-256(`votingapp/board-v1|m1`) = `{start}`" in example
    assert f"= `{bundle['board']['head']}` = head" in example
    for name in ("board", "tally"):
        signed = signing.signed_bytes(bundle[name])
        assert f"{len(signed):,} bytes" in example and hashlib.sha256(signed).hexdigest() in example
    assert bundle["session_private_key"] == b64encode((0x4dde).to_bytes(32, "big"))

"""`votingapp verify BUNDLE`: the offline verifier. It needs no app, no database and no server,
so it is added to the command group directly (see main()) and never loads the Flask app."""

from __future__ import annotations

import json
import sys

import click

from ..audit.verify import EXIT_UNREADABLE, read_bundle, verify_bundle
from ..crypto.encoding import EncodingError, b64decode


def _signing_key(ctx, param, value: str | None) -> bytes | None:
    """The installation's Ed25519 public key as published (base64url; padded or standard base64 accepted)."""
    if value is None:
        return None
    try:
        raw = b64decode(value.strip().rstrip("=").replace("+", "-").replace("/", "_"))
    except EncodingError:
        raw = b""
    if len(raw) != 32:
        raise click.BadParameter("give the 32-byte Ed25519 public key in base64url, as the site shows it")
    return raw


@click.command("verify", epilog="""\b
Exit codes:
  0  every check passed and the bundle is signed by the pinned --signing-key
  1  a check failed
  2  the bundle could not be read (no such file, not JSON)
  3  every check passed, but no --signing-key was given: nothing proves who signed the bundle""")
@click.argument("bundle_path", metavar="BUNDLE", type=click.Path(dir_okay=False))
@click.option("--receipt", help="A voter's receipt (64 hex) or short code (8 hex) that must be on the board.")
@click.option("--signing-key", callback=_signing_key,
              help="Pin the installation's public signing key (base64url): the bundle must be signed by it.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def verify(bundle_path: str, receipt: str | None, signing_key: bytes | None, as_json: bool):
    """Verify an audit bundle offline: signatures, hash chain, copied ballots, counts, tally and
    (auditor's bundle) a full re-decryption and recount. Exit 0 only when every check passes
    and --signing-key pinned the installation's key; without it every check still runs, but
    the exit code is 3, since a bundle can name whatever key signed it."""
    try:
        bundle = read_bundle(bundle_path)
    except ValueError as exc:
        click.echo(f"Error: {exc}\nLỗi: không đọc được gói kiểm chứng (cần một tệp JSON UTF-8).", err=True)
        sys.exit(EXIT_UNREADABLE)
    report = verify_bundle(bundle, receipt=receipt, signing_key=signing_key)
    click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) if as_json else report.text())
    sys.exit(report.exit_code)

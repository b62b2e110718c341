"""`votingapp verify BUNDLE`: the offline verifier. It needs no app, no database and no server,
so it is added to the command group directly (see main()) and never loads the Flask app. The
command is a thin wrapper of audit.verify.run, which `python -m votingapp.audit.verify` runs too."""

from __future__ import annotations

import sys

import click

from ..audit.verify import EXIT_CODES_HELP, JOBS_HELP, SPOILED_HELP, run, signing_key_argument


def _signing_key(ctx, param, value: str | None) -> bytes | None:
    if value is None:
        return None
    try:
        return signing_key_argument(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command("verify", epilog="\b\n" + EXIT_CODES_HELP)
@click.argument("bundle_path", metavar="BUNDLE", type=click.Path(dir_okay=False))
@click.option("--receipt", help="A voter's receipt (64 hex) or short code (8 hex) that must be on the board.")
@click.option("--signing-key", callback=_signing_key,
              help="Pin the installation's public signing key (base64url): the bundle must be signed by it.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True, help=JOBS_HELP)
@click.option("--spoiled", metavar="CODE", help=SPOILED_HELP)
def verify(bundle_path: str, receipt: str | None, signing_key: bytes | None, as_json: bool, jobs: int,
           spoiled: str | None):
    """Verify an audit bundle offline: signatures, hash chain, copied ballots, counts, tally and
    (auditor's bundle) a full re-decryption and recount. A verifiable-v1 session's public bundle
    proves its counts: every ballot's proofs and the tally's decryption are checked (--jobs
    spreads the proofs over processes; --spoiled CODE shows a checked ballot's choices). Exit 0
    only when every check passes and --signing-key pinned the installation's key; without it
    every check still runs, but the exit code is 3, since a bundle can name whatever key signed it."""
    sys.exit(run(bundle_path, receipt, signing_key, as_json, jobs=jobs, spoiled=spoiled))

"""`votingapp signing-key`: the installation's public signing key, for auditors to pin."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..crypto.encoding import b64encode
from ..services import publication


@click.command("signing-key")
@with_appcontext
def signing_key():
    """Print the Ed25519 public key (base64url) that signs every board and tally.

    Auditors compare it with the key shown on the site and in the bundles they verify:
    `votingapp verify` checks that each signature was made by this key."""
    click.echo(b64encode(publication.signing_public_key()))

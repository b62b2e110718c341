"""Commands for the database and staff accounts."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..catalog import N_, bilingual
from ..extensions import db
from ..models import Organization, User
from ..services import accounts
from .common import service_errors


@click.command("init-db")
@with_appcontext
def init_db():
    """Create or upgrade the database tables to the latest migration (idempotent)."""
    from ..schema import upgrade_database
    for line in upgrade_database():
        click.echo(line)
    click.echo(f"Database ready: {db.engine.url.render_as_string(hide_password=True)}")


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "chair", "auditor"]), default="chair", show_default=True)
@click.option("--organization", "organization_code", help="Organization code the role is limited to.")
@click.option("--password", help="Password (at least 10 characters); generated and printed if omitted.")
@with_appcontext
def create_user(username, role, organization_code, password):
    """Create a staff user."""
    organization = None
    if organization_code:
        organization = db.session.scalar(select(Organization).where(Organization.code == organization_code))
        if organization is None:
            raise click.ClickException(bilingual(N_("No organization with code %(code)s.", code=organization_code),
                                                 "\n"))
    generated = password is None
    password = password or accounts.new_password()
    with service_errors():
        accounts.create_user(username, password, role, organization, by="cli")
    click.echo(f"Created {role} {username!r}" + (f" with password: {password}" if generated else "."))


@click.command("set-password")
@click.argument("username")
@click.option("--password", help="New password; generated and printed if omitted.")
@with_appcontext
def set_password(username, password):
    """Reset a staff user's password."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(bilingual(N_("No user %(username)r.", username=username), "\n"))
    generated = password is None
    password = password or accounts.new_password()
    with service_errors():
        accounts.set_password(user, password, by="cli")
    click.echo(f"Password of {username!r} set" + (f": {password}" if generated else "."))


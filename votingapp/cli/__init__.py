"""The `votingapp` command (also `flask --app votingapp`): calls services, prints."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo

from .accounts import create_user, init_db, set_password
from .audit import verify
from .ballots import simulate, tally
from .data import demo, import_members, import_organizations, list_levels
from .grading import grading
from .keys import signing_key
from .meetings import open_session, record_attendance

COMMANDS = [init_db, create_user, set_password, list_levels, import_organizations, import_members, demo,
            record_attendance, open_session, tally, simulate, signing_key, grading]
#: commands that need no app and no database (`votingapp verify` runs on an auditor's machine)
OFFLINE_COMMANDS = [verify]


def register_cli(app: Flask) -> None:
    for command in COMMANDS + OFFLINE_COMMANDS:
        app.cli.add_command(command)


#: the only command that may create a new instance (a database and keys); `serve` is the other way
CREATING_COMMANDS = {"init-db"}
_COMMAND = "votingapp.command"


class VotingappGroup(FlaskGroup):
    """FlaskGroup that tells create_app which command runs, so that only init-db may create an
    instance: any other command run from the wrong folder says where it looked and stops,
    instead of making a new database and new keys there."""

    def get_command(self, ctx, name):
        ctx.meta[_COMMAND] = name
        from ..config import InstanceError
        try:
            return super().get_command(ctx, name)
        except InstanceError as error:
            raise click.ClickException(str(error)) from None

    def list_commands(self, ctx):
        from ..config import InstanceError
        try:
            ctx.ensure_object(ScriptInfo).load_app()
        except InstanceError as error:
            click.echo(f"{error}\n", err=True)
            return sorted(self.commands)
        return super().list_commands(ctx)


def _cli_app():
    from .. import create_app
    name = click.get_current_context().meta.get(_COMMAND)
    return create_app(create_instance=name in CREATING_COMMANDS)


def main():
    """Console script: the same commands as `flask --app votingapp`."""
    VotingappGroup(create_app=_cli_app, add_default_commands=False, add_version_option=False,
                   load_dotenv=False, set_debug_flag=False,
                   commands=OFFLINE_COMMANDS)(prog_name="votingapp")  # found before the app is loaded

"""The `votingapp` command (also `flask --app votingapp`): calls services, prints."""

from __future__ import annotations

from flask import Flask
from flask.cli import FlaskGroup

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


def main():
    """Console script: the same commands as `flask --app votingapp`."""
    from .. import create_app
    FlaskGroup(create_app=create_app, add_default_commands=False, add_version_option=False,
               load_dotenv=False, set_debug_flag=False,
               commands=OFFLINE_COMMANDS)(prog_name="votingapp")  # found before the app is loaded

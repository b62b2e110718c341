"""The `votingapp` command (also `flask --app votingapp`): calls services, prints.

Commands are imported only when run: `votingapp --help` and `votingapp verify` load neither
Flask nor SQLAlchemy (the verifier runs on an auditor's machine), and a command that needs the
app builds it only then."""

from __future__ import annotations

from importlib import import_module

import click

#: name → (module in votingapp.cli, attribute, the one-line summary `votingapp --help` lists);
#: tests/integration/test_cli_startup.py checks each summary against the command's own help
COMMANDS = {
    "init-db": ("accounts", "init_db", "Create or upgrade the database tables to the latest migration (idempotent)."),
    "create-user": ("accounts", "create_user", "Create a staff user."),
    "set-password": ("accounts", "set_password", "Reset a staff user's password."),
    "levels": ("data", "list_levels", "List the organization levels (the table organization_levels), top down."),
    "import-organizations": ("data", "import_organizations",
                             "Import party organizations from a CSV or XLSX file (all or nothing)."),
    "import-members": ("data", "import_members", "Import party members from a CSV or XLSX file (all or nothing)."),
    "demo": ("data", "demo",
             "Load the sample province and set up a meeting with an open confidence session to try."),
    "attendance": ("meetings", "record_attendance",
                   "Give the summoned members with these CODES an attendance status, then print the quorum."),
    "open": ("meetings", "open_session",
             "Open a draft session under the system key; refused below the 2/3 quorum of its electorate."),
    "tally": ("ballots", "tally", "Tally a closed session (once) and print its results."),
    "simulate": ("ballots", "simulate",
                 "Issue tokens and vote with them through the real HTTP endpoints, sealing like a phone."),
    "signing-key": ("keys", "signing_key",
                    "Print the Ed25519 public key (base64url) that signs every board and tally."),
    "grading": ("grading", "grading", "The yearly rating: cycles, self-assessments, votes, decisions, exports."),
}
#: commands that need no app and no database (`votingapp verify` runs on an auditor's machine)
OFFLINE_COMMANDS = {
    "verify": ("audit", "verify", "Verify an audit bundle offline: signatures, hash chain, copied ballots, counts, "
                                  "tally and (auditor's bundle) a full re-decryption and recount."),
}


def load_command(name: str) -> click.Command:
    module, attribute, _ = {**COMMANDS, **OFFLINE_COMMANDS}[name]
    return getattr(import_module(f"{__name__}.{module}"), attribute)


def summary_command(name: str) -> click.Command:
    """A stand-in carrying only the summary, so click shortens it as it would the real help."""
    return click.Command(name, help={**COMMANDS, **OFFLINE_COMMANDS}[name][2])


def register_cli(app) -> None:
    for name in {**COMMANDS, **OFFLINE_COMMANDS}:
        app.cli.add_command(load_command(name))


#: the only command that may create a new instance (a database and keys); `serve` is the other way
CREATING_COMMANDS = {"init-db"}


class LazyCommands(click.Group):
    """Lists commands from the table above and imports one only to run it. An app command gets
    the app through Flask's ScriptInfo, as `flask --app votingapp` does, built here so that
    only init-db may create an instance: any other command run from the wrong folder says
    where it looked and stops, instead of making a new database and new keys there."""

    def list_commands(self, ctx):
        return sorted({**COMMANDS, **OFFLINE_COMMANDS})

    def get_command(self, ctx, name):
        if name not in COMMANDS and name not in OFFLINE_COMMANDS:
            return None
        if name in COMMANDS and ctx.obj is None:
            from flask.cli import ScriptInfo

            from .. import create_app
            from ..config import InstanceError
            ctx.obj = ScriptInfo(create_app=lambda: create_app(create_instance=name in CREATING_COMMANDS),
                                 set_debug_flag=False, load_dotenv_defaults=False)
            try:
                ctx.obj.load_app()
            except InstanceError as error:
                raise click.ClickException(str(error)) from None
        return load_command(name)

    def format_commands(self, ctx, formatter):
        limit = formatter.width - 6 - max(len(name) for name in self.list_commands(ctx))
        rows = [(name, summary_command(name).get_short_help_str(limit)) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyCommands)
def main():
    """votingapp: secret-ballot confidence votes for review meetings."""

"""Commands that load data: spreadsheet imports and the ready-to-try demo."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import click
from flask import current_app, url_for
from flask.cli import with_appcontext
from flask_babel import force_locale, gettext
from werkzeug.routing import BuildError

from ..catalog import N_, NC_, bilingual
from ..netinfo import lan_addresses
from ..services import demo as demo_service
from ..services import grading_demo, imports, levels
from .common import service_errors

_file = click.Path(exists=True, dir_okay=False, path_type=Path)


def _run_import(importer, path: Path, what: str) -> None:
    with service_errors():
        report = importer(path.read_bytes(), path.name, by="cli")
    click.echo(f"{path.name}: {report.total} {what} read, {report.created} created, {report.updated} updated.")


@click.command("import-organizations")
@click.argument("file", type=_file)
@with_appcontext
def import_organizations(file: Path):
    """Import party organizations from a CSV or XLSX file (all or nothing)."""
    _run_import(imports.import_organizations, file, "organizations")


@click.command("levels")
@with_appcontext
def list_levels():
    """List the organization levels (the table organization_levels), top down."""
    click.echo("code     label     grassroots  name (vi / en)")
    for level in levels.list_levels():
        click.echo(f"{level.code:<8} {level.label:<9} {'yes' if level.is_grassroots else '':<11} "
                   f"{level.name_vi} / {level.name_en}")


@click.command("import-members")
@click.argument("file", type=_file)
@with_appcontext
def import_members(file: Path):
    """Import party members from a CSV or XLSX file (all or nothing)."""
    _run_import(imports.import_members, file, "members")


def _page(base_url: str, endpoint: str, fallback: str, **values) -> str:
    """The URL of a page, as the running app names it."""
    with current_app.test_request_context(base_url=base_url):
        try:
            return url_for(endpoint, _external=True, **values)
        except BuildError:
            return base_url.rstrip("/") + fallback


def _buttons(*english: str) -> dict:
    """Button names as the chair's (Vietnamese) pages show them, from the same catalog."""
    with current_app.test_request_context(), force_locale("vi"):
        return {text: gettext(text) for text in english}


@click.command("demo")
@click.option("--url", "base_url", default=lambda: f"http://127.0.0.1:{os.environ.get('PORT', '8000')}",
              show_default="http://127.0.0.1:$PORT (8000)", help="Where scripts/serve listens, for the printed links.")
@with_appcontext
def demo(base_url: str):
    """Load the sample province and set up a meeting with an open confidence session to try."""
    with service_errors():
        setup = demo_service.set_up_demo(by="cli")
        rating = grading_demo.set_up_grading_demo()
    meeting, session = setup.meeting, setup.session
    port = urlsplit(base_url).port or 80
    phones = [f"http://{address}:{port}/v" for address in lan_addresses()] or [f"http://<LAN address>:{port}/v"]
    password = (f"password {setup.chair_password}   (shown once; reset with: .venv/bin/votingapp set-password "
                f"{setup.chair.username})" if setup.chair_password
                else "password unchanged (reset with: .venv/bin/votingapp set-password "
                     f"{setup.chair.username})")
    subjects = ", ".join(s.name for s in session.subjects)
    button = _buttons("Log in", "Download the cards (PDF)", "Open the kiosk screen", "Close voting…",
                      "Count the ballots")
    ready, try_it, yearly = (bilingual(text) for text in (N_("Demo ready"), NC_("how to try the demo", "Try it"),
                                                          N_("Yearly rating")))
    click.echo(f"""\
{ready}
  organizations: {setup.organizations.created} created, {setup.organizations.updated} updated
  members:       {setup.members.created} created, {setup.members.updated} updated
  meeting:       {meeting.title} ({meeting.organization.name}), {meeting.present_count} of \
{meeting.summoned_count} present
  session:       {session.title} [{session.state}] on {subjects}
  session id:    {session.id}
  motion:        {setup.motion.title} [{setup.motion.state}], voted by the official members

{try_it}:
  1. Start the server:        scripts/serve
  2. Open (chair's laptop):   {_page(base_url, "auth.login", "/login")}
     "{button["Log in"]}" as {setup.chair.username}, {password}
  3. The session page:        {_page(base_url, "chair.show_session", f"/chair/sessions/{session.id}",
                                     session_id=session.id)}
     "{button["Download the cards (PDF)"]}" makes a PDF with one QR card per attendee;
     "{button["Open the kiosk screen"]}" shows one QR at a time
     ({_page(base_url, "chair.kiosk", f"/chair/sessions/{session.id}/kiosk", session_id=session.id)}).
  4. Phones on the same Wi-Fi scan a card, or open {", ".join(phones)} and type the code.
     For QR codes that carry the LAN address: export VOTINGAPP_PUBLIC_URL=http://<LAN address>:{port}
  5. Or let simulated phones vote through the real endpoints:
       .venv/bin/votingapp simulate --session {session.id} --voters {meeting.present_count} \
--url {base_url.rstrip("/")} --record votes.json
  6. "{button["Close voting…"]}" on the session page, then "{button["Count the ballots"]}" there, or:
       .venv/bin/votingapp tally --session {session.id}

{yearly}:
  cycle:        {rating.cycle.title} ({rating.cycle.organization.name})
  dashboard:    {_page(base_url, "grading.show_cycle", f"/grading/cycles/{rating.cycle.id}", cycle_id=rating.cycle.id)}
  log in as {rating.admin.username} (the commune committee, which decides its members' ratings), \
{f"password {rating.admin_password} (shown once)" if rating.admin_password else "password unchanged"}
  SL-01 has a draft rating ballot; SL-02 has not started; SL-03 has self-assessments in;
  SL-04 has proposals to decide; SL-05 is decided; last year's ratings are beside for the chart.""")

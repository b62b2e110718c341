"""Commands on a meeting's attendance and on opening a session: the same services, and the
same refusals, as the pages and the API."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..catalog import N_, NC_, bilingual
from ..domain import electorate as rules
from ..extensions import db
from ..models import BallotSession, Meeting
from ..services import attendance, ballots, meetings
from ..services.errors import ServiceError
from .common import service_errors


@click.command("attendance")
@click.option("--meeting", "meeting_id", type=int, required=True, help="Meeting id.")
@click.option("--status", type=click.Choice(rules.ATTENDANCE_STATUSES), required=True)
@click.option("--reason", type=click.Choice(rules.EXCLUSION_REASONS), help="Why an excluded member is out of the base.")
@click.argument("codes", nargs=-1, required=True)
@with_appcontext
def record_attendance(meeting_id: int, status: str, reason: str | None, codes: tuple[str, ...]):
    """Give the summoned members with these CODES an attendance status, then print the quorum."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise click.ClickException(bilingual(N_("No meeting %(meeting)s.", meeting=meeting_id), "\n"))
    by_code = {row.member.code: row.member_id for row in meeting.attendance}
    with service_errors():
        unknown = [code for code in codes if code not in by_code]
        if unknown:
            raise ServiceError("invalid_input", N_("Not summoned to this meeting: %(unknown)s.",
                                                   unknown=", ".join(unknown)))
        changed = meetings.set_attendance(meeting, [by_code[code] for code in codes], status, reason, by="cli")
    summary = attendance.summarize(meeting)
    state = bilingual(N_("2/3 of those summoned are present") if summary.quorum_met
                      else N_("fewer than 2/3 of those summoned are present"))
    click.echo(f"{changed} changed. Summoned {summary.summoned}, not counted {summary.excluded}, base {summary.base}, "
               f"present {summary.present} ({summary.needed} needed): {state}.")


@click.command("open")
@click.option("--session", "session_id", required=True, help="A draft ballot session id.")
@with_appcontext
def open_session(session_id: str):
    """Open a draft session under the system key; refused below the 2/3 quorum of its electorate."""
    session = db.session.get(BallotSession, session_id)
    if session is None:
        raise click.ClickException(bilingual(N_("No ballot session %(session)s.", session=session_id), "\n"))
    with service_errors():
        ballots.open_session(session, by="cli")
    counts = ballots.progress(session)
    opened, present = bilingual(NC_("a session was opened", "Open")), bilingual(N_("Electorate present"))
    click.echo(f"{opened}: {session.title}. {present}: {counts['present']} of a base of {counts['base']}.")

"""`votingapp grading …`: the yearly rating from the command line. Every write names the staff
account whose authority it uses (--as), so the competent-level checks apply as on the pages."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..catalog import N_, bilingual
from ..domain import grading as rules
from ..extensions import db
from ..models import HallKey, Organization, ReviewCycle, User
from ..services import grading as service
from ..services import grading_exchange
from ..services.errors import ServiceError
from .common import service_errors

grading = AppGroup("grading", help="The yearly rating: cycles, self-assessments, votes, decisions, exports.")
_file = click.Path(exists=True, dir_okay=False, path_type=Path)
acting = click.option("--as", "username", required=True, help="The staff account whose authority this uses.")
cycle_option = click.option("--cycle", "cycle_id", type=int, required=True, help="The review cycle's id.")


def _user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise click.ClickException(bilingual(N_("No active account %(username)r.", username=username)))
    return user


def _cycle(cycle_id: int) -> ReviewCycle:
    cycle = db.session.get(ReviewCycle, cycle_id)
    if cycle is None:
        raise click.ClickException(bilingual(N_("No review cycle %(cycle)s.", cycle=cycle_id)))
    return cycle


def _pairs(text: str, what: str) -> dict[str, str]:
    """"HTXSNV=4,HTTNV=3" → {"HTXSNV": "4", "HTTNV": "3"}."""
    pairs = {}
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        key, sep, value = part.partition("=")
        if not sep:
            raise click.BadParameter(f"write {what} as NAME=VALUE,NAME=VALUE")
        pairs[key.strip()] = value.strip()
    return pairs


@grading.command("create-cycle")
@acting
@click.option("--organization", required=True, help="The code of the organization whose subtree is reviewed.")
@click.option("--year", type=int, required=True)
@click.option("--title", default="")
@click.option("--policy", type=click.Choice(list(rules.GRADING_POLICIES)), default=rules.DEFAULT_GRADING_POLICY,
              show_default=True)
@click.option("--deadlines", default="", help="LEVEL=YYYY-MM-DD,… (default co-so 10/12, huyen 25/12).")
def create_cycle(username, organization, year, title, policy, deadlines):
    """Open the year's review cycle for an organization's subtree."""
    with service_errors():
        org = db.session.scalar(select(Organization).where(Organization.code == organization))
        if org is None:
            raise ServiceError("not_found", N_("No organization %(organization)r.", organization=organization))
        cycle = service.create_cycle(org, year, title=title, policy=policy,
                                     deadlines=_pairs(deadlines, "deadlines") or None, by=_user(username))
    click.echo(f"cycle {cycle.id}: {cycle.title} ({org.name}, policy {cycle.policy}, deadlines {cycle.deadlines})")


@grading.command("import")
@acting
@cycle_option
@click.argument("file", type=_file)
def import_ratings(username, cycle_id, file):
    """Import self-assessments and proposals (the export's columns), all lines or none."""
    with service_errors():
        report = grading_exchange.import_table(_cycle(cycle_id), file.read_bytes(), file.name, by=_user(username))
    click.echo(f"{file.name}: {report['lines']} lines imported.")


@grading.command("open-vote")
@acting
@cycle_option
@click.option("--subject", required=True, help="e.g. member:DV00001 or collective:SL-01")
@click.option("--votes", required=True, help="HTXSNV=4,HTTNV=3,HTNV=2,KHTNV=1")
@click.option("--base", type=int, required=True, help="Members present.")
def open_vote(username, cycle_id, subject, votes, base):
    """Record show-of-hands counts; prints the proposal, explained."""
    with service_errors():
        found = service.find_subject(_cycle(cycle_id), subject)
        service.record_open_vote(found, _pairs(votes, "votes"), base, by=_user(username))
        click.echo(f"{found.name}: {service.explain(found, 'en')['votes']}")


@grading.command("propose")
@acting
@cycle_option
@click.option("--session", "session_id", required=True, help="A tallied rating session.")
def propose(username, cycle_id, session_id):
    """Take the proposals from a tallied rating ballot."""
    from ..models import BallotSession
    with service_errors():
        session = db.session.get(BallotSession, session_id)
        if session is None:
            raise ServiceError("not_found")
        made = service.propose_from_session(_cycle(cycle_id), session, by=_user(username))
    for proposal in made:
        click.echo(f"{proposal.subject.key}: {proposal.level or '-'}")


@grading.command("decide")
@acting
@cycle_option
@click.option("--subject", required=True)
@click.option("--level", type=click.Choice(rules.LEVELS), default=None, help="Absent: approve the proposal.")
@click.option("--reason", default="", help="Required for an override.")
@click.option("--quota-exception", default="", help="The competent level's reason to pass the quota.")
def decide(username, cycle_id, subject, level, reason, quota_exception):
    """Approve or override a proposal (the competent level only)."""
    with service_errors():
        found = service.find_subject(_cycle(cycle_id), subject)
        decision = service.decide(found, level=level, reason=reason, quota_exception=quota_exception,
                                  by=_user(username))
    click.echo(f"{found.name}: {decision.action} {decision.level}")


@grading.command("export")
@cycle_option
@click.option("--unit", default=None, help="An organization code (default: the cycle's).")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export(cycle_id, unit, fmt, output):
    """Write the ratings of a unit (and its subtree) as XLSX or CSV."""
    cycle = _cycle(cycle_id)
    org = db.session.scalar(select(Organization).where(Organization.code == unit)) if unit else cycle.organization
    if org is None or not service.covers(cycle, org):
        raise click.ClickException(bilingual(N_("%(unit)r is not in this cycle.", unit=unit)))
    output.write_bytes(grading_exchange.export_table(cycle, org, fmt))
    click.echo(f"{output}: {len(grading_exchange.export_rows(cycle, org))} subjects")


@grading.command("pin-hall-key")
@acting
@click.argument("name")
@click.argument("public_key")
def pin_hall_key(username, name, public_key):
    """Pin a meeting hall installation's signing key (its `votingapp signing-key`)."""
    with service_errors():
        hall = service.pin_hall_key(name, public_key, by=_user(username))
    click.echo(f"hall {hall.name}: {hall.public_key}")


@grading.command("import-hall-bundle")
@acting
@cycle_option
@click.option("--hall", required=True, help="The pinned hall's name.")
@click.argument("file", type=_file)
def import_hall_bundle(username, cycle_id, hall, file):
    """Proposals from a hall's public bundle, verified against its pinned key; refused on any failure."""
    with service_errors():
        pinned = db.session.scalar(select(HallKey).where(HallKey.name == hall))
        if pinned is None:
            raise ServiceError("not_found", N_("No pinned hall %(hall)r.", hall=hall))
        try:
            bundle = json.loads(file.read_bytes())
        except ValueError:
            raise ServiceError("bundle_refused", N_("The file is not JSON.")) from None
        made = service.import_hall_bundle(_cycle(cycle_id), pinned, bundle, by=_user(username))
    click.echo(f"{len(made)} proposals imported from {file.name}.")

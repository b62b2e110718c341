"""Commands on a ballot session: tally it and print the results, or simulate a room of voters."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..catalog import N_, NC_, bilingual
from ..domain import ballot_forms, labels
from ..extensions import db
from ..models import BallotSession, SessionState
from ..services import ballots, simulation, tallying
from ..services.errors import ServiceError
from .common import service_errors

#: the headings of the tally (and simulation) tables, printed "English / Vietnamese"; a subject is
#: the person (or collective) voted on
SUBJECT = NC_("tally table", "Subject")
RESULT = NC_("tally table", "Result")
BALLOTS = NC_("tally summary line", "Ballots")
PERCENTAGES_ON = N_("Percentages on")


def both_languages(vietnamese: str, english: str) -> str:
    return vietnamese if vietnamese == english else f"{vietnamese} / {english}"


def verdict(subject: dict, policy: dict) -> str:
    """The subject's consequence or outcome, as the minutes word it, with the English."""
    return both_languages(labels.verdict_label(subject, policy, "vi"), labels.verdict_label(subject, policy, "en"))


def _session(session_id: str) -> BallotSession:
    session = db.session.get(BallotSession, session_id)
    if session is None:
        raise click.ClickException(bilingual(N_("No ballot session %(session)s.", session=session_id), "\n"))
    return session


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
                     for row in rows)


def results_table(document: dict) -> str:
    """The tally document as the text the counting committee reads out."""
    kind, ballots_ = document["session"]["kind"], document["ballots"]
    options = [(option.id, option.label_vi) for option in ballot_forms.OPTIONS[kind]]
    if any(subject["counts"].get("blank") for subject in document["subjects"]):
        options.append(("blank", both_languages(labels.UNMARKED.label_vi, labels.UNMARKED.label_en)))
    reasons = "; ".join(f"{labels.label(labels.INVALID_REASONS, reason)} {n}"
                        for reason, n in ballots_["invalid_by_reason"].items())
    basis = document["subjects"][0]["basis"] if document["subjects"] else "received"
    rows = [[bilingual(SUBJECT)] + [label for _, label in options] + [bilingual(RESULT)]]
    for subject in document["subjects"]:
        cells = [f"{subject['counts'][option]} ({subject['percent'][option] or '-'}%)" for option, _ in options]
        name = subject["name"] + (f" – {subject['detail']}" if subject.get("detail") else "")
        rows.append([name] + cells + [verdict(subject, document["policy"])])
    bases = ", ".join(f"{name} {value}" for name, value in document["bases"].items())
    return "\n".join([
        f"{document['session'].get('title', '')} - {document['session'].get('organization', '')}",
        f"{bilingual(BALLOTS)}: received {ballots_['received']}, valid {ballots_['valid']}, "
        f"invalid {ballots_['invalid']}" + (f" ({reasons})" if reasons else ""),
        f"{bilingual(PERCENTAGES_ON)}: {labels.label(labels.BASES, basis)} / "
        f"{labels.label(labels.BASES, basis, 'en')}"
        f"   (bases: {bases})",
        "",
        _table(rows),
    ])


@click.command("tally")
@click.option("--session", "session_id", required=True, help="Ballot session id.")
@click.option("--close", "close_first", is_flag=True, help="Close the session first if it is still open.")
@click.option("--json", "as_json", is_flag=True, help="Print the tally document as JSON.")
@with_appcontext
def tally(session_id: str, close_first: bool, as_json: bool):
    """Tally a closed session (once) and print its results."""
    session = _session(session_id)
    with service_errors():
        if session.state == SessionState.OPEN.value:
            if not close_first:
                raise ServiceError("not_tallied", N_("The session is still open: close it on its page, or add "
                                                     "--close."))
            ballots.close_session(session, by="cli")
        if session.state == SessionState.CLOSED.value:
            tallying.tally_session(session, by="cli")
        document = tallying.results(session)
    click.echo(json.dumps(document, ensure_ascii=False, indent=2) if as_json else results_table(document))


def _choices_table(session: BallotSession, result: simulation.SimulationResult) -> str:
    options = ballot_forms.OPTIONS[session.kind]
    rows = [[bilingual(SUBJECT)] + [option.label_vi for option in options]]
    for subject in session.subjects:
        rows.append([subject.name] + [str(result.choices[subject.key][option.id]) for option in options])
    return _table(rows)


@click.command("simulate")
@click.option("--session", "session_id", required=True, help="An open ballot session id.")
@click.option("--voters", type=click.IntRange(1, ballots.MAX_ISSUE), required=True, help="Simulated phones.")
@click.option("--url", "base_url", default="http://127.0.0.1:8000", show_default=True, help="The running server.")
@click.option("--seed", type=int, help="Seed for the random choices (a repeatable run).")
@click.option("--record", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the chosen counts as JSON here, to compare with the tally.")
@click.option("--concurrency", type=click.IntRange(1, 64), default=8, show_default=True)
@click.option("--invalid", type=click.IntRange(0), default=0, show_default=True,
              help="How many of the ballots are deliberately invalid.")
@with_appcontext
def simulate(session_id, voters, base_url, seed, record, concurrency, invalid):
    """Issue tokens and vote with them through the real HTTP endpoints, sealing like a phone.

    For rehearsals and tests only: the simulated voters know what they chose, and say so."""
    session = _session(session_id)
    if invalid > voters:
        raise click.BadParameter(bilingual(N_("must not exceed --voters")), param_hint="--invalid")
    with service_errors():
        result = simulation.run_simulation(session, voters=voters, base_url=base_url, seed=seed,
                                           invalid=invalid, concurrency=concurrency, by="cli")
    summary = result.to_dict()
    if record:
        record.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    click.echo(_choices_table(session, result))
    click.echo(f"\nCast {result.cast} of {voters} ballots ({summary['invalid']} deliberately invalid) "
               f"in {result.seconds:.2f} s: {result.ballots_per_second:.1f} ballots/s, "
               f"{concurrency} at a time." + (f" Recorded in {record}." if record else ""))
    if result.refused:
        refused = ", ".join(f"{code} {n}" for code, n in result.refused.items())
        raise click.ClickException(bilingual(N_("%(count)s ballots were refused: %(codes)s",
                                                count=sum(result.refused.values()), codes=refused), "\n"))

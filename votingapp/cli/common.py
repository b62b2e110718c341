"""What every command shares: turning a service refusal into a readable, bilingual exit."""

from __future__ import annotations

from contextlib import contextmanager

import click

from ..catalog import N_
from ..models.ballots import IllegalTransition
from ..services.errors import ServiceError


def error_text(error: ServiceError) -> str:
    """English, Vietnamese, then one line per problem the service listed (e.g. file lines)."""
    lines = [error.message_en, error.message_vi]
    for problem in error.extra.get("lines", []):
        where = f"line {problem.get('line')}" + (f", {problem['column']}" if problem.get("column") else "")
        lines.append(f"  {where}: {problem.get('message', '')} / {problem.get('message_vi', '')}")
    return "\n".join(lines)


@contextmanager
def service_errors():
    """Exit 1 with the bilingual text of a ServiceError (or an illegal state move)."""
    try:
        yield
    except ServiceError as error:
        raise click.ClickException(error_text(error)) from None
    except IllegalTransition as exc:
        raise click.ClickException(error_text(ServiceError(
            "illegal_transition", N_("(It is %(state)s; cannot %(action)s.)",
                                     state=exc.state, action=exc.action)))) from None

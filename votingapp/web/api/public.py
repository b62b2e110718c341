"""Public documents, no login: the signed board of a closed session and the public audit
bundle. Anyone may fetch and check them; they hold no key and nothing about a voter."""

from functools import partial

from flask import Response, stream_with_context

from ...services import publication
from ..common import get_public_session_or_404
from . import bp, schemas
from .openapi import documented

#: every route here: no login, a session id in the path, 404 or 409 as its own errors
documented_public = partial(documented, tag="public", security=[], errors=(404, 409),
                            path_parameters={"session_id": "The ballot session's id."})


@bp.get("/sessions/<session_id>/board")
@documented_public(answers={200: schemas.Board})
def get_board(session_id: str):
    """The signed bulletin board of a closed session

    No login. board-v2 (docs/formats.md §6): the signed header (session, counts, chain head)
    with every ciphertext streamed from the ballots table in receipt order; a board-v1 session
    answers its stored document. 409 session_not_closed before.
    """
    return _json_stream(publication.board_text(get_public_session_or_404(session_id)))


@bp.get("/sessions/<session_id>/bundle")
@documented_public(answers={200: schemas.PublicBundle})
def get_public_bundle(session_id: str):
    """The public audit bundle, as a file

    No login. audit-bundle-v2 (v1 for a board-v1 session) at level public: board, tally (null before the tally) and the
    installation's signing key; `votingapp verify FILE` checks it offline on any machine. Sent with
    Content-Disposition: attachment; filename="votingapp-<first 8 of id>-public.json".
    """
    session = get_public_session_or_404(session_id)
    response = _json_stream(publication.public_bundle_text(session))
    response.headers["Content-Disposition"] = f'attachment; filename="{bundle_filename(session, "public")}"'
    return response


def bundle_filename(session, level: str) -> str:
    return f"votingapp-{session.id[:8]}-{level}.json"


def _json_stream(pieces) -> Response:
    """JSON written while it is sent: the ballots are read from the database as they go out."""
    return Response(stream_with_context(pieces), content_type="application/json")

"""Public documents, no login: the signed board of a closed session and the public audit
bundle. Anyone may fetch and check them; they hold no key and nothing about a voter."""

from flask import Response, stream_with_context

from ...services import publication
from ..common import get_public_session_or_404
from . import bp


@bp.get("/sessions/<session_id>/board")
def get_board(session_id: str):
    """The signed board (docs/formats.md §6), its entries streamed from the ballots table in
    receipt order; 409 before close."""
    return _json_stream(publication.board_text(get_public_session_or_404(session_id)))


@bp.get("/sessions/<session_id>/bundle")
def get_public_bundle(session_id: str):
    """The public audit bundle as a file to keep, for `votingapp verify` on any machine."""
    session = get_public_session_or_404(session_id)
    response = _json_stream(publication.public_bundle_text(session))
    response.headers["Content-Disposition"] = f'attachment; filename="{bundle_filename(session, "public")}"'
    return response


def bundle_filename(session, level: str) -> str:
    return f"votingapp-{session.id[:8]}-{level}.json"


def _json_stream(pieces) -> Response:
    """JSON written while it is sent: the ballots are read from the database as they go out."""
    return Response(stream_with_context(pieces), content_type="application/json")

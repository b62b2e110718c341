"""The voter's page: mobile-first, no account, no third-party request. The token arrives in
the URL fragment (never sent to the server in a URL) or is typed in; the page looks the
ballot up, seals it in the browser (static/js/verifiable-seal.bundle.js; sealed.bundle.js for a
sealed-v1/v2 session) and casts or checks it through the JSON API of docs/api.md."""

from flask import Blueprint, abort, make_response, redirect, render_template, url_for

from ..services import verifiable
from .common import get_public_session_or_404, public_base_url

bp = Blueprint("voter", __name__)


def ballot_url(token: str) -> str:
    """What a QR card or the kiosk encodes: the voter page with the token in the fragment,
    which browsers never send to a server, so it reaches no access log."""
    return f"{public_base_url()}{url_for('voter.ballot')}#{token}"


@bp.get("/")
def index():
    return redirect(url_for("voter.ballot"))


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico before reading the page's icon link: answer, not 404."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.get("/v")
def ballot():
    response = make_response(render_template("voter/ballot.html"))
    # Nothing of the ballot may linger in a shared phone's cache or leak as a referrer.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/member/<session_id>")
def member(session_id: str):
    """A counting-committee member's phone decrypts the sums (verifiable-v1, committee custody)."""
    session = get_public_session_or_404(session_id)
    if not verifiable.is_verifiable(session) or not session.committee_key:
        abort(404)
    response = make_response(render_template("voter/member.html", session=session))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response

"""Audit pages. Public: the bulletin board of a closed session and the voter's receipt check
(no login). Auditors: the in-app verification of a session's bundle (the same verifier as
`votingapp verify`) and the role-gated, logged auditor bundle."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, stream_template, stream_with_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..audit.spoiled import board_spoiled
from ..audit.words import detail_vi
from ..crypto.encoding import b64encode
from ..domain import integrity
from ..extensions import csrf, htmx
from ..services import auditing, publication, receipts
from ..services.errors import ServiceError
from .api.public import bundle_filename
from .common import get_public_session_or_404, get_session_or_404, require

bp = Blueprint("audit", __name__)

#: what each check of votingapp.audit.verify establishes, in the page's language
CHECK_NAMES = {
    "bundle_format": _l("The bundle is well formed"),
    "signing_key": _l("Signed with this installation's key"),
    "board_signature": _l("The board's signature is valid"),
    "board_entries": _l("Each receipt is the hash of its ciphertext, sorted, no duplicates"),
    "no_duplicate_keys": _l("No two ballots share an ephemeral key (no copied ballot)"),
    "hash_chain": _l("The hash chain and its head recompute"),
    "board_counts": _l("Ballots = codes used ≤ present ≤ summoned"),
    "tally_signature": _l("The tally's signature is valid"),
    "tally_matches_board": _l("The tally counts this board"),
    "tally_arithmetic": _l("Valid + invalid = received; per-person sums and percentages"),
    "receipt": _l("A given receipt is on the board"),
    "session_key": _l("The session key belongs to the board's public key"),
    "recount": _l("Every ballot decrypted and recounted: same result as the signed tally"),
    "key_consistency": _l("The public key and the members' keys fit together"),
    "ballot_proofs": _l("Every ballot proves it holds one mark per person, or none"),
    "spoiled": _l("Every checked ballot opens to what its code said"),
    "decryption": _l("The decrypted sums give exactly the signed tally's numbers"),
}


def signing_key_b64() -> str:
    return b64encode(publication.signing_public_key())


# --- public: the board ---------------------------------------------------------------------

@bp.get("/board/<session_id>")
def show_board(session_id: str):
    """The published board; before close, a 409 page that says when it will appear."""
    session = get_public_session_or_404(session_id)
    try:
        board = publication.board_of(session)
    except ServiceError as error:
        return render_template("audit/board_pending.html", session=session, error=error), error.status
    receipts = (entry["receipt"] for entry in board["entries"]) if "entries" in board \
        else publication.stored_receipts(session.id)
    return Response(stream_with_context(stream_template(
        "audit/board.html", session=session, board=board, receipts=receipts, signing_key=signing_key_b64(),
        breaches=integrity.breaches(board["counts"]), spoiled=board_spoiled(board))))


# --- public: the receipt check -------------------------------------------------------------

@bp.get("/receipt")
def receipt_form():
    return render_template("audit/receipt.html", session=_named_session())


@bp.post("/receipt")
@csrf.exempt  # reads only, changes nothing; an expired form must not stop a voter's check
def check_receipt():
    """POST, not GET, though receipts are public on the board: in a GET URL the receipt would
    sit in access logs and the phone's history beside the phone's address and the time, and
    whoever holds the session key can read the ballot a receipt names. A POST body is not logged."""
    session = _named_session()
    typed = request.form.get("receipt", "")
    found, error = [], None
    try:
        found = receipts.find_receipt(typed, session.id if session else None)
    except ServiceError as refused:  # answered in the page, beside the form, with its 4xx
        error = refused
    template = "audit/_receipt_result.html" if htmx else "audit/receipt.html"
    return render_template(template, session=session, found=found, error=error, typed=typed,
                           checked=True), error.status if error else 200


def _named_session():
    """The session named by ?session= or the form (the voter page links with it), if any."""
    session_id = request.values.get("session", "").strip()
    return get_public_session_or_404(session_id) if session_id else None


# --- auditors ------------------------------------------------------------------------------

def auditor_view(view):
    return login_required(require("can_audit")(view))


@bp.get("/audit/")
@auditor_view
def index():
    return render_template("audit/index.html", sessions=auditing.auditable_sessions(current_user),
                           signing_key=signing_key_b64())


def check_detail(check) -> tuple[str, bool]:
    """(the detail in the page's language, whether it is the verifier's English left as it is)."""
    if str(get_locale()) == "en":
        return check.detail, False
    words = detail_vi(check.name, check.detail, check.skipped)
    return (words, False) if words else (check.detail, True)


def render_session(session, report, *, level: str, key_error: ServiceError | None = None, status: int = 200):
    return render_template("audit/session.html", session=session, report=report, level=level,
                           check_names=CHECK_NAMES, check_detail=check_detail, key_error=key_error,
                           signing_key=signing_key_b64()), status


@bp.get("/audit/sessions/<session_id>")
@auditor_view
def show_session(session_id: str):
    """The public bundle built from the database, checked by the offline verifier in-process."""
    session = get_session_or_404(session_id, for_user=current_user)
    return render_session(session, auditing.public_report(session), level="public")


def with_shares(session, action):
    """Run an auditor-level action with the typed shares; a refusal (no tally yet, missing or
    wrong share) comes back on the audit page, beside the form, with its status."""
    try:
        return action(request.form.getlist("share")), None
    except ServiceError as error:
        return None, render_session(session, auditing.public_report(session), level="public",
                                    key_error=error, status=error.status)


@bp.post("/audit/sessions/<session_id>/auditor-bundle")
@auditor_view
def download_auditor_bundle(session_id: str):
    """The bundle with the session key: after the tally only, each download logged."""
    session = get_session_or_404(session_id, for_user=current_user)
    bundle, refused = with_shares(session, lambda shares: auditing.auditor_bundle(session, shares, by=current_user))
    if refused:
        return refused
    response = Response(stream_with_context(bundle), content_type="application/json; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{bundle_filename(session, "auditor")}"'
    response.headers["Cache-Control"] = "no-store"  # it holds a private key: no cache may keep it
    return response


@bp.post("/audit/sessions/<session_id>/verify")
@auditor_view
def verify_auditor_level(session_id: str):
    """Re-decrypt and recount in-process; the key never leaves the server."""
    session = get_session_or_404(session_id, for_user=current_user)
    report, refused = with_shares(session, lambda shares: auditing.auditor_report(session, shares, by=current_user))
    return refused or render_session(session, report, level="auditor")

"""Staff log in and out through the real form (CSRF included), and manage their API tokens."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db
from ..models import ApiToken
from ..services import accounts
from ..services.errors import ServiceError

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        username = request.form.get("username", "")
        user = accounts.authenticate(username, request.form.get("password", ""), request.remote_addr or "-")
        if user is not None:
            login_user(user)
            target = request.args.get("next", "")
            return redirect(target if target.startswith("/") and not target.startswith("//")
                            else url_for("chair.dashboard"))
        error = _("Wrong user name or password.")
    return render_template("auth/login.html", error=error), 401 if error else 200


@bp.post("/logout")
@login_required
def logout():
    """Ends every session of this account, on every device, not only this cookie."""
    accounts.log_out(current_user._get_current_object())
    logout_user()
    return redirect(url_for("auth.login"))


# --- API tokens ---------------------------------------------------------------------------

@bp.get("/account/tokens")
@login_required
def list_api_tokens():
    return _tokens_page()


def _tokens_page(created: str | None = None, error: ServiceError | None = None):
    user = current_user._get_current_object()
    response = render_template("auth/tokens.html", tokens=accounts.api_tokens_of(user), created=created, error=error)
    return response, (error.status if error else 201 if created else 200), {"Cache-Control": "no-store"}


@bp.post("/account/tokens")
@login_required
def create_api_token():
    """The token is on this answer only (no-store); only its hash is kept."""
    try:
        _, text = accounts.create_api_token(current_user._get_current_object(), request.form.get("name", ""),
                                            by=current_user)
    except ServiceError as error:
        db.session.rollback()
        return _tokens_page(error=error)
    return _tokens_page(created=text)


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_api_token(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    accounts.revoke_api_token(token, by=current_user)
    return redirect(url_for(".list_api_tokens"))

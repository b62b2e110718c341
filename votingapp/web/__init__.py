"""One blueprint per audience. Errors render as JSON under /api/, as a page elsewhere."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ..catalog import N_
from ..extensions import db, login_manager
from ..models import User
from ..models.accounts import Visitor
from ..models.ballots import IllegalTransition
from ..services.errors import STORAGE_RETRY_AFTER, ServiceError, is_storage_outage

_HTTP_CODES = {400: "malformed_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "too_large"}


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signer made once per secret key rather than at
    every request: Flask built it even for a request that carries no cookie (a phone's cast, a
    /healthz), a twentieth of a trivial request's CPU."""

    _signer: tuple = (None, None)

    def get_signing_serializer(self, app: Flask):
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached_key, signer = self._signer
        if cached_key != key or signer is None:
            signer = super().get_signing_serializer(app)
            self._signer = (key, signer)  # one assignment: a thread reads the old pair or the new
        return signer


def register_web(app: Flask) -> None:
    from . import api, assets, audit, auth, chair, grading, headers, voter
    app.session_interface = SessionCookies()
    for module in (voter, auth, chair, api, audit, grading):
        app.register_blueprint(module.bp)
    # after Flask-Compress (create_app): this hook runs first and compresses static files itself
    assets.static_assets.init_app(app)

    app.after_request(headers.add_security_headers)
    app.add_url_rule("/healthz", "healthz", healthz)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.anonymous_user = Visitor

    @login_manager.user_loader
    def load_user(cookie_id: str):
        """The cookie names the user and the session version it was made under: a logout, a
        new password, role or deactivation since then makes it load nobody."""
        user_id, _, version = cookie_id.partition(":")
        if not (user_id.isdigit() and version.isdigit()) or int(user_id) >= 2**31:
            return None
        user = db.session.get(User, int(user_id))
        return user if user is not None and user.session_version == int(version) else None

    @app.after_request
    def remember_language(response):
        lang = request.args.get("lang")
        if lang in ("vi", "en"):
            response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="Lax")
        return response

    app.register_error_handler(ServiceError, render_error)
    app.register_error_handler(IllegalTransition,
                               lambda exc: render_error(ServiceError(
                                   "illegal_transition", N_("(It is %(state)s; cannot %(action)s.)",
                                                            state=exc.state, action=exc.action))))
    app.register_error_handler(CSRFError, lambda exc: render_error(ServiceError(
        "forbidden", N_("The form expired; reload the page and try again."))))
    app.register_error_handler(RequestEntityTooLarge, lambda exc: render_error(ServiceError("too_large")))
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DBAPIError, _database_error)
    app.register_error_handler(Exception, _unexpected)


def healthz():
    """The process answers: for a deploy script or a load balancer. It touches nothing, not
    even the database, so it is also the trivial request scripts/bench weighs a cast against."""
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def render_error(error: ServiceError):
    try:
        db.session.rollback()
    except DBAPIError:  # the connection is gone: the database rolls back on its side
        db.session.close()
    headers = {"Retry-After": str(error.extra["retry_after"])} if "retry_after" in error.extra else {}
    if wants_json():
        return jsonify(error.to_dict()), error.status, headers
    return render_template("error.html", error=error), error.status, headers


def _http_error(exc: HTTPException):
    assert exc.code is not None  # the errors Flask hands this handler are real HTTP statuses
    code = _HTTP_CODES.get(exc.code, "malformed_request")
    error = ServiceError(code, status=exc.code)
    if exc.code < 400:
        return exc
    response = render_error(error)
    allowed = dict(exc.get_headers()).get("Allow") if exc.code == 405 else None
    if allowed:  # RFC 9110 15.5.6: a 405 says which methods the resource has
        body, status, headers = response
        return body, status, headers | {"Allow": allowed}
    return response


def _database_error(exc: DBAPIError):
    """A locked, read-only, full or unreachable database is a 503 the client may retry (the
    transaction rolled back, so nothing is half-written); any other database error is a bug."""
    if not is_storage_outage(exc):
        return _unexpected(exc)
    from flask import current_app
    # the driver's message only: the statement's parameters (token hashes, ciphertexts) stay out of the log
    reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
    current_app.logger.warning("database unavailable on %s %s: %s", request.method, request.path, reason)
    return render_error(ServiceError("storage_unavailable", extra={"retry_after": STORAGE_RETRY_AFTER}))


def _unexpected(exc: Exception):
    """Log it and say so plainly; nothing half-written is kept (the session rolls back)."""
    from flask import current_app
    current_app.logger.exception("unexpected error on %s %s", request.method, request.path)
    db.session.rollback()
    error = ServiceError("conflict", status=500)
    error.code = "internal_error"
    said = N_("Something went wrong on the server; nothing was changed. Please try again.")
    error.message_en, error.message_vi = said.en, said.vi
    return render_error(error)

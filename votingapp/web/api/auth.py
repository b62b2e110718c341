"""Who calls the staff API: HTTP Basic, a Bearer API token (va1_...), or the logged-in cookie
session plus the page's CSRF token in an `X-CSRFToken` header on every unsafe call.
`staff_api` does this and the permission check in one place, and passes the user to the view."""

from __future__ import annotations

from functools import wraps

from flask import current_app, request
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from ...catalog import N_
from ...extensions import csrf
from ...services import accounts
from ...services.errors import ServiceError
from . import bp

#: the User abilities staff_api asks (the table is on models.accounts.User)
ACTORS = "can_run_meetings"
RESULT_READERS = "can_read_results"
#: reading the tree, meetings and cycles: every staff role, as on the pages
READERS = "can_read"
#: sub-organizations and review cycles; the imports (User.can_import) narrow it further
ADMINISTERS = "can_administer"
PINS_HALL_KEYS = "can_pin_hall_keys"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
#: the OpenAPI security requirements of a staff call (any one of them)
STAFF_SECURITY: dict[str, list[str]] = {"basicAuth": [], "bearerAuth": [], "cookieAuth": [], "csrfToken": []}
#: view name → the ability its staff_api asks; openapi.py names the roles that hold it
ABILITIES: dict[str, str] = {}


def staff_api(ability: str = ACTORS):
    """Authenticate the caller, require the User `ability` (asked by role alone: the view or
    the service then checks it on the organization it touches), and pass the user to the view
    as `user`. The global CSRF check is replaced by this one."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = authenticated_staff()
            if not user.may(ability):
                raise ServiceError("forbidden", N_("The %(role)s role cannot do this.", role=user.role))
            return view(*args, user=user, **kwargs)
        ABILITIES[view.__name__] = ability
        return csrf.exempt(wrapped)
    return decorator


def authenticated_staff():
    """Basic (throttled like the login form), a Bearer API token, or the login cookie."""
    credentials = request.authorization
    if credentials is not None and credentials.type == "bearer":
        user = accounts.user_of_api_token(credentials.token or "")
        if user is None:
            raise ServiceError("unauthorized", N_("This API token is not known or was revoked."))
        return user
    if credentials is not None and credentials.type == "basic":
        user = accounts.authenticate(credentials.username or "", credentials.password or "", request.remote_addr or "-")
        if user is None:
            raise ServiceError("unauthorized", N_("Wrong user name or password."))
        _refuse_cross_site()
        return user
    if current_user.is_authenticated:
        if request.method not in SAFE_METHODS:
            _check_csrf_header()
        return current_user._get_current_object()
    raise ServiceError("unauthorized", N_("The API takes HTTP Basic credentials or the session cookie."))


def _refuse_cross_site() -> None:
    """A browser that cached Basic credentials sends them on cross-site requests too, which
    no CSRF token guards here; browsers say where a request comes from in Sec-Fetch-Site."""
    if request.method not in SAFE_METHODS and \
            request.headers.get("Sec-Fetch-Site", "none") not in ("same-origin", "none"):
        raise ServiceError("forbidden", N_("Cross-site requests are refused."))


def _check_csrf_header() -> None:
    headers = current_app.config["WTF_CSRF_HEADERS"]
    token = next((request.headers[name] for name in headers if name in request.headers), None)
    try:
        validate_csrf(token)
    except ValidationError:
        raise ServiceError("forbidden", N_("Send the page's CSRF token in the X-CSRFToken header.")) from None


@bp.after_request
def _ask_for_basic(response):
    """Tell a client that gets 401 how to authenticate (RFC 9110)."""
    if response.status_code == 401:
        response.headers.setdefault("WWW-Authenticate", 'Basic realm="votingapp"')
    return response

"""Shared view helpers: load-or-abort with permission checks, JSON body parsing."""

from __future__ import annotations

from functools import wraps

from flask import abort, request
from flask_login import current_user

from ..extensions import db
from ..models import BallotSession, Meeting, Member, Organization, User
from ..services.errors import ServiceError


def json_body() -> dict:
    """The request's JSON object, or a clear 400 (deep nesting included: the parser's
    RecursionError is a malformed request, not a server error)."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        data = None
    if not isinstance(data, dict):
        raise ServiceError("malformed_request")
    return data


def require(ability: str):
    """The logged-in user must hold `ability`, the name of a User ability (`can_run_meetings`,
    `can_import`, ...) asked about the role alone; the load-or-abort helpers below then check
    the subtree."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                raise ServiceError("unauthorized")
            if not current_user.may(ability):
                raise ServiceError("forbidden")
            return view(*args, **kwargs)
        return wrapped
    return decorator


def _check_reach(organization: Organization, user) -> None:
    if not user.can_reach(organization):
        raise ServiceError("forbidden")


def get_organization_or_404(organization_id: int, for_user) -> Organization:
    organization = db.session.get(Organization, organization_id) or abort(404)
    _check_reach(organization, for_user)
    return organization


def get_scope_or_403(organization_id: int | None, for_user) -> Organization | None:
    """The organization chosen as a parent or a user's scope; None (the whole installation)
    only for a user who has it."""
    if organization_id is None:
        if not for_user.can_reach(None):
            raise ServiceError("forbidden")
        return None
    return get_organization_or_404(organization_id, for_user)


def get_member_or_404(member_id: int, for_user) -> Member:
    member = db.session.get(Member, member_id) or abort(404)
    _check_reach(member.organization, for_user)
    return member


def get_meeting_or_404(meeting_id: int, for_user) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id) or abort(404)
    _check_reach(meeting.organization, for_user)
    return meeting


def get_session_or_404(session_id: str, for_user) -> BallotSession:
    session = db.session.get(BallotSession, session_id) or abort(404)
    _check_reach(session.meeting.organization, for_user)
    return session


def get_public_session_or_404(session_id: str) -> BallotSession:
    """A session for pages anyone may see (its published board): no login, no subtree check."""
    return db.session.get(BallotSession, session_id) or abort(404)


def get_user_or_404(user_id: int, for_user) -> User:
    """A staff account whose scope lies within `for_user`'s (an unscoped account only for an
    unscoped user: a district admin cannot reset the installation admin's password)."""
    user = db.session.get(User, user_id) or abort(404)
    if not for_user.can_manage_account(user):
        raise ServiceError("forbidden")
    return user


def public_base_url() -> str:
    """The base URL printed into QR codes: PUBLIC_URL when set, else this request's host,
    with a loopback host replaced by the LAN address (a phone cannot open the chair's localhost)."""
    from urllib.parse import urlsplit

    from flask import current_app

    from ..netinfo import is_loopback, lan_addresses

    configured = current_app.config.get("PUBLIC_URL")
    if configured:
        return configured.rstrip("/")
    parts = urlsplit(request.host_url)
    host = parts.netloc
    if is_loopback(parts.hostname or ""):
        addresses = lan_addresses()
        if addresses:
            host = addresses[0] + (f":{parts.port}" if parts.port else "")
    return f"{parts.scheme}://{host}"


def phone_address() -> dict:
    """What the session page, the kiosk and the projector tell the chair about the address in
    the QR codes: the voter page's URL, and whether a phone cannot open it (loopback)."""
    from urllib.parse import urlsplit

    from ..netinfo import is_loopback

    base = public_base_url()
    return {"url": f"{base}/v", "base": base, "loopback": is_loopback(urlsplit(base).hostname or "")}

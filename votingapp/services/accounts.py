"""Staff accounts: Argon2id password hashes, roles scoped to an organization subtree."""

from __future__ import annotations

import hashlib
import secrets
import threading

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import select

from ..catalog import N_
from ..domain.clock import utcnow
from ..domain.text import Field
from ..extensions import db
from ..models import ApiToken, Organization, User
from ..models.accounts import ROLES
from . import activity, permissions, throttle
from .errors import ServiceError, text_input

API_TOKEN_PREFIX = "va1_"



def _hasher() -> PasswordHasher:
    """Argon2id with RFC 9106's low-memory profile; tests may ask for the cheapest profile
    (PASSWORD_HASH_PROFILE = "cheapest") so hundreds of logins stay fast."""
    if current_app.config.get("PASSWORD_HASH_PROFILE") == "cheapest":
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)
MIN_PASSWORD = 10
USERNAME = Field("username", N_("The user name"))
TOKEN_NAME = Field("name", N_("The token name (e.g. the script that uses it)"))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def new_password() -> str:
    return secrets.token_urlsafe(12)


def create_user(username: str, password: str, role: str, organization: Organization | None = None,
                *, by="system") -> User:
    if organization is None:  # an account of the whole installation
        permissions.check(by, "is_installation_wide")
    permissions.check(by, "can_administer", organization)
    username = text_input(username, USERNAME, max_length=80)
    if role not in ROLES:
        raise ServiceError("invalid_input", N_("Role must be one of %(roles)s.", roles=", ".join(ROLES)))
    if len(password or "") < MIN_PASSWORD:
        raise ServiceError("invalid_input", N_("The password needs at least %(min_password)s characters.",
                                               min_password=MIN_PASSWORD))
    if db.session.scalar(select(User).where(User.username == username)):
        raise ServiceError("conflict", N_("User %(username)r exists already.", username=username))
    user = User(username=username, password_hash=hash_password(password), role=role, organization=organization)
    db.session.add(user)
    activity.record(activity.actor_name(by), "create_user", f"user:{username}", role=role,
                 organization=organization.code if organization else None)
    db.session.commit()
    return user


def set_password(user: User, password: str, *, by="system") -> None:
    permissions.check(by, "can_manage_account", user)
    if len(password or "") < MIN_PASSWORD:
        raise ServiceError("invalid_input", N_("The password needs at least %(min_password)s characters.",
                                               min_password=MIN_PASSWORD))
    user.password_hash = hash_password(password)
    end_sessions(user)
    activity.record(activity.actor_name(by), "set_password", f"user:{user.username}")
    db.session.commit()


def set_role(user: User, role: str, *, by="system") -> None:
    """Change an account's role; its open logins end, so the new role applies at once."""
    permissions.check(by, "can_manage_account", user)
    if role not in ROLES:
        raise ServiceError("invalid_input", N_("Role must be one of %(roles)s.", roles=", ".join(ROLES)))
    if getattr(by, "id", None) == user.id:
        raise ServiceError("invalid_input", N_("You cannot change your own role."))
    if role != user.role:
        user.role = role
        end_sessions(user)
        activity.record(activity.actor_name(by), "set_role", f"user:{user.username}", role=role)
    db.session.commit()


def end_sessions(user: User) -> None:
    """Every login cookie of this user made so far stops working (the caller commits)."""
    user.session_version = (user.session_version or 0) + 1


def log_out(user: User) -> None:
    """Logging out ends every session of the account, on every device."""
    end_sessions(user)
    db.session.commit()


def set_active(user: User, active: bool, *, by="system") -> None:
    """Deactivate (or reactivate) an account; it is kept, so the audit log still names it."""
    permissions.check(by, "can_manage_account", user)
    if not active and getattr(by, "id", None) == user.id:
        raise ServiceError("invalid_input", N_("You cannot deactivate your own account."))
    user.active = active
    end_sessions(user)
    activity.record(activity.actor_name(by), "activate_user" if active else "deactivate_user", f"user:{user.username}")
    db.session.commit()


_checks_at_once: dict[int, threading.BoundedSemaphore] = {}


def _argon2_slot() -> threading.BoundedSemaphore:
    """At most LOGIN_CHECKS_AT_ONCE Argon2 checks (64 MiB each) run at once in this process."""
    size = current_app.config["LOGIN_CHECKS_AT_ONCE"]
    return _checks_at_once.setdefault(size, threading.BoundedSemaphore(size))


def authenticate(username: str, password: str, address: str = "-") -> User | None:
    """The active user with this name and password, or None (same answer for either mistake).
    Refused with 429 before any check once the account or the client address has failed
    LOGIN_FAILURE_LIMIT times, or when the process is busy with other checks."""
    throttle.check_login_allowed(username, address)
    slot = _argon2_slot()
    if not slot.acquire(timeout=current_app.config["LOGIN_WAIT"]):
        raise ServiceError("server_busy", extra={"retry_after": 5})
    try:
        user = _check_password(username, password)
    finally:
        slot.release()
    if user is None:
        throttle.record_login_failure(username, address)
    return user


def _check_password(username: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None or not user.active:
        _hasher().hash("timing-equaliser")  # do the same work as a real check
        return None
    try:
        _hasher().verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.commit()
    return user


# --- API tokens: what scripts send instead of a password on every call -----------------------

def _token_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def create_api_token(user: User, name: str, *, by) -> tuple[ApiToken, str]:
    """A new token for `user`, returned this once; only its hash is kept."""
    name = text_input(name, TOKEN_NAME, max_length=80)
    text = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, token_hash=_token_hash(text))
    db.session.add(token)
    activity.record(activity.actor_name(by), "create_api_token", f"user:{user.username}", name=name)
    db.session.commit()
    return token, text


def revoke_api_token(token: ApiToken, *, by) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        activity.record(activity.actor_name(by), "revoke_api_token", f"user:{token.user.username}", name=token.name)
    db.session.commit()


def api_tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def user_of_api_token(text: str) -> User | None:
    """The active user a live token acts for, or None."""
    if not isinstance(text, str) or not text.startswith(API_TOKEN_PREFIX) or len(text) > 100:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(text)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    return token.user


def has_admin() -> bool:
    return db.session.scalar(select(User.id).where(User.role == "admin").limit(1)) is not None

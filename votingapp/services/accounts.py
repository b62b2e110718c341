"""Staff accounts: Argon2id password hashes, roles scoped to an organization subtree."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import Organization, User
from ..models.accounts import ROLES
from . import audit
from .errors import ServiceError



def _hasher() -> PasswordHasher:
    """Argon2id with RFC 9106's low-memory profile; tests may ask for the cheapest profile
    (PASSWORD_HASH_PROFILE = "cheapest") so hundreds of logins stay fast."""
    if current_app.config.get("PASSWORD_HASH_PROFILE") == "cheapest":
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)
MIN_PASSWORD = 10


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def new_password() -> str:
    return secrets.token_urlsafe(12)


def create_user(username: str, password: str, role: str, organization: Organization | None = None,
                *, by="system") -> User:
    username = (username or "").strip()
    if not username or len(username) > 80:
        raise ServiceError("invalid_input", "A user name of 1 to 80 characters is required.",
                           "Cần tên đăng nhập từ 1 đến 80 ký tự.")
    if role not in ROLES:
        raise ServiceError("invalid_input", f"Role must be one of {', '.join(ROLES)}.",
                           f"Vai trò phải là một trong {', '.join(ROLES)}.")
    if len(password or "") < MIN_PASSWORD:
        raise ServiceError("invalid_input", f"The password needs at least {MIN_PASSWORD} characters.",
                           f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.")
    if db.session.scalar(select(User).where(User.username == username)):
        raise ServiceError("conflict", f"User {username!r} exists already.", f"Người dùng {username!r} đã tồn tại.")
    user = User(username=username, password_hash=hash_password(password), role=role, organization=organization)
    db.session.add(user)
    audit.record(audit.actor_name(by), "create_user", f"user:{username}", role=role,
                 organization=organization.code if organization else None)
    db.session.commit()
    return user


def set_password(user: User, password: str, *, by="system") -> None:
    if len(password or "") < MIN_PASSWORD:
        raise ServiceError("invalid_input", f"The password needs at least {MIN_PASSWORD} characters.",
                           f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.")
    user.password_hash = hash_password(password)
    audit.record(audit.actor_name(by), "set_password", f"user:{user.username}")
    db.session.commit()


def set_active(user: User, active: bool, *, by="system") -> None:
    """Deactivate (or reactivate) an account; it is kept, so the audit log still names it."""
    if not active and getattr(by, "id", None) == user.id:
        raise ServiceError("invalid_input", "You cannot deactivate your own account.",
                           "Bạn không thể tự vô hiệu hóa tài khoản của mình.")
    user.active = active
    audit.record(audit.actor_name(by), "activate_user" if active else "deactivate_user", f"user:{user.username}")
    db.session.commit()


def authenticate(username: str, password: str) -> User | None:
    """The active user with this name and password, or None (same answer for either mistake)."""
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


def has_admin() -> bool:
    return db.session.scalar(select(User.id).where(User.role == "admin").limit(1)) is not None

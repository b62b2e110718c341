"""Wrong passwords cost the server an Argon2 check each: they are counted per account and per
client address in the limiter's store (memory, or Redis shared by every worker), and past the
limit a login is refused with 429 before any check runs."""

from __future__ import annotations

import math
import time

from flask import current_app
from limits import parse

from ..catalog import N_
from ..extensions import limiter
from .errors import ServiceError


def _keys(username: str, address: str) -> tuple[tuple[str, str], ...]:
    return (("login-account", (username or "").strip().lower()), ("login-address", address or "-"))


def _limit():
    return parse(current_app.config["LOGIN_FAILURE_LIMIT"])


def check_login_allowed(username: str, address: str) -> None:
    """Refuse (429, with the seconds to wait) once the account or the address has failed too often."""
    limit = _limit()
    for key in _keys(username, address):
        if not limiter.limiter.test(limit, *key):
            reset_at, _ = limiter.limiter.get_window_stats(limit, *key)
            wait = max(math.ceil(reset_at - time.time()), 1)
            minutes = math.ceil(wait / 60)
            raise ServiceError(
                "too_many_attempts", N_("Try again in %(minutes)s minutes.", minutes=minutes),
                extra={"retry_after": wait})


def record_login_failure(username: str, address: str) -> None:
    limit = _limit()
    for key in _keys(username, address):
        limiter.limiter.hit(limit, *key)

"""Configuration: defaults, then environment, then the test mapping given to create_app."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .crypto.encoding import b64decode
from .crypto.keywrap import KEK_SIZE, new_kek
from .crypto.signing import new_signing_key


def database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{Path(instance_path) / 'votingapp.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):  # the usual spelling means psycopg 3 here
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _secret_file(instance_path: str, name: str, make) -> bytes:
    """A secret kept in the instance folder, made on first run (mode 0600)."""
    path = Path(instance_path) / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(make())
    return path.read_bytes()


def defaults(instance_path: str, given: dict | None = None) -> dict:
    """Settings for a real run. Several workers or hosts must share SECRET_KEY, the KEK and the
    signing key: set VOTINGAPP_SECRET_KEY, VOTINGAPP_KEK and VOTINGAPP_SIGNING_KEY (both
    base64url, 32 bytes) in their environment."""
    given = given or {}
    settings = {}
    if "KEY_ENCRYPTION_KEY" not in given:
        kek_text = os.environ.get("VOTINGAPP_KEK")
        kek = b64decode(kek_text) if kek_text else _secret_file(instance_path, "kek.bin", new_kek)
        if len(kek) != KEK_SIZE:
            raise RuntimeError("VOTINGAPP_KEK must be 32 bytes, base64url without padding")
        settings["KEY_ENCRYPTION_KEY"] = kek
    if "SIGNING_KEY" not in given:
        text = os.environ.get("VOTINGAPP_SIGNING_KEY")
        settings["SIGNING_KEY"] = b64decode(text) if text else _secret_file(instance_path, "signing_key.bin",
                                                                             new_signing_key)
    if "SECRET_KEY" not in given:
        settings["SECRET_KEY"] = os.environ.get("VOTINGAPP_SECRET_KEY") or _secret_file(
            instance_path, "secret_key", lambda: secrets.token_hex(32).encode()).decode()
    if "SQLALCHEMY_DATABASE_URI" not in given:
        settings["SQLALCHEMY_DATABASE_URI"] = database_url(instance_path)
    return settings | {
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,  # member spreadsheets; voter calls have their own cap
        "VOTER_MAX_BODY": 64 * 1024,
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "PUBLIC_URL": os.environ.get("VOTINGAPP_PUBLIC_URL", ""),
        #: behind HTTPS the login cookie is never sent over plain HTTP
        "SESSION_COOKIE_SECURE": os.environ.get("VOTINGAPP_PUBLIC_URL", "").startswith("https://"),
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL") or "memory://",
        #: per client address on each voter endpoint: 500 phones behind one router never reach it
        "VOTER_RATE_LIMIT": "5000 per 10 minutes",
        #: wrong passwords, per account and per client address, before logins are refused (429)
        "LOGIN_FAILURE_LIMIT": "10 per 15 minutes",
        #: Argon2 checks (64 MiB each) one process runs at once; others wait up to LOGIN_WAIT seconds
        "LOGIN_CHECKS_AT_ONCE": 2,
        "LOGIN_WAIT": 5.0,
    }

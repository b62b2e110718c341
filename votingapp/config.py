"""Configuration: defaults, then environment, then the test mapping given to create_app."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .catalog import N_, bilingual
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


class InstanceError(RuntimeError):
    """The instance folder (database, keys) is missing where a command may not create it, or
    cannot be written; the message is bilingual and names the folder."""


def where_from(instance_path: str) -> str:
    """Why this folder: the variable that names it, or the current folder (bilingual)."""
    if os.environ.get("VOTINGAPP_INSTANCE"):
        return bilingual(N_("set by VOTINGAPP_INSTANCE"))
    return bilingual(N_("./instance of the current folder %(folder)s; set VOTINGAPP_INSTANCE to choose another",
                        folder=Path.cwd()))


def missing_instance(instance_path: str, what: str) -> InstanceError:
    # `where` is already bilingual: the English half says it, the Vietnamese leaves it out
    return InstanceError(bilingual(N_(
        "No votingapp instance here: %(what)s is missing in %(folder)s (%(where)s). Run the command where the "
        "instance is, or create one with `votingapp init-db`", what=what, folder=instance_path,
        where=where_from(instance_path))))


def check_writable(folder: Path, file: Path | None = None) -> None:
    """Refuse to start when `folder` (or `file` in it) cannot be written: a server that starts
    anyway fails on every write. Probed by creating a file, which holds for root and ACLs too."""
    target = folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-check-{os.getpid()}"
        probe.open("wb").close()
        probe.unlink()
        if file is not None and file.exists():
            target = file
            with file.open("r+b"):
                pass
    except OSError as error:
        # the system's reason is English only: the Vietnamese leaves it out
        raise InstanceError(bilingual(N_(
            "Cannot write to %(target)s (%(reason)s): the database and keys must be writable. Fix its owner or "
            "permissions, or set VOTINGAPP_INSTANCE", target=target, reason=error.strerror or error))) from None


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases, memory and `file:` URIs)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:" \
            or parsed.database.startswith("file:"):
        return None
    return Path(parsed.database).resolve()


#: connections each process keeps: one per server thread (scripts/serve's THREADS), so that a
#: busy moment never opens and closes extra ones (on PostgreSQL a new connection is a new
#: backend process); a few more may open beyond it
POOL_OVERFLOW = 8
#: seconds before a pooled connection is replaced, so none outlives a server-side idle limit
POOL_RECYCLE = 3600


def engine_options(url: str) -> dict:
    """The connection pool: sized to the server's threads, and no ping before each use (one
    more round trip per request). A connection that died anyway (the database restarted)
    fails its request with 503 storage_unavailable, the client retries, and SQLAlchemy
    replaces every connection older than the failure (docs/deploy.md)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and (not parsed.database or parsed.database == ":memory:"):
        return {}  # one shared in-memory connection: no pool to size
    try:
        threads = max(int(os.environ.get("THREADS", "16")), 1)
    except ValueError:
        threads = 16  # votingapp.serve refuses the setting itself, bilingually
    return {"pool_size": threads, "max_overflow": POOL_OVERFLOW, "pool_recycle": POOL_RECYCLE}


def _secret_file(instance_path: str, name: str, make: Callable[[], bytes], create: bool = True) -> bytes:
    """A secret kept in the instance folder, made on first run (mode 0600)."""
    path = Path(instance_path) / name
    if not path.exists():
        if not create:
            raise missing_instance(instance_path, name)
        check_writable(Path(instance_path))
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(make())
    return path.read_bytes()


def defaults(instance_path: str, given: dict | None = None, create: bool = True) -> dict:
    """Settings for a real run; with create=False a missing secret file is an InstanceError
    instead of a new key. Several workers or hosts must share SECRET_KEY, the KEK and the
    signing key: set VOTINGAPP_SECRET_KEY, VOTINGAPP_KEK and VOTINGAPP_SIGNING_KEY (both
    base64url, 32 bytes) in their environment."""
    given = given or {}
    settings: dict[str, Any] = {}
    if "KEY_ENCRYPTION_KEY" not in given:
        kek_text = os.environ.get("VOTINGAPP_KEK")
        kek = b64decode(kek_text) if kek_text else _secret_file(instance_path, "kek.bin", new_kek, create)
        if len(kek) != KEK_SIZE:
            raise RuntimeError("VOTINGAPP_KEK must be 32 bytes, base64url without padding")
        settings["KEY_ENCRYPTION_KEY"] = kek
    if "SIGNING_KEY" not in given:
        text = os.environ.get("VOTINGAPP_SIGNING_KEY")
        settings["SIGNING_KEY"] = b64decode(text) if text else _secret_file(instance_path, "signing_key.bin",
                                                                             new_signing_key, create)
    if "SECRET_KEY" not in given:
        settings["SECRET_KEY"] = os.environ.get("VOTINGAPP_SECRET_KEY") or _secret_file(
            instance_path, "secret_key", lambda: secrets.token_hex(32).encode(), create).decode()
    if "SQLALCHEMY_DATABASE_URI" not in given:
        settings["SQLALCHEMY_DATABASE_URI"] = database_url(instance_path)
    url = given.get("SQLALCHEMY_DATABASE_URI") or settings["SQLALCHEMY_DATABASE_URI"]
    return settings | {
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(url),
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,  # member spreadsheets; voter calls have their own cap
        #: a verifiable-v1 check (spoil) of 200 subjects × 4 columns is 257 KB of JSON
        "VOTER_MAX_BODY": 320 * 1024,
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "PUBLIC_URL": os.environ.get("VOTINGAPP_PUBLIC_URL", ""),
        #: behind HTTPS the login cookie is never sent over plain HTTP
        "SESSION_COOKIE_SECURE": os.environ.get("VOTINGAPP_PUBLIC_URL", "").startswith("https://"),
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL") or "swept-memory://",
        #: per client address on each voter endpoint: 500 phones behind one router never reach it
        "VOTER_RATE_LIMIT": "5000 per 10 minutes",
        #: wrong passwords, per account and per client address, before logins are refused (429)
        "LOGIN_FAILURE_LIMIT": "10 per 15 minutes",
        #: Argon2 checks (64 MiB each) one process runs at once; others wait up to LOGIN_WAIT seconds
        "LOGIN_CHECKS_AT_ONCE": 2,
        "LOGIN_WAIT": 5.0,
        #: seconds a web request waits for a database lock (SQLite busy, PostgreSQL lock_timeout)
        #: before it answers 503 storage_unavailable; the CLI waits longer (see _tune_engine)
        "DATABASE_WAIT": 5.0,
        #: SQLite's commit: NORMAL (WAL: a commit survives a killed process, not a power cut; no
        #: fsync per cast, which on a slow disk caps a hall at ~200 casts/s) or FULL (an fsync
        #: per commit); SQLITE_SYNCHRONOUS overrides (docs/threat-model.md)
        "SQLITE_SYNCHRONOUS": os.environ.get("SQLITE_SYNCHRONOUS", "NORMAL").strip().upper() or "NORMAL",
        #: Flask-Compress: brotli where the browser offers it (over HTTPS or to localhost),
        #: else gzip (plain HTTP on a meeting-hall LAN); level 4 and 6 cost a phone's page
        #: well under a millisecond. Streamed answers (file downloads: PDF, XLSX, ZIP, already
        #: compressed) pass untouched; web/assets.py compresses static files once, harder.
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "COMPRESS_BR_LEVEL": 4,
        "COMPRESS_LEVEL": 6,
        "COMPRESS_STREAMS": False,
    }

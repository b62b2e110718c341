"""Extensions, created unbound; `create_app` binds them."""

import threading
import time
import weakref
from pathlib import Path

from flask import Flask
from flask_babel import Babel
from flask_compress import Compress
from flask_htmx import HTMX
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import STRATEGIES, RateLimiter
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


class App(Flask):
    """Flask, with ensure_sync's answer kept per function: Flask asks `inspect` whether each
    hook, view and handler is a coroutine function at every call (eleven times a request, a
    twentieth of a trivial request's CPU); the hooks and views are the same ones every time."""

    def ensure_sync(self, func):
        # weak keys, so a function made for one request (after_this_request) leaves with it; the
        # value is only whether Flask gave the function back as it is (a sync one), since a
        # value holding the function would keep its key alive
        known = self.__dict__.setdefault("_is_sync", weakref.WeakKeyDictionary())
        try:
            if known[func]:
                return func
        except KeyError:
            synced = super().ensure_sync(func)
            known[func] = synced is func
            return synced
        except TypeError:  # unhashable, or no weak reference to it: asked every time, as Flask does
            pass
        return super().ensure_sync(func)


db = SQLAlchemy(model_class=Base)
#: migrations live inside the package so that they ship in the wheel; render_as_batch lets
#: SQLite alter tables (by rebuilding them); compare_type/server_default keep autogenerate exact
migrate = Migrate(directory=str(Path(__file__).resolve().parent / "migrations"), render_as_batch=True,
                  compare_type=True, compare_server_default=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
htmx = HTMX()


class RequestCounters:
    """The request counters (voter endpoints) and the login-failure counters: `limits`' store,
    in memory, or on Redis when REDIS_URL is set, so every worker and host counts together.
    Settings: RATELIMIT_STORAGE_URI, RATELIMIT_STORAGE_OPTIONS, RATELIMIT_STRATEGY, and
    RATELIMIT_ENABLED (the voter limit only). The callers hit their counter themselves (web/api/
    ballot.py, services/throttle.py); no route declares a limit, so Flask-Limiter's before,
    after and teardown hooks, run on every request of every kind, counted nothing and cost a
    tenth of a trivial request's CPU."""

    enabled: bool = True
    limiter: RateLimiter

    def init_app(self, app) -> None:
        config = app.config
        self.enabled = bool(config.setdefault("RATELIMIT_ENABLED", True))
        storage = storage_from_string(config.get("RATELIMIT_STORAGE_URI", "swept-memory://"),
                                      **config.get("RATELIMIT_STORAGE_OPTIONS", {}))
        self.limiter = STRATEGIES[config.get("RATELIMIT_STRATEGY", "fixed-window")](storage)


limiter = RequestCounters()
#: gzip or brotli on every text answer (settings in config.defaults); static files are
#: compressed once and cached for a year by web/assets.py instead
compress = Compress()


class SweptMemoryStorage(MemoryStorage):
    """The limiter's in-process counters (`swept-memory://`, used without REDIS_URL): limits'
    memory storage, except that expired counters are swept inline, at most once a second,
    instead of by a timer thread started every 10 ms under load (a thread per few voter
    requests). A counter read after its window is reset on the spot either way."""

    STORAGE_SCHEME = ["swept-memory"]
    SWEEP_EVERY = 1.0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._next_sweep = 0.0
        self._sweeping = threading.Lock()

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the base class's private timer
        now = time.time()
        if now >= self._next_sweep and self._sweeping.acquire(blocking=False):
            try:
                self._next_sweep = now + self.SWEEP_EVERY
                # limits' private, name-mangled sweep: mypy does not model name mangling
                self._MemoryStorage__expire_events()  # type: ignore[attr-defined]
            finally:
                self._sweeping.release()

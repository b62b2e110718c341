"""votingapp: secret-ballot confidence votes for review meetings."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Flask and SQLAlchemy load in create_app: `votingapp verify` never needs them
    from flask import Flask

PACKAGE_DIR = Path(__file__).resolve().parent
LANGUAGES = ("vi", "en")


def _asset_dir(name: str) -> str:
    """templates/ and static/ sit beside the package in the source tree, inside it in a wheel."""
    inside = PACKAGE_DIR / name
    return str(inside if inside.is_dir() else PACKAGE_DIR.parent / name)


def select_locale() -> str:
    from flask import request
    asked = request.args.get("lang") or request.cookies.get("lang")
    return asked if asked in LANGUAGES else "vi"


def create_app(config: dict | None = None, *, create_instance: bool = True) -> Flask:
    """The one place that wires the app. It refuses to start (config.InstanceError) when the
    SQLite database or the instance folder cannot be written, and, with create_instance=False
    (every CLI command but init-db), when the instance's keys or database do not exist yet."""
    from flask_babel import get_locale

    from . import config as config_module
    from .extensions import App, babel, compress, csrf, db, htmx, limiter, login_manager, migrate
    from .web.converters import DatabaseId

    instance_path = os.environ.get("VOTINGAPP_INSTANCE") or str(Path.cwd() / "instance")
    app = App(__name__, instance_path=instance_path, template_folder=_asset_dir("templates"),
                static_folder=_asset_dir("static"))
    app.url_map.converters["int"] = DatabaseId
    config = dict(config or {})
    app.config.update(config_module.defaults(app.instance_path, given=config, create=create_instance))
    app.config.update(config)
    _check_database_file(app, create_instance)

    db.init_app(app)
    migrate.init_app(app, db)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(PACKAGE_DIR / "translations"))
    app.jinja_env.globals.setdefault("get_locale", get_locale)  # templates pick the page language
    htmx.init_app(app)
    limiter.init_app(app)
    compress.init_app(app)
    with app.app_context():
        _tune_engine(db.engine, float(app.config["DATABASE_WAIT"]), app.config["SQLITE_SYNCHRONOUS"])

    from .web import register_web
    register_web(app)
    from .cli import register_cli
    register_cli(app)
    return app


def _check_database_file(app: Flask, create: bool) -> None:
    """A SQLite database: it must exist unless this run may create it, and its folder and file
    must be writable (SQLite writes its -wal and -shm files beside it)."""
    from . import config as config_module
    path = config_module.sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
    if path is None:
        return
    if not create and not path.exists():
        raise config_module.missing_instance(str(path.parent), path.name)
    config_module.check_writable(path.parent, path)


#: SQLITE_SYNCHRONOUS values: EXTRA and FULL sync each commit, NORMAL (WAL) only checkpoints
SQLITE_SYNCHRONOUS = ("NORMAL", "FULL", "EXTRA")


def _tune_engine(engine, request_wait: float, sqlite_synchronous: str = "NORMAL") -> None:
    """SQLite: WAL (readers never block the writer), foreign keys on, and `synchronous` as
    configured (NORMAL: a commit survives a killed process, not a power cut). Both databases: how
    long a statement waits for another transaction's lock before failing. Inside a web request
    it is `DATABASE_WAIT` seconds (5 by default), so a voter facing a locked database gets a
    quick 503 "try again" instead of a hang; elsewhere (the CLI's tally, imports, migrations)
    SQLite waits 30 s and PostgreSQL as long as it takes."""
    from flask import has_request_context
    from sqlalchemy import event

    wait_ms = max(int(request_wait * 1000), 1)

    def changed(record, wanted) -> bool:
        """Whether this connection's wait must be set: only when it changes (a web request
        after a CLI command, say), not on every checkout (a round trip per request)."""
        if record.info.get("wait") == wanted:
            return False
        record.info["wait"] = wanted
        return True

    @event.listens_for(engine, "connect")
    def _forget_wait(_dbapi_connection, record):
        record.info.pop("wait", None)  # a new (or replaced) connection starts with the default

    if engine.dialect.name == "sqlite":
        from .catalog import N_, bilingual
        from .config import InstanceError
        if sqlite_synchronous not in SQLITE_SYNCHRONOUS:
            raise InstanceError(bilingual(N_("SQLITE_SYNCHRONOUS=%(value)r is not one of %(choices)s",
                                             value=sqlite_synchronous, choices=", ".join(SQLITE_SYNCHRONOUS))))

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={sqlite_synchronous}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "checkout")
        def _sqlite_wait(dbapi_connection, record, _proxy):
            wanted = wait_ms if has_request_context() else 30000
            if changed(record, wanted):
                cursor = dbapi_connection.cursor()
                cursor.execute(f"PRAGMA busy_timeout={wanted}")
                cursor.close()
    elif engine.dialect.name == "postgresql":
        @event.listens_for(engine, "checkout")
        def _postgres_wait(dbapi_connection, record, _proxy):
            timeout = f"{wait_ms}ms" if has_request_context() else "0"
            if changed(record, timeout):
                cursor = dbapi_connection.cursor()
                cursor.execute(f"SET lock_timeout = '{timeout}'")
                cursor.close()
                dbapi_connection.commit()

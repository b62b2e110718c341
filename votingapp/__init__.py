"""votingapp: secret-ballot confidence votes for review meetings."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, request
from flask_babel import get_locale
from sqlalchemy import event
from werkzeug.routing import IntegerConverter

from . import config as config_module
from .extensions import babel, csrf, db, htmx, limiter, login_manager, migrate

PACKAGE_DIR = Path(__file__).resolve().parent
LANGUAGES = ("vi", "en")


def _asset_dir(name: str) -> str:
    """templates/ and static/ sit beside the package in the source tree, inside it in a wheel."""
    inside = PACKAGE_DIR / name
    return str(inside if inside.is_dir() else PACKAGE_DIR.parent / name)


class DatabaseId(IntegerConverter):
    """`<int:...>` in every route: an id no id column can hold (past 2^31 - 1, PostgreSQL's
    integer) matches no route, so it is a 404 and never reaches a query that would overflow."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def select_locale() -> str:
    asked = request.args.get("lang") or request.cookies.get("lang")
    return asked if asked in LANGUAGES else "vi"


def create_app(config: dict | None = None) -> Flask:
    """The one place that wires the app."""
    instance_path = os.environ.get("VOTINGAPP_INSTANCE") or str(Path.cwd() / "instance")
    app = Flask(__name__, instance_path=instance_path, template_folder=_asset_dir("templates"),
                static_folder=_asset_dir("static"))
    app.url_map.converters["int"] = DatabaseId
    config = dict(config or {})
    app.config.update(config_module.defaults(app.instance_path, given=config))
    app.config.update(config)

    db.init_app(app)
    migrate.init_app(app, db)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(PACKAGE_DIR / "translations"))
    app.jinja_env.globals.setdefault("get_locale", get_locale)  # templates pick the page language
    htmx.init_app(app)
    limiter.init_app(app)
    with app.app_context():
        _tune_engine(db.engine)

    from .web import register_web
    register_web(app)
    from .cli import register_cli
    register_cli(app)
    return app


def _tune_engine(engine) -> None:
    """SQLite: WAL (readers never block the writer), foreign keys on, and a generous busy
    timeout so concurrent casts queue instead of failing."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

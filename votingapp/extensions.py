"""Extensions, created unbound; `create_app` binds them."""

from pathlib import Path

from flask_babel import Babel
from flask_compress import Compress
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
#: migrations live inside the package so that they ship in the wheel; render_as_batch lets
#: SQLite alter tables (by rebuilding them); compare_type/server_default keep autogenerate exact
migrate = Migrate(directory=str(Path(__file__).resolve().parent / "migrations"), render_as_batch=True,
                  compare_type=True, compare_server_default=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
htmx = HTMX()
#: request limits (voter endpoints) and the login-failure counters: in memory, or on Redis
#: when REDIS_URL is set, so every worker and host counts together
limiter = Limiter(key_func=get_remote_address, headers_enabled=False)  # our 429 sets Retry-After itself
#: gzip or brotli on every text answer (settings in config.defaults); static files are
#: compressed once and cached for a year by web/assets.py instead
compress = Compress()

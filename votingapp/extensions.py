"""Extensions, created unbound; `create_app` binds them."""

from pathlib import Path

from flask_babel import Babel
from flask_htmx import HTMX
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

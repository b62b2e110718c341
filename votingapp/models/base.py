"""What every model shares: the declarative base, the one clock and the column type of moments."""

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from ..domain.clock import utcnow
from ..extensions import Base, db

__all__ = ["Model", "UTCDateTime", "utcnow"]

if TYPE_CHECKING:
    from flask_sqlalchemy.model import Model as FlaskModel
    from sqlalchemy import Table

    # mypy cannot take `db.Model`, an attribute, as a base class (python/mypy#8603). At run time
    # the models subclass `db.Model`, which Flask-SQLAlchemy builds from `Base` (our
    # DeclarativeBase) and its own `Model` (`query`, `__repr__`) plus mixins (bind key, table
    # name). The type checker is shown those same two classes, so every `Mapped[...]` column is
    # typed; run time and schema are untouched.
    class Model(FlaskModel, Base):
        __abstract__ = True
        #: every model here is mapped to a declared Table (DeclarativeBase types it FromClause,
        #: which also covers a model mapped to a join or a select)
        __table__: ClassVar[Table]
else:
    Model = db.Model


class NaiveDateTimeError(ValueError):
    """A datetime without a zone reached the database: whose clock was it? A programming error."""


class UTCDateTime(TypeDecorator[datetime]):
    """A moment in time, always aware UTC in Python. PostgreSQL stores it as timestamptz; SQLite,
    which has no zones, as the UTC wall time (SQLAlchemy would silently drop any other zone, so it
    is converted first). Naive datetimes are refused on write; every read is aware UTC, whatever
    the connection's TimeZone setting."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise NaiveDateTimeError(f"naive datetime {value!r}: use domain.clock.utcnow() or give it a zone")
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

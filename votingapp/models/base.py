"""What every model shares: the declarative base and the clock columns default to."""

from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar

from ..extensions import Base, db

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


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)

"""URL converters the app installs (kept out of votingapp/__init__, which loads no Flask)."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

#: PostgreSQL's integer: no id column holds more
LARGEST_ID = 2**31 - 1
#: what an id past LARGEST_ID becomes: no row has it, and it fits every id column
NO_SUCH_ID = -1


class DatabaseId(IntegerConverter):
    """`<int:...>` in every route: an id no id column can hold (past 2^31 - 1) becomes -1, which
    no row has, so the view answers 404 as for any unknown id and no query overflows. (Refusing
    to match instead made werkzeug answer 405 for a path whose other methods' rules it tried
    first: PATCH /api/v1/meetings/2147483648 was a 405, GET a 404.)"""

    def to_python(self, value: str) -> int:
        number = int(value)
        return number if number <= LARGEST_ID else NO_SUCH_ID

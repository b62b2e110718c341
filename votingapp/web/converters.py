"""URL converters the app installs (kept out of votingapp/__init__, which loads no Flask)."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter


class DatabaseId(IntegerConverter):
    """`<int:...>` in every route: an id no id column can hold (past 2^31 - 1, PostgreSQL's
    integer) matches no route, so it is a 404 and never reaches a query that would overflow."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)

"""URL converters: an id in a URL that no row can have is a 404, not a database error."""
from __future__ import annotations

from werkzeug.routing import IntegerConverter

from .services.ids import MAX_ID


class RowIdConverter(IntegerConverter):
    """``<int:…>`` bounded to what an INTEGER primary key can hold (PostgreSQL's 2^31 − 1)."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=0 if min is None else min,
                         max=MAX_ID if max is None else max, signed=signed)

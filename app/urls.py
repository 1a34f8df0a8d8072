"""Reading ids and numbers from URLs and forms: a value no INTEGER column can hold is
"not there" (404, or the default), never a database error.

``<int:…>`` in a route is bounded to what a primary key can hold, and every
``request.args/form.get(name, type=int)`` in a view reads ASCII digits within the same
bounds or falls back to its default, so a view added later is covered without thinking
of it ("²", a 5,000-digit number and 2^63 all mean "no value").
"""
from __future__ import annotations

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

from .services.ids import MAX_ID


class RowIdConverter(IntegerConverter):
    """``<int:…>`` bounded to what an INTEGER primary key can hold (PostgreSQL's 2^31 − 1)."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=0 if min is None else min,
                         max=MAX_ID if max is None else max, signed=signed)


def bounded_int(text: str) -> int | None:
    """An optionally signed ASCII integer within ±MAX_ID, else None."""
    digits = text.strip()
    digits = digits[1:] if digits[:1] in "+-" else digits
    if not digits or len(digits) > len(str(MAX_ID)) or not (digits.isascii() and digits.isdigit()):
        return None
    value = int(text.strip())
    return value if -MAX_ID <= value <= MAX_ID else None


class BoundedFields(ImmutableMultiDict):
    """Query and form fields whose ``get(…, type=int)`` stays within INTEGER bounds."""

    def get(self, key, default=None, type=None):
        if type is not int:
            return super().get(key, default, type)
        value = super().get(key)
        number = None if value is None else bounded_int(value)
        return default if number is None else number


class PortalRequest(Request):
    parameter_storage_class = BoundedFields

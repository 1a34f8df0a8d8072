"""Row ids as they arrive from outside (URLs, forms, cookies, signed payloads).

Primary keys are INTEGER columns: PostgreSQL refuses a parameter above 2^31 − 1 and
SQLite one above 2^63 − 1, both with an error rather than "no such row". An id outside
the range therefore never reaches a query: it is simply not found.
"""
from __future__ import annotations

MAX_ID = 2**31 - 1
_MAX_DIGITS = len(str(MAX_ID))


def valid_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def parse_id(text: str | None) -> int | None:
    """ASCII digits naming a possible row, else None (never an exception)."""
    if not text or len(text) > _MAX_DIGITS or not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if valid_id(value) else None

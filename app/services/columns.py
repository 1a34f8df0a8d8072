"""Text lengths checked against the models' column lengths before the database sees them.

PostgreSQL refuses a value longer than its ``varchar(n)`` with an error (a 500), SQLite
stores it silently; either way the user must get a message instead. Forms state their own
limits beside each field; this is the rule for what reaches a row by another road (a
default taken from another field, a signed payload, an import), read from the models so
that a column made longer or shorter needs no second edit.
"""
from __future__ import annotations

from sqlalchemy import String, event, inspect
from sqlalchemy.orm import Session

from .errors import ServiceError


class TooLong(ServiceError):
    status = 422


def column_limit(model, attribute: str) -> int | None:
    column_type = model.__table__.c[attribute].type
    return column_type.length if isinstance(column_type, String) else None


def too_long(obj) -> tuple[str, int] | None:
    """The first string attribute of a row longer than its column, with its limit."""
    mapper = inspect(obj).mapper
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        length = getattr(column.type, "length", None)
        if length is None or not isinstance(column.type, String):
            continue
        value = getattr(obj, attr.key, None)
        if isinstance(value, str) and len(value) > length:
            return attr.key, length
    return None


def _check_before_flush(session: Session, flush_context, instances) -> None:
    for obj in (*session.new, *session.dirty):
        found = too_long(obj)
        if found:
            name, length = found
            raise TooLong(f"Nội dung quá dài: trường “{name}” tối đa {length:,} ký tự.".replace(",", "."))


def register(session_class) -> None:
    if not event.contains(session_class, "before_flush", _check_before_flush):
        event.listen(session_class, "before_flush", _check_before_flush)

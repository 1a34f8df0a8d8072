"""Statements of the autosave path, run on the session's connection (same transaction or
autocommit, same pool, same pre-ping) with less work per statement.

On PostgreSQL a statement goes straight to the driver's cursor with its SQL compiled once:
SQLAlchemy's per-execute work (cache key, execution context, result metadata built from the
cursor's description) cost more CPU than psycopg's own. What SQLAlchemy does on the way is
kept: listeners of ``before_cursor_execute``/``after_cursor_execute`` see the statement, and
a driver error is raised as SQLAlchemy's ``DBAPIError`` (a lost connection invalidated), so
app/outage.py answers an outage exactly as before. Only for statements whose columns need
no conversion on PostgreSQL (integers, text, timestamps, booleans: psycopg gives Python's).
SQLite keeps SQLAlchemy's Core path: its dates and times are converted by SQLAlchemy.
"""
from __future__ import annotations

import weakref

from sqlalchemy import event

from ..extensions import db

_COMPILED: dict[tuple[int, str], tuple[object, str]] = {}


def _sql(statement, dialect) -> str:
    # Keyed by the statement object (built once at import, kept alive here with its SQL).
    key = (id(statement), dialect.name)
    found = _COMPILED.get(key)
    if found is None or found[0] is not statement:
        found = _COMPILED[key] = (statement, str(statement.compile(dialect=dialect)))
    return found[1]


def _run(statement, params: dict, fetch):
    conn = db.session.connection()
    dialect = conn.dialect
    if dialect.name != "postgresql":
        return fetch(conn.execute(statement, params))
    sql = _sql(statement, dialect)
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        conn.dispatch.before_cursor_execute(conn, cursor, sql, params, None, False)
        cursor.execute(sql, params)
        conn.dispatch.after_cursor_execute(conn, cursor, sql, params, None, False)
        return fetch(cursor)
    except dialect.loaded_dbapi.Error as error:
        # SQLAlchemy's own handling, as if it had run the statement: the error wrapped in its
        # DBAPIError, a lost connection invalidated, the cursor closed. It always raises.
        conn._handle_dbapi_exception(error, sql, params, cursor, None)
        raise
    finally:
        if not cursor.closed:
            cursor.close()


def rows(statement, params: dict) -> list[tuple]:
    return _run(statement, params, lambda result: result.fetchall())


def first(statement, params: dict) -> tuple | None:
    return _run(statement, params, lambda result: result.fetchone())


def scalar(statement, params: dict):
    found = first(statement, params)
    return None if found is None else found[0]


# Engines whose pool puts a connection back into transactions when it is returned.
_RESTORING: weakref.WeakSet = weakref.WeakSet()


def autocommit() -> None:
    """Run the rest of this request's statements without a transaction, each committed on
    its own (PostgreSQL; the caller checks). The driver's own switch, set on the connection
    the session holds and set back when the pool gets the connection back: SQLAlchemy's
    isolation-level option does the same through per-request machinery that cost about 5 %
    of an autosave's CPU."""
    connection = db.session.connection()
    if connection.engine not in _RESTORING:
        event.listen(connection.engine, "checkin", _back_to_transactions)
        _RESTORING.add(connection.engine)
    pooled = connection.connection
    pooled.info["autocommit"] = True
    pooled.dbapi_connection.autocommit = True


def autocommitting() -> bool:
    """True when ``autocommit`` was called for this request's connection."""
    return db.session.connection().connection.info.get("autocommit", False)


def _back_to_transactions(dbapi_connection, record) -> None:
    if record is not None and record.info.pop("autocommit", False) and not dbapi_connection.closed:
        dbapi_connection.autocommit = False

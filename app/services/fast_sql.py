"""Statements of the autosave path, run on the session's connection (same transaction or
autocommit, same pool, same pre-ping) with less work per statement.

On PostgreSQL a statement goes straight to the driver's cursor with its SQL compiled once:
SQLAlchemy's per-execute work (cache key, execution context, result metadata built from the
cursor's description) cost more CPU than psycopg's own. What SQLAlchemy does on the way is
kept: listeners of ``before_cursor_execute``/``after_cursor_execute`` see the statement, and
a driver error is raised as SQLAlchemy's ``DBAPIError`` (a lost connection invalidated), so
app/outage.py answers an outage exactly as before. Only for statements whose columns need
no conversion on PostgreSQL (integers, text, timestamps, booleans: psycopg gives Python's).
On SQLite the same, with the conversions SQLAlchemy's types make (times stored as text,
booleans as 0/1) taken from the compiled statement and applied here, parameter by parameter
and column by column, only where a type has one.
"""
from __future__ import annotations

import weakref

from sqlalchemy import event

from ..extensions import db


class _Plan:
    """A statement compiled once for a dialect: its SQL and how its parameters and result
    rows are passed. PostgreSQL (named parameters, psycopg converts): the values the statement
    carries itself (the 1 of ``version + 1``) added to the caller's. SQLite (parameters in
    order): each parameter and result column converted as SQLAlchemy's type does (times
    stored as text, booleans as 0/1), only where the type has a conversion."""

    __slots__ = ("statement", "compiled", "sql", "positional", "own", "names", "binds", "results")

    def __init__(self, statement, dialect):
        self.statement = statement
        self.compiled = compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        self.positional = compiled.positional
        self.names = list(compiled.positiontup or ())
        self.own = {compiled.bind_names[bind]: bind.value for bind in compiled.binds.values()
                    if not bind.required and bind.value is not None}
        processors = compiled._bind_processors
        self.binds = [processors.get(name) for name in self.names]
        results = [column[3]._cached_result_processor(dialect, None) for column in compiled._result_columns]
        self.results = results if self.positional and any(results) else None

    def parameters(self, params: dict):
        if not self.positional:
            return {**self.own, **params} if self.own else params
        values = self.compiled.construct_params(params)
        return [value if convert is None or value is None else convert(value)
                for value, convert in zip((values[name] for name in self.names), self.binds)]

    def row(self, row):
        if self.results is None or row is None:
            return row
        return tuple(value if convert is None else convert(value) for value, convert in zip(row, self.results))


# Keyed by the statement object (built once at import, kept alive here with its plan).
_PLANS: dict[tuple[int, str], _Plan] = {}


def _plan(statement, dialect) -> _Plan:
    key = (id(statement), dialect.name)
    found = _PLANS.get(key)
    if found is None or found.statement is not statement:
        found = _PLANS[key] = _Plan(statement, dialect)
    return found


def _run(statement, params: dict, fetch):
    conn = db.session.connection()
    dialect = conn.dialect
    if dialect.name not in ("postgresql", "sqlite"):
        return fetch(conn.execute(statement, params), None)
    plan = _plan(statement, dialect)
    sql, parameters = plan.sql, plan.parameters(params)
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        conn.dispatch.before_cursor_execute(conn, cursor, sql, parameters, None, False)
        cursor.execute(sql, parameters)
        conn.dispatch.after_cursor_execute(conn, cursor, sql, parameters, None, False)
        return fetch(cursor, plan)
    except dialect.loaded_dbapi.Error as error:
        # SQLAlchemy's own handling, as if it had run the statement: the error wrapped in its
        # DBAPIError, a lost connection invalidated, the cursor closed. It always raises.
        conn._handle_dbapi_exception(error, sql, parameters, cursor, None)
        raise
    finally:
        if not getattr(cursor, "closed", False):
            cursor.close()


def rows(statement, params: dict) -> list[tuple]:
    def fetch(result, plan):
        found = result.fetchall()
        return found if plan is None or plan.results is None else [plan.row(row) for row in found]
    return _run(statement, params, fetch)


def first(statement, params: dict) -> tuple | None:
    return _run(statement, params, lambda result, plan: result.fetchone() if plan is None else plan.row(result.fetchone()))


def execute(statement, params: dict) -> int:
    """A statement that returns no rows (an UPDATE): the number of rows it changed."""
    return _run(statement, params, lambda result, plan: result.rowcount)


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

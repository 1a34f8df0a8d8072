"""Statements of the autosave path, run on the session's connection (same transaction,
same pool, same pre-ping) or on an autosave's own connection, with less work per statement.

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
from contextvars import ContextVar

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError

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
    own = _REQUEST.get()
    if own is not None:
        return own.run(statement, params, fetch)
    conn = db.session.connection()
    dialect = conn.dialect
    if dialect.name not in ("postgresql", "sqlite"):
        return fetch(conn.execute(statement, params), None)
    plan = _plan(statement, dialect)
    sql, parameters = plan.sql, plan.parameters(params)
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        return _execute(conn.dispatch, conn, cursor, plan, parameters, fetch)
    except dialect.loaded_dbapi.Error as error:
        # SQLAlchemy's own handling, as if it had run the statement: the error wrapped in its
        # DBAPIError, a lost connection invalidated, the cursor closed. It always raises.
        conn._handle_dbapi_exception(error, sql, parameters, cursor, None)
        raise
    finally:
        if not getattr(cursor, "closed", False):
            cursor.close()


def _execute(dispatch, conn, cursor, plan: _Plan, parameters, fetch):
    # Listeners of before/after_cursor_execute see the statement as SQLAlchemy would show it
    # (``conn`` is None on an autosave's own connection, which has no SQLAlchemy Connection).
    if dispatch.before_cursor_execute:
        dispatch.before_cursor_execute(conn, cursor, plan.sql, parameters, None, False)
    cursor.execute(plan.sql, parameters)
    if dispatch.after_cursor_execute:
        dispatch.after_cursor_execute(conn, cursor, plan.sql, parameters, None, False)
    return fetch(cursor, plan)


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


def autocommitting() -> bool:
    """True when this request's statements run without a transaction (``own_connection``)."""
    return _REQUEST.get() is not None


# --- An autosave's own connection ------------------------------------------------------
# An autosave of one value is one read and one write, on every keystroke of every officer.
# Through the session each one checked a connection out of the pool, pinged it (a round
# trip), began and ended the session's transaction and gave the connection back: more CPU
# than the two statements. Such a save runs instead on a connection the process keeps for
# its autosaves, in autocommit (each statement commits itself), with no ping: if the
# server dropped it since the last save, the first statement fails, and as that one only
# reads (the session check), it is sent again on another kept one or a new one. Any other failure is
# SQLAlchemy's DBAPIError, as through the session, so app/outage.py answers the same.
# One connection more per autosave under way than the pool's (README, "Connections per node").

_REQUEST: ContextVar[_OwnConnection | None] = ContextVar("fast_sql_own_connection", default=None)
# Engine → its autosave connections not in use, the last given back on top; kept by the
# process (not by a thread: the development server starts one per request).
_IDLE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_MOST_IDLE = 8  # beyond these, a connection given back is closed


class _OwnConnection:
    """A request's autosave connection: taken from the engine's idle ones at the first
    statement (or opened), given back by ``release``."""

    __slots__ = ("engine", "dbapi_connection")

    def __init__(self, engine):
        self.engine = engine
        self.dbapi_connection = None

    def connect(self) -> bool:
        """Hold a connection; True when it was kept from an earlier request (it may have
        been dropped by the server since)."""
        idle = _IDLE.get(self.engine)
        if idle:
            try:
                self.dbapi_connection = idle.pop()
                return True
            except IndexError:  # another thread took the last one
                pass
        pooled = self.engine.raw_connection()  # the engine's settings, and the pool's ping
        pooled.detach()  # ours from now on: the pool opens another when it needs one
        pooled.dbapi_connection.autocommit = True
        self.dbapi_connection = pooled.dbapi_connection
        return False

    def close(self) -> None:
        connection, self.dbapi_connection = self.dbapi_connection, None
        if connection is not None and not connection.closed:
            connection.close()

    def give_back(self) -> None:
        connection, self.dbapi_connection = self.dbapi_connection, None
        if connection is None or connection.closed:
            return
        idle = _IDLE.get(self.engine)
        if idle is None:
            idle = _IDLE.setdefault(self.engine, [])
            if not event.contains(self.engine, "engine_disposed", _close_idle):
                event.listen(self.engine, "engine_disposed", _close_idle)
            weakref.finalize(self.engine, _close, idle)  # an engine dropped without dispose()
        # Only a connection with nothing under way is kept (autocommit: a statement that
        # failed leaves none, a lost one is closed).
        if len(idle) < _MOST_IDLE and connection.info.transaction_status.name == "IDLE":
            idle.append(connection)
        else:
            connection.close()

    def run(self, statement, params: dict, fetch):
        dialect = self.engine.dialect
        plan = _plan(statement, dialect)
        sql, parameters = plan.sql, plan.parameters(params)
        # Only the request's first statement takes a connection (a lost one ends the request
        # with an error), and that statement is the session check, a read: safe to send again.
        retry = False
        while True:
            try:
                if self.dbapi_connection is None:
                    retry = self.connect()
                cursor = self.dbapi_connection.cursor()
            except dialect.loaded_dbapi.Error as error:  # the server is not there: an outage
                self.close()
                raise DBAPIError.instance(None, None, error, dialect.loaded_dbapi.Error,
                                          connection_invalidated=True, dialect=dialect) from error
            try:
                return _execute(self.engine.dispatch, None, cursor, plan, parameters, fetch)
            except dialect.loaded_dbapi.Error as error:
                lost = self.dbapi_connection.closed or dialect.is_disconnect(error, self.dbapi_connection, cursor)
                if lost:
                    self.close()
                    if retry:  # kept from an earlier request and dropped since: on the next kept one, or a new one
                        continue
                raise DBAPIError.instance(sql, parameters, error, dialect.loaded_dbapi.Error,
                                          connection_invalidated=lost, dialect=dialect) from error
            finally:
                if not cursor.closed:
                    cursor.close()


def own_connection() -> None:
    """Run the rest of this request's statements on an autosave connection, each committed
    on its own (PostgreSQL, a save of one value; the caller checks). ``release`` gives it
    back with the request's end."""
    _REQUEST.set(_OwnConnection(db.engine))


def release() -> None:
    """The request is over: its autosave connection is given back, and later statements of
    this thread go through the session again."""
    own = _REQUEST.get()
    if own is not None:
        _REQUEST.set(None)
        own.give_back()


def _close_idle(engine) -> None:
    _close(_IDLE.pop(engine, []))


def _close(connections: list) -> None:
    while connections:
        connections.pop().close()

"""The database is away (PostgreSQL restarting, SQLite locked past its timeout): answer 503.

Users see "Máy chủ đang bận, vui lòng thử lại" with a Retry-After header — a page, or a
one-line fragment for htmx so the autosave can retry — and the log gets one line, not a
traceback per request. The pool checks each connection before use (pool_pre_ping) and
drops the ones a restart killed, so the first request after the database is back works.
Other database errors are bugs: they stay 500 with their traceback.

The connection may also be lost after the page is made, when the end of the request rolls
the session back and returns its connection (PostgreSQL terminating it, a restart). That
happens outside Flask's error handlers, where the WSGI server would answer its own bare
"Internal Server Error": the session is released here instead, and ``OutageGuard`` (around
the WSGI app) answers 503 the same way, with one log line.
"""
from __future__ import annotations

import html
import logging

from flask import Flask, g, jsonify, make_response, render_template, request
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from .extensions import db, login_manager
from .htmx import is_fragment_request

RETRY_AFTER_SECONDS = 5
BUSY_TITLE = "Máy chủ đang bận, vui lòng thử lại"
BUSY_TEXT = ("Máy chủ tạm thời không kết nối được cơ sở dữ liệu. Dữ liệu đã lưu trước đó không bị mất; "
             "hãy thử lại sau vài giây.")

# SQLite reports missing tables and syntax errors as OperationalError too; only these mean "wait".
_SQLITE_TRANSIENT = ("database is locked", "database table is locked", "unable to open database",
                     "disk i/o error", "database or disk is full", "readonly database")


def is_outage(error: DBAPIError) -> bool:
    """True when the database is unreachable or too busy, not when the statement is wrong."""
    if error.connection_invalidated or isinstance(error, InterfaceError):
        return True
    if not isinstance(error, OperationalError):
        return False
    if type(error.orig).__module__.startswith("sqlite3"):
        message = str(error.orig).lower()
        return any(part in message for part in _SQLITE_TRANSIENT)
    return True


def _first_line(error: DBAPIError) -> str:
    text = str(error.orig).strip()
    return text.splitlines()[0] if text else type(error.orig).__name__


class LostAtTeardown(Exception):
    """The session's connection was lost while it was released at the end of a request."""

    def __init__(self, error: DBAPIError):
        super().__init__(str(error))
        self.error = error


def release_session(exc: BaseException | None = None) -> None:
    """End of the request: the session is rolled back and its connection returned. If the
    connection is gone, it is thrown away (never returned to the pool) and the request ends
    with ``LostAtTeardown`` for ``OutageGuard``; the next request gets a fresh session."""
    try:
        db.session.remove()
    except DBAPIError as error:
        session = db.session.registry() if db.session.registry.has() else None
        if session is not None:
            try:
                session.invalidate()
            except DBAPIError:
                pass
        db.session.registry.clear()
        if not is_outage(error):
            raise
        raise LostAtTeardown(error) from None


class OutageGuard:
    """WSGI middleware: a database outage that escapes Flask (the end-of-request rollback)
    becomes the same 503 as inside it — a page in Vietnamese, Retry-After, one log line."""

    def __init__(self, wsgi_app, logger: logging.Logger):
        self.wsgi_app = wsgi_app
        self.logger = logger

    def __call__(self, environ, start_response):
        # The page's status and headers are passed on once the app (its teardown included)
        # has returned: a 503 then replaces them instead of following them.
        pending: dict = {}

        def forward():
            if "write" not in pending:
                pending["write"] = start_response(pending["status"], pending["headers"], pending.get("exc_info"))
            return pending["write"]

        def deferred_start(status, headers, exc_info=None):
            if exc_info and "write" in pending:
                raise exc_info[1].with_traceback(exc_info[2])
            pending.update(status=status, headers=headers, exc_info=exc_info)
            return lambda data: forward()(data)

        try:
            result = self.wsgi_app(environ, deferred_start)
        except LostAtTeardown as lost:
            error = lost.error
        except DBAPIError as error_:
            if not is_outage(error_) or "write" in pending:
                raise
            error = error_
        else:
            if "status" in pending:
                forward()
            return result
        self.logger.warning("database unavailable (%s) on %s %s at the end of the request: %s",
                            type(error.orig).__name__, environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"),
                            _first_line(error))
        fragment = environ.get("HTTP_HX_REQUEST") == "true"
        body = (f'<p class="flash flash-error" role="alert">{BUSY_TITLE}</p>' if fragment else
                f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{BUSY_TITLE}</title></head>'
                f'<body><main><h1>{BUSY_TITLE}</h1><p>{html.escape(BUSY_TEXT)}</p></main></body></html>').encode()
        start_response("503 Service Unavailable", [("Content-Type", "text/html; charset=utf-8"),
                                                   ("Content-Length", str(len(body))),
                                                   ("Retry-After", str(RETRY_AFTER_SECONDS)),
                                                   ("Cache-Control", "no-store")])
        return [body]


def register_outage_handler(app: Flask) -> None:
    # Registered after Flask-SQLAlchemy's own teardown, so it runs first (teardowns run in
    # reverse): the session is released here, and Flask-SQLAlchemy's finds nothing left.
    app.teardown_appcontext(release_session)
    app.wsgi_app = OutageGuard(app.wsgi_app, app.logger)

    @app.errorhandler(DBAPIError)
    def database_unavailable(error: DBAPIError):
        if not is_outage(error):
            raise error
        app.logger.warning("database unavailable (%s) on %s %s: %s", type(error.orig).__name__,
                           request.method, request.path, _first_line(error))
        try:
            db.session.rollback()
        except DBAPIError:
            db.session.invalidate()
        # The page must not reach for the database again (the menu reads the user's unit).
        g._login_user = login_manager.anonymous_user()
        if is_fragment_request():
            response = make_response(f'<p class="flash flash-error" role="alert">{BUSY_TITLE}</p>', 503)
        elif request.accept_mimetypes.best == "application/json":
            response = make_response(jsonify(error=BUSY_TITLE, retry_after=RETRY_AFTER_SECONDS), 503)
        else:
            response = make_response(render_template("errors/error.html", code=503, title=BUSY_TITLE,
                                                     text=BUSY_TEXT), 503)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

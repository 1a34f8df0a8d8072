"""The database is away (PostgreSQL restarting, SQLite locked past its timeout): answer 503.

Users see "Máy chủ đang bận, vui lòng thử lại" with a Retry-After header — a page, or a
one-line fragment for htmx so the autosave can retry — and the log gets one line, not a
traceback per request. The pool checks each connection before use (pool_pre_ping) and
drops the ones a restart killed, so the first request after the database is back works.
Other database errors are bugs: they stay 500 with their traceback.
"""
from __future__ import annotations

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


def register_outage_handler(app: Flask) -> None:
    @app.errorhandler(DBAPIError)
    def database_unavailable(error: DBAPIError):
        if not is_outage(error):
            raise error
        first_line = str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else type(error.orig).__name__
        app.logger.warning("database unavailable (%s) on %s %s: %s", type(error.orig).__name__,
                           request.method, request.path, first_line)
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

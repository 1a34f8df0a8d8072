"""A database connection lost at any point of a request — during the page, or at the end of
the request when the session is rolled back and returned — answers 503 with Retry-After and
one log line, never the WSGI server's bare 500 (issue 26). On PostgreSQL the connection is
killed with pg_terminate_backend while the page is being served."""
from __future__ import annotations

import logging

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from app import create_app
from app.extensions import db
from app.outage import BUSY_TITLE
from tests.conftest import Config


@pytest.fixture
def other_app(app):
    """A second app on the same database: its requests push their own app context, so the
    end-of-request teardown runs as it does under gunicorn."""
    other = create_app(Config)
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def add_page(app, name: str, view):
    app.add_url_rule(f"/_test/{name}", f"_test_{name}", view)


def outage_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "database unavailable" in r.getMessage()]


def assert_busy(response):
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert BUSY_TITLE in response.get_data(as_text=True)


def test_a_session_that_fails_to_roll_back_at_the_end_of_the_request_answers_503(other_app, caplog, monkeypatch):
    driver_connections = []

    def page():
        db.session.execute(text("SELECT 1"))
        # The end-of-request rollback will find the connection gone.
        connection = db.session.connection()
        driver_connections.append(connection.connection.dbapi_connection)

        def lost(*args, **kwargs):
            raise OperationalError("ROLLBACK", {}, Exception("terminating connection due to administrator command"),
                                   connection_invalidated=True)

        monkeypatch.setattr(connection, "rollback", lost)
        monkeypatch.setattr(connection, "close", lost)
        return "trang đã dựng"

    add_page(other_app, "teardown", page)
    add_page(other_app, "after", lambda: str(db.session.execute(text("SELECT 41 + 1")).scalar()))
    with caplog.at_level(logging.WARNING):
        response = other_app.test_client().get("/_test/teardown")
    assert_busy(response)
    assert len(outage_lines(caplog)) == 1, outage_lines(caplog)
    assert "Traceback" not in caplog.text
    # The next request gets a working session.
    assert other_app.test_client().get("/_test/after").get_data(as_text=True) == "42"
    for connection in driver_connections:  # the one this test pretended was lost
        if connection is not None:
            connection.close()


def test_postgresql_terminating_the_connection_during_a_page_answers_503(other_app, caplog):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    killer = create_engine(db.engine.url, poolclass=None)

    def page():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        with killer.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        return "trang đã dựng"  # the session still holds the killed connection: teardown meets it

    add_page(other_app, "terminated", page)
    add_page(other_app, "after", lambda: str(db.session.execute(text("SELECT 41 + 1")).scalar()))
    try:
        with caplog.at_level(logging.WARNING):
            response = other_app.test_client().get("/_test/terminated")
        assert_busy(response)
        assert len(outage_lines(caplog)) == 1, outage_lines(caplog)
        assert other_app.test_client().get("/_test/after").get_data(as_text=True) == "42"
    finally:
        killer.dispose()


def test_postgresql_terminating_the_connection_before_a_query_of_the_page_answers_503(other_app, caplog):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    killer = create_engine(db.engine.url)

    def page():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        with killer.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        return str(db.session.execute(text("SELECT 1")).scalar())

    add_page(other_app, "midway", page)
    try:
        with caplog.at_level(logging.WARNING):
            response = other_app.test_client().get("/_test/midway")
        assert_busy(response)
        assert len(outage_lines(caplog)) == 1, outage_lines(caplog)
    finally:
        killer.dispose()

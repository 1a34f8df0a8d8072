"""Database outages: 503 "Máy chủ đang bận" with Retry-After and one log line, then recovery.

The outage is simulated, never a restart of the machine's server: new connections are
refused (a do_connect hook raising the driver's own OperationalError, as a server that is
down does), and on PostgreSQL the app's live connections are killed with
pg_terminate_backend, as a restart kills them.
"""
from __future__ import annotations

import contextlib
import logging

import pytest
from flask import g
from sqlalchemy import event, select, text
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.models import SubmissionValue
from app.outage import BUSY_TITLE, is_outage
from tests.conftest import login_as
from tests.factories import make_round, make_tree, make_user, submission_for

HX = {"HX-Request": "true"}
CELL = "I.4/ho_tich/c4"


@pytest.fixture
def officer(client):
    _, district, units = make_tree(1)
    user = make_user(units[0])
    round_ = make_round(district, expected=units)
    login_as(client, user)
    return submission_for(round_, units[0]).id


@contextlib.contextmanager
def database_down():
    """Every new connection is refused; the pool's existing connections are closed."""
    engine = db.engine

    def refuse(dialect, conn_rec, cargs, cparams):
        raise dialect.loaded_dbapi.OperationalError("unable to open database file (simulated outage)")

    db.session.remove()
    engine.dispose()
    event.listen(engine, "do_connect", refuse)
    try:
        yield
    finally:
        event.remove(engine, "do_connect", refuse)


def fresh_request():
    """Tests share one app context across requests: forget the user Flask-Login cached on it."""
    g.pop("_login_user", None)


def save(client, sub_id, value, version, fragment=True):
    fresh_request()
    return client.post(f"/submissions/{sub_id}/save", data={f"v.{CELL}": value, f"ver.{CELL}": str(version)},
                       headers=HX if fragment else {})


def stored_value(sub_id):
    db.session.expire_all()
    return db.session.scalar(select(SubmissionValue.int_value).where(
        SubmissionValue.submission_id == sub_id, SubmissionValue.key == CELL))


def outage_records(caplog):
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_database_down_answers_503_with_retry_after_and_one_log_line_then_recovers(client, officer, caplog):
    caplog.set_level(logging.WARNING)
    with database_down():
        fresh_request()
        page = client.get(f"/submissions/{officer}")
        fragment = save(client, officer, "12", 0)
        plain = save(client, officer, "12", 0, fragment=False)
    assert page.status_code == 503
    assert page.headers["Retry-After"].isdigit()
    assert BUSY_TITLE in page.get_data(as_text=True)
    assert fragment.status_code == 503 and fragment.headers["Retry-After"].isdigit()
    body = fragment.get_data(as_text=True)
    assert BUSY_TITLE in body and "<html" not in body
    assert plain.status_code == 503
    # One line per failed request, no traceback.
    records = outage_records(caplog)
    assert len(records) == 3
    assert all(r.exc_info is None and "\n" not in r.getMessage() for r in records)
    assert "database unavailable" in records[0].getMessage()
    # The database is back: the very next save works and nothing was half-written.
    assert stored_value(officer) is None
    response = save(client, officer, "12", 0)
    assert response.status_code == 200
    assert stored_value(officer) == 12


def test_json_clients_get_the_message_as_json(client, officer):
    with database_down():
        fresh_request()
        response = client.get(f"/submissions/{officer}", headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert response.get_json() == {"error": BUSY_TITLE, "retry_after": int(response.headers["Retry-After"])}


def test_a_broken_statement_is_not_an_outage():
    """Only an unreachable database is "busy": a wrong statement is a bug (500, traceback logged)."""
    with pytest.raises(DBAPIError) as info:
        db.session.execute(text("SELECT no_such_column FROM submission_value"))
    db.session.rollback()
    assert not is_outage(info.value)


def test_postgresql_restart_kills_live_connections_then_the_next_request_works(client, officer, caplog):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    caplog.set_level(logging.WARNING)
    fresh_request()
    assert client.get(f"/submissions/{officer}").status_code == 200
    # The shared test session still holds its connection, as a request in flight does.
    mine = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as killer:
        killed = killer.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND usename = current_user AND pid <> pg_backend_pid()")).scalar()
    assert killed >= 1 and mine
    response = save(client, officer, "7", 0)
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert len(outage_records(caplog)) == 1 and outage_records(caplog)[0].exc_info is None
    # Back: the dead connections are dropped by the pool's pre-ping, the save goes through.
    response = save(client, officer, "7", 0)
    assert response.status_code == 200
    assert stored_value(officer) == 7


def test_postgresql_an_autosave_whose_kept_connection_died_between_saves_goes_through(client, officer, caplog):
    """An autosave runs on a connection its worker keeps between saves, without the pool's
    ping (services/fast_sql.py): when the server dropped it meanwhile (a restart, an idle
    timeout), the first statement, a read, is sent again on a new connection."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    caplog.set_level(logging.WARNING)
    db.session.remove()
    assert save(client, officer, "7", 0).status_code == 200
    db.session.remove()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as killer:
        killed = killer.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND usename = current_user AND pid <> pg_backend_pid()")).scalar()
    assert killed >= 1
    db.session.remove()
    response = save(client, officer, "8", 1)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert not outage_records(caplog)
    assert stored_value(officer) == 8

"""What an autosave writes besides the value: the submission's time and state."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Submission
from app.services.rounds import round_template
from app.services.submissions import touch
from tests.factories import make_round, make_tree, submission_for


def stored(sub_id):
    db.session.expire_all()
    return db.session.execute(select(Submission.status, Submission.updated_at).where(Submission.id == sub_id)).one()


def test_the_submission_time_follows_saves_to_the_minute_it_is_shown_in():
    _, district, units = make_tree(1)
    sub = submission_for(make_round(district, expected=units), units[0])
    first = datetime(2026, 11, 22, 3, 15, 5)
    touch(sub, first)
    db.session.commit()
    assert stored(sub.id) == ("draft", first)  # the first save starts the draft
    sub = db.session.get(Submission, sub.id)
    touch(sub, first + timedelta(seconds=40))  # same minute (10:15 in Vietnam): shown the same, not written
    db.session.commit()
    assert stored(sub.id) == ("draft", first)
    later = first + timedelta(seconds=58)  # 10:16
    sub = db.session.get(Submission, sub.id)
    touch(sub, later)
    db.session.commit()
    assert stored(sub.id) == ("draft", later)
    sub = db.session.get(Submission, sub.id)
    sub.status = "returned"
    db.session.commit()
    touch(sub, later + timedelta(seconds=1))  # a returned report stays returned while it is corrected
    db.session.commit()
    assert stored(sub.id) == ("returned", later)


def test_an_autosave_reads_twice_and_writes_at_most_three(client):
    """The session (with the user and unit) and the submission (with round and unit) in one
    statement, the values the reply is computed from; then the value, its change-log row
    and, once a minute, the submission (one statement on PostgreSQL). A lazy load creeping
    into the path shows up here."""
    from flask import g
    from sqlalchemy import event

    from tests.conftest import login_as
    from tests.factories import make_user

    _, district, units = make_tree(1)
    round_ = make_round(district, expected=units)
    sub = submission_for(round_, units[0])
    login_as(client, make_user(units[0]))
    round_template(round_)  # a worker reads a round's template text once, then finds it by digest
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.lstrip().split()[0].upper())

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        for version, value in enumerate(("5", "6", "7")):
            g.pop("_login_user", None)
            db.session.remove()
            statements.clear()
            response = client.post(f"/submissions/{sub.id}/save", headers={"HX-Request": "true"},
                                   data={"v.I.4/ho_tich/c4": value, "ver.I.4/ho_tich/c4": str(version)})
            assert response.status_code == 200
            reads = [s for s in statements if s == "SELECT"]
            writes = [s for s in statements if s in ("INSERT", "UPDATE")]
            assert len(reads) == 2, statements
            assert len(writes) <= 3, statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_on_postgresql_a_save_writes_its_value_and_change_log_row_in_one_statement_and_a_stale_one_neither(client):
    """One round trip for the write, its log and the submission's time; the version check
    still decides all three. On PostgreSQL that statement is the autosave's only write, and
    it runs without BEGIN and COMMIT (autocommit): two round trips fewer."""
    from flask import g
    from sqlalchemy import event

    from app.models import ChangeLog, SubmissionValue
    from tests.conftest import login_as
    from tests.factories import make_user

    _, district, units = make_tree(1)
    sub = submission_for(make_round(district, expected=units), units[0])
    login_as(client, make_user(units[0]))
    statements = []

    autocommit = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.lstrip().split()[0].upper())
        autocommit.append(getattr(conn.connection.dbapi_connection, "autocommit", None))

    def save(value, version):
        g.pop("_login_user", None)
        db.session.remove()
        statements.clear()
        autocommit.clear()
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            return client.post(f"/submissions/{sub.id}/save", headers={"HX-Request": "true"},
                               data={"v.I.4/ho_tich/c4": value, "ver.I.4/ho_tich/c4": str(version)})
        finally:
            event.remove(db.engine, "before_cursor_execute", record)

    def log():
        db.session.expire_all()
        return [(c.old_value, c.new_value) for c in db.session.scalars(
            select(ChangeLog).where(ChangeLog.submission_id == sub.id, ChangeLog.key == "I.4/ho_tich/c4")
            .order_by(ChangeLog.id))]

    assert save("5", 0).status_code == 200  # the first value: inserted, the submission's time set
    assert stored(sub.id)[0] == "draft"
    if db.engine.dialect.name == "postgresql":
        assert [s for s in statements if s != "SELECT"] == ["WITH"], statements
        assert autocommit == [True] * len(statements)
    assert save("6", 1).status_code == 200  # then updated
    writes = [s for s in statements if s not in ("SELECT",)]
    if db.engine.dialect.name == "postgresql":
        assert writes == ["WITH"], statements
        assert autocommit == [True] * len(statements)
    else:
        assert writes[:2] == ["UPDATE", "INSERT"], statements
    assert log() == [(None, "5"), ("5", "6")]
    stale = save("7", 1)  # a second tab that saw version 1
    assert stale.status_code == 409
    assert log() == [(None, "5"), ("5", "6")]  # nothing logged for what was not written
    assert db.session.scalar(select(SubmissionValue.int_value).where(
        SubmissionValue.submission_id == sub.id, SubmissionValue.key == "I.4/ho_tich/c4")) == 6


def test_a_save_of_several_values_stays_one_transaction(client):
    """Only an autosave of one value (one write statement) runs outside a transaction: a form
    save of several is committed or rolled back as a whole, as before."""
    from flask import g
    from sqlalchemy import event

    from tests.conftest import login_as
    from tests.factories import make_user

    _, district, units = make_tree(1)
    sub = submission_for(make_round(district, expected=units), units[0])
    login_as(client, make_user(units[0]))
    autocommit = []

    def record(conn, cursor, statement, parameters, context, executemany):
        autocommit.append(getattr(conn.connection.dbapi_connection, "autocommit", False))

    g.pop("_login_user", None)
    db.session.remove()
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.post(f"/submissions/{sub.id}/save", data={"v.I.4/ho_tich/c4": "5", "v.I.4/ho_tich/c8": "2"})
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 303
    assert autocommit and not any(autocommit)

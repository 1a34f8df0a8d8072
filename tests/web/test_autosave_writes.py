"""What an autosave writes besides the value: the submission's time and state."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Submission
from app.services.rounds import round_template
from app.services.submissions import touch
from tests.concurrency import commit_once_waited_on
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


def test_an_autosave_reads_twice_and_writes_at_most_four(client):
    """The session (with the user and unit) and the submission (with round and unit) in one
    statement, the values the reply is computed from; then on SQLite the submission's next
    version (claimed first: saves of one report run in turn), the value, its change-log row
    and, once a minute, the submission's time; on PostgreSQL all of that is one statement,
    and from the second save of the report on, the values come with the session check: one
    read, one write. A lazy load creeping into the path shows up here."""
    from flask import g
    from sqlalchemy import event

    from app.services import submissions
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

    submissions._DIGEST_OF.clear()  # this process has not saved into the report yet
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
            postgresql = db.engine.dialect.name == "postgresql"
            assert len(reads) == (1 if postgresql and version else 2), statements
            if postgresql:
                assert [s for s in statements if s != "SELECT"] == ["WITH"], statements
            else:
                assert writes[0] == "UPDATE" and len(writes) <= 4, statements
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
        autocommit.append(getattr(cursor.connection, "autocommit", None))

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
        assert writes == ["WITH"], statements  # the value, its log row and the report's next version
        assert autocommit == [True] * len(statements)
    else:
        assert writes[:3] == ["UPDATE", "UPDATE", "INSERT"], statements  # the report's next version first
    assert log() == [(None, "5"), ("5", "6")]
    stale = save("7", 1)  # a second tab that saw version 1
    assert stale.status_code == 409
    assert log() == [(None, "5"), ("5", "6")]  # nothing logged for what was not written
    assert db.session.scalar(select(SubmissionValue.int_value).where(
        SubmissionValue.submission_id == sub.id, SubmissionValue.key == "I.4/ho_tich/c4")) == 6


def test_saves_of_one_report_run_in_turn_so_a_reply_totals_every_earlier_save(app, client):
    """Race seen on PostgreSQL under load: two cells of a row saved at once each read the
    row before the other's commit, and each reply's total left the other value out. Here
    an earlier save is held in flight (it has claimed the report and written (6), not
    committed) while a later save of (5) arrives: the later one waits for it, and its
    total counts both."""
    import threading

    import pytest
    from flask import g
    from sqlalchemy import text

    from app.reporting.clock import utcnow
    from tests.conftest import login_as
    from tests.factories import make_user, set_values

    if db.engine.dialect.name != "postgresql":
        pytest.skip("the wait is seen in pg_stat_activity; SQLite's writer lock is not observable")
    _, district, units = make_tree(1)
    sub = submission_for(make_round(district, expected=units), units[0])
    set_values(sub, {"I.4/ho_tich/c4": 10})
    sub_id = sub.id
    login_as(client, make_user(units[0]))
    g.pop("_login_user", None)
    db.session.remove()

    earlier = db.engine.connect()
    in_flight = earlier.begin()
    earlier.execute(text("UPDATE submission SET version = version + 1 WHERE id = :s"), {"s": sub_id})
    earlier.execute(text("INSERT INTO submission_value (submission_id, key, version, int_value, updated_at) "
                         "VALUES (:s, 'I.4/ho_tich/c6', 1, 2, :at)"), {"s": sub_id, "at": utcnow()})
    replies = []
    later = threading.Thread(target=lambda: replies.append(client.post(
        f"/submissions/{sub_id}/save", headers={"HX-Request": "true"},
        data={"v.I.4/ho_tich/c5": "7", "ver.I.4/ho_tich/c5": "0"})))
    later.start()
    commit_once_waited_on(later, in_flight, earlier)
    body = replies[0].get_data(as_text=True)
    assert replies[0].status_code == 200, body[:300]
    assert re.search(r'id="k-I-4-ho_tich-c3"[^>]*>19<', body), body


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
        autocommit.append(getattr(cursor.connection, "autocommit", False))

    g.pop("_login_user", None)
    db.session.remove()
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.post(f"/submissions/{sub.id}/save", data={"v.I.4/ho_tich/c4": "5", "v.I.4/ho_tich/c8": "2"})
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 303
    assert autocommit and not any(autocommit)


def test_after_an_autosave_without_a_transaction_the_pooled_connection_is_transactional_again(client):
    """A one-value autosave on PostgreSQL runs its statements without a transaction; the
    connection, once back in the pool, gives the next request a transaction again: a write
    rolled back there leaves nothing behind."""
    import pytest
    from flask import g

    from app.models import SubmissionValue
    from tests.conftest import login_as
    from tests.factories import make_user

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite saves run in a transaction")
    _, district, units = make_tree(1)
    sub = submission_for(make_round(district, expected=units), units[0])
    login_as(client, make_user(units[0]))
    db.engine.dispose()  # one connection in the pool: the autosave's, then this test's
    g.pop("_login_user", None)
    db.session.remove()
    response = client.post(f"/submissions/{sub.id}/save", headers={"HX-Request": "true"},
                           data={"v.I.4/ho_tich/c4": "5", "ver.I.4/ho_tich/c4": "0"})
    assert response.status_code == 200
    assert db.engine.pool.checkedin() == 1
    connection = db.session.connection().connection
    assert connection.dbapi_connection.autocommit is False
    db.session.execute(SubmissionValue.__table__.update().values(int_value=99))
    db.session.rollback()
    values = db.session.scalars(select(SubmissionValue.int_value).where(SubmissionValue.submission_id == sub.id)).all()
    assert values == [5]


def _row_total_saves(client, sub, user, guess=None):
    """Save 5 into (4) then 7 into (5) of one row; the second reply's row total (3) must be 12.
    ``guess``: what this process believes the report's template digest is before the second."""
    from flask import g
    from sqlalchemy import event

    from app.services import submissions
    from app.services.submission_page import dom_id
    from tests.conftest import login_as

    login_as(client, user)
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.lstrip().split()[0].upper())

    def save(column, value):
        g.pop("_login_user", None)
        db.session.remove()
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            return client.post(f"/submissions/{sub.id}/save", headers={"HX-Request": "true"},
                               data={f"v.I.4/ho_tich/{column}": value, f"ver.I.4/ho_tich/{column}": "0"})
        finally:
            event.remove(db.engine, "before_cursor_execute", record)

    assert save("c4", "5").status_code == 200
    if guess is not None:
        submissions._DIGEST_OF[sub.id] = guess
    response = save("c5", "7")
    assert response.status_code == 200
    total = re.search(rf'id="{dom_id("I.4/ho_tich/c3")}"[^>]*>([^<]*)<', response.get_data(as_text=True))
    assert total and total.group(1).strip() == "12", response.get_data(as_text=True)[:2000]
    return [s for s in statements if s == "SELECT"]


def test_the_second_save_of_a_row_totals_the_first_and_on_postgresql_reads_once(client):
    """The reply to a report's second save counts the value saved before in its row total.
    On PostgreSQL, from that second save on, the values it needs come in the session check's
    statement (the template this process parsed for the report tells which): one read; on
    SQLite they are read on their own: two."""
    from tests.factories import make_user

    _, district, units = make_tree(1)
    sub = submission_for(make_round(district, expected=units), units[0])
    reads = _row_total_saves(client, sub, make_user(units[0]))
    assert len(reads) == (1 if db.engine.dialect.name == "postgresql" else 2), reads


def test_values_read_for_another_template_than_the_rounds_are_not_used(client):
    """If the round's template is not the one this process last saw for the report (another
    digest), what came with the session check is set aside and the values are read again."""
    import pytest

    from app.services import rounds
    from tests.factories import make_user

    if db.engine.dialect.name != "postgresql":
        pytest.skip("the values come with the session check on PostgreSQL only (a lateral read)")
    _, district, units = make_tree(1)
    round_ = make_round(district, expected=units)
    sub = submission_for(round_, units[0])
    # The same parsed template under a digest the round does not have: what it picks is read
    # with the session check, and set aside all the same (a second read follows).
    rounds._BY_DIGEST["another-digest"] = rounds.round_template(round_)
    try:
        assert len(_row_total_saves(client, sub, make_user(units[0]), guess="another-digest")) == 2
    finally:
        rounds._BY_DIGEST.pop("another-digest", None)


def test_on_postgresql_autosaves_reuse_one_kept_connection_and_dispose_closes_it(client):
    """An autosave of one value runs on a connection the process keeps (services/fast_sql.py):
    saves one after another use the same one, it is in autocommit with nothing under way
    between requests, and disposing of the engine closes it, as the pool's own."""
    import pytest
    from flask import g
    from sqlalchemy import event

    from tests.conftest import login_as
    from tests.factories import make_user

    if db.engine.dialect.name != "postgresql":
        pytest.skip("the kept connection is PostgreSQL's")
    _, district, units = make_tree(1)
    sub = submission_for(make_round(district, expected=units), units[0])
    login_as(client, make_user(units[0]))
    used = []

    def record(conn, cursor, statement, parameters, context, executemany):
        used.append(cursor.connection)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        for version in range(3):
            g.pop("_login_user", None)
            db.session.remove()
            response = client.post(f"/submissions/{sub.id}/save", headers={"HX-Request": "true"},
                                   data={"v.I.4/ho_tich/c4": str(10 + version), "ver.I.4/ho_tich/c4": str(version)})
            assert response.status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    kept = {id(c): c for c in used}
    assert len(kept) == 1, "each save took another connection"
    (connection,) = kept.values()
    assert connection.autocommit and connection.info.transaction_status.name == "IDLE"
    db.session.remove()
    db.engine.dispose()
    assert connection.closed

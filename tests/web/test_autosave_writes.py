"""What an autosave writes besides the value: the submission's time and state."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Submission
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

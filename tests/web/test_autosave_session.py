"""The autosave reads the signed-in user as plain values (services.sessions.session_reader),
checked against its session record on every save like every other request: a cookie dies
at logout, password change, deactivation and the end of its lifetime, for the autosave too."""
from __future__ import annotations

from dataclasses import fields
from datetime import timedelta

import pytest
from flask import g
from sqlalchemy import select

from app.extensions import db
from app.models import User, UserSession
from app.services.sessions import SignedInUser, UnitRow, session_reader, session_user
from tests.conftest import login_as
from tests.factories import PASSWORD, make_round, make_tree, make_unit, make_user, submission_for

KEY = "I.3/received"


@pytest.fixture
def world():
    _, district, units = make_tree(1)
    reporter = make_user(units[0])
    sub = submission_for(make_round(district, expected=units), units[0])
    return {"reporter": reporter, "sub": sub, "unit": units[0]}


def signed_in(app, user):
    g.pop("_login_user", None)
    client = app.test_client()
    login_as(client, user)
    return client


def autosave(client, sub, value="1"):
    g.pop("_login_user", None)
    db.session.remove()
    response = client.post(f"/submissions/{sub.id}/save", data={f"v.{KEY}": value}, headers={"HX-Request": "true"})
    g.pop("_login_user", None)
    return response


def copy_of(app, client):
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def refused(response) -> bool:
    return response.status_code == 401 and "/login" in response.headers["HX-Redirect"]


def test_the_reader_gives_what_the_orm_user_has(app, world):
    client = signed_in(app, world["reporter"])
    with client.session_transaction() as session:
        key = session["_user_id"]
    read, loaded = session_reader(key, 14), session_user(key, 14)
    assert isinstance(read, SignedInUser) and read.get_id() == loaded.get_id() == key
    for field in fields(SignedInUser):
        if field.name not in ("unit", "read_along"):  # read_along: what a save read with the check
            assert getattr(read, field.name) == getattr(loaded, field.name), field.name
    for field in fields(UnitRow):
        assert getattr(read.unit, field.name) == getattr(loaded.unit, field.name), field.name
    assert (read.role_label, read.unit.kind_label) == (loaded.role_label, loaded.unit.kind_label)
    assert read.is_authenticated and read.is_active and not read.is_anonymous
    assert session_reader(key[:-1] + ("y" if key.endswith("x") else "x"), 14) is None  # another token
    assert session_reader(key, 14, now=db.session.scalar(select(UserSession.created_at)) + timedelta(days=14)) is None


def test_a_cookie_copied_before_logout_no_longer_autosaves(app, world):
    client = signed_in(app, world["reporter"])
    thief = copy_of(app, client)
    assert autosave(thief, world["sub"], "1").status_code == 200
    g.pop("_login_user", None)
    client.post("/logout")
    assert refused(autosave(thief, world["sub"], "2"))


def test_a_password_change_ends_the_other_browsers_autosaves(app, world):
    mine, other = signed_in(app, world["reporter"]), signed_in(app, world["reporter"])
    assert autosave(other, world["sub"], "1").status_code == 200
    g.pop("_login_user", None)
    new = "ba-con-voi-xanh"
    assert mine.post("/password", data={"current": PASSWORD, "new": new, "confirm": new}).status_code == 303
    assert refused(autosave(other, world["sub"], "2"))
    assert autosave(mine, world["sub"], "3").status_code == 200


def test_deactivation_and_an_expired_record_end_autosaves(app, world):
    client = signed_in(app, world["reporter"])
    record = db.session.scalar(select(UserSession).where(UserSession.user_id == world["reporter"].id))
    record.created_at -= timedelta(days=app.config["SESSION_MAX_DAYS"], minutes=1)
    db.session.commit()
    assert refused(autosave(client, world["sub"]))
    client = signed_in(app, world["reporter"])
    assert autosave(client, world["sub"], "4").status_code == 200
    db.session.get(User, world["reporter"].id).active = False
    db.session.commit()
    assert refused(autosave(client, world["sub"], "5"))


def test_an_admin_issued_password_still_stops_the_autosave(app, world):
    world["reporter"].must_change_password = True
    db.session.commit()
    client = signed_in(app, world["reporter"])
    response = autosave(client, world["sub"])
    assert response.status_code == 403 and response.headers["HX-Redirect"].endswith("/password")


def test_the_submission_read_with_the_session_check_gets_the_same_answers(app, world):
    """The save reads the submission in the session check's statement (submissions.saver):
    a missing submission and another unit's are still 404, a dead session still 401."""
    client = signed_in(app, world["reporter"])
    neighbour = make_unit("X99", parent=world["unit"].parent)
    other = submission_for(make_round(world["unit"].parent, index=3, expected=[neighbour]), neighbour)
    db.session.commit()
    missing = type("Missing", (), {"id": other.id + 1000})()
    assert autosave(client, missing).status_code == 404
    assert autosave(client, other).status_code == 404
    assert autosave(client, world["sub"]).status_code == 200
    client.post("/logout")
    assert refused(autosave(client, world["sub"]))

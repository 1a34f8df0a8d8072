"""The session cookie is signed once per secret key's serializer, through OpenSSL's SHA-1:
the signature is Flask's own, so a cookie signed before a deploy still signs in after it,
and a forged or re-keyed one is refused."""
from __future__ import annotations

import pytest
from flask import g, request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

from app import session_cookie
from app.session_cookie import PortalSessionInterface
from tests.conftest import login_as
from tests.factories import make_tree, make_user


def test_a_cookie_is_signed_exactly_as_flask_signs_it(app):
    flask_default = SecureCookieSessionInterface().get_signing_serializer(app)
    portal = app.session_interface.get_signing_serializer(app)
    data = {"_user_id": "12.token", "_fresh": True, "csrf_token": "abc"}
    assert isinstance(app.session_interface, PortalSessionInterface)
    assert portal.loads(flask_default.dumps(data)) == data
    assert flask_default.loads(portal.dumps(data)) == data


def test_a_new_secret_key_makes_earlier_cookies_worthless(app):
    signed = app.session_interface.get_signing_serializer(app).dumps({"_user_id": "1.x"})
    previous = app.secret_key
    try:
        app.secret_key = "another-secret-key-for-this-test-only-0123456789"
        fresh = app.session_interface.get_signing_serializer(app)
        assert fresh.loads(fresh.dumps({"a": 1})) == {"a": 1}
        with pytest.raises(BadSignature):
            fresh.loads(signed)
    finally:
        app.secret_key = previous


def test_a_tampered_session_cookie_signs_nobody_in(client):
    _, _, units = make_tree(1)
    login_as(client, make_user(units[0]))
    assert client.get("/").status_code == 200
    cookie = client.get_cookie("session").value
    client.set_cookie("session", cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB"))
    g.pop("_login_user", None)
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_cookie_verified_before_still_expires(client, app, monkeypatch):
    """A cookie's signature is verified once per process (the autosave sends the same cookie
    on every keystroke); its age is checked on every request all the same."""
    _, _, units = make_tree(1)
    login_as(client, make_user(units[0]))
    assert client.get("/").status_code == 200
    g.pop("_login_user", None)
    later = session_cookie.now() + int(app.permanent_session_lifetime.total_seconds()) + 60
    monkeypatch.setattr(session_cookie, "now", lambda: later)
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_what_one_request_puts_in_the_session_does_not_leak_into_the_next(client):
    """Each request decodes its own copy of a remembered cookie: a message flashed (a list
    changed in place) by a request whose cookie is then not sent back appears nowhere else."""
    _, _, units = make_tree(1)
    login_as(client, make_user(units[0]))
    cookie = client.get_cookie("session").value
    app = client.application
    with app.test_request_context("/", headers={"Cookie": f"session={cookie}"}):
        opened = app.session_interface.open_session(app, request)
        opened.setdefault("_flashes", []).append(("warning", "chỉ của yêu cầu này"))
        assert "_flashes" not in app.session_interface.open_session(app, request)

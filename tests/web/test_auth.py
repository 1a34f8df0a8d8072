"""Signing in, lockout, CSRF and changing one's password."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import g

from app import csrf_tokens
from app.auth.views import LOCKED_MESSAGE
from app.extensions import db
from app.models import User
from tests.conftest import login_as
from tests.factories import PASSWORD, make_tree, make_user

LOCKED_START = LOCKED_MESSAGE.split("{")[0]


@pytest.fixture
def reporter():
    _, _, communes = make_tree(1)
    return make_user(communes[0], "reporter")


def _login(client, username, password, **kw):
    return client.post("/login", data={"username": username, "password": password}, **kw)


def _errors(response) -> list[str]:
    return re.findall(r'class="error"[^>]*>([^<]*)<', response.get_data(as_text=True))


def test_the_right_password_signs_in_and_lands_on_home(client, reporter):
    response = _login(client, reporter.username, PASSWORD)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_wrong_password_is_refused_with_a_vietnamese_message(client, reporter):
    response = _login(client, reporter.username, "wrong-one")
    assert response.status_code == 422
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.get_data(as_text=True)
    g.pop("_login_user", None)
    assert client.get("/").status_code == 302


def test_an_unknown_user_gets_the_same_message_as_a_wrong_password(client, reporter):
    response = _login(client, "nobody", "whatever1")
    assert response.status_code == 422
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.get_data(as_text=True)


def test_empty_login_fields_are_flagged_next_to_each_field(client):
    response = _login(client, "", "")
    assert response.status_code == 422
    assert _errors(response) == ["Vui lòng nhập trường này.", "Vui lòng nhập trường này."]


def test_the_sixth_attempt_after_five_wrong_passwords_is_locked_even_with_the_right_password(client, reporter):
    for _ in range(5):
        assert _login(client, reporter.username, "wrong-one").status_code == 422
    response = _login(client, reporter.username, PASSWORD)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert LOCKED_START in body
    assert "15 phút" in body
    g.pop("_login_user", None)
    assert client.get("/").status_code == 302


def test_a_throttled_login_opens_again_after_fifteen_minutes(client, reporter):
    from app.models import LoginFailure

    for _ in range(5):
        _login(client, reporter.username, "wrong-one")
    assert _login(client, reporter.username, PASSWORD).status_code == 422
    for failure in db.session.scalars(db.select(LoginFailure)):
        failure.at -= timedelta(minutes=15, seconds=1)
    db.session.commit()
    assert _login(client, reporter.username, PASSWORD).status_code == 303
    assert db.session.scalar(db.select(db.func.count(LoginFailure.id))) == 0


def test_four_wrong_passwords_then_the_right_one_do_not_lock(client, reporter):
    for _ in range(4):
        _login(client, reporter.username, "wrong-one")
    assert _login(client, reporter.username, PASSWORD).status_code == 303


def test_a_deactivated_account_cannot_sign_in(client, reporter):
    reporter.active = False
    db.session.commit()
    response = _login(client, reporter.username, PASSWORD)
    assert response.status_code == 422


def test_login_only_follows_a_next_address_on_this_site(client, reporter):
    assert _login(client, reporter.username, PASSWORD, query_string={"next": "https://evil.example/x"}).headers["Location"] == "/"
    client.post("/logout")
    g.pop("_login_user", None)
    assert _login(client, reporter.username, PASSWORD, query_string={"next": "//evil.example/x"}).headers["Location"] == "/"
    client.post("/logout")
    g.pop("_login_user", None)
    assert _login(client, reporter.username, PASSWORD, query_string={"next": "/password"}).headers["Location"] == "/password"


def test_logging_out_ends_the_session(client, reporter):
    login_as(client, reporter)
    assert client.post("/logout").status_code == 303
    g.pop("_login_user", None)
    assert client.get("/").headers["Location"].startswith("/login")


# --- Changing one's password ------------------------------------------------------------

def _change(client, current, new, confirm=None, **kw):
    return client.post("/password", data={"current": current, "new": new, "confirm": new if confirm is None else confirm}, **kw)


def test_changing_the_password_needs_the_current_one_and_then_the_new_one_works(client, reporter):
    login_as(client, reporter)
    response = _change(client, PASSWORD, "ba-con-voi-xanh-2024")
    assert response.status_code == 303
    g.pop("_login_user", None)
    client.post("/logout")
    g.pop("_login_user", None)
    assert _login(client, reporter.username, PASSWORD).status_code == 422
    assert _login(client, reporter.username, "ba-con-voi-xanh-2024").status_code == 303


def test_changing_the_password_ends_the_users_other_sessions(app, client, reporter):
    other = app.test_client()
    login_as(other, reporter)
    g.pop("_login_user", None)
    login_as(client, reporter)
    assert _change(client, PASSWORD, "ba-con-voi-xanh-2024").status_code == 303
    g.pop("_login_user", None)
    assert other.get("/").status_code == 302
    g.pop("_login_user", None)
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("current,new,confirm,field_message", [
    ("", "", "", "Vui lòng nhập trường này."),
    ("sai-mat-khau", "ba-con-voi-xanh-2024", None, "Mật khẩu hiện tại không đúng."),
    (PASSWORD, "ngan", None, "Mật khẩu cần ít nhất 10 ký tự."),
    (PASSWORD, "x" * 201, None, "Tối đa 200 ký tự."),
    (PASSWORD, "ba-con-voi-xanh-2024", "mat-khau-khac-2024", "Hai mật khẩu không khớp."),
    ("x" * 201, "ba-con-voi-xanh-2024", None, "Tối đa 200 ký tự."),
], ids=["empty", "wrong-current", "too-short", "too-long", "mismatch", "overlong-current"])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_a_bad_password_change_says_why_beside_the_field_and_keeps_the_old_password(client, reporter, current, new,
                                                                                      confirm, field_message, htmx):
    login_as(client, reporter)
    before = db.session.get(User, reporter.id).password_hash
    response = _change(client, current, new, confirm, headers={"HX-Request": "true"} if htmx else {})
    assert response.status_code == 422
    assert field_message in _errors(response)
    db.session.expire_all()
    assert db.session.get(User, reporter.id).password_hash == before


# --- CSRF -------------------------------------------------------------------------------

def _token_from(html: str) -> str:
    match = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', html)
    assert match, "the page carries no hx-headers CSRF token"
    hidden = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', html)
    assert hidden, "the page's form carries no csrf_token input"
    return match.group(1)


@pytest.fixture
def csrf_client(csrf_app):
    """A client of the CSRF-protected app, inside its context; its own engine is closed after."""
    with csrf_app.app_context():
        yield csrf_app.test_client()
        db.session.remove()
        db.engine.dispose()


def test_with_csrf_on_a_post_without_a_token_is_refused_and_changes_nothing(csrf_client, reporter):
    login_page = csrf_client.get("/login").get_data(as_text=True)
    assert csrf_client.post("/login", data={"username": reporter.username, "password": PASSWORD}).status_code == 400
    token = _token_from(login_page)
    assert csrf_client.post("/login", data={"username": reporter.username, "password": PASSWORD,
                                            "csrf_token": token}).status_code == 303
    before = db.session.get(User, reporter.id).password_hash
    response = csrf_client.post("/password", data={"current": PASSWORD, "new": "ba-con-voi-xanh-2024",
                                                   "confirm": "ba-con-voi-xanh-2024"}, headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert "Yêu cầu không hợp lệ" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, reporter.id).password_hash == before


def test_with_csrf_on_an_htmx_post_with_the_x_csrftoken_header_goes_through(csrf_client, reporter):
    token = _token_from(csrf_client.get("/login").get_data(as_text=True))
    csrf_client.post("/login", data={"username": reporter.username, "password": PASSWORD, "csrf_token": token})
    token = _token_from(csrf_client.get("/password").get_data(as_text=True))
    response = csrf_client.post("/password", data={"current": PASSWORD, "new": "ba-con-voi-xanh-2024",
                                                   "confirm": "ba-con-voi-xanh-2024"},
                                headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(User, reporter.id).check_password("ba-con-voi-xanh-2024")


def test_with_csrf_on_a_wrong_token_is_refused(csrf_client, reporter):
    csrf_client.get("/login")
    response = csrf_client.post("/login", data={"username": reporter.username, "password": PASSWORD},
                                headers={"HX-Request": "true", "X-CSRFToken": "not-the-token"})
    assert response.status_code == 400


def _logged_in_token(csrf_client, reporter) -> str:
    token = _token_from(csrf_client.get("/login").get_data(as_text=True))
    csrf_client.post("/login", data={"username": reporter.username, "password": PASSWORD, "csrf_token": token})
    return _token_from(csrf_client.get("/password").get_data(as_text=True))


def _change_password(csrf_client, token: str):
    return csrf_client.post("/password", data={"current": PASSWORD, "new": "ba-con-voi-xanh-2024",
                                               "confirm": "ba-con-voi-xanh-2024"},
                            headers={"HX-Request": "true", "X-CSRFToken": token})


def test_a_token_verified_before_still_expires_at_its_time_limit(csrf_client, reporter, monkeypatch):
    """Each process verifies a token's signature once (an autosave sends the same token on
    every keystroke), but its age is checked on every request: past its limit, the same
    token, accepted a moment before, is refused and nothing changes."""
    token = _logged_in_token(csrf_client, reporter)
    wrong = csrf_client.post("/password", data={"current": "not-my-password", "new": "ba-con-voi-xanh-2024",
                                                "confirm": "ba-con-voi-xanh-2024"},
                             headers={"HX-Request": "true", "X-CSRFToken": token})
    assert wrong.status_code == 422  # the token passed; the form refused the wrong password
    later = csrf_tokens.now() + csrf_client.application.config["WTF_CSRF_TIME_LIMIT"] + 60
    monkeypatch.setattr(csrf_tokens, "now", lambda: later)
    assert _change_password(csrf_client, token).status_code == 400
    db.session.expire_all()
    assert db.session.get(User, reporter.id).check_password(PASSWORD)


def test_a_verified_token_of_another_session_is_refused(csrf_app, reporter):
    """A token whose signature was verified for one browser is worth nothing in another:
    its value must still be the session's own."""
    with csrf_app.app_context():
        first, second = csrf_app.test_client(), csrf_app.test_client()
        # The two browsers' requests share this app context: what Flask-Login and Flask-WTF
        # keep on g for one must not answer for the other.
        token = _logged_in_token(first, reporter)
        g.pop("_login_user", None), g.pop("csrf_token", None)
        _logged_in_token(second, reporter)
        g.pop("_login_user", None), g.pop("csrf_token", None)
        assert _change_password(second, token).status_code == 400
        assert _change_password(first, token).status_code == 303
        db.session.remove()
        db.engine.dispose()


def test_a_changed_token_is_refused_after_the_right_one_was_accepted(csrf_client, reporter):
    token = _logged_in_token(csrf_client, reporter)
    assert csrf_client.get("/password", headers={"X-CSRFToken": token}).status_code == 200
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert _change_password(csrf_client, forged).status_code == 400
    assert _change_password(csrf_client, token).status_code == 303

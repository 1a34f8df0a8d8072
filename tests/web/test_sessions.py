"""Server-side sessions, login throttling, the password policy and the production secret key."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from flask import g
from sqlalchemy import func, select

from app import create_app
from app.config import DEV_SECRET_KEY, ProductionConfig, WeakSecretKey
from app.extensions import db
from app.models import LoginFailure, User, UserSession
from app.services.passwords import password_problem
from tests.conftest import Config, login_as
from tests.factories import PASSWORD, make_tree, make_user

NEW_PASSWORD = "ba-con-voi-xanh"


@pytest.fixture
def reporter():
    _, _, communes = make_tree(1)
    return make_user(communes[0], "reporter")


def fresh(app):
    g.pop("_login_user", None)
    return app.test_client()


def signed_in(app, user):
    client = fresh(app)
    login_as(client, user)
    g.pop("_login_user", None)
    return client


def can_read_home(client) -> bool:
    g.pop("_login_user", None)
    status = client.get("/").status_code
    g.pop("_login_user", None)
    return status == 200


def _login(client, username, password, address="10.0.0.1"):
    g.pop("_login_user", None)
    response = client.post("/login", data={"username": username, "password": password},
                           environ_base={"REMOTE_ADDR": address})
    g.pop("_login_user", None)
    return response


def _sessions(user_id: int) -> int:
    return db.session.scalar(select(func.count(UserSession.id)).where(UserSession.user_id == user_id))


# --- Session records --------------------------------------------------------------------

def test_each_login_has_its_own_record_and_logout_ends_only_its_own(app, reporter):
    first, second = signed_in(app, reporter), signed_in(app, reporter)
    assert _sessions(reporter.id) == 2
    assert can_read_home(first) and can_read_home(second)
    first.post("/logout")
    assert _sessions(reporter.id) == 1
    assert not can_read_home(first)
    assert can_read_home(second)


def test_a_cookie_copied_before_logout_is_dead_after_it(app, reporter):
    client = signed_in(app, reporter)
    stolen = fresh(app)
    cookie = client.get_cookie("session")
    stolen.set_cookie("session", cookie.value)
    assert can_read_home(stolen)
    client.post("/logout")
    assert not can_read_home(stolen)
    assert _sessions(reporter.id) == 0


def test_a_cookie_naming_a_record_with_another_token_is_refused(app, reporter):
    client = signed_in(app, reporter)
    with client.session_transaction() as session:
        record_id, _, token = session["_user_id"].partition(".")
        session["_user_id"] = f"{record_id}.{token[::-1]}"
    assert not can_read_home(client)
    with client.session_transaction() as session:
        session["_user_id"] = f"{2**63}.{token}"
    assert not can_read_home(client)


def test_changing_the_password_ends_every_other_session_and_keeps_this_one(app, reporter):
    mine, other = signed_in(app, reporter), signed_in(app, reporter)
    g.pop("_login_user", None)
    response = mine.post("/password", data={"current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 303
    assert can_read_home(mine)
    assert not can_read_home(other)
    assert _sessions(reporter.id) == 1


def test_deactivation_ends_every_session(app, reporter):
    client = signed_in(app, reporter)
    admin = make_user(reporter.unit, "admin", username="quantri")
    admin_client = signed_in(app, admin)
    admin_client.post(f"/admin/users/{reporter.id}/deactivate", data={"confirm": "1"})
    assert _sessions(reporter.id) == 0
    assert not can_read_home(client)


def test_a_record_older_than_its_lifetime_no_longer_signs_in(app, reporter):
    client = signed_in(app, reporter)
    record = db.session.scalar(select(UserSession).where(UserSession.user_id == reporter.id))
    record.created_at -= timedelta(days=app.config["SESSION_MAX_DAYS"], minutes=1)
    db.session.commit()
    assert not can_read_home(client)


def test_the_user_loader_is_one_query(app, reporter):
    from sqlalchemy import event

    client = signed_in(app, reporter)
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        g.pop("_login_user", None)
        assert client.get("/password").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == 1, statements


# --- Throttling ---------------------------------------------------------------------------

def test_failures_from_one_address_do_not_lock_the_owner_out_elsewhere(client, reporter):
    for _ in range(8):
        assert _login(client, reporter.username, "doan-mo-sai", address="203.0.113.9").status_code == 422
    assert "tạm khóa" in _login(client, reporter.username, PASSWORD, address="203.0.113.9").get_data(as_text=True)
    assert _login(client, reporter.username, PASSWORD, address="10.0.0.1").status_code == 303


def test_one_officers_typos_do_not_lock_out_colleagues_behind_the_same_address(app, reporter):
    colleague = make_user(reporter.unit, "reviewer", username="dong.nghiep")
    client = fresh(app)
    for _ in range(6):
        _login(client, reporter.username, "go-nham-mat-khau", address="198.51.100.7")
    assert _login(client, colleague.username, PASSWORD, address="198.51.100.7").status_code == 303


def test_spraying_one_password_over_many_accounts_stops_the_address(app, client, reporter):
    limit = app.config["LOGIN_FAILURES_PER_ADDRESS"]
    for i in range(limit):
        _login(client, f"tai.khoan.{i}", "Matkhau@2024", address="192.0.2.50")
    response = _login(client, reporter.username, PASSWORD, address="192.0.2.50")
    assert response.status_code == 422 and "tạm khóa" in response.get_data(as_text=True)
    assert _login(client, reporter.username, PASSWORD, address="192.0.2.51").status_code == 303


def test_unknown_users_get_the_same_answers_as_known_ones(client, reporter):
    def answers(username, address):
        bodies = [_login(client, username, "sai-mat-khau-1", address=address) for _ in range(6)]
        return [(r.status_code, "tạm khóa" in r.get_data(as_text=True),
                 "Tên đăng nhập hoặc mật khẩu không đúng." in r.get_data(as_text=True)) for r in bodies]

    assert answers(reporter.username, "10.1.1.1") == answers("khong.ton.tai", "10.1.1.2")


def test_unknown_users_cost_the_same_hash_check_as_known_ones(app, reporter):
    """Same hash method as production (scrypt): the time must not tell which names exist."""
    app.config["PASSWORD_HASH_METHOD"] = "scrypt"
    try:
        user = db.session.get(User, reporter.id)
        user.set_password(PASSWORD)
        db.session.commit()
        client = fresh(app)

        def timed(username, address):
            start = time.perf_counter()
            _login(client, username, "sai-mat-khau-1", address=address)
            return time.perf_counter() - start

        timed("khong.ton.tai", "10.2.0.1")  # the dummy hash is made once per process
        known = min(timed(reporter.username, f"10.2.1.{i}") for i in range(3))
        unknown = min(timed("khong.ton.tai", f"10.2.2.{i}") for i in range(3))
    finally:
        app.config["PASSWORD_HASH_METHOD"] = Config.PASSWORD_HASH_METHOD
    assert unknown > known / 3, (known, unknown)


def test_a_successful_login_forgets_that_accounts_failures_from_that_address(client, reporter):
    for _ in range(4):
        _login(client, reporter.username, "sai-mat-khau-1")
    assert _login(client, reporter.username, PASSWORD).status_code == 303
    assert db.session.scalar(select(func.count(LoginFailure.id))) == 0


def test_behind_a_proxy_the_forwarded_client_address_is_the_one_throttled(app, reporter):
    class Proxied(Config):
        PROXY_COUNT = 1

    proxied = create_app(Proxied)
    client = proxied.test_client()
    try:
        for _ in range(5):
            client.post("/login", data={"username": reporter.username, "password": "sai-mat-khau-1"},
                        headers={"X-Forwarded-For": "203.0.113.77"}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
        assert {f.address for f in db.session.scalars(select(LoginFailure))} == {"203.0.113.77"}
        g.pop("_login_user", None)
        response = client.post("/login", data={"username": reporter.username, "password": PASSWORD},
                               headers={"X-Forwarded-For": "203.0.113.78"}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
        assert response.status_code == 303
    finally:
        with proxied.app_context():
            db.engine.dispose()


# --- Password policy and administrator-issued passwords ----------------------------------------

@pytest.mark.parametrize("password, refused", [
    ("ngan-qua", True),
    ("xa.binhchanh", True),
    ("XA.BINHCHANH-2024", True),
    ("1234567890", True),
    ("matkhau123", True),
    ("Admin@1234", True),
    ("qwertyuiop", True),
    ("aaaaaaaaaaaa", True),
    ("ba-con-voi-xanh", False),
    ("Tôi đi làm lúc 7 giờ", False),
])
def test_the_password_policy(password, refused):
    assert (password_problem(password, "xa.binhchanh") is not None) == refused


def test_an_admin_issued_password_must_be_changed_before_anything_else(app, reporter):
    admin = make_user(reporter.unit, "admin", username="quantri")
    admin_client = signed_in(app, admin)
    response = admin_client.post(f"/admin/users/{reporter.id}/reset-password", data={"confirm": "1"})
    temporary = response.get_data(as_text=True).split("<code>")[1].split("</code>")[0].strip()
    client = fresh(app)
    response = _login(client, reporter.username, temporary)
    assert response.status_code == 303 and response.headers["Location"] == "/password"
    g.pop("_login_user", None)
    assert client.get("/").headers["Location"] == "/password"
    g.pop("_login_user", None)
    fragment = client.post("/submissions/1/save", data={"v.I.3/received": "1"}, headers={"HX-Request": "true"})
    assert fragment.headers["HX-Redirect"] == "/password"
    g.pop("_login_user", None)
    refused = client.post("/password", data={"current": temporary, "new": "1234567890", "confirm": "1234567890"})
    assert refused.status_code == 422
    g.pop("_login_user", None)
    assert client.post("/password", data={"current": temporary, "new": NEW_PASSWORD,
                                          "confirm": NEW_PASSWORD}).status_code == 303
    assert can_read_home(client)
    assert not db.session.get(User, reporter.id).must_change_password


def test_a_new_account_made_by_the_admin_must_change_its_password(app, reporter):
    admin = make_user(reporter.unit, "admin", username="quantri")
    admin_client = signed_in(app, admin)
    admin_client.post("/admin/users/new", data={"username": "can.bo.moi", "full_name": "Cán Bộ Mới", "role": "reporter",
                                               "unit_id": reporter.unit_id, "active": "y"})
    assert db.session.scalar(select(User).where(User.username == "can.bo.moi")).must_change_password


def test_the_demo_password_is_not_forced_to_change(app):
    from app.demo import DEMO_PASSWORD, seed_demo

    seed_demo()
    db.session.commit()
    user = db.session.scalar(select(User).where(User.username == "xa.binhchanh"))
    assert not user.must_change_password
    assert _login(fresh(app), "xa.binhchanh", DEMO_PASSWORD).headers["Location"] == "/"


# --- The production secret key ------------------------------------------------------------------

@pytest.mark.parametrize("key", [None, "", DEV_SECRET_KEY, "ngan", "a" * 64])
def test_production_refuses_to_start_without_a_strong_secret_key(key):
    class Production(ProductionConfig):
        SECRET_KEY = key
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    with pytest.raises(WeakSecretKey, match="SECRET_KEY"):
        create_app(Production)


def test_production_starts_with_a_strong_secret_key():
    class Production(ProductionConfig):
        SECRET_KEY = "6f1c0e0d9b8a4c2f7e5d3b1a09f8e7d6c5b4a3928170f6e5a1b2c3d4e5f60718"
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    assert create_app(Production).config["SESSION_COOKIE_SECURE"]

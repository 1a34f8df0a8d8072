"""Accounts against a password spray (issue 26): the demo stays off production servers,
an address trying many accounts is slowed whether the passwords are right or not (except
browsers that signed that user in before), and the password policy refuses what sprayers
try first."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest
from flask import g
from sqlalchemy import func, select

from app import create_app
from app.auth import device
from app.demo import DEMO_PASSWORD
from app.extensions import db
from app.models import OrgUnit, User
from app.services.passwords import MSG_MADE_OF, common_passwords, password_problem
from tests.conftest import Config
from tests.factories import PASSWORD, make_tree, make_user


class ProductionLike(Config):
    ENV_NAME = "production"


class SprayLimited(Config):
    LOGIN_ACCOUNTS_PER_ADDRESS = 10
    LOGIN_ACCOUNTS_MINUTES = 10


def login(client, username: str, password: str = PASSWORD, address: str = "203.0.113.7"):
    g.pop("_login_user", None)
    response = client.post("/login", data={"username": username, "password": password},
                           environ_base={"REMOTE_ADDR": address})
    g.pop("_login_user", None)
    return response


@pytest.fixture
def make_app():
    """Another app on the same database; its own engine is closed after (PostgreSQL counts connections)."""
    made = []

    def make(config):
        made.append(create_app(config))
        return made[-1]

    yield make
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


class Clock:
    def __init__(self, monkeypatch):
        self.now = datetime(2026, 12, 7, 2, 0, 0)
        monkeypatch.setattr("app.auth.views.utcnow", lambda: self.now)

    def advance(self, **delta):
        self.now += timedelta(**delta)


# --- The demo -----------------------------------------------------------------------------

def test_seed_demo_refuses_to_run_in_production(app, make_app, monkeypatch):
    monkeypatch.setenv("TONGHOP_ENV", "production")
    result = make_app(ProductionLike).test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "không nạp dữ liệu demo" in result.output
    assert "Traceback" not in result.output
    assert db.session.scalar(select(func.count(OrgUnit.id))) == 0


def test_in_production_the_demo_password_opens_no_account_and_outside_it_does(app, make_app, caplog):
    _, _, communes = make_tree(1)
    user = make_user(communes[0], "reporter", username="xa.binhchanh")
    user.set_password(DEMO_PASSWORD)
    db.session.commit()
    production = make_app(ProductionLike)
    browser = production.test_client()
    with caplog.at_level(logging.WARNING):
        refused = login(browser, "xa.binhchanh", DEMO_PASSWORD)
    assert refused.status_code == 403
    assert "Mật khẩu demo không dùng được trên máy chủ chính thức" in refused.get_data(as_text=True)
    g.pop("_login_user", None)
    assert browser.get("/").status_code == 302
    assert any("demo password refused" in r.getMessage() for r in caplog.records)
    assert login(app.test_client(), "xa.binhchanh", DEMO_PASSWORD).status_code == 303


# --- Spraying one password over many accounts ------------------------------------------------

@pytest.fixture
def office():
    """Fourteen officers of one district, all with the same (leaked) password."""
    _, district, communes = make_tree(14)
    return [make_user(unit, "reporter") for unit in communes]


def test_more_than_ten_accounts_from_one_address_meet_a_growing_delay_successes_included(app, make_app, office, monkeypatch,
                                                                                             caplog):
    spray = make_app(SprayLimited)
    clock = Clock(monkeypatch)
    for user in office[:10]:
        assert login(spray.test_client(), user.username).status_code == 303
        clock.advance(seconds=1)
    with caplog.at_level(logging.WARNING):
        slowed = login(spray.test_client(), office[10].username)
    assert slowed.status_code == 429
    assert "Vui lòng thử lại sau" in slowed.get_data(as_text=True)
    assert int(slowed.headers["Retry-After"]) >= 1
    assert [r for r in caplog.records if "login throttled" in r.getMessage() and "203.0.113.7" in r.getMessage()]
    waits = []
    for user in office[10:14]:
        response = login(spray.test_client(), user.username)
        assert response.status_code == 429
        clock.advance(seconds=int(response.headers["Retry-After"]))
        assert login(spray.test_client(), user.username).status_code == 303
        waits.append(int(response.headers["Retry-After"]))
    assert waits == sorted(waits) and waits[-1] >= 4 * waits[0], waits
    # Another address is not slowed, and the window forgets.
    assert login(spray.test_client(), office[0].username, address="198.51.100.9").status_code == 303
    clock.advance(minutes=11)
    assert login(spray.test_client(), office[13].username).status_code == 303


def test_wrong_passwords_count_too_and_unknown_names_like_known_ones(app, make_app, office, monkeypatch):
    spray = make_app(SprayLimited)
    Clock(monkeypatch)
    for i in range(10):
        assert login(spray.test_client(), f"khong.co.{i}", "sai-mat-khau").status_code == 422
    assert login(spray.test_client(), office[0].username).status_code == 429


def test_an_office_behind_one_address_signing_in_from_its_own_pcs_is_not_slowed(app, make_app, office, monkeypatch):
    spray = make_app(SprayLimited)
    clock = Clock(monkeypatch)
    pcs = {}
    for user in office:  # the first day: each officer signs in once on his own PC
        pc = pcs[user.username] = spray.test_client()
        response = login(pc, user.username)
        if response.status_code == 429:
            clock.advance(seconds=int(response.headers["Retry-After"]))
            response = login(pc, user.username)
        assert response.status_code == 303
        assert device.COOKIE in response.headers.get("Set-Cookie", "")
        pc.post("/logout")
    clock.advance(minutes=1)
    # Next morning within a minute, while a sprayer works from the same address.
    for i in range(11):
        login(spray.test_client(), f"doan.{i}", "demo1234")
    for user in office:
        assert login(pcs[user.username], user.username).status_code == 303, user.username
        pcs[user.username].post("/logout")
        clock.advance(seconds=2)
    # The cookie speaks only for the users it names.
    stranger_pc = pcs[office[0].username]
    assert login(stranger_pc, "doan.99", "demo1234").status_code == 429


def test_a_forged_device_cookie_is_ignored(app, make_app, office, monkeypatch):
    spray = make_app(SprayLimited)
    Clock(monkeypatch)
    for i in range(10):
        login(spray.test_client(), f"khong.co.{i}", "sai-mat-khau")
    client = spray.test_client()
    client.set_cookie(device.COOKIE, "WyJyZXBvcnRlci5wLmQueDAxIl0.forged.signature")
    assert login(client, office[0].username).status_code == 429


# --- The password policy ------------------------------------------------------------------------

@pytest.mark.parametrize("password", [
    "abcdefghij", "Tonghop@2026", "binhson2026", "demo1234demo1234", "BinhSon@2026!", "xabinhchanh123",
    "Binhchanh2026", "tong-hop-2026!", "qwertyuiop12", "password2026", "iloveyou2026", "Matkhau@2026",
])
def test_the_policy_refuses_what_sprayers_try_first(password):
    assert password_problem(password, "xa.binhchanh", "Xã Bình Chánh") is not None


@pytest.mark.parametrize("password", ["ba-con-voi-xanh", "Tôi đi làm lúc 7 giờ", "mưa Quảng Ngãi tháng mười",
                                      "kT9#pQ2!zLx"])
def test_the_policy_accepts_passphrases(password):
    assert password_problem(password, "xa.binhchanh", "Xã Bình Chánh") is None


def test_a_password_made_of_the_unit_name_and_a_year_says_so():
    assert password_problem("Binhchanh@2026", "can.bo.mot", "Xã Bình Chánh") == MSG_MADE_OF


def test_the_common_password_list_is_large():
    assert len(common_passwords()) >= 10_000
    assert "sunshine" in common_passwords()


def test_changing_ones_password_to_the_units_name_and_a_year_is_refused_beside_the_field(app, make_app, client):
    _, _, communes = make_tree(1)
    user = make_user(communes[0], "reporter", username="can.bo.mot")
    assert login(client, user.username).status_code == 303
    response = client.post("/password", data={"current": PASSWORD, "new": "XaSo1@2026", "confirm": "XaSo1@2026"})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(PASSWORD)

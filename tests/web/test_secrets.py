"""Secrets (issue 26): production keys anyone could know or guess refuse the start, fallbacks
included; CSRF tokens die with the login they belong to; HSTS in production; backups are
for the service's user only."""
from __future__ import annotations

import os
import re
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from flask import g
from itsdangerous import TimestampSigner

from app import create_app
from app.config import DEV_SECRET_KEY, ProductionConfig, WeakSecretKey
from app.extensions import db
from tests.conftest import Config
from tests.factories import PASSWORD, make_tree, make_user

ROOT = Path(__file__).resolve().parents[2]
STRONG = "f3a9c1d27be84c05a6e1f0d9b2c7e4a8135d6f0b9c2e7a4d8f1b3c5e7a9d0c2e4"


def production(key, fallbacks=()):
    class Production(ProductionConfig):
        SECRET_KEY = key
        SECRET_KEY_FALLBACKS = list(fallbacks)
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    return create_app(Production)


@pytest.mark.parametrize("key", [
    None, "", DEV_SECRET_KEY, "dev-only-change-me-dev-only-change-me", "tonghop-production-secret-key-2026",
    "1" * 64, "0123456789" * 7, "31415926535897932384626433832795", "6f1c0e0d9b8a4c2f7e5d3b1a09f8e7d6c5b4a3928170f6e5",
    "a" * 64, "ab" * 40, "deadbeef" * 8, "tonghop-production-secret-key-2026-tonghop-production-secret-key",
    "mật khẩu bí mật của tỉnh quảng ngãi năm 2026",
])
def test_production_refuses_a_key_anyone_could_know_or_guess(key):
    with pytest.raises(WeakSecretKey, match="SECRET_KEY không dùng được") as refused:
        production(key)
    assert "Cổng thông tin không khởi động" in str(refused.value)


@pytest.mark.parametrize("fallback", [DEV_SECRET_KEY, "tonghop-production-secret-key-2026", "1" * 64])
def test_every_fallback_key_is_held_to_the_same_rule(fallback):
    with pytest.raises(WeakSecretKey, match=r"SECRET_KEY_FALLBACKS\[1\] không dùng được"):
        production(STRONG, [secrets.token_hex(32), fallback])


@pytest.mark.parametrize("key", [secrets.token_hex(32), secrets.token_urlsafe(32), secrets.token_urlsafe(64), STRONG])
def test_production_starts_with_random_keys(key):
    assert production(key, [secrets.token_hex(32)]).config["SESSION_COOKIE_SECURE"]


def test_gunicorn_gets_the_reason_in_vietnamese_and_no_traceback():
    env = dict(os.environ, TONGHOP_ENV="production", SECRET_KEY="tonghop-production-secret-key-2026",
               DATABASE_URL="", PYTHONPATH=str(ROOT))
    env.pop("DATABASE_URL")
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode != 0
    assert "SECRET_KEY không dùng được" in result.stderr
    assert "Traceback" not in result.stderr


def test_hsts_in_production_only(app):
    class ProductionLike(Config):
        ENV_NAME = "production"

    other = create_app(ProductionLike)
    try:
        page = other.test_client().get("/login")
        assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert "Strict-Transport-Security" not in app.test_client().get("/login").headers
    finally:
        with other.app_context():
            db.engine.dispose()


def test_the_nginx_configuration_sends_hsts():
    conf = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    assert re.search(r'add_header\s+Strict-Transport-Security\s+"max-age=\d{8,}', conf)


# --- CSRF tokens belong to one login ---------------------------------------------------------

@pytest.fixture
def csrf_client(csrf_app):
    with csrf_app.app_context():
        yield csrf_app.test_client()
        db.session.remove()
        db.engine.dispose()


def token_of(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', html)
    return match.group(1) or match.group(2)


def test_a_token_planted_before_login_is_worth_nothing_after_it(csrf_client):
    _, _, communes = make_tree(1)
    user = make_user(communes[0])
    planted = token_of(csrf_client.get("/login").get_data(as_text=True))
    assert csrf_client.post("/login", data={"username": user.username, "password": PASSWORD,
                                            "csrf_token": planted}).status_code == 303
    g.pop("_login_user", None)
    refused = csrf_client.post("/password", data={"current": PASSWORD, "new": "ba-con-voi-xanh-7",
                                                  "confirm": "ba-con-voi-xanh-7", "csrf_token": planted})
    assert refused.status_code == 400
    g.pop("_login_user", None)
    fresh = token_of(csrf_client.get("/password").get_data(as_text=True))
    assert fresh != planted
    g.pop("_login_user", None)
    assert csrf_client.post("/password", data={"current": PASSWORD, "new": "ba-con-voi-xanh-7",
                                               "confirm": "ba-con-voi-xanh-7", "csrf_token": fresh}).status_code == 303


def test_a_token_expires_with_the_session(csrf_client, csrf_app, monkeypatch):
    _, _, communes = make_tree(1)
    user = make_user(communes[0])
    token = token_of(csrf_client.get("/login").get_data(as_text=True))
    assert csrf_app.config["WTF_CSRF_TIME_LIMIT"] == csrf_app.config["SESSION_MAX_DAYS"] * 24 * 3600
    later = TimestampSigner.get_timestamp(TimestampSigner("x")) + csrf_app.config["WTF_CSRF_TIME_LIMIT"] + 60
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    assert csrf_client.post("/login", data={"username": user.username, "password": PASSWORD,
                                            "csrf_token": token}).status_code == 400


# --- Backups ------------------------------------------------------------------------------------

def test_backups_are_readable_by_the_service_user_only(app, tmp_path, monkeypatch):
    make_tree(1)
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    monkeypatch.setattr(os, "umask", os.umask)  # restored below
    old = os.umask(0o022)
    try:
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "sao-luu" / "dem")])
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    for folder in (tmp_path / "sao-luu", tmp_path / "sao-luu" / "dem"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    (archive,) = (tmp_path / "sao-luu" / "dem").iterdir()
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600

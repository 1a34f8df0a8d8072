"""Shared fixtures in the Flask-tutorial manner: app, client, login helpers, clean tables per test."""
from __future__ import annotations

import os
import tempfile

import pytest
from flask import g

from app import create_app
from app.config import TestingConfig
from app.extensions import db

_TMP = tempfile.mkdtemp(prefix="tonghop-test-")


def _database_uri() -> str:
    if os.environ.get("DATABASE_URL"):
        return TestingConfig.SQLALCHEMY_DATABASE_URI
    # A file, not :memory:, so a live server thread for browser tests sees the same data.
    return f"sqlite:///{os.path.join(_TMP, 'test.sqlite3')}"


class Config(TestingConfig):
    SQLALCHEMY_DATABASE_URI = _database_uri()
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    SERVER_NAME = None


@pytest.fixture(scope="session")
def app():
    app = create_app(Config)
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _app_context(request, app):
    """Each test runs inside an app context and leaves every table empty behind it."""
    with app.app_context():
        yield
        db.session.rollback()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def csrf_app(app):
    """The same database, with CSRF protection on as in production."""
    class CsrfConfig(Config):
        WTF_CSRF_ENABLED = True

    return create_app(CsrfConfig)


def login_as(client, user, password: str = "secret123"):
    # Tests share one app context across requests, and Flask-Login caches the signed-in
    # user on it: forget it so this login is the one the next request sees.
    g.pop("_login_user", None)
    response = client.post("/login", data={"username": user.username, "password": password})
    g.pop("_login_user", None)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response

"""The migrations build exactly the schema the models describe, on the database in use."""
from __future__ import annotations

import os
import tempfile
import uuid

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from app import create_app
from app.config import TestingConfig
from app.extensions import db


def _scratch_database() -> tuple[str, callable]:
    """A new empty database of the kind the suite runs on, and a function that removes it."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        folder = tempfile.mkdtemp(prefix="tonghop-migrate-")
        return f"sqlite:///{os.path.join(folder, 'm.sqlite3')}", lambda: None
    admin = sa.create_engine(TestingConfig.SQLALCHEMY_DATABASE_URI, isolation_level="AUTOCOMMIT")
    name = f"tonghop_migrate_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    scratch = sa.engine.make_url(TestingConfig.SQLALCHEMY_DATABASE_URI).set(database=name)

    def drop():
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()

    return scratch.render_as_string(hide_password=False), drop


def test_flask_db_upgrade_creates_the_schema_of_the_models():
    url, drop = _scratch_database()

    class MigrateConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(MigrateConfig)
    try:
        with app.app_context():
            upgrade()
            with db.engine.connect() as conn:
                differences = compare_metadata(MigrationContext.configure(conn), db.metadata)
                tables = set(sa.inspect(conn).get_table_names())
            db.engine.dispose()
        assert differences == []
        assert {"org_unit", "user_account", "reporting_round", "submission", "submission_value", "change_log"} <= tables
    finally:
        drop()

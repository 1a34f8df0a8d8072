"""A node's pool and PgBouncer's transaction mode, set from the environment (README, "Deployment")."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text

from app.config import engine_options

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/x"


def test_by_default_the_pool_checks_connections_and_keeps_sqlalchemys_sizes():
    assert engine_options(PG, {}) == {"pool_pre_ping": True}
    assert engine_options("sqlite:///x.sqlite3", {"TONGHOP_DB_POOL_SIZE": "3"}) == {"pool_pre_ping": True}


def test_pool_sizes_and_prepared_statements_come_from_the_environment():
    env = {"TONGHOP_DB_POOL_SIZE": "2", "TONGHOP_DB_MAX_OVERFLOW": "0", "TONGHOP_PG_PREPARE_THRESHOLD": "none"}
    assert engine_options(PG, env) == {"pool_pre_ping": True, "pool_size": 2, "max_overflow": 0,
                                       "connect_args": {"prepare_threshold": None}}
    assert engine_options(PG, {"TONGHOP_PG_PREPARE_THRESHOLD": "5"})["connect_args"] == {"prepare_threshold": 5}


@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="PostgreSQL only")
def test_without_prepared_statements_a_statement_run_many_times_prepares_nothing():
    from app.config import _database_url

    engine = create_engine(_database_url(), **engine_options(_database_url(), {"TONGHOP_PG_PREPARE_THRESHOLD": "none"}))
    try:
        with engine.connect() as conn:
            for _ in range(10):
                conn.execute(text("SELECT 1 + :n"), {"n": 1}).scalar()
            assert conn.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar() == 0
    finally:
        engine.dispose()

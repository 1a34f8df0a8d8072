"""Shared set-up for the benchmarks: a throwaway SQLite database (WAL) and the app on it."""
from __future__ import annotations

import os
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.config import TestingConfig  # noqa: E402
from app.extensions import db  # noqa: E402


def bench_app(name: str):
    """A fresh app on a temp SQLite file (PRAGMA journal_mode=WAL is set on connect by the app)."""
    folder = tempfile.mkdtemp(prefix=f"tonghop-bench-{name}-")

    class BenchConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{os.path.join(folder, 'bench.sqlite3')}"
        WTF_CSRF_ENABLED = False
        PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"

    app = create_app(BenchConfig)
    with app.app_context():
        db.create_all()
    return app


def quarterly_values(round_, seed: int) -> dict:
    from app.demo import _quarterly_values
    from app.services.rounds import round_template

    return _quarterly_values(round_template(round_), random.Random(seed))


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def filled_submission(seed: int, username: str):
    """One commune's fully filled quarterly report and its officer (call in an app context)."""
    from app.demo import seed_fields
    from tests.factories import make_round, make_tree, make_user, set_values, submission_for

    seed_fields()
    db.session.commit()
    _, district, units = make_tree(communes=1)
    round_ = make_round(district, expected=units)
    sub = submission_for(round_, units[0])
    set_values(sub, quarterly_values(round_, seed))
    return sub, make_user(units[0], username=username)

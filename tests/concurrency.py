"""Holding a transaction open until a request in another thread waits for its lock
(PostgreSQL: the wait is seen in pg_stat_activity), then letting it go."""
from __future__ import annotations

import threading

from sqlalchemy import text

from app.extensions import db


def waiting_for_a_lock() -> bool:
    with db.engine.connect() as watcher:
        return watcher.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                    "AND wait_event_type = 'Lock'")).scalar() > 0


def commit_once_waited_on(later: threading.Thread, in_flight, earlier) -> None:
    """Commit ``in_flight`` (a transaction of the connection ``earlier``) once ``later``
    either waits for it or has answered, then wait for ``later`` to end."""
    while later.is_alive() and not waiting_for_a_lock():
        later.join(0.01)
    in_flight.commit()
    earlier.close()
    later.join()

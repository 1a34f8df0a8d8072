"""Conditions on stored value keys that the database answers from its index.

``submission_value`` is indexed on (submission_id, key). ``key LIKE 'I.6/%'`` cannot use
that index on SQLite (its LIKE ignores case, so it never seeks), and every value of every
unit is read and tested: 170,000 rows for a 1,000-unit round. The same prefix as a range
of keys seeks straight to the few rows wanted.
"""
from __future__ import annotations

from sqlalchemy import and_

from ..extensions import db


def key_prefix(column, prefix: str):
    """``column`` starts with ``prefix`` (non-empty), as the index can answer it.

    SQLite compares text bytewise (BINARY), so a prefix is the range [prefix, prefix with
    its last character raised by one). PostgreSQL's collation may order punctuation
    otherwise, so it keeps LIKE, which its planner handles without a full scan here."""
    if db.engine.dialect.name != "sqlite":
        return column.startswith(prefix, autoescape=True)
    end = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return and_(column >= prefix, column < end)

"""Server-side session records: each login creates one, the cookie names it.

A user may hold several at once (two tabs of one browser share one; two officers sharing
a commune account each have their own). Logging out deletes the browser's own record;
changing the password, an administrator's reset and deactivation delete them all, so a
cookie copied before any of those is worthless afterwards.

The key stored in the (signed) cookie is "<record id>.<secret token>"; the database keeps
only the token's SHA-256, so a read of the table gives nobody a live session.
"""
from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..models import ROLES, UNIT_KINDS, OrgUnit, User, UserSession
from ..reporting.clock import utcnow
from . import fast_sql
from .ids import parse_id


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User, max_days: int) -> str:
    """Create a record for a new login and return the key the cookie will carry."""
    now = utcnow()
    # Records past their lifetime are of no use to anyone: drop the user's old ones here.
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id,
                                                 UserSession.created_at < now - timedelta(days=max_days)))
    token = secrets.token_urlsafe(24)
    record = UserSession(user_id=user.id, token_hash=_hash(token), created_at=now)
    db.session.add(record)
    db.session.flush()
    user.session_key = f"{record.id}.{token}"
    return user.session_key


def end_session(key: str | None) -> None:
    """Logout: only this browser's record goes."""
    record_id, token = _split(key)
    if record_id is not None:
        db.session.execute(delete(UserSession).where(UserSession.id == record_id, UserSession.token_hash == _hash(token)))


def end_all_sessions(user_id: int) -> None:
    """Password change, reset, deactivation: every browser of the user is signed out."""
    db.session.execute(delete(UserSession).where(UserSession.user_id == user_id))


def _alive(statement):
    # What makes a session record a live one: named by the key, not past its lifetime, of an
    # active user. Both loaders below ask exactly this.
    return statement.join(UserSession, UserSession.user_id == User.id).where(
        UserSession.id == bindparam("record_id"), UserSession.token_hash == bindparam("token_hash"),
        UserSession.created_at > bindparam("born_after"), User.active.is_(True))


@functools.cache
def _user_by_session():
    # Built once: the loader runs on every request. One query brings the user, its unit (for
    # the scope checks) and proves the record is alive.
    return _alive(select(User, OrgUnit).join(User.unit))


_USER_COLUMNS = ("id", "username", "full_name", "role", "unit_id", "active", "must_change_password", "system_admin")
_UNIT_COLUMNS = ("id", "code", "name", "kind", "parent_id", "path")


@functools.cache
def session_row_statement():
    """The user's and its unit's columns for a live session record, as a Core statement;
    a caller may add columns and joins to read more in the same round trip (``read_session``)."""
    users, units = User.__table__, OrgUnit.__table__
    return _alive(select(*(users.c[c] for c in _USER_COLUMNS), *(units.c[c] for c in _UNIT_COLUMNS))
                  .select_from(users).join(units, users.c.unit_id == units.c.id))


def _lookup(statement, key: str | None, max_days: int, now: datetime | None, orm: bool = True,
            extra: dict | None = None):
    record_id, token = _split(key)
    if record_id is None:
        return None
    params = {"record_id": record_id, "token_hash": _hash(token),
              "born_after": (now or utcnow()) - timedelta(days=max_days), **(extra or {})}
    # A Core statement runs on the session's connection: the ORM's per-statement work is for entities.
    return db.session.execute(statement, params).first() if orm else fast_sql.first(statement, params)


@dataclass(frozen=True, slots=True)
class UnitRow:
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    path: str

    @property
    def kind_label(self) -> str:
        return UNIT_KINDS.get(self.kind, self.kind)


@dataclass(frozen=True, slots=True)
class SignedInUser:
    """The signed-in user as read for a request that only reads it (the autosave): the
    columns of the user and its unit, read-only, without the ORM object. It is what
    Flask-Login, the permission checks and the templates ask of a user; a request that
    changes the user (or links a row to it) gets the ORM ``User`` from ``session_user``."""

    id: int
    username: str
    full_name: str
    role: str
    unit_id: int
    active: bool
    must_change_password: bool
    system_admin: bool
    unit: UnitRow
    session_key: str
    # What the request read in the same statement as the session check (``read_session``),
    # taken once (``list.pop``): a user object may outlive its request (tests keep ``g``).
    read_along: list | None = None

    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return self.session_key

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)


def session_user(key: str | None, max_days: int, now: datetime | None = None) -> User | None:
    """The user whose live session record the key names, or None."""
    row = _lookup(_user_by_session(), key, max_days, now)
    if row is None:
        return None
    user, unit = row
    # Held by the user: the session keeps objects weakly, and a collected unit would be
    # read again by the first scope check.
    set_committed_value(user, "unit", unit)
    user.session_key = key
    return user


def _split(key: str | None) -> tuple[int | None, str]:
    record, _, token = (key or "").partition(".")
    record_id = parse_id(record)
    if record_id is None or not token or len(token) > 100:
        return None, ""
    return record_id, token


def session_reader(key: str | None, max_days: int, now: datetime | None = None) -> SignedInUser | None:
    """``session_user`` for a request that only reads the user: the same check of the
    session record, every time, answered as plain values (one Core row)."""
    return read_session(session_row_statement(), key, max_days, now)


def read_session(statement, key: str | None, max_days: int, now: datetime | None = None, extra: dict | None = None,
                 keep=None) -> SignedInUser | None:
    """``session_reader`` through ``statement``: ``session_row_statement()`` with more columns
    added; ``keep`` makes what is held on the user (``read_along``) of those columns."""
    row = _lookup(statement, key, max_days, now, orm=False, extra=extra)
    if row is None:
        return None
    users, units = len(_USER_COLUMNS), len(_USER_COLUMNS) + len(_UNIT_COLUMNS)
    return SignedInUser(*row[:users], unit=UnitRow(*row[users:units]), session_key=key,
                        read_along=[keep(tuple(row[units:]))] if keep else None)


def user_named(username: str) -> User | None:
    """The account with this login name, active or not (the login page decides what to say)."""
    return db.session.scalar(select(User).where(User.username == username))

"""Login throttling: failed logins only, counted in the database (so every worker and
server sees the same counts), per account from one address and per address overall.

The source is throttled, never the account: guesses from one address stop that address
(for that account after a few failures, for every account after many — password
spraying), while the account's owner elsewhere still signs in. An office behind one NAT
address is not shut out by one officer's typos: the per-account count is per address
and the per-address limit is far above what typing mistakes reach. Unknown usernames
are counted like known ones, so the answer never tells whether an account exists.

Spraying one common password over many accounts needs no failures at all: every login
tried from an address, right or wrong, is noted (``LoginAttempt``), and an address that
has tried more than ``SprayLimits.accounts`` distinct usernames within the window waits
before each next try, twice as long each time. A browser that holds a device cookie from
an earlier successful login of that very user is not counted, so an office behind one
address whose officers sign in from their own PCs is never slowed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from ..extensions import db
from ..models import LoginAttempt, LoginFailure


@dataclass(frozen=True)
class Limits:
    per_account: int
    per_address: int
    minutes: int


def _name(username: str) -> str:
    return username.strip().lower()[:80]


def _address(address: str | None) -> str:
    return (address or "?")[:64]


def _blocked_until(limit: int, window: timedelta, now: datetime, *conditions) -> datetime | None:
    """When the count in the window falls below the limit again, if it is reached now."""
    nth_latest = db.session.scalar(
        select(LoginFailure.at).where(LoginFailure.at > now - window, *conditions)
        .order_by(LoginFailure.at.desc()).offset(limit - 1).limit(1))
    return None if nth_latest is None else nth_latest + window


def throttled_until(username: str, address: str | None, limits: Limits, now: datetime) -> datetime | None:
    window = timedelta(minutes=limits.minutes)
    address = _address(address)
    ends = [
        _blocked_until(limits.per_account, window, now, LoginFailure.address == address,
                       LoginFailure.username == _name(username)),
        _blocked_until(limits.per_address, window, now, LoginFailure.address == address),
    ]
    ends = [end for end in ends if end is not None]
    return max(ends) if ends else None


def record_failure(username: str, address: str | None, limits: Limits, now: datetime) -> None:
    # Failures past the window count for nothing: forget them while we are here.
    db.session.execute(delete(LoginFailure).where(LoginFailure.at <= now - timedelta(minutes=limits.minutes)))
    db.session.add(LoginFailure(username=_name(username), address=_address(address), at=now))


def forget_failures(username: str, address: str | None) -> None:
    """A successful login clears this account's count from this address (not the address's)."""
    db.session.execute(delete(LoginFailure).where(LoginFailure.username == _name(username),
                                                  LoginFailure.address == _address(address)))


@dataclass(frozen=True)
class SprayLimits:
    accounts: int = 10
    minutes: int = 10
    first_delay_seconds: int = 2
    longest_delay_seconds: int = 600


@dataclass(frozen=True)
class SprayWait:
    accounts: int  # distinct usernames tried from the address in the window, this one included
    seconds: int  # how long before this try is taken (0: now)


def spray_wait(username: str, address: str | None, limits: SprayLimits, now: datetime) -> SprayWait:
    """How long this address must wait before trying ``username``: nothing up to the limit
    of distinct accounts, then a delay doubling with every further account, counted from
    its last try."""
    window = now - timedelta(minutes=limits.minutes)
    rows = db.session.execute(
        select(LoginAttempt.username, func.max(LoginAttempt.at))
        .where(LoginAttempt.address == _address(address), LoginAttempt.at > window)
        .group_by(LoginAttempt.username)).all()
    names = {name for name, _ in rows} | {_name(username)}
    over = len(names) - limits.accounts
    if over <= 0:
        return SprayWait(len(names), 0)
    delay = min(limits.first_delay_seconds * 2 ** min(over - 1, 30), limits.longest_delay_seconds)
    last = max(at for _, at in rows)
    left = (last + timedelta(seconds=delay) - now).total_seconds()
    return SprayWait(len(names), max(0, int(left + 0.999)))


def record_attempt(username: str, address: str | None, limits: SprayLimits, now: datetime) -> None:
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.at <= now - timedelta(minutes=limits.minutes)))
    db.session.add(LoginAttempt(username=_name(username), address=_address(address), at=now))

"""Login throttling: failed logins only, counted in the database (so every worker and
server sees the same counts), per account from one address and per address overall.

The source is throttled, never the account: guesses from one address stop that address
(for that account after a few failures, for every account after many — password
spraying), while the account's owner elsewhere still signs in. An office behind one NAT
address is not shut out by one officer's typos: the per-account count is per address
and the per-address limit is far above what typing mistakes reach. Unknown usernames
are counted like known ones, so the answer never tells whether an account exists.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from ..extensions import db
from ..models import LoginFailure


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

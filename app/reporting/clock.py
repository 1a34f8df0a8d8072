"""One clock: times are stored in naive UTC and every time a person reads is Vietnam time.

Vietnam keeps UTC+7 all year (no daylight saving), so a fixed offset is exact.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

VN_TZ = timezone(timedelta(hours=7))


def utcnow() -> datetime:
    """Naive UTC, as stored in the database."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def to_local(value: datetime) -> datetime:
    """A stored (naive UTC) or aware time as Vietnam time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(VN_TZ)


def local_naive(value: datetime) -> datetime:
    """Vietnam time without a zone, for files that hold none (an Excel cell)."""
    return to_local(value).replace(tzinfo=None)


def vn_now() -> datetime:
    return datetime.now(VN_TZ)


def vn_today() -> date:
    """Today's date in Vietnam: what deadlines and lateness are judged against."""
    return vn_now().date()


# Administrative documents write dates as dd/mm/yyyy (Nghị định 30/2020/NĐ-CP); Babel's
# Vietnamese short format is d/M/yy, so the pattern is ours, in one place.
DAY_FORMAT = "%d/%m/%Y"


def format_day(value: date | datetime | None) -> str:
    """03/11/2026; a stored time is read in Vietnam time first."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    return value.strftime(DAY_FORMAT)


def format_clock(value: datetime | None) -> str:
    """22:40 in Vietnam time."""
    return to_local(value).strftime("%H:%M") if value is not None else ""


def format_moment(value: datetime | None) -> str:
    """22:40 03/11/2026 in Vietnam time."""
    return to_local(value).strftime("%H:%M " + DAY_FORMAT) if value is not None else ""


def parse_day(text: str) -> date:
    """'03/11/2026' → date; ValueError otherwise."""
    return datetime.strptime(text.strip(), DAY_FORMAT).date()

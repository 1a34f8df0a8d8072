"""The installation's working calendar: Vietnam's public holidays from the ``holidays``
package plus the administrator's extra days off and compensatory working days (làm bù).

The government sets Tết's exact days and each year's swaps by decision; the package
follows those decisions as it is updated, and the administrator's list covers what it
does not know yet. An administrator's entry wins over the package for the same day.
"""
from __future__ import annotations

import functools
from datetime import date

import holidays
from sqlalchemy import select

from ..extensions import db
from ..models import CalendarDay
from ..reporting.clock import format_day, vn_today
from ..reporting.periods import WorkCalendar
from .errors import Invalid

# Deadlines fall within weeks of a period's end; rounds are opened for recent periods.
_YEARS_BACK, _YEARS_AHEAD = 6, 2


@functools.lru_cache(maxsize=64)
def public_holidays(year: int) -> tuple[tuple[date, str], ...]:
    """(day, Vietnamese name) of the public holidays the package knows for a year."""
    found = holidays.country_holidays("VN", years=year, language="vi")
    return tuple(sorted((day, name) for day, name in found.items() if day.year == year))


@functools.lru_cache(maxsize=64)
def public_working_weekends(year: int) -> tuple[date, ...]:
    """Weekend days worked in exchange for a bridge day off, as the package knows them."""
    found = holidays.country_holidays("VN", years=year)
    return tuple(sorted(day for day in found.weekend_workdays if day.year == year))


def extra_days(year: int | None = None) -> list[CalendarDay]:
    stmt = select(CalendarDay).order_by(CalendarDay.day)
    if year is not None:
        stmt = stmt.where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
    return list(db.session.scalars(stmt))


def build_calendar(years, extra: list[tuple[date, str]]) -> WorkCalendar:
    """The package's days for ``years`` with the administrator's (day, kind) on top."""
    off: set[date] = set()
    work: set[date] = set()
    for year in years:
        off.update(day for day, _ in public_holidays(year))
        work.update(public_working_weekends(year))
    for day, kind in extra:
        (off if kind == "off" else work).add(day)
        (work if kind == "off" else off).discard(day)
    return WorkCalendar(frozenset(off), frozenset(work))


def work_calendar(today: date | None = None) -> WorkCalendar:
    """The calendar every deadline is computed with (one small query)."""
    year = (today or vn_today()).year
    rows = db.session.execute(select(CalendarDay.day, CalendarDay.kind)).all()
    return build_calendar(range(year - _YEARS_BACK, year + _YEARS_AHEAD + 1), [(d, k) for d, k in rows])


def add_extra_day(day: date, kind: str, note: str) -> CalendarDay:
    if kind not in ("off", "work"):
        raise ValueError(kind)
    if db.session.scalar(select(CalendarDay.id).where(CalendarDay.day == day)):
        raise Invalid(f"Ngày {format_day(day)} đã có trong danh sách.", "day")
    row = CalendarDay(day=day, kind=kind, note=note)
    db.session.add(row)
    return row


def remove_extra_day(row_id: int) -> CalendarDay | None:
    row = db.session.get(CalendarDay, row_id)
    if row is not None:
        db.session.delete(row)
    return row

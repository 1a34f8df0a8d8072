"""The working calendar: Vietnam's public holidays from the ``holidays`` package plus the
administrators' extra days off and compensatory working days (làm bù). A day without a unit
is national (the system administrator's); a day of a unit — a province's own day off —
applies to that unit's subtree only, so a Lai Châu holiday never moves a Hưng Yên deadline.

The government sets Tết's exact days and each year's swaps by decision; the package
follows those decisions as it is updated, and the administrator's list covers what it
does not know yet. An administrator's entry wins over the package for the same day.
"""
from __future__ import annotations

import functools
from datetime import date

import holidays
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import CalendarDay, OrgUnit
from ..reporting.clock import format_day, vn_today
from ..reporting.periods import WorkCalendar
from .errors import Invalid
from .orgtree import ancestors_ids

WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")

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


def extra_days(year: int | None = None, scope_path: str | None = None) -> list[CalendarDay]:
    """The administrators' days of a year: national ones and those of units under
    ``scope_path`` (every unit's for None)."""
    stmt = select(CalendarDay).outerjoin(OrgUnit, CalendarDay.unit_id == OrgUnit.id).options(joinedload(CalendarDay.unit))
    stmt = stmt.order_by(CalendarDay.day, OrgUnit.path)
    if scope_path is not None:
        stmt = stmt.where(or_(CalendarDay.unit_id.is_(None), OrgUnit.path.startswith(scope_path)))
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


def work_calendar(today: date | None = None, unit: OrgUnit | None = None) -> WorkCalendar:
    """The calendar a deadline of ``unit`` (a round's unit) is computed with: the national
    days and those of the unit and the units above it (one small query). National days
    come first, so a province's own entry for the same day wins."""
    year = (today or vn_today()).year
    scope = ancestors_ids(unit) if unit is not None else []
    rows = db.session.execute(
        select(CalendarDay.day, CalendarDay.kind)
        .where(or_(CalendarDay.unit_id.is_(None), CalendarDay.unit_id.in_(scope)))
        .order_by(CalendarDay.unit_id.is_not(None))).all()
    return build_calendar(range(year - _YEARS_BACK, year + _YEARS_AHEAD + 1), [(d, k) for d, k in rows])


def add_extra_day(day: date, kind: str, note: str, unit: OrgUnit | None = None) -> tuple[CalendarDay, list[str]]:
    """Add a day for the nation (``unit`` None) or a unit's subtree. Refused: a duplicate in
    the same scope, a làm bù day that is already a working weekday. Returns the row and
    warnings worth telling (a day off that is already a holiday or a weekend)."""
    if kind not in ("off", "work"):
        raise ValueError(kind)
    same = db.session.scalar(select(CalendarDay).where(CalendarDay.day == day, CalendarDay.unit_id.is_(None) if unit is None
                                                        else CalendarDay.unit_id == unit.id))
    if same is not None:
        raise Invalid(f"Ngày {format_day(day)} đã có trong danh sách ({same.kind_label.lower()}).", "day")
    weekday = WEEKDAYS[day.weekday()]
    if kind == "work" and day.weekday() < 5:
        raise Invalid(f"Ngày {format_day(day)} là {weekday}, vốn là ngày làm việc: ngày làm bù phải là thứ Bảy hoặc "
                      "Chủ nhật.", "day")
    warnings = []
    public = dict(public_holidays(day.year))
    if kind == "off" and day in public:
        warnings.append(f"Ngày {format_day(day)} đã là ngày lễ ({public[day]}).")
    elif kind == "off" and day.weekday() >= 5:
        warnings.append(f"Ngày {format_day(day)} là {weekday}, vốn đã là ngày nghỉ.")
    if unit is not None:
        national = db.session.scalar(select(CalendarDay).where(CalendarDay.day == day, CalendarDay.unit_id.is_(None)))
        if national is not None:
            warnings.append(f"Ngày {format_day(day)} đã có trong lịch chung ({national.kind_label.lower()}); "
                            f"ngày của {unit.name} được áp dụng cho đơn vị và cấp dưới.")
    row = CalendarDay(day=day, kind=kind, note=note, unit=unit)
    db.session.add(row)
    return row, warnings


def non_working_warning(day: date | None, calendar: WorkCalendar, what: str = "Hạn nộp") -> str:
    """A deadline or extension falling on a day off: allowed, but worth a word."""
    if day is None or calendar.is_working_day(day):
        return ""
    return f"{what} {format_day(day)} ({WEEKDAYS[day.weekday()]}) là ngày nghỉ; hãy kiểm tra lại nếu không chủ ý."


def remove_extra_day(row_id: int) -> CalendarDay | None:
    row = db.session.get(CalendarDay, row_id)
    if row is not None:
        db.session.delete(row)
    return row

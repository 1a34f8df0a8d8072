"""Reporting periods (kỳ báo cáo), their data windows and deadlines.

Two conventions:

- ``decree09``: Decree 09/2019/NĐ-CP counts from the 15th of the month before the
  period to the 14th of its last month (Q2 = 15/03–14/06, the year = 15/12 of the
  previous year–14/12), so that figures are ready before the month ends.
- ``calendar``: natural months, quarters, halves and years (seed 002: 01/01–30/06).

A period's index is the month (1–12), quarter (1–4) or half (1–2); 1 for nine months and
the year; 0 for an ad hoc period, whose dates are given explicitly.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from .clock import format_day

KINDS = ("month", "quarter", "half", "nine_months", "year", "adhoc")
CONVENTIONS = ("decree09", "calendar")
ROMAN = ("I", "II", "III", "IV")
_INDEX_COUNT = {"month": 12, "quarter": 4, "half": 2, "nine_months": 1, "year": 1}
_MONTHS_PER_INDEX = {"month": 1, "quarter": 3, "half": 6}
# What a period kind is called on every page (a template's frequency, a round's kind).
KIND_LABELS = {"month": "Tháng", "quarter": "Quý", "half": "6 tháng", "nine_months": "9 tháng", "year": "Năm",
               "adhoc": "Đột xuất"}
CONVENTION_LABELS = {"decree09": "Theo Nghị định 09/2019 (chốt số liệu ngày 14 của tháng cuối kỳ)",
                     "calendar": "Theo tháng dương lịch (từ ngày 1 đến hết tháng)"}


def kind_label(kind: str) -> str:
    """"quarter" → "Quý": the one Vietnamese name of a period kind (filter ``period_kind``)."""
    return KIND_LABELS.get(kind, kind)


@dataclass(frozen=True)
class Period:
    kind: str
    year: int
    index: int
    date_from: date
    date_to: date


def _month_span(kind: str, index: int) -> tuple[int, int]:
    """First and last month (1–12) a period covers."""
    if kind == "nine_months":
        return 1, 9
    if kind == "year":
        return 1, 12
    size = _MONTHS_PER_INDEX[kind]
    return size * (index - 1) + 1, size * index


def _check(kind: str, index: int, convention: str) -> None:
    if kind not in _INDEX_COUNT:
        raise ValueError(f"Loại kỳ không hợp lệ: {kind!r}")
    if not 1 <= index <= _INDEX_COUNT[kind]:
        raise ValueError(f"Kỳ {kind} không có số thứ tự {index}")
    if convention not in CONVENTIONS:
        raise ValueError(f"Cách tính kỳ không hợp lệ: {convention!r}")


def period_window(kind: str, year: int, index: int, convention: str) -> tuple[date, date]:
    """The default data window (date_from, date_to), both days included."""
    _check(kind, index, convention)
    first, last = _month_span(kind, index)
    if convention == "calendar":
        return date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])
    # Decree 09: the 15th of the month before the first month … the 14th of the last.
    start = date(year - 1, 12, 15) if first == 1 else date(year, first - 1, 15)
    return start, date(year, last, 14)


def make_period(kind: str, year: int, index: int, convention: str) -> Period:
    date_from, date_to = period_window(kind, year, index, convention)
    return Period(kind, year, index, date_from, date_to)


def adhoc_period(date_from: date, date_to: date) -> Period:
    """An ad hoc (đột xuất) period with explicit dates."""
    if date_to < date_from:
        raise ValueError("Ngày kết thúc phải sau ngày bắt đầu")
    return Period("adhoc", date_to.year, 0, date_from, date_to)


def _dmy(day: date) -> str:
    return format_day(day)


def period_label(period: Period) -> str:
    """"Quý II năm 2024", "6 tháng đầu năm 2021", "Tháng 11 năm 2024"…"""
    kind, year, index = period.kind, period.year, period.index
    if kind == "month":
        return f"Tháng {index} năm {year}"
    if kind == "quarter":
        return f"Quý {ROMAN[index - 1]} năm {year}"
    if kind == "half":
        return f"6 tháng {'đầu' if index == 1 else 'cuối'} năm {year}"
    if kind == "nine_months":
        return f"9 tháng đầu năm {year}"
    if kind == "year":
        return f"Năm {year}"
    return f"Từ ngày {_dmy(period.date_from)} đến ngày {_dmy(period.date_to)}"


def window_label(period: Period) -> str:
    """"(Từ ngày 15/03/2024 đến ngày 14/06/2024)", as printed after the period on form 06a."""
    return f"(Từ ngày {_dmy(period.date_from)} đến ngày {_dmy(period.date_to)})"


def previous_period(period: Period, convention: str | None = None) -> Period | None:
    """The period of the same kind just before (Q1 → Q4 of the previous year).

    Nine months and the year go back one year. Ad hoc periods have no predecessor (None).
    The convention is read from the period's own dates unless given.
    """
    if period.kind == "adhoc":
        return None
    convention = convention or _convention_of(period)
    if period.kind in ("nine_months", "year") or period.index == 1:
        year = period.year - 1
        index = _INDEX_COUNT[period.kind]
    else:
        year, index = period.year, period.index - 1
    return make_period(period.kind, year, index, convention)


def _convention_of(period: Period) -> str:
    return "calendar" if period.date_from.day == 1 else "decree09"


def current_period(kind: str, today: date, convention: str) -> Period:
    """The period being reported around ``today``: the latest one whose window has ended.

    Officers report after the data cut-off, so on 20/06 the quarter due is Q2 (ended
    14/06), not Q3 which has just begun. The cut-off day itself counts as ended.
    """
    if kind not in _INDEX_COUNT:
        raise ValueError(f"Loại kỳ không hợp lệ: {kind!r}")
    best: Period | None = None
    for year in (today.year - 1, today.year, today.year + 1):
        for index in range(1, _INDEX_COUNT[kind] + 1):
            period = make_period(kind, year, index, convention)
            if period.date_to <= today and (best is None or period.date_to > best.date_to):
                best = period
    assert best is not None  # a period of every kind ends within the past two years
    return best


@dataclass(frozen=True)
class WorkCalendar:
    """What makes a weekday a day off or a weekend day a working one, for one installation.

    ``days_off``: public holidays (Tết, Giỗ Tổ Hùng Vương, 30/4, 1/5, 2/9 …) and extra days
    the government grants; ``working_days``: Saturdays or Sundays worked in exchange (làm
    bù). The service layer builds it from the ``holidays`` package and the administrator's
    list; the domain only receives the two sets.
    """

    days_off: frozenset[date] = frozenset()
    working_days: frozenset[date] = frozenset()

    def is_working_day(self, day: date) -> bool:
        if day in self.working_days:
            return True
        return day.weekday() < 5 and day not in self.days_off


def _calendar(holidays) -> WorkCalendar:
    """A WorkCalendar as given, or one built from a plain collection of days off."""
    return holidays if isinstance(holidays, WorkCalendar) else WorkCalendar(frozenset(holidays or ()))


def is_working_day(day: date, holidays: WorkCalendar | frozenset[date] | tuple | set = ()) -> bool:
    return _calendar(holidays).is_working_day(day)


def add_working_days(day: date, n: int, holidays: WorkCalendar | frozenset[date] | tuple | set = ()) -> date:
    """The date ``n`` working days after ``day``, skipping weekends and days off but not
    the weekend days worked in exchange."""
    if n < 0:
        raise ValueError("n must not be negative")
    cal = _calendar(holidays)
    current = day
    remaining = n
    while remaining:
        current += timedelta(days=1)
        if cal.is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: date, end: date, holidays: WorkCalendar | frozenset[date] | tuple | set = ()) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
    cal = _calendar(holidays)
    return sum(1 for i in range(1, (end - start).days + 1) if cal.is_working_day(start + timedelta(days=i)))


def default_deadline(period: Period, days_after: int = 3, holidays: WorkCalendar | frozenset[date] | tuple | set = ()) -> date:
    """Deadline ``days_after`` working days after the cut-off, never less than one (§6)."""
    return add_working_days(period.date_to, max(1, days_after), holidays)


def next_period(period: Period, convention: str | None = None) -> Period | None:
    """The period of the same kind just after (Q4 → Q1 of the next year); None for ad hoc."""
    if period.kind == "adhoc":
        return None
    convention = convention or _convention_of(period)
    if period.kind in ("nine_months", "year") or period.index == _INDEX_COUNT[period.kind]:
        return make_period(period.kind, period.year + 1, 1, convention)
    return make_period(period.kind, period.year, period.index + 1, convention)


def due_period(kind: str, today: date, convention: str, holidays: WorkCalendar | frozenset[date] | tuple | set = (),
               days_after: int = 3) -> Period:
    """The next period to open a round for: the one just ended if its deadline is still
    ahead (today counts), else the following one, so a proposal is never already past."""
    period = current_period(kind, today, convention)
    if default_deadline(period, days_after, holidays) < today:
        following = next_period(period, convention)
        assert following is not None
        return following
    return period

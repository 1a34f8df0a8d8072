"""Working-day arithmetic with Vietnam's holidays and the administrator's extra days."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.reporting.periods import (
    WorkCalendar,
    add_working_days,
    default_deadline,
    due_period,
    is_working_day,
    make_period,
    next_period,
    working_days_between,
)
from app.services.workdays import build_calendar, public_holidays
from tests.fixtures.calendar import SWAP_2025_DAY_OFF, SWAP_2025_WORKED, TET_2026_OFF, TET_2026_WEEKDAYS_OFF

TET_2026 = WorkCalendar(days_off=TET_2026_WEEKDAYS_OFF)


def test_no_day_of_the_tet_2026_break_is_a_working_day():
    assert not any(TET_2026.is_working_day(day) for day in TET_2026_OFF)
    assert TET_2026.is_working_day(date(2026, 2, 13)) and TET_2026.is_working_day(date(2026, 2, 23))


@pytest.mark.parametrize(("start", "n", "expected"), [
    (date(2026, 2, 13), 1, date(2026, 2, 23)),  # the Friday before Tết → the Monday after
    (date(2026, 2, 12), 3, date(2026, 2, 24)),
    (date(2026, 2, 17), 1, date(2026, 2, 23)),  # counting from inside the break
    (date(2026, 2, 10), 0, date(2026, 2, 10)),
])
def test_working_days_skip_the_tet_2026_break(start, n, expected):
    assert add_working_days(start, n, TET_2026) == expected


def test_a_deadline_three_working_days_after_a_cut_off_before_tet_lands_after_it():
    period = make_period("month", 2026, 2, "decree09")  # 15/01–14/02/2026, cut-off a Saturday
    assert default_deadline(period, 3, TET_2026) == date(2026, 2, 25)
    assert default_deadline(period, 3) == date(2026, 2, 18)  # weekends only: inside Tết


def test_the_pinned_holidays_package_knows_tet_2026_as_decreed():
    calendar = build_calendar([2026], [])
    assert TET_2026_WEEKDAYS_OFF <= calendar.days_off
    assert add_working_days(date(2026, 2, 13), 1, calendar) == date(2026, 2, 23)
    assert any("Tết Nguyên Đán" in name for _, name in public_holidays(2026))


def test_a_weekend_worked_in_exchange_counts_as_a_working_day():
    calendar = build_calendar([2025], [])
    assert SWAP_2025_DAY_OFF in calendar.days_off and SWAP_2025_WORKED in calendar.working_days
    assert add_working_days(date(2025, 4, 25), 1, calendar) == SWAP_2025_WORKED
    # 28/04 (Mon), 29/04 (Tue) work; 30/04, 01/05 and the swapped 02/05 are off.
    assert add_working_days(date(2025, 4, 29), 1, calendar) == date(2025, 5, 5)


def test_the_administrators_extra_day_off_is_skipped():
    plain = build_calendar([2026], [])
    extra = build_calendar([2026], [(date(2026, 2, 13), "off")])
    assert add_working_days(date(2026, 2, 12), 1, plain) == date(2026, 2, 13)
    assert add_working_days(date(2026, 2, 12), 1, extra) == date(2026, 2, 23)


def test_the_administrators_working_day_overrides_a_weekend_and_a_listed_holiday():
    calendar = build_calendar([2026], [(date(2026, 2, 14), "work"), (date(2026, 2, 20), "work")])
    assert add_working_days(date(2026, 2, 13), 1, calendar) == date(2026, 2, 14)
    assert add_working_days(date(2026, 2, 14), 1, calendar) == date(2026, 2, 20)
    assert date(2026, 2, 20) not in calendar.days_off


def test_plain_sets_of_days_off_still_work():
    assert is_working_day(date(2026, 2, 16), ()) and not is_working_day(date(2026, 2, 16), {date(2026, 2, 16)})


def test_working_days_between_counts_only_working_days():
    assert working_days_between(date(2026, 2, 13), date(2026, 2, 24), TET_2026) == 2
    assert working_days_between(date(2026, 2, 24), date(2026, 2, 13), TET_2026) == 0


@pytest.mark.parametrize(("kind", "year", "index", "expected"), [
    ("quarter", 2026, 4, ("quarter", 2027, 1)), ("quarter", 2026, 2, ("quarter", 2026, 3)),
    ("month", 2026, 12, ("month", 2027, 1)), ("half", 2026, 1, ("half", 2026, 2)), ("year", 2026, 1, ("year", 2027, 1)),
])
def test_the_next_period_follows_on(kind, year, index, expected):
    period = make_period(kind, year, index, "decree09")
    following = next_period(period)
    assert (following.kind, following.year, following.index) == expected
    assert following.date_from == period.date_to + timedelta(days=1)


@pytest.mark.parametrize(("today", "expected"), [
    (date(2026, 6, 15), 2),  # Q2 ended 14/06; its deadline (17/06) is still ahead
    (date(2026, 6, 17), 2),  # the deadline day itself still counts
    (date(2026, 6, 18), 3),  # Q2's deadline has passed: propose Q3, never a past date
])
def test_the_proposed_period_is_the_next_whose_deadline_is_not_past(today, expected):
    period = due_period("quarter", today, "decree09", WorkCalendar())
    assert (period.year, period.index) == (2026, expected)
    assert default_deadline(period, 3, WorkCalendar()) >= today

"""Reporting periods: Decree 09/2019 and calendar windows, labels, deadlines."""
from datetime import date

import pytest

from app.reporting.periods import (
    Period,
    add_working_days,
    adhoc_period,
    current_period,
    default_deadline,
    make_period,
    period_label,
    period_window,
    previous_period,
    window_label,
)


@pytest.mark.parametrize(
    ("kind", "year", "index", "start", "end"),
    [
        ("month", 2024, 1, date(2023, 12, 15), date(2024, 1, 14)),
        ("month", 2024, 11, date(2024, 10, 15), date(2024, 11, 14)),
        ("month", 2024, 3, date(2024, 2, 15), date(2024, 3, 14)),
        ("quarter", 2024, 1, date(2023, 12, 15), date(2024, 3, 14)),
        ("quarter", 2024, 2, date(2024, 3, 15), date(2024, 6, 14)),
        ("quarter", 2024, 4, date(2024, 9, 15), date(2024, 12, 14)),
        ("half", 2021, 1, date(2020, 12, 15), date(2021, 6, 14)),
        ("half", 2021, 2, date(2021, 6, 15), date(2021, 12, 14)),
        ("nine_months", 2024, 1, date(2023, 12, 15), date(2024, 9, 14)),
        ("year", 2024, 1, date(2023, 12, 15), date(2024, 12, 14)),
    ],
)
def test_decree_09_windows_run_from_the_15th_before_to_the_14th(kind, year, index, start, end):
    assert period_window(kind, year, index, "decree09") == (start, end)


@pytest.mark.parametrize(
    ("kind", "year", "index", "start", "end"),
    [
        ("month", 2024, 2, date(2024, 2, 1), date(2024, 2, 29)),  # leap year
        ("month", 2023, 2, date(2023, 2, 1), date(2023, 2, 28)),
        ("month", 2024, 12, date(2024, 12, 1), date(2024, 12, 31)),
        ("quarter", 2024, 1, date(2024, 1, 1), date(2024, 3, 31)),
        ("quarter", 2024, 2, date(2024, 4, 1), date(2024, 6, 30)),
        ("half", 2021, 1, date(2021, 1, 1), date(2021, 6, 30)),
        ("half", 2021, 2, date(2021, 7, 1), date(2021, 12, 31)),
        ("nine_months", 2024, 1, date(2024, 1, 1), date(2024, 9, 30)),
        ("year", 2024, 1, date(2024, 1, 1), date(2024, 12, 31)),
    ],
)
def test_calendar_windows_follow_natural_months(kind, year, index, start, end):
    assert period_window(kind, year, index, "calendar") == (start, end)


@pytest.mark.parametrize(
    ("kind", "index"), [("month", 13), ("month", 0), ("quarter", 5), ("half", 3), ("week", 1)]
)
def test_an_impossible_period_is_refused(kind, index):
    with pytest.raises(ValueError):
        period_window(kind, 2024, index, "decree09")


@pytest.mark.parametrize(
    ("kind", "year", "index", "label"),
    [
        ("month", 2024, 11, "Tháng 11 năm 2024"),
        ("quarter", 2024, 2, "Quý II năm 2024"),
        ("quarter", 2024, 4, "Quý IV năm 2024"),
        ("half", 2021, 1, "6 tháng đầu năm 2021"),
        ("half", 2021, 2, "6 tháng cuối năm 2021"),
        ("nine_months", 2024, 1, "9 tháng đầu năm 2024"),
        ("year", 2024, 1, "Năm 2024"),
    ],
)
def test_periods_are_named_as_in_official_reports(kind, year, index, label):
    assert period_label(make_period(kind, year, index, "decree09")) == label


def test_an_ad_hoc_period_is_named_by_its_dates():
    period = adhoc_period(date(2024, 2, 1), date(2024, 2, 10))
    assert period_label(period) == "Từ ngày 01/02/2024 đến ngày 10/02/2024"
    assert previous_period(period) is None


def test_the_window_is_printed_after_the_period_on_form_06a():
    period = make_period("quarter", 2024, 2, "decree09")
    assert window_label(period) == "(Từ ngày 15/03/2024 đến ngày 14/06/2024)"


@pytest.mark.parametrize(
    ("kind", "year", "index", "convention", "prev_year", "prev_index"),
    [
        ("quarter", 2024, 1, "decree09", 2023, 4),
        ("quarter", 2024, 3, "decree09", 2024, 2),
        ("month", 2024, 1, "calendar", 2023, 12),
        ("month", 2024, 3, "calendar", 2024, 2),
        ("half", 2021, 1, "calendar", 2020, 2),
        ("half", 2021, 2, "calendar", 2021, 1),
        ("year", 2024, 1, "decree09", 2023, 1),
        ("nine_months", 2024, 1, "decree09", 2023, 1),
    ],
)
def test_the_previous_period_has_the_same_kind_and_crosses_years(
    kind, year, index, convention, prev_year, prev_index
):
    previous = previous_period(make_period(kind, year, index, convention))
    assert previous == make_period(kind, prev_year, prev_index, convention)


def test_the_previous_decree_09_quarter_ends_the_day_before_this_one_starts():
    q1 = make_period("quarter", 2024, 1, "decree09")
    q4 = previous_period(q1)
    assert (q4.date_to, q1.date_from) == (date(2023, 12, 14), date(2023, 12, 15))


@pytest.mark.parametrize(
    ("kind", "today", "convention", "expected"),
    [
        ("quarter", date(2024, 6, 20), "decree09", ("quarter", 2024, 2)),
        ("quarter", date(2024, 6, 14), "decree09", ("quarter", 2024, 2)),
        ("quarter", date(2024, 6, 13), "decree09", ("quarter", 2024, 1)),
        ("quarter", date(2024, 1, 5), "decree09", ("quarter", 2023, 4)),
        ("quarter", date(2024, 1, 5), "calendar", ("quarter", 2023, 4)),
        ("month", date(2024, 12, 20), "decree09", ("month", 2024, 12)),
        ("month", date(2024, 3, 1), "calendar", ("month", 2024, 2)),
        ("half", date(2021, 7, 3), "calendar", ("half", 2021, 1)),
        ("year", date(2025, 1, 10), "decree09", ("year", 2024, 1)),
    ],
)
def test_the_current_period_is_the_one_most_recently_ended(kind, today, convention, expected):
    period = current_period(kind, today, convention)
    assert (period.kind, period.year, period.index) == expected
    assert period.date_to <= today


@pytest.mark.parametrize(
    ("start", "n", "holidays", "expected"),
    [
        (date(2024, 6, 14), 1, (), date(2024, 6, 17)),  # Friday → Monday
        (date(2024, 6, 14), 3, (), date(2024, 6, 19)),
        (date(2024, 6, 15), 1, (), date(2024, 6, 17)),  # from a Saturday
        (date(2024, 4, 26), 2, (date(2024, 4, 29), date(2024, 4, 30), date(2024, 5, 1)), date(2024, 5, 3)),
        (date(2024, 6, 14), 0, (), date(2024, 6, 14)),
    ],
)
def test_working_days_skip_weekends_and_holidays(start, n, holidays, expected):
    assert add_working_days(start, n, holidays) == expected


@pytest.mark.parametrize(("days_after", "expected"), [(3, date(2024, 6, 19)), (0, date(2024, 6, 17))])
def test_the_default_deadline_is_at_least_one_working_day_after_the_cut_off(days_after, expected):
    period = make_period("quarter", 2024, 2, "decree09")
    assert default_deadline(period, days_after) == expected


def test_a_period_is_an_immutable_value():
    period = make_period("quarter", 2024, 2, "decree09")
    assert period == Period("quarter", 2024, 2, date(2024, 3, 15), date(2024, 6, 14))
    with pytest.raises(AttributeError):
        period.year = 2025


def test_dates_read_and_write_as_dd_mm_yyyy_in_vietnam_time():
    from datetime import datetime

    from app.reporting.clock import format_day, format_moment, parse_day

    assert format_day(date(2026, 3, 5)) == "05/03/2026"
    assert parse_day(" 05/03/2026 ") == date(2026, 3, 5)
    # 17:30 UTC on 30/11 is 00:30 on 1/12 in Vietnam.
    assert format_day(datetime(2026, 11, 30, 17, 30)) == "01/12/2026"
    assert format_moment(datetime(2026, 11, 30, 17, 30)) == "00:30 01/12/2026"

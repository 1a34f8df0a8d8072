"""The trend table compares like for like: a period covering another number of units is
marked and gives no change of counts; "(tạm)" only where unapproved reports are counted."""
from __future__ import annotations

from app.exports.xlsx_charts import period_heading
from app.reporting.trends import Figure, PeriodFigures, coverage_differs, trend_rows

RECEIVED = Figure("I.4/c3", "Tổng số hồ sơ tiếp nhận")
ON_TIME = Figure("I.4/on_time", "Tỷ lệ đúng hạn", True)


def test_a_period_covering_other_units_is_marked_and_gives_no_change_of_counts():
    from decimal import Decimal

    october = PeriodFigures("Tháng 10 năm 2026", {RECEIVED.name: 402, ON_TIME.name: Decimal("0.95")}, units=110, expected=110)
    november = PeriodFigures("Tháng 11 năm 2026", {RECEIVED.name: 171, ON_TIME.name: Decimal("0.97")}, current=True,
                             provisional=True, units=47, expected=110)
    received, on_time = trend_rows((RECEIVED, ON_TIME), (october, november))
    assert coverage_differs(october, november)
    assert received.change is None  # never "−57,5 %" between 110 and 47 units
    assert on_time.change == Decimal("0.02")  # a rate compares whatever the units
    assert period_heading(october, november) == "Tháng 10 năm 2026\n110/110 đơn vị"
    assert period_heading(november, november) == "Tháng 11 năm 2026 (tạm)"
    same = PeriodFigures("Tháng 10 năm 2026", {RECEIVED.name: 150}, units=47, expected=110)
    assert trend_rows((RECEIVED,), (same, november))[0].change is not None


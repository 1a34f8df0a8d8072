"""Chart geometry and figures across periods: pure functions, no app."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.reporting.charts import TrendSeries, ranking, submission_progress, trend_bars
from app.reporting.keys import cell_key
from app.reporting.trends import PeriodFigures, figure_values, main_figures, signed_change, trend_rows


def test_a_ranking_of_many_units_draws_the_lowest_and_the_highest_and_counts_the_rest():
    items = [(f"Xã {i:04d}", Decimal(i) / 1000) for i in range(1000)] + [("Xã chưa có hồ sơ", None)]
    chart = ranking(items, title="t", what="đơn vị", limit=8, overall=Decimal("0.5"), none_note="chưa có hồ sơ")
    bars = [r for r in chart.rows if r.kind == "bar"]
    assert len(bars) == 16
    assert [b.label for b in bars[:2]] == ["Xã 0000", "Xã 0001"] and bars[-1].label == "Xã 0999"
    assert {b.tone for b in bars[:8]} == {"low"} and {b.tone for b in bars[8:]} == {"high"}
    notes = [r.label for r in chart.rows if r.kind == "note"]
    assert notes == ["… 984 đơn vị ở giữa, từ 0,7% đến 99,2%", "1 đơn vị chưa có hồ sơ"]
    assert chart.reference == 0.5 and "thấp nhất Xã 0000 0,0%" in chart.summary
    assert all(later.y > earlier.y for earlier, later in zip(chart.rows, chart.rows[1:]))
    assert chart.height > chart.rows[-1].y


def test_a_short_ranking_draws_every_item_and_equal_rates_say_so():
    chart = ranking([("A", Decimal("0.9")), ("B", Decimal("0.5"))], title="t", what="lĩnh vực")
    assert [r.label for r in chart.rows] == ["B", "A"] and chart.rows[0].percent == "50.00"
    same = ranking([(f"X{i}", Decimal(1)) for i in range(5)], title="t", what="đơn vị")
    assert [r.label for r in same.rows] == ["Cả 5 đơn vị đều đạt 100,0%"]


def test_long_labels_wrap_so_they_never_run_into_the_value():
    chart = ranking([("Đăng ký giao dịch bảo đảm và hợp đồng, giao dịch về bất động sản", Decimal("0.8"))],
                    title="t", what="lĩnh vực")
    assert len(chart.rows[0].lines) == 2 and all(len(line) <= 34 for line in chart.rows[0].lines)


def test_submission_progress_steps_up_by_day_and_stops_today():
    chart = submission_progress(submitted=[date(2026, 11, 20), date(2026, 11, 20), date(2026, 11, 25)],
                                approved=[date(2026, 11, 21)], total=4, start=date(2026, 11, 15),
                                deadline=date(2026, 11, 27), today=date(2026, 11, 26), on_time=3, title="t")
    submitted = dict((key, segments) for key, _, segments in chart.series)["submitted"]
    rises = [s for s in submitted if s.x1 == s.x2]
    assert [round((s.y1 - s.y2) / 150 * 4) for s in rises] == [2, 1]  # two units on the 20th, one on the 25th
    end_of_line = max(s.x2 for s in submitted)
    assert end_of_line < chart.deadline.x  # nothing drawn after today
    assert chart.deadline.label == "Hạn nộp 27/11"
    assert "3/4 đơn vị đã nộp (3 đúng hạn), 1 đã duyệt; hạn nộp 27/11/2026" in chart.summary


def test_main_figures_and_their_change_over_periods(quarterly):
    figures = main_figures(quarterly)
    assert [f.name for f in figures] == ["I.4/c3", "I.4/c7", "I.4/c11", "I.4/on_time", "I.4/online"]
    values = figure_values(quarterly, {cell_key("I.4", "ho_tich", "c4"): 30, cell_key("I.4", "ho_tich", "c5"): 10,
                                       cell_key("I.4", "ho_tich", "c8"): 27, cell_key("I.4", "ho_tich", "c10"): 3})
    assert values["I.4/c3"] == 40 and values["I.4/c7"] == 30
    assert values["I.4/on_time"] == Decimal("0.900") and values["I.4/online"] == Decimal("0.750")
    before = PeriodFigures("Quý I năm 2024", {"I.4/c3": 50, "I.4/on_time": Decimal("0.850")})
    now = PeriodFigures("Quý II năm 2024", values, current=True)
    rows = {r.figure.name: r for r in trend_rows(figures, [before, now])}
    assert signed_change(rows["I.4/c3"]) == "−20,0%" and signed_change(rows["I.4/on_time"]) == "+5,0 điểm"
    assert signed_change(rows["I.4/c7"]) == ""  # no figure the period before
    chart = trend_bars([TrendSeries("Số hồ sơ", (("Quý I", 50), ("Quý II", 40)))], title="t", current="Quý II")
    bars = [r for r in chart.rows if r.kind == "bar"]
    assert [b.fraction for b in bars] == [1.0, 0.8] and bars[1].tone == "current"
    assert chart.summary == "Số hồ sơ: Quý I 50, Quý II 40."

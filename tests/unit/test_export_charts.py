"""The consolidated workbook's charts (native XlsxWriter charts over cells of a "Biểu đồ"
sheet) and the on-time and online-share columns of the by-unit sheet."""
from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest

from app.exports.xlsx import write_round_workbook
from app.reporting.consolidation import UnitInput
from app.reporting.keys import cell_key
from app.reporting.templates import DEFAULT_FIELDS
from app.reporting.trends import PeriodFigures, main_figures, trend_rows
from app.services.trends import Trend
from tests.unit.test_export_xlsx import quarterly_parts, row_of


def unit(i: int, early: int, on_time: int, late: int, online: int, direct: int) -> UnitInput:
    field = DEFAULT_FIELDS[i % 3][0]
    return UnitInput(i, f"Xã Số {i:02d}", {cell_key("I.4", field, "c8"): early, cell_key("I.4", field, "c9"): on_time,
                                         cell_key("I.4", field, "c10"): late, cell_key("I.4", field, "c4"): online,
                                         cell_key("I.4", field, "c5"): direct})


def workbook_bytes(count: int) -> bytes:
    units = [unit(i, 10, i, i % 4, i, 30 - i % 30) for i in range(1, count + 1)]
    parts = quarterly_parts(units)
    figures = main_figures(parts.template)
    periods = [PeriodFigures(f"Quý {p} năm 2024", {f.name: (Decimal("0.9") if f.is_ratio else 100 * n) for f in figures},
                             current=p == "II") for n, p in enumerate(("III/2023", "IV/2023", "I", "II"), start=1)]
    parts = quarterly_parts(units, trend=Trend(figures, tuple(periods), tuple(trend_rows(figures, periods))))
    buffer = io.BytesIO()
    write_round_workbook(parts, buffer)
    return buffer.getvalue()


def charts(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [z.read(n).decode() for n in sorted(z.namelist()) if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]


@pytest.fixture(scope="module")
def small():
    return workbook_bytes(6)


def test_the_workbook_holds_native_charts_over_its_own_cells(small):
    found = charts(small)
    kinds = [re.search(r"<c:(bar|line)Chart>", c).group(1) for c in found]
    assert kinds == ["bar", "bar", "bar", "line"]  # by field, by unit, counts by period (columns), rates by period
    assert "<c:barDir val=\"col\"/>" in found[2]
    assert all("'Biểu đồ'!$" in c for c in found)
    assert "Giải quyết đúng hạn theo lĩnh vực" in found[0] and "Giải quyết đúng hạn theo đơn vị" in found[1]


def test_the_chart_sheet_ranks_units_lowest_first_with_rates_as_numbers(small):
    ws = openpyxl.load_workbook(io.BytesIO(small))["Biểu đồ"]
    start = row_of(ws, "Tỷ lệ hồ sơ giải quyết đúng hạn theo đơn vị", "A") + 2
    rates = [ws.cell(start + i, 2).value for i in range(6)]
    assert rates == sorted(rates) and all(isinstance(r, (int, float)) for r in rates)
    assert ws.cell(start, 2).number_format == "0.0%"
    assert ws.cell(start, 1).value == "Xã Số 03"  # 13/(10+3+3) = 81,3%, the lowest


def test_the_by_unit_sheet_gets_on_time_and_online_share_columns(small):
    ws = openpyxl.load_workbook(io.BytesIO(small))["Theo đơn vị"]
    headers = {cell.value: cell.column for row in ws.iter_rows(max_row=12) for cell in row if isinstance(cell.value, str)}
    on_time, online = headers["Tỷ lệ giải quyết đúng hạn"], headers["Tỷ lệ hồ sơ trực tuyến"]
    row = row_of(ws, "Xã Số 03")
    assert ws.cell(row, on_time).value == pytest.approx(0.813) and ws.cell(row, on_time).number_format == "0.0%"
    assert ws.cell(row, online).value == pytest.approx(0.1)  # 3 online of 3 + 27
    total = row_of(ws, "Tổng cộng")
    assert ws.cell(total, on_time).value == pytest.approx(0.9)  # (60 + 21) / (60 + 21 + 9)


def test_with_many_units_the_charts_show_the_lowest_and_the_highest():
    found = charts(workbook_bytes(60))
    titles = [re.search(r"<a:t>([^<]+)</a:t>", c).group(1) for c in found]
    assert "Giải quyết đúng hạn — 10 đơn vị thấp nhất" in titles and "Giải quyết đúng hạn — 10 đơn vị cao nhất" in titles
    lowest = found[titles.index("Giải quyết đúng hạn — 10 đơn vị thấp nhất")]
    first, last = map(int, re.search(r"'Biểu đồ'!\$B\$(\d+):\$B\$(\d+)", lowest).groups())
    assert last - first == 9

"""Native Excel charts for the consolidated workbook, and the rate columns of the by-unit sheet.

The "Biểu đồ" sheet holds the data it draws as plain tables (so the province can re-sort
or re-chart them) and XlsxWriter charts over those cells: dossiers resolved on time by
field and by unit (sorted; with many units, the lowest and the highest), and the main
figures of the last periods. Rates are numbers with a percent format, never text.
"""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ..reporting.consolidation import TableResult
from ..reporting.numbers import format_count
from ..reporting.templates import Section
from ..reporting.trends import main_table
from ..services.export_model import ExportParts
from . import xlsx  # print_setup; xlsx imports this module, so it is read at call time

RATE_COLUMNS = (("on_time", "Tỷ lệ giải quyết đúng hạn"), ("online", "Tỷ lệ hồ sơ trực tuyến"))
RANKED = 10  # with more units than twice this, the charts show the lowest and the highest
FONT = {"name": "Times New Roman", "size": 10}


def _put_rate(ws: Worksheet, row: int, col: int, value: Decimal | None, fmt, blank) -> None:
    if value is None:
        ws.write_blank(row, col, None, blank)
    else:
        ws.write_number(row, col, float(value), fmt)


def add_rate_columns(ws: Worksheet, st, section: Section, table: TableResult, rows: Sequence, top: int, first: int) -> None:
    """On-time and online shares of each unit, right of the by-unit table (header rows
    ``top``..``first - 1``, data from ``first``; the total row follows the units)."""
    names = {r.name for r in section.ratios}
    columns = [(name, label) for name, label in RATE_COLUMNS if name in names]
    col = 2 + len(section.columns)
    heading, number = st.heading(), st(border=1, italic=True, align="center", font_size=11)
    percent, blank = st.cell_percent(), st.cell_percent()
    for offset, (name, label) in enumerate(columns):
        at = col + offset
        ws.set_column(at, at, 12)
        if first - 2 > top:
            ws.merge_range(top, at, first - 2, at, label, heading)
        else:
            ws.write_string(top, at, label, heading)
        ws.write_string(first - 1, at, f"({at + 1})", number)
    if not columns:
        return
    # Each unit's ratios worked out once for all the rate columns.
    for i, (_, _, totals) in enumerate(rows):
        ratios = table.ratios(totals)
        for offset, (name, _) in enumerate(columns):
            _put_rate(ws, first + i, col + offset, ratios[name], percent, blank)
    ratios = table.ratios(table.total)
    for offset, (name, _) in enumerate(columns):
        _put_rate(ws, first + len(rows), col + offset, ratios[name], st.cell_percent(bold=True), blank)


def _chart(workbook: Workbook, kind: str, title: str, **axis):
    chart = workbook.add_chart({"type": kind})
    chart.set_title({"name": title, "name_font": {**FONT, "size": 12, "bold": True}})
    chart.set_legend({"none": True} if kind == "bar" else {"position": "bottom", "font": FONT})
    chart.set_x_axis({"num_font": FONT, **axis.get("x", {})})
    chart.set_y_axis({"num_font": FONT, **axis.get("y", {})})
    return chart


def _rank_chart(workbook: Workbook, sheet: str, title: str, first: int, last: int, label_col: int) -> object:
    """A horizontal bar chart over rows first..last of a (label, rate) table."""
    chart = _chart(workbook, "bar", title, x={"min": 0, "max": 1, "num_format": "0%", "major_gridlines": {"visible": True}},
                   y={"reverse": True})
    chart.add_series({
        "categories": [sheet, first, label_col, last, label_col],
        "values": [sheet, first, label_col + 1, last, label_col + 1],
        "data_labels": {"value": True, "num_format": "0.0%", "font": FONT},
        "fill": {"color": "#0B5CAD"}, "gap": 40,
    })
    chart.set_size({"width": 620, "height": max(220, 60 + 22 * (last - first + 1))})
    return chart


def _ranked_table(ws: Worksheet, st, row: int, col: int, title: str, what: str,
                  items: Sequence[tuple[str, Decimal | None]]) -> tuple[int, int, int]:
    """A (label, rate) table sorted lowest first, rows without a rate left out; returns
    (first data row, last data row, next free row)."""
    rated = sorted(((label, value) for label, value in items if value is not None), key=lambda item: (item[1], item[0]))
    ws.write_string(row, col, title, st(bold=True))
    ws.write_string(row + 1, col, what, st.heading())
    ws.write_string(row + 1, col + 1, "Tỷ lệ đúng hạn", st.heading())
    for i, (label, value) in enumerate(rated):
        ws.write_string(row + 2 + i, col, label, st.cell_text())
        ws.write_number(row + 2 + i, col + 1, float(value), st.cell_percent())
    return row + 2, row + 1 + len(rated), row + 3 + len(rated)


def write_charts(ws: Worksheet, workbook: Workbook, st, parts: ExportParts) -> None:
    """The "Biểu đồ" sheet: data tables on the left, charts beside them."""
    sheet = ws.get_name()
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 14)
    ws.set_column(2, 6, 14)
    ws.write_string(0, 0, f"Biểu đồ — {parts.period_label}", st(bold=True, font_size=13))
    row, chart_row = 2, 2
    section = main_table(parts.template)
    if section is not None and any(r.name == "on_time" for r in section.ratios):
        table = parts.result.tables[section.id]
        first, last, row = _ranked_table(ws, st, row, 0, "Tỷ lệ hồ sơ giải quyết đúng hạn theo lĩnh vực", "Lĩnh vực",
                                         [(r.label, table.ratios(r.values)["on_time"]) for r in table.rows])
        if last >= first:
            ws.insert_chart(chart_row, 8, _rank_chart(workbook, sheet, "Giải quyết đúng hạn theo lĩnh vực", first, last, 0))
            chart_row += max(14, 4 + last - first + 1)
        units = [(name, table.ratios(totals)["on_time"]) for _, name, totals in parts.result.breakdown.get(section.id, ())]
        first, last, row = _ranked_table(ws, st, row + 1, 0, "Tỷ lệ hồ sơ giải quyết đúng hạn theo đơn vị", "Đơn vị", units)
        count = last - first + 1
        if count > 2 * RANKED:
            for title, a, b in ((f"{RANKED} đơn vị thấp nhất", first, first + RANKED - 1),
                                (f"{RANKED} đơn vị cao nhất", last - RANKED + 1, last)):
                ws.insert_chart(chart_row, 8, _rank_chart(workbook, sheet, f"Giải quyết đúng hạn — {title}", a, b, 0))
                chart_row += 16
        elif count > 0:
            ws.insert_chart(chart_row, 8, _rank_chart(workbook, sheet, "Giải quyết đúng hạn theo đơn vị", first, last, 0))
            chart_row += max(14, 4 + count)
    if parts.trend is not None and parts.trend.periods:
        _trend(ws, workbook, st, parts.trend, row + 1, chart_row)
    xlsx.print_setup(ws, repeat=None, freeze=None)


def period_heading(period, now) -> str:
    """"Quý II năm 2026" with "(tạm)" where unapproved reports are counted, and the units
    covered where they differ from the current period's (not like for like)."""
    text = period.label + (" (tạm)" if period.provisional else "")
    if period.units is not None and now.units is not None and period.units != now.units:
        text += f"\n{format_count(period.units)}/{format_count(period.expected)} đơn vị"
    return text


def counts_title(trend) -> str:
    """The counts chart says what it plots: dossiers for a dossier table's totals, else the
    indicators it draws by name."""
    counted = [f for f in trend.figures if not f.is_ratio]
    if counted and all("/c" in f.name for f in counted):
        return "Số hồ sơ các kỳ"
    names = ", ".join(f.label[:1].lower() + f.label[1:] for f in counted[:2])
    return f"Các kỳ: {names}" + (" …" if len(counted) > 2 else "")


def _trend(ws: Worksheet, workbook: Workbook, st, trend, row: int, chart_row: int) -> None:
    """Periods across, figures down; a column chart of the counts and a line chart of the rates."""
    sheet = ws.get_name()
    ws.write_string(row, 0, f"Số liệu chính {len(trend.periods)} kỳ gần nhất", st(bold=True))
    header = row + 1
    ws.write_string(header, 0, "Chỉ tiêu", st.heading())
    for j, period in enumerate(trend.periods):
        ws.write_string(header, 1 + j, period_heading(period, trend.periods[-1]), st.heading())
    counts, rates = [], []
    for i, line in enumerate(trend.rows):
        at = header + 1 + i
        ws.write_string(at, 0, line.figure.label, st.cell_text())
        for j, value in enumerate(line.values):
            if value is None:
                ws.write_blank(at, 1 + j, None, st.cell_count())
            elif line.figure.is_ratio:
                ws.write_number(at, 1 + j, float(value), st.cell_percent())
            else:
                ws.write_number(at, 1 + j, int(value), st.cell_count())
        (rates if line.figure.is_ratio else counts).append(at)
    last_col = len(trend.periods)
    for rows, kind, title, axis in ((counts, "column", counts_title(trend), {"num_format": "#,##0"}),
                                    (rates, "line", "Tỷ lệ các kỳ", {"num_format": "0%", "min": 0, "max": 1})):
        if not rows:
            continue
        chart = _chart(workbook, kind, title, y={**axis, "major_gridlines": {"visible": True}})
        for at in rows:
            series = {"name": [sheet, at, 0], "categories": [sheet, header, 1, header, last_col],
                      "values": [sheet, at, 1, at, last_col]}
            if kind == "line":
                series |= {"marker": {"type": "circle", "size": 6},
                           "data_labels": {"value": True, "num_format": "0.0%", "position": "above", "font": FONT}}
            chart.add_series(series)
        chart.set_size({"width": 620, "height": 300})
        ws.insert_chart(chart_row, 8, chart)
        chart_row += 16

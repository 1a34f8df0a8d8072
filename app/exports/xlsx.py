"""The consolidated workbook (design §9), written with XlsxWriter from the domain's result.

Sheets: one per table section in the official layout (form 06a), a breakdown by unit per
table, indicators, survey, documents, narratives in long format and completeness. A unit's
own workbook prints each section's note (thuyết minh) under that section's figures.

Every text goes through ``write_string``: officers type text starting with "=", "+", "-"
or "@" (bullets!) and a spreadsheet must never turn that into a formula. Numbers stay
numbers; Excel formats them ("#,##0", "0.0%") so the province can keep calculating.

The workbook is written in XlsxWriter's default mode, not ``constant_memory``: the
official layout merges header and footer cells, which that mode cannot do, and it is a
workbook-wide switch. Default mode keeps one small record per cell until the file is
closed, so memory grows with the cells written and nothing else; bench/export.py
measures it at 1,000 units against constant_memory writing the same cells.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import IO

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from ..reporting.clock import local_naive
from ..reporting.consolidation import CONSOLIDATING_KINDS, TableResult
from ..reporting.directives import COUNT_LABELS, COUNT_ORDER, DONE, IN_PROGRESS, MISSING, NOT_STARTED, grid_units
from ..reporting.numbers import format_count
from ..reporting.templates import Section
from ..reporting.text import xml_safe
from ..reporting.wording import name_list
from ..services.export_model import ExportParts
from .layout import LABEL_COLUMNS, column_numbers, header_cells, header_depth
from .xlsx_charts import add_rate_columns, write_charts

FONT = "Times New Roman"
COUNT_FORMAT = "#,##0"
PERCENT_FORMAT = "0.0%"
PAPER_A4 = 9
NO_RATIO = "–"
WORKBOOK_OPTIONS = {
    # Belt and braces: text is written with write_string anyway.
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
CELL_LIMIT = 32_000  # Excel holds 32,767 characters in a cell; longer texts continue below
PROVISIONAL_MARK = "SỐ LIỆU TẠM"


class SafeWorksheet(Worksheet):
    """Every text through ``xml_safe``: a control character stored long ago (pasted from
    Word) must never make the workbook unreadable."""

    # The writers here address cells by numbers only, never "A1": each call goes straight to
    # XlsxWriter's undecorated writer, without the A1 check every public call pays (about
    # 90,000 cells at 1,000 units).
    def write_string(self, row, col, string, cell_format=None):
        return self._write_string(row, col, xml_safe(string), cell_format)

    write_number = Worksheet._write_number
    write_blank = Worksheet._write_blank
    write_datetime = Worksheet._write_datetime
    # A text already through ``xml_safe`` (one written on many rows, made safe once).
    write_safe_string = Worksheet._write_string


class SafeWorkbook(xlsxwriter.Workbook):
    """A workbook whose sheets are SafeWorksheets."""

    def add_worksheet(self, name=None, worksheet_class=None):
        return super().add_worksheet(name, worksheet_class or SafeWorksheet)

    def close(self):
        try:
            return super().close()
        finally:
            # Each sheet holds a bound method of its workbook (XlsxWriter's
            # workbook_add_format): a cycle that would leave every cell record (130,000 at
            # 1,000 units) to the cyclic collector. Cut, they are freed as soon as the
            # workbook is dropped.
            for sheet in self.worksheets():
                sheet.workbook_add_format = None


class Styles:
    """Formats created once per workbook and shared (Excel caps distinct formats at 64k)."""

    def __init__(self, workbook: xlsxwriter.Workbook, size: int = 12):
        self.workbook = workbook
        self.size = size
        self._cache: dict[tuple, object] = {}

    def __call__(self, **props):
        key = tuple(sorted(props.items()))
        fmt = self._cache.get(key)
        if fmt is None:
            fmt = self.workbook.add_format({"font_name": FONT, "font_size": self.size, "valign": "vcenter", **props})
            self._cache[key] = fmt
        return fmt

    # The table cells, named once so the writers read like the printed form.
    def cell_text(self, **extra):
        return self(border=1, text_wrap=True, font_size=11, **extra)

    def cell_count(self, **extra):
        return self(border=1, num_format=COUNT_FORMAT, font_size=11, **extra)

    def cell_percent(self, **extra):
        return self(border=1, num_format=PERCENT_FORMAT, font_size=11, align="right", **extra)

    def heading(self):
        return self(border=1, bold=True, text_wrap=True, align="center", font_size=11)


def put(ws: Worksheet, row: int, col: int, value, number_format, text_format) -> None:
    """A value as its type: numbers as numbers, everything else as a string, never a formula."""
    if value is None:
        ws.write_blank(row, col, None, number_format)
    elif isinstance(value, bool):
        ws.write_string(row, col, "Có" if value else "Không", text_format)
    elif isinstance(value, (int, float, Decimal)):
        ws.write_number(row, col, float(value) if isinstance(value, Decimal) else value, number_format)
    else:
        ws.write_string(row, col, str(value), text_format)


def merge_text(ws: Worksheet, first_row: int, first_col: int, last_row: int, last_col: int, text: str, fmt) -> None:
    """merge_range writes with write(); write the text itself so it can never become a formula."""
    if first_row != last_row or first_col != last_col:
        ws.merge_range(first_row, first_col, last_row, last_col, "", fmt)
    ws.write_string(first_row, first_col, text, fmt)


def sheet_name(name: str, taken: set[str]) -> str:
    base = _SHEET_NAME_BAD.sub("-", xml_safe(name)).strip("'")[:31] or "Sheet"
    candidate, n = base, 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def print_setup(ws: Worksheet, repeat: tuple[int, int] | None, freeze: tuple[int, int] | None) -> None:
    ws.set_paper(PAPER_A4)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)  # the width of one page, as many pages down as needed
    ws.set_margins(left=0.5, right=0.4, top=0.6, bottom=0.6)
    ws.center_horizontally()
    ws.set_footer("&C&\"Times New Roman\"&10Trang &P/&N")
    if repeat is not None:
        ws.repeat_rows(*repeat)
    if freeze is not None:
        ws.freeze_panes(*freeze)


def form_sheet_name(template, section: Section, several: bool) -> str:
    match = re.search(r"Biểu số\s+([^/\s]+)", template.form_code or "")
    if match and not several:
        return f"Biểu {match.group(1)}"
    return f"Bảng {section.id}"


# --- the official table layout --------------------------------------------------------

def write_form_header(ws: Worksheet, st: Styles, ncols: int, *, form_code: str, title: str,
                      period_line: str, window: str, right_lines: Iterable[str]) -> int:
    """Form code left, title and period centred, reporting/receiving unit right; next row."""
    right_first = max(ncols - 4, 3)
    middle_last = right_first - 1
    right = list(right_lines) + ["", "", ""]
    merge_text(ws, 0, 0, 0, 1, form_code, st(bold=True, align="left", text_wrap=True))
    merge_text(ws, 0, 2, 0, middle_last, title, st(bold=True, align="center", text_wrap=True, font_size=13))
    merge_text(ws, 1, 2, 1, middle_last, period_line, st(bold=True, align="center"))
    merge_text(ws, 2, 2, 2, middle_last, window, st(italic=True, align="center"))
    for row in range(3):
        merge_text(ws, row, right_first, row, ncols - 1, right[row], st(align="left", text_wrap=True, font_size=11))
    ws.set_row(0, 40)
    ws.set_row(1, 22)
    ws.set_row(2, 22)
    return 4


def write_table_band(ws: Worksheet, st: Styles, section: Section, top: int, second_label: str | None = None) -> int:
    """The merged header rows and the column-number row; returns the first data row."""
    fmt = st.heading()
    for cell in header_cells(section, second_label):
        merge_text(ws, top + cell.first_row, cell.first_col, top + cell.last_row, cell.last_col, cell.text, fmt)
    depth = header_depth(section)
    for level in range(depth):
        # Wrapped headings ("Trực tiếp, dịch vụ bưu chính") need the room Excel will not make.
        ws.set_row(top + level, 45 if level == depth - 1 else 24)
    numbers_row = top + depth
    number_fmt = st(border=1, italic=True, align="center", font_size=11)
    for col, number in enumerate(column_numbers(section)):
        ws.write_string(numbers_row, col, number, number_fmt)
    return numbers_row + 1


def set_table_widths(ws: Worksheet, section: Section, label_width: float = 36) -> None:
    ws.set_column(0, 0, 5)
    ws.set_column(1, 1, label_width)
    ws.set_column(LABEL_COLUMNS, LABEL_COLUMNS + len(section.columns) - 1, 10.5)


def row_formats(st: Styles, section: Section, bold: bool, italic: bool) -> tuple:
    """(STT, label, one per column) formats of a table line; computed columns are bold."""
    emphasis = {"bold": True} if bold else {}
    if italic:
        emphasis["italic"] = True
    columns = tuple(st.cell_count(**(emphasis or ({"bold": True} if not c.is_input else {}))) for c in section.columns)
    return st.cell_count(align="center", **emphasis), st.cell_text(**emphasis), columns


def write_coverage(ws: Worksheet, st: Styles, parts: ExportParts, top: int, ncols: int) -> int:
    """"Báo cáo tổng hợp từ 25/27 đơn vị; 2 đơn vị chưa báo cáo: …" above the table."""
    if not (parts.consolidated and parts.coverage_text):
        return top
    text = parts.coverage_text.rstrip(".") + "."
    merge_text(ws, top - 1, 0, top - 1, ncols - 1, text, st(italic=True, align="left", valign="top", text_wrap=True,
                                                           font_size=11))
    # Excel does not size a merged row: room for every wrapped line of the names of the
    # missing units, counted from the sheet's width (a column unit holds about one
    # character of 11 pt Times; Vietnamese diacritics take a little more).
    width = 5 + 36 + 10.5 * (ncols - LABEL_COLUMNS)
    ws.set_row(top - 1, wrapped_height(text, width))
    return top + 1


def wrapped_height(text: str, width: float, line_points: float = 15) -> float:
    """The height in points a wrapped text needs in a cell ``width`` column units wide."""
    per_line = max(10, int(width * 0.95))
    lines = 0
    for line in text.split("\n"):
        lines += -(-len(line) // per_line) or 1  # an empty line takes one too
    return min(409, line_points * lines + 3)  # 409 points: the tallest row Excel allows


def write_value_row(ws: Worksheet, st: Styles, row: int, section: Section, number, label: str,
                    values: dict[str, int], *, bold: bool = False, italic: bool = False, formats=None) -> None:
    stt, text, columns = formats or row_formats(st, section, bold, italic)
    if number is None:
        ws.write_blank(row, 0, None, stt)
    else:
        ws.write_number(row, 0, number, stt)
    ws.write_string(row, 1, label, text)
    for offset, column in enumerate(section.columns):
        value = values.get(column.id, 0)
        ws.write_number(row, LABEL_COLUMNS + offset, value, columns[offset])


def write_footer(ws: Worksheet, st: Styles, row: int, ncols: int, place_name: str) -> int:
    right_first = max(ncols - 5, 3)
    place = f"{place_name}, ngày … tháng … năm …" if place_name else "…, ngày … tháng … năm …"
    merge_text(ws, row, right_first, row, ncols - 1, place, st(italic=True, align="center"))
    merge_text(ws, row + 1, 0, row + 1, 2, "Người lập biểu", st(bold=True, align="center"))
    merge_text(ws, row + 1, right_first, row + 1, ncols - 1, "Thủ trưởng đơn vị", st(bold=True, align="center"))
    merge_text(ws, row + 2, 0, row + 2, 2, "(Ký, ghi rõ họ tên)", st(italic=True, align="center", font_size=11))
    merge_text(ws, row + 2, right_first, row + 2, ncols - 1, "(Ký tên, đóng dấu)",
               st(italic=True, align="center", font_size=11))
    return row + 3


def write_ratios(ws: Worksheet, st: Styles, row: int, table: TableResult) -> int:
    """Ratio lines under the table: the total and each group, recomputed from sums."""
    if not table.ratio_definitions:
        return row
    blocks = [("Tổng cộng", table.total)] + [(g.label, g.values) for g in table.groups]
    head = st.heading()
    ws.write_string(row, 1, "Tỷ lệ", head)
    for offset, (label, _) in enumerate(blocks):
        ws.write_string(row, LABEL_COLUMNS + offset, label, head)
    ws.set_row(row, 32)
    computed = [table.ratios(values) for _, values in blocks]
    for definition in table.ratio_definitions:
        row += 1
        ws.write_string(row, 1, definition.label, st.cell_text())
        for offset, ratios in enumerate(computed):
            value = ratios[definition.name]
            if value is None:  # nothing to divide by: a dash, as on the paper form
                ws.write_string(row, LABEL_COLUMNS + offset, NO_RATIO, st.cell_text(align="center"))
            else:
                ws.write_number(row, LABEL_COLUMNS + offset, float(value), st.cell_percent())
    return row + 1


NOTE_LABEL = "Thuyết minh: "


def write_note(ws: Worksheet, st: Styles, row: int, last_col: int, text: str, width: float,
               label: str = NOTE_LABEL) -> int:
    """A section's note across the sheet's width under its figures; returns the row after it
    and a blank one. Excel does not size merged rows, so the height follows the text's length."""
    if not text:
        return row
    fmt = st(text_wrap=True, align="left", valign="top", font_size=11)
    per_line = max(20, int(width * 1.1))
    for chunk in cell_chunks(label + text):
        merge_text(ws, row, 0, row, last_col, chunk, fmt)
        lines = sum(max(1, -(-len(line) // per_line)) for line in chunk.split("\n"))
        ws.set_row(row, min(409, 15 * lines))  # 409 points: the tallest row Excel allows
        row += 1
    return row + 1


def section_note(parts: ExportParts, section: Section) -> str:
    return parts.notes.get(section.id, "") if section.note else ""


def write_table_sheet(ws: Worksheet, st: Styles, parts: ExportParts, section: Section, table: TableResult) -> None:
    ncols = LABEL_COLUMNS + len(section.columns)
    set_table_widths(ws, section)
    top = write_form_header(
        ws, st, ncols,
        form_code=parts.template.form_code or section.number,
        title=f"{section.heading} ({PROVISIONAL_MARK})" if parts.provisional else section.heading,
        period_line=f"Kỳ báo cáo: {parts.period_label}",
        window=parts.period_window,
        right_lines=(
            f"Đơn vị báo cáo: {parts.reporting_unit}",
            f"Đơn vị nhận báo cáo: {parts.recipient}",
            f"Đơn vị tính: {section.unit_label}" if section.unit_label else "",
        ),
    )
    top = write_coverage(ws, st, parts, top, ncols)
    first = write_table_band(ws, st, section, top)
    row = first
    plain = row_formats(st, section, False, False)
    for number, line in enumerate(table.rows, start=1):
        write_value_row(ws, st, row, section, number, line.label, line.values, formats=plain)
        row += 1
    write_value_row(ws, st, row, section, None, "Tổng cộng", table.total, bold=True)
    row += 1
    for group in table.groups:
        write_value_row(ws, st, row, section, None, group.label, group.values, bold=True, italic=True)
        row += 1
    row = write_ratios(ws, st, row + 1, table)
    folded = parts.folded_line(section.id)
    if folded:  # a lower level's own fields in "Lĩnh vực khác": what and whose
        row = write_note(ws, st, row + 1, ncols - 1, folded, 41 + 10.5 * len(section.columns), label="") - 1
    note = section_note(parts, section)
    if note:
        row = write_note(ws, st, row + 1, ncols - 1, note, 41 + 10.5 * len(section.columns)) - 1
    write_footer(ws, st, row + 1, ncols, parts.place_name)
    print_setup(ws, repeat=(top, first - 1), freeze=(first, LABEL_COLUMNS))


def write_breakdown_sheet(ws: Worksheet, st: Styles, parts: ExportParts, section: Section, table: TableResult) -> None:
    """Rows = units, each with its own table totals; the last row equals the table's total."""
    ncols = LABEL_COLUMNS + len(section.columns)
    set_table_widths(ws, section, label_width=30)
    missing = ", ".join(parts.result.missing)
    top = write_form_header(
        ws, st, ncols,
        form_code=parts.template.form_code or section.number,
        title=f"{section.heading} (chi tiết theo đơn vị)",
        period_line=f"Kỳ báo cáo: {parts.period_label}",
        window=parts.period_window,
        right_lines=(f"Đơn vị tổng hợp: {parts.reporting_unit}",
                     f"Đơn vị tính: {section.unit_label}" if section.unit_label else ""),
    )
    if missing:
        merge_text(ws, 3, 0, 3, ncols - 1, f"Đơn vị chưa có số liệu tổng hợp: {missing}",
                   st(italic=True, align="left", text_wrap=True, font_size=11))
        top += 1
    first = write_table_band(ws, st, section, top, second_label="Đơn vị")
    row = first
    plain = row_formats(st, section, False, False)
    for number, (_, unit_name, totals) in enumerate(parts.result.breakdown.get(section.id, ()), start=1):
        write_value_row(ws, st, row, section, number, unit_name, totals, formats=plain)
        row += 1
    write_value_row(ws, st, row, section, None, "Tổng cộng", table.total, bold=True)
    add_rate_columns(ws, st, section, table, parts.result.breakdown.get(section.id, ()), top, first)
    print_setup(ws, repeat=(top, first - 1), freeze=(first, LABEL_COLUMNS))


# --- the other sheets -----------------------------------------------------------------

def write_title(ws: Worksheet, st: Styles, ncols: int, title: str, parts: ExportParts) -> int:
    merge_text(ws, 0, 0, 0, ncols - 1, title, st(bold=True, align="center", font_size=13, text_wrap=True))
    merge_text(ws, 1, 0, 1, ncols - 1, f"Kỳ báo cáo: {parts.period_label} {parts.period_window}".strip(),
               st(italic=True, align="center"))
    merge_text(ws, 2, 0, 2, ncols - 1, f"Đơn vị: {parts.reporting_unit}", st(align="center"))
    ws.set_row(0, 34)
    return 4


def write_header_row(ws: Worksheet, st: Styles, row: int, headings: Iterable[str]) -> None:
    for col, text in enumerate(headings):
        ws.write_string(row, col, text, st.heading())


def write_indicators_sheet(ws: Worksheet, st: Styles, parts: ExportParts) -> None:
    ws.set_column(0, 0, 7)
    ws.set_column(1, 1, 70)
    ws.set_column(2, 2, 14)
    ws.set_column(3, 3, 44)
    top = write_title(ws, st, 4, "CÁC CHỈ TIÊU TỔNG HỢP", parts)
    write_header_row(ws, st, top, ("STT", "Chỉ tiêu", "Số lượng", "Ghi chú"))
    row = top + 1
    for section in parts.template.sections_of("indicators"):
        merge_text(ws, row, 0, row, 3, f"{section.number} {section.heading}", st.cell_text(bold=True))
        row += 1
        for number, item in enumerate(section.fields, start=1):
            ws.write_string(row, 0, str(number), st.cell_text(align="center"))
            ws.write_string(row, 1, item.label, st.cell_text())
            # The same number as the page, and what it is when it is not a plain count.
            value = parts.result.values.get(f"{section.id}/{item.id}", 0)
            put(ws, row, 2, value, st.cell_count(), st.cell_text())
            meaning = indicator_meaning(parts, section, item)
            if meaning:
                ws.write_string(row, 3, meaning, st.cell_text())
            else:
                ws.write_blank(row, 3, None, st.cell_text())
            ws.set_row(row, max(wrapped_height(item.label, 70), wrapped_height(meaning, 44)))
            row += 1
        note = section_note(parts, section)
        if note:
            row = write_note(ws, st, row, 3, note, 135) - 1  # the next section follows at once
    print_setup(ws, repeat=(top, top), freeze=(top + 1, 0))


def indicator_range(measure) -> str:
    if measure.low == measure.high:
        return format_count(measure.low)
    return f"từ {format_count(measure.low)} đến {format_count(measure.high)}"


def indicator_meaning(parts: ExportParts, section: Section, item) -> str:
    """What an indicator's number is when it is not a plain count of this report: the sum
    of the units' catalogue sizes with their range, or the units reaching their target."""
    measure = parts.result.measures.get(section.id, {}).get(item.id)
    lower = [u.unit_name for u in parts.result.units if u.kind in CONSOLIDATING_KINDS]
    if item.consolidate == "catalogue" and lower and parts.consolidated:
        # A district's number is its units' sizes added up: say whose.
        mine = f"; của chính các đơn vị trực thuộc: {indicator_range(measure)}" if measure and measure.reporting else ""
        return f"Cộng số của các đơn vị cấp dưới thuộc {name_list(lower)}{mine}"
    if measure is None or not measure.reporting or (len(measure.reporting) == 1 and not parts.consolidated):
        return ""
    units = format_count(len(measure.reporting))
    if measure.how == "catalogue":
        return f"Cộng của {units} đơn vị, mỗi đơn vị {indicator_range(measure)}" if measure.low is not None else ""
    return f"{format_count(len(measure.reached))}/{units} đơn vị đạt 100%; tổng cộng " \
           f"{format_count(measure.numerator)}/{format_count(measure.denominator)}"


def write_survey_sheet(ws: Worksheet, st: Styles, parts: ExportParts) -> None:
    ws.set_column(0, 0, 70)
    ws.set_column(1, 2, 14)
    top = write_title(ws, st, 3, "KẾT QUẢ KHẢO SÁT MỨC ĐỘ HÀI LÒNG", parts)
    row = top
    for section in parts.template.sections_of("satisfaction"):
        survey = parts.result.satisfaction.get(section.id)
        if survey is None:
            continue
        merge_text(ws, row, 0, row, 2, f"{section.number} {section.heading}", st.cell_text(bold=True))
        write_header_row(ws, st, row + 1, ("Nội dung", "Số phiếu", "Tỷ lệ"))
        row += 2
        ws.write_string(row, 0, section.fields_with_role("forms")[0].label, st.cell_text(bold=True))
        put(ws, row, 1, survey.forms, st.cell_count(bold=True), st.cell_text())
        ws.write_blank(row, 2, None, st.cell_text())
        row += 1
        for item in section.fields_with_role("level"):
            share = survey.shares.get(item.id)
            ws.write_string(row, 0, item.label, st.cell_text())
            put(ws, row, 1, survey.counts.get(item.id, 0), st.cell_count(), st.cell_text())
            put(ws, row, 2, None if share is None else float(share), st.cell_percent(), st.cell_text())
            row += 1
        indices = section.fields_with_role("index")
        if indices:
            write_header_row(ws, st, row, ("Chỉ số (điểm trung bình theo số phiếu)", "Điểm", ""))
            row += 1
            score_fmt = st(border=1, num_format="0.00", font_size=11)
            for item in indices:
                value = survey.indices.get(item.id)
                ws.write_string(row, 0, item.label, st.cell_text())
                put(ws, row, 1, None if value is None else value / 100, score_fmt, st.cell_text())
                ws.write_blank(row, 2, None, st.cell_text())
                row += 1
            ws.write_string(row, 0, "Tổng điểm", st.cell_text(bold=True))
            put(ws, row, 1, None if survey.score is None else survey.score / 100,
                st(border=1, num_format="0.0", font_size=11, bold=True), st.cell_text())
            ws.write_blank(row, 2, None, st.cell_text())
            row += 1
            ws.write_string(row, 0, "Xếp loại", st.cell_text(bold=True))
            merge_text(ws, row, 1, row, 2, survey.rating, st.cell_text(bold=True, align="center"))
            row += 1
        note = section_note(parts, section)
        row = write_note(ws, st, row, 2, note, 98) if note else row + 1
    print_setup(ws, repeat=None, freeze=None)


def write_documents_sheet(ws: Worksheet, st: Styles, parts: ExportParts) -> None:
    widths = (6, 28, 8, 18, 14, 70)
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    top = write_title(ws, st, len(widths), "VĂN BẢN CHỈ ĐẠO, ĐIỀU HÀNH ĐÃ BAN HÀNH", parts)
    write_header_row(ws, st, top, ("STT", "Đơn vị", "Loại", "Số, ký hiệu", "Ngày ban hành", "Trích yếu"))
    date_fmt = st(border=1, num_format="dd/mm/yyyy", font_size=11, align="center")
    stt, text, centred = st.cell_count(align="center"), st.cell_text(), st.cell_text(align="center")
    for number, doc in enumerate(parts.result.documents, start=1):
        row = top + number
        ws.write_number(row, 0, number, stt)
        ws.write_string(row, 1, str(doc.get("unit_name", "")), text)
        ws.write_string(row, 2, str(doc.get("doc_type") or ""), centred)
        ws.write_string(row, 3, str(doc.get("number") or ""), text)
        issued = doc.get("issued_on")
        if isinstance(issued, (date, datetime)):
            ws.write_datetime(row, 4, issued if isinstance(issued, datetime) else datetime(issued.year, issued.month, issued.day), date_fmt)
        else:
            ws.write_string(row, 4, str(issued or ""), text)
        ws.write_string(row, 5, str(doc.get("summary") or ""), text)
    print_setup(ws, repeat=(top, top), freeze=(top + 1, 0))


def narrative_rows(parts: ExportParts):
    """(section, unit, text) in section then unit order, the reviewer's text first; only
    sections and units with text (who wrote nothing is on the completeness sheet)."""
    for section in parts.template.sections_of("narrative"):
        label = f"{section.number} {section.heading}"
        own = (parts.reviewer_texts.get(section.id) or "").strip()
        if own:
            yield label, f"{parts.reporting_unit} (tổng hợp)", own
        merge = parts.result.narratives.get(section.id)
        if merge is None:
            continue
        for unit_name, text in merge.entries:
            if text.strip():
                yield label, unit_name, text
    # A lower consolidation's own directive results, under its name, as the Word report prints them.
    for section in parts.template.sections_of("directives")[:1]:
        for unit_title, paragraphs in parts.received_followup:
            yield f"{section.number} {section.heading}", unit_title, "\n".join(text for text, _ in paragraphs)


def cell_chunks(text: str) -> list[str]:
    """A text in pieces Excel can hold, cut at line ends where possible (a reviewer's text
    has no length limit; a cell stops at 32,767 characters)."""
    chunks = []
    while len(text) > CELL_LIMIT:
        cut = text.rfind("\n", 0, CELL_LIMIT)
        cut = cut if cut > 0 else CELL_LIMIT
        chunks.append(text[:cut])
        text = text[cut:].lstrip("\n")
    return chunks + [text]


def measured(text: str, width: float) -> tuple[str, float]:
    """A text as written (XML-safe) and the height its wrapped lines need."""
    return xml_safe(text), wrapped_height(text, width)


def write_narrative_sheet(ws: Worksheet, st: Styles, parts: ExportParts) -> None:
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 26)
    ws.set_column(2, 2, 100)
    write_header_row(ws, st, 0, ("Mục", "Đơn vị", "Nội dung"))
    text_fmt = st.cell_text(valign="top")
    row = 0
    # A section's label comes back on every unit's row and a unit's name in every section:
    # each made XML-safe and measured once (14,000 rows at 1,000 units).
    labels: dict[str, tuple[str, float]] = {}
    names: dict[str, tuple[str, float]] = {}
    write, write_safe, set_row = ws.write_string, ws.write_safe_string, ws.set_row
    for label, unit_name, text in narrative_rows(parts):
        safe_label, label_height = labels.get(label) or labels.setdefault(label, measured(label, 34))
        safe_name, name_height = names.get(unit_name) or names.setdefault(unit_name, measured(unit_name, 26))
        beside = max(label_height, name_height)
        for n, chunk in enumerate(cell_chunks(text) if len(text) > CELL_LIMIT else (text,)):
            row += 1
            write_safe(row, 0, safe_label, text_fmt)
            if n:
                write(row, 1, f"{unit_name} (tiếp)", text_fmt)
            else:
                write_safe(row, 1, safe_name, text_fmt)
            write(row, 2, chunk, text_fmt)
            # Excel sizes rows only when it opens a file it wrote itself: rows never overlap in print.
            set_row(row, max(wrapped_height(chunk, 100), beside))
    print_setup(ws, repeat=(0, 0), freeze=(1, 0))
    if row:
        ws.autofilter(0, 0, row, 2)


def write_completeness_sheet(ws: Worksheet, st: Styles, parts: ExportParts) -> None:
    headings = ("STT", "Đơn vị", "Trạng thái", "Nộp lúc", "Đúng hạn", "Cán bộ đầu mối", "Điện thoại")
    for col, width in enumerate((6, 32, 16, 18, 12, 26, 16)):
        ws.set_column(col, col, width)
    top = write_title(ws, st, len(headings), "TÌNH HÌNH NỘP BÁO CÁO", parts)
    if parts.result.missing:
        merge_text(ws, 3, 0, 3, len(headings) - 1, "Chưa tổng hợp: " + ", ".join(parts.result.missing),
                   st(italic=True, text_wrap=True, font_size=11))
        top += 1
    write_header_row(ws, st, top, headings)
    when_fmt = st(border=1, num_format="dd/mm/yyyy hh:mm", font_size=11, align="center")
    stt, text, centred = st.cell_count(align="center"), st.cell_text(), st.cell_text(align="center")
    for number, line in enumerate(parts.completeness, start=1):
        row = top + number
        ws.write_number(row, 0, number, stt)
        ws.write_string(row, 1, line.unit_name, text)
        ws.write_string(row, 2, line.state, text)
        if line.submitted_at is not None:
            ws.write_datetime(row, 3, local_naive(line.submitted_at), when_fmt)  # stored UTC, read in Vietnam
        else:
            ws.write_blank(row, 3, None, text)
        on_time = "" if line.on_time is None else ("Đúng hạn" if line.on_time else "Muộn")
        ws.write_string(row, 4, on_time, centred)
        ws.write_string(row, 5, line.officer, text)
        ws.write_string(row, 6, line.phone, text)  # a string: keep the leading 0
    print_setup(ws, repeat=(top, top), freeze=(top + 1, 0))


STATUS_FILLS = {DONE: "#C6EFCE", IN_PROGRESS: "#FFEB9C", NOT_STARTED: "#F8CBAD", MISSING: "#D9D9D9"}


def write_followup_sheet(ws: Worksheet, st: Styles, parts: ExportParts) -> None:
    """Directive tasks × units, each cell the unit's status, coloured; counts under each task,
    then the tasks' content so a printed page can be read on its own."""
    columns = [(report, task) for report in parts.followup for task in report.tasks]
    units = grid_units(parts.followup)
    ncols = 2 + len(columns)
    ws.set_column(0, 0, 6)
    ws.set_column(1, 1, 34)
    ws.set_column(2, max(2, ncols - 1), 14)
    top = write_title(ws, st, max(ncols, 4), "TÌNH HÌNH THỰC HIỆN NHIỆM VỤ ĐƯỢC GIAO TẠI VĂN BẢN CHỈ ĐẠO", parts)
    write_header_row(ws, st, top, ["STT", "Đơn vị"] + [f"{r.number}\nNhiệm vụ {t.label}".strip() for r, t in columns])
    ws.set_row(top, 32)
    status_formats = {code: st.cell_text(align="center", bg_color=fill) for code, fill in STATUS_FILLS.items()}
    not_assigned = st.cell_text(align="center", font_color="#808080")
    for number, name in enumerate(units, start=1):
        row = top + number
        ws.write_number(row, 0, number, st.cell_count(align="center"))
        ws.write_string(row, 1, name, st.cell_text())
        for col, (_, task) in enumerate(columns, start=2):
            status = dict(task.units).get(name)
            if status is None:
                ws.write_string(row, col, "–", not_assigned)
            else:
                ws.write_string(row, col, COUNT_LABELS[status], status_formats[status])
    row = top + len(units) + 1
    for code in COUNT_ORDER:
        merge_text(ws, row, 0, row, 1, COUNT_LABELS[code], st.cell_text(bold=True, bg_color=STATUS_FILLS[code]))
        for col, (_, task) in enumerate(columns, start=2):
            ws.write_number(row, col, sum(1 for _, s in task.units if s == code), st.cell_count(bold=True))
        row += 1
    row += 1
    for report in parts.followup:
        merge_text(ws, row, 0, row, max(ncols, 4) - 1, f"{report.name} của {report.issuer}: {report.title}",
                   st(bold=True, text_wrap=True, font_size=11))
        row += 1
        for task in report.tasks:
            ws.write_string(row, 0, task.label, st(font_size=11, valign="top"))
            merge_text(ws, row, 1, row, max(ncols, 4) - 1, task.content, st(text_wrap=True, font_size=11, valign="top"))
            ws.set_row(row, 15 * max(1, len(task.content) // 140 + 1))
            row += 1
    print_setup(ws, repeat=(top, top), freeze=(top + 1, 2))


# --- the workbook ---------------------------------------------------------------------

def new_workbook(out: str | IO[bytes], created: datetime | None, title: str = "", issuer: str = "") -> SafeWorkbook:
    workbook = SafeWorkbook(out, WORKBOOK_OPTIONS)
    # A fixed creation date: equal inputs give byte-identical files (design §8).
    workbook.set_properties({"created": created or datetime(2000, 1, 1), "author": issuer or "Tổng hợp",
                             "title": title, "subject": issuer, "company": issuer})
    return workbook


@contextmanager
def cyclic_gc_paused():
    """The cyclic garbage collector off while a workbook is written. Default mode keeps a
    record per cell until the file is closed (about 90,000 at 1,000 units): each young
    collection finds them alive and the full collections they bring on walk the whole
    process's heap (in a worker, the app's too), a third of the writing time. Reference
    counting frees them all the same once the workbook is dropped (SafeWorkbook.close
    cuts XlsxWriter's one cycle). The switch is process-wide: a writer that finds it off
    leaves it to whoever turned it off."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def write_round_workbook(parts: ExportParts, out: str | IO[bytes]) -> None:
    """The consolidated (or one unit's) workbook, written to a path or a binary file."""
    with cyclic_gc_paused():
        _write_round_workbook(parts, out)


def _write_round_workbook(parts: ExportParts, out: str | IO[bytes]) -> None:
    title = f"{parts.template.title} {parts.period_label[:1].lower()}{parts.period_label[1:]}".strip()
    workbook = new_workbook(out, parts.created, title, parts.reporting_unit)
    st = Styles(workbook)
    taken: set[str] = set()
    template, result = parts.template, parts.result
    tables = template.sections_of("table")
    several = len(tables) > 1
    for section in tables:
        ws = workbook.add_worksheet(sheet_name(form_sheet_name(template, section, several), taken))
        write_table_sheet(ws, st, parts, section, result.tables[section.id])
    if parts.consolidated:
        for section in tables:
            name = f"Theo đơn vị {section.id}" if several else "Theo đơn vị"
            write_breakdown_sheet(workbook.add_worksheet(sheet_name(name, taken)), st, parts, section,
                                  result.tables[section.id])
        write_charts(workbook.add_worksheet(sheet_name("Biểu đồ", taken)), workbook, st, parts)
    if template.sections_of("indicators"):
        write_indicators_sheet(workbook.add_worksheet(sheet_name("Chỉ tiêu", taken)), st, parts)
    if template.sections_of("satisfaction"):
        write_survey_sheet(workbook.add_worksheet(sheet_name("Khảo sát", taken)), st, parts)
    if template.sections_of("documents"):
        write_documents_sheet(workbook.add_worksheet(sheet_name("Văn bản", taken)), st, parts)
    if template.sections_of("narrative"):
        write_narrative_sheet(workbook.add_worksheet(sheet_name("Nội dung", taken)), st, parts)
    if parts.followup:
        write_followup_sheet(workbook.add_worksheet(sheet_name("Theo dõi chỉ đạo", taken)), st, parts)
    if parts.completeness:
        write_completeness_sheet(workbook.add_worksheet(sheet_name("Tình hình nộp", taken)), st, parts)
    workbook.close()

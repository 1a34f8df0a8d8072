"""Excel round trip for a unit: download its tables, fill them offline, upload them back.

The downloaded file carries a hidden "_meta" sheet: round, unit, submission, template
code and version, and where each input cell sits (sheet, cell, key). An upload is matched
on those, read cell by cell with the domain's own parsers, and compared with what is
stored; nothing here saves anything (the view does, after the officer confirms).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO

from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from xlsxwriter.utility import xl_rowcol_to_cell

from ..reporting.diff import key_label
from ..reporting.keys import cell_key, field_key
from ..reporting.numbers import InvalidNumber, format_count, format_score
from ..reporting.templates import ReportTemplate, Section
from ..reporting.validation import parse_value
from ..uploads import UploadRefused, open_workbook, sheet_rows
from .layout import LABEL_COLUMNS
from .xlsx import (
    Styles,
    form_sheet_name,
    merge_text,
    new_workbook,
    print_setup,
    put,
    set_table_widths,
    sheet_name,
    write_form_header,
    write_table_band,
)

META_SHEET = "_meta"
META_FORMAT = 1
CELLS_HEADER_ROW = 8  # 0-based row where the (sheet, cell, key) list starts in _meta
# Input cells sit within this area of their sheet; a reference outside it is not ours.
MAX_SHEET_ROWS = 10_000
MAX_SHEET_COLUMNS = 200

MSG_NO_META = "Tệp này không phải mẫu Excel tải từ hệ thống (thiếu trang _meta); hãy tải mẫu mới và nhập lại."
MSG_OTHER_ROUND = "Tệp này thuộc đợt báo cáo khác; hãy tải mẫu Excel của đợt này."
MSG_OTHER_UNIT = "Tệp này là mẫu của đơn vị khác; hãy tải mẫu Excel của đơn vị mình."
MSG_OTHER_TEMPLATE = "Tệp này theo mẫu báo cáo khác hoặc phiên bản khác của mẫu; hãy tải mẫu Excel mới."
MSG_NOT_A_VALUE = "Giá trị không đọc được (chỉ nhập số)"


@dataclass(frozen=True)
class EntryMeta:
    round_id: int
    unit_id: int
    submission_id: int
    template_code: str
    template_version: int


@dataclass(frozen=True)
class CellChange:
    key: str
    where: str  # "Biểu 06a!D9"
    label: str
    old: str
    new: str
    text: str  # canonical text to save, parsed again by save_values
    clears: bool = False  # an empty cell over a stored value, applied only when the officer asks


@dataclass(frozen=True)
class CellProblem:
    key: str
    where: str
    label: str
    typed: str
    message: str


@dataclass
class UploadResult:
    refused: str | None = None
    changes: list[CellChange] = field(default_factory=list)  # new figures, and clearings when asked
    problems: list[CellProblem] = field(default_factory=list)
    kept_empty: int = 0  # empty cells over stored values, left unchanged

    @property
    def updates(self) -> list[CellChange]:
        return [c for c in self.changes if not c.clears]

    @property
    def clearings(self) -> list[CellChange]:
        return [c for c in self.changes if c.clears]


# --- writing ----------------------------------------------------------------------------

def _score_value(value) -> float | None:
    return None if value is None else value / 100


def write_entry_workbook(template: ReportTemplate, values: Mapping[str, object], meta: EntryMeta,
                         out: str | IO[bytes], *, unit_name: str, period_label: str, period_window: str,
                         receiving_unit: str = "", filled: bool = False) -> None:
    """Input cells unlocked (prefilled when ``filled``), computed cells locked formulas."""
    workbook = new_workbook(out, None)
    st = Styles(workbook)
    taken: set[str] = {META_SHEET.lower()}
    cells: list[tuple[str, str, str]] = []
    shown = values if filled else {}
    tables = template.sections_of("table")
    for section in tables:
        name = sheet_name(form_sheet_name(template, section, len(tables) > 1), taken)
        ws = workbook.add_worksheet(name)
        cells += _write_entry_table(ws, st, template, section, shown, unit_name=unit_name, period_label=period_label,
                                    period_window=period_window, receiving_unit=receiving_unit)
        cells = [(name if s is None else s, ref, key) for s, ref, key in cells]
    counted = [s for s in template.sections if s.kind in ("indicators", "satisfaction")]
    if counted:
        name = sheet_name("Chỉ tiêu", taken)
        ws = workbook.add_worksheet(name)
        cells += [(name, ref, key) for ref, key in _write_entry_fields(ws, st, counted, shown, unit_name, period_label)]
    _write_meta(workbook.add_worksheet(META_SHEET), meta, cells)
    workbook.close()


def _write_entry_table(ws, st, template, section: Section, values, **names) -> list[tuple[None, str, str]]:
    ncols = LABEL_COLUMNS + len(section.columns)
    set_table_widths(ws, section)
    top = write_form_header(
        ws, st, ncols, form_code=template.form_code or section.number, title=section.heading,
        period_line=f"Kỳ báo cáo: {names['period_label']}", window=names["period_window"],
        right_lines=(f"Đơn vị báo cáo: {names['unit_name']}",
                     f"Đơn vị nhận báo cáo: {names['receiving_unit']}",
                     f"Đơn vị tính: {section.unit_label}" if section.unit_label else ""),
    )
    merge_text(ws, 3, 0, 3, ncols - 1, "Nhập số vào các ô nền trắng; các cột tổng tự tính. Không thêm, xóa dòng hoặc cột.",
               st(italic=True, font_size=11, align="left"))
    first = write_table_band(ws, st, section, top)
    entry = st.cell_count(locked=False, bg_color="#FFFFFF")
    computed = st.cell_count(bold=True, bg_color="#EEEEEE")
    text = st.cell_text()
    position = {c.id: LABEL_COLUMNS + i for i, c in enumerate(section.columns)}
    found: list[tuple[None, str, str]] = []
    rows = section.rows
    for index, row in enumerate(rows):
        r = first + index
        ws.write_number(r, 0, index + 1, st.cell_count(align="center"))
        ws.write_string(r, 1, row.label, text)
        for column in section.columns:
            c = position[column.id]
            if column.is_input:
                key = cell_key(section.id, row.code, column.id)
                put(ws, r, c, values.get(key), entry, entry)
                found.append((None, xl_rowcol_to_cell(r, c), key))
            else:
                refs = "+".join(xl_rowcol_to_cell(r, position[ref]) for ref in column.computed)
                cached = sum(_int(values.get(cell_key(section.id, row.code, ref))) for ref in column.computed)
                ws.write_formula(r, c, f"={refs}", computed, cached)
    total_row = first + len(rows)
    ws.write_blank(total_row, 0, None, text)
    ws.write_string(total_row, 1, "Tổng cộng", st.cell_text(bold=True))
    if rows:
        for column in section.columns:
            c = position[column.id]
            span = f"{xl_rowcol_to_cell(first, c)}:{xl_rowcol_to_cell(total_row - 1, c)}"
            cached = sum(
                _int(values.get(cell_key(section.id, row.code, ref)))
                for row in rows for ref in (column.computed or (column.id,))
            )
            ws.write_formula(total_row, c, f"=SUM({span})", computed, cached)
    ws.protect("", {"format_columns": True, "format_rows": True})
    print_setup(ws, repeat=(top, first - 1), freeze=(first, LABEL_COLUMNS))
    return found


def _write_entry_fields(ws, st, sections: list[Section], values, unit_name: str, period_label: str):
    ws.set_column(0, 0, 7)
    ws.set_column(1, 1, 80)
    ws.set_column(2, 2, 14)
    merge_text(ws, 0, 0, 0, 2, "CÁC CHỈ TIÊU", st(bold=True, align="center", font_size=13))
    merge_text(ws, 1, 0, 1, 2, f"{unit_name} · Kỳ báo cáo: {period_label}", st(italic=True, align="center"))
    for col, heading in enumerate(("STT", "Chỉ tiêu", "Số liệu")):
        ws.write_string(3, col, heading, st.heading())
    entry = st.cell_count(locked=False)
    score = st(border=1, num_format="0.00", font_size=11, locked=False)
    row = 4
    found = []
    for section in sections:
        merge_text(ws, row, 0, row, 2, f"{section.number} {section.heading}", st.cell_text(bold=True))
        row += 1
        for number, item in enumerate(section.fields, start=1):
            key = field_key(section.id, item.id)
            is_score = item.kind == "score"
            ws.write_string(row, 0, str(number), st.cell_text(align="center"))
            ws.write_string(row, 1, f"{item.label} (điểm 0–2)" if is_score else item.label, st.cell_text())
            value = values.get(key)
            put(ws, row, 2, _score_value(value) if is_score else value, score if is_score else entry, entry)
            found.append((xl_rowcol_to_cell(row, 2), key))
            row += 1
    ws.protect("", {"format_columns": True, "format_rows": True})
    print_setup(ws, repeat=(3, 3), freeze=(4, 0))
    return found


def _write_meta(ws, meta: EntryMeta, cells: list[tuple[str, str, str]]) -> None:
    rows = [("format", META_FORMAT), ("round_id", meta.round_id), ("unit_id", meta.unit_id),
            ("submission_id", meta.submission_id), ("template_code", meta.template_code),
            ("template_version", meta.template_version)]
    for r, (name, value) in enumerate(rows):
        ws.write_string(r, 0, name)
        put(ws, r, 1, value, None, None)
    for c, heading in enumerate(("sheet", "cell", "key")):
        ws.write_string(CELLS_HEADER_ROW, c, heading)
    for r, (sheet, ref, key) in enumerate(cells, start=CELLS_HEADER_ROW + 1):
        ws.write_string(r, 0, sheet)
        ws.write_string(r, 1, ref)
        ws.write_string(r, 2, key)
    ws.protect()
    ws.hide()


def _int(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


# --- reading ----------------------------------------------------------------------------

# The _meta sheet: a few header rows, then one (sheet, cell, key) row per input cell.
META_COLUMNS = 3


def read_meta(workbook, max_cells: int) -> tuple[dict[str, object], list[tuple[str, str, str]]] | None:
    """The header and cell list of the _meta sheet, read no further than ``max_cells``
    cell rows (a longer list cannot belong to this template)."""
    if META_SHEET not in workbook.sheetnames:
        return None
    info: dict[str, object] = {}
    cells: list[tuple[str, str, str]] = []
    rows = sheet_rows(workbook, META_SHEET, CELLS_HEADER_ROW + 1 + max_cells, META_COLUMNS, too_many=MSG_OTHER_TEMPLATE)
    for index, row in enumerate(rows):
        if index < CELLS_HEADER_ROW:
            if row[0]:
                info[str(row[0])] = row[1]
        elif index > CELLS_HEADER_ROW and all(row):
            cells.append((str(row[0]), str(row[1]), str(row[2])))
    return info, cells


def _position(ref: str) -> tuple[int, int] | None:
    """"D9" → (9, 4); None for anything that is not a plain cell reference in range."""
    try:
        column, row = coordinate_from_string(ref)
        col = column_index_from_string(column)
    except ValueError:
        return None
    return (row, col) if 0 < row <= MAX_SHEET_ROWS and 0 < col <= MAX_SHEET_COLUMNS else None


def _cell_values(workbook, wanted: dict[str, dict[tuple[int, int], str]]) -> dict[tuple[str, int, int], object]:
    """The values at the wanted positions, each sheet streamed once up to its last wanted cell."""
    found = {}
    for sheet, positions in wanted.items():
        last_row = max(r for r, _ in positions)
        last_col = max(c for _, c in positions)
        for r, row in enumerate(sheet_rows(workbook, sheet, last_row, last_col, refuse_beyond=False), start=1):
            for c, value in enumerate(row, start=1):
                if (r, c) in positions:
                    found[(sheet, r, c)] = value
    return found


def _same(value, expected) -> bool:
    try:
        return int(value) == int(expected)
    except (TypeError, ValueError):
        return False


def cell_text(value) -> str:
    """What the officer typed, as text for the domain's parsers (which give the messages)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        raise InvalidNumber(MSG_NOT_A_VALUE)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Excel holds 25.5 for what the officer typed as 25,5: shown back the Vietnamese way.
        return str(int(value)) if value.is_integer() else repr(value).replace(".", ",")
    if isinstance(value, str):
        return value
    raise InvalidNumber(MSG_NOT_A_VALUE)  # dates, times: Excel turned the typing into something else


def _as_typed(raw) -> str:
    """A cell that could not be read, shown as the officer typed it (25.5 → "25,5")."""
    if isinstance(raw, (int, float, str)) and not isinstance(raw, bool):
        return cell_text(raw)
    return "" if raw is None else str(raw)


def show(value, kind: str | None) -> str:
    if value is None:
        return "(trống)"
    if kind == "score":
        return format_score(value, places=2).rstrip("0").rstrip(",")
    return format_count(value) if isinstance(value, int) else str(value)


def canonical_text(value, kind: str | None) -> str:
    """The parsed value written back as text that parse_value reads to the same value."""
    if value is None:
        return ""
    if kind == "score":
        return f"{value // 100},{value % 100:02d}"
    return str(value)


def read_upload(data: bytes, template: ReportTemplate, meta: EntryMeta,
                stored: Mapping[str, object], clear_empty: bool = False) -> UploadResult:
    """Compare an uploaded workbook with the stored values: changes, and bad cells with reasons.

    The file passes the upload limits first (app.uploads); only the _meta sheet and the
    sheets it names are read, each no further than its last input cell. An empty cell
    means "no change" (a blank template with one row filled must not wipe the rest),
    unless ``clear_empty``: the officer ticked "xóa các ô để trống"."""
    try:
        with open_workbook(data) as workbook:
            return _compare(workbook, template, meta, stored, clear_empty)
    except UploadRefused as refused:
        return UploadResult(refused=refused.message)


def _compare(workbook, template: ReportTemplate, meta: EntryMeta, stored: Mapping[str, object],
             clear_empty: bool) -> UploadResult:
    inputs = set(template.input_keys())
    found = read_meta(workbook, len(inputs))
    if found is None:
        return UploadResult(refused=MSG_NO_META)
    info, cells = found
    if not _same(info.get("round_id"), meta.round_id):
        return UploadResult(refused=MSG_OTHER_ROUND)
    if not _same(info.get("unit_id"), meta.unit_id):
        return UploadResult(refused=MSG_OTHER_UNIT)
    if str(info.get("template_code")) != meta.template_code or not _same(info.get("template_version"), meta.template_version):
        return UploadResult(refused=MSG_OTHER_TEMPLATE)
    wanted: dict[str, dict[tuple[int, int], str]] = {}
    for sheet, ref, key in cells:
        position = _position(ref)
        if key not in inputs or sheet == META_SHEET or sheet not in workbook.sheetnames or position is None:
            return UploadResult(refused=MSG_OTHER_TEMPLATE)
        wanted.setdefault(sheet, {})[position] = key
    values = _cell_values(workbook, wanted)
    result = UploadResult()
    for sheet, ref, key in cells:
        where = f"{sheet}!{ref}"
        raw = values.get((sheet, *_position(ref)))
        kind = template.key_kind(key)
        try:
            text = cell_text(raw)
            value = parse_value(template, key, text)
        except InvalidNumber as exc:
            result.problems.append(CellProblem(key, where, key_label(template, key), _as_typed(raw), exc.message))
            continue
        old = stored.get(key)
        if value == old:
            continue
        if value is None and not clear_empty:
            result.kept_empty += 1
            continue
        result.changes.append(CellChange(key, where, key_label(template, key), show(old, kind), show(value, kind),
                                         canonical_text(value, kind), clears=value is None))
    return result

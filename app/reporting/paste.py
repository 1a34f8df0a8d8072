"""Pasting a block copied from Excel (tab-separated) onto a table, from the focused cell."""
from __future__ import annotations

from collections.abc import Mapping

from .keys import cell_key
from .numbers import InvalidNumber, format_count, parse_count
from .templates import ReportTemplate
from .validation import compute


def paste_entries(template: ReportTemplate, section_id: str, start_row: str, start_col: str, text: str) -> tuple[
        list[tuple[str, str]], list[tuple[str, str, int]]]:
    """Map a tab-separated block copied from Excel onto the table from the focused cell.

    Returns (input entries to save, computed cells to check: key, typed, row index). Cells
    that fall on computed columns are not stored: officers paste the official layout,
    totals included, and those are checked against what the portal computes.
    """
    section = template.section(section_id)
    rows = list(section.rows)
    columns = list(section.columns)
    row_index = next(i for i, r in enumerate(rows) if r.code == start_row)
    col_index = next(i for i, c in enumerate(columns) if c.id == start_col)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n").split("\n")
    inputs: list[tuple[str, str]] = []
    checks: list[tuple[str, str, int]] = []
    for r_off, line in enumerate(lines):
        if row_index + r_off >= len(rows):
            break
        row = rows[row_index + r_off]
        for c_off, cell in enumerate(line.split("\t")):
            if col_index + c_off >= len(columns):
                break
            column = columns[col_index + c_off]
            key = cell_key(section_id, row.code, column.id)
            if column.is_input:
                inputs.append((key, cell.strip()))
            elif cell.strip():
                checks.append((key, cell.strip(), row_index + r_off))
    return inputs, checks


def check_pasted_totals(template: ReportTemplate, values: Mapping[str, object],
                        checks: list[tuple[str, str, int]]) -> dict[str, str]:
    """Totals pasted with the block are compared with what the portal computes from the
    saved cells; a wrong one is named, never stored (the row indices are not needed)."""
    derived = compute(template, values)
    problems = {}
    for key, typed, _ in checks:
        try:
            pasted = parse_count(typed)
        except InvalidNumber as exc:
            problems[key] = f"Ô tổng: {exc}"
            continue
        if derived.get(key, 0) != pasted:
            problems[key] = (f"Số dán vào ({format_count(pasted)}) khác tổng tính được "
                             f"({format_count(derived.get(key, 0))}); kiểm tra các ô thành phần.")
    return problems

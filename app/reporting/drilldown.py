"""Drill-down from a consolidated cell: the units behind it, each with its share, sortable,
and a label a reader understands ("Lĩnh vực Hộ tịch · Số hồ sơ đã giải quyết — Trước hạn (8)")."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from .consolidation import UnitInput, contributions
from .keys import cell_key, parse_key
from .numbers import ratio
from .progress import fold
from .templates import ReportTemplate

SORTS = {"order": "Thứ tự đơn vị", "name": "Tên đơn vị", "value": "Số liệu"}


@dataclass(frozen=True)
class Part:
    unit_id: int
    unit_name: str
    value: int
    share: Decimal | None  # of the consolidated cell; None when the cell is 0
    position: int  # the unit order


def cell_label(template: ReportTemplate, key: str) -> str:
    """A consolidated cell named the way the printed form names it."""
    try:
        section_id, part, column_id = parse_key(key)
        section = template.section(section_id)
    except (KeyError, ValueError):
        return key
    head = f"{section.id}. {section.heading}".strip()
    if column_id is None:
        label = next((f.label for f in section.fields if f.id == part), part)
        return f"{head} · {label}"
    column = next((c for c in section.columns if c.id == column_id), None)
    column_text = f"{' — '.join(column.headings)} {column.number}".strip() if column else column_id
    if part == "_total":
        row_text = "Tổng cộng"
    elif part.startswith("_group:"):
        code = part.split(":", 1)[1]
        row_text = next((g.label for g in section.groups if g.code == code), code)
    else:
        row_text = "Lĩnh vực " + next((r.label for r in section.rows if r.code == part), part)
    return f"{head} · {row_text} · {column_text}"


def stored_parts(template: ReportTemplate, key: str) -> tuple[str, ...] | None:
    """The stored keys a table cell, subtotal or total adds up (a computed column stands for
    its parts), so the database can sum each unit's share; None for any other key."""
    try:
        section_id, part, column_id = parse_key(key)
        section = template.section(section_id)
    except (KeyError, ValueError):
        return None
    if section.kind != "table" or column_id is None:
        return (key,) if template.key_kind(key) == "count" else None

    def inputs(column_id: str) -> list[str]:
        column = section.column(column_id)
        return [c for ref in column.computed for c in inputs(ref)] if column.computed else [column_id]

    if part == "_total":
        rows = [r.code for r in section.rows]
    elif part.startswith("_group:"):
        rows = [r.code for r in section.rows if r.group == part.split(":", 1)[1]]
    else:
        rows = [part]
    return tuple(cell_key(section_id, row, c) for row in rows for c in inputs(column_id))


def unit_values(template: ReportTemplate, units: Sequence[UnitInput], key: str) -> list[tuple[int, str, int]]:
    """(unit id, name, value of ``key``) from the units' loaded values, for keys that are not plain sums."""
    return [(u.unit_id, name, value) for u, (name, value) in zip(units, contributions(template, units, key))]


def drilldown(values: Sequence[tuple[int, str, int]], sort: str = "order",
              descending: bool = False) -> tuple[list[Part], int]:
    """Each unit's part of the cell (``values`` in unit order) with its share of the total,
    sorted; and the total."""
    total = sum(v for _, _, v in values)
    parts = [Part(unit_id, name, value, ratio(value, total), i) for i, (unit_id, name, value) in enumerate(values)]
    keys = {"order": lambda p: p.position, "name": lambda p: fold(p.unit_name), "value": lambda p: p.value}
    parts.sort(key=keys.get(sort, keys["order"]), reverse=descending)
    return parts, total


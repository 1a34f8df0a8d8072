"""Drill-down from a consolidated cell: the units behind it, each with its share, sortable,
and a label a reader understands ("Lĩnh vực Hộ tịch · Số hồ sơ đã giải quyết — Trước hạn (8)")."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from .consolidation import UnitInput, contributions
from .keys import parse_key
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


def drilldown(template: ReportTemplate, units: Sequence[UnitInput], key: str, sort: str = "order",
              descending: bool = False) -> tuple[list[Part], int]:
    """Each unit's part of the cell with its share of the total, sorted; and the total."""
    values = contributions(template, units, key)
    total = sum(v for _, v in values)
    parts = [Part(u.unit_id, name, value, ratio(value, total), i) for i, (u, (name, value)) in enumerate(zip(units, values))]
    keys = {"order": lambda p: p.position, "name": lambda p: fold(p.unit_name), "value": lambda p: p.value}
    parts.sort(key=keys.get(sort, keys["order"]), reverse=descending)
    return parts, total


"""What changed in a submission between the version a reviewer returned and the resubmission."""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from .keys import GROUP_PREFIX, NOTE, SCORE, SEP, TEXT, TOTAL
from .numbers import format_count
from .templates import ReportTemplate


@dataclass(frozen=True)
class Change:
    key: str
    label: str
    old: str
    new: str
    text_diff: tuple[tuple[str, str], ...] = ()  # (op, line) with op in " ", "-", "+"


def key_label(template: ReportTemplate, key: str) -> str:
    """The name a person reads for a key, never an internal code:
    "I.4 Hộ tịch — (4) Số hồ sơ nhận giải quyết, Trong kỳ, Trực tuyến",
    "I.4 Tổng lĩnh vực đất đai — (3) …", "I.4 Tổng cộng — (7) …", "I.5.5 Điểm đánh giá"."""
    parts = key.split(SEP)
    try:
        section = template.section(parts[0])
    except KeyError:
        return key
    if section.kind == "directives" and len(parts) == 3:
        part = {"status": "tình trạng", "text": "kết quả thực hiện", "docs": "văn bản đã ban hành"}.get(parts[2], parts[2])
        return f"{section.id} nhiệm vụ (mã {parts[1][1:]}) — {part}"
    where = f"{section.id} {section.heading}" if len(parts) == 2 else section.id
    if len(parts) == 3:
        part, column_id = parts[1], parts[2]
        if part == TOTAL:
            row = "Tổng cộng"
        elif part.startswith(GROUP_PREFIX):
            code = part[len(GROUP_PREFIX):]
            row = next((g.label for g in section.groups if g.code == code), "Nhóm lĩnh vực")
        else:
            row = next((r.label for r in section.rows if r.code == part), part)
        column = next((c for c in section.columns if c.id == column_id), None)
        heading = f"{column.number} {', '.join(column.headings)}" if column else column_id
        return f"{section.id} {row} — {heading}"
    part = parts[1] if len(parts) > 1 else ""
    if part == TEXT:
        return where
    if part == NOTE:
        return f"{where} — Thuyết minh"
    if part == SCORE:
        return f"{section.id} Điểm đánh giá (tổng các chỉ số)"
    field = next((f.label for f in section.fields if f.id == part), part)
    return f"{section.id} {field}"


def _show(value) -> str:
    if value is None:
        return "(trống)"
    return format_count(value) if isinstance(value, int) else str(value)


def diff_submissions(template: ReportTemplate, before: dict, after: dict) -> list[Change]:
    order = {k: i for i, k in enumerate(template.field_keys())}
    changes = []
    for key in sorted(set(before) | set(after), key=lambda k: (order.get(k, len(order)), k)):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        text_diff: tuple = ()
        if isinstance(old, str) or isinstance(new, str):
            lines = difflib.ndiff((old or "").splitlines(), (new or "").splitlines())
            text_diff = tuple((line[0], line[2:]) for line in lines if line[0] in " -+")
        changes.append(Change(key, key_label(template, key), _show(old), _show(new), text_diff))
    return changes

"""The printed table's geometry, shared by the Excel and Word writers.

A column's ``headings`` run from the top header row down; its last heading spans the rows
left below it. Equal neighbouring headings under the same parent are merged, as on the
paper form 06a ("Số hồ sơ nhận giải quyết" over (3)…(6), "Trong kỳ" over (4)…(5)).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..reporting.templates import Section

LABEL_COLUMNS = 2  # STT and the row label come before the template's columns
DEFAULT_LABEL_HEADINGS = ("STT", "Nội dung")


@dataclass(frozen=True)
class HeaderCell:
    first_row: int  # 0-based within the header band
    last_row: int
    first_col: int  # 0-based, counting the STT and label columns
    last_col: int
    text: str

    @property
    def merged(self) -> bool:
        return self.first_row != self.last_row or self.first_col != self.last_col


def header_depth(section: Section) -> int:
    return max((len(c.headings) for c in section.columns), default=1) or 1


def label_headings(section: Section, second: str | None = None) -> tuple[str, str]:
    labels = tuple(section.label_headings) + DEFAULT_LABEL_HEADINGS[len(section.label_headings):]
    return labels[0], second or labels[1]


def header_cells(section: Section, second_label: str | None = None) -> list[HeaderCell]:
    """Every header cell with its span; the STT and label headings span the whole band."""
    depth = header_depth(section)
    first, second = label_headings(section, second_label)
    cells = [HeaderCell(0, depth - 1, 0, 0, first), HeaderCell(0, depth - 1, 1, 1, second)]
    columns = section.columns
    for level in range(depth):
        index = 0
        while index < len(columns):
            headings = columns[index].headings
            if len(headings) <= level:
                index += 1
                continue
            prefix = headings[: level + 1]
            is_last = len(headings) == level + 1
            end = index
            while end + 1 < len(columns):
                other = columns[end + 1].headings
                if other[: level + 1] != prefix or (len(other) == level + 1) != is_last:
                    break
                end += 1
            cells.append(HeaderCell(
                level, depth - 1 if is_last else level,
                LABEL_COLUMNS + index, LABEL_COLUMNS + end, prefix[-1],
            ))
            index = end + 1
    return cells


def column_numbers(section: Section) -> list[str]:
    """The column-number row: (1), (2), then each column's own number."""
    return ["(1)", "(2)"] + [c.number or f"({i + 3})" for i, c in enumerate(section.columns)]

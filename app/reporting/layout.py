"""Layout of a table's multi-row header, shared by the entry page and the exports."""
from __future__ import annotations

from dataclasses import dataclass

from .templates import Column


@dataclass(frozen=True)
class HeaderCell:
    text: str
    first_column: int  # index into the section's columns
    colspan: int
    rowspan: int


def header_cells(columns: tuple[Column, ...] | list[Column], depth: int = 3) -> list[list[HeaderCell]]:
    """Rows of merged header cells: neighbours sharing a heading path merge across; a column
    with fewer headings than ``depth`` lets its last heading span the rows below."""
    rows: list[list[HeaderCell]] = [[] for _ in range(depth)]
    for level in range(depth):
        i = 0
        while i < len(columns):
            headings = columns[i].headings
            if level >= len(headings):
                i += 1
                continue
            path = headings[: level + 1]
            j = i + 1
            while j < len(columns) and columns[j].headings[: level + 1] == path and len(columns[j].headings) > level:
                if (len(headings) == level + 1) != (len(columns[j].headings) == level + 1):
                    break
                j += 1
            rowspan = depth - level if len(headings) == level + 1 else 1
            rows[level].append(HeaderCell(headings[level], i, j - i, rowspan))
            i = j
    return rows

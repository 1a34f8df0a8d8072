"""Carrying a consolidation up one level when the two levels' catalogues differ.

A district may add fields of its own (danh mục lĩnh vực riêng); the province's template
does not have those rows. Their dossiers must still reach the province's totals: they are
added to the province's "Lĩnh vực khác" row, never silently dropped.
"""
from __future__ import annotations

from collections.abc import Mapping

from .keys import cell_key, parse_key
from .templates import ReportTemplate

OTHER_ROW = "khac"  # Lĩnh vực khác


def fold_unknown_rows(source: ReportTemplate, target: ReportTemplate,
                      values: Mapping[str, int | str]) -> tuple[dict[str, int | str], list[str]]:
    """``values`` (keyed for ``source``) rekeyed for ``target``: cells of catalogue rows the
    target lacks are summed into its "khac" row. Returns the values and the labels of rows
    with dossiers that have nowhere to go (no "khac" row in the target)."""
    folded: dict[str, int | str] = {}
    unplaced: list[str] = []

    def add(key: str, value: int | str) -> None:
        if isinstance(value, int) and isinstance(folded.get(key), int):
            folded[key] += value
        else:
            folded[key] = value

    for key, value in values.items():
        try:
            section_id, row_code, column_id = parse_key(key)
            section = target.section(section_id)
        except (ValueError, KeyError):
            add(key, value)
            continue
        if (column_id is None or target.key_kind(key) is not None or section.kind != "table"
                or section.rows_source != "catalogue" or not isinstance(value, int)):
            add(key, value)
            continue
        other = cell_key(section_id, OTHER_ROW, column_id)
        if target.key_kind(other) == "count":
            add(other, value)
        elif value:
            label = next((r.label for r in source.section(section_id).rows if r.code == row_code), row_code)
            if label not in unplaced:
                unplaced.append(label)
    return folded, unplaced


def combine_series(parts: list[tuple[str, Mapping[str, int | str]]]) -> dict[str, int | str]:
    """One unit's history made of several units' reports (a merger): counts summed, texts
    kept with the name of the unit that wrote them. ``parts`` is (unit name, values)."""
    if len(parts) == 1:
        return dict(parts[0][1])
    combined: dict[str, int | str] = {}
    texts: dict[str, list[str]] = {}
    for name, values in parts:
        for key, value in values.items():
            if isinstance(value, str):
                texts.setdefault(key, []).append(f"{name}:\n{value}")
            else:
                combined[key] = combined.get(key, 0) + value
    combined.update({key: "\n\n".join(chunks) for key, chunks in texts.items()})
    return combined

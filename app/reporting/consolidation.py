"""Consolidation (tổng hợp): many units' submissions → the consolidating unit's report.

Counts are summed key by key; everything derived (computed columns, subtotals, totals,
shares, ratios, survey score and rating) is recomputed from the sums, never averaged,
so a district total always equals what its communes typed. Narrative text is merged
with each unit's name, in unit order. The result depends only on the inputs, in order:
the same inputs give equal results and byte-identical exports.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from .keys import cell_key, field_key, group_key, parse_key, score_key, text_key, total_key
from .numbers import ratio
from .templates import Ratio, ReportTemplate, Section
from .validation import number_or_zero, compute, table_rows

EMPTY_UNITS_PREFIX = "Không có nội dung: "


@dataclass(frozen=True)
class UnitInput:
    """One unit's submission as the domain sees it; list units in the order to print them."""

    unit_id: int
    unit_name: str
    values: Mapping[str, int | str]
    documents: Sequence[Mapping] = ()
    provisional: bool = False  # submitted but not yet approved: shown in a provisional view


@dataclass(frozen=True)
class TableRow:
    code: str
    label: str
    group: str | None
    values: dict[str, int]  # column id → value, computed columns included


@dataclass(frozen=True)
class GroupResult:
    code: str
    label: str
    values: dict[str, int]


@dataclass(frozen=True)
class TableResult:
    section_id: str
    rows: tuple[TableRow, ...]
    groups: tuple[GroupResult, ...]
    total: dict[str, int]
    ratio_definitions: tuple[Ratio, ...] = ()

    def ratios(self, values: Mapping[str, int]) -> dict[str, Decimal | None]:
        """The template's ratios (on-time share…) for one row, subtotal or the total."""
        return {
            r.name: ratio(
                sum(values.get(c, 0) for c in r.numerator),
                sum(values.get(c, 0) for c in r.denominator),
            )
            for r in self.ratio_definitions
        }

    def group(self, code: str) -> GroupResult:
        for group in self.groups:
            if group.code == code:
                return group
        raise KeyError(code)


@dataclass(frozen=True)
class SatisfactionResult:
    forms: int
    counts: dict[str, int]  # level field id → forms
    shares: dict[str, Decimal | None]  # level → summed count / summed forms
    indices: dict[str, int | None]  # index field id → average weighted by forms (hundredths)
    score: int | None  # sum of the averaged indices (hundredths)
    rating: str  # re-derived from the score with the template's bands


@dataclass(frozen=True)
class NarrativeMerge:
    entries: list[tuple[str, str]]  # (unit name, text) for units that wrote something
    empty_units: list[str]
    merged_text: str


@dataclass(frozen=True)
class Consolidation:
    template: ReportTemplate
    values: dict[str, int]  # summed inputs + derived keys; survey indices are weighted averages
    tables: dict[str, TableResult]
    breakdown: dict[str, list[tuple[int, str, dict[str, int]]]]  # rows = units, table totals
    indicators: dict[str, dict[str, int]]
    satisfaction: dict[str, SatisfactionResult]
    documents: list[dict]
    narratives: dict[str, NarrativeMerge]
    missing: tuple[str, ...]
    provisional_units: tuple[str, ...]
    units: tuple[UnitInput, ...] = field(repr=False, default=())

    def contributions(self, key: str) -> list[tuple[str, int]]:
        """Each unit's part of a consolidated cell (stored, computed or total key)."""
        return contributions(self.template, self.units, key)

    def as_submission(self) -> dict[str, int | str]:
        """Stored keys for the consolidating unit's own report upward (reviewer edits text)."""
        stored: dict[str, int | str] = {
            k: v for k, v in self.values.items() if self.template.key_kind(k) in ("count", "score")
        }
        for section_id, merge in self.narratives.items():
            if merge.merged_text:
                stored[text_key(section_id)] = merge.merged_text
        return stored


def consolidate(
    template: ReportTemplate,
    units: Sequence[UnitInput],
    missing: Iterable[str] = (),
    summed: Mapping[str, int] | None = None,
) -> Consolidation:
    """Sum and merge the units' submissions (see module docstring).

    ``summed``: the counts already summed key by key over the same units (a database's
    SUM … GROUP BY). Then the units need carry only their texts and survey fields, the
    per-unit breakdown is left empty (ask ``breakdown()`` for it) and the result is the
    same as summing here.
    """
    units = tuple(units)
    if summed is None:
        values = _sum_counts(template, units)
        per_unit = breakdown(template, units)
    else:
        counts = _key_index(template).counts
        order = _key_index(template).order
        values = dict(sorted(((k, v) for k, v in summed.items() if k in counts and v is not None),
                             key=lambda item: (order.get(item[0], len(order)), item[0])))
        per_unit = {s.id: [] for s in template.sections_of("table")}
    for section in template.sections_of("satisfaction"):
        values.update(_weighted_indices(section, units))
    values.update(compute(template, values))

    tables = {s.id: _table_result(s, values) for s in template.sections_of("table")}
    indicators = {
        s.id: {f.id: values.get(field_key(s.id, f.id), 0) for f in s.fields}
        for s in template.sections_of("indicators")
    }
    satisfaction = {s.id: _satisfaction_result(s, values) for s in template.sections_of("satisfaction")}
    documents = [
        {**doc, "unit_id": unit.unit_id, "unit_name": unit.unit_name}
        for unit in units
        for doc in unit.documents
    ]
    narratives = {s.id: merge_narratives(s.id, units) for s in template.sections_of("narrative")}
    return Consolidation(
        template=template,
        values=values,
        tables=tables,
        breakdown=per_unit,
        indicators=indicators,
        satisfaction=satisfaction,
        documents=documents,
        narratives=narratives,
        missing=tuple(missing),
        provisional_units=tuple(u.unit_name for u in units if u.provisional),
        units=units,
    )


@dataclass(frozen=True)
class _KeyIndex:
    """Per template, worked out once: which keys are counts, and which table column an
    input cell adds to (so consolidation is one dictionary look-up per stored value)."""

    counts: frozenset[str]
    order: dict[str, int]
    columns: dict[str, tuple[str, str]]  # input cell key → (table section id, column id)


_INDEXES: dict[int, tuple[ReportTemplate, _KeyIndex]] = {}


def _key_index(template: ReportTemplate) -> _KeyIndex:
    cached = _INDEXES.get(id(template))
    if cached is not None and cached[0] is template:
        return cached[1]
    keys = template.input_keys()
    columns = {
        cell_key(s.id, r.code, c.id): (s.id, c.id)
        for s in template.sections_of("table") for r in s.rows for c in s.input_columns
    }
    index = _KeyIndex(frozenset(k for k in keys if template.key_kind(k) == "count"),
                      {k: i for i, k in enumerate(keys)}, columns)
    if len(_INDEXES) > 64:
        _INDEXES.clear()
    _INDEXES[id(template)] = (template, index)
    return index


def _sum_counts(template: ReportTemplate, units: tuple[UnitInput, ...]) -> dict[str, int]:
    index = _key_index(template)
    counts = index.counts
    sums: dict[str, int] = {}
    for unit in units:
        for key, value in unit.values.items():
            if key in counts and type(value) is int:
                sums[key] = sums.get(key, 0) + value
    # Template order first so the result never depends on which unit typed a key first.
    order = index.order
    return dict(sorted(sums.items(), key=lambda item: (order.get(item[0], len(order)), item[0])))


def _half_up(numerator: int, denominator: int) -> int:
    return int((Decimal(numerator) / Decimal(denominator)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _weighted_indices(section: Section, units: tuple[UnitInput, ...]) -> dict[str, int]:
    """Index averages weighted by each unit's forms; units without forms do not count."""
    forms_key = field_key(section.id, section.fields_with_role("forms")[0].id)
    result = {}
    for item in section.fields_with_role("index"):
        key = field_key(section.id, item.id)
        weighted = weight = 0
        for unit in units:
            forms = number_or_zero(unit.values.get(forms_key))
            if forms > 0 and key in unit.values:
                weighted += number_or_zero(unit.values[key]) * forms
                weight += forms
        if weight:
            result[key] = _half_up(weighted, weight)
    return result


def _row_values(section: Section, values: Mapping[str, int], key_of) -> dict[str, int]:
    return {c.id: values.get(key_of(c.id), 0) for c in section.columns}


def _table_result(section: Section, values: Mapping[str, int]) -> TableResult:
    rows = tuple(
        TableRow(
            row.code, row.label, row.group,
            _row_values(section, values, lambda c, code=row.code: cell_key(section.id, code, c)),
        )
        for row in table_rows(section, values)
    )
    groups = tuple(
        GroupResult(
            g.code, g.label,
            _row_values(section, values, lambda c, code=g.code: group_key(section.id, code, c)),
        )
        for g in section.groups
    )
    total = _row_values(section, values, lambda c: total_key(section.id, c))
    return TableResult(section.id, rows, groups, total, section.ratios)


def breakdown(template: ReportTemplate, units: Sequence[UnitInput]) -> dict[str, list[tuple[int, str, dict[str, int]]]]:
    """Per table, one row per unit: that unit's totals by column, computed columns included."""
    tables = template.sections_of("table")
    result: dict[str, list[tuple[int, str, dict[str, int]]]] = {s.id: [] for s in tables}
    if not tables:
        return result
    columns = _key_index(template).columns
    for unit in units:
        totals = {s.id: dict.fromkeys((c.id for c in s.columns), 0) for s in tables}
        for key, value in unit.values.items():
            where = columns.get(key)
            if where is not None and type(value) is int:
                totals[where[0]][where[1]] += value
        for section in tables:
            row = totals[section.id]
            for column in section.computed_columns:
                row[column.id] = sum(row[ref] for ref in column.computed)
            result[section.id].append((unit.unit_id, unit.unit_name, row))
    return result


def _satisfaction_result(section: Section, values: Mapping[str, int]) -> SatisfactionResult:
    forms = values.get(field_key(section.id, section.fields_with_role("forms")[0].id), 0)
    counts = {f.id: values.get(field_key(section.id, f.id), 0) for f in section.fields_with_role("level")}
    indices = {f.id: values.get(field_key(section.id, f.id)) for f in section.fields_with_role("index")}
    score = values.get(score_key(section.id))
    return SatisfactionResult(
        forms=forms,
        counts=counts,
        shares={level: ratio(count, forms) for level, count in counts.items()},
        indices=indices,
        score=score,
        rating=section.rating_for(score),
    )


def merge_narratives(section_id: str, units: Sequence[UnitInput]) -> NarrativeMerge:
    """Each unit's text under its name, in unit order; units with nothing on one line."""
    key = text_key(section_id)
    entries: list[tuple[str, str]] = []
    empty: list[str] = []
    for unit in units:
        text = unit.values.get(key)
        text = text.strip() if isinstance(text, str) else ""
        if text:
            entries.append((unit.unit_name, text))
        else:
            empty.append(unit.unit_name)
    blocks = [f"{name}:\n{text}" for name, text in entries]
    if empty:
        blocks.append(EMPTY_UNITS_PREFIX + ", ".join(empty))
    return NarrativeMerge(entries, empty, "\n\n".join(blocks))


def contributions(
    template: ReportTemplate, units: Sequence[UnitInput], key: str
) -> list[tuple[str, int]]:
    """(unit name, that unit's value of ``key``) in unit order, for any consolidated key.

    Stored keys are read directly; computed cells, subtotals, totals and scores are
    computed per unit, so the parts shown always add up to the consolidated cell
    (except survey indices, which are weighted averages, not sums).
    """
    if template.key_kind(key) in ("count", "score"):
        return [(u.unit_name, number_or_zero(u.values.get(key))) for u in units]
    return [(u.unit_name, compute(template, u.values).get(key, 0)) for u in units]


def is_consolidated_key(template: ReportTemplate, key: str) -> bool:
    """Whether ``key`` names a number of the consolidated report (stored, computed, subtotal or total)."""
    try:
        section_id, part, sub = parse_key(key)
        section = template.section(section_id)
    except (ValueError, KeyError):
        return False
    if section.kind in ("indicators", "satisfaction") and sub is None:
        return any(f.id == part for f in section.fields) or (section.kind == "satisfaction" and key == score_key(section_id))
    if section.kind != "table" or sub is None or not any(c.id == sub for c in section.columns):
        return False
    if part == "_total":
        return True
    if part.startswith("_group:"):
        return any(g.code == part[len("_group:"):] for g in section.groups)
    return any(r.code == part for r in section.rows)

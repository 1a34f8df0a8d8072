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

from .keys import cell_key, field_key, group_key, score_key, text_key, total_key
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
    template: ReportTemplate, units: Sequence[UnitInput], missing: Iterable[str] = ()
) -> Consolidation:
    """Sum and merge the units' submissions (see module docstring)."""
    units = tuple(units)
    values = _sum_counts(template, units)
    for section in template.sections_of("satisfaction"):
        values.update(_weighted_indices(section, units))
    values.update(compute(template, values))

    tables = {s.id: _table_result(s, values) for s in template.sections_of("table")}
    breakdown = _breakdown(template, units)
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
        breakdown=breakdown,
        indicators=indicators,
        satisfaction=satisfaction,
        documents=documents,
        narratives=narratives,
        missing=tuple(missing),
        provisional_units=tuple(u.unit_name for u in units if u.provisional),
        units=units,
    )


def _sum_counts(template: ReportTemplate, units: tuple[UnitInput, ...]) -> dict[str, int]:
    kinds: dict[str, str | None] = {}  # key → kind, looked up once per distinct key
    sums: dict[str, int] = {}
    for unit in units:
        for key, value in unit.values.items():
            kind = kinds.get(key, "")
            if kind == "":
                kind = kinds[key] = template.key_kind(key)
            if kind == "count":
                sums[key] = sums.get(key, 0) + number_or_zero(value)
    # Template order first so the result never depends on which unit typed a key first.
    order = {key: i for i, key in enumerate(template.input_keys())}
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


def _breakdown(template: ReportTemplate, units: tuple[UnitInput, ...]):
    tables = template.sections_of("table")
    result: dict[str, list[tuple[int, str, dict[str, int]]]] = {s.id: [] for s in tables}
    if not tables:
        return result
    for unit in units:
        derived = compute(template, unit.values)
        for section in tables:
            result[section.id].append(
                (
                    unit.unit_id,
                    unit.unit_name,
                    {c.id: derived.get(total_key(section.id, c.id), 0) for c in section.columns},
                )
            )
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

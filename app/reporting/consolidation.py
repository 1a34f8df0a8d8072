"""Consolidation (tổng hợp): many units' submissions → the consolidating unit's report.

Counts are summed key by key; everything derived (computed columns, subtotals, totals,
shares, ratios, survey score and rating) is recomputed from the sums, never averaged,
so a district total always equals what its communes typed. An indicator that is a
catalogue size is never summed: it is measured per unit (``Measure``). Sums are also kept
per kind of unit (communes, offices) so the report can write a sentence for each.
Narrative texts are kept per unit for the suggestion (synthesis.py); the reviewer writes
the consolidated text. The result depends only on the inputs, in order: the same inputs
give equal results and byte-identical exports.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from .keys import cell_key, field_key, group_key, parse_key, score_key, text_key, total_key
from .numbers import largest_remainder_shares, ratio
from .templates import Ratio, ReportTemplate, Section
from .validation import compute, number_or_zero, table_rows

# Kinds of unit grouped the way reports speak of them: "cấp xã" (xã, phường, thị trấn,
# đặc khu), "các cơ quan chuyên môn" (phòng, ban, sở), districts in a province round.
KIND_CLASSES = {
    "commune": "commune", "ward": "commune", "town": "commune", "special": "commune",
    "office": "office", "department": "office", "district": "district", "province": "province",
}
KIND_NOUNS = {"commune": "xã", "ward": "phường", "town": "thị trấn", "special": "đặc khu",
              "office": "cơ quan", "department": "cơ quan", "district": "huyện", "province": "tỉnh"}


def kind_class(kind: str) -> str:
    return KIND_CLASSES.get(kind, kind)


def unit_noun(kinds: Iterable[str]) -> str:
    """What a set of units is called: "xã", "xã, thị trấn", "cơ quan"; "đơn vị" when mixed."""
    kinds = set(kinds)
    if not kinds or len({kind_class(k) for k in kinds}) > 1 or any(k not in KIND_NOUNS for k in kinds):
        return "đơn vị"
    return ", ".join(KIND_NOUNS[k] for k in KIND_NOUNS if k in kinds)


@dataclass(frozen=True)
class UnitInput:
    """One unit's submission as the domain sees it; list units in the order to print them."""

    unit_id: int
    unit_name: str
    values: Mapping[str, int | str]
    documents: Sequence[Mapping] = ()
    provisional: bool = False  # submitted but not yet approved: shown in a provisional view
    kind: str = ""  # OrgUnit.kind: commune, ward, town, office, district…


@dataclass(frozen=True)
class Measure:
    """An indicator that is not simply summed, measured over the units that gave it.

    catalogue: the range of sizes; attainment: units whose count reaches their own
    catalogue size ("22/22 xã đạt 100%"), and numerators over denominators summed.
    """

    how: str  # catalogue | attainment
    reporting: tuple[str, ...]  # units that gave the size (attainment: a non-zero size)
    reached: tuple[str, ...] = ()  # attainment: count >= size
    below: tuple[str, ...] = ()  # attainment: count < size
    low: int | None = None
    high: int | None = None
    numerator: int = 0  # attainment: summed counts of the units reporting
    denominator: int = 0  # attainment: summed sizes of the units reporting


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


@dataclass(frozen=True)
class Consolidation:
    template: ReportTemplate
    values: dict[str, int]  # summed inputs + derived keys; survey indices are weighted averages
    tables: dict[str, TableResult]
    breakdown: dict[str, list[tuple[int, str, dict[str, int]]]]  # rows = units, table totals
    indicators: dict[str, dict[str, int | None]]  # None: a catalogue size over several units
    satisfaction: dict[str, SatisfactionResult]
    documents: list[dict]
    narratives: dict[str, NarrativeMerge]
    missing: tuple[str, ...]
    provisional_units: tuple[str, ...]
    units: tuple[UnitInput, ...] = field(repr=False, default=())
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)  # kind class → values, derived too
    measures: dict[str, dict[str, Measure]] = field(default_factory=dict)  # section → field → measure

    def contributions(self, key: str) -> list[tuple[str, int]]:
        """Each unit's part of a consolidated cell (stored, computed or total key)."""
        return contributions(self.template, self.units, key)

    def as_submission(self) -> dict[str, int | str]:
        """The numbers of the consolidating unit's own report upward; its texts are the
        reviewer's, added by the caller. A catalogue size that is nobody's attainment target
        is left for the unit to state: a sum of catalogue sizes means nothing."""
        lone = {
            field_key(s.id, f.id) for s in self.template.sections_of("indicators") for f in s.fields
            if f.consolidate == "catalogue" and not any(o.of == f.id for o in s.fields)
        }
        return {
            k: v for k, v in self.values.items()
            if self.template.key_kind(k) in ("count", "score") and k not in lone
        }


def consolidate(
    template: ReportTemplate,
    units: Sequence[UnitInput],
    missing: Iterable[str] = (),
    summed: Mapping[str, int] | None = None,
    summed_by_kind: Mapping[str, Mapping[str, int]] | None = None,
    weighted: Mapping[str, tuple[int, int]] | None = None,
) -> Consolidation:
    """Sum and merge the units' submissions (see module docstring).

    ``summed``: the counts already summed key by key over the same units (a database's
    SUM … GROUP BY), and ``summed_by_kind`` the same per kind class. Then the units need
    carry only their texts, survey fields and measured indicators; the per-unit breakdown
    is left empty (ask ``breakdown()`` for it) and the result is the same as summing here.
    ``weighted``: likewise the survey indices' weighted sums, index key → (Σ index × forms,
    Σ forms) over the units that gave forms and that index; the units then need not carry
    the survey at all.
    """
    units = tuple(units)
    if summed is None:
        values = _sum_counts(template, units)
        per_unit = breakdown(template, units)
        kinds: dict[str, list[UnitInput]] = {}
        for unit in units:
            kinds.setdefault(kind_class(unit.kind), []).append(unit)
        by_kind = {k: _sum_counts(template, tuple(members)) for k, members in kinds.items() if k}
    else:
        values = _sorted_counts(template, summed)
        per_unit = {s.id: [] for s in template.sections_of("table")}
        by_kind = {k: _sorted_counts(template, v) for k, v in (summed_by_kind or {}).items()}
    for kind_values in by_kind.values():
        kind_values.update(compute(template, kind_values))
    for section in template.sections_of("satisfaction"):
        values.update(_weighted_indices(section, units) if weighted is None else _averages(section, weighted))
    values.update(compute(template, values))

    tables = {s.id: _table_result(s, values) for s in template.sections_of("table")}
    measures = {s.id: {f.id: measure(s, f, units) for f in s.fields if f.consolidate != "sum"}
                for s in template.sections_of("indicators")}
    indicators = {
        s.id: {f.id: (values.get(field_key(s.id, f.id), 0)
                      if f.consolidate != "catalogue" or len(units) == 1 else None) for f in s.fields}
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
        by_kind=by_kind,
        measures=measures,
    )


def _sorted_counts(template: ReportTemplate, summed: Mapping[str, int]) -> dict[str, int]:
    index = _key_index(template)
    return dict(sorted(((k, v) for k, v in summed.items() if k in index.counts and v is not None),
                       key=lambda item: (index.order.get(item[0], len(index.order)), item[0])))


def count_keys(template: ReportTemplate) -> frozenset[str]:
    """The template's stored keys that are counts: what ``summed`` may hold."""
    return _key_index(template).counts


def measured_keys(template: ReportTemplate) -> tuple[str, ...]:
    """Keys read per unit because they are not summed: measured indicators and their sizes."""
    return tuple(field_key(s.id, f.id) for s in template.sections_of("indicators")
                 for f in s.fields if f.consolidate != "sum")


CONSOLIDATING_KINDS = ("district", "province")  # units whose report is a consolidation of units below


def measure(section: Section, item, units: Sequence[UnitInput]) -> Measure:
    """Per-unit view of a catalogue size or an attainment (see ``Measure``)."""
    key = field_key(section.id, item.id)
    if item.consolidate == "catalogue":
        # A district's report is its consolidation: its "size" is its communes' sizes added
        # up, nobody's catalogue. Its own wording of the range travels in its figure sentences.
        given = [(u.unit_name, u.values[key]) for u in units
                 if type(u.values.get(key)) is int and u.kind not in CONSOLIDATING_KINDS]
        sizes = [v for _, v in given]
        return Measure("catalogue", tuple(n for n, _ in given), low=min(sizes, default=None),
                       high=max(sizes, default=None))
    size_key = field_key(section.id, item.of)
    reporting, reached, below, shares = [], [], [], []
    numerator = denominator = 0
    for unit in units:
        size, count = unit.values.get(size_key), unit.values.get(key)
        if type(size) is not int or size <= 0:
            continue
        count = count if type(count) is int else 0
        reporting.append(unit.unit_name)
        (reached if count >= size else below).append(unit.unit_name)
        numerator, denominator = numerator + count, denominator + size
        shares.append(count)
    return Measure("attainment", tuple(reporting), tuple(reached), tuple(below), min(shares, default=None),
                   max(shares, default=None), numerator, denominator)


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
    keys = [field_key(section.id, item.id) for item in section.fields_with_role("index")]
    weighted = dict.fromkeys(keys, 0)
    weight = dict.fromkeys(keys, 0)
    for unit in units:  # each unit's forms read once, not once per index
        forms = number_or_zero(unit.values.get(forms_key))
        if forms <= 0:
            continue
        values = unit.values
        for key in keys:
            if key in values:
                weighted[key] += number_or_zero(values[key]) * forms
                weight[key] += forms
    return {key: _half_up(weighted[key], weight[key]) for key in keys if weight[key]}


def _averages(section: Section, weighted: Mapping[str, tuple[int, int]]) -> dict[str, int]:
    """``_weighted_indices`` from sums already made (a database's SUM(index × forms), SUM(forms))."""
    result = {}
    for item in section.fields_with_role("index"):
        key = field_key(section.id, item.id)
        total, weight = weighted.get(key, (0, 0))
        if weight:
            result[key] = _half_up(int(total), int(weight))
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
        # One decimal each, adding up to 100,0 %: never "Bình thường 1%" beside "69,2%".
        shares=largest_remainder_shares(counts, forms),
        indices=indices,
        score=score,
        rating=section.rating_for(score),
    )


def merge_narratives(section_id: str, units: Sequence[UnitInput]) -> NarrativeMerge:
    """Each unit's text with its name, in unit order, and the units that wrote nothing."""
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
    return NarrativeMerge(entries, empty)


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

"""The main figures of a report, and the same figures over the last periods side by side.

Main figures come from the template: for a dossier table, the totals of its computed
columns (received, resolved, pending) and its on-time and online rates; for a template
without a table, its first indicators. Rates are recomputed from summed counts, never
averaged, like everywhere else.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .consolidation import consolidate
from .keys import field_key
from .numbers import format_ratio, ratio
from .templates import ReportTemplate, Section

TREND_RATIOS = ("on_time", "online")
MAX_INDICATORS = 4


@dataclass(frozen=True)
class Figure:
    name: str  # "I.4/c7", "I.4/on_time", "I.3/received"
    label: str
    is_ratio: bool = False


def main_table(template: ReportTemplate) -> Section | None:
    tables = template.sections_of("table")
    return tables[0] if tables else None


def main_figures(template: ReportTemplate) -> tuple[Figure, ...]:
    table = main_table(template)
    if table is None:
        fields = [(s, f) for s in template.sections_of("indicators") for f in s.fields]
        return tuple(Figure(field_key(s.id, f.id), f.label) for s, f in fields[:MAX_INDICATORS])
    figures = [Figure(f"{table.id}/{c.id}", c.headings[0] if c.headings else c.id) for c in table.computed_columns]
    figures += [Figure(f"{table.id}/{r.name}", r.label, True) for r in table.ratios if r.name in TREND_RATIOS]
    return tuple(figures)


def figure_values(template: ReportTemplate, summed: Mapping[str, int]) -> dict[str, int | Decimal | None]:
    """The main figures of summed counts (one unit's values, or a round's sums)."""
    result = consolidate(template, [], summed=summed)
    table = main_table(template)
    values: dict[str, int | Decimal | None] = {}
    if table is not None:
        total = result.tables[table.id].total
        values.update({f"{table.id}/{column}": value for column, value in total.items()})
        values.update({f"{table.id}/{name}": value for name, value in result.tables[table.id].ratios(total).items()})
    for section in template.sections_of("indicators"):
        values.update({field_key(section.id, f.id): result.values.get(field_key(section.id, f.id), 0) for f in section.fields})
    return values


@dataclass(frozen=True)
class PeriodFigures:
    label: str  # "Quý II năm 2026"
    values: Mapping[str, int | Decimal | None]
    current: bool = False
    provisional: bool = False  # unapproved reports are counted in these figures ("tạm")
    units: int | None = None  # units whose reports are in the figures
    expected: int | None = None  # units expected to report that period


@dataclass(frozen=True)
class TrendRow:
    figure: Figure
    values: tuple[int | Decimal | None, ...]  # oldest period first
    change: Decimal | None  # current against the previous period (counts: relative; rates: points)


def coverage_differs(period: PeriodFigures, current: PeriodFigures) -> bool:
    """The period's figures cover another number of units than the current period's: its
    counts are not like for like with the current ones."""
    return period.units is not None and current.units is not None and period.units != current.units


def trend_rows(figures: Sequence[Figure], periods: Sequence[PeriodFigures]) -> list[TrendRow]:
    """Each figure across the periods (oldest first) with its change against the period
    before; no change of counts between periods whose coverage differs (not like for like)."""
    rows = []
    comparable = len(periods) >= 2 and not coverage_differs(periods[-2], periods[-1])
    for figure in figures:
        values = tuple(p.values.get(figure.name) for p in periods)
        change = None
        if (len(values) >= 2 and values[-1] is not None and values[-2] is not None
                and (comparable or figure.is_ratio)):
            if figure.is_ratio:
                change = Decimal(values[-1]) - Decimal(values[-2])
            else:
                change = ratio(int(values[-1]) - int(values[-2]), int(values[-2]))
        rows.append(TrendRow(figure, values, change))
    return rows


def signed_change(row: TrendRow) -> str:
    """"+12,5%" for counts, "+1,2 điểm" for rates, "" without a previous period."""
    if row.change is None:
        return ""
    if row.figure.is_ratio:
        points = (row.change * 100).quantize(Decimal("0.1"))
        text = f"{abs(points)}".replace(".", ",")
        return f"{'+' if points > 0 else '−' if points < 0 else '±'}{text} điểm"
    text = format_ratio(abs(row.change))
    return f"{'+' if row.change > 0 else '−' if row.change < 0 else '±'}{text}"

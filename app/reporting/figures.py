"""Figures written out as the real reports write them (design §8), from a consolidation.

Each table, indicators or satisfaction section of a template may declare figure blocks
(templates.FigureBlock): lines in the template's wording with placeholders (wording.py).
``write_figures`` fills them for one consolidation — or one unit's own report — and, when
the earlier rounds exist, compares with the previous period and the same period last
year. The result is a tuple of paragraphs per section, in template order.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .consolidation import CONSOLIDATING_KINDS, Consolidation, Measure, UnitInput, kind_class, measure, unit_noun
from .keys import field_key, group_key, total_key
from .numbers import format_count, format_ratio, format_score, ratio
from .templates import FigureBlock, Section
from .wording import Placeholder, fill, fill_phrase, name_list

MISSING_SHOWN = 50  # missing units named in the coverage sentence


@dataclass(frozen=True)
class Comparison:
    """An earlier round's consolidation and how to name it in a sentence."""

    result: Consolidation
    label: str  # same period last year: its year ("2020"); previous period: "quý I năm 2024"
    # Like for like over fewer units than the whole (design §8): this period's figures over
    # the units present in both periods, and how many they are ("cùng 47 đơn vị").
    now: Consolidation | None = None
    units: int | None = None


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


class _Scope:
    """The values one figure block speaks about: the total, a row group, the rows outside
    every group, or the units of one kind."""

    def __init__(self, section: Section, result: Consolidation, scope: str):
        self.section, self.result, self.scope = section, result, scope
        self.values: Mapping[str, int] | None = result.values
        self.units: tuple[UnitInput, ...] = result.units
        if scope.startswith("kind:"):
            kind = scope[len("kind:"):]
            self.values = result.by_kind.get(kind)
            self.units = tuple(u for u in result.units if kind_class(u.kind) == kind)
        elif scope.startswith("group:") and not any(g.code == scope[len("group:"):] for g in section.groups):
            self.values = None

    @property
    def exists(self) -> bool:
        return self.values is not None

    def get(self, name: str) -> int | None:
        if self.values is None:
            return None
        sid = self.section.id
        if self.section.kind != "table":
            item = self.section.field(name)
            if item.consolidate == "catalogue" and len(self.units) != 1:
                return None  # a catalogue size is never added up
            return self.values.get(field_key(sid, name), 0)
        if self.scope.startswith("group:"):
            return self.values.get(group_key(sid, self.scope[len("group:"):], name), 0)
        total = self.values.get(total_key(sid, name), 0)
        if self.scope == "ungrouped":
            return total - sum(self.values.get(group_key(sid, g.code, name), 0) for g in self.section.groups)
        return total

    def expression(self, text: str) -> int | None:
        parts = [self.get(name) for name in text.split("+")]
        return None if any(p is None for p in parts) else sum(parts)

    def measure(self, field_id: str) -> Measure | None:
        item = self.section.field(field_id)
        if self.scope == "total":
            return self.result.measures.get(self.section.id, {}).get(field_id) or measure(self.section, item, self.units)
        return measure(self.section, item, self.units)


class _Writer:
    def __init__(self, result: Consolidation, period_label: str, last_year: Comparison | None,
                 previous: Comparison | None):
        self.result, self.template = result, result.template
        self.period_label, self.last_year, self.previous = period_label, last_year, previous

    def block(self, section: Section, block: FigureBlock, single: bool) -> list[str]:
        kinds = {kind_class(u.kind) for u in self.result.units if u.kind}
        if (block.when == "unit" and not single) or (block.when in ("consolidated", "mixed") and single):
            return []
        if block.when == "mixed" and len(kinds) < 2:
            return []
        scope = _Scope(section, self.result, block.scope)
        if not scope.exists:
            return []
        if block.if_nonzero and not scope.expression(block.if_nonzero):
            return []
        if block.if_zero and scope.expression(block.if_zero) != 0:
            return []
        out = []
        for line in block.lines:
            text = fill(line, lambda p: self.resolve(p, section, block, scope))
            if text:
                out.append(text)
        return out

    def resolve(self, p: Placeholder, section: Section, block: FigureBlock, scope: _Scope) -> str | None:
        f, arg = p.function, p.argument
        if f == "value":
            return self._count(scope.expression(arg), p)
        if f == "ratio":
            definition = next(r for r in section.ratios if r.name == arg)
            numerator = scope.expression("+".join(definition.numerator))
            denominator = scope.expression("+".join(definition.denominator))
            return self._share(numerator, denominator, p)
        if f == "pct":
            top, bottom = arg.split("/")
            return self._share(scope.expression(top), scope.expression(bottom), p)
        if f in ("change_year", "change_previous"):
            return self.change(f, arg, section, block, scope)
        if f == "period":
            return lower_first(self.period_label) if self.period_label else None
        if f == "units":
            return self._count(len(scope.units), p)
        if f == "unit_noun":
            return unit_noun(u.kind for u in scope.units)
        if f in ("share", "score", "rating"):
            return self.survey(f, arg, section, p)
        return self.attainment(f, arg, scope, p)

    @staticmethod
    def _count(value: int | None, p: Placeholder) -> str | None:
        if value is None or (p.nonzero and value == 0):
            return None
        return format_count(value)

    @staticmethod
    def _share(numerator: int | None, denominator: int | None, p: Placeholder) -> str | None:
        if numerator is None or not denominator or (p.nonzero and numerator == 0):
            return None
        return format_ratio(ratio(numerator, denominator)).replace(",0%", "%")

    def change(self, f: str, arg: str, section: Section, block: FigureBlock, scope: _Scope) -> str | None:
        earlier = self.last_year if f == "change_year" else self.previous
        if earlier is not None and earlier.now is not None:
            same = _Scope(section, earlier.now, scope.scope)
            now = same.expression(arg) if same.exists else None
        else:
            now = scope.expression(arg)
        if earlier is None or now is None:
            return None
        then_scope = _Scope(section, earlier.result, scope.scope)
        then = then_scope.expression(arg) if then_scope.exists else None
        if then is None:
            return None
        which = "year" if f == "change_year" else "previous"
        direction = "increase" if now > then else "decrease" if now < then else "same"
        return fill_phrase(self.template.phrase(f"{direction}_{which}"), {
            "diff": format_count(abs(now - then)), "noun": block.noun,
            "year": earlier.label, "previous": lower_first(earlier.label),
        }).replace("  ", " ").strip()

    def survey(self, f: str, arg: str, section: Section, p: Placeholder) -> str | None:
        survey = self.result.satisfaction.get(section.id)
        if survey is None or not survey.forms:
            return None
        if f == "share":
            # The survey's own shares: one decimal each, adding up to 100,0 % (never "1%" beside "69,2%").
            share = survey.shares.get(arg)
            if share is None or (p.nonzero and not survey.counts.get(arg)):
                return None
            return format_ratio(share)
        if survey.score is None:
            return None
        return format_score(survey.score) if f == "score" else (survey.rating or None)

    def attainment(self, f: str, arg: str, scope: _Scope, p: Placeholder) -> str | None:
        m = scope.measure(arg)
        if m is None or not m.reporting:
            return None
        if f == "reporting":
            return self._count(len(m.reporting), p)
        if f == "range":
            if m.low is None:
                return None
            return format_count(m.low) if m.low == m.high else f"từ {format_count(m.low)} đến {format_count(m.high)}"
        if m.how != "attainment":
            return None
        if f == "reached":
            return self._count(len(m.reached), p)
        if f == "below_count":
            return self._count(len(m.below), p)
        if f == "below":
            return name_list(m.below) if m.below else None
        if f == "rate":
            return self._share(m.numerator, m.denominator, p)
        return self._count(m.numerator if f == "num" else m.denominator, p)


def write_figures(
    result: Consolidation,
    *,
    period_label: str = "",
    single: bool = False,
    last_year: Comparison | None = None,
    previous: Comparison | None = None,
) -> dict[str, tuple[str, ...]]:
    """Section id → the paragraphs writing its figures out, for sections that have any.

    ``single``: one unit's own report (blocks marked "unit"), else a consolidation.
    """
    writer = _Writer(result, period_label, last_year, previous)
    written: dict[str, tuple[str, ...]] = {}
    for section in result.template.sections:
        lines = [line for block in section.figures for line in writer.block(section, block, single)]
        if lines:
            written[section.id] = tuple(lines)
    return written


def figure_text(written: Mapping[str, tuple[str, ...]], section_id: str) -> str:
    """The paragraphs of one section as the text a reviewer edits (one paragraph a line)."""
    return "\n".join(written.get(section_id, ()))



def coverage_sentence(included: int, expected: int, not_reported: Sequence[str], *,
                      provisional: int = 0, left_out: int = 0,
                      below: Sequence[tuple[str, int, int]] = ()) -> str:
    """What a consolidation covers, for the page, the Word body and the first sheet (§8).

    ``provisional``: included reports not yet approved (the figures are provisional);
    ``left_out``: submitted reports not yet approved and so not counted; ``below``: the
    included lower consolidations (name, units, expected underneath), counted in and named."""
    first = f"Báo cáo tổng hợp từ {format_count(included)}/{format_count(expected)} đơn vị"
    if below:
        units, out_of = sum(b[1] for b in below), sum(b[2] for b in below)
        first += f" trực thuộc, gồm {format_count(units)}/{format_count(out_of)} đơn vị cấp dưới"
    parts = [first]
    parts += [f"{name}: tổng hợp từ {format_count(units)}/{format_count(out_of)} đơn vị" for name, units, out_of in below]
    if not_reported:
        parts.append(f"{format_count(len(not_reported))} đơn vị chưa báo cáo: "
                     f"{name_list(not_reported, MISSING_SHOWN)}")
    if left_out:
        parts.append(f"{format_count(left_out)} báo cáo đã nộp chưa được duyệt nên chưa được tính")
    if provisional:
        parts.append(f"số liệu tạm tính, gồm {format_count(provisional)} báo cáo chưa duyệt")
    return "; ".join(parts) + "."


def issued_counts(units: Sequence[UnitInput], documents: Iterable[Mapping]) -> list[str]:
    """Who issued how many documents, said by whose they are: "9 xã đã ban hành 12 văn bản
    chỉ đạo, điều hành."; a lower consolidation's are its units' ("Các đơn vị thuộc Huyện
    Bình Sơn đã ban hành 9 văn bản …"), never one unit's."""
    kinds = {u.unit_name: u.kind for u in units}
    own: dict[str, int] = {}
    lower: dict[str, int] = {}
    for item in documents:
        name = item.get("unit_name") or ""
        target = lower if kinds.get(name) in CONSOLIDATING_KINDS else own
        target[name] = target.get(name, 0) + 1
    lines = []
    if own:
        noun = unit_noun(kinds.get(name, "") for name in own)
        lines.append(f"{format_count(len(own))} {noun} đã ban hành {format_count(sum(own.values()))} văn bản "
                     "chỉ đạo, điều hành.")
    for name, count in lower.items():
        lines.append(f"Các đơn vị thuộc {name} đã ban hành {format_count(count)} văn bản chỉ đạo, điều hành.")
    return lines

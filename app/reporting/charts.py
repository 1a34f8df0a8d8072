"""Chart geometry for server-rendered SVG: plain numbers a template draws, nothing drawn here.

Horizontal positions are fractions of the chart's width (drawn as percentages) and
vertical ones are pixels, so a chart stretches to any width, from a 390 px phone to a
printed page, while its text keeps its size. A ranking of many units shows the lowest
and the highest, never a thousand bars.
"""
from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from .clock import format_day
from .numbers import format_count, format_ratio

LINE = 16  # px per line of label text
BAR = 12  # px of bar height
ROW_GAP = 8
HEADING = 24
LABEL_CHARS = 34  # a label wraps beyond this, so it never runs into the value at 390 px


@dataclass(frozen=True)
class BarRow:
    kind: str  # bar | heading | note
    label: str
    y: int  # top of the row, px
    lines: tuple[str, ...] = ()
    fraction: float = 0.0  # bar length, share of the full width
    value: str = ""
    tone: str = ""  # low | high | current | "" (plain)

    @property
    def bar_y(self) -> int:
        return self.y + LINE * len(self.lines) + 2

    @property
    def percent(self) -> str:
        return f"{max(0.0, min(1.0, self.fraction)) * 100:.2f}"


@dataclass(frozen=True)
class BarChart:
    title: str
    summary: str  # one sentence saying what the chart shows, for screen readers and print
    rows: tuple[BarRow, ...]
    height: int
    reference: float | None = None  # a vertical line (the overall rate), share of the width
    reference_label: str = ""

    @property
    def reference_percent(self) -> str:
        return f"{max(0.0, min(1.0, self.reference or 0.0)) * 100:.2f}"

    @property
    def empty(self) -> bool:
        return not any(r.kind == "bar" for r in self.rows)


class _Rows:
    """Stacks rows top to bottom."""

    def __init__(self) -> None:
        self.rows: list[BarRow] = []
        self.y = 4

    def heading(self, label: str) -> None:
        self._text("heading", label)

    def note(self, label: str) -> None:
        self._text("note", label)

    def _text(self, kind: str, label: str) -> None:
        lines = tuple(textwrap.wrap(label, LABEL_CHARS + 8)) or ("",)
        self.rows.append(BarRow(kind, label, self.y, lines))
        self.y += HEADING + LINE * (len(lines) - 1)

    def bar(self, label: str, fraction: float, value: str, tone: str = "") -> None:
        lines = tuple(textwrap.wrap(label, LABEL_CHARS)) or ("",)
        self.rows.append(BarRow("bar", label, self.y, lines, fraction, value, tone))
        self.y += LINE * len(lines) + 2 + BAR + ROW_GAP


def ranking(items: Sequence[tuple[str, Decimal | None]], *, title: str, what: str, limit: int = 8,
            overall: Decimal | None = None, overall_label: str = "", none_note: str = "") -> BarChart:
    """Rates (0–1) ranked lowest first; with more than 2 × ``limit`` items only the lowest
    and the highest ``limit`` are drawn and the rest counted. ``what`` names the items
    ("đơn vị", "lĩnh vực"); items without a rate are counted in ``none_note``."""
    rated = sorted(((label, value) for label, value in items if value is not None), key=lambda item: (item[1], item[0]))
    unrated = len(items) - len(rated)
    stack = _Rows()
    if len(rated) > 2 and rated[0][1] == rated[-1][1]:
        stack.note(f"Cả {len(rated)} {what} đều đạt {format_ratio(rated[0][1])}")
    elif len(rated) > 2 * limit:
        lowest, highest = rated[:limit], rated[-limit:]
        stack.heading(f"{limit} {what} thấp nhất")
        for label, value in lowest:
            stack.bar(label, float(value), format_ratio(value), "low")
        stack.note(f"… {len(rated) - 2 * limit} {what} ở giữa, từ {format_ratio(lowest[-1][1])} "
                   f"đến {format_ratio(highest[0][1])}")
        stack.heading(f"{limit} {what} cao nhất")
        for label, value in highest:
            stack.bar(label, float(value), format_ratio(value), "high")
    else:
        for label, value in rated:
            stack.bar(label, float(value), format_ratio(value))
    if unrated and none_note:
        stack.note(f"{unrated} {what} {none_note}")
    if rated:
        summary = (f"{len(rated)} {what}; thấp nhất {rated[0][0]} {format_ratio(rated[0][1])}, "
                   f"cao nhất {rated[-1][0]} {format_ratio(rated[-1][1])}")
        if overall is not None:
            summary += f"; {overall_label or 'chung'} {format_ratio(overall)}"
    else:
        summary = f"Chưa có số liệu để so sánh các {what}"
    return BarChart(title, summary + ".", tuple(stack.rows), stack.y + 4,
                    reference=float(overall) if overall is not None and rated else None,
                    reference_label=f"{overall_label} {format_ratio(overall)}".strip() if overall is not None else "")


@dataclass(frozen=True)
class TrendSeries:
    label: str
    values: tuple[tuple[str, int | Decimal | None], ...]  # (period label, value), oldest first
    ratio: bool = False


def trend_bars(series: Sequence[TrendSeries], *, title: str, current: str) -> BarChart:
    """Each figure over the last periods, one group of bars per figure (the current period
    marked); counts are drawn against the figure's largest period, rates against 100%."""
    stack = _Rows()
    parts = []
    for s in series:
        stack.heading(s.label)
        peak = max((v for _, v in s.values if v is not None), default=0)
        for period, value in s.values:
            if value is None:
                stack.bar(period, 0.0, "–")
                continue
            text = format_ratio(value) if s.ratio else format_count(int(value))
            fraction = float(value) if s.ratio else (float(value) / float(peak) if peak else 0.0)
            stack.bar(period, fraction, text, "current" if period == current else "")
        shown = [f"{p} {format_ratio(v) if s.ratio else format_count(int(v))}" for p, v in s.values if v is not None]
        if shown:
            parts.append(f"{s.label}: {', '.join(shown)}")
    summary = "; ".join(parts) if parts else "Chưa có số liệu các kỳ"
    return BarChart(title, summary + ".", tuple(stack.rows), stack.y + 4)


@dataclass(frozen=True)
class Segment:
    x1: float
    y1: float
    x2: float
    y2: float

    def xs(self) -> tuple[str, str]:
        return f"{self.x1 * 100:.2f}", f"{self.x2 * 100:.2f}"


@dataclass(frozen=True)
class Gridline:
    y: float
    label: str


@dataclass(frozen=True)
class Marker:
    x: float
    label: str
    anchor: str = "start"

    @property
    def percent(self) -> str:
        return f"{self.x * 100:.2f}"


@dataclass(frozen=True)
class ProgressChart:
    title: str
    summary: str
    series: tuple[tuple[str, str, tuple[Segment, ...]], ...]  # (key, label, segments)
    gridlines: tuple[Gridline, ...]
    deadline: Marker
    ticks: tuple[Marker, ...]
    height: int
    plot_top: int
    plot_bottom: int


PLOT_TOP, PLOT_HEIGHT, X_LEFT, X_RIGHT = 22, 150, 0.02, 0.97


def _steps(days: Sequence[date], start: date, span: int, total: int, stop: date) -> tuple[Segment, ...]:
    """A cumulative count drawn as steps: flat until a day, then up; nothing after ``stop`` (today)."""
    def x(day: date) -> float:
        return X_LEFT + (X_RIGHT - X_LEFT) * (day - start).days / span

    def y(count: int) -> float:
        return PLOT_TOP + PLOT_HEIGHT * (1 - count / total) if total else PLOT_TOP + PLOT_HEIGHT

    segments, count, at = [], 0, start
    for day, n in sorted(Counter(days).items()):
        if day > at:
            segments.append(Segment(x(at), y(count), x(day), y(count)))
            at = day
        segments.append(Segment(x(day), y(count), x(day), y(count + n)))
        count += n
    if stop > at:
        segments.append(Segment(x(at), y(count), x(stop), y(count)))
    return tuple(segments)


def submission_progress(*, submitted: Sequence[date], approved: Sequence[date], total: int, start: date,
                        deadline: date, today: date, on_time: int, title: str) -> ProgressChart:
    """Units submitted and approved, day by day, against the deadline and the expected total.

    ``submitted``: each unit's first submission day (Vietnam dates); ``approved``: each
    approved unit's approval day. The time axis runs from the round's start to today (or
    a few days past the deadline), whichever is later."""
    start = min([start, *submitted, *approved])
    end = max([today, deadline + timedelta(days=1), *submitted, *approved])
    span = max(1, (end - start).days)
    position = X_LEFT + (X_RIGHT - X_LEFT) * (deadline - start).days / span

    def dmy(day: date) -> str:
        return day.strftime("%d/%m")

    gridlines = tuple(
        Gridline(PLOT_TOP + PLOT_HEIGHT * (1 - n / total) if total else PLOT_TOP + PLOT_HEIGHT, f"{format_count(n)} đơn vị")
        for n in sorted({0, total // 2, total})
    )
    series = (
        ("submitted", f"Đã nộp ({format_count(len(submitted))})", _steps(submitted, start, span, total, min(today, end))),
        ("approved", f"Đã duyệt ({format_count(len(approved))})", _steps(approved, start, span, total, min(today, end))),
    )
    ticks = [Marker(X_LEFT, dmy(start)), Marker(X_RIGHT, dmy(end), "end")]
    if start < today < end:
        at = X_LEFT + (X_RIGHT - X_LEFT) * (today - start).days / span
        if 0.15 < at < 0.85:
            ticks.append(Marker(at, f"hôm nay {dmy(today)}", "middle"))
    summary = (f"Từ {format_day(start)} đến {format_day(end)}: {format_count(len(submitted))}/{format_count(total)} đơn vị đã nộp "
               f"({format_count(on_time)} đúng hạn), {format_count(len(approved))} đã duyệt; hạn nộp {format_day(deadline)}.")
    return ProgressChart(title, summary, series, gridlines,
                         Marker(position, f"Hạn nộp {dmy(deadline)}", "end" if position > 0.6 else "start"),
                         tuple(ticks), PLOT_TOP + PLOT_HEIGHT + 44, PLOT_TOP, PLOT_TOP + PLOT_HEIGHT)

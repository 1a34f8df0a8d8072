"""The data behind the charts of the board and of the consolidated page, in a few aggregate
queries; the geometry is the domain's (reporting.charts)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select

from ..extensions import db
from ..models import ReportingRound, Submission, SubmissionValue
from ..reporting.charts import BarChart, ProgressChart, TrendSeries, ranking, submission_progress, trend_bars
from ..reporting.clock import to_local
from ..reporting.numbers import ratio
from ..reporting.progress import ProgressRow, tally
from ..reporting.templates import Ratio, Section
from ..reporting.trends import main_table
from .consolidation import RoundConsolidation
from .keys_query import key_prefix
from .trends import Trend, consolidated_sums, round_trend, unit_timeliness


@dataclass(frozen=True)
class BoardCharts:
    progress: ProgressChart
    timeliness: BarChart


def board_charts(round_: ReportingRound, rows: Sequence[ProgressRow], today: date) -> BoardCharts:
    progress_tally = tally((r.state, r.first_submitted_on) for r in rows)
    submitted = [r.first_submitted_on for r in rows if r.first_submitted_on is not None]
    approved = [to_local(r.approved_at).date() for r in rows if r.state == "approved" and r.approved_at is not None]
    on_time = sum(1 for r in rows if r.first_submitted_on is not None and not r.late_submission)
    progress = submission_progress(
        submitted=submitted, approved=approved, total=progress_tally.expected, start=to_local(round_.created_at).date(),
        deadline=round_.deadline, today=today, on_time=on_time,
        title="Tiến độ nộp báo cáo theo ngày so với hạn nộp",
    )
    tallies = unit_timeliness(round_)
    items = [(r.unit_name, ratio(*tallies[r.unit_id]) if r.unit_id in tallies else None) for r in rows]
    on_time_all = sum(t[0] for t in tallies.values())
    decided_all = sum(t[1] for t in tallies.values())
    timeliness = ranking(items, title="Tỷ lệ nộp báo cáo đúng hạn theo đơn vị (4 kỳ gần nhất)", what="đơn vị", limit=5,
                         overall=ratio(on_time_all, decided_all), overall_label="Chung",
                         none_note="chưa đến hạn và chưa nộp")
    return BoardCharts(progress, timeliness)


def ratio_columns(section: Section, definition: Ratio) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The input columns a ratio adds up (a computed column stands for its parts)."""
    def expand(ids: Sequence[str]) -> tuple[str, ...]:
        out: list[str] = []
        for column_id in ids:
            column = section.column(column_id)
            out.extend(expand(column.computed) if column.computed else [column_id])
        return tuple(out)

    return expand(definition.numerator), expand(definition.denominator)


def unit_rates(rc: RoundConsolidation, section: Section, names: Sequence[str]) -> dict[int, dict[str, object]]:
    """Per included unit, the table's named ratios from its own totals, in one grouped query."""
    wanted = {r.name: ratio_columns(section, r) for r in section.ratios if r.name in names}
    columns = sorted({c for num, den in wanted.values() for c in (*num, *den)})
    if not columns or not rc.included:
        return {}
    prefix = f"{section.id}/"
    sums = [func.sum(case((SubmissionValue.key.like(f"{prefix}%/{c}"), SubmissionValue.int_value), else_=0)) for c in columns]
    included = select(Submission.id).where(Submission.round_id == rc.round.id,
                                           Submission.status.in_({s.status for s in rc.included}))
    by_sub = {s.id: s.unit_id for s in rc.included}
    result: dict[int, dict[str, object]] = {}
    for sid, *totals in db.session.execute(
        select(SubmissionValue.submission_id, *sums)
        .where(SubmissionValue.submission_id.in_(included), key_prefix(SubmissionValue.key, prefix),
               SubmissionValue.int_value.is_not(None))
        .group_by(SubmissionValue.submission_id)
    ):
        if sid not in by_sub:
            continue
        total = dict(zip(columns, (int(t or 0) for t in totals)))
        result[by_sub[sid]] = {name: ratio(sum(total[c] for c in num), sum(total[c] for c in den))
                               for name, (num, den) in wanted.items()}
    return result


@dataclass(frozen=True)
class ConsolidatedCharts:
    by_field: BarChart | None
    by_unit: BarChart | None
    trend_chart: BarChart
    trend: Trend


def consolidated_charts(rc: RoundConsolidation) -> ConsolidatedCharts:
    section = main_table(rc.template)
    by_field = by_unit = None
    if section is not None and any(r.name == "on_time" for r in section.ratios):
        table = rc.result.tables[section.id]
        overall = table.ratios(table.total)["on_time"]
        by_field = ranking([(row.label, table.ratios(row.values)["on_time"]) for row in table.rows],
                           title="Tỷ lệ hồ sơ giải quyết đúng hạn theo lĩnh vực", what="lĩnh vực",
                           overall=overall, overall_label="Chung", none_note="chưa có hồ sơ đã giải quyết")
        rates = unit_rates(rc, section, ("on_time",))
        by_unit = ranking([(s.unit.name, rates.get(s.unit_id, {}).get("on_time")) for s in rc.included],
                          title="Tỷ lệ hồ sơ giải quyết đúng hạn theo đơn vị", what="đơn vị",
                          overall=overall, overall_label="Chung", none_note="chưa có hồ sơ đã giải quyết")
    trend = round_trend(rc.round, current=consolidated_sums(rc), current_units=(len(rc.included), len(rc.submissions)),
                        current_provisional=bool(rc.result.provisional_units))
    series = [TrendSeries(row.figure.label, tuple(zip(trend.labels, row.values)), row.figure.is_ratio) for row in trend.rows]
    current = next((p.label for p in trend.periods if p.current), "")
    chart = trend_bars(series, title=f"Số liệu chính {len(trend.periods)} kỳ gần nhất", current=current)
    return ConsolidatedCharts(by_field, by_unit, chart, trend)


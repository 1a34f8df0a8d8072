"""Loading figures across periods: the last four rounds of a template, for a consolidating
unit or for one reporting unit, and the totals a round keeps when it is closed.

A closed round's sums are read from ``RoundTotals`` (one row) instead of summing every
unit's values again; an open round, or one closed before totals were kept, is summed by
the database on the spot.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import case, func, select, tuple_
from sqlalchemy.orm import contains_eager

from ..extensions import db
from ..models import ReportingRound, RoundTotals, Submission, SubmissionValue
from ..reporting.clock import utcnow, vn_today
from ..reporting.trends import Figure, PeriodFigures, TrendRow, figure_values, main_figures, trend_rows
from .orgtree import series_units
from .rounds import effective_deadline, round_label, round_template, submitted_late

PERIODS = 4


@dataclass(frozen=True)
class Trend:
    figures: tuple[Figure, ...]
    periods: tuple[PeriodFigures, ...]
    rows: tuple[TrendRow, ...]

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(p.label for p in self.periods)


def recent_rounds(round_: ReportingRound, count: int = PERIODS) -> list[ReportingRound]:
    """This round and the ones before it for the same unit, template and kind of period, oldest first."""
    found = db.session.scalars(
        select(ReportingRound).where(
            ReportingRound.unit_id == round_.unit_id, ReportingRound.template_code == round_.template_code,
            ReportingRound.period_kind == round_.period_kind,
            tuple_(ReportingRound.period_year, ReportingRound.period_index) <= tuple_(round_.period_year, round_.period_index),
        ).order_by(ReportingRound.period_year.desc(), ReportingRound.period_index.desc()).limit(count)
    ).all()
    return list(reversed(found))


def summed_counts(round_ids: list[int]) -> dict[int, dict[str, int]]:
    """Approved reports' counts summed key by key, per round, in one query."""
    sums: dict[int, dict[str, int]] = defaultdict(dict)
    if not round_ids:
        return sums
    for round_id, key, total in db.session.execute(
        select(Submission.round_id, SubmissionValue.key, func.sum(SubmissionValue.int_value))
        .join(Submission, Submission.id == SubmissionValue.submission_id)
        .where(Submission.round_id.in_(round_ids), Submission.status == "approved", SubmissionValue.int_value.is_not(None))
        .group_by(Submission.round_id, SubmissionValue.key)
    ):
        sums[round_id][key] = int(total)
    return sums


def _round_sums(rounds: list[ReportingRound]) -> dict[int, tuple[dict[str, int], bool]]:
    """Each round's sums and whether they are final (closed with stored totals)."""
    closed = [r.id for r in rounds if r.status == "closed"]
    stored = {t.round_id: t for t in db.session.scalars(select(RoundTotals).where(RoundTotals.round_id.in_(closed)))} if closed else {}
    live = summed_counts([r.id for r in rounds if r.id not in stored])
    return {r.id: (json.loads(stored[r.id].values_json), True) if r.id in stored else (live.get(r.id, {}), False)
            for r in rounds}


def _round_coverage(round_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per round: (approved reports, expected units), in one grouped query."""
    if not round_ids:
        return {}
    return {round_id: (int(approved or 0), int(expected)) for round_id, approved, expected in db.session.execute(
        select(Submission.round_id, func.sum(case((Submission.status == "approved", 1), else_=0)), func.count())
        .where(Submission.round_id.in_(round_ids), Submission.status != "merged").group_by(Submission.round_id))}


def round_trend(round_: ReportingRound, current: dict[str, int] | None = None, *,
                current_units: tuple[int, int] | None = None, current_provisional: bool = False) -> Trend:
    """The consolidating unit's main figures over the last four periods, each with the
    units it covers. Earlier rounds count approved reports only, so only the current
    period is "(tạm)", and only when it counts unapproved reports.

    ``current``: this round's sums when the caller already has them (the consolidated page),
    with ``current_units`` (included, expected) and whether unapproved reports are in them."""
    rounds = recent_rounds(round_)
    sums = _round_sums([r for r in rounds if r.id != round_.id or current is None])
    coverage = _round_coverage([r.id for r in rounds])
    periods = []
    for r in rounds:
        mine = r.id == round_.id and current is not None
        values = current if mine else sums[r.id][0]
        units, expected = (current_units if mine and current_units else coverage.get(r.id, (None, None)))
        periods.append(PeriodFigures(round_label(r), figure_values(round_template(r), values), current=r.id == round_.id,
                                     provisional=mine and current_provisional, units=units, expected=expected))
    return _trend(round_template(round_), periods)


def consolidated_sums(rc) -> dict[str, int]:
    """A consolidation's summed inputs (what a closed round keeps), derived keys left out."""
    inputs = set(rc.template.input_keys())
    return {k: v for k, v in rc.result.values.items() if k in inputs and isinstance(v, int)}


def unit_trend(submission: Submission) -> Trend:
    """One unit's main figures in its own reports for the last four periods of the template;
    a unit formed by a merger (sáp nhập) continues its predecessors' series, summed."""
    round_ = submission.round
    series = series_units([submission.unit_id])[submission.unit_id]
    subs = db.session.scalars(
        select(Submission).join(Submission.round).options(contains_eager(Submission.round)).where(
            Submission.unit_id.in_(series), Submission.status != "merged",
            ReportingRound.template_code == round_.template_code, ReportingRound.period_kind == round_.period_kind,
            tuple_(ReportingRound.period_year, ReportingRound.period_index) <= tuple_(round_.period_year, round_.period_index),
        ).order_by(ReportingRound.period_year.desc(), ReportingRound.period_index.desc()).limit(PERIODS * len(series))
    ).all()
    by_period: dict[tuple[int, int], list[Submission]] = defaultdict(list)
    for sub in subs:
        by_period[(sub.round.period_year, sub.round.period_index)].append(sub)
    chosen = sorted(by_period)[-PERIODS:]
    values: dict[int, dict[str, int]] = defaultdict(dict)
    for sid, key, number in db.session.execute(
        select(SubmissionValue.submission_id, SubmissionValue.key, SubmissionValue.int_value)
        .where(SubmissionValue.submission_id.in_([s.id for p in chosen for s in by_period[p]]), SubmissionValue.int_value.is_not(None))
    ):
        values[sid][key] = number
    periods = []
    for period in chosen:
        group = by_period[period]
        summed: dict[str, int] = defaultdict(int)
        for sub in group:
            for key, number in values[sub.id].items():
                summed[key] += number
        periods.append(PeriodFigures(round_label(group[0].round), figure_values(round_template(group[0].round), summed),
                                     current=any(s.id == submission.id for s in group),
                                     provisional=any(s.status != "approved" for s in group)))
    return _trend(round_template(round_), periods)


def _trend(template, periods: list[PeriodFigures]) -> Trend:
    figures = main_figures(template)
    return Trend(figures, tuple(periods), tuple(trend_rows(figures, periods)))


def store_round_totals(round_: ReportingRound) -> RoundTotals:
    """Keep the round's approved sums and timeliness as they stand at closing."""
    sums = summed_counts([round_.id]).get(round_.id, {})
    subs = db.session.scalars(select(Submission).where(Submission.round_id == round_.id)).all()
    totals = db.session.get(RoundTotals, round_.id) or RoundTotals(round_id=round_.id)
    totals.values_json = json.dumps(dict(sorted(sums.items())), ensure_ascii=False)
    totals.units = sum(1 for s in subs if s.status == "approved")
    totals.expected = len(subs)
    totals.on_time = sum(1 for s in subs if s.first_submitted_at is not None and not submitted_late(s, round_))
    totals.stored_at = utcnow()
    db.session.add(totals)
    return totals


def unit_timeliness(round_: ReportingRound) -> dict[int, tuple[int, int]]:
    """Per unit, over the last four rounds: (submitted on time, rounds decided). A round is
    decided for a unit once it has submitted, or once its deadline has passed."""
    rounds = {r.id: r for r in recent_rounds(round_)}
    today = vn_today()
    result: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    # Plain rows with what effective_deadline and submitted_late read: 4,000 at province scale.
    for sub in db.session.execute(
        select(Submission.unit_id, Submission.round_id, Submission.first_submitted_at, Submission.extended_deadline)
        .where(Submission.round_id.in_(list(rounds)), Submission.status != "merged")
    ):
        round_of = rounds[sub.round_id]
        submitted = sub.first_submitted_at is not None
        if not submitted and effective_deadline(sub, round_of) >= today:
            continue
        tally = result[sub.unit_id]
        tally[1] += 1
        if submitted and not submitted_late(sub, round_of):
            tally[0] += 1
    return {unit_id: (on_time, decided) for unit_id, (on_time, decided) in result.items()}

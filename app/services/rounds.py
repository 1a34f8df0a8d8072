"""Reporting rounds and submissions: the service layer between views and the domain."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..kept import Kept
from ..models import (
    ChangeLog,
    DeadlineExtension,
    OrgUnit,
    ReportingRound,
    RoundEvent,
    Submission,
    SubmissionValue,
    User,
)
from ..reporting.clock import format_day, to_local, vn_today
from ..reporting.periods import Period, WorkCalendar, add_working_days, period_label, previous_period, window_label
from ..reporting.progress import SubmissionTally, tally
from ..reporting.templates import ReportTemplate, bind_rows, frozen_digest, load_template_text
from ..reporting.text import clean_text
from ..reporting.validation import carried_over
from .access import can_act_on_round, can_review_round, can_run_round
from .admin_log import record_admin_action
from .catalogue import catalogue_snapshot
from .errors import Forbidden, Invalid, NotFound
from .ids import get_row
from .orgtree import series_units, unit_order
from .workdays import work_calendar


@functools.lru_cache(maxsize=64)
def _bound_template(source: str, catalogue_json: str) -> ReportTemplate:
    template = load_template_text(source, "round")
    return bind_rows(template, [tuple(r) for r in json.loads(catalogue_json)])


# Parsed frozen templates by frozen_digest. A digest names one text and catalogue, which no
# write ever changes, so what a worker keeps here cannot go stale; nothing mutable is kept.
_BY_DIGEST: Kept = Kept(64)


def round_template(round_) -> ReportTemplate:
    """The frozen template of a round (a ``ReportingRound`` or what a save reads of one),
    parsed once per process. Found by the round's digest, so a save need not read the text;
    a template is kept only under the digest of the text it was parsed from."""
    digest = round_.template_digest
    template = _BY_DIGEST.get(digest) if digest else None
    if template is None:
        source, catalogue = round_.template_source, round_.catalogue_json or "[]"
        template = _BY_DIGEST.keep(frozen_digest(source, catalogue), _bound_template(source, catalogue))
    return template


def parsed_template(digest: str | None) -> ReportTemplate | None:
    """The template this process has parsed under ``digest``, if it has (nothing is read)."""
    return _BY_DIGEST.get(digest) if digest else None


def round_period(round_: ReportingRound) -> Period:
    return Period(round_.period_kind, round_.period_year, round_.period_index, round_.date_from, round_.date_to)


def round_label(round_: ReportingRound) -> str:
    return period_label(round_period(round_))


def round_window(round_: ReportingRound) -> str:
    return window_label(round_period(round_))


def default_expected_units(unit: OrgUnit, template: ReportTemplate) -> list[OrgUnit]:
    return db.session.scalars(
        select(OrgUnit)
        .where(OrgUnit.parent_id == unit.id, OrgUnit.active.is_(True), OrgUnit.kind.in_(template.reporting_kinds))
        .order_by(*unit_order())
    ).all()


def parent_round_for(unit: OrgUnit, template_code: str, period: Period) -> ReportingRound | None:
    """The upper level's round in which this unit itself reports, if one exists."""
    return db.session.scalar(
        select(ReportingRound)
        .join(Submission, Submission.round_id == ReportingRound.id)
        .where(
            Submission.unit_id == unit.id,
            ReportingRound.template_code == template_code,
            ReportingRound.period_kind == period.kind,
            ReportingRound.period_year == period.year,
            ReportingRound.period_index == period.index,
        )
    )


def min_deadline(period: Period, calendar: WorkCalendar | None = None, unit: OrgUnit | None = None) -> date:
    """A deadline must leave at least one working day after the data cut-off (holidays count,
    the unit's own days off too)."""
    return add_working_days(period.date_to, 1, calendar or work_calendar(unit=unit))


@dataclass
class RoundProblem(Exception):
    field: str
    message: str


def open_round(
    *, unit: OrgUnit, template: ReportTemplate, period: Period, deadline: date, expected: list[OrgUnit],
    instructions: str, opened_by: User | None, today: date | None = None,
) -> ReportingRound:
    """Open a round; ``today`` (from the round form) also refuses a deadline already past."""
    earliest = min_deadline(period, unit=unit)
    if deadline < earliest:
        raise RoundProblem("deadline", f"Hạn nộp phải sau ngày chốt số liệu ít nhất một ngày làm việc (từ {format_day(earliest)}).")
    if today is not None and deadline < today:
        raise RoundProblem("deadline", f"Hạn nộp {format_day(deadline)} đã qua; chọn một ngày từ hôm nay ({format_day(today)}) trở đi.")
    parent = parent_round_for(unit, template.code, period)
    if parent is not None and deadline > parent.deadline:
        raise RoundProblem("deadline", f"Hạn nộp không được muộn hơn hạn của cấp trên ({format_day(parent.deadline)}).")
    if not expected:
        raise RoundProblem("units", "Chọn ít nhất một đơn vị báo cáo.")
    duplicate = db.session.scalar(
        select(ReportingRound.id).where(
            ReportingRound.unit_id == unit.id, ReportingRound.template_code == template.code,
            ReportingRound.period_kind == period.kind, ReportingRound.period_year == period.year,
            ReportingRound.period_index == period.index,
        )
    )
    if duplicate:
        raise RoundProblem("period", "Đơn vị đã có đợt báo cáo này cho kỳ đã chọn.")
    round_ = ReportingRound(
        unit=unit, template_code=template.code, template_version=template.version, title=template.title, template_source=template.source,
        catalogue_json=json.dumps(catalogue_snapshot(unit), ensure_ascii=False), period_kind=period.kind,
        period_year=period.year, period_index=period.index, date_from=period.date_from, date_to=period.date_to,
        deadline=deadline, instructions=instructions, opened_by_id=opened_by.id if opened_by else None,
    )
    db.session.add(round_)
    for child in expected:
        round_.submissions.append(Submission(unit=child, status="not_started"))
    db.session.flush()
    prefill_carried_over(round_, template, period)
    if opened_by is not None:
        record_admin_action(opened_by, "round.create", round_, None,
                            {"title": template.title, "period": period_label(period), "deadline": deadline,
                             "units": len(expected)})
    return round_


def prefill_carried_over(round_: ReportingRound, template: ReportTemplate, period: Period,
                         only: list[Submission] | None = None) -> None:
    """Start each unit's table (or ``only`` these submissions') with last period's pending
    dossiers as carried over; a unit formed by a merger carries its predecessors' pending
    dossiers, summed. Three queries."""
    prev = previous_period(period)
    if prev is None or not any(r.kind == "carry_over" for r in template.rules):
        return
    units = {s.unit_id: s for s in (round_.submissions if only is None else only)}
    series = series_units(list(units))
    previous = db.session.execute(
        select(Submission.unit_id, Submission.id).join(Submission.round).where(
            Submission.unit_id.in_({u for members in series.values() for u in members}), Submission.status != "merged",
            ReportingRound.template_code == template.code, ReportingRound.period_kind == prev.kind,
            ReportingRound.period_year == prev.year, ReportingRound.period_index == prev.index)
    ).all()
    if not previous:
        return
    values: dict[int, dict] = {unit_id: {} for unit_id, _ in previous}
    by_submission = dict((sid, unit_id) for unit_id, sid in previous)
    for sid, key, number in db.session.execute(
        select(SubmissionValue.submission_id, SubmissionValue.key, SubmissionValue.int_value)
        .where(SubmissionValue.submission_id.in_(list(by_submission)), SubmissionValue.int_value.is_not(None))
    ):
        values[by_submission[sid]][key] = number
    bound = _bound_template(round_.template_source, round_.catalogue_json)
    for unit_id, members in series.items():
        summed: dict[str, int] = {}
        for member in members & values.keys():
            for key, number in values[member].items():
                summed[key] = summed.get(key, 0) + number
        if not summed:
            continue
        for key, value in carried_over(bound, summed).items():
            db.session.add(SubmissionValue(submission_id=units[unit_id].id, key=key, int_value=value, version=1))


def status_counts(round_ids: list[int]) -> dict[int, dict[str, int]]:
    """Submission counts per state for many rounds in one aggregate query."""
    counts: dict[int, dict[str, int]] = {rid: {} for rid in round_ids}
    if round_ids:
        rows = db.session.execute(
            select(Submission.round_id, Submission.status, func.count())
            .where(Submission.round_id.in_(round_ids))
            .group_by(Submission.round_id, Submission.status)
        ).all()
        for round_id, status, n in rows:
            counts[round_id][status] = n
    return counts


def round_tallies(round_ids: list[int]) -> dict[int, SubmissionTally]:
    """Each round's expected and submitted units (reporting.progress.tally), in one query."""
    rows: dict[int, list] = {rid: [] for rid in round_ids}
    if round_ids:
        for round_id, status, first in db.session.execute(
            select(Submission.round_id, Submission.status, Submission.first_submitted_at)
            .where(Submission.round_id.in_(round_ids))
        ):
            rows[round_id].append((status, first))
    return {rid: tally(found) for rid, found in rows.items()}


def days_left(deadline: date, today: date | None = None) -> int:
    return (deadline - (today or vn_today())).days


def deadline_text(deadline: date, today: date | None = None) -> str:
    n = days_left(deadline, today)
    if n > 0:
        return f"còn {n} ngày"
    if n == 0:
        return "hạn hôm nay"
    return f"quá hạn {-n} ngày"


def effective_deadline(submission: Submission, round_: ReportingRound | None = None) -> date:
    """The deadline this unit is held to: the round's, or its own extension when later.

    The one place a unit's deadline is read: the board, the unit's home page, lateness,
    exports and on-time rates all ask here."""
    deadline = (round_ or submission.round).deadline
    extended = submission.extended_deadline
    return extended if extended is not None and extended > deadline else deadline


def _check_extension(round_: ReportingRound, current: date, new_deadline: date | None, reason: str) -> str:
    reason = (reason or "").strip()
    if new_deadline is None:
        raise Invalid("Chọn hạn nộp mới (dd/mm/yyyy).", "new_deadline")
    if new_deadline <= current:
        raise Invalid(f"Hạn mới phải sau hạn hiện tại ({format_day(current)}).", "new_deadline")
    parent = parent_round_for(round_.unit, round_.template_code, round_period(round_))
    if parent is not None and new_deadline > parent.deadline:
        raise Invalid(f"Hạn mới không được muộn hơn hạn của cấp trên ({format_day(parent.deadline)}).", "new_deadline")
    if not reason:
        raise Invalid("Ghi lý do gia hạn (ví dụ: số công văn đồng ý gia hạn).", "reason")
    if len(reason) > 500:
        raise Invalid("Lý do tối đa 500 ký tự.", "reason")
    return reason


def extend_deadline(round_: ReportingRound, user: User, new_deadline: date | None, reason: str,
                    submission: Submission | None = None) -> DeadlineExtension:
    """Gia hạn: the whole round's deadline, or one unit's; always written to the audit log
    (DeadlineExtension) and to the history of each submission it changes."""
    if round_.status != "open":
        raise Invalid("Đợt báo cáo đã đóng; mở lại đợt trước khi gia hạn.", "new_deadline")
    current = effective_deadline(submission, round_) if submission is not None else round_.deadline
    reason = _check_extension(round_, current, new_deadline, reason)
    entry = DeadlineExtension(round_id=round_.id, submission_id=submission.id if submission else None,
                              old_deadline=current, new_deadline=new_deadline, reason=reason, by_id=user.id)
    db.session.add(entry)
    changed = [submission] if submission is not None else [s for s in round_.submissions if effective_deadline(s, round_) < new_deadline]
    for sub in changed:
        db.session.add(ChangeLog(submission_id=sub.id, user_id=user.id, action="extend", key="deadline",
                                 old_value=format_day(effective_deadline(sub, round_)),
                                 new_value=f"{format_day(new_deadline)} — {reason}"))
    if submission is not None:
        submission.extended_deadline = new_deadline
    else:
        round_.deadline = new_deadline
    record_admin_action(user, "extension.extend", (f"{round_.title} — {submission.unit.name if submission else 'cả đợt'}",
                                                    round_.unit_id),
                        {"deadline": current}, {"deadline": new_deadline, "reason": reason})
    return entry


def close_round(round_: ReportingRound, user: User) -> RoundEvent:
    round_.status = "closed"
    event = RoundEvent(round_id=round_.id, user_id=user.id, action="close", note="")
    db.session.add(event)
    record_admin_action(user, "round.close", round_, {"status": "đang mở"}, {"status": "đã đóng"})
    return event


def reopen_round(round_: ReportingRound, user: User, reason: str | None) -> RoundEvent:
    """Mở lại đợt: only with a reason, recorded (who, when, why) and shown on the board."""
    reason = clean_text(reason).strip()
    if not reason:
        raise Invalid("Ghi lý do mở lại đợt (ví dụ: xã xin nộp bổ sung theo công văn số …).", "reason")
    if len(reason) > 500:
        raise Invalid("Lý do tối đa 500 ký tự.", "reason")
    round_.status = "open"
    event = RoundEvent(round_id=round_.id, user_id=user.id, action="reopen", note=reason)
    db.session.add(event)
    record_admin_action(user, "round.reopen", round_, {"status": "đã đóng"}, {"status": "đang mở", "reason": reason})
    return event


def round_events(round_id: int) -> list[RoundEvent]:
    return list(db.session.scalars(select(RoundEvent).options(joinedload(RoundEvent.user))
                                   .where(RoundEvent.round_id == round_id)
                                   .order_by(RoundEvent.at.desc(), RoundEvent.id.desc())))


def extensions_of(round_id: int) -> list[DeadlineExtension]:
    return list(db.session.scalars(
        select(DeadlineExtension).options(joinedload(DeadlineExtension.by), joinedload(DeadlineExtension.submission)
                                          .joinedload(Submission.unit))
        .where(DeadlineExtension.round_id == round_id).order_by(DeadlineExtension.at.desc(), DeadlineExtension.id.desc())
    ))


def submitted_late(submission: Submission, round_: ReportingRound | None = None) -> bool:
    """First submitted after the deadline day ended in Vietnam time (the board, the review
    page and the unit's confirmation must agree)."""
    if submission.first_submitted_at is None:
        return False
    return to_local(submission.first_submitted_at).date() > effective_deadline(submission, round_)


def load_round(user, round_id: int) -> ReportingRound:
    round_ = get_row(ReportingRound, round_id, options=[joinedload(ReportingRound.unit)])
    if round_ is None or not can_review_round(user, round_):
        raise NotFound()
    return round_


def load_round_to_act(user, round_id: int) -> ReportingRound:
    """A round the user changes something in (status, reminders, deadlines, texts, sending
    upward): out of scope is 404, in scope but another unit's round is 403 — one rule,
    ``can_act_on_round``, for every write in a round."""
    round_ = load_round(user, round_id)
    if not can_act_on_round(user, round_):
        raise Forbidden(ACT_REFUSED.format(unit=round_.unit.name))
    return round_


def load_round_to_run(user, round_id: int) -> ReportingRound:
    """A round whose running the user changes (close, reopen, extend): its own unit's
    reviewers, or an administrator whose scope holds it (``can_run_round``)."""
    round_ = load_round(user, round_id)
    if not can_run_round(user, round_):
        raise Forbidden(ACT_REFUSED.format(unit=round_.unit.name))
    return round_


ACT_REFUSED = ("Đợt báo cáo này do {unit} tổng hợp: cấp trên chỉ xem, việc ghi nhận, gia hạn, duyệt hay "
               "tổng hợp do cán bộ tổng hợp của đơn vị đó thực hiện.")


def open_rounds_of(unit_id: int) -> list[ReportingRound]:
    """The rounds a unit has opened and not yet closed, nearest deadline first."""
    return list(db.session.scalars(
        select(ReportingRound).options(joinedload(ReportingRound.unit))
        .where(ReportingRound.unit_id == unit_id, ReportingRound.status == "open")
        .order_by(ReportingRound.deadline)))


def rounds_in_scope(scope_path: str | None) -> list[ReportingRound]:
    """The rounds opened by units of a subtree (every round for None), open ones first, latest
    deadline first."""
    stmt = select(ReportingRound).join(ReportingRound.unit).options(joinedload(ReportingRound.unit))
    if scope_path is not None:
        stmt = stmt.where(OrgUnit.path.startswith(scope_path))
    return list(db.session.scalars(stmt.order_by(ReportingRound.status.desc(), ReportingRound.deadline.desc())))

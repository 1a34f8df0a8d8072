"""Loading a round's progress board and recording reminders: a fixed number of queries
whatever the number of units (submissions with units, parents, officers, reminders)."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import aliased, contains_eager

from ..extensions import db
from ..models import OrgUnit, Reminder, ReportingRound, Submission, SUBMISSION_STATES
from ..reporting.clock import to_local, utcnow
from ..reporting.progress import ProgressRow
from .export_parts import officers_of
from .orgtree import unit_sort_key
from .rounds import effective_deadline

CHANNELS = {"sms": "SMS", "zalo": "Zalo", "phone": "điện thoại"}


def _round_submission_ids(round_id: int):
    return select(Submission.id).where(Submission.round_id == round_id)


def load_progress(round_: ReportingRound) -> list[ProgressRow]:
    """Every expected unit of the round as a board row, in the installation's unit order."""
    parent = aliased(OrgUnit)
    found = db.session.execute(
        select(Submission, parent.name)
        .join(Submission.unit).options(contains_eager(Submission.unit))
        .outerjoin(parent, OrgUnit.parent_id == parent.id)
        .where(Submission.round_id == round_.id)
    ).all()
    officers = officers_of([sub.unit_id for sub, _ in found])
    reminded = {
        sid: (at, n) for sid, at, n in db.session.execute(
            select(Reminder.submission_id, func.max(Reminder.at), func.count())
            .where(Reminder.submission_id.in_(_round_submission_ids(round_.id)))
            .group_by(Reminder.submission_id)
        )
    }
    rows = []
    for sub, parent_name in found:
        unit = sub.unit
        officer = officers.get(unit.id)
        at, count = reminded.get(sub.id, (None, 0))
        rows.append(ProgressRow(
            submission_id=sub.id, unit_id=unit.id, unit_name=unit.name, unit_code=unit.code, unit_kind=unit.kind,
            state=sub.status, state_label=SUBMISSION_STATES.get(sub.status, sub.status),
            deadline=effective_deadline(sub, round_), order=unit_sort_key(unit),
            parent_id=unit.parent_id, parent_name=parent_name or "",
            first_submitted_on=to_local(sub.first_submitted_at).date() if sub.first_submitted_at else None,
            submitted_at=sub.submitted_at, updated_at=sub.updated_at, approved_at=sub.approved_at,
            officer_name=(officer.full_name or officer.username) if officer else "",
            officer_phone=officer.phone if officer else "",
            reminded_at=at, reminders=count,
        ))
    rows.sort(key=lambda r: r.order)
    return rows


def record_reminders(round_: ReportingRound, submission_ids: Iterable[int], user, channel: str) -> int:
    """Note that these units were reminded now; ids outside the round are ignored."""
    wanted = set(submission_ids)
    if not wanted:
        return 0
    ids = db.session.scalars(
        select(Submission.id).where(Submission.round_id == round_.id, Submission.id.in_(wanted))
    ).all()
    now = utcnow()
    for sid in ids:
        db.session.add(Reminder(submission_id=sid, user_id=user.id, at=now, channel=channel if channel in CHANNELS else ""))
    return len(ids)

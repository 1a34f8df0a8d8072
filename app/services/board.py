"""Loading a round's progress board and recording reminders: a fixed number of queries
whatever the number of units (submissions with units, parents, officers, reminders)."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import SUBMISSION_STATES, OrgUnit, Reminder, ReportingRound, Submission, UnitSuccession, User
from ..reporting.clock import to_local, utcnow
from ..reporting.progress import ProgressRow
from .rounds import effective_deadline

CHANNELS = {"sms": "SMS", "zalo": "Zalo", "phone": "điện thoại"}


def _round_submission_ids(round_id: int):
    return select(Submission.id).where(Submission.round_id == round_id)


# Plain rows, not ORM objects: a province's board has a thousand of them. Each row carries
# what services.rounds.effective_deadline reads (extended_deadline), so it still decides.
_BOARD_COLUMNS = (
    Submission.id, Submission.unit_id, Submission.status, Submission.first_submitted_at, Submission.submitted_at,
    Submission.updated_at, Submission.approved_at, Submission.extended_deadline,
    OrgUnit.name.label("unit_name"), OrgUnit.code.label("unit_code"), OrgUnit.kind.label("unit_kind"),
    OrgUnit.sort_order, OrgUnit.parent_id,
)


def officer_contacts(unit_ids) -> dict[int, tuple[str, str]]:
    """Each unit's first active focal officer as (name, phone), in one query."""
    found: dict[int, tuple[str, str]] = {}
    for unit_id, full_name, username, phone in db.session.execute(
        select(User.unit_id, User.full_name, User.username, User.phone)
        .where(User.unit_id.in_(unit_ids), User.role == "reporter", User.active.is_(True)).order_by(User.id)
    ):
        found.setdefault(unit_id, (full_name or username, phone or ""))
    return found


def load_progress(round_: ReportingRound) -> list[ProgressRow]:
    """Every expected unit of the round as a board row, in the installation's unit order."""
    parent = aliased(OrgUnit)
    found = db.session.execute(
        select(*_BOARD_COLUMNS, parent.name.label("parent_name"))
        .join(OrgUnit, Submission.unit_id == OrgUnit.id)
        .outerjoin(parent, OrgUnit.parent_id == parent.id)
        # A unit merged into another reports within its successor (status "merged").
        .where(Submission.round_id == round_.id, Submission.status != "merged")
    ).all()
    officers = officer_contacts(select(Submission.unit_id).where(Submission.round_id == round_.id))
    reminded = {
        sid: (at, n) for sid, at, n in db.session.execute(
            select(Reminder.submission_id, func.max(Reminder.at), func.count())
            .where(Reminder.submission_id.in_(_round_submission_ids(round_.id)))
            .group_by(Reminder.submission_id)
        )
    }
    rows = []
    for sub in found:
        officer_name, officer_phone = officers.get(sub.unit_id, ("", ""))
        at, count = reminded.get(sub.id, (None, 0))
        rows.append(ProgressRow(
            submission_id=sub.id, unit_id=sub.unit_id, unit_name=sub.unit_name, unit_code=sub.unit_code,
            unit_kind=sub.unit_kind, state=sub.status, state_label=SUBMISSION_STATES.get(sub.status, sub.status),
            deadline=effective_deadline(sub, round_), order=(sub.sort_order, sub.unit_name, sub.unit_code),
            parent_id=sub.parent_id, parent_name=sub.parent_name or "",
            first_submitted_on=to_local(sub.first_submitted_at).date() if sub.first_submitted_at else None,
            submitted_at=sub.submitted_at, updated_at=sub.updated_at, approved_at=sub.approved_at,
            officer_name=officer_name, officer_phone=officer_phone, reminded_at=at, reminders=count,
        ))
    rows.sort(key=lambda r: r.order)
    return rows


def merged_in_round(round_: ReportingRound) -> list[tuple[str, str, object]]:
    """The round's units that report within their successor after a merger (status
    "merged"), as (predecessor, successor, effective date), so the board says where they went
    rather than dropping them silently. One query."""
    predecessor, successor = aliased(OrgUnit), aliased(OrgUnit)
    return [tuple(row) for row in db.session.execute(
        select(predecessor.name, successor.name, UnitSuccession.effective_on)
        .select_from(Submission)
        .join(predecessor, Submission.unit_id == predecessor.id)
        .join(UnitSuccession, UnitSuccession.predecessor_id == predecessor.id)
        .join(successor, UnitSuccession.successor_id == successor.id)
        .where(Submission.round_id == round_.id, Submission.status == "merged")
        .order_by(successor.name, predecessor.sort_order, predecessor.name))]


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

"""Mergers and reorganisations (sáp nhập, tổ chức lại), as on 1 July 2025.

A merger records that units A, B, C became D from a date: A, B and C stop reporting, and
their history stays attached to them (design §3). Open rounds are handled at once: a
predecessor's submission not yet submitted is closed ("đã sáp nhập vào D") and points to
the submission D receives in that round; what was already submitted counts as it was, and
closed rounds are never touched. D's "kỳ trước", carried-over dossiers and comparisons sum
its predecessors' (``orgtree.series_units``). A reorganisation moves units to a new parent
from a date; moving every commune of the districts to the province makes a three-level
province two-level.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import ChangeLog, OrgUnit, ReportingRound, Submission, UnitMove, UnitSuccession, User
from ..reporting.clock import format_day
from .errors import Invalid
from .orgtree import reparent, unit_sort_key
from .rounds import prefill_carried_over, round_period, round_template

OPEN_STATES = ("not_started", "draft", "returned")


@dataclass
class MergerOutcome:
    closed: list[Submission] = field(default_factory=list)  # predecessors' submissions closed
    created: list[Submission] = field(default_factory=list)  # the successor's new submissions


def merged_note(successor: OrgUnit, effective_on: date) -> str:
    return f"Đã sáp nhập vào {successor.name} từ ngày {format_day(effective_on)}"


def record_merger(predecessors: list[OrgUnit], successor: OrgUnit, effective_on: date | None, user: User) -> MergerOutcome:
    if not predecessors:
        raise Invalid("Chọn các đơn vị được sáp nhập.", "predecessors")
    if effective_on is None:
        raise Invalid("Chọn ngày sáp nhập có hiệu lực.", "effective_on")
    if successor in predecessors:
        raise Invalid(f"{successor.name} không thể vừa là đơn vị được sáp nhập vừa là đơn vị sau sáp nhập.", "predecessors")
    if not successor.active:
        raise Invalid(f"{successor.name} đã ngừng hoạt động.", "successor_id")
    earlier = {s.predecessor_id: s for s in db.session.scalars(
        select(UnitSuccession).options(joinedload(UnitSuccession.successor))
        .where(UnitSuccession.predecessor_id.in_([p.id for p in predecessors])))}
    for unit in predecessors:
        if unit.id in earlier:
            raise Invalid(f"{unit.name} đã được sáp nhập vào {earlier[unit.id].successor.name}.", "predecessors")
        if successor.path.startswith(unit.path):
            raise Invalid(f"{successor.name} là đơn vị trực thuộc {unit.name}.", "predecessors")
    for unit in predecessors:
        db.session.add(UnitSuccession(predecessor_id=unit.id, successor_id=successor.id, effective_on=effective_on,
                                      recorded_by_id=user.id))
        unit.active = False
    return _close_open_submissions(predecessors, successor, effective_on, user)


def _close_open_submissions(predecessors: list[OrgUnit], successor: OrgUnit, effective_on: date, user: User) -> MergerOutcome:
    outcome = MergerOutcome()
    open_subs = db.session.scalars(
        select(Submission).join(Submission.round).options(joinedload(Submission.round).joinedload(ReportingRound.unit))
        .where(Submission.unit_id.in_([p.id for p in predecessors]), Submission.status.in_(OPEN_STATES),
               ReportingRound.status == "open")
    ).all()
    note = merged_note(successor, effective_on)
    for sub in open_subs:
        round_ = sub.round
        target = next((s for s in round_.submissions if s.unit_id == successor.id), None)
        if target is None and successor.path.startswith(round_.unit.path) and successor.id != round_.unit_id:
            target = Submission(unit=successor, status="not_started")
            round_.submissions.append(target)
            db.session.flush()
            prefill_carried_over(round_, round_template(round_), round_period(round_), only=[target])
            outcome.created.append(target)
        sub.status, sub.merged_into_id = "merged", target.id if target is not None else None
        sub.version += 1
        db.session.add(ChangeLog(submission_id=sub.id, user_id=user.id, action="merge", new_value=note))
        outcome.closed.append(sub)
    return outcome


def replaced_by(submission: Submission) -> list[Submission]:
    """The predecessors' submissions a merger closed into this one, in unit order."""
    found = db.session.scalars(select(Submission).options(joinedload(Submission.unit))
                               .where(Submission.merged_into_id == submission.id)).all()
    return sorted(found, key=lambda s: unit_sort_key(s.unit))


def move_units(units: list[OrgUnit], new_parent: OrgUnit, effective_on: date | None, user: User,
               retire_emptied: bool = False) -> list[OrgUnit]:
    """Give units a new parent from a date, with their subtrees; with ``retire_emptied``, the
    former parents left with no active unit stop (a district abolished). Returns those."""
    if not units:
        raise Invalid("Chọn các đơn vị cần chuyển.", "units")
    if effective_on is None:
        raise Invalid("Chọn ngày có hiệu lực.", "effective_on")
    old_parents = {u.parent for u in units if u.parent is not None}
    for unit in units:
        if unit.parent_id == new_parent.id:
            continue
        old_parent_id = unit.parent_id
        try:
            reparent(unit, new_parent)
        except ValueError as exc:
            raise Invalid(str(exc), "new_parent_id") from None
        db.session.add(UnitMove(unit_id=unit.id, old_parent_id=old_parent_id, new_parent_id=new_parent.id,
                                effective_on=effective_on, recorded_by_id=user.id))
    db.session.flush()
    retired = []
    if retire_emptied:
        for parent in old_parents - {new_parent}:
            still = db.session.scalar(select(OrgUnit.id).where(OrgUnit.parent_id == parent.id, OrgUnit.active.is_(True)).limit(1))
            if still is None and parent.active:
                parent.active = False
                retired.append(parent)
    return retired


def history(limit: int = 200) -> tuple[list[UnitSuccession], list[UnitMove]]:
    mergers = db.session.scalars(
        select(UnitSuccession).options(joinedload(UnitSuccession.predecessor), joinedload(UnitSuccession.successor))
        .order_by(UnitSuccession.id.desc()).limit(limit)).all()
    moves = db.session.scalars(
        select(UnitMove).options(joinedload(UnitMove.unit), joinedload(UnitMove.old_parent), joinedload(UnitMove.new_parent))
        .order_by(UnitMove.id.desc()).limit(limit)).all()
    return list(mergers), list(moves)


def predecessors_of(unit: OrgUnit) -> list[OrgUnit]:
    found = db.session.scalars(select(OrgUnit).join(UnitSuccession, UnitSuccession.predecessor_id == OrgUnit.id)
                               .where(UnitSuccession.successor_id == unit.id)).all()
    return sorted(found, key=unit_sort_key)


def series_history(unit_ids: set[int]) -> list[Submission]:
    """Every submission of these units (a unit and its predecessors), newest period first."""
    return list(db.session.scalars(
        select(Submission).join(Submission.round)
        .options(joinedload(Submission.unit), joinedload(Submission.round).joinedload(ReportingRound.unit))
        .where(Submission.unit_id.in_(unit_ids))
        .order_by(ReportingRound.date_to.desc(), ReportingRound.template_code, Submission.unit_id)))


@dataclass
class MergerLinks:
    """What a submission page says about a merger: where this report went, which reports it
    replaces, and whose history the unit continues."""

    merged_into: Submission | None = None
    replaces: list[Submission] = field(default_factory=list)
    predecessors: list[OrgUnit] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.merged_into or self.replaces or self.predecessors)


def merger_links(submission: Submission) -> MergerLinks:
    merged_into = None
    if submission.merged_into_id:
        merged_into = db.session.get(Submission, submission.merged_into_id, options=[joinedload(Submission.unit)])
    return MergerLinks(merged_into, replaced_by(submission), predecessors_of(submission.unit))

"""Mergers and reorganisations (sáp nhập, tổ chức lại), as on 1 July 2025.

A merger records that units A, B, C became D from a date: A, B and C stop reporting, and
their history stays attached to them (design §3). A change dated in the future is only
scheduled: nothing moves until its date, when ``apply_due`` (``flask apply-reorganisations``,
run daily) applies it — or at once when recorded on or after its date.

Applying a merger: in open rounds whose period ends on or after the date (the unit that
exists at the data cut-off reports the whole period), a predecessor's report not yet
submitted is closed ("đã sáp nhập vào D") and points to D's; its draft is carried into
D's — numbers summed cell by cell, texts kept under the predecessor's name, each carried
value written in D's history for the officer to check. Rounds of earlier periods still
show the predecessors. The accounts the officer chose move to D; the others are locked.
D's "kỳ trước", carried-over dossiers and comparisons sum its predecessors'
(``orgtree.series_units``). A reorganisation moves units to a new parent from a date;
moving every commune of the districts to the province makes a three-level province two-level.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select, text, update
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import ChangeLog, OrgUnit, ReportingRound, Submission, SubmissionValue, UnitMove, UnitSuccession, User
from ..reporting.clock import format_day, utcnow
from .admin_log import record_admin_action
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


def check_merger(predecessors: list[OrgUnit], successor: OrgUnit | None, effective_on: date | None) -> None:
    """What makes a merger impossible (nothing written); ``successor`` None: a new unit."""
    if not predecessors:
        raise Invalid("Chọn các đơn vị được sáp nhập.", "predecessors")
    if effective_on is None:
        raise Invalid("Chọn ngày sáp nhập có hiệu lực.", "effective_on")
    if successor is not None and successor in predecessors:
        raise Invalid(f"{successor.name} không thể vừa là đơn vị được sáp nhập vừa là đơn vị sau sáp nhập.", "predecessors")
    if successor is not None and not successor.active:
        raise Invalid(f"{successor.name} đã ngừng hoạt động.", "successor_id")
    earlier = {s.predecessor_id: s for s in db.session.scalars(
        select(UnitSuccession).options(joinedload(UnitSuccession.successor))
        .where(UnitSuccession.predecessor_id.in_([p.id for p in predecessors])))}
    for unit in predecessors:
        if unit.id in earlier:
            when = "đã được sáp nhập" if earlier[unit.id].applied_at else "đã có lịch sáp nhập"
            raise Invalid(f"{unit.name} {when} vào {earlier[unit.id].successor.name}.", "predecessors")
        if successor is not None and successor.path.startswith(unit.path):
            raise Invalid(f"{successor.name} là đơn vị trực thuộc {unit.name}.", "predecessors")


def record_merger(predecessors: list[OrgUnit], successor: OrgUnit, effective_on: date | None, user: User,
                  today: date | None = None, move_user_ids=()) -> MergerOutcome | None:
    """Record a merger; applied at once when its date has come by ``today`` (or when no
    ``today`` is given), returning the outcome; else scheduled (None). ``move_user_ids``: predecessors' accounts that move to the successor."""
    check_merger(predecessors, successor, effective_on)
    allowed = {u.id for u in db.session.scalars(select(User).where(User.unit_id.in_([p.id for p in predecessors])))}
    moving = ",".join(str(i) for i in sorted(set(move_user_ids) & allowed))
    rows = []
    for unit in predecessors:
        row = UnitSuccession(predecessor=unit, successor=successor, effective_on=effective_on,
                             recorded_by_id=user.id, move_user_ids=moving)
        db.session.add(row)
        rows.append(row)
    db.session.flush()
    record_admin_action(user, "reorganisation.schedule", successor, None,
                        {"predecessors": ", ".join(p.name for p in predecessors), "successor": successor.name,
                         "effective_on": effective_on, "moved_users": _usernames(moving)})
    if today is None or effective_on <= today:
        return apply_merger(rows, user)
    return None


def _usernames(ids: str) -> str:
    wanted = [int(i) for i in ids.split(",") if i]
    return ", ".join(db.session.scalars(select(User.username).where(User.id.in_(wanted)).order_by(User.username))) if wanted else ""


def apply_merger(rows: list[UnitSuccession], user: User | None) -> MergerOutcome:
    """Apply the successions of one merger (same successor and date)."""
    successor = rows[0].successor
    effective_on = rows[0].effective_on
    predecessors = [r.predecessor for r in rows]
    now = utcnow()
    for row in rows:
        row.applied_at = now
        row.predecessor.active = False
    db.session.flush()
    moving = {int(i) for r in rows for i in r.move_user_ids.split(",") if i}
    accounts = db.session.scalars(select(User).where(User.unit_id.in_([p.id for p in predecessors]))).all()
    # A predecessor still owing a report of a period before the date keeps its accounts
    # until that report is in (its officers lock them afterwards, or the administrator does).
    owing = set(db.session.scalars(
        select(Submission.unit_id).join(Submission.round)
        .where(Submission.unit_id.in_([p.id for p in predecessors]), Submission.status.in_(OPEN_STATES),
               ReportingRound.status == "open", ReportingRound.date_to < effective_on)))
    moved, locked = [], []
    for account in accounts:
        if account.id in moving:
            account.unit = successor
            moved.append(account.username)
        elif account.active and account.unit_id not in owing:
            account.active = False
            locked.append(account.username)
    if locked:
        from .sessions import end_all_sessions

        for account in accounts:
            if account.username in locked:
                end_all_sessions(account.id)
    outcome = _close_open_submissions(predecessors, successor, effective_on, user)
    record_admin_action(user, "reorganisation.apply", successor, None,
                        {"predecessors": ", ".join(p.name for p in predecessors), "successor": successor.name,
                         "effective_on": effective_on, "closed": len(outcome.closed),
                         "moved_users": ", ".join(moved), "accounts": ("khóa: " + ", ".join(locked)) if locked else ""})
    return outcome


def _close_open_submissions(predecessors: list[OrgUnit], successor: OrgUnit, effective_on: date,
                            user: User | None) -> MergerOutcome:
    outcome = MergerOutcome()
    open_subs = db.session.scalars(
        select(Submission).join(Submission.round).options(joinedload(Submission.round).joinedload(ReportingRound.unit))
        .where(Submission.unit_id.in_([p.id for p in predecessors]), Submission.status.in_(OPEN_STATES),
               ReportingRound.status == "open", ReportingRound.date_to >= effective_on)
    ).all()
    note = merged_note(successor, effective_on)
    fresh: set[int] = set()
    for sub in open_subs:
        round_ = sub.round
        target = next((s for s in round_.submissions if s.unit_id == successor.id), None)
        if target is None and successor.path.startswith(round_.unit.path) and successor.id != round_.unit_id:
            target = Submission(unit=successor, status="not_started")
            round_.submissions.append(target)
            db.session.flush()
            prefill_carried_over(round_, round_template(round_), round_period(round_), only=[target])
            outcome.created.append(target)
            fresh.add(target.id)
        sub.status, sub.merged_into_id = "merged", target.id if target is not None else None
        sub.version += 1
        db.session.add(ChangeLog(submission_id=sub.id, user_id=user.id if user else None, action="merge", new_value=note))
        outcome.closed.append(sub)
    by_target: dict[int, list[Submission]] = {}
    for sub in outcome.closed:
        if sub.merged_into_id is not None:
            by_target.setdefault(sub.merged_into_id, []).append(sub)
    for target_id, subs in by_target.items():
        _carry_drafts(db.session.get(Submission, target_id), subs, target_id in fresh, user)
    return outcome


def _carry_drafts(target: Submission, sources: list[Submission], fresh: bool, user: User | None) -> None:
    """The predecessors' drafts into the successor's report: numbers summed cell by cell
    (a fresh report's prefilled carried-over cells stay: they already sum the whole series),
    texts kept under each predecessor's name; each value carried is written in the report's
    history ("merge_carry") for the officer to check."""
    values = db.session.execute(
        select(SubmissionValue.submission_id, SubmissionValue.key, SubmissionValue.int_value, SubmissionValue.text_value)
        .where(SubmissionValue.submission_id.in_([s.id for s in sources]))).all()
    if not values:
        return
    names = {s.id: s.unit.name for s in sources}
    numbers: dict[str, int] = {}
    texts: dict[str, list[str]] = {}
    origin: dict[str, list[str]] = {}
    for sid, key, number, words in values:
        if words is not None:
            if words.strip():
                texts.setdefault(key, []).append(f"[{names[sid]}] {words.strip()}")
        elif number is not None:
            numbers[key] = numbers.get(key, 0) + number
            origin.setdefault(key, []).append(f"{names[sid]}: {number}")
    own = {v.key: v for v in db.session.scalars(select(SubmissionValue).where(SubmissionValue.submission_id == target.id))}
    who = user.id if user else None
    for key, total in numbers.items():
        row = own.get(key)
        if row is not None and fresh:
            continue
        if row is None:
            db.session.add(SubmissionValue(submission_id=target.id, key=key, int_value=total, version=1, updated_by_id=who))
            new = total
        else:
            new = total if row.int_value is None else row.int_value + total
            row.int_value, row.text_value, row.version = new, None, row.version + 1
        db.session.add(ChangeLog(submission_id=target.id, user_id=who, action="merge_carry", key=key,
                                 old_value=None if row is None else str(row.int_value), new_value=f"{new} ({'; '.join(origin[key])})"))
    for key, parts in texts.items():
        row = own.get(key)
        joined = "\n".join(parts)
        if row is None:
            db.session.add(SubmissionValue(submission_id=target.id, key=key, text_value=joined, version=1, updated_by_id=who))
        else:
            row.text_value = "\n".join(p for p in ((row.text_value or "").strip(), joined) if p)
            row.version += 1
        db.session.add(ChangeLog(submission_id=target.id, user_id=who, action="merge_carry", key=key, new_value=joined[:2000]))
    if target.status == "not_started":
        target.status = "draft"
    target.version += 1


def pending_mergers() -> list[list[UnitSuccession]]:
    """Scheduled mergers (not applied yet), one list of successions per merger."""
    rows = db.session.scalars(
        select(UnitSuccession).options(joinedload(UnitSuccession.predecessor), joinedload(UnitSuccession.successor))
        .where(UnitSuccession.applied_at.is_(None)).order_by(UnitSuccession.effective_on, UnitSuccession.id)).all()
    groups: dict[tuple, list[UnitSuccession]] = {}
    for row in rows:
        groups.setdefault((row.successor_id, row.effective_on), []).append(row)
    return list(groups.values())


def cancel_merger(successor: OrgUnit, effective_on: date, user: User) -> list[UnitSuccession]:
    """Cancel a scheduled merger (never one applied)."""
    rows = db.session.scalars(select(UnitSuccession).where(
        UnitSuccession.successor_id == successor.id, UnitSuccession.effective_on == effective_on,
        UnitSuccession.applied_at.is_(None))).all()
    if not rows:
        raise Invalid("Không có lịch sáp nhập này, hoặc sáp nhập đã được áp dụng.")
    record_admin_action(user, "reorganisation.cancel", successor,
                        {"predecessors": ", ".join(r.predecessor.name for r in rows), "successor": successor.name,
                         "effective_on": effective_on}, None)
    for row in rows:
        db.session.delete(row)
    return list(rows)


def cancel_move(move: UnitMove, user: User) -> None:
    if move.applied_at is not None:
        raise Invalid("Việc chuyển đơn vị đã được áp dụng, không hủy được.")
    record_admin_action(user, "reorganisation.cancel", move.unit,
                        {"new_parent": move.new_parent.name if move.new_parent else "", "effective_on": move.effective_on}, None)
    db.session.delete(move)


def _lock_for_apply() -> None:
    """One applier at a time across nodes: PostgreSQL's transaction-scoped advisory lock;
    SQLite's write lock, taken by a write before anything is read (a second applier waits,
    then reads what the first committed)."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(220722)"))
    else:
        db.session.execute(update(UnitSuccession).where(UnitSuccession.id == -1).values(move_user_ids=""))


def apply_due(today: date, user: User | None = None) -> list[str]:
    """Apply every scheduled merger and move whose date has come; safe to run again (what
    is applied is marked) and from two nodes at once (``_lock_for_apply``). The caller
    commits, which releases the lock. Returns a line per change applied."""
    db.session.commit()
    _lock_for_apply()
    done: list[str] = []
    due = db.session.scalars(
        select(UnitSuccession).options(joinedload(UnitSuccession.predecessor), joinedload(UnitSuccession.successor))
        .where(UnitSuccession.applied_at.is_(None), UnitSuccession.effective_on <= today)
        .order_by(UnitSuccession.effective_on, UnitSuccession.id)).all()
    groups: dict[tuple, list[UnitSuccession]] = {}
    for row in due:
        groups.setdefault((row.successor_id, row.effective_on), []).append(row)
    for rows in groups.values():
        outcome = apply_merger(rows, user)
        done.append(f"{', '.join(r.predecessor.name for r in rows)} sáp nhập vào {rows[0].successor.name} "
                    f"từ {format_day(rows[0].effective_on)} (đóng {len(outcome.closed)} báo cáo)")
    moves = db.session.scalars(
        select(UnitMove).options(joinedload(UnitMove.unit), joinedload(UnitMove.new_parent))
        .where(UnitMove.applied_at.is_(None), UnitMove.effective_on <= today).order_by(UnitMove.effective_on, UnitMove.id)).all()
    for move in moves:
        retired = _apply_move(move, user)
        done.append(f"{move.unit.name} chuyển về {move.new_parent.name} từ {format_day(move.effective_on)}"
                    + (f"; ngừng hoạt động: {', '.join(u.name for u in retired)}" if retired else ""))
    return done


def replaced_by(submission: Submission) -> list[Submission]:
    """The predecessors' submissions a merger closed into this one, in unit order."""
    found = db.session.scalars(select(Submission).options(joinedload(Submission.unit))
                               .where(Submission.merged_into_id == submission.id)).all()
    return sorted(found, key=lambda s: unit_sort_key(s.unit))


def move_units(units: list[OrgUnit], new_parent: OrgUnit, effective_on: date | None, user: User,
               retire_emptied: bool = False, today: date | None = None) -> list[OrgUnit]:
    """Give units a new parent from a date, with their subtrees; with ``retire_emptied``, the
    former parents left with no active unit stop (a district abolished). Applied at once
    when the date has come by ``today`` (or when no ``today`` is given; returns the parents
    retired), else scheduled."""
    if not units:
        raise Invalid("Chọn các đơn vị cần chuyển.", "units")
    if effective_on is None:
        raise Invalid("Chọn ngày có hiệu lực.", "effective_on")
    moves = []
    for unit in units:
        if unit.parent_id == new_parent.id:
            continue
        if new_parent.path.startswith(unit.path):
            raise Invalid("Không thể chuyển đơn vị vào chính nó hoặc đơn vị cấp dưới của nó.", "new_parent_id")
        move = UnitMove(unit=unit, old_parent_id=unit.parent_id, new_parent=new_parent, effective_on=effective_on,
                        recorded_by_id=user.id, retire_emptied=retire_emptied)
        db.session.add(move)
        moves.append(move)
        record_admin_action(user, "reorganisation.schedule", unit,
                            {"old_parent": unit.parent.name if unit.parent else ""},
                            {"new_parent": new_parent.name, "effective_on": effective_on})
    db.session.flush()
    retired: list[OrgUnit] = []
    if today is None or effective_on <= today:
        for move in moves:
            retired += _apply_move(move, user)
    return retired


def _apply_move(move: UnitMove, user: User | None) -> list[OrgUnit]:
    unit, new_parent = move.unit, move.new_parent
    old_parent = unit.parent
    try:
        reparent(unit, new_parent)
    except ValueError as exc:
        raise Invalid(str(exc), "new_parent_id") from None
    move.old_parent_id = old_parent.id if old_parent else None
    move.applied_at = utcnow()
    db.session.flush()
    retired = []
    if move.retire_emptied and old_parent is not None and old_parent is not new_parent:
        still = db.session.scalar(select(OrgUnit.id).where(OrgUnit.parent_id == old_parent.id, OrgUnit.active.is_(True)).limit(1))
        if still is None and old_parent.active:
            old_parent.active = False
            retired.append(old_parent)
    record_admin_action(user, "reorganisation.apply", unit, {"old_parent": old_parent.name if old_parent else ""},
                        {"new_parent": new_parent.name, "effective_on": move.effective_on})
    return retired


def history(limit: int = 200, scope_path: str | None = None) -> tuple[list[UnitSuccession], list[UnitMove]]:
    """Mergers and moves recorded (applied or waiting), newest first, of a scope's units."""
    mergers = select(UnitSuccession).join(OrgUnit, UnitSuccession.successor_id == OrgUnit.id).options(
        joinedload(UnitSuccession.predecessor), joinedload(UnitSuccession.successor))
    moves = select(UnitMove).join(OrgUnit, UnitMove.unit_id == OrgUnit.id).options(
        joinedload(UnitMove.unit), joinedload(UnitMove.old_parent), joinedload(UnitMove.new_parent))
    if scope_path is not None:
        mergers = mergers.where(OrgUnit.path.startswith(scope_path))
        moves = moves.where(OrgUnit.path.startswith(scope_path))
    return (list(db.session.scalars(mergers.order_by(UnitSuccession.id.desc()).limit(limit))),
            list(db.session.scalars(moves.order_by(UnitMove.id.desc()).limit(limit))))


def predecessors_of(unit: OrgUnit) -> list[OrgUnit]:
    found = db.session.scalars(select(OrgUnit).join(UnitSuccession, UnitSuccession.predecessor_id == OrgUnit.id)
                               .where(UnitSuccession.successor_id == unit.id, UnitSuccession.applied_at.is_not(None))).all()
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


def accounts_of(units: list[OrgUnit]) -> list[User]:
    """The accounts of these units (a merger's predecessors), for the officer to choose which move."""
    return list(db.session.scalars(select(User).where(User.unit_id.in_([u.id for u in units]))
                                   .order_by(User.unit_id, User.username)))

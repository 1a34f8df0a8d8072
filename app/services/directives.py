"""Directives and their follow-up: recording, who may see what, what each unit last
reported per task, what a submission's follow-up section shows, and the consolidation of
a round's follow-up. No Flask here; errors are ServiceErrors, messages Vietnamese.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import (
    Directive,
    DirectiveAssignment,
    DirectiveAttachment,
    DirectiveLog,
    DirectiveTask,
    OrgUnit,
    ReportingRound,
    RoundFollowUp,
    Submission,
    SubmissionValue,
    User,
)
from ..reporting.clock import utcnow, vn_today
from ..reporting.directives import (
    ASSIGN_GROUPS,
    COUNT_LABELS,
    COUNT_ORDER,
    DONE,
    MISSING,
    STATUSES,
    TERRITORIAL,
    AssignedUnit,
    DirectiveReport,
    TaskReport,
    directive_name,
    followup_sentence,
    group_texts,
    is_overdue,
    reminder_text,
    scope_text,
    status_counts,
    suggestion,
)
from ..reporting.keys import FOLLOWUP_PARTS, SEP, followup_key, parse_followup_key
from ..reporting.periods import period_label
from ..reporting.templates import ReportTemplate, shipped_templates
from .access import admin_in_scope, in_scope, is_system_admin
from .errors import Conflict, Forbidden, NotFound
from .export_model import committee_name
from .keys_query import key_prefix
from .orgtree import ancestors_ids
from .rounds import round_label

REPORTED_STATES = ("submitted", "approved")
STALE = "Văn bản vừa được người khác sửa; tải lại trang để xem bản mới nhất trước khi sửa."


def followup_templates() -> dict[str, str]:
    """Shipped templates that have a follow-up section: code → title."""
    return {code: t.title for code, t in shipped_templates().items() if t.sections_of("directives")}


# --- who may see and change a directive ---------------------------------------------------

@dataclass(frozen=True)
class DirectiveAccess:
    directive: Directive
    manage: bool  # the issuing unit's reviewer (or an admin): edit, add tasks, close
    whole: bool  # sees every assigned unit; else only those in the user's own scope
    user_path: str
    user_unit_id: int
    role: str
    user_unit_name: str = ""  # who sends reminders from this page

    def shows_unit(self, unit: OrgUnit) -> bool:
        return self.whole or in_scope(self.role, self.user_unit_id, self.user_path, unit.id, unit.path)


def _assigned_in_scope(user, directive_id: int) -> bool:
    stmt = (select(DirectiveAssignment.id).join(DirectiveTask).join(OrgUnit, DirectiveAssignment.unit_id == OrgUnit.id)
            .where(DirectiveTask.directive_id == directive_id))
    stmt = (stmt.where(OrgUnit.path.startswith(user.unit.path)) if user.role == "reviewer"
            else stmt.where(DirectiveAssignment.unit_id == user.unit_id))
    return db.session.scalar(stmt.limit(1)) is not None


def load_directive(user, directive_id: int, manage: bool = False) -> DirectiveAccess:
    """The directive if the user's unit issued it, is above it in the tree, or is assigned
    one of its tasks (then it sees only its own part). Others get NotFound."""
    directive = db.session.get(Directive, directive_id, options=[joinedload(Directive.unit)])
    if directive is None:
        raise NotFound()
    whole = is_system_admin(user) or in_scope(user.role, user.unit_id, user.unit.path, directive.unit_id, directive.unit.path)
    if not whole and not _assigned_in_scope(user, directive.id):
        raise NotFound()
    may_manage = (admin_in_scope(user, directive.unit) if user.role == "admin"
                  else user.role == "reviewer" and directive.unit_id == user.unit_id)
    if manage and not may_manage:
        raise Forbidden("Chỉ đơn vị ban hành văn bản mới sửa được văn bản và nhiệm vụ.")
    return DirectiveAccess(directive, may_manage, whole, user.unit.path, user.unit_id, user.role, user.unit.name)


def check_version(seen: int | None, current: int) -> None:
    if seen is not None and seen != current:
        raise Conflict(STALE)


# --- recording ----------------------------------------------------------------------------

def _log(directive: Directive, user: User | None, action: str, what: str = "", old=None, new=None,
         task: DirectiveTask | None = None) -> None:
    db.session.add(DirectiveLog(directive_id=directive.id, task_id=task.id if task else None,
                                user_id=user.id if user else None, action=action, what=what,
                                old_value=None if old is None else str(old), new_value=None if new is None else str(new)))


DIRECTIVE_FIELDS = {"doc_type": "Loại văn bản", "number": "Số, ký hiệu", "issued_on": "Ngày ban hành",
                    "title": "Trích yếu", "signer": "Người ký", "full_text": "Toàn văn"}


def _field_value(directive: Directive, name: str):
    value = getattr(directive, name)
    return value.strftime("%d/%m/%Y") if isinstance(value, date) else value


def create_directive(user: User, data: dict, attachment: tuple[str, str, bytes] | None = None) -> Directive:
    directive = Directive(unit_id=user.unit_id, doc_type=data["doc_type"], number=data["number"],
                          issued_on=data["issued_date"], title=data["title"], signer=data["signer"],
                          full_text=data["full_text"], created_by_id=user.id)
    db.session.add(directive)
    db.session.flush()
    if attachment:
        set_attachment(directive, user, *attachment)
    _log(directive, user, "create", "", None, directive_name(directive.doc_type, directive.number, directive.issued_on))
    return directive


def update_directive(access: DirectiveAccess, user: User, data: dict, seen_version: int | None) -> list[str]:
    """Apply the form; every changed field is logged old → new. Returns the changed labels."""
    directive = access.directive
    check_version(seen_version, directive.version)
    changed = []
    new_values = {**data, "issued_on": data["issued_date"]}
    for name, label in DIRECTIVE_FIELDS.items():
        old = _field_value(directive, name)
        setattr(directive, name, new_values[name])
        new = _field_value(directive, name)
        if old != new:
            changed.append(label)
            _log(directive, user, "edit", label, old, new)
    if changed:
        directive.updated_at = utcnow()
    return changed


def set_attachment(directive: Directive, user: User, filename: str, content_type: str, data: bytes) -> None:
    old = db.session.scalar(select(DirectiveAttachment).where(DirectiveAttachment.directive_id == directive.id))
    if old is not None:
        _log(directive, user, "attachment", "Tệp đính kèm", old.filename, filename)
        db.session.delete(old)
        db.session.flush()
    else:
        _log(directive, user, "attachment", "Tệp đính kèm", None, filename)
    db.session.add(DirectiveAttachment(directive_id=directive.id, filename=filename, content_type=content_type,
                                       size=len(data), data=data))


def remove_attachment(directive: Directive, user: User) -> None:
    old = db.session.scalar(select(DirectiveAttachment).where(DirectiveAttachment.directive_id == directive.id))
    if old is not None:
        _log(directive, user, "attachment", "Tệp đính kèm", old.filename, None)
        db.session.delete(old)


def attachment_of(directive: Directive) -> DirectiveAttachment | None:
    return db.session.scalar(select(DirectiveAttachment).where(DirectiveAttachment.directive_id == directive.id))


def attachment_data(attachment: DirectiveAttachment) -> bytes:
    return db.session.scalar(select(DirectiveAttachment.data).where(DirectiveAttachment.id == attachment.id))


def _tree_order(units: Sequence[OrgUnit], root: OrgUnit) -> list[tuple[OrgUnit, int]]:
    """Units of a subtree as (unit, depth) in outline order: each parent before its children."""
    children: dict[int | None, list[OrgUnit]] = defaultdict(list)
    for unit in units:
        children[unit.parent_id].append(unit)
    for siblings in children.values():
        siblings.sort(key=lambda u: (u.sort_order, u.name))
    ordered: list[tuple[OrgUnit, int]] = []
    stack = [(root, 0)]
    while stack:
        unit, depth = stack.pop()
        ordered.append((unit, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(unit.id, [])))
    return ordered


def assignable_units(issuer: OrgUnit) -> list[tuple[OrgUnit, int]]:
    """Every active unit of the issuing unit's subtree, itself first, in outline order."""
    units = db.session.scalars(select(OrgUnit).where(OrgUnit.path.startswith(issuer.path), OrgUnit.active.is_(True))).all()
    return _tree_order(units, issuer)


class AssignmentProblem(Exception):
    """The chosen units cannot be assigned (message for the form)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def resolve_assignment(issuer: OrgUnit, groups: Iterable[str], unit_ids: Iterable[int]) -> list[OrgUnit]:
    """The units a task goes to, resolved now: the groups of the issuer's subtree (communes at
    any depth; the issuer's own specialised offices) plus the units picked one by one."""
    subtree = {u.id: u for u, _ in assignable_units(issuer)}
    chosen: dict[int, OrgUnit] = {}
    groups = set(groups)
    for unit in subtree.values():
        if "communes" in groups and unit.kind in TERRITORIAL:
            chosen[unit.id] = unit
        if "offices" in groups and unit.kind in ("office", "department") and unit.parent_id == issuer.id:
            chosen[unit.id] = unit
    for unit_id in unit_ids:
        if unit_id not in subtree:
            raise AssignmentProblem(f"Đơn vị được chọn không thuộc {issuer.name} nên không giao được nhiệm vụ.")
        chosen[unit_id] = subtree[unit_id]
    if not chosen:
        raise AssignmentProblem("Nhóm đơn vị đã chọn hiện không có đơn vị nào.")
    order = {u.id: i for i, (u, _) in enumerate(assignable_units(issuer))}
    return sorted(chosen.values(), key=lambda u: order[u.id])


def _names(units: Iterable[OrgUnit]) -> str:
    return ", ".join(u.name for u in units)


def save_task(access: DirectiveAccess, user: User, data: dict, task: DirectiveTask | None = None,
              seen_version: int | None = None) -> DirectiveTask:
    """Add a task or change one; changes are logged old → new and units keep what they reported."""
    directive = access.directive
    units = resolve_assignment(directive.unit, data["groups"], data["unit_ids"])
    values = {"label": data["label"], "content": data["content"], "due_on": data["due_date"],
              "scope": ",".join(data["groups"]), "template_codes": ",".join(data["template_codes"])}
    if task is None:
        position = max((t.position for t in directive.tasks), default=0) + 1
        task = DirectiveTask(directive=directive, position=position, **values)
        db.session.add(task)
        db.session.flush()
        task.assignments = [DirectiveAssignment(unit_id=u.id) for u in units]
        _log(directive, user, "task", f"Thêm nhiệm vụ {task.label}".strip(), None, task.content, task=task)
        _log(directive, user, "assign", f"Giao nhiệm vụ {task.label}".strip(), None, _names(units), task=task)
        return task
    check_version(seen_version, task.version)
    labels = {"label": "Số thứ tự", "content": "Nội dung", "due_on": "Hạn hoàn thành", "scope": "Nhóm đơn vị",
              "template_codes": "Mẫu báo cáo"}
    for name, label in labels.items():
        old, new = getattr(task, name), values[name]
        if old != new:
            show = (lambda v: v.strftime("%d/%m/%Y") if isinstance(v, date) else v)
            _log(directive, user, "task", f"{label} nhiệm vụ {task.label}".strip(), show(old), show(new), task=task)
            setattr(task, name, new)
    before = {a.unit_id for a in task.assignments}
    after = {u.id for u in units}
    if before != after:
        old_units = db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(before))).all()
        task.assignments = [a for a in task.assignments if a.unit_id in after]
        task.assignments.extend(DirectiveAssignment(unit_id=uid) for uid in sorted(after - before))
        _log(directive, user, "assign", f"Giao nhiệm vụ {task.label}".strip(),
             _names(sorted(old_units, key=lambda u: u.path)), _names(units), task=task)
    directive.updated_at = utcnow()
    return task


def load_task(access: DirectiveAccess, task_id: int) -> DirectiveTask:
    task = db.session.get(DirectiveTask, task_id)
    if task is None or task.directive_id != access.directive.id:
        raise NotFound()
    return task


def set_task_status(access: DirectiveAccess, user: User, task: DirectiveTask, status: str) -> None:
    if status not in ("open", "closed") or task.status == status:
        return
    task.status = status
    task.closed_at = utcnow() if status == "closed" else None
    _log(access.directive, user, status, f"Nhiệm vụ {task.label}".strip(), task=task)


def set_directive_status(access: DirectiveAccess, user: User, status: str) -> None:
    directive = access.directive
    if status not in ("open", "closed") or directive.status == status:
        return
    directive.status = status
    directive.closed_at = utcnow() if status == "closed" else None
    _log(directive, user, status, "Văn bản")


def directive_history(directive_id: int, limit: int = 200) -> list[DirectiveLog]:
    return db.session.scalars(select(DirectiveLog).options(joinedload(DirectiveLog.user))
                              .where(DirectiveLog.directive_id == directive_id)
                              .order_by(DirectiveLog.at.desc(), DirectiveLog.id.desc()).limit(limit)).all()


# --- what units last reported -------------------------------------------------------------

@dataclass(frozen=True)
class Report:
    """A unit's latest word on a task, and where it came from."""

    status: str
    text: str = ""
    docs: str = ""
    source: str = ""  # "Quý II năm 2025"
    at: datetime | None = None
    submission_id: int | None = None
    round_id: int | None = None
    order: tuple = ()  # (period end, time): later reports win


def _followup_rows(task_ids: set[int], stmt):
    """(task id, part, value, row) for follow-up keys of the given tasks."""
    for row in db.session.execute(stmt):
        parsed = parse_followup_key(row.key)
        if parsed is not None and parsed[0] in task_ids:
            yield parsed[0], parsed[1], row.text_value or "", row


def latest_reports(task_ids: Iterable[int], unit_ids: Iterable[int] | None = None, since: date | None = None,
                   exclude_submission: int | None = None) -> dict[tuple[int, int], Report]:
    """(task id, unit id) → the unit's latest reported status on the task: from submitted
    or approved submissions, and from consolidations when the unit consolidates (its own
    follow-up). Two queries whatever the number of tasks and units."""
    task_ids = set(task_ids)
    if not task_ids:
        return {}
    units_filter = (select(DirectiveAssignment.unit_id).where(DirectiveAssignment.task_id.in_(task_ids))
                    if unit_ids is None else list(unit_ids))
    stmt = (select(SubmissionValue.key, SubmissionValue.text_value, Submission.id.label("sid"), Submission.unit_id,
                   Submission.submitted_at, ReportingRound.id.label("rid"), ReportingRound.period_kind,
                   ReportingRound.period_year, ReportingRound.period_index, ReportingRound.date_from,
                   ReportingRound.date_to)
            .join(Submission, SubmissionValue.submission_id == Submission.id).join(ReportingRound)
            .where(Submission.status.in_(REPORTED_STATES), Submission.unit_id.in_(units_filter),
                   SubmissionValue.key.like(f"%{SEP}t%{SEP}%")))
    if since is not None:
        stmt = stmt.where(ReportingRound.date_to >= since)
    if exclude_submission is not None:
        stmt = stmt.where(Submission.id != exclude_submission)
    found: dict[tuple[int, int, int], dict] = {}
    for task_id, part, value, row in _followup_rows(task_ids, stmt):
        entry = found.setdefault((task_id, row.unit_id, row.sid), {"row": row})
        entry[part] = value
    best: dict[tuple[int, int], Report] = {}
    for (task_id, unit_id, sid), parts in found.items():
        row = parts["row"]
        if not parts.get("status"):
            continue
        order = (row.date_to, row.submitted_at or datetime.min)
        report = Report(parts["status"], parts.get("text", ""), parts.get("docs", ""),
                        period_label(_period(row)), row.submitted_at, sid, row.rid, order)
        if (task_id, unit_id) not in best or best[(task_id, unit_id)].order < order:
            best[(task_id, unit_id)] = report
    own = (select(RoundFollowUp, ReportingRound).join(ReportingRound, RoundFollowUp.round_id == ReportingRound.id)
           .where(RoundFollowUp.task_id.in_(task_ids), RoundFollowUp.status != "", ReportingRound.unit_id.in_(units_filter)))
    for followup, round_ in db.session.execute(own):
        order = (round_.date_to, followup.updated_at)
        key = (followup.task_id, round_.unit_id)
        if key not in best or best[key].order < order:
            best[key] = Report(followup.status, followup.text, "", f"Tổng hợp {round_label(round_)}", followup.updated_at,
                               None, round_.id, order)
    return best


def _period(row):
    from ..reporting.periods import Period

    return Period(row.period_kind, row.period_year, row.period_index, row.date_from, row.date_to)


# --- the directive page ---------------------------------------------------------------------

@dataclass
class UnitLine:
    unit: OrgUnit
    report: Report | None

    @property
    def status(self) -> str:
        return self.report.status if self.report and self.report.status in STATUSES else MISSING


@dataclass
class TaskView:
    task: DirectiveTask
    lines: list[UnitLine]  # every assigned unit the user may see
    counts: dict[str, int]
    overdue: bool
    sentence: str
    reminder: str
    shown: list[UnitLine] = field(default_factory=list)  # after the page's filters

    @property
    def scope_text(self) -> str:
        return scope_text(self.task.scope.split(",")) if self.task.scope else ""

    @property
    def assigned_count(self) -> int:
        return len(self.lines)


def _assigned(units: Sequence[OrgUnit]) -> list[AssignedUnit]:
    return [AssignedUnit(u.id, u.name, u.kind) for u in units]


def task_views(access: DirectiveAccess, tasks: Sequence[DirectiveTask], today: date | None = None,
               reports: dict | None = None) -> list[TaskView]:
    today = today or vn_today()
    directive = access.directive
    if reports is None:
        reports = latest_reports([t.id for t in tasks], since=directive.issued_on)
    name = directive_name(directive.doc_type, directive.number, directive.issued_on)
    views = []
    for task in tasks:
        units = sorted((a.unit for a in task.assignments if access.shows_unit(a.unit)), key=lambda u: (u.path.count("/"), u.sort_order, u.name))
        lines = [UnitLine(u, reports.get((task.id, u.id))) for u in units]
        statuses = {line.unit.id: line.status for line in lines}
        grouped = status_counts(_assigned(units), statuses)
        counts = {code: len(grouped[code]) for code in COUNT_ORDER}
        all_done = bool(lines) and counts[DONE] == len(lines)
        missing = [line.unit.name for line in lines if line.status == MISSING]
        views.append(TaskView(
            task=task, lines=lines, counts=counts,
            overdue=is_overdue(task.due_on, today, task.status == "open" and directive.status == "open", all_done),
            sentence=followup_sentence(_assigned(units), statuses),
            reminder=reminder_text(name, task.label, missing, task.due_on, access.user_unit_name or directive.unit.name),
            shown=lines,
        ))
    return views


def directive_tasks(directive: Directive) -> list[DirectiveTask]:
    """Tasks with their assigned units, in two queries."""
    return db.session.scalars(
        select(DirectiveTask).options(selectinload(DirectiveTask.assignments).joinedload(DirectiveAssignment.unit))
        .where(DirectiveTask.directive_id == directive.id).order_by(DirectiveTask.position, DirectiveTask.id)
    ).all()


def filter_lines(views: list[TaskView], status: str = "", unit_id: int | None = None) -> None:
    for view in views:
        view.shown = [line for line in view.lines
                      if (not status or line.status == status) and (unit_id is None or line.unit.id == unit_id)]


# --- the list of directives ---------------------------------------------------------------

@dataclass
class DirectiveRow:
    directive: Directive
    tasks: int
    open_tasks: int
    overdue: int
    counts: dict[str, int]
    own: bool  # issued by the user's unit or below it

    @property
    def pairs(self) -> int:
        return sum(self.counts.values())


def visible_directives_stmt(user):
    """Directives the user's unit issued (or units below it issued), and those that assign
    a task to a unit in the user's scope."""
    stmt = select(Directive).join(Directive.unit).options(joinedload(Directive.unit))
    if is_system_admin(user):
        return stmt
    if user.role in ("reviewer", "admin"):  # an administrator of a subtree reads it as its reviewers do
        assigned = (select(DirectiveTask.directive_id).join(DirectiveAssignment)
                    .join(OrgUnit, DirectiveAssignment.unit_id == OrgUnit.id).where(OrgUnit.path.startswith(user.unit.path)))
        return stmt.where(or_(OrgUnit.path.startswith(user.unit.path), Directive.id.in_(assigned)))
    assigned = select(DirectiveTask.directive_id).join(DirectiveAssignment).where(DirectiveAssignment.unit_id == user.unit_id)
    return stmt.where(or_(Directive.unit_id == user.unit_id, Directive.id.in_(assigned)))


def list_directives(user, status: str = "", today: date | None = None) -> list[DirectiveRow]:
    """Every visible directive with its task counts, overdue tasks and status counts."""
    stmt = visible_directives_stmt(user)
    if status in ("open", "closed"):
        stmt = stmt.where(Directive.status == status)
    directives = db.session.scalars(stmt.order_by(Directive.status.desc(), Directive.issued_on.desc(), Directive.id.desc())).unique().all()
    if not directives:
        return []
    tasks = db.session.scalars(
        select(DirectiveTask).options(selectinload(DirectiveTask.assignments).joinedload(DirectiveAssignment.unit))
        .where(DirectiveTask.directive_id.in_([d.id for d in directives])).order_by(DirectiveTask.position, DirectiveTask.id)
    ).all()
    by_directive: dict[int, list[DirectiveTask]] = defaultdict(list)
    for task in tasks:
        by_directive[task.directive_id].append(task)
    reports = latest_reports([t.id for t in tasks], since=min(d.issued_on for d in directives))
    rows = []
    for directive in directives:
        whole = is_system_admin(user) or in_scope(user.role, user.unit_id, user.unit.path, directive.unit_id, directive.unit.path)
        access = DirectiveAccess(directive, False, whole, user.unit.path, user.unit_id, user.role, user.unit.name)
        views = task_views(access, by_directive[directive.id], today, reports)
        counts = {code: sum(v.counts[code] for v in views) for code in COUNT_ORDER}
        rows.append(DirectiveRow(directive, len(views), sum(1 for v in views if v.task.status == "open"),
                                 sum(1 for v in views if v.overdue), counts, whole))
    return rows


# --- a unit's own tasks (home page) -----------------------------------------------------------

@dataclass
class OwnTask:
    task: DirectiveTask
    directive: Directive
    report: Report | None
    overdue: bool

    @property
    def status(self) -> str:
        return self.report.status if self.report else MISSING

    @property
    def status_label(self) -> str:
        return COUNT_LABELS[self.status] if self.status in COUNT_LABELS else self.status


def open_tasks_for_unit(unit_id: int, today: date | None = None) -> list[OwnTask]:
    """Open tasks assigned to the unit: overdue first, then by due date, then by directive."""
    today = today or vn_today()
    rows = db.session.execute(
        select(DirectiveTask, Directive).join(Directive).join(DirectiveAssignment)
        .options(joinedload(Directive.unit))
        .where(DirectiveAssignment.unit_id == unit_id, DirectiveTask.status == "open", Directive.status == "open")
    ).all()
    if not rows:
        return []
    reports = latest_reports([t.id for t, _ in rows], [unit_id], since=min(d.issued_on for _, d in rows))
    items = []
    for task, directive in rows:
        report = reports.get((task.id, unit_id))
        done = report is not None and report.status == DONE
        items.append(OwnTask(task, directive, report, is_overdue(task.due_on, today, True, done)))
    items.sort(key=lambda i: (not i.overdue, i.task.due_on or date.max, i.directive.issued_on, i.directive.id, i.task.position))
    return items


# --- a submission's follow-up section --------------------------------------------------------

@dataclass
class FollowUpEntry:
    task: DirectiveTask
    directive: Directive
    last: Report | None  # the unit's latest report elsewhere: the entry starts from it

    @property
    def name(self) -> str:
        return directive_name(self.directive.doc_type, self.directive.number, self.directive.issued_on)


@dataclass
class FollowUp:
    entries: list[FollowUpEntry]
    prefill: dict[str, str]  # keys shown from the last report, not yet stored in this submission
    today: date = field(default_factory=vn_today)
    statuses: dict[str, str] = field(default_factory=lambda: dict(STATUSES))

    def keys(self, section_id: str, task_id: int) -> dict[str, str]:
        return {part: followup_key(section_id, task_id, part) for part in FOLLOWUP_PARTS}


def _stored_task_ids(values: dict) -> set[int]:
    return {parsed[0] for parsed in map(parse_followup_key, values) if parsed is not None}


def _tasks_for(submission: Submission, template: ReportTemplate, task_ids: set[int] | None = None):
    """Open tasks assigned to the submission's unit by its round's consolidating unit or one
    above it, followed up in this template; or, for ``task_ids``, those tasks whatever state."""
    stmt = (select(DirectiveTask, Directive).join(Directive).join(DirectiveAssignment)
            .where(DirectiveAssignment.unit_id == submission.unit_id,
                   Directive.unit_id.in_(ancestors_ids(submission.round.unit)))
            .order_by(Directive.issued_on, Directive.id, DirectiveTask.position, DirectiveTask.id))
    if task_ids is None:
        stmt = stmt.where(DirectiveTask.status == "open", Directive.status == "open")
    else:
        stmt = stmt.where(DirectiveTask.id.in_(task_ids))
    rows = db.session.execute(stmt).all()
    return [(t, d) for t, d in rows if task_ids is not None or template.code in t.template_codes.split(",")]


def allowed_task_ids(submission: Submission, template: ReportTemplate) -> set[int]:
    """Tasks this submission may write follow-up for now (open, assigned, in this template)."""
    if not template.sections_of("directives"):
        return set()
    return {t.id for t, _ in _tasks_for(submission, template)}


def submission_followup(submission: Submission, template: ReportTemplate, values: dict, editable: bool) -> FollowUp:
    """What the follow-up section shows. A submission being filled lists the open tasks
    assigned to its unit, each starting from the unit's last report; a locked one keeps the
    tasks it reported on, whatever happened to them since."""
    sections = template.sections_of("directives")
    if not sections:
        return FollowUp([], {})
    if submission.locked:
        rows = _tasks_for(submission, template, _stored_task_ids(values))
    else:
        rows = _tasks_for(submission, template)
    reports = {}
    if rows and editable:
        reports = latest_reports([t.id for t, _ in rows], [submission.unit_id], exclude_submission=submission.id)
    entries = [FollowUpEntry(t, d, reports.get((t.id, submission.unit_id))) for t, d in rows]
    prefill: dict[str, str] = {}
    for section in sections:
        for entry in entries:
            if entry.last is None:
                continue
            stored_any = any(followup_key(section.id, entry.task.id, p) in values for p in FOLLOWUP_PARTS)
            if stored_any:
                continue
            for part, value in (("status", entry.last.status), ("text", entry.last.text), ("docs", entry.last.docs)):
                if value:
                    prefill[followup_key(section.id, entry.task.id, part)] = value
    return FollowUp(entries, prefill)


def carried_entries(followup: FollowUp) -> list[tuple[str, str, int | None]]:
    """At submission, what the page showed from the last report is stored as this report's."""
    return [(key, value, 0) for key, value in followup.prefill.items()]


# --- consolidation -----------------------------------------------------------------------------

@dataclass
class TaskConsolidation:
    task: DirectiveTask
    assigned: list[AssignedUnit]
    statuses: dict[int, str]
    texts: list[tuple[int, str, str, str]]  # (unit id, unit name, what it did, documents)
    sentence: str
    suggestion: str
    own: RoundFollowUp | None
    own_assigned: bool  # the consolidating unit itself is assigned: it states its own status
    overdue: bool

    @property
    def counts(self) -> dict[str, int]:
        grouped = status_counts(self.assigned, self.statuses)
        return {code: len(grouped[code]) for code in COUNT_ORDER}

    @property
    def choices(self) -> dict[str, str]:
        return dict(STATUSES)

    def status_label(self, unit_id: int) -> str:
        return COUNT_LABELS[self.statuses.get(unit_id) if self.statuses.get(unit_id) in STATUSES else MISSING]


@dataclass
class DirectiveConsolidation:
    directive: Directive
    name: str  # "Chỉ thị số 05/CT-UBND ngày 05/02/2025"
    tasks: list[TaskConsolidation]


def round_followup(round_: ReportingRound, template: ReportTemplate, submissions: Sequence[Submission],
                   included: Sequence[Submission], today: date | None = None,
                   texts: Mapping[int, Mapping[str, object]] | None = None) -> list[DirectiveConsolidation]:
    """The round's follow-up section, per directive and task: counts by status over the
    assigned units of the round (and the consolidating unit itself), the units' texts, the
    reviewer's text. Directives of the round's unit or above; open tasks, or closed ones a
    report still speaks of. A fixed number of queries. ``texts``: every text of the included
    reports by report id when the caller has read them already (the follow-up's are texts)."""
    sections = template.sections_of("directives")
    if not sections:
        return []
    today = today or vn_today()
    round_units = {s.unit_id for s in submissions} | {round_.unit_id}
    values: dict[int, dict[int, dict[str, str]]] = defaultdict(lambda: defaultdict(dict))  # task → unit → part → value
    if included:
        unit_of = {s.id: s.unit_id for s in included}
        prefixes = tuple(s.id + SEP for s in sections)
        if texts is not None:
            rows = ((key, value, sid) for sid, by_key in texts.items() for key, value in by_key.items()
                    if isinstance(value, str) and key.startswith(prefixes))
        else:
            # The reports as a subquery, not 1,000 bound ids; rows of other reports are skipped below.
            reports = select(Submission.id).where(Submission.round_id == round_.id,
                                                  Submission.status.in_(sorted({s.status for s in included})))
            rows = db.session.execute(
                select(SubmissionValue.key, SubmissionValue.text_value, SubmissionValue.submission_id)
                .where(SubmissionValue.submission_id.in_(reports),
                       or_(*[key_prefix(SubmissionValue.key, prefix) for prefix in prefixes])))
        for key, text, submission_id in rows:
            parsed = parse_followup_key(key)
            if parsed is not None and text and submission_id in unit_of:
                values[parsed[0]][unit_of[submission_id]][parsed[1]] = text
    rows = db.session.execute(
        select(DirectiveTask, Directive).join(Directive).options(joinedload(Directive.unit))
        .options(selectinload(DirectiveTask.assignments).joinedload(DirectiveAssignment.unit))
        .where(Directive.unit_id.in_(ancestors_ids(round_.unit)),
               DirectiveTask.id.in_(select(DirectiveAssignment.task_id).where(DirectiveAssignment.unit_id.in_(
                   select(Submission.unit_id).where(Submission.round_id == round_.id, Submission.status != "merged").union(
                       select(OrgUnit.id).where(OrgUnit.id == round_.unit_id))))),
               or_((DirectiveTask.status == "open") & (Directive.status == "open"), DirectiveTask.id.in_(list(values) or [0])))
        .order_by(Directive.issued_on, Directive.id, DirectiveTask.position, DirectiveTask.id)
    ).unique().all()
    rows = [(t, d) for t, d in rows if template.code in t.template_codes.split(",") or t.id in values]
    own = {f.task_id: f for f in db.session.scalars(
        select(RoundFollowUp).where(RoundFollowUp.round_id == round_.id))} if rows else {}  # no task, nothing to read
    result: dict[int, DirectiveConsolidation] = {}
    for task, directive in rows:
        units = [a.unit for a in task.assignments if a.unit_id in round_units]
        units.sort(key=lambda u: (u.id != round_.unit_id, u.path.count("/"), u.sort_order, u.name))
        assigned = _assigned(units)
        statuses = {uid: parts.get("status", "") for uid, parts in values[task.id].items()}
        own_assigned = any(u.id == round_.unit_id for u in units)
        mine = own.get(task.id)
        if own_assigned and mine is not None and mine.status:
            statuses[round_.unit_id] = mine.status
        texts = [(u.id, u.name, values[task.id][u.id].get("text", ""), values[task.id][u.id].get("docs", ""))
                 for u in units if u.id in values[task.id]]
        sentence = followup_sentence(assigned, statuses)
        groups = group_texts((name, text) for _, name, text, _ in texts)
        done = bool(units) and all(statuses.get(u.id) == DONE for u in units)
        item = TaskConsolidation(task, assigned, statuses, texts, sentence, suggestion(groups), mine,
                                 own_assigned, is_overdue(task.due_on, today, task.status == "open", done))
        entry = result.setdefault(directive.id, DirectiveConsolidation(
            directive, directive_name(directive.doc_type, directive.number, directive.issued_on), []))
        entry.tasks.append(item)
    return list(result.values())


def load_round_task(round_: ReportingRound, task_id: int) -> DirectiveTask:
    """A task the round's consolidation may speak of (its directive issued at or above the round's unit)."""
    task = db.session.get(DirectiveTask, task_id, options=[joinedload(DirectiveTask.directive)])
    if task is None or task.directive.unit_id not in ancestors_ids(round_.unit):
        raise NotFound()
    return task


def save_round_followup(round_: ReportingRound, task: DirectiveTask, user: User, status: str | None, text: str | None,
                        seen_version: int | None) -> RoundFollowUp:
    """The reviewer's text about a task (and the unit's own status when it is assigned)."""
    row = db.session.scalar(select(RoundFollowUp).where(RoundFollowUp.round_id == round_.id, RoundFollowUp.task_id == task.id))
    if row is None:
        if seen_version:
            raise Conflict(STALE)
        row = RoundFollowUp(round_id=round_.id, task_id=task.id, status="", text="")
        db.session.add(row)
    else:
        check_version(seen_version, row.version)
    if status is not None:
        row.status = status
    if text is not None:
        row.text = text
    row.updated_at, row.updated_by_id = utcnow(), user.id
    return row


def upward_followup_values(round_: ReportingRound, target: Submission, template: ReportTemplate) -> dict[str, str]:
    """The consolidating unit's own follow-up, written into its report one level up: for each
    task that report asks about, the status and text the reviewer set in the consolidation."""
    sections = template.sections_of("directives")
    if not sections:
        return {}
    own = {f.task_id: f for f in db.session.scalars(select(RoundFollowUp).where(RoundFollowUp.round_id == round_.id))}
    values: dict[str, str] = {}
    for task, _ in _tasks_for(target, template):
        mine = own.get(task.id)
        if mine is None:
            continue
        for section in sections:
            if mine.status:
                values[followup_key(section.id, task.id, "status")] = mine.status
            if mine.text.strip():
                values[followup_key(section.id, task.id, "text")] = mine.text
    return values


__all__ = ["ASSIGN_GROUPS", "load_directive", "list_directives", "open_tasks_for_unit", "round_followup",
           "submission_followup", "task_views"]


# --- exports ----------------------------------------------------------------------------------

def _known(status: str | None) -> str:
    return status if status in STATUSES else MISSING


def directive_reports(consolidations: Sequence[DirectiveConsolidation]) -> tuple[DirectiveReport, ...]:
    """A round's follow-up as the writers take it: counts, the reviewer's text, the grid."""
    return tuple(
        DirectiveReport(
            dc.name, dc.directive.number, committee_name(dc.directive.unit.name, dc.directive.unit.kind), dc.directive.title,
            tuple(TaskReport(t.task.label, t.task.content, t.sentence, t.own.text if t.own else "", "", t.task.due_on,
                             t.overdue, tuple((u.name, _known(t.statuses.get(u.unit_id))) for u in t.assigned))
                  for t in dc.tasks))
        for dc in consolidations)


def submission_reports(submission: Submission, template: ReportTemplate, values: dict) -> tuple[DirectiveReport, ...]:
    """One unit's own report: per task, its status, what it did and the documents it issued."""
    sections = template.sections_of("directives")
    if not sections:
        return ()
    section = sections[0]
    followup = submission_followup(submission, template, values, editable=False)
    grouped: dict[int, list[TaskReport]] = defaultdict(list)
    directives: dict[int, Directive] = {}
    for entry in followup.entries:
        keys = followup.keys(section.id, entry.task.id)
        status = _known(values.get(keys["status"]))
        grouped[entry.directive.id].append(TaskReport(
            entry.task.label, entry.task.content, f"{COUNT_LABELS[status]}.", values.get(keys["text"], ""),
            values.get(keys["docs"], ""), entry.task.due_on, False, ((submission.unit.name, status),)))
        directives[entry.directive.id] = entry.directive
    return tuple(DirectiveReport(directive_name(d.doc_type, d.number, d.issued_on), d.number,
                                 committee_name(d.unit.name, d.unit.kind), d.title, tuple(grouped[d.id]))
                 for d in directives.values())

"""The log of administration (nhật ký quản trị): who did what, when, before → after.

Every administrative service calls ``record_admin_action`` in the same transaction as the
change it records, so a change rolled back leaves no entry and a committed one always has
its entry. Rows are only added. Values whose name says password, token, secret or hash are
never written, whatever a caller passes.
"""
from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import ADMIN_LOG_ACTIONS, ADMIN_LOG_KINDS, AdminLog, CatalogueField, OrgUnit, ReportingRound, User
from ..reporting.clock import format_day, format_moment

SECRET_WORDS = ("password", "mat_khau", "mật khẩu", "token", "secret", "hash")
PAGE_SIZE = 100


def _is_secret(name: str) -> bool:
    name = str(name).lower()
    return any(word in name for word in SECRET_WORDS)


def _plain(value) -> str | int | bool | None:
    if isinstance(value, datetime):
        return format_moment(value)
    if isinstance(value, date):
        return format_day(value)
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


def _text(values) -> str:
    """A state as stored: a mapping without its secrets (JSON), or a plain sentence."""
    if values is None:
        return ""
    if isinstance(values, dict):
        kept = {str(k): _plain(v) for k, v in values.items() if not _is_secret(k)}
        return json.dumps(kept, ensure_ascii=False, sort_keys=False) if kept else ""
    return str(values)


def _target(target) -> tuple[str, OrgUnit | int | None]:
    """What a log line names and the unit it belongs to, for an object or a plain label."""
    if isinstance(target, OrgUnit):
        return f"{target.name} ({target.code})", target
    if isinstance(target, User):
        return target.username, target.unit_id
    if isinstance(target, CatalogueField):
        return f"{target.name} ({target.code})", target.unit_id
    if isinstance(target, ReportingRound):
        return target.title or target.template_code, target.unit_id
    if isinstance(target, tuple):
        label, unit = target
        return str(label), unit
    return str(target or ""), None


def record_admin_action(actor: User | None, kind: str, target, before=None, after=None) -> AdminLog:
    """Add one entry. ``kind`` is "area.action" ("user.lock", "round.create", "template.publish");
    ``target`` an object (unit, user, field, round) or a (label, unit) pair or a label;
    ``before``/``after`` mappings of what changed (or sentences)."""
    area, _, action = kind.partition(".")
    action = action or "edit"
    if area not in ADMIN_LOG_KINDS:
        raise ValueError(f"unknown log kind {kind!r}")
    if action not in ADMIN_LOG_ACTIONS:
        raise ValueError(f"unknown log action {kind!r}")
    label, unit = _target(target)
    entry = AdminLog(actor_id=actor.id if actor is not None else None, actor_name=actor.username if actor is not None else "hệ thống",
                     kind=area, action=action, target=label[:300], before=_text(before), after=_text(after))
    if isinstance(unit, OrgUnit):
        entry.unit = unit
    else:
        entry.unit_id = unit
    db.session.add(entry)
    return entry


def claim_download(actor: User, nonce: str) -> bool:
    """A list of temporary passwords is downloaded once: the first download is logged under
    its (non-secret) number, and a second finds that entry."""
    target = f"Danh sách mật khẩu tạm #{nonce}"
    if db.session.scalar(select(AdminLog.id).where(AdminLog.kind == "user", AdminLog.action == "download",
                                                   AdminLog.target == target)):
        return False
    record_admin_action(actor, "user.download", (target, actor.unit_id), None, None)
    return True


def changes(before: dict, after: dict) -> tuple[dict, dict]:
    """Only what differs between two states, each side with its own value."""
    keys = [k for k in after if before.get(k) != after.get(k)] + [k for k in before if k not in after]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def log_entries(scope_path: str | None, unit_id: int | None = None, actor_id: int | None = None, kind: str | None = None,
                limit: int | None = PAGE_SIZE, offset: int = 0) -> list[AdminLog]:
    """Entries newest first, within a scope (a unit path; None for the whole installation):
    an entry about a unit of the scope, or written by an administrator of the scope."""
    stmt = (select(AdminLog).outerjoin(OrgUnit, AdminLog.unit_id == OrgUnit.id)
            .options(joinedload(AdminLog.unit), joinedload(AdminLog.actor)))
    if scope_path is not None:
        actors = select(User.id).join(User.unit).where(OrgUnit.path.startswith(scope_path))
        stmt = stmt.where(or_(OrgUnit.path.startswith(scope_path), AdminLog.actor_id.in_(actors)))
    if unit_id:
        unit = db.session.get(OrgUnit, unit_id)
        stmt = stmt.where(OrgUnit.path.startswith(unit.path) if unit is not None else AdminLog.id.is_(None))
    if actor_id:
        stmt = stmt.where(AdminLog.actor_id == actor_id)
    if kind:
        stmt = stmt.where(AdminLog.kind == kind)
    stmt = stmt.order_by(AdminLog.at.desc(), AdminLog.id.desc()).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt).unique())


def shown(text: str) -> str:
    """A stored state as a person reads it: "Tên: Xã A; Điện thoại: 0912…"."""
    if not text:
        return ""
    try:
        values = json.loads(text)
    except ValueError:
        return text
    if not isinstance(values, dict):
        return text
    return "; ".join(f"{FIELD_LABELS.get(k, k)}: {_yes_no(v)}" for k, v in values.items() if v not in ("", None))


def _yes_no(value) -> str:
    if value is True:
        return "có"
    if value is False:
        return "không"
    return "" if value is None else str(value)


# The Vietnamese name of each state key the services log (never an internal name on the page).
FIELD_LABELS = {
    "code": "Mã", "name": "Tên", "kind": "Loại", "parent": "Đơn vị cấp trên", "place_name": "Địa danh",
    "sort_order": "Thứ tự", "active": "Đang hoạt động", "username": "Tên đăng nhập", "full_name": "Họ tên",
    "role": "Vai trò", "unit": "Đơn vị", "phone": "Điện thoại", "email": "Thư điện tử", "scope": "Phạm vi",
    "group_code": "Mã nhóm", "group_label": "Tên dòng tổng nhóm", "day": "Ngày", "note": "Ghi chú",
    "rows": "Số dòng", "created": "Tạo mới", "updated": "Cập nhật", "predecessors": "Đơn vị được sáp nhập",
    "successor": "Đơn vị sau sáp nhập", "effective_on": "Có hiệu lực từ", "status": "Trạng thái",
    "deadline": "Hạn nộp", "reason": "Lý do", "units": "Đơn vị", "version": "Phiên bản", "title": "Tên",
    "period": "Kỳ", "moved_users": "Tài khoản chuyển sang", "closed": "Báo cáo đã đóng", "system_admin": "Quản trị hệ thống",
    "template": "Mẫu", "new_parent": "Đơn vị cấp trên mới", "old_parent": "Đơn vị cấp trên cũ", "accounts": "Tài khoản",
}


def log_administrators(scope_path: str | None) -> list[tuple[int, str]]:
    """(id, username) of everyone who wrote in the log of a scope, for the filter."""
    entries = select(AdminLog.actor_id).where(AdminLog.actor_id.is_not(None)).distinct()
    stmt = select(User.id, User.username).join(User.unit).where(User.id.in_(entries))
    if scope_path is not None:
        stmt = stmt.where(OrgUnit.path.startswith(scope_path))
    return [(i, name) for i, name in db.session.execute(stmt.order_by(User.username))]


def log_workbook(entries: list[AdminLog]) -> bytes:
    """The log as an Excel sheet: time (Vietnam), who, kind, action, object, unit, before, after."""
    import io

    import xlsxwriter

    from ..reporting.clock import local_naive

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "font_name": "Times New Roman", "text_wrap": True})
    cell = book.add_format({"font_name": "Times New Roman", "text_wrap": True, "valign": "top", "num_format": "@"})
    when = book.add_format({"font_name": "Times New Roman", "valign": "top", "num_format": "hh:mm dd/mm/yyyy"})
    sheet = book.add_worksheet("Nhật ký quản trị")
    titles = ("Thời gian", "Người thực hiện", "Loại", "Thao tác", "Đối tượng", "Đơn vị", "Trước", "Sau")
    for col, title in enumerate(titles):
        sheet.write_string(0, col, title, head)
    for row, entry in enumerate(entries, start=1):
        sheet.write_datetime(row, 0, local_naive(entry.at), when)
        values = (entry.actor_name, entry.kind_label, entry.action_label, entry.target,
                  entry.unit.name if entry.unit is not None else "", shown(entry.before), shown(entry.after))
        for col, value in enumerate(values, start=1):
            sheet.write_string(row, col, value, cell)
    for col, width in enumerate((17, 18, 16, 16, 30, 26, 45, 45)):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(entries), 1), len(titles) - 1)
    book.close()
    return out.getvalue()

"""Nhật ký quản trị: the log of administration, filtered by unit, user and kind, as a page
and as an Excel file."""
from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_login import current_user

from ..models import ADMIN_LOG_KINDS
from ..services.access import admin_scope_path
from ..services.admin_log import PAGE_SIZE, log_administrators, log_entries, log_workbook, shown
from ..services.administration import managed_unit
from ..services.orgtree import units_in_scope
from . import bp


def _filters() -> dict:
    unit_id = request.args.get("unit", type=int) or None
    if unit_id and managed_unit(current_user, unit_id) is None:
        abort(404)
    kind = request.args.get("kind") or None
    if kind is not None and kind not in ADMIN_LOG_KINDS:
        kind = None
    return {"unit_id": unit_id, "actor_id": request.args.get("user", type=int) or None, "kind": kind}


@bp.get("/log")
def admin_log():
    filters = _filters()
    page = min(max(1, request.args.get("page", 1, type=int)), 10_000)
    path = admin_scope_path(current_user)
    entries = log_entries(path, **filters, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    units = units_in_scope(path, active_only=False)
    top = min((u.path.count("/") for u in units), default=2)
    return render_template("admin/log.html", entries=entries[:PAGE_SIZE], more=len(entries) > PAGE_SIZE, page=page,
                           filters=filters, kinds=ADMIN_LOG_KINDS, shown=shown,
                           units=[(u, "· " * (u.path.count("/") - top)) for u in units],
                           actors=log_administrators(path))


@bp.get("/log.xlsx")
def admin_log_xlsx():
    entries = log_entries(admin_scope_path(current_user), **_filters(), limit=None)
    return Response(log_workbook(entries), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="nhat-ky-quan-tri.xlsx"'})

"""Ngày nghỉ: the public holidays the portal knows, and the administrators' extra days — the
nation's (system administrator) or a province's or district's own, for its subtree only."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from ..extensions import db
from ..models import CalendarDay
from ..reporting.clock import format_day, vn_today
from ..services.access import admin_in_scope, admin_scope_path, is_system_admin
from ..services.admin_log import record_admin_action
from ..services.administration import managed_unit
from ..services.errors import Invalid
from ..services.ids import get_row
from ..services.orgtree import units_in_scope
from ..services.workdays import (
    WEEKDAYS,
    add_extra_day,
    extra_days,
    public_holidays,
    public_working_weekends,
    remove_extra_day,
)
from . import bp
from .forms import CalendarDayForm
from .views import confirm_page, confirmed

CALENDAR_SCOPE_KINDS = ("central", "province", "district")


def _scope_choices() -> list[SelectChoice]:
    units = units_in_scope(admin_scope_path(current_user), kinds=CALENDAR_SCOPE_KINDS)
    top = min((u.path.count("/") for u in units), default=2)
    national = [SelectChoice(0, "Cả nước (lịch chung)")] if is_system_admin(current_user) else []
    return national + [SelectChoice(u.id, "· " * (u.path.count("/") - top) + u.name) for u in units]


def _state(row: CalendarDay) -> dict:
    return {"day": row.day, "kind": row.kind_label, "scope": row.unit.name if row.unit else "Cả nước", "note": row.note}


@bp.route("/holidays", methods=["GET", "POST"])
def holidays():
    year = request.args.get("year", vn_today().year, type=int)
    year = min(max(year, 2000), 2100)
    form = CalendarDayForm()
    form.scope.choices = _scope_choices()
    if request.method == "GET":
        form.scope.data = 0 if is_system_admin(current_user) else current_user.unit_id
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            # A unit administrator's days are its own unit's unless it names a unit below.
            named = bool(form.scope.raw_data)
            scope_id = form.scope.data or (None if is_system_admin(current_user) or named else current_user.unit_id)
            unit = managed_unit(current_user, scope_id) if scope_id else None
            try:
                if scope_id is None and not is_system_admin(current_user):
                    raise Invalid("Chỉ quản trị hệ thống thêm ngày cho cả nước; chọn đơn vị của bạn.", "scope")
                if unit is None and scope_id:
                    raise Invalid("Chọn đơn vị trong phạm vi quản trị của bạn.", "scope")
                row, warnings = add_extra_day(form.day.data, form.kind.data, (form.note.data or "").strip(), unit)
            except Invalid as problem:
                getattr(form, problem.field or "day").errors.append(problem.message)
            else:
                db.session.flush()
                record_admin_action(current_user, "calendar.create", (f"{row.kind_label} {format_day(row.day)}", unit),
                                    None, _state(row))
                db.session.commit()
                flash(f"Đã thêm ngày {format_day(form.day.data)} ({row.kind_label.lower()}, "
                      f"{unit.name if unit else 'cả nước'}).", "success")
                for warning in warnings:
                    flash(warning, "warning")
                return redirect(url_for("admin.holidays", year=form.day.data.year), code=303)
    return render_template("admin/holidays.html", form=form, year=year, public=public_holidays(year),
                           worked=public_working_weekends(year), extra=extra_days(year, admin_scope_path(current_user)),
                           may_change=lambda row: admin_in_scope(current_user, row.unit),
                           weekday=lambda day: WEEKDAYS[day.weekday()]), status


@bp.post("/holidays/<int:day_id>/delete")
def holiday_delete(day_id: int):
    row = get_row(CalendarDay, day_id)
    if row is None or not admin_in_scope(current_user, row.unit):
        abort(404)
    back = url_for("admin.holidays", year=row.day.year)
    if not confirmed():
        return confirm_page("Xóa ngày khỏi lịch", f"Xóa ngày {format_day(row.day)} ({row.kind_label.lower()}, "
                            f"{row.unit.name if row.unit else 'cả nước'}) khỏi lịch?",
                            url_for("admin.holiday_delete", day_id=row.id), "Xóa", back,
                            [("Hạn nộp của các đợt báo cáo mở sau đó được tính lại theo lịch mới; "
                             "đợt đã mở giữ nguyên hạn.")])
    record_admin_action(current_user, "calendar.delete", (f"{row.kind_label} {format_day(row.day)}", row.unit),
                        _state(row), None)
    remove_extra_day(row.id)
    db.session.commit()
    flash(f"Đã xóa ngày {format_day(row.day)} khỏi danh sách.", "success")
    return redirect(back, code=303)

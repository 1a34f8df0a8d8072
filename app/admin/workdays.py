"""Ngày nghỉ: the public holidays the portal knows, and the administrator's extra days."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from ..extensions import db
from ..reporting.clock import format_day, vn_today
from ..services.errors import Invalid
from ..services.workdays import add_extra_day, extra_days, public_holidays, public_working_weekends, remove_extra_day
from . import bp
from .forms import CalendarDayForm

WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


@bp.route("/holidays", methods=["GET", "POST"])
def holidays():
    year = request.args.get("year", vn_today().year, type=int)
    year = min(max(year, 2000), 2100)
    form = CalendarDayForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                add_extra_day(form.day.data, form.kind.data, (form.note.data or "").strip())
            except Invalid as problem:
                form.day.errors.append(problem.message)
            else:
                db.session.commit()
                flash(f"Đã thêm ngày {format_day(form.day.data)}.", "success")
                return redirect(url_for("admin.holidays", year=form.day.data.year), code=303)
    return render_template("admin/holidays.html", form=form, year=year, public=public_holidays(year),
                           worked=public_working_weekends(year), extra=extra_days(year),
                           weekday=lambda day: WEEKDAYS[day.weekday()]), status


@bp.post("/holidays/<int:day_id>/delete")
def holiday_delete(day_id: int):
    row = remove_extra_day(day_id)
    db.session.commit()
    if row is not None:
        flash(f"Đã xóa ngày {format_day(row.day)} khỏi danh sách.", "success")
    return redirect(url_for("admin.holidays", year=row.day.year if row else vn_today().year), code=303)

"""Gia hạn: a reviewer extends the deadline of a round or of one unit, with a reason."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from ..extensions import db
from ..htmx import is_fragment_request, render
from ..reporting.clock import format_day, vn_today
from ..services.errors import Invalid
from ..services.orgtree import unit_sort_key
from ..services.rounds import effective_deadline, extend_deadline, extensions_of, load_round_to_run, round_label
from ..services.workdays import non_working_warning, work_calendar
from . import bp
from .forms import ExtendForm


@bp.route("/<int:round_id>/extend", methods=["GET", "POST"])
def extend(round_id: int):
    round_ = load_round_to_run(current_user, round_id)
    form = ExtendForm()
    subs = sorted(round_.submissions, key=lambda s: unit_sort_key(s.unit))
    by_id = {s.id: s for s in subs}
    def targets():
        return [(0, "Cả đợt báo cáo")] + [
            (s.id, f"{s.unit.name} (hạn hiện tại {format_day(effective_deadline(s, round_))})") for s in subs]

    form.target.choices = targets()
    if request.method == "GET":
        form.target.data = request.args.get("submission", 0, type=int)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            target = by_id.get(form.target.data) if form.target.data else None
            if form.target.data and target is None:
                abort(404)
            try:
                entry = extend_deadline(round_, current_user, form.new_deadline.data, form.reason.data or "", target)
            except Invalid as problem:
                getattr(form, problem.field).errors.append(problem.message)
            else:
                db.session.commit()
                who = target.unit.name if target else "cả đợt báo cáo"
                message = f"Đã gia hạn cho {who} đến ngày {format_day(entry.new_deadline)}."
                warning = non_working_warning(entry.new_deadline, work_calendar(unit=round_.unit), "Hạn mới")
                if not is_fragment_request():
                    flash(message, "success")
                    if warning:
                        flash(warning, "warning")
                    return redirect(url_for("review.extend", round_id=round_.id), code=303)
                fresh = ExtendForm(formdata=None)
                fresh.target.choices = targets()
                return render("review/extend.html", "review/_extend_panel.html", form=fresh, round_=round_,
                              history=extensions_of(round_.id), round_label=round_label, today=vn_today(),
                              message=message, warning=warning)
    return render("review/extend.html", "review/_extend_panel.html", status=status, form=form, round_=round_,
                  history=extensions_of(round_.id), round_label=round_label, today=vn_today())

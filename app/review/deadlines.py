"""Gia hạn: a reviewer extends the deadline of a round or of one unit, with a reason."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from ..extensions import db
from ..htmx import render
from ..reporting.clock import format_day, vn_today
from ..services.errors import Invalid
from ..services.orgtree import unit_sort_key
from ..services.rounds import effective_deadline, extend_deadline, extensions_of, load_round_to_act, round_label
from . import bp
from .forms import ExtendForm


@bp.route("/<int:round_id>/extend", methods=["GET", "POST"])
def extend(round_id: int):
    round_ = load_round_to_act(current_user, round_id)
    form = ExtendForm()
    subs = sorted(round_.submissions, key=lambda s: unit_sort_key(s.unit))
    by_id = {s.id: s for s in subs}
    form.target.choices = [(0, "Cả đợt báo cáo")] + [
        (s.id, f"{s.unit.name} (hạn hiện tại {format_day(effective_deadline(s, round_))})") for s in subs]
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
                flash(f"Đã gia hạn cho {who} đến ngày {format_day(entry.new_deadline)}.", "success")
                return redirect(url_for("review.board", round_id=round_.id), code=303)
    return render("review/extend.html", "review/_extend_form.html", status=status, form=form, round_=round_,
                  history=extensions_of(round_.id), round_label=round_label, today=vn_today())

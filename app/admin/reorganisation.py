"""Sáp nhập đơn vị: record a merger or a change of parent — applied at once when its date has
come, scheduled otherwise — within the administrator's scope."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from ..extensions import db
from ..models import OrgUnit, UnitMove
from ..reporting.clock import format_day, vn_today
from ..services.access import admin_scope_path
from ..services.administration import managed_unit, unit_id_with_code
from ..services.columns import column_limit
from ..services.errors import Invalid
from ..services.ids import get_row
from ..services.orgtree import active_children_of, add_unit, ids_of_active_parents, units_in_scope
from ..services.reorganisation import (
    accounts_of,
    cancel_merger,
    cancel_move,
    check_merger,
    history,
    merged_note,
    move_units,
    pending_mergers,
    record_merger,
)
from . import bp
from .forms import MergerForm, MoveForm
from .views import confirm_page, confirmed


def _tree_choices() -> list[SelectChoice]:
    units = units_in_scope(admin_scope_path(current_user))
    top = min((u.path.count("/") for u in units), default=2)
    return [SelectChoice(u.id, "· " * (u.path.count("/") - top) + f"{u.name} ({u.code})") for u in units]


def _forms(merger: MergerForm | None = None, move: MoveForm | None = None) -> tuple[MergerForm, MoveForm]:
    merger, move = merger or MergerForm(formdata=None), move or MoveForm(formdata=None)
    units = _tree_choices()
    merger.predecessors.choices = units
    merger.successor_id.choices = [SelectChoice(0, "— Đơn vị mới (nhập bên dưới)")] + units
    merger.new_parent_id.choices = units
    move.units.choices = units
    move.from_parents.choices = [c for c, u in zip(units, _active_parents(units)) if u]
    move.new_parent_id.choices = units
    # Both forms have these fields on one page: the move form's own ids keep labels on their fields.
    for f in (move.new_parent_id, move.effective_on):
        f.id = f.label.field_id = f"move-{f.name}"
    return merger, move


def _active_parents(choices: list[SelectChoice]) -> list[bool]:
    parents = ids_of_active_parents()
    return [c.value in parents for c in choices]


def _page(merger: MergerForm | None = None, move: MoveForm | None = None, status: int = 200):
    merger, move = _forms(merger, move)
    path = admin_scope_path(current_user)
    mergers, moves = history(scope_path=path)
    pending = [rows for rows in pending_mergers() if path is None or rows[0].successor.path.startswith(path)]
    return render_template("admin/reorganisation.html", merger=merger, move=move, mergers=mergers, moves=moves,
                           pending=pending, today=vn_today()), status


@bp.get("/reorganisation")
def reorganisation():
    return _page()


def _units(ids) -> list[OrgUnit]:
    """The units named, each in the administrator's scope (one outside reads as not found)."""
    found = [managed_unit(current_user, i) for i in dict.fromkeys(ids or [])]
    if any(u is None for u in found):
        abort(404)
    return found


@bp.post("/reorganisation/merge")
def reorganisation_merge():
    form = MergerForm()
    _forms(form)
    if not form.validate():
        return _page(merger=form, status=422)
    predecessors = _units(form.predecessors.data)
    today = vn_today()
    try:
        successor = _units([form.successor_id.data])[0] if form.successor_id.data else _new_unit(form, create=confirmed())
        if not confirmed():
            # Nothing is written before the officer confirms and chooses the accounts that move.
            check_merger(predecessors, successor, form.effective_on.data)
            return _merge_confirm(form, predecessors, successor)
        outcome = record_merger(predecessors, successor, form.effective_on.data, current_user, today=today,
                                move_user_ids=request.form.getlist("move_user", type=int))
    except Invalid as problem:
        db.session.rollback()
        getattr(form, problem.field or "predecessors").errors.append(problem.message)
        return _page(merger=form, status=422)
    db.session.commit()
    if outcome is None:
        flash(f"Đã lên lịch: {len(predecessors)} đơn vị sáp nhập vào {successor.name} từ ngày "
              f"{format_day(form.effective_on.data)}. Chưa có gì thay đổi trước ngày đó; có thể hủy lịch bên dưới.", "success")
    else:
        flash(f"{merged_note(successor, form.effective_on.data)}: {len(predecessors)} đơn vị. "
              f"Đã đóng {len(outcome.closed)} báo cáo đang mở của các đơn vị này"
              f"{f' và mở {len(outcome.created)} báo cáo cho ' + successor.name if outcome.created else ''}.", "success")
    return redirect(url_for("admin.reorganisation"), code=303)


def _merge_confirm(form: MergerForm, predecessors: list[OrgUnit], successor: OrgUnit | None):
    accounts = accounts_of(predecessors)
    effective_on = form.effective_on.data
    carry_lists = {name: request.form.getlist(name) for name in request.form if name not in ("csrf_token", "confirm")}
    return render_template("admin/merge_confirm.html", predecessors=predecessors, accounts=accounts,
                           successor_name=successor.name if successor else (form.new_name.data or ""),
                           effective_on=effective_on, scheduled=effective_on > vn_today(), carry=carry_lists,
                           names={p.id: p.name for p in predecessors})


def _new_unit(form: MergerForm, create: bool = True) -> OrgUnit | None:
    code, name = (form.new_code.data or "").strip(), (form.new_name.data or "").strip()
    if not code:
        raise Invalid("Nhập mã đơn vị mới, hoặc chọn một đơn vị đã có.", "new_code")
    if not name:
        raise Invalid("Nhập tên đơn vị mới.", "new_name")
    if unit_id_with_code(code):
        raise Invalid("Mã đơn vị đã được dùng.", "new_code")
    parent = managed_unit(current_user, form.new_parent_id.data or 0)
    if parent is None:
        raise Invalid("Chọn đơn vị cấp trên của đơn vị mới.", "new_parent_id")
    place_name = (form.new_place_name.data or "").strip() or name
    limit = column_limit(OrgUnit, "place_name")
    if len(place_name) > limit:
        # The place name defaults to the unit's name, which may be longer than a place name.
        raise Invalid(f"Địa danh tối đa {limit} ký tự: tên đơn vị mới dài hơn, hãy nhập địa danh riêng.",
                      "new_place_name")
    if not create:
        return None
    return add_unit(code, name, form.new_kind.data, parent, place_name,
                    sort_order=form.new_sort_order.data or 0)


@bp.post("/reorganisation/cancel")
def reorganisation_cancel():
    successor = _units([request.form.get("successor", type=int)])[0]
    try:
        effective_on = date.fromisoformat(request.form.get("effective_on", ""))
    except ValueError:
        abort(400)
    back = url_for("admin.reorganisation")
    if not confirmed():
        return confirm_page("Hủy lịch sáp nhập", f"Hủy lịch sáp nhập vào {successor.name} từ ngày {format_day(effective_on)}?",
                            url_for("admin.reorganisation_cancel"), "Hủy lịch sáp nhập", back,
                            carry={"successor": successor.id, "effective_on": effective_on.isoformat()})
    try:
        cancel_merger(successor, effective_on, current_user)
    except Invalid as problem:
        flash(problem.message, "error")
        return redirect(back, code=303)
    db.session.commit()
    flash(f"Đã hủy lịch sáp nhập vào {successor.name}.", "success")
    return redirect(back, code=303)


@bp.post("/reorganisation/moves/<int:move_id>/cancel")
def reorganisation_move_cancel(move_id: int):
    move = get_row(UnitMove, move_id)
    if move is None or managed_unit(current_user, move.unit_id) is None:
        abort(404)
    back = url_for("admin.reorganisation")
    if not confirmed():
        return confirm_page("Hủy lịch chuyển đơn vị", f"Hủy lịch chuyển {move.unit.name} về {move.new_parent.name} "
                            f"từ ngày {format_day(move.effective_on)}?", url_for("admin.reorganisation_move_cancel", move_id=move.id),
                            "Hủy lịch chuyển", back)
    try:
        cancel_move(move, current_user)
    except Invalid as problem:
        flash(problem.message, "error")
        return redirect(back, code=303)
    db.session.commit()
    flash("Đã hủy lịch chuyển đơn vị.", "success")
    return redirect(back, code=303)


@bp.post("/reorganisation/move")
def reorganisation_move():
    form = MoveForm()
    _forms(move=form)
    if not form.validate():
        return _page(move=form, status=422)
    units = _units(form.units.data)
    parents = _units(form.from_parents.data)
    units += active_children_of(parents)
    new_parent = managed_unit(current_user, form.new_parent_id.data or 0)
    try:
        if new_parent is None:
            raise Invalid("Chọn đơn vị cấp trên mới.", "new_parent_id")
        retired = move_units(list(dict.fromkeys(units)), new_parent, form.effective_on.data, current_user,
                             retire_emptied=form.retire_emptied.data, today=vn_today())
    except Invalid as problem:
        db.session.rollback()
        getattr(form, problem.field).errors.append(problem.message)
        return _page(move=form, status=422)
    db.session.commit()
    if form.effective_on.data > vn_today():
        flash(f"Đã lên lịch chuyển {len(set(units))} đơn vị về {new_parent.name} từ ngày "
              f"{format_day(form.effective_on.data)}.", "success")
    else:
        flash(f"Đã chuyển {len(set(units))} đơn vị về {new_parent.name}"
              + (f"; ngừng hoạt động: {', '.join(u.name for u in retired)}" if retired else "") + ".", "success")
    return redirect(url_for("admin.reorganisation"), code=303)

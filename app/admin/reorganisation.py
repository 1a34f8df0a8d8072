"""Sáp nhập đơn vị: record a merger or a change of parent, with the open rounds handled."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from ..extensions import db
from ..models import OrgUnit
from ..services.columns import column_limit
from ..services.errors import Invalid
from ..services.orgtree import add_unit
from ..services.reorganisation import history, merged_note, move_units, record_merger
from . import bp
from .forms import MergerForm, MoveForm


def _tree_choices(active_only: bool = True) -> list[SelectChoice]:
    stmt = select(OrgUnit).order_by(OrgUnit.path)
    if active_only:
        stmt = stmt.where(OrgUnit.active.is_(True))
    units = db.session.scalars(stmt).all()
    return [SelectChoice(u.id, "· " * (u.path.count("/") - 2) + f"{u.name} ({u.code})") for u in units]


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
    parents = set(db.session.scalars(select(OrgUnit.parent_id).where(OrgUnit.active.is_(True), OrgUnit.parent_id.is_not(None))))
    return [c.value in parents for c in choices]


def _page(merger: MergerForm | None = None, move: MoveForm | None = None, status: int = 200):
    merger, move = _forms(merger, move)
    mergers, moves = history()
    return render_template("admin/reorganisation.html", merger=merger, move=move, mergers=mergers, moves=moves), status


@bp.get("/reorganisation")
def reorganisation():
    return _page()


def _units(ids) -> list[OrgUnit]:
    return list(db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids or [])))) if ids else []


@bp.post("/reorganisation/merge")
def reorganisation_merge():
    form = MergerForm()
    _forms(form)
    if not form.validate():
        return _page(merger=form, status=422)
    try:
        successor = db.session.get(OrgUnit, form.successor_id.data) if form.successor_id.data else _new_unit(form)
        outcome = record_merger(_units(form.predecessors.data), successor, form.effective_on.data, current_user)
    except Invalid as problem:
        db.session.rollback()
        getattr(form, problem.field).errors.append(problem.message)
        return _page(merger=form, status=422)
    db.session.commit()
    flash(f"{merged_note(successor, form.effective_on.data)}: {len(form.predecessors.data)} đơn vị. "
          f"Đã đóng {len(outcome.closed)} báo cáo đang mở của các đơn vị này"
          f"{f' và mở {len(outcome.created)} báo cáo cho ' + successor.name if outcome.created else ''}.", "success")
    return redirect(url_for("admin.reorganisation"), code=303)


def _new_unit(form: MergerForm) -> OrgUnit:
    code, name = (form.new_code.data or "").strip(), (form.new_name.data or "").strip()
    if not code:
        raise Invalid("Nhập mã đơn vị mới, hoặc chọn một đơn vị đã có.", "new_code")
    if not name:
        raise Invalid("Nhập tên đơn vị mới.", "new_name")
    if db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == code)):
        raise Invalid("Mã đơn vị đã được dùng.", "new_code")
    parent = db.session.get(OrgUnit, form.new_parent_id.data or 0)
    if parent is None:
        raise Invalid("Chọn đơn vị cấp trên của đơn vị mới.", "new_parent_id")
    place_name = (form.new_place_name.data or "").strip() or name
    limit = column_limit(OrgUnit, "place_name")
    if len(place_name) > limit:
        # The place name defaults to the unit's name, which may be longer than a place name.
        raise Invalid(f"Địa danh tối đa {limit} ký tự: tên đơn vị mới dài hơn, hãy nhập địa danh riêng.",
                      "new_place_name")
    return add_unit(code, name, form.new_kind.data, parent, place_name,
                    sort_order=form.new_sort_order.data or 0)


@bp.post("/reorganisation/move")
def reorganisation_move():
    form = MoveForm()
    _forms(move=form)
    if not form.validate():
        return _page(move=form, status=422)
    units = _units(form.units.data)
    parents = _units(form.from_parents.data)
    if parents:
        units += list(db.session.scalars(select(OrgUnit).where(OrgUnit.parent_id.in_([p.id for p in parents]),
                                                               OrgUnit.active.is_(True))))
    new_parent = db.session.get(OrgUnit, form.new_parent_id.data or 0)
    try:
        if new_parent is None:
            raise Invalid("Chọn đơn vị cấp trên mới.", "new_parent_id")
        retired = move_units(list(dict.fromkeys(units)), new_parent, form.effective_on.data, current_user,
                             retire_emptied=form.retire_emptied.data)
    except Invalid as problem:
        db.session.rollback()
        getattr(form, problem.field).errors.append(problem.message)
        return _page(move=form, status=422)
    db.session.commit()
    flash(f"Đã chuyển {len(set(units))} đơn vị về {new_parent.name}"
          + (f"; ngừng hoạt động: {', '.join(u.name for u in retired)}" if retired else "") + ".", "success")
    return redirect(url_for("admin.reorganisation"), code=303)

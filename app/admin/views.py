from __future__ import annotations

import secrets

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload
from wtforms import SelectChoice

from ..extensions import db
from ..htmx import render
from ..models import CatalogueField, OrgUnit, User
from ..permissions import get_or_404
from ..reporting.clock import vn_today
from ..reporting.text import clean_text
from ..services.catalogue import catalogue, former_names, save_field, scope_units
from ..services.errors import Invalid
from ..services.ids import get_row
from ..services.orgtree import add_unit, ancestors_ids, reparent, units_with_children_flags
from ..services.sessions import end_all_sessions
from . import bp
from .forms import FieldForm, UnitForm, UserForm
from .importing import (
    IMPORT_COLUMNS,
    MAX_COLUMNS,
    MAX_ROWS,
    ImportFileError,
    check_units,
    check_users,
    parents_first,
    preview_columns,
    read_table,
    sample_workbook,
)

PAGE_SIZE = 50


def _invalid_status() -> int:
    return 422 if request.method == "POST" else 200


@bp.get("/")
def index():
    return redirect(url_for("admin.units"))


# --- Units (đơn vị) -------------------------------------------------------------------

def _unit_choices() -> list[SelectChoice]:
    units = db.session.scalars(select(OrgUnit).order_by(OrgUnit.path)).all()
    depth = {u.id: u.path.count("/") - 2 for u in units}
    return [SelectChoice(0, "— (cấp cao nhất)")] + [SelectChoice(u.id, "· " * depth[u.id] + f"{u.name} ({u.code})") for u in units]


@bp.get("/units")
def units():
    open_id = request.args.get("open", type=int)
    expanded: set[int] = set()
    if open_id:
        unit = get_or_404(OrgUnit, open_id)
        expanded = set(ancestors_ids(unit))
    return render_template("admin/units.html", roots=units_with_children_flags(None), expanded=expanded,
                           children_of=units_with_children_flags)


@bp.get("/units/<int:unit_id>/children")
def unit_children(unit_id: int):
    """A node's children for an htmx swap; loaded directly, the whole tree opened down to them."""
    unit = get_or_404(OrgUnit, unit_id)
    return render("admin/units.html", "admin/_unit_children.html", parent=unit, children=units_with_children_flags(unit.id),
                  roots=units_with_children_flags(None), expanded=set(ancestors_ids(unit)),
                  children_of=units_with_children_flags)


def _save_unit(form: UnitForm, unit: OrgUnit | None) -> OrgUnit | None:
    code = form.code.data.strip()
    clash = db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == code))
    if clash and (unit is None or clash != unit.id):
        form.code.errors.append("Mã đơn vị đã được dùng.")
        return None
    parent = get_row(OrgUnit, form.parent_id.data) if form.parent_id.data else None
    if form.parent_id.data and parent is None:
        form.parent_id.errors.append("Đơn vị cấp trên không tồn tại.")
        return None
    if unit is None:
        unit = add_unit(code, form.name.data.strip(), form.kind.data, parent)
    else:
        try:
            reparent(unit, parent)
        except ValueError as exc:
            form.parent_id.errors.append(str(exc))
            return None
        unit.code, unit.name, unit.kind = code, form.name.data.strip(), form.kind.data
    unit.place_name = (form.place_name.data or "").strip()
    unit.sort_order = form.sort_order.data or 0
    unit.active = form.active.data
    return unit


@bp.route("/units/new", methods=["GET", "POST"])
def unit_new():
    form = UnitForm()
    form.parent_id.choices = _unit_choices()
    if request.method == "GET":
        form.parent_id.data = request.args.get("parent", 0, type=int)
    if form.validate_on_submit():
        unit = _save_unit(form, None)
        if unit is not None:
            db.session.commit()
            flash(f"Đã thêm đơn vị {unit.name}.", "success")
            return redirect(url_for("admin.units", open=unit.id), code=303)
    return render("admin/unit_form.html", "admin/_unit_form.html", status=_invalid_status(), form=form, unit=None)


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
def unit_edit(unit_id: int):
    unit = get_or_404(OrgUnit, unit_id)
    form = UnitForm(obj=unit)
    form.parent_id.choices = _unit_choices()
    if request.method == "GET":
        form.parent_id.data = unit.parent_id or 0
    if form.validate_on_submit():
        if _save_unit(form, unit) is not None:
            db.session.commit()
            flash(f"Đã lưu đơn vị {unit.name}.", "success")
            return redirect(url_for("admin.units", open=unit.id), code=303)
        db.session.rollback()
    return render("admin/unit_form.html", "admin/_unit_form.html", status=_invalid_status(), form=form, unit=unit)


@bp.post("/units/<int:unit_id>/deactivate")
def unit_deactivate(unit_id: int):
    # Units are never deleted: their history stays attached (design §3).
    unit = get_or_404(OrgUnit, unit_id)
    unit.active = not unit.active
    db.session.commit()
    flash(f"Đơn vị {unit.name} {'đã hoạt động lại' if unit.active else 'đã ngừng hoạt động'}.", "success")
    return redirect(url_for("admin.units", open=unit.id), code=303)


# --- Users (người dùng) -----------------------------------------------------------------

@bp.get("/users")
def users():
    q = clean_text(request.args.get("q")).strip()[:100]
    page = min(max(1, request.args.get("page", 1, type=int)), 100_000)
    stmt = select(User).join(User.unit).options(joinedload(User.unit))
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(or_(func.lower(User.username).like(like), func.lower(User.full_name).like(like),
                              func.lower(OrgUnit.name).like(like), User.phone.like(like)))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(stmt.order_by(OrgUnit.path, User.username).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render("admin/users.html", "admin/_users_table.html", users=rows, q=q, page=page, total=total,
                  pages=max(1, -(-total // PAGE_SIZE)))


def _save_user(form: UserForm, user: User | None) -> User | None:
    username = form.username.data.strip()
    clash = db.session.scalar(select(User.id).where(User.username == username))
    if clash and (user is None or clash != user.id):
        form.username.errors.append("Tên đăng nhập đã được dùng.")
        return None
    unit = get_row(OrgUnit, form.unit_id.data)
    if unit is None:
        form.unit_id.errors.append("Vui lòng chọn đơn vị.")
        return None
    if user is None:
        user = User(password_hash="")
        db.session.add(user)
    elif not form.active.data and user.active:
        end_all_sessions(user.id)
    user.username, user.full_name, user.role, user.unit = username, form.full_name.data.strip(), form.role.data, unit
    user.phone, user.email, user.active = (form.phone.data or "").strip(), (form.email.data or "").strip(), form.active.data
    return user


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    form = UserForm()
    form.unit_id.choices = _unit_choices()[1:]
    if form.validate_on_submit():
        user = _save_user(form, None)
        if user is not None:
            password = secrets.token_urlsafe(9)
            user.set_password(password)
            user.must_change_password = True
            db.session.commit()
            flash(f"Đã tạo tài khoản {user.username}. Mật khẩu tạm: {password} — hãy gửi cho người dùng; "
                  "lần đăng nhập đầu tiên họ phải đặt mật khẩu mới.", "success")
            return redirect(url_for("admin.users", q=user.username), code=303)
    return render("admin/user_form.html", "admin/_user_form.html", status=_invalid_status(), form=form, user=None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def user_edit(user_id: int):
    user = get_or_404(User, user_id)
    form = UserForm(obj=user)
    form.unit_id.choices = _unit_choices()[1:]
    if form.validate_on_submit():
        if _save_user(form, user) is not None:
            db.session.commit()
            flash(f"Đã lưu tài khoản {user.username}.", "success")
            return redirect(url_for("admin.users", q=user.username), code=303)
    return render("admin/user_form.html", "admin/_user_form.html", status=_invalid_status(), form=form, user=user)


@bp.post("/users/<int:user_id>/deactivate")
def user_deactivate(user_id: int):
    user = get_or_404(User, user_id)
    user.active = not user.active
    end_all_sessions(user.id)
    db.session.commit()
    flash(f"Tài khoản {user.username} {'đã mở lại' if user.active else 'đã khóa'}.", "success")
    return redirect(url_for("admin.users", q=user.username), code=303)


@bp.post("/users/<int:user_id>/reset-password")
def user_reset_password(user_id: int):
    user = get_or_404(User, user_id)
    password = secrets.token_urlsafe(9)
    user.set_password(password)
    user.must_change_password = True
    end_all_sessions(user.id)
    db.session.commit()
    flash(f"Mật khẩu tạm mới của {user.username}: {password} — lần đăng nhập tới họ phải đặt mật khẩu mới.", "success")
    return redirect(url_for("admin.users", q=user.username), code=303)


# --- Fields catalogue (danh mục lĩnh vực) ------------------------------------------------

def _scope_choices() -> list[SelectChoice]:
    depth = lambda u: "· " * (u.path.count("/") - 2)  # noqa: E731
    return [SelectChoice(0, "Dùng chung (mọi đơn vị)")] + [
        SelectChoice(u.id, f"{depth(u)}{u.name}") for u in scope_units()]


@bp.route("/fields", methods=["GET", "POST"])
def fields():
    form = FieldForm()
    form.scope.choices = _scope_choices()
    if form.validate_on_submit():
        field = get_or_404(CatalogueField, form.field_id.data) if form.field_id.data else None
        scope = get_or_404(OrgUnit, form.scope.data) if form.scope.data else None
        try:
            field = save_field(field, code=form.code.data.strip(), name=form.name.data.strip(),
                               group_code=(form.group_code.data or "").strip(), group_label=(form.group_label.data or "").strip(),
                               sort_order=form.sort_order.data or 0, active=form.active.data, scope=scope, today=vn_today())
        except Invalid as problem:
            getattr(form, problem.field).errors.append(problem.message)
            db.session.rollback()
        else:
            db.session.commit()
            flash(f"Đã lưu lĩnh vực {field.name}.", "success")
            return redirect(url_for("admin.fields", scope=field.unit_id or 0), code=303)
    edit = request.args.get("edit", type=int)
    if request.method == "GET" and edit:
        field = get_or_404(CatalogueField, edit)
        form = FieldForm(obj=field, field_id=field.id, scope=field.unit_id or 0)
        form.scope.choices = _scope_choices()
    elif request.method == "GET":
        form.scope.data = request.args.get("scope", 0, type=int)
    scope_id = request.args.get("scope", type=int)
    rows = catalogue(scope_id)
    return render_template("admin/fields.html", form=form, rows=rows, scope_id=scope_id, scopes=form.scope.choices,
                           former=former_names([f.id for f in rows])), _invalid_status() if form.errors else 200


# --- Bulk import ------------------------------------------------------------------------

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="bulk-import")


def _check(kind: str, table: list[list[str]]):
    if kind == "units":
        return check_units(table, set(db.session.scalars(select(OrgUnit.code))))
    return check_users(table, set(db.session.scalars(select(User.username))), set(db.session.scalars(select(OrgUnit.code))))


@bp.route("/imports", methods=["GET", "POST"])
def imports():
    kind = request.form.get("kind") or request.args.get("kind") or "units"
    if kind not in ("units", "users"):
        abort(400)
    if request.method == "GET":
        return render_template("admin/imports.html", kind=kind, rows=None, error=None)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_template("admin/imports.html", kind=kind, rows=None, error="Vui lòng chọn tệp .xlsx hoặc .csv."), 422
    try:
        table = read_table(upload.filename, upload.read())
        rows = _check(kind, table)
    except ImportFileError as exc:
        return render_template("admin/imports.html", kind=kind, rows=None, error=str(exc)), 422
    # The preview carries the parsed table, signed, so confirming needs no server-side state.
    token = _serializer().dumps({"kind": kind, "table": table})
    return render_template("admin/imports.html", kind=kind, rows=rows, token=token, error=None,
                           good=sum(r.ok for r in rows), columns=preview_columns(IMPORT_COLUMNS[kind], rows))


@bp.get("/imports/sample-<kind>.xlsx")
def import_sample(kind: str):
    """A sample file for each import, with the Vietnamese headers the import reads."""
    if kind not in IMPORT_COLUMNS:
        abort(404)
    name = "mau-nhap-don-vi.xlsx" if kind == "units" else "mau-nhap-nguoi-dung.xlsx"
    return Response(sample_workbook(kind), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


IMPORT_FORGED = "Dữ liệu xác nhận không hợp lệ hoặc đã hết hạn; hãy tải tệp lên lại."


def _signed_table(payload) -> tuple[str, list[list[str]] | None]:
    """The kind and table a preview signed, else (kind, None): a payload of another shape is
    refused, not trusted because the key signed it."""
    if not isinstance(payload, dict) or payload.get("kind") not in ("units", "users"):
        return "units", None
    kind, table = payload["kind"], payload.get("table")
    if not (isinstance(table, list) and len(table) <= MAX_ROWS + 1 and all(
            isinstance(row, list) and len(row) <= MAX_COLUMNS and all(isinstance(cell, str) for cell in row)
            for row in table)):
        return kind, None
    return kind, table


@bp.post("/imports/confirm")
def imports_confirm():
    try:
        payload = _serializer().loads(request.form.get("token", ""))
    except BadSignature:
        payload = None
    kind, table = _signed_table(payload)
    if table is None:
        return render_template("admin/imports.html", kind=kind, rows=None, error=IMPORT_FORGED), 400
    rows = [r for r in _check(kind, table) if r.ok]
    passwords = []
    if kind == "units":
        created: dict[str, OrgUnit] = {}
        existing = {u.code: u for u in db.session.scalars(select(OrgUnit))}
        for row in parents_first(rows):
            v = row.values
            parent = created.get(v.get("parent_code", "")) or existing.get(v.get("parent_code", ""))
            created[v["code"]] = add_unit(v["code"], v["name"], v["kind"], parent, v.get("place_name", ""),
                                          sort_order=v["sort_order"])
    else:
        units = {u.code: u for u in db.session.scalars(select(OrgUnit))}
        for row in rows:
            v = row.values
            user = User(username=v["username"], full_name=v["full_name"], role=v["role"], unit=units[v["unit_code"]],
                        phone=v.get("phone", ""), email=v.get("email", ""))
            password = v.get("password") or secrets.token_urlsafe(9)
            if not v.get("password"):
                passwords.append((user.username, password))
            user.set_password(password)
            user.must_change_password = True  # issued by the administrator, changed at first login
            db.session.add(user)
    db.session.commit()
    flash(f"Đã nhập {len(rows)} dòng.", "success")
    if passwords:
        return render_template("admin/import_passwords.html", passwords=passwords)
    return redirect(url_for("admin.units" if kind == "units" else "admin.users"), code=303)

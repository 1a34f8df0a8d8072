from __future__ import annotations

import secrets

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import SelectChoice

from ..extensions import db
from ..htmx import render
from ..models import CatalogueField, OrgUnit, User
from ..permissions import get_or_404
from ..reporting.clock import vn_today
from ..reporting.text import clean_text
from ..services.access import admin_in_scope, admin_scope_path, is_system_admin
from ..services.admin_log import changes, claim_download, record_admin_action
from ..services.administration import (
    all_unit_codes,
    all_usernames,
    check_keeps_an_administrator,
    check_not_self,
    check_user_change,
    managed_unit,
    managed_user,
    managed_users,
    unit_id_with_code,
    unit_state,
    units_by_code,
    user_id_with_username,
    user_state,
    users_page,
)
from ..services.catalogue import catalogue, former_names, save_field, scope_units
from ..services.errors import Invalid
from ..services.ids import get_row
from ..services.orgtree import add_unit, ancestors_ids, reparent, units_in_scope, units_with_children_flags
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
    mark_changes,
    parents_first,
    passwords_workbook,
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

def unit_choices(with_top: bool = False, keep: OrgUnit | None = None) -> list[SelectChoice]:
    """The units an administrator may pick: its scope's active units as a tree in the
    official order (``keep``: a unit already chosen, shown even when inactive)."""
    units = units_in_scope(admin_scope_path(current_user))
    if keep is not None and keep not in units:
        units.insert(0, keep)
    top = min((u.path.count("/") for u in units), default=2)
    choices = [SelectChoice(u.id, "· " * (u.path.count("/") - top) + f"{u.name} ({u.code})") for u in units]
    if with_top and is_system_admin(current_user):
        choices.insert(0, SelectChoice(0, "— (cấp cao nhất)"))
    return choices


def _scoped_unit_or_404(unit_id: int) -> OrgUnit:
    unit = managed_unit(current_user, unit_id)
    if unit is None:
        abort(404)
    return unit


def _roots() -> list:
    if is_system_admin(current_user):
        return units_with_children_flags(None)
    return units_with_children_flags(None, only_id=current_user.unit_id)


def _expanded(unit: OrgUnit) -> set[int]:
    return set(ancestors_ids(unit))


@bp.get("/units")
def units():
    open_id = request.args.get("open", type=int)
    expanded: set[int] = set()
    if open_id:
        expanded = _expanded(_scoped_unit_or_404(open_id))
    return render_template("admin/units.html", roots=_roots(), expanded=expanded, children_of=units_with_children_flags)


@bp.get("/units/<int:unit_id>/children")
def unit_children(unit_id: int):
    """A node's children for an htmx swap; loaded directly, the whole tree opened down to them."""
    unit = _scoped_unit_or_404(unit_id)
    return render("admin/units.html", "admin/_unit_children.html", parent=unit, children=units_with_children_flags(unit.id),
                  roots=_roots(), expanded=_expanded(unit), children_of=units_with_children_flags)


def _save_unit(form: UnitForm, unit: OrgUnit | None) -> OrgUnit | None:
    code = form.code.data.strip()
    clash = unit_id_with_code(code)
    if clash and (unit is None or clash != unit.id):
        form.code.errors.append("Mã đơn vị đã được dùng.")
        return None
    parent = managed_unit(current_user, form.parent_id.data) if form.parent_id.data else None
    keeps_parent = unit is not None and form.parent_id.data == (unit.parent_id or 0)
    if keeps_parent:
        parent = unit.parent
    elif form.parent_id.data and parent is None:
        form.parent_id.errors.append("Đơn vị cấp trên không tồn tại." if get_row(OrgUnit, form.parent_id.data) is None
                                     else "Đơn vị cấp trên nằm ngoài phạm vi quản trị của bạn.")
        return None
    elif parent is None and not is_system_admin(current_user):
        form.parent_id.errors.append("Vui lòng chọn đơn vị cấp trên trong phạm vi quản trị của bạn.")
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
    form.parent_id.choices = unit_choices(with_top=True)
    if request.method == "GET":
        form.parent_id.data = request.args.get("parent", 0, type=int)
    if form.validate_on_submit():
        unit = _save_unit(form, None)
        if unit is not None:
            record_admin_action(current_user, "unit.create", unit, None, unit_state(unit))
            db.session.commit()
            flash(f"Đã thêm đơn vị {unit.name}.", "success")
            return redirect(url_for("admin.units", open=unit.id), code=303)
    return render("admin/unit_form.html", "admin/_unit_form.html", status=_invalid_status(), form=form, unit=None)


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
def unit_edit(unit_id: int):
    unit = _scoped_unit_or_404(unit_id)
    form = UnitForm(obj=unit)
    form.parent_id.choices = unit_choices(with_top=True, keep=unit.parent)
    if request.method == "GET":
        form.parent_id.data = unit.parent_id or 0
    if form.validate_on_submit():
        before = unit_state(unit)
        if _save_unit(form, unit) is not None:
            record_admin_action(current_user, "unit.edit", unit, *changes(before, unit_state(unit)))
            db.session.commit()
            flash(f"Đã lưu đơn vị {unit.name}.", "success")
            return redirect(url_for("admin.units", open=unit.id), code=303)
        db.session.rollback()
    return render("admin/unit_form.html", "admin/_unit_form.html", status=_invalid_status(), form=form, unit=unit)


def confirm_page(title: str, question: str, action: str, button: str, cancel: str, details: list[str] | None = None,
                 error: str = "", danger: bool = True, carry: dict | None = None):
    """A destructive action asks first: this page (plain HTML, works without JavaScript)
    posts the same form again with ``confirm=1`` (and the fields in ``carry``)."""
    return render_template("admin/confirm.html", title=title, question=question, action=action, button=button,
                           cancel=cancel, details=details or [], error=error, danger=danger,
                           carry=carry or {}), 422 if error else 200


def confirmed() -> bool:
    return request.form.get("confirm") == "1"


@bp.post("/units/<int:unit_id>/deactivate")
def unit_deactivate(unit_id: int):
    # Units are never deleted: their history stays attached (design §3).
    unit = _scoped_unit_or_404(unit_id)
    stopping = unit.active
    if stopping and unit.id == current_user.unit_id:
        flash("Bạn không thể ngừng hoạt động đơn vị của chính mình.", "error")
        return redirect(url_for("admin.unit_edit", unit_id=unit.id), code=303)
    if not confirmed():
        verb = "Ngừng hoạt động" if stopping else "Cho hoạt động lại"
        return confirm_page(f"{verb} đơn vị", f"{verb} {unit.name} ({unit.code})?", url_for("admin.unit_deactivate", unit_id=unit.id),
                            verb, url_for("admin.unit_edit", unit_id=unit.id),
                            ["Đơn vị ngừng hoạt động không còn nhận báo cáo mới; lịch sử báo cáo vẫn được giữ."] if stopping else [])
    unit.active = not unit.active
    record_admin_action(current_user, "unit.lock" if stopping else "unit.unlock", unit, {"active": stopping}, {"active": unit.active})
    db.session.commit()
    flash(f"Đơn vị {unit.name} {'đã hoạt động lại' if unit.active else 'đã ngừng hoạt động'}.", "success")
    return redirect(url_for("admin.units", open=unit.id), code=303)


# --- Users (người dùng) -----------------------------------------------------------------

@bp.get("/users")
def users():
    q = clean_text(request.args.get("q")).strip()[:100]
    page = min(max(1, request.args.get("page", 1, type=int)), 100_000)
    rows, total = users_page(current_user, q, page, PAGE_SIZE)
    return render("admin/users.html", "admin/_users_table.html", users=rows, q=q, page=page, total=total,
                  pages=max(1, -(-total // PAGE_SIZE)))


def _save_user(form: UserForm, user: User | None) -> User | None:
    username = form.username.data.strip()
    clash = user_id_with_username(username)
    if clash and (user is None or clash != user.id):
        form.username.errors.append("Tên đăng nhập đã được dùng.")
        return None
    unit = managed_unit(current_user, form.unit_id.data)
    if unit is None:
        form.unit_id.errors.append("Vui lòng chọn đơn vị." if get_row(OrgUnit, form.unit_id.data) is None
                                   else "Đơn vị nằm ngoài phạm vi quản trị của bạn.")
        return None
    system_admin = form.role.data == "admin" and bool(form.system_admin.data) and is_system_admin(current_user)
    if user is not None:
        try:
            check_user_change(current_user, user, role=form.role.data, unit=unit, active=form.active.data,
                              system_admin=system_admin if is_system_admin(current_user) else user.system_admin)
        except Invalid as problem:
            (form.active if "khóa" in problem.message and form.role.data == user.role else form.role).errors.append(problem.message)
            return None
    if user is None:
        user = User(password_hash="")
        db.session.add(user)
    elif not form.active.data and user.active:
        end_all_sessions(user.id)
    if is_system_admin(current_user):
        user.system_admin = system_admin
    user.username, user.full_name, user.role, user.unit = username, form.full_name.data.strip(), form.role.data, unit
    user.phone, user.email, user.active = (form.phone.data or "").strip(), (form.email.data or "").strip(), form.active.data
    return user


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    form = _user_form()
    if form.validate_on_submit():
        user = _save_user(form, None)
        if user is not None:
            password = secrets.token_urlsafe(9)
            user.set_password(password)
            user.must_change_password = True
            db.session.flush()
            record_admin_action(current_user, "user.create", user, None, user_state(user))
            db.session.commit()
            flash(f"Đã tạo tài khoản {user.username}. Mật khẩu tạm chỉ hiển thị một lần: hãy gửi cho người dùng; "
                  "lần đăng nhập đầu tiên họ phải đặt mật khẩu mới.", "success")
            return temporary_passwords([(user.username, user.full_name, password)])
    return render("admin/user_form.html", "admin/_user_form.html", status=_invalid_status(), form=form, user=None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def user_edit(user_id: int):
    user = _managed_user_or_404(user_id)
    form = _user_form(user)
    if form.validate_on_submit():
        before = user_state(user)
        if _save_user(form, user) is not None:
            record_admin_action(current_user, "user.edit", user, *changes(before, user_state(user)))
            db.session.commit()
            flash(f"Đã lưu tài khoản {user.username}.", "success")
            return redirect(url_for("admin.users", q=user.username), code=303)
    return render("admin/user_form.html", "admin/_user_form.html", status=_invalid_status(), form=form, user=user)


def _managed_user_or_404(user_id: int) -> User:
    user = managed_user(current_user, user_id)
    if user is None:
        abort(404)
    return user


def _user_form(user: User | None = None) -> UserForm:
    form = UserForm(obj=user)
    form.unit_id.choices = unit_choices(keep=user.unit if user is not None else None)
    if not is_system_admin(current_user):
        del form.system_admin
    return form


@bp.post("/users/<int:user_id>/deactivate")
def user_deactivate(user_id: int):
    user = _managed_user_or_404(user_id)
    locking = user.active
    back = url_for("admin.users", q=user.username)
    verb = "Khóa" if locking else "Mở khóa"
    try:
        if locking:
            check_not_self(current_user, user, "khóa")
            check_keeps_an_administrator(user, "khóa")
    except Invalid as problem:
        return confirm_page(f"{verb} tài khoản", f"{verb} tài khoản {user.username}?", "", verb, back, error=problem.message)
    if not confirmed():
        return confirm_page(f"{verb} tài khoản", f"{verb} tài khoản {user.username} ({user.full_name}, {user.unit.name})?",
                            url_for("admin.user_deactivate", user_id=user.id), verb, back,
                            ["Người dùng bị đăng xuất ngay và không đăng nhập được cho đến khi mở khóa."] if locking else [],
                            danger=locking)
    user.active = not user.active
    end_all_sessions(user.id)
    record_admin_action(current_user, "user.lock" if locking else "user.unlock", user, {"active": locking}, {"active": user.active})
    db.session.commit()
    flash(f"Tài khoản {user.username} {'đã mở lại' if user.active else 'đã khóa'}.", "success")
    return redirect(back, code=303)


@bp.post("/users/<int:user_id>/reset-password")
def user_reset_password(user_id: int):
    user = _managed_user_or_404(user_id)
    back = url_for("admin.users", q=user.username)
    if user.id == current_user.id:
        return confirm_page("Đặt lại mật khẩu", "Đặt lại mật khẩu của chính bạn?", "", "Đặt lại", back,
                            error="Bạn không thể tự đặt lại mật khẩu của mình ở đây: hãy dùng \"Đổi mật khẩu\".")
    if not confirmed():
        return confirm_page("Đặt lại mật khẩu", f"Đặt lại mật khẩu của {user.username} ({user.full_name}, {user.unit.name})?",
                            url_for("admin.user_reset_password", user_id=user.id), "Đặt lại mật khẩu", back,
                            [("Mật khẩu cũ hết hiệu lực ngay; người dùng bị đăng xuất và phải đặt mật khẩu mới "
                             "khi đăng nhập bằng mật khẩu tạm.")])
    password = secrets.token_urlsafe(9)
    user.set_password(password)
    user.must_change_password = True
    end_all_sessions(user.id)
    record_admin_action(current_user, "user.reset", user, None, {"must_change": "mật khẩu tạm, đổi khi đăng nhập"})
    db.session.commit()
    flash(f"Đã đặt lại mật khẩu của {user.username}. Mật khẩu tạm chỉ hiển thị một lần.", "success")
    return temporary_passwords([(user.username, user.full_name, password)])


def temporary_passwords(rows: list[tuple[str, str, str]]):
    """The issued passwords, shown once, with a one-time Excel download of the same list."""
    token = _passwords_serializer().dumps({"rows": rows, "nonce": secrets.token_hex(8)})
    return render_template("admin/import_passwords.html", passwords=rows, token=token)


def _passwords_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="temporary-passwords")


# --- Fields catalogue (danh mục lĩnh vực) ------------------------------------------------

def _scope_choices() -> list[SelectChoice]:
    units = scope_units(admin_scope_path(current_user))
    top = min((u.path.count("/") for u in units), default=2)
    shared = [SelectChoice(0, "Dùng chung (mọi đơn vị)")] if is_system_admin(current_user) else []
    return shared + [SelectChoice(u.id, "· " * (u.path.count("/") - top) + u.name) for u in units]


@bp.route("/fields", methods=["GET", "POST"])
def fields():
    form = FieldForm()
    form.scope.choices = _scope_choices()
    if form.validate_on_submit():
        field = _field_or_404(form.field_id.data) if form.field_id.data else None
        scope = _scoped_unit_or_404(form.scope.data) if form.scope.data else None
        before = _field_state(field) if field is not None else None
        try:
            if scope is None and not is_system_admin(current_user):
                raise Invalid("Chọn tỉnh hoặc huyện trong phạm vi quản trị của bạn.", "scope")
            field = save_field(field, code=form.code.data.strip(), name=form.name.data.strip(),
                               group_code=(form.group_code.data or "").strip(), group_label=(form.group_label.data or "").strip(),
                               sort_order=form.sort_order.data or 0, active=form.active.data, scope=scope, today=vn_today())
        except Invalid as problem:
            getattr(form, problem.field).errors.append(problem.message)
            db.session.rollback()
        else:
            db.session.flush()
            if before is None:
                record_admin_action(current_user, "field.create", field, None, _field_state(field))
            else:
                record_admin_action(current_user, "field.edit", field, *changes(before, _field_state(field)))
            db.session.commit()
            flash(f"Đã lưu lĩnh vực {field.name}.", "success")
            return redirect(url_for("admin.fields", scope=field.unit_id or 0), code=303)
    edit = request.args.get("edit", type=int)
    if request.method == "GET" and edit:
        field = _field_or_404(edit)
        form = FieldForm(obj=field, field_id=field.id, scope=field.unit_id or 0)
        form.scope.choices = _scope_choices()
    elif request.method == "GET":
        form.scope.data = request.args.get("scope", 0, type=int)
    scope_id = request.args.get("scope", type=int)
    if scope_id and managed_unit(current_user, scope_id) is None:
        abort(404)
    rows = catalogue(scope_id, admin_scope_path(current_user))
    return render_template("admin/fields.html", form=form, rows=rows, scope_id=scope_id, scopes=form.scope.choices,
                           former=former_names([f.id for f in rows])), _invalid_status() if form.errors else 200


def _field_or_404(field_id: int) -> CatalogueField:
    """A field the administrator may change: one of its scope's (the shared list: the system's)."""
    field = get_or_404(CatalogueField, field_id)
    if not admin_in_scope(current_user, field.unit):
        abort(404)
    return field


def _field_state(field: CatalogueField) -> dict:
    return {"code": field.code, "name": field.name, "scope": field.unit.name if field.unit else "Dùng chung",
            "group_code": field.group_code, "group_label": field.group_label, "sort_order": field.sort_order,
            "active": field.active}


# --- Bulk import ------------------------------------------------------------------------

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="bulk-import")


def _check(kind: str, table: list[list[str]], mode: str):
    """Rows checked against what exists and the administrator's scope; in update mode, rows
    naming what exists in scope update it (with what would change)."""
    path = admin_scope_path(current_user)
    units_here = units_in_scope(path, active_only=False)
    scope_codes = {u.code for u in units_here}
    if kind == "units":
        updatable = scope_codes if mode == "update" else set()
        rows = check_units(table, all_unit_codes(), updatable=updatable,
                           parent_codes=scope_codes, top_allowed=is_system_admin(current_user))
        if mode == "update":
            by_id = {u.id: u for u in units_here}
            mark_changes(rows, {u.code: {"code": u.code, "name": u.name, "kind": u.kind,
                                         "parent_code": by_id[u.parent_id].code if u.parent_id in by_id else "",
                                         "place_name": u.place_name, "sort_order": u.sort_order} for u in units_here}, "code")
        return rows
    managed = managed_users(current_user) if mode == "update" else []
    rows = check_users(table, all_usernames(),
                       {u.code for u in units_here if u.active}, updatable={u.username for u in managed},
                       all_codes=all_unit_codes())
    mark_changes(rows, {u.username: {"username": u.username, "full_name": u.full_name, "phone": u.phone, "email": u.email,
                                     "role": u.role, "unit_code": u.unit.code} for u in managed}, "username")
    return rows


def _import_page(kind: str, mode: str, **context):
    labels = {c.key: c.label for c in IMPORT_COLUMNS[kind]}
    return render_template("admin/imports.html", kind=kind, mode=mode, labels=labels,
                           **{"rows": None, "error": None, **context})


@bp.route("/imports", methods=["GET", "POST"])
def imports():
    kind = request.form.get("kind") or request.args.get("kind") or "units"
    mode = request.form.get("mode") or request.args.get("mode") or "create"
    if kind not in ("units", "users") or mode not in ("create", "update"):
        abort(400)
    if request.method == "GET":
        return _import_page(kind, mode)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _import_page(kind, mode, error="Vui lòng chọn tệp .xlsx hoặc .csv."), 422
    try:
        table = read_table(upload.filename, upload.read())
        rows = _check(kind, table, mode)
    except ImportFileError as exc:
        return _import_page(kind, mode, error=str(exc)), 422
    # The preview carries the parsed table, signed, so confirming needs no server-side state.
    token = _serializer().dumps({"kind": kind, "mode": mode, "table": table, "file": upload.filename[:100]})
    return _import_page(kind, mode, rows=rows, token=token, good=sum(r.ok and r.action != "same" for r in rows),
                        same=sum(r.ok and r.action == "same" for r in rows), columns=preview_columns(IMPORT_COLUMNS[kind], rows))


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
    mode = payload.get("mode", "create")
    if mode not in ("create", "update"):
        return render_template("admin/imports.html", kind=kind, rows=None, error=IMPORT_FORGED), 400
    rows = [r for r in _check(kind, table, mode) if r.ok and r.action != "same"]
    passwords = []
    created = updated = 0
    if kind == "units":
        made: dict[str, OrgUnit] = {}
        existing = units_by_code()
        for row in parents_first(rows):
            v = row.values
            parent = made.get(v.get("parent_code", "")) or existing.get(v.get("parent_code", ""))
            if row.action == "update":
                unit = existing[v["code"]]
                before = unit_state(unit)
                if parent is not None and parent.id != unit.parent_id:
                    reparent(unit, parent)
                unit.name, unit.kind = v["name"], v["kind"]
                unit.place_name = v.get("place_name", unit.place_name) or unit.place_name
                if row.shown.get("sort_order"):
                    unit.sort_order = v["sort_order"]
                record_admin_action(current_user, "import.update", unit, *changes(before, unit_state(unit)))
                updated += 1
            else:
                made[v["code"]] = unit = add_unit(v["code"], v["name"], v["kind"], parent, v.get("place_name", ""),
                                                  sort_order=v["sort_order"])
                record_admin_action(current_user, "import.create", unit, None, unit_state(unit))
                created += 1
    else:
        units = units_by_code()
        existing_users = {u.username: u for u in managed_users(current_user)} if mode == "update" else {}
        for row in rows:
            v = row.values
            if row.action == "update":
                user = existing_users[v["username"]]
                before = user_state(user)
                try:
                    check_user_change(current_user, user, role=v["role"], unit=units[v["unit_code"]], active=user.active,
                                      system_admin=user.system_admin)
                except Invalid:
                    continue
                user.full_name, user.role, user.unit = v["full_name"], v["role"], units[v["unit_code"]]
                user.phone, user.email = v.get("phone", user.phone), v.get("email", user.email)
                record_admin_action(current_user, "import.update", user, *changes(before, user_state(user)))
                updated += 1
                continue
            user = User(username=v["username"], full_name=v["full_name"], role=v["role"], unit=units[v["unit_code"]],
                        phone=v.get("phone", ""), email=v.get("email", ""))
            password = v.get("password") or secrets.token_urlsafe(9)
            if not v.get("password"):
                passwords.append((user.username, user.full_name, password))
            user.set_password(password)
            user.must_change_password = True  # issued by the administrator, changed at first login
            db.session.add(user)
            db.session.flush()
            record_admin_action(current_user, "import.create", user, None, user_state(user))
            created += 1
    db.session.commit()
    flash(f"Đã nhập từ tệp {payload.get('file', '')}: thêm {created}, cập nhật {updated} "
          f"{'đơn vị' if kind == 'units' else 'tài khoản'}.", "success")
    if passwords:
        return temporary_passwords(passwords)
    return redirect(url_for("admin.units" if kind == "units" else "admin.users"), code=303)


@bp.post("/passwords.xlsx")
def passwords_download():
    """The temporary passwords just issued, as an Excel sheet to hand out: once."""
    try:
        payload = _passwords_serializer().loads(request.form.get("token", ""))
    except BadSignature:
        abort(400)
    if not claim_download(current_user, payload["nonce"]):
        return confirm_page("Tải danh sách mật khẩu", "", "", "", url_for("admin.users"),
                            error="Danh sách mật khẩu tạm này đã được tải một lần. Nếu bị mất, hãy đặt lại mật khẩu "
                                  "cho từng tài khoản.")
    db.session.commit()
    return Response(passwords_workbook(payload["rows"]),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="mat-khau-tam.xlsx"', "Cache-Control": "no-store"})

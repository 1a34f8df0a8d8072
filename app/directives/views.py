"""Recording directives and their tasks, the reviewer's follow-up pages, and the
consolidated report's per-task text."""
from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..htmx import is_fragment_request, render
from ..permissions import require_role
from ..reporting.clock import vn_today
from ..reporting.directives import (
    ASSIGN_GROUPS,
    ATTACHMENT_LIMIT,
    COUNT_LABELS,
    COUNT_ORDER,
    STATUSES,
    InvalidStatus,
    check_attachment,
    check_directive,
    check_task,
    directive_name,
    parse_status,
)
from ..reporting.documents import DOC_TYPES
from ..reporting.text import clean_text
from ..services import directives as service
from ..services.errors import Conflict
from ..services.export_model import content_disposition
from ..services.ids import parse_id
from ..services.rounds import load_round_to_act
from . import bp


def _context(**extra):
    return dict(statuses=STATUSES, count_labels=COUNT_LABELS, count_order=COUNT_ORDER, doc_types=DOC_TYPES,
                directive_name=directive_name, today=vn_today(), **extra)


@bp.get("/")
def index():
    status = request.args.get("status", "open")
    rows = service.list_directives(current_user, status if status in ("open", "closed") else "")
    return render("directives/list.html", "directives/_list_table.html", **_context(rows=rows, state=status))


# --- the directive itself -----------------------------------------------------------------

def _attachment_from_request() -> tuple[tuple[str, str, bytes] | None, str | None]:
    upload = request.files.get("attachment")
    if upload is None or not upload.filename:
        return None, None
    try:
        data = upload.stream.read(ATTACHMENT_LIMIT + 1)
    finally:
        upload.close()  # a large upload is spooled to a temporary file
    filename, content_type, error = check_attachment(upload.filename, data)
    return (None, error) if error else ((filename, content_type, data), None)


def _directive_form(template: str, status: int = 200, **context):
    return render_template(template, **_context(**context)), status


@bp.route("/new", methods=["GET", "POST"])
def new():
    require_role("reviewer")
    if request.method == "GET":
        return _directive_form("directives/form.html", form={"doc_type": "CT"}, errors={}, access=None)[0]
    data, errors = check_directive(request.form)
    attachment, problem = _attachment_from_request()
    if problem:
        errors["attachment"] = problem
    if errors:
        # Nothing is stored when any field, or the file, is refused.
        return _directive_form("directives/form.html", 422, form=request.form, errors=errors, access=None)
    directive = service.create_directive(current_user, data, attachment)
    db.session.commit()
    flash(f"Đã ghi {directive_name(directive.doc_type, directive.number, directive.issued_on)}. "
          "Thêm các nhiệm vụ và đơn vị được giao.", "success")
    return redirect(url_for("directives.task_new", directive_id=directive.id), code=303)


@bp.route("/<int:directive_id>/edit", methods=["GET", "POST"])
def edit(directive_id: int):
    access = service.load_directive(current_user, directive_id, manage=True)
    directive = access.directive
    if request.method == "GET":
        form = {"doc_type": directive.doc_type, "number": directive.number, "issued_on": directive.issued_on.strftime("%d/%m/%Y"),
                "title": directive.title, "signer": directive.signer, "full_text": directive.full_text,
                "version": directive.version}
        return _directive_form("directives/form.html", form=form, errors={}, access=access,
                               attachment=service.attachment_of(directive))[0]
    data, errors = check_directive(request.form)
    attachment, problem = _attachment_from_request()
    if problem:
        errors["attachment"] = problem
    if errors:
        return _directive_form("directives/form.html", 422, form=request.form, errors=errors, access=access,
                               attachment=service.attachment_of(directive))
    try:
        changed = service.update_directive(access, current_user, data, request.form.get("version", type=int))
        if attachment:
            service.set_attachment(directive, current_user, *attachment)
        elif request.form.get("remove_attachment"):
            service.remove_attachment(directive, current_user)
        db.session.commit()
    except (Conflict, StaleDataError):
        db.session.rollback()
        return _directive_form("directives/form.html", 409, form=request.form, access=access,
                               errors={"_": service.STALE}, attachment=service.attachment_of(directive))
    if attachment or request.form.get("remove_attachment"):
        changed.append("Tệp đính kèm")
    flash(f"Đã lưu: {', '.join(changed).lower()}." if changed else "Không có thay đổi nào.", "success")
    return redirect(url_for("directives.detail", directive_id=directive.id), code=303)


@bp.get("/<int:directive_id>/attachment")
def attachment(directive_id: int):
    access = service.load_directive(current_user, directive_id)
    stored = service.attachment_of(access.directive)
    if stored is None:
        abort(404)
    response = make_response(service.attachment_data(stored))
    response.headers["Content-Type"] = stored.content_type
    name, _, extension = stored.filename.rpartition(".")
    response.headers["Content-Disposition"] = content_disposition(name, extension)
    return response


@bp.get("/<int:directive_id>")
def detail(directive_id: int):
    access = service.load_directive(current_user, directive_id)
    tasks = service.directive_tasks(access.directive)
    views = service.task_views(access, tasks)
    status = request.args.get("status", "")
    unit_id = request.args.get("unit", type=int)
    service.filter_lines(views, status if status in COUNT_LABELS else "", unit_id)
    units = sorted({line.unit.id: line.unit for v in views for line in v.lines}.values(), key=lambda u: (u.path.count("/"), u.sort_order, u.name))
    context = _context(access=access, d=access.directive, views=views, state=status, unit_id=unit_id, units=units,
                       attachment=service.attachment_of(access.directive),
                       history=service.directive_history(access.directive.id) if access.manage else [])
    return render("directives/detail.html", "directives/_tasks.html", **context)


@bp.post("/<int:directive_id>/status")
def directive_status(directive_id: int):
    access = service.load_directive(current_user, directive_id, manage=True)
    status = request.form.get("status", "")
    service.set_directive_status(access, current_user, status)
    db.session.commit()
    flash("Đã kết thúc theo dõi văn bản." if status == "closed" else "Đã mở lại theo dõi văn bản.", "success")
    return redirect(url_for("directives.detail", directive_id=directive_id), code=303)


# --- tasks ----------------------------------------------------------------------------------

def _task_form_context(access, task=None, form=None, errors=None):
    templates = service.followup_templates()
    if form is None and task is not None:
        form = {"label": task.label, "content": task.content, "due_on": task.due_on.strftime("%d/%m/%Y") if task.due_on else "",
                "groups": [g for g in task.scope.split(",") if g], "units": [a.unit_id for a in task.assignments],
                "templates": [c for c in task.template_codes.split(",") if c], "version": task.version}
    elif form is None:
        form = {"label": "", "content": "", "due_on": "", "groups": [], "units": [], "templates": list(templates)}
    return _context(access=access, d=access.directive, task=task, form=form, errors=errors or {}, templates=templates,
                    groups=ASSIGN_GROUPS, units=service.assignable_units(access.directive.unit))


def _posted_task_form() -> dict:
    return {"label": request.form.get("label", ""), "content": request.form.get("content", ""),
            "due_on": request.form.get("due_on", ""), "groups": request.form.getlist("groups"),
            "units": [i for i in map(parse_id, request.form.getlist("units")) if i is not None],
            "templates": request.form.getlist("templates"), "version": request.form.get("version", "")}


def _save_task(access, task=None):
    data, errors = check_task(request.form, request.form.getlist("groups"), request.form.getlist("units"),
                              request.form.getlist("templates"), service.followup_templates())
    if not errors:
        try:
            saved = service.save_task(access, current_user, data, task, request.form.get("version", type=int))
            db.session.commit()
        except service.AssignmentProblem as problem:
            db.session.rollback()
            errors["units"] = problem.message
        except (Conflict, StaleDataError, IntegrityError):
            db.session.rollback()
            errors["_"] = service.STALE
            return render_template("directives/task_form.html", **_task_form_context(access, task, _posted_task_form(), errors)), 409
        else:
            count = len(saved.assignments)
            flash(f"Đã lưu nhiệm vụ {saved.label} — giao {count} đơn vị.".replace("  ", " "), "success")
            if request.form.get("action") == "another":
                return redirect(url_for("directives.task_new", directive_id=access.directive.id), code=303)
            return redirect(url_for("directives.detail", directive_id=access.directive.id) + f"#task-{saved.id}", code=303)
    return render_template("directives/task_form.html", **_task_form_context(access, task, _posted_task_form(), errors)), 422


@bp.route("/<int:directive_id>/tasks/new", methods=["GET", "POST"])
def task_new(directive_id: int):
    access = service.load_directive(current_user, directive_id, manage=True)
    if request.method == "POST":
        return _save_task(access)
    return render_template("directives/task_form.html", **_task_form_context(access))


@bp.route("/<int:directive_id>/tasks/<int:task_id>/edit", methods=["GET", "POST"])
def task_edit(directive_id: int, task_id: int):
    access = service.load_directive(current_user, directive_id, manage=True)
    task = service.load_task(access, task_id)
    if request.method == "POST":
        return _save_task(access, task)
    return render_template("directives/task_form.html", **_task_form_context(access, task))


@bp.post("/<int:directive_id>/tasks/<int:task_id>/status")
def task_status(directive_id: int, task_id: int):
    access = service.load_directive(current_user, directive_id, manage=True)
    task = service.load_task(access, task_id)
    status = request.form.get("status", "")
    service.set_task_status(access, current_user, task, status)
    db.session.commit()
    flash(f"Đã kết thúc nhiệm vụ {task.label}." if status == "closed" else f"Đã mở lại nhiệm vụ {task.label}.", "success")
    return redirect(url_for("directives.detail", directive_id=directive_id) + f"#task-{task.id}", code=303)


# --- the consolidated report: the reviewer's text per task -----------------------------------

@bp.post("/rounds/<int:round_id>/tasks/<int:task_id>")
def round_task(round_id: int, task_id: int):
    require_role("reviewer", "admin")
    round_ = load_round_to_act(current_user, round_id)
    task = service.load_round_task(round_, task_id)
    text = clean_text(request.form["text"]) if "text" in request.form else None
    error, status_code, row = None, 200, None
    try:
        status = (parse_status(request.form["status"]) or "") if "status" in request.form else None
    except InvalidStatus as exc:
        error, status_code = str(exc), 422
    if error is None and text is not None and len(text) > 5000:
        error, status_code = "Nội dung vượt quá 5.000 ký tự.", 422
    if error is None:
        try:
            row = service.save_round_followup(round_, task, current_user, status, text, request.form.get("version", type=int))
            db.session.commit()
        except (Conflict, StaleDataError, IntegrityError):
            db.session.rollback()
            error, status_code = service.STALE, 409
    anchor = f"#followup-{task.id}"
    if not is_fragment_request():
        flash(error or "Đã lưu nội dung theo dõi nhiệm vụ.", "error" if error else "success")
        return redirect(url_for("review.consolidated", round_id=round_.id) + anchor, code=303)
    return render_template("directives/_round_task_saved.html", task=task, row=row, error=error), status_code

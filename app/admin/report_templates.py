"""Mẫu báo cáo: an administrator copies a template into a draft, changes it with the form
editor (every change saved at once, htmx or plain forms) or by uploading TOML, sees every
problem beside its field, previews it with sample figures, publishes it as a new version,
compares two versions side by side and withdraws a version no round uses."""

from __future__ import annotations

import re

from flask import Response, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..htmx import is_fragment_request
from ..reporting.periods import CONVENTION_LABELS, KIND_LABELS
from ..reporting.template_check import MAX_SOURCE, budget_text, check_template_source
from ..reporting.template_edit import (
    CONSOLIDATE_LABELS,
    LEVEL_LABELS,
    NEW_SECTION_KINDS,
    ROLE_LABELS,
    ROWS_SOURCE_LABELS,
    SECTION_KIND_LABELS,
    SEVERITY_LABELS,
    EditProblem,
    add_section,
    apply_rule_form,
    apply_section_form,
    apply_top_form,
    issue_slot,
    item_action,
    move_section,
    remove_section,
    rule_view,
    section_view,
    shown_slots,
    top_view,
)
from ..reporting.templates import shipped_templates
from ..services.errors import NotFound
from ..services.report_templates import (
    TemplateProblem,
    check_draft,
    comparison,
    data_of,
    discard_draft,
    drafts,
    load_draft,
    load_version,
    lock_draft,
    may_withdraw,
    previous_of,
    publish,
    publish_draft,
    published_versions,
    save_draft,
    start_draft,
    starting_point,
    upload_to_draft,
    version_label,
    versions_in_use,
    withdraw,
)
from ..services.submission_page import SECTION_STATES, dom_id
from ..services.template_preview import preview_page
from . import bp


@bp.context_processor
def template_labels():
    """The size limits every template page states, and the Vietnamese names of choices."""
    return {"template_budget": budget_text(), "kind_labels": KIND_LABELS, "convention_labels": CONVENTION_LABELS,
            "section_kind_labels": SECTION_KIND_LABELS, "consolidate_labels": CONSOLIDATE_LABELS,
            "role_labels": ROLE_LABELS, "rows_source_labels": ROWS_SOURCE_LABELS, "severity_labels": SEVERITY_LABELS,
            "new_section_kinds": NEW_SECTION_KINDS, "level_labels": LEVEL_LABELS}


@bp.get("/templates")
def report_templates():
    versions = published_versions(current_user)
    return render_template("admin/templates.html", shipped=shipped_templates(), versions=versions,
                           drafts=drafts(current_user), withdrawable=may_withdraw(current_user, versions),
                           in_use=versions_in_use(versions))


@bp.get("/templates/source")
def report_template_source():
    """The TOML text of a shipped template or a published version, to keep or edit offline."""
    origin = request.args.get("origin", "")
    _, text = starting_point(origin, current_user)
    name = origin.partition(":")[2] if origin.startswith("shipped:") else f"mau-{origin.partition(':')[2]}"
    return _toml_file(text, name)


def _toml_file(text: str, name: str) -> Response:
    return Response(text, mimetype="text/plain", headers={"Content-Disposition": f'attachment; filename="{name}.toml"'})


# --- the TOML page (check, preview and publish a text at once) ------------------------------

@bp.get("/templates/edit")
def report_template_edit():
    origin = request.args.get("origin", "")
    label, text = starting_point(origin, current_user) if origin else ("", "")
    return render_template("admin/template_edit.html", source=text, based_on=label, check=None, page=None)


def _source() -> str | None:
    """The text typed in the editor, or the uploaded .toml file when one was chosen."""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        data = upload.read(MAX_SOURCE * 4 + 1)
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None
    return (request.form.get("source") or "").replace("\r\n", "\n")


def _refused(text: str, based_on: str, message: str):
    return render_template("admin/template_edit.html", source=text, based_on=based_on, check=None, page=None,
                           error=message), 422


@bp.post("/templates/check")
def report_template_check():
    text, based_on = _source(), request.form.get("based_on", "")
    if text is None:
        return _refused("", based_on, "Tệp phải là văn bản UTF-8 (.toml).")
    if len(text) > MAX_SOURCE:
        return _refused("", based_on, f"Mẫu quá dài (tối đa {MAX_SOURCE:,} ký tự).".replace(",", "."))
    check = check_template_source(text)
    page = preview_page(check.template) if check.ok else None
    return render_template("admin/template_edit.html", source=text, based_on=based_on, check=check, page=page,
                           s=page.submission if page else None, t=page.template if page else None, dom_id=dom_id,
                           section_states=SECTION_STATES), 200 if check.ok else 422


@bp.post("/templates/publish")
def report_template_publish():
    text, based_on = _source(), request.form.get("based_on", "")
    if text is None or len(text) > MAX_SOURCE:
        return _refused("", based_on, f"Tệp phải là văn bản UTF-8 (.toml), tối đa {MAX_SOURCE:,} ký tự.".replace(",", "."))
    try:
        check, row = publish(text, current_user, based_on)
    except TemplateProblem as problem:
        return _refused(text, based_on, str(problem))
    if row is None:
        return render_template("admin/template_edit.html", source=text, based_on=based_on, check=check, page=None), 422
    db.session.commit()
    _published_flash(row)
    return redirect(url_for("admin.report_templates"), code=303)


def _published_flash(row) -> None:
    flash(f"Đã xuất bản {version_label(row)}. Các đợt báo cáo mở từ nay dùng phiên bản này; các đợt đã mở giữ mẫu cũ.",
          "success")


# --- drafts and the form editor -------------------------------------------------------------

@bp.post("/templates/drafts")
def report_template_draft_new():
    """Start a draft from a shipped template or a published version (or open the one there is)."""
    try:
        row, created = start_draft(request.form.get("origin", ""), current_user, request.form.get("new_code", ""),
                                   request.form.get("new_title", ""))
    except TemplateProblem as problem:
        flash(str(problem), "error")
        return redirect(url_for("admin.report_templates"), code=303)
    db.session.commit()
    if not created:
        flash(f"Mẫu này đã có một bản nháp (sao chép từ {row.based_on}): tiếp tục sửa bản nháp đó. "
              "Muốn bắt đầu lại từ bản khác, hãy bỏ bản nháp này trước.", "info")
    return redirect(url_for("admin.report_template_draft", code=row.code), code=303)


def _editor_context(row, message: str = "") -> dict:
    data = data_of(row.source)
    check = check_draft(row)
    sections = data.get("sections") if isinstance(data.get("sections"), list) else []
    views = [section_view(s if isinstance(s, dict) else {}) for s in sections]
    by_section: dict[int, dict[str, list[str]]] = {}
    by_rule: dict[int, dict[str, list[str]]] = {}
    top: dict[str, list[str]] = {}
    general = []
    for issue in check.issues:
        part, index, slot = issue_slot(issue.path) if issue.path else ("", None, "")
        if part == "section" and index < len(views):
            # A problem the form has no field for is shown at the section's head, saying where.
            shown = slot in shown_slots(views[index])
            by_section.setdefault(index, {}).setdefault(slot if shown else "", []).append(
                issue.message if shown else f"{issue.where}: {issue.message}")
        elif part == "rule":
            shown = slot in ("section", "severity", "message")
            by_rule.setdefault(index, {}).setdefault(slot if shown else "", []).append(
                issue.message if shown else f"{issue.where}: {issue.message}")
        elif part == "top" and slot in ("title", "legal_basis", "form_code", "frequency", "period_convention"):
            top.setdefault(slot, []).append(issue.message)
        elif part == "top" and slot == "levels":
            # "levels.district.opening" beside that input; anything else at the head of the levels.
            level_slot = "level-" + "-".join(issue.path.split(".")[1:3])
            known = re.fullmatch(r"level-\w+-(opening|legal_basis|recipient)", level_slot)
            top.setdefault(level_slot if known else "levels", []).append(
                issue.message if known else f"{issue.where}: {issue.message}")
        else:
            general.append(issue)
    rules = data.get("rules") if isinstance(data.get("rules"), list) else []
    return {
        "row": row, "check": check, "top": top_view(data), "top_errors": top, "general": general, "message": message,
        "sections": views,
        "section_errors": by_section, "rules": [rule_view(r if isinstance(r, dict) else {}) for r in rules],
        "rule_errors": by_rule,
    }


@bp.get("/templates/<code>/draft")
def report_template_draft(code: str):
    row = load_draft(code, current_user)
    return render_template("admin/template_draft.html", **_editor_context(row))


def _after_change(row, *, section: int | None = None, whole: bool = False, message: str = "", anchor: str = "",
                  typing: bool = False):
    """htmx: the changed section (or the whole editor after a move); plain form: back to it.

    ``typing``: a plain save, while the officer may go on typing in the same form; the answer
    is marked (X-Autosave) so that app.js takes only its messages when the fields are the same."""
    if not is_fragment_request():
        if message:
            flash(message, "error")
        return redirect(url_for("admin.report_template_draft", code=row.code) + (f"#{anchor}" if anchor else ""), code=303)
    context = _editor_context(row, message)
    if whole or section is None or section >= len(context["sections"]):
        response = make_response(render_template("admin/_template_editor.html", preserve_inputs=typing, **context))
        response.headers["HX-Retarget"] = "#template-editor"
        response.headers["HX-Reswap"] = "outerHTML"
    else:
        # The section's form stays in the page (a queued autosave of it still reads its inputs);
        # only what is inside is new.
        response = make_response(render_template("admin/_template_section_body.html", i=section,
                                                 section=context["sections"][section],
                                                 errors=context["section_errors"].get(section, {}), oob_status=True,
                                                 preserve_inputs=typing, **context))
    if typing:
        response.headers["X-Autosave"] = "1"  # app.js: refresh the messages, leave the fields alone
    response.headers["Vary"] = "HX-Request"
    return response


def _save(row, change) -> str:
    """Apply a change to the draft's data and store it; the reason it was refused, if it was."""
    try:
        save_draft(row, change(data_of(row.source)))
    except (EditProblem, TemplateProblem) as problem:
        db.session.rollback()
        return str(problem)
    db.session.commit()
    return ""


@bp.post("/templates/<code>/draft/top")
def report_template_draft_top(code: str):
    row = lock_draft(code, current_user)
    message = _save(row, lambda data: apply_top_form(data, request.form))
    return _after_change(row, whole=True, message=message, anchor="template-top", typing=True)


@bp.post("/templates/<code>/draft/sections/<int:index>")
def report_template_draft_section(code: str, index: int):
    """Save a section's form, then take the button's action: move, remove, add or remove an item."""
    row = lock_draft(code, current_user)
    action = request.form.get("action", "save")
    focus, whole = index, action in ("up", "down", "remove")

    def change(data):
        nonlocal focus
        data = apply_section_form(data, index, request.form)
        if action in ("up", "down"):
            data, focus = move_section(data, index, -1 if action == "up" else 1)
        elif action == "remove":
            data, focus = remove_section(data, index), max(index - 1, 0)
        elif action != "save":
            data = item_action(data, index, action)
        return data

    message = _save(row, change)
    # A plain save keeps the inputs as they are in the browser: the officer may be typing in
    # the next one while this save is under way.
    return _after_change(row, section=focus, whole=whole, message=message, anchor=f"section-{focus}",
                         typing=action == "save")


@bp.post("/templates/<code>/draft/sections")
def report_template_draft_add_section(code: str):
    row = lock_draft(code, current_user)
    added = -1

    def change(data):
        nonlocal added
        data, added = add_section(data, request.form.get("after", -1, type=int), request.form.get("kind", ""))
        return data

    message = _save(row, change)
    return _after_change(row, whole=True, message=message, anchor=f"section-{added}" if added >= 0 else "")


@bp.post("/templates/<code>/draft/rules/<int:index>")
def report_template_draft_rule(code: str, index: int):
    row = lock_draft(code, current_user)
    message = _save(row, lambda data: apply_rule_form(data, index, request.form))
    return _after_change(row, whole=True, message=message, anchor="template-rules",
                         typing=request.form.get("action", "save") != "remove")


@bp.get("/templates/<code>/draft.toml")
def report_template_draft_toml(code: str):
    row = load_draft(code, current_user)
    return _toml_file(row.source, f"{row.code}-ban-nhap")


@bp.post("/templates/<code>/draft/upload")
def report_template_draft_upload(code: str):
    row = lock_draft(code, current_user)
    text = _source()
    if text is None:
        issues_text = ["Tệp phải là văn bản UTF-8 (.toml)."]
    else:
        issues_text = [f"{i.message}" for i in upload_to_draft(row, text)]
    if issues_text:
        db.session.rollback()
        context = _editor_context(row, "Chưa nhận tệp: " + " ".join(issues_text))
        return render_template("admin/template_draft.html", upload_text=text or "", **context), 422
    db.session.commit()
    flash("Đã thay bản nháp bằng nội dung tệp TOML.", "success")
    return redirect(url_for("admin.report_template_draft", code=row.code), code=303)


@bp.get("/templates/<code>/draft/preview")
def report_template_draft_preview(code: str):
    row = load_draft(code, current_user)
    check = check_draft(row)
    page = preview_page(check.template) if check.ok else None
    return render_template("admin/template_preview.html", row=row, check=check, page=page, source=row.source,
                           s=page.submission if page else None, t=page.template if page else None, dom_id=dom_id,
                           section_states=SECTION_STATES), 200 if check.ok else 422


@bp.post("/templates/<code>/draft/publish")
def report_template_draft_publish(code: str):
    row = load_draft(code, current_user)
    check, problems = publish_draft(row, current_user)
    if not check.ok or problems:
        db.session.rollback()
        message = " ".join(problems) if problems else f"Bản nháp còn {len(check.issues)} lỗi: sửa các lỗi ghi bên cạnh ô rồi xuất bản."
        return render_template("admin/template_draft.html", **_editor_context(row, message)), 422
    db.session.commit()
    _published_flash(row)
    return redirect(url_for("admin.report_template_compare", version_id=row.id), code=303)


@bp.post("/templates/<code>/draft/discard")
def report_template_draft_discard(code: str):
    discard_draft(load_draft(code, current_user))
    db.session.commit()
    flash("Đã bỏ bản nháp; các phiên bản đã xuất bản không thay đổi.", "success")
    return redirect(url_for("admin.report_templates"), code=303)


# --- versions -------------------------------------------------------------------------------

@bp.get("/templates/versions/<int:version_id>/compare")
def report_template_compare(version_id: int):
    """Two versions side by side: the chosen one (or the previous) and this one."""
    row = load_version(version_id, current_user)
    other = request.args.get("with", "")
    if other.isdigit():
        older = load_version(int(other), current_user)
        base = (version_label(older), older.source)
    else:
        base = previous_of(row, current_user)
    if base is None:
        raise NotFound()
    return render_template("admin/template_compare.html", row=row, label=version_label(row), base_label=base[0],
                           result=comparison(base[1], row.source))


@bp.post("/templates/versions/<int:version_id>/withdraw")
def report_template_withdraw(version_id: int):
    row = load_version(version_id, current_user)
    try:
        withdraw(row, current_user)
    except TemplateProblem as problem:
        flash(str(problem), "error")
        return redirect(url_for("admin.report_templates"), code=303)
    db.session.commit()
    flash(f"Đã thu hồi {version_label(row)}: các đợt báo cáo mở từ nay không dùng phiên bản này.", "success")
    return redirect(url_for("admin.report_templates"), code=303)

"""Mẫu báo cáo: an administrator copies a template, edits or uploads its TOML, sees every
error with its line, previews it with sample values and publishes it as a new version."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..reporting.template_check import MAX_SOURCE, budget_text, check_template_source
from ..reporting.templates import shipped_templates
from ..services.report_templates import publish, published_versions, starting_point
from ..services.submission_page import SECTION_STATES, dom_id
from ..services.template_preview import preview_page
from . import bp


@bp.context_processor
def template_budget():
    """The size limits every template page states (the checker refuses beyond them)."""
    return {"template_budget": budget_text()}


@bp.get("/templates")
def report_templates():
    return render_template("admin/templates.html", shipped=shipped_templates(), versions=published_versions())


@bp.get("/templates/source")
def report_template_source():
    """The TOML text of a shipped template or a published version, to keep or edit offline."""
    origin = request.args.get("origin", "")
    _, text = starting_point(origin)
    name = origin.partition(":")[2] if origin.startswith("shipped:") else f"mau-{origin.partition(':')[2]}"
    return Response(text, mimetype="text/plain", headers={"Content-Disposition": f'attachment; filename="{name}.toml"'})


@bp.get("/templates/edit")
def report_template_edit():
    origin = request.args.get("origin", "")
    label, text = starting_point(origin) if origin else ("", "")
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
    check, row = publish(text, current_user, based_on)
    if row is None:
        return render_template("admin/template_edit.html", source=text, based_on=based_on, check=check, page=None), 422
    db.session.commit()
    flash(f"Đã xuất bản mẫu {row.title} — mã {row.code}, phiên bản {row.version}. Các đợt báo cáo mở từ nay dùng phiên bản này; "
          "các đợt đã mở giữ mẫu cũ.", "success")
    return redirect(url_for("admin.report_templates"), code=303)

"""Excel and Word of a template not yet published, filled with sample values (admin only)."""
from __future__ import annotations

from flask import abort, request

from ..permissions import require_role
from ..reporting.template_check import MAX_SOURCE, check_template_source
from ..services.template_preview import sample_parts
from . import bp
from .docx_report import write_report_docx
from .views import DOCX, XLSX, send_written
from .xlsx import write_round_workbook


@bp.post("/template-preview.<extension>")
def template_preview(extension: str):
    require_role("admin")
    if extension not in ("xlsx", "docx"):
        abort(404)
    text = (request.form.get("source") or "")[:MAX_SOURCE + 1]
    check = check_template_source(text) if len(text) <= MAX_SOURCE else None
    if check is None or not check.ok:
        abort(400)
    parts = sample_parts(check.template)
    name = f"Xem trước mẫu {check.template.code}"
    if extension == "xlsx":
        return send_written(lambda out: write_round_workbook(parts, out), name, "xlsx", XLSX)
    return send_written(lambda out: write_report_docx(parts, out), name, "docx", DOCX)

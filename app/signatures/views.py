"""A report's PDF and its signed copy: produce (a job), follow the job, download, upload the
signed file, read the record; the administrator's trust anchors and CRLs.

Scope first, as everywhere: a consolidation through the review loader, a submission through
the entry loader, a stored file by the rule for reading its report (can_read_submission).
Producing a PDF and
uploading a signed one belong to the report's own unit (its reviewers for a consolidation).
"""
from __future__ import annotations

import json

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..htmx import is_fragment_request, render
from ..models import Job, ReportPdf, SignedReport
from ..services.access import can_act_on_round, can_read_submission
from ..services.consolidation import round_readiness
from ..services.export_model import content_disposition
from ..services.jobs import enqueue, load_job
from ..services.report_pdf import (
    NOT_INSTALLED,
    PDF_JOB,
    ReportRef,
    consolidation_behind,
    consolidation_ref,
    current_digest,
    figure_differences,
    has_own_settings,
    latest_jobs,
    pdf_job_params,
    ref_of,
    report_pdfs,
    signed_reports,
    soffice_path,
    stored_pdf,
    submission_ref,
)
from ..services.rounds import load_round, round_label, round_template
from ..services.signing import (
    MAX_SIGNED_SIZE,
    add_crl,
    add_trust_anchors,
    check_signed_pdf,
    crl_ders,
    recheck,
    record_signed,
    revocation_lists,
    set_anchor_active,
    signature_details,
    trust_anchor_ders,
    trust_anchors,
)
from ..services.submissions import load_submission, plain_values, stored_values
from . import bp

PDF = "application/pdf"


def online() -> bool:
    return bool(current_app.config.get("SIGNATURE_ONLINE_REVOCATION"))


def provisional() -> bool:
    return request.values.get("provisional") == "1"


def report_of_round(round_id: int) -> tuple[ReportRef, bool]:
    round_ = load_round(current_user, round_id)
    return consolidation_ref(round_, provisional()), can_act_on_round(current_user, round_)


def report_of_submission(submission_id: int) -> tuple[ReportRef, bool]:
    sub = load_submission(current_user, submission_id)
    own = sub.unit_id == current_user.unit_id and current_user.role in ("reporter", "reviewer")
    return submission_ref(sub), own or current_user.role == "admin"


def page_url(ref: ReportRef) -> str:
    if ref.consolidated:
        return url_for("signatures.round_report", round_id=ref.round.id, **({"provisional": 1} if ref.provisional else {}))
    return url_for("signatures.submission_report", submission_id=ref.submission.id)


def action_url(ref: ReportRef, action: str) -> str:
    if ref.consolidated:
        return url_for(f"signatures.round_{action}", round_id=ref.round.id,
                       **({"provisional": 1} if ref.provisional else {}))
    return url_for(f"signatures.submission_{action}", submission_id=ref.submission.id)


def settings_url(ref: ReportRef) -> str:
    if ref.consolidated:
        return url_for("exports.round_word", round_id=ref.round.id, **({"provisional": 1} if ref.provisional else {}))
    return url_for("exports.submission_word", submission_id=ref.submission.id)


def back_url(ref: ReportRef) -> str:
    if ref.consolidated:
        return url_for("review.consolidated", round_id=ref.round.id, **({"provisional": 1} if ref.provisional else {}))
    if current_user.role == "reviewer" and ref.submission.unit_id != current_user.unit_id:
        return url_for("review.submission", submission_id=ref.submission.id)
    return url_for("entry.submission", submission_id=ref.submission.id)


def carried_upward(ref: ReportRef) -> dict | None:
    """A submission sent upward: the signed consolidation behind it, and whether the figures
    received differ from the signed ones."""
    if ref.consolidated:
        return None
    behind = consolidation_behind(ref.submission)
    if behind is None:
        return None
    found = signed_reports(ref.unit.id, behind.id)
    if not found:
        return {"round": behind, "signed": [], "differences": []}
    template = round_template(ref.round)
    received = plain_values(stored_values(ref.submission.id))
    signed_figures = json.loads(found[0].report_pdf.figures_json)
    counted = {k for k in set(received) | set(signed_figures) if template.key_kind(k) in ("count", "score")}
    differences = figure_differences(signed_figures, received, counted)
    return {"round": behind, "signed": [(row, recheck(row, online())) for row in found], "differences": differences}


def report_page(ref: ReportRef, may_act: bool, status: int = 200, **context):
    pdfs = report_pdfs(ref)
    # Today's digest in each mode a PDF was made in (approved only, or with unapproved reports).
    digests = {mode: current_digest(ReportRef(ref.unit, ref.round, ref.submission, mode))
               for mode in {ref.provisional} | {p.provisional for p in pdfs}}
    signed = signed_reports(ref.unit.id, ref.round.id)
    return render_template(
        "signatures/report.html", ref=ref, may_act=may_act, round_label=round_label,
        jobs=latest_jobs(ref), pdfs=pdfs, digests=digests,
        signed=[(row, recheck(row, online())) for row in signed], details=signature_details,
        soffice=soffice_path(current_app.config.get("SOFFICE")), not_installed=NOT_INSTALLED,
        own_settings=has_own_settings(ref), settings_url=settings_url(ref), back_url=back_url(ref),
        pdf_action=action_url(ref, "pdf"), upload_action=action_url(ref, "signed"), page_url=page_url(ref),
        upward=carried_upward(ref), max_mb=MAX_SIGNED_SIZE // (1024 * 1024), **context,
    ), status


def request_pdf(ref: ReportRef, may_act: bool):
    if not may_act:
        abort(403)
    if soffice_path(current_app.config.get("SOFFICE")) is None:
        return report_page(ref, may_act, 503, pdf_error=NOT_INSTALLED)
    if not has_own_settings(ref):
        return report_page(ref, may_act, 422, pdf_error="Lưu thông tin văn bản (ký hiệu, người ký) của báo cáo này "
                                                           "trước khi tạo PDF.")
    if ref.consolidated:
        # One number per figure: the PDF is what the leader signs, so an edited figure text
        # gone stale needs the reviewer's choice (on the Word page) first, as the .docx does.
        stale = round_readiness(ref.round, ref.provisional).stale_figures
        if stale:
            labels = "; ".join(s.label for s in stale)
            return report_page(ref, may_act, 422, pdf_error=(
                f"Số liệu đã thay đổi từ khi sửa phần số liệu ({labels}): chọn lấy đoạn mới hay giữ đoạn đã sửa "
                "ở trang Báo cáo Word trước khi tạo PDF."))
    running = [j for j in latest_jobs(ref, 1) if not j.finished]
    if not running:
        params = pdf_job_params(ref, current_user) | {"soffice": current_app.config.get("SOFFICE")}
        enqueue(PDF_JOB, params, current_user)
        db.session.commit()
    flash("Đã yêu cầu tạo PDF; trang tự cập nhật khi xong." if not running else "PDF của báo cáo này đang được tạo.",
          "success")
    return redirect(page_url(ref), code=303)


def upload_signed(ref: ReportRef, may_act: bool):
    if not may_act:
        abort(403)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return report_page(ref, may_act, 422, upload_error="Chọn tệp PDF đã ký số để tải lên.")
    data = upload.read(MAX_SIGNED_SIZE + 1)
    if len(data) > MAX_SIGNED_SIZE:
        return report_page(ref, may_act, 413, upload_error=f"Tệp lớn hơn {MAX_SIGNED_SIZE // (1024 * 1024)} MB.")
    verdict = check_signed_pdf(data, report_pdfs(ref), trust_anchor_ders(), crl_ders(), online=online())
    if not verdict.accepted:
        return report_page(ref, may_act, 422, upload_error=verdict.refusal, upload_detail=verdict.detail)
    signed_from = verdict.report_pdf
    if signed_from.data_digest != current_digest(ReportRef(ref.unit, ref.round, ref.submission, signed_from.provisional)):
        verdict.warnings.insert(0, "Số liệu của báo cáo đã thay đổi sau khi tạo bản PDF này (số liệu, nội dung hoặc "
                                   "thông tin văn bản): bản đã ký không khớp báo cáo hiện tại. Hãy tạo PDF mới và ký lại.")
    row = record_signed(ref.unit.id, ref.round.id, data, upload.filename, verdict, current_user)
    db.session.commit()
    flash(f"Đã nhận bản ký số (phiên bản {row.version}) của {row.signer_name}.", "success")
    for warning in verdict.warnings:
        flash(warning, "warning")
    return redirect(page_url(ref), code=303)


# --- a consolidated report --------------------------------------------------------------------

@bp.get("/rounds/<int:round_id>")
def round_report(round_id: int):
    return report_page(*report_of_round(round_id))


@bp.post("/rounds/<int:round_id>/pdf")
def round_pdf(round_id: int):
    return request_pdf(*report_of_round(round_id))


@bp.post("/rounds/<int:round_id>/signed")
def round_signed(round_id: int):
    return upload_signed(*report_of_round(round_id))


# --- a unit's own report, or the submission it sent upward -----------------------------------

@bp.get("/submissions/<int:submission_id>")
def submission_report(submission_id: int):
    return report_page(*report_of_submission(submission_id))


@bp.post("/submissions/<int:submission_id>/pdf")
def submission_pdf(submission_id: int):
    return request_pdf(*report_of_submission(submission_id))


@bp.post("/submissions/<int:submission_id>/signed")
def submission_signed(submission_id: int):
    return upload_signed(*report_of_submission(submission_id))


# --- jobs and files ------------------------------------------------------------------------

def may_read(ref: ReportRef) -> bool:
    """A report's file is read by whoever reads the report: its unit's own users and the
    reviewers of its round's unit and above (the round decides, not where the unit sits now)."""
    return can_read_submission(current_user, ref.unit, ref.round.unit.path)


def job_report(job: Job) -> ReportRef:
    params = json.loads(job.params_json)
    ref = ref_of(int(params["unit_id"]), int(params["round_id"]), bool(params.get("provisional")))
    if not may_read(ref):
        abort(404)
    return ref


@bp.get("/jobs/<int:job_id>")
def job_status(job_id: int):
    """The job's progress: the fragment polls itself (htmx) until the job ends, then the
    page reloads once to list the new PDF; without JavaScript, the report's page."""
    job = load_job(job_id)
    if job is None or job.kind != PDF_JOB:
        abort(404)
    ref = job_report(job)
    if not is_fragment_request():
        return redirect(page_url(ref), code=303)
    response = render("signatures/report.html", "signatures/_job.html", job=job, page_url=page_url(ref))
    if job.finished and request.args.get("watching") == "1":
        response.headers["HX-Refresh"] = "true"
    return response


def send_pdf(data: bytes, name: str):
    response = current_app.response_class(data, mimetype=PDF)
    response.headers["Content-Disposition"] = content_disposition(name, "pdf")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def readable_pdf(model, row_id: int):
    """A stored PDF and its report, or 404 when it is missing or its report is not the reader's."""
    row = stored_pdf(model, row_id)
    ref = ref_of(row.unit_id, row.round_id) if row is not None else None
    if ref is None or not may_read(ref):
        abort(404)
    return row, ref


@bp.get("/pdfs/<int:pdf_id>.pdf")
def produced_pdf(pdf_id: int):
    row, ref = readable_pdf(ReportPdf, pdf_id)
    return send_pdf(row.data, f"{ref.label} - để ký số")


@bp.get("/signed/<int:signed_id>.pdf")
def signed_pdf(signed_id: int):
    row, ref = readable_pdf(SignedReport, signed_id)
    return send_pdf(row.data, f"{ref.label} - đã ký số (bản {row.version})")


# --- trust anchors and CRLs (system administrator) ---------------------------------------------

def require_admin() -> None:
    if current_user.role != "admin":
        abort(403)


def trust_page(status: int = 200, **context):
    return render_template("signatures/trust.html", anchors=trust_anchors(), crls=revocation_lists(),
                           **context), status


@bp.get("/trust")
def trust():
    require_admin()
    return trust_page()


@bp.post("/trust/anchors")
def trust_add_anchor():
    require_admin()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return trust_page(422, anchor_error="Chọn tệp chứng thư (.pem, .crt) để tải lên.")
    added, problem = add_trust_anchors(upload.read(1024 * 1024), current_user)
    if not added:
        db.session.rollback()
        return trust_page(422, anchor_error=problem)
    db.session.commit()
    flash(f"Đã thêm {len(added)} chứng thư của tổ chức được tin cậy: {', '.join(a.subject for a in added)}.", "success")
    return redirect(url_for("signatures.trust"), code=303)


@bp.post("/trust/anchors/<int:anchor_id>/active")
def trust_anchor_active(anchor_id: int):
    require_admin()
    row = set_anchor_active(anchor_id, request.form.get("active") == "1")
    if row is None:
        abort(404)
    db.session.commit()
    flash(f"{'Đã dùng lại' if row.active else 'Đã ngừng tin cậy'}: {row.subject}.", "success")
    return redirect(url_for("signatures.trust"), code=303)


@bp.post("/trust/crls")
def trust_add_crl():
    require_admin()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return trust_page(422, crl_error="Chọn tệp danh sách thu hồi (.crl, .pem) để tải lên.")
    row, problem = add_crl(upload.read(8 * 1024 * 1024), current_user)
    if row is None:
        db.session.rollback()
        return trust_page(422, crl_error=problem)
    db.session.commit()
    flash(f"Đã thêm danh sách thu hồi của {row.issuer} ({row.revoked_count} chứng thư bị thu hồi).", "success")
    return redirect(url_for("signatures.trust"), code=303)

"""Download routes for Excel and Word files, and the Excel upload of a unit's tables.

Every route loads its object through a scope check first: a round through the review
loader (reviewers and admins of a unit above it, else 404), a submission through the
entry loader (its unit in the user's scope, else 404). Files are written to a spooled
temporary file, so a province-sized export goes to disk instead of staying in memory.
"""
from __future__ import annotations

import tempfile
from collections.abc import Callable

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import Length

from ..services.consolidation import load_consolidation
from ..services.submissions import load_submission, plain_values, save_values, stored_values
from ..extensions import db
from ..forms import Form
from ..models import DocumentSettings, Submission
from ..services.access import can_edit_submission
from ..services.rounds import load_round, round_label, round_template, round_window
from . import bp
from .docx_report import write_report_docx
from ..services.export_parts import round_parts, signature_for, submission_parts, unit_title
from ..services.export_model import content_disposition
from .roundtrip import EntryMeta, read_upload, write_entry_workbook
from .xlsx import write_round_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SPOOL_MAX = 4 * 1024 * 1024  # above this the file goes to disk
UPLOAD_SALT = "xlsx-upload"


def send_written(write: Callable, display_name: str, extension: str, mimetype: str):
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX)
    write(spool)
    spool.seek(0)
    response = send_file(spool, mimetype=mimetype, as_attachment=True, download_name=f"bao-cao.{extension}",
                         etag=False, max_age=0)
    response.headers["Content-Disposition"] = content_disposition(display_name, extension)
    response.headers["Cache-Control"] = "private, no-store"
    response.call_on_close(spool.close)
    return response


def wants_provisional() -> bool:
    return request.args.get("provisional") == "1"


# --- consolidated round ---------------------------------------------------------------------

def round_file_name(round_) -> str:
    return f"Tổng hợp {round_label(round_)} - {round_.unit.name}"


@bp.get("/rounds/<int:round_id>.xlsx")
def round_xlsx(round_id: int):
    round_ = load_round(current_user, round_id)
    parts = round_parts(load_consolidation(round_, wants_provisional(), per_unit=True))
    return send_written(lambda out: write_round_workbook(parts, out), round_file_name(round_), "xlsx", XLSX)


@bp.get("/rounds/<int:round_id>.docx")
def round_docx(round_id: int):
    round_ = load_round(current_user, round_id)
    parts = round_parts(load_consolidation(round_, wants_provisional()),
                        include_attributed=request.args.get("attributed", "1") != "0")
    return send_written(lambda out: write_report_docx(parts, out), round_file_name(round_), "docx", DOCX)


class WordSettingsForm(Form):
    recipient = StringField("Kính gửi", validators=[Length(max=300)])
    distribution = TextAreaField("Nơi nhận (mỗi dòng một nơi)", validators=[Length(max=2000)])
    signer_prefix = TextAreaField("Dòng thẩm quyền ký (mỗi dòng một dòng, ví dụ TM. ỦY BAN NHÂN DÂN)",
                                  validators=[Length(max=200)])
    signer_title = StringField("Chức vụ người ký", validators=[Length(max=120)])
    signer_name = StringField("Họ và tên người ký", validators=[Length(max=120)])
    attributed = BooleanField("Giữ nội dung của từng đơn vị (\u201cUBND xã …:\u201d) dưới phần tổng hợp")


def settings_form_for(unit, default_recipient: str) -> WordSettingsForm:
    signature = signature_for(unit, default_recipient)
    form = WordSettingsForm()
    if request.method == "GET":
        form.recipient.data = signature.recipient
        form.distribution.data = "\n".join(signature.distribution)
        form.signer_prefix.data = "\n".join(signature.signer_prefix)
        form.signer_title.data = signature.signer_title
        form.signer_name.data = signature.signer_name
        form.attributed.data = request.args.get("attributed", "1") != "0"
    return form


def save_settings(unit, form: WordSettingsForm) -> None:
    row = db.session.get(DocumentSettings, unit.id)
    if row is None:
        row = DocumentSettings(unit_id=unit.id)
        db.session.add(row)
    row.recipient = (form.recipient.data or "").strip()
    row.distribution = (form.distribution.data or "").strip()
    row.signer_prefix = (form.signer_prefix.data or "").strip()
    row.signer_title = (form.signer_title.data or "").strip()
    row.signer_name = (form.signer_name.data or "").strip()
    db.session.commit()


@bp.route("/rounds/<int:round_id>/word", methods=["GET", "POST"])
def round_word(round_id: int):
    round_ = load_round(current_user, round_id)
    form = settings_form_for(round_.unit, unit_title(round_.unit.parent))
    if request.method == "POST":
        # Settings belong to the issuing unit: only its own reviewers (or an admin) change them.
        if round_.unit_id != current_user.unit_id and current_user.role != "admin":
            abort(403)
        if form.validate():
            save_settings(round_.unit, form)
            flash("Đã lưu thông tin văn bản. Tải báo cáo Word bên dưới.", "success")
            return redirect(url_for("exports.round_word", round_id=round_.id, ready=1,
                                    attributed=1 if form.attributed.data else 0), code=303)
    download = url_for("exports.round_docx", round_id=round_.id, attributed=1 if form.attributed.data else 0)
    return render_template("exports/word.html", form=form, heading=f"Báo cáo Word: {round_.title}",
                           subtitle=f"{round_label(round_)} · {round_.unit.name}", download=download,
                           ready=request.args.get("ready") == "1", show_attributed=True,
                           back=url_for("review.consolidated", round_id=round_.id)), 422 if form.errors else 200


# --- one unit's submission ----------------------------------------------------------------

def submission_file_name(sub: Submission) -> str:
    return f"Báo cáo {round_label(sub.round)} - {sub.unit.name}"


@bp.get("/submissions/<int:submission_id>.xlsx")
def submission_xlsx(submission_id: int):
    sub = load_submission(current_user, submission_id)
    parts = submission_parts(sub)
    return send_written(lambda out: write_round_workbook(parts, out), submission_file_name(sub), "xlsx", XLSX)


@bp.get("/submissions/<int:submission_id>.docx")
def submission_docx(submission_id: int):
    sub = load_submission(current_user, submission_id)
    parts = submission_parts(sub)
    return send_written(lambda out: write_report_docx(parts, out), submission_file_name(sub), "docx", DOCX)


def entry_meta(sub: Submission) -> EntryMeta:
    return EntryMeta(sub.round_id, sub.unit_id, sub.id, sub.round.template_code, sub.round.template_version)


@bp.get("/submissions/<int:submission_id>/template.xlsx")
def submission_template(submission_id: int):
    sub = load_submission(current_user, submission_id)
    filled = request.args.get("filled") == "1"
    values = plain_values(stored_values(sub.id)) if filled else {}
    template = round_template(sub.round)

    def write(out):
        write_entry_workbook(template, values, entry_meta(sub), out, unit_name=unit_title(sub.unit),
                             period_label=round_label(sub.round), period_window=round_window(sub.round),
                             receiving_unit=unit_title(sub.round.unit), filled=filled)

    name = f"Mẫu nhập {round_label(sub.round)} - {sub.unit.name}"
    return send_written(write, name, "xlsx", XLSX)


def load_editable(submission_id: int) -> Submission:
    sub = load_submission(current_user, submission_id)
    if not can_edit_submission(current_user, sub):
        abort(403)
    return sub


def serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UPLOAD_SALT)


def upload_page(sub: Submission, status: int = 200, **context):
    return render_template("exports/upload.html", s=sub, round_label=round_label, **context), status


@bp.route("/submissions/<int:submission_id>/upload", methods=["GET", "POST"])
def submission_upload(submission_id: int):
    sub = load_editable(submission_id)
    if request.method == "GET":
        return upload_page(sub)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return upload_page(sub, 422, refused="Chọn tệp Excel (.xlsx) để tải lên.")
    template = round_template(sub.round)
    rows = stored_values(sub.id)
    clear_empty = request.form.get("clear_empty") == "1"
    result = read_upload(upload.read(), template, entry_meta(sub), plain_values(rows), clear_empty=clear_empty)
    if result.refused:
        return upload_page(sub, 422, refused=result.refused)
    # Each change carries the version it was compared with: a cell edited on screen between
    # preview and confirm becomes a conflict, never a silent overwrite.
    payload = serializer().dumps({"s": sub.id, "u": sub.unit_id, "c": [
        [c.key, c.text, rows[c.key].version if c.key in rows else 0] for c in result.changes]})
    return upload_page(sub, 200, result=result, payload=payload, filename=upload.filename, clear_empty=clear_empty)


@bp.post("/submissions/<int:submission_id>/upload/confirm")
def submission_upload_confirm(submission_id: int):
    sub = load_editable(submission_id)
    try:
        data = serializer().loads(request.form.get("payload", ""))
    except BadSignature:
        return upload_page(sub, 400, refused="Dữ liệu xác nhận không hợp lệ; hãy tải tệp lên lại.")
    if data.get("s") != sub.id or data.get("u") != sub.unit_id:
        return upload_page(sub, 422, refused="Dữ liệu xác nhận thuộc báo cáo khác; hãy tải tệp lên lại.")
    entries = [(str(key), str(text), int(version)) for key, text, version in data.get("c", [])]
    template = round_template(sub.round)
    outcome = save_values(sub, template, entries, current_user)
    db.session.commit()
    if outcome.conflicts:
        flash(f"Đã lưu {len(outcome.saved)} ô; {len(outcome.conflicts)} ô đã được sửa trên trang sau khi bạn xem trước "
              "nên không bị ghi đè — hãy kiểm tra lại các ô đó.", "warning")
    elif outcome.errors:
        flash(f"Đã lưu {len(outcome.saved)} ô; {len(outcome.errors)} ô không lưu được.", "warning")
    else:
        flash(f"Đã lưu {len(outcome.saved)} ô từ tệp Excel.", "success")
    return redirect(url_for("entry.submission", submission_id=sub.id), code=303)

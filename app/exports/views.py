"""Download routes for Excel and Word files, and the Excel upload of a unit's tables.

Every route loads its object through a scope check first: a round through the review
loader (reviewers and admins of a unit above it, else 404), a submission through the
entry loader (its unit in the user's scope, else 404). Files are written to a spooled
temporary file, so a province-sized export goes to disk instead of staying in memory.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, ValidationError

from ..extensions import db
from ..forms import Form, too_long
from ..models import Submission
from ..reporting.clock import format_day, parse_day
from ..reporting.keys import parse_key
from ..reporting.text import clean_text
from ..services.access import can_act_on_round, can_edit_submission
from ..services.consolidation import (
    figure_choices,
    figure_choices_missing,
    load_consolidation,
    resolve_stale_figures,
    round_readiness,
)
from ..services.document_settings import load_settings, save_settings
from ..services.export_model import content_disposition
from ..services.export_parts import recipient_default, recipient_title, round_parts, submission_parts, unit_title
from ..services.ids import MAX_ID
from ..services.rounds import load_round, round_label, round_template, round_window
from ..services.submissions import load_submission, plain_values, save_values, stored_values
from . import bp
from .docx_report import write_report_docx
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


def mode_args() -> dict:
    """The page's mode (approved only, or provisional) carried to the links it offers."""
    return {"provisional": 1} if wants_provisional() else {}


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
    if round_readiness(round_, wants_provisional()).stale_figures:
        # One number per figure: the reviewer chooses between an edited figure text and today's figures first.
        flash("Số liệu đã thay đổi sau khi phần số liệu được sửa: chọn văn bản cho từng mục trước khi tải báo cáo Word.",
              "warning")
        return redirect(url_for("exports.round_word", round_id=round_.id, **mode_args()), code=303)
    # per_unit: the annex by unit lists each unit's totals.
    parts = round_parts(load_consolidation(round_, wants_provisional(), per_unit=True))
    return send_written(lambda out: write_report_docx(parts, out), round_file_name(round_), "docx", DOCX)


def valid_day(form, field) -> None:
    text = (field.data or "").strip()
    if text:
        try:
            parse_day(text)
        except ValueError:
            raise ValidationError("Ngày ban hành viết dạng dd/mm/yyyy, ví dụ 07/12/2026.") from None


def valid_number(form, field) -> None:
    if (field.data or "").strip() and not re.fullmatch(r"[0-9]{1,10}", field.data.strip()):
        raise ValidationError("Số văn bản chỉ gồm chữ số, ví dụ 125 (ký hiệu ghi ở ô riêng).")


class WordSettingsForm(Form):
    symbol = StringField("Ký hiệu văn bản", validators=[too_long(40)])
    number = StringField("Số văn bản (văn bản điện tử)", validators=[too_long(20), valid_number])
    issued_on = StringField("Ngày ban hành (dd/mm/yyyy)", validators=[too_long(10), valid_day])
    request_doc = StringField("Thực hiện (văn bản yêu cầu báo cáo)", validators=[too_long(500)])
    recipient = StringField("Kính gửi (cũng là “Đơn vị nhận báo cáo” trong tệp Excel)",
                            validators=[DataRequired(message="Nhập nơi nhận báo cáo (Kính gửi)."), too_long(300)])
    distribution = TextAreaField("Nơi nhận (mỗi dòng một nơi)", validators=[too_long(2000)])
    signer_prefix = TextAreaField("Dòng thẩm quyền ký (mỗi dòng một dòng)", validators=[too_long(200)])
    signer_title = StringField("Chức vụ người ký", validators=[too_long(120)])
    signer_name = StringField("Họ và tên người ký", validators=[too_long(120)])

    FIELDS = ("symbol", "number", "request_doc", "recipient", "distribution", "signer_prefix", "signer_title",
              "signer_name")

    def fill(self, signature) -> None:
        self.symbol.data = signature.symbol
        self.number.data = signature.number
        self.issued_on.data = format_day(signature.issued_on)
        self.request_doc.data = signature.request_doc
        self.recipient.data = signature.recipient
        self.distribution.data = "\n".join(signature.distribution)
        self.signer_prefix.data = "\n".join(signature.signer_prefix)
        self.signer_title.data = signature.signer_title
        self.signer_name.data = signature.signer_name

    def values(self) -> dict:
        values = {name: clean_text(getattr(self, name).data) for name in self.FIELDS}
        day = (self.issued_on.data or "").strip()
        values["issued_on"] = parse_day(day) if day else None
        return values


def settings_page(unit, round_, receiving_title: str, *, may_save: bool, here: str, download: str, back: str,
                  heading: str, readiness=None, figures_action: str = "", pdf_page: str | None = None):
    """GET shows this report's settings (or the unit's latest, or its kind's defaults);
    POST saves them for this report and offers the file."""
    loaded = load_settings(unit, round_.id, receiving_title)
    form = WordSettingsForm()
    if request.method == "POST":
        if not may_save:
            abort(403)
        if form.validate():
            save_settings(unit, round_.id, form.values())
            db.session.commit()
            flash("Đã lưu thông tin văn bản của báo cáo này. Tải báo cáo Word bên dưới.", "success")
            return redirect(f"{here}{'&' if '?' in here else '?'}ready=1", code=303)
    else:
        form.fill(loaded.signature)
    page = render_template("exports/word.html", form=form, heading=heading, may_save=may_save,
                           subtitle=f"{round_label(round_)} · {unit.name}", download=download,
                           prefilled=not loaded.own, ready=request.args.get("ready") == "1",
                           back=back, readiness=readiness, figures_action=figures_action, pdf_page=pdf_page,
                           may_choose=bool(figures_action) and can_act_on_round(current_user, round_))
    return page, 422 if form.errors else 200


@bp.post("/rounds/<int:round_id>/word/figures")
def round_word_figures(round_id: int):
    """The reviewer's choice per stale figure text (take the new text / keep mine), recorded."""
    round_ = load_round(current_user, round_id)
    if not can_act_on_round(current_user, round_):
        abort(403)
    readiness = round_readiness(round_, wants_provisional())
    choices = figure_choices(request.form)
    unchosen = figure_choices_missing(readiness, choices)
    if unchosen:
        for message in unchosen:
            flash(message, "error")
    else:
        resolve_stale_figures(round_, readiness, choices, current_user)
        db.session.commit()
        flash("Đã ghi lựa chọn cho phần số liệu; báo cáo Word có một số liệu cho mỗi chỉ tiêu.", "success")
    return redirect(url_for("exports.round_word", round_id=round_.id, **mode_args()), code=303)


@bp.route("/rounds/<int:round_id>/word", methods=["GET", "POST"])
def round_word(round_id: int):
    round_ = load_round(current_user, round_id)
    unit = round_.unit
    # Settings belong to the issuing unit: only its own reviewers (or an admin) change them.
    may_save = can_act_on_round(current_user, round_)
    return settings_page(
        unit, round_, recipient_default(unit, round_template(round_), recipient_title(unit.parent, round_template(round_))), may_save=may_save,
        here=url_for("exports.round_word", round_id=round_.id, **mode_args()),
        download=url_for("exports.round_docx", round_id=round_.id, **mode_args()),
        back=url_for("review.consolidated", round_id=round_.id, **mode_args()),
        heading=f"Báo cáo Word: {round_.title}",
        # What the report lacks, listed before anything is downloaded.
        readiness=round_readiness(round_, wants_provisional()),
        figures_action=url_for("exports.round_word_figures", round_id=round_.id, **mode_args()),
        pdf_page=url_for("signatures.round_report", round_id=round_.id, **mode_args()),
    )


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


@bp.route("/submissions/<int:submission_id>/word", methods=["GET", "POST"])
def submission_word(submission_id: int):
    """A unit's own Word report signs with its own settings (its office's symbol, its head)."""
    sub = load_submission(current_user, submission_id)
    may_save = sub.unit_id == current_user.unit_id or current_user.role == "admin"
    return settings_page(
        sub.unit, sub.round,
        recipient_default(sub.unit, round_template(sub.round), recipient_title(sub.round.unit, round_template(sub.round))),
        may_save=may_save,
        here=url_for("exports.submission_word", submission_id=sub.id),
        download=url_for("exports.submission_docx", submission_id=sub.id),
        back=url_for("entry.submission", submission_id=sub.id),
        heading=f"Báo cáo Word: {sub.round.title}",
        pdf_page=url_for("signatures.submission_report", submission_id=sub.id),
    )


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


UPLOAD_FORGED = "Dữ liệu xác nhận không hợp lệ; hãy tải tệp lên lại."
# What a preview can carry: one change per cell of a template, texts within a narrative's length.
MAX_CHANGES, MAX_KEY, MAX_TEXT = 20_000, 200, 200_000


def confirmed_changes(changes) -> list[tuple[str, str, int]] | None:
    """The preview's changes as signed: [key, text, version seen] each, else None. The key
    signs them, yet what a preview never writes (another shape, a version no column holds)
    is refused rather than trusted."""
    if not isinstance(changes, list) or len(changes) > MAX_CHANGES:
        return None
    entries = []
    for change in changes:
        if not (isinstance(change, list) and len(change) == 3):
            return None
        key, text, version = change
        if not (isinstance(key, str) and 0 < len(key) <= MAX_KEY and isinstance(text, str) and len(text) <= MAX_TEXT
                and type(version) is int and 0 <= version <= MAX_ID):
            return None
        try:
            parse_key(key)
        except ValueError:
            return None
        entries.append((key, text, version))
    return entries


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
        return upload_page(sub, 400, refused=UPLOAD_FORGED)
    if not isinstance(data, dict):
        return upload_page(sub, 400, refused=UPLOAD_FORGED)
    if data.get("s") != sub.id or data.get("u") != sub.unit_id:
        return upload_page(sub, 422, refused="Dữ liệu xác nhận thuộc báo cáo khác; hãy tải tệp lên lại.")
    entries = confirmed_changes(data.get("c"))
    if entries is None:
        return upload_page(sub, 400, refused=UPLOAD_FORGED)
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

from __future__ import annotations

import re

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..extensions import db
from ..htmx import is_fragment_request
from ..models import OrgUnit, Submission, SubmissionDocument
from ..permissions import section_or_404
from ..reporting.clock import format_clock, utcnow, vn_now, vn_today
from ..reporting.documents import DOC_TYPES, check_document
from ..reporting.keys import parse_key, text_key
from ..reporting.paste import check_pasted_totals, keep_prefilled, plan_paste
from ..reporting.rows import combine_series
from ..reporting.validation import carried_over, has_errors
from ..services.access import can_edit_submission, can_view_unit
from ..services.directives import carried_entries, list_directives, open_tasks_for_unit
from ..services.documents import add_document, change_document, remove_document, submission_document
from ..services.ids import get_row
from ..services.orgtree import series_units
from ..services.reorganisation import merger_links, predecessors_of, series_history
from ..services.rounds import (
    days_left,
    deadline_text,
    effective_deadline,
    open_rounds_of,
    round_label,
    round_template,
    status_counts,
    submitted_late,
)
from ..services.submission_page import (
    SECTION_STATES,
    build_page,
    derived_keys_for,
    dom_id,
    finding_id,
    quick_page,
    save_in_turn,
)
from ..services.submissions import (
    EXPLAIN_PREFIX,
    claim_revision,
    load_for_save,
    load_submission,
    move,
    own_submissions,
    plain_values,
    previous_submissions,
    previous_values,
    readable,
    save_values,
    stored_values,
    submission_history,
)
from ..services.trends import unit_trend
from . import bp
from .saved_reply import saved_reply


@bp.get("/")
@login_required
def home():
    if current_user.role == "admin":
        return redirect(url_for("admin.units"))
    context = {"owed": own_submissions(current_user.unit_id), "today": vn_today(),
               "deadline_text": deadline_text, "days_left": days_left, "round_label": round_label,
               "effective_deadline": effective_deadline, "tasks": open_tasks_for_unit(current_user.unit_id)}
    if current_user.role == "reviewer":
        rounds = open_rounds_of(current_user.unit_id)
        context.update(rounds=rounds, counts=status_counts([r.id for r in rounds]),
                       directives=[r for r in list_directives(current_user, "open") if r.directive.unit_id == current_user.unit_id])
        return render_template("home/reviewer.html", **context)
    return render_template("home/reporter.html", **context)


# --- The submission page (báo cáo của đơn vị) -----------------------------------------

def require_editable(submission: Submission) -> None:
    if not can_edit_submission(current_user, submission):
        abort(403)


def page_context(page, **extra):
    return dict(page=page, s=page.submission, t=page.template, round_label=round_label, dom_id=dom_id,
                finding_id=finding_id, section_states=SECTION_STATES, deadline_text=deadline_text, doc_types=DOC_TYPES,
                today=vn_today(), effective_deadline=effective_deadline, **extra)


@bp.get("/submissions/<int:submission_id>")
@login_required
def submission(submission_id: int):
    sub = load_submission(current_user, submission_id)
    page = build_page(sub, editable=can_edit_submission(current_user, sub))
    return render_template("entry/submission.html", **page_context(page, history=submission_history(sub.id),
                                                                   merger=merger_links(sub), trend=unit_trend(sub)))


@bp.get("/units/<int:unit_id>/history")
@login_required
def unit_history(unit_id: int):
    """A unit's reports with those of the units merged into it: its whole history."""
    unit = get_row(OrgUnit, unit_id)
    if unit is None or not can_view_unit(current_user, unit):
        abort(404)
    series = series_units([unit.id])[unit.id]
    return render_template("entry/unit_history.html", unit=unit, predecessors=predecessors_of(unit),
                           submissions=readable(current_user, series_history(series)), round_label=round_label)


def _seen_version(text: str | None) -> int | None:
    """The version the page showed ("0": no value yet); absent means no check. Anything
    else ("²", a 5,000-digit number) is a malformed request, not a version to compare."""
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 9):
        abort(400)
    return int(text)


def _names_a_cell(key: str) -> bool:
    try:
        parse_key(key)
    except ValueError:
        return False
    return True


def _entries_from_form() -> list[tuple[str, str, int | None]]:
    entries = []
    for name, text in request.form.items(multi=False):
        if not name.startswith("v."):
            continue
        key = name[2:]
        entries.append((key, text, _seen_version(request.form.get("ver." + key))))
    return entries


# The anchor a no-JS save returns to: a section's DOM id, nothing that could split the header.
_ANCHOR = re.compile(r"[A-Za-z0-9_-]{1,80}")


@bp.post("/submissions/<int:submission_id>/save")
@login_required
def save(submission_id: int):
    user = current_user._get_current_object()  # the user itself: each proxied read costs a lookup
    sub = load_for_save(user, submission_id)
    require_editable(sub)
    entries = _entries_from_form()
    if not entries:
        abort(400)
    single = is_fragment_request() and len(entries) == 1
    key = entries[0][0]
    # A key naming no cell ("I.2", "v.") has no section to answer for: the reply is its refusal.
    section_id = None if key.startswith(EXPLAIN_PREFIX) or not _names_a_cell(key) else key.split("/")[0]
    template = round_template(sub.round)
    outcome, stored, revision = save_in_turn(sub, template, entries, user, key, single)
    status = 409 if outcome.conflicts else (422 if outcome.errors else 200)
    if single:
        page = quick_page(sub, stored, section_id, key, template, revision=revision, errors=outcome.errors, conflicts=outcome.conflicts,
                          typed={k: v for k, v in outcome.typed.items() if k in outcome.errors or k in outcome.conflicts})
        try:
            section = page.template.section(section_id) if section_id else None
        except KeyError:
            section = None
        saved_at = format_clock(utcnow()) if status == 200 else None
        derived_keys = derived_keys_for(page.template, key) if section else []
        if status == 200 and section is not None and section.kind != "satisfaction":
            # The reply to nearly every keystroke: the page's markup, written out (saved_reply.py).
            body = saved_reply(dom_id(key), key, saved_at, page.version(key), revision,
                               [(dom_id(k), page.derived_text(k)) for k in derived_keys])
        else:
            body = render_template("entry/_saved.html", **page_context(
                page, key=key, section=section, saved_at=saved_at, derived_keys=derived_keys))
        response = make_response(body, status)
        if saved_at:
            response.headers["X-Saved-At"] = saved_at  # the page status reads the server's clock
        if outcome.saved and not key.startswith(EXPLAIN_PREFIX):
            response.headers["HX-Trigger"] = "submission-saved"
        return response
    if status == 200:
        flash(f"Đã lưu lúc {format_clock(vn_now())}." if outcome.saved else "Không có thay đổi nào.", "success")
        section_anchor = request.form.get("section", "")
        anchor = "#" + section_anchor if _ANCHOR.fullmatch(section_anchor) else ""
        return redirect(url_for("entry.submission", submission_id=sub.id) + anchor, code=303)
    page = build_page(load_submission(user, sub.id), editable=True, typed=outcome.typed, errors=outcome.errors,
                      conflicts=outcome.conflicts)
    if outcome.saved:
        flash(f"Đã lưu {len(outcome.saved)} ô; các ô đánh dấu đỏ chưa được lưu.", "warning")
    return render_template("entry/submission.html", **page_context(page)), status


@bp.get("/submissions/<int:submission_id>/checks")
@login_required
def checks(submission_id: int):
    """The rules' findings and section states, refreshed after autosaves settle."""
    sub = load_submission(current_user, submission_id)
    if not is_fragment_request():
        return redirect(url_for("entry.submission", submission_id=sub.id) + "#checks")
    page = build_page(sub, editable=can_edit_submission(current_user, sub))
    return render_template("entry/_checks_refresh.html", **page_context(page))


@bp.post("/submissions/<int:submission_id>/paste")
@login_required
def paste(submission_id: int):
    """A rectangular block copied from Excel, mapped by what was copied and saved in one
    request; when the mapping is not certain nothing is saved and a preview is shown."""
    sub = load_submission(current_user, submission_id)
    require_editable(sub)
    template = round_template(sub.round)
    text = request.form.get("text", "")
    try:
        section_id, row_code, column_id = parse_key(request.form.get("start", ""))
        section = template.section(section_id)
        plan = plan_paste(template, section_id, row_code, column_id, text, request.form.get("first") or None)
    except (ValueError, KeyError, StopIteration):
        abort(400)
    claim_revision(sub)
    stored = stored_values(sub.id)
    if plan.ambiguous:
        page = build_page(sub, editable=True, stored=stored)
        context = page_context(page, section=section, plan=plan, paste_text=text, paste_start=request.form["start"])
        template_name = "entry/_paste_status.html" if is_fragment_request() else "entry/submission.html"
        return render_template(template_name, **context)
    previous = previous_values(sub)
    keep_prefilled(plan, plain_values(stored), carried_over(template, previous) if previous else {})
    outcome = save_values(sub, template, [(k, v, None) for k, v in plan.entries], current_user, stored=stored)
    db.session.commit()
    errors = {**outcome.errors, **check_pasted_totals(template, plain_values(stored), plan.checks)}
    # One page build, after the save, on the values the save left in ``stored``.
    page = build_page(sub, editable=True, stored=stored, typed={k: outcome.typed[k] for k in outcome.errors},
                      errors=errors)
    status = 422 if errors else 200
    context = page_context(page, section=section, pasted=len(outcome.saved), paste_errors=errors, plan=plan)
    if is_fragment_request():
        return render_template("entry/_paste_result.html", **context), status
    return render_template("entry/submission.html", **context), status


@bp.post("/submissions/<int:submission_id>/submit")
@login_required
def submit(submission_id: int):
    sub = load_submission(current_user, submission_id)
    require_editable(sub)
    page = build_page(sub, editable=True)
    if has_errors(page.findings) or page.unexplained():
        problems = page.errors_count + len(page.unexplained())
        flash(f"Chưa nộp được: còn {problems} vấn đề cần xử lý (xem danh sách kiểm tra).", "error")
        return render_template("entry/submission.html", **page_context(page, submit_refused=True)), 422
    if page.followup and page.followup.prefill:
        # What the page showed from the unit's last report becomes this report's own word.
        save_values(sub, page.template, carried_entries(page.followup), current_user)
    move(sub, current_user, "submit")
    db.session.commit()
    late = submitted_late(sub)
    flash("Đã nộp báo cáo" + (" (sau hạn)." if late else " đúng hạn.") + " Báo cáo đã khóa; cấp trên sẽ xem và duyệt.", "success")
    return redirect(url_for("entry.submission", submission_id=sub.id), code=303)


@bp.get("/submissions/<int:submission_id>/previous-plans")
@login_required
def previous_plans(submission_id: int):
    """Last period's plans beside this period's results ("Lấy kế hoạch kỳ trước")."""
    sub = load_submission(current_user, submission_id)
    earlier = previous_submissions(sub)
    prev = earlier[0] if earlier else None
    page = build_page(sub, editable=can_edit_submission(current_user, sub))
    plans = []
    if prev is not None:
        # A unit formed by a merger finds each predecessor's plans, under its name.
        prev_values = combine_series([(p.unit.name, plain_values(stored_values(p.id))) for p in earlier])
        prev_template = round_template(prev.round)
        plans = [(s, prev_values[text_key(s.id)]) for s in prev_template.plan_sections() if prev_values.get(text_key(s.id))]
    context = page_context(page, prev=prev, plans=plans)
    if is_fragment_request():
        return render_template("entry/_previous_plans.html", **context)
    return render_template("entry/submission.html", show_plans=True, **context)


# --- Documents section rows (văn bản chỉ đạo, điều hành) --------------------------------

def _document_form() -> tuple[dict, dict]:
    return check_document({k: request.form.get(k) or "" for k in ("doc_type", "number", "issued_on", "summary")})


def _documents_response(sub, section_id, status=200, form_data=None, form_errors=None, editing=None):
    page = build_page(sub, editable=True)
    section = page.template.section(section_id)
    context = page_context(page, section=section, doc_form=form_data or {}, doc_errors=form_errors or {},
                           editing=editing)
    if is_fragment_request():
        response = make_response(render_template("entry/_documents.html", **context), status)
        if status == 200:  # a document's date may raise or settle a warning: the checks refresh
            response.headers["HX-Trigger"] = "submission-saved"
        return response
    if status == 200:
        return redirect(url_for("entry.submission", submission_id=sub.id) + f"#{dom_id(section_id)}", code=303)
    return render_template("entry/submission.html", **context), status


@bp.post("/submissions/<int:submission_id>/documents/<section_id>")
@login_required
def document_add(submission_id: int, section_id: str):
    sub = load_submission(current_user, submission_id)
    require_editable(sub)
    section_or_404(round_template(sub.round), section_id, "documents")
    data, errors = _document_form()
    if errors:
        return _documents_response(sub, section_id, 422, data, errors)
    add_document(sub, current_user, section_id, data)
    db.session.commit()
    return _documents_response(sub, section_id)


def _load_document(sub, document_id) -> SubmissionDocument:
    doc = submission_document(sub, document_id)
    if doc is None:
        abort(404)
    return doc


@bp.post("/submissions/<int:submission_id>/documents/<section_id>/<int:document_id>")
@login_required
def document_edit(submission_id: int, section_id: str, document_id: int):
    sub = load_submission(current_user, submission_id)
    require_editable(sub)
    section_or_404(round_template(sub.round), section_id, "documents")
    doc = _load_document(sub, document_id)
    if request.form.get("delete"):
        remove_document(sub, current_user, doc)
        db.session.commit()
        return _documents_response(sub, section_id)
    data, errors = _document_form()
    version = request.form.get("version", type=int)
    if version is not None and version != doc.version:
        errors["number"] = "Dòng này vừa được người khác sửa; tải lại trang để xem bản mới nhất."
    if errors:
        return _documents_response(sub, section_id, 409 if version != doc.version else 422, data, errors, editing=doc.id)
    change_document(sub, current_user, doc, data)
    db.session.commit()
    return _documents_response(sub, section_id)


@bp.get("/submissions/<int:submission_id>/documents/<section_id>")
@login_required
def documents(submission_id: int, section_id: str):
    sub = load_submission(current_user, submission_id)
    editing = request.args.get("edit", type=int)
    page = build_page(sub, editable=can_edit_submission(current_user, sub))
    section = section_or_404(page.template, section_id, "documents")
    context = page_context(page, section=section, doc_form={}, doc_errors={}, editing=editing)
    if is_fragment_request():
        return render_template("entry/_documents.html", **context)
    return render_template("entry/submission.html", **context)

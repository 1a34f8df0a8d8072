"""Reviewing one submission: read view, approve, return with comments, reopen, history, diff."""
from __future__ import annotations

import json

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..reporting.diff import diff_submissions
from ..reporting.lifecycle import TransitionRefused, refusal
from ..reporting.text import clean_text
from ..services.access import can_act_on_round
from ..services.report_pdf import latest_signed_for
from ..services.returns import latest_snapshot, return_with_comments
from ..services.rounds import deadline_text, round_label, round_template, submitted_late
from ..services.submission_page import SECTION_STATES, build_page, dom_id, finding_id
from ..services.submissions import load_for_action, load_for_review, move, snapshot_json, submission_history
from ..services.trends import unit_trend
from . import bp
from .board import after_review, queue_status


@bp.get("/submissions/<int:submission_id>")
def submission(submission_id: int):
    return review_page(submission_id)


def review_page(submission_id: int, status: int = 200, comment_errors: dict | None = None):
    sub = load_for_review(current_user, submission_id)
    page = build_page(sub, editable=False)
    snapshot = latest_snapshot(sub.id)
    changes = None
    if snapshot is not None and sub.status in ("submitted", "approved"):
        before = json.loads(snapshot.values_json)
        after = json.loads(snapshot_json(sub.id))
        changes = diff_submissions(page.template, before["values"], after["values"])
    history = submission_history(sub.id)
    return render_template("review/submission.html", page=page, s=sub, t=page.template, round_label=round_label,
                           dom_id=dom_id, finding_id=finding_id, section_states=SECTION_STATES,
                           deadline_text=deadline_text, late=submitted_late(sub), changes=changes, history=history,
                           comment_errors=comment_errors or {}, typed_comments=request.form,
                           queue=queue_status(sub), trend=unit_trend(sub), signed=latest_signed_for(sub),
                           can_act=can_act_on_round(current_user, sub.round)), status


@bp.post("/submissions/<int:submission_id>/approve")
def approve(submission_id: int):
    sub = load_for_action(current_user, submission_id)
    try:
        move(sub, current_user, "approve")
    except TransitionRefused as refused:
        flash(str(refused), "error")
        return redirect(url_for("review.submission", submission_id=sub.id), code=303)
    db.session.commit()
    flash(f"Đã duyệt báo cáo của {sub.unit.name}.", "success")
    return redirect(after_review(sub), code=303)


@bp.post("/submissions/<int:submission_id>/return")
def return_submission(submission_id: int):
    sub = load_for_action(current_user, submission_id)
    refused = refusal(sub.status, "return", sub.round.status)
    if refused:
        flash(refused, "error")
        return redirect(url_for("review.submission", submission_id=sub.id), code=303)
    template = round_template(sub.round)
    comments = {s.id: clean_text(request.form.get(f"comment.{s.id}")).strip() for s in template.sections}
    comments = {k: v for k, v in comments.items() if v}
    errors = {}
    if not comments:
        errors["_"] = "Ghi ý kiến cho ít nhất một mục cần sửa."
    for section_id, text in comments.items():
        if len(text) > 2000:
            errors[section_id] = "Ý kiến tối đa 2.000 ký tự."
    if errors:
        return review_page(sub.id, status=422, comment_errors=errors)
    return_with_comments(sub, current_user, comments)
    db.session.commit()
    flash(f"Đã trả lại báo cáo của {sub.unit.name} với {len(comments)} ý kiến.", "success")
    return redirect(after_review(sub), code=303)


@bp.post("/submissions/<int:submission_id>/reopen")
def reopen(submission_id: int):
    """An approved report goes back to 'submitted' so the reviewer can return or re-approve it."""
    sub = load_for_action(current_user, submission_id)
    try:
        move(sub, current_user, "reopen")
    except TransitionRefused:
        abort(409)
    db.session.commit()
    flash(f"Đã mở lại báo cáo của {sub.unit.name}.", "success")
    return redirect(url_for("review.submission", submission_id=sub.id), code=303)



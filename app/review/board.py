"""The progress board of a round, its review queue ("Duyệt lần lượt") and reminders."""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..htmx import render
from ..models import UNIT_KINDS
from ..reporting.clock import vn_today
from ..reporting.progress import (
    SORTS,
    TILES,
    BoardQuery,
    kind_choices,
    parent_choices,
    review_queue,
    select_rows,
    tile_counts,
)
from ..reporting.reminders import grouped_reminder, unit_reminder
from ..reporting.trends import signed_change
from ..services.access import can_act_on_round
from ..services.board import CHANNELS, load_progress, merged_in_round, record_reminders
from ..services.charts import board_charts, consolidated_charts
from ..services.errors import NotFound
from ..services.ids import parse_id
from ..services.rounds import deadline_text, load_round, load_round_to_act, round_events, round_label
from ..services.signing import signed_on_board
from . import bp


@bp.app_context_processor
def _chart_helpers() -> dict:
    """The consolidated page's charts are drawn by their own partial, which asks for its
    data only when it is included (the page itself is another helper's)."""
    return {"consolidated_charts": consolidated_charts, "signed_change": signed_change}


# Per-unit messages shown above the table; beyond that each row's "Nhắc" opens its own.
REMINDERS_SHOWN = 12


def _board_context(round_, query: BoardQuery) -> dict:
    today = vn_today()
    everything = load_progress(round_)
    rows = select_rows(everything, query, today)
    label = round_label(round_)
    owing = [r for r in rows if r.outstanding]
    return dict(
        round_=round_, can_act=can_act_on_round(current_user, round_), rows=rows, everything=everything, query=query, round_events=round_events(round_.id), counts=tile_counts(everything, today),
        tiles=TILES, sorts=SORTS, kinds=kind_choices(everything), parents=parent_choices(everything),
        queue_size=len(review_queue(everything, query, today)), today=today, round_label=round_label,
        deadline_text=deadline_text, channels=CHANNELS, kind_labels=UNIT_KINDS, reminders_shown=REMINDERS_SHOWN,
        reminder=grouped_reminder(everything, title=round_.title, period_label=label, sender=round_.unit.name,
                                  deadline=round_.deadline, today=today, total=len(everything)),
        unit_reminders=[unit_reminder(r, period_label=label, sender=round_.unit.name, today=today)
                        for r in owing[:REMINDERS_SHOWN]],
        owing=len(owing), outstanding=sum(1 for r in everything if r.outstanding),
        charts=board_charts(round_, everything, today),
        signed=signed_on_board(round_.id),
        merged=merged_in_round(round_),
    )


@bp.get("/<int:round_id>")
def board(round_id: int):
    round_ = load_round(current_user, round_id)
    return render("review/board.html", "review/_board.html", **_board_context(round_, BoardQuery.from_args(request.args)))


def queue_query(text: str | None) -> BoardQuery | None:
    """The board query a review queue walks, carried as one encoded parameter ``queue``."""
    if text is None:
        return None
    return BoardQuery.from_args(dict(parse_qsl(text)))


@bp.get("/<int:round_id>/queue")
def queue(round_id: int):
    """The next report waiting for review in the board's filter and order, or "đã duyệt hết"."""
    round_ = load_round(current_user, round_id)
    query = BoardQuery.from_args(request.args)
    waiting = review_queue(load_progress(round_), query, vn_today())
    if waiting:
        return redirect(url_for("review.submission", submission_id=waiting[0].submission_id,
                                queue=query.query_string()), code=303)
    return render_template("review/queue_done.html", round_=round_, query=query, round_label=round_label,
                           skipped=len(query.skipped))


def queue_status(sub) -> dict | None:
    """For the review page: where the reviewer is in the queue, and the links around it."""
    query = queue_query(request.values.get("queue"))
    if query is None:
        return None
    waiting = review_queue(load_progress(sub.round), query, vn_today())
    skip = query.params(skipped=query.skipped + (sub.id,))
    return {"query": query, "encoded": query.query_string(), "remaining": len(waiting),
            "skip_url": url_for("review.queue", round_id=sub.round_id, **skip),
            "board_url": url_for("review.board", round_id=sub.round_id, **query.params(skipped=()))}


def after_review(sub) -> str:
    """Where approving or returning leads: the next report of the queue, else the board."""
    query = queue_query(request.values.get("queue"))
    if query is None:
        return url_for("review.board", round_id=sub.round_id)
    return url_for("review.queue", round_id=sub.round_id, **query.params())


@bp.get("/<int:round_id>/reminders/<int:submission_id>")
def unit_reminder_page(round_id: int, submission_id: int):
    """One unit's SMS reminder in both forms, opened from its row of the board."""
    round_ = load_round(current_user, round_id)
    row = next((r for r in load_progress(round_) if r.submission_id == submission_id), None)
    if row is None:
        raise NotFound()
    query = BoardQuery.from_args(request.args)
    return render_template("review/unit_reminder.html", round_=round_, query=query, round_label=round_label,
                           can_act=can_act_on_round(current_user, round_),
                           ur=unit_reminder(row, period_label=round_label(round_), sender=round_.unit.name,
                                            today=vn_today()))


@bp.post("/<int:round_id>/reminders")
def remind(round_id: int):
    """Record "đã nhắc" for the units ticked (or the one button pressed), then back to the board."""
    round_ = load_round_to_act(current_user, round_id)
    ids = [i for i in map(parse_id, request.form.getlist("submission_id")) if i is not None]
    channel = request.form.get("channel", "")
    count = record_reminders(round_, ids, current_user, channel)
    db.session.commit()
    if count:
        flash(f"Đã ghi nhận nhắc {count} đơn vị{' qua ' + CHANNELS[channel] if channel in CHANNELS else ''}.", "success")
    else:
        flash("Chưa chọn đơn vị nào để ghi nhận đã nhắc.", "warning")
    query = queue_query(request.form.get("board", ""))
    return redirect(url_for("review.board", round_id=round_.id, **query.params()) + "#reminders", code=303)

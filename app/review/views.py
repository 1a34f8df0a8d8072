from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..htmx import is_fragment_request, render
from ..models import OrgUnit, SubmissionValue
from ..permissions import section_or_404
from ..reporting.clock import format_day, vn_today
from ..reporting.consolidation import breakdown as unit_breakdown
from ..reporting.consolidation import is_consolidated_key
from ..reporting.drilldown import SORTS as DRILLDOWN_SORTS
from ..reporting.drilldown import cell_label, drilldown
from ..reporting.keys import figures_part
from ..reporting.periods import (
    add_working_days,
    adhoc_period,
    default_deadline,
    due_period,
    make_period,
    period_label,
    window_label,
)
from ..services.access import admin_scope_path, can_act_on_round
from ..services.consolidation import (
    TEXT_KINDS,
    already_inserted,
    figure_choices,
    figure_choices_missing,
    included_states,
    load_consolidation,
    load_inputs,
    received_proposals,
    resolve_stale_figures,
    round_documents,
    round_readiness,
    round_text,
    save_round_text,
    section_suggestion,
    submit_upward,
    upward_submission,
)
from ..services.drilldown import cell_by_unit
from ..services.errors import Invalid
from ..services.orgtree import active_children, units_in_scope
from ..services.report_pdf import consolidation_ref, signed_state
from ..services.report_templates import available_templates
from ..services.rounds import (
    RoundProblem,
    close_round,
    days_left,
    deadline_text,
    default_expected_units,
    load_round,
    load_round_to_act,
    load_round_to_run,
    open_round,
    reopen_round,
    round_label,
    round_tallies,
    round_template,
    rounds_in_scope,
)
from ..services.submission_page import dom_id
from ..services.trends import store_round_totals
from ..services.workdays import non_working_warning, work_calendar
from . import bp
from .consolidated import consolidated_page
from .forms import YEARS, RoundForm

INDEX_CHOICES = {
    "month": [(m, f"Tháng {m}") for m in range(1, 13)],
    "quarter": [(1, "Quý I"), (2, "Quý II"), (3, "Quý III"), (4, "Quý IV")],
    "half": [(1, "6 tháng đầu năm"), (2, "6 tháng cuối năm")],
    "nine_months": [(1, "9 tháng đầu năm")],
    "year": [(1, "Cả năm")],
    "adhoc": [(0, "Đột xuất (chọn ngày)")],
}


def override(field, value) -> None:
    """Replace what the browser sent: WTForms shows the submitted text over ``data``."""
    field.data = value
    field.raw_data = None


def reviewer_units() -> list[OrgUnit]:
    """Units a reviewer may open rounds for: its own unit; for an administrator, the
    provinces and districts of its scope."""
    if current_user.role == "admin":
        return units_in_scope(admin_scope_path(current_user), kinds=("central", "province", "district"))
    return [current_user.unit]


@bp.get("/")
def rounds():
    scope = admin_scope_path(current_user) if current_user.role == "admin" else current_user.unit.path
    items = rounds_in_scope(scope)
    return render_template("review/rounds.html", rounds=items, tallies=round_tallies([r.id for r in items]),
                           today=vn_today(), deadline_text=deadline_text, days_left=days_left, round_label=round_label)


def proposed_deadline(period, today, calendar) -> tuple:
    """The period's deadline by the rule (working days after the cut-off, holidays skipped);
    when that day has passed, a date from today instead, and a note saying so."""
    rule = default_deadline(period, holidays=calendar)
    if rule >= today:
        return rule, ""
    fresh = add_working_days(today, 3, calendar)
    return fresh, (f"Hạn theo quy định của kỳ này ({format_day(rule)}) đã qua; đề xuất hạn mới "
                   f"{format_day(fresh)} (3 ngày làm việc kể từ hôm nay).")


@bp.route("/new", methods=["GET", "POST"])
def round_new():
    units = reviewer_units()
    if not units:
        abort(404)
    unit_id = request.values.get("unit_id", type=int) or units[0].id
    unit = next((u for u in units if u.id == unit_id), None)
    if unit is None:
        abort(404)
    # The templates serving this unit: its own administrators' versions, else the nearest above it.
    templates = available_templates(unit)
    # The GET refresh carries no token; a POST follows the app's CSRF setting (CSRFProtect checks it too).
    form = RoundForm(request.form if request.method == "POST" else request.args,
                               meta={} if request.method == "POST" else {"csrf": False})
    form.template.choices = [(code, t.title) for code, t in templates.items()]
    template = templates.get(form.template.data) or next(iter(templates.values()))
    form.template.data = template.code
    form.index.choices = INDEX_CHOICES[template.frequency]
    today = vn_today()
    calendar = work_calendar(today, unit)
    # A changed template brings its own period and deadline defaults, not the old ones.
    template_changed = request.values.get("shown_template", template.code) != template.code
    if template.frequency != "adhoc":
        suggested = due_period(template.frequency, today, template.period_convention, calendar)
        if (form.year.data is None and not form.year.raw_data) or template_changed:
            override(form.year, suggested.year)
        if template_changed or not form.index.data or form.index.data not in dict(form.index.choices):
            override(form.index, suggested.index)
    candidates = active_children(unit)
    form.units.choices = [(u.id, u.name) for u in candidates]
    period = None
    try:
        if template.frequency == "adhoc":
            if form.date_from.data and form.date_to.data:
                period = adhoc_period(form.date_from.data, form.date_to.data)
        elif form.year.data is not None and YEARS[0] <= form.year.data <= YEARS[1]:
            # An absurd year is the form's own error to show; no period is computed from it.
            period = make_period(template.frequency, form.year.data, form.index.data, template.period_convention)
    except (ValueError, TypeError, OverflowError) as exc:
        form.index.errors = list(form.index.errors) + [str(exc)]
    submitting = request.method == "POST" and request.form.get("action") == "open"
    auto_deadline, deadline_note = proposed_deadline(period, today, calendar) if period else (None, "")
    if not submitting:
        # Keep a deadline the reviewer typed; replace one we proposed for another period.
        if period and (not form.deadline.data or template_changed
                       or (form.deadline.data and form.deadline.data.isoformat() == request.values.get("auto_deadline"))):
            override(form.deadline, auto_deadline)
        if not form.units.data:
            form.units.data = [u.id for u in default_expected_units(unit, template)]
    elif form.validate() and period is not None:
        chosen = [u for u in candidates if u.id in set(form.units.data or [])]
        try:
            round_ = open_round(unit=unit, template=template, period=period, deadline=form.deadline.data,
                                expected=chosen, instructions=(form.instructions.data or "").strip(), opened_by=current_user,
                                today=today)
        except RoundProblem as problem:
            getattr(form, problem.field if problem.field in ("deadline", "units") else "index").errors.append(problem.message)
        else:
            db.session.commit()
            flash(f"Đã mở đợt báo cáo {round_label(round_)} cho {len(chosen)} đơn vị.", "success")
            off_day = non_working_warning(round_.deadline, calendar)
            if off_day:
                flash(off_day, "warning")
            return redirect(url_for("review.board", round_id=round_.id), code=303)
    elif period is None and template.frequency == "adhoc":
        form.date_to.errors = list(form.date_to.errors) + ["Chọn ngày bắt đầu và kết thúc của kỳ đột xuất."]
    status = 422 if submitting else 200
    typed_off_day = non_working_warning(form.deadline.data if isinstance(form.deadline.data, date) else None, calendar)
    return render("review/round_new.html", "review/_round_form.html", status=status, form=form, units=units,
                  deadline_warning=typed_off_day,
                  unit=unit, period=period, template=template, period_label=period_label, window_label=window_label,
                  deadline_note=deadline_note if form.deadline.data == auto_deadline else "",
                  auto_deadline=form.deadline.data if not submitting else request.values.get("auto_deadline"))


@bp.post("/<int:round_id>/status")
def round_status(round_id: int):
    round_ = load_round_to_run(current_user, round_id)
    board_url = url_for("review.board", round_id=round_.id)
    if round_.status == "open":
        close_round(round_, current_user)
        store_round_totals(round_)
    else:
        try:
            reopen_round(round_, current_user, request.form.get("reason"))
        except Invalid as problem:
            flash(problem.message, "error")
            return redirect(board_url, code=303)
    db.session.commit()
    flash("Đã đóng đợt báo cáo." if round_.status == "closed" else "Đã mở lại đợt báo cáo.", "success")
    return redirect(board_url, code=303)


@bp.get("/<int:round_id>/consolidated")
def consolidated(round_id: int):
    return consolidated_page(load_round(current_user, round_id))


@bp.get("/<int:round_id>/contributions")
def contributions(round_id: int):
    """Each unit's part of one consolidated cell, with its share and a link to it; sortable."""
    round_ = load_round(current_user, round_id)
    key = request.args.get("key", "")
    template = round_template(round_)
    if not is_consolidated_key(template, key):
        abort(404)
    provisional = request.args.get("provisional") == "1"
    raw_sort = request.args.get("sort", "order")
    sort, descending = raw_sort.lstrip("-"), raw_sort.startswith("-")
    values, submission_of = cell_by_unit(round_, template, key, included_states(provisional))
    parts, total = drilldown(values, sort if sort in DRILLDOWN_SORTS else "order", descending)
    anchor = ("msg-" if template.key_kind(key) in ("count", "score") else "") + dom_id(key)
    return render("review/contributions.html", "review/_contributions.html", round_=round_, key=key,
                  label=cell_label(template, key), parts=parts, total=total, sort=sort, descending=descending,
                  sorts=DRILLDOWN_SORTS, provisional=provisional, anchor=anchor,
                  submission_of=submission_of)


@bp.get("/<int:round_id>/breakdown/<section_id>")
def breakdown(round_id: int, section_id: str):
    """One row per unit with its totals for a table, loaded when the reviewer opens it."""
    round_ = load_round(current_user, round_id)
    template = round_template(round_)
    section = section_or_404(template, section_id, "table")
    include_submitted = request.args.get("provisional") == "1"
    _, _, inputs = load_inputs(round_, included_states(include_submitted),
                               only=SubmissionValue.key.startswith(section_id + "/"))
    rows = unit_breakdown(template, inputs)[section_id]
    return render("review/breakdown.html", "review/_breakdown.html", round_=round_, section=section, rows=rows,
                  include_submitted=include_submitted)


def mode_args() -> dict:
    """The page's mode (approved only, or provisional) carried to the links it offers."""
    return {"provisional": 1} if request.args.get("provisional") == "1" else {}


def _text_section(round_, section_id: str):
    section = section_or_404(round_template(round_), section_id)
    if section.kind not in TEXT_KINDS:
        abort(404)
    return section


@bp.post("/<int:round_id>/narratives/<section_id>")
def round_narrative(round_id: int, section_id: str):
    """The reviewer's own consolidated text for a section, autosaved like data entry;
    ``append=1`` adds the posted text (a suggestion group) after the stored one."""
    # The consolidated text is the round owner's reviewers' act (or the admin's); others read.
    round_ = load_round_to_act(current_user, round_id)
    section = _text_section(round_, section_id)
    append = request.form.get("append") == "1"
    if append and request.form.get("confirm") != "1":
        # Without JavaScript nothing asked before this post: a line already in the text is
        # inserted again only after the reviewer confirms it.
        repeated = already_inserted(round_, section_id, request.form.get("text"))
        if repeated:
            text = request.form.get("text", "")
            fresh = "\n".join(line for line in text.splitlines() if line.strip() and line not in repeated)
            return render_template("review/insert_confirm.html", round_=round_, section=section, repeated=repeated,
                                   text=text, fresh=fresh, include_submitted=request.args.get("provisional") == "1")
    saved = save_round_text(round_, section_id, request.form.get("text"), request.form.get("version", type=int),
                            append=append)
    message = "Đã chèn gợi ý vào nội dung tổng hợp." if append else "Đã lưu nội dung tổng hợp."
    return _text_saved(round_, section, saved, message, redirect_anyway=append)


@bp.post("/<int:round_id>/figures/<section_id>")
def round_figures_text(round_id: int, section_id: str):
    """The reviewer's edit of a section's figures written out; the same text as the one
    generated (``basis``), or an empty one, returns the part to following the figures."""
    round_ = load_round_to_act(current_user, round_id)
    section = _text_section(round_, section_id)
    saved = save_round_text(round_, figures_part(section_id), request.form.get("text"),
                            request.form.get("version", type=int), basis=request.form.get("basis", ""))
    message = "Đã lưu phần số liệu." if saved.row else "Phần số liệu theo lại số liệu tự động."
    return _text_saved(round_, section, saved, message, box=section_id.replace(".", "-") + "-f")


def _text_saved(round_, section, saved, message: str, *, box: str | None = None, redirect_anyway: bool = False):
    """An autosave gets the box's message line; a plain form post (or an insert from the
    suggestion, which changes the box itself) goes back to the section with a flash."""
    if not is_fragment_request() or redirect_anyway:
        flash(message if saved.status == 200 else saved.error, "success" if saved.status == 200 else "error")
        return redirect(url_for("review.consolidated", round_id=round_.id, **mode_args())
                        + f"#{section.id.replace('.', '-')}", code=303)
    extra = {"box": box, "reset": saved.row is None} if box else {}
    return render_template("review/_round_narrative_saved.html", section=section, stored=saved.row,
                           error=saved.error, **extra), saved.status


@bp.get("/<int:round_id>/documents/<section_id>")
def documents(round_id: int, section_id: str):
    """Every included unit's documents of a section: a province's run to thousands of rows,
    so the consolidated page counts them and loads the list when opened."""
    round_ = load_round(current_user, round_id)
    section = section_or_404(round_template(round_), section_id, "documents")
    include_submitted = request.args.get("provisional") == "1"
    docs = round_documents(round_, section_id, include_submitted)
    return render("review/documents.html", "review/_documents.html", round_=round_, section=section, docs=docs,
                  include_submitted=include_submitted)


@bp.get("/<int:round_id>/suggestions/<section_id>")
def suggestion(round_id: int, section_id: str):
    """The grouped suggestion for one section, loaded when the reviewer opens it."""
    round_ = load_round(current_user, round_id)
    section = _text_section(round_, section_id)
    include_submitted = request.args.get("provisional") == "1"
    found = section_suggestion(round_, section_id, include_submitted)
    written = round_text(round_, section_id)
    reviewer_text = written.text if written is not None else ""
    return render("review/suggestion.html", "review/_suggestion.html", round_=round_, section=section,
                  suggestion=found, include_submitted=include_submitted, inserted=found.inserted(reviewer_text),
                  notices_inserted=found.notices_inserted(reviewer_text),
                  received=received_proposals(round_, section_id, include_submitted),
                  may_write=can_act_on_round(current_user, round_))


@bp.route("/<int:round_id>/upward", methods=["GET", "POST"])
def upward(round_id: int):
    """"Nộp lên cấp trên": the consolidation becomes this unit's submission in the parent
    round, after a page that lists what the report lacks; nothing is sent until confirmed."""
    round_ = load_round_to_act(current_user, round_id) if request.method == "POST" else load_round(current_user, round_id)
    # Sending upward speaks for the round's own unit: only its own reviewers do it.
    if round_.unit_id != current_user.unit_id:
        abort(403)
    target = upward_submission(round_)
    if target is None:
        abort(404)
    readiness = round_readiness(round_)
    choices = figure_choices(request.form)
    if request.method == "GET" or request.form.get("confirm") != "1":
        return render_template("review/upward.html", round_=round_, upward=target, round_label=round_label,
                               readiness=readiness, choices=choices,
                               signed_state=signed_state(consolidation_ref(round_)))
    # One number per figure: an edited figure text gone stale needs the reviewer's choice first.
    unchosen = figure_choices_missing(readiness, choices)
    if unchosen and not target.locked:
        return render_template("review/upward.html", round_=round_, upward=target, round_label=round_label,
                               readiness=readiness, choices=choices, unchosen=unchosen,
                               signed_state=signed_state(consolidation_ref(round_))), 422
    resolve_stale_figures(round_, readiness, choices, current_user)
    problems = submit_upward(load_consolidation(round_), target, current_user)
    if problems:
        db.session.rollback()
        for problem in problems[:5]:
            flash(problem, "error")
        return redirect(url_for("review.upward", round_id=round_.id), code=303)
    db.session.commit()
    flash(f"Đã nộp báo cáo tổng hợp lên {target.round.unit.name}.", "success")
    return redirect(url_for("entry.submission", submission_id=target.id), code=303)
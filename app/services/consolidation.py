"""Loading a round's submissions as plain data for the domain's consolidation.

A fixed number of queries whatever the number of units: submissions with their units,
all their values (or the sums by kind of unit and the values read per unit), all their
documents; and the same period last year and the previous period, for the comparisons
the figure sentences make.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..models import (
    OrgUnit,
    ReportingRound,
    RoundEvent,
    RoundNarrative,
    Submission,
    SubmissionDocument,
    SubmissionValue,
)
from ..reporting.clock import utcnow
from ..reporting.consolidation import Consolidation, UnitInput, breakdown, consolidate, kind_class, measured_keys
from ..reporting.figures import Comparison, coverage_sentence, figure_text, lower_first, write_figures
from ..reporting.keys import EXPLAIN_PREFIX, field_key, figures_part, note_key, text_key
from ..reporting.numbers import format_count
from ..reporting.periods import Period, period_label, previous_period
from ..reporting.rows import combine_series, fold_unknown_rows
from ..reporting.synthesis import Suggestion, overdue_units, repeated_lines, suggest
from ..reporting.templates import ReportTemplate
from ..reporting.text import CONSOLIDATED_TEXT_LIMIT, clean_text
from ..reporting.validation import validate
from .directives import DirectiveConsolidation, round_followup, upward_followup_values
from .errors import NotFound
from .orgtree import series_units, unit_order
from .rounds import parent_round_for, round_label, round_period, round_template, submitted_late
from .submissions import display, move, plain_values, save_values, stored_values


@dataclass
class RoundConsolidation:
    round: ReportingRound
    template: ReportTemplate
    result: Consolidation
    submissions: list[Submission]
    included: list[Submission]
    narratives: dict[str, RoundNarrative]
    include_submitted: bool
    followup: list[DirectiveConsolidation] = field(default_factory=list)  # directive tasks, per directive


def included_states(include_submitted: bool) -> tuple[str, ...]:
    return ("approved", "submitted") if include_submitted else ("approved",)


def _round_submissions(round_: ReportingRound) -> list[Submission]:
    """The round's submissions, less those closed by a merger (their unit reports within its successor's)."""
    return db.session.scalars(
        select(Submission).join(Submission.unit).options(joinedload(Submission.unit))
        .where(Submission.round_id == round_.id, Submission.status != "merged").order_by(*unit_order())
    ).all()


def _included_ids(round_: ReportingRound, states: tuple[str, ...]):
    """A subquery, not a list of ids: the statement stays the same size for 1,000 units."""
    return select(Submission.id).where(Submission.round_id == round_.id, Submission.status.in_(states))


def _documents(round_: ReportingRound, states: tuple[str, ...]) -> dict[int, list[dict]]:
    documents: dict[int, list[dict]] = defaultdict(list)
    for doc in db.session.scalars(
        select(SubmissionDocument).where(SubmissionDocument.submission_id.in_(_included_ids(round_, states)))
        .order_by(SubmissionDocument.position, SubmissionDocument.id)
    ):
        documents[doc.submission_id].append({"section_id": doc.section_id, "doc_type": doc.doc_type, "number": doc.number,
                                             "issued_on": doc.issued_on, "summary": doc.summary})
    return documents


def _unit_values(round_: ReportingRound, states: tuple[str, ...], only=None) -> dict[int, dict]:
    values: dict[int, dict] = defaultdict(dict)
    stmt = (select(SubmissionValue.submission_id, SubmissionValue.key, SubmissionValue.int_value, SubmissionValue.text_value)
            .where(SubmissionValue.submission_id.in_(_included_ids(round_, states))))
    if only is not None:
        stmt = stmt.where(only)
    # Core rows, not ORM objects: a 1,000-unit round holds ~170,000 values.
    for sid, key, number, text in db.session.connection().execute(stmt):
        if not key.startswith(EXPLAIN_PREFIX):
            value = number if text is None else text
            if value is not None:
                values[sid][key] = value
    return values


def load_inputs(round_: ReportingRound, states: tuple[str, ...], only=None) -> tuple[
        list[Submission], list[Submission], list[UnitInput]]:
    """Every included unit's values (or those matching ``only``), in a fixed number of queries."""
    submissions = _round_submissions(round_)
    included = [s for s in submissions if s.status in states]
    values = _unit_values(round_, states, only)
    documents = _documents(round_, states)
    inputs = [UnitInput(s.unit_id, s.unit.name, values[s.id], documents[s.id], provisional=s.status != "approved",
                        kind=s.unit.kind)
              for s in included]
    return submissions, included, inputs


def _summed_counts(round_: ReportingRound, states: tuple[str, ...], unit_ids=None) -> tuple[
        dict[str, int], dict[str, dict[str, int]]]:
    """The counts summed by the database, in total and per kind class of unit (one query);
    ``unit_ids``: only those units' reports (a like-for-like comparison)."""
    stmt = (select(OrgUnit.kind, SubmissionValue.key, func.sum(SubmissionValue.int_value))
            .join(Submission, Submission.id == SubmissionValue.submission_id).join(OrgUnit, OrgUnit.id == Submission.unit_id)
            .where(Submission.round_id == round_.id, Submission.status.in_(states), SubmissionValue.int_value.is_not(None)))
    if unit_ids is not None:
        stmt = stmt.where(Submission.unit_id.in_(sorted(unit_ids)))
    rows = db.session.execute(stmt.group_by(OrgUnit.kind, SubmissionValue.key))
    total: dict[str, int] = {}
    by_kind: dict[str, dict[str, int]] = defaultdict(dict)
    for kind, key, amount in rows:
        part = by_kind[kind_class(kind)]
        part[key] = part.get(key, 0) + int(amount)
        total[key] = total.get(key, 0) + int(amount)
    return total, dict(by_kind)


def load_consolidation(round_: ReportingRound, include_submitted: bool = False, per_unit: bool = False,
                       texts: bool = True) -> RoundConsolidation:
    """The round's consolidation. By default the database sums the counts and only texts,
    survey fields and measured indicators are read per unit; ``per_unit`` reads every value
    of every unit, for the per-unit breakdown, contributions and exports. ``texts=False``
    leaves the units' texts out (the consolidated page loads them per section)."""
    template = round_template(round_)
    states = included_states(include_submitted)
    summed = by_kind = None
    if per_unit:
        submissions, included, inputs = load_inputs(round_, states)
    else:
        read = [f"{s.id}/{f.id}" for s in template.sections_of("satisfaction") for f in s.fields]
        read += measured_keys(template)
        only = SubmissionValue.key.in_(read)
        if texts:
            only = or_(SubmissionValue.text_value.is_not(None), only)
        submissions, included, inputs = load_inputs(round_, states, only=only)
        summed, by_kind = _summed_counts(round_, states)
    included_ids = {s.id for s in included}
    missing = [s.unit.name for s in submissions if s.id not in included_ids]
    result = consolidate(template, inputs, missing=missing, summed=summed, summed_by_kind=by_kind)
    narratives = round_texts(round_)
    followup = round_followup(round_, template, submissions, included)
    return RoundConsolidation(round_, template, result, submissions, included, narratives, include_submitted, followup)


def _round_of(unit_id: int, template_code: str, period: Period) -> ReportingRound | None:
    return db.session.scalar(
        select(ReportingRound).where(
            ReportingRound.unit_id == unit_id, ReportingRound.template_code == template_code,
            ReportingRound.period_kind == period.kind, ReportingRound.period_year == period.year,
            ReportingRound.period_index == period.index,
        ).order_by(ReportingRound.id.desc()).limit(1)
    )


def earlier_periods(period: Period) -> tuple[Period | None, Period | None]:
    """The same period last year and the previous period (None for an ad hoc period)."""
    if period.kind == "adhoc":
        return None, None
    return Period(period.kind, period.year - 1, period.index, period.date_from, period.date_to), previous_period(period)


def _add_sums(into: tuple[dict, dict], more: tuple[dict, dict]) -> None:
    summed, by_kind = into
    for key, amount in more[0].items():
        summed[key] = summed.get(key, 0) + amount
    for kind, part in more[1].items():
        mine = by_kind.setdefault(kind, {})
        for key, amount in part.items():
            mine[key] = mine.get(key, 0) + amount


def round_comparisons(round_: ReportingRound, rc: RoundConsolidation | None = None) -> tuple[
        Comparison | None, Comparison | None, list[str]]:
    """The same period last year and the previous period, like for like (design §8), and
    a line for each comparison left out and why.

    A comparison is made over the units present in both periods (a unit formed by a merger
    stands for its predecessors): over all of them when the two periods cover the same
    units; over the common ones, said so ("cùng 47 đơn vị"), when they are at least half of
    this period's units; not at all below half. The consolidating unit's own earlier rounds
    (its predecessors' after a merger) are summed by the database, a fixed number of queries."""
    found: list[Comparison | None] = []
    notes: list[str] = []
    series = sorted(series_units([round_.unit_id])[round_.unit_id], key=lambda u: u != round_.unit_id)
    states = included_states(rc.include_submitted) if rc is not None else ("approved",)
    current = [s.unit_id for s in rc.included] if rc is not None else None
    histories: dict[int, set[int]] = {}
    for period, label in zip(earlier_periods(round_period(round_)), ("year", "previous")):
        rounds = [r for r in (_round_of(u, round_.template_code, period) for u in series) if r] if period else []
        if not rounds:
            found.append(None)
            continue
        name = str(period.year) if label == "year" else round_label(rounds[0])
        if current and not histories:
            histories = series_units(current)  # successors stand for their predecessors
        before = set(db.session.scalars(select(Submission.unit_id).where(
            Submission.round_id.in_([r.id for r in rounds]), Submission.status == "approved")))
        common = [u for u in current or () if histories[u] & before]
        restricted = current is not None and (
            len(common) != len(current) or bool(before - set().union(*(histories[u] for u in common))))
        if current is not None and 2 * len(common) < len(current):
            found.append(None)
            what = f"cùng kỳ năm {period.year}" if label == "year" else lower_first(name)
            notes.append(f"Không so sánh với {what}: chỉ {format_count(len(common))}/{format_count(len(current))} "
                         "đơn vị có số liệu ở cả hai kỳ, chưa đến một nửa")
            continue
        keep = set().union(*(histories[u] for u in common)) & before if restricted else None
        then: tuple[dict, dict] = ({}, {})
        for r in rounds:
            _add_sums(then, _summed_counts(r, ("approved",), keep))
        result = consolidate(round_template(rounds[0]), [], summed=then[0], summed_by_kind=then[1])
        if not restricted:
            found.append(Comparison(result, name))
            continue
        now = _summed_counts(round_, states, common)
        same = f"cùng {format_count(len(common))} đơn vị"
        found.append(Comparison(result, f"{name} ({same})" if label == "year" else f"{same} {lower_first(name)}",
                                now=consolidate(rc.template, [], summed=now[0], summed_by_kind=now[1]),
                                units=len(common)))
    return found[0], found[1], notes


def round_figures(rc: RoundConsolidation) -> dict[str, tuple[str, ...]]:
    """The consolidation's figures written out, with the comparisons when the rounds exist."""
    return figures_and_notes(rc)[0]


def figures_and_notes(rc: RoundConsolidation) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """The figures written out and the lines saying which comparison was left out and why."""
    last_year, previous, notes = round_comparisons(rc.round, rc)
    return write_figures(rc.result, period_label=round_label(rc.round), last_year=last_year, previous=previous), notes


def submission_figures(sub: Submission, result: Consolidation) -> dict[str, tuple[str, ...]]:
    """One unit's own report written out, compared with its own earlier submissions."""
    template = result.template
    found = []
    # A unit formed by a merger is compared with its predecessors' reports, summed.
    series = series_units([sub.unit_id])[sub.unit_id]
    for period, label in zip(earlier_periods(round_period(sub.round)), ("year", "previous")):
        earlier = [] if period is None else db.session.scalars(
            select(Submission).join(Submission.round).options(joinedload(Submission.unit)).where(
                Submission.unit_id.in_(series), ReportingRound.template_code == sub.round.template_code,
                ReportingRound.period_kind == period.kind, ReportingRound.period_year == period.year,
                ReportingRound.period_index == period.index, Submission.status.in_(("submitted", "approved")),
            )).all()
        if not earlier:
            found.append(None)
            continue
        values = combine_series([(e.unit.name, plain_values(stored_values(e.id))) for e in earlier])
        found.append(Comparison(consolidate(template, [UnitInput(sub.unit_id, sub.unit.name, values, kind=sub.unit.kind)]),
                                str(period.year) if label == "year" else period_label(period)))
    return write_figures(result, period_label=round_label(sub.round), single=True, last_year=found[0], previous=found[1])


def coverage_text(rc: RoundConsolidation) -> str:
    """"Báo cáo tổng hợp từ 25/27 đơn vị; 2 đơn vị chưa báo cáo: …" for this view's mode."""
    included = {s.id for s in rc.included}
    left_out = [s for s in rc.submissions if s.id not in included and s.status == "submitted"]
    not_reported = [s.unit.name for s in rc.submissions if s.id not in included and s.status != "submitted"]
    return coverage_sentence(len(rc.included), len(rc.submissions), not_reported,
                             provisional=len(rc.result.provisional_units), left_out=len(left_out))


def upward_submission(round_: ReportingRound) -> Submission | None:
    """The consolidating unit's own submission in its parent's round of the same template and period."""
    parent = parent_round_for(round_.unit, round_.template_code, round_period(round_))
    if parent is None:
        return None
    return db.session.scalar(select(Submission).where(Submission.round_id == parent.id, Submission.unit_id == round_.unit_id))


def consolidated_values(rc: RoundConsolidation) -> dict[str, int | str]:
    """The numbers summed and, per section, the reviewer's text: a narrative's as the
    narrative, the text after a section's figures as that section's note (thuyết minh)."""
    values = rc.result.as_submission()
    for section_id, narrative in rc.narratives.items():
        if narrative.basis is not None:  # an edited figure part: the numbers travel as numbers
            continue
        try:
            kind = rc.template.section(section_id).kind
        except KeyError:
            continue
        key = text_key(section_id) if kind == "narrative" else note_key(section_id)
        if narrative.text.strip():
            values[key] = narrative.text
        else:
            values.pop(key, None)
    return values


def submit_upward(rc: RoundConsolidation, target: Submission, user) -> list[str]:
    """Write the consolidation into the unit's submission one level up and submit it.

    Returns Vietnamese problems that prevent it (nothing written then)."""
    if target.locked:
        return ["Báo cáo gửi cấp trên đã nộp; cần cấp trên trả lại trước khi nộp lại."]
    if target.round.status != "open":
        return ["Đợt báo cáo của cấp trên đã đóng."]
    template = round_template(target.round)
    values, unplaced = fold_unknown_rows(rc.template, template, consolidated_values(rc))
    if unplaced:
        return [f"Lĩnh vực riêng của đơn vị ({', '.join(unplaced)}) không có trong mẫu của cấp trên, và mẫu đó không có "
                "dòng \"Lĩnh vực khác\" để cộng vào. Đề nghị quản trị thêm lĩnh vực mã \"khac\" cho cấp trên."]
    # The unit's own follow-up of the tasks it was given travels with its consolidation.
    values |= upward_followup_values(rc.round, target, template)
    errors = [f.message for f in validate(template, values) if f.severity == "error"]
    if errors:
        return errors
    stored = stored_values(target.id)
    entries = [(key, display(value, template.key_kind(key)), None) for key, value in values.items() if template.key_kind(key)]
    # Follow-up and notes typed into the upward report itself stay unless the consolidation says otherwise.
    entries += [(key, "", None) for key in stored if key not in values and template.key_kind(key)
                and template.section(key.split("/")[0]).kind != "directives" and key != note_key(key.split("/")[0])]
    outcome = save_values(target, template, entries, user, stored=stored)
    if outcome.errors:
        db.session.rollback()
        return list(outcome.errors.values())
    db.session.execute(SubmissionDocument.__table__.delete().where(SubmissionDocument.submission_id == target.id))
    for position, doc in enumerate(rc.result.documents):
        db.session.add(SubmissionDocument(submission_id=target.id, section_id=doc["section_id"], doc_type=doc["doc_type"],
                                          number=doc["number"], issued_on=doc["issued_on"], position=position,
                                          summary=f"{doc['summary']} ({doc['unit_name']})"))
    move(target, user, "submit", f"Nộp lên cấp trên: tổng hợp từ {len(rc.included)} đơn vị")
    return []


def section_suggestion(round_: ReportingRound, section_id: str, include_submitted: bool = False) -> Suggestion:
    """The grouped suggestion for one section of the consolidated report, loaded when the
    reviewer opens it: the included units' texts there (narrative, note, explained warnings)
    and, for a section about problems, the units the data names. A fixed number of queries."""
    template = round_template(round_)
    try:
        section = template.section(section_id)
    except KeyError:
        raise NotFound() from None
    states = included_states(include_submitted)
    submissions = _round_submissions(round_)
    included = [s for s in submissions if s.status in states]
    wanted = SubmissionValue.key.in_([text_key(section_id)] + ([note_key(section_id)] if getattr(section, "note", False) else []))
    if section.problems:
        # Explained warnings are the units' own account of their figures' problems.
        wanted = or_(wanted, SubmissionValue.key.startswith(EXPLAIN_PREFIX))
    texts: dict[int, list[str]] = defaultdict(list)
    rows = db.session.connection().execute(
        select(SubmissionValue.submission_id, SubmissionValue.key, SubmissionValue.text_value)
        .where(SubmissionValue.submission_id.in_(_included_ids(round_, states)), wanted,
               SubmissionValue.text_value.is_not(None))
        .order_by(SubmissionValue.submission_id, SubmissionValue.key))
    for submission_id, key, text in rows:
        texts[submission_id].append(f"Giải trình số liệu: {text}" if key.startswith(EXPLAIN_PREFIX) else text)
    entries = [(s.unit.name, text) for s in included for text in texts.get(s.id, ())]
    notices = problem_units(round_, template, submissions, included, states) if section.problems else []
    return suggest(section_id, entries, len(included), notices, problems=section.problems)


def problem_units(round_: ReportingRound, template: ReportTemplate, submissions: list[Submission],
                  included: list[Submission], states: tuple[str, ...]) -> list[tuple[str, list[str]]]:
    """Units the data names as problems: overdue dossiers, overdue PAKN, late or missing
    reports. Each notice says what, never the section it comes from: it is inserted as is."""
    notices: list[tuple[str, list[str]]] = []
    for section in template.sections_of("table"):
        if not section.overdue:
            continue
        # That table's values only; the submissions are the ones already loaded.
        values = _unit_values(round_, states, only=SubmissionValue.key.startswith(section.id + "/"))
        inputs = [UnitInput(s.unit_id, s.unit.name, values[s.id], kind=s.unit.kind) for s in included]
        totals = {name: row for _, name, row in breakdown(template, inputs)[section.id]}
        found = overdue_units(section.overdue, totals)
        if found:
            notices.append(("Đơn vị có hồ sơ quá hạn", [f"{name} ({format_count(count)} hồ sơ)" for name, count in found]))
    for section in template.sections_of("indicators"):
        if not section.overdue:
            continue
        values = _unit_values(round_, states, only=SubmissionValue.key.startswith(section.id + "/"))
        totals = {s.unit.name: {f: values[s.id].get(field_key(section.id, f), 0) for f in section.overdue} for s in included}
        found = overdue_units(section.overdue, totals)
        if found:
            notices.append(("Đơn vị có phản ánh, kiến nghị xử lý quá hạn",
                            [f"{name} ({format_count(count)} PAKN)" for name, count in found]))
    late = [s.unit.name for s in submissions if submitted_late(s, round_)]
    if late:
        notices.append(("Đơn vị nộp báo cáo muộn", late))
    included_ids = {s.id for s in included}
    missing = [s.unit.name for s in submissions if s.id not in included_ids and s.status not in ("submitted", "approved")]
    if missing:
        notices.append(("Đơn vị chưa nộp báo cáo", missing))
    return notices


# Sections the consolidating reviewer writes text for: the narratives, and after the
# figures of the numeric sections (where the units' notes are synthesised).
TEXT_KINDS = ("narrative", "table", "indicators", "satisfaction", "documents")
STALE_TEXT = "Nội dung này vừa được sửa ở nơi khác; tải lại trang để xem bản mới nhất trước khi sửa."


@dataclass(frozen=True)
class TextSave:
    row: RoundNarrative | None
    error: str | None = None
    status: int = 200


def round_texts(round_: ReportingRound) -> dict[str, RoundNarrative]:
    """The reviewer's texts of a round by section (figure parts under "<section>/figures")."""
    return {n.section_id: n for n in db.session.scalars(select(RoundNarrative).where(RoundNarrative.round_id == round_.id))}


def already_inserted(round_: ReportingRound, section_id: str, text: str | None) -> list[str]:
    """The lines of a suggestion about to be inserted that the reviewer's text already says."""
    row = round_text(round_, section_id)
    return repeated_lines(row.text if row is not None else "", text or "")


def round_text(round_: ReportingRound, section_id: str) -> RoundNarrative | None:
    return db.session.scalar(select(RoundNarrative).where(RoundNarrative.round_id == round_.id,
                                                          RoundNarrative.section_id == section_id))


def save_round_text(round_: ReportingRound, section_id: str, text: str | None, seen_version: int | None,
                    *, append: bool = False, basis: str | None = None) -> TextSave:
    """Save the reviewer's own text of a section (or add ``text`` after it, ``append``).

    ``basis``: a figure part's generated text the reviewer saw; a text equal to it (or
    empty) is no edit, and the part follows the figures again.
    A stale version is refused (409), never overwritten; a text over the limit is refused
    (422) with the stored one untouched. Commits on success."""
    text = clean_text(text)
    row = round_text(round_, section_id)
    if basis is not None:
        basis = clean_text(basis)
        if not text.strip() or _lines(text) == _lines(basis):
            if row is not None:
                if seen_version is not None and seen_version != row.version:
                    return TextSave(row, STALE_TEXT, 409)
                db.session.delete(row)
                db.session.commit()
            return TextSave(None)
    if append:
        current = row.text if row is not None else ""
        text = f"{current.rstrip()}\n{text}" if current.strip() else text
    if len(text) > CONSOLIDATED_TEXT_LIMIT:
        return TextSave(row, f"Nội dung dài {format_count(len(text))} ký tự, vượt quá "
                             f"{format_count(CONSOLIDATED_TEXT_LIMIT)} ký tự cho phép.", 422)
    if row is not None and seen_version is not None and seen_version != row.version:
        return TextSave(row, STALE_TEXT, 409)
    if row is None:
        row = RoundNarrative(round_id=round_.id, section_id=section_id)
        db.session.add(row)
    row.text, row.updated_at = text, utcnow()
    if basis is not None:
        row.basis = basis
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError):  # another save won the race
        db.session.rollback()
        return TextSave(round_text(round_, section_id), STALE_TEXT, 409)
    return TextSave(row)


def round_documents(round_: ReportingRound, section_id: str, include_submitted: bool = False) -> list[dict]:
    """The included units' documents of one section, in unit order (one query)."""
    rows = db.session.execute(
        select(SubmissionDocument, OrgUnit.name).join(Submission, Submission.id == SubmissionDocument.submission_id)
        .join(OrgUnit, OrgUnit.id == Submission.unit_id)
        .where(Submission.round_id == round_.id, Submission.status.in_(included_states(include_submitted)),
               SubmissionDocument.section_id == section_id)
        .order_by(*unit_order(), SubmissionDocument.position, SubmissionDocument.id))
    return [{"unit_name": name, "doc_type": d.doc_type, "number": d.number, "issued_on": d.issued_on,
             "summary": d.summary} for d, name in rows]


@dataclass(frozen=True)
class StaleFigures:
    """A section's figures written out that the reviewer edited before the figures changed:
    what the report would print (the edit) beside what the figures now say."""

    section_id: str
    label: str  # "I.4 Tình hình, kết quả giải quyết thủ tục hành chính"
    mine: str
    new: str
    differences: tuple[tuple[str, str], ...]  # (number in the edit, number now), where they differ


@dataclass(frozen=True)
class Readiness:
    """What a consolidated report lacks, shown before it is sent upward or downloaded."""

    expected: int
    included: int
    missing: tuple[str, ...]  # units whose report is not in the figures (not submitted, or not approved)
    unapproved: tuple[str, ...]  # submitted, not yet approved: left out, or provisional figures
    # "I.5.2 Triển khai, …": sections where units wrote but the reviewer did not (a section
    # nobody wrote in prints "Không phát sinh."; one whose figures are written out counts as written).
    empty_sections: tuple[str, ...]
    provisional: bool
    stale_figures: tuple[StaleFigures, ...] = ()  # each needs the reviewer's choice before export or sending

    @property
    def complete(self) -> bool:
        return not (self.missing or self.unapproved or self.empty_sections or self.stale_figures)


_NUMBER = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?%?|\d+(?:,\d+)?%?")


def number_differences(mine: str, new: str) -> tuple[tuple[str, str], ...]:
    """The numbers that differ between two versions of the same sentences, in order:
    "3.042" against "3.079". Lines are compared one by one, numbers by position."""
    found: list[tuple[str, str]] = []
    mine_lines, new_lines = _lines(mine), _lines(new)
    for index in range(max(len(mine_lines), len(new_lines))):
        left = _NUMBER.findall(mine_lines[index]) if index < len(mine_lines) else []
        right = _NUMBER.findall(new_lines[index]) if index < len(new_lines) else []
        for position in range(max(len(left), len(right))):
            a = left[position] if position < len(left) else "—"
            b = right[position] if position < len(right) else "—"
            if a != b and (a, b) not in found:
                found.append((a, b))
    return tuple(found)


def stale_figures(rc: RoundConsolidation) -> tuple[StaleFigures, ...]:
    """Each edited figure text whose figures changed since it was edited."""
    stale = []
    for sid, part in figure_parts(rc, round_figures(rc)).items():
        if part.stale:
            section = rc.template.section(sid)
            stale.append(StaleFigures(sid, f"{section.id} {section.heading}", part.edit.text, part.generated,
                                      number_differences(part.edit.text, part.generated)))
    return tuple(stale)


def _written_by_units(round_: ReportingRound, states: tuple[str, ...]) -> set[str]:
    """Sections where any included unit wrote a text or a note (one query, DISTINCT keys)."""
    rows = db.session.execute(
        select(SubmissionValue.key).distinct()
        .where(SubmissionValue.submission_id.in_(_included_ids(round_, states)),
               SubmissionValue.text_value.is_not(None), SubmissionValue.text_value != "",
               or_(SubmissionValue.key.endswith("/text"), SubmissionValue.key.endswith("/note"))))
    return {key.rsplit("/", 1)[0] for (key,) in rows}


def round_readiness(round_: ReportingRound, include_submitted: bool = False) -> Readiness:
    """Three queries (submissions, the reviewer's texts, the sections units wrote in); the
    consolidation is loaded only when a figure text was edited, to see whether it went stale."""
    template = round_template(round_)
    submissions = _round_submissions(round_)
    states = included_states(include_submitted)
    texts = round_texts(round_)
    written = {section_id for section_id, n in texts.items() if n.text.strip()}
    by_units = _written_by_units(round_, states)
    stale: tuple[StaleFigures, ...] = ()
    if any(n.basis is not None for n in texts.values()):
        stale = stale_figures(load_consolidation(round_, include_submitted, texts=False))
    return Readiness(
        expected=len(submissions),
        included=sum(1 for s in submissions if s.status in states),
        missing=tuple(s.unit.name for s in submissions if s.status not in ("submitted", "approved")),
        unapproved=tuple(s.unit.name for s in submissions if s.status == "submitted"),
        empty_sections=tuple(f"{s.id} {s.heading}" for s in template.sections
                             if s.kind in TEXT_KINDS and s.id in by_units and s.id not in written and not s.figures),
        provisional=include_submitted,
        stale_figures=stale,
    )


FIGURE_CHOICES = {"new": "Lấy văn bản mới theo số liệu", "mine": "Giữ văn bản của tôi"}


def figure_choices(form) -> dict[str, str]:
    """The posted choices, "figures-<section id>" → "new" | "mine"."""
    return {key[len("figures-"):]: str(form.get(key)) for key in form if key.startswith("figures-")}


def figure_choices_missing(readiness: Readiness, choices: dict[str, str]) -> list[str]:
    """The stale sections without a choice, as Vietnamese messages."""
    return [f"Mục {s.label}: chọn lấy văn bản mới theo số liệu hay giữ văn bản của bạn."
            for s in readiness.stale_figures if choices.get(s.section_id) not in FIGURE_CHOICES]


def resolve_stale_figures(round_: ReportingRound, readiness: Readiness, choices: dict[str, str], user) -> None:
    """Apply and record the reviewer's choice per stale section: "new" returns the part to
    following the figures (the edit is removed), "mine" keeps the edit as written against
    today's figures. Each choice is a round event (who, when, which figures). The caller commits."""
    for stale in readiness.stale_figures:
        choice = choices.get(stale.section_id)
        if choice not in FIGURE_CHOICES:
            continue
        row = round_text(round_, figures_part(stale.section_id))
        if row is None:
            continue
        if choice == "new":
            db.session.delete(row)
        else:
            row.basis = stale.new
        compared = "; ".join(f"{a} → {b}" for a, b in stale.differences)
        db.session.add(RoundEvent(round_id=round_.id, user_id=getattr(user, "id", None),
                                  action="figures_new" if choice == "new" else "figures_kept",
                                  note=f"{stale.label}: {FIGURE_CHOICES[choice].lower()}" + (f" ({compared})" if compared else "")))


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@dataclass(frozen=True)
class FigurePart:
    """A section's figures written out: generated from the figures until the reviewer edits it."""

    generated: str
    edit: RoundNarrative | None

    @property
    def text(self) -> str:
        return self.edit.text if self.edit is not None else self.generated

    @property
    def stale(self) -> bool:
        """Edited, and the figures have changed since: the page offers the new text."""
        return self.edit is not None and _lines(self.edit.basis or "") != _lines(self.generated)


def figure_parts(rc: RoundConsolidation, written: dict[str, tuple[str, ...]]) -> dict[str, FigurePart]:
    return {sid: FigurePart(figure_text(written, sid), rc.narratives.get(figures_part(sid))) for sid in written}


def edited_figures(rc: RoundConsolidation, written: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """The figure sentences a report prints: the reviewer's edit where there is one."""
    return {sid: tuple(_lines(part.text)) for sid, part in figure_parts(rc, written).items()}

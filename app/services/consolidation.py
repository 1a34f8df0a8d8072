"""Loading a round's submissions as plain data for the domain's consolidation.

A fixed number of queries whatever the number of units: submissions with their units,
all their values (or the sums by kind of unit and the values read per unit), all their
documents; and the same period last year and the previous period, for the comparisons
the figure sentences make.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import JSON, Text, and_, cast, exists, func, literal, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..models import (
    UNIT_KINDS,
    OrgUnit,
    ReportingRound,
    RoundEvent,
    RoundNarrative,
    Submission,
    SubmissionDocument,
    SubmissionValue,
    UpwardReport,
)
from ..reporting.clock import utcnow
from ..reporting.consolidation import (
    CONSOLIDATING_KINDS,
    Consolidation,
    UnitInput,
    breakdown,
    consolidate,
    count_keys,
    kind_class,
    measured_keys,
)
from ..reporting.directives import followup_paragraphs
from ..reporting.figures import Comparison, coverage_sentence, figure_text, lower_first, write_figures
from ..reporting.keys import EXPLAIN_PREFIX, field_key, figures_part, note_key, text_key
from ..reporting.numbers import format_count
from ..reporting.periods import Period, period_label, previous_period
from ..reporting.rows import combine_series, fold_unknown_rows
from ..reporting.synthesis import (
    LATE_REPORTS,
    MISSING_REPORTS,
    OVERDUE_DOSSIERS,
    OVERDUE_FEEDBACK,
    Suggestion,
    overdue_units,
    repeated_lines,
    suggest,
)
from ..reporting.templates import ReportTemplate
from ..reporting.text import CONSOLIDATED_TEXT_LIMIT, clean_text
from ..reporting.validation import validate
from .directives import DirectiveConsolidation, directive_reports, round_followup, upward_followup_values
from .errors import NotFound
from .keys_query import key_prefix
from .orgtree import series_units, unit_order
from .rounds import parent_round_for, round_label, round_period, round_template, submitted_late
from .submissions import display, move, plain_values, save_values, stored_values


@dataclass
class RoundConsolidation:
    round: ReportingRound
    template: ReportTemplate
    result: Consolidation
    submissions: list[RoundReport]  # plain rows, not ORM objects (see RoundReport)
    included: list[RoundReport]
    narratives: dict[str, RoundNarrative]
    include_submitted: bool
    followup: list[DirectiveConsolidation] = field(default_factory=list)  # directive tasks, per directive


def included_states(include_submitted: bool) -> tuple[str, ...]:
    return ("approved", "submitted") if include_submitted else ("approved",)


class ReportUnit(NamedTuple):
    """A report's unit as plain data: an OrgUnit's columns, without its relationships."""

    id: int
    code: str
    name: str
    kind: str
    place_name: str
    parent_id: int | None
    path: str
    sort_order: int
    active: bool

    @property
    def kind_label(self) -> str:
        return UNIT_KINDS.get(self.kind, self.kind)


class RoundReport(NamedTuple):
    """One report of a round as plain data: a Submission's columns and its unit. What the
    consolidation and its pages read of the round's reports; 1,000 ORM objects (and their
    units) cost the consolidated page as much as half the database's GROUP BY."""

    id: int
    round_id: int
    unit_id: int
    status: str
    first_submitted_at: datetime | None
    submitted_at: datetime | None
    approved_at: datetime | None
    updated_at: datetime | None
    version: int
    extended_deadline: date | None
    merged_into_id: int | None
    unit: ReportUnit

    # The model's own definitions (they read only ``status``).
    status_label = Submission.status_label
    locked = Submission.locked


_REPORT_COLUMNS = tuple(getattr(Submission, name) for name in RoundReport._fields if name != "unit")
_UNIT_COLUMNS = tuple(getattr(OrgUnit, name) for name in ReportUnit._fields)


def _round_submissions(round_: ReportingRound) -> list[RoundReport]:
    """The round's reports, less those closed by a merger (their unit reports within its
    successor's), in unit order: one statement, Core rows."""
    cut = len(_REPORT_COLUMNS)
    rows = db.session.connection().execute(
        select(*_REPORT_COLUMNS, *_UNIT_COLUMNS).join(OrgUnit, OrgUnit.id == Submission.unit_id)
        .where(Submission.round_id == round_.id, Submission.status != "merged").order_by(*unit_order()))
    return [RoundReport(*row[:cut], ReportUnit(*row[cut:])) for row in rows]


def _included_ids(round_: ReportingRound, states: tuple[str, ...]):
    """A subquery, not a list of ids: the statement stays the same size for 1,000 units."""
    return select(Submission.id).where(Submission.round_id == round_.id, Submission.status.in_(states))


def _documents(round_: ReportingRound, states: tuple[str, ...]) -> dict[int, list[dict]]:
    documents: dict[int, list[dict]] = defaultdict(list)
    doc = SubmissionDocument
    # Core rows, not ORM objects: a province's round lists thousands.
    for sid, section_id, doc_type, number, issued_on, summary in db.session.connection().execute(
        select(doc.submission_id, doc.section_id, doc.doc_type, doc.number, doc.issued_on, doc.summary)
        .where(doc.submission_id.in_(_included_ids(round_, states))).order_by(doc.position, doc.id)
    ):
        documents[sid].append({"section_id": section_id, "doc_type": doc_type, "number": number,
                               "issued_on": issued_on, "summary": summary})
    return documents


def _driver_rows(result) -> list[tuple]:
    """A result's rows straight from the driver's cursor, for columns no type converts."""
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def _unit_values(round_: ReportingRound, states: tuple[str, ...], only=None, texts: bool = False) -> dict[int, dict]:
    """The included reports' values: all of them, or those matching ``only`` and, with
    ``texts``, every text (one more statement, through the index of texts)."""
    values: dict[int, dict] = defaultdict(dict)
    columns = (SubmissionValue.submission_id, SubmissionValue.key, SubmissionValue.int_value, SubmissionValue.text_value)
    reports = SubmissionValue.submission_id.in_(_included_ids(round_, states))
    connection = db.session.connection()
    # The driver's rows as they come, not ORM objects nor Core rows: a 1,000-unit round holds
    # ~170,000 values, and these four columns (integers, text) need no conversion on either
    # database.
    for sid, key, number, text in _driver_rows(connection.execute(
            select(*columns).where(reports) if only is None else select(*columns).where(reports, only))):
        if key.startswith(EXPLAIN_PREFIX):
            continue
        if text is not None:
            values[sid][key] = text
        elif number is not None:
            values[sid][key] = number
    if texts and only is not None:
        # Every row here holds a text (the partial index's condition).
        for sid, key, text in _driver_rows(connection.execute(
                select(SubmissionValue.submission_id, SubmissionValue.key, SubmissionValue.text_value)
                .where(reports, SubmissionValue.text_value.is_not(None)))):
            if not key.startswith(EXPLAIN_PREFIX):
                values[sid][key] = text
    return values


def load_inputs(round_: ReportingRound, states: tuple[str, ...], only=None, texts: bool = False) -> tuple[
        list[RoundReport], list[RoundReport], list[UnitInput]]:
    """Every included unit's values (or those matching ``only``, and every text with
    ``texts``), in a fixed number of queries."""
    submissions = _round_submissions(round_)
    included = [s for s in submissions if s.status in states]
    values = _unit_values(round_, states, only, texts)
    documents = _documents(round_, states)
    inputs = [UnitInput(s.unit_id, s.unit.name, values[s.id], documents[s.id], provisional=s.status != "approved",
                        kind=s.unit.kind)
              for s in included]
    return submissions, included, inputs


def _kinds_by_class(kinds) -> dict[str, list[str]]:
    by_class: dict[str, list[str]] = defaultdict(list)
    for kind in sorted(set(kinds)):
        by_class[kind_class(kind)].append(kind)
    return dict(by_class)


def _json_keys(dialect: str, keys: str):
    """A list of keys as a table of one column, ``value``, from one JSON parameter: the
    statement keeps one shape whatever the keys, so it is compiled once (a VALUES list is
    compiled on every call: 2 ms)."""
    if dialect == "postgresql":
        return func.json_array_elements_text(cast(literal(keys, Text), JSON)).table_valued("value")
    return func.json_each(keys).table_valued("value")


def summed_counts(round_ids: list[int], states: tuple[str, ...], counts: frozenset[str],
                  kinds: dict[str, list[str]] | None = None, units=None) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """The counts of the included reports of ``round_ids`` (rounds summed together), in
    total and per kind class of unit, summed by the database: each key of ``counts`` (the
    template's counts, ``count_keys``) that a report holds as a number, 0 included.

    One ``SUM … GROUP BY key`` per kind class present (a round's units are of one class,
    at most a few), each over an indexed subquery of the reports: no join inside the
    aggregation, which costs as much as the aggregation itself at 1,000 units. The zeros
    (about half a round's values) are left out of it, as they add nothing and sorting the
    rows is most of the statement's cost (45 ms against 70 at 1,000 units); one more
    statement then finds which of the other counts a report holds, all zeros: one index
    look-up each when the first report has it, one per report when no report has it as
    a number. ``kinds``: the kinds present by class when the caller has the reports (else
    one query finds them); ``units``: only these units' reports (a subquery or list of
    unit ids)."""
    if not round_ids:
        return {}, {}
    reports = select(Submission.id).where(Submission.round_id.in_(round_ids), Submission.status.in_(states))
    if units is not None:
        reports = reports.where(Submission.unit_id.in_(units))
    if kinds is None:
        kinds = _kinds_by_class(db.session.scalars(
            select(OrgUnit.kind).distinct().join(Submission, Submission.unit_id == OrgUnit.id)
            .where(Submission.id.in_(reports))))
    total: dict[str, int] = {}
    by_kind: dict[str, dict[str, int]] = {}
    connection = db.session.connection()
    for class_, members in kinds.items():
        of_class = reports if len(kinds) == 1 else reports.where(
            Submission.unit_id.in_(select(OrgUnit.id).where(OrgUnit.kind.in_(members))))
        part = by_kind.setdefault(class_, {})
        for key, amount in connection.execute(
            select(SubmissionValue.key, func.sum(SubmissionValue.int_value))
            .where(SubmissionValue.submission_id.in_(of_class), SubmissionValue.int_value != 0)
            .group_by(SubmissionValue.key)
        ):
            part[key] = int(amount)
            total[key] = total.get(key, 0) + int(amount)
        others = sorted(counts.difference(part))
        if not others:
            continue
        candidates = _json_keys(connection.dialect.name, json.dumps(others))
        for key in connection.scalars(select(candidates.c.value).where(exists().where(
                SubmissionValue.key == candidates.c.value, SubmissionValue.int_value.is_not(None),
                SubmissionValue.submission_id.in_(of_class)))):
            part[key] = 0
            total.setdefault(key, 0)
    return total, by_kind


# Made once: an alias built per call costs more than the statement it serves (ORM adaptation).
_INDEX_VALUE = aliased(SubmissionValue, name="index_value")
_FORMS_VALUE = aliased(SubmissionValue, name="forms_value")


def weighted_sums(round_: ReportingRound, states: tuple[str, ...], template: ReportTemplate) -> dict[str, tuple[int, int]]:
    """The survey indices' averages weighted by forms, as sums the database makes: index key
    → (Σ index × forms, Σ forms) over the included reports that gave forms and that index.
    One statement per survey section, not 10 values read per unit."""
    result: dict[str, tuple[int, int]] = {}
    index, forms = _INDEX_VALUE, _FORMS_VALUE
    for section in template.sections_of("satisfaction"):
        forms_key = f"{section.id}/{section.fields_with_role('forms')[0].id}"
        keys = [f"{section.id}/{f.id}" for f in section.fields_with_role("index")]
        for key, total, weight in db.session.connection().execute(
            select(index.key, func.sum(index.int_value * forms.int_value), func.sum(forms.int_value))
            .join(forms, and_(forms.submission_id == index.submission_id, forms.key == forms_key))
            .where(index.submission_id.in_(_included_ids(round_, states)), index.key.in_(keys),
                   index.int_value.is_not(None), forms.int_value > 0)
            .group_by(index.key)
        ):
            result[key] = (int(total or 0), int(weight or 0))
    return result


def load_consolidation(round_: ReportingRound, include_submitted: bool = False, per_unit: bool = False,
                       texts: bool = True) -> RoundConsolidation:
    """The round's consolidation. By default the database sums the counts and only texts,
    survey fields and measured indicators are read per unit; ``per_unit`` reads every value
    of every unit, for the per-unit breakdown, contributions and exports. ``texts=False``
    leaves the units' texts out (the consolidated page loads them per section)."""
    template = round_template(round_)
    states = included_states(include_submitted)
    summed = by_kind = weighted = None
    if per_unit:
        submissions, included, inputs = load_inputs(round_, states)
    else:
        # Per unit only what no sum gives: the measured indicators (which units reached them).
        submissions, included, inputs = load_inputs(
            round_, states, only=SubmissionValue.key.in_(measured_keys(template)), texts=texts)
        summed, by_kind = summed_counts([round_.id], states, count_keys(template),
                                        _kinds_by_class(s.unit.kind for s in included))
        weighted = weighted_sums(round_, states, template)
    included_ids = {s.id for s in included}
    missing = [s.unit.name for s in submissions if s.id not in included_ids]
    result = consolidate(template, inputs, missing=missing, summed=summed, summed_by_kind=by_kind, weighted=weighted)
    narratives = round_texts(round_)
    # Every text of the reports is at hand unless the page left them out: the follow-up's too.
    every_text = {s.id: unit.values for s, unit in zip(included, inputs)} if per_unit or texts else None
    followup = round_followup(round_, template, submissions, included, texts=every_text)
    return RoundConsolidation(round_, template, result, submissions, included, narratives, include_submitted, followup)


def earlier_periods(period: Period) -> tuple[Period | None, Period | None]:
    """The same period last year and the previous period (None for an ad hoc period)."""
    if period.kind == "adhoc":
        return None, None
    return Period(period.kind, period.year - 1, period.index, period.date_from, period.date_to), previous_period(period)


def _rounds_of(units: list[int], template_code: str, periods: list[Period]) -> dict[tuple, list[ReportingRound]]:
    """Per (kind, year, index) of period, the latest round of each unit for it (one query)."""
    found: dict[tuple, dict[int, ReportingRound]] = defaultdict(dict)
    if not periods:
        return {}
    for r in db.session.scalars(
        select(ReportingRound).where(
            ReportingRound.unit_id.in_(units), ReportingRound.template_code == template_code,
            or_(*[and_(ReportingRound.period_kind == p.kind, ReportingRound.period_year == p.year,
                       ReportingRound.period_index == p.index) for p in periods]),
        ).order_by(ReportingRound.id)
    ):
        found[(r.period_kind, r.period_year, r.period_index)][r.unit_id] = r  # the latest id wins
    return {period: [by_unit[u] for u in units if u in by_unit] for period, by_unit in found.items()}


def round_comparisons(round_: ReportingRound, rc: RoundConsolidation | None = None) -> tuple[
        Comparison | None, Comparison | None, list[str]]:
    """The same period last year and the previous period, like for like (design §8), and
    a line for each comparison left out and why.

    A comparison is made over the units present in both periods (a unit formed by a merger
    stands for its predecessors): over all of them when the two periods cover the same
    units; over the common ones, said so ("cùng 47 đơn vị"), when they are at least half of
    this period's units; not at all below half. A fixed number of statements whatever the
    units: the series, both periods' rounds in one query, and per period the units there
    and the sums the database aggregates (``summed_counts``)."""
    found: list[Comparison | None] = []
    notes: list[str] = []
    series = sorted(series_units([round_.unit_id])[round_.unit_id], key=lambda u: u != round_.unit_id)
    states = included_states(rc.include_submitted) if rc is not None else ("approved",)
    current = [s.unit_id for s in rc.included] if rc is not None else None
    histories: dict[int, set[int]] = {}
    periods = earlier_periods(round_period(round_))
    rounds_by_period = _rounds_of(series, round_.template_code, [p for p in periods if p])
    for period, label in zip(periods, ("year", "previous")):
        rounds = rounds_by_period.get((period.kind, period.year, period.index), []) if period else []
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
        keep = sorted(set().union(*(histories[u] for u in common)) & before) if restricted else None
        then_template = round_template(rounds[0])
        then = summed_counts([r.id for r in rounds], ("approved",), count_keys(then_template), units=keep)
        result = consolidate(then_template, [], summed=then[0], summed_by_kind=then[1])
        if not restricted:
            found.append(Comparison(result, name))
            continue
        now = summed_counts([round_.id], states, count_keys(rc.template), units=sorted(common))
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


def coverage_text(rc: RoundConsolidation, received: dict[int, Received] | None = None) -> str:
    """"Báo cáo tổng hợp từ 25/27 đơn vị; 2 đơn vị chưa báo cáo: …" for this view's mode;
    when lower consolidations are among the reports, the units underneath too and each
    one's own coverage ("Huyện Bình Sơn: tổng hợp từ 9/27 đơn vị")."""
    included = {s.id for s in rc.included}
    left_out = [s for s in rc.submissions if s.id not in included and s.status == "submitted"]
    not_reported = [s.unit.name for s in rc.submissions if s.id not in included and s.status != "submitted"]
    received = received_reports(rc.included) if received is None else received
    lower = [(s.unit.name, received[s.id]) for s in rc.included if s.id in received]
    below = [(name, r.units, r.expected) for name, r in lower]
    return coverage_sentence(len(rc.included), len(rc.submissions), not_reported,
                             provisional=len(rc.result.provisional_units), left_out=len(left_out), below=below)


@dataclass(frozen=True)
class Received:
    """What one lower consolidation sent upward besides its values (UpwardReport)."""

    units: int  # units underneath in its figures
    expected: int
    figures: dict[str, list[str]]  # section id → its figure sentences as it printed them
    followup: list[tuple[str, str]]  # its own directives' results, (text, role) as followup_paragraphs
    folded: list[tuple[str, str, int]]  # (table section id, field label, dossiers) folded into "Lĩnh vực khác"


def received_reports(submissions: list[RoundReport]) -> dict[int, Received]:
    """Submission id → what it carries from a lower consolidation (one query)."""
    ids = [s.id for s in submissions]
    if not ids:
        return {}
    found = {}
    for row in db.session.scalars(select(UpwardReport).where(UpwardReport.submission_id.in_(ids))):
        body = json.loads(row.body_json or "{}")
        found[row.submission_id] = Received(
            row.units, row.expected, {k: list(v) for k, v in body.get("figures", {}).items()},
            [tuple(p) for p in body.get("followup", [])], [tuple(f) for f in body.get("folded", [])])
    return found


def folded_rows(source: ReportTemplate, target: ReportTemplate, result: Consolidation) -> list[tuple[str, str, int]]:
    """Catalogue rows of the source's tables that the target lacks, with their dossiers
    (the first computed column): what goes into the target's "Lĩnh vực khác"."""
    folded = []
    for section in source.sections_of("table"):
        try:
            other = target.section(section.id)
        except KeyError:
            continue
        known = {r.code for r in other.rows}
        first = next((c.id for c in section.computed_columns), None)
        for row in result.tables[section.id].rows:
            amount = row.values.get(first, 0) if first else 0
            if row.code not in known and amount:
                folded.append((section.id, row.label, amount))
    return folded


def upward_body(rc: RoundConsolidation, target_template: ReportTemplate) -> tuple[int, int, dict]:
    """(units underneath, expected underneath, body) of this consolidation sent upward: its
    own coverage counts the units beneath its reports too (any depth); the body holds its
    figure sentences (with its edits), its own directives' results and the folded rows."""
    received = received_reports(rc.included)
    units = len(rc.included) + sum(r.units for r in received.values())
    expected = len(rc.submissions) + sum(r.expected for r in received.values())
    own = [dc for dc in rc.followup if dc.directive.unit_id == rc.round.unit_id]
    body = {
        "figures": {sid: list(lines) for sid, lines in edited_figures(rc, round_figures(rc)).items()},
        "followup": [list(p) for p in followup_paragraphs(directive_reports(own))],
        "folded": [list(f) for f in folded_rows(rc.template, target_template, rc.result)],
    }
    return units, expected, body


def store_upward_report(target: Submission, rc: RoundConsolidation, target_template: ReportTemplate) -> None:
    units, expected, body = upward_body(rc, target_template)
    row = db.session.get(UpwardReport, target.id) or UpwardReport(submission_id=target.id)
    row.units, row.expected = units, expected
    row.body_json = json.dumps(body, ensure_ascii=False, sort_keys=True)
    db.session.add(row)


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
    store_upward_report(target, rc, template)
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
        wanted = or_(wanted, key_prefix(SubmissionValue.key, EXPLAIN_PREFIX))
    texts: dict[int, list[str]] = defaultdict(list)
    rows = db.session.connection().execute(
        select(SubmissionValue.submission_id, SubmissionValue.key, SubmissionValue.text_value)
        .where(SubmissionValue.submission_id.in_(_included_ids(round_, states)), wanted,
               SubmissionValue.text_value.is_not(None))
        .order_by(SubmissionValue.submission_id, SubmissionValue.key))
    for submission_id, key, text in rows:
        texts[submission_id].append(f"Giải trình số liệu: {text}" if key.startswith(EXPLAIN_PREFIX) else text)
    received = received_reports(included)
    entries, _ = arriving_entries(round_.unit.kind, included, texts, received, section_id)
    # A lower consolidation's figures, each under its own name: never merged with another's
    # (its numbers are its own), inserted like the notices ("- Huyện Bình Sơn: Tổng số …").
    notices = [(s.unit.name, [figure_statement(received[s.id].figures[section_id])]) for s in included
               if s.id in received and received[s.id].figures.get(section_id)]
    notices += problem_units(round_, template, submissions, included, states) if section.problems else []
    return suggest(section_id, entries, len(included), notices, problems=section.problems,
                   titles=[s.heading for s in template.sections])


def figure_statement(lines: list[str]) -> str:
    """A lower consolidation's figure sentences for a section as one statement: its lines
    ("Trong đó:", "+ …") read on, without list marks or the last full stop."""
    parts = [line.strip().lstrip("-+• ").strip() for line in lines]
    return " ".join(part for part in parts if part).rstrip(" .")


def received_proposals(round_: ReportingRound, section_id: str, include_submitted: bool = False) -> list[tuple[str, str]]:
    """The proposals the included reports address to this round's level ("Đề nghị UBND tỉnh
    …" arriving at the province), (unit, line): shown to the reviewer as received, apart
    from the suggestion's groups and never inserted into the report this level sends up."""
    states = included_states(include_submitted)
    included = [s for s in _round_submissions(round_) if s.status in states]
    texts: dict[int, list[str]] = defaultdict(list)
    for submission_id, text in db.session.execute(
            select(SubmissionValue.submission_id, SubmissionValue.text_value)
            .where(SubmissionValue.submission_id.in_(_included_ids(round_, states)),
                   SubmissionValue.key.in_([text_key(section_id), note_key(section_id)]),
                   SubmissionValue.text_value.is_not(None))
            .order_by(SubmissionValue.submission_id, SubmissionValue.key)):
        texts[submission_id].append(text)
    return arriving_entries(round_.unit.kind, included, texts, {}, section_id)[1]


# What a report's lines look like when they carry a lower level's attribution, or address
# the level that receives them. Kept out of synthesis: it is about where a text comes from.
_UNIT_WORD = (r"(?:Xã|Phường|Thị trấn|Phòng|Sở|Ban|Trung tâm|Chi nhánh|Văn phòng|Bộ phận|Huyện|Thị xã|Thành phố|Quận|"
              r"UBND|Ủy ban nhân dân)")
_NAME = rf"{_UNIT_WORD}\s[^(),]*"
_ATTRIBUTION = re.compile(rf"\s*\((?:{_NAME})(?:,\s*{_NAME})*(?:\s+và\s+(?:{_NAME}|[\d.]+\s+đơn vị khác))?\)(?=[.;:]?\s*$)")
_PROPOSAL = re.compile(r"^[-+•*\s]*(Đề nghị|Kiến nghị|Đề xuất)\b", re.IGNORECASE)
# At the national level: "Đề nghị Chính phủ / Thủ tướng Chính phủ / Văn phòng Chính phủ …".
_TO_CENTRAL = re.compile(r"\b(Chính phủ|Thủ tướng)\b", re.IGNORECASE)
LEVEL_WORDS = {"province": "tỉnh", "district": "huyện", "commune": "xã", "ward": "phường", "town": "thị trấn"}


def strip_attribution(line: str) -> str:
    """"- Đã niêm yết đủ TTHC (Xã Bình An, Xã Bình Chánh và 7 đơn vị khác)." → "- Đã niêm yết
    đủ TTHC.": a lower consolidation's grouping, which the next level replaces by its own
    (attributions never stack)."""
    return _ATTRIBUTION.sub("", line)


def addresses_level(line: str, level_kind: str) -> bool:
    """A proposal to the level receiving the report ("Đề nghị UBND tỉnh …" at the province)."""
    if level_kind == "central":
        return _PROPOSAL.match(line) is not None and _TO_CENTRAL.search(line) is not None
    word = LEVEL_WORDS.get(level_kind)
    if not word or not _PROPOSAL.match(line):
        return False
    return re.search(rf"\b(UBND|Ủy ban nhân dân|HĐND|Hội đồng nhân dân|Chủ tịch UBND|Văn phòng UBND)\s+{word}\b",
                     line, re.IGNORECASE) is not None


def arriving_entries(level_kind: str, included: list[RoundReport], texts: dict[int, list[str]],
                     received: dict[int, Received], section_id: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The units' statements for a section's suggestion, and the proposals addressed to this
    level, apart. A lower consolidation's lines lose their inner attributions (its figure
    sentences join the suggestion as notices, see section_suggestion)."""
    entries: list[tuple[str, str]] = []
    proposals: list[tuple[str, str]] = []
    for sub in included:
        # A district's report is a consolidation even if it was sent before upward reports were kept.
        lower = sub.id in received or sub.unit.kind in CONSOLIDATING_KINDS
        for text in texts.get(sub.id, ()):
            kept: list[str] = []
            for line in text.splitlines():
                cleaned = strip_attribution(line) if lower else line
                if line.strip() and addresses_level(cleaned, level_kind):
                    proposals.append((sub.unit.name, cleaned.strip()))
                else:
                    kept.append(cleaned)
            if "".join(kept).strip():
                untouched = not lower and len(kept) == len(text.splitlines())
                entries.append((sub.unit.name, text if untouched else "\n".join(kept)))
    return entries, proposals


def problem_units(round_: ReportingRound, template: ReportTemplate, submissions: list[RoundReport],
                  included: list[RoundReport], states: tuple[str, ...]) -> list[tuple[str, list[str]]]:
    """Units the data names as problems: overdue dossiers, overdue PAKN, late or missing
    reports. Each notice says what, never the section it comes from: it is inserted as is."""
    notices: list[tuple[str, list[str]]] = []
    for section in template.sections_of("table"):
        if not section.overdue:
            continue
        # That table's values only; the submissions are the ones already loaded.
        values = _unit_values(round_, states, only=key_prefix(SubmissionValue.key, section.id + "/"))
        inputs = [UnitInput(s.unit_id, s.unit.name, values[s.id], kind=s.unit.kind) for s in included]
        totals = {name: row for _, name, row in breakdown(template, inputs)[section.id]}
        found = overdue_units(section.overdue, totals)
        if found:
            notices.append((OVERDUE_DOSSIERS, [f"{name} ({format_count(count)} hồ sơ)" for name, count in found]))
    for section in template.sections_of("indicators"):
        if not section.overdue:
            continue
        values = _unit_values(round_, states, only=SubmissionValue.key.startswith(section.id + "/"))
        totals = {s.unit.name: {f: values[s.id].get(field_key(section.id, f), 0) for f in section.overdue} for s in included}
        found = overdue_units(section.overdue, totals)
        if found:
            notices.append((OVERDUE_FEEDBACK,
                            [f"{name} ({format_count(count)} PAKN)" for name, count in found]))
    late = [s.unit.name for s in submissions if submitted_late(s, round_)]
    if late:
        notices.append((LATE_REPORTS, late))
    included_ids = {s.id for s in included}
    missing = [s.unit.name for s in submissions if s.id not in included_ids and s.status not in ("submitted", "approved")]
    if missing:
        notices.append((MISSING_REPORTS, missing))
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

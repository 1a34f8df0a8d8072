"""Derived values and rule checks on one submission's values.

``compute`` produces what is never stored (computed columns, group subtotals, totals,
survey scores); ``validate`` runs the template's rules on stored + derived values and
returns findings that name the keys involved, so the UI can put each message beside its
cells. Errors block submission; warnings are allowed with a one-line explanation.
"""
from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from .directives import DONE, MSG_DONE_NEEDS_TEXT, parse_status
from .keys import (
    EXPLAIN_PREFIX,
    SEP,
    cell_key,
    field_key,
    followup_key,
    group_key,
    note_key,
    parse_followup_key,
    parse_key,
    score_key,
    text_key,
    total_key,
)
from .numbers import (
    MAX_SCORE,
    MSG_SCORE,
    InvalidNumber,
    format_count,
    format_score,
    format_signed,
    parse_count,
    parse_score,
)
from .templates import ReportTemplate, Row, Rule, Section

MSG_NOT_A_COUNT = "Chỉ nhập số nguyên không âm"
MSG_SCORE_RANGE = "{label}: điểm ({value}) phải từ 0 đến 2"
MSG_SCORE_TOTAL = "Tổng điểm các chỉ số ({total}) vượt quá {max_total} điểm"
MSG_TEXT_TOO_LONG = "Nội dung dài {length} ký tự, vượt quá {max_length} ký tự cho phép"


@dataclass(frozen=True)
class Finding:
    rule_id: str
    severity: str  # error | warning
    section_id: str
    keys: tuple[str, ...]  # the cells or fields the message belongs beside
    message: str

    @property
    def needs_explanation(self) -> bool:
        """A warning may be submitted with a one-line explanation; an error may not."""
        return self.severity == "warning"


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)


def findings_by_key(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    """Findings grouped under each key they mention, for messages beside cells."""
    result: dict[str, list[Finding]] = {}
    for finding in findings:
        for key in finding.keys:
            result.setdefault(key, []).append(finding)
    return result


def number_or_zero(value: object) -> int:
    """A stored number, or 0 for a missing (or non-numeric) value."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def table_rows(section: Section, values: Mapping[str, object]) -> tuple[Row, ...]:
    """The section's rows; for a catalogue table not yet bound, the row codes found in values.

    Binding rows (``bind_rows``) is the normal path; the fallback keeps compute usable on
    bare data (sorted, so the result does not depend on dict order).
    """
    if section.rows or section.rows_source == "fixed":
        return section.rows
    prefix = section.id + SEP
    codes = set()
    for key in values:
        if key.startswith(prefix):
            part_count = key.count(SEP)
            if part_count == 2:
                _, code, _ = parse_key(key)
                if not code.startswith("_"):
                    codes.add(code)
    return tuple(Row(code, code) for code in sorted(codes))


def compute(template: ReportTemplate, values: Mapping[str, object]) -> dict[str, int]:
    """Computed-column cells, group subtotals, totals (every column) and survey scores."""
    derived: dict[str, int] = {}
    for section in template.sections:
        if section.kind == "table":
            derived.update(_compute_table(section, values))
        elif section.kind == "satisfaction":
            indices = [field_key(section.id, f.id) for f in section.fields_with_role("index")]
            if any(k in values for k in indices):
                derived[score_key(section.id)] = sum(number_or_zero(values.get(k)) for k in indices)
    return derived


def compute_section(template: ReportTemplate, section_id: str, values: Mapping[str, object],
                    columns: Collection[str] | None = None) -> dict[str, int]:
    """``compute`` for one table section only: what an autosave of one of its cells changes.
    With ``columns``, only those columns' computed cells, subtotals and totals."""
    section = template.section(section_id)
    if section.kind == "satisfaction":
        # The score (and so the rating) changes with every index typed: the reply carries it.
        return {k: v for k, v in compute(template, values).items() if k.startswith(section_id + SEP)}
    return _compute_table(section, values, columns) if section.kind == "table" else {}


def affected_columns(section: Section, column_id: str | None) -> set[str]:
    """A table column and the computed columns summing it (in order: a computed column may sum computed ones)."""
    affected = {column_id} if column_id else set()
    for column in section.computed_columns:
        if affected.intersection(column.computed):
            affected.add(column.id)
    return affected


@dataclass(frozen=True, slots=True)
class ValuesToRead:
    """The stored values a change of one key needs to recompute what it changes: every value
    (``section_id`` None), a section's, or the cells of some columns of a table section."""

    section_id: str | None
    columns: frozenset[str] | None = None

    def patterns(self) -> list[str] | None:
        """As LIKE patterns over keys (section and column ids hold no % or _); None: every value."""
        if self.section_id is None:
            return None
        if self.columns is None:
            return [self.section_id + SEP + "%"]
        return [f"{self.section_id}{SEP}%{SEP}{column}" for column in sorted(self.columns)]


def values_to_read(template: ReportTemplate, key: str) -> ValuesToRead:
    """What a save of ``key`` reads to answer with the cells it changes. For a table cell, the
    cells (in every row) of the columns ``affected_columns`` names and of the columns those
    sum: a third of the table, not all of it. Otherwise its section (a survey's score sums all
    of its indices); an explanation, or a key of no section, every value."""
    if key.startswith(EXPLAIN_PREFIX):
        return ValuesToRead(None)
    section_id = key.split(SEP)[0]
    try:
        section = template.section(section_id)
        column_id = parse_key(key)[2]
    except (KeyError, ValueError):  # not a key of this template: the save refuses it
        return ValuesToRead(section_id)
    if section.kind != "table" or column_id is None:
        return ValuesToRead(section_id)
    affected = affected_columns(section, column_id)
    summed = affected.union(*(c.computed for c in section.computed_columns if c.id in affected))
    return ValuesToRead(section_id, frozenset({column_id} | {c.id for c in section.input_columns if c.id in summed}))


def _compute_table(section: Section, values: Mapping[str, object],
                   only: Collection[str] | None = None) -> dict[str, int]:
    derived: dict[str, int] = {}
    computed = section.computed_columns
    inputs = section.input_columns
    if only is not None:
        computed = tuple(c for c in computed if c.id in only)
        needed = set(only).union(*(c.computed for c in computed))
        inputs = tuple(c for c in inputs if c.id in needed)
    totals = dict.fromkeys((c.id for c in section.columns if only is None or c.id in only), 0)
    subtotals = {g.code: dict(totals) for g in section.groups}
    for row in table_rows(section, values):
        cells = {
            c.id: number_or_zero(values.get(cell_key(section.id, row.code, c.id))) for c in inputs
        }
        for column in computed:
            cells[column.id] = sum(cells[ref] for ref in column.computed)
            derived[cell_key(section.id, row.code, column.id)] = cells[column.id]
        for column_id, value in cells.items():
            if column_id not in totals:
                continue
            totals[column_id] += value
            if row.group in subtotals:
                subtotals[row.group][column_id] += value
    for group_code, sums in subtotals.items():
        for column_id, value in sums.items():
            derived[group_key(section.id, group_code, column_id)] = value
    for column_id, value in totals.items():
        derived[total_key(section.id, column_id)] = value
    return derived


def parse_value(template: ReportTemplate, key: str, text: str) -> int | str | None:
    """What the officer typed into ``key``, ready to store; None means "clear the cell".

    Raises InvalidNumber (Vietnamese message) for a bad number, KeyError for a key the
    template does not store.
    """
    kind = template.key_kind(key)
    if kind is None:
        raise KeyError(key)
    if kind == "text":
        return str(text).replace("\r\n", "\n").replace("\r", "\n")
    if kind == "status":
        return parse_status(text)
    if not str(text).strip():
        return None
    return parse_score(text) if kind == "score" else parse_count(text)


def validate(
    template: ReportTemplate,
    values: Mapping[str, object],
    previous: Mapping[str, object] | None = None,
) -> list[Finding]:
    """Findings for one unit's values; ``previous`` is the same unit's last period, if any."""
    current = {**values, **compute(template, values)}
    before = {**previous, **compute(template, previous)} if previous is not None else None
    findings = _check_values(template, values)
    for rule in template.rules:
        section = template.section(rule.section)
        findings.extend(_RULES[rule.kind](rule, section, template, current, before))
    return findings


def _check_values(template: ReportTemplate, values: Mapping[str, object]) -> list[Finding]:
    """Every stored value must be of its kind and in range (data may come from an upload)."""
    findings = []
    for section in template.sections:
        if section.note:
            findings.extend(_check_length(section, note_key(section.id), values))
        if section.kind == "narrative":
            findings.extend(_check_length(section, text_key(section.id), values))
            continue
        if section.kind == "directives":
            findings.extend(_check_followup(section, values))
            continue
        for key in _stored_numeric_keys(template, section, values):
            value = values[key]
            kind = template.key_kind(key)
            message = _range_message(value, kind)
            if message:
                findings.append(Finding("value_range", "error", section.id, (key,), message))
    return findings


def _check_length(section: Section, key: str, values: Mapping[str, object]) -> list[Finding]:
    text = values.get(key)
    limit = section.text_limit(key)
    if isinstance(text, str) and len(text) > limit:
        message = MSG_TEXT_TOO_LONG.format(length=format_count(len(text)), max_length=format_count(limit))
        return [Finding("text_length", "error", section.id, (key,), message)]
    return []


def _check_followup(section: Section, values: Mapping[str, object]) -> list[Finding]:
    """A task reported as done says what was done (the rule of design §10)."""
    findings = []
    prefix = section.id + SEP
    for key, value in values.items():
        parsed = parse_followup_key(key) if key.startswith(prefix) and value == DONE else None
        if parsed is None or parsed[1] != "status":
            continue
        text = followup_key(section.id, parsed[0], "text")
        if not str(values.get(text) or "").strip():
            findings.append(Finding("followup_done_text", "error", section.id, (text, key), MSG_DONE_NEEDS_TEXT))
    return findings


def _stored_numeric_keys(template: ReportTemplate, section: Section, values: Mapping[str, object]):
    if section.kind in ("indicators", "satisfaction"):
        keys = [field_key(section.id, f.id) for f in section.fields]
    elif section.kind == "table":
        keys = [
            cell_key(section.id, row.code, column.id)
            for row in table_rows(section, values)
            for column in section.input_columns
        ]
    else:
        keys = []
    return [k for k in keys if k in values and values[k] is not None]


def _range_message(value: object, kind: str | None) -> str:
    if not isinstance(value, int) or isinstance(value, bool):
        return MSG_NOT_A_COUNT
    if kind == "score":
        return "" if 0 <= value <= MAX_SCORE else MSG_SCORE
    try:
        parse_count(value)
    except InvalidNumber as exc:
        return str(exc)
    return ""


def _points(hundredths: int) -> str:
    """Score for a message: "17,1", and "18" rather than "18,0"."""
    text = format_score(hundredths)
    return text[:-2] if text.endswith(",0") else text


_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")


def fill(message: str, **values: object) -> str:
    """The project's own substitution for a template's message: "{name}" becomes the value,
    "{{" and "}}" a brace; nothing else is interpreted. Never ``str.format`` on template
    text, which an administrator may upload: it reaches attributes and pads without limit."""
    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name is None:
            return match.group(0)[0]
        return str(values[name]) if name in values else match.group(0)

    return _PLACEHOLDER.sub(replace, message)


def _finding(rule: Rule, keys: Iterable[str], **placeholders: object) -> Finding:
    return Finding(rule.id, rule.severity, rule.section, tuple(keys), fill(rule.message, **placeholders))


# --- rule kinds ------------------------------------------------------------------------


def _balance(rule, section, template, current, previous) -> list[Finding]:
    left, right = rule.param("left"), rule.param("right")
    if rule.param("scope") == "total":
        places = [("", lambda c: total_key(section.id, c))]
    else:
        places = [
            (row.label, lambda c, code=row.code: cell_key(section.id, code, c))
            for row in table_rows(section, current)
        ]
    findings = []
    for label, key_of in places:
        left_sum = sum(number_or_zero(current.get(key_of(c))) for c in left)
        right_sum = sum(number_or_zero(current.get(key_of(c))) for c in right)
        if left_sum != right_sum:
            numbers = {c: format_count(number_or_zero(current.get(key_of(c)))) for c in (*left, *right)}
            findings.append(
                _finding(
                    rule,
                    [key_of(c) for c in (*left, *right)],
                    row=label,
                    left=format_count(left_sum),
                    right=format_count(right_sum),
                    diff=format_signed(left_sum - right_sum),
                    **numbers,
                )
            )
    return findings


def _sum_equals(rule, section, template, current, previous) -> list[Finding]:
    total, parts = rule.param("total"), rule.param("parts")
    keys = [field_key(section.id, f) for f in (total, *parts)]
    if not any(k in current for k in keys):
        return []
    total_value = number_or_zero(current.get(keys[0]))
    parts_value = sum(number_or_zero(current.get(k)) for k in keys[1:])
    if total_value == parts_value:
        return []
    numbers = {f: format_count(number_or_zero(current.get(field_key(section.id, f)))) for f in (total, *parts)}
    return [
        _finding(
            rule, keys, total=format_count(total_value), parts=format_count(parts_value),
            diff=format_signed(total_value - parts_value), **numbers,
        )
    ]


def _has_section_data(values: Mapping[str, object], section: Section) -> bool:
    prefix = section.id + SEP
    return any(key.startswith(prefix) for key in values)


def _carry_over(rule, section, template, current, previous) -> list[Finding]:
    if previous is None or not _has_section_data(previous, section):
        return []
    column, previous_column = rule.param("column"), rule.param("previous_column")
    findings = []
    for row in table_rows(section, current):
        key = cell_key(section.id, row.code, column)
        value = number_or_zero(current.get(key))
        before = number_or_zero(previous.get(cell_key(section.id, row.code, previous_column)))
        if value != before:
            findings.append(
                _finding(rule, [key], row=row.label, value=format_count(value), previous=format_count(before))
            )
    return findings


def _outlier(rule, section, template, current, previous) -> list[Finding]:
    if previous is None:
        return []
    factor, floor = rule.param("factor"), rule.param("floor")
    if section.kind == "table":
        places = [
            (cell_key(section.id, row.code, c.id), f"{row.label}, cột {c.number or c.id}")
            for row in table_rows(section, current)
            for c in section.input_columns
        ]
    else:
        places = [(field_key(section.id, f.id), f.label) for f in section.fields if f.kind == "count"]
    findings = []
    for key, label in places:
        value, before = number_or_zero(current.get(key)), number_or_zero(previous.get(key))
        if value > floor and before > floor and (value > factor * before or value * factor < before):
            findings.append(
                _finding(
                    rule, [key], label=label, value=format_count(value),
                    previous=format_count(before), factor=factor,
                )
            )
    return findings


def _at_most(rule, section, template, current, previous) -> list[Finding]:
    value_key, limit_keys = rule.param("value"), rule.param("limit")
    if value_key not in current:
        return []
    value = number_or_zero(current.get(value_key))
    limit = sum(number_or_zero(current.get(k)) for k in limit_keys)
    if value <= limit:
        return []
    numbers = {k.rsplit(SEP, 1)[-1]: format_count(number_or_zero(current.get(k))) for k in (value_key, *limit_keys)}
    return [
        _finding(
            rule, [value_key, *limit_keys], value=format_count(value), limit=format_count(limit), **numbers
        )
    ]


def _satisfaction(rule, section, template, current, previous) -> list[Finding]:
    forms = section.fields_with_role("forms")[0]
    levels = section.fields_with_role("level")
    indices = section.fields_with_role("index")
    keys = {f.id: field_key(section.id, f.id) for f in section.fields}
    if not any(k in current for k in keys.values()):
        return []
    findings = []
    forms_value = number_or_zero(current.get(keys[forms.id]))
    levels_value = sum(number_or_zero(current.get(keys[f.id])) for f in levels)
    if forms_value != levels_value:
        findings.append(
            _finding(
                rule, [keys[forms.id], *(keys[f.id] for f in levels)],
                forms=format_count(forms_value), levels=format_count(levels_value),
                label=forms.label, value="", total="", max_total="",
            )
        )
    index_message = rule.param("index_message") or MSG_SCORE_RANGE
    for item in indices:
        score = number_or_zero(current.get(keys[item.id]))
        if not 0 <= score <= MAX_SCORE:
            findings.append(
                Finding(
                    rule.id, rule.severity, section.id, (keys[item.id],),
                    fill(
                        index_message, label=item.label, value=_points(score), forms="", levels="", total="", max_total=""
                    ),
                )
            )
    total = sum(number_or_zero(current.get(keys[f.id])) for f in indices)
    max_total = rule.param("max_total")
    if total > max_total:
        total_message = rule.param("total_message") or MSG_SCORE_TOTAL
        findings.append(
            Finding(
                rule.id, rule.severity, section.id, tuple(keys[f.id] for f in indices),
                fill(
                    total_message, total=_points(total), max_total=_points(max_total), forms="", levels="",
                    label="", value="",
                ),
            )
        )
    return findings


_RULES = {
    "balance": _balance,
    "sum_equals": _sum_equals,
    "carry_over": _carry_over,
    "outlier": _outlier,
    "at_most": _at_most,
    "satisfaction": _satisfaction,
}


def previous_reference(template: ReportTemplate, key: str) -> tuple[str, str]:
    """The key of last period's figure a rule compares ``key`` with, and its column number
    when it is another column: (6) "từ kỳ trước" is checked against last period's (11),
    so that is the hint shown under (6); other cells compare with themselves (outliers)."""
    try:
        section_id, row_code, column_id = parse_key(key)
    except ValueError:
        return key, ""
    for rule in template.rules:
        if rule.kind == "carry_over" and rule.section == section_id and rule.param("column") == column_id:
            previous_column = rule.param("previous_column")
            return cell_key(section_id, row_code, previous_column), template.section(section_id).column(previous_column).number
    return key, ""


def carried_over(template: ReportTemplate, previous: Mapping[str, object]) -> dict[str, int]:
    """Opening values for a new period: each carry-over column takes last period's figure
    (form 06a: (6) "từ kỳ trước" = last period's pending (11)), so officers need not retype it."""
    before = {**previous, **compute(template, previous)}
    opening: dict[str, int] = {}
    for rule in template.rules:
        if rule.kind != "carry_over":
            continue
        section = template.section(rule.section)
        column, previous_column = rule.param("column"), rule.param("previous_column")
        for row in table_rows(section, before):
            value = number_or_zero(before.get(cell_key(section.id, row.code, previous_column)))
            if value:
                opening[cell_key(section.id, row.code, column)] = value
    return opening

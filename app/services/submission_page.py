"""Everything the submission page shows, gathered in one place for the views and partials."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from sqlalchemy import select

from ..extensions import db
from ..models import ReviewComment, Submission, SubmissionDocument, SubmissionValue
from ..reporting.diff import key_label
from ..reporting.documents import documents_outside_period
from ..reporting.keys import (
    EXPLAIN_PREFIX,
    cell_key,
    field_key,
    followup_key,
    group_key,
    parse_key,
    text_key,
    total_key,
)
from ..reporting.templates import ReportTemplate, Section
from ..reporting.validation import (
    Finding,
    affected_columns,
    compute,
    compute_section,
    findings_by_key,
    previous_reference,
    validate,
    values_to_read,
)
from .directives import FollowUp, submission_followup
from .rounds import round_template
from .submissions import (
    SaveOutcome,
    claim_revision,
    display,
    explanations,
    plain_values,
    previous_values,
    save_values,
    saves_alone,
    stored_values,
)

SECTION_STATES = {"empty": "Chưa nhập", "progress": "Đang nhập", "errors": "Có lỗi", "complete": "Đã xong"}


def dom_id(key: str) -> str:
    return "k-" + re.sub(r"[^A-Za-z0-9_-]", "-", key)


def finding_id(finding: Finding) -> str:
    """A stable, short name for a warning, to store its explanation under: the rule and a
    digest of the cells it names (row codes can be long; the stored key is bounded)."""
    digest = hashlib.sha1("|".join(finding.keys).encode()).hexdigest()[:16]
    return f"{finding.rule_id}:{digest}"


@dataclass
class SubmissionPage:
    submission: Submission
    template: ReportTemplate
    stored: dict[str, SubmissionValue]
    values: dict
    derived: dict
    findings: list[Finding]
    by_key: dict[str, list[Finding]]
    previous: dict | None
    explained: dict[str, str]
    documents: list[SubmissionDocument]
    comments: dict[str, list[ReviewComment]]
    editable: bool
    typed: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    conflicts: dict = field(default_factory=dict)
    followup: FollowUp | None = None  # directive tasks of the follow-up section
    # The submission's version when these values were read: computed cells carry it, so the
    # page keeps the newest of two replies whatever order they arrive in.
    revision: int = 0

    def shown(self, key: str) -> str:
        if key in self.typed:
            return self.typed[key]
        return display(self.values.get(key), self.template.key_kind(key))

    def stored_text(self, key: str) -> str:
        """The value as saved on the server, whatever the officer typed."""
        return display(self.values.get(key), self.template.key_kind(key))

    def version(self, key: str) -> int:
        row = self.stored.get(key)
        return row.version if row else 0

    def derived_text(self, key: str) -> str:
        return display(self.derived.get(key, 0), "count")

    def previous_hint(self, key: str) -> str:
        """Last period's figure the rules compare this cell with: "kỳ trước (11): 12"."""
        if not self.previous:
            return ""
        reference, number = previous_reference(self.template, key)
        if reference not in self.previous:
            return ""
        value = display(self.previous[reference], self.template.key_kind(key))
        return f"kỳ trước {number}: {value}" if number else f"kỳ trước: {value}"

    def flags(self, key: str) -> str:
        if key in self.errors or key in self.conflicts:
            return "error"
        severities = {f.severity for f in self.by_key.get(key, ())}
        return "error" if "error" in severities else ("warning" if severities else "")

    def section_state(self, section: Section) -> str:
        if self.section_errors(section):
            return "errors"
        if section.kind == "narrative":
            return "complete" if self.values.get(text_key(section.id)) else "empty"
        if section.kind == "documents":
            return "complete" if any(d.section_id == section.id for d in self.documents) else "empty"
        if section.kind == "directives":
            entries = self.followup.entries if self.followup else []
            reported = sum(1 for e in entries if self.values.get(followup_key(section.id, e.task.id, "status")))
            return "complete" if reported == len(entries) else ("progress" if reported else "empty")
        keys = section_input_keys(section)
        filled = sum(1 for k in keys if k in self.values)
        if not filled:
            return "empty"
        return "complete" if filled == len(keys) else "progress"

    def flag_map(self) -> dict[str, str]:
        """dom id → "error"/"warning" for every key a finding names (applied by app.js)."""
        flags: dict[str, str] = {}
        for finding in self.findings:
            for key in finding.keys:
                if flags.get(dom_id(key)) != "error":
                    flags[dom_id(key)] = finding.severity
        return flags

    def section_errors(self, section: Section) -> int:
        """Errors in a section: rule findings and values that could not be saved."""
        prefix = section.id + "/"
        return (sum(1 for f in self.findings if f.section_id == section.id and f.severity == "error")
                + sum(1 for k in self.errors if k.startswith(prefix)))

    def commented_sections(self) -> list[Section]:
        """Sections the reviewer wrote about, in report order (a returned report opens at the first)."""
        return [s for s in self.template.sections if self.comments.get(s.id)]

    @property
    def comments_count(self) -> int:
        return sum(len(c) for c in self.comments.values())

    @property
    def errors_count(self) -> int:
        """Rule errors and values that could not be saved (a refused save's page counts them too)."""
        return sum(1 for f in self.findings if f.severity == "error") + len(self.errors)

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    def unexplained(self) -> list[Finding]:
        return [f for f in self.warnings if not self.explained.get(finding_id(f))]

    def key_label(self, key: str) -> str:
        return key_label(self.template, key)

    def last_saved(self):
        times = [row.updated_at for row in self.stored.values() if row.updated_at]
        return max(times) if times else None


def quick_page(submission: Submission, stored: dict, section_id: str | None, key: str | None = None,
               template: ReportTemplate | None = None, **overrides) -> SubmissionPage:
    """Just enough for an autosave reply: the saved field and the computed cells it changes
    (``derived_keys_for``; all of its section's without ``key``). Rules run in the
    debounced checks refresh, not on every keystroke."""
    template = template or round_template(submission.round)
    values = plain_values(stored)
    return SubmissionPage(
        submission=submission, template=template, stored=stored, values=values,
        derived=_changed_cells(template, values, section_id, key), findings=[], by_key={}, previous=None,
        explained={}, documents=[], comments={}, editable=True, **overrides,
    )


def _changed_cells(template: ReportTemplate, values: dict, section_id: str | None, key: str | None) -> dict[str, int]:
    if section_id is None:
        return {}
    try:
        columns = affected_columns(template.section(section_id), parse_key(key)[2]) if key else None
    except (KeyError, ValueError):  # not a cell of this template: the reply shows the refusal only
        return {}
    return compute_section(template, section_id, values, columns)


def section_input_keys(section: Section) -> list[str]:
    if section.kind in ("indicators", "satisfaction"):
        return [field_key(section.id, f.id) for f in section.fields]
    if section.kind == "table":
        return [cell_key(section.id, r.code, c.id) for r in section.rows for c in section.input_columns]
    return []


def build_page(submission: Submission, editable: bool, stored: dict[str, SubmissionValue] | None = None,
               **overrides) -> SubmissionPage:
    template = round_template(submission.round)
    stored = stored if stored is not None else stored_values(submission.id)
    values = plain_values(stored)
    # Tasks of open directives start from the unit's last report until it changes them.
    followup = submission_followup(submission, template, values, editable)
    values.update(followup.prefill)
    previous = previous_values(submission)
    findings = validate(template, values, previous)
    documents = db.session.scalars(
        select(SubmissionDocument).where(SubmissionDocument.submission_id == submission.id)
        .order_by(SubmissionDocument.position, SubmissionDocument.id)
    ).all()
    findings += documents_outside_period(documents, submission.round.date_from, submission.round.date_to)
    comments: dict[str, list[ReviewComment]] = {}
    if submission.status in ("returned", "draft", "submitted"):
        latest = db.session.scalar(select(db.func.max(ReviewComment.return_number)).where(ReviewComment.submission_id == submission.id))
        for c in db.session.scalars(select(ReviewComment).where(ReviewComment.submission_id == submission.id,
                                                                 ReviewComment.return_number == latest)):
            comments.setdefault(c.section_id, []).append(c)
    overrides.setdefault("revision", submission.version)
    return SubmissionPage(
        submission=submission, template=template, stored=stored, values=values, derived=compute(template, values),
        findings=findings, by_key=findings_by_key(findings),
        previous={**previous, **compute(template, previous)} if previous is not None else None, explained=explanations(stored),
        documents=documents, comments=comments, editable=editable, followup=followup, **overrides,
    )


def autosave_values(submission_id: int, template: ReportTemplate, key: str) -> dict:
    """What an autosave of ``key`` reads (``values_to_read``): the stored cell and what the
    cells it changes are computed from."""
    reads = values_to_read(template, key)
    return stored_values(submission_id, reads.section_id, reads.columns)


def derived_keys_for(template: ReportTemplate, key: str) -> list[str]:
    """The computed cells that change when ``key`` changes: in its column and the columns
    summing it, its row's cells, its group's subtotal and the total row. Only these go
    back with an autosave; each is recomputed from what is stored, never incremented."""
    section_id, row_code, column_id = parse_key(key)
    section = template.section(section_id)
    if section.kind != "table" or column_id is None:
        return []
    affected = affected_columns(section, column_id)
    columns = [c for c in section.columns if c.id in affected]
    row = next((r for r in section.rows if r.code == row_code), None)
    keys = [cell_key(section_id, row_code, c.id) for c in columns if not c.is_input]
    for column in columns:
        if row is not None and row.group:
            keys.append(group_key(section_id, row.group, column.id))
        keys.append(total_key(section_id, column.id))
    return keys


__all__ = ["EXPLAIN_PREFIX", "SECTION_STATES", "autosave_values", "build_page", "dom_id", "finding_id", "derived_keys_for"]


def save_in_turn(submission, template: ReportTemplate, entries: list, user, key: str,
                 single: bool) -> tuple[SaveOutcome, dict, int]:
    """Save ``entries`` as one of the report's numbered saves and commit (or let go) the work.

    Saves of one report are numbered in turn, so that a reply's totals include every earlier
    save and the page keeps the newest reply. In a transaction the number is claimed before
    any read; a save outside one (PostgreSQL, one value) claims it with its write, and reads
    again in the rare case another save came between. Returns the outcome, the values the
    reply is computed from (one cell's neighbours when ``single``) and the revision they show."""
    def read() -> dict:
        return autosave_values(submission.id, template, key) if single else stored_values(submission.id)

    alone = saves_alone()
    revision = submission.version if alone else claim_revision(submission)
    prefetched = submission.prefetched  # read with the submission (``saver``)
    stored = prefetched[1] if alone and single and prefetched and prefetched[0] == key else read()
    outcome = save_values(submission, template, entries, user, stored=stored, claim=alone)
    if outcome.saved:
        if not alone or db.session.registry.has():  # alone, the write committed itself
            db.session.commit()
        if alone and outcome.revision is not None:
            if outcome.revision != revision + 1:
                stored = read()
            revision = outcome.revision
    elif not alone:  # nothing written: the claim is let go, and what was read is the version before it
        db.session.rollback()
        revision -= 1
    return outcome, stored, revision

"""A template before it is published, filled with sample values: the entry form, the Excel
and the Word layout an administrator checks before anyone reports with it."""
from __future__ import annotations

from datetime import datetime

from ..models import Submission, SubmissionDocument
from ..reporting.clock import vn_today
from ..reporting.consolidation import UnitInput, consolidate
from ..reporting.figures import write_figures
from ..reporting.keys import note_key, text_key
from ..reporting.periods import adhoc_period, current_period, period_label, window_label
from ..reporting.templates import DEFAULT_FIELDS, ReportTemplate, bind_rows
from ..reporting.validation import compute
from .export_model import ExportParts, UnitStatus
from .submission_page import SubmissionPage

SAMPLE_UNITS = ("Xã Mẫu Một", "Xã Mẫu Hai")


def sample_template(template: ReportTemplate) -> ReportTemplate:
    """The template with a typical fields catalogue for its catalogue tables."""
    return bind_rows(template, DEFAULT_FIELDS)


def sample_values(template: ReportTemplate, seed: int = 0) -> dict[str, int | str]:
    """Plausible values for every input: small counts, full survey scores, a line of text."""
    values: dict[str, int | str] = {}
    for i, key in enumerate(template.input_keys()):
        values[key] = 190 if template.key_kind(key) == "score" else (i * 7 + seed * 3) % 23 + 1
    _balance(template, values)
    for section in template.sections_of("satisfaction"):
        forms = [f for f in section.fields if f.role == "forms"]
        levels = [f for f in section.fields if f.role == "level"]
        if forms:
            values[f"{section.id}/{forms[0].id}"] = sum(int(values[f"{section.id}/{f.id}"]) for f in levels)
    for section in template.sections_of("narrative"):
        values[text_key(section.id)] = f"Nội dung mẫu của mục {section.number} {section.heading.lower()}."
    for section in template.note_sections():
        values[note_key(section.id)] = f"Thuyết minh mẫu bên cạnh số liệu của mục {section.number}"
    return values


def _balance(template: ReportTemplate, values: dict) -> None:
    """Make the sample agree with the template's sum and balance rules, so the preview reads
    like a real report (received = resolved + pending)."""
    for rule in template.rules:
        if rule.kind == "sum_equals":
            section = rule.section
            values[f"{section}/{rule.param('total')}"] = sum(int(values[f"{section}/{p}"]) for p in rule.param("parts"))
        elif rule.kind == "balance":
            section = template.section(rule.section)

            def inputs(columns) -> list[str]:
                return [c for column in columns for c in (section.column(column).computed or (column,))]

            left, right = inputs(rule.param("left")), inputs(rule.param("right"))
            if not right:
                continue
            for row in section.rows:
                key = f"{section.id}/{row.code}/{{}}".format
                wanted = sum(int(values.get(key(c), 0)) for c in left)
                others = sum(int(values.get(key(c), 0)) for c in right[:-1])
                if others > wanted:
                    for c in right[:-1]:
                        values[key(c)] = 0
                    others = 0
                values[key(right[-1])] = wanted - others


def sample_documents(template: ReportTemplate) -> list[dict]:
    today = vn_today()
    return [{"section_id": s.id, "doc_type": "KH", "number": "01/KH-UBND", "issued_on": today,
             "summary": "Kế hoạch mẫu về cải cách hành chính"} for s in template.sections_of("documents")]


def sample_parts(template: ReportTemplate) -> ExportParts:
    """A consolidation of two sample communes, as the exports would write it."""
    bound = sample_template(template)
    today = vn_today()
    if template.frequency == "adhoc":
        period = adhoc_period(today.replace(day=1), today)
    else:
        period = current_period(template.frequency, today, template.period_convention)
    inputs = [UnitInput(i + 1, name, sample_values(bound, i), sample_documents(bound), kind="commune")
              for i, name in enumerate(SAMPLE_UNITS)]
    result = consolidate(bound, inputs)
    label = period_label(period)
    return ExportParts(
        template=bound, result=result, period_label=label, period_window=window_label(period),
        reporting_unit="UBND huyện Mẫu", receiving_unit="UBND tỉnh Mẫu", issuing_body="UBND huyện Mẫu",
        parent_body="UBND tỉnh Mẫu", place_name="Mẫu", year=today.year,
        figure_sentences=write_figures(result, period_label=label),
        reviewer_texts={s.id: f"Nội dung tổng hợp mẫu của mục {s.number} {s.heading.lower()}." for s in bound.sections_of("narrative")},
        unit_titles={name: f"UBND {name[:1].lower()}{name[1:]}" for name in SAMPLE_UNITS},
        completeness=tuple(UnitStatus(name, "Đã duyệt", datetime(today.year, today.month, today.day), True) for name in SAMPLE_UNITS),
        created=datetime(today.year, 1, 1),
    )


def preview_page(template: ReportTemplate) -> SubmissionPage:
    """The entry page's data for a sample commune, read-only: what an officer will see.
    The submission is never added to the session."""
    bound = sample_template(template)
    values = sample_values(bound)
    documents = [SubmissionDocument(id=0, position=i, **doc) for i, doc in enumerate(sample_documents(bound))]
    return SubmissionPage(
        submission=Submission(id=0, status="draft"), template=bound, stored={}, values=values,
        derived=compute(bound, values), findings=[], by_key={}, previous=None, explained={}, documents=documents,
        comments={}, editable=False,
    )

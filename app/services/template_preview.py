"""A template before it is published, filled with sample values: the entry form, the Excel
and the Word layout an administrator checks before anyone reports with it."""
from __future__ import annotations

from datetime import datetime

from ..models import Submission, SubmissionDocument
from ..reporting.clock import vn_today
from ..reporting.consolidation import UnitInput, consolidate
from ..reporting.figures import write_figures
from ..reporting.keys import cell_key, field_key, note_key, parse_key, text_key
from ..reporting.periods import adhoc_period, current_period, period_label, window_label
from ..reporting.templates import DEFAULT_FIELDS, ReportTemplate, bind_rows
from ..reporting.validation import compute
from ..reporting.wording import placeholders
from .export_model import ExportParts, UnitStatus
from .submission_page import SubmissionPage

SAMPLE_UNITS = ("Xã Mẫu Một", "Xã Mẫu Hai")


def sample_template(template: ReportTemplate) -> ReportTemplate:
    """The template with a typical fields catalogue for its catalogue tables."""
    return bind_rows(template, DEFAULT_FIELDS)


def sample_values(template: ReportTemplate, seed: int = 0) -> dict[str, int | str]:
    """Believable values for every input: small counts that satisfy the template's own rules —
    totals equal their parts, balances balance, a "trong đó" part or a ratio's numerator never
    exceeds its whole (no share above 100 %), an attainment never exceeds its catalogue size."""
    values: dict[str, int | str] = {}
    for i, key in enumerate(template.input_keys()):
        values[key] = 190 if template.key_kind(key) == "score" else (i * 7 + seed * 3) % 23 + 1
    limits, settings = _constraints(template, seed)
    # Parts are capped first, then totals are derived from them: a few passes settle both,
    # since a capped part only lowers the totals above it.
    for _ in range(4):
        for parts, whole in limits:
            _cap(values, parts, whole)
        for setting in settings:
            setting(values)
    for section in template.sections_of("narrative"):
        values[text_key(section.id)] = f"Nội dung mẫu của mục {section.number} {section.heading.lower()}."
    for section in template.note_sections():
        values[note_key(section.id)] = f"Thuyết minh mẫu bên cạnh số liệu của mục {section.number}"
    return values


Keys = tuple[str, ...]


def _constraints(template: ReportTemplate, seed: int) -> tuple[list[tuple[Keys, Keys]], list]:
    """(parts ≤ whole) pairs of input keys and the derivations (total = sum of parts) the
    template's rules, ratios, figure sentences and attainment fields imply."""
    limits: list[tuple[Keys, Keys]] = []
    settings: list = []
    for section in template.sections:
        if section.kind == "table":
            for row in section.rows:
                for ratio in section.ratios:
                    limits.append((_row_keys(section, row.code, ratio.numerator), _row_keys(section, row.code, ratio.denominator)))
                for numerator, denominator in _shares(section):
                    limits.append((_row_keys(section, row.code, numerator), _row_keys(section, row.code, denominator)))
        elif section.kind == "indicators":
            for field in section.fields:
                if field.consolidate == "attainment":
                    settings.append(_attains(field_key(section.id, field.id), field_key(section.id, field.of), seed))
            for numerator, denominator in _shares(section):
                limits.append((tuple(field_key(section.id, n) for n in numerator),
                               tuple(field_key(section.id, d) for d in denominator)))
        elif section.kind == "satisfaction":
            forms = section.fields_with_role("forms")
            levels = tuple(field_key(section.id, f.id) for f in section.fields_with_role("level"))
            if forms:
                settings.append(_sets(field_key(section.id, forms[0].id), levels))
    for rule in template.rules:
        section = template.section(rule.section)
        if rule.kind == "sum_equals":
            settings.append(_sets(field_key(section.id, rule.param("total")),
                                  tuple(field_key(section.id, p) for p in rule.param("parts"))))
        elif rule.kind == "at_most":
            limits.append((_term_keys(template, rule.param("value")),
                           tuple(k for term in rule.param("limit") for k in _term_keys(template, term))))
        elif rule.kind == "balance":
            for row in section.rows:
                settings.append(_balances(_row_keys(section, row.code, rule.param("left")),
                                          _row_keys(section, row.code, rule.param("right"))))
    return limits, settings


def _shares(section) -> list[tuple[Keys, Keys]]:
    """(part, whole) names the section's sentences imply: every {pct:a+b/c+d}, and the figures
    after "trong đó" against the last figure before it ("{c3} hồ sơ, trong đó {c4} trực tuyến")."""
    found = []
    for block in section.figures:
        for line in block.lines:
            for item in placeholders(line):
                if item.function == "pct":
                    numerator, denominator = item.argument.split("/")
                    found.append((tuple(numerator.split("+")), tuple(denominator.split("+"))))
            whole: Keys = ()
            parts: list[Keys] = []
            for piece in _flat(line):
                if isinstance(piece, str):
                    if parts and any(mark in piece for mark in ".;"):  # the sentence ends
                        found.extend((p, whole) for p in parts if p)
                        whole, parts = (), []
                    if "trong đó" in piece.lower() and whole and not parts:
                        parts.append(())
                elif piece.function == "value":
                    names = tuple(piece.argument.split("+"))
                    if parts:
                        parts.append(names)
                    else:
                        whole = names
            found.extend((p, whole) for p in parts if p)
    return found


def _flat(line) -> list:
    pieces: list = []
    for part in line:
        pieces.extend(part.parts if hasattr(part, "parts") else (part,))
    return pieces


def _row_keys(section, row: str, columns) -> Keys:
    """The input cells of one row that the named columns (input or computed) add up."""
    keys = []
    for column_id in columns:
        try:
            column = section.column(column_id)
        except KeyError:
            continue
        keys.extend(cell_key(section.id, row, c) for c in (column.computed or (column.id,)))
    return tuple(keys)


def _term_keys(template: ReportTemplate, term: str) -> Keys:
    """A rule's term as input keys: "I.5.6/apologies", or a column over rows "I.4/_total/c10"."""
    section_id, part, sub = parse_key(term)
    section = template.section(section_id)
    if sub is None:
        return (term,)
    group = part.removeprefix("_group:") if part.startswith("_group:") else None
    rows = [r.code for r in section.rows if part == "_total" or r.group == group or r.code == part]
    return tuple(k for row in rows for k in _row_keys(section, row, (sub,)))


def _cap(values: dict, parts: Keys, whole: Keys) -> None:
    """Lower the parts not shared with the whole until sum(parts) ≤ sum(whole), to about
    nine tenths of the room left (a believable "trong đó")."""
    shared = set(parts) & set(whole)
    own = [k for k in parts if k not in shared]
    room = sum(int(values.get(k, 0)) for k in whole if k not in shared)
    if not own or sum(int(values.get(k, 0)) for k in own) <= room:
        return
    target = room - room // 10
    for key in own:
        keep = min(int(values.get(key, 0)), target)
        values[key] = keep
        target -= keep


def _sets(total: str, parts: Keys):
    def apply(values: dict) -> None:
        values[total] = sum(int(values.get(k, 0)) for k in parts)
    return apply


def _attains(field: str, of: str, seed: int):
    """Most units provide every service of their catalogue; every other one is one short."""
    def apply(values: dict) -> None:
        size = int(values.get(of, 0))
        values[field] = size - 1 if (seed + len(field)) % 2 and size > 1 else size
    return apply


def _balances(left: Keys, right: Keys):
    """received = resolved + pending: the last input on the right takes the difference."""
    def apply(values: dict) -> None:
        if not right:
            return
        wanted = sum(int(values.get(k, 0)) for k in left)
        others = sum(int(values.get(k, 0)) for k in right[:-1])
        if others > wanted:
            for key in right[:-1]:
                values[key] = 0
            others = 0
        values[right[-1]] = wanted - others
    return apply


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

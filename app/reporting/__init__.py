"""domain_summary — the reporting domain of Tổng hợp, pure Python (stdlib only, no Flask).

- numbers:        parse and display counts, index scores and percentages the Vietnamese way
                  (parse_count, parse_score, format_count, format_percent, ratio, format_score)
- keys:           the flat key scheme of a submission's values: cell_key, field_key, text_key,
                  and the derived total_key, group_key, score_key; parse_key
- templates:      report templates loaded from TOML (templates/*.toml): sections, columns,
                  rows, rules; bind_rows fills catalogue tables; DEFAULT_FIELDS
- periods:        periods and their Decree 09 / calendar windows, labels, previous and
                  current period, working-day deadlines
- validation:     compute (derived values) and validate (rules → findings beside cells)
- consolidation:  consolidate units' submissions: sums, recomputed totals and ratios,
                  per-unit breakdown, contributions, survey weighting, merged narratives
"""
from .consolidation import (
    Consolidation,
    GroupResult,
    NarrativeMerge,
    SatisfactionResult,
    TableResult,
    TableRow,
    UnitInput,
    consolidate,
    contributions,
    merge_narratives,
)
from .keys import cell_key, field_key, group_key, is_derived, parse_key, score_key, text_key, total_key
from .numbers import (
    InvalidNumber,
    format_count,
    format_percent,
    format_ratio,
    format_score,
    format_signed,
    parse_count,
    parse_score,
    ratio,
)
from .periods import (
    Period,
    add_working_days,
    adhoc_period,
    current_period,
    default_deadline,
    make_period,
    period_label,
    period_window,
    previous_period,
    window_label,
)
from .templates import (
    DEFAULT_FIELDS,
    Column,
    Field,
    Rating,
    Ratio,
    ReportTemplate,
    Row,
    RowGroup,
    Rule,
    Section,
    TemplateError,
    bind_rows,
    load_template,
    load_template_text,
    shipped_templates,
)
from .validation import Finding, compute, findings_by_key, has_errors, parse_value, validate

__all__ = [
    "Column", "Consolidation", "DEFAULT_FIELDS", "Field", "Finding", "GroupResult",
    "InvalidNumber", "NarrativeMerge", "Period", "Rating", "Ratio", "ReportTemplate", "Row",
    "RowGroup", "Rule", "SatisfactionResult", "Section", "TableResult", "TableRow",
    "TemplateError", "UnitInput", "add_working_days", "adhoc_period", "bind_rows", "cell_key",
    "compute", "consolidate", "contributions", "current_period", "default_deadline",
    "field_key", "findings_by_key", "format_count", "format_percent", "format_ratio",
    "format_score", "format_signed", "group_key", "has_errors", "is_derived", "load_template",
    "load_template_text", "make_period", "merge_narratives", "parse_count", "parse_key",
    "parse_score", "parse_value", "period_label", "period_window", "previous_period", "ratio",
    "score_key", "shipped_templates", "text_key", "total_key", "validate", "window_label",
]

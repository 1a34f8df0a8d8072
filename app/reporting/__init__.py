"""domain_summary — the reporting domain of Tổng hợp, pure Python, no Flask.

- numbers:       parse and display counts, scores and percentages the Vietnamese way
- keys:          the flat key scheme of a submission's values (cell, field, text, totals)
- templates:     report templates loaded from TOML (sections, columns, rules), catalogue rows
- periods:       periods, Decree 09 / calendar windows, labels, previous/current, deadlines
"""
from .keys import cell_key, field_key, group_key, is_derived, parse_key, score_key, text_key, total_key
from .numbers import (
    InvalidNumber, format_count, format_percent, format_ratio, format_score, parse_count,
    parse_score, ratio,
)
from .periods import (
    Period, add_working_days, adhoc_period, current_period, default_deadline, make_period,
    period_label, period_window, previous_period, window_label,
)
from .templates import (
    DEFAULT_FIELDS, Column, Field, Rating, Ratio, ReportTemplate, Row, RowGroup, Rule, Section,
    TemplateError, bind_rows, load_template, load_template_text, shipped_templates,
)

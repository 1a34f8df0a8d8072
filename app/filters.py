"""Jinja filters: Vietnamese dates and numbers (the formats live in the domain)."""
from __future__ import annotations

from datetime import datetime

from .reporting.clock import format_clock, format_day, format_moment
from .reporting.numbers import format_count, format_ratio, format_score
from .reporting.periods import kind_label


def vn_count(value) -> str:
    if value is None or value == "":
        return ""
    return format_count(int(value))


def finalize(value):
    """Every ``{{ … }}`` passes here: a time printed without a filter is still Vietnam time,
    never the naive UTC the database holds."""
    if isinstance(value, datetime):
        return format_moment(value)
    return value


def register_filters(app) -> None:
    app.jinja_env.finalize = finalize
    app.jinja_env.filters.update(
        vn_date=format_day, vn_datetime=format_moment, vn_time=format_clock, vn_count=vn_count,
        period_kind=kind_label,
    )
    from .reporting.diff import key_label
    from .reporting.layout import header_cells
    from .reporting.synthesis import notice_line, unit_list
    from .reporting.text import CONSOLIDATED_TEXT_LIMIT

    app.jinja_env.globals.update(unit_list=unit_list, notice_line=notice_line, text_limit=CONSOLIDATED_TEXT_LIMIT)

    app.jinja_env.globals.update(key_label=key_label, header_cells=header_cells, pct=format_ratio, score=lambda h: format_score(h) if h is not None else "–")

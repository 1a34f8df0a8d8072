"""Jinja filters: Vietnamese dates and numbers."""
from __future__ import annotations

from datetime import date, datetime

from .reporting.clock import to_local
from .reporting.numbers import format_count, format_ratio, format_score


def vn_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    return value.strftime("%d/%m/%Y")


def vn_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return to_local(value).strftime("%H:%M %d/%m/%Y")


def vn_time(value: datetime | None) -> str:
    if value is None:
        return ""
    return to_local(value).strftime("%H:%M")


def vn_count(value) -> str:
    if value is None or value == "":
        return ""
    return format_count(int(value))


def finalize(value):
    """Every ``{{ … }}`` passes here: a time printed without a filter is still Vietnam time,
    never the naive UTC the database holds."""
    if isinstance(value, datetime):
        return vn_datetime(value)
    return value


def register_filters(app) -> None:
    app.jinja_env.finalize = finalize
    app.jinja_env.filters.update(
        vn_date=vn_date, vn_datetime=vn_datetime, vn_time=vn_time, vn_count=vn_count
    )
    from .reporting.diff import key_label
    from .reporting.layout import header_cells

    app.jinja_env.globals.update(key_label=key_label, header_cells=header_cells, pct=format_ratio, score=lambda h: format_score(h) if h is not None else "–")

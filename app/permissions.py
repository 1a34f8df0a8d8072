"""Flask-side guards for blueprints; the pure predicates (who may see or change what) live
in ``services.access``."""
from __future__ import annotations

from typing import TypeVar

from flask import abort
from flask_login import current_user

from .services.ids import get_row

T = TypeVar("T")


def get_or_404(model: type[T], object_id: int, options=()) -> T:
    obj = get_row(model, object_id, options=list(options))
    if obj is None:
        abort(404)
    return obj


def section_or_404(template, section_id: str, kind: str | None = None):
    """The template's section (of that kind, when given) named in a URL, or 404."""
    try:
        section = template.section(section_id)
    except KeyError:
        abort(404)
    if kind is not None and section.kind != kind:
        abort(404)
    return section


def require_role(*roles: str) -> None:
    if current_user.role not in roles:
        abort(403)

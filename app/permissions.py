"""Who may see or change what. Pure predicates over plain values, plus loaders for views.

The rule (design §4): every object belongs to a unit; a user may touch it only if that
unit is in the user's scope — its own unit for a reporter, its own subtree for a
reviewer, everything for an admin.
"""
from __future__ import annotations

from typing import Protocol, TypeVar

from flask import abort
from flask_login import current_user

from .extensions import db


class HasScope(Protocol):
    role: str
    unit_id: int


def in_scope(role: str, user_unit_id: int, user_unit_path: str, unit_id: int, unit_path: str) -> bool:
    if role == "admin":
        return True
    if role == "reviewer":
        return unit_path.startswith(user_unit_path)
    return unit_id == user_unit_id


def can_view_unit(user, unit) -> bool:
    return in_scope(user.role, user.unit_id, user.unit.path, unit.id, unit.path)


def can_edit_submission(user, submission) -> bool:
    """Only the unit's own users fill its submission, and only while it is not locked."""
    return (
        user.role in ("reporter", "reviewer")
        and submission.unit_id == user.unit_id
        and not submission.locked
        and submission.round.status == "open"
    )


def can_review_round(user, round_) -> bool:
    """Reviewers run rounds of their own unit or of units below it."""
    return user.role in ("reviewer", "admin") and can_view_unit(user, round_.unit)


def can_review_submission(user, submission) -> bool:
    return can_review_round(user, submission.round)


T = TypeVar("T")


def get_or_404(model: type[T], object_id: int, options=()) -> T:
    obj = db.session.get(model, object_id, options=list(options))
    if obj is None:
        abort(404)
    return obj


def section_or_404(template, section_id: str, kind: str):
    """The template's section of that kind named in a URL, or 404."""
    try:
        section = template.section(section_id)
    except KeyError:
        abort(404)
    if section.kind != kind:
        abort(404)
    return section


def require_unit_in_scope(unit) -> None:
    """Out of scope looks exactly like not found: never reveal that it exists."""
    if not can_view_unit(current_user, unit):
        abort(404)


def require_role(*roles: str) -> None:
    if current_user.role not in roles:
        abort(403)

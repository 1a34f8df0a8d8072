"""Who may see or change what: pure predicates over the user and the object.

The rule (design §4): every object belongs to a unit; a user may touch it only if that
unit is in the user's scope — its own unit for a reporter, its own subtree for a
reviewer, everything for an admin.
"""
from __future__ import annotations


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

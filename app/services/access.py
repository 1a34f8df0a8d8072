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
    """Only the unit's own users fill its submission, and only while it is not locked and
    the round is open — or while it is returned to them: a returned report is never stuck,
    even in a round closed since."""
    return (
        user.role in ("reporter", "reviewer")
        and submission.unit_id == user.unit_id
        and not submission.locked
        and (submission.round.status == "open" or submission.status == "returned")
    )


def can_review_round(user, round_) -> bool:
    """Reviewers run rounds of their own unit or of units below it."""
    return user.role in ("reviewer", "admin") and can_view_unit(user, round_.unit)


def can_act_on_round(user, round_) -> bool:
    """Approving, returning, reopening, closing: the reviewers of the unit that opened the
    round (or the administrator). A higher level reads a lower level's round, never acts
    in it: the district's review cannot be bypassed from the province."""
    return (user.role == "reviewer" and round_.unit_id == user.unit_id) or user.role == "admin"


def can_review_submission(user, submission) -> bool:
    return can_review_round(user, submission.round)

"""Who may see or change what: pure predicates over the user and the object.

The rule (design §4): every object belongs to a unit; a user may touch it only if that
unit is in the user's scope — its own unit for a reporter, its own subtree for a reviewer
or a unit administrator, everything for the system administrator (quản trị hệ thống).

Administrators run the installation (units, users, fields, calendar, templates; opening,
closing and extending rounds) but never approve, return or consolidate: that is the
reviewers' act (``can_act_on_round``).
"""
from __future__ import annotations


def in_scope(role: str, user_unit_id: int, user_unit_path: str, unit_id: int, unit_path: str,
             system_admin: bool = False) -> bool:
    if role == "admin" and system_admin:
        return True
    if role in ("reviewer", "admin"):
        return unit_path.startswith(user_unit_path)
    return unit_id == user_unit_id


def can_view_unit(user, unit) -> bool:
    return in_scope(user.role, user.unit_id, user.unit.path, unit.id, unit.path, bool(getattr(user, "system_admin", False)))


# --- Administrators ----------------------------------------------------------------------

def is_admin(user) -> bool:
    return getattr(user, "role", None) == "admin"


def is_system_admin(user) -> bool:
    return is_admin(user) and bool(user.system_admin)


def admin_scope_path(user) -> str | None:
    """The path prefix of the units an administrator manages; None for the whole installation."""
    return None if is_system_admin(user) else user.unit.path


def admin_in_scope(user, unit) -> bool:
    """An administrator may manage this unit (and what belongs to it)."""
    if unit is None:
        # What belongs to no unit (the shared fields list, national holidays) is the system's.
        return is_system_admin(user)
    return is_admin(user) and (is_system_admin(user) or unit.path.startswith(user.unit.path))


def can_manage_user(admin, user) -> bool:
    return admin_in_scope(admin, user.unit) and (is_system_admin(admin) or not user.system_admin)


def can_run_round(user, round_) -> bool:
    """Opening, closing, reopening and extending a round: its own unit's reviewers, or an
    administrator whose scope holds the round's unit."""
    if user.role == "reviewer":
        return round_.unit_id == user.unit_id
    return admin_in_scope(user, round_.unit)


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
    """Approving, returning, consolidating: the reviewers of the unit that opened the round.
    A higher level reads a lower level's round, never acts in it: the district's review
    cannot be bypassed from the province, nor by an administrator."""
    return user.role == "reviewer" and round_.unit_id == user.unit_id


def can_read_submission(user, unit, round_unit_path: str) -> bool:
    """A submission's readers: the reviewers (and administrators in scope) of its round's
    unit and that unit's ancestors, and the submitting unit's own users. The round decides,
    not where the unit sits today: after a move the old district still reads the reports
    of its own rounds, and the new district reads only those of the rounds it owns."""
    if is_system_admin(user) or user.unit_id == unit.id:
        return True
    return user.role in ("reviewer", "admin") and round_unit_path.startswith(user.unit.path)


def can_review_submission(user, submission) -> bool:
    return can_review_round(user, submission.round)

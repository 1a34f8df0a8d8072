"""Returning a report with the reviewer's comments (trả lại kèm ý kiến), and the snapshot of
what was returned, against which the resubmission's changes are shown."""
from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from ..models import ReviewComment, Submission, SubmissionSnapshot, User
from .submissions import log_action, move, snapshot_json


def latest_snapshot(submission_id: int) -> SubmissionSnapshot | None:
    return db.session.scalar(select(SubmissionSnapshot).where(SubmissionSnapshot.submission_id == submission_id)
                             .order_by(SubmissionSnapshot.id.desc()).limit(1))


def return_with_comments(submission: Submission, user: User, comments: dict[str, str]) -> None:
    """Comments (section id → text) numbered as this report's next return, the values kept as
    returned, and the report moved back to the unit."""
    number = (db.session.scalar(select(func.max(ReviewComment.return_number))
                                .where(ReviewComment.submission_id == submission.id)) or 0) + 1
    for section_id, text in comments.items():
        db.session.add(ReviewComment(submission_id=submission.id, section_id=section_id, text=text, author_id=user.id,
                                     return_number=number))
        log_action(submission, user, "comment", f"{section_id}: {text}")
    db.session.add(SubmissionSnapshot(submission_id=submission.id, values_json=snapshot_json(submission.id)))
    move(submission, user, "return")

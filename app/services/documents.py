"""The documents a unit lists in its report (văn bản: directives, plans, decisions): add,
change, remove, each logged on the report."""
from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from ..models import Submission, SubmissionDocument, User
from ..reporting.clock import utcnow
from .ids import get_row
from .submissions import log_action


def submission_document(submission: Submission, document_id: int) -> SubmissionDocument | None:
    """The document if it belongs to this report, else None (reads as not found)."""
    doc = get_row(SubmissionDocument, document_id)
    return doc if doc is not None and doc.submission_id == submission.id else None


def add_document(submission: Submission, user: User, section_id: str, data: dict) -> SubmissionDocument:
    position = db.session.scalar(select(func.count(SubmissionDocument.id))
                                 .where(SubmissionDocument.submission_id == submission.id))
    doc = SubmissionDocument(submission_id=submission.id, section_id=section_id, doc_type=data["doc_type"],
                             number=data["number"], issued_on=data["issued_date"], summary=data["summary"],
                             position=position)
    db.session.add(doc)
    log_action(submission, user, "document", f"Thêm {data['doc_type']} {data['number']}")
    submission.updated_at = utcnow()
    if submission.status == "not_started":
        submission.status = "draft"
    return doc


def change_document(submission: Submission, user: User, doc: SubmissionDocument, data: dict) -> None:
    log_action(submission, user, "document", f"Sửa {doc.doc_type} {doc.number} → {data['doc_type']} {data['number']}")
    doc.doc_type, doc.number, doc.issued_on, doc.summary = data["doc_type"], data["number"], data["issued_date"], data["summary"]
    doc.version += 1
    submission.updated_at = utcnow()


def remove_document(submission: Submission, user: User, doc: SubmissionDocument) -> None:
    log_action(submission, user, "document", f"Xóa {doc.doc_type} {doc.number}")
    db.session.delete(doc)

"""Typed ORM models. Vietnamese terms are mapped in comments, identifiers stay English."""

from __future__ import annotations

from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy import false as sa_false
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from .extensions import db
from .reporting.clock import utcnow
from .reporting.lifecycle import is_locked
from .reporting.templates import frozen_digest

# Kinds of organisation unit (tỉnh, huyện, xã, phường, thị trấn, đặc khu, phòng/ban).
UNIT_KINDS = {
    # A national unit above the provinces, for an installation serving many (issues 22, 24).
    "central": "Trung ương",
    "province": "Tỉnh",
    "district": "Huyện",
    "commune": "Xã",
    "ward": "Phường",
    "town": "Thị trấn",
    "special": "Đặc khu",
    "office": "Phòng, ban",
    "department": "Sở, ban, ngành",
}

ROLES = {"reporter": "Cán bộ đầu mối", "reviewer": "Cán bộ tổng hợp", "admin": "Quản trị"}


class OrgUnit(db.Model):
    """A node of the organisation tree (đơn vị)."""

    __tablename__ = "org_unit"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    place_name: Mapped[str] = mapped_column(String(100), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    # Materialised path "/1/5/23/": a subtree is one indexed prefix query.
    path: Mapped[str] = mapped_column(String(500), index=True, default="/")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[OrgUnit]] = relationship(back_populates="parent", order_by="OrgUnit.sort_order, OrgUnit.name")

    @property
    def kind_label(self) -> str:
        return UNIT_KINDS.get(self.kind, self.kind)

    def __repr__(self) -> str:
        return f"<OrgUnit {self.code}>"


class UnitSuccession(db.Model):
    """A merger (sáp nhập): predecessor → successor, so series can be followed."""

    __tablename__ = "unit_succession"
    id: Mapped[int] = mapped_column(primary_key=True)
    predecessor_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    successor_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    effective_on: Mapped[date | None] = mapped_column(Date)
    recorded_at: Mapped[datetime | None] = mapped_column(DateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # None while the merger waits for its date (scheduled); set when applied.
    applied_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Accounts of the predecessor the officer chose to move to the successor ("1,5,9").
    move_user_ids: Mapped[str] = mapped_column(String(500), default="", server_default="")

    predecessor: Mapped[OrgUnit] = relationship(foreign_keys=[predecessor_id])
    successor: Mapped[OrgUnit] = relationship(foreign_keys=[successor_id])


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    # An administrator issued the password (new account, reset, import): change it first.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    # Quản trị hệ thống: an administrator of the whole installation; other administrators
    # manage their own unit's subtree only (services.access.admin_scope).
    system_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # The session record this request came with (set by the user loader or at login).
    session_key = None

    unit: Mapped[OrgUnit] = relationship()

    def set_password(self, password: str) -> None:
        from flask import current_app, has_app_context

        # Tests and the demo seeder may choose a cheaper hash; production keeps scrypt.
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str | None:
        # Flask-Login stores this in the signed cookie: it names a server-side session
        # record, so logging out or revoking the record ends that cookie.
        return self.session_key

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def role_label(self) -> str:
        if self.role == "admin" and self.system_admin:
            return "Quản trị hệ thống"
        return ROLES.get(self.role, self.role)


class CatalogueField(db.Model):
    """Fields catalogue (danh mục lĩnh vực): the row axis of dossier tables."""

    __tablename__ = "catalogue_field"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    group_code: Mapped[str] = mapped_column(String(40), default="")
    group_label: Mapped[str] = mapped_column(String(200), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The unit whose rounds (and its subtree's) use this field; None = the installation's shared list.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    retired_on: Mapped[date | None] = mapped_column(Date)

    unit: Mapped[OrgUnit | None] = relationship()


class ReportingRound(db.Model):
    """A reporting round (đợt báo cáo): template version + period + consolidating unit."""

    __tablename__ = "reporting_round"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    template_code: Mapped[str] = mapped_column(String(60))
    template_version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300), default="")
    # Frozen copies: editing a template or the catalogue never changes an open round.
    template_source: Mapped[str] = mapped_column(Text)
    catalogue_json: Mapped[str] = mapped_column(Text, default="[]")
    # frozen_digest of the two above, kept in step on every write (below): a save reads these
    # 64 characters, not the 20 kB text, and finds the parsed template by them.
    template_digest: Mapped[str | None] = mapped_column(String(64))
    period_kind: Mapped[str] = mapped_column(String(20))
    period_year: Mapped[int] = mapped_column(Integer)
    period_index: Mapped[int] = mapped_column(Integer)
    date_from: Mapped[date] = mapped_column(Date)
    date_to: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date)
    instructions: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="open")
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    unit: Mapped[OrgUnit] = relationship()
    submissions: Mapped[list[Submission]] = relationship(back_populates="round", cascade="all, delete-orphan")


@event.listens_for(ReportingRound, "before_insert")
@event.listens_for(ReportingRound, "before_update")
def _digest_frozen_template(mapper, connection, round_: ReportingRound) -> None:
    round_.template_digest = frozen_digest(round_.template_source, round_.catalogue_json or "[]")


SUBMISSION_STATES = {
    "not_started": "Chưa bắt đầu",
    "draft": "Đang nhập",
    "submitted": "Đã nộp",
    "returned": "Trả lại",
    "approved": "Đã duyệt",
    "merged": "Đã sáp nhập",
}


class Submission(db.Model):
    """One unit's part of a round (báo cáo của đơn vị)."""

    __tablename__ = "submission"
    __table_args__ = (UniqueConstraint("round_id", "unit_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("reporting_round.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="not_started")
    first_submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Gia hạn for this unit alone; the round's deadline applies when later (services.rounds.effective_deadline).
    extended_deadline: Mapped[date | None] = mapped_column(Date)
    # A predecessor's submission closed by a merger points to the successor's (sáp nhập).
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"))

    round: Mapped[ReportingRound] = relationship(back_populates="submissions")
    unit: Mapped[OrgUnit] = relationship()

    @property
    def status_label(self) -> str:
        return SUBMISSION_STATES.get(self.status, self.status)

    @property
    def locked(self) -> bool:
        return is_locked(self.status)


class SubmissionValue(db.Model):
    """One stored value of a submission under a domain key (see app.reporting keys)."""

    __tablename__ = "submission_value"
    __table_args__ = (
        UniqueConstraint("submission_id", "key"),
        # The texts of a round's reports (narratives, notes, explanations: a few per report
        # among ~170 numbers) found without reading every number: the consolidation's reads.
        Index("ix_submission_value_texts", "submission_id", sqlite_where=sql_text("text_value IS NOT NULL"),
              postgresql_where=sql_text("text_value IS NOT NULL")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    key: Mapped[str] = mapped_column(String(120))
    int_value: Mapped[int | None] = mapped_column(BigInteger)
    text_value: Mapped[str | None] = mapped_column(Text)
    # Optimistic lock: a save must name the version it edited, else 409.
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    @property
    def value(self) -> int | str | None:
        return self.int_value if self.text_value is None else self.text_value


class SubmissionDocument(db.Model):
    """A document the unit issued (văn bản chỉ đạo, điều hành) in a documents section."""

    __tablename__ = "submission_document"
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    section_id: Mapped[str] = mapped_column(String(20))
    doc_type: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(60))
    issued_on: Mapped[date | None] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)


class ChangeLog(db.Model):
    """Every change to a submission: who, when, what, old → new; reviewer actions too."""

    __tablename__ = "change_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(120), default="")
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User | None] = relationship()


class ReviewComment(db.Model):
    """A reviewer's comment on one section of a returned submission."""

    __tablename__ = "review_comment"
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    section_id: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # The return this comment belongs to: only the latest return's comments are pinned.
    return_number: Mapped[int] = mapped_column(Integer, default=1)

    author: Mapped[User | None] = relationship()


class SubmissionSnapshot(db.Model):
    """Values as they stood when a reviewer returned a submission, to diff a resubmission."""

    __tablename__ = "submission_snapshot"
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    values_json: Mapped[str] = mapped_column(Text)


class UpwardReport(db.Model):
    """What a consolidation sent upward besides its values (design §8, every level the
    same): the units it covers underneath (any depth) and, as JSON, what the parent's
    report quotes under its name: figure sentences by section, directive follow-up, the
    catalogue rows folded into "Lĩnh vực khác"."""

    __tablename__ = "upward_report"
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), primary_key=True)
    units: Mapped[int] = mapped_column(Integer)  # units underneath whose reports are in the figures
    expected: Mapped[int] = mapped_column(Integer)  # units underneath expected to report
    body_json: Mapped[str] = mapped_column(Text, default="{}")


class RoundNarrative(db.Model):
    """The reviewer's own consolidated text for one section of a round, or (section id
    "<section>/figures") the reviewer's edit of the section's figures written out."""

    __tablename__ = "round_narrative"
    __table_args__ = (UniqueConstraint("round_id", "section_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("reporting_round.id"), index=True)
    section_id: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text, default="")
    # A figure part: the generated text the reviewer edited from (the figures changed since
    # when today's generated text differs).
    basis: Mapped[str | None] = mapped_column(Text, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    # The ORM writes "UPDATE … WHERE version = ?" and raises StaleDataError when another
    # save got there first, so a stale text never replaces a newer one.
    __mapper_args__ = {"version_id_col": version}


class DocumentSettings(db.Model):
    """What a report's Word file says around the body: số/ký hiệu, the requesting document,
    Kính gửi, Nơi nhận, signer. One row per report (the unit's in a round); the unit's
    latest row prefills its next report. Rows without a round predate per-report settings."""

    __tablename__ = "document_settings"
    __table_args__ = (UniqueConstraint("unit_id", "round_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("reporting_round.id"))
    symbol: Mapped[str] = mapped_column(String(40), default="")  # ký hiệu: BC-UBND, BC-PTP
    # Số and ngày of an electronic document: given before its PDF is made and signed (issue 25);
    # left empty, the Word file leaves them blank for the clerk as on paper.
    number: Mapped[str] = mapped_column(String(20), default="")
    issued_on: Mapped[date | None] = mapped_column(Date)
    request_doc: Mapped[str] = mapped_column(String(500), default="")  # Thực hiện Công văn số …
    recipient: Mapped[str] = mapped_column(String(300), default="")
    distribution: Mapped[str] = mapped_column(Text, default="")
    signer_prefix: Mapped[str] = mapped_column(String(200), default="")
    signer_title: Mapped[str] = mapped_column(String(120), default="")
    signer_name: Mapped[str] = mapped_column(String(120), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


# --- Directives (văn bản chỉ đạo) and their follow-up ----------------------------------

DIRECTIVE_STATES = {"open": "Đang theo dõi", "closed": "Đã kết thúc"}


class Directive(db.Model):
    """A directive, plan or official letter (chỉ thị, kế hoạch, công văn) a unit issued,
    whose tasks its units report on in their periodic reports."""

    __tablename__ = "directive"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)  # issuing unit
    doc_type: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(60))  # số, ký hiệu: "05/CT-UBND"
    issued_on: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(500))  # trích yếu
    signer: Mapped[str] = mapped_column(String(200), default="")
    full_text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    unit: Mapped[OrgUnit] = relationship()
    tasks: Mapped[list[DirectiveTask]] = relationship(back_populates="directive", order_by="DirectiveTask.position, DirectiveTask.id",
                                                      cascade="all, delete-orphan")
    attachment: Mapped[DirectiveAttachment | None] = relationship(back_populates="directive", cascade="all, delete-orphan",
                                                                  lazy="select")

    __mapper_args__ = {"version_id_col": version}

    @property
    def status_label(self) -> str:
        return DIRECTIVE_STATES.get(self.status, self.status)


class DirectiveAttachment(db.Model):
    """The signed directive as a file (PDF/DOCX), kept in the database so backups hold it."""

    __tablename__ = "directive_attachment"
    id: Mapped[int] = mapped_column(primary_key=True)
    directive_id: Mapped[int] = mapped_column(ForeignKey("directive.id"), unique=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    directive: Mapped[Directive] = relationship(back_populates="attachment")


class DirectiveTask(db.Model):
    """One task of a directive (nhiệm vụ), assigned to units, followed up in report templates."""

    __tablename__ = "directive_task"
    id: Mapped[int] = mapped_column(primary_key=True)
    directive_id: Mapped[int] = mapped_column(ForeignKey("directive.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str] = mapped_column(String(20), default="")  # "1.a", as numbered in the text
    content: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date | None] = mapped_column(Date)
    # How the assignment was chosen ("communes,offices"): the units are resolved at save time.
    scope: Mapped[str] = mapped_column(String(100), default="")
    template_codes: Mapped[str] = mapped_column(String(300), default="")  # comma-separated
    status: Mapped[str] = mapped_column(String(10), default="open")
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    directive: Mapped[Directive] = relationship(back_populates="tasks")
    assignments: Mapped[list[DirectiveAssignment]] = relationship(back_populates="task", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}


class DirectiveAssignment(db.Model):
    """A unit a task is assigned to (đơn vị được giao)."""

    __tablename__ = "directive_assignment"
    __table_args__ = (UniqueConstraint("task_id", "unit_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("directive_task.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)

    task: Mapped[DirectiveTask] = relationship(back_populates="assignments")
    unit: Mapped[OrgUnit] = relationship()


class DirectiveLog(db.Model):
    """What changed in a directive or its tasks, by whom, old → new (edits keep history)."""

    __tablename__ = "directive_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    directive_id: Mapped[int] = mapped_column(ForeignKey("directive.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("directive_task.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(20))
    what: Mapped[str] = mapped_column(String(60), default="")
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User | None] = relationship()


class RoundFollowUp(db.Model):
    """The consolidating unit's own follow-up of one task in a round: its status when the
    task is assigned to it, and the reviewer's consolidated text about the task."""

    __tablename__ = "round_followup"
    __table_args__ = (UniqueConstraint("round_id", "task_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("reporting_round.id"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("directive_task.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Reminder(db.Model):
    """A reviewer reminded a unit to submit (đã nhắc): by SMS, Zalo or phone, and when."""

    __tablename__ = "reminder"
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    channel: Mapped[str] = mapped_column(String(10), default="")


class RoundTotals(db.Model):
    """A closed round's summed counts, stored at closing: trends read one row per period
    instead of summing every unit's values again."""

    __tablename__ = "round_totals"
    round_id: Mapped[int] = mapped_column(ForeignKey("reporting_round.id"), primary_key=True)
    values_json: Mapped[str] = mapped_column(Text, default="{}")
    units: Mapped[int] = mapped_column(Integer, default=0)  # approved reports summed
    expected: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)  # units that submitted by their deadline
    stored_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


# --- Running an installation: calendar, extensions, reorganisations, uploaded templates ---

CALENDAR_DAY_KINDS = {"off": "Ngày nghỉ thêm", "work": "Ngày làm việc bù"}


class CalendarDay(db.Model):
    """A day the government moved: an extra day off, or a weekend worked in exchange (làm bù).
    Without a unit it is national; with one, it applies to that unit's subtree only."""

    __tablename__ = "calendar_day"
    __table_args__ = (UniqueConstraint("unit_id", "day", name="uq_calendar_day_unit_day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(String(200), default="")

    unit: Mapped[OrgUnit | None] = relationship()

    @property
    def kind_label(self) -> str:
        return CALENDAR_DAY_KINDS.get(self.kind, self.kind)


class DeadlineExtension(db.Model):
    """The audit log of extensions (gia hạn): a round's, or one unit's when submission_id is set."""

    __tablename__ = "deadline_extension"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("reporting_round.id"), index=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"), index=True)
    old_deadline: Mapped[date] = mapped_column(Date)
    new_deadline: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    by: Mapped[User | None] = relationship()
    submission: Mapped[Submission | None] = relationship()


class UnitMove(db.Model):
    """A unit's parent changed from a date (tổ chức lại), e.g. communes moved to the province."""

    __tablename__ = "unit_move"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    old_parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    new_parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    effective_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # None while the move waits for its date (scheduled); set when applied.
    applied_at: Mapped[datetime | None] = mapped_column(DateTime)
    # When applied, the former parent left without active units stops (a district abolished).
    retire_emptied: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())

    unit: Mapped[OrgUnit] = relationship(foreign_keys=[unit_id])
    old_parent: Mapped[OrgUnit | None] = relationship(foreign_keys=[old_parent_id])
    new_parent: Mapped[OrgUnit | None] = relationship(foreign_keys=[new_parent_id])


class CatalogueFieldName(db.Model):
    """A field's former name, kept when it is renamed (history of the danh mục)."""

    __tablename__ = "catalogue_field_name"
    id: Mapped[int] = mapped_column(primary_key=True)
    field_id: Mapped[int] = mapped_column(ForeignKey("catalogue_field.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    until: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


TEMPLATE_STATES = ("draft", "published", "withdrawn")


class TemplateVersion(db.Model):
    """A report template an administrator edits and publishes (mẫu báo cáo), versioned.

    ``source`` is the template's data written as TOML (tomli_w), the same whether it came
    from the form editor or an uploaded file. A draft has no version number and is never
    used by a round; publishing numbers it (one sequence per code) and a published version
    no round uses may be withdrawn. ``unit_id`` is the unit whose subtree the version serves
    (None: the whole installation)."""

    __tablename__ = "template_version"
    __table_args__ = (UniqueConstraint("code", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), index=True)
    version: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(Text)
    based_on: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(12), default="published", server_default="published")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    created_by: Mapped[User | None] = relationship()
    unit: Mapped[OrgUnit | None] = relationship()


# --- Sessions, login throttling, round events (issue 11) -------------------------------

class UserSession(db.Model):
    """A signed-in browser (phiên đăng nhập). The cookie names it by id and secret token;
    only the token's hash is stored. Deleting the row logs that browser out."""

    __tablename__ = "user_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class LoginFailure(db.Model):
    """One failed login: counted per (account, address) and per address to throttle the source."""

    __tablename__ = "login_failure"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(64), index=True)


class LoginAttempt(db.Model):
    """One login tried from an address (success or not), for the per-address spray limit:
    an address trying many accounts is slowed whether the passwords were right or not."""

    __tablename__ = "login_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(64), index=True)


class RoundEvent(db.Model):
    """A round closed or reopened (đóng, mở lại đợt báo cáo), with the reason given."""

    __tablename__ = "round_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("reporting_round.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User | None] = relationship()


# --- Log of administration (nhật ký quản trị) -------------------------------------------

ADMIN_LOG_KINDS = {
    "installation": "Cài đặt",
    "unit": "Đơn vị",
    "user": "Người dùng",
    "field": "Lĩnh vực",
    "calendar": "Lịch làm việc",
    "import": "Nhập từ tệp",
    "reorganisation": "Sáp nhập, tổ chức lại",
    "template": "Mẫu báo cáo",
    "round": "Đợt báo cáo",
    "extension": "Gia hạn",
}

ADMIN_LOG_ACTIONS = {
    "create": "Tạo",
    "edit": "Sửa",
    "lock": "Khóa",
    "unlock": "Mở khóa",
    "reset": "Đặt lại mật khẩu",
    "import": "Nhập",
    "update": "Cập nhật",
    "delete": "Xóa",
    "schedule": "Lên lịch",
    "cancel": "Hủy",
    "apply": "Áp dụng",
    "publish": "Công bố",
    "withdraw": "Thu hồi",
    "open": "Mở",
    "close": "Đóng",
    "reopen": "Mở lại",
    "extend": "Gia hạn",
    "download": "Tải danh sách mật khẩu tạm",
}


class AdminLog(db.Model):
    """One administrative action: who, when, what, before → after. Rows are only ever
    added (services.admin_log writes them; nothing updates or deletes them) and never hold
    a password, token or secret."""

    __tablename__ = "admin_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    # The actor's name as it was: the log reads the same after an account is renamed.
    actor_name: Mapped[str] = mapped_column(String(80), default="")
    # The unit the object belongs to: the log is filtered by unit and by the reader's scope.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    action: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(300), default="")
    before: Mapped[str] = mapped_column(Text, default="")
    after: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[User | None] = relationship()
    unit: Mapped[OrgUnit | None] = relationship()

    @property
    def kind_label(self) -> str:
        return ADMIN_LOG_KINDS.get(self.kind, self.kind)

    @property
    def action_label(self) -> str:
        return ADMIN_LOG_ACTIONS.get(self.action, self.action)
# --- Background jobs, report PDFs and signed reports (issue 25) -------------------------

JOB_STATES = {"queued": "Đang chờ", "running": "Đang chạy", "done": "Xong", "failed": "Lỗi"}


class Job(db.Model):
    """Heavy work run by `flask worker` outside the web workers (a report's PDF, …).

    A worker claims a queued job by setting ``claim_token`` (PostgreSQL: FOR UPDATE SKIP
    LOCKED; SQLite: one conditional UPDATE); ``heartbeat_at`` tells a live run from one
    whose worker died."""

    __tablename__ = "job"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    params_json: Mapped[str] = mapped_column(Text, default="{}")
    state: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    progress: Mapped[int] = mapped_column(Integer, default=0)  # percent
    message: Mapped[str] = mapped_column(String(300), default="")  # what it is doing, or why it failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claim_token: Mapped[str | None] = mapped_column(String(64), index=True)
    worker: Mapped[str] = mapped_column(String(120), default="")  # host:pid of the worker running it
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)

    @property
    def state_label(self) -> str:
        return JOB_STATES.get(self.state, self.state)

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")


class ReportPdf(db.Model):
    """A PDF the portal produced for one report (a unit's in a round: its own submission,
    or the consolidation it issues), with the hashes a signed upload is checked against."""

    __tablename__ = "report_pdf"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("reporting_round.id"), index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id"))
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)  # a consolidation including unapproved reports
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # of the whole produced file
    size: Mapped[int] = mapped_column(Integer)
    # Of the report's data as printed (figures, texts, number, signer): unchanged = same figures.
    data_digest: Mapped[str] = mapped_column(String(64))
    figures_json: Mapped[str] = mapped_column(Text, default="{}")  # the numbers as they travel upward
    pages: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(500), default="")
    signer_name: Mapped[str] = mapped_column(String(120), default="")  # as printed in the signature block
    pdfa: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    created_by: Mapped[User | None] = relationship()


class SignedReport(db.Model):
    """An accepted signed PDF of a report (văn bản điện tử đã ký số) and what its check found.
    A new upload is a new row: versions are kept, nothing deletes one."""

    __tablename__ = "signed_report"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("reporting_round.id"), index=True)
    report_pdf_id: Mapped[int] = mapped_column(ForeignKey("report_pdf.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    filename: Mapped[str] = mapped_column(String(200), default="")
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    signer_name: Mapped[str] = mapped_column(String(200), default="")  # certificate's common name
    signer_org: Mapped[str] = mapped_column(String(300), default="")
    signed_at: Mapped[datetime | None] = mapped_column(DateTime)  # naive UTC
    timestamped: Mapped[bool] = mapped_column(Boolean, default=False)  # RFC 3161, verified
    cert_serial: Mapped[str] = mapped_column(String(100), default="")
    cert_issuer: Mapped[str] = mapped_column(String(500), default="")
    revocation: Mapped[str] = mapped_column(String(300), default="")  # what revocation check was made
    signatures: Mapped[int] = mapped_column(Integer, default=1)
    details_json: Mapped[str] = mapped_column(Text, default="[]")  # every signature's facts
    warnings: Mapped[str] = mapped_column(Text, default="")  # one a line
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    uploaded_by: Mapped[User | None] = relationship()
    report_pdf: Mapped[ReportPdf] = relationship()

    @property
    def warning_lines(self) -> list[str]:
        return [line for line in self.warnings.splitlines() if line.strip()]


class TrustAnchor(db.Model):
    """A CA certificate the administrator trusts for signatures (the national root CA,
    the government CA), uploaded as PEM."""

    __tablename__ = "trust_anchor"
    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)  # of the DER certificate
    der: Mapped[bytes] = mapped_column(LargeBinary)
    not_after: Mapped[datetime | None] = mapped_column(DateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class RevocationList(db.Model):
    """A certificate revocation list (CRL) the administrator uploaded."""

    __tablename__ = "revocation_list"
    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    der: Mapped[bytes] = mapped_column(LargeBinary)
    this_update: Mapped[datetime | None] = mapped_column(DateTime)
    next_update: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_count: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

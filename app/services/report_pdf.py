"""A report as the portal prints it, for its PDF: which report, its parts, its digests.

A report is one unit's in one round: its own submission when the round is its parent's,
the consolidation it issues when the round is its own (and a district's submission in the
province's round is "the submission sent upward"). The PDF job and the checks of a signed
upload read the same parts, so "the figures changed since" means the same thing in both.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from ..extensions import db
from ..models import Job, OrgUnit, ReportingRound, ReportPdf, SignedReport, Submission
from .consolidation import load_consolidation
from .document_settings import saved_row
from .errors import NotFound
from .export_model import ExportParts
from .export_parts import round_parts, submission_parts
from .rounds import round_label

PDF_JOB = "report_pdf"
NOT_INSTALLED = "Máy chủ chưa cài LibreOffice nên chưa tạo được PDF; hãy tải báo cáo Word."


def soffice_path(configured: str | None = "soffice") -> str | None:
    """LibreOffice's program if this server has it (the PDF button says so when not)."""
    return shutil.which(configured or "soffice")


@dataclass(frozen=True)
class ReportRef:
    """Which report: the unit issuing it and the round; ``submission`` when it is a unit's own."""

    unit: OrgUnit
    round: ReportingRound
    submission: Submission | None
    provisional: bool = False

    @property
    def consolidated(self) -> bool:
        return self.submission is None

    @property
    def label(self) -> str:
        kind = "Báo cáo tổng hợp" if self.consolidated else "Báo cáo"
        return f"{kind} {round_label(self.round)} — {self.unit.name}"


def consolidation_ref(round_: ReportingRound, provisional: bool = False) -> ReportRef:
    return ReportRef(round_.unit, round_, None, provisional)


def submission_ref(sub: Submission) -> ReportRef:
    return ReportRef(sub.unit, sub.round, sub)


def ref_of(unit_id: int, round_id: int, provisional: bool = False) -> ReportRef:
    round_ = db.session.get(ReportingRound, round_id)
    if round_.unit_id == unit_id:
        return consolidation_ref(round_, provisional)
    sub = db.session.scalar(select(Submission).where(Submission.round_id == round_id, Submission.unit_id == unit_id))
    if sub is None:
        raise NotFound()
    return submission_ref(sub)


def report_parts(ref: ReportRef) -> ExportParts:
    if ref.consolidated:
        return round_parts(load_consolidation(ref.round, ref.provisional, per_unit=True))
    return submission_parts(ref.submission)


def has_own_settings(ref: ReportRef) -> bool:
    """The number, date line and signer come from this report's own saved settings."""
    return saved_row(ref.unit.id, ref.round.id) is not None


def _plain(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)
                if f.name not in ("template", "units", "trend", "completeness", "created")}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)


def data_digest(parts: ExportParts) -> str:
    """SHA-256 of what the report prints: figures, texts, the unit's notes, follow-up, number
    and signer. Leaves out what the file carries beside it (charts' trend, timestamps)."""
    printed = _plain(parts)
    return hashlib.sha256(json.dumps(printed, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def figures_of(parts: ExportParts) -> dict[str, int]:
    """The report's numbers as they travel upward (nonzero counts and scores)."""
    return {k: int(v) for k, v in parts.result.as_submission().items() if isinstance(v, int) and v}


def pdf_title(parts: ExportParts) -> str:
    title = parts.template.title.strip()
    return f"{title} {parts.period_label[:1].lower()}{parts.period_label[1:]} — {parts.reporting_unit}"


def pdf_job_params(ref: ReportRef, user) -> dict:
    return {"unit_id": ref.unit.id, "round_id": ref.round.id, "provisional": ref.provisional,
            "user_id": getattr(user, "id", None)}


def latest_jobs(ref: ReportRef, limit: int = 3) -> list[Job]:
    """This report's latest PDF jobs, newest first (params are JSON: matched in Python over
    the few PDF jobs of the round)."""
    rows = db.session.scalars(select(Job).where(Job.kind == PDF_JOB, Job.params_json.contains(f'"round_id": {ref.round.id}'))
                              .order_by(Job.id.desc()).limit(50))
    found = []
    for job in rows:
        params = json.loads(job.params_json)
        if params.get("unit_id") == ref.unit.id and params.get("round_id") == ref.round.id:
            found.append(job)
        if len(found) >= limit:
            break
    return found


def report_pdfs(ref: ReportRef) -> list[ReportPdf]:
    return list(db.session.scalars(select(ReportPdf).where(ReportPdf.unit_id == ref.unit.id,
                                                           ReportPdf.round_id == ref.round.id)
                                   .order_by(ReportPdf.id.desc())))


def signed_reports(unit_id: int, round_id: int) -> list[SignedReport]:
    return list(db.session.scalars(select(SignedReport).where(SignedReport.unit_id == unit_id,
                                                              SignedReport.round_id == round_id)
                                   .order_by(SignedReport.version.desc())))


def latest_signed(unit_id: int, round_id: int) -> SignedReport | None:
    return db.session.scalar(select(SignedReport).where(SignedReport.unit_id == unit_id, SignedReport.round_id == round_id)
                             .order_by(SignedReport.version.desc()).limit(1))


def store_pdf(ref: ReportRef, parts: ExportParts, data: bytes, *, pages: int, pdfa: bool, job_id: int | None,
              user_id: int | None) -> ReportPdf:
    row = ReportPdf(unit_id=ref.unit.id, round_id=ref.round.id, job_id=job_id, provisional=ref.provisional,
                    sha256=hashlib.sha256(data).hexdigest(), size=len(data), data_digest=data_digest(parts),
                    figures_json=json.dumps(figures_of(parts), sort_keys=True), pages=pages, title=pdf_title(parts),
                    signer_name=parts.signature.signer_name, pdfa=pdfa, data=data, created_by_id=user_id)
    db.session.add(row)
    db.session.flush()
    return row


def current_digest(ref: ReportRef) -> str:
    return data_digest(report_parts(ref))


def consolidation_behind(sub: Submission) -> ReportingRound | None:
    """The unit's own round whose consolidation this submission carries upward (same
    template and period), if the unit consolidates one."""
    round_ = sub.round
    return db.session.scalar(select(ReportingRound).where(
        ReportingRound.unit_id == sub.unit_id, ReportingRound.template_code == round_.template_code,
        ReportingRound.period_kind == round_.period_kind, ReportingRound.period_year == round_.period_year,
        ReportingRound.period_index == round_.period_index, ReportingRound.id != round_.id))


def figure_differences(signed_figures: dict[str, int], received: dict, counted_keys) -> list[str]:
    """Keys whose number received upward differs from the number signed (missing = 0)."""
    keys = {k for k in set(signed_figures) | {k for k, v in received.items() if isinstance(v, int)} if k in counted_keys}
    return sorted(k for k in keys if int(signed_figures.get(k) or 0) != int(received.get(k) or 0))


@dataclass(frozen=True)
class SignedState:
    """Whether a report has a signed PDF and whether it still matches the report's figures."""

    latest: SignedReport | None
    matches: bool

    @property
    def signed(self) -> bool:
        return self.latest is not None


def signed_state(ref: ReportRef, digest: str | None = None) -> SignedState:
    found = signed_reports(ref.unit.id, ref.round.id)
    if not found:
        return SignedState(None, False)
    latest = found[0]
    digest = digest or current_digest(ReportRef(ref.unit, ref.round, ref.submission, latest.report_pdf.provisional))
    return SignedState(latest, latest.report_pdf.data_digest == digest)


def latest_signed_for(sub: Submission) -> SignedReport | None:
    """The latest signed file behind a submission: its own report's, or the consolidation's
    it carries upward, whichever came last (the reviewer's page names it)."""
    found = signed_reports(sub.unit_id, sub.round_id)[:1]
    behind = consolidation_behind(sub)
    if behind is not None:
        found += signed_reports(sub.unit_id, behind.id)[:1]
    return max(found, key=lambda row: row.uploaded_at, default=None)


def stored_pdf(model: type[ReportPdf] | type[SignedReport], row_id: int) -> ReportPdf | SignedReport | None:
    """A produced or signed PDF by id (the reader's right is checked on its report)."""
    return db.session.get(model, row_id)

"""From the database to ExportParts: the only part of exports that queries anything.

A round costs the consolidation's fixed queries plus one for the officers, one for the
settings and the parent unit; a submission a handful. Never one query per unit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..extensions import db
from ..models import OrgUnit, Submission, SubmissionDocument, User
from ..reporting.clock import vn_today
from ..reporting.consolidation import UnitInput, consolidate
from ..reporting.keys import note_key
from .consolidation import (
    RoundConsolidation,
    coverage_text,
    edited_figures,
    figures_and_notes,
    received_reports,
    submission_figures,
)
from .directives import directive_reports, submission_reports
from .document_settings import signature_for
from .export_model import ExportParts, UnitStatus, committee_name
from .rounds import round_label, round_template, round_window, submitted_late
from .submissions import plain_values, stored_values
from .trends import consolidated_sums, round_trend


def unit_title(unit: OrgUnit | None) -> str:
    return committee_name(unit.name, unit.kind) if unit is not None else ""


OFFICE_REQUEST = "văn phòng ubnd tỉnh"


def recipient_title(receiver: OrgUnit | None, template) -> str:
    """Who a report is addressed to by default (Kính gửi): the unit receiving it, or its
    office when the template's reporting regime is the provincial office's request (seed
    001: "Kính gửi: Văn phòng UBND tỉnh Hưng Yên"). The report's settings may say otherwise."""
    title = unit_title(receiver)
    if receiver is not None and receiver.kind == "province" and OFFICE_REQUEST in (template.legal_basis or "").lower():
        return f"Văn phòng {title}"
    return title


def officers_of(unit_ids: list[int]) -> dict[int, User]:
    """The first active focal officer of each unit, in one query."""
    if not unit_ids:
        return {}
    found: dict[int, User] = {}
    for user in db.session.scalars(
        select(User).where(User.unit_id.in_(unit_ids), User.role == "reporter", User.active.is_(True)).order_by(User.id)
    ):
        found.setdefault(user.unit_id, user)
    return found


def created_at(round_) -> datetime:
    # The round's own creation time: a fixed date, so equal data give equal files.
    return round_.created_at or datetime(round_.date_to.year, round_.date_to.month, round_.date_to.day)


def completeness(submissions: list[Submission], round_) -> tuple[UnitStatus, ...]:
    officers = officers_of([s.unit_id for s in submissions])
    rows = []
    for sub in submissions:
        officer = officers.get(sub.unit_id)
        rows.append(UnitStatus(
            unit_name=sub.unit.name, state=sub.status_label, submitted_at=sub.submitted_at,
            # The same judgement as the board's: the deadline day in Vietnam time.
            on_time=None if sub.first_submitted_at is None else not submitted_late(sub, round_),
            officer=(officer.full_name or officer.username) if officer else "",
            phone=officer.phone if officer else "",
        ))
    return tuple(rows)


def recipient_default(unit: OrgUnit, template, receiving_title: str) -> str:
    """Kính gửi by default: whom the template sends this level's report to, else the unit above."""
    return template.level_wording(unit.kind).recipient or receiving_title


def round_parts(rc: RoundConsolidation) -> ExportParts:
    round_ = rc.round
    unit = round_.unit
    parent = unit.parent
    receiving = recipient_title(parent, rc.template)
    written, comparison_notes = figures_and_notes(rc)
    received = received_reports(rc.included)
    # Coverage (the units underneath lower consolidations too), then any comparison left
    # out and why (like for like, design §8).
    coverage = "; ".join([coverage_text(rc, received).rstrip(".")] + comparison_notes) + "."
    lower = [(s, received[s.id]) for s in rc.included if s.id in received]
    return ExportParts(
        template=rc.template, result=rc.result,
        period_label=round_label(round_), period_window=round_window(round_),
        reporting_unit=unit_title(unit), reporting_kind=unit.kind, receiving_unit=receiving,
        issuing_body=unit_title(unit), parent_body=unit_title(parent),
        place_name=unit.place_name or unit.name, year=vn_today().year,
        reviewer_texts={sid: n.text for sid, n in rc.narratives.items() if n.text and n.basis is None},
        figure_sentences=edited_figures(rc, written),
        coverage_text=coverage,
        provisional=bool(rc.result.provisional_units),
        unit_titles={s.unit.name: unit_title(s.unit) for s in rc.submissions},
        completeness=completeness(rc.submissions, round_),
        signature=signature_for(unit, round_.id, recipient_default(unit, rc.template, receiving)),
        created=created_at(round_), followup=directive_reports(rc.followup),
        received_followup=tuple((unit_title(s.unit), tuple(r.followup)) for s, r in lower if r.followup),
        folded=tuple((sid, s.unit.name, label, amount) for s, r in lower for sid, label, amount in r.folded),
        trend=round_trend(round_, current=consolidated_sums(rc), current_units=(len(rc.included), len(rc.submissions)),
                          current_provisional=bool(rc.result.provisional_units)),
    )


def submission_documents(submission_id: int) -> list[dict]:
    return [
        {"section_id": d.section_id, "doc_type": d.doc_type, "number": d.number, "issued_on": d.issued_on,
         "summary": d.summary}
        for d in db.session.scalars(
            select(SubmissionDocument).where(SubmissionDocument.submission_id == submission_id)
            .order_by(SubmissionDocument.position, SubmissionDocument.id)
        )
    ]


def submission_parts(sub: Submission) -> ExportParts:
    """One unit's own report, through the same writers: a consolidation of that unit alone."""
    round_ = sub.round
    template = round_template(round_)
    values = plain_values(stored_values(sub.id))
    result = consolidate(template, [UnitInput(sub.unit_id, sub.unit.name, values, submission_documents(sub.id),
                                              kind=sub.unit.kind)])
    receiving = recipient_title(round_.unit, template)
    return ExportParts(
        template=template, result=result,
        period_label=round_label(round_), period_window=round_window(round_),
        reporting_unit=unit_title(sub.unit), reporting_kind=sub.unit.kind, receiving_unit=receiving,
        issuing_body=unit_title(sub.unit), parent_body=unit_title(sub.unit.parent),
        place_name=sub.unit.place_name or sub.unit.name, year=vn_today().year,
        figure_sentences=submission_figures(sub, result),
        unit_titles={sub.unit.name: unit_title(sub.unit)},
        completeness=completeness([sub], round_),
        signature=signature_for(sub.unit, round_.id, recipient_default(sub.unit, template, receiving)),
        created=created_at(round_), consolidated=False, followup=submission_reports(sub, template, values),
        notes=unit_notes(template, values),
    )


def unit_notes(template, values: dict) -> dict[str, str]:
    """Section id → the unit's note, for the sections whose template takes one."""
    notes = {}
    for section in template.note_sections():
        text = values.get(note_key(section.id))
        if isinstance(text, str) and text.strip():
            notes[section.id] = text.strip()
    return notes

"""Loading a round's submissions as plain data for the domain's consolidation.

A fixed number of queries whatever the number of units: submissions with their units,
all their values, all their documents.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .extensions import db
from .models import OrgUnit, ReportingRound, RoundNarrative, Submission, SubmissionDocument, SubmissionValue
from .reporting.consolidation import Consolidation, UnitInput, consolidate
from .reporting.templates import ReportTemplate
from .rounds import round_template

EXPLAIN_PREFIX = "_explain:"


@dataclass
class RoundConsolidation:
    round: ReportingRound
    template: ReportTemplate
    result: Consolidation
    submissions: list[Submission]
    included: list[Submission]
    narratives: dict[str, RoundNarrative]
    include_submitted: bool


def included_states(include_submitted: bool) -> tuple[str, ...]:
    return ("approved", "submitted") if include_submitted else ("approved",)


def load_inputs(round_: ReportingRound, states: tuple[str, ...]) -> tuple[list[Submission], list[Submission], list[UnitInput]]:
    submissions = db.session.scalars(
        select(Submission).join(Submission.unit).options(joinedload(Submission.unit))
        .where(Submission.round_id == round_.id).order_by(OrgUnit.sort_order, OrgUnit.name)
    ).all()
    included = [s for s in submissions if s.status in states]
    ids = [s.id for s in included]
    values: dict[int, dict] = defaultdict(dict)
    documents: dict[int, list[dict]] = defaultdict(list)
    if ids:
        for sid, key, iv, tv in db.session.execute(
            select(SubmissionValue.submission_id, SubmissionValue.key, SubmissionValue.int_value, SubmissionValue.text_value)
            .where(SubmissionValue.submission_id.in_(ids))
        ):
            if not key.startswith(EXPLAIN_PREFIX):
                value = iv if tv is None else tv
                if value is not None:
                    values[sid][key] = value
        for doc in db.session.scalars(
            select(SubmissionDocument).where(SubmissionDocument.submission_id.in_(ids))
            .order_by(SubmissionDocument.position, SubmissionDocument.id)
        ):
            documents[doc.submission_id].append({"section_id": doc.section_id, "doc_type": doc.doc_type, "number": doc.number,
                                                 "issued_on": doc.issued_on, "summary": doc.summary})
    inputs = [UnitInput(s.unit_id, s.unit.name, values[s.id], documents[s.id], provisional=s.status != "approved")
              for s in included]
    return submissions, included, inputs


def load_consolidation(round_: ReportingRound, include_submitted: bool = False) -> RoundConsolidation:
    template = round_template(round_)
    submissions, included, inputs = load_inputs(round_, included_states(include_submitted))
    included_ids = {s.id for s in included}
    missing = [s.unit.name for s in submissions if s.id not in included_ids]
    result = consolidate(template, inputs, missing=missing)
    narratives = {n.section_id: n for n in db.session.scalars(select(RoundNarrative).where(RoundNarrative.round_id == round_.id))}
    return RoundConsolidation(round_, template, result, submissions, included, narratives, include_submitted)

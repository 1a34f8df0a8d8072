"""Loading the units behind one consolidated cell: a cell of the dossier table is summed per
unit by the database (its stored parts only), anything else from the section's values."""
from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from ..models import OrgUnit, ReportingRound, Submission, SubmissionValue
from ..reporting.drilldown import stored_parts, unit_values
from .consolidation import load_inputs
from .keys_query import key_prefix
from .orgtree import unit_order


def cell_by_unit(round_: ReportingRound, template, key: str, states: tuple[str, ...]) -> tuple[list[tuple[int, str, int]], dict[int, int]]:
    """(unit id, name, value) of every included unit in unit order, and unit id → submission id."""
    included = db.session.execute(
        select(Submission.id, Submission.unit_id, OrgUnit.name).join(OrgUnit, Submission.unit_id == OrgUnit.id)
        .where(Submission.round_id == round_.id, Submission.status.in_(states)).order_by(*unit_order())
    ).all()
    submission_of = {unit_id: sid for sid, unit_id, _ in included}
    keys = stored_parts(template, key)
    if keys is None:
        _, _, inputs = load_inputs(round_, states, only=key_prefix(SubmissionValue.key, key.split("/")[0] + "/"))
        return unit_values(template, inputs, key), submission_of
    sums = dict(db.session.execute(
        select(SubmissionValue.submission_id, func.sum(SubmissionValue.int_value))
        .where(SubmissionValue.submission_id.in_(select(Submission.id).where(Submission.round_id == round_.id,
                                                                             Submission.status.in_(states))),
               SubmissionValue.key.in_(keys))
        .group_by(SubmissionValue.submission_id)
    ).all())
    return [(unit_id, name, int(sums.get(sid) or 0)) for sid, unit_id, name in included], submission_of

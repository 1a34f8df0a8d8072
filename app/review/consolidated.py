"""The live consolidated report of a round."""
from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from ..reporting.consolidation import CONSOLIDATING_KINDS
from ..reporting.figures import issued_counts
from ..services.access import can_act_on_round
from ..services.consolidation import (
    TEXT_KINDS,
    coverage_text,
    figure_parts,
    figures_and_notes,
    load_consolidation,
    upward_submission,
)
from ..services.report_pdf import latest_signed
from ..services.rounds import round_label, round_window


def consolidated_page(round_):
    include_submitted = request.args.get("provisional") == "1"
    # The units' texts are read per section, when the reviewer opens its suggestion.
    rc = load_consolidation(round_, include_submitted, texts=False)
    written, comparison_notes = figures_and_notes(rc)
    # Lower consolidations among the reports: the units underneath and each one's own coverage.
    lower = any(s.unit.kind in CONSOLIDATING_KINDS for s in rc.included)
    return render_template("review/consolidated.html", rc=rc, round_=round_, round_label=round_label,
                           figures=figure_parts(rc, written), comparison_notes=comparison_notes,
                           coverage=coverage_text(rc) if lower else "",
                           issued_counts=lambda docs: issued_counts(rc.result.units, docs),
                           upward=upward_submission(round_), text_kinds=TEXT_KINDS,
                           may_write=can_act_on_round(current_user, round_),
                           round_window=round_window, include_submitted=include_submitted,
                           signed=latest_signed(round_.unit_id, round_.id))

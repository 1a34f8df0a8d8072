"""The live consolidated report of a round."""
from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from ..services.access import can_act_on_round
from ..services.consolidation import TEXT_KINDS, figure_parts, load_consolidation, round_figures, upward_submission
from ..services.rounds import round_label, round_window


def consolidated_page(round_):
    include_submitted = request.args.get("provisional") == "1"
    # The units' texts are read per section, when the reviewer opens its suggestion.
    rc = load_consolidation(round_, include_submitted, texts=False)
    return render_template("review/consolidated.html", rc=rc, round_=round_, round_label=round_label,
                           figures=figure_parts(rc, round_figures(rc)),
                           upward=upward_submission(round_), text_kinds=TEXT_KINDS,
                           may_write=can_act_on_round(current_user, round_),
                           round_window=round_window, include_submitted=include_submitted)

"""One clock: every time a person reads — page, message, workbook — is Vietnam time (UTC+7)."""
from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import openpyxl
from flask import render_template_string

from app.extensions import db
from app.reporting.clock import utcnow, vn_now
from tests.conftest import login_as
from tests.factories import make_round, make_tree, make_user, submission_for

# 17:30 UTC on the deadline day is 00:30 the next morning in Vietnam: late, and on another day.
EVENING_UTC = datetime(2024, 6, 21, 17, 30)


def test_a_time_printed_without_a_filter_is_still_vietnam_time(app):
    with app.test_request_context():
        assert render_template_string("{{ t }}", t=EVENING_UTC) == "00:30 22/06/2024"


def test_the_save_message_without_javascript_is_vietnam_time(client):
    _, district, units = make_tree(1)
    round_ = make_round(district, expected=units)
    sub = submission_for(round_, units[0])
    login_as(client, make_user(units[0]))
    response = client.post(f"/submissions/{sub.id}/save", data={"v.I.1/published": "82", "section": "k-I-1"},
                           follow_redirects=True)
    body = response.get_data(as_text=True)
    shown = re.search(r"Đã lưu lúc (\d\d:\d\d)", body).group(1)
    allowed = {(vn_now() - timedelta(minutes=m)).strftime("%H:%M") for m in (0, 1)}
    assert shown in allowed
    assert shown != utcnow().strftime("%H:%M")


def test_the_workbooks_submission_times_are_vietnam_time(client):
    _, district, units = make_tree(1)
    reviewer = make_user(district, "reviewer")
    round_ = make_round(district, expected=units, opened_by=reviewer)
    sub = submission_for(round_, units[0])
    sub.status, sub.submitted_at, sub.first_submitted_at = "submitted", EVENING_UTC, EVENING_UTC
    db.session.commit()
    login_as(client, reviewer)
    for url in (f"/exports/rounds/{round_.id}.xlsx?provisional=1", f"/exports/submissions/{sub.id}.xlsx"):
        response = client.get(url)
        assert response.status_code == 200, url
        sheet = openpyxl.load_workbook(io.BytesIO(response.data))["Tình hình nộp"]
        response.close()
        times = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, datetime)]
        assert times == [datetime(2024, 6, 22, 0, 30)], url

"""Issue 21, item 4: a refused save with JavaScript off opens on an error summary and every
status on the page agrees; documents dated outside the period are warnings to explain."""
from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import SubmissionDocument
from app.reporting.documents import DOCUMENT_PERIOD_RULE
from tests.browser.support import quarterly_round
from tests.conftest import login_as
from tests.factories import set_values, submission_for


@pytest.fixture
def report(client):
    round_, _district, units, reporters, _boss = quarterly_round(communes=1)
    sub = submission_for(round_, units[0])
    set_values(sub, {"I.1/published": 5})
    login_as(client, reporters[0])
    return round_, sub


def test_a_refused_save_without_javascript_opens_on_an_error_summary_and_the_statuses_agree(client, report):
    _, sub = report
    response = client.post(f"/submissions/{sub.id}/save", data={"v.I.1/published": "mười", "ver.I.1/published": "1",
                                                                "v.I.1/in_scope": "7", "ver.I.1/in_scope": "0"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", body, re.DOTALL).group(1)
    assert title.startswith("Lỗi:")
    summary = body.index('id="error-summary"')
    assert summary < body.index('class="page-head"')  # at the top, before everything else of the page
    assert 'href="#k-I-1-published"' in body[summary:summary + 2000]
    assert "Có 1 ô chưa lưu được" in body
    status = re.search(r'<p id="save-status"[^>]*>(.*?)</p>', body, re.DOTALL).group(1)
    assert "Đã lưu" not in status and "chưa lưu được" in status
    assert "Không có lỗi hay cảnh báo nào" not in body
    nav_item = re.search(r'<a href="#k-I-1">.*?</li>', body, re.DOTALL).group(0)
    assert "1 lỗi" in nav_item and "Đã xong" not in nav_item


def test_a_document_dated_outside_the_period_is_a_warning_to_explain(client, report):
    round_, sub = report
    outside = SubmissionDocument(submission_id=sub.id, section_id="I.5.1", doc_type="QĐ", number="12/QĐ-UBND",
                                 issued_on=round_.date_to.replace(year=round_.date_to.year - 2), summary="Quyết định cũ")
    inside = SubmissionDocument(submission_id=sub.id, section_id="I.5.1", doc_type="KH", number="05/KH-UBND",
                                issued_on=round_.date_from, summary="Kế hoạch trong kỳ")
    db.session.add_all([outside, inside])
    db.session.commit()
    body = client.get(f"/submissions/{sub.id}").get_data(as_text=True)
    warnings = body[body.index('class="warnings"'):]
    assert "12/QĐ-UBND" in warnings
    assert "trước kỳ báo cáo" in warnings
    assert "05/KH-UBND" not in warnings
    # It is explained like any other warning, and then the report goes through that check.
    key = re.search(r'name="v\.(_explain:' + DOCUMENT_PERIOD_RULE + r':[0-9a-f]{16})"', body).group(1)
    saved = client.post(f"/submissions/{sub.id}/save", data={f"v.{key}": "Quyết định năm trước vẫn còn hiệu lực."},
                        headers={"HX-Request": "true"})
    assert saved.status_code == 200
    body = client.get(f"/submissions/{sub.id}").get_data(as_text=True)
    assert "Quyết định năm trước vẫn còn hiệu lực." in body

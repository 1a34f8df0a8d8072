"""Issue 10: a district reviewer builds its text from the grouped suggestion and sends the
consolidation upward through a confirmation that names the missing units."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import RoundNarrative, Submission
from app.reporting.clock import utcnow
from tests.factories import make_round, submission_for

from .conftest import login, shot
from .support import fill, filled_values, quarterly_round

pytestmark = pytest.mark.browser

STATEMENT = "Không phát hiện thủ tục hành chính rườm rà để kiến nghị đơn giản hóa."


def test_the_upward_submission_with_missing_units_waits_for_confirmation(page):
    round_, district, units, _, reviewer = quarterly_round(communes=5)
    province_round = make_round(district.parent, expected=[district])
    for i, unit in enumerate(units[:3], start=1):
        sub = submission_for(round_, unit)
        sub.first_submitted_at = sub.submitted_at = utcnow()
        fill(sub, {**filled_values(round_, seed=i), "I.2/text": STATEMENT}, status="approved")
    upward = submission_for(province_round, district)

    login(page, reviewer)
    page.goto(f"/rounds/{round_.id}/consolidated")
    section = page.locator("section#I-2")
    section.locator("details.suggestion summary").click()  # the suggestion loads when opened
    expect(section.locator(".suggestion-groups li")).to_have_count(1)
    expect(section.locator(".suggestion-groups")).to_contain_text("3 đơn vị")
    section.get_by_role("button", name="Chèn ý này").click()
    box = section.locator("textarea")
    expect(box).to_have_value(f"- {STATEMENT[:-1]} (Xã Số 1, Xã Số 2 và Xã Số 3).")
    expect(section.locator(".msg")).to_contain_text("Đã lưu lúc")  # inserted text autosaves
    db.session.expire_all()
    assert db.session.query(RoundNarrative).filter_by(round_id=round_.id, section_id="I.2").one().text.startswith("- Không")

    page.get_by_role("link", name="Nộp lên cấp trên…").click()
    expect(page.locator("h1")).to_contain_text("Nộp báo cáo tổng hợp lên")
    expect(page.locator(".readiness")).to_contain_text("2 đơn vị chưa báo cáo: Xã Số 4, Xã Số 5")
    expect(page.locator(".readiness")).to_contain_text("Báo cáo tổng hợp từ 3/5 đơn vị")
    shot(page, "upward-confirmation")
    db.session.expire_all()
    assert db.session.get(Submission, upward.id).status == "not_started"  # nothing sent yet

    page.get_by_role("button", name="Vẫn nộp lên cấp trên").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã nộp báo cáo tổng hợp lên")
    db.session.expire_all()
    assert db.session.get(Submission, upward.id).status == "submitted"

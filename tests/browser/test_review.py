"""Issue 5: a reviewer works a 30-unit round from the board and opens the consolidated report."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import Submission
from app.reporting.clock import utcnow
from tests.factories import submission_for

from .conftest import login, shot
from .support import count, fill, filled_values, quarterly_round

pytestmark = pytest.mark.browser

# Units 1–10 approved, 11–20 submitted, 21–25 drafting, 26–30 not started.
STATES = ["approved"] * 10 + ["submitted"] * 10 + ["draft"] * 5


@pytest.fixture
def round30():
    round_, district, units, reporters, reviewer = quarterly_round(communes=30)
    figures = {}
    for i, (unit, state) in enumerate(zip(units, STATES), start=1):
        sub = submission_for(round_, unit)
        figures[i] = filled_values(round_, seed=i)
        if state in ("approved", "submitted"):
            sub.first_submitted_at = sub.submitted_at = utcnow()
        fill(sub, figures[i], status=state)
    return round_, units, reviewer, figures


def _c3_total(values) -> int:
    return sum(v for k, v in values.items() if k.startswith("I.4/") and k.rsplit("/", 1)[1] in ("c4", "c5", "c6"))


def test_a_reviewer_filters_returns_approves_and_consolidates_a_30_unit_round(page, round30):
    round_, units, reviewer, figures = round30
    login(page, reviewer)
    page.goto(f"/rounds/{round_.id}")
    board = page.locator("#board-table tbody tr")
    expect(board).to_have_count(30)
    expect(page.locator(".counters .c-submitted b")).to_have_text("10")
    shot(page, "review-board")

    page.select_option("#state", "submitted")
    expect(board).to_have_count(10)
    expect(page).to_have_url(re.compile(r"state=submitted"))
    page.fill("#q", "so 12")  # accents and case are ignored
    expect(board).to_have_count(1)
    expect(board).to_contain_text("Xã Số 12")
    shot(page, "review-board-filtered", full_page=False)

    board.get_by_role("link", name="Xem, duyệt").click()
    expect(page.locator("h1")).to_contain_text("Xã Số 12")
    page.locator("#k-I-4 details.comment summary").click()  # comment boxes stay folded until wanted
    page.fill("#comment-k-I-4", "Đề nghị kiểm tra lại số hồ sơ đất đai từ kỳ trước chuyển qua.")
    page.click("button:has-text('Trả lại kèm ý kiến')")
    expect(page.locator(".flash-success")).to_have_text("Đã trả lại báo cáo của Xã Số 12 với 1 ý kiến.")

    page.goto(f"/rounds/{round_.id}?state=submitted")
    expect(board).to_have_count(9)
    board.filter(has_text="Xã Số 13").get_by_role("link", name="Xem, duyệt").click()
    expect(page.locator("#checks")).to_contain_text("Không có lỗi hay cảnh báo nào.")
    page.click("button:has-text('Duyệt báo cáo')")
    expect(page.locator(".flash-success")).to_have_text("Đã duyệt báo cáo của Xã Số 13.")
    expect(page.locator(".counters .c-approved b")).to_have_text("11")
    expect(page.locator(".counters .c-returned b")).to_have_text("1")

    page.get_by_role("link", name="Xem tổng hợp").click()
    expect(page.locator("h1")).to_contain_text("Tổng hợp")
    expect(page.locator(".summary")).to_contain_text("11/30 đơn vị")
    approved = [figures[i] for i in list(range(1, 11)) + [13]]
    total_c3 = page.locator("section#I-4 tr.total td.num").first
    expect(total_c3).to_have_text(count(sum(_c3_total(v) for v in approved)))
    shot(page, "review-consolidated")

    db.session.expire_all()
    returned = db.session.get(Submission, submission_for(round_, units[11]).id)
    assert returned.status == "returned"

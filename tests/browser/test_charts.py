"""Issue 14: the board's and the consolidated page's charts are server-rendered SVG, there
with JavaScript off, named for screen readers, readable at 390 px and in print."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.reporting.clock import vn_today
from tests.factories import make_round, submission_for

from .conftest import login, shot
from .support import fill, filled_values, quarterly_round

pytestmark = pytest.mark.browser


@pytest.fixture
def rounds24():
    """24 communes: the last quarter closed and approved, this one two-thirds approved, submitted over days."""
    round_, district, units, reporters, reviewer = quarterly_round(communes=24)
    earlier = make_round(district, index=1, expected=units)
    earlier.status = "closed"
    round_.deadline = vn_today() - timedelta(days=2)

    def around(deadline, days: int) -> datetime:  # 09:00 Vietnam time, ``days`` after the deadline day
        return datetime.combine(deadline, datetime.min.time()) + timedelta(days=days, hours=2)

    for i, unit in enumerate(units):
        old = submission_for(earlier, unit)
        fill(old, filled_values(earlier, seed=100 + i), status="approved")
        old.first_submitted_at = old.submitted_at = around(earlier.deadline, i % 4 - 2)
        if i < 16:
            sub = submission_for(round_, unit)
            fill(sub, filled_values(round_, seed=i), status="approved" if i < 12 else "submitted")
            sub.first_submitted_at = sub.submitted_at = around(round_.deadline, i % 5 - 3)
            sub.approved_at = sub.first_submitted_at + timedelta(hours=5) if i < 12 else None
    db.session.commit()
    return round_, reviewer


def charts_of(page):
    return page.locator("svg[role=img]")


def test_board_and_consolidated_page_draw_their_charts_without_javascript(nojs_page, rounds24):
    round_, reviewer = rounds24
    page = nojs_page
    login(page, reviewer)
    page.goto(f"/rounds/{round_.id}")
    charts = charts_of(page)
    expect(charts).to_have_count(2)
    expect(page.locator("#chart-progress svg")).to_have_attribute("aria-labelledby", "chart-progress-title chart-progress-desc")
    expect(page.locator("#chart-progress-title")).to_have_text("Tiến độ nộp báo cáo theo ngày so với hạn nộp")
    expect(page.locator("#chart-progress-desc")).to_contain_text("16/24 đơn vị đã nộp")
    expect(page.locator("#chart-progress .series-submitted line").first).to_be_attached()
    # 24 units ranked: the five lowest and the five highest, not 24 bars.
    expect(page.locator("#chart-timeliness rect.bar")).to_have_count(10)
    expect(page.locator("#chart-timeliness")).to_contain_text("đơn vị ở giữa")
    shot(page, "charts-board")

    page.goto(f"/rounds/{round_.id}/consolidated?provisional=1")
    expect(charts_of(page)).to_have_count(3)
    expect(page.locator("#chart-by-field-title")).to_have_text("Tỷ lệ hồ sơ giải quyết đúng hạn theo lĩnh vực")
    expect(page.locator("#chart-by-unit rect.bar")).to_have_count(16)  # 16 units, all drawn
    expect(page.locator("#chart-trend rect.bar-current")).to_have_count(5)  # five main figures, this quarter marked
    trend = page.locator("table.trend-table")
    expect(trend.locator("thead th")).to_have_count(4)  # figure, two quarters, change
    expect(trend).to_contain_text("Quý I năm 2024")
    shot(page, "charts-consolidated")
    for selector in ("#chart-by-field", "#chart-trend"):
        assert page.locator(f"{selector} svg").bounding_box()["width"] > 300


def test_charts_fit_a_phone_and_print(new_context, rounds24):
    round_, reviewer = rounds24
    page = new_context(java_script_enabled=False, viewport={"width": 390, "height": 844}).new_page()
    login(page, reviewer)
    page.goto(f"/rounds/{round_.id}")
    box = page.locator("#chart-timeliness svg").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.locator("#chart-timeliness").screenshot(path=str(shot(page, "charts-board-390", full_page=False)))
    page.set_viewport_size({"width": 1024, "height": 1400})  # about an A4 page's width
    page.emulate_media(media="print")
    page.goto(f"/rounds/{round_.id}")
    expect(page.locator("#reminders")).to_be_hidden()  # the printed board keeps the table and charts
    page.goto(f"/rounds/{round_.id}/consolidated")
    expect(page.locator("#chart-by-field svg")).to_be_visible()
    page.locator("#bieu-do").screenshot(path=str(shot(page, "charts-consolidated-print", full_page=False)))


def test_with_javascript_filters_and_sorts_swap_the_table_and_keep_the_address(page, rounds24):
    round_, reviewer = rounds24
    login(page, reviewer)
    page.goto(f"/rounds/{round_.id}")
    rows = page.locator("#board-table tbody tr")
    expect(rows).to_have_count(24)
    page.locator("#board-tiles a", has_text="quá hạn").click()
    expect(rows).to_have_count(8)
    page.locator("#board-table th a", has_text="Đơn vị").click()  # sort by name, in place
    expect(page).to_have_url(re.compile(r"state=overdue&sort=name"))
    expect(page.locator("#sort")).to_have_value("name")
    expect(rows.first).to_contain_text("Xã Số 17")
    page.locator("#board-table th a", has_text="Đơn vị").click()
    expect(page.locator("#sort")).to_have_value("-name")
    expect(rows.first).to_contain_text("Xã Số 24")
    page.reload()  # the address alone rebuilds the same view
    expect(rows).to_have_count(8)
    expect(rows.first).to_contain_text("Xã Số 24")

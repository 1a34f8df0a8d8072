"""Issue 3: a reviewer opens a round and the expected units see it on their home page."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.demo import seed_fields
from app.extensions import db
from tests.factories import make_tree, make_user

from .conftest import login, shot

pytestmark = pytest.mark.browser


def test_a_round_opened_by_the_district_appears_on_each_expected_units_home(page, new_context):
    seed_fields()
    db.session.commit()
    _, district, units = make_tree(communes=3, offices=1)
    reviewer = make_user(district, role="reviewer", username="tonghop.huyen")
    reporter = make_user(units[1], username="xa.so2")

    login(page, reviewer)
    page.goto("/rounds/new")
    expect(page.locator("h1")).to_have_text("Mở đợt báo cáo")
    page.select_option("#template", "quarterly_tthc")  # htmx swaps the form with the quarter's defaults
    expect(page.locator("#index option")).to_have_count(4)
    # Every commune and office is ticked by default for the quarterly template.
    expect(page.locator(".checklist input[type=checkbox]:checked")).to_have_count(4)
    shot(page, "round-new")
    page.click("button:has-text('Mở đợt báo cáo')")
    expect(page.locator(".flash-success")).to_contain_text("Đã mở đợt báo cáo")
    expect(page.locator("#board-table tbody tr")).to_have_count(4)
    shot(page, "round-board-new")

    other = new_context().new_page()
    login(other, reporter)
    expect(other.locator("#owed .card")).to_have_count(1)
    card = other.locator("#owed .card")
    expect(card).to_contain_text("Báo cáo tình hình, kết quả thực hiện công tác kiểm soát thủ tục hành chính")
    expect(card).to_contain_text("gửi Huyện Thử Nghiệm")
    shot(other, "round-reporter-home")
    card.locator("a").click()
    expect(other.locator("#k-I-4 tbody tr[data-row]")).to_have_count(18)

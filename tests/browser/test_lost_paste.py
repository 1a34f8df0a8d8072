"""Issue 21, item 3: a paste onto a row's total cell (3) maps from (3); a paste that needs a
choice shows it in view, and the page status says what happened."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.services.rounds import round_template
from app.services.submission_page import dom_id
from tests.factories import submission_for

from .conftest import login
from .support import fill, quarterly_round

pytestmark = pytest.mark.browser


@pytest.fixture
def report():
    round_, _district, units, reporters, _boss = quarterly_round(communes=1)
    sub = submission_for(round_, units[0])
    fill(sub, {"I.1/published": 1})
    return sub, reporters[0], [r.code for r in round_template(round_).section("I.4").rows]


def paste_on_focus(page, text: str) -> None:
    """What Ctrl+V does: a paste event on whatever has the focus."""
    page.evaluate("""text => {
        const data = new DataTransfer(); data.setData('text/plain', text);
        (document.activeElement || document.body).dispatchEvent(
            new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
    }""", text)


def in_view(page, selector: str) -> bool:
    return page.evaluate("""sel => { const r = document.querySelector(sel).getBoundingClientRect();
        return r.top >= 0 && r.top < window.innerHeight; }""", selector)


def test_ctrl_v_on_a_rows_total_cell_maps_the_block_from_column_3(page, report):
    sub, officer, rows = report
    login(page, officer)
    page.goto(f"/submissions/{sub.id}")
    figures = {"c4": 120, "c5": 11, "c6": 4, "c8": 60, "c9": 50, "c10": 5, "c12": 19, "c13": 1}
    line = [135, 120, 11, 4, 115, 60, 50, 5, 999, 19, 1]  # (11) is wrong in the sheet: 19 + 1 ≠ 999
    page.locator("#" + dom_id(f"I.4/{rows[2]}/c3")).click()
    paste_on_focus(page, "\t".join(map(str, line)) + "\r\n")
    status = page.locator("#paste-status")
    expect(status).to_contain_text("Đã lưu 8 ô; 1 ô bị đánh dấu đỏ chưa đúng.")
    for column, value in figures.items():
        expect(page.locator("#" + dom_id(f"I.4/{rows[2]}/{column}"))).to_have_value(str(value))
    total = page.locator("#" + dom_id(f"I.4/{rows[2]}/c11"))
    expect(total).to_contain_text("Số dán vào (999) khác tổng tính được (20)")
    expect(page.locator("#save-status")).to_have_text("Đã lưu 8 ô; 1 ô bị đánh dấu đỏ chưa đúng.")
    assert in_view(page, "#paste-status")


def test_a_paste_that_needs_a_choice_shows_it_in_view_and_the_status_says_nothing_was_saved(page, report):
    sub, officer, rows = report
    login(page, officer)
    page.goto(f"/submissions/{sub.id}")
    cell = page.locator("#" + dom_id(f"I.4/{rows[-1]}/c12"))
    cell.click()
    paste_on_focus(page, "5\t6\t7\r\n")  # three numbers from (12): one more than the table has
    preview = page.locator("#paste-status.paste-preview")
    expect(preview).to_contain_text("Chưa lưu gì.")
    expect(page.locator("#save-status")).to_have_text("Chưa dán: chọn cách đặt vùng dán, ngay trên bảng")
    assert in_view(page, "#paste-status")
    preview.get_by_role("button", name="Dán theo cách 1").first.click()
    expect(page.locator("#paste-status")).not_to_have_class("paste-status paste-preview")
    expect(page.locator("#save-status")).not_to_contain_text("Đang dán")

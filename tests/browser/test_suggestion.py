"""Issue 19: a group already in the reviewer's text is marked "đã chèn", and inserting it
again (one group or the whole suggestion) asks first; declining leaves the text as it was."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import submission_for

from .conftest import login
from .support import fill, filled_values, quarterly_round

pytestmark = pytest.mark.browser


def test_inserting_a_group_twice_asks_first(page):
    round_, _, units, _, reviewer = quarterly_round(communes=3)
    for i, unit in enumerate(units, start=1):
        fill(submission_for(round_, unit), {**filled_values(round_, seed=i), "III/text": "1. Tiếp tục niêm yết công khai TTHC."},
             status="approved")
    login(page, reviewer)
    page.goto(f"/rounds/{round_.id}/consolidated")
    section = page.locator("section#III")
    section.locator("details.suggestion summary").click()
    line = "- Tiếp tục niêm yết công khai TTHC (Xã Số 1, Xã Số 2 và Xã Số 3)."
    box = section.locator("textarea")
    section.get_by_role("button", name="Chèn ý này").click()
    expect(box).to_have_value(line)
    asked: list[str] = []

    def decline(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", decline)
    section.get_by_role("button", name="Đã chèn").click()
    expect(box).to_have_value(line)  # declined: nothing added
    page.once("dialog", decline)
    section.get_by_role("button", name="Chèn toàn bộ gợi ý").click()
    expect(box).to_have_value(line)
    assert len(asked) == 2 and all("đã có trong nội dung tổng hợp" in m for m in asked)
    expect(section.locator(".msg")).to_contain_text("Đã lưu lúc")
    # Reloaded, the group is marked as inserted; accepting inserts it again.
    page.reload()
    section.locator("details.suggestion summary").click()
    expect(section.locator(".badge-inserted")).to_have_text("đã chèn")
    page.once("dialog", lambda dialog: dialog.accept())
    section.get_by_role("button", name="Chèn ý này").click()
    expect(box).to_have_value(f"{line}\n{line}")

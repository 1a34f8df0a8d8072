"""Issue 21, item 1: a value an officer types reaches the server or stays on the device —
left at once (another address, reload, the tab closed), or typed while the link is down."""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import SubmissionValue
from tests.factories import PASSWORD, make_user, submission_for

from .conftest import login, shot
from .support import fill, quarterly_round

pytestmark = pytest.mark.browser

KEY, CELL = "I.1/published", "#k-I-1-published"


@pytest.fixture
def report():
    round_, _district, units, reporters, _boss = quarterly_round(communes=2)
    sub = submission_for(round_, units[0])
    fill(sub, {KEY: 26})
    colleague = make_user(units[0], username="xa.so1.b", full_name="Đồng nghiệp xã 1")
    return sub, reporters[0], colleague


def stored(sub_id: int, key: str = KEY):
    db.session.expire_all()
    row = db.session.scalar(select(SubmissionValue).where(SubmissionValue.submission_id == sub_id, SubmissionValue.key == key))
    return row.int_value if row else None


def server_has(sub_id: int, value, timeout: float = 8.0):
    """Wait until the database holds ``value`` (the request outlives the page that sent it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stored(sub_id) == value:
            return True
        time.sleep(0.05)
    return stored(sub_id) == value


def type_without_leaving(page, value: str):
    cell = page.locator(CELL)
    cell.click()
    cell.press("Control+a")
    page.keyboard.type(value)  # no Tab: the pause before autosave has not passed


def close_tab(page):
    """Close as the officer does (unload handlers run), and wait until it is gone."""
    with page.expect_event("close"):
        page.close(run_before_unload=True)


@pytest.mark.parametrize("leave", ["another address", "reload", "close the tab"])
def test_a_value_typed_and_left_at_once_reaches_the_server(new_context, report, leave):
    sub, officer, _ = report
    context = new_context()
    page = context.new_page()
    login(page, officer)
    page.goto(f"/submissions/{sub.id}")
    type_without_leaving(page, "77")
    expect(page.locator("#save-status")).to_have_text("1 ô chưa lưu…")  # never "đã lưu" while a cell waits
    if leave == "another address":
        page.goto("/")
    elif leave == "reload":
        page.reload()
    else:
        close_tab(page)
    assert server_has(sub.id, 77)
    if leave == "reload":
        expect(page.locator(CELL)).to_have_value("77")


def test_a_value_typed_offline_is_kept_on_the_device_and_sent_when_the_report_is_reopened(new_context, report):
    sub, officer, _ = report
    context = new_context()
    context.new_page()  # another tab stays open, as the browser does when one tab closes
    page = context.new_page()
    login(page, officer)
    page.goto(f"/submissions/{sub.id}")
    context.set_offline(True)
    cell = page.locator(CELL)
    cell.fill("77")
    cell.press("Tab")
    expect(page.locator("#save-status")).to_have_text("1 ô chưa gửi được — sẽ gửi khi có mạng")
    close_tab(page)
    assert stored(sub.id) == 26

    context.set_offline(False)
    page = context.new_page()
    page.goto(f"/submissions/{sub.id}")
    assert server_has(sub.id, 77)
    expect(page.locator(CELL)).to_have_value("77")
    expect(page.locator("#save-status")).to_contain_text("Đã lưu lúc")
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('tonghop:draft:'))") == []


def test_a_kept_value_meets_a_colleagues_change_as_a_conflict_never_an_overwrite(new_context, report):
    """Issue 21's acceptance: offline, type, close; meanwhile another officer of the same
    commune, signed in on another browser, changes the same cell through the page; back
    online the first reopens the report and sees the conflict with both values."""
    sub, officer, colleague = report
    context = new_context()
    context.new_page()  # another tab stays open, as the browser does when one tab closes
    page = context.new_page()
    login(page, officer)
    page.goto(f"/submissions/{sub.id}")
    context.set_offline(True)
    page.locator(CELL).fill("77")
    page.locator(CELL).press("Tab")
    expect(page.locator("#save-status")).to_contain_text("chưa gửi được")
    close_tab(page)

    other = new_context().new_page()
    login(other, colleague)
    other.goto(f"/submissions/{sub.id}")
    expect(other.locator(CELL)).to_have_value("26")
    other.locator(CELL).fill("31")
    other.locator(CELL).press("Tab")
    expect(other.locator("#msg-k-I-1-published")).to_contain_text("Đã lưu")
    assert stored(sub.id) == 31

    context.set_offline(False)
    page = context.new_page()
    page.goto(f"/submissions/{sub.id}")
    conflict = page.locator("#msg-k-I-1-published .conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("sửa ở nơi khác")
    expect(conflict).to_contain_text("Giá trị của bạn: 77")
    expect(conflict).to_contain_text("trên máy chủ: 31")
    expect(page.locator(CELL)).to_have_value("77")  # what this officer typed stays in the cell
    expect(page.locator("#save-status")).to_contain_text("sửa đồng thời")
    page.locator(CELL).scroll_into_view_if_needed()
    shot(page, "offline-value-meets-a-colleagues-change", full_page=False)
    assert stored(sub.id) == 31
    drafts = "Object.keys(localStorage).filter(k => k.startsWith('tonghop:draft:'))"
    assert page.evaluate(drafts) == [f"tonghop:draft:{officer.id}:{sub.id}"]  # kept until the officer chooses
    conflict.get_by_role("button", name="Giữ giá trị của tôi").click()
    assert server_has(sub.id, 77)
    expect(page.locator("#msg-k-I-1-published .conflict")).to_have_count(0)
    expect(page.locator("#save-status")).to_contain_text("Đã lưu lúc")  # the conflict is settled
    assert page.evaluate(drafts) == []


def test_logging_out_forgets_the_officers_drafts_on_this_device(new_context, report):
    sub, officer, _ = report
    page = new_context().new_page()
    login(page, officer)
    page.goto(f"/submissions/{sub.id}")
    page.route("**/save", lambda route: route.abort())  # the save never gets through
    page.locator(CELL).fill("77")
    page.locator(CELL).press("Tab")
    expect(page.locator("#save-status")).to_contain_text("Chưa lưu được 1 ô")
    drafts = "Object.keys(localStorage).filter(k => k.startsWith('tonghop:draft:'))"
    assert page.evaluate(drafts) == [f"tonghop:draft:{officer.id}:{sub.id}"]
    page.locator("form[data-logout-user] button").click()
    page.wait_for_url("**/login**")
    assert page.evaluate(drafts) == []


def test_retyping_the_stored_value_clears_the_refusal(new_context, report):
    sub, officer, _ = report
    page = new_context().new_page()
    login(page, officer)
    page.goto(f"/submissions/{sub.id}")
    cell, message = page.locator(CELL), page.locator("#msg-k-I-1-published")
    cell.fill("mười")
    cell.press("Tab")
    expect(message.locator(".error")).to_be_visible()
    expect(cell).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#save-status")).to_have_text("1 ô chưa hợp lệ — chưa lưu")
    cell.fill("26")  # the stored value again
    cell.press("Tab")
    expect(message.locator(".error")).to_have_count(0)
    expect(cell).to_have_attribute("aria-invalid", "false")
    expect(cell).not_to_have_class("num-input invalid")
    expect(page.locator("#save-status")).not_to_contain_text("chưa")
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('tonghop:draft:'))") == []


def test_an_expired_login_keeps_the_values_and_says_to_log_in_again(new_context, report):
    sub, officer, _ = report
    context = new_context()
    page = context.new_page()
    login(page, officer)
    page.goto(f"/submissions/{sub.id}")
    context.clear_cookies()  # the login expires while the page is open
    page.locator(CELL).fill("77")
    page.locator(CELL).press("Tab")
    status = page.locator("#save-status")
    # The session is gone with the login: the save's CSRF check refuses it first (400).
    expect(status).to_contain_text("Phiên làm việc đã hết hạn, các giá trị vẫn giữ trên máy này.")
    expect(status.get_by_role("link")).to_have_text("Tải lại trang (đăng nhập lại nếu được hỏi) để gửi 1 ô")
    expect(page).to_have_url(f"{page.url.split('/submissions')[0]}/submissions/{sub.id}")  # still here
    expect(page.locator(CELL)).to_have_value("77")
    status.get_by_role("link").click()
    page.wait_for_url("**/login**")
    page.fill("#username", officer.username)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Đăng nhập')")
    page.wait_for_url(f"**/submissions/{sub.id}")
    assert server_has(sub.id, 77)


def test_values_kept_for_a_report_since_submitted_are_shown_not_dropped(new_context, report):
    sub, officer, _ = report
    page = new_context().new_page()
    login(page, officer)
    page.goto(f"/submissions/{sub.id}")
    context_key = f"tonghop:draft:{officer.id}:{sub.id}"
    page.evaluate("([k, v]) => localStorage.setItem(k, v)", [context_key, '{"I.1/published": {"v": "77", "ver": "1"}}'])
    sub.status = "submitted"
    db.session.commit()
    page.reload()
    stranded = page.locator(".stranded")
    expect(stranded).to_contain_text("1 ô nhập trên máy này chưa gửi được")
    expect(stranded).to_contain_text("I.1/published): 77")
    assert page.evaluate("k => localStorage.getItem(k)", context_key) is not None
    stranded.get_by_role("button", name="Đã ghi lại — xóa khỏi máy này").click()
    assert page.evaluate("k => localStorage.getItem(k)", context_key) is None

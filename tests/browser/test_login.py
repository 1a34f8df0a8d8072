"""Issue 2: an officer logs in, sees the home page, logs out — with JavaScript on and off."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import make_tree, make_user

from .conftest import login, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def reporter():
    _, _, units = make_tree(communes=1)
    return make_user(units[0], username="xa.so1", full_name="Trần Thị Lan")


def _log_in_and_out(page, reporter, name):
    page.goto("/")
    assert "/login" in page.url
    expect(page.locator("h1")).to_have_text("Đăng nhập")
    login(page, reporter)
    expect(page.locator("h1")).to_have_text("Xã Số 1")
    expect(page.locator(".who-name")).to_have_text("Trần Thị Lan")
    expect(page.get_by_role("heading", name="Báo cáo cần nộp")).to_be_visible()
    shot(page, f"{name}-home")
    page.click("button:has-text('Đăng xuất')")
    expect(page.locator(".flash-info")).to_have_text("Bạn đã đăng xuất.")
    page.goto("/")
    assert "/login" in page.url


def test_an_officer_logs_in_sees_home_and_logs_out(page, reporter):
    _log_in_and_out(page, reporter, "login-js")


def test_login_and_logout_work_with_javascript_off(nojs_page, reporter):
    _log_in_and_out(nojs_page, reporter, "login-nojs")


def test_a_wrong_password_is_refused_in_vietnamese(page, reporter):
    page.goto("/login")
    page.fill("#username", reporter.username)
    page.fill("#password", "sai-mat-khau")
    page.click("button:has-text('Đăng nhập')")
    expect(page.get_by_role("alert")).to_have_text("Tên đăng nhập hoặc mật khẩu không đúng.")
    shot(page, "login-wrong-password")

"""Issue 23, as the province's IT officer: change the quarterly report with the form editor,
fix what the check shows beside the fields, preview, publish, compare, open a round with it,
fill the new fields as a commune and consolidate; an earlier round keeps its frozen version."""
from __future__ import annotations

import io
import re

import docx
import openpyxl
import pytest
from playwright.sync_api import expect

from app.demo import seed_fields
from app.extensions import db
from app.reporting.templates import shipped_templates
from tests.factories import make_round, make_tree, make_user, submission_for

from .conftest import login, shot

pytestmark = pytest.mark.browser

QUARTERLY = shipped_templates()["quarterly_tthc"]
LINKED = next(i for i, s in enumerate(QUARTERLY.sections) if s.id == "I.6.4")  # "liên thông khai sinh, khai tử"
PERCENT = re.compile(r"(\d+(?:\.\d{3})*(?:,\d+)?)\s?%")


def _shares(text: str) -> list[float]:
    return [float(p.replace(".", "").replace(",", ".")) for p in PERCENT.findall(text)]


def test_the_it_officer_changes_the_quarterly_report_with_the_form_and_a_commune_fills_it(page, new_context):
    seed_fields()
    db.session.commit()
    province, district, communes = make_tree(communes=2)
    officer = make_user(province, role="admin", username="quantri.tinh")
    reviewer = make_user(district, role="reviewer", username="tonghop.huyen")
    reporter = make_user(communes[0], username="xa.so1")
    earlier = make_round(district, expected=communes)  # opened with the shipped version 3
    earlier_submission = submission_for(earlier, communes[0]).id

    login(page, officer)
    page.goto("/admin/templates")
    expect(page.locator("#shipped-templates")).to_contain_text("Quý")
    page.locator("#shipped-templates tr", has_text="quarterly_tthc").get_by_role(
        "button", name="Sửa thành phiên bản mới").click()
    expect(page.locator("h1")).to_contain_text("Sửa mẫu báo cáo")
    section = page.locator(f"#section-{LINKED}")

    # An indicator, with the form: it starts blank and the check says so beside it (error 1).
    section.get_by_role("button", name="+ Thêm chỉ tiêu").click()
    label = page.locator(f"#s{LINKED}-field1-label")
    expect(label).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#s{LINKED}-field1-label-err1")).to_have_text("chưa có tên: hãy nhập tên.")
    # A note on the same section.
    page.locator(f"#section-{LINKED} input[name=note]").check()
    hint = page.locator(f"#s{LINKED}-note_hint")
    expect(hint).to_be_visible()
    # A narrative section after it: its title is still blank (error 2).
    page.select_option("#add-kind", "narrative")
    page.select_option("#add-after", str(LINKED))
    page.get_by_role("button", name="+ Thêm mục").click()
    added = LINKED + 1
    heading = page.locator(f"#s{added}-heading")
    expect(page.locator(f"#s{added}-heading-err1")).to_have_text("chưa có tiêu đề: hãy nhập tiêu đề.")
    expect(page.locator("#draft-status")).to_contain_text("Còn 2 lỗi")
    section.scroll_into_view_if_needed()
    shot(page, "template-editor-errors", full_page=False)

    # Fix both beside their fields; each change saves itself.
    page.locator(f"#s{LINKED}-field1-label").fill("Trong đó: số hồ sơ liên thông nộp qua VNeID")
    page.locator(f"#s{LINKED}-field1-id").fill("vneid")
    page.locator(f"#s{LINKED}-field1-id").press("Tab")
    expect(page.locator(f"#s{LINKED}-field1-label-err1")).to_have_count(0)
    hint.fill("Ví dụ: vì sao số hồ sơ liên thông khác số liệu của ngành tư pháp.")
    hint.press("Tab")
    lines = page.locator(f"#s{LINKED}-figure0-lines")
    lines.fill("Tổng số hồ sơ liên thông khai sinh, khai tử: {linked_dossiers} hồ sơ, trong đó qua VNeID {vneid} hồ sơ.")
    lines.press("Tab")
    heading.fill("Kết quả triển khai Đề án 06 trên địa bàn")
    page.locator(f"#s{added}-number").fill("7.")
    page.locator(f"#s{added}-number").press("Tab")
    expect(page.locator("#draft-status")).to_contain_text("Bản nháp hợp lệ")
    expect(page.locator(".template-section .error")).to_have_count(0)
    section.scroll_into_view_if_needed()
    shot(page, "template-editor-fixed", full_page=False)

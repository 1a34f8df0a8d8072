"""Issue 21, item 6: focus after each htmx swap — into what opens, back to what opened it,
kept on the control that re-renders (a sort link); the skip link's target takes focus."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import login
from .support import role_pages, wait_until_held

pytestmark = pytest.mark.browser


@pytest.fixture
def world():
    return role_pages()


def focused(page) -> str:
    return page.evaluate("""() => { const el = document.activeElement;
        return el === document.body ? 'body' : el.tagName.toLowerCase() + '|' + (el.textContent || '').trim() + '|' + (el.name || ''); }""")


def fill_document_row(page, number: str, summary: str):
    """The new-document row of section I.5.1 filled in (a plan dated in 2024); its add button."""
    docs = page.locator("#docs-k-I-5-1")
    docs.locator("select[name=doc_type]").select_option("KH")
    docs.locator("input[name=number]").fill(number)
    docs.locator("input[name=issued_on]").fill("05/04/2024")
    docs.locator("input[name=summary]").fill(summary)
    return docs.get_by_role("button", name="+ Thêm văn bản")


def test_focus_follows_the_document_rows_and_the_skip_link(new_context, world):
    page = new_context().new_page()
    login(page, world["reporters"][0])
    page.goto(f"/submissions/{world['draft'].id}")

    page.keyboard.press("Tab")  # the skip link comes first
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#entry-main")).to_be_focused()

    docs = page.locator("#docs-k-I-5-1")
    fill_document_row(page, "05/KH-UBND", "Kế hoạch cải cách hành chính năm 2024").focus()
    page.keyboard.press("Enter")
    expect(docs.locator("tbody tr").first).to_contain_text("05/KH-UBND")
    expect(page.locator("#docs-k-I-5-1").get_by_role("button", name="+ Thêm văn bản")).to_be_focused()

    page.locator("#docs-k-I-5-1").get_by_role("link", name="Sửa").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#docs-k-I-5-1 form.doc-form select[name=doc_type]")).to_be_focused()  # into the edit form
    page.keyboard.press("Tab")
    page.keyboard.type("-sửa")
    page.locator("#docs-k-I-5-1").get_by_role("button", name="Lưu dòng").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#docs-k-I-5-1 tbody tr").first).to_contain_text("sửa")
    expect(page.locator("#docs-k-I-5-1").get_by_role("link", name="Sửa")).to_be_focused()  # back to its trigger


def test_focus_returns_to_sua_when_an_autosave_settles_during_the_row_save(new_context, world):
    """Seen under load: a cell's autosave that started and settled while a document row was
    being saved took the focus the row's save was to give back, which fell to <body>. The
    row's save is held here until a cell's autosave has come and gone."""
    page = new_context().new_page()
    login(page, world["reporters"][0])
    page.goto(f"/submissions/{world['draft'].id}")
    docs = page.locator("#docs-k-I-5-1")
    fill_document_row(page, "07/KH-UBND", "Kế hoạch kiểm tra công tác cải cách hành chính").click()
    expect(docs.locator("tbody tr").first).to_contain_text("07/KH-UBND")
    page.locator("#docs-k-I-5-1").get_by_role("link", name="Sửa").first.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#docs-k-I-5-1 form.doc-form select[name=doc_type]")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.type("-sửa")

    held = []

    def hold_row_save(route):
        if route.request.method == "POST" and not held:
            held.append((route, route.fetch()))
        else:
            route.continue_()

    page.route("**/documents/**", hold_row_save)
    page.locator("#docs-k-I-5-1").get_by_role("button", name="Lưu dòng").focus()
    page.keyboard.press("Enter")
    wait_until_held(page, held)
    cell = page.locator("input[data-key^='I.1/']").first  # a cell's autosave, sent and answered meanwhile
    with page.expect_response(lambda r: r.url.endswith("/save")):
        cell.evaluate("el => { el.value = '3'; el.dispatchEvent(new Event('change', {bubbles: true})); }")
    page.wait_for_function("() => !document.querySelector('.htmx-request[data-key]')")
    route, response = held.pop()
    route.fulfill(response=response)
    expect(page.locator("#docs-k-I-5-1 tbody tr").first).to_contain_text("-sửa")
    expect(page.locator("#docs-k-I-5-1").get_by_role("link", name="Sửa").first).to_be_focused()


def test_sorting_the_board_keeps_focus_on_the_sort_link(new_context, world):
    page = new_context().new_page()
    login(page, world["boss"])
    page.goto(f"/rounds/{world['round'].id}")
    for _ in range(2):  # one way, then the other
        link = page.locator("#board-table a.sort").nth(1)
        text = link.text_content().strip()
        before = link.element_handle()
        link.focus()
        page.keyboard.press("Enter")
        page.wait_for_function("el => !el.isConnected", arg=before)  # the table was swapped
        page.wait_for_function("() => document.activeElement.matches('a.sort')")
        assert focused(page).split("|")[1].rstrip(" ▲▼") == text.rstrip(" ▲▼")


def test_nop_bao_cao_is_a_few_keys_from_the_top_of_the_report(new_context, world):
    page = new_context().new_page()
    login(page, world["reporters"][0])
    page.goto(f"/submissions/{world['draft'].id}")
    for presses in range(1, 16):
        page.keyboard.press("Tab")
        if focused(page).startswith("a|Nộp báo cáo"):
            break
    assert focused(page).startswith("a|Nộp báo cáo"), "not reached in 15 Tabs"
    page.keyboard.press("Enter")
    expect(page.locator("#submit-report")).to_be_focused()
    expect(page.locator("#submit-report").get_by_role("button", name="Nộp báo cáo")).to_be_visible()
    print(f"'Nộp báo cáo' after {presses} Tabs")

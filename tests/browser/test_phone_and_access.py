"""A phone (390 × 844), a slow link, and what accessibility checkers see on each role's main pages."""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from app.services.submission_page import dom_id

from .conftest import login, shot
from .support import role_pages, wait_until_held

PHONE = {"width": 390, "height": 844}
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
LAYOUT = ("c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10", "c11", "c12", "c13")


@pytest.fixture
def world():
    return role_pages()


def no_horizontal_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a 390 px phone"
    clipped = page.evaluate("""() => [...document.querySelectorAll('body, #page, main, .entry-layout, .entry-main')]
        .filter(el => getComputedStyle(el).overflowX === 'hidden' || getComputedStyle(el).overflow === 'hidden').length""")
    assert clipped == 0, "fitting by hiding overflow does not count"


def paste_into(page, element_id: str, text: str) -> None:
    page.evaluate("""([id, text]) => {
        const el = document.getElementById(id);
        const data = new DataTransfer(); data.setData('text/plain', text);
        el.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
    }""", [element_id, text])


def test_on_a_phone_the_report_fits_a_cell_takes_a_tap_and_the_official_layout_pastes_right(new_context, world):
    page = new_context(viewport=PHONE, has_touch=True, is_mobile=True).new_page()
    login(page, world["reporters"][0])
    page.goto(f"/submissions/{world['draft'].id}")
    no_horizontal_scroll(page)
    expect(page.locator("#section-menu")).not_to_have_attribute("open", "")  # the section list is a closed menu

    rows = [r.code for r in __import__("app.services.rounds", fromlist=["round_template"]).round_template(world["round"]).section("I.4").rows]
    cell = page.locator("#" + dom_id(f"I.4/{rows[0]}/c5"))
    cell.scroll_into_view_if_needed()
    cell.tap()
    expect(cell).to_be_focused()
    page.keyboard.type("17")
    page.keyboard.press("Tab")
    expect(page.locator("#msg-" + dom_id(f"I.4/{rows[0]}/c5"))).to_contain_text("Đã lưu lúc")
    box = cell.bounding_box()
    assert box["height"] >= 24 and box["width"] >= 24

    # Columns (3)–(13) as copied from the officer's sheet, pasted into the first input (4).
    figures = {"c4": 120, "c5": 11, "c6": 4, "c8": 60, "c9": 50, "c10": 5, "c12": 19, "c13": 1}
    line = [figures["c4"] + figures["c5"] + figures["c6"], figures["c4"], figures["c5"], figures["c6"],
            figures["c8"] + figures["c9"] + figures["c10"], figures["c8"], figures["c9"], figures["c10"],
            figures["c12"] + figures["c13"], figures["c12"], figures["c13"]]
    paste_into(page, dom_id(f"I.4/{rows[1]}/c4"), "\t".join(map(str, line)) + "\r\n")
    expect(page.locator("#paste-status")).to_contain_text("Đã dán và lưu 8 ô.")
    for column, value in figures.items():
        expect(page.locator("#" + dom_id(f"I.4/{rows[1]}/{column}"))).to_have_value(str(value))
    no_horizontal_scroll(page)
    shot(page, "phone-report", full_page=False)


def test_on_a_phone_the_board_and_the_review_page_fit(new_context, world):
    page = new_context(viewport=PHONE, is_mobile=True).new_page()
    login(page, world["boss"])
    for url in (f"/rounds/{world['round'].id}", f"/rounds/submissions/{world['submitted'].id}"):
        page.goto(url)
        no_horizontal_scroll(page)
    shot(page, "phone-review", full_page=False)


def test_on_a_slow_link_the_page_never_says_saved_before_the_server_answers(new_context, world):
    page = new_context().new_page()
    login(page, world["reporters"][0])
    page.goto(f"/submissions/{world['draft'].id}")
    held = []
    page.route("**/save", lambda route: held.append(route))  # the server's answer waits until the test releases it
    # In the page: when the page first said "đã lưu" anywhere.
    page.evaluate("""() => {
        window.__saidSaved = null;
        new MutationObserver(() => {
            if (!window.__saidSaved && /đã lưu/i.test(document.querySelector('.entry-layout').textContent))
                window.__saidSaved = performance.now();
        }).observe(document.querySelector('.entry-layout'), {childList: true, subtree: true, characterData: true});
    }""")
    cell = page.locator("#k-I-1-published")
    cell.fill("82")
    cell.press("Tab")
    status = page.locator("#save-status")
    expect(status).to_have_text("Đang lưu 1 ô…")
    wait_until_held(page, held)
    expect(status).to_have_text("Đang lưu 1 ô…")
    assert page.evaluate("window.__saidSaved") is None, "'đã lưu' shown while the save had no answer"
    released = page.evaluate("performance.now()")
    route = held.pop()
    route.fulfill(response=route.fetch())
    page.unroute("**/save")
    expect(status).to_contain_text("Đã lưu lúc")
    assert page.evaluate("window.__saidSaved") >= released

    # Retyping the saved value sends nothing and leaves nothing pending: the next save, of
    # another cell, is the only one that leaves.
    sent = []
    page.on("request", lambda r: sent.append(r.post_data or "") if r.url.endswith("/save") else None)
    cell.fill("82")
    cell.press("Tab")
    other = page.locator(".entry-layout input.num-input[data-key]:not([readonly]):not(#k-I-1-published)").first
    other_key = other.get_attribute("data-key")
    other.fill("5")
    with page.expect_response(lambda r: r.url.endswith("/save")):
        other.press("Tab")
    expect(page.locator("#msg-k-I-1-published")).not_to_contain_text("Chưa lưu")
    assert len(sent) == 1 and "published" not in sent[0], (other_key, sent)


def pages_of_each_role(world):
    """(user, urls) for the main pages of each role, including a report showing an invalid value."""
    round_id = world["round"].id
    return [
        (None, ["/login"]),
        (world["reporters"][0], ["/", f"/submissions/{world['draft'].id}"]),
        (world["reporters"][2], [f"/submissions/{world['returned'].id}"]),
        (world["boss"], ["/", f"/rounds/{round_id}", f"/rounds/submissions/{world['submitted'].id}",
                         f"/rounds/{round_id}/consolidated?provisional=1"]),
        (world["admin"], ["/admin/units", "/admin/users"]),
    ]


def test_axe_finds_no_wcag_violation_on_the_main_pages_of_each_role(new_context, world):
    axe = Axe()
    failures = []
    for user, urls in pages_of_each_role(world):
        page = new_context().new_page()
        if user is not None:
            login(page, user)
        for url in urls:
            page.goto(url)
            if url == f"/submissions/{world['draft'].id}":
                cell = page.locator("#k-I-1-published")
                cell.fill("mười")  # an invalid value on show
                cell.press("Tab")
                expect(page.locator("#msg-k-I-1-published .error")).to_be_visible()
                expect(cell).to_have_attribute("aria-invalid", "true")
            result = axe.run(page, options=WCAG)
            for violation in result.response["violations"]:
                failures.append(f"{url}: {violation['id']} — {violation['help']} "
                                f"({[n['target'] for n in violation['nodes']][:3]})")
        page.close()
    assert failures == []

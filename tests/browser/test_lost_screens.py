"""Issue 21, items 5 and 6: every page of each role fits the window at 320, 390 and 1,366 px
(a wide table scrolls inside its own labelled, focusable region), and axe-core finds no WCAG
2.1 AA violation at 390 and 1,366 px — scrollable regions reachable by keyboard included."""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from .conftest import login
from .support import role_page_urls, role_pages

pytestmark = pytest.mark.browser

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}
WIDTHS = (320, 390, 1366)


@pytest.fixture
def world():
    return role_pages()


def too_wide(page) -> list[str]:
    """The page's width beyond the window, and the widest elements that make it so."""
    return page.evaluate("""() => {
        const w = document.documentElement.clientWidth, sw = document.documentElement.scrollWidth;
        if (sw <= w) return [];
        const culprits = [...document.querySelectorAll('body *')].filter(el => {
            const r = el.getBoundingClientRect();
            return r.right > w + 1 && !el.closest('[role=region]') && getComputedStyle(el).position !== 'fixed';
        }).slice(0, 4).map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '.' + [...el.classList].join('.')
                          + ' ' + Math.round(el.getBoundingClientRect().right));
        return [`${sw} px wide in ${w}`, ...culprits];
    }""")


def test_no_page_is_wider_than_the_window(new_context, world):
    failures = []
    for width in WIDTHS:
        for user, urls in role_page_urls(world):
            context = new_context(viewport={"width": width, "height": 800}, is_mobile=width < 700, has_touch=width < 700)
            page = context.new_page()
            if user is not None:
                login(page, user)
            for url in urls:
                page.goto(url)
                wide = too_wide(page)
                if wide:
                    failures.append(f"{width} px {url}: {wide}")
            context.close()
    assert failures == [], "\n".join(failures)


def test_axe_finds_no_violation_at_390_and_1366_px(new_context, world):
    axe = Axe()
    failures = []
    for width in (390, 1366):
        for user, urls in role_page_urls(world):
            context = new_context(viewport={"width": width, "height": 800})
            page = context.new_page()
            if user is not None:
                login(page, user)
            for url in urls:
                page.goto(url)
                for violation in axe.run(page, options=WCAG).response["violations"]:
                    failures.append(f"{width} px {url}: {violation['id']} — {violation['help']} "
                                    f"({[n['target'] for n in violation['nodes']][:3]})")
            context.close()
    assert failures == [], f"{len(failures)} violations:\n" + "\n".join(failures)

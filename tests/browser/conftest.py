"""Browser journeys: the app served on a real socket, driven by Debian's chromium through Playwright.

The live server runs the test database of tests/conftest.py (a SQLite file, or DATABASE_URL)
with CSRF protection on, as in production, so the token handling of htmx is exercised too.
Each request in the server thread gets its own app context and session from Flask.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from tests.conftest import Config
from tests.factories import PASSWORD

SCREENSHOTS = Path(__file__).parent / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# How long a step may wait for its condition: generous, so a machine busy with other work
# slows a journey down without failing it; a journey that works never waits this long.
TIMEOUT_MS = 60_000


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


class LiveConfig(Config):
    WTF_CSRF_ENABLED = True


def closing_files(wsgi_app):
    """The app, with every response body closed as soon as it has been sent.

    Werkzeug's development server closes the body (an open file for /static/) only after
    draining the socket; when the browser drops the connection first (a cancelled favicon
    request, a page navigated away), that read raises and the close is skipped, and the
    file is reported unclosed later, in whichever test is running. Closing on the last
    chunk, and in a generator that Python closes if the send is abandoned, leaves nothing
    open whatever the socket does."""
    def app(environ, start_response):
        body = wsgi_app(environ, start_response)

        def chunks():
            try:
                yield from body
            finally:
                if hasattr(body, "close"):
                    body.close()

        return chunks()

    return app


@pytest.fixture(scope="session")
def live_server(app):
    """Base URL of the app served on 127.0.0.1 (a free port), for the whole session.

    ``app`` creates the tables; the served app shares its database, with CSRF on."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log in test output
    served = create_app(LiveConfig)
    served.wsgi_app = closing_files(served.wsgi_app)
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    with served.app_context():
        from app.extensions import db

        db.engine.dispose()


# Package scope: Playwright's sync API keeps an asyncio loop running in the main thread while
# it is started, and code that calls asyncio.run() (pyHanko, for the signed reports) fails
# under it. Stopped once the browser tests are done, before tests/unit and tests/web run.
@pytest.fixture(scope="package")
def playwright_driver():
    from playwright import sync_api
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: run `make test` (it installs it) or apt-get install chromium")
    sync_api.expect.set_options(timeout=TIMEOUT_MS)
    with sync_api.sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright_driver):
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def new_context(browser, live_server):
    """Factory for extra browser contexts (another officer, another tab with its own cookies)."""
    contexts = []

    def make(**options):
        options.setdefault("viewport", {"width": 1366, "height": 900})
        context = browser.new_context(base_url=live_server, locale="vi-VN", **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()


@pytest.fixture
def nojs_page(new_context):
    """A browser with JavaScript disabled: every page must still work."""
    return new_context(java_script_enabled=False).new_page()


def login(page, user, password: str = PASSWORD):
    """Log in through the form and wait for the home page."""
    page.goto("/login")
    page.fill("#username", user.username)
    page.fill("#password", password)
    page.click("button:has-text('Đăng nhập')")
    page.wait_for_url(lambda url: "/login" not in url)


def shot(page, name: str, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path

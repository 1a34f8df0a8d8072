"""Issue 25: the reviewer asks for the consolidation's PDF; the page follows the job by itself
(htmx) and lists the PDF when the worker is done; without JavaScript, the refresh link."""
from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.services.document_settings import save_settings
from app.services.jobs import Limits, run_once
from tests.factories import submission_for

from .conftest import login, shot
from .support import fill, filled_values, quarterly_round

pytestmark = pytest.mark.browser

SETTINGS = {"symbol": "BC-UBND", "recipient": "UBND tỉnh Thử Nghiệm", "signer_title": "PHÓ CHỦ TỊCH",
            "signer_name": "Lê Như Đông", "signer_prefix": "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH"}


def world():
    round_, district, units, _, reviewer = quarterly_round(communes=2)
    for i, unit in enumerate(units, start=1):
        fill(submission_for(round_, unit), filled_values(round_, seed=i), status="approved")
    save_settings(district, round_.id, SETTINGS)
    db.session.commit()
    return round_, reviewer


def worker_once(app) -> threading.Thread:
    """The worker, as `flask worker` runs it, on its own thread once the job is queued."""
    def run():
        with app.app_context():
            run_once(Limits())
            db.session.remove()
    return threading.Thread(target=run)


def test_the_page_follows_the_pdf_job_until_the_pdf_is_listed(page, app):
    round_, reviewer = world()
    login(page, reviewer)
    page.goto(f"/rounds/{round_.id}/consolidated")
    page.get_by_role("link", name="PDF, ký số…").click()
    page.get_by_role("button", name="Tạo PDF để ký số").click()
    status = page.locator(".job")
    expect(status).to_contain_text("Đang chờ")
    runner = worker_once(app)
    runner.start()
    # No reload by hand: the fragment polls, and the page reloads itself when the job ends.
    expect(page.get_by_role("link", name="Tải PDF")).to_be_visible()
    expect(page.locator(".job")).to_contain_text("Đã tạo PDF")
    runner.join()
    shot(page, "signed-report-pdf-ready")


def test_without_javascript_the_refresh_link_shows_the_pdf(nojs_page, app):
    round_, reviewer = world()
    login(nojs_page, reviewer)
    nojs_page.goto(f"/signatures/rounds/{round_.id}")
    nojs_page.get_by_role("button", name="Tạo PDF để ký số").click()
    expect(nojs_page.locator(".job")).to_contain_text("Đang chờ")
    runner = worker_once(app)
    runner.start()
    runner.join()
    nojs_page.get_by_role("link", name="Tải lại trang").click()
    expect(nojs_page.get_by_role("link", name="Tải PDF")).to_be_visible()

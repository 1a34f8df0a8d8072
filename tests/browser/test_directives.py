"""Directive follow-up in a browser: the reviewer records a directive and a task for every
commune; a commune reports progress in its quarterly report (with and without JavaScript);
the reviewer's directive page shows it."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.models import Directive, DirectiveAssignment, DirectiveTask, SubmissionValue
from tests.browser.conftest import login, shot
from tests.browser.support import quarterly_round
from tests.factories import submission_for


def stored(submission_id: int) -> dict:
    db.session.expire_all()
    return {v.key: v.text_value for v in db.session.scalars(select(SubmissionValue).where(SubmissionValue.submission_id == submission_id))}


def test_a_reviewer_records_a_directive_and_a_commune_reports_progress_with_autosave(new_context):
    round_, district, units, reporters, boss = quarterly_round(communes=2)
    reviewer_page = new_context().new_page()
    login(reviewer_page, boss)
    reviewer_page.goto("/directives/new")
    reviewer_page.fill("#number", "05/CT-UBND")
    reviewer_page.fill("#issued_on", "05/02/2024")
    reviewer_page.fill("#title", "Về đẩy mạnh công tác cải cách hành chính")
    reviewer_page.fill("#signer", "KT. Chủ tịch, Phó Chủ tịch Nguyễn Xuân Việt")
    reviewer_page.click("button:has-text('Ghi văn bản')")
    reviewer_page.wait_for_url("**/tasks/new")
    reviewer_page.fill("#label", "1.a")
    reviewer_page.fill("#content", "Tiếp tục quán triệt, tuyên truyền Chỉ thị số 30/CT-TTg.")
    reviewer_page.check("input[name=groups][value=communes]")
    reviewer_page.click("button:has-text('Lưu nhiệm vụ')")
    reviewer_page.wait_for_selector("text=Giao 2 đơn vị")
    task = db.session.scalar(select(DirectiveTask))

    officer = new_context().new_page()
    login(officer, reporters[0])
    officer.wait_for_selector("text=Nhiệm vụ được giao đang theo dõi")
    sub = submission_for(round_, units[0])
    officer.goto(f"/submissions/{sub.id}#k-I-9")
    status_key, text_key = f"I.9/t{task.id}/status", f"I.9/t{task.id}/text"
    officer.select_option(f"select[name='v.{status_key}']", "in_progress")
    officer.fill(f"textarea[name='v.{text_key}']", "Đã tổ chức hội nghị quán triệt đến cán bộ, công chức.")
    officer.locator(f"textarea[name='v.{text_key}']").blur()
    officer.wait_for_selector(f"#msg-k-I-9-t{task.id}-text:not(:has(.pending))")
    officer.wait_for_selector("#save-status:has-text('Đã lưu')")
    values = stored(sub.id)
    assert values[status_key] == "in_progress"
    assert values[text_key] == "Đã tổ chức hội nghị quán triệt đến cán bộ, công chức."
    shot(officer.locator(f"#followup-{task.id}").page, "directives-entry", full_page=False)
    officer.click("button:has-text('Nộp báo cáo')")
    officer.wait_for_selector("text=Báo cáo đã khóa")

    reviewer_page.goto(f"/directives/{task.directive_id}")
    row = reviewer_page.locator("table.task-units tr", has_text=units[0].name)
    assert "Đang thực hiện" in row.inner_text() and "hội nghị quán triệt" in row.inner_text()
    assert "1/2 xã đang thực hiện (Xã Số 1); 1 xã chưa báo cáo (Xã Số 2)." in reviewer_page.inner_text("#tasks")
    shot(reviewer_page, "directives-page")


def test_a_commune_reports_progress_without_javascript(nojs_page):
    round_, district, units, reporters, boss = quarterly_round(communes=2)
    directive = Directive(unit=district, doc_type="CT", number="05/CT-UBND", issued_on=date(2024, 2, 5),
                          title="Về đẩy mạnh công tác cải cách hành chính")
    task = DirectiveTask(directive=directive, label="6", content="Xử lý hồ sơ đất đai tồn đọng.", template_codes="quarterly_tthc",
                         due_on=date(2024, 3, 31), assignments=[DirectiveAssignment(unit=units[1])])
    db.session.add_all([directive, task])
    db.session.commit()
    login(nojs_page, reporters[1])
    assert "05/CT-UBND" in nojs_page.inner_text("#own-tasks")
    sub = submission_for(round_, units[1])
    nojs_page.goto(f"/submissions/{sub.id}")
    form = nojs_page.locator(f"#followup-{task.id}").locator("xpath=ancestor::form")
    form.locator("select").select_option("done")
    form.locator(f"textarea[name='v.I.9/t{task.id}/text']").fill("Đã giải quyết 58/146 hồ sơ tồn đọng.")
    form.locator(f"textarea[name='v.I.9/t{task.id}/docs']").fill("Công văn số 12/UBND ngày 02/03/2024")
    form.locator("button:has-text('Lưu')").click()
    nojs_page.wait_for_selector("text=Đã lưu lúc")
    values = stored(sub.id)
    assert values[f"I.9/t{task.id}/status"] == "done"
    assert values[f"I.9/t{task.id}/docs"] == "Công văn số 12/UBND ngày 02/03/2024"
    shot(nojs_page, "directives-entry-nojs", full_page=False)

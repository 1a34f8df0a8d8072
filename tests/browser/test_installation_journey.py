"""The IT officer's journey (issue 22): a clean installation on an empty database, imports
with mistakes then an update by file, a province administrator scoped to his province,
fields, the province's own day off moving a round's proposed deadline, a merger dated in the
future applied by `flask apply-reorganisations` on its date, and the log of every step."""
from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import OrgUnit, ReportingRound, Submission, SubmissionValue, User
from app.reporting.periods import default_deadline, make_period
from app.reporting.templates import shipped_templates
from app.services.workdays import work_calendar
from tests.browser.conftest import SCREENSHOTS

NEW_PASSWORD = "dong-song-da-chay-qua-ban-lang"


def _sign_in_first_time(page, username: str, password: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button:has-text('Đăng nhập')")
    expect(page).to_have_url(re.compile(r"/password"))
    page.fill("#current", password)
    page.fill("#new", NEW_PASSWORD)
    page.fill("#confirm", NEW_PASSWORD)
    page.click("button:has-text('Lưu mật khẩu mới')")
    expect(page).not_to_have_url(re.compile(r"/password"))


def _import(page, kind: str, mode: str, name: str, text: str) -> None:
    page.goto(f"/admin/imports?kind={kind}&mode={mode}")
    page.set_input_files("#file", files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode()}])
    page.click("button:has-text('Xem trước')")
    expect(page.locator("#import-preview")).to_be_visible()


def test_the_it_officers_journey_from_an_empty_database(app, page, new_context, monkeypatch):
    # 1. A clean installation: a national unit and its system administrator, nothing else.
    result = app.test_cli_runner().invoke(args=["init-installation", "--unit-code", "VN", "--unit-name", "Cả nước",
                                                "--unit-kind", "central", "--admin", "quantri"])
    assert result.exit_code == 0, result.output
    password = re.search(r"Mật khẩu dùng một lần: (\S+)", result.output).group(1)
    assert db.session.scalar(select(db.func.count(OrgUnit.id))) == 1
    _sign_in_first_time(page, "quantri", password)

    # 2. Units by file, with a mistake (a kind that does not exist): only the good rows are written.
    units = ("Mã đơn vị,Tên,Loại,Đơn vị cấp trên,Địa danh,Thứ tự\n"
             "LCU,Tỉnh Lai Châu,Tỉnh,VN,Lai Châu,1\n"
             "LCU.X01,Xã Bản Lang,Xã,LCU,Bản Lang,1\n"
             "LCU.X02,Xã Nậm Tăm,Xã,LCU,Nậm Tăm,2\n"
             "LCU.X03,Xã Pa Ủ,Xã,LCU,Pa Ủ,3\n"
             "LCU.X04,Bản Lỗi,Làng,LCU,Bản Lỗi,4\n"
             "LCU.S01,Sở Nội vụ,Sở,LCU,Lai Châu,101\n")
    _import(page, "units", "create", "don-vi.csv", units)
    preview = page.locator("#import-preview")
    expect(preview).to_contain_text("5 dòng hợp lệ, 1 dòng lỗi")
    expect(preview).to_contain_text("Loại đơn vị 'Làng' không hợp lệ")
    expect(preview).to_contain_text("Sở, ban, ngành")
    page.click("button:has-text('Xác nhận nhập')")
    expect(page.locator(".flash")).to_contain_text("thêm 5")

    # 3. Users by file: a phone that lost its leading zero and a bad address are refused; the
    # corrected file, uploaded again to update by code, shows the change before writing it.
    users = ("Tên đăng nhập,Họ tên,Điện thoại,Email,Vai trò,Mã đơn vị\n"
             "tonghop.laichau,Lò Thị Hạnh,0213 3876 001,hanh@laichau.gov.vn,Cán bộ tổng hợp,LCU\n"
             "xa.banlang,Tao Văn Dũng,912111004,dung@laichau.gov.vn,Cán bộ đầu mối,LCU.X01\n"
             "xa.namtam,Lò Văn Tâm,0912 111 005,tam@@laichau,Cán bộ đầu mối,LCU.X02\n"
             "xa.pau,Giàng A Pó,0912 111 006,,Cán bộ đầu mối,LCU.X03\n")
    _import(page, "users", "create", "nguoi-dung.csv", users)
    preview = page.locator("#import-preview")
    expect(preview).to_contain_text("2 dòng hợp lệ, 2 dòng lỗi")
    expect(preview).to_contain_text("mất số 0 ở đầu")
    expect(preview).to_contain_text("Địa chỉ thư 'tam@@laichau' không hợp lệ")
    page.click("button:has-text('Xác nhận nhập')")
    expect(page.locator("table.grid")).to_contain_text("Mật khẩu tạm")
    fixed = (users.replace("912111004", "0912 111 004").replace("tam@@laichau", "tam@laichau.gov.vn")
             .replace("0912 111 006", "0912 111 066"))
    _import(page, "users", "update", "nguoi-dung-sua.csv", fixed)
    preview = page.locator("#import-preview")
    expect(preview).to_contain_text("3 dòng hợp lệ, 0 dòng lỗi, 1 dòng không đổi")
    expect(preview).to_contain_text("0912 111 006 → 0912 111 066")
    page.click("button:has-text('Xác nhận nhập')")
    db.session.expire_all()
    assert db.session.scalar(select(User.phone).where(User.username == "xa.banlang")) == "0912 111 004"

    # 4. A province administrator, scoped to Lai Châu.
    lai_chau = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "LCU"))
    page.goto("/admin/users/new")
    page.fill("#username", "quantri.laichau")
    page.fill("#full_name", "Sùng A Páo")
    page.select_option("#role", "admin")
    page.select_option("#unit_id", str(lai_chau.id))
    page.click("#user-form button:has-text('Lưu')")
    scoped_password = page.locator("tr:has-text('quantri.laichau') code").inner_text()
    province_admin = new_context().new_page()
    _sign_in_first_time(province_admin, "quantri.laichau", scoped_password)
    province_admin.goto("/admin/users")
    expect(province_admin.locator("#users-table")).to_contain_text("xa.banlang")
    expect(province_admin.locator("#users-table")).not_to_contain_text("Quản trị hệ thống")  # the system administrator is not his

    # 5. Fields of the province.
    province_admin.goto("/admin/fields")
    province_admin.select_option("#scope", str(lai_chau.id))
    province_admin.fill("#code", "ho_tich")
    province_admin.fill("#name", "Hộ tịch")
    province_admin.fill("#sort_order", "1")
    province_admin.click("form.card button:has-text('Lưu')")
    expect(province_admin.locator("#fields-table")).to_contain_text("Hộ tịch")

    # 6. The province's own day off, on the day the rule would give as Q1/2027's deadline.
    template = shipped_templates()["quarterly_tthc"]
    period = make_period(template.frequency, 2027, 1, template.period_convention)
    rule_day = default_deadline(period, holidays=work_calendar(date(2027, 1, 1), lai_chau))
    province_admin.goto("/admin/holidays?year=2027")
    province_admin.fill("#day", rule_day.strftime("%d/%m/%Y"))
    province_admin.select_option("#kind", "off")
    province_admin.fill("#note", "Ngày nghỉ riêng của tỉnh")
    province_admin.click("button:has-text('Thêm ngày')")
    expect(province_admin.locator("#extra-days")).to_contain_text("Tỉnh Lai Châu")

    # 7. A round whose proposed deadline skips that day.
    province_admin.goto(f"/rounds/new?unit_id={lai_chau.id}&template=quarterly_tthc&year=2027&index=1")
    proposed = province_admin.locator("#deadline").input_value()
    assert proposed != rule_day.strftime("%d/%m/%Y")
    shifted = default_deadline(period, holidays=work_calendar(date(2027, 1, 1), lai_chau))
    assert proposed == shifted.strftime("%d/%m/%Y") and shifted > rule_day
    province_admin.click("button:has-text('Mở đợt báo cáo')")
    expect(province_admin).to_have_url(re.compile(r"/rounds/\d+"))
    round_ = db.session.scalar(select(ReportingRound).where(ReportingRound.unit_id == lai_chau.id))
    drafts = {s.unit.code: s for s in round_.submissions}
    for code, number in (("LCU.X02", 7), ("LCU.X03", 5)):
        db.session.add(SubmissionValue(submission_id=drafts[code].id, key="I.1/published", int_value=number, version=1))
        drafts[code].status = "draft"
    db.session.commit()

    # 8. A merger dated in the future: scheduled, nothing changes until its date.
    province_admin.goto("/admin/reorganisation")
    x02, x03 = (db.session.scalar(select(OrgUnit).where(OrgUnit.code == c)) for c in ("LCU.X02", "LCU.X03"))
    province_admin.select_option("#predecessors", [str(x02.id), str(x03.id)])
    province_admin.select_option("#successor_id", "0")
    province_admin.fill("#new_code", "LCU.X10")
    province_admin.fill("#new_name", "Xã Nậm Pa")
    province_admin.select_option("#new_parent_id", str(lai_chau.id))
    province_admin.fill("#new_place_name", "Nậm Pa")
    province_admin.fill("#effective_on", "15/01/2027")
    province_admin.click("button:has-text('Ghi nhận sáp nhập')")
    expect(province_admin.locator("#confirm")).to_contain_text("lên lịch")
    expect(province_admin.locator("#confirm")).to_contain_text("xa.namtam")
    province_admin.click("button:has-text('Lên lịch sáp nhập')")
    expect(province_admin.locator("#scheduled")).to_contain_text("Xã Nậm Pa")
    db.session.expire_all()
    assert db.session.get(OrgUnit, x02.id).active

    import app.reporting.clock as clock
    monkeypatch.setattr(clock, "vn_today", lambda: date(2027, 1, 15))
    applied = app.test_cli_runner().invoke(args=["apply-reorganisations"])
    assert "Đã áp dụng" in applied.output, applied.output
    again = app.test_cli_runner().invoke(args=["apply-reorganisations"])
    assert "Không có thay đổi" in again.output
    db.session.expire_all()
    successor = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "LCU.X10"))
    assert not db.session.get(OrgUnit, x02.id).active
    assert db.session.scalar(select(User.unit_id).where(User.username == "xa.namtam")) == successor.id
    carried = db.session.scalar(select(SubmissionValue.int_value).join(Submission, Submission.id == SubmissionValue.submission_id)
                                .where(Submission.unit_id == successor.id, SubmissionValue.key == "I.1/published"))
    assert carried == 7 + 5

    # 9. The log of administration shows every step.
    page.goto("/admin/log")
    log = page.locator("#admin-log")
    for step in ("Cài đặt", "Nhập từ tệp", "Người dùng", "Lĩnh vực", "Lịch làm việc", "Đợt báo cáo", "Lên lịch", "Áp dụng"):
        expect(log).to_contain_text(step)
    expect(log).to_contain_text("quantri.laichau")
    expect(log).not_to_contain_text(password)
    page.screenshot(path=str(SCREENSHOTS / "installation-journey-log.png"), full_page=True)


def test_dates_are_typed_and_picked_as_dd_mm_yyyy_in_an_english_browser(app, browser, live_server):
    from tests.factories import PASSWORD, make_tree, make_user

    province, _, _ = make_tree(1)
    make_user(province, "admin", username="quantri.p")
    context = browser.new_context(base_url=live_server, locale="en-US")
    page = context.new_page()
    page.goto("/login")
    page.fill("#username", "quantri.p")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Đăng nhập')")
    page.goto("/admin/holidays?year=2026")
    day = page.locator("#day")
    assert day.get_attribute("type") == "text" and day.get_attribute("placeholder") == "dd/mm/yyyy"
    assert page.locator("input[type=date][name]").count() == 0  # nothing the browser's language would format
    page.click("button.day-picker-button")
    page.locator("input.day-picker").evaluate(
        "el => { el.value = '2026-12-19'; el.dispatchEvent(new Event('change', {bubbles: true})); }")
    expect(day).to_have_value("19/12/2026")
    page.select_option("#kind", "off")
    page.click("button:has-text('Thêm ngày')")
    expect(page.locator("#extra-days")).to_contain_text("19/12/2026")
    context.close()

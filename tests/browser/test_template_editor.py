"""Issue 23, as the province's IT officer: change the quarterly report with the form editor,
fix what the check shows beside the fields, preview, publish, compare, open a round with it,
fill the new fields as a commune and consolidate; an earlier round keeps its frozen version."""
from __future__ import annotations

import io
import re

import docx
import openpyxl
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select

from app.demo import seed_fields
from app.extensions import db
from app.models import ReportingRound, SubmissionValue
from app.reporting.keys import note_key, text_key
from app.reporting.templates import shipped_templates
from app.services.rounds import round_template
from app.services.submission_page import dom_id
from tests.factories import make_round, make_tree, make_user, submission_for

from .conftest import login, shot
from .support import fill, filled_values, wait_until_held
from .test_phone_and_access import WCAG

pytestmark = pytest.mark.browser

QUARTERLY = shipped_templates()["quarterly_tthc"]
LINKED = next(i for i, s in enumerate(QUARTERLY.sections) if s.id == "I.6.4")  # "liên thông khai sinh, khai tử"
PERCENT = re.compile(r"(\d+(?:\.\d{3})*(?:,\d+)?)\s?%")


def _idle(page):
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def _edit_new_version(page, code: str) -> None:
    """From the templates list, open a new draft of the shipped ``code`` and wait until the
    editor's scripts have run: a change made before htmx binds the form sends nothing, and a
    test waiting for that save would wait in vain (this hung a CI run on a busy machine)."""
    page.locator(f"#shipped-{code}").get_by_role("button", name="Sửa thành phiên bản mới").click()
    page.wait_for_url(f"**/admin/templates/{code}/draft", wait_until="load")


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
    _edit_new_version(page, "quarterly_tthc")
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
    _idle(page)
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

    # Preview: believable figures in the entry form, the Excel and the Word.
    page.get_by_role("link", name="Xem trước").click()
    preview = page.locator("#template-preview")
    expect(preview).to_contain_text("Kết quả triển khai Đề án 06 trên địa bàn")
    expect(preview).to_contain_text("Trong đó: số hồ sơ liên thông nộp qua VNeID")
    assert all(share <= 100 for share in _shares(preview.inner_text()))
    with page.expect_download() as excel:
        page.get_by_role("button", name="Tải Excel xem trước").click()
    book = openpyxl.load_workbook(io.BytesIO(excel.value.path().read_bytes()))
    ratios = [c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row
              if "%" in (c.number_format or "") and isinstance(c.value, (int, float))]
    assert ratios and all(0 <= r <= 1 for r in ratios)
    with page.expect_download() as word:
        page.get_by_role("button", name="Tải Word xem trước").click()
    document = docx.Document(io.BytesIO(word.value.path().read_bytes()))
    text = "\n".join(p.text for p in document.paragraphs)
    assert _shares(text) and all(share <= 100 for share in _shares(text))
    linked = re.search(r"liên thông khai sinh, khai tử: (\d+) hồ sơ, trong đó qua VNeID (\d+) hồ sơ", text)
    assert linked and int(linked.group(2)) <= int(linked.group(1)), text[text.index("6.4. Thực hiện"):][:400]
    shot(page, "template-preview", full_page=False)

    # Publish, and see what changed against the shipped version.
    page.get_by_role("link", name="Về bản nháp").click()
    page.get_by_role("button", name="Xuất bản phiên bản mới").click()
    expect(page.locator(".flash-success")).to_contain_text("phiên bản 4")
    expect(page.locator("#compare-summary")).to_contain_text("thêm 1 mục, bỏ 0 mục, thay đổi 1 mục")
    changed = page.locator("#template-compare tr.compare-changed")
    expect(changed).to_contain_text("Thêm chỉ tiêu “Trong đó: số hồ sơ liên thông nộp qua VNeID”")
    expect(changed).to_contain_text("Thêm thuyết minh")
    expect(page.locator("#template-compare tr.compare-added")).to_contain_text("Kết quả triển khai Đề án 06 trên địa bàn")
    shot(page, "template-compare")

    # The district opens a round with it.
    district_page = new_context().new_page()
    login(district_page, reviewer)
    district_page.goto("/rounds/new")
    district_page.select_option("#template", "quarterly_tthc")  # htmx swaps the form with the quarter's defaults
    expect(district_page.locator("#index option")).to_have_count(4)
    district_page.wait_for_function("() => !document.querySelector('.htmx-request')")
    district_page.click("button:has-text('Mở đợt báo cáo')")
    expect(district_page.locator(".flash-success")).to_contain_text("Đã mở đợt báo cáo")
    db.session.expire_all()
    latest = db.session.scalars(select(ReportingRound).order_by(ReportingRound.id.desc())).first()
    assert latest.id != earlier.id and latest.template_version == 4

    # A commune fills the new fields (the rest of its report is already there) and submits.
    added_id = next(s.id for s in round_template(latest).sections if s.heading == "Kết quả triển khai Đề án 06 trên địa bàn")
    new_keys = {"I.6.4/linked_dossiers", "I.6.4/vneid", note_key("I.6.4"), text_key(added_id)}
    fill(submission_for(latest, communes[0]), {k: v for k, v in filled_values(latest).items() if k not in new_keys})
    commune = new_context().new_page()
    login(commune, reporter)
    commune.goto(f"/submissions/{submission_for(latest, communes[0]).id}")
    for key, typed in (("I.6.4/linked_dossiers", "12"), ("I.6.4/vneid", "9")):
        commune.focus("#" + dom_id(key))
        commune.keyboard.type(typed)
        commune.keyboard.press("Tab")
    for key, typed in ((note_key("I.6.4"), "Có 3 hồ sơ nộp trực tiếp do người dân chưa có tài khoản định danh mức 2."),
                       (text_key(added_id), "- Đã cấp 1.250 tài khoản định danh điện tử mức 2 cho người dân.")):
        commune.focus("#" + dom_id(key))
        commune.keyboard.insert_text(typed)
        commune.keyboard.press("Tab")
    commune.wait_for_function("() => !document.querySelector('.htmx-request')")
    expect(commune.locator("#save-status")).to_contain_text("Đã lưu")
    db.session.expire_all()
    saved = {v.key: v.int_value if v.int_value is not None else v.text_value
             for v in db.session.scalars(select(SubmissionValue).where(
                 SubmissionValue.submission_id == submission_for(latest, communes[0]).id))}
    assert saved["I.6.4/vneid"] == 9 and saved[text_key(added_id)].startswith("- Đã cấp 1.250")
    commune.click("button:has-text('Nộp báo cáo')")
    expect(commune.locator(".flash-success")).to_contain_text("Đã nộp báo cáo")

    # The district consolidates them (reports not yet approved included).
    district_page.goto(f"/rounds/{latest.id}/consolidated?provisional=1")
    expect(district_page.locator("main")).to_contain_text("trong đó qua VNeID 9 hồ sơ")
    expect(district_page.locator("main")).to_contain_text("Kết quả triển khai Đề án 06 trên địa bàn")
    shot(district_page, "template-consolidated", full_page=False)

    # The earlier round kept the version it opened with.
    commune.goto(f"/submissions/{earlier_submission}")
    expect(commune.locator("#" + dom_id("I.6.4/linked_dossiers"))).to_be_visible()
    expect(commune.locator("#" + dom_id("I.6.4/vneid"))).to_have_count(0)
    expect(commune.locator("main")).not_to_contain_text("Đề án 06")
    db.session.expire_all()
    assert db.session.get(ReportingRound, earlier.id).template_version == 3


def test_the_form_editor_works_with_javascript_off(nojs_page):
    province, _, _ = make_tree(communes=1)
    officer = make_user(province, role="admin", username="quantri.nojs")
    page = nojs_page
    login(page, officer)
    page.goto("/admin/templates")
    _edit_new_version(page, "monthly_tthc")
    section = page.locator("#section-2")
    section.get_by_role("button", name="+ Thêm chỉ tiêu").click()
    expect(page.locator("#s2-field2-label-err1")).to_have_text("chưa có tên: hãy nhập tên.")
    page.locator("#s2-field2-label").fill("Số TTHC nội bộ đã đơn giản hóa")
    page.locator("#section-2").get_by_role("button", name="Lưu", exact=True).click()
    expect(page.locator("#s2-field2-label")).to_have_value("Số TTHC nội bộ đã đơn giản hóa")
    expect(page.locator("#s2-field2-label-err1")).to_have_count(0)
    expect(page.locator("#draft-status")).to_contain_text("Bản nháp hợp lệ")


def test_axe_finds_no_wcag_violation_on_the_template_pages(page):
    province, _, _ = make_tree(communes=1)
    login(page, make_user(province, role="admin", username="quantri.axe"))
    page.goto("/admin/templates")
    _edit_new_version(page, "monthly_tthc")
    page.locator("#section-2").get_by_role("button", name="+ Thêm chỉ tiêu").click()
    expect(page.locator("#s2-field2-label-err1")).to_be_visible()  # a problem on show
    failures = []
    for url in ("/admin/templates", "/admin/templates/monthly_tthc/draft", "/admin/templates/monthly_tthc/draft/preview"):
        page.goto(url)
        for violation in Axe().run(page, options=WCAG).response["violations"]:
            failures.append(f"{url}: {violation['id']} — {violation['help']} ({[n['target'] for n in violation['nodes']][:3]})")
    assert failures == []


def _hold_first_answer(page, pattern: str) -> list:
    """The first save matching ``pattern`` is made on the server at once; its answer waits
    in the returned list (route, response) until the test fulfils it. Later saves pass."""
    held, seen = [], []

    def answer(route):
        response = route.fetch()
        seen.append(route)
        if len(seen) == 1:
            held.append((route, response))
        else:
            route.fulfill(response=response)

    page.route(pattern, answer)
    return held


def _draft(code: str) -> dict:
    from app.models import TemplateVersion
    from app.services.report_templates import data_of

    db.session.expire_all()
    row = db.session.scalars(select(TemplateVersion).where(TemplateVersion.code == code,
                                                          TemplateVersion.status == "draft")).one()
    return data_of(row.source)


def _draft_section(code: str, index: int) -> dict:
    return _draft(code)["sections"][index]


@pytest.mark.parametrize("move_before", [True, False], ids=["moveBefore", "no-moveBefore"])
def test_what_the_officer_types_while_a_save_is_under_way_is_kept_and_sent(page, move_before):
    """Race seen under load: a section's autosave answered while the officer was typing in the
    next field of the same form. The answer is held here until the officer has typed part of
    the next field; it changes only the messages (here: a problem fixed), the field keeps its
    focus and every keystroke, and the next save sends it. Also in a browser without
    Element.moveBefore (Safari, older Chrome), where moving a focused field loses the focus."""
    province, _, _ = make_tree(communes=1)
    login(page, make_user(province, role="admin", username="quantri.race"))
    if not move_before:
        page.add_init_script("delete Element.prototype.moveBefore")
    page.goto("/admin/templates")
    _edit_new_version(page, "quarterly_tthc")
    section = page.locator(f"#section-{LINKED}")
    section.get_by_role("button", name="+ Thêm chỉ tiêu").click()
    label = page.locator(f"#s{LINKED}-field1-label")
    expect(label).to_have_attribute("aria-invalid", "true")
    _idle(page)

    held = _hold_first_answer(page, f"**/draft/sections/{LINKED}")
    label.fill("Số hồ sơ nộp qua VNeID")
    label.press("Tab")  # the save of the label leaves; the officer goes on in the code field
    code = page.locator(f"#s{LINKED}-field1-id")
    expect(code).to_be_focused()
    wait_until_held(page, held)
    page.keyboard.type("vne")
    route, response = held.pop()
    route.fulfill(response=response)
    expect(page.locator(f"#s{LINKED}-field1-label-err1")).to_have_count(0)  # the answer is in
    expect(label).not_to_have_attribute("aria-invalid", "true")
    page.keyboard.type("id")
    expect(code).to_be_focused()
    expect(code).to_have_value("vneid")
    page.unroute(f"**/draft/sections/{LINKED}")
    with page.expect_response(lambda r: f"/draft/sections/{LINKED}" in r.url):
        page.keyboard.press("Tab")
    _idle(page)
    expect(code).to_have_value("vneid")
    expect(label).to_have_value("Số hồ sơ nộp qua VNeID")
    expect(page.locator("#draft-status")).to_contain_text("Bản nháp hợp lệ")
    section.scroll_into_view_if_needed()
    shot(page, f"template-editor-typed-during-a-save-{'move' if move_before else 'nomove'}", full_page=False)
    added = _draft_section("quarterly_tthc", LINKED)["fields"][1]
    assert (added["label"], added["id"]) == ("Số hồ sơ nộp qua VNeID", "vneid")


def test_the_general_fields_keep_what_is_typed_while_a_save_is_under_way(page):
    """The same race in the template's general fields, whose save answers with the whole
    editor: the problem it finds is shown beside its field, the next field keeps typing."""
    province, _, _ = make_tree(communes=1)
    login(page, make_user(province, role="admin", username="quantri.race2"))
    page.add_init_script("delete Element.prototype.moveBefore")
    page.goto("/admin/templates")
    _edit_new_version(page, "quarterly_tthc")
    held = _hold_first_answer(page, "**/draft/top")
    title, basis = page.locator("#top-title"), page.locator("#top-legal_basis")
    title.fill("")
    title.press("Tab")  # a blank title: the check will say so
    expect(basis).to_be_focused()
    wait_until_held(page, held)
    page.keyboard.press("Control+A")
    page.keyboard.type("Nghị định số 63/2010/NĐ-CP")
    route, response = held.pop()
    route.fulfill(response=response)
    expect(page.locator("#top-title-err1")).to_be_visible()
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#draft-status")).to_contain_text("Còn 1 lỗi")
    page.keyboard.type(" và Nghị định số 92/2017/NĐ-CP")
    expect(basis).to_be_focused()
    page.unroute("**/draft/top")
    with page.expect_response(lambda r: r.url.endswith("/draft/top")):
        page.keyboard.press("Tab")
    _idle(page)
    expect(basis).to_have_value("Nghị định số 63/2010/NĐ-CP và Nghị định số 92/2017/NĐ-CP")
    expect(page.locator("#top-title-err1")).to_be_visible()
    page.locator("#template-top").scroll_into_view_if_needed()
    shot(page, "template-editor-general-typed-during-a-save", full_page=False)
    assert _draft("quarterly_tthc")["legal_basis"] == "Nghị định số 63/2010/NĐ-CP và Nghị định số 92/2017/NĐ-CP"


def test_tabbing_onto_a_button_while_a_save_is_under_way_does_not_press_it(page):
    """Race seen under load: a field's change, queued behind a save under way, was sent with
    the button the officer had just tabbed onto ("Xóa đoạn" after the figure lines), as if
    pressed: htmx sends the form's last focused button. A change is never a button press."""
    province, _, _ = make_tree(communes=1)
    login(page, make_user(province, role="admin", username="quantri.race3"))
    page.goto("/admin/templates")
    _edit_new_version(page, "quarterly_tthc")
    page.evaluate("() => { window.__answers = 0; document.addEventListener('htmx:afterRequest', () => window.__answers++); }")
    section = page.locator(f"#section-{LINKED}")
    held = _hold_first_answer(page, f"**/draft/sections/{LINKED}")
    heading = page.locator(f"#s{LINKED}-heading")
    heading.fill("Liên thông đăng ký khai sinh, khai tử")
    heading.press("Tab")
    wait_until_held(page, held)
    lines = page.locator(f"#s{LINKED}-figure0-lines")
    lines.fill("Tổng số hồ sơ liên thông: {linked_dossiers} hồ sơ.")
    lines.press("Tab")  # its save waits behind the one under way; the focus is on "Xóa đoạn"
    expect(section.get_by_role("button", name="Xóa đoạn")).to_be_focused()
    route, response = held.pop()
    route.fulfill(response=response)
    page.wait_for_function("() => window.__answers >= 2")
    _idle(page)
    expect(lines).to_have_value("Tổng số hồ sơ liên thông: {linked_dossiers} hồ sơ.")
    saved = _draft_section("quarterly_tthc", LINKED)
    assert saved["heading"] == "Liên thông đăng ký khai sinh, khai tử"
    assert [f["lines"] for f in saved["figures"]] == [["Tổng số hồ sơ liên thông: {linked_dossiers} hồ sơ."]]

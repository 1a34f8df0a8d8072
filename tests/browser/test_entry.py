"""Issue 4: a unit fills a whole quarterly report, by keyboard and by pasting from Excel,
explains its warnings and submits; the same without JavaScript; and two editors of one
cell get a conflict, never a lost value."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Submission, SubmissionValue
from app.reporting.keys import parse_key
from app.services.rounds import round_template
from app.services.submission_page import dom_id
from app.services.submissions import display
from tests.factories import submission_for

from .conftest import login, shot
from .support import count, fill, filled_values, quarterly_round, wait_until_held

pytestmark = pytest.mark.browser

INPUT_COLUMNS = ["c4", "c5", "c6", "c8", "c9", "c10", "c12", "c13"]
PASTE_COLUMNS = ["c4", "c5", "c6", "c7", "c8", "c9", "c10", "c11", "c12", "c13"]  # as laid out in Excel, totals included


@pytest.fixture
def report():
    round_, district, units, reporters, reviewer = quarterly_round(communes=1)
    values = filled_values(round_)
    # One apology more than late dossiers: a warning the officer must explain before submitting.
    values["I.5.6/apologies"] += 1
    sub = submission_for(round_, units[0])
    return round_, sub, reporters[0], values


def _idle(page):
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def _focused_id(page) -> str:
    return page.evaluate("() => document.activeElement && document.activeElement.id")


def _stored(submission_id: int) -> dict:
    db.session.expire_all()
    rows = db.session.scalars(select(SubmissionValue).where(SubmissionValue.submission_id == submission_id))
    return {r.key: r.value for r in rows if not r.key.startswith("_explain:")}


def _split(values):
    table = {k: v for k, v in values.items() if k.startswith("I.4/")}
    texts = {k: v for k, v in values.items() if isinstance(v, str)}
    fields = {k: v for k, v in values.items() if k not in table and k not in texts}
    return table, texts, fields


def _typed(round_, key, value) -> str:
    """What an officer types: scores as "1,9", not the stored hundredths."""
    return display(value, round_template(round_).key_kind(key)) if isinstance(value, int) else value


def _table_rows(round_):
    return [r.code for r in round_template(round_).section("I.4").rows]


def _row_cells(values, row, columns):
    """The Excel line for one table row; computed columns carry the sums Excel would show."""
    v = lambda c: values.get(f"I.4/{row}/{c}", 0)  # noqa: E731
    sums = {"c7": v("c8") + v("c9") + v("c10"), "c11": v("c12") + v("c13"), "c3": v("c4") + v("c5") + v("c6")}
    return [str(sums.get(c, v(c))) for c in columns]


def test_a_unit_fills_a_quarterly_report_by_keyboard_and_paste_then_submits(page, report):
    round_, sub, reporter, values = report
    table, texts, fields = _split(values)
    rows = _table_rows(round_)
    login(page, reporter)
    page.goto(f"/submissions/{sub.id}")
    expect(page.locator("#save-status")).to_have_text("Chưa có gì được lưu")

    # Indicator sections: type each figure, Tab to the next.
    for key, value in fields.items():
        page.focus("#" + dom_id(key))
        page.keyboard.type(_typed(round_, key, value))
        page.keyboard.press("Tab")
    _idle(page)

    # The first dossier row by keyboard: Tab walks the input cells, skipping computed ones.
    first = rows[0]
    page.focus("#" + dom_id(f"I.4/{first}/c4"))
    for i, column in enumerate(INPUT_COLUMNS):
        assert _focused_id(page) == dom_id(f"I.4/{first}/{column}")
        page.keyboard.type(str(table[f"I.4/{first}/{column}"]))
        if i < len(INPUT_COLUMNS) - 1:
            page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # saves and moves down the same column
    assert _focused_id(page) == dom_id(f"I.4/{rows[1]}/c13")
    _idle(page)
    row_total = sum(table[f"I.4/{first}/{c}"] for c in ("c4", "c5", "c6"))
    expect(page.locator("#" + dom_id(f"I.4/{first}/c3"))).to_have_text(count(row_total))
    expect(page.locator("#k-I-4-_total-c3")).to_have_text(count(row_total))

    # The other rows pasted as one block copied from Excel, starting on row 2, column (4).
    tsv = "\r\n".join("\t".join(_row_cells(values, r, PASTE_COLUMNS)) for r in rows[1:]) + "\r\n"
    start = page.locator("#" + dom_id(f"I.4/{rows[1]}/c4"))
    start.focus()
    page.evaluate("""([id, text]) => {
        const el = document.getElementById(id);
        const data = new DataTransfer(); data.setData('text/plain', text);
        el.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
    }""", [dom_id(f"I.4/{rows[1]}/c4"), tsv])
    expect(page.locator("#paste-status")).to_contain_text(f"Đã dán và lưu {len(rows[1:]) * len(INPUT_COLUMNS)} ô.")
    for column in ("c3", "c7", "c11", "c13"):
        expected = sum(int(_row_cells(values, r, [column])[0]) for r in rows)
        expect(page.locator(f"#k-I-4-_total-{column}")).to_have_text(count(expected))

    # Narratives: typed, saved when the officer leaves the box.
    for key, text in texts.items():
        page.focus("#" + dom_id(key))
        page.keyboard.insert_text(text)
        page.keyboard.press("Tab")
    _idle(page)

    # A document of the period (section I.5.1), added in place.
    docs = page.locator("#docs-k-I-5-1")
    docs.locator("select[name=doc_type]").select_option("KH")
    docs.locator("input[name=number]").fill("05/KH-UBND")
    docs.locator("input[name=issued_on]").fill("05/04/2024")
    docs.locator("input[name=summary]").fill("Kế hoạch cải cách hành chính năm 2024")
    docs.locator("button:has-text('Thêm văn bản')").click()
    expect(page.locator("#docs-k-I-5-1 tbody tr").first).to_contain_text("05/KH-UBND")

    # The apology warning is listed; explaining it lets the report through.
    warnings = page.locator("#checks .warnings li")
    expect(warnings).to_have_count(1)
    shot(page, "entry-filled-with-warning")
    warnings.locator("input[type=text]").fill("Xin lỗi thêm một trường hợp hồ sơ bị trả lại do thiếu giấy tờ.")
    warnings.locator("input[type=text]").press("Tab")
    expect(warnings.locator(".msg")).to_have_text("Đã lưu")
    _idle(page)

    assert _stored(sub.id) == values
    page.click("button:has-text('Nộp báo cáo')")
    expect(page.locator(".flash-success")).to_contain_text("Đã nộp báo cáo")
    expect(page.locator(".flash-success")).to_contain_text("đã khóa")
    expect(page.locator(".flash-info")).to_have_count(0)  # one banner after submitting, not two
    expect(page.locator("input.num-input")).to_have_count(0)
    expect(page.locator("#k-I-4-_total-c3")).to_have_text(count(sum(int(_row_cells(values, r, ["c3"])[0]) for r in rows)))
    shot(page, "entry-submitted")
    db.session.expire_all()
    assert db.session.get(Submission, sub.id).status == "submitted"


def test_the_same_report_can_be_filled_and_submitted_with_javascript_off(nojs_page, report):
    page = nojs_page
    round_, sub, reporter, values = report
    # Four sections of every kind go through their own form and "Lưu" button; the rest is
    # already saved, to keep the journey short (each save reloads the whole page).
    through_forms = ("I.1", "I.4", "I.5.5", "II.1")
    by_section: dict[str, dict] = {}
    for key, value in values.items():
        by_section.setdefault(parse_key(key)[0], {})[key] = value
    fill(sub, {k: v for sid, part in by_section.items() if sid not in through_forms for k, v in part.items()})
    login(page, reporter)
    page.goto(f"/submissions/{sub.id}")
    for section_id in through_forms:
        section = page.locator("#" + dom_id(section_id))
        typed = {dom_id(k): _typed(round_, k, v) for k, v in by_section[section_id].items()}
        if len(typed) > 20:  # the dossier table: set its 144 cells at once, then post the form as usual
            section.locator("form").evaluate(
                "(form, typed) => { for (const [id, v] of Object.entries(typed)) form.querySelector('#' + id).value = v; }", typed)
        else:
            for element_id, text in typed.items():
                section.locator("#" + element_id).fill(text)
        section.locator("button.save-button").click()
        expect(page.locator(".flash-success")).to_contain_text("Đã lưu lúc")
        expect(page.locator("#" + dom_id(section_id) + " .state")).to_have_text("Đã xong")
    assert _stored(sub.id) == values
    expect(page.locator("#k-I-4-_total-c3")).to_have_text(count(sum(v for k, v in values.items() if k.startswith("I.4/") and k.split("/")[2] in ("c4", "c5", "c6"))))
    page.click("button:has-text('Nộp báo cáo')")
    expect(page.locator(".flash-error")).to_contain_text("Chưa nộp được")  # the warning is not explained yet
    warning = page.locator("#checks .warnings li")
    warning.locator("input[type=text]").fill("Xin lỗi thêm một trường hợp.")
    warning.locator("button:has-text('Lưu')").click()
    page.click("button:has-text('Nộp báo cáo')")
    expect(page.locator(".flash-success")).to_contain_text("Đã nộp báo cáo")
    expect(page.locator("input.num-input")).to_have_count(0)
    shot(page, "entry-nojs-submitted", full_page=False)


def test_two_editors_of_one_cell_get_a_conflict_not_a_lost_value(new_context, report):
    round_, sub, reporter, values = report
    key = "I.1/published"
    first, second = new_context().new_page(), new_context().new_page()
    for p in (first, second):
        login(p, reporter)
        p.goto(f"/submissions/{sub.id}")
    cell = "#" + dom_id(key)

    first.fill(cell, "210")
    first.press(cell, "Tab")
    expect(first.locator("#msg-" + dom_id(key))).to_contain_text("Đã lưu")

    second.fill(cell, "199")
    second.press(cell, "Tab")
    conflict = second.locator("#msg-" + dom_id(key) + " .conflict")
    expect(conflict).to_contain_text("sửa ở nơi khác")
    expect(conflict).to_contain_text("Giá trị của bạn: 199")
    expect(conflict).to_contain_text("trên máy chủ: 210")
    shot(second, "entry-conflict", full_page=False)
    assert _stored(sub.id)[key] == 210

    conflict.locator("button:has-text('Giữ giá trị của tôi')").click()
    expect(second.locator("#msg-" + dom_id(key) + " .conflict")).to_have_count(0)
    _idle(second)
    assert _stored(sub.id)[key] == 199


def test_a_total_never_goes_back_when_an_earlier_save_answers_last(page, report):
    """Race seen under load: the replies to two cells typed in quick succession arrive in the
    other order. The earlier save's answer is held here until the later one's has been shown;
    the row total and the table total keep the newer sum, and every value is stored."""
    from urllib.parse import parse_qs

    round_, sub, reporter, values = report
    row = _table_rows(round_)[0]
    typed = {"c4": 10, "c5": 7, "c6": 2}
    login(page, reporter)
    page.goto(f"/submissions/{sub.id}")
    held = []

    def answer(route):
        response = route.fetch()  # the server saves and answers at once; only the page waits
        if not held and f"v.I.4/{row}/c5" in parse_qs(route.request.post_data or ""):
            held.append((route, response))
        else:
            route.fulfill(response=response)

    page.route("**/save", answer)
    page.focus("#" + dom_id(f"I.4/{row}/c4"))
    for column, value in typed.items():
        page.keyboard.type(str(value))
        page.keyboard.press("Tab")
        if column == "c5":
            wait_until_held(page, held)
    row_total, table_total = page.locator("#" + dom_id(f"I.4/{row}/c3")), page.locator("#k-I-4-_total-c3")
    expect(page.locator("#msg-" + dom_id(f"I.4/{row}/c6"))).to_contain_text("Đã lưu")
    expect(row_total).to_have_text(count(19))
    expect(page.locator("#msg-" + dom_id(f"I.4/{row}/c5"))).to_contain_text("Chưa lưu")

    route, response = held.pop()
    route.fulfill(response=response)  # the answer to c5, computed before c6 was saved: 10 + 7
    expect(page.locator("#msg-" + dom_id(f"I.4/{row}/c5"))).to_contain_text("Đã lưu")
    _idle(page)
    expect(row_total).to_have_text(count(19))
    expect(table_total).to_have_text(count(19))
    expect(page.locator("#save-status")).to_contain_text("Đã lưu lúc")
    page.locator("#" + dom_id(f"I.4/{row}/c3")).scroll_into_view_if_needed()
    shot(page, "entry-total-after-a-late-reply", full_page=False)
    stored = _stored(sub.id)
    assert {c: stored.get(f"I.4/{row}/{c}") for c in typed} == typed
    page.unroute("**/save")
    page.reload()
    expect(row_total).to_have_text(count(19))


def _open_with_one_warning(page, report):
    """The filled report opened by its officer, with its one warning's explanation field."""
    from tests.factories import set_values

    _, sub, reporter, values = report
    set_values(sub, values, status="draft")
    login(page, reporter)
    page.goto(f"/submissions/{sub.id}")
    field = page.locator("#checks .warnings li input[type=text]")
    expect(field).to_have_count(1)
    return sub, field


def test_an_explanation_being_written_survives_the_checks_refresh(page, report):
    """Seen under load: the checks box is replaced after each pause in saving, and a refresh
    landing while an explanation was being written replaced the field (and the "Đã lưu" of
    one just saved). Here refreshes are made to land mid-sentence and after the save."""
    sub, field = _open_with_one_warning(page, report)

    def refresh():
        box = page.locator("#checks").element_handle()
        with page.expect_response(lambda r: "/checks" in r.url):
            page.evaluate("() => htmx.trigger(document.body, 'submission-saved')")
        page.wait_for_function("el => !el.isConnected", arg=box)

    field.click()
    page.keyboard.type("Xin lỗi thêm một trường hợp")
    refresh()
    expect(field).to_have_value("Xin lỗi thêm một trường hợp")
    expect(field).to_be_focused()
    page.keyboard.type(" hồ sơ bị trả lại do thiếu giấy tờ.")
    page.keyboard.press("Tab")
    expect(page.locator("#checks .warnings li .msg")).to_have_text("Đã lưu")
    refresh()
    expect(page.locator("#checks .warnings li .msg")).to_have_text("Đã lưu")
    expect(field).to_have_value("Xin lỗi thêm một trường hợp hồ sơ bị trả lại do thiếu giấy tờ.")
    db.session.expire_all()
    explained = db.session.scalars(select(SubmissionValue.text_value).where(
        SubmissionValue.submission_id == sub.id, SubmissionValue.key.startswith("_explain:"))).all()
    assert explained == ["Xin lỗi thêm một trường hợp hồ sơ bị trả lại do thiếu giấy tờ."]


def test_an_explanation_saved_while_the_checks_box_is_replaced_still_says_saved(page, report):
    """Seen in CI under load: a checks refresh (after a document was added) replaced the box
    while an explanation's save was on its way, and the answer went into the span that was no
    longer on the page. The save is held here until the refresh has replaced the box."""
    sub, field = _open_with_one_warning(page, report)
    held = []

    def answer(route):
        response = route.fetch()
        if not held and "_explain" in (route.request.post_data or ""):
            held.append((route, response))
        else:
            route.fulfill(response=response)

    page.route("**/save", answer)
    field.fill("Xin lỗi thêm một trường hợp hồ sơ bị trả lại do thiếu giấy tờ.")
    field.press("Tab")
    wait_until_held(page, held)
    box = page.locator("#checks").element_handle()
    with page.expect_response(lambda r: "/checks" in r.url):
        page.evaluate("() => htmx.trigger(document.body, 'submission-saved')")
    page.wait_for_function("el => !el.isConnected", arg=box)
    route, response = held.pop()
    route.fulfill(response=response)
    expect(page.locator("#checks .warnings li .msg")).to_have_text("Đã lưu")
    expect(page.locator("#warnings-heading")).to_contain_text("đã giải thích cả 1")
    page.unroute("**/save")

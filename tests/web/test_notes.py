"""A section's note (thuyết minh): typed under the figures, saved like a narrative (autosave
and JavaScript off), refused when too long with nothing lost, shown to the reviewer, named
in the history, printed beside the figures in the unit's own Word and Excel files."""
from __future__ import annotations

import io
import re
import zipfile

import docx
import openpyxl
import pytest
from lxml import etree
from sqlalchemy import select

from app.extensions import db
from app.models import ChangeLog
from app.reporting.keys import note_key
from tests.conftest import login_as
from tests.factories import make_round, make_tree, make_user, set_values, submission_for
from tests.fixtures.seeds import SEED003_NOTES, seed003_notes, seed003_values
from tests.web.test_entry import add_catalogue, save, stored
from tests.web.test_exports import download_template, input_cell, upload

NOTE = note_key("I.4")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture
def world():
    add_catalogue()
    _, district, units = make_tree(2)
    reviewer = make_user(district, "reviewer")
    reporter = make_user(units[0])
    round_ = make_round(district, expected=units, opened_by=reviewer)
    return {"district": district, "units": units, "reviewer": reviewer, "reporter": reporter,
            "round": round_, "sub": submission_for(round_, units[0])}


@pytest.fixture
def reporter_client(client, world):
    login_as(client, world["reporter"])
    return client


def test_the_report_offers_a_labelled_note_under_the_figures_of_the_sections_that_take_one(reporter_client, world):
    page = reporter_client.get(f"/submissions/{world['sub'].id}").get_data(as_text=True)
    section = page.split('id="k-I-4"')[1].split("</section>")[0]
    # Under the table, inside the section's own form (JavaScript off saves it with "Lưu").
    assert section.index("</table>") < section.index('name="v.I.4/note"') < section.index(">Lưu</button>")
    assert re.search(r'<label for="k-I-4-note">Thuyết minh<span class="visually-hidden"> — 4\. Tình hình', section)
    assert 'placeholder="Ví dụ: vì sao số hồ sơ khác với Hệ thống thông tin giải quyết TTHC' in section
    assert 'maxlength="2000"' in section and 'data-max="2000"' in section
    assert 'name="v.I.6.4/note"' not in page  # a section that takes no note
    assert page.count('<label for="k-I-') >= 7


def test_a_note_autosaves_like_a_narrative_versioned_and_in_the_history(reporter_client, world):
    sub = world["sub"]
    response = save(reporter_client, sub.id, {NOTE: SEED003_NOTES["I.4"]})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert "Đã lưu lúc" in body and response.headers["HX-Trigger"] == "submission-saved"
    assert re.search(r'id="ver-k-I-4-note" name="ver.I.4/note" value="1"', body)
    row = stored(sub.id, NOTE)
    assert (row.text_value, row.int_value, row.version) == (SEED003_NOTES["I.4"], None, 1)
    assert save(reporter_client, sub.id, {NOTE: "Số liệu lấy từ hệ thống đến ngày 14/6/2024."}, {NOTE: 1}).status_code == 200
    assert stored(sub.id, NOTE).version == 2
    stale = save(reporter_client, sub.id, {NOTE: "Bản cũ ở tab khác"}, {NOTE: 1})
    assert stale.status_code == 409 and stored(sub.id, NOTE).version == 2
    logged = db.session.scalars(select(ChangeLog.key).where(ChangeLog.submission_id == sub.id)).all()
    assert logged == [NOTE, NOTE]
    page = reporter_client.get(f"/submissions/{sub.id}").get_data(as_text=True)
    assert "I.4 Tình hình, kết quả giải quyết thủ tục hành chính — Thuyết minh" in page
    assert "Số liệu lấy từ hệ thống đến ngày 14/6/2024.</textarea>" in page


def test_a_note_saves_with_javascript_off_cleaned_like_any_text(reporter_client, world):
    sub = world["sub"]
    response = save(reporter_client, sub.id, {"I.3/received": "0", note_key("I.3"): "Không nhận được\r\nphản ánh\x0b nào."},
                    fragment=False)
    assert response.status_code == 303
    assert stored(sub.id, note_key("I.3")).text_value == "Không nhận được\nphản ánh nào."
    assert stored(sub.id, "I.3/received").int_value == 0
    # Cleared by saving it empty, as a narrative is.
    assert save(reporter_client, sub.id, {note_key("I.3"): ""}, {note_key("I.3"): 1}, fragment=False).status_code == 303
    assert stored(sub.id, note_key("I.3")).text_value is None


def test_a_note_over_its_limit_is_refused_beside_it_and_nothing_is_lost(reporter_client, world):
    sub = world["sub"]
    save(reporter_client, sub.id, {NOTE: "Bản đã lưu."})
    long_text = "Lý do chênh lệch. " * 120  # 2.160 characters
    response = save(reporter_client, sub.id, {NOTE: long_text}, {NOTE: 1})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="msg-k-I-4-note".*vượt quá 2\.000 ký tự cho phép', body, re.S)
    assert stored(sub.id, NOTE).text_value == "Bản đã lưu." and stored(sub.id, NOTE).version == 1
    # Without JavaScript the page comes back with the officer's text in the box and the message under it.
    full = save(reporter_client, sub.id, {NOTE: long_text, "I.4/ho_tich/c4": "5"}, {NOTE: 1, "I.4/ho_tich/c4": 0},
                fragment=False)
    page = full.get_data(as_text=True)
    assert full.status_code == 422
    assert long_text.strip() in page.split('id="k-I-4-note"')[1].split("</textarea>")[0]
    assert 'aria-invalid="true" aria-describedby="msg-k-I-4-note"' in page
    assert "Nội dung dài 2.160 ký tự, vượt quá 2.000 ký tự cho phép." in page
    assert stored(sub.id, NOTE).text_value == "Bản đã lưu."
    assert stored(sub.id, "I.4/ho_tich/c4").int_value == 5  # the good value beside it is saved


@pytest.mark.parametrize("key", [note_key("I.6.4"), note_key("I.5.7"), note_key("I.9"), "I.4/note/c4"])
def test_a_note_for_a_section_that_takes_none_is_refused(reporter_client, world, key):
    sub = world["sub"]
    response = save(reporter_client, sub.id, {key: "Thuyết minh"})
    assert response.status_code == 422
    assert "Ô này không thuộc mẫu báo cáo." in response.get_data(as_text=True)
    assert save(reporter_client, sub.id, {key: "Thuyết minh"}, fragment=False).status_code == 422
    assert stored(sub.id, key) is None


def test_the_reviewer_reads_the_note_under_the_figures(client, world):
    sub = world["sub"]
    set_values(sub, seed003_values() | seed003_notes(), status="submitted")
    login_as(client, world["reviewer"])
    page = client.get(f"/rounds/submissions/{sub.id}").get_data(as_text=True)
    section = page.split('id="k-I-4"')[1].split("</section>")[0]
    assert section.index("</table>") < section.index("<b>Thuyết minh</b>") < section.index("phần mềm liên thông 3")
    assert f'<div class="text-view">{SEED003_NOTES["I.4"]}</div>' in section
    assert 'name="v.I.4/note"' not in page
    # A section without a note shows no empty box.
    assert "Thuyết minh" not in page.split('id="k-I-5-6"')[1].split("</section>")[0]


def word_paragraphs(data: bytes) -> list[str]:
    """The body's paragraphs as Word stores them (document.xml), in order."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        root = etree.fromstring(package.read("word/document.xml"))
    return ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in root.iter(f"{W}p")]


def test_the_units_word_report_prints_each_note_right_after_its_figures(client, world):
    sub = world["sub"]
    set_values(sub, seed003_values() | seed003_notes())
    login_as(client, world["reporter"])
    response = client.get(f"/exports/submissions/{sub.id}.docx", buffered=True)
    assert response.status_code == 200
    paragraphs = word_paragraphs(response.data)
    dossiers = paragraphs.index(SEED003_NOTES["I.4"])
    pending = next(i for i, p in enumerate(paragraphs) if p.startswith("- Số hồ sơ đang giải quyết: 0 hồ sơ"))
    assert pending < dossiers and paragraphs[dossiers - 1].startswith("- Riêng lĩnh vực đất đai")  # the last figure line
    assert paragraphs[dossiers + 1].startswith("(Chi tiết tại Phụ lục")
    feedback = paragraphs.index(SEED003_NOTES["I.3"])
    assert paragraphs[feedback - 1] == "Trong kỳ không tiếp nhận phản ánh, kiến nghị nào về quy định hành chính."
    published, fees = SEED003_NOTES["I.1"].split("\n")
    assert paragraphs[paragraphs.index(published) + 1] == fees  # one paragraph a line
    assert paragraphs[paragraphs.index(published) - 1].startswith("Tổng số TTHC thuộc thẩm quyền giải quyết")
    assert SEED003_NOTES["I.6.1"] in paragraphs
    # python-docx opens it: the file is well formed.
    assert docx.Document(io.BytesIO(response.data)).paragraphs


def sheet_texts(ws) -> list[str]:
    return [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]


def test_the_units_workbook_prints_each_note_under_its_sections_figures(client, world):
    sub = world["sub"]
    set_values(sub, seed003_values() | seed003_notes())
    login_as(client, world["reporter"])
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/exports/submissions/{sub.id}.xlsx", buffered=True).data))
    form = book["Biểu 06a"]
    note_row = next(r for r in range(1, form.max_row + 1) if form.cell(r, 1).value == f"Thuyết minh: {SEED003_NOTES['I.4']}")
    total_row = next(r for r in range(1, form.max_row + 1) if form.cell(r, 2).value == "Tổng cộng")
    footer_row = next(r for r in range(1, form.max_row + 1) if "Người lập biểu" in sheet_texts_row(form, r))
    assert total_row < note_row < footer_row
    assert any(str(m).startswith(f"A{note_row}:") for m in form.merged_cells.ranges)
    indicators = book["Chỉ tiêu"]
    texts = sheet_texts(indicators)
    feedback = texts.index(f"Thuyết minh: {SEED003_NOTES['I.3']}")
    assert texts[feedback - 2:feedback] == ["4", "Số phản ánh, kiến nghị đang xử lý"]
    assert f"Thuyết minh: {SEED003_NOTES['I.6.1']}" in texts
    assert not [t for t in sheet_texts(book["Khảo sát"]) if t.startswith("Thuyết minh")]  # the survey has none here


def sheet_texts_row(ws, row: int) -> list[str]:
    return [c.value for c in ws[row] if isinstance(c.value, str)]


def test_the_consolidated_files_carry_the_reviewers_texts_not_the_units_notes(client, world):
    sub = world["sub"]
    set_values(sub, seed003_values() | seed003_notes(), status="approved")
    login_as(client, world["reviewer"])
    round_id = world["round"].id
    paragraphs = word_paragraphs(client.get(f"/exports/rounds/{round_id}.docx", buffered=True).data)
    assert not [p for p in paragraphs if "phần mềm liên thông 3" in p]
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/exports/rounds/{round_id}.xlsx", buffered=True).data))
    assert not [t for ws in book for t in sheet_texts(ws) if t.startswith("Thuyết minh:")]


def test_the_excel_round_trip_leaves_a_stored_note_as_it_is(reporter_client, world):
    sub = world["sub"]
    set_values(sub, seed003_values() | seed003_notes())
    book = download_template(reporter_client, sub)
    assert "Không có ô nào thay đổi" in upload(reporter_client, sub, book).get_data(as_text=True)
    input_cell(book, "I.4/ho_tich/c4").value = 125
    html = upload(reporter_client, sub, book).get_data(as_text=True)
    payload = html.split('name="payload" value="')[1].split('"')[0]
    confirm = reporter_client.post(f"/exports/submissions/{sub.id}/upload/confirm", data={"payload": payload})
    assert confirm.status_code == 303
    assert stored(sub.id, "I.4/ho_tich/c4").int_value == 125
    assert stored(sub.id, NOTE).text_value == SEED003_NOTES["I.4"]

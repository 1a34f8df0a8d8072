"""Export routes: who may download what, the files themselves, and the Excel round trip."""
from __future__ import annotations

import io
from urllib.parse import unquote

import docx
import openpyxl
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import CatalogueField, DocumentSettings
from app.reporting.keys import cell_key, field_key, text_key
from app.services.submissions import plain_values, stored_values
from tests.conftest import login_as
from tests.factories import make_round, make_tree, make_unit, make_user, set_values, submission_for
from tests.fixtures.seeds import SEED002_CATALOGUE, SEED002_TOTAL, seed002_values, seed003_values

HALF_COLUMNS = "CDEFGHIJKLMN"


def add_catalogue(entries) -> None:
    for order, (code, name, group_code, group_label) in enumerate(entries):
        db.session.add(CatalogueField(code=code, name=name, group_code=group_code or "", group_label=group_label or "",
                                      sort_order=order))
    db.session.commit()


@pytest.fixture
def halfyear_world():
    add_catalogue(SEED002_CATALOGUE)
    province, district, communes = make_tree(3)
    reviewer = make_user(district, "reviewer")
    round_ = make_round(district, "halfyear_onestop", year=2021, index=1, expected=communes, opened_by=reviewer)
    values = seed002_values()
    keys = list(values)
    set_values(submission_for(round_, communes[0]), {k: values[k] for k in keys[::2]} | {text_key("I"): "=1+1 không phải công thức"},
               status="approved")
    set_values(submission_for(round_, communes[1]), {k: values[k] for k in keys[1::2]}, status="approved")
    reporter = make_user(communes[0], "reporter", full_name="Trần Thị B", phone="0905111222")
    return {"round": round_, "reviewer": reviewer, "reporter": reporter, "communes": communes, "district": district}


@pytest.fixture
def quarterly_world():
    from app.reporting.templates import DEFAULT_FIELDS

    add_catalogue(DEFAULT_FIELDS)
    province, district, communes = make_tree(2)
    reviewer = make_user(district, "reviewer")
    round_ = make_round(district, "quarterly_tthc", expected=communes, opened_by=reviewer)
    sub = submission_for(round_, communes[0])
    set_values(sub, seed003_values())
    reporter = make_user(communes[0], "reporter")
    other_reporter = make_user(communes[1], "reporter")
    return {"round": round_, "reviewer": reviewer, "reporter": reporter, "other": other_reporter, "sub": sub,
            "communes": communes}


def workbook_of(response) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(response.data))


def row_of(ws, label: str) -> int:
    return next(c.row for (c,) in ws[f"B1:B{ws.max_row}"] if c.value == label)


def test_reviewer_downloads_the_consolidated_workbook_with_seed_002_totals(client, halfyear_world):
    login_as(client, halfyear_world["reviewer"])
    response = client.get(f"/exports/rounds/{halfyear_world['round'].id}.xlsx", buffered=True)
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="bao-cao-tong-hop-6-thang-dau-nam-2021-huyen-thu-nghiem.xlsx"')
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "Tổng hợp 6 tháng đầu năm 2021 - Huyện Thử Nghiệm.xlsx"
    book = workbook_of(response)
    ws = book["Bảng III.1"]
    total = row_of(ws, "Tổng cộng")
    assert tuple(ws[f"{c}{total}"].value for c in HALF_COLUMNS) == SEED002_TOTAL
    completeness = book["Tình hình nộp"]
    rows = {r[1]: r for r in completeness.iter_rows(values_only=True) if r and r[1]}
    assert rows["Xã Số 1"][2] == "Đã duyệt" and rows["Xã Số 1"][5:7] == ("Trần Thị B", "0905111222")
    assert rows["Xã Số 3"][2] == "Chưa bắt đầu"
    narrative = book["Nội dung"]
    cell = next(r[2] for r in narrative.iter_rows() if r[2].value == "=1+1 không phải công thức")
    assert cell.data_type == "s"


def settings_of(unit_id, round_id):
    return db.session.scalar(select(DocumentSettings).where(DocumentSettings.unit_id == unit_id,
                                                            DocumentSettings.round_id == round_id))


WORD_SETTINGS = {
    "symbol": "BC-UBND", "request_doc": "Công văn số 1798/VPUB-NC ngày 28/6/2021 của Văn phòng UBND tỉnh",
    "recipient": "Văn phòng UBND tỉnh Quảng Ngãi", "distribution": "Như trên;\nLưu: VT.",
    "signer_prefix": "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH", "signer_title": "Phó Chủ tịch",
    "signer_name": "Nguyễn Quốc Khánh",
}


def test_the_reports_settings_flow_into_both_the_word_file_and_the_workbook(client, halfyear_world):
    round_ = halfyear_world["round"]
    login_as(client, halfyear_world["reviewer"])
    page = client.get(f"/exports/rounds/{round_.id}/word")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and 'value="BC-UBND"' in body and 'value="UBND tỉnh Thử Nghiệm"' in body
    response = client.post(f"/exports/rounds/{round_.id}/word", data=WORD_SETTINGS)
    assert response.status_code == 303
    saved = settings_of(round_.unit_id, round_.id)
    assert saved.signer_name == "Nguyễn Quốc Khánh" and saved.distribution == "Như trên;\nLưu: VT."
    ready = client.get(response.headers["Location"])
    assert f'/exports/rounds/{round_.id}.docx"' in ready.get_data(as_text=True)
    download = client.get(f"/exports/rounds/{round_.id}.docx", buffered=True)
    assert download.status_code == 200
    document = docx.Document(io.BytesIO(download.data))
    header = document.tables[0]
    assert [p.text for p in header.cell(0, 0).paragraphs if p.text] == ["ỦY BAN NHÂN DÂN", "HUYỆN THỬ NGHIỆM"]
    texts = [p.text for p in document.paragraphs]
    assert "Kính gửi: Văn phòng UBND tỉnh Quảng Ngãi." in texts
    assert any(t.startswith("Thực hiện Công văn số 1798/VPUB-NC ngày 28/6/2021 của Văn phòng UBND tỉnh, UBND huyện")
               for t in texts)
    assert not any(t.startswith("UBND xã Số 1") for t in texts)  # unit texts reach Word only via the reviewer
    coverage = next(t for t in texts if t.startswith("Báo cáo tổng hợp từ 2/3 đơn vị"))
    assert "Xã Số 3" in coverage  # the unit that has not reported, named
    signature = [p.text for p in document.tables[1].cell(0, 1).paragraphs if p.text]
    assert signature == ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Quốc Khánh"]
    book = workbook_of(client.get(f"/exports/rounds/{round_.id}.xlsx", buffered=True))
    first = [str(c.value) for row in book.worksheets[0].iter_rows(max_row=4) for c in row if c.value]
    assert "Đơn vị nhận báo cáo: Văn phòng UBND tỉnh Quảng Ngãi" in first
    assert coverage in first


def test_the_next_report_starts_from_the_units_latest_settings_but_not_its_requesting_document(
        client, halfyear_world):
    round_ = halfyear_world["round"]
    login_as(client, halfyear_world["reviewer"])
    client.post(f"/exports/rounds/{round_.id}/word", data=WORD_SETTINGS)
    later = make_round(halfyear_world["district"], "halfyear_onestop", year=2021, index=2,
                       expected=halfyear_world["communes"])
    body = client.get(f"/exports/rounds/{later.id}/word").get_data(as_text=True)
    assert 'value="Nguyễn Quốc Khánh"' in body and 'value="Văn phòng UBND tỉnh Quảng Ngãi"' in body
    assert "1798/VPUB" not in body
    assert settings_of(round_.unit_id, later.id) is None  # nothing saved by looking


def test_a_blank_recipient_is_refused_beside_the_field(client, halfyear_world):
    round_ = halfyear_world["round"]
    login_as(client, halfyear_world["reviewer"])
    response = client.post(f"/exports/rounds/{round_.id}/word", data=WORD_SETTINGS | {"recipient": "  "})
    assert response.status_code == 422
    assert "Nhập nơi nhận báo cáo (Kính gửi)." in response.get_data(as_text=True)
    assert settings_of(round_.unit_id, round_.id) is None


def test_the_word_settings_page_keeps_the_provisional_mode(client, halfyear_world):
    round_ = halfyear_world["round"]
    login_as(client, halfyear_world["reviewer"])
    response = client.post(f"/exports/rounds/{round_.id}/word?provisional=1", data=WORD_SETTINGS)
    assert response.status_code == 303 and "provisional=1" in response.headers["Location"]
    ready = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"/exports/rounds/{round_.id}.docx?provisional=1" in ready


def test_an_office_signs_its_own_report_as_its_head_under_its_own_symbol(client):
    add_catalogue(SEED002_CATALOGUE)
    _, district, units = make_tree(communes=1, offices=0)
    office = make_unit("P.D.PTP", "Phòng Tư pháp", "office", district)
    round_ = make_round(district, "halfyear_onestop", year=2021, index=1, expected=[units[0], office])
    sub = submission_for(round_, office)
    set_values(sub, seed002_values() | {text_key("I"): "Phòng đã rà soát thủ tục hành chính."})
    login_as(client, make_user(office, "reporter"))
    page = client.get(f"/exports/submissions/{sub.id}/word").get_data(as_text=True)
    assert 'value="BC-PTP"' in page and 'value="TRƯỞNG PHÒNG"' in page and 'value="UBND huyện Thử Nghiệm"' in page
    assert client.post(f"/exports/submissions/{sub.id}/word", data={
        "symbol": "BC-PTP", "recipient": "UBND huyện Thử Nghiệm", "distribution": "Như trên;\nLưu: VT.",
        "signer_prefix": "", "signer_title": "Trưởng phòng", "signer_name": "Trần Văn Tư"}).status_code == 303
    document = docx.Document(io.BytesIO(client.get(f"/exports/submissions/{sub.id}.docx", buffered=True).data))
    assert document.tables[0].cell(1, 0).paragraphs[0].text.endswith("/BC-PTP")
    assert [p.text for p in document.tables[1].cell(0, 1).paragraphs if p.text] == ["TRƯỞNG PHÒNG", "Trần Văn Tư"]
    texts = [p.text for p in document.paragraphs]
    assert "Phòng đã rà soát thủ tục hành chính." in texts
    # The district's consolidated report keeps its own settings: the office's are its alone.
    assert settings_of(district.id, round_.id) is None


def test_a_reviewer_sees_a_units_word_settings_but_cannot_change_them(client, quarterly_world):
    sub = quarterly_world["sub"]
    login_as(client, quarterly_world["reviewer"])
    page = client.get(f"/exports/submissions/{sub.id}/word")
    assert page.status_code == 200 and "disabled" in page.get_data(as_text=True)
    assert client.post(f"/exports/submissions/{sub.id}/word", data=WORD_SETTINGS).status_code == 403


@pytest.mark.parametrize("path", ["/exports/rounds/{id}.xlsx", "/exports/rounds/{id}.docx", "/exports/rounds/{id}/word"])
def test_a_reporter_cannot_download_a_rounds_consolidated_export(client, halfyear_world, path):
    login_as(client, halfyear_world["reporter"])
    assert client.get(path.format(id=halfyear_world["round"].id), buffered=True).status_code == 404


def test_a_reviewer_of_another_district_cannot_download_the_round(client, halfyear_world):
    other = make_unit("P.E", "Huyện Khác", "district", halfyear_world["district"].parent)
    login_as(client, make_user(other, "reviewer"))
    assert client.get(f"/exports/rounds/{halfyear_world['round'].id}.xlsx", buffered=True).status_code == 404


def test_exports_require_login(client, halfyear_world):
    response = client.get(f"/exports/rounds/{halfyear_world['round'].id}.xlsx", buffered=True)
    assert response.status_code in (302, 303, 401)


def test_a_unit_exports_its_own_submission_in_excel_and_word(client, quarterly_world):
    login_as(client, quarterly_world["reporter"])
    sub = quarterly_world["sub"]
    book = workbook_of(client.get(f"/exports/submissions/{sub.id}.xlsx", buffered=True))
    ws = book["Biểu 06a"]
    total = row_of(ws, "Tổng cộng")
    assert [ws.cell(total, col).value for col in (3, 7, 11)] == [315, 315, 0]
    assert "Theo đơn vị" not in book.sheetnames
    document = docx.Document(io.BytesIO(client.get(f"/exports/submissions/{sub.id}.docx", buffered=True).data))
    assert [p.text for p in document.tables[0].cell(0, 0).paragraphs if p.text] == ["ỦY BAN NHÂN DÂN", "XÃ SỐ 1"]


def test_another_units_submission_cannot_be_exported(client, quarterly_world):
    login_as(client, quarterly_world["other"])
    sub = quarterly_world["sub"]
    for path in (f"/exports/submissions/{sub.id}.xlsx", f"/exports/submissions/{sub.id}.docx",
                 f"/exports/submissions/{sub.id}/word",
                 f"/exports/submissions/{sub.id}/template.xlsx", f"/exports/submissions/{sub.id}/upload"):
        assert client.get(path, buffered=True).status_code == 404, path


# --- Excel round trip ----------------------------------------------------------------------

def download_template(client, sub, filled=True) -> openpyxl.Workbook:
    response = client.get(f"/exports/submissions/{sub.id}/template.xlsx" + ("?filled=1" if filled else ""), buffered=True)
    assert response.status_code == 200
    return workbook_of(response)


def upload(client, sub, book: openpyxl.Workbook, url_suffix=""):
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return client.post(f"/exports/submissions/{sub.id}/upload{url_suffix}",
                       data={"file": (buffer, "bao-cao.xlsx")}, content_type="multipart/form-data")


def input_cell(book, key: str):
    meta = book["_meta"]
    sheet, ref = next((r[0], r[1]) for r in meta.iter_rows(values_only=True) if len(r) > 2 and r[2] == key)
    return book[sheet][ref]


def test_the_template_unlocks_inputs_locks_totals_and_carries_meta(client, quarterly_world):
    login_as(client, quarterly_world["reporter"])
    sub = quarterly_world["sub"]
    book = download_template(client, sub)
    ws = book["Biểu 06a"]
    assert ws.protection.sheet
    online = input_cell(book, cell_key("I.4", "ho_tich", "c4"))
    assert online.value == 120 and online.protection.locked is False
    total = ws.cell(online.row, online.column - 1)
    assert str(total.value).startswith("=") and total.protection.locked is not False
    meta = {r[0]: r[1] for r in book["_meta"].iter_rows(max_row=6, values_only=True)}
    assert meta["round_id"] == quarterly_world["round"].id and meta["unit_id"] == sub.unit_id
    assert meta["template_code"] == "quarterly_tthc"
    assert book["_meta"].sheet_state == "hidden"
    blank = download_template(client, sub, filled=False)
    assert input_cell(blank, cell_key("I.4", "ho_tich", "c4")).value is None


def test_round_trip_previews_exactly_the_changed_cells_then_saves_on_confirm(client, quarterly_world):
    login_as(client, quarterly_world["reporter"])
    sub = quarterly_world["sub"]
    before = plain_values(stored_values(sub.id))
    book = download_template(client, sub)
    input_cell(book, cell_key("I.4", "ho_tich", "c4")).value = 125
    input_cell(book, cell_key("I.4", "xay_dung", "c5")).value = "1.234"  # typed the Vietnamese way
    input_cell(book, cell_key("I.4", "chung_thuc", "c8")).value = "mười"
    input_cell(book, field_key("I.5.5", "i1")).value = 1.8
    response = upload(client, sub, book)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<tr><td>Biểu 06a!") + html.count("<tr><td>Chỉ tiêu!") == 4  # 3 changes + 1 bad cell
    assert "Chỉ nhập số nguyên không âm" in html
    assert plain_values(stored_values(sub.id)) == before  # nothing saved before confirming
    payload = html.split('name="payload" value="')[1].split('"')[0]
    confirm = client.post(f"/exports/submissions/{sub.id}/upload/confirm", data={"payload": payload})
    assert confirm.status_code == 303 and confirm.headers["Location"].endswith(f"/submissions/{sub.id}")
    db.session.expire_all()
    after = plain_values(stored_values(sub.id))
    assert after[cell_key("I.4", "ho_tich", "c4")] == 125
    assert after[cell_key("I.4", "xay_dung", "c5")] == 1234
    assert after[field_key("I.5.5", "i1")] == 180
    assert after[cell_key("I.4", "chung_thuc", "c8")] == before[cell_key("I.4", "chung_thuc", "c8")]


def test_an_unchanged_upload_lists_no_change(client, quarterly_world):
    login_as(client, quarterly_world["reporter"])
    sub = quarterly_world["sub"]
    html = upload(client, sub, download_template(client, sub)).get_data(as_text=True)
    assert "Không có ô nào thay đổi" in html


def test_a_file_of_another_unit_or_round_is_refused(client, quarterly_world):
    world = quarterly_world
    login_as(client, world["other"])
    other_sub = submission_for(world["round"], world["communes"][1])
    foreign = download_template(client, other_sub)
    client.post("/logout")
    login_as(client, world["reporter"])
    response = upload(client, world["sub"], foreign)
    assert response.status_code == 422 and "đơn vị khác" in response.get_data(as_text=True)
    book = download_template(client, world["sub"])
    book["_meta"]["B2"].value = world["round"].id + 1000
    response = upload(client, world["sub"], book)
    assert response.status_code == 422 and "đợt báo cáo khác" in response.get_data(as_text=True)
    book = download_template(client, world["sub"])
    book["_meta"]["B6"].value = 99
    assert "mẫu báo cáo khác" in upload(client, world["sub"], book).get_data(as_text=True)
    not_excel = client.post(f"/exports/submissions/{world['sub'].id}/upload",
                            data={"file": (io.BytesIO(b"hello"), "x.xlsx")}, content_type="multipart/form-data")
    assert not_excel.status_code == 422 and "không phải là tệp Excel" in not_excel.get_data(as_text=True)


def test_only_the_units_own_users_may_upload_and_only_while_editable(client, quarterly_world):
    sub = quarterly_world["sub"]
    login_as(client, quarterly_world["reviewer"])
    assert client.get(f"/exports/submissions/{sub.id}/upload").status_code == 403
    client.post("/logout")
    login_as(client, quarterly_world["reporter"])
    book = download_template(client, sub)
    sub.status = "submitted"
    db.session.commit()
    assert upload(client, sub, book).status_code == 403


def test_a_tampered_confirmation_is_refused(client, quarterly_world):
    login_as(client, quarterly_world["reporter"])
    sub = quarterly_world["sub"]
    response = client.post(f"/exports/submissions/{sub.id}/upload/confirm", data={"payload": "eyJzIjoxfQ.forged"})
    assert response.status_code == 400


def test_a_blank_template_with_one_cell_filled_saves_that_cell_and_wipes_nothing(client, quarterly_world):
    login_as(client, quarterly_world["reporter"])
    sub = quarterly_world["sub"]
    before = plain_values(stored_values(sub.id))
    book = download_template(client, sub, filled=False)
    input_cell(book, cell_key("I.4", "ho_tich", "c4")).value = before[cell_key("I.4", "ho_tich", "c4")] + 1
    html = upload(client, sub, book).get_data(as_text=True)
    assert "1 ô có số mới" in html and "sẽ bị xóa" not in html and "Lưu 1 ô có số mới" in html
    payload = html.split('name="payload" value="')[1].split('"')[0]
    client.post(f"/exports/submissions/{sub.id}/upload/confirm", data={"payload": payload})
    db.session.expire_all()
    after = plain_values(stored_values(sub.id))
    assert len(after) == len(before) and after[cell_key("I.4", "ho_tich", "c4")] == before[cell_key("I.4", "ho_tich", "c4")] + 1

    ticked = download_template(client, sub, filled=False)
    buffer = io.BytesIO()
    ticked.save(buffer)
    buffer.seek(0)
    html = client.post(f"/exports/submissions/{sub.id}/upload", data={"file": (buffer, "x.xlsx"), "clear_empty": "1"},
                       content_type="multipart/form-data").get_data(as_text=True)
    figures = len([k for k, v in after.items() if isinstance(v, int)])
    assert f"0 ô có số mới, {figures} ô sẽ bị xóa" in html and "Ô sẽ bị xóa (để trống trong tệp)" in html


def test_the_provisional_word_file_and_workbook_say_so(client, halfyear_world):
    round_ = halfyear_world["round"]
    set_values(submission_for(round_, halfyear_world["communes"][2]), {text_key("I"): "Đã nộp, chờ duyệt."},
               status="submitted")
    login_as(client, halfyear_world["reviewer"])
    document = docx.Document(io.BytesIO(client.get(f"/exports/rounds/{round_.id}.docx?provisional=1", buffered=True).data))
    texts = [p.text for p in document.paragraphs]
    assert texts[texts.index("BÁO CÁO") + 1].endswith("(SỐ LIỆU TẠM)")
    assert any(t.startswith("Báo cáo tổng hợp từ 3/3 đơn vị") and "chưa duyệt" in t for t in texts)
    book = workbook_of(client.get(f"/exports/rounds/{round_.id}.xlsx?provisional=1", buffered=True))
    first = [str(c.value) for row in book.worksheets[0].iter_rows(max_row=4) for c in row if c.value]
    assert any(t.endswith("(SỐ LIỆU TẠM)") for t in first)
    approved_only = docx.Document(io.BytesIO(client.get(f"/exports/rounds/{round_.id}.docx", buffered=True).data))
    assert not any("SỐ LIỆU TẠM" in p.text for p in approved_only.paragraphs)

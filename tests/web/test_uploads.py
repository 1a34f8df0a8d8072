"""Uploads are checked before they are parsed and read with limits, for the Excel round
trip and the administrator's bulk import alike; a refused file writes nothing."""
from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from openpyxl.worksheet import _reader

from app.extensions import db
from app.models import OrgUnit, SubmissionValue
from app.uploads import (
    MSG_INFLATED,
    MSG_NOT_XLSX,
    UploadRefused,
    ZipLimits,
    open_workbook,
    sheet_rows,
    table_from_csv,
    table_from_xlsx,
)
from tests.conftest import login_as
from tests.factories import make_round, make_tree, make_user, set_values, submission_for

MIB = 1024 * 1024


@pytest.fixture
def entry(client):
    _, district, communes = make_tree(1)
    round_ = make_round(district, "quarterly_tthc", expected=communes)
    sub = submission_for(round_, communes[0])
    set_values(sub, {"I.4/ho_tich/c4": 120})
    login_as(client, make_user(communes[0], "reporter"))
    template = client.get(f"/exports/submissions/{sub.id}/template.xlsx?filled=1", buffered=True).data
    return sub, template


def rezip(data: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, (replace or {}).get(item.filename, source.read(item.filename)))
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def sheet_member(data: bytes, title: str) -> str:
    """The zip member holding the sheet of that title."""
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    index = book.sheetnames.index(title) + 1
    book.close()
    return f"xl/worksheets/sheet{index}.xml"


def post_upload(client, sub, data: bytes, name: str = "bao-cao.xlsx"):
    return client.post(f"/exports/submissions/{sub.id}/upload", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def stored_rows() -> list:
    db.session.expire_all()
    return db.session.execute(db.select(SubmissionValue.key, SubmissionValue.int_value, SubmissionValue.version)
                              .order_by(SubmissionValue.id)).all()


def assert_refused(response, message: str, before: list) -> None:
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert stored_rows() == before


# --- The Excel round trip --------------------------------------------------------------------

def test_the_downloaded_template_still_reads(client, entry):
    sub, template = entry
    assert post_upload(client, sub, template).status_code == 200


def test_a_zip_bomb_is_refused_from_its_directory_before_anything_inflates(client, entry):
    sub, template = entry
    before = stored_rows()
    bomb = rezip(template, add={"xl/media/fill.bin": b"\0" * (30 * MIB)})
    assert len(bomb) < MIB
    assert_refused(post_upload(client, sub, bomb), MSG_INFLATED, before)


def test_one_member_compressed_a_thousand_times_is_refused_even_under_the_total_limit(client, entry):
    sub, template = entry
    member = sheet_member(template, "Biểu 06a")
    with zipfile.ZipFile(io.BytesIO(template)) as z:
        padded = z.read(member).replace(b"</worksheet>", b"<!--" + b" " * (3 * MIB) + b"--></worksheet>")
    assert_refused(post_upload(client, sub, rezip(template, replace={member: padded})), MSG_INFLATED, stored_rows())


def test_too_many_zip_members_are_refused(client, entry):
    sub, template = entry
    many = rezip(template, add={f"xl/extra/{i}.xml": b"<a/>" for i in range(ZipLimits().max_members)})
    assert_refused(post_upload(client, sub, many), MSG_INFLATED, stored_rows())


@pytest.mark.parametrize("broken", [
    b"<worksheet><sheetData><row r='1'><c r='A1'",
    b"\x00\x01 not xml",
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
    b'<c r="A1" t="inlineStr"><is><t>&b;</t></is></c></row></sheetData></worksheet>',
], ids=["truncated", "garbage", "entities"])
def test_malformed_xml_inside_the_workbook_is_a_clear_refusal(client, entry, broken):
    sub, template = entry
    member = sheet_member(template, "Biểu 06a")
    assert_refused(post_upload(client, sub, rezip(template, replace={member: broken})), MSG_NOT_XLSX, stored_rows())


@pytest.mark.parametrize("data", [b"", b"PK\x03\x04 truncated", b"hello", b"PK" + b"\0" * 100],
                         ids=["empty", "truncated-zip", "text", "zeros"])
def test_a_file_that_is_not_a_workbook_is_a_clear_refusal(client, entry, data):
    sub, _ = entry
    response = post_upload(client, sub, data)
    assert response.status_code == 422
    assert "Excel" in response.get_data(as_text=True)


def test_the_workbook_is_read_only_as_far_as_its_input_cells(client, entry, monkeypatch):
    """A sheet padded with a million-row tail costs nothing: the read stops at the last input cell."""
    sub, template = entry
    member = sheet_member(template, "Biểu 06a")
    with zipfile.ZipFile(io.BytesIO(template)) as z:
        sheet = z.read(member)
    tail = b"".join(b'<row r="%d"><c r="B%d"><v>1</v></c></row>' % (r, r) for r in range(200, 20_200))
    tail += b'<row r="1000000"><c r="A1000000"><v>7</v></c></row>'
    padded = sheet.replace(b"</sheetData>", tail + b"</sheetData>")
    parsed = []
    original = _reader.WorkSheetParser.parse

    def counting(self):
        for item in original(self):
            parsed.append(item[0])
            yield item

    monkeypatch.setattr(_reader.WorkSheetParser, "parse", counting)
    response = post_upload(client, sub, rezip(template, replace={member: padded}))
    assert response.status_code == 200
    assert "Không có ô nào thay đổi" in response.get_data(as_text=True)
    assert max(parsed) < 200, "rows past the input cells were parsed"


# --- The reader's limits, directly -------------------------------------------------------------

def workbook_bytes(rows: int, columns: int = 3) -> bytes:
    book = openpyxl.Workbook()
    for r in range(1, rows + 1):
        book.active.append([f"r{r}c{c}" for c in range(1, columns + 1)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_table_longer_than_allowed_is_refused_while_reading():
    with pytest.raises(UploadRefused, match="quá nhiều dòng"):
        table_from_xlsx(workbook_bytes(12), max_rows=10, max_columns=5, header_rows=1)
    assert len(table_from_xlsx(workbook_bytes(11), max_rows=10, max_columns=5, header_rows=1)) == 11


def test_a_table_wider_than_allowed_is_refused_while_reading():
    with pytest.raises(UploadRefused, match="quá nhiều cột"):
        table_from_xlsx(workbook_bytes(2, columns=6), max_rows=10, max_columns=5)
    with pytest.raises(UploadRefused, match="quá nhiều cột"):
        table_from_csv(("a," * 7 + "a\n").encode(), max_rows=10, max_columns=5)


def test_a_known_area_is_read_without_refusing_what_lies_beyond():
    with open_workbook(workbook_bytes(50, columns=8)) as book:
        rows = list(sheet_rows(book, book.sheetnames[0], 3, 2, refuse_beyond=False))
    assert rows == [("r1c1", "r1c2"), ("r2c1", "r2c2"), ("r3c1", "r3c2")]


def test_a_csv_is_cleaned_and_read_with_limits():
    table = table_from_csv("\ufeffMã;Tên\r\nX1;Xã\x00 Một\x0b\r\n\r\nX2;Xã Hai\r\n".encode(), max_rows=5, max_columns=4,
                           header_rows=1)
    assert table == [["Mã", "Tên"], ["X1", "Xã Một"], ["X2", "Xã Hai"]]
    with pytest.raises(UploadRefused, match="quá nhiều dòng"):
        table_from_csv(b"a\n" * 8, max_rows=5, max_columns=4, header_rows=1)
    with pytest.raises(UploadRefused, match="UTF-8"):
        table_from_csv("Mã;Tên".encode("utf-16"), max_rows=5, max_columns=4)


# --- The administrator's bulk import -------------------------------------------------------------

@pytest.fixture
def admin_client(client):
    province, _, _ = make_tree(1)
    login_as(client, make_user(province, "admin", username="quantri"))
    return client


def post_import(client, name: str, data: bytes):
    return client.post("/admin/imports", data={"kind": "units", "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def units() -> int:
    return db.session.scalar(db.select(db.func.count(OrgUnit.id)))


@pytest.mark.parametrize("name, data, message", [
    ("ds.xlsx", rezip(workbook_bytes(2), add={"xl/media/fill.bin": b"\0" * (30 * MIB)}), MSG_INFLATED),
    ("ds.xlsx", rezip(workbook_bytes(2), replace={"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row"}),
     MSG_NOT_XLSX),
    ("ds.xlsx", workbook_bytes(5002), "quá nhiều dòng"),
    ("ds.csv", b"ma,ten,loai\n" + b"X,Y,xa\n" * 5001, "quá nhiều dòng"),
    ("ds.csv", b"ma,ten,loai" + b",x" * 60 + b"\n", "quá nhiều cột"),
    ("ds.csv", "Tên;Đơn".encode("cp1258"), "UTF-8"),
], ids=["bomb", "bad-xml", "xlsx-rows", "csv-rows", "csv-columns", "csv-encoding"])
def test_the_bulk_import_refuses_the_same_files_and_writes_nothing(admin_client, name, data, message):
    before = units()
    response = post_import(admin_client, name, data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert units() == before

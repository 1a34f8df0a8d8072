"""Uploads are refused on cheap signals before a parser sees them (issue 26): the shared
strings' count and size, the sheets' cell count from their declared dimension and the zip
directory. A 5 MB workbook of 520,000 shared strings once cost 5 s of CPU before refusal."""
from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from app.uploads import MSG_TOO_MANY_CELLS, MSG_TOO_MANY_STRINGS, UploadRefused, ZipLimits, check_zip
from tests.web.test_uploads import assert_refused, entry, post_upload, rezip, stored_rows  # noqa: F401

CONTENT_TYPES = b"""<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"></Types>"""


def shared_strings(count: int, declared: bool = True) -> bytes:
    head = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
            + (f' count="{count}" uniqueCount="{count}"' if declared else "") + ">").encode()
    return head + b"".join(b"<si><t>s%d</t></si>" % i for i in range(count)) + b"</sst>"


def sheet(dimension: str) -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<dimension ref="' + dimension.encode() + b'"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
            b"</sheetData></worksheet>")


def workbook(**members: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("xl/workbook.xml", b"<workbook/>")
        for name, data in members.items():
            z.writestr(name.replace("__", "/").replace("_xml", ".xml"), data)
    return out.getvalue()


@pytest.fixture
def no_parsing(monkeypatch):
    def parse(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(openpyxl, "load_workbook", parse)


def test_half_a_million_shared_strings_are_refused_from_the_directory_and_a_count(no_parsing):
    data = workbook(xl__sharedStrings_xml=shared_strings(520_000))
    assert len(data) < 8 * 1024 * 1024
    with pytest.raises(UploadRefused) as refused:
        check_zip(data)
    assert refused.value.message == MSG_TOO_MANY_STRINGS


def test_shared_strings_that_hide_their_count_are_counted(no_parsing):
    data = workbook(xl__sharedStrings_xml=shared_strings(120_000, declared=False))
    with pytest.raises(UploadRefused, match="đoạn văn bản"):
        check_zip(data)


def test_a_sheet_declaring_millions_of_cells_is_refused(no_parsing):
    for dimension in ("A1:XFD1048576", "A1:AD60001", "B2:ZZ20000"):
        with pytest.raises(UploadRefused) as refused:
            check_zip(workbook(xl__worksheets__sheet1_xml=sheet(dimension)))
        assert refused.value.message == MSG_TOO_MANY_CELLS


def test_ordinary_workbooks_pass_the_cheap_checks():
    check_zip(workbook(xl__sharedStrings_xml=shared_strings(2_000), xl__worksheets__sheet1_xml=sheet("A1:AD300")))
    # A dimension that lies low is no harm: reading stops at the caller's row and column limits.
    check_zip(workbook(xl__worksheets__sheet1_xml=sheet("A1")))


def test_the_report_upload_refuses_half_a_million_strings_and_writes_nothing(client, entry, no_parsing):  # noqa: F811
    sub, template = entry
    before = stored_rows()
    hostile = rezip(template, replace={"xl/sharedStrings.xml": shared_strings(520_000)}) \
        if "xl/sharedStrings.xml" in zipfile.ZipFile(io.BytesIO(template)).namelist() \
        else rezip(template, add={"xl/sharedStrings.xml": shared_strings(520_000)})
    response = post_upload(client, sub, hostile)
    assert response.status_code == 422
    assert "đoạn văn bản" in response.get_data(as_text=True)
    assert stored_rows() == before
    response.request.environ["wsgi.input"].close()  # the test client spooled this large body to a file


def test_the_limits_can_be_set_per_caller():
    data = workbook(xl__sharedStrings_xml=shared_strings(2_000))
    with pytest.raises(UploadRefused):
        check_zip(data, ZipLimits(max_shared_strings=1_000))
    with pytest.raises(UploadRefused):
        check_zip(workbook(xl__worksheets__sheet1_xml=sheet("A1:J200")), ZipLimits(max_cells=1_000))

from datetime import date

import pytest

from app.reporting.documents import check_document

GOOD = {"doc_type": "QĐ", "number": " 11/QĐ-UBND ", "issued_on": "10/01/2024", "summary": "Kế hoạch hành động"}


def test_a_well_typed_row_is_kept_trimmed_with_its_date_parsed():
    data, errors = check_document(GOOD)
    assert errors == {}
    assert data["number"] == "11/QĐ-UBND" and data["issued_date"] == date(2024, 1, 10)


@pytest.mark.parametrize("field,value,message", [
    ("doc_type", "XX", "Chọn loại văn bản."),
    ("number", "", "Nhập số, ký hiệu (vd. 11/QĐ-UBND)."),
    ("number", "x" * 61, "Tối đa 60 ký tự."),
    ("issued_on", "31/02/2024", "Ngày theo dạng dd/mm/yyyy, vd. 10/01/2024."),
    ("issued_on", "2024-01-10", "Ngày theo dạng dd/mm/yyyy, vd. 10/01/2024."),
    ("summary", "   ", "Nhập trích yếu nội dung."),
    ("summary", "x" * 1001, "Tối đa 1.000 ký tự."),
])
def test_a_bad_field_gets_its_message_in_vietnamese(field, value, message):
    _, errors = check_document({**GOOD, field: value})
    assert errors == {field: message}

"""Rows of a documents section (văn bản chỉ đạo, điều hành): what a valid row is."""
from __future__ import annotations

from collections.abc import Mapping

from .clock import parse_day

DOC_TYPES = {
    "QĐ": "Quyết định", "KH": "Kế hoạch", "CT": "Chỉ thị", "CV": "Công văn", "TB": "Thông báo",
    "BC": "Báo cáo", "HD": "Hướng dẫn",
}


def check_document(fields: Mapping[str, str]) -> tuple[dict, dict[str, str]]:
    """The row as typed (trimmed, with ``issued_date`` parsed from dd/mm/yyyy) and a
    Vietnamese message per field that is wrong."""
    data = {k: (fields.get(k) or "").strip() for k in ("doc_type", "number", "issued_on", "summary")}
    errors: dict[str, str] = {}
    if data["doc_type"] not in DOC_TYPES:
        errors["doc_type"] = "Chọn loại văn bản."
    if not data["number"]:
        errors["number"] = "Nhập số, ký hiệu (vd. 11/QĐ-UBND)."
    elif len(data["number"]) > 60:
        errors["number"] = "Tối đa 60 ký tự."
    issued = None
    if data["issued_on"]:
        try:
            issued = parse_day(data["issued_on"])
        except ValueError:
            errors["issued_on"] = "Ngày theo dạng dd/mm/yyyy, vd. 10/01/2024."
    if not data["summary"]:
        errors["summary"] = "Nhập trích yếu nội dung."
    elif len(data["summary"]) > 1000:
        errors["summary"] = "Tối đa 1.000 ký tự."
    data["issued_date"] = issued
    return data, errors

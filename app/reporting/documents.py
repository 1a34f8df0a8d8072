"""Rows of a documents section (văn bản chỉ đạo, điều hành): what a valid row is."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from .clock import parse_day
from .text import clean_text

DOC_TYPES = {
    "QĐ": "Quyết định", "KH": "Kế hoạch", "CT": "Chỉ thị", "CV": "Công văn", "TB": "Thông báo",
    "BC": "Báo cáo", "HD": "Hướng dẫn",
}


def check_document(fields: Mapping[str, str]) -> tuple[dict, dict[str, str]]:
    """The row as typed (trimmed, with ``issued_date`` parsed from dd/mm/yyyy) and a
    Vietnamese message per field that is wrong."""
    data = {k: clean_text(fields.get(k)).strip() for k in ("doc_type", "number", "issued_on", "summary")}
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


# A document dated outside the reported period may belong there (a yearly plan issued before
# the quarter), so it is a warning the unit explains, like other warnings, never a refusal.
DOCUMENT_PERIOD_RULE = "document_period"


def document_key(section_id: str, document_id: int) -> str:
    """The key a document row's finding (and its explanation) is filed under."""
    return f"{section_id}/_doc{document_id}"


def documents_outside_period(documents, date_from: date, date_to: date) -> list:
    """A warning for each document (id, section_id, number, issued_on) issued outside
    date_from–date_to."""
    from .clock import format_day
    from .validation import Finding

    findings = []
    for d in documents:
        if d.issued_on is None or date_from <= d.issued_on <= date_to:
            continue
        when = "trước" if d.issued_on < date_from else "sau"
        findings.append(Finding(
            DOCUMENT_PERIOD_RULE, "warning", d.section_id, (document_key(d.section_id, d.id),),
            f"Văn bản số {d.number} ngày {format_day(d.issued_on)} ban hành {when} kỳ báo cáo "
            f"({format_day(date_from)} – {format_day(date_to)}): kiểm tra lại ngày, hoặc giải thích vì sao đưa vào kỳ này."))
    return findings

"""Directive follow-up in the domain: statuses, the sentence a consolidated report writes,
grouped texts, reminders, the "done needs a description" rule, forms and attached files."""
from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest

from app.reporting.diff import key_label
from app.reporting.directives import (
    DONE,
    IN_PROGRESS,
    MISSING,
    MSG_ATTACHMENT_TYPE,
    MSG_DONE_NEEDS_TEXT,
    NOT_STARTED,
    AssignedUnit,
    InvalidStatus,
    attachment_kind,
    check_attachment,
    check_task,
    directive_name,
    followup_sentence,
    group_texts,
    is_overdue,
    parse_status,
    reminder_text,
    status_counts,
    suggestion,
    task_title,
)
from app.reporting.keys import followup_key, parse_followup_key
from app.reporting.validation import validate

COMMUNES = [AssignedUnit(i, f"Xã {i:02d}", "commune") for i in range(1, 22)] + [AssignedUnit(22, "Thị trấn Châu Ổ", "town")]
OFFICES = [AssignedUnit(100 + i, name, "office") for i, name in enumerate(["Phòng Nội vụ", "Phòng Tư pháp", "Phòng Văn hóa và Thông tin"])]


@pytest.mark.parametrize(("typed", "stored"), [
    ("done", DONE), ("in_progress", IN_PROGRESS), ("not_started", NOT_STARTED), ("Đã hoàn thành", DONE),
    ("  đang thực hiện ", IN_PROGRESS), ("", None),
])
def test_a_status_is_one_of_three(typed, stored):
    assert parse_status(typed) == stored


def test_an_unknown_status_is_refused_with_a_vietnamese_message():
    with pytest.raises(InvalidStatus, match="Chọn một trong"):
        parse_status("xong rồi")


def test_units_without_a_status_count_as_not_reported():
    groups = status_counts(COMMUNES[:3], {1: DONE, 2: "garbage"})
    assert [u.unit_id for u in groups[DONE]] == [1]
    assert [u.unit_id for u in groups[MISSING]] == [2, 3]


def test_the_sentence_writes_counts_over_the_communes_and_names_units_only_when_few():
    statuses = {u.unit_id: DONE for u in COMMUNES[:18]} | {19: IN_PROGRESS, 20: IN_PROGRESS, 21: IN_PROGRESS}
    assert followup_sentence(COMMUNES, statuses) == (
        "18/22 xã, thị trấn đã hoàn thành; 3 xã, thị trấn đang thực hiện (Xã 19, Xã 20, Xã 21); "
        "1 xã, thị trấn chưa báo cáo (Thị trấn Châu Ổ).")


def test_many_units_sharing_a_status_are_counted_not_listed():
    statuses = {u.unit_id: DONE for u in COMMUNES[:10]}
    sentence = followup_sentence(COMMUNES, statuses)
    assert sentence == "10/22 xã, thị trấn đã hoàn thành; 12 xã, thị trấn chưa báo cáo."


def test_all_units_done_are_not_listed_either():
    statuses = {u.unit_id: DONE for u in COMMUNES[:3]}
    assert followup_sentence(COMMUNES[:3], statuses) == "3/3 xã đã hoàn thành."


def test_communes_and_offices_get_one_clause_each_and_a_single_unit_is_named_with_its_status():
    statuses = {1: DONE, 100: IN_PROGRESS}
    assert followup_sentence(COMMUNES[:2] + OFFICES[:1], statuses) == (
        "1/2 xã đã hoàn thành (Xã 01); 1 xã chưa báo cáo (Xã 02); Phòng Nội vụ: đang thực hiện.")
    assert followup_sentence(OFFICES, {}) == "3/3 cơ quan, đơn vị chưa báo cáo."


def test_nothing_assigned_writes_nothing():
    assert followup_sentence([], {}) == ""


def test_equal_statements_are_grouped_largest_first():
    groups = group_texts([("Xã A", "Đã quán triệt đến cán bộ."), ("Xã B", "Tổ chức hội nghị"),
                          ("Xã C", "- đã quán triệt  đến cán bộ"), ("Xã D", ""), ("Xã E", "Tổ chức hội nghị.")])
    assert groups == [("Đã quán triệt đến cán bộ.", ["Xã A", "Xã C"]), ("Tổ chức hội nghị", ["Xã B", "Xã E"])]
    assert suggestion(groups) == "- Đã quán triệt đến cán bộ (Xã A, Xã C).\n- Tổ chức hội nghị (Xã B, Xã E)."


def test_a_task_is_overdue_only_while_open_unfinished_and_past_its_due_date():
    today = date(2025, 5, 10)
    assert is_overdue(date(2025, 5, 9), today, True, False)
    assert not is_overdue(date(2025, 5, 10), today, True, False)
    assert not is_overdue(date(2025, 5, 9), today, False, False)
    assert not is_overdue(date(2025, 5, 9), today, True, True)
    assert not is_overdue(None, today, True, False)


def test_names_and_reminder_read_like_an_official_text():
    name = directive_name("CT", "05/CT-UBND", date(2025, 2, 5))
    assert name == "Chỉ thị số 05/CT-UBND ngày 05/02/2025"
    text = reminder_text(name, "6", ["Chi nhánh Văn phòng Đăng ký đất đai"], date(2025, 3, 31), "Huyện Bình Sơn")
    assert "Chi nhánh Văn phòng Đăng ký đất đai báo cáo kết quả thực hiện nhiệm vụ 6 theo Chỉ thị số 05/CT-UBND" in text
    assert "hạn hoàn thành 31/03/2025" in text
    assert reminder_text(name, "6", [], None, "Huyện Bình Sơn") == ""
    assert task_title("1.a", "Tiếp tục quán triệt " * 20, limit=40).endswith("…")


def test_done_needs_a_description(quarterly):
    status, text = followup_key("I.9", 7, "status"), followup_key("I.9", 7, "text")
    findings = validate(quarterly, {status: DONE})
    assert [(f.rule_id, f.severity, f.message) for f in findings] == [("followup_done_text", "error", MSG_DONE_NEEDS_TEXT)]
    assert findings[0].keys == (text, status)
    assert validate(quarterly, {status: DONE, text: "Đã tổ chức hội nghị quán triệt."}) == []
    assert validate(quarterly, {status: IN_PROGRESS}) == []


def test_a_task_form_needs_content_units_and_a_template():
    known = ["quarterly_tthc", "halfyear_onestop"]
    data, errors = check_task({"label": "1.a", "content": " Quán triệt ", "due_on": "31/03/2025"}, ["communes"], [],
                              ["quarterly_tthc"], known)
    assert errors == {}
    assert (data["content"], data["due_date"], data["groups"], data["template_codes"]) == (
        "Quán triệt", date(2025, 3, 31), ["communes"], ["quarterly_tthc"])
    _, errors = check_task({"content": "", "due_on": "31-03-2025"}, [], [], [], known)
    assert set(errors) == {"content", "due_on", "units", "templates"}
    _, errors = check_task({"content": "x"}, [], ["12", "abc"], ["monthly"], known)
    assert errors["units"] == "Đơn vị được giao không hợp lệ."
    assert errors["templates"] == "Mẫu báo cáo không hợp lệ."


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(("data", "kind"), [
    (b"%PDF-1.7\n...", "pdf"),
    (_docx(), "docx"),
    (b"MZ\x90\x00 executable", None),
    (b"PK\x03\x04 not really a zip", None),
    (b"<html>", None),
])
def test_an_attachment_is_judged_by_its_content(data, kind):
    assert attachment_kind(data) == kind


def test_an_attachment_named_pdf_that_is_not_one_is_refused_and_a_big_one_too():
    assert check_attachment("chi-thi.pdf", b"MZ\x90\x00")[2] == MSG_ATTACHMENT_TYPE
    assert check_attachment("chi-thi.pdf", b"%PDF-" + b"0" * 100, limit=50)[2] == "Tệp quá lớn (0,0 MB); tối đa 5 MB."
    assert check_attachment("Chỉ thị 05.PDF", b"%PDF-1.4") == ("Chỉ thị 05.pdf", "application/pdf", None)
    assert check_attachment("../../etc/x.docx", _docx())[0] == ".. .. etc x.docx"


@pytest.mark.parametrize(("key", "parsed"), [
    ("I.9/t12/status", (12, "status")), ("II.1/t3/docs", (3, "docs")), ("I.9/t12/other", None), ("I.9/text", None),
    ("I.9/x12/status", None), ("I.9/t0/status", None), ("a/b/c/d", None),
])
def test_follow_up_keys_name_a_task_and_a_part(key, parsed):
    assert parse_followup_key(key) == parsed


def test_the_history_names_a_follow_up_entry_readably(quarterly):
    assert key_label(quarterly, "I.9/t12/status") == "I.9 nhiệm vụ (mã 12) — tình trạng"

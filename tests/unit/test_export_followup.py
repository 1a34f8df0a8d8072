"""Directive follow-up in the exports: the Excel sheet (task × unit, coloured, printable) and
the Word section (counts written out, the consolidating unit's text, attribution)."""
from __future__ import annotations

import io
from datetime import date

import docx
import openpyxl
import pytest

from app.exports.docx_report import write_report_docx
from app.exports.xlsx import write_round_workbook
from app.reporting.directives import (
    DONE,
    IN_PROGRESS,
    MISSING,
    NOT_STARTED,
    DirectiveReport,
    TaskReport,
    followup_paragraphs,
)
from tests.unit.test_export_docx import seed002_parts

UNITS = ("Xã Bình An", "Xã Bình Chánh", "Xã Bình Châu", "Phòng Nội vụ")
FOLLOWUP = (
    DirectiveReport(
        name="Chỉ thị số 05/CT-UBND ngày 27/03/2021", number="05/CT-UBND", issuer="UBND huyện Bình Sơn",
        title="Về đẩy mạnh công tác cải cách hành chính",
        tasks=(
            TaskReport("1.a", "Tiếp tục quán triệt Chỉ thị số 30/CT-TTg.",
                       "2/3 xã đã hoàn thành (Xã Bình An, Xã Bình Chánh); 1 xã chưa báo cáo (Xã Bình Châu); "
                       "Phòng Nội vụ: đang thực hiện.",
                       text="Các xã đã tổ chức hội nghị quán triệt đến cán bộ, công chức.",
                       units=((UNITS[0], DONE), (UNITS[1], DONE), (UNITS[2], MISSING), (UNITS[3], IN_PROGRESS))),
            TaskReport("6", "Xử lý hồ sơ đất đai tồn đọng.", "Phòng Nội vụ: chưa thực hiện.", due_on=date(2021, 4, 26),
                       overdue=True, units=((UNITS[3], NOT_STARTED),)),
        ),
    ),
)


@pytest.fixture(scope="module")
def workbook():
    buffer = io.BytesIO()
    write_round_workbook(seed002_parts(followup=FOLLOWUP), buffer)
    buffer.seek(0)
    return openpyxl.load_workbook(buffer)


def test_the_workbook_has_a_follow_up_sheet_of_tasks_by_unit(workbook):
    ws = workbook["Theo dõi chỉ đạo"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    header = next(r for r in rows if r[:2] == ["STT", "Đơn vị"])
    assert header[2:4] == ["05/CT-UBND\nNhiệm vụ 1.a", "05/CT-UBND\nNhiệm vụ 6"]
    body = {r[1]: r[2:4] for r in rows if r[1] in UNITS}
    assert body == {"Xã Bình An": ["Đã hoàn thành", "–"], "Xã Bình Chánh": ["Đã hoàn thành", "–"],
                    "Xã Bình Châu": ["Chưa báo cáo", "–"], "Phòng Nội vụ": ["Đang thực hiện", "Chưa thực hiện"]}
    counts = {r[0]: r[2:4] for r in rows if r[0] in ("Đã hoàn thành", "Đang thực hiện", "Chưa thực hiện", "Chưa báo cáo")}
    assert counts == {"Đã hoàn thành": [2, 0], "Đang thực hiện": [1, 0], "Chưa thực hiện": [0, 1], "Chưa báo cáo": [1, 0]}
    assert any("Tiếp tục quán triệt Chỉ thị số 30/CT-TTg." in str(v) for r in rows for v in r)


def test_statuses_are_coloured_and_the_sheet_prints_landscape_with_its_header_repeated(workbook):
    ws = workbook["Theo dõi chỉ đạo"]
    fills = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value in ("Đã hoàn thành", "Đang thực hiện", "Chưa báo cáo") and cell.column > 2:
                fills[cell.value] = cell.fill.fgColor.rgb
    assert fills == {"Đã hoàn thành": "FFC6EFCE", "Đang thực hiện": "FFFFEB9C", "Chưa báo cáo": "FFD9D9D9"}
    assert ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows and ws.sheet_properties.pageSetUpPr.fitToPage


def test_without_directives_there_is_no_follow_up_sheet():
    buffer = io.BytesIO()
    write_round_workbook(seed002_parts(), buffer)
    buffer.seek(0)
    assert "Theo dõi chỉ đạo" not in openpyxl.load_workbook(buffer).sheetnames


def test_the_word_report_writes_the_follow_up_in_its_section_with_counts_and_attribution():
    buffer = io.BytesIO()
    write_report_docx(seed002_parts(followup=FOLLOWUP), buffer)
    buffer.seek(0)
    paragraphs = [p.text for p in docx.Document(buffer).paragraphs]
    heading = next(i for i, t in enumerate(paragraphs) if "Kết quả thực hiện nhiệm vụ được giao" in t)
    body = paragraphs[heading + 1:heading + 6]
    assert body[0] == ("Thực hiện Chỉ thị số 05/CT-UBND ngày 27/03/2021 của UBND huyện Bình Sơn về đẩy mạnh công tác "
                       "cải cách hành chính:")
    assert body[1] == ("- Nhiệm vụ 1.a (Tiếp tục quán triệt Chỉ thị số 30/CT-TTg): 2/3 xã đã hoàn thành (Xã Bình An, "
                       "Xã Bình Chánh); 1 xã chưa báo cáo (Xã Bình Châu); Phòng Nội vụ: đang thực hiện.")
    assert body[2] == "Các xã đã tổ chức hội nghị quán triệt đến cán bộ, công chức."
    assert body[3] == "- Nhiệm vụ 6 (Xử lý hồ sơ đất đai tồn đọng; hạn 26/04/2021, đã quá hạn): Phòng Nội vụ: chưa thực hiện."
    # Nothing a unit wrote enters the report unless the reviewer put it in the text.
    assert not any("Xã Bình Châu:" in t for t in paragraphs)


def test_a_units_own_report_lists_what_it_did_and_the_documents_it_issued():
    own = (DirectiveReport("Chỉ thị số 05/CT-UBND ngày 27/03/2021", "05/CT-UBND", "UBND huyện Bình Sơn", "",
                           (TaskReport("1.a", "Quán triệt.", "Đã hoàn thành.", text="Đã tổ chức hội nghị.",
                                       docs="Kế hoạch số 12/KH-UBND"),)),)
    assert followup_paragraphs(own) == [
        ("Thực hiện Chỉ thị số 05/CT-UBND ngày 27/03/2021 của UBND huyện Bình Sơn:", "lead"),
        ("- Nhiệm vụ 1.a (Quán triệt): Đã hoàn thành.", "item"),
        ("Đã tổ chức hội nghị.", "body"),
        ("Văn bản đã ban hành: Kế hoạch số 12/KH-UBND", "body"),
    ]


def test_a_long_task_is_written_whole_never_cut():
    content = ("Tiếp tục quán triệt, triển khai thực hiện nghiêm túc Chỉ thị số 30/CT-TTg của Thủ tướng Chính phủ, "
               "Kế hoạch cải cách hành chính của UBND tỉnh và của UBND huyện giai đoạn 2021 - 2025; gắn trách nhiệm "
               "người đứng đầu với kết quả thực hiện nhiệm vụ cải cách hành chính tại cơ quan, đơn vị.")
    reports = (DirectiveReport("Chỉ thị số 05/CT-UBND ngày 27/03/2021", "05/CT-UBND", "UBND huyện Bình Sơn", "",
                               (TaskReport("1", content, "Đã hoàn thành."),)),)
    item = followup_paragraphs(reports)[1][0]
    assert "…" not in item and content.rstrip(".") in item

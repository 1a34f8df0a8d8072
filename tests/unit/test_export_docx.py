"""The Word report (design §9, Decree 30/2020 layout), opened with python-docx."""
from __future__ import annotations

import io
from datetime import datetime

import docx
import pytest

from app.exports.docx_report import write_report_docx
from app.services.export_model import ExportParts, Signature
from app.reporting.consolidation import UnitInput, consolidate
from app.reporting.keys import text_key
from app.reporting.templates import bind_rows, shipped_templates
from tests.fixtures.seeds import SEED002_CATALOGUE, seed002_values

SIGNATURE = Signature(
    recipient="UBND tỉnh Quảng Ngãi",
    distribution=("Như trên;", "- Văn phòng UBND tỉnh (b/c);", "Lưu: VT."),
    signer_prefix=("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"),
    signer_title="Phó Chủ tịch",
    signer_name="Lê Thị Thanh Nhân",
)


def seed002_parts(**extra) -> ExportParts:
    template = bind_rows(shipped_templates()["halfyear_onestop"], SEED002_CATALOGUE)
    values = seed002_values()
    keys = list(values)
    units = [
        UnitInput(1, "Xã Bình Tân", {k: values[k] for k in keys[::2]} | {text_key("I"): "Bộ phận một cửa hoạt động ổn định."}),
        UnitInput(2, "Xã Bình Hải", {k: values[k] for k in keys[1::2]}),
    ]
    base = dict(
        template=template, result=consolidate(template, units),
        period_label="6 tháng đầu năm 2021", period_window="(Từ ngày 01/01/2021 đến ngày 30/06/2021)",
        reporting_unit="UBND huyện Bình Sơn", receiving_unit="UBND tỉnh Quảng Ngãi",
        issuing_body="UBND huyện Bình Sơn", parent_body="UBND tỉnh Quảng Ngãi", place_name="Bình Sơn",
        year=2021, signature=SIGNATURE, created=datetime(2021, 7, 1),
        unit_titles={"Xã Bình Tân": "UBND xã Bình Tân", "Xã Bình Hải": "UBND xã Bình Hải"},
        reviewer_texts={"II": "Toàn huyện tiếp tục cập nhật hồ sơ trên phần mềm một cửa."},
    )
    return ExportParts(**(base | extra))


def open_doc(parts: ExportParts):
    buffer = io.BytesIO()
    write_report_docx(parts, buffer)
    buffer.seek(0)
    return docx.Document(buffer)


@pytest.fixture(scope="module")
def report():
    return open_doc(seed002_parts())


def texts(document) -> list[str]:
    return [p.text for p in document.paragraphs]


def test_header_table_has_the_bodies_left_and_the_national_motto_right(report):
    header = report.tables[0]
    left = [p.text for p in header.cell(0, 0).paragraphs if p.text]
    right = [p.text for p in header.cell(0, 1).paragraphs if p.text]
    assert left == ["UBND TỈNH QUẢNG NGÃI", "UBND HUYỆN BÌNH SƠN"]
    assert header.cell(0, 0).paragraphs[1].runs[0].bold
    assert right == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    number = header.cell(1, 0).paragraphs[0].text
    assert number.startswith("Số:") and number.endswith("/BC-UBND") and not any(c.isdigit() for c in number)
    place = header.cell(1, 1).paragraphs[0]
    assert place.text.startswith("Bình Sơn, ngày") and place.text.endswith("năm 2021")
    assert place.runs[0].italic


def test_title_and_recipient_follow_the_header(report):
    lines = texts(report)
    title_at = lines.index("BÁO CÁO")
    assert lines[title_at + 1].startswith("Tình hình, kết quả hoạt động của Bộ phận tiếp nhận và trả kết quả")
    assert lines[title_at + 1].endswith("6 tháng đầu năm 2021")
    assert all(run.bold for run in report.paragraphs[title_at + 1].runs)
    assert "Kính gửi: UBND tỉnh Quảng Ngãi." in lines


def test_body_has_section_headings_the_reviewers_text_and_attributed_unit_text(report):
    lines = texts(report)
    assert "I. TÌNH HÌNH CHUNG" in lines
    assert "Kết quả giải quyết hồ sơ thủ tục hành chính theo lĩnh vực" in lines  # "Phụ lục" is no body number
    assert "Toàn huyện tiếp tục cập nhật hồ sơ trên phần mềm một cửa." in lines
    unit_at = lines.index("UBND xã Bình Tân:")
    assert lines[unit_at + 1] == "Bộ phận một cửa hoạt động ổn định."
    assert "- Số hồ sơ nhận giải quyết: 15.256." in lines
    assert "(Chi tiết tại Phụ lục I kèm theo.)" in lines


def test_attributed_unit_text_can_be_left_out_when_the_reviewer_wrote_the_section():
    lines = texts(open_doc(seed002_parts(include_attributed=False, reviewer_texts={"I": "Văn bản tổng hợp."})))
    assert "Văn bản tổng hợp." in lines
    assert "UBND xã Bình Tân:" not in lines


def test_annex_table_carries_the_consolidated_totals(report):
    lines = texts(report)
    assert "Phụ lục I" in lines
    assert any(line.startswith("(Kèm theo Báo cáo số") and "UBND huyện Bình Sơn" in line for line in lines)
    annex = report.tables[-1]
    rows = [[cell.text for cell in row.cells] for row in annex.rows]
    assert rows[0][0] == "STT" and rows[0][2] == "Số hồ sơ nhận giải quyết"
    assert rows[3][:3] == ["(1)", "(2)", "(3)"]
    total = next(r for r in rows if r[1] == "Tổng cộng")
    assert total[2:] == ["15.256", "0", "1.391", "13.865", "12.463", "9.905", "2.558", "2.143", "1.498", "645",
                         "51", "599"]
    land = next(r for r in rows if r[1] == "Tổng lĩnh vực đất đai")
    assert land[2] == "14.629"
    assert any("78,4%" in line for line in lines)
    assert report.sections[-1].orientation == 1  # landscape annex


def test_signature_block_sits_beside_the_distribution_list(report):
    block = report.tables[-2]
    left = [p.text for p in block.cell(0, 0).paragraphs if p.text]
    right = [p.text for p in block.cell(0, 1).paragraphs if p.text]
    assert left == ["Nơi nhận:", "- Như trên;", "- Văn phòng UBND tỉnh (b/c);", "- Lưu: VT."]
    first = block.cell(0, 0).paragraphs[0].runs[0]
    assert first.bold and first.italic and first.font.size.pt == 12
    assert block.cell(0, 0).paragraphs[1].runs[0].font.size.pt == 11
    assert right == ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Lê Thị Thanh Nhân"]


def test_page_is_a4_with_decree_30_margins_in_times_new_roman(report):
    page = report.sections[0]
    assert (round(page.page_width.mm), round(page.page_height.mm)) == (210, 297)
    assert [round(m.mm) for m in (page.top_margin, page.bottom_margin, page.left_margin, page.right_margin)] == [20, 20, 30, 15]
    normal = report.styles["Normal"].font
    assert normal.name == "Times New Roman" and normal.size.pt == 14


def test_the_same_consolidation_gives_a_byte_identical_word_file():
    import io

    parts = seed002_parts()
    first, second = io.BytesIO(), io.BytesIO()
    write_report_docx(parts, first)
    write_report_docx(parts, second)
    assert first.getvalue() == second.getvalue()

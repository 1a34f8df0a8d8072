"""The Word report (design §9, Decree 30/2020 layout), opened with python-docx.

ExportParts is built directly: figure sentences, coverage and the provisional mark come
from the `report` services in the app; here they are plain inputs the writer must print.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace
from datetime import datetime

import docx
import pytest
from docx.oxml.ns import qn

from app.exports.docx_report import write_report_docx
from app.reporting.consolidation import UnitInput, consolidate
from app.reporting.keys import text_key
from app.reporting.templates import bind_rows, shipped_templates
from app.services.export_model import ExportParts, Signature
from tests.fixtures.seeds import SEED002_CATALOGUE, seed002_values

SIGNATURE = Signature(
    recipient="UBND tỉnh Quảng Ngãi",
    distribution=("Như trên;", "- Văn phòng UBND tỉnh (b/c);", "Lưu: VT."),
    signer_prefix=("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"),
    signer_title="Phó Chủ tịch",
    signer_name="Lê Thị Thanh Nhân",
)
COVERAGE = "Báo cáo tổng hợp từ 25/27 đơn vị; 2 đơn vị chưa báo cáo: Xã Bình Tân Phú, Xã Bình Hải"
LAND_SENTENCE = ("Riêng lĩnh vực đất đai hồ sơ nhận giải quyết là 14.629 hồ sơ, trong đó kỳ trước chuyển qua là "
                 "1.348 hồ sơ.")


def seed002_parts(template=None, **extra) -> ExportParts:
    template = template or bind_rows(shipped_templates()["halfyear_onestop"], SEED002_CATALOGUE)
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
        figure_sentences={"III": ("Trong 6 tháng đầu năm 2021 tổng số hồ sơ nhận giải quyết: 15.256 hồ sơ.",
                                  LAND_SENTENCE)},
        coverage_text=COVERAGE,
    )
    return ExportParts(**(base | extra))


def written(parts: ExportParts) -> bytes:
    buffer = io.BytesIO()
    write_report_docx(parts, buffer)
    return buffer.getvalue()


def open_doc(parts: ExportParts):
    return docx.Document(io.BytesIO(written(parts)))


@pytest.fixture(scope="module")
def report():
    return open_doc(seed002_parts())


def texts(document) -> list[str]:
    return [p.text for p in document.paragraphs]


def bold(paragraph) -> bool:
    """Bold by the paragraph's style or by its runs."""
    style = paragraph.style
    while style is not None:
        if style.font.bold is not None:
            return bool(style.font.bold)
        style = style.base_style
    return all(run.bold for run in paragraph.runs)


def test_header_table_has_the_bodies_left_and_the_national_motto_right(report):
    header = report.tables[0]
    left = [p.text for p in header.cell(0, 0).paragraphs if p.text]
    right = [p.text for p in header.cell(0, 1).paragraphs if p.text]
    # A People's Committee alone and in full, nothing above it (Decree 30, design §9).
    assert left == ["ỦY BAN NHÂN DÂN", "HUYỆN BÌNH SƠN"]
    assert all(p.runs[0].bold for p in header.cell(0, 0).paragraphs if p.text)
    assert right == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    number = header.cell(1, 0).paragraphs[0].text
    assert number.startswith("Số:") and number.endswith("/BC-UBND") and not any(c.isdigit() for c in number)
    place = header.cell(1, 1).paragraphs[0]
    assert place.text.startswith("Bình Sơn, ngày") and place.text.endswith("năm 2021")
    assert place.runs[0].italic


def test_title_recipient_and_the_requesting_document_follow_the_header(report):
    lines = texts(report)
    title_at = lines.index("BÁO CÁO")
    assert lines[title_at + 1].startswith("Tình hình, kết quả hoạt động của Bộ phận tiếp nhận và trả kết quả")
    assert lines[title_at + 1].endswith("6 tháng đầu năm 2021")
    assert bold(report.paragraphs[title_at]) and bold(report.paragraphs[title_at + 1])
    assert "Kính gửi: UBND tỉnh Quảng Ngãi." in lines
    intro = next(line for line in lines if line.startswith("Thực hiện "))
    assert "UBND huyện Bình Sơn báo cáo" in intro and intro.endswith("như sau:")


def test_coverage_sentence_names_the_missing_units_near_the_top(report):
    lines = texts(report)
    at = lines.index(COVERAGE + ".")
    assert at < lines.index("II. KẾT QUẢ THỰC HIỆN")
    assert at == next(i for i, line in enumerate(lines) if line.startswith("Thực hiện ")) + 1


def test_a_provisional_consolidation_says_so_in_the_title(report):
    provisional = texts(open_doc(seed002_parts(provisional=True,
                                               coverage_text=COVERAGE + "; số liệu tạm tính, gồm 3 báo cáo chưa duyệt")))
    title = provisional[provisional.index("BÁO CÁO") + 1]
    assert title.endswith("(SỐ LIỆU TẠM)")
    assert any("số liệu tạm tính, gồm 3 báo cáo chưa duyệt" in line for line in provisional)
    assert not any("SỐ LIỆU TẠM" in line for line in texts(report))


def test_a_section_prints_its_figures_then_the_reviewers_text_and_never_the_units_own_texts(report):
    lines = texts(report)
    heading = lines.index("III. KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI BỘ PHẬN MỘT CỬA")
    assert lines[heading + 1].startswith("Trong 6 tháng đầu năm 2021 tổng số hồ sơ nhận giải quyết: 15.256")
    assert lines[heading + 2] == LAND_SENTENCE
    assert "Toàn huyện tiếp tục cập nhật hồ sơ trên phần mềm một cửa." in lines
    assert "Bộ phận một cửa hoạt động ổn định." not in lines  # a unit's text reaches Word only via the reviewer
    assert not any(line.startswith("UBND xã Bình Tân") for line in lines)
    assert not any("Không có nội dung" in line for line in lines)


def test_a_section_with_nothing_to_say_keeps_its_heading_so_the_numbering_never_jumps(report):
    lines = texts(report)
    # Only a unit wrote in I; the reviewer did not: the heading stays, "Không phát sinh." under it.
    for heading in ("I. TÌNH HÌNH CHUNG", "V. PHƯƠNG HƯỚNG, NHIỆM VỤ 6 THÁNG TIẾP THEO"):
        at = lines.index(heading)
        assert lines[at + 1] == "Không phát sinh."
    numbers = [line.split(".")[0] for line in lines if re.match(r"^[IVX]+\. [A-ZĐ]", line)]
    assert numbers == ["I", "II", "III", "IV", "V"]


def test_a_heading_over_subsections_needs_nothing_of_its_own():
    template = bind_rows(shipped_templates()["halfyear_onestop"], SEED002_CATALOGUE)
    lines = texts(open_doc(seed002_parts(reviewer_texts={"IV.2": "Phối hợp với VNPT khắc phục lỗi phần mềm."})))
    at = lines.index("IV. TỒN TẠI, HẠN CHẾ")
    assert lines[at + 1:at + 5] == ["1. Nguyên nhân", "Không phát sinh.", "2. Hướng khắc phục",
                                    "Phối hợp với VNPT khắc phục lỗi phần mềm."]
    assert template.section("IV.2").level == 2


def test_the_annex_by_field_carries_the_consolidated_totals_and_land_ratios(report):
    lines = texts(report)
    assert "Phụ lục I" in lines and "(Chi tiết tại Phụ lục I và Phụ lục II kèm theo.)" in lines
    assert any(line.startswith("(Kèm theo Báo cáo số") and "UBND huyện Bình Sơn" in line for line in lines)
    annex = report.tables[2]
    rows = [[cell.text for cell in row.cells] for row in annex.rows]
    assert rows[0][0] == "STT" and rows[0][2] == "Số hồ sơ nhận giải quyết"
    assert rows[3][:3] == ["(1)", "(2)", "(3)"]
    total = next(r for r in rows if r[1] == "Tổng cộng")
    assert total[2:] == ["15.256", "0", "1.391", "13.865", "12.463", "9.905", "2.558", "2.143", "1.498", "645",
                         "51", "599"]
    land = next(r for r in rows if r[1] == "Tổng lĩnh vực đất đai")
    assert land[2] == "14.629"
    assert any("78,4%" in line and "21,6%" not in line for line in lines)
    assert report.sections[-1].orientation == 1  # landscape annex


def test_the_annex_by_unit_has_one_row_per_unit_and_the_same_total(report):
    lines = texts(report)
    assert "Phụ lục II" in lines
    rows = [[cell.text for cell in row.cells] for row in report.tables[3].rows]
    assert rows[0][1] == "Đơn vị"
    units = [r[1] for r in rows[4:]]
    assert units == ["UBND xã Bình Tân", "UBND xã Bình Hải", "Tổng cộng"]
    assert rows[-1][2] == "15.256"


def header_rows(table) -> list[bool]:
    return [row._tr.trPr is not None and row._tr.trPr.find(qn("w:tblHeader")) is not None for row in table.rows]


def test_annex_header_rows_repeat_on_every_page(report):
    for annex in report.tables[2:4]:
        repeats = header_rows(annex)
        assert repeats[:4] == [True, True, True, True]  # three heading rows and the column numbers
        assert not any(repeats[4:])


def test_signature_block_sits_beside_the_distribution_list_and_is_kept_together(report):
    block = report.tables[1]
    left = [p.text for p in block.cell(0, 0).paragraphs if p.text]
    right = [p.text for p in block.cell(0, 1).paragraphs if p.text]
    assert left == ["Nơi nhận:", "- Như trên;", "- Văn phòng UBND tỉnh (b/c);", "- Lưu: VT."]
    first = block.cell(0, 0).paragraphs[0].runs[0]
    assert first.bold and first.italic and first.font.size.pt == 12
    assert block.cell(0, 0).paragraphs[1].runs[0].font.size.pt == 11
    assert right == ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Lê Thị Thanh Nhân"]
    title = next(p for p in block.cell(0, 1).paragraphs if p.text == "PHÓ CHỦ TỊCH")
    assert title.paragraph_format.keep_with_next
    assert block.rows[0]._tr.trPr.find(qn("w:cantSplit")) is not None
    closing = next(p for p in report.paragraphs if p.text.startswith("Trên đây là báo cáo"))
    assert closing.text.endswith("của UBND huyện Bình Sơn./.") and closing.paragraph_format.keep_with_next


def test_pages_are_numbered_from_the_second_top_centre(report):
    body = report.sections[0]
    assert body.different_first_page_header_footer
    assert not any(p.text for p in body.first_page_header.paragraphs)
    number = body.header.paragraphs[0]
    assert number.alignment == 1
    instructions = [i.text.strip() for i in number._p.iter(qn("w:instrText"))]
    assert instructions == ["PAGE"]
    annex = report.sections[-1]
    assert not annex.different_first_page_header_footer and annex.header.is_linked_to_previous


def test_document_is_vietnamese_a4_with_decree_30_margins_in_times_new_roman(report):
    page = report.sections[0]
    assert (round(page.page_width.mm), round(page.page_height.mm)) == (210, 297)
    assert [round(m.mm) for m in (page.top_margin, page.bottom_margin, page.left_margin, page.right_margin)] == [20, 20, 30, 15]
    normal = report.styles["Normal"].font
    assert normal.name == "Times New Roman" and normal.size.pt == 14
    defaults = report.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:lang")).get(qn("w:val")) == "vi-VN"
    assert {defaults.find(qn("w:rFonts")).get(qn(a)) for a in ("w:ascii", "w:hAnsi", "w:cs")} == {"Times New Roman"}
    assert report.core_properties.language == "vi-VN"


def test_number_symbol_and_requesting_document_come_from_the_settings():
    signature = replace(SIGNATURE, symbol="BC-PTP", signer_prefix=(), signer_title="Trưởng phòng",
                        request_doc="Thực hiện Công văn số 323/VPUB-KSTT ngày 07/9/2023 của Văn phòng UBND tỉnh.")
    document = open_doc(seed002_parts(signature=signature))
    assert document.tables[0].cell(1, 0).paragraphs[0].text.endswith("/BC-PTP")
    lines = texts(document)
    assert ("Thực hiện Công văn số 323/VPUB-KSTT ngày 07/9/2023 của Văn phòng UBND tỉnh, UBND huyện Bình Sơn báo cáo "
            in "\n".join(lines))
    assert any(line.startswith("(Kèm theo Báo cáo số") and "/BC-PTP" in line for line in lines)
    right = [p.text for p in document.tables[1].cell(0, 1).paragraphs if p.text]
    assert right == ["TRƯỞNG PHÒNG", "Lê Thị Thanh Nhân"]


def test_a_units_own_report_prints_its_own_text_and_no_coverage():
    template = bind_rows(shipped_templates()["halfyear_onestop"], SEED002_CATALOGUE)
    unit = UnitInput(1, "Xã Bình Tân", seed002_values() | {text_key("I"): "Bộ phận một cửa hoạt động ổn định."})
    parts = seed002_parts(result=consolidate(template, [unit]), consolidated=False, reviewer_texts={},
                          coverage_text="")
    document = open_doc(parts)
    lines = texts(document)
    assert lines[lines.index("I. TÌNH HÌNH CHUNG") + 1] == "Bộ phận một cửa hoạt động ổn định."
    assert "Phụ lục I" in lines and "Phụ lục II" not in lines


def test_control_characters_in_stored_text_never_break_the_file():
    parts = seed002_parts(reviewer_texts={"II": "Dòng một\x0bdòng hai\x07 \x00xong\ufffe."},
                          unit_titles={"Xã Bình Tân": "UBND xã\x01 Bình Tân", "Xã Bình Hải": "UBND xã Bình Hải"},
                          coverage_text="Báo cáo tổng hợp từ 2/3 đơn vị; 1 đơn vị chưa báo cáo: Xã\x1f Bình Châu")
    lines = texts(open_doc(parts))
    assert "Dòng mộtdòng hai xong." in lines
    assert any(line.endswith("chưa báo cáo: Xã Bình Châu.") for line in lines)


def test_the_same_consolidation_gives_a_byte_identical_word_file():
    parts = seed002_parts()
    first = written(parts)
    assert first == written(parts)
    assert {info.date_time for info in zipfile.ZipFile(io.BytesIO(first)).infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_a_specialised_office_keeps_its_governing_body_above_it():
    document = open_doc(seed002_parts(issuing_body="Phòng Tư pháp", parent_body="UBND huyện Bình Sơn",
                                      reporting_unit="Phòng Tư pháp"))
    left = [p for p in document.tables[0].cell(0, 0).paragraphs if p.text]
    assert [p.text for p in left] == ["UBND HUYỆN BÌNH SƠN", "PHÒNG TƯ PHÁP"]
    assert not left[0].runs[0].bold and left[1].runs[0].bold


def test_a_units_documents_keep_their_type_word():
    template = shipped_templates()["quarterly_tthc"]
    section = template.sections_of("documents")[0]
    docs = [{"section_id": section.id, "doc_type": "QĐ", "number": "11/QĐ-UBND", "issued_on": datetime(2024, 1, 10),
             "summary": "về việc ban hành Kế hoạch hành động năm 2024"}]
    unit = UnitInput(1, "Xã Hoàng Kim", {}, docs, kind="commune")
    parts = seed002_parts(template=template, result=consolidate(template, [unit]), consolidated=False,
                          reviewer_texts={}, figure_sentences={}, coverage_text="")
    lines = texts(open_doc(parts))
    assert "- Quyết định số 11/QĐ-UBND ngày 10/01/2024 về việc ban hành Kế hoạch hành động năm 2024" in lines
    assert not any(line.startswith("- 11/QĐ-UBND") for line in lines)


def test_file_properties_name_the_report_and_its_issuer_and_carry_no_library_thumbnail(report):
    props = report.core_properties
    assert props.title.startswith("Báo cáo tình hình, kết quả hoạt động") and props.title.endswith("6 tháng đầu năm 2021")
    assert props.subject == "UBND huyện Bình Sơn" and props.author == "UBND huyện Bình Sơn"
    assert "python-docx" not in (props.comments or "")
    names = zipfile.ZipFile(io.BytesIO(written(seed002_parts()))).namelist()
    assert not any("thumbnail" in name for name in names)


def test_the_annex_totals_block_is_kept_with_the_rows_above_it(report):
    annex = next(t for t in report.tables if t.cell(len(t.rows) - 1, 1).text.startswith("Tổng lĩnh vực"))
    kept = [all(p.paragraph_format.keep_with_next for p in row.cells[1].paragraphs) for row in annex.rows]
    # Two field rows, the total and the land subtotal move together with the ratio lines after them.
    assert kept[-4:] == [True, True, True, True] and not kept[-5]


def test_the_opening_sentence_names_the_regime_once_and_follows_the_level():
    from app.exports.docx_report import regime_basis

    monthly = "Chế độ báo cáo tháng về công tác cải cách thủ tục hành chính theo yêu cầu của Văn phòng UBND tỉnh"
    # A commune reports at the provincial office's request; the province does not report at its own office's.
    assert regime_basis(monthly, "UBND xã Tân Tiến") == ("chế độ báo cáo tháng về công tác cải cách thủ tục hành chính "
                                                         "theo yêu cầu của Văn phòng UBND tỉnh")
    assert regime_basis(monthly, "UBND tỉnh Hưng Yên") == "chế độ báo cáo tháng về công tác cải cách thủ tục hành chính"
    assert regime_basis("Thông tư số 01/2020/TT-VPCP ngày 21/10/2020 của Văn phòng Chính phủ", "UBND tỉnh Quảng Ngãi") == (
        "chế độ báo cáo theo Thông tư số 01/2020/TT-VPCP ngày 21/10/2020 của Văn phòng Chính phủ")


def test_documents_are_counted_by_whose_they_are():
    from app.reporting.figures import issued_counts

    units = [UnitInput(1, "Xã Bình An", {}, kind="commune"), UnitInput(2, "Xã Bình Chánh", {}, kind="commune"),
             UnitInput(3, "Huyện Bình Sơn", {}, kind="district")]
    docs = [{"unit_name": "Xã Bình An"}, {"unit_name": "Xã Bình An"}, {"unit_name": "Xã Bình Chánh"}] + \
        [{"unit_name": "Huyện Bình Sơn"}] * 9
    assert issued_counts(units, docs) == [
        "2 xã đã ban hành 3 văn bản chỉ đạo, điều hành.",
        # The district's documents arrived from its communes: never "1 đơn vị đã ban hành 9 văn bản".
        "Các đơn vị thuộc Huyện Bình Sơn đã ban hành 9 văn bản chỉ đạo, điều hành.",
    ]

"""The consolidated workbook (design §9), opened with openpyxl as the province would."""
from __future__ import annotations

import io
from datetime import datetime

import openpyxl
import pytest

from app.exports.layout import header_cells
from app.exports.xlsx import write_round_workbook
from app.reporting.consolidation import UnitInput, consolidate
from app.reporting.keys import text_key
from app.reporting.templates import DEFAULT_FIELDS, bind_rows, shipped_templates
from app.services.export_model import ExportParts, UnitStatus
from tests.fixtures.seeds import SEED002_CATALOGUE, SEED002_LAND_SUBTOTAL, SEED002_TOTAL, seed002_values, seed003_values

HALF_COLUMNS = "CDEFGHIJKLMN"  # (3)…(14) of the half-year annex


def split(values: dict, parts: int) -> list[dict]:
    shares = [{} for _ in range(parts)]
    for i, (key, value) in enumerate(values.items()):
        shares[i % parts][key] = value
    return shares


def halfyear_parts(units: list[UnitInput], **extra) -> ExportParts:
    template = bind_rows(shipped_templates()["halfyear_onestop"], SEED002_CATALOGUE)
    return ExportParts(
        template=template, result=consolidate(template, units, missing=extra.pop("missing", ())),
        period_label="6 tháng đầu năm 2021", period_window="(Từ ngày 01/01/2021 đến ngày 30/06/2021)",
        reporting_unit="UBND huyện Bình Sơn", receiving_unit="UBND tỉnh Quảng Ngãi", place_name="Bình Sơn",
        created=datetime(2021, 7, 1), **extra,
    )


def quarterly_parts(units: list[UnitInput], **extra) -> ExportParts:
    template = bind_rows(shipped_templates()["quarterly_tthc"], DEFAULT_FIELDS)
    return ExportParts(
        template=template, result=consolidate(template, units),
        period_label="Quý II năm 2024", period_window="(Từ ngày 15/03/2024 đến ngày 14/06/2024)",
        reporting_unit="UBND huyện Hoằng Hóa", receiving_unit="UBND tỉnh Thanh Hóa", place_name="Hoằng Hóa",
        created=datetime(2024, 6, 20), **extra,
    )


def open_book(parts: ExportParts) -> openpyxl.Workbook:
    buffer = io.BytesIO()
    write_round_workbook(parts, buffer)
    buffer.seek(0)
    return openpyxl.load_workbook(buffer)


@pytest.fixture(scope="module")
def seed002_book():
    units = [UnitInput(i + 1, f"Xã {i + 1}", v) for i, v in enumerate(split(seed002_values(), 3))]
    return open_book(halfyear_parts(units, missing=("Xã Bình Hải",), completeness=(
        UnitStatus("Xã 1", "Đã duyệt", datetime(2021, 7, 2, 9, 30), True, "Nguyễn Văn A", "0912345678"),
        UnitStatus("Xã Bình Hải", "Chưa bắt đầu"),
    )))


@pytest.fixture(scope="module")
def quarterly_book():
    units = [
        UnitInput(1, "Xã Hoàng Kim", {**seed003_values(), text_key("I.2"): "=HYPERLINK(\"http://x\")"}),
        UnitInput(2, "Xã Hoằng Trung", {text_key("I.7"): "- tuyên truyền trên loa\n+ treo băng rôn"}),
    ]
    return open_book(quarterly_parts(units, reviewer_texts={"I.7": "@Toàn huyện đã tuyên truyền."}))


def row_of(ws, label: str, column: str = "B") -> int:
    for (cell,) in ws[f"{column}1:{column}{ws.max_row}"]:
        if cell.value == label:
            return cell.row
    raise AssertionError(f"{label!r} not found in column {column}")


def test_form_06a_sheet_has_the_official_header_block(quarterly_book):
    ws = quarterly_book["Biểu 06a"]
    assert ws["A1"].value == "Biểu số 06a/VPCP/KSTT"
    assert ws["C1"].value == "Tình hình, kết quả giải quyết thủ tục hành chính"
    assert ws["C2"].value == "Kỳ báo cáo: Quý II năm 2024"
    assert ws["C3"].value == "(Từ ngày 15/03/2024 đến ngày 14/06/2024)"
    assert ws["C1"].alignment.horizontal == "center"
    right = [ws.cell(row, 10).value for row in (1, 2, 3)]
    assert right == ["Đơn vị báo cáo: UBND huyện Hoằng Hóa", "Đơn vị nhận báo cáo: UBND tỉnh Thanh Hóa",
                     "Đơn vị tính: Số hồ sơ TTHC"]


def test_form_06a_header_rows_are_merged_like_the_paper_form(quarterly_book):
    ws = quarterly_book["Biểu 06a"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A5:A7", "B5:B7"} <= merged  # STT and Lĩnh vực over the three header rows
    assert {"C5:F5", "G5:J5", "K5:M5"} <= merged  # received, resolved, pending
    assert {"C6:C7", "D6:E6", "F6:F7", "G6:G7", "H6:H7", "K6:K7"} <= merged
    assert (ws["A5"].value, ws["B5"].value) == ("STT", "Lĩnh vực giải quyết")
    assert (ws["C5"].value, ws["D6"].value, ws["D7"].value, ws["F6"].value) == (
        "Số hồ sơ nhận giải quyết", "Trong kỳ", "Trực tuyến", "Từ kỳ trước")
    assert [ws.cell(8, col).value for col in range(1, 14)] == [f"({n})" for n in range(1, 14)]


def test_header_merge_is_computed_from_column_headings():
    section = shipped_templates()["halfyear_onestop"].section("III.1")
    spans = {(c.first_row, c.last_row, c.first_col, c.last_col, c.text) for c in header_cells(section)}
    assert (0, 2, 12, 12, "Số hồ sơ rút") in spans  # a lone heading spans all three rows
    assert (1, 1, 3, 5, "Trong đó") in spans


def test_seed_002_totals_row_and_land_subtotal_are_numbers(seed002_book):
    ws = seed002_book["Bảng III.1"]
    total = row_of(ws, "Tổng cộng")
    assert tuple(ws[f"{c}{total}"].value for c in HALF_COLUMNS) == SEED002_TOTAL
    land = row_of(ws, "Tổng lĩnh vực đất đai")
    assert tuple(ws[f"{c}{land}"].value for c in HALF_COLUMNS) == SEED002_LAND_SUBTOTAL
    for c in HALF_COLUMNS:
        assert ws[f"{c}{total}"].data_type == "n"
        assert ws[f"{c}{total}"].number_format == "#,##0"
    assert ws[f"C{total}"].font.b and ws[f"C{total}"].font.name == "Times New Roman"
    first = row_of(ws, "Lĩnh vực chứng thực")
    assert (ws[f"A{first}"].value, ws[f"C{first}"].value) == (1, 250)


def test_land_ratios_are_stored_as_numbers_with_a_percent_format(seed002_book):
    ws = seed002_book["Bảng III.1"]
    head = row_of(ws, "Tỷ lệ")
    assert ws[f"D{head}"].value == "Tổng lĩnh vực đất đai"
    expected = {"Tỷ lệ giải quyết đúng hạn": 0.784, "Tỷ lệ giải quyết trễ hạn": 0.216,
                "Tỷ lệ đang giải quyết còn trong hạn": 0.699, "Tỷ lệ đang giải quyết quá hạn": 0.301}
    for label, value in expected.items():
        cell = ws[f"D{row_of(ws, label)}"]
        assert cell.data_type == "n" and cell.value == pytest.approx(value)
        assert cell.number_format == "0.0%"


def test_table_sheet_footer_names_the_place_and_both_signers(seed002_book):
    ws = seed002_book["Bảng III.1"]
    texts = {cell.value for row in ws.iter_rows(min_row=row_of(ws, "Tổng cộng")) for cell in row if cell.value}
    assert {"Bình Sơn, ngày … tháng … năm …", "Người lập biểu", "Thủ trưởng đơn vị"} <= texts


def test_every_sheet_prints_on_a4_landscape_one_page_wide_with_repeated_headers(seed002_book):
    for ws in seed002_book.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.page_setup.paperSize == 9, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        # Excel's default fitToWidth is 1, which XlsxWriter leaves out of the file.
        assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, 0), ws.title
    table = seed002_book["Bảng III.1"]
    assert table.print_title_rows == "$5:$8"
    assert table.freeze_panes == "C9"
    assert seed002_book["Theo đơn vị"].print_title_rows


def test_breakdown_sheet_lists_units_with_their_totals(seed002_book):
    ws = seed002_book["Theo đơn vị"]
    rows = [row_of(ws, f"Xã {n}") for n in (1, 2, 3)]
    assert sum(ws[f"C{r}"].value for r in rows) == 15256
    assert ws[f"C{row_of(ws, 'Tổng cộng')}"].value == 15256
    assert "Xã Bình Hải" in ws["A4"].value  # missing units named at the top


def test_completeness_sheet_keeps_phone_as_text_and_times_as_dates(seed002_book):
    ws = seed002_book["Tình hình nộp"]
    line = row_of(ws, "Xã 1")
    assert [ws.cell(line, c).value for c in (3, 5, 6, 7)] == ["Đã duyệt", "Đúng hạn", "Nguyễn Văn A", "0912345678"]
    assert ws.cell(line, 4).value == datetime(2021, 7, 2, 16, 30)  # stored 09:30 UTC, written in Vietnam time
    assert ws.cell(row_of(ws, "Xã Bình Hải"), 3).value == "Chưa bắt đầu"


def test_text_that_looks_like_a_formula_is_written_as_a_string(quarterly_book):
    ws = quarterly_book["Nội dung"]
    cells = {(r[1].value, r[0].value): r[2] for r in ws.iter_rows(min_row=2)}
    link = cells[("Xã Hoàng Kim", "2. Rà soát, đơn giản hóa thủ tục hành chính")]
    assert link.value == "=HYPERLINK(\"http://x\")" and link.data_type == "s"
    texts = [c.value for c in cells.values()]
    assert "- tuyên truyền trên loa\n+ treo băng rôn" in texts
    assert "@Toàn huyện đã tuyên truyền." in texts
    assert all(c.data_type == "s" for c in cells.values())


def test_narrative_sheet_is_long_format_with_the_reviewers_text_first(quarterly_book):
    ws = quarterly_book["Nội dung"]
    assert [c.value for c in ws[1]] == ["Mục", "Đơn vị", "Nội dung"]
    section_rows = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[0].startswith("7.")]
    assert section_rows[0][1:] == ("UBND huyện Hoằng Hóa (tổng hợp)", "@Toàn huyện đã tuyên truyền.")
    assert [r[1] for r in section_rows[1:]] == ["Xã Hoàng Kim", "Xã Hoằng Trung"]  # unit order
    # Only sections and units with text: never a page of "(Không có nội dung)".
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert all(r[2] for r in rows) and not any(r[0].startswith("1.") for r in rows)
    assert all(ws.row_dimensions[n].height >= 15 for n in range(2, len(rows) + 2))


def test_indicators_and_survey_sheets_hold_summed_numbers(quarterly_book):
    ws = quarterly_book["Chỉ tiêu"]
    published = row_of(ws, "Số TTHC thuộc thẩm quyền giải quyết được công bố, niêm yết công khai")
    assert ws[f"C{published}"].value == 201 and ws[f"C{published}"].data_type == "n"
    # A catalogue size: the page's number, and the note says whose it is (never a bare sum).
    catalogue = row_of(ws, "Tổng số TTHC thuộc thẩm quyền giải quyết")
    assert ws[f"C{catalogue}"].value == 201 and ws[f"D{catalogue}"].value == "Cộng của 1 đơn vị, mỗi đơn vị 201"
    survey = quarterly_book["Khảo sát"]
    very = row_of(survey, "Rất hài lòng", "A")
    assert survey[f"B{very}"].value == 172
    assert survey[f"C{very}"].value == pytest.approx(0.758) and survey[f"C{very}"].number_format == "0.0%"
    assert survey[f"B{row_of(survey, 'Tổng điểm', 'A')}"].value == pytest.approx(17.1)
    assert survey[f"B{row_of(survey, 'Xếp loại', 'A')}"].value == "Xuất sắc"


def test_equal_inputs_give_byte_identical_workbooks():
    units = [UnitInput(1, "Xã 1", seed002_values())]
    first, second = io.BytesIO(), io.BytesIO()
    write_round_workbook(halfyear_parts(units), first)
    write_round_workbook(halfyear_parts(units), second)
    assert first.getvalue() == second.getvalue()


COVERAGE = "Báo cáo tổng hợp từ 2/3 đơn vị; 1 đơn vị chưa báo cáo: Xã Bình Hải"


def first_sheet_texts(book) -> list[str]:
    ws = book.worksheets[0]
    return [str(c.value) for row in ws.iter_rows(max_row=8) for c in row if c.value is not None]


def test_the_first_sheet_states_coverage_above_the_table_and_marks_provisional_figures():
    units = [UnitInput(i + 1, f"Xã {i + 1}", v) for i, v in enumerate(split(seed002_values(), 2))]
    coverage = COVERAGE + "; số liệu tạm tính, gồm 1 báo cáo chưa duyệt"
    book = open_book(halfyear_parts(units, coverage_text=coverage, provisional=True))
    ws = book.worksheets[0]
    found = next(c for row in ws.iter_rows(max_row=6) for c in row if c.value and str(c.value).startswith("Báo cáo tổng hợp"))
    assert found.value == coverage + "."
    assert found.row < row_of(ws, "Lĩnh vực")  # above the table's header band
    assert any(text.endswith("(SỐ LIỆU TẠM)") for text in first_sheet_texts(book))
    plain = open_book(halfyear_parts(units, coverage_text=COVERAGE))
    assert COVERAGE + "." in first_sheet_texts(plain)
    assert not any("SỐ LIỆU TẠM" in text for text in first_sheet_texts(plain))


def test_the_receiving_unit_is_the_word_reports_recipient():
    from app.services.export_model import Signature

    units = [UnitInput(1, "Xã 1", seed002_values())]
    book = open_book(halfyear_parts(units, signature=Signature(recipient="Văn phòng UBND tỉnh Quảng Ngãi")))
    assert "Đơn vị nhận báo cáo: Văn phòng UBND tỉnh Quảng Ngãi" in first_sheet_texts(book)
    default = open_book(halfyear_parts(units))
    assert "Đơn vị nhận báo cáo: UBND tỉnh Quảng Ngãi" in first_sheet_texts(default)


def test_control_characters_and_very_long_texts_never_break_the_workbook():
    long_text = "\n".join(f"- Dòng {n:05d}: đã niêm yết công khai thủ tục hành chính đầy đủ." for n in range(1500))
    units = [UnitInput(1, "Xã\x07 1", seed002_values() | {text_key("I"): "Có ký tự\x0b lạ\x00."})]
    book = open_book(halfyear_parts(units, reviewer_texts={"II": long_text}))
    narrative = book["Nội dung"]
    rows = [r for r in narrative.iter_rows(min_row=2, values_only=True)]
    assert ("I. Tình hình chung", "Xã 1", "Có ký tự lạ.") in rows
    pieces = [r[2] for r in rows if r[0].startswith("II.") and r[1].startswith("UBND huyện Bình Sơn")]
    assert len(pieces) > 1 and all(len(p) <= 32_767 for p in pieces)
    assert "\n".join(pieces) == long_text


def test_a_long_coverage_line_wraps_inside_the_print_width_in_a_row_tall_enough():
    units = [UnitInput(i + 1, f"Xã {i + 1}", v) for i, v in enumerate(split(seed002_values(), 2))]
    missing = ", ".join(f"Xã Bình Thử Nghiệm {n}" for n in range(40))
    coverage = f"Báo cáo tổng hợp từ 47/110 đơn vị; 63 đơn vị chưa báo cáo: {missing}"
    ws = open_book(halfyear_parts(units, coverage_text=coverage)).worksheets[0]
    found = next(c for row in ws.iter_rows(max_row=6) for c in row if c.value and str(c.value).startswith("Báo cáo"))
    assert found.alignment.wrap_text
    merged = next(r for r in ws.merged_cells.ranges if r.min_row == found.row)
    assert merged.max_col == ws.max_column  # across the printed width, never past it
    assert ws.row_dimensions[found.row].height >= 15 * 5  # ~880 characters: five lines or more


def test_workbook_properties_name_the_report_and_its_issuer():
    import zipfile

    buffer = io.BytesIO()
    write_round_workbook(halfyear_parts([UnitInput(1, "Xã 1", seed002_values())]), buffer)
    core = zipfile.ZipFile(buffer).read("docProps/core.xml").decode()
    assert "<dc:title>Báo cáo tình hình, kết quả hoạt động" in core and "6 tháng đầu năm 2021</dc:title>" in core
    assert "<dc:creator>UBND huyện Bình Sơn</dc:creator>" in core


def test_the_counts_chart_says_what_it_plots():
    from app.exports.xlsx_charts import counts_title
    from app.reporting.trends import main_figures
    from app.services.trends import Trend

    dossiers = bind_rows(shipped_templates()["quarterly_tthc"], DEFAULT_FIELDS)
    monthly = shipped_templates()["monthly_tthc"]
    assert counts_title(Trend(main_figures(dossiers), (), ())) == "Số hồ sơ các kỳ"
    title = counts_title(Trend(main_figures(monthly), (), ()))
    assert "hồ sơ" not in title and title.startswith("Các kỳ: ")

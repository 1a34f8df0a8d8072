"""Figures written out the way the seed reports write them (design §8), from the template's wording."""
from __future__ import annotations

import re

import pytest

from app.reporting.consolidation import UnitInput, consolidate
from app.reporting.figures import Comparison, coverage_sentence, name_list, write_figures
from app.reporting.keys import cell_key, field_key
from app.reporting.templates import DEFAULT_FIELDS, TemplateError, bind_rows, load_template_text, shipped_templates
from tests.fixtures.seeds import (
    SEED002_CATALOGUE,
    SEED002_LAND_SENTENCE,
    SEED002_OFFICES,
    SEED002_ROWS,
    SEED002_SENTENCE_TOTALS,
    SEED003_SENTENCE_FIGURES,
    seed002_values,
    seed003_values,
)


@pytest.fixture(scope="module")
def quarterly():
    return bind_rows(shipped_templates()["quarterly_tthc"], DEFAULT_FIELDS)


@pytest.fixture(scope="module")
def halfyear():
    return bind_rows(shipped_templates()["halfyear_onestop"], SEED002_CATALOGUE)


def counts_in(lines) -> list[int]:
    """The dossier counts a text states, in order ("315 hồ sơ" → 315)."""
    return [int(n.replace(".", "")) for n in re.findall(r"(\d[\d.]*) hồ sơ", " ".join(lines))]


def in_order(text: str, pieces) -> bool:
    position = 0
    for piece in pieces:
        position = text.find(piece, position)
        if position < 0:
            return False
        position += len(piece)
    return True


def test_seed_003s_own_report_states_its_figures_in_the_seeds_order(quarterly):
    result = consolidate(quarterly, [UnitInput(1, "Xã Hoàng Kim", seed003_values(), kind="commune")])
    lines = write_figures(result, period_label="Quý II năm 2024", single=True)["I.4"]
    assert tuple(counts_in(lines)[:8]) == SEED003_SENTENCE_FIGURES
    assert lines[0] == "- Tổng số hồ sơ tiếp nhận: 315 hồ sơ. Trong đó:"
    assert lines[1].startswith("+ Số mới tiếp nhận trực tuyến: 302 hồ sơ (chiếm 97,1%")  # the online share


def test_seed_003s_other_sections_read_like_the_seed(quarterly):
    result = consolidate(quarterly, [UnitInput(1, "Xã Hoàng Kim", seed003_values(), kind="commune")])
    written = write_figures(result, single=True)
    assert written["I.6.1"] == ("Dịch vụ công trực tuyến toàn trình: 82/82 đạt 100%; "
                                "Dịch vụ công trực tuyến một phần: 233/233 đạt 100%.",)
    assert "201 TTHC" in written["I.1"][0]
    assert written["I.5.5"][1] == "- Điểm đánh giá: 17,1 điểm; xếp loại: Xuất sắc;"
    assert written["I.5.5"][2] == "- Tỷ lệ: Rất hài lòng 75,8%; Hài lòng 23,3%; Bình thường 0,9%."
    assert written["I.3"] == ("Trong kỳ không tiếp nhận phản ánh, kiến nghị nào về quy định hành chính.",)


def test_seed_002s_annex_gives_its_total_offices_and_land_sentences(halfyear):
    result = consolidate(halfyear, [UnitInput(1, "Huyện Bình Sơn", seed002_values())])
    total, offices, land = write_figures(result, period_label="6 tháng đầu năm 2021")["III.1"]
    assert total.startswith("Trong 6 tháng đầu năm 2021 tổng số hồ sơ nhận giải quyết: 15.256 hồ sơ")
    assert in_order(total, SEED002_SENTENCE_TOTALS) and "trực tuyến" not in total  # 0 online: left out
    assert offices == "- Các cơ quan chuyên môn tiếp nhận 627 hồ sơ và trả kết quả đúng hạn 627 hồ sơ, đạt 100%."
    assert in_order(offices, SEED002_OFFICES)
    assert in_order(land, SEED002_LAND_SENTENCE)


def last_year_of_seed002(received_fewer: int) -> dict[str, int]:
    rows = dict(SEED002_ROWS)
    land = list(rows["dat_dai"])
    land[3] -= received_fewer  # fewer new direct dossiers on the land row
    rows["dat_dai"] = tuple(land)
    return seed002_values(rows)


def test_a_previous_year_round_adds_the_change_against_the_same_period(halfyear):
    now = consolidate(halfyear, [UnitInput(1, "Huyện", seed002_values())])
    then = consolidate(halfyear, [UnitInput(1, "Huyện", last_year_of_seed002(6281))])
    total = write_figures(now, period_label="6 tháng đầu năm 2021", last_year=Comparison(then, "2020"))["III.1"][0]
    assert total.endswith("kỳ trước chuyển qua 1.391 hồ sơ, tăng so với cùng kỳ năm 2020 là 6.281 hồ sơ.")


@pytest.mark.parametrize(("change", "phrase"), [
    (-40, "tăng 40 hồ sơ so với cùng kỳ năm 2023"),
    (25, "giảm 25 hồ sơ so với cùng kỳ năm 2023"),
    (0, "bằng cùng kỳ năm 2023"),
])
def test_the_change_is_worded_by_direction(quarterly, change, phrase):
    values = seed003_values()
    earlier = dict(values)
    earlier[cell_key("I.4", "ho_tich", "c4")] += change
    now = consolidate(quarterly, [UnitInput(1, "Xã", values)])
    then = consolidate(quarterly, [UnitInput(1, "Xã", earlier)])
    first = write_figures(now, last_year=Comparison(then, "2023"))["I.4"][0]
    assert first == f"- Tổng số hồ sơ tiếp nhận: 315 hồ sơ, {phrase}. Trong đó:"


def test_the_previous_period_is_named_in_its_comparison(quarterly):
    values = seed003_values()
    earlier = {**values, cell_key("I.4", "ho_tich", "c4"): 100}
    now, then = consolidate(quarterly, [UnitInput(1, "Xã", values)]), consolidate(quarterly, [UnitInput(1, "Xã", earlier)])
    first = write_figures(now, previous=Comparison(then, "Quý I năm 2024"))["I.4"][0]
    assert "tăng 20 hồ sơ so với quý I năm 2024" in first


def test_catalogue_sizes_are_never_added_up_but_counted_as_units_reaching_them(quarterly):
    short = {**seed003_values(), field_key("I.6.1", "online_full"): 80, field_key("I.1", "in_scope"): 190,
             field_key("I.1", "published"): 190}
    units = [UnitInput(i, f"Xã {i}", seed003_values(), kind="commune") for i in range(1, 22)]
    units.append(UnitInput(22, "Xã Bình Hải", short, kind="commune"))
    result = consolidate(quarterly, units)
    written = write_figures(result)
    text = " ".join(line for lines in written.values() for line in lines)
    assert "4.412" not in text and "4.422" not in text  # 21 × 201 + 190 (+10): a meaningless sum
    assert result.indicators["I.1"]["in_scope"] is None
    assert written["I.1"][0] == ("22/22 xã niêm yết công khai đủ 100% TTHC thuộc thẩm quyền giải quyết; "
                                 "số TTHC thuộc thẩm quyền của mỗi đơn vị từ 190 đến 201 TTHC.")
    assert written["I.6.1"][0] == ("- Dịch vụ công trực tuyến toàn trình: 21/22 xã đạt 100%; tổng cộng 1.802/1.804 "
                                   "dịch vụ, đạt 99,9%; chưa đạt: Xã Bình Hải.")


def test_communes_and_offices_get_a_sentence_each_when_both_reported(quarterly):
    units = [UnitInput(1, "Xã A", seed003_values(), kind="commune"), UnitInput(2, "Thị trấn B", seed003_values(), kind="town"),
             UnitInput(3, "Phòng Tư pháp", seed003_values(), kind="office")]
    lines = write_figures(consolidate(quarterly, units))["I.4"]
    assert any(line.startswith("- Cấp xã tiếp nhận 630 hồ sơ") for line in lines)
    assert any(line.startswith("- Các cơ quan chuyên môn tiếp nhận 315 hồ sơ") for line in lines)
    only_communes = write_figures(consolidate(quarterly, units[:2]))["I.4"]
    assert not any("Cấp xã" in line for line in only_communes)


def test_the_same_numbers_summed_by_the_database_give_the_same_sentences(quarterly):
    units = [UnitInput(1, "Xã A", seed003_values(), kind="commune"), UnitInput(2, "Phòng B", seed003_values(), kind="office")]
    here = consolidate(quarterly, units)
    summed = {k: v for k, v in here.values.items() if quarterly.key_kind(k) == "count"}
    by_kind = {kind: {k: v for k, v in values.items() if quarterly.key_kind(k) == "count"} for kind, values in here.by_kind.items()}
    measured = [UnitInput(u.unit_id, u.unit_name, {k: v for k, v in u.values.items() if k.startswith(("I.1/", "I.6.1/", "I.5.5/"))},
                          kind=u.kind) for u in units]
    there = consolidate(quarterly, measured, summed=summed, summed_by_kind=by_kind)
    assert write_figures(here) == write_figures(there)


def test_a_units_name_is_printed_as_written_never_evaluated(quarterly):
    odd = {**seed003_values(), field_key("I.6.1", "online_full"): 1}
    units = [UnitInput(1, "Xã {c3} {period}", odd, kind="commune"), UnitInput(2, "Xã B", seed003_values(), kind="commune")]
    line = write_figures(consolidate(quarterly, units), period_label="Quý II")["I.6.1"][0]
    assert line.endswith("chưa đạt: Xã {c3} {period}.")


BASE = """
code = "t"
version = 1
title = "T"
frequency = "quarter"
period_convention = "decree09"
[[sections]]
id = "I"
heading = "H"
kind = "indicators"
fields = [{ id = "a", label = "A" }, { id = "size", label = "S", consolidate = "catalogue" }]
[[sections.figures]]
lines = [%s]
"""


@pytest.mark.parametrize(("line", "message"), [
    ('"{b}"', "names unknown column or field 'b'"),
    ('"{ratio:x}"', "names unknown ratio 'x'"),
    ('"{score}"', "belongs to a satisfaction section"),
    ('"{reached:a}"', "needs a catalogue or attainment field"),
    ('"{nope:a}"', "unknown placeholder"),
    ('"[{a}"', "'[' without ']'"),
    ('"{a"', "unclosed"),
])
def test_a_figure_line_with_a_mistake_fails_at_load_naming_the_place(line, message):
    with pytest.raises(TemplateError) as caught:
        load_template_text(BASE % line, "t.toml")
    assert "t.toml: sections[0].figures[0].lines[0]" in str(caught.value) and message in str(caught.value)


def test_an_attainment_must_name_a_catalogue_size():
    text = BASE.replace('{ id = "a", label = "A" }', '{ id = "a", label = "A", consolidate = "attainment", of = "b" }') % '"x"'
    with pytest.raises(TemplateError, match="fields\\[0\\].of names unknown field 'b'"):
        load_template_text(text, "t.toml")


def test_optional_parts_drop_alone_and_a_line_without_its_figure_drops_whole():
    template = load_template_text(BASE % '"A: {a}[, cỡ {size}].", "Chỉ một đơn vị: {size}."', "t.toml")
    one = write_figures(consolidate(template, [UnitInput(1, "X", {"I/a": 3, "I/size": 9})]))["I"]
    two = write_figures(consolidate(template, [UnitInput(1, "X", {"I/a": 3, "I/size": 9}),
                                               UnitInput(2, "Y", {"I/a": 1, "I/size": 9})]))["I"]
    assert one == ("A: 3, cỡ 9.", "Chỉ một đơn vị: 9.")
    assert two == ("A: 4.",)


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"not_reported": ["Xã A", "Xã B"]}, "Báo cáo tổng hợp từ 25/27 đơn vị; 2 đơn vị chưa báo cáo: Xã A và Xã B."),
    ({"not_reported": [], "provisional": 3}, "Báo cáo tổng hợp từ 25/27 đơn vị; số liệu tạm tính, gồm 3 báo cáo chưa duyệt."),
    ({"not_reported": ["Xã A"], "left_out": 1},
     "Báo cáo tổng hợp từ 25/27 đơn vị; 1 đơn vị chưa báo cáo: Xã A; 1 báo cáo đã nộp chưa được duyệt nên chưa được tính."),
])
def test_coverage_names_the_missing_units(kwargs, expected):
    assert coverage_sentence(25, 27, **kwargs) == expected


def test_long_name_lists_end_with_how_many_more():
    assert name_list([f"Xã {i}" for i in range(30)], 2) == "Xã 0, Xã 1 và 28 đơn vị khác"
    assert name_list(["Xã A"]) == "Xã A" and name_list([]) == ""

"""Grouping the units' statements for the reviewer's suggestion (reporting.synthesis)."""
from __future__ import annotations

from app.reporting.synthesis import group_statements, proper_name, suggest, unit_list

COMMUNES = [f"Xã {name}" for name in ("Bình An", "Bình Chánh", "Bình Châu", "Bình Dương", "Bình Đông", "Bình Hải",
                                      "Bình Hiệp", "Bình Hòa", "Bình Khương", "Bình Long", "Bình Minh", "Bình Mỹ")]


def test_identical_statements_are_said_once_with_their_units():
    entries = [(f"Xã {i}", "Không nhận được phản ánh, kiến nghị nào trong kỳ.") for i in range(30)]
    groups = group_statements(entries)
    assert len(groups) == 1
    assert groups[0].count == 30
    assert groups[0].line() == "- Không nhận được phản ánh, kiến nghị nào trong kỳ (Xã 0, Xã 1 và 28 đơn vị khác)."


def test_own_name_punctuation_spacing_and_a_number_do_not_split_a_group():
    entries = [(unit, f"UBND {unit.lower() if i % 2 else unit}  đã niêm yết công khai {40 + i} thủ tục hành chính"
                      f"{'.' if i % 3 else ''} tại Bộ phận Một cửa")
               for i, unit in enumerate(COMMUNES)]
    groups = group_statements(entries)
    assert len(groups) == 1
    group = groups[0]
    assert group.units == tuple(COMMUNES)
    assert "40–51" in group.text  # the number range is shown
    assert "Bình An" not in group.text and group.text.startswith("Các đơn vị đã niêm yết")


def test_different_statements_stay_apart_largest_first():
    entries = [("Xã A", "Chưa bố trí được máy tính cho Bộ phận Một cửa."),
               ("Xã B", "Đã bố trí máy tính cho Bộ phận Một cửa."),
               ("Xã C", "Đã bố trí máy tính cho Bộ phận Một cửa."),
               ("Xã D", "Tổ chức 02 hội nghị tuyên truyền về cải cách hành chính.")]
    groups = group_statements(entries)
    assert [g.units for g in groups] == [("Xã B", "Xã C"), ("Xã A",), ("Xã D",)]


def test_a_unit_text_of_several_lines_gives_several_statements():
    groups = group_statements([("Xã A", "- Niêm yết công khai đầy đủ.\n- Không có hồ sơ quá hạn."),
                               ("Xã B", "Không có hồ sơ quá hạn")])
    assert [(g.text, g.units) for g in groups] == [("Không có hồ sơ quá hạn.", ("Xã A", "Xã B")),
                                                    ("Niêm yết công khai đầy đủ.", ("Xã A",))]


def test_units_that_wrote_nothing_are_counted_not_listed():
    found = suggest("II.2", [("Xã A", "Thiếu trang thiết bị."), ("Xã B", "  ")], expected_units=40)
    assert (found.writers, found.silent) == (1, 39)
    assert "Xã B" not in found.text()


def test_suggestion_text_whole_or_by_group_and_named_problems():
    found = suggest("II.2", [("Xã A", "Thiếu máy scan."), ("Xã B", "Thiếu máy scan."), ("Xã C", "Mạng chậm.")],
                    expected_units=3, notices=[("Đơn vị nộp báo cáo muộn", ["Xã C"])])
    assert found.text([1]) == "- Mạng chậm (Xã C)."
    assert found.text().splitlines() == ["- Thiếu máy scan (Xã A và Xã B).", "- Mạng chậm (Xã C).",
                                         "- Đơn vị nộp báo cáo muộn: Xã C."]


def test_names():
    assert proper_name("UBND xã Bình An") == "Bình An"
    assert proper_name("Thị trấn Châu Ổ") == "Châu Ổ"
    assert unit_list(["A", "B", "C"]) == "A, B và C"
    assert unit_list(["A"]) == "A"

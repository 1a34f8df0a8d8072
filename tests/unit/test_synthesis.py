"""Grouping the units' statements for the reviewer's suggestion (reporting.synthesis)."""
from __future__ import annotations

from collections import defaultdict
from itertools import combinations

import pytest

from app.reporting.meaning import polarity, unify_spelling, words
from app.reporting.synthesis import group_statements, proper_name, repeated_lines, statements_of, suggest, unit_list
from tests.fixtures.statements import statements

COMMUNES = [f"Xã {name}" for name in ("Bình An", "Bình Chánh", "Bình Châu", "Bình Dương", "Bình Đông", "Bình Hải",
                                      "Bình Hiệp", "Bình Hòa", "Bình Khương", "Bình Long", "Bình Minh", "Bình Mỹ")]


def together(*texts: str) -> list[tuple[str, ...]]:
    """The groups' writers when each text is written by its own commune, in order."""
    return [g.units for g in group_statements(list(zip(COMMUNES, texts, strict=False)))]


# --- meaning: opposites never share a group ------------------------------------------------

@pytest.mark.parametrize("first, second", [
    ("Xã Bình Thạnh chưa sử dụng phần mềm một cửa điện tử dùng chung của tỉnh để tiếp nhận hồ sơ.",
     "Xã Bình Tân Phú đã sử dụng phần mềm một cửa điện tử dùng chung của tỉnh để tiếp nhận hồ sơ."),
    ("UBND xã đã tiếp nhận 398 hồ sơ, giải quyết trước hạn, đúng hạn 98%; có 3 hồ sơ giải quyết quá hạn.",
     "UBND xã đã tiếp nhận 412 hồ sơ, giải quyết trước hạn, đúng hạn 100%; không có hồ sơ giải quyết quá hạn."),
    ("Tỷ lệ tiếp nhận hồ sơ trực tuyến đạt 45%, chưa đạt chỉ tiêu.", "Tỷ lệ tiếp nhận hồ sơ trực tuyến đạt 65%, vượt chỉ tiêu."),
    ("Đã bố trí công chức chuyên trách tại Bộ phận một cửa", "Chưa bố trí công chức chuyên trách tại Bộ phận một cửa"),
    ("Không có hồ sơ tồn đọng", "Còn 4 hồ sơ tồn đọng"),
    ("Tỷ lệ số hóa hồ sơ đạt 100%", "Tỷ lệ số hóa hồ sơ đạt 72%, chưa đạt yêu cầu"),
    ("Tỷ lệ số hóa hồ sơ đạt 100%", "Tỷ lệ số hóa hồ sơ đạt 72%"),
    ("Tỷ lệ số hóa hồ sơ đạt 100%", "Tỷ lệ số hóa hồ sơ đạt 99,5%"),
    ("Tỷ lệ thanh toán trực tuyến tăng so với quý trước.", "Tỷ lệ thanh toán trực tuyến giảm so với quý trước."),
    ("Tỷ lệ hồ sơ trực tuyến cao hơn cùng kỳ năm trước.", "Tỷ lệ hồ sơ trực tuyến thấp hơn cùng kỳ năm trước."),
    ("Có 0 hồ sơ quá hạn trong kỳ.", "Có 3 hồ sơ quá hạn trong kỳ."),
    ("Chỉ tiêu tiếp nhận hồ sơ trực tuyến huyện giao năm 2026: 65%; xã đạt 72%.",
     "Chỉ tiêu tiếp nhận hồ sơ trực tuyến huyện giao năm 2026: 65%; xã đạt 45%."),
])
def test_statements_of_opposite_polarity_never_share_a_group(first, second):
    assert together(first, second) == [(COMMUNES[0],), (COMMUNES[1],)]


@pytest.mark.parametrize("first, second", [
    ("Đã bố trí máy tính, chưa có máy scan cho Bộ phận Một cửa.", "Chưa bố trí máy tính, đã có máy scan cho Bộ phận Một cửa."),
    ("Hồ sơ đất đai giải quyết đúng hạn, hồ sơ hộ tịch còn quá hạn.", "Hồ sơ đất đai còn quá hạn, hồ sơ hộ tịch giải quyết đúng hạn."),
    ("Tỷ lệ hồ sơ trực tuyến tăng, tỷ lệ hồ sơ trực tiếp giảm.", "Tỷ lệ hồ sơ trực tuyến giảm, tỷ lệ hồ sơ trực tiếp tăng."),
    ("Hồ sơ được giải quyết đúng hạn, không có hồ sơ quá hạn.", "Hồ sơ được giải quyết quá hạn, không có hồ sơ đúng hạn."),
    ("Đã kết nối với CSDL quốc gia về dân cư.", "Đã ngắt kết nối với CSDL quốc gia về dân cư."),
])
def test_two_things_said_in_one_statement_and_swapped_are_opposites(first, second):
    assert together(first, second) == [(COMMUNES[0],), (COMMUNES[1],)]


def test_a_part_without_a_predicate_belongs_to_the_clause_before_it():
    assert together("Không nhận được phản ánh, kiến nghị nào trong kỳ.", "Trong kỳ không nhận được PAKN nào.",
                    "Người dân chưa quen nộp hồ sơ trực tuyến, chủ yếu vẫn đến nộp trực tiếp.",
                    "Người dân còn chưa quen nộp hồ sơ trực tuyến, chủ yếu đến nộp trực tiếp.") == [
        tuple(COMMUNES[:2]), tuple(COMMUNES[2:4])]


def test_a_long_sentence_with_one_word_changed_is_still_an_opposite():
    tail = " để tiếp nhận, xử lý hồ sơ của tổ chức, cá nhân trên địa bàn theo đúng quy trình đã được phê duyệt."
    assert len(together("Đã sử dụng phần mềm một cửa điện tử dùng chung của tỉnh" + tail,
                        "Đã sử dụng phần mềm một cửa điện tử dùng chung của tỉnh" + tail,
                        "Chưa sử dụng phần mềm một cửa điện tử dùng chung của tỉnh" + tail)) == 2


def test_an_undecided_rate_joins_only_the_same_words_and_the_same_rate_class():
    assert together("Tỷ lệ hài lòng của người dân đạt 96%.", "Tỷ lệ hài lòng của người dân đạt 92%.",
                    "Tỷ lệ hài lòng người dân đạt 94%.", "Tỷ lệ hài lòng của người dân đạt 100%.") == [
        tuple(COMMUNES[:2]), (COMMUNES[2],), (COMMUNES[3],)]
    assert not polarity(words("Tỷ lệ hài lòng của người dân đạt 96%.")).decided


def test_no_polarity_merge_over_the_whole_labelled_corpus():
    by_section = defaultdict(list)
    for item in statements():
        by_section[item.section].append(item)
    merged = []
    for items in by_section.values():
        group_of = {u: i for i, g in enumerate(group_statements([(s.unit, s.text) for s in items])) for u in g.units}
        merged += [(a.text, b.text) for a, b in combinations(items, 2)
                   if a.topic == b.topic and a.polarity != b.polarity and group_of[a.unit] == group_of[b.unit]]
    assert merged == []


# --- paraphrases join ---------------------------------------------------------------------------

@pytest.mark.parametrize("first, second", [
    ("Cán bộ một cửa kiêm nhiệm nhiều nhiệm vụ.", "Cán bộ một cửa còn kiêm nhiệm nhiều nhiệm vụ khác."),
    ("UBND xã đã ban hành Kế hoạch kiểm soát TTHC năm 2026", "Đã ban hành kế hoạch kiểm soát thủ tục hành chính năm 2026"),
    ("Thực hiện số hóa hồ sơ, kết quả giải quyết TTHC theo quy định",
     "Thực hiện số hoá hồ sơ, kết quả giải quyết thủ tục hành chính đúng quy định"),
    ("Bộ phận Một cửa hoạt động nền nếp, hiệu quả.", "Bộ phận Tiếp nhận và Trả kết quả hoạt động nề nếp, hiệu quả."),
    ("Thường xuyên phát tin về CCHC trên hệ thống loa truyền thanh.",
     "Hệ thống loa truyền thanh thường xuyên phát tin về cải cách hành chính."),
    ("Đã cung cấp đầy đủ DVCTT toàn trình trên Cổng DVC quốc gia.",
     "Cung cấp đầy đủ dịch vụ công trực tuyến toàn trình trên Cổng dịch vụ công quốc gia."),
    ("Tăng cường tập huấn sử dụng phần mềm một cửa điện tử cho CBCC.",
     "Tăng cường tập huấn sử dụng phần mềm một cửa điện tử cho cán bộ, công chức."),
])
def test_paraphrases_share_a_group(first, second):
    assert together(first, second) == [tuple(COMMUNES[:2])]


def test_old_and_new_tone_marks_are_one_spelling():
    assert unify_spelling("Số hoá, thuỷ lợi, uỷ ban, khoẻ, hoà giải") == "số hóa, thủy lợi, ủy ban, khỏe, hòa giải"
    assert unify_spelling("quý, giá, Huế") == "quý, giá, huế"  # "qu", "gi" are consonants


# --- statements and wording ----------------------------------------------------------------------

def test_list_marks_numbering_and_titles_are_not_part_of_a_statement():
    assert statements_of("Xã A", "Phương hướng:\n1. Tiếp tục niêm yết.\n- 2. Nâng cao tỷ lệ.\na) Rà soát.\n+ Số hóa.") == [
        "Tiếp tục niêm yết.", "Nâng cao tỷ lệ.", "Rà soát.", "Số hóa."]
    assert statements_of("Xã A", "100% TTHC được niêm yết.") == ["100% TTHC được niêm yết."]


def test_a_heading_copied_above_a_units_text_is_no_statement():
    found = suggest("II.2", [("Xã A", "II.2. Khó khăn, vướng mắc, tồn tại, hạn chế\n- Máy scan hỏng."),
                             ("Xã B", "2. Khó khăn, vướng mắc, tồn tại, hạn chế:\nMáy scan hỏng")],
                    expected_units=2, titles=["Khó khăn, vướng mắc, tồn tại, hạn chế", "Nguyên nhân"])
    assert found.text() == "- Máy scan hỏng (Xã A và Xã B)."
    assert statements_of("Xã A", "1.2. Rà soát TTHC.\nIV. Kiến nghị\n2026 là năm chuyển đổi số.") == [
        "Rà soát TTHC.", "Kiến nghị", "2026 là năm chuyển đổi số."]


def test_identical_statements_are_said_once_with_their_units():
    entries = [(f"Xã {i}", "Không nhận được phản ánh, kiến nghị nào trong kỳ.") for i in range(30)]
    groups = group_statements(entries)
    assert len(groups) == 1
    assert groups[0].count == 30
    assert groups[0].line(40) == "- Không nhận được phản ánh, kiến nghị nào trong kỳ (30/40 đơn vị)."
    few = group_statements(entries[:5])[0]
    assert few.line(40) == "- Không nhận được phản ánh, kiến nghị nào trong kỳ (Xã 0, Xã 1, Xã 2, Xã 3 và Xã 4)."


def test_a_shortfall_names_every_unit_however_many():
    entries = [(f"Xã Số {i}", "Chưa bố trí công chức chuyên trách tại Bộ phận Một cửa.") for i in range(1, 41)]
    line = suggest("I.5.4", entries, expected_units=50).text()
    assert all(f"Xã Số {i}," in line or f"Xã Số {i})" in line or f"Xã Số {i} và" in line for i in range(1, 41))
    assert "đơn vị khác" not in line and "/50" not in line


def test_counts_of_events_are_totalled_with_the_number_of_units():
    entries = [(COMMUNES[i], f"{n} PAKN tiếp nhận qua Hệ thống tiếp nhận PAKN của tỉnh; đã trả lời công khai.")
               for i, n in enumerate((1, 5, 3, 2, 4, 1, 3, 2))]
    group = group_statements(entries)[0]
    assert group.text == "21 PAKN tại 8 đơn vị tiếp nhận qua Hệ thống tiếp nhận PAKN của tỉnh; đã trả lời công khai."
    late = [(COMMUNES[i], "Có 1 phản ánh, kiến nghị xử lý quá hạn do phải xác minh thực địa.") for i in range(4)]
    assert group_statements(late)[0].text == "4 đơn vị có 4 phản ánh, kiến nghị xử lý quá hạn do phải xác minh thực địa."
    pending = [(COMMUNES[i], f"Còn {n} hồ sơ đất đai tồn đọng.") for i, n in enumerate((3, 1))]
    assert group_statements(pending)[0].text == "2 đơn vị còn 4 hồ sơ đất đai tồn đọng."
    noted = [(COMMUNES[i], f"Số liệu nhiều hơn Hệ thống {n} hồ sơ do liên thông khai sinh.") for i, n in enumerate((3, 9))]
    assert group_statements(noted)[0].text == "Số liệu nhiều hơn Hệ thống 12 hồ sơ tại 2 đơn vị do liên thông khai sinh."
    described = [(COMMUNES[i], f"Số liệu gồm {n} hồ sơ đất đai nộp trực tiếp; đã đối chiếu.") for i, n in enumerate((3, 9))]
    assert group_statements(described)[0].text == "Số liệu gồm 12 hồ sơ đất đai nộp trực tiếp tại 2 đơn vị; đã đối chiếu."


def test_a_total_is_given_only_when_every_units_count_is_known():
    entries = [(COMMUNES[0], "Có 2 PAKN xử lý quá hạn do phải xác minh thực địa."),
               (COMMUNES[1], "Có 1 PAKN xử lý quá hạn do phải xác minh thực địa."),
               (COMMUNES[2], "Có 1 PAKN xử lý quá hạn 5 ngày do phải xác minh thực địa.")]
    groups = group_statements(entries)
    assert len(groups) == 1 and groups[0].text == "Có 1–2 PAKN xử lý quá hạn do phải xác minh thực địa."


def test_own_name_punctuation_spacing_and_stock_counts_keep_a_range():
    entries = [(unit, (f"UBND {unit.lower() if i % 2 else unit}  đã niêm yết công khai {40 + i} thủ tục hành chính"
                       f"{'.' if i % 3 else ''} tại Bộ phận Một cửa"))
               for i, unit in enumerate(COMMUNES)]
    groups = group_statements(entries)
    assert len(groups) == 1
    group = groups[0]
    assert group.units == tuple(COMMUNES)
    assert "40–51" in group.text  # a stock count keeps its range
    assert "Bình An" not in group.text and group.text.startswith("Các đơn vị đã niêm yết")


def test_the_writers_own_name_leading_an_event_count_becomes_the_number_of_units():
    entries = [(unit, f"UBND {unit.lower()} đã tiếp nhận {n} hồ sơ, giải quyết đúng hạn 100%.")
               for unit, n in zip(COMMUNES, (64, 120, 80), strict=False)]
    assert group_statements(entries)[0].text == "3 đơn vị đã tiếp nhận 264 hồ sơ, giải quyết đúng hạn 100%."


def test_dates_keep_their_range():
    entries = [(COMMUNES[0], "Số liệu lấy từ Hệ thống thông tin giải quyết TTHC tỉnh đến ngày 14/12/2026."),
               (COMMUNES[1], "Số liệu lấy từ Hệ thống thông tin giải quyết TTHC tỉnh đến ngày 15/12/2026.")]
    assert group_statements(entries)[0].text == \
        "Số liệu lấy từ Hệ thống thông tin giải quyết TTHC tỉnh đến ngày 14–15/12/2026."


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


def test_groups_already_in_the_reviewers_text_are_known():
    found = suggest("III", [("Xã A", "1. Tiếp tục niêm yết công khai TTHC."), ("Xã B", "Tiếp tục niêm yết công khai TTHC."),
                            ("Xã C", "Nâng cao tỷ lệ hồ sơ trực tuyến.")], expected_units=3)
    assert found.inserted("") == frozenset()
    assert found.inserted("Mở đầu.\n" + found.text([0])) == {0}
    # The reviewer trimmed the names or changed the list mark: still the same group.
    assert found.inserted("+ Tiếp tục niêm yết công khai TTHC (Xã A)") == {0}
    assert found.inserted(found.text()) == {0, 1}


def test_a_notice_already_inserted_is_known_even_with_other_names():
    found = suggest("II.2", [("Xã A", "Thiếu máy scan.")], expected_units=3,
                    notices=[("Đơn vị chưa nộp báo cáo", ["Xã B", "Xã C"])])
    assert found.notices_inserted("- Đơn vị chưa nộp báo cáo: Xã B.") == {0}
    assert repeated_lines("- Đơn vị chưa nộp báo cáo: Xã B.", found.text()) == ["- Đơn vị chưa nộp báo cáo: Xã B và Xã C."]
    # A statement with a colon is not a notice: another one with the same opening is new.
    assert repeated_lines("- Chỉ tiêu năm 2026: 65%; đạt 70%, vượt chỉ tiêu (Xã A).",
                          "- Chỉ tiêu năm 2026: 65%; đạt 40%, chưa đạt chỉ tiêu (Xã B).") == []


def test_names():
    assert proper_name("UBND xã Bình An") == "Bình An"
    assert proper_name("Thị trấn Châu Ổ") == "Châu Ổ"
    assert unit_list(["A", "B", "C"]) == "A, B và C"
    assert unit_list(["A"]) == "A"

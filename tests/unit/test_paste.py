"""A block copied from Excel, mapped by what was copied rather than where the cursor is."""
import pytest

from app.reporting.keys import cell_key, group_key, total_key
from app.reporting.paste import KEPT_EMPTY, KEPT_PREFILLED, check_pasted_totals, keep_prefilled, plan_paste

INPUTS = ("c4", "c5", "c6", "c8", "c9", "c10", "c12", "c13")
LAYOUT = ("c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10", "c11", "c12", "c13")


def figures(i: int) -> dict[str, int]:
    """Balanced, distinct figures for line i, totals included."""
    row = {"c4": 100 + i, "c5": 10 + i, "c6": 3 + i, "c8": 50 + i, "c9": 40 + i, "c10": 2 + i, "c13": 1}
    row["c12"] = row["c4"] + row["c5"] + row["c6"] - row["c8"] - row["c9"] - row["c10"] - 1
    row["c3"] = row["c4"] + row["c5"] + row["c6"]
    row["c7"] = row["c8"] + row["c9"] + row["c10"]
    row["c11"] = row["c12"] + row["c13"]
    return row


def block(columns, lines=3, prefix=lambda i: []) -> str:
    return "\r\n".join("\t".join([*prefix(i), *(str(figures(i)[c]) for c in columns)]) for i in range(lines)) + "\r\n"


def stored_inputs(quarterly, plan, first_row=0):
    rows = quarterly.section("I.4").rows
    return {k: int(v) for k, v in plan.entries}, {
        cell_key("I.4", rows[first_row + i].code, c): figures(i)[c] for i in range(3) for c in INPUTS}


@pytest.mark.parametrize("cursor", ["c3", "c4", "c8", "c13"])
def test_the_official_layout_from_3_lands_on_its_columns_wherever_the_cursor_is(quarterly, cursor):
    row = quarterly.section("I.4").rows[0].code
    plan = plan_paste(quarterly, "I.4", row, cursor, block(LAYOUT))
    assert not plan.ambiguous
    got, expected = stored_inputs(quarterly, plan)
    assert got == expected
    assert sorted(k for k, _ in plan.checks) == sorted(cell_key("I.4", r.code, c) for r in quarterly.section("I.4").rows[:3]
                                                      for c in ("c3", "c7", "c11"))
    assert check_pasted_totals(quarterly, got, plan.checks) == {}


def test_a_block_that_starts_with_the_row_total_pasted_into_the_first_input_is_not_shifted(quarterly):
    # (3)–(6): the officer copies the received group with its total and pastes into (4).
    row = quarterly.section("I.4").rows[0].code
    plan = plan_paste(quarterly, "I.4", row, "c4", block(("c3", "c4", "c5", "c6")))
    assert not plan.ambiguous and "cột tổng" in plan.how
    assert {k: int(v) for k, v in plan.entries} == {
        cell_key("I.4", r.code, c): figures(i)[c] for i, r in enumerate(quarterly.section("I.4").rows[:3]) for c in ("c4", "c5", "c6")}


def test_a_block_from_4_pasted_into_4_keeps_its_columns_and_checks_its_totals(quarterly):
    rows = quarterly.section("I.4").rows
    plan = plan_paste(quarterly, "I.4", rows[2].code, "c4", block(LAYOUT[1:]))
    assert not plan.ambiguous
    got, expected = stored_inputs(quarterly, plan, first_row=2)
    assert got == expected
    assert {k for k, _ in plan.checks} == {cell_key("I.4", rows[2 + i].code, c) for i in range(3) for c in ("c7", "c11")}


def test_a_block_from_4_pasted_one_column_too_far_right_is_pulled_back_by_its_totals(quarterly):
    row = quarterly.section("I.4").rows[0].code
    plan = plan_paste(quarterly, "I.4", row, "c5", block(LAYOUT[1:]))
    assert not plan.ambiguous
    got, expected = stored_inputs(quarterly, plan)
    assert got == expected


def test_the_numbering_row_names_every_column_even_in_another_order_of_lines(quarterly):
    section = quarterly.section("I.4")
    header = "Số hồ sơ nhận giải quyết\t\t\t\t\r\n(1)\t(2)\t(8)\t(9)\t(10)\r\n"
    lines = "".join(f"{i + 1}\t{section.rows[i].label}\t{figures(i)['c8']}\t{figures(i)['c9']}\t{figures(i)['c10']}\r\n"
                    for i in range(3))
    plan = plan_paste(quarterly, "I.4", section.rows[7].code, "c4", header + lines)
    assert not plan.ambiguous and "đánh số" in plan.how
    assert {k: int(v) for k, v in plan.entries} == {
        cell_key("I.4", section.rows[i].code, c): figures(i)[c] for i in range(3) for c in ("c8", "c9", "c10")}


def test_row_labels_align_rows_whatever_their_order_and_totals_rows_are_checked(quarterly):
    section = quarterly.section("I.4")
    order = [3, 0, 2]  # Đăng ký biện pháp bảo đảm, Hộ tịch, Đất đai
    text = "".join(f"{n + 1}\t{section.rows[r].label}\t" + "\t".join(str(figures(n)[c]) for c in LAYOUT) + "\r\n"
                   for n, r in enumerate(order))
    land = {c: figures(0)[c] + figures(2)[c] for c in LAYOUT}
    text += "\tTổng lĩnh vực đất đai\t" + "\t".join(str(land[c]) for c in LAYOUT) + "\r\n"
    text += "\ttổng cộng\t" + "\t".join(str(sum(figures(n)[c] for n in range(3))) for c in LAYOUT) + "\r\n"
    plan = plan_paste(quarterly, "I.4", section.rows[10].code, "c9", text)
    assert not plan.ambiguous
    values = {k: int(v) for k, v in plan.entries}
    assert values == {cell_key("I.4", section.rows[r].code, c): figures(n)[c] for n, r in enumerate(order) for c in INPUTS}
    checked = dict(plan.checks)
    assert checked[group_key("I.4", "dat_dai", "c4")] == str(land["c4"])
    assert total_key("I.4", "c13") in checked
    assert check_pasted_totals(quarterly, values, plan.checks) == {}


def test_an_unknown_row_label_saves_nothing_and_says_which(quarterly):
    section = quarterly.section("I.4")
    text = f"{section.rows[0].label}\t1\t2\nKhông có lĩnh vực này\t3\t4\n"
    plan = plan_paste(quarterly, "I.4", section.rows[0].code, "c4", text)
    assert "Không có lĩnh vực này" in plan.ambiguous
    assert plan.entries == [] and plan.options


def test_a_block_whose_totals_fit_two_places_is_a_preview_not_a_guess(quarterly):
    # [total, a, b, c] fits (3)–(6) and (7)–(10) alike; the cursor in (13) decides nothing.
    row = quarterly.section("I.4").rows[0].code
    plan = plan_paste(quarterly, "I.4", row, "c12", "10\t5\t3\t2\n")
    assert plan.ambiguous and plan.entries == []
    assert [o.first_column for o in plan.options] == ["c3", "c7", "c12"] or {"c3", "c7"} <= {o.first_column for o in plan.options}
    where = {o.first_column: {cell.column: cell.typed for cell in o.cells} for o in plan.options}
    assert where["c3"] == {"c3": "10", "c4": "5", "c5": "3", "c6": "2"}
    assert where["c7"] == {"c7": "10", "c8": "5", "c9": "3", "c10": "2"}


def test_the_officers_choice_from_the_preview_is_applied(quarterly):
    row = quarterly.section("I.4").rows[0].code
    plan = plan_paste(quarterly, "I.4", row, "c12", "10\t5\t3\t2\n", first_column="c7")
    assert not plan.ambiguous
    assert plan.entries == [(cell_key("I.4", row, c), v) for c, v in (("c8", "5"), ("c9", "3"), ("c10", "2"))]


def test_a_block_wider_than_what_is_left_of_the_table_is_a_preview(quarterly):
    last = quarterly.section("I.4").rows[-1].code
    plan = plan_paste(quarterly, "I.4", last, "c12", "5\t6\t7\n")
    assert "chỉ còn 2 cột" in plan.ambiguous and plan.entries == []


def test_more_lines_than_rows_left_is_a_preview(quarterly):
    last = quarterly.section("I.4").rows[-1].code
    plan = plan_paste(quarterly, "I.4", last, "c4", "5\t6\n7\t8\n")
    assert "nhiều hơn số dòng" in plan.ambiguous and plan.entries == []


def test_plain_inputs_pasted_at_the_cursor_go_where_the_cursor_is(quarterly):
    row = quarterly.section("I.4").rows[1].code
    plan = plan_paste(quarterly, "I.4", row, "c8", "4\t5\t6\n")
    assert not plan.ambiguous
    assert plan.entries == [(cell_key("I.4", row, c), v) for c, v in (("c8", "4"), ("c9", "5"), ("c10", "6"))]


def test_a_pasted_total_that_does_not_add_up_is_named_with_both_figures(quarterly):
    row = quarterly.section("I.4").rows[0].code
    plan = plan_paste(quarterly, "I.4", row, "c3", "11\t5\t3\t2")
    problems = check_pasted_totals(quarterly, {k: int(v) for k, v in plan.entries}, plan.checks)
    assert list(problems) == [cell_key("I.4", row, "c3")]
    assert "(11)" in problems[cell_key("I.4", row, "c3")] and "(10)" in problems[cell_key("I.4", row, "c3")]


def test_empty_and_zero_cells_never_wipe_a_value_carried_over_from_last_period(quarterly):
    row = quarterly.section("I.4").rows[0].code
    c4, c5, c6 = (cell_key("I.4", row, c) for c in ("c4", "c5", "c6"))
    stored = {c4: 9, c5: 8, c6: 7}
    plan = plan_paste(quarterly, "I.4", row, "c4", "12\t\t0\n")
    keep_prefilled(plan, stored, prefilled={c6: 7})
    assert plan.entries == [(c4, "12")]
    assert plan.kept == [(c5, "", KEPT_EMPTY), (c6, "0", KEPT_PREFILLED)]


def test_a_zero_over_a_value_the_officer_typed_is_meant(quarterly):
    row = quarterly.section("I.4").rows[0].code
    c6 = cell_key("I.4", row, "c6")
    plan = plan_paste(quarterly, "I.4", row, "c6", "0\t1\n")
    keep_prefilled(plan, {c6: 5}, prefilled={c6: 7})
    assert (c6, "0") in plan.entries

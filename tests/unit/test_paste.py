"""A block copied from Excel in the official 06a layout, mapped onto the table."""
from app.reporting.keys import cell_key
from app.reporting.paste import check_pasted_totals, paste_entries


def test_a_block_starting_on_the_total_column_stores_inputs_and_checks_totals(quarterly):
    row = quarterly.section("I.4").rows[0].code
    text = "10\t5\t3\t2\t10\t4\t5\t1\t0\t0\t0\r\n"
    inputs, checks = paste_entries(quarterly, "I.4", row, "c3", text)
    assert [k for k, _ in inputs] == [cell_key("I.4", row, c) for c in ("c4", "c5", "c6", "c8", "c9", "c10", "c12", "c13")]
    assert [k for k, _, _ in checks] == [cell_key("I.4", row, c) for c in ("c3", "c7", "c11")]
    values = {k: int(v) for k, v in inputs}
    assert check_pasted_totals(quarterly, values, checks) == {}


def test_a_pasted_total_that_does_not_add_up_is_named_with_both_figures(quarterly):
    row = quarterly.section("I.4").rows[0].code
    inputs, checks = paste_entries(quarterly, "I.4", row, "c3", "11\t5\t3\t2")
    problems = check_pasted_totals(quarterly, {k: int(v) for k, v in inputs}, checks)
    assert list(problems) == [cell_key("I.4", row, "c3")]
    assert "(11)" in problems[cell_key("I.4", row, "c3")] and "(10)" in problems[cell_key("I.4", row, "c3")]


def test_cells_beyond_the_tables_edge_are_ignored(quarterly):
    section = quarterly.section("I.4")
    last = section.rows[-1].code
    inputs, _ = paste_entries(quarterly, "I.4", last, "c13", "1\t2\t3\n4\t5\t6")
    assert inputs == [(cell_key("I.4", last, "c13"), "1")]

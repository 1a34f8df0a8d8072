"""An Excel upload: an empty cell means "no change" unless the officer asks to clear."""
import io

import openpyxl

from app.exports.roundtrip import EntryMeta, read_upload, write_entry_workbook
from app.reporting.keys import cell_key, field_key

META = EntryMeta(round_id=1, unit_id=2, submission_id=3, template_code="quarterly_tthc", template_version=1)


def blank_with(quarterly, typed: dict) -> bytes:
    """The blank template downloaded, with only ``typed`` filled in."""
    out = io.BytesIO()
    write_entry_workbook(quarterly, {}, META, out, unit_name="Xã Hoàng Kim", period_label="Quý II năm 2024",
                         period_window="", filled=False)
    book = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    where = {r[2]: (r[0], r[1]) for r in book["_meta"].iter_rows(values_only=True) if len(r) > 2 and r[2]}
    for key, value in typed.items():
        sheet, ref = where[key]
        book[sheet][ref].value = value
    saved = io.BytesIO()
    book.save(saved)
    return saved.getvalue()


def stored_figures(quarterly) -> dict:
    return {k: 7 for k in quarterly.input_keys() if quarterly.key_kind(k) == "count"}


def test_a_blank_template_with_one_row_filled_changes_that_row_and_clears_nothing(quarterly):
    row = quarterly.section("I.4").rows[0].code
    stored = stored_figures(quarterly)
    result = read_upload(blank_with(quarterly, {cell_key("I.4", row, "c4"): 12, cell_key("I.4", row, "c5"): 7}),
                         quarterly, META, stored)
    assert result.refused is None and result.problems == []
    assert [(c.key, c.new) for c in result.changes] == [(cell_key("I.4", row, "c4"), "12")]
    assert result.clearings == []
    assert result.kept_empty == len(stored) - 2


def test_ticking_clear_empty_cells_lists_the_clearings_apart_from_the_changes(quarterly):
    row = quarterly.section("I.4").rows[0].code
    stored = {cell_key("I.4", row, "c4"): 3, cell_key("I.4", row, "c5"): 4, field_key("I.1", "published"): 82}
    result = read_upload(blank_with(quarterly, {cell_key("I.4", row, "c4"): 5}), quarterly, META, stored, clear_empty=True)
    assert [(c.key, c.old, c.new) for c in result.updates] == [(cell_key("I.4", row, "c4"), "3", "5")]
    assert sorted((c.key, c.old, c.new, c.text) for c in result.clearings) == [
        (field_key("I.1", "published"), "82", "(trống)", ""), (cell_key("I.4", row, "c5"), "4", "(trống)", "")]
    assert result.kept_empty == 0


def test_a_decimal_typed_in_a_count_is_shown_back_with_a_decimal_comma(quarterly):
    row = quarterly.section("I.4").rows[0].code
    result = read_upload(blank_with(quarterly, {cell_key("I.4", row, "c4"): 25.5, field_key("I.5.5", "i1"): 1.9}),
                         quarterly, META, {})
    assert [p.typed for p in result.problems] == ["25,5"]
    assert [c.new for c in result.changes] == ["1,9"]

"""A district's own fields reach the province's totals through its "Lĩnh vực khác" row."""
from __future__ import annotations

from app.reporting.rows import fold_unknown_rows
from app.reporting.templates import bind_rows, shipped_templates

QUARTERLY = shipped_templates()["quarterly_tthc"]
HO_TICH, HOA_GIAI, KHAC = ("ho_tich", "Hộ tịch", None, None), ("hoa_giai", "Hòa giải", None, None), ("khac", "Lĩnh vực khác", None, None)


def test_cells_of_a_row_the_parent_lacks_are_added_to_its_other_row():
    district = bind_rows(QUARTERLY, [HO_TICH, HOA_GIAI, KHAC])
    province = bind_rows(QUARTERLY, [HO_TICH, KHAC])
    values = {"I.4/ho_tich/c4": 5, "I.4/hoa_giai/c4": 3, "I.4/khac/c4": 2, "I.4/hoa_giai/c8": 4, "I.1/published": 7,
              "I.2/text": "Nội dung"}
    folded, unplaced = fold_unknown_rows(district, province, values)
    assert unplaced == []
    assert folded == {"I.4/ho_tich/c4": 5, "I.4/khac/c4": 5, "I.4/khac/c8": 4, "I.1/published": 7, "I.2/text": "Nội dung"}
    assert sum(v for k, v in folded.items() if k.endswith("/c4")) == sum(v for k, v in values.items() if k.endswith("/c4"))


def test_without_an_other_row_dossiers_of_a_missing_row_are_reported_not_dropped():
    district = bind_rows(QUARTERLY, [HO_TICH, HOA_GIAI])
    province = bind_rows(QUARTERLY, [HO_TICH])
    folded, unplaced = fold_unknown_rows(district, province, {"I.4/ho_tich/c4": 5, "I.4/hoa_giai/c4": 3})
    assert unplaced == ["Hòa giải"] and "I.4/hoa_giai/c4" not in folded
    assert fold_unknown_rows(district, province, {"I.4/hoa_giai/c4": 0})[1] == []

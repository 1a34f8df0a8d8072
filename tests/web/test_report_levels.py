"""The report at every level (issue 20): comparisons like for like, the wording by level,
and the chain communes → district → province as the province's Word and Excel show it."""
from __future__ import annotations

from app.reporting.templates import DEFAULT_FIELDS
from app.services.consolidation import load_consolidation
from app.services.export_parts import round_parts
from tests.factories import make_round, make_tree, set_values, submission_for
from tests.fixtures.seeds import seed003_values
from tests.web.test_exports import add_catalogue


def quarters(approved_before: int, approved_now: int, communes: int = 4):
    """A district whose communes all report seed 003's figures; ``approved_before`` of them
    were approved last quarter, ``approved_now`` this quarter."""
    add_catalogue(DEFAULT_FIELDS)
    _, district, units = make_tree(communes)
    before = make_round(district, "quarterly_tthc", year=2024, index=1, expected=units)
    now = make_round(district, "quarterly_tthc", year=2024, index=2, expected=units)
    for round_, approved in ((before, approved_before), (now, approved_now)):
        for unit in units[:approved]:
            set_values(submission_for(round_, unit), seed003_values(), status="approved")
    return now


def dossier_sentence(parts) -> str:
    return next(line for lines in parts.figure_sentences.values() for line in lines
                if line.startswith("- Tổng số hồ sơ tiếp nhận"))


def test_a_comparison_is_made_over_the_units_present_in_both_periods_and_says_so():
    # 4 communes last quarter (1.260 dossiers), 2 now (630): never "giảm 630 hồ sơ".
    parts = round_parts(load_consolidation(quarters(4, 2)))
    sentence = dossier_sentence(parts)
    assert "bằng cùng 2 đơn vị quý I năm 2024" in sentence and "giảm" not in sentence


def test_the_same_units_in_both_periods_compare_without_a_word_about_it():
    sentence = dossier_sentence(round_parts(load_consolidation(quarters(3, 3))))
    assert "bằng quý I năm 2024" in sentence and "đơn vị" not in sentence.split("bằng")[1]


def test_below_half_of_the_units_the_comparison_is_left_out_with_a_line_saying_why():
    parts = round_parts(load_consolidation(quarters(1, 4)))
    assert "so với" not in dossier_sentence(parts)
    assert ("Không so sánh với quý I năm 2024: chỉ 1/4 đơn vị có số liệu ở cả hai kỳ, chưa đến một nửa"
            in parts.coverage_text)

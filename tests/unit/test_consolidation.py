"""Consolidation (design §8): sums, recomputed totals and ratios, merged text."""
import random
from decimal import Decimal

import pytest

from app.reporting.consolidation import UnitInput, consolidate, contributions, merge_narratives
from app.reporting.keys import cell_key, field_key, group_key, score_key, text_key, total_key
from app.reporting.numbers import format_ratio, format_score
from app.reporting.validation import validate
from tests.fixtures.seeds import (
    SEED002_COLUMNS,
    SEED002_LAND_RATIOS,
    SEED002_LAND_SUBTOTAL,
    SEED002_SECTION,
    SEED002_TOTAL,
    SEED003_DOCUMENTS,
    SEED003_RATING,
    SEED003_SCORE,
    SEED003_SURVEY_SHARES,
    seed002_values,
    seed003_values,
)


def split_seed002(parts: int) -> list[UnitInput]:
    """Seed 002's stored cells shared out among units: whole rows and fractions of cells."""
    shares: list[dict[str, int]] = [{} for _ in range(parts)]
    for i, (key, value) in enumerate(seed002_values().items()):
        first = value // 3
        shares[i % parts][key] = shares[i % parts].get(key, 0) + first
        shares[(i + 1) % parts][key] = shares[(i + 1) % parts].get(key, 0) + value - first
    return [UnitInput(n + 1, f"Xã {n + 1}", values) for n, values in enumerate(shares)]


@pytest.mark.parametrize("parts", [1, 2, 3, 5])
def test_seed_002_totals_row_is_reproduced_however_rows_are_split_among_units(halfyear, parts):
    result = consolidate(halfyear, split_seed002(parts))
    table = result.tables[SEED002_SECTION]
    assert tuple(table.total[c] for c in SEED002_COLUMNS) == SEED002_TOTAL
    assert tuple(table.group("dat_dai").values[c] for c in SEED002_COLUMNS) == SEED002_LAND_SUBTOTAL
    land_row = next(r for r in table.rows if r.code == "dat_dai")
    assert land_row.values["c3"] == 13230 and land_row.group == "dat_dai"


def test_land_subtotal_ratios_reproduce_seed_002_percentages(halfyear):
    table = consolidate(halfyear, split_seed002(3)).tables[SEED002_SECTION]
    ratios = table.ratios(table.group("dat_dai").values)
    assert {name: format_ratio(ratios[name]) for name in SEED002_LAND_RATIOS} == SEED002_LAND_RATIOS
    assert ratios["on_time"] == Decimal("0.784")


def test_ratios_come_from_summed_counts_not_from_averaged_unit_ratios(halfyear):
    a = {cell_key(SEED002_SECTION, "ho_tich", "c8"): 1, cell_key(SEED002_SECTION, "ho_tich", "c9"): 0}
    b = {cell_key(SEED002_SECTION, "ho_tich", "c8"): 1, cell_key(SEED002_SECTION, "ho_tich", "c9"): 9}
    table = consolidate(halfyear, [UnitInput(1, "A", a), UnitInput(2, "B", b)]).tables[SEED002_SECTION]
    assert format_ratio(table.ratios(table.total)["on_time"]) == "18,2%"  # 2/11, not (100%+10%)/2


def test_breakdown_lists_each_units_table_totals_in_unit_order(halfyear):
    units = split_seed002(3)
    rows = consolidate(halfyear, units).breakdown[SEED002_SECTION]
    assert [(unit_id, name) for unit_id, name, _ in rows] == [(1, "Xã 1"), (2, "Xã 2"), (3, "Xã 3")]
    assert sum(totals["c3"] for _, _, totals in rows) == 15256
    assert sum(totals["c7"] for _, _, totals in rows) == 12463


@pytest.mark.parametrize(
    "key",
    [
        cell_key(SEED002_SECTION, "dat_dai", "c4"),  # stored
        cell_key(SEED002_SECTION, "dat_dai", "c6"),  # stored
        cell_key(SEED002_SECTION, "dat_dai", "c3"),  # computed column
        group_key(SEED002_SECTION, "dat_dai", "c7"),  # subtotal
        total_key(SEED002_SECTION, "c10"),  # total
    ],
)
def test_each_units_part_of_a_consolidated_cell_adds_up_to_it(halfyear, key):
    units = split_seed002(3)
    result = consolidate(halfyear, units)
    parts = contributions(halfyear, units, key)
    assert [name for name, _ in parts] == ["Xã 1", "Xã 2", "Xã 3"]
    assert sum(value for _, value in parts) == result.values[key]
    assert result.contributions(key) == parts


def test_the_survey_of_one_commune_gives_seed_003_shares_score_and_rating(quarterly):
    survey = consolidate(quarterly, [UnitInput(1, "Xã Hoàng Kim", seed003_values())]).satisfaction["I.5.5"]
    assert survey.forms == 227
    shares = {level: format_ratio(survey.shares[level]) for level in SEED003_SURVEY_SHARES}
    assert shares == SEED003_SURVEY_SHARES
    assert format_score(survey.score) == SEED003_SCORE
    assert survey.rating == SEED003_RATING


def test_survey_shares_and_indices_are_weighted_by_forms_and_the_rating_re_derived(quarterly):
    other = {field_key("I.5.5", k): v for k, v in {
        "forms": 100, "very_satisfied": 10, "satisfied": 50, "neutral": 40,
        **{f"i{n}": 120 for n in range(1, 10)},
    }.items()}
    units = [UnitInput(1, "Xã Hoàng Kim", seed003_values()), UnitInput(2, "Xã Hoàng Trung", other)]
    survey = consolidate(quarterly, units).satisfaction["I.5.5"]
    assert survey.forms == 327
    assert survey.counts["very_satisfied"] == 182
    # 182/327, not the average of 75,8% and 10%
    assert [format_ratio(survey.shares[k]) for k in ("very_satisfied", "satisfied", "neutral")] == [
        "55,7%", "31,5%", "12,8%"]
    # (1,9×227 + 1,2×100) / 327 = 1,6859… → 1,69 per index
    assert survey.indices["i1"] == 169
    assert format_score(survey.score) == "15,2"
    # the averaged unit scores (17,1 and 10,8 → 13,95) would say "Khá"
    assert survey.rating == "Tốt"


def test_a_unit_without_forms_does_not_weigh_on_the_indices(quarterly):
    empty = {field_key("I.5.5", "forms"): 0, field_key("I.5.5", "i1"): 0}
    units = [UnitInput(1, "A", seed003_values()), UnitInput(2, "B", empty)]
    assert consolidate(quarterly, units).satisfaction["I.5.5"].indices["i1"] == 190


def test_no_survey_at_all_gives_no_score_and_no_rating(quarterly):
    survey = consolidate(quarterly, [UnitInput(1, "A", {})]).satisfaction["I.5.5"]
    assert (survey.forms, survey.score, survey.rating, survey.shares["satisfied"]) == (0, None, "", None)


def test_counts_are_summed_but_a_catalogue_size_never_is(quarterly):
    units = [UnitInput(1, "A", seed003_values()), UnitInput(2, "B", seed003_values())]
    result = consolidate(quarterly, units)
    assert result.indicators["I.6.1"] == {"online_full": 164, "online_partial": 466,
                                         "online_full_total": None, "online_partial_total": None}
    assert result.indicators["I.5.6"] == {"apologies": 4}
    assert result.indicators["I.1"]["in_scope"] is None
    measured = result.measures["I.6.1"]["online_full"]
    assert (len(measured.reached), len(measured.reporting), measured.numerator, measured.denominator) == (2, 2, 164, 164)
    assert result.measures["I.1"]["in_scope"].low == result.measures["I.1"]["in_scope"].high == 201


def test_one_units_catalogue_size_is_its_own(quarterly):
    assert consolidate(quarterly, [UnitInput(1, "A", seed003_values())]).indicators["I.1"]["in_scope"] == 201


def test_narratives_keep_each_units_text_and_the_units_that_wrote_nothing():
    units = [
        UnitInput(1, "Xã A", {text_key("II.2"): "Thiếu máy quét.\n- Mạng chậm."}),
        UnitInput(2, "Xã B", {text_key("II.2"): "   "}),
        UnitInput(3, "Xã C", {text_key("II.2"): "Cán bộ kiêm nhiệm."}),
        UnitInput(4, "Xã D", {}),
    ]
    merge = merge_narratives("II.2", units)
    assert merge.entries == [("Xã A", "Thiếu máy quét.\n- Mạng chậm."), ("Xã C", "Cán bộ kiêm nhiệm.")]
    assert merge.empty_units == ["Xã B", "Xã D"]


def test_documents_are_listed_with_the_issuing_unit_in_unit_order(quarterly):
    units = [
        UnitInput(7, "Xã Hoàng Kim", {}, SEED003_DOCUMENTS),
        UnitInput(3, "Xã Hoàng Trung", {}, [{"doc_type": "CV", "number": "12/UBND", "issued_on": None, "summary": "x"}]),
    ]
    documents = consolidate(quarterly, units).documents
    assert len(documents) == 8
    assert documents[0]["number"] == "11/QĐ-UBND" and documents[0]["unit_name"] == "Xã Hoàng Kim"
    assert (documents[-1]["unit_id"], documents[-1]["unit_name"]) == (3, "Xã Hoàng Trung")
    assert "unit_name" not in SEED003_DOCUMENTS[0]


def test_missing_and_provisional_units_are_named(quarterly):
    units = [UnitInput(1, "Xã A", {}), UnitInput(2, "Xã B", {}, provisional=True)]
    result = consolidate(quarterly, units, missing=["Xã C", "Xã D"])
    assert result.missing == ("Xã C", "Xã D")
    assert result.provisional_units == ("Xã B",)


def test_consolidation_is_deterministic_whatever_the_order_of_keys(halfyear):
    units = split_seed002(3)
    shuffled = []
    rng = random.Random(4)
    for unit in units:
        items = list(unit.values.items())
        rng.shuffle(items)
        shuffled.append(UnitInput(unit.unit_id, unit.unit_name, dict(items)))
    first, second = consolidate(halfyear, units), consolidate(halfyear, shuffled)
    assert first == second
    assert list(first.values) == list(second.values)
    assert repr(first) == repr(consolidate(halfyear, split_seed002(3)))


def test_the_consolidated_report_is_itself_a_valid_submission_upward(quarterly):
    units = [UnitInput(1, "A", seed003_values()), UnitInput(2, "B", seed003_values())]
    result = consolidate(quarterly, units)
    upward = result.as_submission()
    assert upward[cell_key("I.4", "ho_tich", "c4")] == 240
    assert cell_key("I.4", "ho_tich", "c3") not in upward  # computed, never stored
    assert upward[field_key("I.5.5", "i1")] == 190
    assert text_key("I.2") not in upward  # texts upward are the reviewer's, never the units' pasted together
    assert upward[field_key("I.6.1", "online_full_total")] == 164  # a target summed with its attainment
    findings = validate(quarterly, upward)
    assert [f.rule_id for f in findings] == ["apologies_limit"]
    # consolidating that again one level up changes nothing
    again = consolidate(quarterly, [UnitInput(9, "Huyện", upward)])
    assert again.values[total_key("I.4", "c3")] == 630
    assert again.values[score_key("I.5.5")] == 1710


def test_text_and_unknown_keys_are_never_summed(quarterly):
    units = [UnitInput(1, "A", {text_key("I.2"): "abc", "I.4/ho_tich/c3": 999, "X/y": 5})]
    result = consolidate(quarterly, units)
    assert text_key("I.2") not in result.values
    assert result.values[total_key("I.4", "c3")] == 0
    assert "X/y" not in result.values

"""Rules checked on one unit's submission (design §7), on the seed reports' own figures."""
import pytest

from app.reporting.keys import cell_key, field_key, group_key, score_key, text_key, total_key
from app.reporting.numbers import InvalidNumber
from app.reporting.templates import shipped_templates
from app.reporting.validation import Finding, compute, findings_by_key, has_errors, parse_value, validate
from tests.fixtures.seeds import (
    SEED001_VALUES,
    SEED002_COLUMNS,
    SEED002_LAND_SUBTOTAL,
    SEED002_SECTION,
    SEED002_TOTAL,
    SEED003_TOTALS,
    seed002_values,
    seed003_values,
)


def by_rule(findings, rule_id):
    return [f for f in findings if f.rule_id == rule_id]


# --- compute ---------------------------------------------------------------------------


def test_form_06a_totals_reproduce_seed_003(quarterly):
    derived = compute(quarterly, seed003_values())
    assert {c: derived[total_key("I.4", c)] for c in SEED003_TOTALS} == SEED003_TOTALS


def test_computed_columns_sum_their_inputs_per_row(quarterly):
    derived = compute(quarterly, seed003_values())
    assert derived[cell_key("I.4", "ho_tich", "c3")] == 124
    assert derived[cell_key("I.4", "ho_tich", "c7")] == 124
    assert derived[cell_key("I.4", "ho_tich", "c11")] == 0


def test_missing_cells_count_as_zero(quarterly):
    derived = compute(quarterly, {cell_key("I.4", "ho_tich", "c4"): 5})
    assert derived[total_key("I.4", "c3")] == 5
    assert derived[total_key("I.4", "c7")] == 0
    assert derived[group_key("I.4", "dat_dai", "c3")] == 0


def test_seed_002_totals_and_land_subtotal_are_reproduced_for_every_column(halfyear):
    derived = compute(halfyear, seed002_values())
    assert tuple(derived[total_key(SEED002_SECTION, c)] for c in SEED002_COLUMNS) == SEED002_TOTAL
    land = tuple(derived[group_key(SEED002_SECTION, "dat_dai", c)] for c in SEED002_COLUMNS)
    assert land == SEED002_LAND_SUBTOTAL


def test_the_survey_score_is_the_sum_of_the_nine_indices(quarterly):
    assert compute(quarterly, seed003_values())[score_key("I.5.5")] == 1710


def test_compute_only_returns_derived_keys(quarterly):
    values = seed003_values()
    assert not set(compute(quarterly, values)) & set(values)


# --- the seeds against the rules -------------------------------------------------------


def test_seed_003_balances_315_received_against_315_resolved_and_0_pending(quarterly):
    findings = validate(quarterly, seed003_values())
    assert by_rule(findings, "dossier_balance") == []
    assert not has_errors(findings)


def test_seed_003_two_apologies_with_no_late_dossier_is_a_warning(quarterly):
    [finding] = by_rule(validate(quarterly, seed003_values()), "apologies_limit")
    assert finding.severity == "warning" and finding.needs_explanation
    assert finding.keys == ("I.5.6/apologies", "I.4/_total/c10", "I.4/_total/c13")
    assert finding.message == (
        "Số hồ sơ đã xin lỗi (2) nhiều hơn số hồ sơ quá hạn: "
        "đã giải quyết quá hạn (0) + đang giải quyết quá hạn (0)"
    )


def test_apologies_within_the_late_dossiers_pass(quarterly):
    values = {**seed003_values(), cell_key("I.4", "chung_thuc", "c10"): 2, cell_key("I.4", "chung_thuc", "c8"): 128}
    assert by_rule(validate(quarterly, values), "apologies_limit") == []


def test_seed_002_land_row_off_by_46_is_a_row_warning_while_the_totals_balance(halfyear):
    findings = validate(halfyear, seed002_values())
    assert by_rule(findings, "dossier_balance") == []
    rows = by_rule(findings, "dossier_balance_row")
    assert [f.keys[0] for f in rows] == [
        cell_key(SEED002_SECTION, "dang_ky_dat_dai", "c3"), cell_key(SEED002_SECTION, "dat_dai", "c3"),
    ]
    land = rows[1]
    assert land.severity == "warning"
    assert land.message == (
        "Lĩnh vực đất đai: số hồ sơ nhận (13.230) khác đã giải quyết (10.391) + đang giải quyết "
        "(2.143) + rút (51) + trả lại (599), chênh lệch +46"
    )
    assert "chênh lệch -46" in rows[0].message
    assert not has_errors(findings)


def test_seed_001_all_zero_month_passes():
    monthly = shipped_templates()["monthly_tthc"]
    assert validate(monthly, SEED001_VALUES) == []


# --- each rule, table-driven ----------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "on_time", "late", "in_progress", "fails"),
    [(0, 0, 0, 0, False), (5, 3, 1, 1, False), (5, 3, 1, 0, True), (0, 1, 0, 0, True)],
)
def test_feedback_received_must_equal_handled_on_time_late_and_in_progress(
    quarterly, received, on_time, late, in_progress, fails
):
    values = {
        field_key("I.3", "received"): received, field_key("I.3", "on_time"): on_time,
        field_key("I.3", "late"): late, field_key("I.3", "in_progress"): in_progress,
    }
    found = by_rule(validate(quarterly, values), "feedback_sum")
    assert bool(found) == fails
    if fails:
        assert found[0].severity == "error"
        assert found[0].keys[0] == field_key("I.3", "received")
        assert has_errors(found)


def test_feedback_message_names_each_number(quarterly):
    values = {field_key("I.3", "received"): 5, field_key("I.3", "on_time"): 3, field_key("I.3", "late"): 1}
    [finding] = by_rule(validate(quarterly, values), "feedback_sum")
    assert finding.message == (
        "Số phản ánh, kiến nghị đã tiếp nhận (5) phải bằng đã xử lý đúng hạn (3) + quá hạn (1) "
        "+ đang xử lý (0)"
    )


def test_unbalanced_dossier_totals_block_submission_with_the_numbers(quarterly):
    values = {**seed003_values(), cell_key("I.4", "ho_tich", "c4"): 1120}
    [finding] = by_rule(validate(quarterly, values), "dossier_balance")
    assert finding.severity == "error"
    assert finding.message == "Tổng số hồ sơ nhận (1.315) phải bằng đã giải quyết (315) + đang giải quyết (0)"
    assert finding.keys == ("I.4/_total/c3", "I.4/_total/c7", "I.4/_total/c11")


SURVEY = {field_key("I.5.5", k): v for k, v in {
    "forms": 100, "very_satisfied": 60, "satisfied": 30, "neutral": 10,
    "dissatisfied": 0, "very_dissatisfied": 0, **{f"i{n}": 180 for n in range(1, 10)},
}.items()}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"forms": 99}, "Tổng số phiếu (99) phải bằng tổng số phiếu theo các mức độ (100)"),
        ({"i3": 210}, "Số lần phải liên hệ với nơi tiếp nhận hồ sơ để hoàn thiện hồ sơ: điểm (2,1) phải từ 0 đến 2"),
        ({"i1": 200, "i2": 200, "i3": 200, "i4": 200, "i5": 200, "i6": 200, "i7": 200, "i8": 200, "i9": 250},
         "Tổng điểm các chỉ số (18,5) vượt quá 18 điểm"),
    ],
)
def test_survey_errors_forms_sum_index_range_and_total(quarterly, changes, message):
    values = {**SURVEY, **{field_key("I.5.5", k): v for k, v in changes.items()}}
    found = by_rule(validate(quarterly, values), "satisfaction_survey")
    assert message in [f.message for f in found]
    assert all(f.severity == "error" for f in found)


def test_a_consistent_survey_passes(quarterly):
    assert by_rule(validate(quarterly, SURVEY), "satisfaction_survey") == []


def test_an_empty_survey_is_not_checked(quarterly):
    assert by_rule(validate(quarterly, {}), "satisfaction_survey") == []


@pytest.mark.parametrize(
    ("carried", "previous_pending", "warns"),
    [(4, 4, False), (0, 0, False), (4, 3, True), (0, 7, True)],
)
def test_carried_over_should_equal_last_periods_pending(quarterly, carried, previous_pending, warns):
    values = {cell_key("I.4", "ho_tich", "c6"): carried}
    previous = {cell_key("I.4", "ho_tich", "c12"): previous_pending}
    found = by_rule(validate(quarterly, values, previous), "dossier_carry_over")
    assert bool(found) == warns
    if warns:
        assert found[0].keys == (cell_key("I.4", "ho_tich", "c6"),)
        assert found[0].severity == "warning"
        assert found[0].message.startswith("Hộ tịch: số hồ sơ từ kỳ trước")


def test_carry_over_is_not_checked_without_a_previous_period(quarterly):
    assert by_rule(validate(quarterly, {cell_key("I.4", "ho_tich", "c6"): 9}), "dossier_carry_over") == []


@pytest.mark.parametrize(
    ("value", "before", "warns"),
    [
        (100, 30, True),   # more than 3×
        (90, 30, False),   # exactly 3×
        (21, 100, True),   # less than a third
        (60, 19, False),   # last period too small to compare
        (15, 100, False),  # this period too small to compare
        (0, 0, False),
    ],
)
def test_a_value_far_from_last_periods_is_flagged_when_both_exceed_20(quarterly, value, before, warns):
    key = cell_key("I.4", "chung_thuc", "c4")
    found = by_rule(validate(quarterly, {key: value}, {key: before}), "dossier_outlier")
    assert bool(found) == warns
    if warns:
        assert found[0].keys == (key,)
        assert found[0].message.startswith("Chứng thực, cột (4): ")


def test_an_uploaded_value_out_of_range_is_an_error_beside_its_cell(quarterly):
    key = cell_key("I.4", "ho_tich", "c4")
    found = by_rule(validate(quarterly, {key: -3}), "value_range")
    assert [(f.keys, f.message) for f in found] == [((key,), "Số âm không hợp lệ")]


def test_a_too_long_narrative_is_an_error(quarterly):
    found = by_rule(validate(quarterly, {text_key("I.2"): "x" * 5001}), "text_length")
    assert found[0].message == "Nội dung dài 5.001 ký tự, vượt quá 5.000 ký tự cho phép"


def test_findings_can_be_looked_up_by_cell(halfyear):
    findings = validate(halfyear, seed002_values())
    lookup = findings_by_key(findings)
    assert [f.rule_id for f in lookup[cell_key(SEED002_SECTION, "dat_dai", "c3")]] == ["dossier_balance_row"]


def test_a_finding_is_an_immutable_value():
    finding = Finding("r", "error", "I.3", ("I.3/received",), "m")
    assert not finding.needs_explanation
    with pytest.raises(AttributeError):
        finding.message = "x"


@pytest.mark.parametrize(
    ("key", "text", "expected"),
    [
        ("I.4/ho_tich/c4", "1.391", 1391),
        ("I.4/ho_tich/c4", "  ", None),
        ("I.5.5/i1", "1,9", 190),
        ("I.2/text", "Dòng 1\r\nDòng 2", "Dòng 1\nDòng 2"),
    ],
)
def test_typed_values_are_parsed_by_the_kind_of_their_key(quarterly, key, text, expected):
    assert parse_value(quarterly, key, text) == expected


@pytest.mark.parametrize(("key", "error"), [("I.4/ho_tich/c3", KeyError), ("I.4/ho_tich/c4", InvalidNumber)])
def test_computed_cells_and_bad_numbers_cannot_be_stored(quarterly, key, error):
    with pytest.raises(error):
        parse_value(quarterly, key, "1,5")


def test_an_indicator_far_from_last_periods_is_flagged(quarterly):
    key = field_key("I.6.3", "e_certified")
    [finding] = by_rule(validate(quarterly, {key: 480}, {key: 48}), "e_certified_outlier")
    assert finding.message == "Số bản sao chứng thực điện tử từ bản chính: 480 so với 48 kỳ trước, chênh lệch hơn 3 lần"


def test_the_hint_under_carried_over_shows_last_periods_pending_column(quarterly):
    from app.reporting.validation import previous_reference

    row = quarterly.section("I.4").rows[0].code
    assert previous_reference(quarterly, f"I.4/{row}/c6") == (f"I.4/{row}/c11", "(11)")
    assert previous_reference(quarterly, f"I.4/{row}/c4") == (f"I.4/{row}/c4", "")
    assert previous_reference(quarterly, "I.1/published") == ("I.1/published", "")

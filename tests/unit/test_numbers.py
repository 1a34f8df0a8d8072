"""Numbers typed by officers and shown in reports, the Vietnamese way."""
from decimal import Decimal

import pytest

from app.reporting.numbers import (
    InvalidNumber,
    format_count,
    format_percent,
    format_ratio,
    format_score,
    parse_count,
    parse_score,
    ratio,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15256", 15256),
        ("15.256", 15256),
        (" 1.391 ", 1391),
        ("0", 0),
        ("00", 0),
        ("1.000.000", 1_000_000),
        ("15 256", 15256),
        ("\u00a01.391\u00a0", 1391),
        ("9.999.999", 9_999_999),
    ],
)
def test_a_whole_count_is_accepted_with_or_without_thousands_dots(text, expected):
    assert parse_count(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Chưa nhập giá trị"),
        ("   ", "Chưa nhập giá trị"),
        ("-5", "Số âm không hợp lệ"),
        ("-1.391", "Số âm không hợp lệ"),
        ("1,5", "Chỉ nhập số nguyên không âm"),
        ("1.5", "Chỉ nhập số nguyên không âm"),
        ("12.34", "Chỉ nhập số nguyên không âm"),
        ("1.3910", "Chỉ nhập số nguyên không âm"),
        (".391", "Chỉ nhập số nguyên không âm"),
        ("mười", "Chỉ nhập số nguyên không âm"),
        ("12a", "Chỉ nhập số nguyên không âm"),
        ("10.000.000", "Giá trị quá lớn (tối đa 9.999.999)"),
        ("99999999", "Giá trị quá lớn (tối đa 9.999.999)"),
    ],
)
def test_a_count_that_is_not_a_whole_non_negative_number_is_refused_with_a_reason(text, message):
    with pytest.raises(InvalidNumber) as caught:
        parse_count(text)
    assert str(caught.value) == message
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("text", "hundredths"),
    [("1,9", 190), ("1.9", 190), ("2", 200), ("0", 0), ("1,95", 195), (" 0,5 ", 50)],
)
def test_a_satisfaction_index_is_read_in_hundredths(text, hundredths):
    assert parse_score(text) == hundredths


@pytest.mark.parametrize("text", ["2,1", "17,1", "-1", "1,999", "abc", ""])
def test_a_satisfaction_index_outside_zero_to_two_is_refused(text):
    with pytest.raises(InvalidNumber):
        parse_score(text)


@pytest.mark.parametrize(
    ("n", "text"),
    [(15256, "15.256"), (0, "0"), (599, "599"), (1_000_000, "1.000.000"), (-46, "-46"), (None, "")],
)
def test_counts_are_shown_with_dots_between_thousands(n, text):
    assert format_count(n) == text


@pytest.mark.parametrize(
    ("numerator", "denominator", "text"),
    [
        (9278, 11836, "78,4%"),
        (2558, 11836, "21,6%"),
        (1498, 2143, "69,9%"),
        (645, 2143, "30,1%"),
        (172, 227, "75,8%"),
        (2, 227, "0,9%"),
        (627, 627, "100,0%"),
        (1, 8, "12,5%"),  # 12,5 exactly: no rounding
        (1, 16, "6,3%"),  # 6,25 rounds half-up
        (0, 0, "–"),
        (5, 0, "–"),
    ],
)
def test_percentages_are_rounded_half_up_to_one_decimal_with_a_comma(numerator, denominator, text):
    assert format_percent(numerator, denominator) == text


def test_a_ratio_is_a_fraction_rounded_to_three_places_or_none_without_denominator():
    assert ratio(9278, 11836) == Decimal("0.784")
    assert ratio(0, 0) is None
    assert format_ratio(ratio(9278, 11836)) == "78,4%"
    assert format_ratio(None) == "–"


@pytest.mark.parametrize(
    ("hundredths", "text"), [(1710, "17,1"), (190, "1,9"), (200, "2,0"), (195, "2,0"), (0, "0,0")]
)
def test_scores_are_shown_with_one_decimal_and_a_comma(hundredths, text):
    assert format_score(hundredths) == text


@pytest.mark.parametrize(("numerator", "denominator", "shown"), [
    (1569, 2000, "78,5%"),  # 0.7845: half-up gives 78,5% where half-even would give 78,4%
    (1567, 2000, "78,4%"),  # 0.7835
    (1, 8, "12,5%"),        # 0.125 exactly
    (1, 3, "33,3%"),
    (2, 3, "66,7%"),
])
def test_ratios_round_half_up_on_x_x5_values(numerator, denominator, shown):
    assert format_percent(numerator, denominator) == shown


@pytest.mark.parametrize(("hundredths", "shown"), [(1705, "17,1"), (1715, "17,2"), (1725, "17,3"), (25, "0,3")])
def test_scores_round_half_up(hundredths, shown):
    assert format_score(hundredths) == shown


def test_separators_are_the_vietnamese_locale_s():
    from babel.numbers import format_decimal

    assert format_count(1_234_567) == format_decimal(1_234_567, locale="vi") == "1.234.567"


def test_survey_shares_have_one_decimal_each_and_add_up_to_exactly_100_percent():
    from app.reporting.numbers import largest_remainder_shares

    # Plain rounding gives 69,2 + 30,1 + 0,6 = 99,9 %.
    shares = largest_remainder_shares({"very": 889, "good": 387, "fair": 8}, 1284)
    assert sum(shares.values()) == Decimal("1")
    assert [format_ratio(v) for v in shares.values()] == ["69,2%", "30,2%", "0,6%"]
    assert format_ratio(largest_remainder_shares({"a": 1, "b": 99}, 100)["a"]) == "1,0%"
    # Levels that do not make up the whole are rounded one by one; no forms, no shares.
    assert largest_remainder_shares({"a": 1, "b": 1}, 3) == {"a": Decimal("0.333"), "b": Decimal("0.333")}
    assert largest_remainder_shares({"a": 0}, 0) == {"a": None}

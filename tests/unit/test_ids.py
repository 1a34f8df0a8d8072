import pytest
from werkzeug.datastructures import MultiDict

from app.services.ids import MAX_ID, parse_id, valid_id
from app.urls import BoundedFields, bounded_int


@pytest.mark.parametrize("text, expected", [
    ("1", 1), ("2147483647", MAX_ID), ("2147483648", None), ("0", None), ("", None), (None, None), ("²", None),
    ("١٢", None), ("-1", None), ("9" * 5000, None), (" 1", None),
])
def test_an_id_from_outside_is_ascii_digits_within_the_integer_range(text, expected):
    assert parse_id(text) == expected


def test_only_integers_in_range_are_ids():
    assert valid_id(1) and valid_id(MAX_ID)
    assert not any(valid_id(v) for v in (0, -1, MAX_ID + 1, 2**63, True, "1", 1.0))


@pytest.mark.parametrize("text, expected", [
    ("12", 12), ("-3", -3), ("+4", 4), (str(MAX_ID), MAX_ID), (str(-MAX_ID), -MAX_ID), (str(2**31), None),
    ("²", None), ("9" * 5000, None), ("1e3", None), ("", None),
])
def test_a_number_field_read_as_int_stays_in_range_or_falls_back(text, expected):
    assert bounded_int(text) == expected
    fields = BoundedFields(MultiDict({"n": text}))
    assert fields.get("n", 7, type=int) == (7 if expected is None else expected)
    assert fields.get("n") == text

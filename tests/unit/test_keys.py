"""The flat key scheme under which submissions store their values."""
import pytest

from app.reporting.keys import cell_key, field_key, group_key, is_derived, parse_key, score_key, text_key, total_key


@pytest.mark.parametrize(
    ("key", "parts", "derived"),
    [
        (cell_key("I.4", "dat_dai", "c3"), ("I.4", "dat_dai", "c3"), False),
        (field_key("I.3", "received"), ("I.3", "received", None), False),
        (text_key("II.1"), ("II.1", "text", None), False),
        (total_key("I.4", "c10"), ("I.4", "_total", "c10"), True),
        (group_key("I.4", "dat_dai", "c7"), ("I.4", "_group:dat_dai", "c7"), True),
        (score_key("I.5.5"), ("I.5.5", "_score", None), True),
    ],
)
def test_every_key_names_its_section_and_can_be_taken_apart(key, parts, derived):
    assert parse_key(key) == parts
    assert is_derived(key) == derived


def test_the_documented_key_shapes():
    assert cell_key("I.4", "ho_tich", "c4") == "I.4/ho_tich/c4"
    assert total_key("I.4", "c3") == "I.4/_total/c3"
    assert group_key("I.4", "dat_dai", "c3") == "I.4/_group:dat_dai/c3"


@pytest.mark.parametrize("key", ["", "I.4", "I.4//c3", "a/b/c/d"])
def test_a_malformed_key_is_refused(key):
    with pytest.raises(ValueError):
        parse_key(key)


def test_labels_name_rows_groups_totals_and_columns_as_people_read_them(quarterly):
    from app.reporting.diff import key_label

    assert key_label(quarterly, "I.4/_total/c3") == "I.4 Tổng cộng — (3) Số hồ sơ nhận giải quyết, Tổng số"
    assert key_label(quarterly, "I.4/_group:dat_dai/c13").startswith("I.4 Tổng lĩnh vực đất đai — (13)")
    assert key_label(quarterly, "I.4/ho_tich/c4") == "I.4 Hộ tịch — (4) Số hồ sơ nhận giải quyết, Trong kỳ, Trực tuyến"
    assert key_label(quarterly, "I.5.5/_score") == "I.5.5 Điểm đánh giá (tổng các chỉ số)"
    assert key_label(quarterly, "I.1/published").startswith("I.1 Số TTHC")
    for key in ("I.4/_total/c3", "I.4/_group:dat_dai/c3", "I.5.5/_score"):
        assert "_" not in key_label(quarterly, key)

import pytest

from app.reporting.text import clean_text, xml_safe


@pytest.mark.parametrize("typed, stored", [
    ("Đã tiếp nhận\x0b15 hồ sơ", "Đã tiếp nhận15 hồ sơ"),
    ("a\x00b\x07c\ufffed", "abcd"),
    ("dòng 1\r\ndòng 2\rdòng 3", "dòng 1\ndòng 2\ndòng 3"),
    ("cột\tcột", "cột\tcột"),
    ("Tie\u0302\u0301p nha\u0323\u0302n", "Tiếp nhận"),
    (None, ""),
])
def test_typed_text_is_stored_without_control_characters(typed, stored):
    assert clean_text(typed) == stored


def test_stored_text_is_written_with_only_characters_xml_can_hold():
    assert xml_safe("a\x0bb\x00c\ufffe\U0001F600") == "abc\U0001F600"

"""Word settings defaults by kind of unit: an office signs as its head under its initials."""
from __future__ import annotations

import pytest

from app.models import OrgUnit
from app.services.document_settings import default_recipient, default_signature, office_symbol


@pytest.mark.parametrize(("name", "symbol"), [
    ("Phòng Tư pháp", "BC-PTP"),
    ("Phòng Tài nguyên và Môi trường", "BC-PTNMT"),
    ("Phòng Nội vụ huyện Bình Sơn", "BC-PNV"),
    ("Sở Văn hóa, Thể thao và Du lịch", "BC-SVHTTDL"),
    ("Văn phòng HĐND và UBND huyện", "BC-VP"),
    ("Chi nhánh Văn phòng Đăng ký đất đai", "BC-CNVPĐKĐĐ"),
])
def test_an_offices_symbol_is_the_initials_of_its_own_name(name, symbol):
    assert office_symbol(name) == symbol


@pytest.mark.parametrize(("name", "kind", "symbol", "prefix", "title"), [
    ("Xã Bình Chánh", "commune", "BC-UBND", ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"), "PHÓ CHỦ TỊCH"),
    ("Huyện Bình Sơn", "district", "BC-UBND", ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"), "PHÓ CHỦ TỊCH"),
    ("Phòng Tư pháp", "office", "BC-PTP", (), "TRƯỞNG PHÒNG"),
    ("Sở Nội vụ", "office", "BC-SNV", (), "GIÁM ĐỐC"),
    ("Văn phòng HĐND và UBND huyện", "office", "BC-VP", (), "CHÁNH VĂN PHÒNG"),
])
def test_defaults_follow_the_kind_of_unit(name, kind, symbol, prefix, title):
    signature = default_signature(OrgUnit(name=name, kind=kind), "UBND huyện Bình Sơn")
    assert (signature.symbol, signature.signer_prefix, signature.signer_title) == (symbol, prefix, title)
    assert signature.recipient == "UBND huyện Bình Sơn"


def test_a_province_reports_to_the_government_office_by_default():
    assert default_recipient(OrgUnit(name="Tỉnh Hưng Yên", kind="province"), "") == "Văn phòng Chính phủ"
    assert default_recipient(OrgUnit(name="Huyện Bình Sơn", kind="district"), "UBND tỉnh Quảng Ngãi") == "UBND tỉnh Quảng Ngãi"

"""Texts arriving from a lower consolidation: its attributions give way to the receiving
level's own (never stacked), and what it proposes to the receiving level is told apart."""
from __future__ import annotations


def test_a_lower_levels_attribution_is_stripped_and_proposals_to_this_level_are_recognised():
    from app.services.consolidation import addresses_level, strip_attribution

    assert strip_attribution("- Đã niêm yết đủ TTHC (Xã Bình An, Xã Bình Chánh và 7 đơn vị khác).") == \
        "- Đã niêm yết đủ TTHC."
    assert strip_attribution("- Cán bộ kiêm nhiệm (Xã Bình Châu và Thị trấn Châu Ổ)") == "- Cán bộ kiêm nhiệm"
    # Parentheses that are not a list of units stay.
    kept = "- Niêm yết trên Cổng dịch vụ công tỉnh (https://dichvucong.quangngai.gov.vn)."
    assert strip_attribution(kept) == kept
    assert strip_attribution("- Có 3 hồ sơ quá hạn (đất đai).") == "- Có 3 hồ sơ quá hạn (đất đai)."
    assert addresses_level("- Đề nghị UBND tỉnh bố trí kinh phí.", "province")
    assert addresses_level("Kiến nghị Ủy ban nhân dân tỉnh sớm ban hành quy chế.", "province")
    assert not addresses_level("- Đề nghị UBND huyện bố trí kinh phí.", "province")
    assert addresses_level("- Đề nghị UBND huyện bố trí kinh phí.", "district")
    assert not addresses_level("UBND tỉnh đã ban hành quy chế.", "province")  # a statement, not a proposal

"""A national round (issue 24): the Government Office above the provinces. Each province
consolidates its communes and sends its report upward, addressed to the Government Office;
the Office's board, consolidated page, suggestions, Word and Excel work over the provinces."""
from __future__ import annotations

import io
from datetime import date

import docx
import openpyxl

from app.extensions import db
from app.reporting.keys import text_key
from app.reporting.templates import DEFAULT_FIELDS
from app.services.consolidation import addresses_level
from app.services.submissions import move
from tests.conftest import login_as
from tests.factories import make_round, make_unit, make_user, set_values, submission_for
from tests.fixtures.seeds import seed003_values
from tests.web.test_directives import download, switch
from tests.web.test_exports import add_catalogue
from tests.web.test_report_levels import insert_every_suggestion

PROPOSAL = "Đề nghị Văn phòng Chính phủ hướng dẫn thống nhất việc số hóa hồ sơ TTHC cấp xã."


def province(code: str, name: str, central, communes: int, reporting: int):
    unit = make_unit(code, name, "province", central, place_name=name.split(" ", 1)[1])
    units = [make_unit(f"{code}.X{i:02d}", f"Xã {name.split(' ', 1)[1]} {i}", "commune", unit, sort_order=i)
             for i in range(1, communes + 1)]
    round_ = make_round(unit, "quarterly_tthc", year=2025, index=3, expected=units, deadline=date(2030, 1, 10))
    for i, commune in enumerate(units[:reporting]):
        set_values(submission_for(round_, commune), seed003_values() | {
            text_key("I.2"): ("UBND xã đã rà soát các TTHC thực hiện trực tuyến.", "Đã rà soát TTHC trực tuyến toàn trình.")[i % 2],
            text_key("IV"): PROPOSAL if i == 0 else "Đề nghị UBND tỉnh hỗ trợ máy quét hồ sơ.",
        }, status="approved")
    return unit, round_


def national_world():
    add_catalogue(DEFAULT_FIELDS)
    central = make_unit("VPCP", "Văn phòng Chính phủ", "central", place_name="Hà Nội")
    north, north_round = province("HT", "Tỉnh Hà Thử", central, 3, 3)
    south, south_round = province("CT", "Tỉnh Cà Thử", central, 2, 1)
    national = make_round(central, "quarterly_tthc", year=2025, index=3, expected=[north, south],
                          deadline=date(2030, 1, 31))
    return central, (north, north_round), (south, south_round), national


def test_provinces_send_their_consolidations_to_the_government_office_which_consolidates_them(client):
    central, (north, north_round), (south, south_round), national = national_world()
    # The province's own report is addressed to the Government Office, headed by its People's Committee.
    switch(client, make_user(north, "reviewer"))
    word = docx.Document(io.BytesIO(download(client, f"/exports/rounds/{north_round.id}.docx")))
    lines = [p.text for p in word.paragraphs]
    assert "Kính gửi: Văn phòng Chính phủ." in lines
    header = [p.text for p in word.tables[0].rows[0].cells[0].paragraphs if p.text]
    assert header == ["ỦY BAN NHÂN DÂN", "TỈNH HÀ THỬ"]
    page = client.get(f"/rounds/{north_round.id}/consolidated").get_data(as_text=True)
    assert "Nộp lên cấp trên" in page and "Văn phòng Chính phủ" in page
    insert_every_suggestion(north_round)
    assert client.post(f"/rounds/{north_round.id}/upward", data={"confirm": "1"}).status_code == 303
    switch(client, make_user(south, "reviewer"))
    insert_every_suggestion(south_round)
    assert client.post(f"/rounds/{south_round.id}/upward", data={"confirm": "1"}).status_code == 303

    office = make_user(central, "reviewer")
    switch(client, office)
    board = client.get(f"/rounds/{national.id}").get_data(as_text=True)
    assert "Tỉnh Hà Thử" in board and "Tỉnh Cà Thử" in board and board.count("badge-submitted") >= 2
    for sub in national.submissions:
        db.session.refresh(sub)
        assert sub.status == "submitted"
        move(sub, office, "approve")
    db.session.commit()
    page = client.get(f"/rounds/{national.id}/consolidated").get_data(as_text=True)
    # Coverage travels up: 2 provinces, 4 of their 5 communes.
    assert "gồm 4/5 đơn vị cấp dưới" in page and "Tỉnh Cà Thử: tổng hợp từ 1/2 đơn vị" in page
    # The communes' proposal to the Government Office arrives as a proposal to this level;
    # one to a province's committee stayed with the province.
    received = client.get(f"/rounds/{national.id}/suggestions/IV").get_data(as_text=True)
    assert "Đề xuất, kiến nghị gửi Văn phòng Chính phủ" in received
    assert "Đề nghị UBND tỉnh" not in received

    word = docx.Document(io.BytesIO(download(client, f"/exports/rounds/{national.id}.docx")))
    lines = [p.text for p in word.paragraphs]
    text = "\n".join(lines)
    assert "Kính gửi: Thủ tướng Chính phủ." in lines
    assert any(line.startswith("Trên cơ sở báo cáo của Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương, "
                               "Văn phòng Chính phủ tổng hợp, báo cáo") for line in lines)
    header = [p.text for p in word.tables[0].rows[0].cells[0].paragraphs if p.text]
    assert header == ["VĂN PHÒNG CHÍNH PHỦ"]
    # Four communes of 315 dossiers each, summed through two provinces.
    assert "Tổng số hồ sơ tiếp nhận: 1.260 hồ sơ" in text
    assert "BỘ TRƯỞNG, CHỦ NHIỆM" in text or any("BỘ TRƯỞNG, CHỦ NHIỆM" in c.text for t in word.tables
                                                for r in t.rows for c in r.cells)

    book = openpyxl.load_workbook(io.BytesIO(download(client, f"/exports/rounds/{national.id}.xlsx")))
    first = [str(c.value) for row in book.worksheets[0].iter_rows(max_row=6) for c in row if c.value]
    assert any("Thủ tướng Chính phủ" in v for v in first)
    assert any(v.startswith("Báo cáo tổng hợp từ 2/2 đơn vị trực thuộc, gồm 4/5 đơn vị cấp dưới") for v in first)


def test_a_proposal_to_the_government_is_told_apart_from_one_to_a_province():
    assert addresses_level("Đề nghị Chính phủ sửa đổi Nghị định 61.", "central")
    assert addresses_level("- Kiến nghị Văn phòng Chính phủ hướng dẫn số hóa.", "central")
    assert not addresses_level("Đề nghị UBND tỉnh hỗ trợ kinh phí.", "central")
    assert not addresses_level("Đề nghị Chính phủ sửa đổi Nghị định 61.", "province")


def test_the_central_unit_opens_a_round_over_the_provinces_by_default(client):
    from app.reporting.templates import shipped_templates
    from app.services.rounds import default_expected_units

    add_catalogue(DEFAULT_FIELDS)
    central = make_unit("VPCP", "Văn phòng Chính phủ", "central")
    provinces = [make_unit(f"P{i}", f"Tỉnh Số {i}", "province", central, sort_order=i) for i in (1, 2)]
    login_as(client, make_user(central, "reviewer"))
    assert default_expected_units(central, shipped_templates()["quarterly_tthc"]) == provinces


def test_the_template_editor_shows_the_central_levels_wording(client):
    import lxml.html

    from tests.factories import make_tree
    from tests.web.test_template_editor import _draft, _forms

    province, _, _ = make_tree(1)
    login_as(client, make_user(province, "admin", username="quantri"))
    page = client.get(_draft(client, "shipped:quarterly_tthc")).get_data(as_text=True)
    assert "Báo cáo của Trung ương (Văn phòng Chính phủ)" in page
    values = dict(_forms(page)["template-top"].form_values())
    assert values["level-central-recipient"] == "Thủ tướng Chính phủ"
    assert values["level-central-opening"].startswith("Trên cơ sở báo cáo của Ủy ban nhân dân các tỉnh")
    assert values["level-province-recipient"] == "Văn phòng Chính phủ"
    assert lxml.html.fromstring(page).xpath("//legend[normalize-space()='']") == []

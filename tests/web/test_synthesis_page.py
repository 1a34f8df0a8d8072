"""The consolidated page at 110 units: each section's suggestion groups the units' statements,
nothing lists every unit's text, and the reviewer's text has no practical limit."""
from __future__ import annotations

import io
import re
import zipfile

import pytest

from app.extensions import db
from app.models import RoundNarrative
from tests.conftest import login_as
from tests.factories import make_round, make_tree, make_user, set_values

UNITS = 110
SECTION = "I.2"  # Rà soát, đơn giản hóa thủ tục hành chính (narrative)
SAME = "Không phát hiện thủ tục hành chính rườm rà, không cần thiết để kiến nghị đơn giản hóa."
NEAR = "UBND {unit} đã rà soát {n} thủ tục hành chính, kiến nghị đơn giản hóa 02 thủ tục."


@pytest.fixture
def province_round(app):
    _, district, units = make_tree(communes=UNITS)
    reviewer = make_user(district, role="reviewer", username="tonghop.huyen")
    round_ = make_round(district, expected=units)
    for i, sub in enumerate(sorted(round_.submissions, key=lambda s: s.unit.sort_order)):
        if i < 30:
            text = SAME if i % 2 else f"  {SAME.rstrip('.')}  "  # spacing and final stop differ
        elif i < 42:
            text = NEAR.format(unit=sub.unit.name.replace("Xã", "xã"), n=10 + i)
        elif i < 60:
            text = f"Rà soát riêng nội dung số {i} theo kế hoạch {i * 7} của đơn vị về lĩnh vực đặc thù {i}."
        else:
            text = ""  # half the units write nothing here
        set_values(sub, {f"{SECTION}/text": text} if text else {}, status="approved")
    return round_, reviewer


def suggestion(client, round_) -> str:
    response = client.get(f"/rounds/{round_.id}/suggestions/{SECTION}", headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_page_lists_no_unit_texts_and_stays_small(client, province_round):
    round_, reviewer = province_round
    login_as(client, reviewer)
    page = client.get(f"/rounds/{round_.id}/consolidated")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Không có nội dung" not in html
    assert SAME not in html and "kiến nghị đơn giản hóa 02" not in html  # loaded per section, when opened
    assert f"/rounds/{round_.id}/suggestions/{SECTION}" in html
    assert len(page.data) < 300 * 1024


def test_thirty_identical_statements_appear_once_with_their_count(client, province_round):
    round_, reviewer = province_round
    login_as(client, reviewer)
    html = suggestion(client, round_)
    assert len(re.findall(r"<p>Không phát hiện thủ tục", html)) == 1
    assert "30 đơn vị</span>" in html
    # Thirty names would pass two lines: a count of the round's units, the names one click away.
    assert "(30/110 đơn vị)" in html and "Các đơn vị (30)" in html
    assert "50 đơn vị không viết gì" in html and "Xã Số 61" not in html  # counted, not listed


def test_twelve_statements_differing_in_names_and_a_number_appear_once(client, province_round):
    round_, reviewer = province_round
    login_as(client, reviewer)
    html = suggestion(client, round_)
    shown = re.findall(r"<p>(Các đơn vị đã rà soát [^<]*)", html)
    assert shown == ["Các đơn vị đã rà soát 40–51 thủ tục hành chính, kiến nghị đơn giản hóa 02 thủ tục "]
    assert "12 đơn vị</span>" in html
    assert "UBND xã Số 31 đã rà soát" not in html


def test_inserting_a_group_without_javascript_appends_it_to_the_reviewers_text(client, province_round):
    round_, reviewer = province_round
    login_as(client, reviewer)
    client.post(f"/rounds/{round_.id}/narratives/{SECTION}", data={"text": "Đoạn mở đầu của huyện.", "version": "0"})
    html = suggestion(client, round_)
    line = re.search(r'name="text" value="(- Không phát hiện[^"]*)"', html).group(1)
    response = client.post(f"/rounds/{round_.id}/narratives/{SECTION}", data={"text": line, "append": "1"})
    assert response.status_code == 303
    stored = db.session.query(RoundNarrative).filter_by(round_id=round_.id, section_id=SECTION).one()
    db.session.refresh(stored)
    assert stored.text == ("Đoạn mở đầu của huyện.\n- Không phát hiện thủ tục hành chính rườm rà, không cần thiết để "
                           "kiến nghị đơn giản hóa (30/110 đơn vị).")


def test_a_twenty_thousand_character_text_saves_and_an_oversized_one_is_refused_beside_the_box(client, province_round):
    round_, reviewer = province_round
    login_as(client, reviewer)
    long_text = ("Huyện đã chỉ đạo các xã rà soát, đơn giản hóa thủ tục hành chính. " * 400)[:20_000]
    response = client.post(f"/rounds/{round_.id}/narratives/{SECTION}", data={"text": long_text, "version": "0"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200, response.get_data(as_text=True)
    stored = db.session.query(RoundNarrative).filter_by(round_id=round_.id, section_id=SECTION).one()
    assert len(stored.text) == len(long_text.strip())
    response = client.post(f"/rounds/{round_.id}/narratives/{SECTION}",
                           data={"text": "x" * 200_001, "version": str(stored.version)}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert 'id="rn-msg-I-2"' in response.get_data(as_text=True) and "vượt quá" in response.get_data(as_text=True)
    db.session.refresh(stored)
    assert len(stored.text) == len(long_text.strip())  # nothing saved is lost
    docx = client.get(f"/exports/rounds/{round_.id}.docx", buffered=True)
    body = zipfile.ZipFile(io.BytesIO(docx.data)).read("word/document.xml").decode()
    assert "Huyện đã chỉ đạo các xã rà soát" in body and "Không có nội dung" not in body


def test_the_units_notes_beside_their_figures_are_offered_in_that_sections_suggestion(client, app):
    _, district, units = make_tree(communes=12)
    reviewer = make_user(district, role="reviewer", username="tonghop.huyen")
    round_ = make_round(district, expected=units)
    for i, sub in enumerate(round_.submissions):
        note = ("Số liệu lấy từ Hệ thống thông tin giải quyết TTHC tỉnh." if i < 9
                else f"Có {i} hồ sơ chuyển từ phần mềm cũ sang.")
        set_values(sub, {"I.4/note": note}, status="approved")
    login_as(client, reviewer)
    page = client.get(f"/rounds/{round_.id}/consolidated").get_data(as_text=True)
    assert f"/rounds/{round_.id}/suggestions/I.4" in page and 'id="rn-text-I-4"' in page
    html = client.get(f"/rounds/{round_.id}/suggestions/I.4", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert len(re.findall(r"<p>Số liệu lấy từ Hệ thống", html)) == 1 and "9 đơn vị</span>" in html
    assert "<p>3 đơn vị có 30 hồ sơ chuyển từ phần mềm cũ sang <span" in html  # 9 + 10 + 11, an event count


def test_the_problems_section_names_the_units_the_data_points_at(client, app):
    from tests.browser.support import catalogue

    catalogue()
    _, district, units = make_tree(communes=3)
    reviewer = make_user(district, role="reviewer", username="tonghop.huyen")
    round_ = make_round(district, expected=units)
    late, clean, missing = sorted(round_.submissions, key=lambda s: s.unit.sort_order)
    set_values(late, {"I.4/dat_dai/c10": 3, "I.4/ho_tich/c13": 1}, status="approved")
    set_values(clean, {"I.4/dat_dai/c10": 0}, status="approved")
    login_as(client, reviewer)
    html = client.get(f"/rounds/{round_.id}/suggestions/II.2", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f"{late.unit.name} (4 hồ sơ)" in html and f"{clean.unit.name} (" not in html
    assert re.search(rf"Đơn vị chưa nộp báo cáo</b> \(theo số liệu\): {missing.unit.name}<", html)


# --- issue 19: what is inserted, and inserting twice ------------------------------------------

@pytest.fixture
def small_round(app):
    """Six communes writing the same next-quarter task, numbered as they number their lists."""
    _, district, units = make_tree(communes=6)
    reviewer = make_user(district, role="reviewer", username="tonghop.huyen")
    round_ = make_round(district, expected=units)
    for i, sub in enumerate(sorted(round_.submissions, key=lambda s: s.unit.sort_order)):
        text = ("1. Tiếp tục niêm yết công khai các TTHC sau khi được công bố.\n2. Nâng cao tỷ lệ hồ sơ trực tuyến toàn trình."
                if i % 2 else "- Tiếp tục niêm yết, công khai các thủ tục hành chính sau khi được công bố.")
        set_values(sub, {"III/text": text}, status="approved")
    return round_, reviewer


def inserts(html: str) -> list[str]:
    return re.findall(r'name="text" value="([^"]*)"', html)


def test_an_inserted_line_has_one_list_mark_and_the_names_the_panel_shows(client, small_round):
    round_, reviewer = small_round
    login_as(client, reviewer)
    html = client.get(f"/rounds/{round_.id}/suggestions/III", headers={"HX-Request": "true"}).get_data(as_text=True)
    first = inserts(html)[0]
    assert first.startswith("- Tiếp tục niêm yết") and "- 1." not in html and "1. Tiếp tục" not in html
    names = "Xã Số 1, Xã Số 2, Xã Số 3, Xã Số 4, Xã Số 5 và Xã Số 6"
    assert f'<span class="units">({names})</span>' in html and first.endswith(f"({names}).")
    assert "đơn vị khác" not in html


def test_a_group_already_inserted_is_marked_and_inserting_it_again_asks_first_without_javascript(client, small_round):
    round_, reviewer = small_round
    login_as(client, reviewer)
    url = f"/rounds/{round_.id}/suggestions/III"
    first = inserts(client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True))[0]
    assert client.post(f"/rounds/{round_.id}/narratives/III", data={"text": first, "append": "1"}).status_code == 303
    html = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert html.count("đã chèn</span>") == 1 and html.count('data-inserted="1"') == 2  # the group and "Chèn toàn bộ"
    # Again, one group or the whole suggestion: a confirmation page, nothing saved yet.
    for text in (first, inserts(html)[-1]):
        page = client.post(f"/rounds/{round_.id}/narratives/III", data={"text": text, "append": "1"})
        assert page.status_code == 200 and "đã có các ý sau" in page.get_data(as_text=True)
        assert 'name="confirm" value="1"' in page.get_data(as_text=True)
    stored = db.session.query(RoundNarrative).filter_by(round_id=round_.id, section_id="III").one()
    db.session.refresh(stored)
    assert stored.text == first
    confirmed = client.post(f"/rounds/{round_.id}/narratives/III", data={"text": first, "append": "1", "confirm": "1"})
    assert confirmed.status_code == 303
    db.session.refresh(stored)
    assert stored.text == f"{first}\n{first}"
    # The whole suggestion again: the page offers to insert only what the text lacks.
    whole = inserts(html)[-1]
    page = client.post(f"/rounds/{round_.id}/narratives/III", data={"text": whole, "append": "1"}).get_data(as_text=True)
    fresh = re.findall(r'name="text" value="([^"]*)"', page)[-1]
    assert "Chỉ chèn các ý chưa có" in page and fresh == whole.split("\n", 1)[1] and first not in fresh


def test_units_with_overdue_feedback_are_named_like_those_with_overdue_dossiers_without_a_section_title(client, app):
    from tests.browser.support import catalogue

    catalogue()
    _, district, units = make_tree(communes=3)
    reviewer = make_user(district, role="reviewer", username="tonghop.huyen")
    round_ = make_round(district, expected=units)
    first, second, clean = sorted(round_.submissions, key=lambda s: s.unit.sort_order)
    set_values(first, {"I.3/received": 3, "I.3/on_time": 1, "I.3/late": 2, "I.4/dat_dai/c10": 1}, status="approved")
    set_values(second, {"I.3/received": 1, "I.3/on_time": 0, "I.3/late": 1}, status="approved")
    set_values(clean, {"I.3/received": 2, "I.3/on_time": 2, "I.3/late": 0}, status="approved")
    login_as(client, reviewer)
    html = client.get(f"/rounds/{round_.id}/suggestions/II.2", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert (f"Đơn vị có phản ánh, kiến nghị xử lý quá hạn</b> (theo số liệu): {first.unit.name} (2 PAKN), "
            f"{second.unit.name} (1 PAKN)<") in html
    assert f"Đơn vị có hồ sơ quá hạn</b> (theo số liệu): {first.unit.name} (1 hồ sơ)<" in html
    assert "(tình hình" not in html and "giải quyết thủ tục hành chính):" not in html

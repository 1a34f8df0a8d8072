"""The district's consolidated report goes up as its own submission in the province round,
and the reviewer's own consolidated texts are autosaved without ever replacing what is typed."""
from __future__ import annotations

import html
import io
import re
import zipfile
from datetime import date

import pytest
from flask import g

from app.extensions import db
from app.models import RoundEvent, RoundNarrative, Submission, SubmissionValue
from app.services.submissions import plain_values, stored_values
from tests.conftest import login_as
from tests.factories import make_round, make_unit, make_user, set_values, submission_for
from tests.web.test_consolidation import add_seed002_catalogue, district_round

HX = {"HX-Request": "true"}


def as_user(client, user):
    client.post("/logout")
    g.pop("_login_user", None)
    login_as(client, user)


CONFIRM = {"confirm": "1"}


def world():
    add_seed002_catalogue()
    province = make_unit("QN", "Tỉnh Thử", "province")
    district, district_round_ = district_round("BS", 3, parent=province)
    province_round = make_round(province, "halfyear_onestop", year=2021, index=1, expected=[district],
                                deadline=date(2030, 1, 31))
    return province, district, district_round_, province_round


def world_with_a_late_unit(client, status: str):
    """world() with a fourth commune whose report is ``status``, its reviewer signed in."""
    _, district, district_round_, province_round = world()
    later = make_unit("BS.X99", "Xã Chưa Nộp", "commune", district, sort_order=99)
    district_round_.submissions.append(Submission(unit=later, status=status))
    db.session.commit()
    login_as(client, make_user(district, "reviewer"))
    return district_round_, province_round, district


def test_the_districts_consolidated_report_is_submitted_into_the_province_round(client):
    province, district, district_round_, province_round = world()
    reviewer = make_user(district, "reviewer")
    login_as(client, reviewer)
    page = client.get(f"/rounds/{district_round_.id}/consolidated").get_data(as_text=True)
    assert "Nộp lên cấp trên" in page and "Tỉnh Thử" in page
    client.post(f"/rounds/{district_round_.id}/narratives/III",
                data={"text": "Toàn huyện giải quyết 15.256 hồ sơ.", "version": "0"}, headers=HX)
    response = client.post(f"/rounds/{district_round_.id}/upward", data=CONFIRM)
    assert response.status_code == 303
    upward = submission_for(province_round, district)
    db.session.refresh(upward)
    assert upward.status == "submitted" and upward.first_submitted_at is not None
    values = plain_values(stored_values(upward.id))
    assert values["III.1/dat_dai/c5"] == 1340  # carried over on the land row, summed from two communes
    assert values["III/text"] == "Toàn huyện giải quyết 15.256 hồ sơ."

    as_user(client, make_user(province, "reviewer"))
    board = client.get(f"/rounds/{province_round.id}").get_data(as_text=True)
    assert "Huyện BS" in board and "badge-submitted" in board
    consolidated = client.get(f"/rounds/{province_round.id}/consolidated?provisional=1").get_data(as_text=True)
    total = re.search(r'key=III\.1/_total/c3[^"]*" class="cell-link">([^<]*)</a>', consolidated).group(1)
    assert total == "15.256"


def test_the_upward_submission_lists_what_is_lacking_and_sends_nothing_until_confirmed(client):
    district_round_, province_round, district = world_with_a_late_unit(client, "draft")
    # A commune wrote in section I; the reviewer wrote nothing there yet.
    first = next(s for s in district_round_.submissions if s.status == "approved")
    # It also wrote a note under the dossier figures, which the report writes out: that section counts as written.
    set_values(first, {"I/text": "Bộ phận một cửa hoạt động ổn định.", "III.1/note": "Số liệu lấy từ phần mềm."})
    for response in (client.get(f"/rounds/{district_round_.id}/upward"), client.post(f"/rounds/{district_round_.id}/upward")):
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "1 đơn vị chưa báo cáo:</b> Xã Chưa Nộp" in page
        assert "mục chưa có nội dung tổng hợp của bạn" in page and "Vẫn nộp lên cấp trên" in page
        assert "<li>I Tình hình chung</li>" in page and "<li>III.1 " not in page
    upward = submission_for(province_round, district)
    db.session.refresh(upward)
    assert upward.status == "not_started" and not plain_values(stored_values(upward.id))
    assert client.post(f"/rounds/{district_round_.id}/upward", data=CONFIRM).status_code == 303
    db.session.refresh(upward)
    assert upward.status == "submitted"


def test_a_submitted_upward_report_is_not_overwritten_by_a_second_click(client):
    _, district, district_round_, province_round = world()
    login_as(client, make_user(district, "reviewer"))
    assert client.post(f"/rounds/{district_round_.id}/upward", data=CONFIRM).status_code == 303
    upward = submission_for(province_round, district)
    before = plain_values(stored_values(upward.id))
    response = client.post(f"/rounds/{district_round_.id}/upward", data=CONFIRM, follow_redirects=True)
    assert "đã nộp" in response.get_data(as_text=True)
    assert plain_values(stored_values(upward.id)) == before


def test_a_round_without_a_parent_round_offers_no_upward_submission(client):
    add_seed002_catalogue()
    district, round_ = district_round("BS", 2)
    login_as(client, make_user(district, "reviewer"))
    assert "Nộp lên cấp trên" not in client.get(f"/rounds/{round_.id}/consolidated").get_data(as_text=True)
    assert client.post(f"/rounds/{round_.id}/upward").status_code == 404


def test_the_reviewers_text_starts_empty_and_is_autosaved_beside_the_typing(client):
    add_seed002_catalogue()
    district, round_ = district_round("BS", 2)
    for sub, text in zip(round_.submissions, ("Xã một đã rà soát.", "")):
        if text:
            db.session.add(SubmissionValue(submission_id=sub.id, key="III/text", text_value=text, version=1))
    db.session.commit()
    login_as(client, make_user(district, "reviewer"))
    page = client.get(f"/rounds/{round_.id}/consolidated").get_data(as_text=True)
    prefilled = re.search(r'<textarea id="rn-text-III"[^>]*>([^<]*)</textarea>', page).group(1)
    assert prefilled == "" and "Không có nội dung" not in page  # units' texts are suggested, never pasted in

    reply = client.post(f"/rounds/{round_.id}/narratives/III", data={"text": "Bản tổng hợp.", "version": "0"}, headers=HX)
    body = reply.get_data(as_text=True)
    assert reply.status_code == 200 and "<textarea" not in body and "Đã lưu lúc" in body
    assert 'id="rn-ver-III" name="version" value="1" data-hx-swap-oob="true"' in body
    stale = client.post(f"/rounds/{round_.id}/narratives/III", data={"text": "Ghi đè?", "version": "0"}, headers=HX)
    assert stale.status_code == 409 and "sửa ở nơi khác" in stale.get_data(as_text=True)
    too_long = client.post(f"/rounds/{round_.id}/narratives/III", data={"text": "x" * 200_001, "version": "1"}, headers=HX)
    assert too_long.status_code == 422 and "vượt quá 200.000 ký tự" in too_long.get_data(as_text=True)
    narrative = db.session.query(RoundNarrative).one()
    assert (narrative.text, narrative.version) == ("Bản tổng hợp.", 1)
    full = client.post(f"/rounds/{round_.id}/narratives/III", data={"text": "Bản hai.", "version": "1"})
    assert full.status_code == 303
    assert "Bản hai." in client.get(f"/rounds/{round_.id}/consolidated").get_data(as_text=True)


def test_only_the_consolidating_units_reviewer_writes_its_texts(client):
    add_seed002_catalogue()
    province = make_unit("QN", "Tỉnh Thử", "province")
    district, round_ = district_round("BS", 2, parent=province)
    login_as(client, make_user(province, "reviewer"))
    assert client.post(f"/rounds/{round_.id}/narratives/III", data={"text": "x", "version": "0"}).status_code == 403
    assert db.session.query(Submission).count() == 2


def test_a_reviewer_text_saved_meanwhile_is_not_overwritten_by_an_older_edit(client):
    import pytest
    from sqlalchemy import update
    from sqlalchemy.orm.exc import StaleDataError

    add_seed002_catalogue()
    _, round_ = district_round("BS", 2)
    narrative = RoundNarrative(round_id=round_.id, section_id="III", text="Bản một.")
    db.session.add(narrative)
    db.session.commit()
    # Another worker saves between this request's read and its write.
    with db.engine.begin() as other:
        other.execute(update(RoundNarrative.__table__).values(text="Bản của người khác.", version=RoundNarrative.version + 1))
    narrative.text = "Bản cũ hơn."
    with pytest.raises(StaleDataError):
        db.session.commit()
    db.session.rollback()
    assert db.session.query(RoundNarrative).one().text == "Bản của người khác."


def test_the_word_page_lists_what_is_lacking_and_keeps_the_pages_mode(client):
    district_round_, _, _ = world_with_a_late_unit(client, "submitted")
    provisional = client.get(f"/rounds/{district_round_.id}/consolidated?provisional=1").get_data(as_text=True)
    assert f"/exports/rounds/{district_round_.id}/word?provisional=1" in provisional
    page = client.get(f"/exports/rounds/{district_round_.id}/word").get_data(as_text=True)
    assert "1 báo cáo chưa duyệt</b> (chưa được tính): Xã Chưa Nộp" in page
    page = client.get(f"/exports/rounds/{district_round_.id}/word?provisional=1").get_data(as_text=True)
    assert "(đã tính, số liệu tạm): Xã Chưa Nộp" in page and "4/4 đơn vị" in page


def test_the_figures_written_out_follow_the_figures_until_edited_then_say_when_they_changed(client):
    add_seed002_catalogue()
    district, round_ = district_round("BS", 2)
    login_as(client, make_user(district, "reviewer"))
    page = client.get(f"/rounds/{round_.id}/consolidated").get_data(as_text=True)
    box, generated = re.search(r'<textarea id="rn-text-([\w-]+)-f"[^>]*>([^<]*15\.256[^<]*)</textarea>', page).groups()
    generated = html.unescape(generated)
    section_id = box.replace("-", ".")
    edited = generated.replace("15.256 hồ sơ", "15.256 hồ sơ (số liệu đã đối chiếu với Hệ thống)")
    saved = client.post(f"/rounds/{round_.id}/figures/{section_id}", headers=HX,
                        data={"text": edited, "basis": generated, "version": "0"})
    assert saved.status_code == 200 and "Đã lưu lúc" in saved.get_data(as_text=True)
    body = docx_text(client, round_)
    assert "đã đối chiếu với Hệ thống" in body

    # A unit's figures change after the edit: the page says so and offers the new text.
    row = db.session.query(SubmissionValue).filter(SubmissionValue.key.like(f"{section_id}/%/c6"),
                                                   SubmissionValue.int_value > 0).first()
    row.int_value += 1000
    db.session.commit()
    page = client.get(f"/rounds/{round_.id}/consolidated").get_data(as_text=True)
    assert "Số liệu đã thay đổi từ khi bạn sửa phần này" in page and "16.256" in page
    # One number per figure: no Word file until the reviewer chooses, on the Word page, with both figures shown.
    refused = client.get(f"/exports/rounds/{round_.id}.docx")
    assert refused.status_code == 303 and refused.headers["Location"].endswith(f"/exports/rounds/{round_.id}/word")
    word = client.get(f"/exports/rounds/{round_.id}/word").get_data(as_text=True)
    assert "<b>15.256</b> → <b>16.256</b>" in word and f'name="figures-{section_id}"' in word
    chose = client.post(f"/exports/rounds/{round_.id}/word/figures", data={f"figures-{section_id}": "mine"})
    assert chose.status_code == 303
    event = db.session.query(RoundEvent).filter_by(round_id=round_.id, action="figures_kept").one()
    assert "15.256 → 16.256" in event.note and event.user_id is not None
    assert "đã đối chiếu với Hệ thống" in docx_text(client, round_)  # the edit is never overwritten
    page = client.get(f"/rounds/{round_.id}/consolidated").get_data(as_text=True)
    assert "Số liệu đã thay đổi từ khi bạn sửa phần này" not in page  # kept as written against today's figures
    # Emptying the box returns the part to following the figures.
    version = db.session.query(RoundNarrative).filter_by(section_id=f"{section_id}/figures").one().version
    client.post(f"/rounds/{round_.id}/figures/{section_id}", data={"text": "", "basis": "", "version": str(version)})
    assert not db.session.query(RoundNarrative).filter_by(section_id=f"{section_id}/figures").count()
    body = docx_text(client, round_)
    assert "16.256" in body and "đối chiếu" not in body


def docx_text(client, round_) -> str:
    response = client.get(f"/exports/rounds/{round_.id}.docx", buffered=True)
    return zipfile.ZipFile(io.BytesIO(response.data)).read("word/document.xml").decode()


def test_the_reviewers_text_after_a_sections_figures_goes_upward_as_its_note(client):
    province, district, district_round_, province_round = world()
    login_as(client, make_user(district, "reviewer"))
    client.post(f"/rounds/{district_round_.id}/narratives/III.1", headers=HX,
                data={"text": "Số liệu lấy từ Hệ thống thông tin giải quyết TTHC tỉnh ngày 14/6/2021.", "version": "0"})
    assert client.post(f"/rounds/{district_round_.id}/upward", data=CONFIRM).status_code == 303
    upward = submission_for(province_round, district)
    values = plain_values(stored_values(upward.id))
    assert values["III.1/note"] == "Số liệu lấy từ Hệ thống thông tin giải quyết TTHC tỉnh ngày 14/6/2021."


def edit_figures_then_change_them(client, round_) -> tuple[str, SubmissionValue]:
    """The reviewer edits the dossier section's figures written out (15.256 hồ sơ), then a
    commune's row gains 1,000 received directly: the edit has gone stale. Returns the section
    and the changed row (not yet committed)."""
    page = client.get(f"/rounds/{round_.id}/consolidated").get_data(as_text=True)
    box, generated = re.search(r'<textarea id="rn-text-([\w-]+)-f"[^>]*>([^<]*15\.256[^<]*)</textarea>', page).groups()
    generated, section_id = html.unescape(generated), box.replace("-", ".")
    client.post(f"/rounds/{round_.id}/figures/{section_id}", headers=HX,
                data={"text": generated + "\nĐã đối chiếu.", "basis": generated, "version": "0"})
    row = db.session.query(SubmissionValue).filter(SubmissionValue.key.like(f"{section_id}/%/c6"),
                                                   SubmissionValue.int_value > 0).first()
    row.int_value += 1000
    return section_id, row


def test_sending_upward_with_a_stale_figure_text_takes_a_recorded_choice(client):
    _, district, district_round_, province_round = world()
    login_as(client, make_user(district, "reviewer"))
    # A commune corrects a row: 1,000 more received directly, all still being resolved within the deadline.
    section_id, row = edit_figures_then_change_them(client, district_round_)
    pending = db.session.query(SubmissionValue).filter_by(submission_id=row.submission_id,
                                                          key=row.key.replace("/c6", "/c11")).one()
    pending.int_value += 1000
    db.session.commit()
    confirm = client.get(f"/rounds/{district_round_.id}/upward").get_data(as_text=True)
    assert "mục số liệu bạn đã sửa nay không khớp số liệu" in confirm and "<b>15.256</b> → <b>16.256</b>" in confirm
    refused = client.post(f"/rounds/{district_round_.id}/upward", data=CONFIRM)
    assert refused.status_code == 422 and "chọn lấy văn bản mới theo số liệu" in refused.get_data(as_text=True)
    upward = submission_for(province_round, district)
    db.session.refresh(upward)
    assert upward.status == "not_started"
    sent = client.post(f"/rounds/{district_round_.id}/upward", data=CONFIRM | {f"figures-{section_id}": "new"},
                       follow_redirects=True)
    assert "Đã nộp báo cáo tổng hợp" in sent.get_data(as_text=True), re.findall(r"flash-error[^>]*>([^<]*)", sent.get_data(as_text=True))
    db.session.refresh(upward)
    assert upward.status == "submitted"
    assert not db.session.query(RoundNarrative).filter_by(section_id=f"{section_id}/figures").count()
    assert db.session.query(RoundEvent).filter_by(round_id=district_round_.id, action="figures_new").count() == 1


def test_the_pages_asking_for_a_figure_choice_are_valid_html(client, tmp_path):
    from tests.web.test_html_valid import VNU_JAR, vnu_errors

    if not VNU_JAR.is_file():
        pytest.skip(f"the Nu HTML checker is not installed ({VNU_JAR}); `make test-deps` installs it")
    _, district, district_round_, _ = world()
    login_as(client, make_user(district, "reviewer"))
    section_id, _ = edit_figures_then_change_them(client, district_round_)
    db.session.commit()
    pages = {"upward": client.get(f"/rounds/{district_round_.id}/upward"),
             "upward-refused": client.post(f"/rounds/{district_round_.id}/upward", data=CONFIRM),
             "word": client.get(f"/exports/rounds/{district_round_.id}/word")}
    files = []
    for name, response in pages.items():
        body = response.get_data(as_text=True)
        assert f'name="figures-{section_id}"' in body, name
        path = tmp_path / f"{name}.html"
        path.write_text(body, encoding="utf-8")
        files.append(path)
    assert [f"{m.get('url', '')}:{m.get('lastLine')}: {m['message']}" for m in vnu_errors(files)] == []

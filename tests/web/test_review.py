"""Reviewing: return with comments, resubmission diff, approval into the consolidated
report, the progress board, and the subtree a reviewer may act on."""
from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import CatalogueField, ChangeLog, ReviewComment, Submission
from app.reporting.templates import DEFAULT_FIELDS
from tests.conftest import login_as
from tests.factories import make_round, make_unit, make_user, set_values, submission_for

HX = {"HX-Request": "true"}
C4, C8 = "I.4/ho_tich/c4", "I.4/ho_tich/c8"


@pytest.fixture
def world():
    for i, (code, name, group, group_label) in enumerate(DEFAULT_FIELDS):
        db.session.add(CatalogueField(code=code, name=name, group_code=group or "", group_label=group_label or "", sort_order=i))
    db.session.commit()
    province = make_unit("P", "Tỉnh Thử Nghiệm", "province")
    district = make_unit("P.D", "Huyện Bình Sơn", "district", province)
    names = ["Xã Bình Chánh", "Xã Bình Đông", "Thị trấn Châu Ổ", "Xã Bình Hải"]
    units = [make_unit(f"P.D.X{i}", name, "town" if name.startswith("Thị") else "commune", district, sort_order=i)
             for i, name in enumerate(names, 1)]
    other_district = make_unit("P.E", "Huyện Khác", "district", province)
    other_unit = make_unit("P.E.X1", "Xã Ngoài", "commune", other_district)
    reporters = [make_user(u, full_name=f"Cán bộ {u.name}", phone=f"09000000{i}") for i, u in enumerate(units)]
    round_ = make_round(district, expected=units, deadline=date(2024, 6, 24))
    return {"district": district, "units": units, "reporters": reporters, "round": round_,
            "reviewer": make_user(district, "reviewer"), "other_reviewer": make_user(other_district, "reviewer"),
            "other_round": make_round(other_district, expected=[other_unit])}


def as_user(client, user):
    client.post("/logout")
    login_as(client, user)
    return client


def reload(sub_id: int) -> Submission:
    db.session.expire_all()
    return db.session.get(Submission, sub_id)


def total_cell(client, round_id: int, column: str) -> str:
    """The consolidated total of a column of the dossier table, as displayed."""
    body = client.get(f"/rounds/{round_id}/consolidated").get_data(as_text=True)
    return re.search(rf'key=I.4/_total/{column}[^"]*" class="cell-link">([^<]*)</a>', body).group(1)


def test_return_edit_resubmit_diff_approve_changes_the_consolidated_report(client, world):
    round_, (unit_a, unit_b, *_) = world["round"], world["units"]
    sub_a, sub_b = submission_for(round_, unit_a), submission_for(round_, unit_b)
    set_values(sub_b, {C4: 100, C8: 100}, status="approved")
    set_values(sub_a, {C4: 10, C8: 10, "II.1/text": "Hoàn thành."}, status="submitted")

    as_user(client, world["reviewer"])
    assert total_cell(client, round_.id, "c4") == "100"
    response = client.post(f"/rounds/submissions/{sub_a.id}/return", data={"comment.I.4": "Số hồ sơ hộ tịch chưa đủ."})
    assert response.status_code == 303
    assert reload(sub_a.id).status == "returned"

    as_user(client, world["reporters"][0])
    page = client.get(f"/submissions/{sub_a.id}").get_data(as_text=True)
    assert "Số hồ sơ hộ tịch chưa đủ." in page
    for key, value in ((C4, "1.015"), (C8, "1.015")):
        response = client.post(f"/submissions/{sub_a.id}/save", data={f"v.{key}": value, f"ver.{key}": "1"}, headers=HX)
        assert response.status_code == 200
    assert client.post(f"/submissions/{sub_a.id}/submit").status_code == 303
    assert reload(sub_a.id).status == "submitted"

    as_user(client, world["reviewer"])
    review = client.get(f"/rounds/submissions/{sub_a.id}").get_data(as_text=True)
    changes = re.search(r'<section class="card changes" id="changes">(.*?)</section>', review, re.S).group(1)
    assert "Thay đổi so với bản đã trả lại (2)" in changes
    assert re.search(r'<td>[^<]*Hộ tịch — \(4\) Số hồ sơ nhận giải quyết, Trong kỳ, Trực tuyến</td>\s*<td class="num">10</td><td class="num">1.015</td>', changes)
    assert re.search(r'<td>[^<]*Hộ tịch — \(8\) Số hồ sơ đã giải quyết, Trước hạn</td>\s*<td class="num">10</td><td class="num">1.015</td>', changes)
    assert "II.1" not in changes  # unchanged narrative is not listed

    assert client.post(f"/rounds/submissions/{sub_a.id}/approve").status_code == 303
    assert reload(sub_a.id).status == "approved" and reload(sub_a.id).approved_at is not None
    assert total_cell(client, round_.id, "c4") == "1.115"
    assert total_cell(client, round_.id, "c3") == "1.115"  # the computed column is recomputed from the sums
    actions = db.session.scalars(select(ChangeLog.action).where(ChangeLog.submission_id == sub_a.id).order_by(ChangeLog.id)).all()
    assert actions[:3] == ["comment", "return", "edit"] and actions[-2:] == ["submit", "approve"]


def test_a_submitted_report_counts_only_in_the_provisional_consolidation(client, world):
    round_, unit = world["round"], world["units"][0]
    set_values(submission_for(round_, unit), {C4: 42, C8: 42}, status="submitted")
    as_user(client, world["reviewer"])
    assert total_cell(client, round_.id, "c4") == "0"
    body = client.get(f"/rounds/{round_.id}/consolidated?provisional=1").get_data(as_text=True)
    assert re.search(r'key=I.4/_total/c4[^"]*" class="cell-link">42</a>', body)
    assert "Xã Bình Chánh" in client.get(f"/rounds/{round_.id}/contributions?key=I.4/_total/c4&provisional=1").get_data(as_text=True)


def test_returning_needs_at_least_one_comment(client, world):
    sub = submission_for(world["round"], world["units"][0])
    set_values(sub, {C4: 1, C8: 1}, status="submitted")
    as_user(client, world["reviewer"])
    response = client.post(f"/rounds/submissions/{sub.id}/return", data={"comment.I.4": "   "})
    assert response.status_code == 422
    assert "Ghi ý kiến cho ít nhất một mục cần sửa." in response.get_data(as_text=True)
    assert reload(sub.id).status == "submitted"
    assert db.session.scalar(select(ReviewComment.id)) is None


def test_only_a_submitted_report_can_be_approved_and_an_approved_one_reopened(client, world):
    sub = submission_for(world["round"], world["units"][0])
    set_values(sub, {C4: 1, C8: 1})  # draft
    as_user(client, world["reviewer"])
    client.post(f"/rounds/submissions/{sub.id}/approve")
    assert reload(sub.id).status == "draft"
    assert client.post(f"/rounds/submissions/{sub.id}/reopen").status_code == 409
    reload(sub.id).status = "submitted"
    db.session.commit()
    client.post(f"/rounds/submissions/{sub.id}/approve")
    assert reload(sub.id).status == "approved"
    assert client.post(f"/rounds/submissions/{sub.id}/reopen").status_code == 303
    assert reload(sub.id).status == "submitted" and reload(sub.id).approved_at is None


# --- subtree ------------------------------------------------------------------------------

def test_a_reviewer_cannot_review_or_consolidate_outside_its_subtree(client, world):
    sub = submission_for(world["round"], world["units"][0])
    set_values(sub, {C4: 1, C8: 1}, status="submitted")
    round_id = world["round"].id
    as_user(client, world["other_reviewer"])
    for url in (f"/rounds/{round_id}", f"/rounds/{round_id}?state=missing", f"/rounds/{round_id}/consolidated",
                f"/rounds/{round_id}/consolidated?provisional=1", f"/rounds/{round_id}/contributions?key=I.4/_total/c4",
                f"/rounds/submissions/{sub.id}"):
        assert client.get(url, headers=HX).status_code == 404, url
    for action, data in (("approve", {}), ("return", {"comment.I.4": "Sai."}), ("reopen", {})):
        assert client.post(f"/rounds/submissions/{sub.id}/{action}", data=data).status_code == 404, action
    assert reload(sub.id).status == "submitted"
    assert db.session.scalar(select(ReviewComment.id)) is None
    # Its own round still works.
    assert client.get(f"/rounds/{world['other_round'].id}").status_code == 200


def test_a_reporter_cannot_reach_the_review_pages(client, world):
    sub = submission_for(world["round"], world["units"][0])
    set_values(sub, {C4: 1, C8: 1}, status="submitted")
    as_user(client, world["reporters"][0])
    assert client.get(f"/rounds/{world['round'].id}").status_code == 403
    assert client.post(f"/rounds/submissions/{sub.id}/approve").status_code == 403
    assert reload(sub.id).status == "submitted"


# --- the board ----------------------------------------------------------------------------

@pytest.fixture
def board(client, world):
    round_, units = world["round"], world["units"]
    subs = [submission_for(round_, u) for u in units]
    set_values(subs[0], {C4: 1}, status="submitted")
    subs[0].first_submitted_at = subs[0].submitted_at = datetime(2024, 6, 20, 2, 0)
    set_values(subs[1], {C4: 1}, status="approved")
    subs[1].first_submitted_at = subs[1].submitted_at = datetime(2024, 6, 30, 2, 0)
    set_values(subs[2], {C4: 1})  # draft
    db.session.commit()
    as_user(client, world["reviewer"])
    return round_


def table_units(body: str) -> list[str]:
    table = re.search(r'<table class="grid board">.*?</table>', body, re.S).group(0)
    return re.findall(r"<tr class=\"state-\w+\">\s*<td>([^<]+)</td>", table)


def test_the_board_counts_units_by_state(client, world, board):
    body = client.get(f"/rounds/{board.id}").get_data(as_text=True)
    counters = dict((label, int(n)) for n, label in re.findall(r"<b>(\d+)</b> ([^<]+)</a>", body))
    assert counters == {"đơn vị": 4, "chưa nộp": 2, "quá hạn": 2, "chưa bắt đầu": 1, "đang nhập": 1, "chờ duyệt": 1,
                        "trả lại": 0, "đã duyệt": 1, "nộp muộn": 1}


def test_the_board_filters_by_state_as_fragment_and_full_page(client, world, board):
    fragment = client.get(f"/rounds/{board.id}?state=missing", headers=HX)
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith('<div id="board-table">')
    assert table_units(body) == ["Thị trấn Châu Ổ", "Xã Bình Hải"]
    assert "HX-Request" in fragment.headers["Vary"]
    full = client.get(f"/rounds/{board.id}?state=missing").get_data(as_text=True)
    assert "<html" in full and table_units(full) == ["Thị trấn Châu Ổ", "Xã Bình Hải"]
    assert '<option value="missing" selected>' in full
    assert table_units(client.get(f"/rounds/{board.id}?state=approved", headers=HX).get_data(as_text=True)) == ["Xã Bình Đông"]
    assert table_units(client.get(f"/rounds/{board.id}?state=late", headers=HX).get_data(as_text=True)) == ["Xã Bình Đông"]


def test_the_board_search_finds_a_unit_by_name_without_diacritics(client, world, board):
    fragment = client.get(f"/rounds/{board.id}?q=binh dong", headers=HX).get_data(as_text=True)
    assert table_units(fragment) == ["Xã Bình Đông"]
    assert "1 đơn vị khớp “binh dong”" in fragment
    full = client.get(f"/rounds/{board.id}?q=Châu Ổ").get_data(as_text=True)
    assert "<html" in full and table_units(full) == ["Thị trấn Châu Ổ"]
    assert 'name="q" value="Châu Ổ"' in full
    assert table_units(client.get(f"/rounds/{board.id}?q=khong co", headers=HX).get_data(as_text=True)) == []


def test_the_board_marks_late_and_on_time_against_the_deadline(client, world, board):
    assert board.deadline == date(2024, 6, 24)
    rows = {name: row for row in client.get(f"/rounds/{board.id}").get_data(as_text=True).split("<tr")
            for name in table_units("<table class=\"grid board\"><tr" + row + "</table>")}
    assert "badge-ontime" in rows["Xã Bình Chánh"] and "badge-late" not in rows["Xã Bình Chánh"]
    assert "badge-late" in rows["Xã Bình Đông"]


def test_the_reminder_lists_the_missing_units_and_the_deadline(client, world, board):
    body = client.get(f"/rounds/{board.id}").get_data(as_text=True)
    reminder = re.search(r'<textarea readonly[^>]*id="reminder-text"[^>]*>(.*?)</textarea>', body, re.S).group(1)
    assert "là ngày 24/06/2024" in reminder and "đã quá hạn" in reminder
    assert "- Thị trấn Châu Ổ (đ/c Cán bộ Thị trấn Châu Ổ, 090000002)" in reminder
    assert "- Xã Bình Hải" in reminder
    assert "Xã Bình Chánh" not in reminder and "Xã Bình Đông" not in reminder
    assert "Tổng cộng 2/4 đơn vị chưa nộp." in reminder


def test_a_report_submitted_after_midnight_vietnam_time_is_late_on_the_review_page_as_on_the_board(client, world, board):
    """18:00 UTC on the deadline day is 01:00 the next day in Vietnam: late everywhere."""
    sub = submission_for(board, world["units"][0])
    sub.first_submitted_at = sub.submitted_at = datetime(2024, 6, 24, 18, 0)
    db.session.commit()
    rows = {name: row for row in client.get(f"/rounds/{board.id}").get_data(as_text=True).split("<tr")
            for name in table_units("<table class=\"grid board\"><tr" + row + "</table>")}
    assert "badge-late" in rows["Xã Bình Chánh"]
    head = client.get(f"/rounds/submissions/{sub.id}").get_data(as_text=True).split("</h1>")[1].split("</p>")[0]
    assert "nộp lần đầu 01:00 25/06/2024" in head
    assert "badge-late" in head and "đúng hạn" not in head

"""The reviewer at scale: the board's tiles, filters and days late, the review queue
("Duyệt lần lượt") and per-unit reminders with "đã nhắc" recorded."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Reminder, Submission
from app.reporting.clock import vn_today
from tests.conftest import login_as
from tests.factories import make_round, make_tree, make_user, set_values, submission_for

HX = {"HX-Request": "true"}


@pytest.fixture
def scene(client):
    """Four communes and two offices; a round whose deadline was three days ago (Vietnam date)."""
    _, district, units = make_tree(communes=4, offices=2)
    for i, unit in enumerate(units):
        make_user(unit, full_name=f"Nguyễn Thị Lan{i}", phone=f"09120000{i:02d}")
    reviewer = make_user(district, "reviewer")
    deadline = vn_today() - timedelta(days=3)
    round_ = make_round(district, expected=units)  # quý II/2024, its deadline moved next to today
    round_.deadline = deadline
    subs = {u.name: submission_for(round_, u) for u in units}
    on_time = datetime.combine(deadline, datetime.min.time()) + timedelta(hours=3)  # 10:00 Vietnam time
    for name, status, at in (("Xã Số 1", "submitted", on_time), ("Xã Số 2", "submitted", on_time + timedelta(days=2)),
                             ("Xã Số 3", "approved", on_time), ("Phòng Số 1", "submitted", on_time),
                             ("Phòng Số 2", "draft", None)):
        set_values(subs[name], {"I.4/ho_tich/c4": 1}, status=status)
        subs[name].first_submitted_at = subs[name].submitted_at = at
    db.session.commit()
    login_as(client, reviewer)
    return {"round": round_, "subs": subs, "deadline": deadline, "units": units}


def tiles(body: str) -> dict[str, int]:
    block = re.search(r'<ul class="counters tiles".*?</ul>', body, re.S).group(0)
    return {label: int(n) for n, label in re.findall(r"<b>(\d+)</b> ([^<]+)</a>", block)}


def board_rows(body: str) -> dict[str, str]:
    table = re.search(r'<table class="grid board">.*?</table>', body, re.S).group(0)
    return {m.group(1): m.group(0) for m in re.finditer(r'<tr class="state-\w+">\s*<td>([^<]+)</td>.*?</tr>', table, re.S)}


def test_tiles_count_every_state_and_each_is_a_filter(client, scene):
    body = client.get(f"/rounds/{scene['round'].id}").get_data(as_text=True)
    assert tiles(body) == {"đơn vị": 6, "chưa nộp": 2, "quá hạn": 2, "chưa bắt đầu": 1, "đang nhập": 1, "chờ duyệt": 3,
                           "trả lại": 0, "đã duyệt": 1, "nộp muộn": 1}
    overdue = client.get(f"/rounds/{scene['round'].id}?state=overdue&kind=office").get_data(as_text=True)
    assert list(board_rows(overdue)) == ["Phòng Số 2"]
    assert 'aria-current="true"><b>2</b> quá hạn' in overdue
    assert f'href="/rounds/{scene["round"].id}?state=late&amp;kind=office"' in overdue  # tiles keep the other filters


def test_days_late_are_counted_on_vietnam_dates(client, scene):
    sub = scene["subs"]["Xã Số 1"]
    # 17:30 UTC on the deadline day is 00:30 the next day in Vietnam: one day late.
    sub.first_submitted_at = datetime.combine(scene["deadline"], datetime.min.time()) + timedelta(hours=17, minutes=30)
    db.session.commit()
    rows = board_rows(client.get(f"/rounds/{scene['round'].id}?sort=-late").get_data(as_text=True))
    late = {name: re.search(r'<td class="num">(?:<span class="late">(\d+)</span>)?</td>', row).group(1) for name, row in rows.items()}
    assert late == {"Xã Số 4": "3", "Phòng Số 2": "3", "Xã Số 2": "2", "Xã Số 1": "1", "Xã Số 3": None, "Phòng Số 1": None}
    assert list(rows)[:2] == ["Xã Số 4", "Phòng Số 2"]  # ties keep the unit order


def test_the_board_filters_by_kind_and_sorts_as_a_fragment_and_as_a_full_page(client, scene):
    url = f"/rounds/{scene['round'].id}?kind=office&sort=-name"
    fragment = client.get(url, headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
    assert list(board_rows(fragment.get_data(as_text=True))) == ["Phòng Số 2", "Phòng Số 1"]
    assert 'id="board-tiles" data-hx-swap-oob="true"' in fragment.get_data(as_text=True)
    full = client.get(url).get_data(as_text=True)
    assert "<html" in full and list(board_rows(full)) == ["Phòng Số 2", "Phòng Số 1"]
    assert '<option value="office" selected>' in full and 'aria-sort="descending"' in full


def test_the_review_queue_keeps_the_filter_and_ends_with_all_reviewed(client, scene):
    round_id, subs = scene["round"].id, scene["subs"]
    board = client.get(f"/rounds/{round_id}?kind=commune&sort=-late").get_data(as_text=True)
    assert "Duyệt lần lượt (2 báo cáo chờ duyệt)" in board
    first = client.get(f"/rounds/{round_id}/queue?kind=commune&sort=-late")
    assert first.status_code == 303
    location = urlsplit(first.headers["Location"])
    assert location.path == f"/rounds/submissions/{subs['Xã Số 2'].id}"  # the latest first, offices left out
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "còn 2 báo cáo chờ duyệt" in page
    queue = parse_qs(location.query)["queue"][0]
    assert f'name="queue" value="{queue}"'.replace("&", "&amp;") in page
    after = client.post(f"/rounds/submissions/{subs['Xã Số 2'].id}/approve", data={"queue": queue})
    assert after.status_code == 303 and after.headers["Location"].startswith(f"/rounds/{round_id}/queue?")
    second = client.get(after.headers["Location"])
    assert urlsplit(second.headers["Location"]).path == f"/rounds/submissions/{subs['Xã Số 1'].id}"
    assert "còn 1 báo cáo chờ duyệt" in client.get(second.headers["Location"]).get_data(as_text=True)
    returned = client.post(f"/rounds/submissions/{subs['Xã Số 1'].id}/return",
                           data={"queue": queue, "comment.I.4": "Thiếu số liệu hộ tịch."})
    done = client.get(returned.headers["Location"])
    assert done.status_code == 200
    text = done.get_data(as_text=True)
    assert "Đã duyệt hết các báo cáo chờ duyệt trong bộ lọc này" in text
    assert f'href="/rounds/{round_id}?kind=commune&amp;sort=-late"' in text
    assert db.session.get(Submission, subs["Phòng Số 1"].id).status == "submitted"  # outside the filter, untouched


def test_skipping_a_report_moves_on_and_without_a_queue_approval_returns_to_the_board(client, scene):
    round_id, subs = scene["round"].id, scene["subs"]
    page = client.get(f"/rounds/submissions/{subs['Xã Số 1'].id}?queue=kind%3Dcommune").get_data(as_text=True)
    skip = re.search(r'<a class="button" href="([^"]+)">Bỏ qua', page).group(1).replace("&amp;", "&")
    assert urlsplit(client.get(skip).headers["Location"]).path == f"/rounds/submissions/{subs['Xã Số 2'].id}"
    plain = client.post(f"/rounds/submissions/{subs['Phòng Số 1'].id}/approve")
    assert plain.headers["Location"] == f"/rounds/{round_id}"


def reminder_texts(body: str, sub_id: int) -> tuple[str, str]:
    accented = re.search(rf'id="sms-a-{sub_id}"[^>]*>([^<]*)</textarea>', body).group(1)
    plain = re.search(rf'id="sms-p-{sub_id}"[^>]*>([^<]*)</textarea>', body).group(1)
    return accented, plain


def test_per_unit_reminders_fit_one_sms_in_each_form_after_the_deadline(client, scene):
    sub = submission_for(scene["round"], scene["units"][3])  # Xã Số 4, not started
    body = client.get(f"/rounds/{scene['round'].id}").get_data(as_text=True)
    assert body.index('id="reminders"') < body.index('<table class="grid board">')
    accented, plain = reminder_texts(body, sub.id)
    assert accented == "Đ/c Lan3: báo cáo Quý II/2024 đã quá hạn 3 ngày, đề nghị nộp ngay." and len(accented) <= 70
    assert len(plain) <= 160 and plain.isascii() and "da qua han 3 ngay, de nghi nop ngay" in plain
    assert 'href="sms:0912000003?body=' in body and "1 tin SMS" in body
    grouped = re.search(r'id="reminder-text"[^>]*>(.*?)</textarea>', body, re.S).group(1)
    assert "đã quá hạn 3 ngày, đề nghị nộp ngay" in grouped and "trước ngày" not in grouped


def test_per_unit_reminders_before_the_deadline_say_by_when(client, scene):
    round_ = scene["round"]
    round_.deadline = vn_today() + timedelta(days=5)
    db.session.commit()
    sub = submission_for(round_, scene["units"][3])
    page = client.get(f"/rounds/{round_.id}/reminders/{sub.id}").get_data(as_text=True)
    accented, plain = reminder_texts(page, sub.id)
    assert f"trước ngày {round_.deadline:%d/%m/%Y}" in accented and len(accented) <= 70
    assert "quá hạn" not in accented and len(plain) <= 160 and "con 5 ngay" in plain


def test_reminding_records_who_and_when_and_the_board_shows_it(client, scene):
    round_id, draft = scene["round"].id, scene["subs"]["Phòng Số 2"]
    response = client.post(f"/rounds/{round_id}/reminders",
                           data={"submission_id": [str(draft.id)], "channel": "sms", "board": "kind=office"})
    assert response.status_code == 303 and response.headers["Location"] == f"/rounds/{round_id}?kind=office#reminders"
    reminder = db.session.scalar(select(Reminder).where(Reminder.submission_id == draft.id))
    assert reminder.channel == "sms"
    row = board_rows(client.get(f"/rounds/{round_id}").get_data(as_text=True))["Phòng Số 2"]
    local = (reminder.at + timedelta(hours=7)).strftime("%H:%M %d/%m/%Y")
    assert local in row
    other_round = make_round(scene["units"][0].parent, index=1, year=2020, expected=[scene["units"][0]])
    foreign = submission_for(other_round, scene["units"][0]).id
    client.post(f"/rounds/{round_id}/reminders", data={"submission_id": [str(foreign)], "channel": "zalo"})
    assert db.session.scalar(select(Reminder).where(Reminder.submission_id == foreign)) is None

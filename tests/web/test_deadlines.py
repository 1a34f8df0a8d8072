"""Deadlines (issue 15): holidays in the arithmetic, proposals never silently past, gia hạn."""
from __future__ import annotations

import io
import re
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import CalendarDay, ChangeLog, DeadlineExtension
from app.reporting.clock import vn_today
from app.services.rounds import effective_deadline, submitted_late
from tests.conftest import login_as
from tests.factories import make_round, make_tree, make_user, submission_for

# Q2/2024 under Decree 09 ends Friday 14/06/2024; the round's deadline is Wednesday 19/06.
DEADLINE = date(2024, 6, 19)
# 10:00 on Friday 21/06/2024 in Vietnam, stored as naive UTC: two days late.
SUBMITTED = datetime(2024, 6, 21, 3, 0)


@pytest.fixture
def world(client):
    _, district, units = make_tree(3)
    reviewer = make_user(district, "reviewer")
    round_ = make_round(district, expected=units, deadline=DEADLINE)
    late = submission_for(round_, units[0])
    late.status, late.first_submitted_at, late.submitted_at = "submitted", SUBMITTED, SUBMITTED
    db.session.commit()
    login_as(client, reviewer)
    return {"district": district, "units": units, "round": round_, "late": late, "reviewer": reviewer}


def _board_row(client, round_, unit_name: str) -> str:
    body = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    table = body[body.index('id="board-table"'):]
    return next(row for row in table.split("<tr") if unit_name in row)


def _completeness(client, round_) -> dict[str, tuple]:
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/exports/rounds/{round_.id}.xlsx", buffered=True).data))
    return {r[1]: r for r in book["Tình hình nộp"].iter_rows(values_only=True) if r and r[1]}


def test_a_per_unit_extension_makes_a_late_submission_on_time_on_the_board_and_in_exports(client, world):
    round_, late = world["round"], world["late"]
    assert "muộn" in _board_row(client, round_, "Xã Số 1")
    assert _completeness(client, round_)["Xã Số 1"][4] == "Muộn"

    response = client.post(f"/rounds/{round_.id}/extend", data={
        "target": late.id, "new_deadline": "2024-06-21", "reason": "Công văn 125/UBND đồng ý gia hạn do mưa bão"})
    assert response.status_code == 303

    db.session.expire_all()
    assert effective_deadline(late) == date(2024, 6, 21) and not submitted_late(late)
    assert round_.deadline == DEADLINE  # the other units keep the round's deadline
    row = _board_row(client, round_, "Xã Số 1")
    assert "đúng hạn" in row and "muộn" not in row and "gia hạn đến 21/06/2024" in row
    assert _completeness(client, round_)["Xã Số 1"][4] == "Đúng hạn"
    # Every extension is in the audit log and in the unit's history.
    entry = db.session.scalar(select(DeadlineExtension))
    assert (entry.submission_id, entry.old_deadline, entry.new_deadline) == (late.id, DEADLINE, date(2024, 6, 21))
    assert entry.reason.startswith("Công văn 125") and entry.by_id == world["reviewer"].id
    log = db.session.scalar(select(ChangeLog).where(ChangeLog.action == "extend"))
    assert log.submission_id == late.id and log.old_value == "19/06/2024" and "21/06/2024" in log.new_value
    assert "Công văn 125/UBND" in client.get(f"/rounds/{round_.id}/extend").get_data(as_text=True)


def test_a_round_extension_moves_every_units_deadline_and_is_logged_for_each(client, world):
    round_ = world["round"]
    response = client.post(f"/rounds/{round_.id}/extend", data={"target": 0, "new_deadline": "2024-06-24",
                                                                 "reason": "Gia hạn chung"})
    assert response.status_code == 303
    db.session.expire_all()
    assert round_.deadline == date(2024, 6, 24)
    assert all(not submitted_late(s) for s in round_.submissions)
    assert len(db.session.scalars(select(ChangeLog).where(ChangeLog.action == "extend")).all()) == 3


@pytest.mark.parametrize(("data", "message"), [
    ({"new_deadline": "2024-06-21", "reason": ""}, "Ghi lý do gia hạn"),
    ({"new_deadline": "2024-06-18", "reason": "Lý do"}, "Hạn mới phải sau hạn hiện tại (19/06/2024)"),
    ({"new_deadline": "", "reason": "Lý do"}, "Vui lòng chọn hạn nộp mới"),
])
def test_an_extension_needs_a_later_date_and_a_reason(client, world, data, message):
    round_, late = world["round"], world["late"]
    for headers in ({}, {"HX-Request": "true"}):
        response = client.post(f"/rounds/{round_.id}/extend", data={"target": late.id, **data}, headers=headers)
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    db.session.expire_all()
    assert late.extended_deadline is None and db.session.scalar(select(DeadlineExtension)) is None


def test_only_the_consolidating_units_reviewer_extends(app, world):
    client = app.test_client()
    login_as(client, make_user(world["district"].parent, "reviewer"))
    round_ = world["round"]
    assert client.post(f"/rounds/{round_.id}/extend", data={"target": 0, "new_deadline": "2024-06-24",
                                                             "reason": "x"}).status_code == 403


# --- The round form's proposal ----------------------------------------------------------

def _proposed(response) -> str:
    """The proposed deadline as the form shows it (dd/mm/yyyy), in ISO for comparing."""
    shown = re.search(r'name="deadline"[^>]*value="([^"]*)"', response.get_data(as_text=True)).group(1)
    day, month, year = shown.split("/")
    return f"{year}-{month}-{day}"


def test_the_round_form_never_proposes_a_past_deadline(client, world):
    assert date.fromisoformat(_proposed(client.get("/rounds/new"))) >= vn_today()
    assert 'id="deadline-note"' not in client.get("/rounds/new").get_data(as_text=True)


def test_a_past_period_gets_a_fresh_deadline_and_a_note_saying_the_rule_date_has_passed(client, world):
    response = client.get("/rounds/new", query_string={"template": "halfyear_onestop", "year": "2021", "index": "1"})
    body = response.get_data(as_text=True)
    assert date.fromisoformat(_proposed(response)) > vn_today()
    assert "Hạn theo quy định của kỳ này (05/07/2021) đã qua" in body


def test_opening_a_round_with_a_deadline_already_past_is_refused(client, world):
    response = client.post("/rounds/new", data={
        "template": "halfyear_onestop", "year": "2021", "index": "1", "unit_id": world["district"].id,
        "deadline": "2021-07-05", "units": [u.id for u in world["units"]], "action": "open"})
    assert response.status_code == 422
    assert "Hạn nộp 05/07/2021 đã qua" in response.get_data(as_text=True)


def test_the_proposed_deadline_skips_public_holidays_and_the_administrators_days_off(client, world):
    # Q3/2030 ends Saturday 14/09/2030; Monday 2/9 is National Day (before the cut-off, so no
    # effect): three working days after the cut-off are 16, 17, 18/09.
    q3 = {"template": "quarterly_tthc", "year": "2030", "index": "3"}
    assert _proposed(client.get("/rounds/new", query_string=q3)) == "2030-09-18"
    db.session.add(CalendarDay(day=date(2030, 9, 17), kind="off", note="Nghỉ thêm"))
    db.session.commit()
    assert _proposed(client.get("/rounds/new", query_string=q3)) == "2030-09-19"
    # Q2/2030 ends Friday 14/06; Tết is far away. The Giỗ Tổ of 2030 (12/04) is before it too.
    assert _proposed(client.get("/rounds/new", query_string={**q3, "index": "2"})) == "2030-06-19"


# --- The administrator's list of days (Ngày nghỉ) --------------------------------------

def test_the_administrator_lists_public_holidays_and_adds_and_removes_extra_days(app, world):
    client = app.test_client()
    login_as(client, make_user(world["district"], "admin", username="quantri"))
    page = client.get("/admin/holidays?year=2026").get_data(as_text=True)
    assert "Tết Nguyên Đán" in page and "17/02/2026" in page and "Ngày nghỉ" in page
    response = client.post("/admin/holidays", data={"day": "2026-02-13", "kind": "off", "note": "Thông báo lịch nghỉ Tết"})
    assert response.status_code == 303
    again = client.post("/admin/holidays", data={"day": "2026-02-13", "kind": "work", "note": ""})
    assert again.status_code == 422 and "đã có trong danh sách" in again.get_data(as_text=True)
    row = db.session.scalar(select(CalendarDay))
    assert (row.day, row.kind, row.unit_id) == (date(2026, 2, 13), "off", world["district"].id)
    assert "Thông báo lịch nghỉ Tết" in client.get("/admin/holidays?year=2026").get_data(as_text=True)
    assert "Xóa ngày 13/02/2026" in client.post(f"/admin/holidays/{row.id}/delete").get_data(as_text=True)
    assert db.session.scalar(select(CalendarDay)) is not None
    assert client.post(f"/admin/holidays/{row.id}/delete", data={"confirm": "1"}).status_code == 303
    assert db.session.scalar(select(CalendarDay)) is None


def test_only_the_administrator_manages_days_off(client, world):
    assert client.get("/admin/holidays").status_code == 403


def test_a_deadline_typed_on_a_day_off_is_pointed_out(client, world):
    # Sunday 20/06/2027.
    page = client.get("/rounds/new", query_string={"template": "quarterly_tthc", "year": "2027", "index": "2",
                                                   "deadline": "20/06/2027", "auto_deadline": "2000-01-01"})
    body = page.get_data(as_text=True)
    assert "Hạn nộp 20/06/2027 (Chủ nhật) là ngày nghỉ" in body

"""Opening, closing and reopening reporting rounds (issue 3, design §6)."""
from __future__ import annotations

import re
from datetime import date

import pytest
from flask import g
from sqlalchemy import func, select

from app.extensions import db
from app.models import ReportingRound, Submission
from tests.conftest import login_as
from tests.factories import make_round, make_tree, make_unit, make_user, submission_for

HTMX = {"HX-Request": "true"}
# Quarter II of 2030 under Decree 09 runs 15/03–14/06/2030; the 14th is a Friday, so the
# earliest deadline is Monday 17/06/2030. A future year: deadlines already past are refused.
Q2 = {"template": "quarterly_tthc", "year": "2030", "index": "2"}


@pytest.fixture
def world():
    province, district, units = make_tree(3, offices=1)
    make_unit("P.D.X09", "Xã Đã Sáp Nhập", "commune", district, active=False)
    other = make_unit("P.K", "Huyện Khác", "district", province)
    make_unit("P.K.X01", "Xã Của Huyện Khác", "commune", other)
    reviewer = make_user(district, "reviewer")
    return {"province": province, "district": district, "units": units, "other": other, "reviewer": reviewer}


@pytest.fixture
def reviewer_client(client, world):
    login_as(client, world["reviewer"])
    return client


def _errors(response) -> list[str]:
    return re.findall(r'class="error"[^>]*>([^<]*)<', response.get_data(as_text=True))


def _checked_units(response) -> list[int]:
    body = response.get_data(as_text=True)
    return sorted(int(v) for v in re.findall(r'<input checked[^>]*name="units"[^>]*value="(\d+)"', body)
                  + re.findall(r'<input[^>]*name="units"[^>]*value="(\d+)"[^>]*checked', body))


def _open(client, world, headers=None, **changes):
    data = {**Q2, "unit_id": world["district"].id, "deadline": "2030-06-19",
            "units": [u.id for u in world["units"]], "action": "open", **changes}
    return client.post("/rounds/new", data=data, headers=headers or {})


def _rounds() -> int:
    return db.session.scalar(select(func.count()).select_from(ReportingRound))


def test_the_form_proposes_the_districts_active_children_as_reporting_units(reviewer_client, world):
    response = reviewer_client.get("/rounds/new", query_string=Q2)
    assert response.status_code == 200
    assert _checked_units(response) == sorted(u.id for u in world["units"])
    body = response.get_data(as_text=True)
    assert "Xã Đã Sáp Nhập" not in body and "Xã Của Huyện Khác" not in body
    assert 'value="2030-06-19"' in body, "the default deadline is three working days after the cut-off"


def test_a_reviewer_opens_a_round_with_one_submission_per_expected_unit(reviewer_client, world):
    expected = _checked_units(reviewer_client.get("/rounds/new", query_string=Q2))
    response = _open(reviewer_client, world, units=expected)
    assert response.status_code == 303
    round_ = db.session.scalar(select(ReportingRound))
    assert response.headers["Location"] == f"/rounds/{round_.id}"
    assert (round_.unit_id, round_.period_year, round_.period_index, round_.deadline) == (world["district"].id, 2030, 2, date(2030, 6, 19))
    assert (round_.date_from, round_.date_to) == (date(2030, 3, 15), date(2030, 6, 14))
    subs = db.session.scalars(select(Submission).where(Submission.round_id == round_.id)).all()
    assert sorted(s.unit_id for s in subs) == sorted(u.id for u in world["units"])
    assert {s.status for s in subs} == {"not_started"}
    board = reviewer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert all(u.name in board for u in world["units"])


def test_a_round_can_leave_out_some_units(reviewer_client, world):
    response = _open(reviewer_client, world, units=[world["units"][0].id])
    assert response.status_code == 303
    assert db.session.scalars(select(Submission.unit_id)).all() == [world["units"][0].id]


def test_a_reviewer_cannot_open_a_round_for_another_district(reviewer_client, world):
    assert reviewer_client.get("/rounds/new", query_string={**Q2, "unit_id": world["other"].id}).status_code == 404
    assert _open(reviewer_client, world, unit_id=world["other"].id).status_code == 404
    assert _rounds() == 0


def test_a_unit_outside_the_district_cannot_be_added_to_its_round(reviewer_client, world):
    outsider = world["other"].children[0].id
    response = _open(reviewer_client, world, units=[outsider])
    assert response.status_code == 422
    assert "Chọn ít nhất một đơn vị báo cáo." in _errors(response)
    assert _rounds() == 0


@pytest.mark.parametrize("deadline", ["2030-06-14", "2030-06-15", "2030-06-16", "2030-05-01"])
def test_a_deadline_less_than_one_working_day_after_the_cut_off_is_refused(reviewer_client, world, deadline):
    response = _open(reviewer_client, world, deadline=deadline)
    assert response.status_code == 422
    assert "Hạn nộp phải sau ngày chốt số liệu ít nhất một ngày làm việc (từ 17/06/2030)." in _errors(response)
    assert _rounds() == 0


def test_the_first_working_day_after_the_cut_off_is_an_acceptable_deadline(reviewer_client, world):
    assert _open(reviewer_client, world, deadline="2030-06-17").status_code == 303


def test_a_district_deadline_after_the_provinces_deadline_is_refused(reviewer_client, world):
    make_round(world["province"], year=2030, expected=[world["district"], world["other"]], deadline=date(2030, 6, 20))
    response = _open(reviewer_client, world, deadline="2030-06-21")
    assert response.status_code == 422
    assert "Hạn nộp không được muộn hơn hạn của cấp trên (20/06/2030)." in _errors(response)
    assert _rounds() == 1
    assert _open(reviewer_client, world, deadline="2030-06-20").status_code == 303
    assert _rounds() == 2


def test_the_same_period_cannot_be_opened_twice(reviewer_client, world):
    assert _open(reviewer_client, world).status_code == 303
    response = _open(reviewer_client, world)
    assert response.status_code == 422
    assert "Đơn vị đã có đợt báo cáo này cho kỳ đã chọn." in _errors(response)
    assert _rounds() == 1


@pytest.mark.parametrize("changes,field_message", [
    ({"deadline": ""}, "Vui lòng chọn hạn nộp (dd/mm/yyyy)."),
    ({"deadline": "mai"}, "Ngày không hợp lệ: nhập theo dạng dd/mm/yyyy, ví dụ 19/06/2026."),
    ({"year": ""}, "Vui lòng nhập trường này."),
    ({"year": "hai nghìn"}, "Vui lòng nhập một số nguyên."),
    ({"year": "1999"}, "Năm từ 2000 đến 2100."),
    ({"instructions": "x" * 4001}, "Tối đa 4.000 ký tự."),
    ({"units": []}, "Chọn ít nhất một đơn vị báo cáo."),
    ({"units": ["abc"]}, "Lựa chọn không hợp lệ."),
], ids=["no-deadline", "text-deadline", "no-year", "text-year", "old-year", "long-instructions", "no-units", "text-unit"])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_bad_round_input_is_explained_beside_the_field_and_opens_nothing(reviewer_client, world, changes, field_message, htmx):
    response = _open(reviewer_client, world, headers=HTMX if htmx else None, **changes)
    assert response.status_code == 422
    assert field_message in _errors(response)
    body = response.get_data(as_text=True)
    assert ("<html" in body) is not htmx
    assert 'id="round-form"' in body
    assert _rounds() == 0


def test_changing_the_template_refreshes_the_form_as_a_fragment_or_a_full_page(reviewer_client, world):
    fragment = reviewer_client.get("/rounds/new", query_string={"template": "monthly_tthc", "year": "2030", "index": "5"},
                                   headers=HTMX)
    assert fragment.status_code == 200
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and body.lstrip().startswith('<form id="round-form"')
    assert "Tháng 5" in body and "Quý II" not in body
    assert "HX-Request" in fragment.headers.get("Vary", "")
    page = reviewer_client.get("/rounds/new", query_string={"template": "monthly_tthc", "year": "2030", "index": "5"})
    body = page.get_data(as_text=True)
    assert "<html" in body and "<h1>Mở đợt báo cáo</h1>" in body and "Tháng 5" in body


def test_a_refresh_never_opens_a_round(reviewer_client, world):
    response = reviewer_client.post("/rounds/new", data={**Q2, "unit_id": world["district"].id, "deadline": "2030-06-19"},
                                    headers=HTMX)
    assert response.status_code == 200
    assert _rounds() == 0


# --- Closing and reopening ------------------------------------------------------------

def test_closing_a_round_locks_its_submissions_and_reopening_unlocks_them(app, reviewer_client, world):
    round_ = make_round(world["district"], year=2030, expected=world["units"])
    commune = world["units"][0]
    reporter = make_user(commune, "reporter")
    sub_id = submission_for(round_, commune).id
    response = reviewer_client.post(f"/rounds/{round_.id}/status")
    assert response.status_code == 303
    assert "Đã đóng đợt báo cáo." in reviewer_client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ReportingRound, round_.id).status == "closed"

    g.pop("_login_user", None)
    theirs = app.test_client()
    login_as(theirs, reporter)
    assert theirs.post(f"/submissions/{sub_id}/save", data={"v.I.2/text": "Muộn"}).status_code == 403
    assert f"/submissions/{sub_id}" not in theirs.get("/").get_data(as_text=True).split("Gần đây")[0]

    g.pop("_login_user", None)
    assert reviewer_client.post(f"/rounds/{round_.id}/status", data={"reason": "Xã xin nộp muộn"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(ReportingRound, round_.id).status == "open"
    g.pop("_login_user", None)
    assert theirs.post(f"/submissions/{sub_id}/save", data={"v.I.2/text": "Kịp"}).status_code in (200, 303)


def test_only_the_consolidating_unit_closes_its_round(app, world):
    round_ = make_round(world["district"], year=2030, expected=world["units"])
    client = app.test_client()
    login_as(client, make_user(world["province"], "reviewer"))
    assert client.post(f"/rounds/{round_.id}/status").status_code == 403
    db.session.expire_all()
    assert db.session.get(ReportingRound, round_.id).status == "open"


def test_the_rounds_list_shows_open_and_closed_rounds_of_the_reviewers_unit(reviewer_client, world):
    open_round = make_round(world["district"], year=2030, expected=world["units"])
    closed = make_round(world["district"], year=2030, expected=world["units"], index=1, deadline=date(2030, 3, 20))
    closed.status = "closed"
    db.session.commit()
    body = reviewer_client.get("/rounds/").get_data(as_text=True)
    assert f"/rounds/{open_round.id}" in body and f"/rounds/{closed.id}" in body
    assert "Đang mở" in body and "Đã đóng" in body
    assert body.index(f"/rounds/{open_round.id}\"") < body.index(f"/rounds/{closed.id}\"")

"""The first screen answers "what do I still owe, by when" (design §11)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.extensions import db
from app.reporting.clock import vn_today
from tests.conftest import login_as
from tests.factories import make_round, make_tree, make_unit, make_user, submission_for

LAST_YEAR = vn_today().year - 1


def _month_round(district, communes, month: int, deadline_offset: int, status: str | None = None, round_status: str = "open"):
    """A monthly round of last year; ``deadline_offset`` days from today (negative: already past)."""
    round_ = make_round(district, "monthly_tthc", year=LAST_YEAR, index=month, expected=communes,
                        deadline=vn_today() + timedelta(days=deadline_offset))
    round_.status = round_status
    if status:
        for sub in round_.submissions:
            sub.status = status
    db.session.commit()
    return round_


def _label(month: int) -> str:
    return f"Tháng {month} năm {LAST_YEAR}"


@pytest.fixture
def commune_world():
    _, district, communes = make_tree(2)
    commune = communes[0]
    rounds = {
        "returned": _month_round(district, [commune], 2, -10, "returned"),
        "open_later": _month_round(district, [commune], 3, 5, "draft"),
        "overdue": _month_round(district, [commune], 4, -3),
        "submitted": _month_round(district, [commune], 5, -20, "submitted"),
        "approved": _month_round(district, [commune], 6, -40, "approved"),
        "closed": _month_round(district, [commune], 7, -50, round_status="closed"),
    }
    # Another commune's work never appears on this commune's screen.
    _month_round(district, [communes[1]], 8, 2)
    return commune, rounds


def test_a_reporter_sees_returned_reports_first_then_open_ones_by_deadline_then_recent_ones(client, commune_world):
    commune, rounds = commune_world
    login_as(client, make_user(commune, "reporter"))
    body = client.get("/").get_data(as_text=True)
    positions = {name: body.index(_label(month)) for name, month in
                 [("returned", 2), ("overdue", 4), ("open_later", 3), ("submitted", 5), ("approved", 6), ("closed", 7)]}
    assert (positions["returned"] < body.index("Báo cáo cần nộp") < positions["overdue"] < positions["open_later"]
            < body.index("Gần đây") < min(positions["submitted"], positions["approved"], positions["closed"]))
    assert _label(8) not in body


def test_open_reports_say_how_many_days_are_left_or_how_late_they_are(client, commune_world):
    commune, rounds = commune_world
    login_as(client, make_user(commune, "reporter"))
    body = client.get("/").get_data(as_text=True)
    owed = body[body.index("Báo cáo cần nộp"):body.index("Gần đây")]
    overdue_card, later_card = owed.split(_label(4))[1], owed.split(_label(3))[1]
    assert "quá hạn 3 ngày" in overdue_card.split("</li>")[0]
    assert "còn 5 ngày" in later_card.split("</li>")[0]
    returned = body[:body.index("Báo cáo cần nộp")]
    assert "Báo cáo bị trả lại — cần sửa" in returned and "quá hạn 10 ngày" in returned
    for name in ("returned", "overdue", "open_later"):
        assert f'/submissions/{submission_for(rounds[name], commune).id}"' in body


def test_a_reporter_with_nothing_owed_is_told_so(client):
    _, _, communes = make_tree(1)
    login_as(client, make_user(communes[0], "reporter"))
    assert "Không có báo cáo nào đang chờ nộp." in client.get("/").get_data(as_text=True)


def _counts_row(body: str, round_id: int) -> list[int]:
    row = body[body.index(f'href="/rounds/{round_id}"'):]
    row = row[:row.index("</tr>")]
    return [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', row)]


def test_a_reviewer_sees_its_open_rounds_with_counts_per_state(client):
    province, district, communes = make_tree(6)
    states = ["not_started", "draft", "draft", "submitted", "returned", "approved"]
    round_ = make_round(district, "monthly_tthc", year=LAST_YEAR, index=2, expected=communes,
                        deadline=vn_today() + timedelta(days=4))
    for commune, state in zip(communes, states):
        submission_for(round_, commune).status = state
    db.session.commit()
    closed = _month_round(district, communes, 3, -5, round_status="closed")
    other = make_unit("P.K", "Huyện Khác", "district", province)
    elsewhere = _month_round(other, [make_unit("P.K.X1", "Xã Khác", "commune", other)], 2, 4)

    login_as(client, make_user(district, "reviewer"))
    body = client.get("/").get_data(as_text=True)
    header = body[body.index("<thead>"):body.index("</thead>")]
    assert [h for h in re.findall(r"<th>([^<]*)</th>", header)][3:] == [
        "Chưa bắt đầu", "Đang nhập", "Chờ duyệt", "Trả lại", "Đã duyệt"]
    assert _counts_row(body, round_.id) == [1, 2, 1, 1, 1]
    assert "còn 4 ngày" in body
    assert f'href="/rounds/{closed.id}"' not in body
    assert f'href="/rounds/{elsewhere.id}"' not in body


def test_a_reviewer_also_sees_what_its_own_unit_owes_upward(client):
    province, district, communes = make_tree(1)
    upward = make_round(province, "monthly_tthc", year=LAST_YEAR, index=2, expected=[district],
                        deadline=vn_today() + timedelta(days=6))
    login_as(client, make_user(district, "reviewer"))
    body = client.get("/").get_data(as_text=True)
    assert "Báo cáo của đơn vị gửi cấp trên" in body
    assert f'/submissions/{submission_for(upward, district).id}"' in body
    assert "còn 6 ngày" in body


def test_an_admin_lands_on_the_unit_tree(client):
    province, _, _ = make_tree(1)
    login_as(client, make_user(province, "admin", username="admin"))
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/units"

"""Who acts on a round, and what a closed round still allows: return needs the round
reopened (with a reason, recorded); a report returned before the round closed is never
stuck; a higher level reads a lower level's round but does not approve or return in it."""
from __future__ import annotations

import pytest
from flask import g
from sqlalchemy import select

from app.extensions import db
from app.models import RoundEvent, Submission
from app.reporting.lifecycle import CLOSED_ROUND_REFUSALS, refusal
from tests.conftest import login_as
from tests.factories import make_round, make_tree, make_user, submission_for

RETURN_REFUSED = CLOSED_ROUND_REFUSALS["return"]


@pytest.fixture
def world(app):
    province, district, communes = make_tree(2)
    round_ = make_round(district, "quarterly_tthc", expected=communes)
    sub = submission_for(round_, communes[0])
    sub.status = "submitted"
    db.session.commit()
    clients = {}
    for name, user in (("reporter", make_user(communes[0], "reporter")), ("reviewer", make_user(district, "reviewer")),
                       ("province", make_user(province, "reviewer"))):
        g.pop("_login_user", None)
        clients[name] = app.test_client()
        login_as(clients[name], user)
    g.pop("_login_user", None)
    return {"round": round_, "sub": sub, "clients": clients}


def post(client, url, data=None, follow=False):
    g.pop("_login_user", None)
    response = client.post(url, data=data or {}, follow_redirects=follow)
    g.pop("_login_user", None)
    return response


def status_of(sub) -> str:
    db.session.expire_all()
    return db.session.get(Submission, sub.id).status


def close(world):
    world["round"].status = "closed"
    db.session.commit()


def test_the_lifecycle_refuses_a_return_into_a_closed_round_only():
    assert refusal("submitted", "return", "closed") == RETURN_REFUSED
    assert refusal("submitted", "return", "open") is None
    assert refusal("submitted", "approve", "closed") is None
    assert refusal("draft", "return", "open") is not None


def test_return_is_refused_while_the_round_is_closed(world):
    close(world)
    sub, reviewer = world["sub"], world["clients"]["reviewer"]
    response = post(reviewer, f"/rounds/submissions/{sub.id}/return", {"comment.I.2": "Bổ sung"}, follow=True)
    assert RETURN_REFUSED in response.get_data(as_text=True)
    assert status_of(sub) == "submitted"
    page = reviewer.get(f"/rounds/submissions/{sub.id}").get_data(as_text=True)
    assert "Trả lại kèm ý kiến" not in page and "mở lại đợt" in page


def test_reopening_a_round_needs_a_reason_which_is_recorded_and_shown(world):
    close(world)
    round_, reviewer = world["round"], world["clients"]["reviewer"]
    refused = post(reviewer, f"/rounds/{round_.id}/status", {"reason": "  "}, follow=True)
    assert "Ghi lý do mở lại đợt" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(round_), round_.id).status == "closed"
    post(reviewer, f"/rounds/{round_.id}/status", {"reason": "Xã Số 1 xin nộp bổ sung (CV 12/UBND)"})
    db.session.expire_all()
    assert db.session.get(type(round_), round_.id).status == "open"
    event = db.session.scalar(select(RoundEvent).where(RoundEvent.action == "reopen"))
    assert event.note == "Xã Số 1 xin nộp bổ sung (CV 12/UBND)"
    assert "Xã Số 1 xin nộp bổ sung (CV 12/UBND)" in reviewer.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert post(reviewer, f"/rounds/submissions/{world['sub'].id}/return", {"comment.I.2": "Bổ sung"}).status_code == 303
    assert status_of(world["sub"]) == "returned"


def test_a_report_returned_before_the_round_closed_is_not_stuck(world):
    sub, reporter = world["sub"], world["clients"]["reporter"]
    assert post(world["clients"]["reviewer"], f"/rounds/submissions/{sub.id}/return",
                {"comment.I.2": "Bổ sung số liệu"}).status_code == 303
    close(world)
    save = post(reporter, f"/submissions/{sub.id}/save", {"v.I.2/text": "Đã bổ sung theo ý kiến"})
    assert save.status_code == 303
    assert status_of(sub) == "returned"
    assert post(reporter, f"/submissions/{sub.id}/submit").status_code in (303, 422)
    g.pop("_login_user", None)
    assert reporter.get(f"/submissions/{sub.id}").status_code == 200


def test_a_higher_level_reads_a_lower_levels_round_but_does_not_act_in_it(world):
    sub, round_, province = world["sub"], world["round"], world["clients"]["province"]
    g.pop("_login_user", None)
    page = province.get(f"/rounds/submissions/{sub.id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Chỉ xem" in body and "Duyệt báo cáo" not in body
    for action in ("approve", "return", "reopen"):
        assert post(province, f"/rounds/submissions/{sub.id}/{action}", {"comment.I.2": "x"}).status_code == 403
    assert status_of(sub) == "submitted"
    assert post(province, f"/rounds/{round_.id}/status", {"reason": "x"}).status_code == 403
    assert post(world["clients"]["reviewer"], f"/rounds/submissions/{sub.id}/approve").status_code == 303
    assert status_of(sub) == "approved"

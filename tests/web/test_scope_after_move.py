"""Who reads a report after its unit moves (issue 26): the reviewers of the round's unit and
its ancestors, and the unit's own users — for pages, exports and reviews alike. A move
neither opens the old district's rounds to the new district nor closes them to the old."""
from __future__ import annotations

from datetime import date

import pytest
from flask import g

from app.extensions import db
from app.models import User
from app.services.reorganisation import move_units
from tests.conftest import login_as
from tests.factories import make_round, make_unit, make_user, set_values, submission_for

SECRET = "Nháp của xã trước khi chuyển huyện"


@pytest.fixture
def moved(app):
    province = make_unit("P", "Tỉnh Thử Nghiệm", "province")
    old = make_unit("P.A", "Huyện Cũ", "district", province)
    new = make_unit("P.B", "Huyện Mới", "district", province)
    commune = make_unit("P.A.X1", "Xã Chuyển Đi", "commune", old, sort_order=1)
    stays = make_unit("P.A.X2", "Xã Ở Lại", "commune", old, sort_order=2)
    users = {"old": make_user(old, "reviewer"), "new": make_user(new, "reviewer"),
             "province": make_user(province, "reviewer"), "commune": make_user(commune, "reporter")}
    old_round = make_round(old, year=2024, index=2, expected=[commune, stays])
    sub = submission_for(old_round, commune)
    set_values(sub, {"I.2/text": SECRET})  # a draft
    db.session.commit()
    move_units([commune], new, date(2024, 7, 1), users["province"], today=date(2024, 7, 1))
    db.session.commit()
    assert commune.parent_id == new.id
    db.session.commit()
    new_round = make_round(new, year=2024, index=3, expected=[commune])
    db.session.commit()
    return {"sub": sub, "old_round": old_round, "new_sub": submission_for(new_round, commune), **users}


def client_of(app, user: User):
    g.pop("_login_user", None)
    client = app.test_client()
    login_as(client, user)
    return client


def get(client, url: str):
    g.pop("_login_user", None)
    response = client.get(url, buffered=True)
    response.close()  # downloads hold a spooled file until closed
    g.pop("_login_user", None)
    return response


def report_urls(sub) -> list[str]:
    return [f"/submissions/{sub.id}", f"/exports/submissions/{sub.id}.xlsx", f"/exports/submissions/{sub.id}.docx",
            f"/rounds/submissions/{sub.id}"]


def test_the_old_district_still_reads_the_moved_communes_report_in_its_own_round(app, moved):
    old = client_of(app, moved["old"])
    for url in report_urls(moved["sub"]):
        assert get(old, url).status_code == 200, url
    assert SECRET in get(old, f"/submissions/{moved['sub'].id}").get_data(as_text=True)


def test_the_new_district_reads_nothing_of_the_old_districts_rounds(app, moved):
    new = client_of(app, moved["new"])
    for url in report_urls(moved["sub"]) + [f"/rounds/{moved['old_round'].id}"]:
        response = get(new, url)
        assert response.status_code == 404, url
        assert SECRET not in response.get_data(as_text=True)


def test_the_new_district_reads_the_commune_in_its_own_rounds_and_the_commune_reads_both(app, moved):
    new, commune = client_of(app, moved["new"]), client_of(app, moved["commune"])
    assert get(new, f"/submissions/{moved['new_sub'].id}").status_code == 200
    assert get(new, f"/rounds/submissions/{moved['new_sub'].id}").status_code == 200
    for sub in (moved["sub"], moved["new_sub"]):
        assert get(commune, f"/submissions/{sub.id}").status_code == 200


def test_the_province_reads_both(app, moved):
    province = client_of(app, moved["province"])
    for sub in (moved["sub"], moved["new_sub"]):
        assert get(province, f"/submissions/{sub.id}").status_code == 200
        assert get(province, f"/exports/submissions/{sub.id}.xlsx").status_code == 200


def test_the_units_history_lists_only_the_reports_the_reader_may_open(app, moved):
    commune_id = moved["sub"].unit_id
    new_page = get(client_of(app, moved["new"]), f"/units/{commune_id}/history").get_data(as_text=True)
    assert f"/submissions/{moved['new_sub'].id}" in new_page
    assert f"/submissions/{moved['sub'].id}\"" not in new_page
    own_page = get(client_of(app, moved["commune"]), f"/units/{commune_id}/history").get_data(as_text=True)
    assert f"/submissions/{moved['sub'].id}\"" in own_page

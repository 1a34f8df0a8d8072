"""A crawl of every administration page (issue 22): no template key, period code, internal
field name, "columns[" or "parts[" reaches the administrator's screen."""
from __future__ import annotations

import io
import re
from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.models import AdminLog, CalendarDay, CatalogueField
from app.reporting.templates import shipped_templates
from tests.conftest import login_as
from tests.factories import make_round, make_tree, make_user

INTERNAL = ("full_name", "unit_code", "parent_code", "sort_order", "place_name", "system_admin", "must_change",
            "move_user", "group_code", "group_label", "effective_on", "predecessors", "successor_id", "new_parent",
            "old_parent", "moved_users", "password", "token", "None", "columns[", "parts[")
PERIOD_CODES = re.compile(r"\b(month|quarter|half|nine_months|adhoc|year)\b")


def _visible(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html)


def _problems(html: str) -> list[str]:
    text = _visible(html)
    found = [word for word in INTERNAL if word in text]
    found += PERIOD_CODES.findall(text)
    found += [code for code in shipped_templates() if code in text]
    return found


def test_no_admin_page_shows_an_internal_name(app, client):
    province, district, communes = make_tree(3)
    admin = make_user(province, "admin", username="quantri", system_admin=True)
    login_as(client, admin)
    make_round(district, expected=communes, opened_by=admin)
    db.session.add(CatalogueField(code="ho_tich", name="Hộ tịch", sort_order=1, unit=province))
    db.session.add(CalendarDay(day=date(2026, 2, 13), kind="off", note="Nghỉ Tết", unit=province))
    db.session.commit()
    # Actions that leave log lines of every kind the portal writes.
    client.post(f"/admin/units/{communes[0].id}/edit", data={"code": communes[0].code, "name": "Xã Đổi Tên", "kind": "commune",
                                                             "parent_id": district.id, "sort_order": "7", "place_name": "Đổi",
                                                             "active": "y"})
    client.post("/admin/users/new", data={"username": "xa.moi", "full_name": "Lê Mới", "role": "reporter",
                                          "unit_id": communes[1].id, "phone": "0912 000 111", "email": "moi@x.vn",
                                          "active": "y"})
    client.post("/admin/fields", data={"scope": district.id, "code": "tau_ca", "name": "Tàu cá", "group_code": "ns",
                                       "group_label": "Nông sản", "sort_order": "3", "active": "y"})
    client.post("/admin/holidays", data={"scope": district.id, "day": "14/02/2026", "kind": "work", "note": "Làm bù"})
    client.post("/admin/reorganisation/move", data={"units": [communes[2].id], "new_parent_id": province.id,
                                                    "effective_on": "01/01/2099", "retire_emptied": "y"})
    client.post("/admin/reorganisation/merge", data={"predecessors": [communes[0].id], "successor_id": communes[1].id,
                                                     "effective_on": "01/01/2099", "confirm": "1"})
    assert db.session.scalar(select(AdminLog.id).where(AdminLog.kind == "reorganisation"))
    user = make_user(communes[0], "reporter", username="xa.cu")
    pages = ["/admin/units", f"/admin/units?open={communes[0].id}", f"/admin/units/{district.id}/children", "/admin/units/new",
             f"/admin/units/{communes[0].id}/edit", "/admin/users", "/admin/users?q=xa", "/admin/users/new",
             f"/admin/users/{user.id}/edit", "/admin/fields", f"/admin/fields?scope={district.id}", "/admin/holidays",
             "/admin/holidays?year=2026", "/admin/reorganisation", "/admin/imports", "/admin/imports?kind=users",
             "/admin/imports?kind=users&mode=update", "/admin/log", "/admin/log?kind=user"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert _problems(response.get_data(as_text=True)) == [], url
    # The pages that answer a POST: previews, confirmations, temporary passwords.
    answers = {
        "users preview": client.post("/admin/imports", data={"kind": "users", "mode": "update", "file": (io.BytesIO(
            "Tên đăng nhập,Họ tên,Điện thoại,Email,Vai trò,Mã đơn vị\nxa.moi,Lê Mới,0912 000 112,moi@x.vn,Cán bộ đầu mối,P.D.X02\n"
            "xa.hai,Hai,912000113,hai@@x,Quản trị,P.D.X09\n".encode()), "u.csv")}, content_type="multipart/form-data"),
        "units preview": client.post("/admin/imports", data={"kind": "units", "mode": "update", "file": (io.BytesIO(
            "Mã đơn vị,Tên,Loại,Đơn vị cấp trên,Thứ tự\nP.D.X02,Xã Hai Mới,Phường,P.D,9\nP.S1,Sở Tư pháp,Sở,P,\n".encode()),
            "d.csv")}, content_type="multipart/form-data"),
        "lock": client.post(f"/admin/users/{user.id}/deactivate"),
        "reset": client.post(f"/admin/users/{user.id}/reset-password"),
        "reset done": client.post(f"/admin/users/{user.id}/reset-password", data={"confirm": "1"}),
        "merger": client.post("/admin/reorganisation/merge", data={"predecessors": [communes[1].id], "successor_id": district.id,
                                                                   "effective_on": "01/03/2099"}),
        "unit stop": client.post(f"/admin/units/{communes[1].id}/deactivate"),
    }
    for name, response in answers.items():
        assert response.status_code in (200, 422), name
        assert _problems(response.get_data(as_text=True)) == [], name


def test_the_templates_list_shows_no_template_key(client):
    province, _, _ = make_tree(1)
    login_as(client, make_user(province, "admin", username="quantri", system_admin=True))
    assert _problems(client.get("/admin/templates").get_data(as_text=True)) == []

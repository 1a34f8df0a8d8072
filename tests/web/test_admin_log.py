"""The log of administration (Nhật ký quản trị): who, when, what, before → after, for every
administrative action; filtered by unit, user and kind; as Excel; never a secret."""
from __future__ import annotations

import io
import re

import openpyxl
from sqlalchemy import select

from app.extensions import db
from app.models import AdminLog, User
from app.services.admin_log import record_admin_action
from tests.conftest import login_as
from tests.factories import make_tree, make_user


def _admin_client(client):
    province, district, communes = make_tree(2)
    admin = make_user(province, "admin", username="quantri", system_admin=True)
    login_as(client, admin)
    return client, admin, province, district, communes


def test_every_account_action_is_logged_with_before_and_after_and_never_the_password(client):
    client, admin, province, district, communes = _admin_client(client)
    created = client.post("/admin/users/new", data={"username": "xa.moi", "full_name": "Lê Thị Mới", "role": "reporter",
                                                    "unit_id": communes[0].id, "phone": "0987 654 321", "active": "y"})
    password = re.search(r"<code>(\S+)</code>", created.get_data(as_text=True)).group(1)
    user = db.session.scalar(select(User).where(User.username == "xa.moi"))
    client.post(f"/admin/users/{user.id}/edit", data={"username": "xa.moi", "full_name": "Lê Thị Mới", "role": "reporter",
                                                      "unit_id": communes[1].id, "phone": "0987 654 322", "active": "y"})
    client.post(f"/admin/users/{user.id}/reset-password", data={"confirm": "1"})
    client.post(f"/admin/users/{user.id}/deactivate", data={"confirm": "1"})
    entries = db.session.scalars(select(AdminLog).order_by(AdminLog.id)).all()
    assert [(e.kind, e.action) for e in entries] == [("user", "create"), ("user", "edit"), ("user", "reset"), ("user", "lock")]
    edit = entries[1]
    assert "Xã Số 1" in edit.before and "Xã Số 2" in edit.after and "0987 654 322" in edit.after
    assert "full_name" not in edit.before  # only what changed
    assert all(e.actor_id == admin.id and e.actor_name == "quantri" for e in entries)
    for entry in entries:
        assert password not in entry.before + entry.after and "hash" not in entry.before + entry.after
    page = client.get("/admin/log").get_data(as_text=True)
    assert "Đặt lại mật khẩu" in page and "Khóa" in page and "Điện thoại: 0987 654 322" in page
    assert password not in page


def test_record_admin_action_drops_anything_named_like_a_secret():
    province, _, _ = make_tree(1)
    entry = record_admin_action(None, "user.create", ("x", province), {"password": "abc", "token": "t"},
                                {"name": "A", "mat_khau": "m", "password_hash": "h", "secret_key": "s"})
    assert entry.before == "" and "abc" not in entry.after and '"name": "A"' in entry.after and "m\"" not in entry.after


def test_the_log_filters_by_unit_user_and_kind_and_downloads_as_excel(client):
    client, admin, province, district, communes = _admin_client(client)
    other = make_user(province, "admin", username="quantri2", system_admin=True)
    record_admin_action(admin, "unit.edit", communes[0], {"name": "Xã Cũ Một"}, {"name": "Xã Số 1"})
    record_admin_action(other, "field.create", ("Lĩnh vực Mới", province), None, {"name": "Lĩnh vực Mới"})
    record_admin_action(admin, "calendar.create", ("Ngày nghỉ thêm 13/02/2026", district), None, {"note": "Nghỉ Tết"})
    db.session.commit()
    by_unit = client.get(f"/admin/log?unit={district.id}").get_data(as_text=True)
    assert "Xã Cũ Một" in by_unit and "Nghỉ Tết" in by_unit and "Lĩnh vực Mới" not in by_unit
    by_user = client.get(f"/admin/log?user={other.id}").get_data(as_text=True)
    assert "Lĩnh vực Mới" in by_user and "Xã Cũ Một" not in by_user
    by_kind = client.get("/admin/log?kind=calendar").get_data(as_text=True)
    assert "Nghỉ Tết" in by_kind and "Xã Cũ Một" not in by_kind
    response = client.get("/admin/log.xlsx?kind=unit")
    assert response.status_code == 200 and response.content_type.startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Thời gian", "Người thực hiện", "Loại", "Thao tác")
    assert len(rows) == 2 and rows[1][1] == "quantri" and rows[1][2] == "Đơn vị" and "Tên: Xã Cũ Một" == rows[1][6]


def test_imports_and_round_actions_are_logged(client):
    client, admin, province, district, communes = _admin_client(client)
    table = "Mã đơn vị,Tên,Loại,Đơn vị cấp trên\nP.D.X09,Xã Chín,Xã,P.D\n"
    preview = client.post("/admin/imports", data={"kind": "units", "file": (io.BytesIO(table.encode()), "dv.csv")},
                          content_type="multipart/form-data")
    token = re.search(r'name="token" value="([^"]+)"', preview.get_data(as_text=True)).group(1)
    client.post("/admin/imports/confirm", data={"token": token})
    entry = db.session.scalar(select(AdminLog).where(AdminLog.kind == "import"))
    assert entry.action == "create" and "Xã Chín" in entry.target and entry.unit.code == "P.D.X09"


def test_temporary_passwords_download_once_as_excel(client):
    client, admin, province, district, communes = _admin_client(client)
    created = client.post("/admin/users/new", data={"username": "xa.moi", "full_name": "Lê Thị Mới", "role": "reporter",
                                                    "unit_id": communes[0].id, "active": "y"}).get_data(as_text=True)
    password = re.search(r"<code>(\S+)</code>", created).group(1)
    token = re.search(r'name="token" value="([^"]+)"', created).group(1)
    first = client.post("/admin/passwords.xlsx", data={"token": token})
    assert first.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(first.data)).active.iter_rows(values_only=True))
    assert rows[1] == ("xa.moi", "Lê Thị Mới", password)
    second = client.post("/admin/passwords.xlsx", data={"token": token})
    assert second.status_code == 422 and "đã được tải một lần" in second.get_data(as_text=True)
    assert password not in "".join(e.before + e.after + e.target for e in db.session.scalars(select(AdminLog)))

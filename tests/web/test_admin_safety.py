"""Safety of administration (issue 22): nobody locks or demotes himself, a scope keeps an
administrator, a calendar per scope with its warnings, imports that check like the forms
and update by code."""
from __future__ import annotations

import io
import re
from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.models import CalendarDay, OrgUnit, User
from app.reporting.periods import add_working_days
from app.services.workdays import work_calendar
from tests.conftest import login_as
from tests.factories import make_tree, make_unit, make_user


def _errors(response) -> str:
    return " ".join(re.findall(r'class="error"[^>]*>([^<]*)<', response.get_data(as_text=True)))


def _signed_in(app, user):
    from flask import g

    g.pop("_login_user", None)
    client = app.test_client()
    login_as(client, user)
    return client


def test_nobody_locks_resets_or_demotes_himself(app):
    province, district, communes = make_tree(2)
    admin = make_user(district, "admin", username="quantri.huyen")
    client = _signed_in(app, admin)
    assert "không thể tự khóa" in client.post(f"/admin/users/{admin.id}/deactivate", data={"confirm": "1"}).get_data(as_text=True)
    assert "không thể tự đặt lại" in client.post(f"/admin/users/{admin.id}/reset-password", data={"confirm": "1"}).get_data(as_text=True)
    demote = client.post(f"/admin/users/{admin.id}/edit", data={"username": admin.username, "full_name": "Quản trị",
                                                                "role": "reviewer", "unit_id": district.id, "active": "y"})
    assert demote.status_code == 422 and "không thể tự khóa, hạ quyền" in _errors(demote)
    db.session.expire_all()
    assert db.session.get(User, admin.id).role == "admin" and db.session.get(User, admin.id).active


def test_the_last_administrator_of_a_scope_cannot_be_locked_or_demoted(app):
    province, district, communes = make_tree(1)
    system = make_user(province, "admin", username="he.thong", system_admin=True)
    only = make_user(province, "admin", username="quantri.tinh")
    client = _signed_in(app, system)
    refused = client.post(f"/admin/users/{only.id}/deactivate", data={"confirm": "1"})
    assert refused.status_code == 422 and "quản trị viên cuối cùng của Tỉnh Thử Nghiệm" in refused.get_data(as_text=True)
    demote = client.post(f"/admin/users/{only.id}/edit", data={"username": only.username, "full_name": "Quản trị",
                                                               "role": "reporter", "unit_id": province.id, "active": "y"})
    assert demote.status_code == 422 and "quản trị viên cuối cùng" in _errors(demote)
    db.session.expire_all()
    assert db.session.get(User, only.id).active and db.session.get(User, only.id).role == "admin"
    # With a second administrator for the province, the first may be locked (after confirming).
    make_user(province, "admin", username="quantri.tinh2")
    assert "Khóa tài khoản quantri.tinh" in client.post(f"/admin/users/{only.id}/deactivate").get_data(as_text=True)
    assert client.post(f"/admin/users/{only.id}/deactivate", data={"confirm": "1"}).status_code == 303
    db.session.expire_all()
    assert not db.session.get(User, only.id).active


def test_a_provinces_day_off_moves_its_own_deadlines_only_and_the_calendar_warns(client):
    province, district, communes = make_tree(1)
    other = make_unit("Q", "Tỉnh Khác", "province")
    login_as(client, make_user(province, "admin", username="quantri.p"))
    # Friday 19/06/2026 off for province P only.
    added = client.post("/admin/holidays", data={"scope": province.id, "day": "19/06/2026", "kind": "off",
                                                 "note": "Nghỉ riêng"}, follow_redirects=True)
    assert "Đã thêm ngày 19/06/2026" in added.get_data(as_text=True)
    assert work_calendar(date(2026, 6, 1), district).is_working_day(date(2026, 6, 19)) is False
    assert work_calendar(date(2026, 6, 1), other).is_working_day(date(2026, 6, 19)) is True
    assert add_working_days(date(2026, 6, 18), 1, work_calendar(date(2026, 6, 1), district)) == date(2026, 6, 22)
    duplicate = client.post("/admin/holidays", data={"scope": province.id, "day": "19/06/2026", "kind": "off"})
    assert duplicate.status_code == 422 and "đã có trong danh sách" in _errors(duplicate)
    weekday = client.post("/admin/holidays", data={"scope": province.id, "day": "16/06/2026", "kind": "work"})
    assert weekday.status_code == 422 and "ngày làm bù phải là thứ Bảy hoặc Chủ nhật" in _errors(weekday)
    weekend = client.post("/admin/holidays", data={"scope": province.id, "day": "20/06/2026", "kind": "off"},
                          follow_redirects=True)
    assert "vốn đã là ngày nghỉ" in weekend.get_data(as_text=True)
    national = client.post("/admin/holidays", data={"scope": 0, "day": "22/06/2026", "kind": "off"})
    assert national.status_code == 422 and db.session.scalar(select(CalendarDay).where(CalendarDay.unit_id.is_(None))) is None


def _upload(client, kind, text, mode="create"):
    return client.post("/admin/imports", data={"kind": kind, "mode": mode, "file": (io.BytesIO(text.encode()), "f.csv")},
                       content_type="multipart/form-data")


def test_imports_check_phones_and_emails_like_the_form_and_update_by_code_with_a_preview(client):
    province, district, communes = make_tree(2)
    login_as(client, make_user(province, "admin", username="quantri.p"))
    users = ("Tên đăng nhập,Họ tên,Điện thoại,Email,Vai trò,Mã đơn vị\n"
             "xa.mot,Nguyễn Một,abc-xyz,,Cán bộ đầu mối,P.D.X01\n"
             "xa.hai,Nguyễn Hai,0912 111 004,dung@@laichau,Cán bộ đầu mối,P.D.X02\n"
             "xa.ba,Nguyễn Ba,912111004,,Cán bộ đầu mối,P.D.X02\n"
             "xa.bon,Nguyễn Bốn,0912 111 005,bon@laichau.gov.vn,Cán bộ đầu mối,P.D.X01\n")
    body = _upload(client, "users", users).get_data(as_text=True)
    assert "Số điện thoại &#39;abc-xyz&#39; không hợp lệ" in body
    assert "Địa chỉ thư &#39;dung@@laichau&#39; không hợp lệ" in body
    assert "đã mất số 0 ở đầu" in body
    assert "1 dòng hợp lệ, 3 dòng lỗi" in body
    token = re.search(r'name="token" value="([^"]+)"', body).group(1)
    client.post("/admin/imports/confirm", data={"token": token})
    assert db.session.scalar(select(User).where(User.username == "xa.bon")).phone == "0912 111 005"
    # The corrected file, uploaded again in update mode: the row already imported is unchanged, not an error.
    fixed = users.replace("abc-xyz", "0912 111 001").replace("dung@@laichau", "dung@laichau.gov.vn").replace(
        "912111004", "0912 111 003").replace("0912 111 005", "0912 111 555")
    preview = _upload(client, "users", fixed, mode="update").get_data(as_text=True)
    assert "4 dòng hợp lệ, 0 dòng lỗi" in preview
    assert "Cập nhật" in preview and "0912 111 005 → 0912 111 555" in preview
    token = re.search(r'name="token" value="([^"]+)"', preview).group(1)
    client.post("/admin/imports/confirm", data={"token": token})
    db.session.expire_all()
    assert db.session.scalar(select(User).where(User.username == "xa.bon")).phone == "0912 111 555"
    assert db.session.scalar(select(User).where(User.username == "xa.ba")).phone == "0912 111 003"
    units = "Mã đơn vị,Tên,Loại,Đơn vị cấp trên\nP.D.X01,Xã Số Một Mới,Xã,P.D\nP.S01,Sở Nội vụ,Sở,P\n"
    preview = _upload(client, "units", units, mode="update").get_data(as_text=True)
    assert "Xã Số 1 → Xã Số Một Mới" in preview and "Sở, ban, ngành" in preview
    token = re.search(r'name="token" value="([^"]+)"', preview).group(1)
    client.post("/admin/imports/confirm", data={"token": token})
    db.session.expire_all()
    assert db.session.scalar(select(OrgUnit).where(OrgUnit.code == "P.D.X01")).name == "Xã Số Một Mới"
    assert db.session.scalar(select(OrgUnit).where(OrgUnit.code == "P.S01")).kind == "department"


def test_unit_pickers_list_active_units_as_a_tree_in_official_order_with_a_search_hook(app):
    province, district, communes = make_tree(3)
    # Official order differs from names and ids: Xã Số 3 first.
    communes[2].sort_order = 0
    communes[1].active = False
    db.session.commit()
    client = _signed_in(app, make_user(province, "admin", username="quantri.p"))
    html = client.get("/admin/users/new").get_data(as_text=True)
    picker = re.search(r'<select[^>]*id="unit_id"[^>]*>(.*?)</select>', html, re.S)
    assert "data-unit-picker" in picker.group(0)
    options = re.findall(r"<option[^>]*>([^<]*)</option>", picker.group(1))
    assert [o.strip("· ").split(" (")[0] for o in options] == ["Tỉnh Thử Nghiệm", "Huyện Thử Nghiệm", "Xã Số 3", "Xã Số 1"]
    assert options[2].startswith("· · ")  # two levels below the top

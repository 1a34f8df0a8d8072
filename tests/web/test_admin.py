"""Administration: the unit tree, user accounts and the fields catalogue (design §3, §4)."""
from __future__ import annotations

import re

import pytest
from flask import g
from sqlalchemy import func, select

from app.extensions import db
from app.models import CatalogueField, OrgUnit, User
from tests.conftest import login_as
from tests.factories import PASSWORD, make_tree, make_unit, make_user

HTMX = {"HX-Request": "true"}


@pytest.fixture
def tree():
    return make_tree(3)


@pytest.fixture
def admin_client(client, tree):
    province, _, _ = tree
    login_as(client, make_user(province, "admin", username="admin", system_admin=True))
    return client


def _errors(response) -> list[str]:
    return re.findall(r'class="error"[^>]*>([^<]*)<', response.get_data(as_text=True))


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _unit(code: str) -> OrgUnit | None:
    db.session.expire_all()
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))


# --- Units ------------------------------------------------------------------------------

def test_an_admin_adds_a_commune_under_a_district_and_it_gets_the_districts_path(admin_client, tree):
    _, district, _ = tree
    response = admin_client.post("/admin/units/new", data={"code": "P.D.X99", "name": "Xã Mới Lập", "kind": "commune",
                                                            "parent_id": district.id, "place_name": "Mới Lập", "active": "y"})
    assert response.status_code == 303
    unit = _unit("P.D.X99")
    assert unit.parent_id == district.id
    assert unit.path == f"{district.path}{unit.id}/"
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Xã Mới Lập" in page and "Đã thêm đơn vị Xã Mới Lập." in page


def test_moving_a_district_moves_its_communes_paths_with_it(admin_client, tree):
    province, district, communes = tree
    other = make_unit("Q", "Tỉnh Khác", "province")
    response = admin_client.post(f"/admin/units/{district.id}/edit", data={
        "code": district.code, "name": district.name, "kind": "district", "parent_id": other.id, "active": "y"})
    assert response.status_code == 303
    moved = _unit(communes[0].code)
    assert moved.path == f"{other.path}{district.id}/{moved.id}/"


def test_a_unit_cannot_be_moved_under_its_own_commune(admin_client, tree):
    _, district, communes = tree
    response = admin_client.post(f"/admin/units/{district.id}/edit", data={
        "code": district.code, "name": district.name, "kind": "district", "parent_id": communes[0].id, "active": "y"})
    assert response.status_code == 422
    assert "Không thể chuyển đơn vị vào chính nó hoặc đơn vị cấp dưới của nó." in _errors(response)
    assert _unit(district.code).parent_id != communes[0].id


def test_deactivating_a_unit_keeps_it_and_its_history(admin_client, tree):
    _, _, communes = tree
    asked = admin_client.post(f"/admin/units/{communes[0].id}/deactivate")
    assert asked.status_code == 200 and "Ngừng hoạt động Xã Số 1" in asked.get_data(as_text=True)
    assert _unit(communes[0].code).active is True
    assert admin_client.post(f"/admin/units/{communes[0].id}/deactivate", data={"confirm": "1"}).status_code == 303
    unit = _unit(communes[0].code)
    assert unit is not None and unit.active is False
    admin_client.post(f"/admin/units/{communes[0].id}/deactivate", data={"confirm": "1"})
    assert _unit(communes[0].code).active is True


UNIT_GOOD = {"code": "P.D.X50", "name": "Xã Năm Mươi", "kind": "commune", "parent_id": "0", "sort_order": "5", "active": "y"}


@pytest.mark.parametrize("change,field_message", [
    ({"code": ""}, "Vui lòng nhập trường này."),
    ({"name": "  "}, "Vui lòng nhập trường này."),
    ({"code": "X" * 41}, "Tối đa 40 ký tự."),
    ({"name": "Xã " + "A" * 200}, "Tối đa 200 ký tự."),
    ({"place_name": "A" * 101}, "Tối đa 100 ký tự."),
    ({"code": "Xã Có Dấu"}, "Mã chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang, gạch dưới."),
    ({"code": "P.D.X01"}, "Mã đơn vị đã được dùng."),
    ({"kind": "galaxy"}, "Lựa chọn không hợp lệ."),
    ({"sort_order": "mười"}, "Vui lòng nhập một số nguyên."),
    ({"sort_order": "-1"}, "Từ 0 đến 99.999."),
    ({"parent_id": "abc"}, "Lựa chọn không hợp lệ."),
    ({"parent_id": "99999"}, "Đơn vị cấp trên không tồn tại."),
], ids=["empty-code", "blank-name", "long-code", "long-name", "long-place", "accented-code", "duplicate-code",
        "bad-kind", "text-order", "negative-order", "text-parent", "missing-parent"])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_a_bad_unit_form_says_why_beside_the_field_and_writes_nothing(admin_client, change, field_message, htmx):
    before = _count(OrgUnit)
    response = admin_client.post("/admin/units/new", data={**UNIT_GOOD, **change}, headers=HTMX if htmx else {})
    assert response.status_code == 422
    assert field_message in _errors(response)
    body = response.get_data(as_text=True)
    assert ("<html" in body) is not htmx
    assert 'id="unit-form"' in body
    assert _count(OrgUnit) == before


def test_a_bad_edit_of_a_unit_changes_nothing(admin_client, tree):
    _, _, communes = tree
    response = admin_client.post(f"/admin/units/{communes[0].id}/edit",
                                 data={**UNIT_GOOD, "code": "P.D.X02", "name": "Tên Mới"})
    assert response.status_code == 422
    assert "Mã đơn vị đã được dùng." in _errors(response)
    assert _unit(communes[0].code).name == communes[0].name


def test_the_unit_tree_opens_a_nodes_children_as_a_fragment_or_as_the_whole_page(admin_client, tree):
    province, district, communes = tree
    fragment = admin_client.get(f"/admin/units/{district.id}/children", headers=HTMX)
    assert fragment.status_code == 200
    body = fragment.get_data(as_text=True)
    assert "<html" not in body
    assert body.lstrip().startswith(f'<ul class="tree" id="children-{district.id}"')
    assert all(c.name in body for c in communes)
    assert "HX-Request" in fragment.headers.get("Vary", "")
    page = admin_client.get(f"/admin/units/{district.id}/children")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "<html" in body and "Cây đơn vị" in body
    assert province.name in body and all(c.name in body for c in communes)


def test_the_unit_tree_page_lists_only_roots_until_a_node_is_opened(admin_client, tree):
    province, district, communes = tree
    closed = admin_client.get("/admin/units").get_data(as_text=True)
    assert province.name in closed and district.name not in closed
    opened = admin_client.get(f"/admin/units?open={district.id}").get_data(as_text=True)
    assert communes[0].name in opened


def test_children_of_a_unit_that_does_not_exist_is_404(admin_client):
    assert admin_client.get("/admin/units/99999/children", headers=HTMX).status_code == 404


# --- Users ------------------------------------------------------------------------------

def test_an_admin_creates_a_reporter_who_can_sign_in_with_the_temporary_password(app, admin_client, tree):
    _, _, communes = tree
    response = admin_client.post("/admin/users/new", data={"username": "xa.moi", "full_name": "Lê Thị Mới", "role": "reporter",
                                                            "unit_id": communes[1].id, "phone": "0987 654 321", "active": "y"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Mật khẩu tạm chỉ hiển thị một lần" in page
    password = re.search(r"<td>xa.moi</td><td>Lê Thị Mới</td><td><code>(\S+)</code>", page).group(1)
    user = db.session.scalar(select(User).where(User.username == "xa.moi"))
    assert (user.role, user.unit_id) == ("reporter", communes[1].id)
    assert user.check_password(password)


USER_GOOD = {"username": "xa.nam", "full_name": "Phạm Văn Năm", "role": "reporter", "phone": "0912345678",
             "email": "nam@example.vn", "active": "y"}


@pytest.mark.parametrize("change,field_message", [
    ({"username": ""}, "Vui lòng nhập trường này."),
    ({"full_name": ""}, "Vui lòng nhập trường này."),
    ({"username": "a" * 81}, "Tối đa 80 ký tự."),
    ({"full_name": "A" * 121}, "Tối đa 120 ký tự."),
    ({"username": "xã.năm"}, "Mã chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang, gạch dưới."),
    ({"email": "not-an-email"}, "Địa chỉ thư không hợp lệ."),
    ({"phone": "gọi tôi"}, "Số điện thoại không hợp lệ."),
    ({"phone": "0" * 31}, "Tối đa 30 ký tự."),
    ({"role": "emperor"}, "Lựa chọn không hợp lệ."),
    ({"unit_id": "abc"}, "Lựa chọn không hợp lệ."),
    ({"unit_id": "99999"}, "Vui lòng chọn đơn vị."),
    ({"username": "reporter.p.d.x01"}, "Tên đăng nhập đã được dùng."),
], ids=["empty-username", "empty-name", "long-username", "long-name", "accented-username", "bad-email", "bad-phone",
        "long-phone", "bad-role", "text-unit", "missing-unit", "duplicate-username"])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_a_bad_user_form_says_why_beside_the_field_and_writes_nothing(admin_client, tree, change, field_message, htmx):
    _, _, communes = tree
    make_user(communes[0], "reporter")
    before = _count(User)
    data = {**USER_GOOD, "unit_id": communes[0].id, **change}
    response = admin_client.post("/admin/users/new", data=data, headers=HTMX if htmx else {})
    assert response.status_code == 422
    assert field_message in _errors(response)
    body = response.get_data(as_text=True)
    assert ("<html" in body) is not htmx
    assert 'id="user-form"' in body
    assert _count(User) == before


def test_locking_an_account_ends_its_session_at_once(app, admin_client, tree):
    from flask import g

    _, _, communes = tree
    reporter = make_user(communes[0], "reporter")
    theirs = app.test_client()
    g.pop("_login_user", None)
    login_as(theirs, reporter)
    g.pop("_login_user", None)
    asked = admin_client.post(f"/admin/users/{reporter.id}/deactivate")
    assert asked.status_code == 200 and "Khóa tài khoản" in asked.get_data(as_text=True)
    g.pop("_login_user", None)
    assert theirs.get("/").status_code == 200  # nothing happens before the confirmation
    g.pop("_login_user", None)
    assert admin_client.post(f"/admin/users/{reporter.id}/deactivate", data={"confirm": "1"}).status_code == 303
    g.pop("_login_user", None)
    assert theirs.get("/").status_code == 302
    g.pop("_login_user", None)
    assert theirs.post("/login", data={"username": reporter.username, "password": PASSWORD}).status_code == 422


def test_resetting_a_password_issues_a_temporary_one_to_change_and_signs_the_user_out(app, admin_client, tree):
    _, _, communes = tree
    reporter = make_user(communes[0], "reporter")
    theirs = app.test_client()
    login_as(theirs, reporter)
    g.pop("_login_user", None)
    assert "Đặt lại mật khẩu của" in admin_client.post(f"/admin/users/{reporter.id}/reset-password").get_data(as_text=True)
    assert db.session.get(User, reporter.id).check_password(PASSWORD)
    response = admin_client.post(f"/admin/users/{reporter.id}/reset-password", data={"confirm": "1"})
    assert response.status_code == 200 and "Mật khẩu tạm chỉ hiển thị một lần" in response.get_data(as_text=True)
    db.session.expire_all()
    user = db.session.get(User, reporter.id)
    assert user.must_change_password
    assert not user.check_password(PASSWORD)
    g.pop("_login_user", None)
    assert theirs.get("/").status_code == 302


def test_the_user_search_returns_the_table_alone_for_htmx_and_the_whole_page_otherwise(admin_client, tree):
    _, _, communes = tree
    make_user(communes[0], "reporter", username="xa.mot", full_name="Đỗ Văn Một")
    make_user(communes[1], "reporter", username="xa.hai", full_name="Vũ Thị Hai")
    fragment = admin_client.get("/admin/users", query_string={"q": "hai"}, headers=HTMX)
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200
    assert "<html" not in body and body.lstrip().startswith('<div id="users-table">')
    assert "xa.hai" in body and "xa.mot" not in body
    assert "HX-Request" in fragment.headers.get("Vary", "")
    page = admin_client.get("/admin/users", query_string={"q": "hai"})
    body = page.get_data(as_text=True)
    assert "<html" in body and 'id="q"' in body and 'value="hai"' in body
    assert "xa.hai" in body and "xa.mot" not in body


def test_the_user_search_matches_the_unit_name_too(admin_client, tree):
    _, _, communes = tree
    make_user(communes[2], "reporter", username="xa.ba")
    body = admin_client.get("/admin/users", query_string={"q": communes[2].name.lower()}, headers=HTMX).get_data(as_text=True)
    assert "xa.ba" in body and "1 tài khoản" in body


def test_a_boosted_or_history_restore_request_gets_the_whole_users_page(admin_client):
    for extra in ({"HX-Boosted": "true"}, {"HX-History-Restore-Request": "true"}):
        body = admin_client.get("/admin/users", headers={**HTMX, **extra}).get_data(as_text=True)
        assert "<html" in body


# --- Fields catalogue -------------------------------------------------------------------

def test_an_admin_adds_a_field_edits_it_and_adding_its_code_again_is_refused(admin_client):
    data = {"code": "ho_tich", "name": "Hộ tịch", "sort_order": "1", "active": "y"}
    assert admin_client.post("/admin/fields", data=data).status_code == 303
    again = admin_client.post("/admin/fields", data={**data, "name": "Hộ tịch (tỉnh mới)"})
    assert again.status_code == 422 and "Mã đã được dùng" in " ".join(_errors(again))
    field = db.session.scalar(select(CatalogueField))
    assert admin_client.post("/admin/fields", data={**data, "field_id": field.id, "name": "Hộ tịch (sửa)"}).status_code == 303
    db.session.expire_all()
    fields = db.session.scalars(select(CatalogueField)).all()
    assert [(f.code, f.name) for f in fields] == [("ho_tich", "Hộ tịch (sửa)")]


FIELD_GOOD = {"code": "dat_dai", "name": "Đất đai", "sort_order": "3", "active": "y"}


@pytest.mark.parametrize("change,field_message", [
    ({"code": ""}, "Vui lòng nhập trường này."),
    ({"name": ""}, "Vui lòng nhập trường này."),
    ({"code": "x" * 41}, "Tối đa 40 ký tự."),
    ({"name": "Đ" * 201}, "Tối đa 200 ký tự."),
    ({"code": "đất đai"}, "Mã chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang, gạch dưới."),
    ({"sort_order": "ba"}, "Vui lòng nhập một số nguyên."),
    ({"sort_order": "100000"}, "Từ 0 đến 99.999."),
    ({"group_code": "dat"}, "Nhóm cần có tên dòng tổng (vd. Tổng lĩnh vực đất đai)."),
], ids=["empty-code", "empty-name", "long-code", "long-name", "accented-code", "text-order", "big-order", "group-no-label"])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_a_bad_field_says_why_beside_the_input_and_writes_nothing(admin_client, change, field_message, htmx):
    response = admin_client.post("/admin/fields", data={**FIELD_GOOD, **change}, headers=HTMX if htmx else {})
    assert response.status_code == 422
    assert field_message in _errors(response)
    assert _count(CatalogueField) == 0

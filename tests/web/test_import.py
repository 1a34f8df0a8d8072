"""Bulk import of units (.xlsx) and users (.csv): preview with per-row errors, write on confirm only."""
from __future__ import annotations

import csv
import html
import io
import re

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.extensions import db
from app.models import OrgUnit, User
from tests.conftest import login_as
from tests.factories import make_tree, make_unit, make_user


@pytest.fixture
def admin_client(client):
    province = make_unit("P", "Tỉnh Thử Nghiệm", "province")
    login_as(client, make_user(province, "admin", username="admin", system_admin=True))
    return client


def _xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _csv(rows: list[list]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def _upload(client, kind: str, filename: str, data: bytes):
    return client.post("/admin/imports", data={"kind": kind, "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def _preview_rows(response) -> dict[int, tuple[bool, str]]:
    """line -> (ok, the row's cells and messages as text)."""
    body = response.get_data(as_text=True)
    rows = re.findall(r'<tr class="row-(ok|error)"><td>(\d+)</td>(.*?)</tr>', body, re.S)
    return {int(line): (state == "ok", html.unescape(re.sub(r"<[^>]+>", " ", cells))) for state, line, cells in rows}


def _token(response) -> str:
    return re.search(r'name="token" value="([^"]+)"', response.get_data(as_text=True)).group(1)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


UNIT_HEADER = ["Mã đơn vị", "Tên đơn vị", "Loại", "Mã đơn vị cấp trên", "Địa danh"]


def _units_file() -> tuple[list[list], dict[int, str]]:
    """120 rows: a district and its 110 communes (the district comes last), and 9 bad rows."""
    rows = [[f"H1.X{i:03d}", f"Xã Nhập Số {i}", "Xã", "H1", f"Nhập {i}"] for i in range(1, 111)]
    bad = {
        111: (["H1.X001", "Xã Trùng Mã", "Xã", "H1", ""], "Mã đơn vị 'H1.X001' bị trùng trong tệp."),
        112: (["P", "Tỉnh Trùng", "Tỉnh", "", ""], "Mã đơn vị 'P' đã có trong hệ thống."),
        113: (["H9.X1", "Xã Mồ Côi", "Xã", "H9", ""], "Không tìm thấy đơn vị cấp trên 'H9'."),
        114: (["H9.X2", "Xã Mồ Côi Hai", "Xã", "KHONG.CO", ""], "Không tìm thấy đơn vị cấp trên 'KHONG.CO'."),
        115: (["H1.Y1", "Hành Tinh Một", "Hành tinh", "H1", ""], "Loại đơn vị 'Hành tinh' không hợp lệ"),
        116: (["H1.Y2", "Thiên Hà", "galaxy", "H1", ""], "Loại đơn vị 'galaxy' không hợp lệ"),
        117: (["H9.X1.T1", "Thôn Của Xã Lỗi", "Xã", "H9.X1", ""], "Đơn vị cấp trên 'H9.X1' nằm ở dòng bị lỗi."),
        118: (["H1.X200", "", "Xã", "H1", ""], "Thiếu tên đơn vị."),
        119: (["H1.Xã", "Xã Mã Có Dấu", "Xã", "H1", ""], "Mã đơn vị chỉ gồm chữ không dấu"),
    }
    rows += [row for row, _ in bad.values()]
    rows.append(["H1", "Huyện Nhập Một", "Huyện", "P", "Nhập Một"])
    assert len(rows) == 120
    # Line numbers count the header as line 1.
    return [UNIT_HEADER] + rows, {line + 1: message for line, (_, message) in bad.items()}


def test_a_120_row_units_workbook_previews_row_errors_then_confirm_writes_exactly_the_good_rows(admin_client):
    table, expected_errors = _units_file()
    preview = _upload(admin_client, "units", "don_vi.xlsx", _xlsx(table))
    assert preview.status_code == 200
    body = preview.get_data(as_text=True)
    assert "111 dòng hợp lệ, 9 dòng lỗi" in body
    rows = _preview_rows(preview)
    assert len(rows) == 120
    for line, message in expected_errors.items():
        ok, text = rows[line]
        assert not ok and message in text, (line, text)
    assert sum(ok for ok, _ in rows.values()) == 111
    assert _count(OrgUnit) == 1, "the preview wrote something"

    confirm = admin_client.post("/admin/imports/confirm", data={"token": _token(preview)})
    assert confirm.status_code == 303
    assert _count(OrgUnit) == 1 + 111
    province = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "P"))
    district = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "H1"))
    commune = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "H1.X050"))
    assert (district.kind, district.parent_id, district.place_name) == ("district", province.id, "Nhập Một")
    assert (commune.name, commune.kind, commune.parent_id) == ("Xã Nhập Số 50", "commune", district.id)
    assert commune.path == f"/{province.id}/{district.id}/{commune.id}/"
    assert db.session.scalar(select(func.count()).where(OrgUnit.code.in_(["H9.X1", "H1.Y1", "H1.Xã"]))) == 0


def test_confirming_the_same_preview_twice_does_not_duplicate_units(admin_client):
    table, _ = _units_file()
    token = _token(_upload(admin_client, "units", "don_vi.xlsx", _xlsx(table)))
    admin_client.post("/admin/imports/confirm", data={"token": token})
    admin_client.post("/admin/imports/confirm", data={"token": token})
    assert _count(OrgUnit) == 1 + 111


def test_a_tampered_preview_token_is_refused_and_writes_nothing(admin_client):
    table, _ = _units_file()
    token = _token(_upload(admin_client, "units", "don_vi.xlsx", _xlsx(table)))
    assert admin_client.post("/admin/imports/confirm", data={"token": token[:-3] + "xyz"}).status_code == 400
    assert _count(OrgUnit) == 1


USER_HEADER = ["Tên đăng nhập", "Họ tên", "Điện thoại", "Email", "Vai trò", "Mã đơn vị", "Mật khẩu"]


def test_a_150_row_users_csv_previews_row_errors_then_confirm_writes_exactly_the_good_rows(client):
    _, _, communes = make_tree(3)
    admin = make_user(communes[0].parent.parent, "admin", username="admin")
    make_user(communes[0], "reporter", username="da.co")
    login_as(client, admin)
    roles = ["Cán bộ đầu mối", "reviewer", "Cán bộ tổng hợp", "reporter"]
    units = ["P.D.X01", "P.D.X02", "P.D.X03", "P.D"]
    good = [[f"nguoi.{i:03d}", f"Người Dùng {i}", "0912 000 000", f"u{i}@example.vn", roles[i % 4], units[i % 4],
             "ba-con-voi-xanh-2024" if i % 2 else ""] for i in range(1, 141)]
    bad = {
        141: (["nguoi.001", "Trùng Tên", "", "", "reporter", "P.D.X01", ""], "Tên đăng nhập 'nguoi.001' bị trùng trong tệp."),
        142: (["nguoi.002", "Trùng Tên Hai", "", "", "reporter", "P.D.X01", ""], "Tên đăng nhập 'nguoi.002' bị trùng trong tệp."),
        143: (["da.co", "Đã Có", "", "", "reporter", "P.D.X01", ""], "Tên đăng nhập 'da.co' đã có."),
        144: (["vai.tro.1", "Vai Trò Sai", "", "", "Giám đốc", "P.D.X01", ""], "Vai trò 'Giám đốc' không hợp lệ"),
        145: (["vai.tro.2", "Vai Trò Sai", "", "", "root", "P.D.X01", ""], "Vai trò 'root' không hợp lệ"),
        146: (["vai.tro.3", "Vai Trò Trống", "", "", "", "P.D.X01", ""], "Vai trò '' không hợp lệ"),
        147: (["don.vi.1", "Không Đơn Vị", "", "", "reporter", "P.D.X99", ""], "Không tìm thấy đơn vị 'P.D.X99'."),
        148: (["don.vi.2", "Không Đơn Vị", "", "", "reporter", "", ""], "Không tìm thấy đơn vị ''."),
        149: (["mat.khau", "Mật Khẩu Ngắn", "", "", "reporter", "P.D.X01", "123"], "Mật khẩu cần ít nhất 10 ký tự"),
        150: (["khong.ten", "", "", "", "reporter", "P.D.X01", ""], "Thiếu họ tên."),
    }
    table = [USER_HEADER] + good + [row for row, _ in bad.values()]
    assert len(table) == 151
    preview = _upload(client, "users", "nguoi_dung.csv", _csv(table))
    assert preview.status_code == 200
    assert "140 dòng hợp lệ, 10 dòng lỗi" in preview.get_data(as_text=True)
    rows = _preview_rows(preview)
    assert len(rows) == 150
    for line, (_, message) in bad.items():
        ok, text = rows[line + 1]
        assert not ok and message in text, (line, text)
    assert "ba-con-voi-xanh-2024" not in preview.get_data(as_text=True), "the preview shows passwords"
    assert _count(User) == 2, "the preview wrote something"

    confirm = client.post("/admin/imports/confirm", data={"token": _token(preview)})
    # Seventy accounts had no password: their temporary ones are shown once.
    assert confirm.status_code == 200
    assert confirm.get_data(as_text=True).count("<code>") == 70
    assert _count(User) == 2 + 140
    user = db.session.scalar(select(User).where(User.username == "nguoi.005"))
    assert (user.full_name, user.role, user.unit.code) == ("Người Dùng 5", "reviewer", "P.D.X02")
    assert user.check_password("ba-con-voi-xanh-2024")
    reporter = db.session.scalar(select(User).where(User.username == "nguoi.004"))
    assert (reporter.role, reporter.unit.code) == ("reporter", "P.D.X01")
    assert db.session.scalar(select(func.count()).where(User.username.in_(["vai.tro.1", "don.vi.1", "mat.khau"]))) == 0


@pytest.mark.parametrize("filename,data,message", [
    ("ds.txt", b"ma,ten\n", "Chỉ nhận tệp .xlsx hoặc .csv."),
    ("ds.csv", "Mã đơn vị,Tên đơn vị\nX,Y\n".encode(), "Thiếu cột: Loại."),
    ("ds.csv", b"", "Tệp không có dữ liệu."),
    ("ds.csv", "Mã đơn vị;Tên\n".encode("utf-16"), "Tệp CSV phải lưu với bảng mã UTF-8."),
    ("ds.xlsx", b"not a workbook", "không phải là tệp Excel (.xlsx) hợp lệ"),
], ids=["wrong-type", "missing-column", "empty", "not-utf8", "broken-xlsx"])
def test_an_unreadable_file_is_refused_with_a_message_and_writes_nothing(admin_client, filename, data, message):
    response = _upload(admin_client, "units", filename, data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(OrgUnit) == 1


def test_posting_without_a_file_asks_for_one(admin_client):
    response = admin_client.post("/admin/imports", data={"kind": "users"})
    assert response.status_code == 422
    assert "Vui lòng chọn tệp .xlsx hoặc .csv." in response.get_data(as_text=True)


# --- In the users' language (issue 15) ----------------------------------------------------

INTERNAL = {"code", "name", "kind", "parent_code", "place_name", "sort_order", "username", "full_name", "role",
            "unit_code", "commune", "ward", "town", "office", "district", "province", "reporter", "reviewer", "admin"}


def _preview_words(response) -> set[str]:
    body = response.get_data(as_text=True)
    section = body[body.index('id="import-preview"'):body.index("</section>", body.index('id="import-preview"'))]
    text = html.unescape(re.sub(r"<[^>]+>", " ", section))
    return set(re.findall(r"[\w.]+", text))


def test_a_units_preview_names_columns_kinds_and_errors_in_vietnamese_only(admin_client):
    table = [["Mã đơn vị", "Tên", "Loại", "Đơn vị cấp trên", "Thứ tự"],
             ["H1", "Huyện Một", "huyện", "P", "1"], ["H1.X1", "Xã Một", "xã", "H1", "2"],
             ["H1.P1", "Phường Hai", "Phường", "H1", ""], ["H1.T1", "Thị trấn Ba", "thị trấn", "H1", "3"],
             ["H1.S1", "Phòng Tư pháp", "phòng", "H1", "x"], ["H1.S2", "Sở Nội vụ", "Sở", "H1", "101"],
             ["H1.Z1", "Không rõ", "Làng", "H1", ""]]
    preview = _upload(admin_client, "units", "don_vi.csv", _csv(table))
    words = _preview_words(preview)
    assert not words & INTERNAL, words & INTERNAL
    body = preview.get_data(as_text=True)
    for header in ("<th>Mã đơn vị</th>", "<th>Tên</th>", "<th>Loại</th>", "<th>Đơn vị cấp trên</th>", "<th>Thứ tự</th>"):
        assert header in body
    rows = _preview_rows(preview)
    assert " Xã " in rows[3][1] and " Phường " in rows[4][1] and " Thị trấn " in rows[5][1] and " Sở, ban, ngành " in rows[7][1]
    assert "Thứ tự 'x' phải là số nguyên" in rows[6][1]
    assert "Loại đơn vị 'Làng' không hợp lệ" in rows[8][1]


def test_a_users_preview_shows_roles_by_their_vietnamese_names(client):
    _, district, communes = make_tree(1)
    login_as(client, make_user(district.parent, "admin", username="admin"))
    table = [["Tên đăng nhập", "Họ tên", "Vai trò", "Mã đơn vị", "Mật khẩu"],
             ["a.mot", "A Một", "reporter", communes[0].code, "bimat-2024"], ["b.hai", "B Hai", "tổng hợp", district.code, ""]]
    preview = _upload(client, "users", "nguoi_dung.csv", _csv(table))
    words = _preview_words(preview)
    assert not words & INTERNAL, words & INTERNAL
    rows = _preview_rows(preview)
    assert "Cán bộ đầu mối" in rows[2][1] and "Cán bộ tổng hợp" in rows[3][1]
    assert "bimat-2024" not in preview.get_data(as_text=True)


@pytest.mark.parametrize("kind", ["units", "users"])
def test_each_import_offers_a_sample_file_with_the_headers_it_reads(admin_client, kind):
    assert f"/admin/imports/sample-{kind}.xlsx" in admin_client.get(f"/admin/imports?kind={kind}").get_data(as_text=True)
    response = admin_client.get(f"/admin/imports/sample-{kind}.xlsx")
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment")
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(response.data))
    header = [c.value for c in book["Danh sách"][1]]
    expected = (["Mã đơn vị", "Tên", "Loại", "Đơn vị cấp trên", "Địa danh", "Thứ tự"] if kind == "units"
                else ["Tên đăng nhập", "Họ tên", "Điện thoại", "Email", "Vai trò", "Mã đơn vị", "Mật khẩu"])
    assert header == expected
    assert book["Hướng dẫn"].max_row == len(expected) + 1


def test_the_sample_units_file_imports_as_it_is_with_its_order(admin_client):
    province = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "P"))
    province.code = "QNG"
    db.session.commit()
    preview = _upload(admin_client, "units", "mau.xlsx", admin_client.get("/admin/imports/sample-units.xlsx").data)
    assert "6 dòng hợp lệ, 0 dòng lỗi" in preview.get_data(as_text=True)
    assert admin_client.post("/admin/imports/confirm", data={"token": _token(preview)}).status_code == 303
    orders = dict(db.session.execute(select(OrgUnit.code, OrgUnit.sort_order)).all())
    assert (orders["QNG.BS.X01"], orders["QNG.BS.TT01"], orders["QNG.BS.P01"], orders["QNG.S01"]) == (1, 3, 101, 201)


def test_without_an_order_column_the_files_order_is_the_official_order(admin_client):
    table = [["Mã đơn vị", "Tên", "Loại", "Đơn vị cấp trên"], ["H1", "Huyện Một", "Huyện", "P"],
             ["H1.X3", "Xã Cuối Cùng", "Xã", "H1"], ["H1.X1", "Xã An", "Xã", "H1"]]
    preview = _upload(admin_client, "units", "don_vi.csv", _csv(table))
    admin_client.post("/admin/imports/confirm", data={"token": _token(preview)})
    orders = dict(db.session.execute(select(OrgUnit.code, OrgUnit.sort_order)).all())
    assert orders["H1.X3"] < orders["H1.X1"]
